"""API keys and roles, without the HTTP layer (so ``meute keys`` starts fast).

A key is ``meute_<id>_<secret>``; only the SHA-256 of the whole key is stored (as a record of
the graph store, so every process of a deployment sees the same keys), never the key itself.
The secret has 256 bits of entropy, so a plain hash cannot be reversed by guessing. Keys are
created and revoked with ``meute keys``.

The web console never keeps the key: logging in opens a session, a random id in an HTTP-only
cookie, whose SHA-256 is recorded (kind ``session``) with the key it stands for and when it
ends. Logging out, the end of the session or revoking the key ends it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from meute.graph.errors import InvalidInput, NotFound, Problem, problems_from_validation
from meute.graph.model import Name, Siren
from meute.graph.records import Records

if TYPE_CHECKING:
    from meute.graph.store import GraphStore

__all__ = [
    "ApiKey",
    "Principal",
    "Role",
    "Session",
    "authenticate",
    "close_session",
    "create_key",
    "list_keys",
    "open_session",
    "revoke_key",
    "session_principal",
]

KIND = "api_key"
SESSION_KIND = "session"
SESSION_HOURS = 12
_TOKEN = re.compile(r"^meute_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


class Role(StrEnum):
    """What a key may do."""

    OFFICER = "officer"
    SME = "sme"
    VIEWER = "viewer"


class ApiKey(BaseModel):
    """A stored key: who holds it, its role, and the hash of the key."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: Name
    role: Role
    siren: Siren | None = None
    sha256: str = Field(repr=False)
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class Principal(BaseModel):
    """Who is calling: the key's id, holder, role and, for an SME, its firm."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    name: str
    role: Role
    siren: str | None = None


class Session(BaseModel):
    """A console session: the hash of its id, the key it stands for, and when it ends."""

    model_config = ConfigDict(extra="forbid")

    sha256: str
    key_id: str
    expires_at: dt.datetime


def _keys(store: GraphStore) -> Records[ApiKey]:
    return Records(store, KIND, ApiKey)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(
    store: GraphStore, role: Role, name: str, siren: str | None = None
) -> tuple[ApiKey, str]:
    """Store a new key and return it with the key itself, which is shown only this once.

    An ``sme`` key belongs to a stored firm; other roles belong to no firm.
    """
    key_id = secrets.token_hex(6)
    token = f"meute_{key_id}_{secrets.token_urlsafe(32)}"
    try:
        key = ApiKey.model_validate(
            {
                "id": key_id,
                "name": name,
                "role": role,
                "siren": siren,
                "sha256": _digest(token),
                "created_at": dt.datetime.now(dt.UTC),
            }
        )
    except ValidationError as error:
        raise InvalidInput("invalid key", problems_from_validation(error)) from None
    if key.role is Role.SME:
        if key.siren is None:
            raise InvalidInput("an sme key needs a firm", [Problem("siren", None, "required")])
        if store.get_firm(key.siren) is None:
            raise NotFound(f"no firm {key.siren}", [Problem("siren", key.siren, "unknown SIREN")])
    elif key.siren is not None:
        problem = Problem("siren", key.siren, f"only sme keys belong to a firm, not {role} keys")
        raise InvalidInput("this role has no firm", [problem])
    _keys(store).put(key_id, key)
    return key, token


def list_keys(store: GraphStore) -> list[ApiKey]:
    """Every key ever created, revoked ones included, by id."""
    return _keys(store).all()


def revoke_key(store: GraphStore, key_id: str) -> ApiKey:
    """Revoke a key for good; requests with it get 401 from now on."""
    keys = _keys(store)
    key = keys.get(key_id)
    if key is None:
        raise NotFound(f"no key {key_id}", [Problem("key_id", key_id, "unknown key")])
    if key.revoked_at is None:
        key = key.model_copy(update={"revoked_at": dt.datetime.now(dt.UTC)})
        keys.put(key_id, key)
    return key


def authenticate(store: GraphStore, token: str) -> Principal | None:
    """The holder of a valid, unrevoked key, or None."""
    match = _TOKEN.fullmatch(token.strip())
    if match is None:
        return None
    key = _keys(store).get(match.group(1))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.sha256, _digest(token.strip())):
        return None
    return Principal(key_id=key.id, name=key.name, role=key.role, siren=key.siren)


def _sessions(store: GraphStore) -> Records[Session]:
    return Records(store, SESSION_KIND, Session)


def open_session(store: GraphStore, principal: Principal) -> str:
    """A new console session for ``principal``: its id, for the cookie (stored only hashed)."""
    sessions, now = _sessions(store), dt.datetime.now(dt.UTC)
    for ended in sessions.all():
        if ended.expires_at <= now:
            sessions.delete(ended.sha256)
    session_id = secrets.token_urlsafe(32)
    expires_at = now + dt.timedelta(hours=SESSION_HOURS)
    session = Session(sha256=_digest(session_id), key_id=principal.key_id, expires_at=expires_at)
    sessions.put(session.sha256, session)
    return session_id


def close_session(store: GraphStore, session_id: str) -> None:
    """End a console session (nothing happens for an unknown one)."""
    _sessions(store).delete(_digest(session_id))


def session_principal(store: GraphStore, session_id: str) -> Principal | None:
    """The holder of an open session whose key is still valid, or None."""
    session = _sessions(store).get(_digest(session_id))
    if session is None or session.expires_at <= dt.datetime.now(dt.UTC):
        return None
    key = _keys(store).get(session.key_id)
    if key is None or key.revoked_at is not None:
        return None
    return Principal(key_id=key.id, name=key.name, role=key.role, siren=key.siren)
