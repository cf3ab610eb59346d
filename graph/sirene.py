"""Reading INSEE's SIRENE registry stock files: the registry facts of the firms Meute knows.

INSEE publishes two national stock files, tens of millions of rows each, as zipped CSV with its
own column names: ``StockUniteLegale`` (one row per legal unit: ``siren``,
``denominationUniteLegale``, ``activitePrincipaleUniteLegale``, ``trancheEffectifsUniteLegale``,
``categorieEntreprise``, ``etatAdministratifUniteLegale``, ``dateCreationUniteLegale``,
``nicSiegeUniteLegale``, ...) and ``StockEtablissement`` (one row per establishment:
``siren``, ``nic``, ``siret``, ``etablissementSiege``, ``codeCommuneEtablissement``,
``activitePrincipaleEtablissement``, ...). :func:`read_sirene` streams any number of them (CSV,
gzipped CSV or a zip holding one CSV; a file's layout is told by its header, and partial
extracts holding some of these columns are read alike) and keeps only the SIRENs it is asked
for, so memory grows with the firms kept, never with the file.

Legal-unit files are read first: they name each firm's head office (``nicSiegeUniteLegale``),
which locates an establishment file without ``etablissementSiege``. The head office's commune
gives the department (its first 2 digits, 3 overseas) and so the region.

A file whose header lacks the key columns, or a known column holding a value outside INSEE's
codes (a shifted or foreign file), is refused naming the file, line and column; nothing is
returned. A row that is well formed but unusable (a SIREN failing the Luhn check, an activity
coded in an older NAF) is rejected or partly ignored with the reason in the report.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from meute.graph.decp import DEPARTMENT_REGION, department_of
from meute.graph.errors import InvalidInput, Problem
from meute.graph.facts import FactUpdate
from meute.graph.model import (
    CompanyCategory,
    Fact,
    FactSource,
    Firm,
    HeadcountBand,
    Provenance,
    Region,
    luhn_valid,
    provenance_of_all,
)

__all__ = [
    "ETABLISSEMENT_HEADER",
    "HEADCOUNT_CODES",
    "UNITE_LEGALE_HEADER",
    "Layout",
    "RegistryFirm",
    "SireneReport",
    "naf_prefixes",
    "read_sirene",
]

# INSEE's headcount bands (trancheEffectifsUniteLegale) to Meute's. "NN": no employee.
HEADCOUNT_CODES: dict[str, HeadcountBand] = {
    "NN": HeadcountBand.MICRO,
    **dict.fromkeys(("00", "01", "02", "03"), HeadcountBand.MICRO),
    **dict.fromkeys(("11", "12"), HeadcountBand.SMALL),
    **dict.fromkeys(("21", "22", "31"), HeadcountBand.MEDIUM),
    **dict.fromkeys(("32", "41", "42", "51"), HeadcountBand.INTERMEDIATE),
    **dict.fromkeys(("52", "53"), HeadcountBand.LARGE),
}
# The national stock files' headers (INSEE, "Sirene : fichiers StockUniteLegale et
# StockEtablissement", 2022 onwards), for the tests and the benchmark's generated files.
UNITE_LEGALE_HEADER = [
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
]
ETABLISSEMENT_HEADER = [
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
]
MAX_REPORTED = 200  # rejection reasons kept in the report (all are counted)

_NAF = re.compile(r"\d{2}\.\d{2}[A-Z]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAF_PREFIX = re.compile(r"\d{2}(\.\d{1,2}[A-Z]?)?")
_COMMUNE = re.compile(r"\d{5}|2[AB]\d{3}")
_UNIT_COLUMNS = frozenset(
    {
        "denominationUniteLegale",
        "activitePrincipaleUniteLegale",
        "trancheEffectifsUniteLegale",
        "categorieEntreprise",
        "etatAdministratifUniteLegale",
        "dateCreationUniteLegale",
        "nicSiegeUniteLegale",
    }
)
_ESTABLISHMENT_COLUMNS = frozenset(
    {"codeCommuneEtablissement", "activitePrincipaleEtablissement", "etablissementSiege"}
)


class Layout(StrEnum):
    """The two kinds of SIRENE stock file."""

    UNITE_LEGALE = "StockUniteLegale"
    ETABLISSEMENT = "StockEtablissement"


@dataclass(slots=True)
class RegistryFirm:
    """What the registry says of one SIREN, gathered over the files read."""

    siren: str
    name: str | None = None
    naf: str | None = None
    headcount: HeadcountBand | None = None
    category: CompanyCategory | None = None
    active: bool | None = None
    creation_date: dt.date | None = None
    head_nic: str | None = None
    head_naf: str | None = None
    region: Region | None = None

    @property
    def activity(self) -> str | None:
        """The legal unit's NAF code, else its head office's."""
        return self.naf or self.head_naf

    def facts(self, origin: Provenance) -> FactUpdate:
        """What the registry says, fact by fact, from ``origin`` (a ``sirene`` provenance)."""
        values: dict[Fact, dict[str, Any]] = {
            Fact.NAME: {"name": self.name},
            Fact.NAF: {"naf": self.activity},
            Fact.REGION: {"region": self.region},
            Fact.HEADCOUNT: {"headcount": self.headcount},
            Fact.CATEGORY: {"category": self.category},
            Fact.STATUS: {"active": self.active, "creation_date": self.creation_date},
        }
        return {
            fact: (fields, origin)
            for fact, fields in values.items()
            if next(iter(fields.values())) is not None
        }

    def new_firm(self, origin: Provenance) -> Firm | str:
        """A firm made from the registry alone, or why it cannot be (a missing fact)."""
        facts = self.facts(origin)
        missing = [
            fact.value for fact in (Fact.NAME, Fact.REGION, Fact.HEADCOUNT) if fact not in facts
        ]
        if missing:
            return f"SIREN {self.siren}: not created, the registry gives no {', '.join(missing)}"
        # What the registry does not say (turnover, export, contact) is a default: an estimate.
        provenance = provenance_of_all(FactSource.DECP_INFERRED, origin.date)
        document: dict[str, Any] = {"siren": self.siren}
        for fact, (fields, source) in facts.items():
            document |= fields
            provenance[fact] = source
        document["provenance"] = provenance
        try:
            return Firm.model_validate(document)
        except ValidationError as error:
            return f"SIREN {self.siren}: not created, {error.errors()[0]['msg']}"


@dataclass
class SireneReport:
    """What a SIRENE import did. ``rows_*`` count file rows; the others count firms."""

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_not_in_store: int = 0
    rows_not_head_office: int = 0
    matched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)
    """The first :data:`MAX_REPORTED` reasons, ``"FILE line N: reason"``."""

    def reject(self, reason: str) -> None:
        """Count a rejected row or firm and keep its reason (the first ones)."""
        self.rejected += 1
        if len(self.rejections) < MAX_REPORTED:
            self.rejections.append(reason)

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data (the job report of ``POST /imports/sirene``)."""
        return {
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_not_in_store": self.rows_not_in_store,
            "rows_not_head_office": self.rows_not_head_office,
            "matched": self.matched,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejections": self.rejections,
        }


def _refuse(path: Path, message: str, column: str = "file", value: object = None) -> InvalidInput:
    shown = str(path) if value is None else value
    return InvalidInput(
        f"{path.name}: not a SIRENE stock file ({message})",
        [Problem(column, shown, f"{path.name}: {message}")],
    )


@contextmanager
def _text(path: Path) -> Iterator[IO[str]]:
    """The CSV text of a plain, gzipped or zipped file, decoded as it is read."""
    try:
        with path.open("rb") as probe:
            magic = probe.read(4)
        if magic.startswith(b"PK"):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                csvs = [m for m in members if m.filename.lower().endswith(".csv")] or members
                if len(csvs) != 1:
                    names = ", ".join(m.filename for m in members) or "nothing"
                    raise _refuse(path, f"a SIRENE zip holds one CSV file, found {names}")
                with archive.open(csvs[0]) as raw:
                    yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        elif magic.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as text:
                yield text
        else:
            with path.open(encoding="utf-8-sig", newline="") as text:
                yield text
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise _refuse(path, f"cannot be read: {error}") from None
    except UnicodeDecodeError:
        raise _refuse(path, "not UTF-8 text") from None


def _layout(path: Path, header: list[str]) -> Layout:
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise _refuse(path, f"column {twice[0]} appears twice", twice[0])
    columns = set(header)
    if columns & _UNIT_COLUMNS and ({"siren", "siret", "siretEtablissement"} & columns):
        return Layout.UNITE_LEGALE
    if columns & _ESTABLISHMENT_COLUMNS:
        if "siret" not in columns and not {"siren", "nic"} <= columns:
            raise _refuse(path, "no siret column (nor siren and nic)", "siret")
        return Layout.ETABLISSEMENT
    known = ", ".join(sorted(_UNIT_COLUMNS | _ESTABLISHMENT_COLUMNS))
    raise _refuse(path, f"no siren column with any of {known}", "siren")


def _header_layout(path: Path) -> Layout:
    with _text(path) as text:
        try:
            header = next(csv.reader(text), [])
        except csv.Error as error:
            raise _refuse(path, f"broken CSV: {error}") from None
    return _layout(path, header)


class _Malformed(Exception):
    def __init__(self, column: str, value: str, message: str) -> None:
        super().__init__(message)
        self.column, self.value, self.message = column, value, message


def _code(column: str, value: str, codes: Collection[str]) -> str | None:
    if not value:
        return None
    if value not in codes:
        raise _Malformed(column, value, f"{column} {value!r} is not one of INSEE's codes")
    return value


def _date(column: str, value: str) -> dt.date | None:
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Malformed(column, value, f"{column} {value!r} is not a date") from None


def _naf(column: str, value: str, nomenclature: str | None) -> str | None:
    """A NAF rév. 2 code, or None for an empty value or an older nomenclature's code."""
    if not value or (nomenclature and nomenclature != "NAFRev2"):
        return None
    if not _NAF.fullmatch(value):
        raise _Malformed(column, value, f"{column} {value!r} is not a NAF rév. 2 code")
    return value


class _Reader:
    """Streams SIRENE files into the :class:`RegistryFirm` of the SIRENs wanted."""

    def __init__(self, wanted: Callable[[str], bool], create: Callable[[str | None], bool]):
        self.wanted, self.create = wanted, create
        self.firms: dict[str, RegistryFirm] = {}
        self.report = SireneReport()

    def read(self, path: Path, layout: Layout) -> None:
        self.report.files.append(path.name)
        with _text(path) as text:
            rows = csv.reader(text)
            header = next(rows, [])
            index = {name: position for position, name in enumerate(header)}
            line = 1
            try:
                for line, row in enumerate(rows, start=2):
                    self.report.rows_read += 1
                    if len(row) != len(header):
                        message = f"{len(row)} fields where the header has {len(header)}"
                        raise _refuse(path, f"line {line}: {message}", "line", line)
                    self._row(path, line, layout, index, row)
            except csv.Error as error:
                raise _refuse(path, f"line {line}: broken CSV: {error}", "line", line) from None
            except _Malformed as error:
                raise _refuse(
                    path, f"line {line}: {error.message}", error.column, error.value
                ) from None

    def _siren(self, path: Path, line: int, raw: str) -> str | None:
        value = raw.strip()
        if not value.isdigit() or len(value) > 9:
            raise _Malformed("siren", raw, f"siren {raw!r} is not a SIREN")
        siren = value.zfill(9)  # extracts saved as numbers lose the leading zeros
        if not luhn_valid(siren):
            self.report.reject(f"{path.name} line {line}: SIREN {siren} fails the Luhn check")
            return None
        return siren

    def _row(
        self, path: Path, line: int, layout: Layout, index: dict[str, int], row: list[str]
    ) -> None:
        def get(column: str) -> str:
            position = index.get(column)
            return row[position].strip() if position is not None else ""

        siret = get("siret") or get("siretEtablissement")
        if siret and not (siret.isdigit() and len(siret) == 14):
            raise _Malformed("siret", siret, f"siret {siret!r} is not 14 digits")
        raw_siren = get("siren") or siret[:9]
        siren = self._siren(path, line, raw_siren)
        if siren is None:
            return
        if layout is Layout.UNITE_LEGALE:
            self._unit(siren, get)
        else:
            nic = get("nic").zfill(5) if get("nic") else siret[9:]
            self._establishment(siren, nic, get)

    def _kept(self, siren: str, activity: str | None = None) -> RegistryFirm | None:
        firm = self.firms.get(siren)
        if firm is None and (self.wanted(siren) or self.create(activity)):
            firm = self.firms[siren] = RegistryFirm(siren)
        if firm is None:
            self.report.rows_not_in_store += 1
        return firm

    def _unit(self, siren: str, get: Callable[[str], str]) -> None:
        nomenclature = get("nomenclatureActivitePrincipaleUniteLegale") or None
        naf = _naf(
            "activitePrincipaleUniteLegale", get("activitePrincipaleUniteLegale"), nomenclature
        )
        category = _code("categorieEntreprise", get("categorieEntreprise"), tuple(CompanyCategory))
        band = _code(
            "trancheEffectifsUniteLegale", get("trancheEffectifsUniteLegale"), HEADCOUNT_CODES
        )
        state = _code(
            "etatAdministratifUniteLegale", get("etatAdministratifUniteLegale"), ("A", "C")
        )
        created = _date("dateCreationUniteLegale", get("dateCreationUniteLegale"))
        nic = get("nicSiegeUniteLegale")
        if nic and not (nic.isdigit() and len(nic) <= 5):
            raise _Malformed(
                "nicSiegeUniteLegale", nic, f"nicSiegeUniteLegale {nic!r} is not a NIC"
            )
        firm = self._kept(siren, naf)
        if firm is None:
            return
        person = " ".join(
            part for part in (get("prenom1UniteLegale"), get("nomUniteLegale")) if part
        )
        firm.name = get("denominationUniteLegale") or person or firm.name
        firm.naf = naf or firm.naf
        firm.category = CompanyCategory(category) if category else firm.category
        firm.headcount = HEADCOUNT_CODES[band] if band else firm.headcount
        firm.active = (state == "A") if state else firm.active
        firm.creation_date = created or firm.creation_date
        firm.head_nic = nic.zfill(5) if nic else firm.head_nic

    def _establishment(self, siren: str, nic: str, get: Callable[[str], str]) -> None:
        siege = _code("etablissementSiege", get("etablissementSiege").lower(), ("true", "false"))
        nomenclature = get("nomenclatureActivitePrincipaleEtablissement") or None
        naf = _naf(
            "activitePrincipaleEtablissement", get("activitePrincipaleEtablissement"), nomenclature
        )
        commune = get("codeCommuneEtablissement")
        if commune and not _COMMUNE.fullmatch(commune):
            message = f"codeCommuneEtablissement {commune!r} is not a commune code"
            raise _Malformed("codeCommuneEtablissement", commune, message)
        # Overseas collectivities (975, 977, 978, 98x) are in no region.
        department = department_of(commune) if commune else None
        firm = self.firms.get(siren)
        if firm is None and not self.wanted(siren):
            self.report.rows_not_in_store += 1
            return
        firm = firm or self.firms.setdefault(siren, RegistryFirm(siren))
        head = siege == "true" if siege else (firm.head_nic is not None and firm.head_nic == nic)
        if not head:
            self.report.rows_not_head_office += 1
            return
        firm.head_naf = naf or firm.head_naf
        if department is not None:
            firm.region = DEPARTMENT_REGION[department]


def naf_prefixes(codes: Sequence[str], field: str = "create_naf") -> tuple[str, ...]:
    """NAF codes or prefixes (``43``, ``43.2``, ``43.21A``); one that is not raises InvalidInput."""
    problems = [
        Problem(f"{field}[{index}]", code, "not a NAF code or prefix such as 43.21A or 43.2")
        for index, code in enumerate(codes)
        if not _NAF_PREFIX.fullmatch(code.strip())
    ]
    if problems:
        raise InvalidInput("invalid NAF code", problems)
    return tuple(code.strip() for code in codes)


def read_sirene(
    paths: Sequence[Path],
    wanted: Callable[[str], bool],
    create_naf: Sequence[str] = (),
) -> tuple[dict[str, RegistryFirm], SireneReport]:
    """The registry facts of the SIRENs ``wanted`` accepts, streamed from SIRENE stock files.

    With ``create_naf`` (NAF codes or prefixes such as ``43.21A`` or ``43.2``), legal units
    whose activity starts with one of them are kept too (legal-unit files only: an
    establishment alone does not make a firm). Every header is checked before any row is
    read; a malformed file raises :class:`InvalidInput` naming it.
    """
    prefixes = naf_prefixes(create_naf)

    def create(activity: str | None) -> bool:
        return bool(prefixes) and activity is not None and activity.startswith(prefixes)

    layouts = [(_header_layout(Path(path)), Path(path)) for path in paths]
    reader = _Reader(wanted, create)
    for layout, path in sorted(layouts, key=lambda item: item[0] is Layout.ETABLISSEMENT):
        reader.read(path, layout)
    return reader.firms, reader.report
