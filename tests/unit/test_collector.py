"""Pausing the cyclic garbage collector: nothing built meanwhile is walked at once when it
resumes, and cycles built meanwhile are still collected.
"""

from __future__ import annotations

import gc
import weakref

from meute.graph.collector import collector_paused


class _Node:
    def __init__(self) -> None:
        self.partner: _Node | None = None


def test_a_cycle_built_while_paused_is_collected_later() -> None:
    with collector_paused():
        assert not gc.isenabled()
        a, b = _Node(), _Node()
        a.partner, b.partner = b, a
        gone = weakref.ref(a)
        built = [_Node() for _ in range(50_000)]
    assert gc.isenabled()
    assert gc.get_count()[0] < 1_000  # the 50,000 nodes wait in the oldest generation
    del a, b, built
    gc.collect()
    assert gone() is None


def test_a_pause_inside_a_pause_leaves_the_collector_paused() -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
