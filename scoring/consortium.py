"""Scores of a whole consortium: coverage, fit, cohesion, complementarity and size.

A consortium is an assignment of one firm (an index into the candidate arrays) to each lot.
Each component lies in [0, 1]; the objective is their weighted mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from graph.model import Collaboration, CollaborationKind, Firm
from graph.store import NEIGHBOURHOOD_DIGITS

__all__ = [
    "COLLABORATION_KIND_WEIGHT",
    "ObjectiveWeights",
    "breakdown",
    "capability_overlap",
    "cohesion_matrix",
    "objective",
]

# How much a past collaboration of each kind says about working together again.
COLLABORATION_KIND_WEIGHT = {
    CollaborationKind.JOINT_BID: 1.0,
    CollaborationKind.CO_AWARD: 0.8,
    CollaborationKind.SUPPLY: 0.6,
    CollaborationKind.SHARED_PAVILION: 0.3,
}
# A collaboration loses half its weight every this many years.
COLLABORATION_HALF_LIFE_YEARS = 6.0


@dataclass(frozen=True)
class ObjectiveWeights:
    """Weights of the consortium objective's components (normalised to sum to 1)."""

    coverage: float = 0.1
    fit: float = 0.5
    cohesion: float = 0.2
    complementarity: float = 0.1
    size: float = 0.1

    def __post_init__(self) -> None:
        values = self.as_dict()
        for name, value in values.items():
            if value < 0:
                raise ValueError(f"ObjectiveWeights.{name} must be >= 0, got {value}")
        if sum(values.values()) <= 0:
            raise ValueError("ObjectiveWeights must not all be zero")

    def as_dict(self) -> dict[str, float]:
        """Component name -> weight."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


def cohesion_matrix(
    sirens: Sequence[str], collaborations: Sequence[Collaboration], reference_year: int
) -> NDArray[np.float64]:
    """Pairwise strength of past collaboration in [0, 1] (symmetric, zero diagonal).

    Several collaborations combine as independent evidence: ``1 - prod(1 - w)``, each ``w``
    weighted by kind and halved every :data:`COLLABORATION_HALF_LIFE_YEARS`.
    """
    index = {siren: i for i, siren in enumerate(sirens)}
    missing = np.ones((len(sirens), len(sirens)), dtype=np.float64)
    for collaboration in collaborations:
        i, j = index.get(collaboration.firm_a), index.get(collaboration.firm_b)
        if i is None or j is None:
            continue
        age = max(0, reference_year - collaboration.year)
        weight = COLLABORATION_KIND_WEIGHT[collaboration.kind] * 0.5 ** (
            age / COLLABORATION_HALF_LIFE_YEARS
        )
        missing[i, j] *= 1.0 - weight
        missing[j, i] = missing[i, j]
    strength = 1.0 - missing
    np.fill_diagonal(strength, 0.0)
    return strength


def capability_overlap(firms: Sequence[Firm]) -> NDArray[np.float64]:
    """Jaccard overlap of the firms' capabilities at CPV class level (symmetric)."""
    classes = [{c.cpv[:NEIGHBOURHOOD_DIGITS] for c in firm.capabilities} for firm in firms]
    n = len(firms)
    overlap = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        for j in range(i + 1, n):
            union = classes[i] | classes[j]
            if union:
                overlap[i, j] = overlap[j, i] = len(classes[i] & classes[j]) / len(union)
    return overlap


def _mean_pairwise(matrix: NDArray[np.float64], members: NDArray[np.intp]) -> float | None:
    if len(members) < 2:
        return None
    block = matrix[np.ix_(members, members)]
    n = len(members)
    return float(block.sum() / (n * (n - 1)))


def breakdown(
    assignment: Sequence[int],
    fit: NDArray[np.float64],
    cohesion: NDArray[np.float64],
    overlap: NDArray[np.float64],
) -> dict[str, float]:
    """Component scores of a (possibly partial) assignment, ``-1`` marking an uncovered lot.

    - coverage: share of lots with a firm;
    - fit: mean fit over all lots (an uncovered lot counts 0);
    - cohesion: mean past-collaboration strength over member pairs (1 for a single firm);
    - complementarity: 1 minus the mean capability overlap between members;
    - size: 1 for a single firm, falling linearly to 1/n_lots with one firm per lot.
    """
    n_lots = len(assignment)
    covered = [(lot, firm) for lot, firm in enumerate(assignment) if firm >= 0]
    members = np.array(sorted({firm for _, firm in covered}), dtype=np.intp)
    fit_sum = sum(float(fit[lot, firm]) for lot, firm in covered)
    pair_cohesion = _mean_pairwise(cohesion, members)
    pair_overlap = _mean_pairwise(overlap, members)
    return {
        "coverage": len(covered) / n_lots,
        "fit": fit_sum / n_lots,
        "cohesion": 1.0 if pair_cohesion is None else pair_cohesion,
        "complementarity": 1.0 if pair_overlap is None else 1.0 - pair_overlap,
        "size": (n_lots - max(len(members), 1) + 1) / n_lots,
    }


def objective(components: dict[str, float], weights: ObjectiveWeights) -> float:
    """Weighted mean of the components."""
    weight = weights.as_dict()
    return sum(weight[name] * components[name] for name in weight) / sum(weight.values())
