"""The web console: French, server-rendered pages over the same use cases as the HTTP API.

Mounted under ``/console`` by :func:`install_console`. The API key entered on the login page
is kept in the ``meute_key`` cookie (HTTP-only, same-site strict), which the JSON endpoints
also accept, so the pages' scripts call them directly. A page asked for without a valid key
redirects to the login page; a role that may not see it gets a French 403 page. Templates are
autoescaped and every page is served with a Content-Security-Policy that refuses inline scripts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool

from api.auth import COOKIE, Forbidden, Principal, Role, authenticate
from api.deps import SettingsDep, StoreDep
from api.network import COLLABORATION_WORDS, network
from api.routes.firms import visible
from api.routes.partners import own_firm
from api.service import find_partners, match_tender
from api.tender_form import CURRENCIES, TenderForm, blank_lot
from graph.errors import Infeasible
from graph.model import ExportMaturity, HeadcountBand
from graph.store import GraphStore
from matcher.propose import Mode

__all__ = ["PREFIX", "install_console", "router"]

PREFIX = "/console"
LOGIN = f"{PREFIX}/connexion"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

BREAKDOWN_LABELS = {
    "coverage": "Couverture",
    "fit": "Adéquation",
    "evidence": "Références",
    "capacity": "Capacité",
    "readiness": "Préparation export",
    "sme": "PME",
    "regions": "Régions",
    "cohesion": "Cohésion",
    "complementarity": "Complémentarité",
    "size": "Taille",
}
MATURITY_LABELS = {
    ExportMaturity.FIRST_TIME: "primo-exportatrice",
    ExportMaturity.OCCASIONAL: "exportatrice occasionnelle",
    ExportMaturity.REGULAR: "exportatrice régulière",
    ExportMaturity.ACCREDITED: "accréditée par le programme",
}
HEADCOUNT_LABELS = {band: f"{band.value} salariés" for band in HeadcountBand}
TENDERS_PER_PAGE = 50

templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("api", "templates/console"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
router = APIRouter(prefix=PREFIX, include_in_schema=False)


def french_number(value: float, digits: int = 0) -> str:
    """A number as French readers write it: ``45 000 000``, ``0,77``."""
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


templates.env.filters["nombre"] = french_number
templates.env.globals.update(
    BREAKDOWN_LABELS=BREAKDOWN_LABELS,
    MATURITY_LABELS=MATURITY_LABELS,
    HEADCOUNT_LABELS=HEADCOUNT_LABELS,
    COLLABORATION_WORDS=COLLABORATION_WORDS,
)


class LoginRequired(Exception):
    """No valid key in the cookie: the page redirects to the login page, then back."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class RoleRefused(Exception):
    """A valid key whose role may not see the page (French 403 page)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(principal.role.value)
        self.principal = principal


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A console page, with the caller (for the navigation) and the security headers."""
    response = templates.TemplateResponse(
        request,
        template,
        {"principal": principal, "Role": Role, **context},
        status_code=status_code,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def _console_user(*roles: Role) -> Callable[[Request, GraphStore], Principal]:
    """A dependency admitting holders of a valid key with one of ``roles``, from the cookie."""

    def principal(request: Request, store: StoreDep) -> Principal:
        token = request.cookies.get(COOKIE)
        found = authenticate(store, token) if token else None
        if found is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(path)
        if found.role not in roles:
            raise RoleRefused(found)
        return found

    return principal


AnyoneDep = Annotated[Principal, Depends(_console_user(*Role))]
ReaderDep = Annotated[Principal, Depends(_console_user(Role.OFFICER, Role.SME))]
OfficerDep = Annotated[Principal, Depends(_console_user(Role.OFFICER))]


def _home(principal: Principal) -> str:
    """Where each role lands after logging in."""
    if principal.role is Role.SME:
        return f"{PREFIX}/entreprises/{principal.siren}/partenaires"
    if principal.role is Role.VIEWER:
        return f"{PREFIX}/programme"
    return f"{PREFIX}/appels-d-offres"


def _safe_next(path: str | None) -> str | None:
    """A console path to return to after logging in; anything else (another site) is ignored."""
    if path and path.startswith(f"{PREFIX}/") and not path.startswith("//") and "\\" not in path:
        return path
    return None


@router.get("", response_class=RedirectResponse)
def home(principal: AnyoneDep) -> RedirectResponse:
    """The caller's home page."""
    return RedirectResponse(_home(principal), status_code=303)


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request, suite: str | None = None) -> HTMLResponse:
    """The login form."""
    return render(request, "connexion.html", None, suite=_safe_next(suite), error=None)


@router.post("/connexion", response_model=None)
def login(
    request: Request,
    store: StoreDep,
    key: Annotated[str, Form(max_length=200)] = "",
    suite: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Check the key; keep it in an HTTP-only cookie and go on, or say what is wrong."""
    principal = authenticate(store, key) if key.strip() else None
    if principal is None:
        error = "Saisissez votre clé d'accès." if not key.strip() else "Clé inconnue ou révoquée."
        return render(request, "connexion.html", None, 401, suite=_safe_next(suite), error=error)
    response = RedirectResponse(_safe_next(suite) or _home(principal), status_code=303)
    response.set_cookie(
        COOKIE,
        key.strip(),
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/deconnexion", response_class=RedirectResponse)
def logout() -> RedirectResponse:
    """Forget the key."""
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _not_found(request: Request, principal: Principal, what: str) -> HTMLResponse:
    return render(request, "introuvable.html", principal, 404, what=what, home=_home(principal))


@router.get("/appels-d-offres", response_class=HTMLResponse)
def tenders_page(
    request: Request,
    store: StoreDep,
    principal: OfficerDep,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """The stored tenders, by id, a page at a time."""
    total = store.count_tenders()
    tenders = store.list_tenders((page - 1) * TENDERS_PER_PAGE, TENDERS_PER_PAGE)
    pages = max(1, -(-total // TENDERS_PER_PAGE))
    return render(
        request, "appels.html", principal, tenders=tenders, total=total, page=page, pages=pages
    )


@router.get("/appels-d-offres/nouveau", response_class=HTMLResponse)
def tender_form_page(
    request: Request, store: StoreDep, principal: OfficerDep, depuis: str | None = None
) -> HTMLResponse:
    """The tender entry form, empty or filled with a stored tender (``?depuis=ID``)."""
    form = TenderForm()
    if depuis is not None:
        tender = store.get_tender(depuis)
        if tender is None:
            return _not_found(request, principal, f"l'appel d'offres « {depuis} »")
        form = TenderForm.from_tender(tender)
    return _tender_form(request, principal, form)


def _tender_form(
    request: Request, principal: Principal, form: TenderForm, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "appel_saisie.html",
        principal,
        status_code,
        form=form,
        currencies=CURRENCIES,
        blank_lot=blank_lot(),
    )


@router.post("/appels-d-offres/nouveau", response_model=None)
async def submit_tender(request: Request, store: StoreDep, principal: OfficerDep) -> Response:
    """Store the tender and show its consortia, or show the form again with its errors."""
    form = TenderForm.from_form(await request.form())
    tender = form.tender()
    if tender is None:
        return _tender_form(request, principal, form, 422)
    await run_in_threadpool(store.upsert_tenders, [tender])
    return RedirectResponse(
        f"{PREFIX}/appels-d-offres/{quote(tender.id, safe='')}/consortiums", status_code=303
    )


@router.get("/appels-d-offres/{tender_id}/consortiums", response_class=HTMLResponse)
def consortia_page(
    request: Request,
    tender_id: str,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
    top: Annotated[int, Query(ge=1, le=20)] = 5,
    mode: Mode = Mode.FAST,
) -> HTMLResponse:
    """Ranked consortia for a stored tender, each with its breakdown and network picture."""
    tender = store.get_tender(tender_id)
    if tender is None:
        return _not_found(request, principal, f"l'appel d'offres « {tender_id} »")
    context: dict[str, Any] = {
        "tender": tender,
        "lot_titles": {lot.id: lot.title for lot in tender.lots},
        "top": top,
        "mode": mode.value,
    }
    try:
        result = match_tender(store, tender, settings.match_options(top, mode))
    except Infeasible as error:
        return render(request, "consortiums.html", principal, result=None, error=error, **context)
    members = {member.siren for c in result.consortia for member in c.members}
    collaborations = store.collaborations_among(members)
    pictures = [network(tender, consortium, collaborations) for consortium in result.consortia]
    return render(
        request,
        "consortiums.html",
        principal,
        result=result,
        pictures=pictures,
        error=None,
        **context,
    )


@router.get("/entreprises/{siren}", response_class=HTMLResponse)
def firm_page(request: Request, siren: str, store: StoreDep, principal: ReaderDep) -> HTMLResponse:
    """A firm: in full for officers and for itself, its public profile for other SMEs."""
    firm = store.get_firm(siren)
    if firm is None:
        return _not_found(request, principal, f"l'entreprise {siren}")
    return render(request, "entreprise.html", principal, firm=visible(firm, principal))


@router.get("/entreprises/{siren}/partenaires", response_class=HTMLResponse)
def partners_page(
    request: Request,
    siren: str,
    store: StoreDep,
    principal: ReaderDep,
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> HTMLResponse:
    """Firms that complement this one (an SME sees its own partners only)."""
    try:
        own_firm(siren, principal)
    except Forbidden:
        raise RoleRefused(principal) from None
    firm = store.get_firm(siren)
    if firm is None:
        return _not_found(request, principal, f"l'entreprise {siren}")
    result = find_partners(store, siren, None, top)
    return render(request, "partenaires.html", principal, firm=firm, result=result)


async def _login_required(_: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequired)
    return RedirectResponse(f"{LOGIN}?suite={quote(error.path, safe='')}", status_code=303)


async def _role_refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, RoleRefused)
    return render(request, "interdit.html", error.principal, 403, home=_home(error.principal))


def install_console(app: FastAPI) -> None:
    """Serve the console, its static files and its login redirect and 403 page."""
    app.include_router(router)
    static = Path(__file__).with_name("static")
    app.mount(f"{PREFIX}/static", StaticFiles(directory=static), name="console-static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(RoleRefused, _role_refused)
