"""Files for trade officers: pavilion shortlists and consortium proposals as CSV and XLSX, and a
printable one-page brief per consortium as HTML and PDF, with French headers and labels.

CSV files are written for French Excel, which opens them on a double click only this way:
UTF-8 with a byte-order mark (without it Excel reads Windows-1252 and breaks the accents), ``;``
between fields (the comma is the French decimal separator) and decimal commas in numbers.
Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``) is
prefixed with an apostrophe in CSV and stored as plain text in XLSX.

The HTML brief is rendered by Jinja2 with autoescaping on: names and descriptions come from
users, and ``<script>`` in them is shown, never run. The PDF brief (fpdf2) uses the bundled
DejaVu Sans, which covers French typography (``œ``, ``’``, ``€``, non-breaking spaces) where the
PDF core fonts are Latin-1 only; characters it lacks (CJK, for instance) print as ``?``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Response
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from jinja2 import Environment, PackageLoader, StrictUndefined

from meute.api.clock import paris_time
from meute.api.scores import (
    CONSORTIUM_TERMS,
    PAVILION_TERMS,
    TERM_LABELS,
    Term,
    legend,
    on_100,
    rank_sentences,
    shown_on_100,
)
from meute.api.security import html_security_headers
from meute.graph.model import (
    Consortium,
    ExportMaturity,
    Fact,
    FactSource,
    Firm,
    HeadcountBand,
    PavilionResult,
    Provenance,
    Tender,
    UncoveredLot,
)
from meute.matcher.pavilion import PavilionWeights
from meute.scoring.consortium import ObjectiveWeights
from meute.scoring.weights import Weights

__all__ = [
    "CONSORTIUM_HEADERS",
    "CSV_MEDIA_TYPE",
    "ESTIMATED",
    "FACT_SOURCE_LABELS",
    "HTML_MEDIA_TYPE",
    "PAVILION_HEADERS",
    "PDF_MEDIA_TYPE",
    "TERM_LABELS",
    "XLSX_MEDIA_TYPE",
    "Brief",
    "BriefFormat",
    "BriefMember",
    "SheetFormat",
    "brief",
    "brief_file",
    "brief_html",
    "brief_pdf",
    "consortia_csv",
    "consortia_file",
    "consortia_xlsx",
    "export_filename",
    "file_openapi",
    "file_response",
    "marked",
    "pavilion_csv",
    "pavilion_file",
    "pavilion_xlsx",
    "source_note",
]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MEDIA_TYPE = "text/html; charset=utf-8"
PDF_MEDIA_TYPE = "application/pdf"
MEDIA_TYPES = {
    "csv": CSV_MEDIA_TYPE,
    "xlsx": XLSX_MEDIA_TYPE,
    "html": HTML_MEDIA_TYPE,
    "pdf": PDF_MEDIA_TYPE,
}


class SheetFormat(StrEnum):
    """A table file: CSV for French Excel, or XLSX."""

    CSV = "csv"
    XLSX = "xlsx"


class BriefFormat(StrEnum):
    """A printable brief: an HTML page or a PDF."""

    HTML = "html"
    PDF = "pdf"


PAVILION_HEADERS = (
    "Stand",
    "SIREN",
    "Raison sociale",
    "Région",
    "Taille",
    "Maturité export",
    "Thèmes couverts",
    "Score",
    "Pourquoi",
    "Contact",
)
CONSORTIUM_HEADERS = (
    "Rang",
    "Score",
    "SIREN",
    "Raison sociale",
    "Lots",
    "Chef de file",
    "PME",
    "Région",
    "Pourquoi",
    "Contact",
)
MATURITY_LABELS = {
    ExportMaturity.FIRST_TIME: "Primo-exportateur",
    ExportMaturity.OCCASIONAL: "Exportateur occasionnel",
    ExportMaturity.REGULAR: "Exportateur régulier",
    ExportMaturity.ACCREDITED: "Exportateur accrédité",
}
SIZE_LABELS = {
    HeadcountBand.MICRO: "Micro-entreprise (0 à 9 salariés)",
    HeadcountBand.SMALL: "Petite entreprise (10 à 49 salariés)",
    HeadcountBand.MEDIUM: "Moyenne entreprise (50 à 249 salariés)",
    HeadcountBand.INTERMEDIATE: "ETI (250 à 4 999 salariés)",
    HeadcountBand.LARGE: "Grande entreprise (5 000 salariés et plus)",
}
# Every fact shown says where it comes from; an inferred one is marked « estimé ».
ESTIMATED = "estimé"
FACT_SOURCE_LABELS = {
    FactSource.SIRENE: "registre SIRENE",
    FactSource.DECP: "marchés publics (DECP)",
    FactSource.DECP_INFERRED: ESTIMATED,
    FactSource.DECLARED: "déclaré",
    FactSource.SYNTHETIC: "fictif (démonstration)",
}
NBSP = "\u00a0"  # before ':' in French, and between thousands
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float


@dataclass(frozen=True)
class _Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def _yes_no(value: bool) -> str:
    return "Oui" if value else "Non"


def marked(text: str, fact: Fact, estimated: Sequence[Fact]) -> str:
    """``text`` followed by « (estimé) » when ``fact`` is an estimate."""
    return f"{text} ({ESTIMATED})" if fact in estimated else text


def source_note(origin: Provenance) -> str:
    """Where a fact comes from, in French: « registre SIRENE, 03/12/2026 », « déclaré par X »."""
    note = FACT_SOURCE_LABELS[origin.source]
    if origin.source is FactSource.DECP_INFERRED:
        note = "estimé d'après les marchés publics (DECP)"
    if origin.author:
        note += f" par {origin.author}"
    if origin.date:
        note += f", {'le' if origin.author else 'au'} {origin.date.strftime('%d/%m/%Y')}"
    return note


def _decimal(value: float, digits: int = 3) -> str:
    """A number as French spreadsheets read it: a decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def _amount(value: float, currency: str) -> str:
    grouped = f"{value:,.0f}".replace(",", NBSP)
    return f"{grouped}{NBSP}{'€' if currency == 'EUR' else currency}"


def export_filename(stem: str, extension: str) -> str:
    """An ASCII file name from a fair's or tender's name: ``pavillon-salon-de-l-eau.csv``."""
    decomposed = unicodedata.normalize("NFKD", stem.replace("œ", "oe").replace("Œ", "Oe"))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded)
    return f"{slug.strip('-')[:80].strip('-') or 'export'}.{extension}"


def file_response(content: bytes, stem: str, extension: str, inline: bool = False) -> Response:
    """The file with its media type, named by ``Content-Disposition`` (shown inline or saved)."""
    disposition = "inline" if inline else "attachment"
    filename = export_filename(stem, extension)
    return Response(
        content,
        media_type=MEDIA_TYPES[extension],
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


def file_openapi(description: str, examples: dict[str, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI for a 200 answer that is a file in one of ``examples``' formats.

    ``examples`` maps each extension to an example of its text ("" for a binary format).
    """
    content = {
        MEDIA_TYPES[extension].split(";")[0]: {
            "schema": {"type": "string"} if example else {"type": "string", "format": "binary"},
            **({"example": example} if example else {}),
        }
        for extension, example in examples.items()
    }
    return {200: {"description": description, "content": content}}


def _pavilion_rows(result: PavilionResult) -> list[list[Cell]]:
    return [
        [
            firm.stand,
            firm.siren,
            firm.name,
            marked(firm.region.value, Fact.REGION, firm.estimated),
            marked(SIZE_LABELS[firm.headcount], Fact.HEADCOUNT, firm.estimated)
            + (marked(" — PME", Fact.SME, firm.estimated) if firm.is_sme else ""),
            marked(MATURITY_LABELS[firm.maturity], Fact.MATURITY, firm.estimated),
            ", ".join(firm.themes),
            on_100(firm.score),
            firm.why,
            firm.contact_email or "",
        ]
        for firm in result.firms
    ]


def _lot_labels(tender: Tender) -> dict[str, str]:
    """Each lot as "L1 Construction", by lot id."""
    return {lot.id: f"{lot.id} {lot.title}" for lot in tender.lots}


def _consortium_rows(
    tender: Tender, consortia: Sequence[Consortium], firms: Mapping[str, Firm]
) -> list[list[Cell]]:
    titles = _lot_labels(tender)
    return [
        [
            consortium.rank,
            on_100(consortium.score),
            member.siren,
            member.name,
            ", ".join(titles[lot] for lot in member.lots),
            _yes_no(member.leader),
            marked(_yes_no(member.is_sme), Fact.SME, member.estimated),
            marked(member.region.value, Fact.REGION, member.estimated),
            member.why,
            _contact(firms, member.siren),
        ]
        for consortium in consortia
        for member in consortium.members
    ]


def _contact(firms: Mapping[str, Firm], siren: str) -> str:
    firm = firms.get(siren)
    return (firm.contact_email or "") if firm is not None else ""


def _csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [
                _decimal(cell, 1)
                if isinstance(cell, float)
                else f"'{cell}"
                if isinstance(cell, str) and cell.startswith(FORMULA_START)
                else cell
                for cell in row
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(sheets: Sequence[_Sheet]) -> bytes:
    from openpyxl import Workbook  # loads with the first spreadsheet, not with the server
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title)
        worksheet.append(list(sheet.headers))
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            worksheet.append(list(row))
        for cells in worksheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                    cell.alignment = Alignment(wrap_text=len(cell.value) > 60, vertical="top")
                elif isinstance(cell.value, float):
                    cell.number_format = "0.0"  # scores, out of 100
        for column in worksheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            worksheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width + 2))
        worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _legend_sheet(weights: Weights, terms: Mapping[str, Term]) -> _Sheet:
    """Each score term with its weight and meaning (scores are out of 100)."""
    rows: list[list[Cell]] = [
        [row.label, row.weight, row.meaning] for row in legend(weights, terms)
    ]
    return _Sheet("Légende", ("Critère (sur 100)", "Poids (%)", "Signification"), rows)


def pavilion_csv(result: PavilionResult) -> bytes:
    """The shortlist, one firm a row in stand order (UTF-8 with BOM, ``;``, decimal commas)."""
    return _csv(PAVILION_HEADERS, _pavilion_rows(result))


def pavilion_xlsx(result: PavilionResult) -> bytes:
    """The shortlist (sheet "Pavillon"), its themes ("Thèmes") and its score ("Synthèse")."""
    themes: list[list[Cell]] = [
        [theme.title, ", ".join(theme.cpv), _yes_no(theme.suggested), theme.firms]
        for theme in result.themes
    ]
    terms: list[list[Cell]] = [
        [TERM_LABELS.get(name, name), on_100(value)] for name, value in result.breakdown.items()
    ]
    summary: list[list[Cell]] = [
        ["Salon", result.fair],
        ["Pays hôte", result.country],
        ["Stands", len(result.firms)],
        ["Score", on_100(result.score)],
        *terms,
        ["Entreprises candidates", result.candidates_considered],
    ]
    return _xlsx(
        [
            _Sheet("Pavillon", PAVILION_HEADERS, _pavilion_rows(result)),
            _Sheet("Thèmes", ("Thème", "Codes CPV", "Codes suggérés", "Entreprises"), themes),
            _Sheet("Synthèse", ("Indicateur", "Valeur"), summary),
            _legend_sheet(PavilionWeights(), PAVILION_TERMS),
        ]
    )


def consortia_csv(
    tender: Tender, consortia: Sequence[Consortium], firms: Mapping[str, Firm]
) -> bytes:
    """One row per member per consortium (UTF-8 with BOM, ``;``, decimal commas).

    ``firms`` gives the members' full records (for their contact).
    """
    return _csv(CONSORTIUM_HEADERS, _consortium_rows(tender, consortia, firms))


def consortia_xlsx(
    tender: Tender,
    consortia: Sequence[Consortium],
    firms: Mapping[str, Firm],
    weights: Weights | None = None,
    uncovered: Sequence[UncoveredLot] = (),
) -> bytes:
    """Members (sheet "Consortiums"), each consortium's score terms and what decided its rank
    ("Détail du score"), the legend of the terms ("Légende"), scores out of 100, and the lots
    no firm may take with why ("Lots non couverts", when there are some).

    ``weights`` are those the consortia were scored with (the defaults if not given).
    """
    weights = weights or ObjectiveWeights()
    terms = list(consortia[0].breakdown) if consortia else []
    reasons = rank_sentences([c.breakdown for c in consortia], weights)
    breakdown: list[list[Cell]] = [
        [
            consortium.rank,
            on_100(consortium.score),
            *(on_100(consortium.breakdown[name]) for name in terms),
            reason,
        ]
        for consortium, reason in zip(consortia, reasons, strict=True)
    ]
    return _xlsx(
        [
            _Sheet("Consortiums", CONSORTIUM_HEADERS, _consortium_rows(tender, consortia, firms)),
            _Sheet(
                "Détail du score",
                (
                    "Rang",
                    "Score",
                    *(TERM_LABELS.get(name, name) for name in terms),
                    "Ce qui a décidé du rang",
                ),
                breakdown,
            ),
            _legend_sheet(weights, CONSORTIUM_TERMS),
            *(
                [
                    _Sheet(
                        "Lots non couverts",
                        ("Lot", "Intitulé", "Raison"),
                        [[lot.lot_id, lot.title, lot.reason] for lot in uncovered],
                    )
                ]
                if uncovered
                else []
            ),
        ]
    )


@dataclass(frozen=True)
class BriefMember:
    """A member as the brief shows it."""

    name: str
    siren: str
    lots: str
    leader: bool
    sme: str  # Oui / Non, marked when estimated
    region: str
    profile: str  # size and export maturity
    contact: str
    why: str


@dataclass(frozen=True)
class Brief:
    """What a one-page consortium brief says, in French, shared by its HTML and PDF forms."""

    tender_title: str
    tender_id: str
    buyer: str
    country: str
    budget: str
    deadline: str
    rank: int
    score: str
    members: list[BriefMember]
    lots: list[tuple[str, str, str, str]]  # id, title, budget, holder
    breakdown: list[tuple[str, str, str, str]]  # term, points out of 100, weight, meaning
    generated: str


def brief(
    tender: Tender,
    consortium: Consortium,
    firms: Mapping[str, Firm],
    weights: Weights | None = None,
) -> Brief:
    """The brief of one consortium proposed for ``tender``; ``firms`` gives members' records,
    ``weights`` those it was scored with (the defaults if not given), for the score's legend.
    """
    weighted = {row.name: row for row in legend(weights or ObjectiveWeights(), CONSORTIUM_TERMS)}
    titles = _lot_labels(tender)
    holder = {lot: member.name for member in consortium.members for lot in member.lots}
    members = []
    for member in consortium.members:
        firm = firms.get(member.siren)
        members.append(
            BriefMember(
                name=member.name,
                siren=member.siren,
                lots=", ".join(titles[lot] for lot in member.lots),
                leader=member.leader,
                sme=marked(_yes_no(member.is_sme), Fact.SME, member.estimated),
                region=marked(member.region.value, Fact.REGION, member.estimated),
                profile=(
                    marked(SIZE_LABELS[firm.headcount], Fact.HEADCOUNT, firm.estimated())
                    + ", "
                    + marked(
                        MATURITY_LABELS[firm.maturity].lower(), Fact.MATURITY, firm.estimated()
                    )
                    if firm
                    else ""
                ),
                contact=_contact(firms, member.siren),
                why=member.why,
            )
        )
    return Brief(
        tender_title=tender.title,
        tender_id=tender.id,
        buyer=tender.buyer,
        country=tender.country,
        budget=_amount(tender.budget, tender.currency),
        deadline=tender.deadline.strftime("%d/%m/%Y") if tender.deadline else "non précisée",
        rank=consortium.rank,
        score=f"{shown_on_100(consortium.score)}{NBSP}/{NBSP}100",
        members=members,
        lots=[
            (
                lot.id,
                lot.title,
                _amount(lot.budget, tender.currency) if lot.budget is not None else "—",
                holder.get(lot.id, "non couvert"),
            )
            for lot in tender.lots
        ],
        breakdown=[
            (
                weighted[name].label,
                shown_on_100(value),
                f"{_decimal(weighted[name].weight, 0)}{NBSP}%",
                weighted[name].meaning,
            )
            for name, value in consortium.breakdown.items()
            if name in weighted
        ],
        generated=paris_time(dt.datetime.now(dt.UTC)).strftime("%d/%m/%Y"),
    )


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("meute.api", "templates"), autoescape=True, undefined=StrictUndefined
    )


def brief_html(content: Brief) -> str:
    """The brief as a printable HTML page (A4), every user text escaped."""
    return _templates().get_template("brief.html").render(brief=content, nbsp=NBSP)


def _font_file(name: str) -> Path:
    return Path(str(resources.files("meute.fixtures").joinpath("fonts", name)))


class _BriefPdf(FPDF):
    """An A4 page in DejaVu Sans; :meth:`text` drops nothing silently."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_margins(14, 12, 14)
        self.set_auto_page_break(auto=True, margin=12)
        self.add_font("DejaVu", "", _font_file("DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", _font_file("DejaVuSans-Bold.ttf"))
        self._glyphs = set(self.fonts["dejavu"].cmap)  # type: ignore[union-attr]
        self.add_page()

    def printable(self, text: str) -> str:
        """``text`` with the characters the font lacks as ``?``."""
        return "".join(c if ord(c) in self._glyphs or c in "\n" else "?" for c in text)

    def paragraph(
        self, text: str, size: float = 9, bold: bool = False, height: float = 4.6
    ) -> None:
        """A paragraph, wrapped to the page width."""
        self.set_font("DejaVu", "B" if bold else "", size)
        self.multi_cell(
            0, height, self.printable(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def section(self, text: str) -> None:
        """A section title."""
        self.ln(2)
        self.paragraph(text, size=11, bold=True, height=6)

    def rows(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        """A table with a bold header row."""
        self.set_font("DejaVu", "", 8)
        with self.table(
            width=sum(widths),
            align="LEFT",
            col_widths=tuple(widths),
            headings_style=FontFace(emphasis="BOLD"),
            line_height=4.2,
            text_align="LEFT",
        ) as table:
            for values in [headers, *rows]:
                row = table.row()
                for value in values:
                    row.cell(self.printable(value))


def brief_pdf(content: Brief) -> bytes:
    """The brief as a one-page A4 PDF (more pages only for very large consortia)."""
    pdf = _BriefPdf()
    pdf.set_title(f"Fiche consortium n° {content.rank} — {content.tender_title}")
    pdf.paragraph(f"Fiche consortium n° {content.rank}", size=15, bold=True, height=8)
    pdf.paragraph(content.tender_title, size=11, bold=True, height=5.5)
    pdf.paragraph(
        f"Acheteur{NBSP}: {content.buyer} · Pays{NBSP}: {content.country} · "
        f"Budget{NBSP}: {content.budget} · Date limite{NBSP}: {content.deadline}"
    )
    pdf.paragraph(f"Score du consortium{NBSP}: {content.score}", bold=True)
    pdf.section("Membres")
    pdf.rows(
        ("Raison sociale", "SIREN", "Lots", "Rôle", "PME", "Région", "Contact"),
        [
            (
                m.name,
                m.siren,
                m.lots,
                "Chef de file" if m.leader else "Membre",
                m.sme,
                m.region,
                m.contact or "—",
            )
            for m in content.members
        ],
        (34, 20, 30, 15, 13, 26, 44),
    )
    pdf.section("Pourquoi ces entreprises")
    for m in content.members:
        pdf.paragraph(f"{m.name} — {m.profile}" if m.profile else m.name, bold=True)
        pdf.paragraph(m.why)
    pdf.section("Lots")
    pdf.rows(("Lot", "Intitulé", "Budget", "Titulaire"), content.lots, (12, 80, 32, 58))
    pdf.section("Détail du score")
    pdf.rows(("Critère", "Sur 100", "Poids", "Signification"), content.breakdown, (42, 16, 14, 110))
    pdf.ln(3)
    pdf.paragraph(f"Généré par Meute le {content.generated} — {content.tender_id}", size=7)
    return bytes(pdf.output())


def pavilion_file(result: PavilionResult, format: SheetFormat) -> Response:
    """A pavilion shortlist as a CSV or XLSX file to download."""
    write = pavilion_csv if format is SheetFormat.CSV else pavilion_xlsx
    return file_response(write(result), f"pavillon {result.fair}", format.value)


def consortia_file(
    tender: Tender,
    consortia: Sequence[Consortium],
    firms: Mapping[str, Firm],
    format: SheetFormat,
    stem: str,
    weights: Weights | None = None,
    uncovered: Sequence[UncoveredLot] = (),
) -> Response:
    """Consortia as a CSV or XLSX file to download (``weights`` for the XLSX's legend, and the
    lots they leave ``uncovered`` in a sheet of their own).
    """
    if format is SheetFormat.CSV:
        content = consortia_csv(tender, consortia, firms)
    else:
        content = consortia_xlsx(tender, consortia, firms, weights, uncovered)
    return file_response(content, stem, format.value)


def brief_file(
    tender: Tender,
    consortium: Consortium,
    firms: Mapping[str, Firm],
    format: BriefFormat,
    stem: str,
    weights: Weights | None = None,
) -> Response:
    """A consortium's one-page brief as HTML or PDF, shown in the browser."""
    content = brief(tender, consortium, firms, weights)
    if format is BriefFormat.HTML:
        page = brief_html(content)
        response = file_response(page.encode("utf-8"), stem, "html", inline=True)
        response.headers.update(html_security_headers(page))
        return response
    return file_response(brief_pdf(content), stem, "pdf", inline=True)
