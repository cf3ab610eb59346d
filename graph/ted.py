"""Reading TED contract award notices (the EU's Tenders Electronic Daily, CSV) into tenders.

TED publishes its notices as CSV files in one layout of 75 columns, one row per award (a
notice awarding five lots has at least five rows). :func:`read_ted` groups the rows of one or
more files (plain or gzip) into one :class:`~graph.model.Tender` per notice (``ID_NOTICE_CAN``),
with one :class:`~graph.model.Lot` per lot id:

* **lot id** - ``ID_LOT``, else ``ID_LOT_AWARDED`` (freer text such as ``1, 2`` or ``Los 3``),
  folded to the characters a lot id may hold (``Los-3``); a notice that names no lot at all is
  one lot ``1``. A row without a lot id in a notice that names lots adds its award to the
  notice's outcome, not a lot.
* **codes** - a lot's own codes (``ADDITIONAL_CPVS`` of its rows, ``---`` between codes), or
  the notice's main code (``CPV``) when it has none; the only lot of a notice takes the main
  code first. Codes outside the CPV 2008 vocabulary are dropped (reported); a lot left with no
  code rejects the notice.
* **title** - the award's ``TITLE``, in the buyer's language, unchanged but for HTML entities
  and spaces; a title longer than a lot title may be is cut, and kept whole as the description.
  A lot without one is called ``Lot <id>``. The notice has no title column: the tender is named
  after its main code's French label and its TED number.
* **values** - euros: the notice's ``VALUE_EURO``, else the sum of its lots'; a lot's is the sum
  of its awards' ``AWARD_VALUE_EURO`` (else ``AWARD_EST_VALUE_EURO``). A notice with no value at
  all is rejected (a tender needs a budget; none is made up).
* **buyer, country, kind** - ``CAE_NAME``, ``ISO_COUNTRY_CODE`` (``UK`` and ``EL`` read as ``GB``
  and ``GR``), ``TYPE_OF_CONTRACT`` (``W`` works, ``U`` supplies, ``S`` services).
* **outcome** - each award's winners (``WIN_NAME``, a group's joined by ``---``), their
  countries, SME flag, value and date are kept on :attr:`~graph.model.Tender.notice` as
  published: they are foreign firms, never firms of the graph.

The same row read twice (the sample folders overlap) counts once. A file that is not in TED's
layout raises :class:`InvalidInput` naming it and its missing columns, before anything is
returned.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import html
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from meute.graph import cpv
from meute.graph.errors import InvalidInput, Problem, problems_from_validation
from meute.graph.model import MAX_NAME, MAX_TEXT, Lot, Notice, NoticeAward, Tender, TenderSource

__all__ = ["TED_COLUMNS", "TedImport", "TedReport", "lot_identifier", "read_ted"]

TED_COLUMNS = [
    "ID_NOTICE_CAN",
    "TED_NOTICE_URL",
    "YEAR",
    "ID_TYPE",
    "DT_DISPATCH",
    "XSD_VERSION",
    "CANCELLED",
    "CORRECTIONS",
    "B_MULTIPLE_CAE",
    "CAE_NAME",
    "CAE_NATIONALID",
    "CAE_ADDRESS",
    "CAE_TOWN",
    "CAE_POSTAL_CODE",
    "CAE_GPA_ANNEX",
    "ISO_COUNTRY_CODE",
    "ISO_COUNTRY_CODE_GPA",
    "B_MULTIPLE_COUNTRY",
    "ISO_COUNTRY_CODE_ALL",
    "CAE_TYPE",
    "EU_INST_CODE",
    "MAIN_ACTIVITY",
    "B_ON_BEHALF",
    "B_INVOLVES_JOINT_PROCUREMENT",
    "B_AWARDED_BY_CENTRAL_BODY",
    "TYPE_OF_CONTRACT",
    "TAL_LOCATION_NUTS",
    "B_FRA_AGREEMENT",
    "FRA_ESTIMATED",
    "B_FRA_CONTRACT",
    "B_DYN_PURCH_SYST",
    "CPV",
    "MAIN_CPV_CODE_GPA",
    "ID_LOT",
    "ADDITIONAL_CPVS",
    "B_GPA",
    "GPA_COVERAGE",
    "LOTS_NUMBER",
    "VALUE_EURO",
    "VALUE_EURO_FIN_1",
    "VALUE_EURO_FIN_2",
    "B_EU_FUNDS",
    "TOP_TYPE",
    "B_ACCELERATED",
    "OUT_OF_DIRECTIVES",
    "CRIT_CODE",
    "CRIT_PRICE_WEIGHT",
    "CRIT_CRITERIA",
    "CRIT_WEIGHTS",
    "B_ELECTRONIC_AUCTION",
    "NUMBER_AWARDS",
    "ID_AWARD",
    "ID_LOT_AWARDED",
    "INFO_ON_NON_AWARD",
    "INFO_UNPUBLISHED",
    "B_AWARDED_TO_A_GROUP",
    "WIN_NAME",
    "WIN_NATIONALID",
    "WIN_ADDRESS",
    "WIN_TOWN",
    "WIN_POSTAL_CODE",
    "WIN_COUNTRY_CODE",
    "B_CONTRACTOR_SME",
    "CONTRACT_NUMBER",
    "TITLE",
    "NUMBER_OFFERS",
    "NUMBER_TENDERS_SME",
    "NUMBER_TENDERS_OTHER_EU",
    "NUMBER_TENDERS_NON_EU",
    "NUMBER_OFFERS_ELECTR",
    "AWARD_EST_VALUE_EURO",
    "AWARD_VALUE_EURO",
    "AWARD_VALUE_EURO_FIN_1",
    "B_SUBCONTRACTED",
    "DT_AWARD",
]

KINDS = {"W": "works", "U": "supplies", "S": "services"}
# TED writes Greece and the United Kingdom with the EU's own codes.
COUNTRIES = {"EL": "GR", "UK": "GB"}
GROUP_SEPARATOR = "---"
SINGLE_LOT = "1"
TENDER_PREFIX = "ted-"

Row = dict[str, str]


@dataclass
class TedReport:
    """What reading TED files did: rows and notices read, used, rejected (with reasons)."""

    source: str
    rows: int = 0
    duplicate_rows: int = 0
    notices: int = 0
    tenders: int = 0
    rejections: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """How many rows or notices were rejected."""
        return len(self.rejections)


@dataclass
class TedImport:
    """The tenders read from TED files, with the report of the reading (total and per file)."""

    tenders: list[Tender]
    report: TedReport
    files: list[TedReport]


def _invalid(path: Path, message: str, value: object = None) -> InvalidInput:
    return InvalidInput(f"{path.name} is not a TED CSV file", [Problem("file", value, message)])


def _open_text(path: Path) -> io.TextIOWrapper:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise _invalid(path, str(error), str(path)) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise _invalid(path, f"broken gzip: {error}", path.name) from None
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")


def _rows(path: Path) -> Iterator[Row]:
    """The rows of one TED file; InvalidInput when it does not hold TED's columns."""
    try:
        reader = csv.DictReader(_open_text(path))
        header = reader.fieldnames or []
        missing = [name for name in TED_COLUMNS if name not in header]
        if missing:
            shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
            raise _invalid(path, f"{len(missing)} TED columns missing: {shown}", path.name)
        for row in reader:
            yield {name: (row.get(name) or "").strip() for name in TED_COLUMNS}
    except (UnicodeDecodeError, csv.Error) as error:
        raise _invalid(path, f"unreadable: {error}", path.name) from None


def lot_identifier(raw: str) -> str:
    """A lot id as TED gives it, folded to what a lot id may hold (``Los 3`` -> ``Los-3``)."""
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._")[:64]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _amount(raw: str) -> float | None:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return None
    return value if 0 < value < 1e12 else None


def _date(raw: str) -> dt.date | None:
    for layout in ("%d-%b-%y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw.title(), layout).date()
        except ValueError:
            continue
    return None


def _codes(raw: str, notes: list[str], what: str) -> list[str]:
    codes: list[str] = []
    for part in raw.split(GROUP_SEPARATOR):
        if not part.strip():
            continue
        try:
            code = cpv.normalise(part.strip())
        except InvalidInput:
            notes.append(f"{what}: CPV code {part.strip()!r} is not in CPV 2008, dropped")
            continue
        if code not in codes:
            codes.append(code)
    return codes


def _name(text: str, notes: list[str], what: str) -> tuple[str, str]:
    """A name within the model's limit, and the whole text when it had to be cut."""
    text = _clean(text)
    if len(text) <= MAX_NAME:
        return text, ""
    notes.append(f"{what} longer than {MAX_NAME} characters, cut")
    return text[: MAX_NAME - 1].rsplit(" ", 1)[0] + "…", text[:MAX_TEXT]


def _award(row: Row, lot_id: str | None) -> NoticeAward | None:
    winners = [_clean(name)[:MAX_NAME] for name in row["WIN_NAME"].split(GROUP_SEPARATOR)]
    winners = [name for name in winners if name]
    value = _amount(row["AWARD_VALUE_EURO"])
    if not winners and value is None:
        return None
    countries = [c.strip() for c in row["WIN_COUNTRY_CODE"].split(GROUP_SEPARATOR) if c.strip()]
    sme = {"Y": True, "N": False}.get(row["B_CONTRACTOR_SME"])
    return NoticeAward(
        lot_id=lot_id,
        winners=winners,
        winner_countries=countries,
        group=row["B_AWARDED_TO_A_GROUP"] == "Y" or len(winners) > 1,
        sme=sme,
        value_eur=value,
        date=_date(row["DT_AWARD"]),
    )


def _lot_order(lot_id: str) -> tuple[int, str]:
    digits = re.match(r"\d+", lot_id)
    return (int(digits.group()) if digits else 10**9, lot_id)


def _publication_number(notice_id: str, url: str) -> str:
    found = re.search(r"NOTICE:(\d+-\d{4})", url)
    return found.group(1) if found else f"{notice_id[4:]}-{notice_id[:4]}"


def _tender(notice_id: str, rows: list[Row], notes: list[str]) -> Tender | str:
    """One notice's tender; a string is the reason it is rejected."""
    first = rows[0]
    if any(row["CANCELLED"] not in ("", "0") for row in rows):
        return "the notice is cancelled"
    kind = KINDS.get(first["TYPE_OF_CONTRACT"])
    if kind is None:
        return f"TYPE_OF_CONTRACT {first['TYPE_OF_CONTRACT']!r} is not W, U or S"
    main_codes = _codes(first["CPV"], notes, "CPV")
    main = main_codes[0] if main_codes else None
    by_lot: dict[str, list[Row]] = {}
    loose: list[Row] = []
    for row in rows:
        raw = row["ID_LOT"] or row["ID_LOT_AWARDED"]
        lot_id = lot_identifier(raw) if raw else ""
        if raw and not lot_id:
            notes.append(f"lot id {raw!r} holds no letter or digit, read as no lot")
        if lot_id:
            by_lot.setdefault(lot_id, []).append(row)
        else:
            loose.append(row)
    if not by_lot:
        by_lot, loose = {SINGLE_LOT: rows}, []
    single = len(by_lot) == 1
    lots: list[Lot] = []
    awards: list[NoticeAward] = []
    for lot_id in sorted(by_lot, key=_lot_order):
        lot_rows = by_lot[lot_id]
        codes = [] if not single or main is None else [main]
        for row in lot_rows:
            codes += [c for c in _codes(row["ADDITIONAL_CPVS"], notes, f"lot {lot_id}") if c]
        codes = list(dict.fromkeys(codes)) or ([main] if main else [])
        if not codes:
            return f"lot {lot_id} has no CPV 2008 code"
        raw_title = next((row["TITLE"] for row in lot_rows if row["TITLE"]), "")
        title, description = _name(
            raw_title or f"Lot {lot_id}", notes, f"lot {lot_id} title (kept whole as description)"
        )
        lot_awards = [a for a in (_award(row, lot_id) for row in lot_rows) if a is not None]
        values = [a.value_eur for a in lot_awards if a.value_eur is not None] or [
            v for v in (_amount(row["AWARD_EST_VALUE_EURO"]) for row in lot_rows) if v
        ]
        lots.append(
            Lot(
                id=lot_id,
                title=title,
                description=description,
                cpv=codes[:50],
                budget=round(sum(values), 2) if values else None,
            )
        )
        awards += lot_awards
    awards += [a for a in (_award(row, None) for row in loose) if a is not None]
    awards = [a for i, a in enumerate(awards) if a not in awards[:i]]  # folders overlap
    declared = next((v for v in (_amount(row["VALUE_EURO"]) for row in rows) if v), None)
    lot_values = [lot.budget for lot in lots if lot.budget is not None]
    budget = declared or (round(sum(lot_values), 2) if lot_values else None)
    if budget is None:
        return "no value: neither VALUE_EURO nor any award value"
    number = _publication_number(notice_id, first["TED_NOTICE_URL"])
    url = first["TED_NOTICE_URL"]
    country = first["ISO_COUNTRY_CODE"].upper()
    heading = cpv.label(main, "fr") if main else lots[0].title
    try:
        return Tender(
            id=f"{TENDER_PREFIX}{notice_id}",
            title=f"{heading} (avis TED {number})"[:MAX_NAME],
            buyer=_name(first["CAE_NAME"], notes, "buyer name")[0],
            country=COUNTRIES.get(country, country),
            budget=budget,
            currency="EUR",
            lots=lots,
            source=TenderSource.TED,
            notice=Notice(
                id=notice_id,
                url=url if re.match(r"https?://", url) else f"https://{url}",
                kind=kind,
                cpv=main,
                dispatched=_date(first["DT_DISPATCH"]),
                awards=awards,
            ),
        )
    except ValidationError as error:
        return "; ".join(f"{p.field}: {p.message}" for p in problems_from_validation(error))


def read_ted(paths: Sequence[Path]) -> TedImport:
    """Read TED award notice files (CSV, plain or gzip) into one tender per notice.

    Every file is checked first: one that is not in TED's layout raises :class:`InvalidInput`
    naming it. Rows and notices that cannot be used are reported with the reason, never half
    read.
    """
    notices: dict[str, list[Row]] = {}
    seen: set[tuple[str, ...]] = set()
    files: list[TedReport] = []
    for path in map(Path, paths):
        report = TedReport(source=path.name)
        for number, row in enumerate(_rows(path), start=2):  # line 1 is the header
            report.rows += 1
            key = tuple(row.values())
            if key in seen:
                report.duplicate_rows += 1
                continue
            seen.add(key)
            notice_id = row["ID_NOTICE_CAN"]
            if not re.fullmatch(r"\d{5,20}", notice_id):
                report.rejections.append(f"line {number}: ID_NOTICE_CAN {notice_id!r} not a number")
                continue
            if notice_id not in notices:
                report.notices += 1
            notices.setdefault(notice_id, []).append(row)
        files.append(report)
    total = TedReport(source="total")
    for report in files:
        total.rows += report.rows
        total.duplicate_rows += report.duplicate_rows
        total.rejections += report.rejections
    total.notices = len(notices)
    tenders: list[Tender] = []
    for notice_id in sorted(notices):
        notes: list[str] = []
        outcome = _tender(notice_id, notices[notice_id], notes)
        if isinstance(outcome, str):
            total.rejections.append(f"notice {notice_id}: {outcome}")
            continue
        tenders.append(outcome)
        total.repairs += [f"notice {notice_id}: {note}" for note in notes]
    total.tenders = len(tenders)
    return TedImport(tenders=tenders, report=total, files=files)
