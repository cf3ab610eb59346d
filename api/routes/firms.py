"""Firms: list with filters, read, create or replace, declare facts.

An SME key sees its own firm in full and other firms as public profiles.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from meute.api.auth import OfficerDep, Principal, Role, require
from meute.api.deps import StoreDep
from meute.api.examples import (
    FIRM_EXAMPLE,
    PUBLIC_FIRM_EXAMPLE,
    WRITE_REPORT_EXAMPLE,
    example_response,
    page,
)
from meute.api.pages import LimitQuery, OffsetQuery, Page
from meute.api.service import declare_facts, stored_firm
from meute.graph.errors import InvalidInput, Problem
from meute.graph.model import (
    ExportMaturity,
    FactDeclaration,
    Firm,
    HeadcountBand,
    PublicFirm,
    Region,
)
from meute.graph.store import FirmQuery

# Firms per request; larger batches go through POST /imports.
MAX_FIRMS = 10_000

router = APIRouter(prefix="/firms", tags=["firms"])

ReaderDep = Annotated[Principal, Depends(require(Role.OFFICER, Role.SME))]


def visible(firm: Firm, principal: Principal) -> Firm | PublicFirm:
    """The firm as ``principal`` may see it: in full for officers and for the firm itself."""
    if principal.role is Role.OFFICER or principal.siren == firm.siren:
        return firm
    return PublicFirm.of(firm)


@router.get(
    "",
    summary="List firms, with filters",
    responses=example_response(page(FIRM_EXAMPLE, PUBLIC_FIRM_EXAMPLE)),
)
def list_firms(
    store: StoreDep,
    principal: ReaderDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 100,
    cpv: Annotated[str | None, Query(description="A capability under this CPV code.")] = None,
    naf: Annotated[str | None, Query(description="NAF code prefix, e.g. 86 or 86.10Z.")] = None,
    region: Region | None = None,
    headcount: HeadcountBand | None = None,
    sme: bool | None = None,
    maturity: ExportMaturity | None = None,
    certification: Annotated[str | None, Query(max_length=60)] = None,
    name: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
) -> Page[Firm | PublicFirm]:
    """A page of the firms that pass every filter given, sorted by SIREN, and their total."""
    try:
        query = FirmQuery(cpv, naf, region, headcount, sme, maturity, certification, name)
    except InvalidInput as error:
        problems = [Problem("cpv", p.value, p.message) for p in error.problems]
        raise InvalidInput("invalid CPV filter", problems) from None
    firms, total = store.find_firms(query, offset, limit)
    return Page(
        items=[visible(f, principal) for f in firms], total=total, offset=offset, limit=limit
    )


@router.get("/{siren}", summary="One firm", responses=example_response(FIRM_EXAMPLE))
def get_firm(siren: str, store: StoreDep, principal: ReaderDep) -> Firm | PublicFirm:
    """The firm with this SIREN (422 if it is not a SIREN, 404 if unknown); a public profile for
    other firms' SMEs.
    """
    return visible(stored_firm(store, siren), principal)


@router.post(
    "",
    status_code=201,
    summary="Create or replace firms",
    responses=example_response(WRITE_REPORT_EXAMPLE, 201),
)
def post_firms(
    store: StoreDep,
    _: OfficerDep,
    firms: Annotated[
        list[Firm],
        Body(max_length=MAX_FIRMS, openapi_examples={"one firm": {"value": [FIRM_EXAMPLE]}}),
    ],
) -> dict[str, int]:
    """Upsert firms by SIREN (at most 10,000); the whole batch is validated before anything is
    written.
    """
    report = store.upsert_firms(firms)
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}


@router.patch(
    "/{siren}", summary="Declare facts about a firm", responses=example_response(FIRM_EXAMPLE)
)
def patch_firm(
    siren: str,
    store: StoreDep,
    principal: OfficerDep,
    declaration: Annotated[
        FactDeclaration,
        Body(openapi_examples={"headcount": {"value": {"headcount": "50-249"}}}),
    ],
) -> Firm:
    """Set or correct facts (headcount, turnover, export countries and share, maturity,
    contact, certifications, region, NAF): each is kept as ``declared`` with the key holder's
    name and today's date, and no import overwrites it.
    """
    return declare_facts(store, siren, declaration, principal.name, dt.date.today())
