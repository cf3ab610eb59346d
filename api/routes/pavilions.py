"""France pavilion shortlists for trade fairs, as JSON or as a file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response

from meute.api.auth import OfficerDep, Role, require
from meute.api.deps import LangQuery, SettingsDep, StoreDep
from meute.api.examples import (
    PAVILION_CSV_EXAMPLE,
    PAVILION_EXAMPLE,
    PAVILION_RESULT_EXAMPLE,
    example_response,
    page,
)
from meute.api.exports import SheetFormat, file_openapi, pavilion_file
from meute.api.pages import LimitQuery, OffsetQuery, Page
from meute.api.proposals import get_pavilion, list_pavilions, save_pavilion
from meute.api.service import shortlist_pavilion
from meute.graph.model import PavilionRequest, PavilionResult, SavedPavilion
from meute.matcher.phrases import Lang

router = APIRouter(
    prefix="/pavilions", tags=["pavilions"], dependencies=[Depends(require(Role.OFFICER))]
)

SheetQuery = Annotated[SheetFormat, Query(description="csv (French Excel) or xlsx.")]
PavilionBody = Annotated[
    PavilionRequest, Body(openapi_examples={"Abidjan health fair": {"value": PAVILION_EXAMPLE}})
]


@router.post(
    "/shortlist",
    response_model=PavilionResult,
    summary="Shortlist a France pavilion",
    responses=example_response(PAVILION_RESULT_EXAMPLE),
)
def shortlist(
    request: PavilionBody, store: StoreDep, settings: SettingsDep, lang: LangQuery = Lang.EN
) -> PavilionResult:
    """The firms for the pavilion's stands that best cover the fair's themes, export-ready and
    from many regions, each with the themes it covers, its score parts and why (in ``lang``).

    422 naming the field for a bad request, an unknown required SIREN, or fewer matching firms
    than stands.
    """
    return shortlist_pavilion(store, request, settings.match_options(lang=lang))


@router.post(
    "/shortlist/export",
    response_class=Response,
    summary="Shortlist a France pavilion, as CSV or XLSX",
    responses=file_openapi(
        "The shortlist with French headers, one firm a row in stand order.",
        {"csv": PAVILION_CSV_EXAMPLE, "xlsx": ""},
    ),
)
def export_shortlist(
    request: PavilionBody,
    store: StoreDep,
    settings: SettingsDep,
    format: SheetQuery = SheetFormat.CSV,
) -> Response:
    """The same shortlist as ``POST /pavilions/shortlist``, as a file to download (in French)."""
    result = shortlist_pavilion(store, request, settings.match_options(lang=Lang.FR))
    return pavilion_file(result, format)


SAVED_PAVILION_EXAMPLE = {
    "id": "5be0c1d2e3f4",
    "request": PAVILION_EXAMPLE,
    "result": PAVILION_RESULT_EXAMPLE,
    "created_at": "2026-11-26T09:00:00Z",
    "created_by": "Claire, CCI Bretagne",
}


@router.post(
    "",
    status_code=201,
    response_model=SavedPavilion,
    summary="Shortlist a France pavilion and keep it",
    responses=example_response(SAVED_PAVILION_EXAMPLE, 201),
)
def save(
    request: PavilionBody,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
    lang: LangQuery = Lang.EN,
) -> SavedPavilion:
    """As ``POST /pavilions/shortlist``, then saved: its firms count as reached by the programme."""
    return save_pavilion(store, request, settings.match_options(lang=lang), principal)


@router.get(
    "",
    summary="Saved pavilion shortlists",
    responses=example_response(page(SAVED_PAVILION_EXAMPLE)),
)
def saved(store: StoreDep, offset: OffsetQuery = 0, limit: LimitQuery = 100) -> Page[SavedPavilion]:
    """Saved shortlists, newest first."""
    found = list_pavilions(store)
    return Page(items=found[offset : offset + limit], total=len(found), offset=offset, limit=limit)


@router.get(
    "/{pavilion_id}",
    response_model=SavedPavilion,
    summary="One saved pavilion shortlist",
    responses=example_response(SAVED_PAVILION_EXAMPLE),
)
def saved_one(pavilion_id: str, store: StoreDep) -> SavedPavilion:
    """The saved shortlist with this id (404 if unknown)."""
    return get_pavilion(store, pavilion_id)


@router.get(
    "/{pavilion_id}/export",
    response_class=Response,
    summary="A saved pavilion shortlist, as CSV or XLSX",
    responses=file_openapi(
        "The shortlist with French headers, one firm a row in stand order.",
        {"csv": PAVILION_CSV_EXAMPLE, "xlsx": ""},
    ),
)
def saved_export(
    pavilion_id: str, store: StoreDep, format: SheetQuery = SheetFormat.CSV
) -> Response:
    """The saved shortlist as a file to download, as it was chosen."""
    return pavilion_file(get_pavilion(store, pavilion_id).result, format)
