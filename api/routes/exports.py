"""Consortium proposals of a stored tender as files: CSV, XLSX, and a printable brief."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from meute.api.auth import Role, require
from meute.api.deps import SettingsDep, StoreDep
from meute.api.examples import CONSORTIA_CSV_EXAMPLE
from meute.api.exports import BriefFormat, SheetFormat, brief_file, consortia_file, file_openapi
from meute.api.routes.tenders import ModeQuery, TopQuery
from meute.api.service import tender_proposals
from meute.matcher.phrases import Lang
from meute.matcher.propose import Mode

router = APIRouter(
    prefix="/tenders/{tender_id}/consortia",
    tags=["exports"],
    dependencies=[Depends(require(Role.OFFICER))],
)

TenderId = Annotated[str, Path(openapi_examples={"Bouaké hospital": {"value": "bouake-hospital"}})]
BRIEF_EXAMPLE = (
    '<!doctype html>\n<html lang="fr">\n...<h1>Fiche consortium n° 1</h1>\n'
    '<p class="tender">Hôpital de 250 lits de Bouaké : construction, équipement et formation</p>'
    "\n...</html>"
)


@router.get(
    "/export",
    response_class=Response,
    summary="Consortia for a tender, as CSV or XLSX",
    responses=file_openapi(
        "One row per member per consortium; the XLSX adds each consortium's score terms, and "
        "the lots no firm may take with why.",
        {"csv": CONSORTIA_CSV_EXAMPLE, "xlsx": ""},
    ),
)
def export_consortia(
    tender_id: TenderId,
    store: StoreDep,
    settings: SettingsDep,
    format: Annotated[SheetFormat, Query(description="csv (French Excel) or xlsx.")] = (
        SheetFormat.CSV
    ),
    top: TopQuery = 10,
    mode: ModeQuery = Mode.FAST,
) -> Response:
    """The consortia of ``GET /tenders/{tender_id}/consortia``, as a file explained in French
    (404 if unknown).
    """
    options = settings.match_options(top, mode, Lang.FR)
    found = tender_proposals(store, tender_id, options)
    stem = f"consortiums {tender_id}"
    return consortia_file(
        found.tender,
        found.result.consortia,
        found.firms,
        format,
        stem,
        options.weights,
        found.result.uncovered,
    )


@router.get(
    "/{rank}/brief",
    response_class=Response,
    summary="One-page brief of a consortium, as HTML or PDF",
    responses=file_openapi(
        "The tender, members, lots, leader, why, score breakdown and contacts, in French.",
        {"html": BRIEF_EXAMPLE, "pdf": ""},
    ),
)
def consortium_brief(
    tender_id: TenderId,
    rank: Annotated[int, Path(ge=1, le=100, openapi_examples={"best": {"value": 1}})],
    store: StoreDep,
    settings: SettingsDep,
    format: Annotated[BriefFormat, Query(description="html (printable page) or pdf.")] = (
        BriefFormat.HTML
    ),
    top: TopQuery = 10,
    mode: ModeQuery = Mode.FAST,
) -> Response:
    """The brief of the consortium of this rank among those ``GET /tenders/{tender_id}/consortia``
    lists with the same ``top`` and ``mode`` (404 naming ``rank`` if there are fewer).
    """
    options = settings.match_options(top, mode, Lang.FR)
    found = tender_proposals(store, tender_id, options)
    stem = f"fiche consortium {rank} {tender_id}"
    return brief_file(
        found.tender, found.consortium(rank), found.firms, format, stem, options.weights
    )
