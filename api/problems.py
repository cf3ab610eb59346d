"""RFC 9457 problem details: every error the API returns, in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.auth import Forbidden, Unauthorized
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

__all__ = ["install_problem_handlers", "problem_response"]

STATUS: dict[type[MeuteError], int] = {
    InvalidInput: 422,
    Infeasible: 422,
    NotFound: 404,
    StoreUnavailable: 503,
    Unauthorized: 401,
    Forbidden: 403,
}
MEDIA_TYPE = "application/problem+json"


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


def install_problem_handlers(app: FastAPI) -> None:
    """Map Meute and validation errors to problem+json responses."""
    app.add_exception_handler(MeuteError, _meute_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _model_validation)
