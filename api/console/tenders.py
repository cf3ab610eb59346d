"""Tenders in the console: the list, the entry form, ranked consortia and swapped members."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from meute.api import service
from meute.api.auth import Principal
from meute.api.console.base import PREFIX, FormDep, OfficerDep, found, render
from meute.api.console.codes import unconfirmed_lots
from meute.api.console.forms import CURRENCIES, TenderForm, blank_lot
from meute.api.console.network import network
from meute.api.deps import SettingsDep, StoreDep
from meute.api.proposals import evaluate_assignment
from meute.api.scores import explained, legend, rank_sentences
from meute.api.service import match_with_alternatives
from meute.graph.errors import Infeasible, InvalidInput
from meute.graph.model import Consortium, ConsortiumMember, Region, Tender, TenderSource
from meute.graph.store import GraphStore
from meute.matcher.phrases import Lang
from meute.matcher.propose import MatchOptions, Mode

__all__ = ["assignment_of", "evaluation_view", "router", "stored_tender"]

TENDERS_PER_PAGE = 50
# Candidate firms offered for each lot when swapping a member.
SWAP_CHOICES = 12
ASSIGNMENT_FIELD = "affectation."
# The proposal's own terms, sent with a swap to show what each term gained or lost.
REFERENCE_FIELD = "reference."
router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/appels-d-offres", response_class=HTMLResponse)
def tenders_page(
    request: Request,
    store: StoreDep,
    principal: OfficerDep,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """The stored tenders, by id, a page at a time."""
    total = store.count_tenders()
    tenders = store.list_tenders((page - 1) * TENDERS_PER_PAGE, TENDERS_PER_PAGE)
    pages = max(1, -(-total // TENDERS_PER_PAGE))
    return render(
        request, "appels.html", principal, tenders=tenders, total=total, page=page, pages=pages
    )


@router.get("/appels-d-offres/nouveau", response_class=HTMLResponse)
def tender_form_page(
    request: Request, store: StoreDep, principal: OfficerDep, depuis: str | None = None
) -> HTMLResponse:
    """The tender entry form, empty or filled with a stored tender (``?depuis=ID``)."""
    form = TenderForm()
    if depuis is not None:
        form = TenderForm.from_tender(stored_tender(store, principal, depuis))
    return _tender_form(request, principal, form)


def _tender_form(
    request: Request, principal: Principal, form: TenderForm, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "appel_saisie.html",
        principal,
        status_code,
        form=form,
        currencies=CURRENCIES,
        regions=list(Region),
        blank_lot=blank_lot(),
    )


@router.post("/appels-d-offres/nouveau", response_model=None)
def submit_tender(
    request: Request, form: FormDep, store: StoreDep, settings: SettingsDep, principal: OfficerDep
) -> Response:
    """Store the tender and show its consortia, or show the form again with its errors."""
    entered = TenderForm.from_form(form)
    tender = entered.tender()
    if tender is None or unconfirmed_lots(entered, tender, settings.match_options(lang=Lang.FR)):
        return _tender_form(request, principal, entered, 422)
    # A tender changed here keeps where it came from (a TED notice stays one); a new one is
    # typed in the console.
    known = store.get_tender(tender.id)
    origin = {"source": known.source, "notice": known.notice} if known else {}
    store.upsert_tenders([tender.model_copy(update={"source": TenderSource.CONSOLE, **origin})])
    return RedirectResponse(
        f"{PREFIX}/appels-d-offres/{quote(tender.id, safe='')}/consortiums?ok=appel",
        status_code=303,
    )


def stored_tender(store: GraphStore, principal: Principal, tender_id: str) -> Tender:
    """The stored tender with this id, or the French 404 page."""
    with found(principal, f"l'appel d'offres « {tender_id} »"):
        return service.stored_tender(store, tender_id)


@router.get("/appels-d-offres/{tender_id}/consortiums", response_class=HTMLResponse)
def consortia_page(
    request: Request,
    tender_id: str,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
    top: Annotated[int, Query(ge=1, le=20)] = 5,
    mode: Mode = Mode.FAST,
) -> HTMLResponse:
    """Ranked consortia for a stored tender: breakdown, members, network, swap, save."""
    tender = stored_tender(store, principal, tender_id)
    options = settings.match_options(top, mode, Lang.FR)
    context: dict[str, Any] = {
        "tender": tender,
        "lot_titles": tender.lot_titles(),
        "top": top,
        "mode": mode.value,
        "weights": options.weights,
        "legende": legend(options.weights),
        "deadline": settings.search.deadline,
    }
    try:
        result, alternatives = match_with_alternatives(store, tender, options, SWAP_CHOICES)
    except Infeasible as error:
        return render(request, "consortiums.html", principal, result=None, error=error, **context)
    members = {member.siren for c in result.consortia for member in c.members}
    collaborations = store.collaborations_among(members)
    return render(
        request,
        "consortiums.html",
        principal,
        result=result,
        error=None,
        pictures=[network(tender, c, collaborations) for c in result.consortia],
        assignments=[_firm_by_lot(c) for c in result.consortia],
        reasons=rank_sentences([c.breakdown for c in result.consortia], options.weights),
        assignment_field=ASSIGNMENT_FIELD,
        reference_field=REFERENCE_FIELD,
        alternatives=alternatives,
        **context,
    )


def _firm_by_lot(consortium: Consortium) -> dict[str, ConsortiumMember]:
    return {lot: member for member in consortium.members for lot in member.lots}


def assignment_of(form: FormData) -> dict[str, str]:
    """Lot id -> SIREN from the ``affectation.<lot>`` fields of a form."""
    return {
        key.removeprefix(ASSIGNMENT_FIELD): str(value)
        for key, value in form.multi_items()
        if key.startswith(ASSIGNMENT_FIELD)
    }


@router.post("/appels-d-offres/{tender_id}/evaluation", response_class=HTMLResponse)
def evaluation_page(
    request: Request,
    tender_id: str,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> HTMLResponse:
    """A consortium as the officer composed it (a member swapped): its score and breakdown,
    and what each term gained or lost against the proposal it came from.
    """
    tender = stored_tender(store, principal, tender_id)
    reference = _float(form.get("reference"))
    before = {
        name.removeprefix(REFERENCE_FIELD): value
        for name, raw in form.multi_items()
        if name.startswith(REFERENCE_FIELD) and (value := _float(raw)) is not None
    }
    options = settings.match_options(lang=Lang.FR)
    return evaluation_view(
        request, principal, store, tender, assignment_of(form), options, reference, before
    )


def evaluation_view(
    request: Request,
    principal: Principal,
    store: GraphStore,
    tender: Tender,
    firm_by_lot: dict[str, str],
    options: MatchOptions,
    reference: float | None,
    before: dict[str, float],
    **context: Any,
) -> HTMLResponse:
    """The page of a consortium given lot by lot: its score, each term against the ``before``
    terms of the proposal it changes (if given), its network; or why it was refused.
    """
    try:
        evaluation = evaluate_assignment(store, tender, firm_by_lot, options)
    except InvalidInput as error:
        return render(
            request,
            "evaluation.html",
            principal,
            422,
            tender=tender,
            evaluation=None,
            refused=_refused_lots(error, tender),
            **context,
        )
    consortium = evaluation.consortium
    collaborations = store.collaborations_among([member.siren for member in consortium.members])
    return render(
        request,
        "evaluation.html",
        principal,
        tender=tender,
        lot_titles=tender.lot_titles(),
        evaluation=evaluation,
        violations=evaluation.violations,
        picture=network(tender, consortium, collaborations),
        assignment=firm_by_lot,
        assignment_field=ASSIGNMENT_FIELD,
        reference=reference,
        terms=explained(consortium.breakdown, options.weights, reference=before or None),
        legende=legend(options.weights),
        refused=[],
        **context,
    )


def _refused_lots(error: InvalidInput, tender: Tender) -> list[str]:
    """Why the evaluation refused an assignment (in French), lot by lot."""
    titles = tender.lot_titles()
    reasons = []
    for problem in error.problems:
        lot = problem.field.removeprefix("assignment.")
        where = f"Lot {lot} · {titles[lot]}" if lot in titles else f"Lot {lot}"
        reasons.append(f"{where} : {problem.message}.")
    return reasons


def _float(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None
