"""Who may call the API: the keys (kept in :mod:`api.keys`) checked on each request.

Roles: ``officer`` reads and writes everything; ``sme`` reads its own firm in full, other
firms as public profiles, tenders, and asks for partners for itself; ``viewer`` sees programme
tracking only. Requests carry the key as ``Authorization: Bearer <key>`` or ``X-API-Key``; the
web console keeps it in an HTTP-only cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.deps import StoreDep
from api.keys import (
    ApiKey,
    Principal,
    Role,
    authenticate,
    create_key,
    list_keys,
    revoke_key,
)
from graph.errors import MeuteError, Problem

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
    "list_keys",
    "require",
    "revoke_key",
]

COOKIE = "meute_key"


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
    name=COOKIE, auto_error=False, scheme_name="consoleCookie", description="Set by the console"
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
HeaderDep = Annotated[str | None, Depends(_header)]
CookieDep = Annotated[str | None, Depends(_cookie)]


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency admitting holders of a valid key with one of ``roles`` (401, then 403)."""

    def principal(
        store: StoreDep, bearer: BearerDep, header: HeaderDep, cookie: CookieDep
    ) -> Principal:
        token = bearer.credentials if bearer is not None else header or cookie
        if token is None:
            raise Unauthorized(
                "an API key is required", [Problem("authorization", None, "no API key given")]
            )
        found = authenticate(store, token)
        if found is None:
            raise Unauthorized(
                "the API key is not valid",
                [Problem("authorization", "***", "unknown or revoked API key")],
            )
        if found.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Forbidden(
                f"the {found.role} role may not do this",
                [Problem("role", found.role.value, f"needs one of: {allowed}")],
            )
        return found

    return principal


OfficerDep = Annotated[Principal, Depends(require(Role.OFFICER))]
