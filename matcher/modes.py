"""The solvers a match can use (kept apart so the CLI can offer them without loading them)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Mode"]


class Mode(StrEnum):
    """Which solver forms the consortia."""

    FAST = "fast"
    EXACT = "exact"
