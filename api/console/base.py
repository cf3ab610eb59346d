"""What every console page shares: templates, French labels, the session cookie, errors.

A page asked for without a valid key redirects to the login page (then back); a role that
may not see it gets a French 403 page, something not stored a French 404 page. Templates are
autoescaped and every page is served with a Content-Security-Policy refusing inline scripts, so
text from users or the data is shown inert.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from meute.api.auth import COOKIE, Principal, Role
from meute.api.clock import paris_time, quarter_label
from meute.api.deps import StoreDep
from meute.api.exports import (
    FACT_SOURCE_LABELS,
    MATURITY_LABELS,
    SIZE_LABELS,
    source_note,
)
from meute.api.keys import session_principal
from meute.api.programme_files import ACCOMPANIED_LABELS, PROPOSAL_STATUS_LABELS
from meute.api.scores import PAVILION_TERMS, TERM_LABELS, explained, legend, shown_on_100
from meute.api.security import SECURITY_HEADERS
from meute.graph.errors import MeuteError, NotFound, StoreUnavailable
from meute.graph.model import MemberStatus, TenderSource
from meute.graph.store import GraphStore
from meute.matcher.pavilion import PavilionWeights

__all__ = [
    "LOGIN",
    "PREFIX",
    "AnyoneDep",
    "FormDep",
    "OfficerDep",
    "PageNotFound",
    "ProgrammeDep",
    "ReaderDep",
    "RoleRefused",
    "error_page",
    "found",
    "home_path",
    "install_handlers",
    "render",
]

PREFIX = "/console"
LOGIN = f"{PREFIX}/connexion"
STATUS_LABELS = PROPOSAL_STATUS_LABELS
MEMBER_STATUS_LABELS = {
    MemberStatus.TO_CONTACT: "à contacter",
    MemberStatus.CONTACTED: "contactée",
    MemberStatus.ACCEPTED: "accepte",
    MemberStatus.DECLINED: "décline",
}
# What a page says after a save, by the ``ok`` of the address the save redirects to.
CONFIRMATIONS = {
    "appel": "Appel d'offres enregistré.",
    "faits": "Informations de l'entreprise enregistrées.",
    "proposition": "Proposition enregistrée.",
    "suivi": "Suivi de la proposition enregistré.",
    "nom": "Proposition renommée.",
    "membre": "Suivi du membre enregistré.",
    "remplacement": "Membre remplacé : le consortium a été réévalué, l'historique est conservé.",
    "pavillon": "Pavillon enregistré.",
    "pavillon-modifie": "Modifications du pavillon enregistrées.",
    "pavillon-renomme": "Pavillon renommé.",
    "pavillon-duplique": "Pavillon dupliqué : vous modifiez la copie.",
}
ROLE_LABELS = {Role.OFFICER: "chargé d'affaires", Role.SME: "PME", Role.VIEWER: "lecture"}
SOURCE_LABELS = {TenderSource.TED: "TED", TenderSource.CONSOLE: "saisie", TenderSource.API: "API"}
KIND_LABELS = {"works": "travaux", "supplies": "fournitures", "services": "services"}


def french_number(value: float, digits: int = 0) -> str:
    """A number as French readers write it: ``45 000 000``, ``0,77``."""
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


@cache
def _country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 code -> French name of the country (CLDR, through Babel)."""
    from babel import Locale  # loads with the first page that names a country

    return {str(code): str(name) for code, name in Locale("fr").territories.items()}


def country_name(code: str) -> str:
    """A country's French name from its ISO code: CI -> « Côte d’Ivoire » (the code if unknown)."""
    return _country_names().get(code.upper(), code)


templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("meute.api", "templates/console"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
templates.env.filters["nombre"] = french_number
templates.env.filters["sur_100"] = shown_on_100
templates.env.filters["pays"] = country_name
templates.env.filters["heure"] = lambda moment: f"{paris_time(moment):%d/%m/%Y à %H:%M}"
templates.env.filters["trimestre"] = quarter_label
templates.env.globals.update(
    Role=Role,
    TERM_LABELS=TERM_LABELS,
    MATURITY_LABELS=MATURITY_LABELS,
    SIZE_LABELS=SIZE_LABELS,
    FACT_SOURCE_LABELS=FACT_SOURCE_LABELS,
    source_note=source_note,
    STATUS_LABELS=STATUS_LABELS,
    MEMBER_STATUS_LABELS=MEMBER_STATUS_LABELS,
    ACCOMPANIED_LABELS=ACCOMPANIED_LABELS,
    ROLE_LABELS=ROLE_LABELS,
    CONFIRMATIONS=CONFIRMATIONS,
    SOURCE_LABELS=SOURCE_LABELS,
    KIND_LABELS=KIND_LABELS,
    expliquer=explained,
    legende_de=legend,
    PAVILION_TERMS=PAVILION_TERMS,
    PAVILION_WEIGHTS=PavilionWeights(),
)


class LoginRequired(Exception):
    """No open session: the page redirects to the login page, then back."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class RoleRefused(Exception):
    """A valid key whose role may not see the page (French 403 page)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(principal.role.value)
        self.principal = principal


class PageNotFound(Exception):
    """What the page shows is not stored (French 404 page)."""

    def __init__(self, principal: Principal, what: str) -> None:
        super().__init__(what)
        self.principal = principal
        self.what = what


@contextmanager
def found(principal: Principal, what: str) -> Iterator[None]:
    """Show the French 404 page for ``what`` when the store says it is not stored."""
    try:
        yield
    except NotFound:
        raise PageNotFound(principal, what) from None


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A console page, with the caller (for the navigation) and the security headers."""
    response = templates.TemplateResponse(
        request, template, {"principal": principal, **context}, status_code=status_code
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def error_page(request: Request, principal: Principal, message: str) -> HTMLResponse:
    """A French page saying what could not be done (422)."""
    return render(
        request, "erreur.html", principal, 422, message=message, home=home_path(principal)
    )


def home_path(principal: Principal) -> str:
    """Where each role lands after logging in."""
    if principal.role is Role.SME:
        return f"{PREFIX}/entreprises/{principal.siren}/partenaires"
    if principal.role is Role.VIEWER:
        return f"{PREFIX}/programme"
    return f"{PREFIX}/appels-d-offres"


def _console_user(*roles: Role) -> Callable[[Request, GraphStore], Principal]:
    """A dependency admitting a session of a valid key with one of ``roles``, from the cookie."""

    def principal(request: Request, store: StoreDep) -> Principal:
        session_id = request.cookies.get(COOKIE)
        found = session_principal(store, session_id) if session_id else None
        if found is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(path)
        if found.role not in roles:
            raise RoleRefused(found)
        return found

    return principal


async def _form(request: Request) -> FormData:
    """The submitted form, read before a (synchronous) page handler runs."""
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]
AnyoneDep = Annotated[Principal, Depends(_console_user(*Role))]
ReaderDep = Annotated[Principal, Depends(_console_user(Role.OFFICER, Role.SME))]
OfficerDep = Annotated[Principal, Depends(_console_user(Role.OFFICER))]
ProgrammeDep = Annotated[Principal, Depends(_console_user(Role.OFFICER, Role.VIEWER))]


async def _login_required(_: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequired)
    return RedirectResponse(f"{LOGIN}?suite={quote(error.path, safe='')}", status_code=303)


async def _role_refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, RoleRefused)
    home = home_path(error.principal)
    return render(request, "interdit.html", error.principal, 403, home=home)


async def _page_not_found(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageNotFound)
    home = home_path(error.principal)
    return render(request, "introuvable.html", error.principal, 404, what=error.what, home=home)


def install_handlers(app: FastAPI) -> None:
    """The login redirect, the French 403 and 404 pages (for an unknown address too), and a
    French 503 page for the console when the store is down (the API's own answers, problem+json,
    stay as they are elsewhere).
    """
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(RoleRefused, _role_refused)
    app.add_exception_handler(PageNotFound, _page_not_found)
    api_handler = app.exception_handlers[MeuteError]

    async def store_unavailable(request: Request, error: Exception) -> Response:
        if request.url.path == PREFIX or request.url.path.startswith(f"{PREFIX}/"):
            return render(request, "indisponible.html", None, 503)
        answer = api_handler(request, error)
        return await answer if isinstance(answer, Awaitable) else answer

    app.add_exception_handler(StoreUnavailable, store_unavailable)
    http_handler = app.exception_handlers[StarletteHTTPException]

    async def unknown_page(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if error.status_code == 404 and request.url.path.startswith(f"{PREFIX}/"):
            return render(request, "introuvable.html", None, 404, what="cette page", home=PREFIX)
        answer = http_handler(request, error)
        return await answer if isinstance(answer, Awaitable) else answer

    app.add_exception_handler(StarletteHTTPException, unknown_page)
