"""Choosing a diverse top K among ranked assignments."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["lot_changes", "mean_pairwise_changes", "select_diverse"]


def lot_changes(a: Sequence[int], b: Sequence[int]) -> int:
    """Number of lots whose firm differs between two assignments."""
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


def select_diverse(
    ranked: Sequence[tuple[float, tuple[int, ...]]], top: int, min_lot_changes: int = 1
) -> list[tuple[float, tuple[int, ...]]]:
    """Keep, in rank order, each assignment that differs from every kept one in enough lots."""
    kept: list[tuple[float, tuple[int, ...]]] = []
    for score, assignment in ranked:
        if all(lot_changes(assignment, other) >= min_lot_changes for _, other in kept):
            kept.append((score, assignment))
            if len(kept) == top:
                break
    return kept


def mean_pairwise_changes(assignments: Sequence[Sequence[int]]) -> float:
    """Average share of lots that differ between two proposals (0 for fewer than two)."""
    pairs = [
        lot_changes(a, b) / len(a) for i, a in enumerate(assignments) for b in assignments[i + 1 :]
    ]
    return sum(pairs) / len(pairs) if pairs else 0.0
