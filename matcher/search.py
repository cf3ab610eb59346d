"""The fast solver: beam search, then local search, over a :class:`MatchProblem`.

Lots are filled one at a time, most constrained first; each partial consortium is scored with
the objective (an uncovered lot counts zero) and only the ``beam_width`` best survive each step.
Constraints a partial consortium already breaks, or can no longer meet with the lots left, prune
it. The best complete consortia are then improved by swapping one lot's firm at a time until no
swap helps.

Scores here come from :class:`Evaluator`, an incremental form of
:meth:`scoring.consortium.ScoreTables.breakdown` (tests check they agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.diversity import lot_changes
from matcher.problem import MatchProblem

__all__ = ["Evaluator", "beam_search", "fast_solve"]

Assignment = tuple[int, ...]


class Evaluator:
    """The objective and the hard constraints, computed fast on plain Python lists."""

    def __init__(self, problem: MatchProblem) -> None:
        self.problem = problem
        weight = problem.weights.as_dict()
        total = sum(weight.values())
        self.w = {name: value / total for name, value in weight.items()}
        n_lots = problem.n_lots
        self.d = max(1, n_lots - 1)
        self.p = max(1, n_lots * (n_lots - 1) // 2)
        self.gain: list[list[float]] = problem.lot_gain.tolist()
        self.cohesion: list[list[float]] = problem.tables.cohesion.tolist()
        self.overlap: list[list[float]] = problem.tables.overlap.tolist()
        self.region: list[int] = problem.tables.region.tolist()
        self.sme: list[bool] = problem.is_sme.tolist()
        self.leader_ok: list[bool] = problem.leader_ok.tolist()
        self.preferred: list[bool] = problem.preferred.tolist()
        constraints = problem.tender.constraints
        self.max_members = constraints.max_members
        self.min_smes = constraints.min_smes
        self.min_preferred = problem.min_preferred
        self.allow_multiple = constraints.allow_multiple_lots

    def score(self, assignment: Sequence[int]) -> float:
        """The objective value (``-1`` marks an uncovered lot)."""
        linear = sum(self.gain[lot][f] for lot, f in enumerate(assignment) if f >= 0)
        members = sorted({f for f in assignment if f >= 0})
        backed = overlap = 0.0
        for i, f in enumerate(members):
            row_c, row_o = self.cohesion[f], self.overlap[f]
            for g in members[i + 1 :]:
                backed += row_c[g]
                overlap += row_o[g]
        m = max(1, len(members))
        w = self.w
        regions = (len({self.region[f] for f in members}) - 1) / self.d if members else 0.0
        return (
            linear
            + w["cohesion"] * min(1.0, backed / self.d)
            + w["complementarity"] * (1.0 - overlap / self.p)
            + w["regions"] * regions
            + w["size"] * (1.0 - (m - 1) / self.d)
        )

    def can_still_succeed(self, assignment: Sequence[int], lots_left: int) -> bool:
        """False when a partial assignment breaks a constraint or cannot meet one in time."""
        members = {f for f in assignment if f >= 0}
        assigned = sum(1 for f in assignment if f >= 0)
        if not self.allow_multiple and len(members) < assigned:
            return False
        if self.max_members is not None and len(members) > self.max_members:
            return False
        if len(self.problem.required - members) > lots_left:
            return False
        if self.min_smes - sum(self.sme[f] for f in members) > lots_left:
            return False
        if self.min_preferred - sum(self.preferred[f] for f in members) > lots_left:
            return False
        return lots_left > 0 or any(self.leader_ok[f] for f in members)


@dataclass(frozen=True)
class _Step:
    lot: int
    candidates: list[int]


def beam_search(problem: MatchProblem, beam_width: int = 64) -> list[tuple[float, Assignment]]:
    """Complete feasible consortia kept by the beam, best first, as ``(score, assignment)``."""
    evaluator = Evaluator(problem)
    steps = _steps(problem)
    beam: list[Assignment] = [tuple([-1] * problem.n_lots)]
    for done, step in enumerate(steps, start=1):
        lots_left = len(steps) - done
        scored: dict[Assignment, float] = {}
        for state in beam:
            for firm in step.candidates:
                child = (*state[: step.lot], firm, *state[step.lot + 1 :])
                if child not in scored and evaluator.can_still_succeed(child, lots_left):
                    scored[child] = evaluator.score(child)
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
        beam = [state for state, _ in ranked[:beam_width]]
    return [(evaluator.score(state), state) for state in beam]


def fast_solve(
    problem: MatchProblem, top: int = 10, min_lot_changes: int = 1, beam_width: int = 64
) -> list[tuple[float, Assignment]]:
    """The default solver: up to ``top`` diverse consortia, best first.

    Starting from the beam's consortia in order, each one far enough from those already chosen
    is improved by local search, which never moves it closer than ``min_lot_changes`` lots to
    them; the best ``top`` of twice as many are kept (any subset stays diverse).
    """
    evaluator = Evaluator(problem)
    steps = _steps(problem)
    chosen: list[tuple[float, Assignment]] = []
    for _, state in beam_search(problem, beam_width):
        if len(chosen) == 2 * top:  # twice as many as asked: local search reorders them
            break
        others = [assignment for _, assignment in chosen]
        if not _far_enough(state, others, min_lot_changes):
            continue
        improved = _local_search(state, steps, evaluator, others, min_lot_changes)
        chosen.append((evaluator.score(improved), improved))
    return sorted(chosen, key=lambda item: (-item[0], item[1]))[:top]


def _steps(problem: MatchProblem) -> list[_Step]:
    """Lots in search order: fewest candidates first."""
    return sorted(
        (_Step(lot, problem.lot_candidates(lot)) for lot in range(problem.n_lots)),
        key=lambda step: (len(step.candidates), step.lot),
    )


def _far_enough(state: Assignment, others: Sequence[Assignment], min_lot_changes: int) -> bool:
    return all(lot_changes(state, other) >= min_lot_changes for other in others)


def _local_search(
    state: Assignment,
    steps: Sequence[_Step],
    evaluator: Evaluator,
    others: Sequence[Assignment],
    min_lot_changes: int,
) -> Assignment:
    """Best-improvement swaps of one lot's firm, until none improves the score."""
    current, best = state, evaluator.score(state)
    while True:
        move: Assignment | None = None
        for step in steps:
            for firm in step.candidates:
                if firm == current[step.lot]:
                    continue
                child = (*current[: step.lot], firm, *current[step.lot + 1 :])
                value = evaluator.score(child)
                if (
                    value > best + 1e-12
                    and evaluator.can_still_succeed(child, 0)
                    and _far_enough(child, others, min_lot_changes)
                ):
                    move, best = child, value
        if move is None:
            return current
        current = move
