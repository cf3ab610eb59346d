"""Bounded work: the exact search stops at its deadline or when its client leaves, keeping the
best consortia found so far and saying so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import pytest

from meute.api.disconnect import until_disconnected
from meute.api.service import import_document, prepare_problem, showcase_document
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import TimedOut
from meute.matcher.deadline import Deadline
from meute.matcher.exact import solve_exact
from meute.matcher.problem import MatchProblem
from meute.matcher.propose import MatchOptions, Mode, solve

TENDER = "bouake-hospital"


def _showcase() -> EmbeddedStore:
    store = EmbeddedStore(None)
    import_document(store, showcase_document())
    return store


@cache
def _problem() -> MatchProblem:
    store = _showcase()
    tender = store.get_tender(TENDER)
    assert tender is not None
    return prepare_problem(store, tender, MatchOptions()).problem


def _called_off_after(calls: int) -> Callable[[], bool]:
    seen = 0

    def cancelled() -> bool:
        nonlocal seen
        seen += 1
        return seen > calls

    return cancelled


def test_the_exact_search_stops_when_called_off_keeping_what_it_found() -> None:
    full = solve_exact(_problem(), top=5)
    assert len(full.solutions) == 5 and not full.timed_out
    cut = solve_exact(_problem(), top=5, deadline=Deadline(60, _called_off_after(4)))
    assert cut.timed_out and 1 <= len(cut.solutions) < 5
    assert cut.solutions == full.solutions[: len(cut.solutions)]


def test_a_match_called_off_before_any_answer_is_timed_out() -> None:
    options = MatchOptions(top=5, mode=Mode.EXACT, cancelled=lambda: True)
    with pytest.raises(TimedOut):
        solve(_problem(), options)
    solved = solve(_problem(), MatchOptions(top=5, mode=Mode.EXACT))
    chosen, timed_out = solved.chosen, solved.timed_out
    assert len(chosen) == 5 and not timed_out


class _Leaving:
    """A request whose client disconnects after ``after`` seconds."""

    def __init__(self, after: float) -> None:
        self.gone_at = time.monotonic() + after

    async def is_disconnected(self) -> bool:
        return time.monotonic() >= self.gone_at


def _until_called_off(cancelled: Callable[[], bool]) -> float:
    started = time.monotonic()
    while not cancelled():
        if time.monotonic() - started > 30:
            raise AssertionError("never called off")
        time.sleep(0.01)
    return time.monotonic() - started


def _serve(request: Any, work: Callable[[Callable[[], bool]], Any]) -> Any:
    """Run ``until_disconnected`` in an event loop of its own thread (the browser tests may
    hold one in this thread).
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(until_disconnected(request, work))).result()


def test_work_is_called_off_when_the_client_disconnects() -> None:
    assert _serve(_Leaving(0.3), _until_called_off) >= 0.3
    assert _serve(_Leaving(60), lambda cancelled: cancelled()) is False
    with pytest.raises(KeyError):
        _serve(_Leaving(60), lambda cancelled: {}["raised as itself"])
