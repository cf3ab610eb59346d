"""Beam search over lot assignments: the default consortium search.

Lots are filled one at a time, most constrained first. Every partial assignment is scored with
the full objective (uncovered lots count zero), and only the ``beam_width`` best survive each
step. Hard constraints that a partial assignment can already break (one lot per firm, maximum
size, exclusions) prune it at once; the others (required firms, minimum SMEs) are checked on
complete assignments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoring.consortium import ObjectiveWeights, breakdown, objective

__all__ = ["SearchProblem", "beam_search"]


@dataclass(frozen=True)
class SearchProblem:
    """Everything the search needs, as arrays over candidate firms (lots x firms for fit)."""

    fit: NDArray[np.float64]
    cohesion: NDArray[np.float64]
    overlap: NDArray[np.float64]
    is_sme: NDArray[np.bool_]
    weights: ObjectiveWeights
    required: frozenset[int] = frozenset()
    max_members: int | None = None
    min_smes: int = 0
    allow_multiple_lots: bool = True

    @property
    def n_lots(self) -> int:
        """Number of lots."""
        return int(self.fit.shape[0])

    def lot_candidates(self, lot: int, per_lot: int) -> list[int]:
        """The ``per_lot`` best eligible firms for a lot, plus every eligible required firm."""
        scores = self.fit[lot]
        eligible = np.flatnonzero(np.isfinite(scores))
        order = eligible[np.lexsort((eligible, -scores[eligible]))]
        chosen = [int(i) for i in order[:per_lot]]
        chosen += [i for i in sorted(self.required) if np.isfinite(scores[i]) and i not in chosen]
        return chosen

    def score(self, assignment: tuple[int, ...]) -> float:
        """Objective value of an assignment (``-1`` marks an uncovered lot)."""
        return objective(breakdown(assignment, self.fit, self.cohesion, self.overlap), self.weights)

    def is_feasible(self, assignment: tuple[int, ...]) -> bool:
        """Whether a complete assignment honours every hard constraint."""
        members = set(assignment)
        if -1 in members or not self.required <= members:
            return False
        if not self.allow_multiple_lots and len(members) < len(assignment):
            return False
        if self.max_members is not None and len(members) > self.max_members:
            return False
        return int(self.is_sme[list(members)].sum()) >= self.min_smes


def beam_search(
    problem: SearchProblem, beam_width: int = 128, per_lot: int = 15
) -> list[tuple[float, tuple[int, ...]]]:
    """Feasible complete assignments found by the beam, best first, as ``(score, assignment)``."""
    candidates = [problem.lot_candidates(lot, per_lot) for lot in range(problem.n_lots)]
    order = sorted(range(problem.n_lots), key=lambda lot: (len(candidates[lot]), lot))
    beam: list[tuple[int, ...]] = [tuple([-1] * problem.n_lots)]
    for lot in order:
        expanded: dict[tuple[int, ...], float] = {}
        for state in beam:
            members = {firm for firm in state if firm >= 0}
            for firm in candidates[lot]:
                if not problem.allow_multiple_lots and firm in members:
                    continue
                grown = members | {firm}
                if problem.max_members is not None and len(grown) > problem.max_members:
                    continue
                child = (*state[:lot], firm, *state[lot + 1 :])
                if child not in expanded:
                    expanded[child] = problem.score(child)
        ranked = sorted(expanded.items(), key=lambda item: (-item[1], item[0]))
        beam = [state for state, _ in ranked[:beam_width]]
        if not beam:
            return []
    finished = [(problem.score(state), state) for state in beam if problem.is_feasible(state)]
    return sorted(finished, key=lambda item: (-item[0], item[1]))
