"""Work that stops when its client leaves: run in a worker thread, watched from the event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
from anyio import to_thread
from starlette.requests import Request

__all__ = ["until_disconnected"]

T = TypeVar("T")
POLL_SECONDS = 0.25


async def until_disconnected(request: Request, work: Callable[[Callable[[], bool]], T]) -> T:
    """``work(cancelled)`` in a worker thread; ``cancelled()`` turns true once the client has
    disconnected, so that the work can stop instead of running for nobody.
    """
    gone = threading.Event()
    finished = anyio.Event()

    async def watch() -> None:
        while not finished.is_set():
            if await request.is_disconnected():
                gone.set()
                return
            with anyio.move_on_after(POLL_SECONDS):
                await finished.wait()

    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(watch)
        try:
            result = await to_thread.run_sync(work, gone.is_set)
        except Exception as error:  # raised as itself, not wrapped in an exception group
            failure = error
        finally:
            finished.set()
    if failure is not None:
        raise failure
    return result
