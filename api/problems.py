"""RFC 9457 problem details: every error the API returns, in one place."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import Forbidden, Unauthorized
from api.logs import current_request_id
from graph.errors import (
    Infeasible,
    InvalidInput,
    MeuteError,
    NotFound,
    Problem,
    StoreUnavailable,
    problems_from_errors,
    problems_from_validation,
)

__all__ = [
    "NotReady",
    "ProblemDetails",
    "ProblemItem",
    "install_problem_handlers",
    "problem_response",
]


class NotReady(MeuteError):
    """The server is still loading the store or the text model (HTTP 503)."""

    title = "Not ready"


STATUS: dict[type[MeuteError], int] = {
    NotReady: 503,
    InvalidInput: 422,
    Infeasible: 422,
    NotFound: 404,
    StoreUnavailable: 503,
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
    """A problem+json response with the offending fields listed under ``errors``."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [p.as_dict() for p in problems or []],
        "request_id": current_request_id(),
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


async def _meute_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, MeuteError)
    response = problem_response(
        STATUS.get(type(error), 500), error.title, error.detail, error.problems
    )
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="meute"'
    return response


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
    """Starlette's own errors (no such path, method not allowed) as problems too."""
    assert isinstance(error, StarletteHTTPException)
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
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(MeuteError, _meute_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _model_validation)
