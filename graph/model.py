"""The domain model: firms and their capabilities, foreign tenders and their lots,
collaborations between firms, and the consortia Meute proposes.

Every model validates its input; an invalid value raises a pydantic ``ValidationError`` whose
messages name the field and the problem (see :func:`graph.errors.problems_from_validation`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    computed_field,
    field_validator,
    model_serializer,
    model_validator,
)

from meute.graph import cpv
from meute.graph.errors import InvalidInput, Problem

__all__ = [
    "EUR_RATES",
    "MAX_AWARDS",
    "TEXTS_CHECKED",
    "AwardEvidence",
    "Capability",
    "Collaboration",
    "CollaborationKind",
    "CompanyCategory",
    "Consortium",
    "ConsortiumMember",
    "Evaluation",
    "ExportMaturity",
    "Fact",
    "FactDeclaration",
    "FactSource",
    "Firm",
    "FirmProfile",
    "HeadcountBand",
    "Lot",
    "MatchResult",
    "MemberEvent",
    "MemberFollowUp",
    "MemberStatus",
    "NoteText",
    "Notice",
    "NoticeAward",
    "Partner",
    "PartnerResult",
    "PavilionFirm",
    "PavilionRequest",
    "PavilionResult",
    "PavilionTheme",
    "Proposal",
    "ProposalEvent",
    "ProposalStatus",
    "Provenance",
    "PublicFirm",
    "Region",
    "SavedPavilion",
    "Tender",
    "TenderConstraints",
    "TenderSource",
    "ThemeCoverage",
    "UncoveredLot",
    "check_text",
    "json_texts_storable",
    "luhn_valid",
    "provenance_of_all",
    "public_body",
]

MAX_NAME = 200
MAX_TEXT = 5_000


# Each digit doubled, its digits summed (Luhn): 5 -> 10 -> 1.
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check used by SIREN numbers."""
    if not digits.isascii():
        digits = "".join(str(int(char)) for char in digits)
    backwards = digits[::-1]
    total = sum(map(int, backwards[::2])) + sum(map(int, backwards[1::2].translate(_DOUBLED)))
    return total % 10 == 0


def public_body(siren: str) -> bool:
    """True for the SIREN of a public body (the State, a local authority, a public hospital or
    university): INSEE numbers public bodies from 1 or 2, a range firms do not get.
    """
    return siren[:1] in ("1", "2")


def check_text(value: str) -> str:
    """``value`` unchanged if it can be stored and read back: no NUL, no lone surrogate.

    JSON may spell both (as escapes), but no store can write them back as UTF-8 text.
    """
    if "\x00" in value:
        raise ValueError("text must not contain a NUL character (U+0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(value[error.start])
        message = f"text must be valid Unicode, not a lone surrogate (U+{code:04X})"
        raise ValueError(message) from None
    return value


TEXTS_CHECKED = "texts_checked"
"""Validation context key: every string of the input is known to pass :func:`check_text`
(see :func:`json_texts_storable`), so the models do not check each one again.
"""
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_UNSTORABLE_ESCAPE_BYTES = re.compile(_UNSTORABLE_ESCAPE.pattern.encode("ascii"))


def json_texts_storable(raw: str | bytes) -> bool:
    r"""Whether every string of the JSON text ``raw`` passes :func:`check_text`, without
    parsing it: a str (valid UTF-8 once decoded) holds no surrogate, and JSON, read strictly,
    allows no control character inside a string, so only a ``\u0000`` or ``\uD800``-
    ``\uDFFF`` escape can spell a NUL or a surrogate. False when one appears (even inside a
    valid surrogate pair, or after an escaped backslash): then each string is checked.
    ``raw`` may be the UTF-8 bytes, for a parser that refuses invalid UTF-8 (pydantic's).
    """
    if isinstance(raw, bytes):
        return _UNSTORABLE_ESCAPE_BYTES.search(raw) is None
    return _UNSTORABLE_ESCAPE.search(raw) is None


def _text_problem(value: Any) -> str | None:
    """Why :func:`check_text` refuses some string in a field's value (lists, tuples, sets,
    dicts and their keys), or None when every one of them can be stored.
    """
    if isinstance(value, str):
        if value.isascii():  # no surrogate: only a NUL can be wrong
            return "text must not contain a NUL character (U+0000)" if "\x00" in value else None
        try:
            check_text(value)
        except ValueError as error:
            return str(error)
        return None
    if isinstance(value, list | tuple | set | frozenset):
        items: Any = value
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    else:
        return None
    for item in items:
        problem = _text_problem(item)
        if problem is not None:
            return problem
    return None


_SPACE = re.compile(r"\s")
_NINE_DIGITS = re.compile(r"[0-9]{9}")  # not \d, which accepts non-ASCII digits


def _check_siren(value: str) -> str:
    value = _SPACE.sub("", value)
    if not _NINE_DIGITS.fullmatch(value):
        raise ValueError("a SIREN is exactly 9 digits")
    if not luhn_valid(value):
        raise ValueError("fails the SIREN Luhn check")
    return value


def _check_cpv(value: str) -> str:
    try:
        return cpv.normalise(value)
    except InvalidInput as error:
        raise ValueError(error.problems[0].message) from None


Siren = Annotated[str, AfterValidator(_check_siren)]
CpvCode = Annotated[str, AfterValidator(_check_cpv)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
Country = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().upper() if isinstance(value, str) else value),
    StringConstraints(pattern=r"^[A-Z]{2}$"),
]
Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
]
Certification = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)
]

# Euros per unit of currency. The CFA francs are pegged to the euro; the others are reference
# rates (ECB, 2026) good enough to compare a budget with a turnover.
EUR_RATES: dict[str, float] = {
    "EUR": 1.0,
    "XOF": 1 / 655.957,
    "XAF": 1 / 655.957,
    "USD": 0.92,
    "GBP": 1.17,
    "CHF": 1.05,
    "CAD": 0.68,
    "MAD": 0.092,
    "TND": 0.30,
    "DZD": 0.0069,
    "EGP": 0.019,
    "SAR": 0.245,
    "AED": 0.25,
    "INR": 0.011,
    "VND": 0.000037,
    "BRL": 0.17,
    "MXN": 0.05,
    "KES": 0.0071,
    "NGN": 0.0006,
    "GHS": 0.06,
}


def _checked_texts(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """``value`` if every string in it passes :func:`check_text` (known already when the
    context says :data:`TEXTS_CHECKED`), else a ValueError saying why.
    """
    context = info.context
    if context and context.get(TEXTS_CHECKED):
        return value
    problem = _text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _texts_in(*fields: str) -> Any:
    """The validator checking every string of ``fields`` (``"*"``: every field) with
    :func:`check_text`; a model names it ``_valid_texts``, so a subclass's replaces its base's.
    """
    return field_validator(*fields)(classmethod(_checked_texts))


class _Model(BaseModel):
    """Every value must be one a store can write and read back: finite floats, valid text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    # A model validated in bulk narrows this to its fields that can hold text (same name).
    _valid_texts = _texts_in("*")


class Region(StrEnum):
    """The 13 metropolitan regions and the 5 overseas regions of France."""

    AURA = "Auvergne-Rhône-Alpes"
    BFC = "Bourgogne-Franche-Comté"
    BRETAGNE = "Bretagne"
    CVL = "Centre-Val de Loire"
    CORSE = "Corse"
    GRAND_EST = "Grand Est"
    HDF = "Hauts-de-France"
    IDF = "Île-de-France"
    NORMANDIE = "Normandie"
    NOUVELLE_AQUITAINE = "Nouvelle-Aquitaine"
    OCCITANIE = "Occitanie"
    PDL = "Pays de la Loire"
    PACA = "Provence-Alpes-Côte d'Azur"
    GUADELOUPE = "Guadeloupe"
    MARTINIQUE = "Martinique"
    GUYANE = "Guyane"
    REUNION = "La Réunion"
    MAYOTTE = "Mayotte"


class HeadcountBand(StrEnum):
    """Headcount bands following the French firm categories (micro, SME, ETI, large)."""

    MICRO = "0-9"
    SMALL = "10-49"
    MEDIUM = "50-249"
    INTERMEDIATE = "250-4999"
    LARGE = "5000+"


class ExportMaturity(StrEnum):
    """How far a firm has gone with export, from first attempt to programme accreditation."""

    FIRST_TIME = "first_time"
    OCCASIONAL = "occasional"
    REGULAR = "regular"
    ACCREDITED = "accredited"

    @property
    def rank(self) -> int:
        """Position on the path to export, 0 for a first-time exporter."""
        return list(ExportMaturity).index(self)


class CollaborationKind(StrEnum):
    """How two firms have worked together."""

    JOINT_BID = "joint_bid"
    CO_AWARD = "co_award"
    SUPPLY = "supply"
    SHARED_PAVILION = "shared_pavilion"


class CompanyCategory(StrEnum):
    """INSEE's company category (``categorieEntreprise``): SME, mid-cap or large company."""

    PME = "PME"
    ETI = "ETI"
    GE = "GE"


class FactSource(StrEnum):
    """Where a fact about a firm comes from.

    ``sirene``: INSEE's registry; ``decp``: stated in award data (a winner's own department);
    ``decp-inferred``: estimated from award data (amounts won, place of execution) or left at
    its default (a firm created from the registry alone has no export facts), never a fact;
    ``declared``: set by the firm or an officer (or given in an imported document);
    ``synthetic``: made up for the showcase and the benchmarks.
    """

    SYNTHETIC = "synthetic"
    DECP_INFERRED = "decp-inferred"
    DECP = "decp"
    SIRENE = "sirene"
    DECLARED = "declared"

    @property
    def rank(self) -> int:
        """Strength of the source: a stronger source's fact is never replaced by a weaker's."""
        return {"synthetic": 0, "decp-inferred": 0, "decp": 1, "sirene": 2, "declared": 3}[self]

    @property
    def inferred(self) -> bool:
        """True for an estimate, which must be shown as one (« estimé »)."""
        return self is FactSource.DECP_INFERRED


class Fact(StrEnum):
    """The facts about a firm that carry their provenance (see :data:`FACT_FIELDS`)."""

    NAME = "name"
    NAF = "naf"
    REGION = "region"
    HEADCOUNT = "headcount"
    CATEGORY = "category"
    SME = "sme"
    TURNOVER = "turnover"
    EXPORT_COUNTRIES = "export_countries"
    EXPORT_SHARE = "export_share"
    MATURITY = "maturity"
    STATUS = "status"
    CONTACT = "contact"
    CERTIFICATIONS = "certifications"


FACT_FIELDS: dict[Fact, tuple[str, ...]] = {
    Fact.NAME: ("name",),
    Fact.NAF: ("naf",),
    Fact.REGION: ("region",),
    Fact.HEADCOUNT: ("headcount",),
    Fact.CATEGORY: ("category",),
    Fact.TURNOVER: ("turnover_eur",),
    Fact.EXPORT_COUNTRIES: ("export_countries",),
    Fact.EXPORT_SHARE: ("export_share",),
    Fact.MATURITY: ("maturity",),
    Fact.STATUS: ("active", "creation_date"),
    Fact.CONTACT: ("contact_email", "contact_phone"),
    Fact.CERTIFICATIONS: ("certifications",),
}
"""The firm fields each fact sets; ``sme`` has none: it is derived (see ``Firm.is_sme``)."""
PRIVATE_FACTS = frozenset({Fact.TURNOVER, Fact.EXPORT_SHARE, Fact.CONTACT})


class Provenance(_Model):
    """Where a fact comes from and when: the source, the date it speaks of, who declared it."""

    source: FactSource
    date: dt.date | None = None
    author: str | None = Field(None, max_length=MAX_NAME)

    @model_serializer(mode="wrap")
    def _without_nulls(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        """Unknown date and author are left out: a firm has a dozen of these."""
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}


def provenance_of_all(source: FactSource, date: dt.date | None = None) -> dict[Fact, Provenance]:
    """Every fact from one source (a synthetic firm, a firm inferred from DECP)."""
    origin = Provenance(source=source, date=date)
    return dict.fromkeys(Fact, origin)


# A telephone number as people write it: digits, spaces, dots, dashes, brackets, a leading +.
PHONE_PATTERN = r"^\+?[0-9][0-9 .()-]{5,28}$"
SME_BANDS = frozenset({HeadcountBand.MICRO, HeadcountBand.SMALL, HeadcountBand.MEDIUM})
SME_MAX_TURNOVER_EUR = 50_000_000
DECLARED = Provenance(source=FactSource.DECLARED)


MAX_AWARDS = 5
"""Award records kept per capability (the most recent): the evidence of a 150,000-firm store
stays small; the capability's counts and amounts still cover every contract."""
AWARD_SOURCES = frozenset({FactSource.DECP, FactSource.DECLARED, FactSource.SYNTHETIC})


class AwardEvidence(_Model):
    """One contract a firm won, kept as evidence of a capability: what was bought, by whom,
    when and for how much, and where the record comes from (award data, DECP, by default).
    """

    contract_id: str = Field(
        min_length=1, max_length=MAX_NAME, description="The contract's id at its source."
    )
    source_file: str = Field(
        "", max_length=MAX_NAME, description="The file the record was read from."
    )
    source: FactSource = Field(
        FactSource.DECP, description="decp: published award data; never an estimate."
    )
    date: dt.date | None = Field(None, description="Notification date.")
    buyer: str | None = Field(None, max_length=MAX_NAME, description="The buyer's name.")
    buyer_id: str | None = Field(None, max_length=64, description="The buyer's SIRET.")
    objet: Text = Field("", description="What was bought, as the buyer wrote it (may be absent).")
    amount_eur: float | None = Field(
        None, ge=0.0, description="The contract's amount as published (all its winners)."
    )
    winners: int = Field(1, ge=1, description="Firms the contract was awarded to.")

    @field_validator("source")
    @classmethod
    def _stated(cls, value: FactSource) -> FactSource:
        if value not in AWARD_SOURCES:
            raise ValueError("an award is a record, never an estimate: decp, declared or synthetic")
        return value


class Capability(_Model):
    """What a firm delivers, as a CPV code with the strength of the evidence behind it."""

    cpv: CpvCode
    strength: float = Field(0.5, ge=0.0, le=1.0, description="Evidence strength, 0 to 1.")
    contracts: int = Field(0, ge=0, description="Number of past contracts in this code.")
    amount_eur: float = Field(0.0, ge=0.0, description="Total amount of those contracts.")
    last_date: dt.date | None = None
    awards: list[AwardEvidence] = Field(
        default_factory=list,
        max_length=MAX_AWARDS,
        description=f"The contracts that prove it, most recent first (at most {MAX_AWARDS}).",
    )

    _valid_texts = _texts_in("cpv")  # the only field that can hold text

    @model_validator(mode="after")
    def _awards_counted(self) -> Capability:
        if len(self.awards) > self.contracts:
            raise ValueError(
                f"awards: {len(self.awards)} listed but contracts counts {self.contracts}"
            )
        return self


SHARED_PROVENANCE = 10_000
"""How many distinct validated provenance mappings :class:`FirmProfile` keeps."""
_ProvenanceKey = tuple[tuple[Any, ...], tuple[tuple[tuple[Any, Any], ...], ...]]
_KNOWN_PROVENANCE: dict[_ProvenanceKey, dict[Fact, Provenance]] = {}


def _provenance_key(value: Any) -> _ProvenanceKey | None:
    """A provenance mapping (fact -> its fields) as a hashable key, or None."""
    if type(value) is not dict:
        return None
    try:
        key = (tuple(value), tuple(map(tuple, map(dict.items, value.values()))))
        hash(key)
    except TypeError:  # not a mapping of mappings, or an unhashable value
        return None
    return key


def _only_text(key: _ProvenanceKey) -> bool:
    """Whether every fact, field name and value in ``key`` is text (or null): only such keys
    are kept, so no other input (a number, a boolean) can be taken for a kept one.
    """
    facts, origins = key
    return all(type(fact) is str for fact in facts) and all(
        type(name) is str and (item is None or type(item) is str)
        for origin in origins
        for name, item in origin
    )


PROFILE_TEXTS = (
    "siren",
    "name",
    "naf",
    "description",
    "certifications",
    "export_countries",
    "languages",
)
"""The fields of :class:`FirmProfile` that can hold text (a test checks none is missing)."""


class FirmProfile(_Model):
    """What anyone may see of a firm: identity, capabilities and export experience."""

    siren: Siren
    name: Name
    naf: str | None = Field(None, pattern=r"^\d{2}\.\d{2}[A-Z]$", description="NAF rév. 2 code.")
    region: Region
    headcount: HeadcountBand
    description: Text = ""
    capabilities: list[Capability] = Field(default_factory=list, max_length=200)
    certifications: list[Certification] = Field(default_factory=list, max_length=50)
    export_countries: list[Country] = Field(default_factory=list, max_length=250)
    maturity: ExportMaturity = ExportMaturity.FIRST_TIME
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]] = Field(
        default_factory=lambda: ["fr"], max_length=20
    )
    category: CompanyCategory | None = Field(None, description="INSEE category: PME, ETI, GE.")
    active: bool = Field(True, description="False once the registry says the firm has ceased.")
    creation_date: dt.date | None = None
    provenance: dict[Fact, Provenance] = Field(
        default_factory=dict,
        description="Where each fact comes from; a fact not listed is taken as declared.",
    )

    # a firm is validated 150,000 times in a national import: its other fields are enums,
    # numbers, dates and models (which check their own)
    _valid_texts = _texts_in(*PROFILE_TEXTS)

    @field_validator("provenance", mode="wrap")
    @classmethod
    def _shared_provenance(
        cls, value: Any, handler: ValidatorFunctionWrapHandler
    ) -> dict[Fact, Provenance]:
        """Validate each distinct provenance mapping of text once: a firm's dozen provenances
        are mostly the same few values across an import; equal input gives equal (shared,
        never mutated) provenances.
        """
        key = _provenance_key(value)
        known = _KNOWN_PROVENANCE.get(key) if key is not None else None
        if known is None:
            known = handler(value)
            if key is not None and len(_KNOWN_PROVENANCE) < SHARED_PROVENANCE and _only_text(key):
                _KNOWN_PROVENANCE[key] = known
        return dict(known)

    @field_validator("capabilities")
    @classmethod
    def _unique_capabilities(cls, value: list[Capability]) -> list[Capability]:
        seen: set[str] = set()
        for capability in value:
            if capability.cpv in seen:
                raise ValueError(f"CPV code {capability.cpv} is listed twice")
            seen.add(capability.cpv)
        return value

    def past_objets(self) -> list[str]:
        """The distinct objets of the contracts kept as evidence, most recent first: what the
        firm really did, in the buyers' words (empty when no award is recorded).
        """
        awards = [award for c in self.capabilities for award in c.awards if award.objet]
        awards.sort(key=lambda award: award.date or dt.date.min, reverse=True)
        return list(dict.fromkeys(award.objet for award in awards))


class Firm(FirmProfile):
    """A French firm with what it can do, the evidence for it, and its confidential data."""

    turnover_eur: float | None = Field(None, ge=0.0)
    export_share: float = Field(0.0, ge=0.0, le=1.0)
    contact_email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    contact_phone: str | None = Field(None, max_length=30, pattern=PHONE_PATTERN)

    _valid_texts = _texts_in(*PROFILE_TEXTS, "contact_email", "contact_phone")

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        """``is_sme`` is derived from size: a value given on input is ignored."""
        if isinstance(data, dict) and "is_sme" in data:
            data = {key: value for key, value in data.items() if key != "is_sme"}
        return data

    @model_validator(mode="after")
    def _every_fact_sourced(self) -> Firm:
        """Every fact gets a provenance (declared when none is given); ``sme`` is derived."""
        provenance = {fact: self.provenance.get(fact, DECLARED) for fact in FACT_FIELDS}
        if self.category is not None:
            provenance[Fact.SME] = provenance[Fact.CATEGORY]
        else:
            size = [provenance[Fact.HEADCOUNT]]
            if self.turnover_eur is not None:
                size.append(provenance[Fact.TURNOVER])
            provenance[Fact.SME] = min(size, key=lambda p: (p.source.rank, not p.source.inferred))
        self.provenance = provenance
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_sme(self) -> bool:
        """SME (PME): INSEE's category when known, else under 250 staff and at most 50 M€."""
        if self.category is not None:
            return self.category is CompanyCategory.PME
        small = self.headcount in SME_BANDS
        return small and (self.turnover_eur is None or self.turnover_eur <= SME_MAX_TURNOVER_EUR)

    def source(self, fact: Fact) -> Provenance:
        """Where ``fact`` comes from (declared for a firm built without validation)."""
        return self.provenance.get(fact, DECLARED)

    def estimated(self) -> list[Fact]:
        """The facts that are estimates (inferred), in :class:`Fact` order."""
        return [fact for fact, origin in self.provenance.items() if origin.source.inferred]


class FactDeclaration(_Model):
    """Facts a firm or an officer declares about a firm; only the fields given are declared.

    A declared fact outranks every import (see :mod:`graph.facts`); ``null`` clears a turnover
    or a contact.
    """

    headcount: HeadcountBand | None = None
    turnover_eur: float | None = Field(None, ge=0.0)
    export_countries: list[Country] | None = Field(None, max_length=250)
    export_share: float | None = Field(None, ge=0.0, le=1.0)
    maturity: ExportMaturity | None = None
    contact_email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    contact_phone: str | None = Field(None, max_length=30, pattern=PHONE_PATTERN)
    certifications: list[Certification] | None = Field(None, max_length=50)
    region: Region | None = None
    naf: str | None = Field(None, pattern=r"^\d{2}\.\d{2}[A-Z]$")

    def facts(self) -> dict[Fact, dict[str, Any]]:
        """The declared fields, by the fact each sets."""
        given = self.model_fields_set
        return {
            fact: {name: getattr(self, name) for name in names if name in given}
            for fact, names in FACT_FIELDS.items()
            if any(name in given for name in names)
        }


class PublicFirm(FirmProfile):
    """A firm as another firm sees it: without turnover, export share and contacts."""

    is_sme: bool

    @classmethod
    def of(cls, firm: Firm) -> PublicFirm:
        """The public profile of ``firm`` (without the sources of its private facts)."""
        public = firm.model_dump(include={*FirmProfile.model_fields, "is_sme"})
        public["provenance"] = {
            fact: origin
            for fact, origin in public["provenance"].items()
            if fact not in PRIVATE_FACTS
        }
        return cls.model_validate(public)


class Lot(_Model):
    """One lot of a tender: what must be delivered, coded in CPV."""

    id: Identifier
    title: Name
    description: Text = ""
    cpv: list[CpvCode] = Field(default_factory=list, max_length=50)
    budget: float | None = Field(None, ge=0.0, description="Estimated budget, tender currency.")
    required_certifications: list[Certification] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _has_something_to_match(self) -> Lot:
        if not self.cpv and not self.description:
            raise ValueError("a lot needs CPV codes or a description to be matched")
        return self


class TenderConstraints(_Model):
    """Hard requirements on the consortia proposed for a tender."""

    max_members: int | None = Field(None, ge=1, le=50)
    min_smes: int = Field(0, ge=0, le=50)
    must_include: list[Siren] = Field(default_factory=list, max_length=50)
    exclude: list[Siren] = Field(default_factory=list, max_length=10_000)
    allow_multiple_lots: bool = Field(True, description="May one firm take several lots?")
    preferred_regions: list[Region] = Field(default_factory=list, max_length=len(Region))
    min_from_preferred_regions: int = Field(
        1, ge=0, le=50, description="Members that must be based in a preferred region, if any."
    )
    leader_min_turnover_share: float = Field(
        0.0, ge=0.0, le=10.0, description="The leader's turnover must reach this share of budget."
    )
    leader_min_maturity: ExportMaturity | None = Field(
        None, description="The leader's export maturity must reach this stage."
    )

    @model_validator(mode="after")
    def _include_exclude_disjoint(self) -> TenderConstraints:
        both = set(self.must_include) & set(self.exclude)
        if both:
            raise ValueError(f"firms both required and excluded: {sorted(both)}")
        return self


class TenderSource(StrEnum):
    """Where a tender came from: the API (or a JSON import), the console's form, a TED notice."""

    API = "api"
    CONSOLE = "console"
    TED = "ted"


class NoticeAward(_Model):
    """One award a published notice reports: the notice's outcome, not firms of the graph."""

    lot_id: str | None = Field(None, description="The lot awarded, as the notice names it.")
    winners: list[Annotated[str, StringConstraints(max_length=MAX_NAME)]] = Field(
        default_factory=list, description="Winners' names as published (a group: several)."
    )
    winner_countries: list[str] = Field(default_factory=list)
    group: bool = Field(False, description="Awarded to a group of firms.")
    sme: bool | None = Field(None, description="The notice says the winner is an SME.")
    value_eur: float | None = Field(None, ge=0.0)
    date: dt.date | None = None


class Notice(_Model):
    """The published notice a tender was read from (TED): its identity, link and outcome."""

    id: Identifier = Field(description="The notice's number at its source (TED ID_NOTICE_CAN).")
    url: str = Field(max_length=500, pattern=r"^https?://")
    kind: Annotated[str, StringConstraints(pattern=r"^(works|supplies|services)$")]
    cpv: CpvCode | None = Field(None, description="The notice's main CPV code.")
    dispatched: dt.date | None = None
    awards: list[NoticeAward] = Field(default_factory=list, max_length=2_000)


class Tender(_Model):
    """A foreign call for tenders, made of lots."""

    id: Identifier
    title: Name
    buyer: Name
    country: Country
    region: Region | None = Field(
        None, description="Where the work is done, for a tender in France (country FR)."
    )
    budget: float = Field(gt=0.0, description="Total budget in the tender currency.")
    currency: str = Field("EUR", description="ISO 4217 code.")
    deadline: dt.date | None = None
    lots: list[Lot] = Field(min_length=1, max_length=30)
    constraints: TenderConstraints = Field(default_factory=TenderConstraints)
    source: TenderSource = TenderSource.API
    notice: Notice | None = Field(None, description="The published notice it was read from.")

    @field_validator("region")
    @classmethod
    def _region_in_france(cls, value: Region | None, info: ValidationInfo) -> Region | None:
        country = info.data.get("country")  # absent when itself invalid: said there
        if value is not None and country is not None and country != "FR":
            raise ValueError("a French region is the place of a tender in France (country FR)")
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        value = value.upper()
        if value not in EUR_RATES:
            raise ValueError(f"unsupported currency; use one of {', '.join(sorted(EUR_RATES))}")
        return value

    @field_validator("lots")
    @classmethod
    def _unique_lot_ids(cls, value: list[Lot]) -> list[Lot]:
        ids = [lot.id for lot in value]
        duplicates = sorted({lot_id for lot_id in ids if ids.count(lot_id) > 1})
        if duplicates:
            raise ValueError(f"duplicate lot id(s): {', '.join(duplicates)}")
        return value

    def lot_titles(self) -> dict[str, str]:
        """Each lot's title by lot id."""
        return {lot.id: lot.title for lot in self.lots}

    def without_lots(self, lot_ids: Collection[str]) -> Tender:
        """The same tender without the lots ``lot_ids``; a lot left without a budget keeps its
        share of the whole tender's (:meth:`lot_budget_eur` of this tender).
        """
        share = self.budget / len(self.lots)
        lots = [
            lot if lot.budget is not None else lot.model_copy(update={"budget": share})
            for lot in self.lots
            if lot.id not in lot_ids
        ]
        return self.model_copy(update={"lots": lots})

    def to_eur(self, amount: float) -> float:
        """Convert an amount in the tender currency to euros."""
        return amount * EUR_RATES[self.currency]

    def lot_budget_eur(self, lot: Lot) -> float:
        """A lot's budget in euros; without an estimate, an equal share of the tender budget."""
        amount = lot.budget if lot.budget is not None else self.budget / len(self.lots)
        return self.to_eur(amount)


class Collaboration(_Model):
    """Two firms that have worked together: a joint bid, a co-award, a supply, a pavilion."""

    firm_a: Siren
    firm_b: Siren
    kind: CollaborationKind
    year: int = Field(ge=1950, le=2100)
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""

    @model_validator(mode="after")
    def _ordered_pair(self) -> Collaboration:
        if self.firm_a == self.firm_b:
            raise ValueError("a firm cannot collaborate with itself")
        if self.firm_a > self.firm_b:
            self.firm_a, self.firm_b = self.firm_b, self.firm_a
        return self

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        """Identity used to make imports idempotent."""
        return (self.firm_a, self.firm_b, self.kind.value, self.year, self.source)


class ConsortiumMember(_Model):
    """A firm of a proposed consortium, the lots it takes and why it is there."""

    siren: str
    name: str
    lots: list[str]
    leader: bool
    is_sme: bool
    region: Region
    why: str
    estimated: list[Fact] = Field(
        default_factory=list, description="The firm's facts that are estimates, not facts."
    )


class Consortium(_Model):
    """A proposed group of firms covering a tender, with its score and breakdown."""

    rank: int
    score: float
    breakdown: dict[str, float]
    members: list[ConsortiumMember]


class UncoveredLot(_Model):
    """A lot no firm of the graph may take, and why; the consortia cover the other lots."""

    lot_id: str
    title: str
    reason: str


class MatchResult(_Model):
    """Ranked consortia for one tender."""

    tender_id: str
    consortia: list[Consortium]
    uncovered: list[UncoveredLot] = Field(
        default_factory=list,
        description="Lots no firm of the graph may take, and why (nobody near their codes, "
        "nobody certified, nobody above the relevance floor): every consortium covers the "
        "tender's other lots. Empty when the consortia cover every lot.",
    )
    candidates_considered: int = 0
    diversity: float = Field(
        0.0, description="Mean share of lots whose firm differs between two proposals."
    )
    timed_out: bool = Field(
        False, description="The search deadline struck: the best consortia found so far."
    )
    optimality_gap_bound: float | None = Field(
        None,
        description="The most the best consortium of every firm retrieved for the tender may "
        "beat the first one by, as a share of the best (0: proven optimal; null: not known).",
    )

    def as_json(self) -> dict[str, Any]:
        """The JSON shape shared by ``meute match --json`` and ``POST /match``."""
        return self.model_dump(mode="json")


class Partner(_Model):
    """A firm proposed as partner of another, with its score, parts and why."""

    siren: str
    name: str
    score: float
    why: str
    breakdown: dict[str, float] = Field(default_factory=dict)


class PartnerResult(_Model):
    """Ranked partners for one firm, in general or for a tender."""

    siren: str
    tender_id: str | None = None
    partners: list[Partner]
    candidates_considered: int = 0

    def as_json(self) -> dict[str, Any]:
        """The JSON shape shared by ``meute partners --json`` and the partners endpoints."""
        return self.model_dump(mode="json")


class Evaluation(_Model):
    """A consortium scored as given (e.g. after swapping a member), with what it breaks."""

    consortium: Consortium
    violations: list[str] = Field(
        default_factory=list, description="Hard constraints it breaks; empty when feasible."
    )
    uncovered: list[UncoveredLot] = Field(
        default_factory=list,
        description="The tender's lots it leaves out, which no firm of the graph may take, and "
        "why (as in a match).",
    )


class ProposalStatus(StrEnum):
    """Where a proposed consortium stands, from proposal to award."""

    PROPOSED = "proposed"
    CONTACTED = "contacted"
    FORMED = "formed"
    SUBMITTED = "submitted"
    WON = "won"
    LOST = "lost"

    @property
    def next(self) -> frozenset[ProposalStatus]:
        """The statuses this one may move to: the next step, or lost while still open."""
        path = [self.PROPOSED, self.CONTACTED, self.FORMED, self.SUBMITTED, self.WON]
        if self in (self.WON, self.LOST):
            return frozenset()
        return frozenset({path[path.index(self) + 1], self.LOST})


NoteText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT),
    AfterValidator(check_text),
]


class ProposalEvent(_Model):
    """A note or a status change on a proposal: when, by whom, what."""

    at: dt.datetime
    author: str
    status: ProposalStatus | None = None
    note: str | None = None


class MemberStatus(StrEnum):
    """Where the officer stands with one firm of a proposal: firms are called one by one."""

    TO_CONTACT = "to_contact"
    CONTACTED = "contacted"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class MemberEvent(_Model):
    """A note or a status change on one member of a proposal: when, by whom, what."""

    at: dt.datetime
    author: str
    status: MemberStatus | None = None
    note: str | None = None


class MemberFollowUp(_Model):
    """The follow-up of one firm of a proposal; a replaced firm keeps its own (and its history)."""

    siren: str
    name: str
    lots: list[str]
    status: MemberStatus = MemberStatus.TO_CONTACT
    inferred: bool = Field(
        False,
        description="The status was deduced from the consortium's status of an older record, "
        "not set by an officer.",
    )
    since: dt.datetime | None = Field(None, description="When the status was last set.")
    replaced_by: str | None = Field(None, description="SIREN of the firm that took its lots.")
    replaced_at: dt.datetime | None = None
    events: list[MemberEvent] = Field(default_factory=list)

    @property
    def note(self) -> str | None:
        """The member's latest note."""
        return next((e.note for e in reversed(self.events) if e.note is not None), None)

    def advance(
        self, author: str, at: dt.datetime, status: MemberStatus | None, note: str | None
    ) -> MemberFollowUp:
        """The follow-up with a new status and/or note (InvalidInput when nothing changes)."""
        if self.replaced_by is not None:
            raise InvalidInput(
                "a replaced member is no longer followed",
                [Problem("siren", self.siren, f"replaced by {self.replaced_by}")],
            )
        moved = status if status is not None and status != self.status else None
        if moved is None and note is None:
            raise InvalidInput(
                "nothing to change", [Problem("status", None, "give a new status, a note or both")]
            )
        event = MemberEvent(at=at, author=author, status=moved, note=note)
        update: dict[str, Any] = {"events": [*self.events, event]}
        if moved is not None:
            update |= {"status": moved, "inferred": False, "since": at}
        return self.model_copy(update=update)


# What an older record's consortium status says of each of its members (see Proposal._migrate).
_MEMBER_STATUS_OF = {
    ProposalStatus.PROPOSED: MemberStatus.TO_CONTACT,
    ProposalStatus.CONTACTED: MemberStatus.CONTACTED,
    ProposalStatus.FORMED: MemberStatus.ACCEPTED,
    ProposalStatus.SUBMITTED: MemberStatus.ACCEPTED,
    ProposalStatus.WON: MemberStatus.ACCEPTED,
}


def _follow_up_of_old_record(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-member follow-up for a proposal saved before members were followed one by one.

    Each member gets the furthest status its consortium reached before any "lost" (a formed
    consortium is one whose firms accepted), marked as inferred, dated by the event that set it.
    """
    reached: tuple[ProposalStatus, Any] = (ProposalStatus.PROPOSED, data.get("created_at"))
    for event in data.get("events", []):
        status = event.get("status") if isinstance(event, dict) else None
        if status in _MEMBER_STATUS_OF and list(_MEMBER_STATUS_OF).index(
            ProposalStatus(status)
        ) > list(_MEMBER_STATUS_OF).index(reached[0]):
            reached = (ProposalStatus(status), event.get("at"))
    if data.get("status") in _MEMBER_STATUS_OF and not data.get("events"):
        reached = (ProposalStatus(data["status"]), data.get("created_at"))
    status = _MEMBER_STATUS_OF[reached[0]]
    inferred = status is not MemberStatus.TO_CONTACT
    return [
        {
            "siren": member["siren"],
            "name": member["name"],
            "lots": member["lots"],
            "status": status,
            "inferred": inferred,
            "since": reached[1] if inferred else None,
        }
        for member in data["consortium"]["members"]
    ]


class Proposal(_Model):
    """A consortium saved for a tender, followed through its status, and member by member."""

    id: str
    tender_id: str
    tender_title: str
    name: Name = Field(description="What the officer calls it (the tender's title by default).")
    consortium: Consortium
    status: ProposalStatus = ProposalStatus.PROPOSED
    created_at: dt.datetime
    created_by: str
    events: list[ProposalEvent] = Field(default_factory=list)
    members: list[MemberFollowUp] = Field(
        description="Follow-up of each firm, current members first in consortium order, then "
        "the firms they replaced."
    )
    uncovered: list[UncoveredLot] = Field(
        default_factory=list,
        description="The tender's lots no firm of the graph could take when it was saved, and "
        "why: the consortium covers the others.",
    )

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        """Read records saved before proposals had names and per-member follow-up."""
        if isinstance(data, dict) and isinstance(data.get("consortium"), dict):
            data = dict(data)
            data.setdefault("name", data.get("tender_title"))
            if "members" not in data:
                data["members"] = _follow_up_of_old_record(data)
        return data

    def member(self, siren: str) -> MemberFollowUp:
        """The follow-up of the current member ``siren`` (InvalidInput if it is not one)."""
        for follow_up in self.members:
            if follow_up.siren == siren and follow_up.replaced_by is None:
                return follow_up
        raise InvalidInput(
            "not a member of this proposal", [Problem("siren", siren, "not a current member")]
        )

    def with_member(self, follow_up: MemberFollowUp) -> Proposal:
        """The proposal with the current member's follow-up replaced by ``follow_up``."""
        members = [
            follow_up if m.siren == follow_up.siren and m.replaced_by is None else m
            for m in self.members
        ]
        return self.model_copy(update={"members": members})

    def advance(
        self, author: str, at: dt.datetime, status: ProposalStatus | None, note: str | None
    ) -> Proposal:
        """The proposal with a new status and/or note; an illegal move raises InvalidInput."""
        if status is not None and status != self.status and status not in self.status.next:
            allowed = ", ".join(sorted(self.status.next)) or "none (the proposal is closed)"
            raise InvalidInput(
                f"a {self.status} proposal cannot become {status}",
                [Problem("status", status.value, f"allowed from {self.status}: {allowed}")],
            )
        if status is None and note is None:
            raise InvalidInput(
                "nothing to change", [Problem("status", None, "give a status, a note or both")]
            )
        moved = status if status is not None and status != self.status else None
        event = ProposalEvent(at=at, author=author, status=moved, note=note)
        return self.model_copy(
            update={"status": moved or self.status, "events": [*self.events, event]}
        )


# France pavilion shortlists for trade fairs.


class PavilionTheme(_Model):
    """A theme of a trade fair, as CPV codes or in words (codes are then suggested from them)."""

    title: Name
    cpv: list[CpvCode] = Field(default_factory=list, max_length=50)
    description: Text = ""


class PavilionRequest(_Model):
    """A France pavilion to fill: the fair's themes, its host country and its number of stands."""

    fair: Name
    country: Country = Field(description="Host country of the fair (ISO 3166 alpha-2).")
    themes: list[PavilionTheme] = Field(min_length=1, max_length=30)
    stands: int = Field(ge=1, le=200, description="Number of stands, one firm each.")
    must_include: list[Siren] = Field(default_factory=list, max_length=200)
    exclude: list[Siren] = Field(default_factory=list, max_length=10_000)

    @field_validator("themes")
    @classmethod
    def _unique_titles(cls, value: list[PavilionTheme]) -> list[PavilionTheme]:
        titles = [theme.title.casefold() for theme in value]
        twice = sorted({t.title for t in value if titles.count(t.title.casefold()) > 1})
        if twice:
            raise ValueError(f"theme title(s) given twice: {', '.join(twice)}")
        return value

    @field_validator("must_include")
    @classmethod
    def _fits_the_stands(cls, value: list[str], info: ValidationInfo) -> list[str]:
        twice = sorted({siren for siren in value if value.count(siren) > 1})
        if twice:
            raise ValueError(f"SIREN(s) listed twice: {', '.join(twice)}")
        stands = info.data.get("stands")
        if stands is not None and len(value) > stands:
            raise ValueError(f"{len(value)} required firms for {stands} stands")
        return value

    @field_validator("exclude")
    @classmethod
    def _not_required(cls, value: list[str], info: ValidationInfo) -> list[str]:
        both = sorted(set(value) & set(info.data.get("must_include", [])))
        if both:
            raise ValueError(f"firms both required and excluded: {', '.join(both)}")
        return value


class ThemeCoverage(_Model):
    """How a pavilion covers one theme: the CPV codes matched and how many of its firms fit."""

    title: str
    cpv: list[str] = Field(description="Codes matched: the theme's own, or suggested from it.")
    suggested: bool = Field(description="True when the codes were suggested from the words.")
    firms: int = Field(
        description="Firms of the pavilion that cover it: near its codes, and a fit (learnt when a "
        "model is in use) reaching the relevance floor."
    )
    uncovered: str | None = Field(
        None,
        description="Why no firm of the pavilion covers it (nothing near its codes, none "
        "reaching the relevance floor, or stands better used elsewhere); null when one does.",
    )


class PavilionFirm(_Model):
    """A firm on the pavilion: its stand, the themes it covers, its score parts and why."""

    stand: int
    siren: str
    name: str
    region: Region
    headcount: HeadcountBand
    is_sme: bool
    maturity: ExportMaturity
    themes: list[str] = Field(description="Titles of the themes it covers, best fit first.")
    required: bool = Field(description="On the must-include list.")
    score: float
    breakdown: dict[str, float]
    why: str
    contact_email: str | None = None
    estimated: list[Fact] = Field(
        default_factory=list, description="The firm's facts that are estimates, not facts."
    )


class PavilionResult(_Model):
    """A pavilion shortlist: its firms by stand, with the score of the whole selection."""

    fair: str
    country: str
    score: float
    breakdown: dict[str, float]
    themes: list[ThemeCoverage]
    firms: list[PavilionFirm]
    candidates_considered: int = 0


class SavedPavilion(_Model):
    """A pavilion shortlist kept for a trade fair: what was asked and what was chosen."""

    id: str
    name: Name = Field(description="What the officer calls it (the fair's name by default).")
    request: PavilionRequest
    result: PavilionResult
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime | None = None
    updated_by: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        """Read records saved before pavilions had names."""
        if isinstance(data, dict) and "name" not in data:
            request = data.get("request")
            fair = request.get("fair") if isinstance(request, dict) else None
            data = {**data, "name": fair}
        return data
