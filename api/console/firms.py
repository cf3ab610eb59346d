"""Firms in the console: profiles (public ones for other firms' SMEs) with the source of every
fact, the officers' form to declare facts, and partner discovery.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from meute.api.auth import Forbidden, Principal, Role
from meute.api.console.base import (
    PREFIX,
    FormDep,
    OfficerDep,
    PageNotFound,
    ReaderDep,
    RoleRefused,
    render,
)
from meute.api.console.directory import open_tenders
from meute.api.deps import StoreDep
from meute.api.exports import FACT_SOURCE_LABELS
from meute.api.routes.firms import visible
from meute.api.routes.partners import own_firm
from meute.api.service import declare_facts, find_partners
from meute.graph import naf
from meute.graph.cpv import format_code, label
from meute.graph.errors import InvalidInput, problems_from_validation
from meute.graph.model import (
    MAX_AWARDS,
    Capability,
    FactDeclaration,
    FactSource,
    Firm,
    PublicFirm,
)
from meute.graph.store import GraphStore
from meute.matcher.phrases import Lang
from meute.matcher.propose import MatchOptions

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _stored_firm(store: GraphStore, principal: Principal, siren: str) -> Firm:
    firm = store.get_firm(siren)
    if firm is None:
        raise PageNotFound(principal, f"l'entreprise {siren}")
    return firm


def evidence_source(firm: Firm | PublicFirm) -> str:
    """Where a firm's capabilities and their contracts come from, in French: award data (DECP)
    for a firm read from it, the synthetic data of the demonstration, else declared.
    """
    sources = {origin.source for origin in firm.provenance.values()}
    if FactSource.SYNTHETIC in sources:
        return FACT_SOURCE_LABELS[FactSource.SYNTHETIC]
    if sources & {FactSource.DECP, FactSource.DECP_INFERRED}:
        return FACT_SOURCE_LABELS[FactSource.DECP]
    return FACT_SOURCE_LABELS[FactSource.DECLARED]


AWARD_SOURCE_LABELS = {
    FactSource.DECP: "données d'attribution (DECP)",
    FactSource.DECLARED: "déclaré",
    FactSource.SYNTHETIC: FACT_SOURCE_LABELS[FactSource.SYNTHETIC],
}


def no_award_reason(firm: Firm | PublicFirm, capability: Capability) -> str:
    """Why a capability lists no contract, in French: declared, made up for the demonstration,
    or counted by an import that did not keep the contracts themselves.
    """
    sources = {origin.source for origin in firm.provenance.values()}
    if FactSource.SYNTHETIC in sources:
        return "savoir-faire fictif (démonstration) : aucun marché réel ne le prouve"
    if capability.contracts and sources & {FactSource.DECP, FactSource.DECP_INFERRED}:
        return "marchés comptés par un import antérieur qui n'en gardait pas le détail"
    return "savoir-faire déclaré, sans marché enregistré"


def _firm_page(
    request: Request,
    store: GraphStore,
    principal: Principal,
    firm: Firm | PublicFirm,
    errors: list[str],
    status_code: int = 200,
    tender_words: str = "",
) -> HTMLResponse:
    tenders, open_count = (
        open_tenders(store, dt.date.today(), tender_words)
        if principal.role is Role.OFFICER
        else ([], 0)
    )
    capabilities = sorted(firm.capabilities, key=lambda c: (-c.strength, -c.contracts, c.cpv))
    return render(
        request,
        "entreprise.html",
        principal,
        status_code,
        firm=firm,
        errors=errors,
        capabilities=[
            (c, format_code(c.cpv), label(c.cpv, "fr"), no_award_reason(firm, c))
            for c in capabilities
        ],
        AWARD_SOURCE_LABELS=AWARD_SOURCE_LABELS,
        MAX_AWARDS=MAX_AWARDS,
        evidence=evidence_source(firm),
        naf_label=naf.label(firm.naf),
        tenders=tenders,
        open_count=open_count,
        tender_words=tender_words,
    )


@router.get("/entreprises/{siren}", response_class=HTMLResponse)
def firm_page(
    request: Request,
    siren: str,
    store: StoreDep,
    principal: ReaderDep,
    appel: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """A firm: in full for officers and for itself, its public profile for other SMEs; every
    code with its label, its contacts as links, and for officers « Proposer pour un lot » among
    the open tenders whose words match ``appel``.
    """
    firm = _stored_firm(store, principal, siren)
    shown = visible(firm, principal)
    return _firm_page(request, store, principal, shown, [], tender_words=appel.strip())


# The form's fields, as French labels for the error messages.
DECLARED_FIELDS = {
    "headcount": "Effectif",
    "turnover_eur": "Chiffre d'affaires",
    "export_countries": "Pays d'export",
    "maturity": "Maturité export",
    "contact_email": "Contact",
    "contact_phone": "Téléphone",
    "certifications": "Certifications",
}
LISTS = ("export_countries", "certifications")


def _declaration(form: dict[str, str]) -> FactDeclaration:
    """The facts filled in on the form (an empty field declares nothing)."""
    given: dict[str, Any] = {}
    for name in DECLARED_FIELDS:
        value = form.get(name, "").strip()
        if not value:
            continue
        if name in LISTS:
            given[name] = [part.strip() for part in value.split(",") if part.strip()]
        elif name == "turnover_eur":
            given[name] = value.replace("\u202f", "").replace(" ", "").replace(",", ".")
        else:
            given[name] = value
    return FactDeclaration.model_validate(given)


@router.post("/entreprises/{siren}/faits", response_model=None)
def declare_page(
    request: Request, siren: str, form: FormDep, store: StoreDep, principal: OfficerDep
) -> Response:
    """Declare the facts filled in, then back to the firm; bad values are said in French."""
    firm = _stored_firm(store, principal, siren)
    values = {name: str(form.get(name) or "") for name in DECLARED_FIELDS}
    try:
        declare_facts(store, siren, _declaration(values), principal.name, dt.date.today())
    except (ValidationError, InvalidInput) as error:
        problems = (
            problems_from_validation(error)
            if isinstance(error, ValidationError)
            else error.problems
        )
        errors = [
            f"{DECLARED_FIELDS[name]} : valeur refusée"
            + (f" ({p.value})" if p.value not in (None, "") else "")
            if (name := p.field.split(".")[0].split("[")[0]) in DECLARED_FIELDS
            else "Remplissez au moins un champ."
            for p in problems
        ]
        return _firm_page(request, store, principal, firm, errors, 422)
    return RedirectResponse(f"{PREFIX}/entreprises/{siren}?ok=faits", status_code=303)


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
