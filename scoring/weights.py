"""The base of every set of weights (non-negative, not all zero), and the relevance floor."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["RELEVANCE_FLOOR", "Weights"]

# Least relevance for a firm to be proposed for a lot or a pavilion theme; chosen on real awards
# (benchmarks/relevance.py): nearly every real winner with a capability near the lot's codes
# clears it, while a firm whose only link is a sibling code and no shared words does not.
RELEVANCE_FLOOR = 0.2


@dataclass(frozen=True)
class Weights:
    """A frozen dataclass of named weights, validated on creation."""

    def __post_init__(self) -> None:
        values = self.as_dict()
        for name, value in values.items():
            if value < 0:
                raise ValueError(f"{type(self).__name__}.{name} must be >= 0, got {value}")
        if sum(values.values()) <= 0:
            raise ValueError(f"{type(self).__name__} must not all be zero")

    def as_dict(self) -> dict[str, float]:
        """Name -> weight."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}
