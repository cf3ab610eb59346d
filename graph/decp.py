"""Reading DECP award data (French public contracts) into the domain model.

DECP ("données essentielles de la commande publique") is the regulatory open data on French
public contracts: one record per award, with the winning firms (``titulaires``), the CPV code,
the amount and the notification date. :func:`read_decp` turns one or more DECP files into
:class:`~graph.model.Firm` (one per SIREN, with CPV capabilities backed by the contracts won)
and :class:`~graph.model.Collaboration` (co-winners of one contract), plus the buyers and a
compact list of the contracts for evaluation.

Identifiers: a winner's SIREN is the first 9 digits of its SIRET once spaces and dots are
removed (also of a 9-, 10-, 12- or 15-digit id, reported as repaired; a 13-digit id whose first
9 digits fail Luhn but pass once a lost leading zero is restored is read that way), or the last
9 digits of a French VAT number. Foreign ids (other VAT numbers, ``HORS-UE``), association
numbers and SIRENs failing the Luhn check are refused. A record republished with the same
buyer, id, date, winners and amount is rejected as a duplicate.

Two layouts are read: the regulatory JSON (``{"marches": [...]}``, ``.json`` or a ``.zip``
holding one) and the consolidated **tabular** layout data.gouv.fr now publishes (``.csv`` or
``.csv.gz``, one row per winner: ``uid, codeCPV, titulaire_id, titulaire_nom, montant,
dateNotification, titulaire_departement_code, ...``); the rows of one ``uid`` are one contract
(its first row gives the contract's CPV code, amount, date and buyer).

Every fact a firm gets says where it comes from (:class:`~graph.model.Provenance`): its name
and a winner's own department (tabular layout) are ``decp`` facts; everything below is
``decp-inferred``, an estimate that the console and the exports mark « estimé ».

What DECP does not say, and how it is filled in (coarse, documented choices):

* **region** - the winner's own department when the tabular layout gives it (its most frequent
  one, a fact). Otherwise DECP locates only the *execution place*: a firm gets the most frequent
  region among the contracts it won (firms mostly win near home); the place code is read from
  its shape whatever ``typeCode`` says (postal code, INSEE commune, department, arrondissement,
  region code, current or pre-2016). A firm with no located contract falls back to
  Île-de-France, the most common head-office region, so that the model's required field is
  filled; :attr:`DecpImport.unlocated` lists these firms.
* **headcount** - unknown; inferred from the firm's share of the amounts won (a lower bound of
  its activity, see :data:`HEADCOUNT_THRESHOLDS_EUR`), raised to at least 50-249 for a firm
  seen with 3 establishments (SIRETs) or more and to 250-4999 with 10 or more.
* **amounts** - a contract with several winners gives each an equal share of its amount (DECP
  does not say how a joint award is split). Amounts <= 0, above 1e10 or made only of nines (a
  placeholder such as 999999999) count as 0 and are reported as repaired.
* **capability strength** - ``(1 - exp(-n / 3)) * (0.5 + 0.5 * share)`` where ``n`` is the
  number of contracts won in the code and ``share`` the code's part of the firm's amount (of
  its contracts when no amount is known): one contract gives about 0.28, three about 0.63.
* **award evidence** - each capability keeps its :data:`~graph.model.MAX_AWARDS` most recent
  contracts as records stated by award data (``decp``): id and file, date, the buyer's most
  frequent name, objet (the tabular layout has none), the amount as published (unknown when
  repaired to 0) and the number of winners. Counts and amounts still cover every contract.
* **co-winning** - a contract with 2 to 4 distinct winning firms whose nature is a contract
  ("Marché", "Marché subséquent", a partnership or a concession) is a likely joint bid
  (``joint_bid``); a framework agreement ("Accord-cadre"), an unknown nature or 5 winners or
  more is a multi-supplier award (``co_award``, weaker evidence).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import math
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import combinations
from pathlib import Path

from pydantic import ValidationError

from meute.graph import cpv
from meute.graph.errors import InvalidInput, Problem
from meute.graph.model import (
    MAX_AWARDS,
    MAX_NAME,
    MAX_TEXT,
    AwardEvidence,
    Capability,
    Collaboration,
    CollaborationKind,
    ExportMaturity,
    Fact,
    FactSource,
    Firm,
    HeadcountBand,
    Provenance,
    Region,
    luhn_valid,
    provenance_of_all,
    public_body,
)
from meute.graph.text import fold

__all__ = [
    "DEPARTMENT_REGION",
    "HEADCOUNT_THRESHOLDS_EUR",
    "ArchiveLimits",
    "Buyer",
    "Contract",
    "DecpImport",
    "DecpReport",
    "check_archive",
    "co_winning_kind",
    "department_of",
    "fixture_objet_codes",
    "read_decp",
    "region_of_place",
    "repair_text",
]

MAX_AMOUNT_EUR = 1e10
JOINT_BID_MAX_WINNERS = 4
DEFAULT_REGION = Region.IDF

# Share of the amounts won (euros) below which a firm is put in each band; above the last one
# it is a large firm.
HEADCOUNT_THRESHOLDS_EUR: tuple[tuple[float, HeadcountBand], ...] = (
    (150_000, HeadcountBand.MICRO),
    (1_500_000, HeadcountBand.SMALL),
    (15_000_000, HeadcountBand.MEDIUM),
    (150_000_000, HeadcountBand.INTERMEDIATE),
)
_BAND_ORDER = list(HeadcountBand)

_REGION_DEPARTMENTS: dict[Region, str] = {
    Region.AURA: "01 03 07 15 26 38 42 43 63 69 73 74",
    Region.BFC: "21 25 39 58 70 71 89 90",
    Region.BRETAGNE: "22 29 35 56",
    Region.CVL: "18 28 36 37 41 45",
    Region.CORSE: "2A 2B",
    Region.GRAND_EST: "08 10 51 52 54 55 57 67 68 88",
    Region.HDF: "02 59 60 62 80",
    Region.IDF: "75 77 78 91 92 93 94 95",
    Region.NORMANDIE: "14 27 50 61 76",
    Region.NOUVELLE_AQUITAINE: "16 17 19 23 24 33 40 47 64 79 86 87",
    Region.OCCITANIE: "09 11 12 30 31 32 34 46 48 65 66 81 82",
    Region.PDL: "44 49 53 72 85",
    Region.PACA: "04 05 06 13 83 84",
    Region.GUADELOUPE: "971",
    Region.MARTINIQUE: "972",
    Region.GUYANE: "973",
    Region.REUNION: "974",
    Region.MAYOTTE: "976",
}
DEPARTMENT_REGION: dict[str, Region] = {
    department: region
    for region, departments in _REGION_DEPARTMENTS.items()
    for department in departments.split()
}
"""The 101 French departments (``01`` … ``95``, ``2A``, ``2B``, ``971`` … ``976``) to region."""

# INSEE region codes, current (2016) and former ones (merged regions map to their successor).
_REGION_CODES: dict[str, Region] = {
    "01": Region.GUADELOUPE,
    "02": Region.MARTINIQUE,
    "03": Region.GUYANE,
    "04": Region.REUNION,
    "06": Region.MAYOTTE,
    "11": Region.IDF,
    "21": Region.GRAND_EST,
    "22": Region.HDF,
    "23": Region.NORMANDIE,
    "24": Region.CVL,
    "25": Region.NORMANDIE,
    "26": Region.BFC,
    "27": Region.BFC,
    "28": Region.NORMANDIE,
    "31": Region.HDF,
    "32": Region.HDF,
    "41": Region.GRAND_EST,
    "42": Region.GRAND_EST,
    "43": Region.BFC,
    "44": Region.GRAND_EST,
    "52": Region.PDL,
    "53": Region.BRETAGNE,
    "54": Region.NOUVELLE_AQUITAINE,
    "72": Region.NOUVELLE_AQUITAINE,
    "73": Region.OCCITANIE,
    "74": Region.NOUVELLE_AQUITAINE,
    "75": Region.NOUVELLE_AQUITAINE,
    "76": Region.OCCITANIE,
    "82": Region.AURA,
    "83": Region.AURA,
    "84": Region.AURA,
    "91": Region.OCCITANIE,
    "93": Region.PACA,
    "94": Region.CORSE,
}

_CANONICAL_NATURES = {
    "marche": "Marché",
    "marchesubsequent": "Marché subséquent",
    "accordcadre": "Accord-cadre",
    "marchedepartenariat": "Marché de partenariat",
}
_FRAMEWORK_NATURES = frozenset({"accordcadre"})
_CONTRACT_NATURES = frozenset({"marche", "marchesubsequent", "marchedepartenariat"})
_CONCESSION_PREFIXES = ("concession", "delegation")

# --- text repair -------------------------------------------------------------------------------

# Characters that the bytes 0x80-0xBF become when UTF-8 is read as cp1252 or latin-1.
_CONTINUATION = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122"
)
_MOJIBAKE_RUN = re.compile(f"[\u00c2-\u00f4][{_CONTINUATION}]+")
_VOWELS = "aeiouyhéèêëàâäîïôöûüAEIOUYHÉÈÊËÀÂÄÎÏÔÖÛÜ"
_LOST_APOSTROPHE = re.compile(rf"\b([cdjlmnstCDJLMNST]|[Qq][Uu])\?(?=[{_VOWELS}])")
_LOST_OE = re.compile(r"(?<!\w)\?(?=(uvre|UVRE)S?\b)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_CONSULTATION_PREFIX = re.compile(r"^num[ée]ro de (la )?consultation\s*:\s*\S+\s*", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{4,}")


def _to_bytes(text: str) -> bytes | None:
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            try:
                out += char.encode("latin-1")
            except UnicodeEncodeError:
                return None
    return bytes(out)


def _fix_run(match: re.Match[str]) -> str:
    raw = _to_bytes(match.group())
    if raw is None:
        return match.group()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group()


def repair_text(text: str) -> str:
    """Collapse spaces and repair broken accents where the repair is unambiguous.

    Mojibake (UTF-8 read as cp1252 or latin-1: ``"Ã©"``, ``"â€™"``) is re-decoded run by run,
    and only where the run is valid UTF-8, so correct accents elsewhere in the text are kept.
    A ``?`` standing for a lost apostrophe (``"l?air"``) or ``œ`` (``"mise en ?uvre"``) is
    restored.
    """
    text = _SPACES.sub(" ", text).strip()
    for _ in range(2):  # twice: double-encoded text needs two passes
        fixed = _MOJIBAKE_RUN.sub(_fix_run, text)
        if fixed == text:
            break
        text = fixed
    text = _LOST_APOSTROPHE.sub(r"\1'", text)
    return _LOST_OE.sub(lambda m: "Œ" if m.group(1).isupper() else "œ", text)


def _key(text: str) -> str:
    """Lower-case ASCII letters only: the comparison key of a nature or a name."""
    return _NON_ALNUM.sub("", fold(text))


# --- places ------------------------------------------------------------------------------------


def department_of(code: str) -> str | None:
    """The department of a place code (postal, INSEE commune, department, arrondissement).

    Postal codes that lost their leading zero (``"6901"`` for 06901) are padded back. Returns
    None when the code names no French department (a foreign country, a SIREN, ``"00"``).
    """
    value = re.sub(r"[\s.]", "", code).upper()
    if re.fullmatch(r"2[AB]\d{0,3}", value):
        return value[:2]
    if not value.isdigit():
        return None
    if len(value) == 4:
        value = value.zfill(5)  # a postal code read as a number
    if len(value) in (1, 2):
        department = value.zfill(2)
    elif len(value) == 3:  # department ("974", "078") or arrondissement ("544")
        if value.startswith("97"):
            department = value
        elif value.startswith("0"):
            department = value[1:]
        else:
            department = value[:2]
    elif len(value) in (5, 6):  # postal or commune code (6: one stray digit)
        department = value[:3] if value.startswith("97") else value[:2]
    else:
        return None
    if department == "20":
        return "2A"  # a Corsican postal code: either department, same region
    return department if department in DEPARTMENT_REGION else None


def region_of_place(place: object) -> Region | None:
    """The region of a DECP ``lieuExecution`` (``{"code", "typeCode", "nom"}``), if known."""
    if not isinstance(place, dict):
        return None
    code = place.get("code")
    if isinstance(code, int):
        code = str(code)
    if not isinstance(code, str) or not code.strip():
        return None
    type_code = _key(str(place.get("typeCode") or ""))
    if "pays" in type_code:
        return None
    if "region" in type_code:
        return _REGION_CODES.get(code.strip())
    department = department_of(code)
    return DEPARTMENT_REGION[department] if department else None


# --- public records ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Buyer:
    """A public buyer (``acheteur``), its most frequent name and the contracts it awarded."""

    id: str
    name: str | None
    contracts: int


@dataclass(frozen=True, slots=True)
class Contract:
    """One DECP award as Meute read it (winners are SIRENs with a valid Luhn check)."""

    id: str
    nature: str
    cpv: str | None
    amount: float
    date: dt.date | None
    winners: tuple[str, ...]
    objet: str
    year: int | None = None
    """Year of the notification, else of the publication: the co-winning year."""
    buyer: str | None = None
    region: Region | None = None
    file: str = ""

    @property
    def kind(self) -> CollaborationKind | None:
        """How the co-winners of this contract worked together (None for a single winner)."""
        return co_winning_kind(self.nature, len(self.winners))


@dataclass
class DecpReport:
    """What reading DECP did: records read, used, rejected, repaired, and why."""

    source: str
    read: int = 0
    used: int = 0
    rejected: int = 0
    repaired: int = 0
    rejections: list[str] = field(default_factory=list)
    """``"record <id>: <reason>"`` for every record skipped."""
    warnings: list[str] = field(default_factory=list)
    """Parts of used records that were dropped (a foreign winner, an unknown CPV code)."""
    repairs: list[str] = field(default_factory=list)
    """Every value repaired (ids, amounts, dates, accents, duplicate winners)."""

    def merge(self, other: DecpReport) -> None:
        """Add another report's counts and messages to this one."""
        self.read += other.read
        self.used += other.used
        self.rejected += other.rejected
        self.repaired += other.repaired
        self.rejections.extend(other.rejections)
        self.warnings.extend(other.warnings)
        self.repairs.extend(other.repairs)


@dataclass
class DecpImport:
    """The domain objects read from DECP files, with what was done to get them."""

    firms: list[Firm]
    collaborations: list[Collaboration]
    buyers: list[Buyer]
    contracts: list[Contract]
    report: DecpReport
    files: list[DecpReport]
    unlocated: list[str] = field(default_factory=list)
    """SIRENs of firms whose region fell back to the default (no located contract)."""


def co_winning_kind(nature: str, winners: int) -> CollaborationKind | None:
    """``joint_bid`` for 2-4 winners of a contract, ``co_award`` for a framework or 5 or more."""
    if winners < 2:
        return None
    key = _key(nature)
    contract = key in _CONTRACT_NATURES or key.startswith(_CONCESSION_PREFIXES)
    if contract and key not in _FRAMEWORK_NATURES and winners <= JOINT_BID_MAX_WINNERS:
        return CollaborationKind.JOINT_BID
    return CollaborationKind.CO_AWARD


# --- file reading ------------------------------------------------------------------------------


# What a broken, encrypted or exotic zip archive raises when read.
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error)


@dataclass(frozen=True)
class ArchiveLimits:
    """What a zip may hold, checked from its directory before anything is extracted."""

    max_bytes: int = 1_000_000_000
    max_ratio: float = 200.0
    max_members: int = 100


def check_archive(path: Path, limits: ArchiveLimits) -> None:
    """Refuse (InvalidInput) a zip at ``path`` that would expand beyond ``limits``.

    Members cannot expand beyond the sizes its directory declares (zipfile stops there), so the
    directory alone tells what extracting it would cost. A file that is not a zip passes.
    """
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except _ZIP_ERRORS as error:
        raise _invalid(path, f"broken zip archive: {error}") from None
    total = sum(member.file_size for member in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0.0)
    for refused, message in (
        (len(members) > limits.max_members, f"more than {limits.max_members} members"),
        (total > limits.max_bytes, f"expands to {total:,} bytes, over {limits.max_bytes:,}"),
        (ratio > limits.max_ratio, f"expands {ratio:.0f} times, over {limits.max_ratio:.0f}"),
    ):
        if refused:
            raise _invalid(path, f"zip refused: {message}")


def _invalid(path: Path, message: str) -> InvalidInput:
    return InvalidInput(
        f"{path.name}: not a DECP file ({message})", [Problem("file", str(path), message)]
    )


def _load_json(path: Path) -> object:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise _invalid(path, f"cannot be read: {error.strerror or error}") from None
    if raw.startswith(b"PK") and not zipfile.is_zipfile(io.BytesIO(raw)):
        raise _invalid(path, "broken zip archive")
    if zipfile.is_zipfile(io.BytesIO(raw)):
        check_archive(path, ArchiveLimits())
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                members = [info for info in archive.infolist() if not info.is_dir()]
                jsons = [m for m in members if m.filename.lower().endswith(".json")] or members
                if len(jsons) != 1:
                    names = ", ".join(m.filename for m in members) or "nothing"
                    raise _invalid(path, f"a DECP zip holds exactly one JSON file, found {names}")
                raw = archive.read(jsons[0])
        except _ZIP_ERRORS as error:
            raise _invalid(path, f"broken zip archive: {error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _invalid(path, f"not JSON: {error.msg} at line {error.lineno}") from None
    except RecursionError:
        raise _invalid(path, "not JSON: nested too deeply") from None


TABULAR_COLUMNS = ("uid", "codeCPV", "titulaire_id", "titulaire_nom", "montant", "dateNotification")


def _is_tabular(path: Path) -> bool:
    return path.name.lower().endswith((".csv", ".csv.gz"))


def _tabular_records(path: Path) -> list[object]:
    """The rows of a tabular DECP file grouped by ``uid`` into JSON-layout records."""
    try:
        raw = path.read_bytes()
        if raw.startswith(b"\x1f\x8b"):
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8-sig")
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise _invalid(path, f"cannot be read: {error}") from None
    except UnicodeDecodeError:
        raise _invalid(path, "not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in TABULAR_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise _invalid(path, f"tabular DECP without column(s) {', '.join(missing)}")
    records: dict[str, dict[str, object]] = {}
    try:
        for line, row in enumerate(reader, start=2):
            uid = (row["uid"] or "").strip() or f"line-{line}"
            record = records.get(uid)
            if record is None:
                record = records[uid] = {
                    "id": uid,
                    "nature": row.get("nature") or "",
                    "codeCPV": row["codeCPV"],
                    "montant": row["montant"],
                    "dateNotification": row["dateNotification"],
                    "acheteur": {"id": row.get("acheteur_id"), "nom": row.get("acheteur_nom")},
                    "titulaires": [],
                }
            winners = record["titulaires"]
            assert isinstance(winners, list)
            winners.append(
                {
                    "typeIdentifiant": "SIRET",
                    "id": row["titulaire_id"],
                    "denominationSociale": row["titulaire_nom"],
                    "departement": row.get("titulaire_departement_code"),
                }
            )
    except csv.Error as error:
        raise _invalid(path, f"broken CSV: {error}") from None
    return list(records.values())


def _records(path: Path, document: object) -> list[object]:
    if not isinstance(document, dict) or "marches" not in document:
        raise _invalid(path, 'no top-level "marches"')
    marches = document["marches"]
    if isinstance(marches, dict) and "marche" in marches:  # XML-converted variant
        marches = marches["marche"]
        if isinstance(marches, dict):
            marches = [marches]
    if not isinstance(marches, list):
        raise _invalid(path, '"marches" is not a list of records')
    return marches


# --- record parsing ----------------------------------------------------------------------------


@dataclass
class _Notes:
    """Messages about one record, turned into report lines once the record is decided."""

    dropped: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)


def _text(value: object, notes: _Notes, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    fixed = repair_text(value)
    before = _SPACES.sub(" ", value).strip()
    if fixed != before:
        start = next(i for i, (a, b) in enumerate(zip(before, fixed, strict=False)) if a != b)
        start = max(0, start - 15)
        shown = f"{before[start : start + 30]!r} -> {fixed[start : start + 30]!r}"
        notes.repaired.append(f"{what}: broken accents repaired ({shown})")
    return fixed


def _siren(raw_id: object, id_type: object, notes: _Notes) -> tuple[str | None, str]:
    """The SIREN of one winner, or None with the reason it is not usable."""
    shown = repr(raw_id)
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        return None, "winner without identifier"
    kind = _key(str(id_type or "siret"))
    value = re.sub(r"[\s.\-]", "", raw_id).upper()
    if re.fullmatch(r"FR[0-9A-Z]{2}\d{9}", value):
        siren = value[4:]
        notes.repaired.append(f"SIREN {siren} taken from French VAT number {shown}")
    elif kind == "tva":
        return None, f"winner {shown} (TVA) is not a French firm"
    elif kind not in ("siret", "siren"):
        return None, f"winner {shown} ({id_type}) has no SIREN"
    elif not value.isdigit():
        return None, f"winner {shown} is not a SIRET"
    elif len(value) < 9:
        return None, f"winner {shown} has {len(value)} digits, too few for a SIREN"
    else:
        siren = value[:9]
        if len(value) == 13 and not luhn_valid(siren) and luhn_valid(("0" + value)[:9]):
            siren = ("0" + value)[:9]
            notes.repaired.append(f"winner {shown}: leading zero restored, SIREN {siren}")
        elif len(value) not in (9, 14):
            notes.repaired.append(f"winner {shown} has {len(value)} digits: SIREN {siren}")
        elif value != raw_id:
            notes.repaired.append(f"winner {shown}: spaces or dots removed")
    if set(siren) == {"0"}:
        return None, f"winner {shown} is a placeholder identifier"
    if not luhn_valid(siren):
        return None, f"winner {shown}: SIREN {siren} fails the Luhn check"
    return siren, ""


def _winner_list(record: dict[str, object]) -> list[object] | None:
    for key in ("titulaires", "concessionnaires"):
        value = record.get(key)
        if isinstance(value, dict):  # XML-converted variant {"titulaire": [...]}
            value = next(iter(value.values()), None)
            if isinstance(value, dict):
                value = [value]
        if isinstance(value, list) and value:
            return value
    return None


def _cpv(raw: object, notes: _Notes) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        notes.dropped.append("no CPV code")
        return None
    text = str(raw)
    try:
        return cpv.normalise(text)
    except InvalidInput:
        pass
    match = re.fullmatch(r"(\d{7,8})(?:-?(\d))?", re.sub(r"[\s.]", "", text))
    entries = cpv.taxonomy().entries
    if match:
        digits, check = match.groups()
        candidates = [digits] if len(digits) == 8 else [digits.zfill(8), digits + "0"]
        known = [code for code in candidates if code in entries]
        matching = [code for code in known if check is None or entries[code].check_digit == check]
        chosen = (matching or known or [None])[0]
        if chosen is not None:
            why = "wrong check digit" if len(digits) == 8 else "7 digits"
            notes.repaired.append(f"CPV {text!r} ({why}) read as {cpv.format_code(chosen)}")
            return chosen
    notes.dropped.append(f"CPV code {text!r} is not in CPV 2008")
    return None


def _amount(raw: object, notes: _Notes) -> float:
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(re.sub(r"[\s\u00a0€]", "", raw).replace(",", "."))
        except ValueError:
            value = None
    if value is None:
        notes.repaired.append(f"amount {raw!r} unknown, counted as 0")
        return 0.0
    placeholder = value >= 999_999 and set(str(int(value))) == {"9"}
    if not math.isfinite(value) or value <= 0 or value > MAX_AMOUNT_EUR or placeholder:
        notes.repaired.append(f"amount {raw!r} is absurd, counted as 0")
        return 0.0
    return value


def _date(raw: object) -> dt.date | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or re.match(
        r"(\d{1,2})/(\d{1,2})/(\d{4})$", text
    )
    if not match:
        return None
    parts = [int(part) for part in match.groups()]
    year, month, day = parts if len(match.group(1)) == 4 else parts[::-1]
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    return date if 1950 <= date.year <= 2100 else None


@dataclass
class _Winner:
    siren: str
    siret: str
    name: str
    department: str | None = None


@dataclass
class _FirmEvidence:
    """Everything the records say about one SIREN, in reading order."""

    names: dict[str, Counter[str]] = field(default_factory=dict)
    sirets: set[str] = field(default_factory=set)
    departments: Counter[str] = field(default_factory=Counter)
    """The winner's own departments, as the tabular layout states them."""
    contracts: list[tuple[Contract, float]] = field(default_factory=list)


class _Reader:
    """Accumulates firms, buyers, contracts and co-winning over the files read."""

    def __init__(self) -> None:
        self.firms: dict[str, _FirmEvidence] = {}
        self.buyers: dict[str, tuple[Counter[str], int]] = {}
        self.contracts: list[Contract] = []
        self.seen: dict[tuple[object, ...], str] = {}

    def read_file(self, path: Path) -> DecpReport:
        records = _tabular_records(path) if _is_tabular(path) else _records(path, _load_json(path))
        report = DecpReport(source=path.name)
        for index, record in enumerate(records):
            report.read += 1
            self._record(record, index, path.name, report)
        return report

    def _record(self, record: object, index: int, file: str, report: DecpReport) -> None:
        raw_id = record.get("id") if isinstance(record, dict) else None
        missing_id = raw_id is None or not str(raw_id).strip()
        record_id = f"#{index + 1}" if missing_id else str(raw_id).strip()
        label = f"record {record_id}"
        outcome = self._parse(record, record_id, file) if isinstance(record, dict) else None
        if not isinstance(outcome, _Notes):
            report.rejected += 1
            report.rejections.append(f"{label}: {outcome or 'not a JSON object'}")
            return
        notes = outcome
        report.used += 1
        if missing_id:
            notes.repaired.append(f"no id, named {record_id} after its position")
        if notes.repaired:
            report.repaired += 1
        report.repairs.extend(f"{label}: {message}" for message in notes.repaired)
        report.warnings.extend(f"{label}: {message}" for message in notes.dropped)

    def _parse(self, record: dict[str, object], record_id: str, file: str) -> _Notes | str:
        """Add one record's contract and evidence; a string is the reason it was rejected."""
        notes = _Notes()
        entries = _winner_list(record)
        if entries is None:
            return "no winner (titulaires missing or empty)"
        winners: dict[str, _Winner] = {}
        refused: list[str] = []
        for entry in entries:
            if not isinstance(entry, dict):
                refused.append(f"winner {entry!r} is not an object")
                continue
            siren, why = _siren(entry.get("id"), entry.get("typeIdentifiant"), notes)
            if siren is None:
                refused.append(why)
            elif siren in winners:
                notes.repaired.append(f"winner {siren} listed twice, counted once")
            else:
                siret = re.sub(r"[\s.\-]", "", str(entry.get("id")))
                name = _text(entry.get("denominationSociale"), notes, f"name of {siren}")
                department = entry.get("departement")
                own = department_of(department) if isinstance(department, str) else None
                winners[siren] = _Winner(siren, siret, name, own)
        if not winners:
            return "no winner with a valid French SIREN: " + "; ".join(refused)
        notes.dropped.extend(refused)

        buyer_raw = record.get("acheteur") or record.get("autoriteConcedante")
        buyer = buyer_raw if isinstance(buyer_raw, dict) else {}
        buyer_id = re.sub(r"[\s.]", "", str(buyer.get("id") or "")) or None
        raw_date = record.get("dateNotification") or record.get("dateSignature")
        date = _date(raw_date)
        if date is None:
            shown = "missing" if raw_date in (None, "") else f"{raw_date!r} unparsable"
            notes.repaired.append(f"notification date {shown}, left unknown")
        raw_amount = record.get("montant", record.get("valeurGlobale"))
        amount = _amount(raw_amount, notes)
        duplicate_key = (buyer_id, record_id, date, tuple(sorted(winners)), amount)
        if duplicate_key in self.seen:
            earlier = self.seen[duplicate_key]
            return f"duplicate of a record of {earlier} (same buyer, id, date, winners, amount)"
        self.seen[duplicate_key] = file
        dated = date or _date(record.get("datePublicationDonnees"))
        year = dated.year if dated else None

        nature_raw = _text(record.get("nature"), notes, "nature")
        contract = Contract(
            id=record_id,
            nature=_CANONICAL_NATURES.get(_key(nature_raw), nature_raw),
            cpv=_cpv(record.get("codeCPV"), notes),
            amount=amount,
            date=date,
            winners=tuple(winners),
            objet=_text(record.get("objet"), notes, "objet"),
            year=year,
            buyer=buyer_id,
            region=region_of_place(record.get("lieuExecution")),
            file=file,
        )
        if contract.kind is not None and year is None:
            notes.dropped.append("no date: co-winning not recorded")
        self.contracts.append(contract)
        share = amount / len(winners)
        for winner in winners.values():
            evidence = self.firms.setdefault(winner.siren, _FirmEvidence())
            evidence.sirets.add(winner.siret)
            evidence.contracts.append((contract, share))
            if winner.department is not None:
                evidence.departments[winner.department] += 1
            if winner.name:
                evidence.names.setdefault(_key(winner.name), Counter())[winner.name[:MAX_NAME]] += 1
        if buyer_id:
            names, count = self.buyers.get(buyer_id, (Counter(), 0))
            buyer_name = _text(buyer.get("nom"), notes, "buyer name")
            if buyer_name:
                names[buyer_name] += 1
            self.buyers[buyer_id] = (names, count + 1)
        return notes


def _name(evidence: _FirmEvidence, siren: str) -> str:
    if not evidence.names:
        return f"SIREN {siren}"
    # Most frequent spelling group (case and accents ignored), then its most frequent form;
    # ties go to the first seen (dicts and Counters keep insertion order).
    group = max(evidence.names.values(), key=lambda forms: sum(forms.values()))
    return group.most_common(1)[0][0]


def _informative(objets: Iterable[str]) -> str:
    """The distinct objets, most informative first, joined within the model's text limit."""
    scored: dict[str, tuple[int, int, str]] = {}
    for order, objet in enumerate(objets):
        text = _CONSULTATION_PREFIX.sub("", objet).strip()
        words = {word.casefold() for word in _WORD.findall(text)}
        if words and _key(text) not in scored:
            scored[_key(text)] = (-len(words), order, text)
    description = ""
    for _, _, text in sorted(scored.values()):
        candidate = f"{description} | {text}" if description else text
        if len(candidate) > MAX_TEXT:
            if not description:
                description = text[: MAX_TEXT - 1].rsplit(" ", 1)[0] + "…"
            break
        description = candidate
    return description


def _headcount(total: float, establishments: int) -> HeadcountBand:
    band = HeadcountBand.LARGE
    for threshold, candidate in HEADCOUNT_THRESHOLDS_EUR:
        if total < threshold:
            band = candidate
            break
    floor = (
        HeadcountBand.INTERMEDIATE
        if establishments >= 10
        else HeadcountBand.MEDIUM
        if establishments >= 3
        else HeadcountBand.MICRO
    )
    return max(band, floor, key=_BAND_ORDER.index)


def _award(contract: Contract, buyers: dict[str, str | None]) -> AwardEvidence:
    """The award record of ``contract`` as evidence: published award data (``decp``)."""
    buyer = buyers.get(contract.buyer) if contract.buyer else None
    return AwardEvidence(
        contract_id=contract.id[:MAX_NAME],
        source_file=contract.file[:MAX_NAME],
        date=contract.date,
        buyer=buyer[:MAX_NAME] if buyer else None,
        buyer_id=contract.buyer[:64] if contract.buyer else None,
        objet=_CONSULTATION_PREFIX.sub("", contract.objet).strip()[:MAX_TEXT],
        amount_eur=contract.amount or None,
        winners=len(contract.winners),
    )


def _recent(won: list[tuple[Contract, float]]) -> list[Contract]:
    """The :data:`MAX_AWARDS` most recent contracts of ``won`` (undated last, then by id)."""
    ordered = sorted(won, key=lambda item: item[0].id)
    ordered.sort(key=lambda item: item[0].date or dt.date.min, reverse=True)
    return [contract for contract, _ in ordered[:MAX_AWARDS]]


def _capabilities(
    contracts: list[tuple[Contract, float]], buyers: dict[str, str | None]
) -> list[Capability]:
    """One capability per CPV code won, with its strength, aggregates and latest awards."""
    by_code: dict[str, list[tuple[Contract, float]]] = {}
    for contract, share in contracts:
        if contract.cpv is not None:
            by_code.setdefault(contract.cpv, []).append((contract, share))
    total_amount = sum(share for contract, share in contracts if contract.cpv is not None)
    total_count = sum(len(won) for won in by_code.values())
    capabilities = []
    for code, won in by_code.items():
        amount = sum(share for _, share in won)
        part = amount / total_amount if total_amount > 0 else len(won) / total_count
        strength = (1 - math.exp(-len(won) / 3)) * (0.5 + 0.5 * part)
        dates = [contract.date for contract, _ in won if contract.date is not None]
        capabilities.append(
            Capability(
                cpv=code,
                strength=round(strength, 4),
                contracts=len(won),
                amount_eur=round(amount, 2),
                last_date=max(dates) if dates else None,
                awards=[_award(contract, buyers) for contract in _recent(won)],
            )
        )
    capabilities.sort(key=lambda c: (-c.strength, -c.contracts, -c.amount_eur, c.cpv))
    return sorted(capabilities[:200], key=lambda c: c.cpv)


def _region(contracts: list[tuple[Contract, float]]) -> Region | None:
    regions = Counter(c.region for c, _ in contracts if c.region is not None)
    return regions.most_common(1)[0][0] if regions else None


def _provenance(evidence: _FirmEvidence, stated_region: bool) -> dict[Fact, Provenance]:
    """Every fact inferred from DECP as of the firm's latest award, but its name (and its own
    department's region, when stated) which DECP says.
    """
    dates = [contract.date for contract, _ in evidence.contracts if contract.date is not None]
    provenance = provenance_of_all(FactSource.DECP_INFERRED, max(dates, default=None))
    stated = provenance[Fact.NAME].model_copy(update={"source": FactSource.DECP})
    provenance[Fact.NAME] = stated
    if stated_region:
        provenance[Fact.REGION] = stated
    return provenance


def read_decp(paths: Sequence[Path], keep: Callable[[Contract], bool] | None = None) -> DecpImport:
    """Read DECP files (``.json``, a ``.zip`` holding one JSON, or the tabular ``.csv[.gz]``)
    into firms and co-winning.

    A file that is not DECP raises :class:`InvalidInput` naming it, before anything is
    returned; a bad record is reported in :attr:`DecpImport.report` and skipped. A winner that
    is a public body (a town hall, a public hospital: :func:`graph.model.public_body`) is no
    firm: its contracts stay, it is reported and neither a firm nor anyone's partner. With ``keep``,
    only the contracts it accepts back firms and collaborations (an evaluation holds the others
    out); :attr:`DecpImport.contracts` still lists every contract read.
    """
    reader = _Reader()
    files = [reader.read_file(Path(path)) for path in paths]
    total = DecpReport(source="total")
    for report in files:
        total.merge(report)
    if keep is not None:
        for evidence in reader.firms.values():
            evidence.contracts = [(c, share) for c, share in evidence.contracts if keep(c)]

    buyer_names = {
        buyer_id: names.most_common(1)[0][0] if names else None
        for buyer_id, (names, _) in reader.buyers.items()
    }
    firms: list[Firm] = []
    unlocated: list[str] = []
    for siren in sorted(reader.firms):
        evidence = reader.firms[siren]
        if not evidence.contracts:
            continue
        if public_body(siren):
            total.warnings.append(
                f"winner {siren} ({_name(evidence, siren)}): a public body (its SIREN starts "
                "with 1 or 2), not a firm to propose"
            )
            continue
        own = evidence.departments.most_common(1)[0][0] if evidence.departments else None
        region = DEPARTMENT_REGION[own] if own is not None else _region(evidence.contracts)
        if region is None:
            unlocated.append(siren)
        try:
            firm = Firm(
                siren=siren,
                name=_name(evidence, siren),
                region=region or DEFAULT_REGION,
                headcount=_headcount(
                    sum(share for _, share in evidence.contracts), len(evidence.sirets)
                ),
                description=_informative(c.objet for c, _ in evidence.contracts),
                capabilities=_capabilities(evidence.contracts, buyer_names),
                maturity=ExportMaturity.FIRST_TIME,
                provenance=_provenance(evidence, own is not None),
            )
        except ValidationError as error:
            total.rejections.append(f"firm {siren}: {error.errors()[0]['msg']}")
            continue
        firms.append(firm)

    known = {firm.siren for firm in firms}
    collaborations: dict[tuple[str, str, str, int, str], Collaboration] = {}
    for contract in reader.contracts:
        kind, year = contract.kind, contract.year
        if kind is None or year is None or (keep is not None and not keep(contract)):
            continue
        for firm_a, firm_b in combinations(sorted(set(contract.winners) & known), 2):
            collaboration = Collaboration(
                firm_a=firm_a,
                firm_b=firm_b,
                kind=kind,
                year=year,
                source=f"decp:{contract.id}"[:200],
            )
            collaborations.setdefault(collaboration.key, collaboration)

    buyers = [
        Buyer(id=buyer_id, name=buyer_names[buyer_id], contracts=count)
        for buyer_id, (_, count) in reader.buyers.items()
    ]
    buyers.sort(key=lambda buyer: (-buyer.contracts, buyer.id))
    return DecpImport(
        firms=firms,
        collaborations=[collaborations[key] for key in sorted(collaborations)],
        buyers=buyers,
        contracts=reader.contracts,
        report=total,
        files=files,
        unlocated=unlocated,
    )


@cache
def fixture_objet_codes() -> tuple[tuple[str, str], ...]:
    """Distinct (objet, CPV code) pairs of the DECP files shipped in ``fixtures/decp``: how
    real buyers describe what they buy, the training data of CPV suggestions.
    """
    folder = resources.files("meute.fixtures").joinpath("decp")
    paths = sorted(Path(str(item)) for item in folder.iterdir() if item.name.endswith(".zip"))
    contracts = read_decp(paths).contracts
    return tuple(sorted({(c.objet.strip(), c.cpv) for c in contracts if c.cpv and c.objet.strip()}))
