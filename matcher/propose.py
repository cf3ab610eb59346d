"""From a tender and its candidate firms to ranked, explained, diverse consortia."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from graph.errors import Infeasible, Problem
from graph.model import Collaboration, Consortium, ConsortiumMember, Firm, Lot, MatchResult, Tender
from matcher.diversity import select_diverse
from matcher.explain import choose_leader, why_member
from matcher.search import SearchProblem, beam_search
from scoring.consortium import ObjectiveWeights, breakdown, capability_overlap, cohesion_matrix
from scoring.fit import FitWeights, fit_matrix
from scoring.text import TextModel, lot_text, text_model

__all__ = ["MatchOptions", "lot_codes", "propose"]


@dataclass(frozen=True)
class MatchOptions:
    """How many proposals, how they are scored, and how hard the search works."""

    top: int = 10
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    fit_weights: FitWeights = field(default_factory=FitWeights)
    beam_width: int = 128
    per_lot: int = 15
    min_lot_changes: int = 1
    suggested_codes: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.top <= 100:
            raise ValueError(f"top must be between 1 and 100, got {self.top}")
        if self.min_lot_changes < 1:
            raise ValueError(f"min_lot_changes must be >= 1, got {self.min_lot_changes}")


def lot_codes(
    tender: Tender, options: MatchOptions = MatchOptions(), model: TextModel | None = None
) -> dict[str, list[str]]:
    """The CPV codes matched for each lot: its own, or those suggested from its text."""
    codes = {}
    for lot in tender.lots:
        if lot.cpv:
            codes[lot.id] = list(lot.cpv)
        else:
            suggestions = (model or text_model()).suggest_cpv(
                lot_text(lot), options.suggested_codes
            )
            codes[lot.id] = [code for code, _ in suggestions]
    return codes


def _uncoverable(lot: Lot, eligible_cpv: int, eligible_cert: int) -> Problem:
    if eligible_cpv == 0:
        reason = "no candidate firm delivers anything close to this lot's CPV codes"
    else:
        reason = (
            f"{eligible_cpv} firm(s) deliver it but none holds every required certification "
            f"({', '.join(lot.required_certifications)})"
        )
    return Problem(f"lots[{lot.id}]", lot.title, reason)


def propose(
    tender: Tender,
    candidates: Sequence[Firm],
    collaborations: Sequence[Collaboration],
    options: MatchOptions = MatchOptions(),
) -> MatchResult:
    """Rank complementary consortia covering every lot of ``tender``.

    ``candidates`` are the firms retrieved for the tender's lots (and any required firm);
    ``collaborations`` the known collaborations among them. Raises :class:`Infeasible`, naming
    the lot or constraint at fault, when no consortium satisfies the tender.
    """
    constraints = tender.constraints
    excluded = set(constraints.exclude)
    firms = sorted(
        {f.siren: f for f in candidates if f.siren not in excluded}.values(), key=lambda f: f.siren
    )
    position = {firm.siren: i for i, firm in enumerate(firms)}
    missing_required = [s for s in constraints.must_include if s not in position]
    if missing_required:
        raise Infeasible(
            "a required firm cannot take any lot",
            [
                Problem("constraints.must_include", s, "not a candidate for any lot")
                for s in missing_required
            ],
        )
    codes = lot_codes(tender, options)
    fit = fit_matrix(
        tender, [codes[lot.id] for lot in tender.lots], firms, text_model(), options.fit_weights
    )
    problems = [
        _uncoverable(
            lot, int((fit.cpv[i] > 0).sum()), int(((fit.cpv[i] > 0) & fit.eligible[i]).sum())
        )
        for i, lot in enumerate(tender.lots)
        if not np.isfinite(fit.total[i]).any()
    ]
    if problems:
        raise Infeasible("some lots cannot be covered by any firm", problems)

    # The search only ever uses each lot's best firms: build pair matrices on those alone.
    required = frozenset(position[s] for s in constraints.must_include)
    full = SearchProblem(
        fit.total,
        np.zeros((0, 0)),
        np.zeros((0, 0)),
        np.zeros(0, dtype=bool),
        options.weights,
        required,
    )
    pool = sorted(
        {i for lot in range(len(tender.lots)) for i in full.lot_candidates(lot, options.per_lot)}
    )
    pool_firms = [firms[i] for i in pool]
    local = {global_index: k for k, global_index in enumerate(pool)}
    reference_year = tender.deadline.year if tender.deadline else dt.date.today().year
    problem = SearchProblem(
        fit=fit.total[:, pool],
        cohesion=cohesion_matrix([f.siren for f in pool_firms], collaborations, reference_year),
        overlap=capability_overlap(pool_firms),
        is_sme=np.array([f.is_sme for f in pool_firms], dtype=bool),
        weights=options.weights,
        required=frozenset(local[i] for i in required),
        max_members=constraints.max_members,
        min_smes=constraints.min_smes,
        allow_multiple_lots=constraints.allow_multiple_lots,
    )
    ranked = beam_search(problem, options.beam_width, options.per_lot)
    chosen = select_diverse(ranked, options.top, options.min_lot_changes)
    if not chosen:
        raise Infeasible(
            "no consortium satisfies the tender's constraints",
            [
                Problem(
                    "constraints",
                    constraints.model_dump(mode="json"),
                    "every lot can be covered, but not together under these constraints; "
                    "relax max_members, min_smes, must_include or allow_multiple_lots",
                )
            ],
        )
    consortia = [
        _consortium(
            rank,
            score,
            assignment,
            tender,
            pool_firms,
            problem,
            fit.total[:, pool],
            codes,
            collaborations,
        )
        for rank, (score, assignment) in enumerate(chosen, start=1)
    ]
    return MatchResult(tender_id=tender.id, consortia=consortia, candidates_considered=len(firms))


def _consortium(
    rank: int,
    score: float,
    assignment: tuple[int, ...],
    tender: Tender,
    firms: Sequence[Firm],
    problem: SearchProblem,
    fit: NDArray[np.float64],
    codes: dict[str, list[str]],
    collaborations: Sequence[Collaboration],
) -> Consortium:
    lots_by_firm: dict[str, list[Lot]] = {}
    fits: dict[str, float] = {}
    for lot_index, firm_index in enumerate(assignment):
        lot = tender.lots[lot_index]
        lots_by_firm.setdefault(firms[firm_index].siren, []).append(lot)
        fits[lot.id] = float(fit[lot_index, firm_index])
    members = [f for f in firms if f.siren in lots_by_firm]
    leader = choose_leader(tender, members, lots_by_firm)
    first_lot = {f.siren: tender.lots.index(lots_by_firm[f.siren][0]) for f in members}
    ordered = sorted(members, key=lambda f: (f.siren != leader.siren, first_lot[f.siren]))
    return Consortium(
        rank=rank,
        score=score,
        breakdown=breakdown(assignment, problem.fit, problem.cohesion, problem.overlap),
        members=[
            ConsortiumMember(
                siren=f.siren,
                name=f.name,
                lots=[lot.id for lot in lots_by_firm[f.siren]],
                leader=f.siren == leader.siren,
                is_sme=f.is_sme,
                region=f.region,
                why=why_member(
                    tender,
                    f,
                    lots_by_firm[f.siren],
                    codes,
                    fits,
                    f.siren == leader.siren,
                    members,
                    collaborations,
                ),
            )
            for f in ordered
        ],
    )
