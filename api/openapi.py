"""The OpenAPI document as the API really answers: its errors are problem+json bodies.

FastAPI documents a 422 with its own ``HTTPValidationError`` and no other error; this replaces
that with :class:`api.problems.ProblemDetails` and adds, for every operation, the errors it
can answer: 401 and 403 when it needs a key, 404, 422 and 503 (store unreachable).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from meute.api.problems import MEDIA_TYPE, ProblemDetails

__all__ = ["document_problems"]

_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetails"}
ERRORS = {
    "401": "No API key, or an unknown or revoked one",
    "403": "The key's role may not do this",
    "404": "Nothing is stored under this id (or no such path)",
    "422": "Invalid input: each bad field, its value and the problem",
    "503": "The store is unreachable, or still loading",
}
# Operations answered without the store or a key.
_STORELESS = {("/health", "get")}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {MEDIA_TYPE: {"schema": _PROBLEM_REF}}}


def document_problems(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with every operation's problem responses (built once)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        routes=app.routes,
    )
    problem_schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["ProblemDetails"] = problem_schema
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            wanted = {"404", "422"}
            if operation.get("security"):
                wanted |= {"401", "403"}
            if (path, method) not in _STORELESS:
                wanted.add("503")
            for status in sorted(wanted):
                responses[status] = _problem(ERRORS[status])
    app.openapi_schema = schema
    return schema
