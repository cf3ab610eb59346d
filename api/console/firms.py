"""Firms in the console: profiles (public ones for other firms' SMEs) and partner discovery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.auth import Forbidden, Principal
from api.console.base import PREFIX, PageNotFound, ReaderDep, RoleRefused, render
from api.deps import StoreDep
from api.routes.firms import visible
from api.routes.partners import own_firm
from api.service import find_partners
from graph.model import Firm
from graph.store import GraphStore
from matcher.phrases import Lang
from matcher.propose import MatchOptions

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _stored_firm(store: GraphStore, principal: Principal, siren: str) -> Firm:
    firm = store.get_firm(siren)
    if firm is None:
        raise PageNotFound(principal, f"l'entreprise {siren}")
    return firm


@router.get("/entreprises/{siren}", response_class=HTMLResponse)
def firm_page(request: Request, siren: str, store: StoreDep, principal: ReaderDep) -> HTMLResponse:
    """A firm: in full for officers and for itself, its public profile for other SMEs."""
    firm = _stored_firm(store, principal, siren)
    return render(request, "entreprise.html", principal, firm=visible(firm, principal))


@router.get("/entreprises/{siren}/partenaires", response_class=HTMLResponse)
def partners_page(
    request: Request,
    siren: str,
    store: StoreDep,
    principal: ReaderDep,
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> HTMLResponse:
    """Firms that complement this one (an SME sees its own partners only)."""
    try:
        own_firm(siren, principal)
    except Forbidden:
        raise RoleRefused(principal) from None
    firm = _stored_firm(store, principal, siren)
    result = find_partners(store, siren, None, top, MatchOptions(lang=Lang.FR))
    return render(request, "partenaires.html", principal, firm=firm, result=result)
