"""Saved consortium proposals, followed from proposal to award, and swaps scored on demand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from meute.api.auth import OfficerDep
from meute.api.deps import LangQuery, SettingsDep, StoreDep
from meute.api.examples import (
    CONSORTIA_CSV_EXAMPLE,
    EVALUATION_EXAMPLE,
    PROPOSAL_EXAMPLE,
    example_response,
    page,
)
from meute.api.exports import BriefFormat, SheetFormat, brief_file, consortia_file, file_openapi
from meute.api.pages import LimitQuery, OffsetQuery, Page
from meute.api.proposals import (
    evaluate_assignment,
    follow_member,
    get_proposal,
    list_proposals,
    proposal_files,
    rename_proposal,
    replace_member,
    save_proposal,
    update_proposal,
)
from meute.api.routes.pavilions import SheetQuery
from meute.api.scores import ShownEvaluation
from meute.api.service import stored_tender
from meute.graph.model import (
    MemberStatus,
    Name,
    NoteText,
    Proposal,
    ProposalStatus,
    Siren,
)
from meute.matcher.phrases import Lang

router = APIRouter(tags=["proposals"])

ASSIGNMENT_EXAMPLE = {"L1": "552081317", "L2": "400203224", "L3": "572217040"}


class AssignmentBody(BaseModel):
    """A consortium as the firm (SIREN) given each lot of the tender."""

    model_config = ConfigDict(extra="forbid")

    assignment: dict[str, str] = Field(
        description="Lot id -> SIREN, one entry per lot.", max_length=100
    )


class NewProposal(AssignmentBody):
    """A consortium to save for a stored tender, with an optional name and first note."""

    tender_id: str
    name: Name | None = Field(None, description="The tender's title when not given.")
    note: NoteText | None = None


class ProposalChange(BaseModel):
    """A move along the workflow and/or a note, and/or a new name."""

    model_config = ConfigDict(extra="forbid")

    status: ProposalStatus | None = None
    note: NoteText | None = None
    name: Name | None = None


class MemberChange(BaseModel):
    """A member's new status and/or a note on it."""

    model_config = ConfigDict(extra="forbid")

    status: MemberStatus | None = None
    note: NoteText | None = None


class Replacement(BaseModel):
    """The firm that takes the lots of a member who declined."""

    model_config = ConfigDict(extra="forbid")

    replacement: Siren


@router.post(
    "/tenders/{tender_id}/consortia/evaluate",
    response_model=ShownEvaluation,
    summary="Score a consortium as given (e.g. after swapping a member)",
    responses=example_response(EVALUATION_EXAMPLE),
)
def evaluate(
    tender_id: str,
    body: Annotated[
        AssignmentBody,
        Body(openapi_examples={"Bouaké": {"value": {"assignment": ASSIGNMENT_EXAMPLE}}}),
    ],
    store: StoreDep,
    settings: SettingsDep,
    _: OfficerDep,
    lang: LangQuery = Lang.EN,
) -> ShownEvaluation:
    """Score, breakdown, leader and reasons of this consortium, and what it breaks (in
    ``lang``).
    """
    tender = stored_tender(store, tender_id)
    options = settings.match_options(lang=lang)
    evaluation = evaluate_assignment(store, tender, body.assignment, options)
    return ShownEvaluation.of(evaluation, options.weights)


@router.post(
    "/proposals",
    status_code=201,
    response_model=Proposal,
    summary="Save a proposal",
    responses=example_response(PROPOSAL_EXAMPLE, 201),
)
def post_proposal(
    body: Annotated[
        NewProposal,
        Body(
            openapi_examples={
                "Bouaké": {
                    "value": {
                        "tender_id": "bouake-hospital",
                        "assignment": ASSIGNMENT_EXAMPLE,
                        "note": "Chef de file contacté par la CCI.",
                    }
                }
            }
        ),
    ],
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
    lang: LangQuery = Lang.EN,
) -> Proposal:
    """Evaluate and save a consortium for a stored tender, with status ``proposed``; its
    reasons are kept in ``lang``.

    A consortium breaking a hard constraint of the tender is refused (422, each constraint
    listed).
    """
    tender = stored_tender(store, body.tender_id)
    options = settings.match_options(lang=lang)
    return save_proposal(store, tender, body.assignment, options, principal, body.note, body.name)


@router.get(
    "/proposals",
    summary="List saved proposals",
    responses=example_response(page(PROPOSAL_EXAMPLE)),
)
def get_proposals(
    store: StoreDep,
    _: OfficerDep,
    status: ProposalStatus | None = None,
    tender_id: str | None = None,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 100,
) -> Page[Proposal]:
    """Saved proposals, newest first, optionally of one status or tender."""
    found = list_proposals(store, status, tender_id)
    return Page(items=found[offset : offset + limit], total=len(found), offset=offset, limit=limit)


@router.get(
    "/proposals/{proposal_id}",
    response_model=Proposal,
    summary="One proposal",
    responses=example_response(PROPOSAL_EXAMPLE),
)
def get_one(proposal_id: str, store: StoreDep, _: OfficerDep) -> Proposal:
    """The saved proposal with its status history and notes (404 if unknown)."""
    return get_proposal(store, proposal_id)


@router.patch(
    "/proposals/{proposal_id}",
    response_model=Proposal,
    summary="Change status, add a note",
    responses=example_response(PROPOSAL_EXAMPLE),
)
def patch_proposal(
    proposal_id: str,
    change: Annotated[
        ProposalChange,
        Body(
            openapi_examples={
                "contacted": {"value": {"status": "contacted", "note": "Appel au chef de file."}}
            }
        ),
    ],
    store: StoreDep,
    principal: OfficerDep,
) -> Proposal:
    """Move to the next status (proposed → contacted → formed → submitted → won), or to lost
    while open, and/or add a note, and/or rename; any other move is refused with 422.
    """
    if change.name is not None:
        renamed = rename_proposal(store, proposal_id, change.name)
        if change.status is None and change.note is None:
            return renamed
    return update_proposal(store, proposal_id, principal, change.status, change.note)


@router.patch(
    "/proposals/{proposal_id}/members/{siren}",
    response_model=Proposal,
    summary="Follow one member: its status and notes",
    responses=example_response(PROPOSAL_EXAMPLE),
)
def patch_member(
    proposal_id: str,
    siren: str,
    change: Annotated[
        MemberChange,
        Body(openapi_examples={"accepted": {"value": {"status": "accepted", "note": "Oui."}}}),
    ],
    store: StoreDep,
    principal: OfficerDep,
) -> Proposal:
    """Set a current member's status (to_contact, contacted, accepted, declined) and/or add a
    note; the other members are untouched. 422 when nothing changes or the firm is not a member.
    """
    return follow_member(store, proposal_id, siren, principal, change.status, change.note)


@router.post(
    "/proposals/{proposal_id}/members/{siren}/replacement",
    response_model=Proposal,
    summary="Replace a member who declined",
    responses=example_response(PROPOSAL_EXAMPLE),
)
def replace_declined(
    proposal_id: str,
    siren: str,
    body: Annotated[
        Replacement,
        Body(openapi_examples={"Bouaké": {"value": {"replacement": "400203224"}}}),
    ],
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
    lang: LangQuery = Lang.EN,
) -> Proposal:
    """Give the lots of a member who declined to another firm; the consortium is rescored and
    refused (422, nothing changed) if it breaks a constraint. The other members keep their
    follow-up, the one replaced keeps its history.
    """
    options = settings.match_options(lang=lang)
    return replace_member(store, proposal_id, siren, body.replacement, options, principal)


@router.get(
    "/proposals/{proposal_id}/export",
    response_class=Response,
    summary="A saved proposal, as CSV or XLSX",
    responses=file_openapi(
        "One row per member; the XLSX adds the score terms.",
        {"csv": CONSORTIA_CSV_EXAMPLE, "xlsx": ""},
    ),
)
def export_proposal(
    proposal_id: str, store: StoreDep, _: OfficerDep, format: SheetQuery = SheetFormat.CSV
) -> Response:
    """The saved consortium as a file, with its members' contacts."""
    proposal = get_proposal(store, proposal_id)
    tender, firms = proposal_files(store, proposal)
    stem = f"proposition {proposal.id} {tender.id}"
    return consortia_file(tender, [proposal.consortium], firms, format, stem)


@router.get(
    "/proposals/{proposal_id}/brief",
    response_class=Response,
    summary="One-page brief of a saved proposal, as HTML or PDF",
    responses=file_openapi(
        "The tender, members, lots, leader, why, score breakdown and contacts, in French.",
        {"html": "<!doctype html>...<h1>Fiche consortium n° 1</h1>...", "pdf": ""},
    ),
)
def proposal_brief(
    proposal_id: str,
    store: StoreDep,
    _: OfficerDep,
    format: Annotated[BriefFormat, Query(description="html or pdf.")] = BriefFormat.HTML,
) -> Response:
    """The printable brief of the saved consortium."""
    proposal = get_proposal(store, proposal_id)
    tender, firms = proposal_files(store, proposal)
    stem = f"fiche proposition {proposal.id} {tender.id}"
    return brief_file(tender, proposal.consortium, firms, format, stem)
