"""RFC 9457 problem details: every error the API returns, in one place."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException

from meute.api.auth import Forbidden, Unauthorized
from meute.api.logs import current_request_id
from meute.graph.errors import (
    Infeasible,
    InvalidInput,
    MeuteError,
    NotFound,
    Problem,
    StoreUnavailable,
    TimedOut,
    problems_from_errors,
    problems_from_validation,
)

__all__ = [
    "NotReady",
    "ProblemDetails",
    "ProblemItem",
    "install_problem_handlers",
    "meute_error_response",
    "problem_response",
]

# Problems listed in one answer, so that a huge invalid body never gets a huge answer.
MAX_PROBLEMS = 100
# Python's JSON parser gives up (RecursionError) around this depth.
MAX_JSON_DEPTH = 1_000


class NotReady(MeuteError):
    """The server is still loading the store or the text model (HTTP 503)."""

    title = "Not ready"


STATUS: dict[type[MeuteError], int] = {
    NotReady: 503,
    InvalidInput: 422,
    Infeasible: 422,
    NotFound: 404,
    StoreUnavailable: 503,
    TimedOut: 503,
    Unauthorized: 401,
    Forbidden: 403,
}
MEDIA_TYPE = "application/problem+json"


class ProblemItem(BaseModel):
    """One thing wrong with the request: the field (dotted path), the value given, and why."""

    field: str
    value: Any = None
    message: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem body, as every error of the API is answered."""

    type: str = "about:blank"
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["the request is not valid"])
    errors: list[ProblemItem] = Field(default_factory=list)
    request_id: str | None = Field(
        None, description="The request's id, also in its X-Request-ID header and in the logs."
    )


def problem_response(
    status: int, title: str, detail: str, problems: list[Problem] | None = None
) -> JSONResponse:
    """A problem+json response with the offending fields listed under ``errors`` (the first
    ``MAX_PROBLEMS`` of them, the detail saying how many there were).
    """
    problems = problems or []
    if len(problems) > MAX_PROBLEMS:
        detail = f"{detail} ({len(problems)} problems, the first {MAX_PROBLEMS} listed)"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [p.as_dict() for p in (problems or [])[:MAX_PROBLEMS]],
        "request_id": current_request_id(),
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def meute_error_response(error: MeuteError) -> JSONResponse:
    """The problem+json response for a Meute error, with its status."""
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 500)
    response = problem_response(status, error.title, error.detail, error.problems)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="meute"'
    return response


async def _meute_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, MeuteError)
    return meute_error_response(error)


async def _request_validation(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = problems_from_errors(error.errors())
    return problem_response(422, "Invalid input", "the request is not valid", problems)


async def _model_validation(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ValidationError)
    return problem_response(
        422, "Invalid input", "the request is not valid", problems_from_validation(error)
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette's and FastAPI's own errors (no such path, method not allowed, a body too
    large or that cannot be parsed) as problems too.
    """
    assert isinstance(error, HTTPException)
    if isinstance(error.__cause__, RecursionError):
        problem = Problem("body", None, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return problem_response(422, "Invalid input", "the body is nested too deeply", [problem])
    title = HTTPStatus(error.status_code).phrase
    detail = str(error.detail)
    if error.status_code == 404 and detail == title:
        detail = f"nothing is served at {request.url.path}"
    elif error.status_code == 405 and detail == title:
        detail = f"{request.method} is not allowed on {request.url.path}"
    response = problem_response(error.status_code, title, detail)
    response.headers.update(error.headers or {})
    return response


def install_problem_handlers(app: FastAPI) -> None:
    """Map Meute, validation and HTTP errors to problem+json responses."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(MeuteError, _meute_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _model_validation)
