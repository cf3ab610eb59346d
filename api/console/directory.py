"""The firm directory: firms found by name or SIREN, CPV (a code, a prefix or words), NAF,
region, size, SME status, export maturity and certification, a page at a time, with the same
filters as ``GET /firms``; and « Proposer pour un lot »: a firm put on a lot of an open tender,
in place of the best consortium's holder, to see the new score.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from meute.api.auth import Principal
from meute.api.console.base import (
    PREFIX,
    FormDep,
    OfficerDep,
    PageNotFound,
    country_name,
    error_page,
    render,
)
from meute.api.console.forms import CodeChoice
from meute.api.console.tenders import evaluation_view, stored_tender
from meute.api.deps import SettingsDep, StoreDep
from meute.api.service import match_tender, suggest_cpv
from meute.graph import naf
from meute.graph.cpv import format_code, label, normalise
from meute.graph.errors import Infeasible, InvalidInput
from meute.graph.model import ExportMaturity, Firm, HeadcountBand, Region, Tender
from meute.graph.store import FirmQuery, GraphStore
from meute.graph.text import fold
from meute.matcher.phrases import Lang
from meute.matcher.propose import Mode

__all__ = ["DirectorySearch", "open_tenders", "router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False)
T = TypeVar("T")

FIRMS_PER_PAGE = 25
# Open tenders offered at once by « Proposer pour un lot » (the officer's words narrow them down),
# and how many tenders are read from the store at a time to find them.
OPEN_TENDERS = 200
TENDER_PAGE = 500
WORD = re.compile(r"[a-z0-9]+")
FIELDS = ("q", "cpv", "naf", "region", "taille", "pme", "maturite", "certification")
SIREN = re.compile(r"^\d{9}$")
CPV_PREFIX = re.compile(r"^\d{2,8}(-\d)?$")
NAF_PREFIX = re.compile(r"^\d{2}(\.\d{1,2}[A-Z]?)?$")
# Codes offered instead of the one words were read as.
OTHER_READINGS = 4


@dataclass
class DirectorySearch:
    """The directory's form as typed, the query it makes, and what was refused or read."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    siren: str | None = None
    cpv_read: CodeChoice | None = None
    cpv_others: list[CodeChoice] = field(default_factory=list)
    query: FirmQuery = field(default_factory=FirmQuery)

    @property
    def filtered(self) -> bool:
        """True when at least one field was filled."""
        return any(self.values.values())

    @classmethod
    def read(cls, values: dict[str, str]) -> DirectorySearch:
        """The search the form's values ask for; bad values are kept in :attr:`errors`."""
        search = cls({name: values.get(name, "").strip() for name in FIELDS})
        typed = search.values
        if SIREN.match(typed["q"]):
            search.siren = typed["q"]
        cpv = search._cpv(typed["cpv"])
        if typed["naf"] and not NAF_PREFIX.match(typed["naf"].upper()):
            search.errors["naf"] = "un code NAF ou son début : 86, 86.1 ou 86.10Z"
        region = search._choice("region", {r.value: r for r in Region})
        size = search._choice("taille", {b.value: b for b in HeadcountBand})
        maturity = search._choice("maturite", {m.value: m for m in ExportMaturity})
        sme = search._choice("pme", {"oui": True, "non": False})
        if not search.errors:
            search.query = FirmQuery(
                cpv=cpv,
                naf=typed["naf"].upper() or None,
                region=region,
                headcount=size,
                sme=sme,
                maturity=maturity,
                certification=typed["certification"] or None,
                name=None if search.siren else typed["q"] or None,
            )
        return search

    def _choice(self, name: str, choices: dict[str, T]) -> T | None:
        typed = self.values[name]
        if not typed:
            return None
        if typed not in choices:
            self.errors[name] = "choix inconnu"
            return None
        return choices[typed]

    def _cpv(self, typed: str) -> str | None:
        """The CPV code to filter on: typed as a code or its first digits, or read from words."""
        if not typed:
            return None
        if CPV_PREFIX.match(typed):
            digits = typed.split("-")[0]
            try:
                code = normalise(digits.ljust(8, "0") if len(digits) < 8 else typed)
            except InvalidInput:
                self.errors["cpv"] = f"« {typed} » : code absent du vocabulaire CPV 2008"
                return None
            self.cpv_read = CodeChoice(format_code(code), label(code, "fr"), 1.0)
            return code
        readings = [
            CodeChoice(found["code"], found["label_fr"], found["score"])
            for found in suggest_cpv(typed, OTHER_READINGS + 1)
        ]
        if not readings:
            self.errors["cpv"] = f"« {typed} » : aucun code CPV ne correspond à ces mots"
            return None
        self.cpv_read, *self.cpv_others = readings
        return normalise(self.cpv_read.code)


def _matching_capabilities(firm: Firm, query: FirmQuery) -> list[tuple[str, str, int]]:
    """The firm's capabilities to show in a row: those under the CPV filter, else its best
    proven, as (code, French label, contracts).
    """
    prefix = query.cpv_prefix
    chosen = [c for c in firm.capabilities if prefix is None or c.cpv.startswith(prefix)]
    chosen.sort(key=lambda c: (-c.strength, -c.contracts, c.cpv))
    return [(format_code(c.cpv), label(c.cpv, "fr"), c.contracts) for c in chosen[:2]]


@router.get("/entreprises", response_class=HTMLResponse)
def directory_page(
    request: Request,
    store: StoreDep,
    principal: OfficerDep,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Firms passing every filter filled in, by SIREN, a page at a time."""
    search = DirectorySearch.read(dict(request.query_params))
    firms: list[Firm] = []
    total = 0
    if search.siren is not None and not search.errors:
        found = store.get_firm(search.siren)
        firms = [found] if found is not None and search.query.matches(found) else []
        total = len(firms)
    elif not search.errors:
        offset = (page - 1) * FIRMS_PER_PAGE
        firms, total = store.find_firms(search.query, offset, FIRMS_PER_PAGE)
    pages = max(1, -(-total // FIRMS_PER_PAGE))
    kept = {name: value for name, value in search.values.items() if value}
    return render(
        request,
        "entreprises.html",
        principal,
        422 if search.errors else 200,
        search=search,
        firms=[(firm, _matching_capabilities(firm, search.query)) for firm in firms],
        total=total,
        page=page,
        pages=pages,
        kept=kept,
        readings=[(c, urlencode(kept | {"cpv": c.code})) for c in search.cpv_others],
        libelle_naf=naf.label,
        regions=list(Region),
        divisions=[(code, text) for code, text in naf.labels().items() if len(code) == 2],
    )


def open_tenders(store: GraphStore, today: dt.date, words: str = "") -> tuple[list[Tender], int]:
    """Tenders a firm may still be proposed for (no deadline, or one not past) whose id, title,
    country (code or French name) and lot titles hold every word searched, soonest deadline
    first: the first :data:`OPEN_TENDERS` of them and how many there are.
    """
    wanted = WORD.findall(fold(words))
    found: list[Tender] = []
    offset = 0
    while page := store.list_tenders(offset, TENDER_PAGE):
        offset += len(page)
        for tender in page:
            if tender.deadline is not None and tender.deadline < today:
                continue
            named = [tender.id, tender.title, tender.country, country_name(tender.country)]
            text = fold(" ".join(named + [lot.title for lot in tender.lots]))
            if all(word in text for word in wanted):
                found.append(tender)
    found.sort(key=lambda t: (t.deadline is None, t.deadline or today, t.id))
    return found[:OPEN_TENDERS], len(found)


@router.post("/entreprises/{siren}/proposer", response_class=HTMLResponse)
def propose_for_lot(
    request: Request,
    siren: str,
    form: FormDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: OfficerDep,
) -> HTMLResponse:
    """The best consortium of a tender with this firm on the chosen lot: its new score, each
    term's change, or why the firm cannot take the lot.
    """
    firm = store.get_firm(siren)
    if firm is None:
        raise PageNotFound(principal, f"l'entreprise {siren}")
    tender_id, _, lot_id = str(form.get("lot") or "").partition("/")
    tender = stored_tender(store, principal, tender_id)
    if lot_id not in tender.lot_titles():
        return error_page(request, principal, "Choisissez un lot de l'appel d'offres.")
    options = settings.match_options(1, Mode.FAST, Lang.FR)
    try:
        best = match_tender(store, tender, options).consortia[0]
    except Infeasible as error:
        return _infeasible(request, principal, tender, error)
    firm_by_lot = {lot: member.siren for member in best.members for lot in member.lots}
    firm_by_lot[lot_id] = siren
    return evaluation_view(
        request,
        principal,
        store,
        tender,
        firm_by_lot,
        options,
        best.score,
        best.breakdown,
        proposed=(firm, lot_id),
    )


def _infeasible(
    request: Request, principal: Principal, tender: Tender, error: Infeasible
) -> HTMLResponse:
    reasons = " ".join(problem.message for problem in error.problems)
    return error_page(
        request,
        principal,
        f"Aucun consortium ne respecte les contraintes de « {tender.title} » : {reasons}",
    )
