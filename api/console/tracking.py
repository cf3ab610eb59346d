"""Proposals and programme tracking in the console: save a consortium, follow it, report."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from meute.api.auth import Principal
from meute.api.console.base import (
    PREFIX,
    FormDep,
    OfficerDep,
    PageNotFound,
    ProgrammeDep,
    error_page,
    render,
)
from meute.api.console.tenders import assignment_of, stored_tender
from meute.api.deps import SettingsDep, StoreDep
from meute.api.proposals import list_proposals, programme_report, save_proposal, update_proposal
from meute.graph.errors import InvalidInput, NotFound
from meute.graph.model import NoteText, ProposalStatus
from meute.graph.store import GraphStore
from meute.matcher.phrases import Lang

router = APIRouter(prefix=PREFIX, include_in_schema=False)

NOTE = TypeAdapter(NoteText)
NOTE_TOO_LONG = "La note est trop longue (5 000 caractères au plus)."


def _note(form: FormData) -> str | None:
    """The note of a form, or None when empty; a note too long raises ValidationError."""
    text = str(form.get("note") or "").strip()
    return NOTE.validate_python(text) if text else None


@router.post("/propositions", response_model=None)
def save_proposal_page(
    request: Request, form: FormDep, store: StoreDep, settings: SettingsDep, principal: OfficerDep
) -> Response:
    """Save a consortium (as proposed or after a swap) and go to the list of proposals."""
    tender = stored_tender(store, principal, str(form.get("tender_id", "")))
    try:
        note = _note(form)
        proposal = save_proposal(
            store,
            tender,
            assignment_of(form),
            settings.match_options(lang=Lang.FR),
            principal,
            note,
        )
    except ValidationError:
        return error_page(request, principal, NOTE_TOO_LONG)
    except InvalidInput:
        message = "Ce consortium n'a pas été enregistré : il ne respecte pas les contraintes."
        return error_page(request, principal, message)
    return RedirectResponse(f"{PREFIX}/propositions#proposition-{proposal.id}", status_code=303)


@router.get("/propositions", response_class=HTMLResponse)
def proposals_page(
    request: Request,
    store: StoreDep,
    principal: OfficerDep,
    statut: ProposalStatus | None = None,
) -> HTMLResponse:
    """Saved proposals, newest first, each with its status, notes and history."""
    return _proposals(request, store, principal, statut)


def _proposals(
    request: Request,
    store: GraphStore,
    principal: Principal,
    status: ProposalStatus | None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "propositions.html",
        principal,
        422 if errors else 200,
        proposals=list_proposals(store, status),
        status=status,
        errors=errors or {},
    )


@router.post("/propositions/{proposal_id}", response_model=None)
def change_proposal(
    request: Request,
    proposal_id: str,
    form: FormDep,
    store: StoreDep,
    principal: OfficerDep,
) -> Response:
    """Move a proposal to its next status and/or add a note."""
    status_text = str(form.get("statut") or "")
    try:
        note = _note(form)
    except ValidationError:
        return _proposals(request, store, principal, None, {proposal_id: NOTE_TOO_LONG})
    if not status_text and note is None:
        message = "Choisissez un nouveau statut ou saisissez une note."
        return _proposals(request, store, principal, None, {proposal_id: message})
    try:
        status = ProposalStatus(status_text) if status_text else None
        update_proposal(store, proposal_id, principal, status, note)
    except NotFound:
        raise PageNotFound(principal, f"la proposition {proposal_id}") from None
    except (InvalidInput, ValueError):
        message = "Ce changement de statut n'est pas permis depuis le statut actuel."
        return _proposals(request, store, principal, None, {proposal_id: message})
    return RedirectResponse(f"{PREFIX}/propositions#proposition-{proposal_id}", status_code=303)


@router.get("/programme", response_class=HTMLResponse)
def programme_page(
    request: Request, store: StoreDep, settings: SettingsDep, principal: ProgrammeDep
) -> HTMLResponse:
    """Progress toward the programme's target, and who has been reached."""
    report = programme_report(store, settings.programme_target)
    return render(request, "programme.html", principal, report=report)
