"""The France pavilion shortlist builder: a trade fair's themes in, N firms out, as files too.

Themes are typed one a line: ``Imagerie médicale : 33111000-1, 33112000-8`` (a title and its
CPV codes), ``Imagerie médicale : équipements de radiologie`` (a title and words), or words
alone; themes in words get CPV codes suggested, as lots do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from meute.api.auth import Principal
from meute.api.console.base import PREFIX, FormDep, OfficerDep, render
from meute.api.console.codes import theme_codes
from meute.api.console.forms import french_error, split_list
from meute.api.deps import SettingsDep, StoreDep
from meute.api.exports import SheetFormat, pavilion_file
from meute.api.proposals import list_pavilions, save_pavilion
from meute.api.service import shortlist_pavilion
from meute.api.settings import Settings
from meute.graph.errors import Infeasible, InvalidInput
from meute.graph.model import PavilionRequest, PavilionResult
from meute.graph.store import GraphStore
from meute.matcher.phrases import Lang
from meute.matcher.propose import MatchOptions

router = APIRouter(prefix=PREFIX, include_in_schema=False)

FIELDS = ("fair", "country", "stands", "themes", "must_include", "exclude")
CODE = re.compile(r"^\d{8}(-\d)?$")


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
) -> HTMLResponse:
    status = 422 if form.errors else 200
    saved = list_pavilions(store)
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
    """Shortlist and keep the pavilion (its firms count as reached by the programme)."""
    entered = PavilionForm.from_form(form)
    pavilion = entered.request()
    if pavilion is not None:
        try:
            options = settings.match_options(lang=Lang.FR)
            saved = save_pavilion(store, pavilion, options, principal)
        except (InvalidInput, Infeasible) as error:
            entered.refuse(error)
        else:
            return RedirectResponse(f"{PREFIX}/pavillon#pavillon-{saved.id}", status_code=303)
    return _page(request, principal, store, entered)
