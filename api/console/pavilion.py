"""The France pavilion shortlist builder: a trade fair's themes in, N firms out, as files too.

Themes are typed one a line: ``Imagerie médicale : 33111000-1, 33112000-8`` (a title and its
CPV codes), ``Imagerie médicale : équipements de radiologie`` (a title and words), or words
alone; themes in words get CPV codes suggested, as lots do.

A saved pavilion is a living document: reopened with its form and shortlist, edited and saved
again under the same address, renamed, duplicated, and shared read-only with the steering
committee (whose viewer keys open ``/console/pavillons/{id}``, never the edit page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from meute.api.auth import Principal
from meute.api.console.base import (
    PREFIX,
    FormDep,
    OfficerDep,
    ProgrammeDep,
    found,
    render,
)
from meute.api.console.codes import theme_codes
from meute.api.console.forms import french_error, split_list
from meute.api.deps import SettingsDep, StoreDep
from meute.api.exports import SheetFormat, pavilion_file
from meute.api.proposals import (
    duplicate_pavilion,
    get_pavilion,
    list_pavilions,
    rename_pavilion,
    save_pavilion,
    update_pavilion,
)
from meute.api.service import shortlist_pavilion
from meute.api.settings import Settings
from meute.graph.cpv import format_code
from meute.graph.errors import Infeasible, InvalidInput
from meute.graph.model import (
    Name,
    PavilionRequest,
    PavilionResult,
    PavilionTheme,
    SavedPavilion,
)
from meute.graph.store import GraphStore
from meute.matcher.phrases import Lang
from meute.matcher.propose import MatchOptions

router = APIRouter(prefix=PREFIX, include_in_schema=False)

FIELDS = ("name", "fair", "country", "stands", "themes", "must_include", "exclude")
NAME = TypeAdapter(Name)
CODE = re.compile(r"^\d{8}(-\d)?$")


def _theme_line(theme: PavilionTheme) -> str:
    """A theme as the officer types it (the inverse of :func:`_theme`)."""
    if theme.cpv:
        return f"{theme.title} : {', '.join(map(format_code, theme.cpv))}"
    return f"{theme.title} : {theme.description}" if theme.description else theme.title


def _theme(line: str) -> dict[str, Any]:
    """One theme from its line: a title, then CPV codes or words after a colon."""
    title, colon, rest = (part.strip() for part in line.partition(":"))
    words = rest if colon else title
    codes = split_list(words)
    if codes and all(CODE.match(code) for code in codes):
        return {"title": title, "cpv": codes}
    return {"title": title, "description": rest} if colon else {"title": title}


@dataclass
class PavilionForm:
    """What the pavilion form holds, as typed, and the errors found in it by field."""

    values: dict[str, str] = field(default_factory=lambda: dict.fromkeys(FIELDS, ""))
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: FormData) -> PavilionForm:
        """The values of a submitted form."""
        return cls({name: str(form.get(name) or "").strip() for name in FIELDS})

    @classmethod
    def of(cls, saved: SavedPavilion) -> PavilionForm:
        """The form of a saved pavilion, as the officer would have typed it."""
        request = saved.request
        values = {
            "name": saved.name,
            "fair": request.fair,
            "country": request.country,
            "stands": str(request.stands),
            "themes": "\n".join(map(_theme_line, request.themes)),
            "must_include": ", ".join(request.must_include),
            "exclude": ", ".join(request.exclude),
        }
        return cls(values)

    @property
    def name(self) -> str | None:
        """The name typed (the fair's name is used when empty); a bad one goes to errors."""
        if not self.values["name"]:
            return None
        try:
            return NAME.validate_python(self.values["name"])
        except ValidationError:
            self.errors.setdefault("name", []).append("200 caractères au plus")
            return None

    def request(self) -> PavilionRequest | None:
        """The shortlist request, or None with :attr:`errors` filled in French."""
        values = self.values
        document: dict[str, Any] = {
            "fair": values["fair"],
            "country": values["country"],
            "stands": values["stands"] or None,
            "themes": [_theme(line) for line in values["themes"].splitlines() if line.strip()],
            "must_include": split_list(values["must_include"]),
            "exclude": split_list(values["exclude"]),
        }
        try:
            return PavilionRequest.model_validate(document)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                key, message = french_error(item, itemised=())
                loc = item["loc"]
                if key == "themes" and len(loc) > 1:
                    message = f"thème {int(loc[1]) + 1} : {message}"
                self.errors.setdefault(key, []).append(message)
            return None

    def refuse(self, error: InvalidInput | Infeasible) -> None:
        """Record why the shortlist could not be drawn (the matcher says it in French)."""
        for problem in error.problems:
            key = problem.field.split("[")[0]
            self.errors.setdefault(key, []).append(f"« {problem.value} » : {problem.message}")


def _page(
    request: Request,
    principal: Principal,
    store: GraphStore,
    form: PavilionForm,
    result: PavilionResult | None = None,
    saved: SavedPavilion | None = None,
) -> HTMLResponse:
    status = 422 if form.errors else 200
    asked = form.request() if result is not None else None
    themes = theme_codes(asked, result, MatchOptions(lang=Lang.FR)) if result and asked else []
    return render(
        request,
        "pavillon.html",
        principal,
        status,
        form=form,
        result=result,
        saved=saved,
        themes=themes,
        pavilions=list_pavilions(store),
    )


def _shortlist(form: PavilionForm, store: GraphStore, settings: Settings) -> PavilionResult | None:
    request = form.request()
    if request is None:
        return None
    try:
        return shortlist_pavilion(store, request, settings.match_options(lang=Lang.FR))
    except (InvalidInput, Infeasible) as error:
        form.refuse(error)
        return None


def _saved(store: GraphStore, principal: Principal, pavilion_id: str) -> SavedPavilion:
    with found(principal, f"le pavillon {pavilion_id}"):
        return get_pavilion(store, pavilion_id)


def _saved_page(pavilion_id: str, done: str) -> RedirectResponse:
    """Back to the saved pavilion's page, saying what was done."""
    return RedirectResponse(f"{PREFIX}/pavillon/{pavilion_id}?ok={done}", status_code=303)


@router.get("/pavillon", response_class=HTMLResponse)
def pavilion_page(request: Request, store: StoreDep, principal: OfficerDep) -> HTMLResponse:
    """The shortlist builder, empty, and the saved shortlists."""
    return _page(request, principal, store, PavilionForm())


@router.post("/pavillon", response_class=HTMLResponse)
def shortlist_page(
    request: Request,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> HTMLResponse:
    """The firms chosen for the stands, or the form again with its errors in French."""
    entered = PavilionForm.from_form(form)
    result = _shortlist(entered, store, settings)
    return _page(request, principal, store, entered, result)


@router.post("/pavillon/export", response_model=None)
def shortlist_file(
    request: Request,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
    format: Annotated[SheetFormat, Query()] = SheetFormat.XLSX,
) -> Response:
    """The same shortlist as a CSV or XLSX file."""
    entered = PavilionForm.from_form(form)
    result = _shortlist(entered, store, settings)
    if result is None:
        return _page(request, principal, store, entered)
    return pavilion_file(result, format)


@router.post("/pavillon/enregistrer", response_model=None)
def save_page(
    request: Request,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> Response:
    """Shortlist and keep the pavilion, then show it saved: its form and its shortlist."""
    entered = PavilionForm.from_form(form)
    pavilion, name = entered.request(), entered.name
    if pavilion is not None and not entered.errors:
        try:
            options = settings.match_options(lang=Lang.FR)
            saved = save_pavilion(store, pavilion, options, principal, name)
        except (InvalidInput, Infeasible) as error:
            entered.refuse(error)
        else:
            return _saved_page(saved.id, "pavillon")
    return _page(request, principal, store, entered)


@router.get("/pavillon/{pavilion_id}", response_class=HTMLResponse)
def saved_page(
    request: Request, pavilion_id: str, store: StoreDep, principal: OfficerDep
) -> HTMLResponse:
    """A saved pavilion reopened: its form to edit and its shortlist as saved."""
    saved = _saved(store, principal, pavilion_id)
    return _page(request, principal, store, PavilionForm.of(saved), saved.result, saved)


@router.post("/pavillon/{pavilion_id}", response_class=HTMLResponse)
def edited_shortlist_page(
    request: Request,
    pavilion_id: str,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> HTMLResponse:
    """The shortlist of the edited form, not saved yet."""
    saved = _saved(store, principal, pavilion_id)
    entered = PavilionForm.from_form(form)
    result = _shortlist(entered, store, settings)
    return _page(request, principal, store, entered, result, saved)


@router.post("/pavillon/{pavilion_id}/enregistrer", response_model=None)
def update_page(
    request: Request,
    pavilion_id: str,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> Response:
    """Save the edited form under the same pavilion, shortlisted again."""
    saved = _saved(store, principal, pavilion_id)
    entered = PavilionForm.from_form(form)
    pavilion, name = entered.request(), entered.name
    if pavilion is not None and not entered.errors:
        try:
            options = settings.match_options(lang=Lang.FR)
            update_pavilion(store, saved.id, pavilion, options, principal, name)
        except (InvalidInput, Infeasible) as error:
            entered.refuse(error)
        else:
            return _saved_page(saved.id, "pavillon-modifie")
    return _page(request, principal, store, entered, None, saved)


@router.post("/pavillon/{pavilion_id}/renommer", response_model=None)
def rename_page(
    request: Request,
    pavilion_id: str,
    form: FormDep,
    store: StoreDep,
    principal: OfficerDep,
) -> Response:
    """Give the saved pavilion a new name; its shortlist stays as saved."""
    saved = _saved(store, principal, pavilion_id)
    entered = PavilionForm.of(saved)
    entered.values["name"] = str(form.get("name") or "").strip()
    name = entered.name
    if name is None:
        entered.errors.setdefault("name", ["donnez un nom"])
        return _page(request, principal, store, entered, saved.result, saved)
    rename_pavilion(store, saved.id, name, principal)
    return _saved_page(saved.id, "pavillon-renomme")


@router.post("/pavillon/{pavilion_id}/dupliquer", response_model=None)
def duplicate_page(pavilion_id: str, store: StoreDep, principal: OfficerDep) -> Response:
    """A copy of the saved pavilion, opened to be edited apart."""
    saved = _saved(store, principal, pavilion_id)
    return _saved_page(duplicate_pavilion(store, saved.id, principal).id, "pavillon-duplique")


@router.get("/pavillons", response_class=HTMLResponse)
def shared_list_page(request: Request, store: StoreDep, principal: ProgrammeDep) -> HTMLResponse:
    """The saved pavilions, read-only, for officers and the steering committee."""
    return render(request, "pavillons.html", principal, pavilions=list_pavilions(store))


@router.get("/pavillons/{pavilion_id}", response_class=HTMLResponse)
def shared_page(
    request: Request, pavilion_id: str, store: StoreDep, principal: ProgrammeDep
) -> HTMLResponse:
    """One saved pavilion, read-only: the link an officer shares with the committee."""
    saved = _saved(store, principal, pavilion_id)
    return render(request, "pavillon_consultation.html", principal, saved=saved)
