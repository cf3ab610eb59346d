"""The console's tender form: form fields to a :class:`Tender`, and errors back in French.

The form sends each lot's fields as repeated names (``lot_id``, ``lot_title``...), in order.
Values are kept as typed so that a refused form is shown again as it was, each error next to
its field (``title``, ``lots.0.cpv``, ``constraints.max_members``...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import takewhile
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from meute.graph import cpv
from meute.graph.errors import InvalidInput
from meute.graph.model import EUR_RATES, Tender, TenderConstraints

__all__ = [
    "CURRENCIES",
    "CodeChoice",
    "TenderForm",
    "blank_lot",
    "cpv_label",
    "french_error",
    "split_list",
]

CURRENCIES = sorted(EUR_RATES)
TENDER_FIELDS = ("id", "title", "buyer", "country", "region", "budget", "currency", "deadline")
LOT_FIELDS = ("id", "title", "description", "cpv", "budget", "required_certifications")
NUMBER_CONSTRAINTS = (
    "max_members",
    "min_smes",
    "min_from_preferred_regions",
    "leader_min_turnover_share",
)
CONSTRAINT_FIELDS = (
    *NUMBER_CONSTRAINTS,
    "must_include",
    "exclude",
    "preferred_regions",
    "allow_multiple_lots",
    "leader_min_maturity",
)

LABELS = {
    "id": "Identifiant",
    "title": "Intitulé",
    "buyer": "Acheteur",
    "country": "Pays",
    "region": "Région d'exécution",
    "budget": "Budget",
    "currency": "Devise",
    "deadline": "Date limite",
    "lots": "Lots",
    "constraints": "Contraintes",
    "constraints.max_members": "Nombre maximal de membres",
    "constraints.min_smes": "Nombre minimal de PME",
    "constraints.must_include": "Entreprises imposées",
    "constraints.exclude": "Entreprises exclues",
    "constraints.allow_multiple_lots": "Plusieurs lots par entreprise",
    "constraints.preferred_regions": "Régions privilégiées",
    "constraints.min_from_preferred_regions": "Membres issus des régions privilégiées",
    "constraints.leader_min_turnover_share": "Chiffre d'affaires minimal du chef de file",
    "constraints.leader_min_maturity": "Maturité export minimale du chef de file",
}
LOT_LABELS = {
    "id": "identifiant",
    "title": "intitulé",
    "description": "description",
    "cpv": "codes CPV",
    "budget": "budget",
    "required_certifications": "certifications exigées",
}
PATTERN_MESSAGES = {
    "country": "code pays ISO de deux lettres, par exemple CI",
    "id": "lettres, chiffres, « . », « _ » ou « - », sans espace (64 caractères au plus)",
}
# Messages of the domain's validators (graph.model, graph.cpv), in French.
VALUE_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"a CPV code is 8 digits"),
        "un code CPV a 8 chiffres, suivis ou non de « - » et du chiffre de contrôle",
    ),
    (re.compile(r"not a code of the CPV 2008"), "code absent du vocabulaire CPV 2008"),
    (re.compile(r"check digit should be (\d)"), "le chiffre de contrôle devrait être {0}"),
    (
        re.compile(r"a lot needs CPV codes or a description"),
        "indiquez des codes CPV ou une description",
    ),
    (re.compile(r"duplicate lot id\(s\): (.*)"), "identifiant de lot en double : {0}"),
    (re.compile(r"unsupported currency"), "devise non prise en charge"),
    (
        re.compile(r"a French region is the place of a tender in France"),
        "une région d'exécution ne se donne que pour un marché en France (pays FR)",
    ),
    (re.compile(r"a SIREN is exactly 9 digits"), "un SIREN a exactement 9 chiffres"),
    (re.compile(r"fails the SIREN Luhn check"), "SIREN invalide (clé de contrôle)"),
    (
        re.compile(r"firms both required and excluded: (.*)"),
        "entreprises à la fois imposées et exclues : {0}",
    ),
    (re.compile(r"theme title\(s\) given twice: (.*)"), "thème donné deux fois : {0}"),
    (re.compile(r"SIREN\(s\) listed twice: (.*)"), "SIREN donné deux fois : {0}"),
    (
        re.compile(r"(\d+) required firms for (\d+) stands"),
        "{0} entreprises imposées pour {1} stands",
    ),
]
TYPE_MESSAGES = {
    "missing": "champ obligatoire",
    "string_too_short": "champ obligatoire",
    "string_too_long": "{max_length} caractères au plus",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "too_short": "ajoutez au moins {min_length} lot",
    "too_long": "{max_length} au plus",
}


def cpv_label(code: str) -> str | None:
    """The French label of a CPV code as typed, or None when it is not a CPV 2008 code."""
    try:
        return cpv.label(cpv.normalise(code), "fr")
    except InvalidInput:
        return None


def blank_lot() -> dict[str, str]:
    """The fields of an empty lot."""
    return dict.fromkeys(LOT_FIELDS, "")


def _number(text: str) -> str:
    """French ways of writing a number (``45 000 000``, ``12,5``) in the form pydantic reads."""
    return re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")


def _plain(number: float) -> str:
    """A number as typed in the form: ``45000000``, ``0,5``."""
    return f"{number:f}".rstrip("0").rstrip(".").replace(".", ",")


def split_list(text: str, separators: str = r"[,;\s]+") -> list[str]:
    """The items of a list typed in one field."""
    return [part.strip() for part in re.split(separators, text) if part.strip()]


@dataclass(frozen=True)
class CodeChoice:
    """A CPV code offered to the officer: formatted, its French label, the engine's confidence."""

    code: str
    label: str
    confidence: float


@dataclass
class TenderForm:
    """What the form holds, as typed, and the errors found in it by form key."""

    values: dict[str, str] = field(default_factory=lambda: dict.fromkeys(TENDER_FIELDS, ""))
    lots: list[dict[str, str]] = field(default_factory=lambda: [blank_lot()])
    constraints: dict[str, str] = field(
        default_factory=lambda: dict.fromkeys(CONSTRAINT_FIELDS, "")
    )
    errors: dict[str, list[str]] = field(default_factory=dict)
    # Lot index -> the codes the engine would use for a lot left without any, to confirm.
    proposed: dict[int, list[CodeChoice]] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: FormData) -> TenderForm:
        """The values of a submitted form."""
        columns = {name: form.getlist(f"lot_{name}") for name in LOT_FIELDS}
        count = max(len(column) for column in columns.values())
        lots = [
            {name: str(column[i]) if i < len(column) else "" for name, column in columns.items()}
            for i in range(count)
        ]
        return cls(
            values={name: str(form.get(name) or "").strip() for name in TENDER_FIELDS},
            lots=lots,
            constraints={
                **{name: str(form.get(name) or "").strip() for name in CONSTRAINT_FIELDS},
                "preferred_regions": ", ".join(str(r) for r in form.getlist("preferred_regions")),
            },
        )

    @classmethod
    def from_tender(cls, tender: Tender) -> TenderForm:
        """A form filled with a stored tender, to change it."""
        return cls(
            values={
                "id": tender.id,
                "title": tender.title,
                "buyer": tender.buyer,
                "country": tender.country,
                "region": tender.region.value if tender.region else "",
                "budget": _plain(tender.budget),
                "currency": tender.currency,
                "deadline": tender.deadline.isoformat() if tender.deadline else "",
            },
            lots=[
                {
                    "id": lot.id,
                    "title": lot.title,
                    "description": lot.description,
                    "cpv": ", ".join(cpv.format_code(code) for code in lot.cpv),
                    "budget": _plain(lot.budget) if lot.budget is not None else "",
                    "required_certifications": ", ".join(lot.required_certifications),
                }
                for lot in tender.lots
            ],
            constraints=_constraint_values(tender.constraints),
        )

    def _document(self) -> dict[str, Any]:
        """The tender as the domain model reads it; empty optional fields are left out."""
        values = self.values
        document: dict[str, Any] = {
            name: values[name]
            for name in ("id", "title", "buyer", "country", "region")
            if values[name]
        }
        if values["budget"]:
            document["budget"] = _number(values["budget"])
        document["currency"] = values["currency"] or "EUR"
        if values["deadline"]:
            document["deadline"] = values["deadline"]
        document["lots"] = [
            {
                "id": lot["id"].strip(),
                "title": lot["title"].strip(),
                "description": lot["description"].strip(),
                "cpv": split_list(lot["cpv"], r"[,;\s]+"),
                "required_certifications": split_list(lot["required_certifications"], r"[,;]+"),
                **({"budget": _number(lot["budget"])} if lot["budget"].strip() else {}),
            }
            for lot in self.lots
        ]
        document["constraints"] = self._constraints()
        return document

    def _constraints(self) -> dict[str, Any]:
        values = self.constraints
        constraints: dict[str, Any] = {
            name: _number(values[name]) for name in NUMBER_CONSTRAINTS if values[name]
        }
        for name in ("must_include", "exclude"):
            if values[name]:
                constraints[name] = split_list(values[name], r"[,;\s]+")
        if values["preferred_regions"]:
            constraints["preferred_regions"] = self.selected_regions()
        constraints["allow_multiple_lots"] = values["allow_multiple_lots"] != "non"
        if values["leader_min_maturity"]:
            constraints["leader_min_maturity"] = values["leader_min_maturity"]
        return constraints

    def selected_regions(self) -> list[str]:
        """The preferred regions chosen, for the form's multiple select."""
        return split_list(self.constraints["preferred_regions"], r"[,;]+")

    def tender(self) -> Tender | None:
        """The tender, or None with :attr:`errors` filled in French."""
        try:
            return Tender.model_validate(self._document())
        except ValidationError as error:
            self.errors = {}
            for item in error.errors(include_url=False):
                key, message = french_error(item)
                self.errors.setdefault(key, []).append(message)
            return None

    @staticmethod
    def codes(lot: Mapping[str, str]) -> list[tuple[str, str | None]]:
        """The CPV codes typed for a lot, each with its French label (None if not a code)."""
        return [(code, cpv_label(code)) for code in split_list(lot["cpv"])]

    def errors_under(self, prefix: str) -> bool:
        """True when a field whose key starts with ``prefix`` has an error."""
        return any(key.startswith(prefix) for key in self.errors)

    def labelled_errors(self) -> list[tuple[str, str]]:
        """Every error as (field label, message), for the summary above the form."""
        return [(label(key), text) for key, texts in self.errors.items() for text in texts]


def _constraint_values(constraints: TenderConstraints) -> dict[str, str]:
    """A tender's constraints as the form shows them (empty for the defaults)."""
    shares = constraints.leader_min_turnover_share
    return {
        "max_members": str(constraints.max_members or ""),
        "min_smes": str(constraints.min_smes or ""),
        "min_from_preferred_regions": (
            str(constraints.min_from_preferred_regions) if constraints.preferred_regions else ""
        ),
        "leader_min_turnover_share": _plain(shares) if shares else "",
        "must_include": ", ".join(constraints.must_include),
        "exclude": ", ".join(constraints.exclude),
        "preferred_regions": ", ".join(region.value for region in constraints.preferred_regions),
        "allow_multiple_lots": "oui" if constraints.allow_multiple_lots else "non",
        "leader_min_maturity": (
            constraints.leader_min_maturity.value if constraints.leader_min_maturity else ""
        ),
    }


def label(key: str) -> str:
    """The French label of a form key: ``lots.1.cpv`` is « Lot 2 — codes CPV »."""
    parts = key.split(".")
    if parts[0] == "lots" and len(parts) >= 2:
        lot = f"Lot {int(parts[1]) + 1}"
        return f"{lot} — {LOT_LABELS[parts[2]]}" if len(parts) > 2 else lot
    return LABELS.get(key, key)


def french_error(item: Mapping[str, Any], itemised: tuple[str, ...] = ("lots",)) -> tuple[str, str]:
    """The form key and the French message of one pydantic error.

    An item of a list (a CPV code, a SIREN) is reported on its list's field; the items of the
    ``itemised`` lists (lots) have fields of their own (``lots.0.cpv``).
    """
    loc: Sequence[int | str] = item.get("loc", ())
    if loc[:1] and loc[0] in itemised:
        path = list(loc[:3])
    else:
        path = list(takewhile(lambda part: not isinstance(part, int), loc))
    key = ".".join(str(part) for part in path)
    kind = str(item.get("type", ""))
    context = {
        name: _plain(value) if isinstance(value, int | float) else value
        for name, value in (item.get("ctx") or {}).items()
    }
    if kind == "value_error":
        message = _value_message(str(context.get("error", item.get("msg", ""))))
    elif kind == "string_pattern_mismatch":
        message = PATTERN_MESSAGES.get(str(path[-1]), "format non valide")
    else:
        message = TYPE_MESSAGES.get(kind, "valeur non valide").format(**context)
    if len(loc) > len(path) and isinstance(loc[-1], int):  # one item of a list
        message = f"« {item.get('input')} » : {message}"
    return key, message


def _value_message(english: str) -> str:
    for pattern, french in VALUE_MESSAGES:
        match = pattern.search(english)
        if match:
            return french.format(*match.groups())
    return "valeur non valide"
