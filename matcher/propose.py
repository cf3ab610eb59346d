"""From a tender and its candidate firms to ranked, explained, diverse consortia."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from meute.graph.errors import InvalidInput, Problem, TimedOut
from meute.graph.model import (
    Collaboration,
    Consortium,
    ConsortiumMember,
    Evaluation,
    Firm,
    Lot,
    MatchResult,
    Tender,
    UncoveredLot,
)
from meute.matcher.bound import gap_bound
from meute.matcher.deadline import Deadline
from meute.matcher.diversity import mean_pairwise_changes
from meute.matcher.exact import solve_exact
from meute.matcher.explain import why_member
from meute.matcher.infeasibility import explain_infeasibility
from meute.matcher.modes import Mode
from meute.matcher.phrases import Lang, phrase
from meute.matcher.problem import MatchProblem, build_problem
from meute.matcher.search import fast_solve
from meute.scoring.consortium import ObjectiveWeights
from meute.scoring.fit import RELEVANCE_FLOOR, FitWeights, Ranker
from meute.scoring.suggest import cpv_suggester, deepest_codes, label_fallback
from meute.scoring.text import TextModel, lot_text, text_model

__all__ = [
    "MatchOptions",
    "Mode",
    "Solved",
    "confident_lot_codes",
    "evaluate",
    "lot_codes",
    "present",
    "propose",
    "solve",
    "suggested_lot_codes",
]


@dataclass(frozen=True)
class MatchOptions:
    """How many proposals, how they are scored, how the search works, and the language of the
    reasons and infeasibility explanations (``lang``).

    ``time_limit`` bounds each exact solve, ``deadline`` the whole search (seconds); the search
    also stops when ``cancelled()`` turns true (the client left). Either way the consortia
    found so far are returned, marked ``timed_out``.
    """

    top: int = 10
    mode: Mode = Mode.FAST
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    fit_weights: FitWeights = field(default_factory=FitWeights)
    retrieval: int | None = 1_000
    shortlist: int = 150
    per_lot: int = 20
    beam_width: int = 64
    min_lot_changes: int = 1
    time_limit: float = 10.0
    deadline: float = 60.0
    cancelled: Callable[[], bool] | None = None
    suggested_codes: int = 3
    relevance_floor: float = RELEVANCE_FLOOR
    ranker: Ranker | None = None
    lang: Lang = Lang.EN

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", Mode(self.mode))  # "exact" given as a plain string
        object.__setattr__(self, "lang", Lang(self.lang))
        if not 1 <= self.top <= 100:
            raise ValueError(f"top must be between 1 and 100, got {self.top}")
        if self.min_lot_changes < 1:
            raise ValueError(f"min_lot_changes must be >= 1, got {self.min_lot_changes}")
        if not self.deadline > 0:
            raise ValueError(f"deadline must be positive, got {self.deadline}")
        if min(self.per_lot, self.beam_width, self.shortlist) < 1:
            raise ValueError("shortlist, per_lot and beam_width must be >= 1")
        if not 0.0 <= self.relevance_floor < 1.0:
            raise ValueError(f"relevance_floor must be in [0, 1), got {self.relevance_floor}")


def lot_codes(
    tender: Tender, options: MatchOptions = MatchOptions(), model: TextModel | None = None
) -> dict[str, list[str]]:
    """The CPV codes matched for each lot: its own, or those suggested from its text
    (:func:`suggested_lot_codes`).
    """
    return {
        lot.id: list(lot.cpv)
        if lot.cpv
        else [code for code, _ in suggested_lot_codes(lot, options, model)]
        for lot in tender.lots
    }


def suggested_lot_codes(
    lot: Lot, options: MatchOptions = MatchOptions(), model: TextModel | None = None
) -> list[tuple[str, float]]:
    """The CPV codes a lot without codes is matched on, each with its confidence in [0, 1].

    Suggestions come from the model learnt on real awards (:func:`scoring.suggest.cpv_suggester`,
    a probability); a lot for which it has no confident code gets the codes whose labels read
    its words (:func:`scoring.suggest.label_fallback` on ``model``, by default
    :func:`scoring.text.text_model`, a similarity), the deepest of each branch: none when no
    label reads them.
    """
    learnt = confident_lot_codes(lot, options)
    if learnt:
        return learnt
    closest = dict(label_fallback(lot_text(lot), model or text_model(), options.suggested_codes))
    return [(code, closest[code]) for code in deepest_codes(list(closest))]


def confident_lot_codes(
    lot: Lot, options: MatchOptions = MatchOptions()
) -> list[tuple[str, float]]:
    """The codes the model learnt on real awards is confident of for a lot's words, each with
    its probability; empty when it has no confident code.
    """
    text = f"{lot.title} {lot.description}"
    found = cpv_suggester().suggest(text, options.suggested_codes)
    return [(suggestion.code, suggestion.probability) for suggestion in found]


@dataclass(frozen=True)
class Solved:
    """Ranked assignments over ``problem`` (the pool searched last), whether the search was cut
    short, and an upper bound on the best consortium of every firm retrieved for the tender
    (``inf`` when unknown).
    """

    problem: MatchProblem
    chosen: list[tuple[float, tuple[int, ...]]]
    timed_out: bool
    upper_bound: float


def solve(problem: MatchProblem, options: MatchOptions) -> Solved:
    """Ranked, diverse, feasible assignments with the chosen solver, whether the deadline (or
    the client leaving) cut the search short, and what bounds the best consortium.

    The fast search's answer is bounded by the problem's relaxation over every retrieved firm.
    The exact solver widens its pool while the time limit allows: solve, then admit the scored
    firms whose bound (:mod:`matcher.bound`) beats the best consortium, and solve again; its
    answer is bounded by the best consortium and the bound of those using a firm still outside.

    Raises :class:`graph.errors.TimedOut` when it did so before any consortium was found.
    """
    deadline = Deadline(options.deadline, options.cancelled or _never)
    timed_out = False
    proven = False
    chosen: list[tuple[float, tuple[int, ...]]] = []
    if options.mode is Mode.FAST:
        chosen = fast_solve(problem, options.top, options.min_lot_changes, options.beam_width)
    if not chosen:  # exact mode, or the beam missed the few consortia tight constraints allow
        budget = Deadline(options.time_limit, deadline.expired)
        found = solve_exact(
            problem, options.top, options.min_lot_changes, options.time_limit, deadline=deadline
        )
        chosen, timed_out = found.solutions, found.timed_out
        proven = found.proven_optimal and not timed_out
        while proven and chosen and problem.scored is not None and not budget.expired():
            admitted = problem.scored.admitted(
                problem.pool, problem.score(chosen[0][1]), max(1, len(problem.pool))
            )
            if not admitted:
                break
            wider = problem.scored.pooled(set(problem.pool) | admitted)
            widened = solve_exact(
                wider, options.top, options.min_lot_changes, budget.remaining(), deadline=budget
            )
            if not (widened.solutions and widened.proven_optimal and not widened.timed_out):
                break  # the time limit struck: keep the answer proven over the smaller pool
            problem, chosen = wider, widened.solutions
    if not chosen and timed_out:
        raise TimedOut(
            "no consortium found before the deadline",
            [Problem("deadline", options.deadline, "seconds; raise it or narrow the tender")],
        )
    if not chosen:
        raise explain_infeasibility(problem, lang=options.lang)
    for _, assignment in chosen:
        broken = problem.violations(assignment)
        if broken:  # a solver bug must never reach an officer
            raise AssertionError(f"proposal breaks hard constraints: {broken}")
    upper = problem.upper_bound
    if proven:
        upper = min(upper, max(problem.score(chosen[0][1]), problem.outside_bound))
    return Solved(problem, chosen, timed_out, upper)


def _never() -> bool:
    return False


def propose(
    tender: Tender,
    candidates: Sequence[Firm],
    collaborations: Sequence[Collaboration],
    options: MatchOptions = MatchOptions(),
) -> MatchResult:
    """Rank complementary consortia covering every lot of ``tender``.

    ``candidates`` are the firms retrieved for the tender's lots (and any required firm);
    ``collaborations`` the known collaborations among them. Raises
    :class:`graph.errors.Infeasible`, naming the lot or constraint at fault and the nearest
    relaxation, when no consortium satisfies the tender.
    """
    problem = build_problem(
        tender,
        candidates,
        collaborations,
        lot_codes(tender, options),
        text_model(),
        options.weights,
        options.fit_weights,
        options.per_lot,
        options.lang,
        options.relevance_floor,
        ranker=options.ranker,
    )
    return present(solve(problem, options), collaborations, options.lang)


def present(
    solved: Solved,
    collaborations: Sequence[Collaboration],
    lang: Lang = Lang.EN,
    uncovered: Sequence[UncoveredLot] = (),
) -> MatchResult:
    """Ranked consortia with their breakdown, leader and reasons (in ``lang``), whether the
    search was cut short (they are the best found so far), the first one's optimality gap
    bound, and the lots of the whole tender they leave ``uncovered``.
    """
    problem, chosen, timed_out, upper_bound = (
        solved.problem,
        solved.chosen,
        solved.timed_out,
        solved.upper_bound,
    )
    involving = _by_firm(collaborations)
    consortia = [
        _consortium(rank, problem.score(assignment), assignment, problem, involving, lang)
        for rank, (_, assignment) in enumerate(chosen, start=1)
    ]
    return MatchResult(
        tender_id=problem.tender.id,
        consortia=consortia,
        uncovered=list(uncovered),
        candidates_considered=problem.candidates_considered,
        diversity=mean_pairwise_changes([a for _, a in chosen]),
        timed_out=timed_out,
        optimality_gap_bound=(
            gap_bound(consortia[0].score, upper_bound)
            if consortia and math.isfinite(upper_bound)
            else None
        ),
    )


def evaluate(
    problem: MatchProblem,
    firm_by_lot: Mapping[str, str],
    collaborations: Sequence[Collaboration],
    lang: Lang = Lang.EN,
) -> Evaluation:
    """Score the consortium that gives each lot to the firm named (by SIREN) in ``firm_by_lot``.

    The pool of ``problem`` must hold those firms. The result carries the same breakdown, leader
    and reasons as a proposal, and the hard constraints it breaks (e.g. after a swap), in
    ``lang``.
    """
    position = {firm.siren: index for index, firm in enumerate(problem.firms)}
    absent = [
        Problem(f"assignment.{lot.id}", firm_by_lot.get(lot.id), phrase("assignment.absent", lang))
        for lot in problem.tender.lots
        if firm_by_lot.get(lot.id) not in position
    ]
    if absent:
        raise InvalidInput(phrase("assignment.incomplete", lang), absent)
    assignment = tuple(position[firm_by_lot[lot.id]] for lot in problem.tender.lots)
    unable = [
        Problem(
            f"assignment.{lot.id}",
            problem.firms[firm].siren,
            phrase("assignment.unable_firm", lang),
        )
        for lot, firm in zip(problem.tender.lots, assignment, strict=True)
        if not problem.tables.eligible(problem.tender.lots.index(lot), firm)
    ]
    if unable:
        raise InvalidInput(phrase("assignment.unable", lang), unable)
    score = problem.score(assignment)
    consortium = _consortium(1, score, assignment, problem, _by_firm(collaborations), lang)
    return Evaluation(consortium=consortium, violations=problem.violations(assignment, lang))


def _by_firm(collaborations: Sequence[Collaboration]) -> dict[str, list[Collaboration]]:
    """Each firm's collaborations, by SIREN."""
    involving: dict[str, list[Collaboration]] = {}
    for collaboration in collaborations:
        involving.setdefault(collaboration.firm_a, []).append(collaboration)
        involving.setdefault(collaboration.firm_b, []).append(collaboration)
    return involving


def _consortium(
    rank: int,
    score: float,
    assignment: tuple[int, ...],
    problem: MatchProblem,
    involving: dict[str, list[Collaboration]],
    lang: Lang,
) -> Consortium:
    """One ranked consortium; ``involving`` gives each firm's collaborations."""
    tender = problem.tender
    lots_by_firm: dict[int, list[Lot]] = {}
    fits: dict[str, float] = {}
    for lot_index, firm in enumerate(assignment):
        lot = tender.lots[lot_index]
        lots_by_firm.setdefault(firm, []).append(lot)
        fits[lot.id] = float(problem.tables.per_lot["fit"][lot_index, firm])
    leader = problem.leader(assignment)
    ordered = sorted(lots_by_firm, key=lambda f: (f != leader, assignment.index(f)))
    members = [problem.firms[f] for f in ordered]
    return Consortium(
        rank=rank,
        score=score,
        breakdown=problem.breakdown(assignment),
        members=[
            ConsortiumMember(
                siren=problem.firms[f].siren,
                name=problem.firms[f].name,
                lots=[lot.id for lot in lots_by_firm[f]],
                leader=f == leader,
                is_sme=problem.firms[f].is_sme,
                region=problem.firms[f].region,
                estimated=problem.firms[f].estimated(),
                why=why_member(
                    tender,
                    problem.firms[f],
                    lots_by_firm[f],
                    problem.lot_codes,
                    fits,
                    f == leader,
                    members,
                    involving.get(problem.firms[f].siren, []),
                    lang,
                    problem.foreign_lots,
                ),
            )
            for f in ordered
        ],
    )
