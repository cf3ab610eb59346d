"""What officers keep and the steering committee tracks: saved proposals, saved pavilion
shortlists, programme progress (the use cases behind /proposals, /pavilions and /programme).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping

from pydantic import BaseModel

from meute.api.auth import Principal
from meute.api.service import shortlist_pavilion, stored_tender
from meute.graph import naf
from meute.graph.errors import Infeasible, InvalidInput, NotFound, Problem
from meute.graph.model import (
    Evaluation,
    Firm,
    PavilionRequest,
    Proposal,
    ProposalStatus,
    SavedPavilion,
    Tender,
)
from meute.graph.records import Records
from meute.graph.store import GraphStore
from meute.matcher.phrases import phrase
from meute.matcher.problem import build_problem
from meute.matcher.propose import MatchOptions, evaluate, lot_codes
from meute.scoring.text import text_model

__all__ = [
    "ProgrammeReport",
    "evaluate_assignment",
    "get_pavilion",
    "get_proposal",
    "list_pavilions",
    "list_proposals",
    "programme_report",
    "proposal_files",
    "save_pavilion",
    "save_proposal",
    "update_proposal",
]

# A firm counts as reached by the programme once a proposal naming it has gone past "proposed",
# or once it is on a saved pavilion shortlist.
REACHED = frozenset(ProposalStatus) - {ProposalStatus.PROPOSED}


def _proposals(store: GraphStore) -> Records[Proposal]:
    return Records(store, "proposal", Proposal)


def _pavilions(store: GraphStore) -> Records[SavedPavilion]:
    return Records(store, "pavilion", SavedPavilion)


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def evaluate_assignment(
    store: GraphStore, tender: Tender, firm_by_lot: Mapping[str, str], options: MatchOptions
) -> Evaluation:
    """Score a consortium given as lot id -> SIREN, e.g. a proposal after swapping a member.

    Reasons, violations and refusals are written in ``options.lang``.
    """
    lang = options.lang
    lots = {lot.id for lot in tender.lots}
    problems = [
        Problem(f"assignment.{k}", firm_by_lot[k], phrase("assignment.no_such_lot", lang))
        for k in sorted(set(firm_by_lot) - lots)
    ]
    problems += [
        Problem(f"assignment.{lot.id}", None, phrase("assignment.no_firm", lang))
        for lot in tender.lots
        if lot.id not in firm_by_lot
    ]
    if problems:
        raise InvalidInput(phrase("assignment.mismatch", lang), problems)
    firms = store.get_firms({*firm_by_lot.values(), *tender.constraints.must_include})
    collaborations = store.collaborations_among(f.siren for f in firms)
    try:
        problem = build_problem(
            tender,
            firms,
            collaborations,
            lot_codes(tender, options),
            text_model(),
            options.weights,
            options.fit_weights,
            per_lot=max(len(firms), 1),
            lang=lang,
        )
    except Infeasible as error:  # a lot none of these firms may take: the given firm cannot
        problems = [
            Problem(f"assignment.{lot}", firm_by_lot[lot], phrase("assignment.unable_firm", lang))
            if (lot := p.field.removeprefix("lots[").removesuffix("]")) in firm_by_lot
            else p
            for p in error.problems
        ]
        raise InvalidInput(phrase("assignment.unable", lang), problems) from None
    return evaluate(problem, firm_by_lot, collaborations, lang)


def save_proposal(
    store: GraphStore,
    tender: Tender,
    firm_by_lot: Mapping[str, str],
    options: MatchOptions,
    author: Principal,
    note: str | None = None,
) -> Proposal:
    """Evaluate and save a consortium for a stored tender; one breaking a constraint is refused."""
    evaluation = evaluate_assignment(store, tender, firm_by_lot, options)
    if evaluation.violations:
        problems = [Problem("assignment", None, broken) for broken in evaluation.violations]
        raise InvalidInput("the consortium breaks hard constraints", problems)
    now = dt.datetime.now(dt.UTC)
    proposal = Proposal(
        id=_new_id(),
        tender_id=tender.id,
        tender_title=tender.title,
        consortium=evaluation.consortium,
        created_at=now,
        created_by=author.name,
    )
    if note is not None:
        proposal = proposal.advance(author.name, now, None, note)
    _proposals(store).put(proposal.id, proposal)
    return proposal


def get_proposal(store: GraphStore, proposal_id: str) -> Proposal:
    """The saved proposal with this id (NotFound otherwise)."""
    proposal = _proposals(store).get(proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id}", [Problem("id", proposal_id, "unknown")])
    return proposal


def list_proposals(
    store: GraphStore, status: ProposalStatus | None = None, tender_id: str | None = None
) -> list[Proposal]:
    """Saved proposals, newest first, optionally of one status or tender."""
    found = [
        p
        for p in _proposals(store).all()
        if (status is None or p.status == status)
        and (tender_id is None or p.tender_id == tender_id)
    ]
    return sorted(found, key=lambda p: (p.created_at, p.id), reverse=True)


def update_proposal(
    store: GraphStore,
    proposal_id: str,
    author: Principal,
    status: ProposalStatus | None,
    note: str | None,
) -> Proposal:
    """Move a proposal along its workflow and/or add a note."""
    proposal = get_proposal(store, proposal_id).advance(
        author.name, dt.datetime.now(dt.UTC), status, note
    )
    _proposals(store).put(proposal.id, proposal)
    return proposal


def proposal_files(store: GraphStore, proposal: Proposal) -> tuple[Tender, dict[str, Firm]]:
    """The tender of a saved proposal and its members' records, for exports."""
    tender = stored_tender(store, proposal.tender_id)
    sirens = [member.siren for member in proposal.consortium.members]
    return tender, {firm.siren: firm for firm in store.get_firms(sirens)}


def save_pavilion(
    store: GraphStore, request: PavilionRequest, options: MatchOptions, author: Principal
) -> SavedPavilion:
    """Shortlist a pavilion and keep it; its firms count as reached by the programme."""
    saved = SavedPavilion(
        id=_new_id(),
        request=request,
        result=shortlist_pavilion(store, request, options),
        created_at=dt.datetime.now(dt.UTC),
        created_by=author.name,
    )
    _pavilions(store).put(saved.id, saved)
    return saved


def list_pavilions(store: GraphStore) -> list[SavedPavilion]:
    """Saved pavilion shortlists, newest first."""
    return sorted(_pavilions(store).all(), key=lambda p: (p.created_at, p.id), reverse=True)


def get_pavilion(store: GraphStore, pavilion_id: str) -> SavedPavilion:
    """The saved pavilion shortlist with this id (NotFound otherwise)."""
    saved = _pavilions(store).get(pavilion_id)
    if saved is None:
        raise NotFound(f"no pavilion {pavilion_id}", [Problem("id", pavilion_id, "unknown")])
    return saved


class ProgrammeReport(BaseModel):
    """How far the programme has come toward the number of firms it committed to accompany."""

    target: int
    firms_reached: int
    progress: float
    firms_in_graph: int
    reached_by_maturity: dict[str, int]
    reached_by_region: dict[str, int]
    reached_by_sector: dict[str, int]
    proposals_by_status: dict[str, int]
    proposals: int
    pavilions: int


def _sector(firm: Firm) -> str:
    division = firm.naf[:2] if firm.naf else None
    return naf.label(division) or "unknown"


def programme_report(store: GraphStore, target: int) -> ProgrammeReport:
    """Firms reached (members of proposals past "proposed", firms on saved pavilions), by
    maturity, region and sector, with proposals by status.
    """
    proposals = _proposals(store).all()
    pavilions = _pavilions(store).all()
    reached = {
        member.siren
        for proposal in proposals
        if proposal.status in REACHED
        for member in proposal.consortium.members
    } | {firm.siren for pavilion in pavilions for firm in pavilion.result.firms}
    firms = store.get_firms(reached)
    statuses = Counter(p.status.value for p in proposals)
    return ProgrammeReport(
        target=target,
        firms_reached=len(firms),
        progress=round(min(1.0, len(firms) / target), 4),
        firms_in_graph=store.count_firms(),
        reached_by_maturity=dict(sorted(Counter(f.maturity.value for f in firms).items())),
        reached_by_region=dict(sorted(Counter(f.region.value for f in firms).items())),
        reached_by_sector=dict(sorted(Counter(map(_sector, firms)).items())),
        proposals_by_status={s.value: statuses.get(s.value, 0) for s in ProposalStatus},
        proposals=len(proposals),
        pavilions=len(pavilions),
    )
