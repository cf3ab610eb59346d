"""What officers keep and the steering committee tracks: saved proposals, saved pavilion
shortlists, programme progress (the use cases behind /proposals, /pavilions and /programme).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field

from meute.api.auth import Principal
from meute.api.clock import quarter
from meute.api.service import learnt, prepare_problem, shortlist_pavilion, stored_tender
from meute.api.settings import Accompanied
from meute.graph import naf
from meute.graph.errors import Infeasible, InvalidInput, NotFound, Problem
from meute.graph.model import (
    ConsortiumMember,
    Evaluation,
    Firm,
    MemberFollowUp,
    MemberStatus,
    PavilionRequest,
    Proposal,
    ProposalStatus,
    SavedPavilion,
    Tender,
    UncoveredLot,
)
from meute.graph.records import Records
from meute.graph.store import GraphStore
from meute.matcher.phrases import phrase
from meute.matcher.problem import build_problem
from meute.matcher.propose import MatchOptions, evaluate, lot_codes
from meute.scoring.text import text_model

__all__ = [
    "ProgrammeReport",
    "QuarterCount",
    "duplicate_pavilion",
    "evaluate_assignment",
    "follow_member",
    "get_pavilion",
    "get_proposal",
    "list_pavilions",
    "list_proposals",
    "programme_report",
    "proposal_files",
    "rename_pavilion",
    "rename_proposal",
    "replace_member",
    "replacement_candidates",
    "save_pavilion",
    "save_proposal",
    "update_pavilion",
    "update_proposal",
]

# The member statuses at which a firm counts as accompanied by the programme, by setting.
ACCOMPANIED = {
    Accompanied.ACCEPTED: frozenset({MemberStatus.ACCEPTED}),
    Accompanied.CONTACTED: frozenset({MemberStatus.CONTACTED, MemberStatus.ACCEPTED}),
}


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

    Reasons, violations and refusals are written in ``options.lang``; the fit is the one
    matching uses (the learnt ranker in use), so a proposal scores as it was ranked. A lot no
    firm of the graph may take (a match's ``uncovered`` lots) may be left out: the consortium
    is scored on the others.
    """
    options = learnt(options)
    lang = options.lang
    lots = {lot.id for lot in tender.lots}
    problems = [
        Problem(f"assignment.{k}", firm_by_lot[k], phrase("assignment.no_such_lot", lang))
        for k in sorted(set(firm_by_lot) - lots)
    ]
    missing = [lot.id for lot in tender.lots if lot.id not in firm_by_lot]
    asked = len(tender.lots)
    left_out: list[UncoveredLot] = []
    if missing and firm_by_lot:
        try:
            uncovered = prepare_problem(store, tender, options).uncovered
        except Infeasible:  # another constraint: the given firms are checked against it below
            uncovered = []
        left_out = [lot for lot in uncovered if lot.lot_id in missing]
        tender = tender.without_lots({lot.lot_id for lot in left_out})
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
            ranker=options.ranker,
            coverage=len(tender.lots) / asked,
        )
    except Infeasible as error:  # a lot none of these firms may take: the given firm cannot
        problems = [
            Problem(f"assignment.{lot}", firm_by_lot[lot], phrase("assignment.unable_firm", lang))
            if (lot := p.field.removeprefix("lots[").removesuffix("]")) in firm_by_lot
            else p
            for p in error.problems
        ]
        raise InvalidInput(phrase("assignment.unable", lang), problems) from None
    evaluation = evaluate(problem, firm_by_lot, collaborations, lang)
    return evaluation.model_copy(update={"uncovered": left_out})


def save_proposal(
    store: GraphStore,
    tender: Tender,
    firm_by_lot: Mapping[str, str],
    options: MatchOptions,
    author: Principal,
    note: str | None = None,
    name: str | None = None,
) -> Proposal:
    """Evaluate and save a consortium for a stored tender; one breaking a constraint is refused.

    It is called ``name``, or by the tender's title; each member starts « to contact ».
    """
    evaluation = _feasible(store, tender, firm_by_lot, options)
    consortium = evaluation.consortium
    now = dt.datetime.now(dt.UTC)
    proposal = Proposal(
        id=_new_id(),
        tender_id=tender.id,
        tender_title=tender.title,
        name=name or tender.title,
        consortium=consortium,
        created_at=now,
        created_by=author.name,
        members=[_follow_up(member) for member in consortium.members],
        uncovered=evaluation.uncovered,
    )
    if note is not None:
        proposal = proposal.advance(author.name, now, None, note)
    _proposals(store).put(proposal.id, proposal)
    return proposal


def _feasible(
    store: GraphStore, tender: Tender, firm_by_lot: Mapping[str, str], options: MatchOptions
) -> Evaluation:
    """The consortium of ``firm_by_lot``, scored; InvalidInput when it breaks a constraint."""
    evaluation = evaluate_assignment(store, tender, firm_by_lot, options)
    if evaluation.violations:
        problems = [Problem("assignment", None, broken) for broken in evaluation.violations]
        raise InvalidInput("the consortium breaks hard constraints", problems)
    return evaluation


def _follow_up(member: ConsortiumMember) -> MemberFollowUp:
    return MemberFollowUp(siren=member.siren, name=member.name, lots=member.lots)


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


def rename_proposal(store: GraphStore, proposal_id: str, name: str) -> Proposal:
    """Give a saved proposal a new name."""
    proposal = get_proposal(store, proposal_id)
    renamed = Proposal.model_validate({**proposal.model_dump(), "name": name})
    _proposals(store).put(renamed.id, renamed)
    return renamed


def follow_member(
    store: GraphStore,
    proposal_id: str,
    siren: str,
    author: Principal,
    status: MemberStatus | None,
    note: str | None,
) -> Proposal:
    """Set one member's status (to contact, contacted, accepted, declined) and/or add a note."""
    proposal = get_proposal(store, proposal_id)
    follow_up = proposal.member(siren).advance(author.name, dt.datetime.now(dt.UTC), status, note)
    updated = proposal.with_member(follow_up)
    _proposals(store).put(updated.id, updated)
    return updated


def replace_member(
    store: GraphStore,
    proposal_id: str,
    siren: str,
    replacement: str,
    options: MatchOptions,
    author: Principal,
) -> Proposal:
    """Give the lots of a member who declined to ``replacement``, the consortium rescored.

    The other members keep their follow-up; the one replaced keeps its own, marked as replaced.
    A consortium breaking a constraint is refused and nothing is changed.
    """
    proposal = get_proposal(store, proposal_id)
    declined = proposal.member(siren)
    if declined.status is not MemberStatus.DECLINED:
        raise InvalidInput(
            "only a member who declined can be replaced",
            [Problem("siren", siren, f"status is {declined.status}, not declined")],
        )
    tender = stored_tender(store, proposal.tender_id)
    firm_by_lot = {
        lot: replacement if member.siren == siren else member.siren
        for member in proposal.consortium.members
        for lot in member.lots
    }
    evaluation = _feasible(store, tender, firm_by_lot, options)
    consortium = evaluation.consortium
    now = dt.datetime.now(dt.UTC)
    current = {m.siren: m for m in proposal.members if m.replaced_by is None and m.siren != siren}
    replaced = [m for m in proposal.members if m.replaced_by is not None]
    replaced.append(declined.model_copy(update={"replaced_by": replacement, "replaced_at": now}))
    members = [
        current[m.siren].model_copy(update={"lots": m.lots})
        if m.siren in current
        else _follow_up(m).model_copy(update={"since": now})
        for m in consortium.members
    ]
    updated = proposal.model_copy(
        update={
            "consortium": consortium,
            "members": [*members, *replaced],
            "uncovered": evaluation.uncovered,
        }
    )
    _proposals(store).put(updated.id, updated)
    return updated


def replacement_candidates(
    store: GraphStore, proposal: Proposal, siren: str, options: MatchOptions, count: int = 5
) -> list[Firm]:
    """The ``count`` firms best placed to take every lot of member ``siren``, best first.

    Current members and firms already replaced on this proposal are left out.
    """
    tender = stored_tender(store, proposal.tender_id)
    problem = prepare_problem(store, tender, options).problem
    lots = [lot.id for lot in problem.tender.lots]
    indices = [lots.index(lot) for lot in proposal.member(siren).lots if lot in lots]
    if not indices:
        return []
    able = set.intersection(*(set(problem.lot_candidates(i)) for i in indices))
    taken = {m.siren for m in proposal.members}
    ranked = [problem.firms[i] for i in problem.lot_candidates(indices[0]) if i in able]
    return [firm for firm in ranked if firm.siren not in taken][:count]


def proposal_files(store: GraphStore, proposal: Proposal) -> tuple[Tender, dict[str, Firm]]:
    """The tender of a saved proposal and its members' records, for exports."""
    tender = stored_tender(store, proposal.tender_id)
    sirens = [member.siren for member in proposal.consortium.members]
    return tender, {firm.siren: firm for firm in store.get_firms(sirens)}


def save_pavilion(
    store: GraphStore,
    request: PavilionRequest,
    options: MatchOptions,
    author: Principal,
    name: str | None = None,
) -> SavedPavilion:
    """Shortlist a pavilion and keep it, called ``name`` or by the fair's name."""
    saved = SavedPavilion(
        id=_new_id(),
        name=name or request.fair,
        request=request,
        result=shortlist_pavilion(store, request, options),
        created_at=dt.datetime.now(dt.UTC),
        created_by=author.name,
    )
    _pavilions(store).put(saved.id, saved)
    return saved


def update_pavilion(
    store: GraphStore,
    pavilion_id: str,
    request: PavilionRequest,
    options: MatchOptions,
    author: Principal,
    name: str | None = None,
) -> SavedPavilion:
    """Shortlist a saved pavilion again from an edited request, under the same id."""
    saved = get_pavilion(store, pavilion_id)
    updated = SavedPavilion.model_validate(
        {
            **saved.model_dump(),
            "name": name or saved.name,
            "request": request,
            "result": shortlist_pavilion(store, request, options),
            "updated_at": dt.datetime.now(dt.UTC),
            "updated_by": author.name,
        }
    )
    _pavilions(store).put(updated.id, updated)
    return updated


def rename_pavilion(
    store: GraphStore, pavilion_id: str, name: str, author: Principal
) -> SavedPavilion:
    """Give a saved pavilion a new name; its shortlist stays as it is."""
    saved = get_pavilion(store, pavilion_id)
    renamed = SavedPavilion.model_validate(
        {
            **saved.model_dump(),
            "name": name,
            "updated_at": dt.datetime.now(dt.UTC),
            "updated_by": author.name,
        }
    )
    _pavilions(store).put(renamed.id, renamed)
    return renamed


def duplicate_pavilion(store: GraphStore, pavilion_id: str, author: Principal) -> SavedPavilion:
    """A copy of a saved pavilion, its request and shortlist as they are, to edit apart."""
    saved = get_pavilion(store, pavilion_id)
    copy = saved.model_copy(
        update={
            "id": _new_id(),
            "name": f"{saved.name} (copie)"[:200],
            "created_at": dt.datetime.now(dt.UTC),
            "created_by": author.name,
            "updated_at": None,
            "updated_by": None,
        }
    )
    _pavilions(store).put(copy.id, copy)
    return copy


def list_pavilions(store: GraphStore) -> list[SavedPavilion]:
    """Saved pavilion shortlists, newest first."""
    return sorted(_pavilions(store).all(), key=lambda p: (p.created_at, p.id), reverse=True)


def get_pavilion(store: GraphStore, pavilion_id: str) -> SavedPavilion:
    """The saved pavilion shortlist with this id (NotFound otherwise)."""
    saved = _pavilions(store).get(pavilion_id)
    if saved is None:
        raise NotFound(f"no pavilion {pavilion_id}", [Problem("id", pavilion_id, "unknown")])
    return saved


class QuarterCount(BaseModel):
    """Firms that became accompanied in one quarter (Paris time), and the total by its end."""

    quarter: str = Field(description="Calendar quarter, e.g. 2026-T4.")
    firms: int
    total: int


class ProgrammeReport(BaseModel):
    """How far the programme has come toward the number of firms it committed to accompany."""

    target: int
    accompanied: Accompanied = Field(
        description="Member status from which a firm counts as accompanied "
        "(MEUTE_PROGRAMME_ACCOMPANIED)."
    )
    firms_reached: int
    progress: float
    firms_in_graph: int
    reached_by_maturity: dict[str, int]
    reached_by_region: dict[str, int]
    reached_by_sector: dict[str, int]
    proposals_by_status: dict[str, int]
    proposals: int
    pavilions: int
    by_quarter: list[QuarterCount] = Field(
        description="Per quarter from the first firm accompanied to now, steering committees "
        "meeting quarterly."
    )


def _sector(firm: Firm) -> str:
    division = firm.naf[:2] if firm.naf else None
    return naf.label(division) or "unknown"


def _accompanied_since(
    proposals: Iterable[Proposal], statuses: frozenset[MemberStatus]
) -> dict[str, dt.datetime]:
    """Each firm whose member status on some proposal is one of ``statuses``, and since when."""
    since: dict[str, dt.datetime] = {}
    for proposal in proposals:
        for member in proposal.members:
            if member.status in statuses:
                moment = member.since or proposal.created_at
                since[member.siren] = min(moment, since.get(member.siren, moment))
    return since


def _by_quarter(moments: Iterable[dt.datetime], now: dt.datetime) -> list[QuarterCount]:
    """Counts per quarter from the first moment's quarter to now's, empty quarters included."""
    counts = Counter(map(quarter, moments))
    if not counts:
        return []
    first, last = min(counts), quarter(now)
    year, number = int(first[:4]), int(first[-1])
    found, total = [], 0
    while (key := f"{year}-T{number}") <= max(last, max(counts)):
        total += counts[key]
        found.append(QuarterCount(quarter=key, firms=counts[key], total=total))
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return found


def programme_report(
    store: GraphStore, target: int, accompanied: Accompanied = Accompanied.ACCEPTED
) -> ProgrammeReport:
    """Firms accompanied (members of a proposal who accepted, or were contacted, as set), by
    maturity, region, sector and quarter, with proposals by status.
    """
    proposals = _proposals(store).all()
    since = _accompanied_since(proposals, ACCOMPANIED[accompanied])
    firms = store.get_firms(since)
    found = {firm.siren for firm in firms}
    statuses = Counter(p.status.value for p in proposals)
    return ProgrammeReport(
        target=target,
        accompanied=accompanied,
        firms_reached=len(firms),
        progress=round(min(1.0, len(firms) / target), 4),
        firms_in_graph=store.count_firms(),
        reached_by_maturity=dict(sorted(Counter(f.maturity.value for f in firms).items())),
        reached_by_region=dict(sorted(Counter(f.region.value for f in firms).items())),
        reached_by_sector=dict(sorted(Counter(map(_sector, firms)).items())),
        proposals_by_status={s.value: statuses.get(s.value, 0) for s in ProposalStatus},
        proposals=len(proposals),
        pavilions=len(_pavilions(store).all()),
        by_quarter=_by_quarter(
            (moment for siren, moment in since.items() if siren in found),
            dt.datetime.now(dt.UTC),
        ),
    )
