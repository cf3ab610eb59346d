"""The programme report as files for the steering committee: an XLSX workbook and a PDF page.

Both say in French which member status makes a firm count as accompanied, and give the count
per quarter (Paris time), the committee meeting quarterly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from enum import StrEnum

from fastapi import Response

from meute.api.clock import paris_time, quarter_label

# The workbook and PDF page builders the other exports use (one look for every file).
from meute.api.exports import (
    MATURITY_LABELS,
    _BriefPdf,
    _Sheet,
    _xlsx,
    file_response,
)
from meute.api.proposals import ProgrammeReport
from meute.api.settings import Accompanied
from meute.graph.model import ProposalStatus

__all__ = [
    "ACCOMPANIED_LABELS",
    "PROPOSAL_STATUS_LABELS",
    "ProgrammeFormat",
    "programme_file",
    "programme_pdf",
    "programme_xlsx",
]

ACCOMPANIED_LABELS = {
    Accompanied.ACCEPTED: "a accepté de rejoindre un consortium proposé",
    Accompanied.CONTACTED: "a été contactée pour un consortium proposé (ou l'a accepté)",
}
PROPOSAL_STATUS_LABELS = {
    ProposalStatus.PROPOSED: "proposé",
    ProposalStatus.CONTACTED: "contacté",
    ProposalStatus.FORMED: "formé",
    ProposalStatus.SUBMITTED: "soumis",
    ProposalStatus.WON: "gagné",
    ProposalStatus.LOST: "perdu",
}
QUARTER_HEADERS = (
    "Trimestre",
    "Entreprises accompagnées dans le trimestre",
    "Total à la fin du trimestre",
)


class ProgrammeFormat(StrEnum):
    """The programme report as a workbook or a printable page."""

    XLSX = "xlsx"
    PDF = "pdf"


def _rule(report: ProgrammeReport) -> str:
    rule = ACCOMPANIED_LABELS[report.accompanied]
    return f"Une entreprise est comptée accompagnée dès qu'elle {rule}."


def _percent(share: float) -> str:
    return f"{share * 100:.1f}\u00a0%".replace(".", ",")


def _quarters(report: ProgrammeReport) -> list[tuple[str, int, int]]:
    return [(quarter_label(q.quarter), q.firms, q.total) for q in report.by_quarter]


def _counts(counts: Mapping[str, int], labels: Mapping[str, str]) -> list[tuple[str, int]]:
    return [(labels.get(key, key), count) for key, count in counts.items()]


def _breakdowns(report: ProgrammeReport) -> list[tuple[str, str, list[tuple[str, int]]]]:
    """Each breakdown of the report: its title, its first column's header and its rows."""
    maturity = {m.value: label for m, label in MATURITY_LABELS.items()}
    statuses = {s.value: label for s, label in PROPOSAL_STATUS_LABELS.items()}
    return [
        ("Par maturité", "Maturité export", _counts(report.reached_by_maturity, maturity)),
        ("Par région", "Région", _counts(report.reached_by_region, {})),
        ("Par secteur", "Secteur", _counts(report.reached_by_sector, {"unknown": "non renseigné"})),
        ("Propositions", "Statut", _counts(report.proposals_by_status, statuses)),
    ]


def programme_xlsx(report: ProgrammeReport, now: dt.datetime) -> bytes:
    """A summary sheet, the count per quarter, then one sheet per breakdown."""
    summary: list[tuple[str, str | int]] = [
        ("Objectif (entreprises)", report.target),
        ("Entreprises accompagnées", report.firms_reached),
        ("Progression", _percent(report.progress)),
        ("Règle de comptage", _rule(report)),
        ("Édité le (heure de Paris)", paris_time(now).strftime("%d/%m/%Y %H:%M")),
    ]
    sheets = [
        _Sheet("Synthèse", ("Indicateur", "Valeur"), summary),
        _Sheet("Par trimestre", QUARTER_HEADERS, _quarters(report)),
    ]
    sheets += [
        _Sheet(title, (header, "Nombre"), rows) for title, header, rows in _breakdowns(report)
    ]
    return _xlsx(sheets)


def programme_pdf(report: ProgrammeReport, now: dt.datetime) -> bytes:
    """One A4 page: progress, the rule, the count per quarter and the breakdowns."""
    pdf = _BriefPdf()
    pdf.set_title("Suivi du programme")
    pdf.paragraph("Suivi du programme", size=15, bold=True, height=8)
    pdf.paragraph(
        f"{report.firms_reached} entreprises accompagnées sur un objectif de {report.target} "
        f"({_percent(report.progress)}).",
        size=11,
        bold=True,
    )
    pdf.paragraph(_rule(report))
    pdf.section("Par trimestre")
    rows: Sequence[tuple[str, ...]] = [(q, str(n), str(t)) for q, n, t in _quarters(report)]
    pdf.rows(QUARTER_HEADERS, rows or [("—", "0", "0")], (30, 70, 60))
    for title, header, counts in _breakdowns(report):
        pdf.section(title)
        pdf.rows(
            (header, "Nombre"), [(label, str(n)) for label, n in counts] or [("—", "0")], (90, 30)
        )
    pdf.ln(3)
    pdf.paragraph(
        f"Édité par Meute le {paris_time(now).strftime('%d/%m/%Y à %H:%M')} (heure de Paris)",
        size=7,
    )
    return bytes(pdf.output())


def programme_file(report: ProgrammeReport, format: ProgrammeFormat) -> Response:
    """The programme report as a file to download."""
    now = dt.datetime.now(dt.UTC)
    write = programme_xlsx if format is ProgrammeFormat.XLSX else programme_pdf
    return file_response(write(report, now), f"programme {paris_time(now):%Y-%m-%d}", format.value)
