"""An overall bound on a piece of work: a time limit, and a way to call it off early.

The solvers look at it between steps and stop with the best they found so far; the API calls
work off when its client disconnects.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Deadline"]


def _never() -> bool:
    return False


class Deadline:
    """Expires ``seconds`` after it is made, or as soon as ``cancelled()`` turns true."""

    def __init__(self, seconds: float, cancelled: Callable[[], bool] = _never) -> None:
        if not seconds > 0:
            raise ValueError(f"a deadline needs a positive number of seconds, got {seconds}")
        self._ends = time.monotonic() + seconds
        self._cancelled = cancelled

    def remaining(self) -> float:
        """Seconds left (0 once expired)."""
        if self._cancelled():
            return 0.0
        return max(self._ends - time.monotonic(), 0.0)

    def expired(self) -> bool:
        """Whether the work must stop now."""
        return self.remaining() <= 0.0
