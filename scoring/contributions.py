"""What each term of a score adds to it, and which terms set one proposal apart from another.

A score is the weighted mean of its terms (:func:`meute.scoring.consortium.objective`), so term
``k`` contributes ``w_k * term_k / sum(w)`` to it: on a scale of 100, these *points* add up to
the score. Comparing two proposals term by term in points says which terms decided their order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["RankReasons", "contributions", "on_100", "rank_reasons", "term_changes"]

# Differences smaller than this (in points out of 100) decide nothing worth naming.
NOTABLE_POINTS = 0.05


def on_100(value: float) -> float:
    """A score or term in [0, 1] out of 100, with one decimal: 0.7236 -> 72.4."""
    return round(100.0 * value, 1)


def contributions(breakdown: Mapping[str, float], weights: Mapping[str, float]) -> dict[str, float]:
    """Points out of 100 each term adds to the score (terms without a weight add nothing)."""
    total = sum(weights.values())
    return {
        name: 100.0 * weights[name] * value / total
        for name, value in breakdown.items()
        if name in weights
    }


def term_changes(
    before: Mapping[str, float], after: Mapping[str, float], weights: Mapping[str, float]
) -> dict[str, float]:
    """Points each term gained (positive) or lost from ``before`` to ``after``."""
    old, new = contributions(before, weights), contributions(after, weights)
    return {name: new[name] - old.get(name, 0.0) for name in new}


@dataclass(frozen=True)
class RankReasons:
    """The terms that put a proposal ahead of the next one and behind the previous one.

    Each list holds (term, points) pairs, largest difference first; ``ahead`` gains are
    positive, ``behind`` losses negative.
    """

    ahead: list[tuple[str, float]]
    behind: list[tuple[str, float]]


def _largest(differences: Mapping[str, float], sign: float, count: int) -> list[tuple[str, float]]:
    notable = [(n, d) for n, d in differences.items() if sign * d >= NOTABLE_POINTS]
    return sorted(notable, key=lambda item: -sign * item[1])[:count]


def rank_reasons(
    breakdowns: Sequence[Mapping[str, float]], weights: Mapping[str, float], most: int = 3
) -> list[RankReasons]:
    """For each proposal in rank order, the (at most ``most``) terms that decided its rank.

    A proposal is ahead of the next one by the terms where it scores more points, and behind
    the previous one by those where it scores fewer; a proposal with both neighbours names at
    most one reason for being behind, so that two or three terms are named in all.
    """
    points = [contributions(b, weights) for b in breakdowns]
    reasons = []
    for i, own in enumerate(points):
        behind: list[tuple[str, float]] = []
        if i > 0:
            previous = points[i - 1]
            losses = {name: own[name] - previous.get(name, 0.0) for name in own}
            behind = _largest(losses, -1.0, 1 if i + 1 < len(points) else most)
        ahead: list[tuple[str, float]] = []
        if i + 1 < len(points):
            following = points[i + 1]
            gains = {name: own[name] - following.get(name, 0.0) for name in own}
            ahead = _largest(gains, 1.0, most - len(behind))
        reasons.append(RankReasons(ahead, behind))
    return reasons
