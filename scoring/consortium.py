"""The consortium objective: one formula, ten terms, each in [0, 1].

A consortium assigns one firm to each lot. With ``L`` lots, ``D = max(1, L - 1)`` and
``P = max(1, L(L - 1) / 2)``, ``x[l, f] = 1`` when firm ``f`` takes lot ``l`` and ``m`` the
number of members::

    coverage        = sum_l,f x[l,f] * c / L                 (c: share of the tender's lots
                                                             some firm may take, see below)
    fit             = sum_l,f x[l,f] * relevance[l,f] / L
    evidence        = sum_l,f x[l,f] * evidence[l,f] / L
    capacity        = sum_l,f x[l,f] * capacity[l,f] / L
    readiness       = sum_l,f x[l,f] * readiness[f] / L
    sme             = sum_l,f x[l,f] * sme[f] / L            (share of lots held by SMEs)
    cohesion        = min(1, sum_{f<g members} W[f,g] / D)
    complementarity = 1 - sum_{f<g members} O[f,g] / P
    regions         = (number of distinct member regions - 1) / D
    size            = 1 - (m - 1) / D

    score = sum_k w_k * term_k / sum_k w_k

``W`` is the strength of past collaboration between two firms and ``O`` the overlap of their
capabilities. ``L`` counts the lots some firm may take: those no firm may take are set aside
(the answer names them), and ``c`` (their share of all the tender's lots, 1 for most tenders)
keeps coverage saying how much of the tender is covered. Cohesion is the past collaboration
backing the members' pairs, against the ``L - 1`` interfaces a consortium of one firm per lot
would need (the number of members itself is the business of ``size``). Every term is linear in
``x``, in member indicators and in pair indicators (the ``min`` is linear once maximised), so
the exact solver (:mod:`matcher.exact`) optimises this same formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array

from meute.graph.model import Collaboration, CollaborationKind, ExportMaturity
from meute.graph.store import NEIGHBOURHOOD_DIGITS
from meute.scoring.columns import FirmColumns, Firms
from meute.scoring.weights import Weights

__all__ = [
    "COLLABORATION_KIND_WEIGHT",
    "LINEAR_TERMS",
    "ObjectiveWeights",
    "ScoreTables",
    "capability_overlap",
    "cohesion_edges",
    "cohesion_matrix",
    "objective",
    "readiness_scores",
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
MATURITY_SCORE = {
    ExportMaturity.FIRST_TIME: 0.25,
    ExportMaturity.OCCASIONAL: 0.5,
    ExportMaturity.REGULAR: 0.75,
    ExportMaturity.ACCREDITED: 1.0,
}
# Terms that add up lot by lot (the rest depend on who the members are).
LINEAR_TERMS = ("coverage", "fit", "evidence", "capacity", "readiness", "sme")


@dataclass(frozen=True)
class ObjectiveWeights(Weights):
    """Weights of the objective's terms (normalised to sum to 1)."""

    coverage: float = 0.05
    fit: float = 0.35
    evidence: float = 0.10
    capacity: float = 0.10
    cohesion: float = 0.15
    complementarity: float = 0.05
    readiness: float = 0.08
    sme: float = 0.05
    regions: float = 0.02
    size: float = 0.05


def cohesion_edges(
    sirens: Sequence[str], collaborations: Sequence[Collaboration], reference_year: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """The pairs of ``sirens`` (by index, first < second) that worked together, in the order
    they first appear in ``collaborations``, and the strength of their past collaboration in
    [0, 1].

    Several collaborations combine as independent evidence: ``1 - prod(1 - w)``, each ``w``
    weighted by kind and halved every :data:`COLLABORATION_HALF_LIFE_YEARS`.
    """
    index = dict(zip(sirens, range(len(sirens)), strict=True))
    count = len(collaborations)
    a, b = (
        np.fromiter(
            map(index.get, map(attrgetter(name), collaborations), repeat(-1)), np.intp, count
        )
        for name in ("firm_a", "firm_b")
    )
    kind = np.fromiter(
        map(COLLABORATION_KIND_WEIGHT.__getitem__, map(attrgetter("kind"), collaborations)),
        np.float64,
        count,
    )
    year = np.fromiter(map(attrgetter("year"), collaborations), np.int64, count)
    known = (a >= 0) & (b >= 0) & (a != b)
    first, second = np.minimum(a, b)[known], np.maximum(a, b)[known]
    # Few distinct ages: each decay computed once, as Python computes it.
    ages, age = np.unique(np.maximum(0, reference_year - year[known]), return_inverse=True)
    decay = np.array([0.5 ** (int(x) / COLLABORATION_HALF_LIFE_YEARS) for x in ages.tolist()])
    weight = kind[known] * decay[age]
    # Group each pair's collaborations (in their order), pairs in order of first appearance.
    _, appears, pair = np.unique(
        first * len(sirens) + second, return_index=True, return_inverse=True
    )
    order = np.argsort(appears[pair], kind="stable")
    starts = np.flatnonzero(np.diff(pair[order], prepend=-1))
    missing = np.multiply.reduceat(1.0 - weight[order], starts) if len(order) else np.ones(0)
    kept = order[starts]
    return first[kept], second[kept], 1.0 - missing


def cohesion_matrix(
    sirens: Sequence[str], collaborations: Sequence[Collaboration], reference_year: int
) -> NDArray[np.float64]:
    """Pairwise strength of past collaboration (:func:`cohesion_edges`) as a symmetric matrix
    with a zero diagonal.
    """
    first, second, strength = cohesion_edges(sirens, collaborations, reference_year)
    matrix = np.zeros((len(sirens), len(sirens)), dtype=np.float64)
    matrix[first, second] = strength
    matrix[second, first] = strength
    return matrix


def capability_overlap(firms: Firms) -> NDArray[np.float64]:
    """Jaccard overlap of the firms' capabilities at CPV class level (symmetric, zero diagonal)."""
    columns = FirmColumns.of(firms)
    classes = columns.capability_codes // 10 ** (8 - NEIGHBOURHOOD_DIGITS)
    distinct, column = np.unique(classes, return_inverse=True)
    holds = csr_array(
        (np.ones(len(column)), (columns.capability_owner, column)),
        shape=(len(columns), len(distinct)),
    )
    holds.sum_duplicates()
    holds.data[:] = 1.0  # whether a firm holds a class, however many of its codes fall in it
    shared = (holds @ holds.T).toarray()  # sparse: a firm holds a few of hundreds of classes
    held = np.asarray(holds.sum(axis=1), dtype=np.float64)
    union = held[:, None] + held[None, :] - shared
    overlap: NDArray[np.float64] = np.divide(
        shared, union, out=np.zeros_like(shared), where=union > 0
    )
    np.fill_diagonal(overlap, 0.0)
    return overlap


def readiness_scores(firms: Firms, country: str) -> NDArray[np.float64]:
    """Export readiness in [0, 1]: maturity stage, plus experience of the tender's country."""
    columns = FirmColumns.of(firms)
    stage = np.array([MATURITY_SCORE[maturity] for maturity in ExportMaturity])
    readiness: NDArray[np.float64] = 0.7 * stage[columns.maturity] + 0.3 * columns.exports_to(
        country
    )
    return readiness


@dataclass(frozen=True)
class ScoreTables:
    """Everything the objective needs about candidate firms, as arrays.

    ``per_lot`` maps each linear term (:data:`LINEAR_TERMS`, coverage included) to a
    ``lots x firms`` array (``-inf`` relevance marks a firm that cannot take a lot);
    ``cohesion`` and ``overlap`` are ``firms x firms``; ``region`` gives each firm's region as
    an integer.
    """

    per_lot: dict[str, NDArray[np.float64]]
    cohesion: NDArray[np.float64]
    overlap: NDArray[np.float64]
    region: NDArray[np.intp]

    @property
    def n_lots(self) -> int:
        """Number of lots."""
        return int(self.per_lot["fit"].shape[0])

    @property
    def n_firms(self) -> int:
        """Number of candidate firms."""
        return int(self.per_lot["fit"].shape[1])

    def eligible(self, lot: int, firm: int) -> bool:
        """Whether a firm may take a lot."""
        return bool(np.isfinite(self.per_lot["fit"][lot, firm]))

    def breakdown(self, assignment: Sequence[int]) -> dict[str, float]:
        """Every term of the objective for an assignment (``-1`` marks an uncovered lot)."""
        n_lots = self.n_lots
        d = max(1, n_lots - 1)
        p = max(1, n_lots * (n_lots - 1) // 2)
        covered = [(lot, firm) for lot, firm in enumerate(assignment) if firm >= 0]
        members = sorted({firm for _, firm in covered})
        terms = {
            name: sum(float(self.per_lot[name][lot, firm]) for lot, firm in covered) / n_lots
            for name in LINEAR_TERMS
        }
        pairs = [(f, g) for i, f in enumerate(members) for g in members[i + 1 :]]
        backed = sum(float(self.cohesion[f, g]) for f, g in pairs)
        m = max(1, len(members))
        terms["cohesion"] = min(1.0, backed / d)
        terms["complementarity"] = 1.0 - sum(float(self.overlap[f, g]) for f, g in pairs) / p
        terms["regions"] = (len({int(self.region[f]) for f in members}) - 1) / d if members else 0.0
        terms["size"] = 1.0 - (m - 1) / d
        return terms


def objective(terms: dict[str, float], weights: ObjectiveWeights) -> float:
    """The weighted mean of the terms."""
    weight = weights.as_dict()
    return sum(weight[name] * terms[name] for name in weight) / sum(weight.values())
