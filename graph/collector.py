"""Pausing Python's cyclic garbage collector while millions of objects are built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, which would otherwise walk the growing heap again
    and again while a national graph or import file is built (it doubled the time to open a
    national store); reference counting still frees everything that is not a cycle.

    When it resumes, the objects built meanwhile go straight to the oldest generation (as
    ``gc.freeze`` then ``gc.unfreeze`` move them): the next young collection would otherwise
    walk them all at once (a second per 20,000 firms imported). Cycles among them are still
    found, by the next full collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
