"""Who may call the API: the keys (kept in :mod:`api.keys`) checked on each request.

Roles: ``officer`` reads and writes everything; ``sme`` reads its own firm in full, other
firms as public profiles, tenders, and asks for partners for itself; ``viewer`` sees programme
tracking only. Requests carry the key as ``Authorization: Bearer <key>`` or ``X-API-Key``; the
web console carries a session id in an HTTP-only cookie (see :mod:`api.keys`), never the key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from meute.api.deps import StoreDep
from meute.api.keys import (
    ApiKey,
    Principal,
    Role,
    authenticate,
    create_key,
    list_keys,
    revoke_key,
    session_principal,
)
from meute.graph.errors import MeuteError, Problem
from meute.graph.store import GraphStore

__all__ = [
    "COOKIE",
    "ApiKey",
    "Forbidden",
    "OfficerDep",
    "Principal",
    "Role",
    "Unauthorized",
    "authenticate",
    "create_key",
    "identify",
    "list_keys",
    "require",
    "revoke_key",
]

COOKIE = "meute_session"


class Unauthorized(MeuteError):
    """No key, or a key that is unknown or revoked (HTTP 401)."""

    title = "Unauthorized"


class Forbidden(MeuteError):
    """A valid key whose role may not do this (HTTP 403)."""

    title = "Forbidden"


# The three ways to present a key, declared as OpenAPI security schemes (« Authorize » in /docs).
_bearer = HTTPBearer(
    auto_error=False, scheme_name="bearer", description="Authorization: Bearer <API key>"
)
_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="apiKey", description="The API key"
)
_cookie = APIKeyCookie(
    name=COOKIE,
    auto_error=False,
    scheme_name="consoleCookie",
    description="The console's session id, set by logging in to the console",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
HeaderDep = Annotated[str | None, Depends(_header)]
CookieDep = Annotated[str | None, Depends(_cookie)]


def _principal(store: GraphStore, token: str | None, session_id: str | None) -> Principal:
    """The holder of ``token`` (a key) or else of the console session; Unauthorized when
    neither is valid.
    """
    if token is None and session_id is None:
        raise Unauthorized(
            "an API key is required", [Problem("authorization", None, "no API key given")]
        )
    if token is not None:
        found = authenticate(store, token)
    else:
        found = session_principal(store, session_id or "")
    if found is None:
        raise Unauthorized(
            "the API key is not valid",
            [Problem("authorization", "***", "unknown or revoked API key")],
        )
    return found


def identify(request: Request, store: GraphStore) -> Principal:
    """The holder of the key (or console session) a request carries, read from its headers
    before anything else (the body limits' middleware calls it before reading a body).
    """
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    token = credentials if scheme.lower() == "bearer" and credentials else None
    return _principal(store, token or request.headers.get("x-api-key"), request.cookies.get(COOKIE))


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency admitting holders of a valid key with one of ``roles`` (401, then 403)."""

    def principal(
        store: StoreDep, bearer: BearerDep, header: HeaderDep, cookie: CookieDep
    ) -> Principal:
        found = _principal(store, bearer.credentials if bearer is not None else header, cookie)
        if found.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Forbidden(
                f"the {found.role} role may not do this",
                [Problem("role", found.role.value, f"needs one of: {allowed}")],
            )
        return found

    return principal


OfficerDep = Annotated[Principal, Depends(require(Role.OFFICER))]
