"""Logging in with an API key, logging out, and each role's home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from meute.api.auth import COOKIE, authenticate
from meute.api.console.base import LOGIN, PREFIX, AnyoneDep, home_path, render
from meute.api.deps import StoreDep
from meute.api.keys import close_session, open_session

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _safe_next(path: str | None) -> str | None:
    """A console path to return to after logging in; anything else (another site) is ignored."""
    if path and path.startswith(f"{PREFIX}/") and not path.startswith("//") and "\\" not in path:
        return path
    return None


@router.get("", response_class=RedirectResponse)
def home(principal: AnyoneDep) -> RedirectResponse:
    """The caller's home page."""
    return RedirectResponse(home_path(principal), status_code=303)


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request, suite: str | None = None) -> HTMLResponse:
    """The login form."""
    return render(request, "connexion.html", None, suite=_safe_next(suite), error=None)


@router.post("/connexion", response_model=None)
def login(
    request: Request,
    store: StoreDep,
    key: Annotated[str, Form()] = "",
    suite: Annotated[str | None, Form()] = None,
) -> Response:
    """Check the key; open a session (its id in an HTTP-only cookie) and go on, or say what
    is wrong.
    """
    principal = authenticate(store, key) if key.strip() else None
    if principal is None:
        error = "Saisissez votre clé d'accès." if not key.strip() else "Clé inconnue ou révoquée."
        return render(request, "connexion.html", None, 401, suite=_safe_next(suite), error=error)
    response = RedirectResponse(_safe_next(suite) or home_path(principal), status_code=303)
    response.set_cookie(
        COOKIE,
        open_session(store, principal),
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/deconnexion", response_class=RedirectResponse)
def logout(request: Request, store: StoreDep) -> RedirectResponse:
    """End the session."""
    session_id = request.cookies.get(COOKIE)
    if session_id:
        close_session(store, session_id)
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
