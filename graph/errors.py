"""Meute's exception hierarchy, shared by every layer.

::

    MeuteError
    ├── InvalidInput        bad data from a user (CLI exit 2, HTTP 422)
    ├── NotFound            an id that the store does not hold (HTTP 404)
    ├── StoreUnavailable    the graph store cannot be reached (HTTP 503)
    ├── Infeasible          no consortium satisfies the constraints (HTTP 422)
    │   └── Uncoverable     some lots no firm may take (a match covers the others)
    └── TimedOut            the deadline struck before any answer was found (HTTP 503)

Each error carries a list of :class:`Problem` saying which field holds which value and what is
wrong with it, so that the CLI and the API report the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError, to_jsonable_python

__all__ = [
    "Infeasible",
    "InvalidInput",
    "MeuteError",
    "NotFound",
    "Problem",
    "StoreUnavailable",
    "TimedOut",
    "Uncoverable",
    "problems_from_errors",
    "problems_from_validation",
]


# The most characters of a bad value an error repeats.
MAX_ECHO = 200


def _excerpt(text: str) -> str:
    """At most ``MAX_ECHO`` characters of ``text``, with any invalid character escaped."""
    if len(text) > MAX_ECHO:
        text = text[: MAX_ECHO - 3] + "..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (dotted field path), what value, and why."""

    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        shown = repr(self.value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return f"{self.field or '(input)'}: {self.message} (got {shown})"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, used in API problem bodies and CLI --json errors.

        The value is shown as it came when it is small and writable as JSON; otherwise (too
        long, not finite, invalid text) as a short excerpt of its ``repr``, so that an error
        never echoes a whole hostile body nor fails to be written itself.
        """
        try:
            value = to_jsonable_python(self.value)
            shown = json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (PydanticSerializationError, ValueError, TypeError):
            value, shown = repr(self.value), b""
        if len(shown) > MAX_ECHO or not shown:
            value = _excerpt(repr(value) if not isinstance(value, str) else value)
        return {"field": self.field, "value": value, "message": self.message}


class MeuteError(Exception):
    """Base class of every error Meute raises on purpose."""

    title = "Meute error"

    def __init__(self, detail: str, problems: list[Problem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []

    def __str__(self) -> str:
        if not self.problems:
            return self.detail
        return self.detail + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class InvalidInput(MeuteError):
    """The input is not valid; nothing was written."""

    title = "Invalid input"


class NotFound(MeuteError):
    """The requested firm, tender or resource does not exist."""

    title = "Not found"


class StoreUnavailable(MeuteError):
    """The graph store (for instance the Neo4j server) cannot be reached."""

    title = "Graph store unavailable"


class Infeasible(MeuteError):
    """No consortium satisfies the tender's constraints."""

    title = "No feasible consortium"


class Uncoverable(Infeasible):
    """Some lots no candidate firm may take: one problem per lot (``lots[<id>]``, its title,
    why), and their ids in ``lots``. A match answers for the other lots.
    """

    def __init__(self, detail: str, problems: list[Problem], lots: list[str]) -> None:
        super().__init__(detail, problems)
        self.lots = lots


class TimedOut(MeuteError):
    """The work's deadline struck (or its client left) before any answer was found."""

    title = "Deadline reached"


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def problems_from_errors(errors: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """Problems naming each field and value, from pydantic's or FastAPI's error list.

    A leading ``body`` (where FastAPI found the value) is left out of the field path.
    """
    problems = []
    for item in errors:
        loc = tuple(item.get("loc", ()))
        field = _field_path(loc[1:] if loc[:1] == ("body",) else loc)
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        value = None if item.get("type") == "missing" else item.get("input")
        problems.append(Problem(field=field, value=value, message=message))
    return problems


def problems_from_validation(error: ValidationError, prefix: str = "") -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into problems naming each field and value.

    ``prefix`` names what was validated when the error does not (e.g. ``siren`` for a lone
    value).
    """
    problems = problems_from_errors(error.errors(include_url=False))
    if not prefix:
        return problems
    return [
        Problem(
            f"{prefix}.{p.field}" if p.field and not p.field.startswith("[") else prefix + p.field,
            p.value,
            p.message,
        )
        for p in problems
    ]
