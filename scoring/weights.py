"""The base of every set of weights: non-negative, not all zero."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["Weights"]


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
