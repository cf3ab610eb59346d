"""Limits before work: a request body is refused before it is read when it is too large or
comes without a valid key.

The ASGI middleware looks at the headers first: a declared length above the route's limit gets
413 at once, and a write to the API without a valid key gets 401 without a byte of the body
read. A body sent without its length is counted as it streams and cut at the limit (413).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from anyio import to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meute.api.auth import identify
from meute.api.deps import get_store
from meute.api.problems import meute_error_response, problem_response
from meute.api.settings import LimitSettings, Settings
from meute.graph.errors import MeuteError, Problem

__all__ = ["BodyTooLarge", "LimitsMiddleware"]

# Paths whose writes do not need a key before the body (the console's login form, where the
# key is the body) or take it from the session cookie (the console's own pages).
OPEN_PREFIXES = ("/console",)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# File uploads (streamed to disk), allowed the largest bodies.
UPLOAD_PATHS = ("/imports/decp", "/imports/ted", "/imports/sirene", "/console/avis")


class BodyTooLarge(HTTPException):
    """The body is larger than the route accepts (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit:,} bytes")
        self.limit = limit


def body_limit(limits: LimitSettings, path: str) -> int:
    """The most bytes a body sent to ``path`` may hold."""
    if path.startswith(UPLOAD_PATHS):
        return limits.upload_bytes
    return limits.import_bytes if path.startswith("/imports") else limits.body_bytes


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class LimitsMiddleware:
    """Refuse oversized and unauthenticated bodies before reading them (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413/401/503 before its body is read."""
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        settings: Settings = request.app.state.settings
        limit = body_limit(settings.limits, scope["path"])
        declared = _declared_length(scope)
        refusal = None
        if declared is not None and declared > limit:
            refusal = _too_large(limit, declared)
        elif not scope["path"].startswith(OPEN_PREFIXES):
            refusal = await to_thread.run_sync(_authentication_refusal, request)
        if refusal is not None:
            await refusal(scope, _no_body, send)
            return
        await self.app(scope, _counted(receive, limit), send)


def _too_large(limit: int, size: int) -> Response:
    return problem_response(
        413,
        "Request body too large",
        f"this route accepts at most {limit:,} bytes",
        [Problem("body", f"{size:,} bytes", "too large")],
    )


def _authentication_refusal(request: Request) -> Response | None:
    """A problem response when the request carries no valid key (or the store is down)."""
    try:
        identify(request, get_store(request))
    except MeuteError as error:
        return meute_error_response(error)
    return None


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`BodyTooLarge` once the body passes ``limit`` bytes."""
    seen = 0

    async def counted() -> MutableMapping[str, Any]:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted
