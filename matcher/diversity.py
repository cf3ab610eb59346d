"""How different proposals are from one another."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["lot_changes", "mean_pairwise_changes"]


def lot_changes(a: Sequence[int], b: Sequence[int]) -> int:
    """Number of lots whose firm differs between two assignments."""
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


def mean_pairwise_changes(assignments: Sequence[Sequence[int]]) -> float:
    """Average share of lots that differ between two proposals (0 for fewer than two)."""
    pairs = [
        lot_changes(a, b) / len(a) for i, a in enumerate(assignments) for b in assignments[i + 1 :]
    ]
    return sum(pairs) / len(pairs) if pairs else 0.0
