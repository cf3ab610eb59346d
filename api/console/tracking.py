"""Proposals and programme tracking in the console: save a consortium, follow each of its
members (and replace one who declines), report progress per quarter to the committee.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from meute.api.auth import Principal
from meute.api.console.base import (
    PREFIX,
    FormDep,
    OfficerDep,
    ProgrammeDep,
    error_page,
    found,
    render,
)
from meute.api.console.tenders import assignment_of, stored_tender
from meute.api.deps import SettingsDep, StoreDep
from meute.api.proposals import (
    follow_member,
    list_proposals,
    programme_report,
    rename_proposal,
    replace_member,
    replacement_candidates,
    save_proposal,
    update_proposal,
)
from meute.api.settings import Settings
from meute.graph.errors import InvalidInput
from meute.graph.model import MemberStatus, Name, NoteText, ProposalStatus
from meute.graph.store import GraphStore
from meute.matcher.phrases import Lang

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _proposal_found(principal: Principal, proposal_id: str) -> AbstractContextManager[None]:
    """The French 404 page when the proposal is not stored."""
    return found(principal, f"la proposition {proposal_id}")


NOTE = TypeAdapter(NoteText)
NAME = TypeAdapter(Name)
NOTE_TOO_LONG = "La note est trop longue (5 000 caractères au plus)."
NAME_INVALID = "Le nom doit compter de 1 à 200 caractères."


def _note(form: FormData) -> str | None:
    """The note of a form, or None when empty; a note too long raises ValidationError."""
    text = str(form.get("note") or "").strip()
    return NOTE.validate_python(text) if text else None


def _followed(proposal_id: str, done: str) -> RedirectResponse:
    """Back to the proposal in the list, saying what was saved."""
    return RedirectResponse(
        f"{PREFIX}/propositions?ok={done}#proposition-{proposal_id}", status_code=303
    )


@router.post("/propositions", response_model=None)
def save_proposal_page(
    request: Request, form: FormDep, store: StoreDep, settings: SettingsDep, principal: OfficerDep
) -> Response:
    """Save a consortium (as proposed or after a swap) and go to the list of proposals."""
    tender = stored_tender(store, principal, str(form.get("tender_id", "")))
    name_text = str(form.get("name") or "").strip()
    try:
        note = _note(form)
    except ValidationError:
        return error_page(request, principal, NOTE_TOO_LONG)
    try:
        name = NAME.validate_python(name_text) if name_text else None
    except ValidationError:
        return error_page(request, principal, NAME_INVALID)
    try:
        proposal = save_proposal(
            store,
            tender,
            assignment_of(form),
            settings.match_options(lang=Lang.FR),
            principal,
            note,
            name,
        )
    except InvalidInput:
        message = "Ce consortium n'a pas été enregistré : il ne respecte pas les contraintes."
        return error_page(request, principal, message)
    return _followed(proposal.id, "proposition")


@router.get("/propositions", response_class=HTMLResponse)
def proposals_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
    statut: ProposalStatus | None = None,
) -> HTMLResponse:
    """Saved proposals, newest first, each with its status, its members' follow-up, notes and
    history; a member who declined comes with the firms that could take its place.
    """
    return _proposals(request, store, settings, principal, statut)


def _proposals(
    request: Request,
    store: GraphStore,
    settings: Settings,
    principal: Principal,
    status: ProposalStatus | None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    proposals = list_proposals(store, status)
    options = settings.match_options(lang=Lang.FR)
    candidates = {
        (proposal.id, member.siren): replacement_candidates(store, proposal, member.siren, options)
        for proposal in proposals
        for member in proposal.members
        if member.status is MemberStatus.DECLINED and member.replaced_by is None
    }
    return render(
        request,
        "propositions.html",
        principal,
        422 if errors else 200,
        proposals=proposals,
        status=status,
        errors=errors or {},
        candidates=candidates,
    )


@router.post("/propositions/{proposal_id}", response_model=None)
def change_proposal(
    request: Request,
    proposal_id: str,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> Response:
    """Move a proposal to its next status and/or add a note."""
    status_text = str(form.get("statut") or "")
    try:
        note = _note(form)
    except ValidationError:
        return _proposals(request, store, settings, principal, None, {proposal_id: NOTE_TOO_LONG})
    if not status_text and note is None:
        message = "Choisissez un nouveau statut ou saisissez une note."
        return _proposals(request, store, settings, principal, None, {proposal_id: message})
    try:
        status = ProposalStatus(status_text) if status_text else None
        with _proposal_found(principal, proposal_id):
            update_proposal(store, proposal_id, principal, status, note)
    except (InvalidInput, ValueError):
        message = "Ce changement de statut n'est pas permis depuis le statut actuel."
        return _proposals(request, store, settings, principal, None, {proposal_id: message})
    return _followed(proposal_id, "suivi")


@router.post("/propositions/{proposal_id}/nom", response_model=None)
def rename_proposal_page(
    request: Request,
    proposal_id: str,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> Response:
    """Give a proposal a new name."""
    try:
        name = NAME.validate_python(str(form.get("name") or "").strip())
        with _proposal_found(principal, proposal_id):
            rename_proposal(store, proposal_id, name)
    except ValidationError:
        return _proposals(request, store, settings, principal, None, {proposal_id: NAME_INVALID})
    return _followed(proposal_id, "nom")


@router.post("/propositions/{proposal_id}/membres/{siren}", response_model=None)
def follow_member_page(
    request: Request,
    proposal_id: str,
    siren: str,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> Response:
    """Set one member's status (à contacter, contactée, accepte, décline) and/or add a note."""
    status_text = str(form.get("statut") or "")
    try:
        note = _note(form)
        status = MemberStatus(status_text) if status_text else None
    except ValidationError:
        return _proposals(request, store, settings, principal, None, {proposal_id: NOTE_TOO_LONG})
    except ValueError:
        status, note = None, None
    try:
        with _proposal_found(principal, proposal_id):
            follow_member(store, proposal_id, siren, principal, status, note)
    except InvalidInput:
        message = "Choisissez un nouveau statut pour ce membre ou saisissez une note."
        return _proposals(request, store, settings, principal, None, {proposal_id: message})
    return _followed(proposal_id, "membre")


@router.post("/propositions/{proposal_id}/membres/{siren}/remplacement", response_model=None)
def replace_member_page(
    request: Request,
    proposal_id: str,
    siren: str,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> Response:
    """Give the lots of a member who declined to the firm chosen among the alternatives."""
    replacement = str(form.get("remplacant") or "")
    try:
        options = settings.match_options(lang=Lang.FR)
        with _proposal_found(principal, proposal_id):
            replace_member(store, proposal_id, siren, replacement, options, principal)
    except InvalidInput:
        message = (
            "Ce remplacement n'a pas été enregistré : le consortium ne respecterait plus les "
            "contraintes, ou le membre n'a pas décliné."
        )
        return _proposals(request, store, settings, principal, None, {proposal_id: message})
    return _followed(proposal_id, "remplacement")


@router.get("/programme", response_class=HTMLResponse)
def programme_page(
    request: Request, store: StoreDep, settings: SettingsDep, principal: ProgrammeDep
) -> HTMLResponse:
    """Progress toward the programme's target, per quarter, and who has been accompanied."""
    report = programme_report(store, settings.programme_target, settings.programme_accompanied)
    return render(request, "programme.html", principal, report=report)
