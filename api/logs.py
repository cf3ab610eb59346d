"""Logging for operators: stdlib ``logging`` under the ``meute`` logger, configured once.

Lines are human-readable by default and JSON objects with ``MEUTE_LOG_FORMAT=json``. Every HTTP
request gets an id (its ``X-Request-ID`` header, or a new one), which is in its access line, in
every line logged while serving it, in its problem body and in the response's ``X-Request-ID``
header. Matches slower than ``MEUTE_SLOW_MATCH_MS`` are logged with their timing breakdown.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "LogFormat",
    "RequestLog",
    "Timings",
    "configure_logging",
    "current_request_id",
    "log_if_slow",
    "logger",
]

logger = logging.getLogger("meute")
LogFormat = Literal["text", "json"]
_request_id: ContextVar[str | None] = ContextVar("meute_request_id", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_slow_match_seconds = 2.0
# Attributes every LogRecord has; anything else was passed in ``extra`` and is logged too.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    return _request_id.get()


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


class _TextFormatter(logging.Formatter):
    """``time level logger [request id] message key=value ...``, then any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        request = f" [{request_id}]" if request_id else ""
        extras = "".join(f" {k}={v}" for k, v in _extras(record).items())
        line = (
            f"{self.formatTime(record)} {record.levelname} {record.name}{request} "
            f"{record.getMessage()}{extras}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, extras, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry["request_id"] = getattr(record, "request_id", None)
        entry.update(_extras(record))
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    log_format: LogFormat = "text", level: str = "INFO", slow_match_ms: float = 2000.0
) -> None:
    """Send the ``meute`` logger's records to stderr in ``log_format``; later calls reconfigure.

    The handler is replaced, never added twice, so creating several apps logs each line once.
    """
    global _slow_match_seconds
    _slow_match_seconds = slow_match_ms / 1000
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if log_format == "json" else _TextFormatter())
    handler.addFilter(_RequestIdFilter())
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


class Timings:
    """Wall-clock seconds spent in each named part of a piece of work."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}
        self.warm_up: set[str] = set()
        self._start = time.perf_counter()

    @contextmanager
    def part(self, name: str, warm_up: bool = False) -> Iterator[None]:
        """Time the ``with`` block as ``name`` (added to any earlier time under that name);
        ``warm_up``: it loads what the process keeps for every later call (a model fitted once).
        """
        start = time.perf_counter()
        try:
            yield
        finally:
            self.parts[name] = self.parts.get(name, 0.0) + time.perf_counter() - start
            if warm_up:
                self.warm_up.add(name)

    def total(self) -> float:
        """Seconds since the work started."""
        return time.perf_counter() - self._start

    def steady(self) -> float:
        """Seconds since the work started, without its warm-up parts."""
        return self.total() - sum(self.parts[name] for name in self.warm_up)


def log_if_slow(what: str, timings: Timings, **details: object) -> None:
    """Log a warning with the breakdown when ``timings`` exceed the slow-match threshold, not
    counting their warm-up (a process's first match fits its text models: a one-off, not a slow
    match; a server does it before it is ready).
    """
    total = timings.total()
    if timings.steady() < _slow_match_seconds:
        return
    breakdown = {f"{name}_ms": round(seconds * 1000, 1) for name, seconds in timings.parts.items()}
    logger.warning(
        "slow %s",
        what,
        extra={"total_ms": round(total * 1000, 1), **breakdown, **details},
    )


class RequestLog:
    """ASGI middleware: a request id for every request, an access line with its latency, and a
    problem+json 500 (logged with its traceback) for any error nothing else handled.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request (or pass anything else, e.g. the lifespan, through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        start = time.perf_counter()
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                from meute.api.problems import problem_response

                response = problem_response(
                    500, "Internal Server Error", "an unexpected error occurred; see the logs"
                )
                await response(scope, receive, send_with_id)
        finally:
            logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "latency_ms": round((time.perf_counter() - start) * 1000, 1),
                },
            )
            _request_id.reset(token)
