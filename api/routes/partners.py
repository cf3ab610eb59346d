"""Partner discovery: firms that complement a stored firm, in general or for a tender."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from meute.api.auth import Forbidden, Principal, Role
from meute.api.deps import LangQuery, StoreDep
from meute.api.examples import PARTNER_RESULT_EXAMPLE, TENDER_EXAMPLE, example_response
from meute.api.routes.firms import ReaderDep
from meute.api.service import find_partners
from meute.graph.errors import Problem
from meute.graph.model import PartnerResult, Tender
from meute.matcher.phrases import Lang
from meute.matcher.propose import MatchOptions

router = APIRouter(prefix="/firms/{siren}/partners", tags=["partners"])

TopQuery = Annotated[int, Query(ge=1, le=100, description="How many partners.")]


def own_firm(siren: str, principal: Principal) -> str:
    """An SME asks for partners for itself only."""
    if principal.role is Role.SME and principal.siren != siren:
        problem = Problem("siren", siren, "an SME key asks for partners for its own firm only")
        raise Forbidden("not your firm", [problem])
    return siren


@router.get(
    "",
    response_model=PartnerResult,
    summary="Partners of a firm, in general",
    responses=example_response(PARTNER_RESULT_EXAMPLE),
)
def general_partners(
    siren: str,
    store: StoreDep,
    principal: ReaderDep,
    top: TopQuery = 10,
    lang: LangQuery = Lang.EN,
) -> PartnerResult:
    """Firms whose capabilities complement this firm's, ranked, each with why (404 if unknown)."""
    return find_partners(store, own_firm(siren, principal), None, top, MatchOptions(lang=lang))


@router.post(
    "",
    response_model=PartnerResult,
    summary="Partners of a firm for a tender",
    responses=example_response(PARTNER_RESULT_EXAMPLE),
)
def tender_partners(
    siren: str,
    tender: Annotated[Tender, Body(openapi_examples={"Bouaké": {"value": TENDER_EXAMPLE}})],
    store: StoreDep,
    principal: ReaderDep,
    top: TopQuery = 10,
    lang: LangQuery = Lang.EN,
) -> PartnerResult:
    """Firms that fit the lots of the tender in the body that this firm covers least."""
    return find_partners(store, own_firm(siren, principal), tender, top, MatchOptions(lang=lang))
