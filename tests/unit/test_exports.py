"""Export files read back: CSV (csv module), XLSX (openpyxl), HTML brief (escaping), PDF (pypdf)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from meute.api.exports import (
    CONSORTIUM_HEADERS,
    PAVILION_HEADERS,
    Brief,
    brief,
    brief_html,
    brief_pdf,
    consortia_csv,
    consortia_xlsx,
    export_filename,
    pavilion_csv,
    pavilion_xlsx,
)
from meute.api.scores import CONSORTIUM_TERMS
from meute.graph.model import (
    Consortium,
    ConsortiumMember,
    ExportMaturity,
    Firm,
    HeadcountBand,
    PavilionFirm,
    PavilionResult,
    Region,
    ThemeCoverage,
    UncoveredLot,
)
from meute.scoring.consortium import ObjectiveWeights
from tests.unit.factories import hospital_tender, make_firm, valid_siren

HOSTILE = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.org","clic")'
ACCENTED = "Œuvres d’Art & Éclairage — Saint-Étienne"


def pavilion_result() -> PavilionResult:
    def firm(stand: int, name: str, siren: str, **more: object) -> PavilionFirm:
        data: dict[str, object] = {
            "stand": stand,
            "siren": siren,
            "name": name,
            "region": Region.AURA,
            "headcount": HeadcountBand.SMALL,
            "is_sme": True,
            "maturity": ExportMaturity.REGULAR,
            "themes": ["Éclairage public"],
            "required": False,
            "score": 0.8126,
            "breakdown": {"fit": 0.75, "readiness": 0.825, "regions": 1.0},
            "why": "Covers 'Éclairage public' (fit 75/100); regular exporter.",
            "contact_email": "contact@œuvres.example.fr",
            **more,
        }
        return PavilionFirm.model_validate(data)

    return PavilionResult(
        fair="Salon de l’éclairage, Dakar",
        country="SN",
        score=0.78,
        breakdown={"coverage": 0.7, "readiness": 0.8, "regions": 1.0},
        themes=[
            ThemeCoverage(title="Éclairage public", cpv=["34928500-3"], suggested=True, firms=2)
        ],
        firms=[
            firm(1, ACCENTED, valid_siren(1)),
            firm(2, FORMULA, valid_siren(2), region=Region.REUNION, contact_email=None),
        ],
        candidates_considered=12,
    )


def test_pavilion_csv_opens_in_french_excel() -> None:
    data = pavilion_csv(pavilion_result())
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == PAVILION_HEADERS
    assert rows[1][:4] == ["1", valid_siren(1), ACCENTED, "Auvergne-Rhône-Alpes"]
    assert rows[1][4] == "Petite entreprise (10 à 49 salariés) — PME"
    assert rows[1][5] == "Exportateur régulier"
    assert rows[1][7] == "81,3"  # out of 100, decimal comma
    assert rows[1][9] == "contact@œuvres.example.fr"
    # A name that a spreadsheet would run as a formula is written as text.
    assert rows[2][2] == "'" + FORMULA and rows[2][3] == "La Réunion" and rows[2][9] == ""


def test_pavilion_xlsx_reads_back() -> None:
    workbook = load_workbook(io.BytesIO(pavilion_xlsx(pavilion_result())))
    assert workbook.sheetnames == ["Pavillon", "Thèmes", "Synthèse", "Légende"]
    sheet = workbook["Pavillon"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == PAVILION_HEADERS
    assert rows[1][:3] == (1, valid_siren(1), ACCENTED)
    assert rows[1][7] == pytest.approx(81.3)
    assert sheet["C3"].value == FORMULA and sheet["C3"].data_type == "s"
    assert list(workbook["Thèmes"].iter_rows(values_only=True))[1] == (
        "Éclairage public",
        "34928500-3",
        "Oui",
        2,
    )
    summary = dict(workbook["Synthèse"].iter_rows(min_row=2, values_only=True))
    assert summary["Salon"] == "Salon de l’éclairage, Dakar"
    assert summary["Couverture"] == pytest.approx(70.0)
    assert summary["Score"] == pytest.approx(78.0)
    legend = list(workbook["Légende"].iter_rows(values_only=True))
    assert [row[:2] for row in legend[1:]] == [
        ("Couverture", 60.0),
        ("Préparation à l'export", 30.0),
        ("Diversité régionale", 10.0),
    ]


def consortium(name: str = ACCENTED) -> tuple[Consortium, dict[str, Firm]]:
    lead = make_firm(
        valid_siren(1),
        ["45215140"],
        name=name,
        headcount=HeadcountBand.INTERMEDIATE,
        maturity=ExportMaturity.ACCREDITED,
        contact_email="direction@example.fr",
    )
    other = make_firm(valid_siren(2), ["33100000"], name="Imagerie Ligérienne", region=Region.PDL)
    members = [
        ConsortiumMember(
            siren=lead.siren,
            name=lead.name,
            lots=["L1", "L3"],
            leader=True,
            is_sme=False,
            region=lead.region,
            why=f"Leads the group; {HOSTILE}",
        ),
        ConsortiumMember(
            siren=other.siren,
            name=other.name,
            lots=["L2"],
            leader=False,
            is_sme=True,
            region=other.region,
            why="Takes lot L2.",
        ),
    ]
    breakdown = {"coverage": 1.0, "fit": 0.7712, "cohesion": 0.5}
    return (
        Consortium(rank=1, score=0.7415, breakdown=breakdown, members=members),
        {firm.siren: firm for firm in (lead, other)},
    )


def test_consortia_csv_one_row_per_member() -> None:
    proposal, firms = consortium()
    data = consortia_csv(hospital_tender(), [proposal], firms)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == CONSORTIUM_HEADERS
    assert rows[1] == [
        "1",
        "74,2",
        valid_siren(1),
        ACCENTED,
        "L1 Construction, L3 Training",
        "Oui",
        "Non",
        "Île-de-France",
        f"Leads the group; {HOSTILE}",
        "direction@example.fr",
    ]
    assert rows[2][3:8] == ["Imagerie Ligérienne", "L2 Equipment", "Non", "Oui", "Pays de la Loire"]
    assert len(rows) == 3


def test_consortia_xlsx_names_the_lots_no_firm_may_take() -> None:
    proposal, firms = consortium()
    uncovered = [
        UncoveredLot(
            lot_id="L4",
            title="Tenues du personnel",
            reason="aucune entreprise candidate ne fournit rien de proche des codes CPV de ce lot",
        )
    ]
    content = consortia_xlsx(hospital_tender(), [proposal], firms, uncovered=uncovered)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[-1] == "Lots non couverts"
    assert list(workbook["Lots non couverts"].iter_rows(values_only=True)) == [
        ("Lot", "Intitulé", "Raison"),
        ("L4", "Tenues du personnel", uncovered[0].reason),
    ]


def test_consortia_xlsx_has_the_score_breakdown() -> None:
    proposal, firms = consortium()
    workbook = load_workbook(io.BytesIO(consortia_xlsx(hospital_tender(), [proposal], firms)))
    assert workbook.sheetnames == ["Consortiums", "Détail du score", "Légende"]
    members = list(workbook["Consortiums"].iter_rows(values_only=True))
    assert members[0] == CONSORTIUM_HEADERS and members[1][3] == ACCENTED and len(members) == 3
    terms = list(workbook["Détail du score"].iter_rows(values_only=True))
    assert terms[0] == (
        "Rang",
        "Score",
        "Couverture",
        "Adéquation",
        "Cohésion (travaux communs)",
        "Ce qui a décidé du rang",
    )
    assert terms[1][:5] == pytest.approx((1, 74.2, 100.0, 77.1, 50.0))
    legend = {row[0]: row[1:] for row in workbook["Légende"].iter_rows(min_row=2, values_only=True)}
    weights = ObjectiveWeights().as_dict()
    assert set(legend) == {CONSORTIUM_TERMS[name].label for name in weights}
    for name, weight in weights.items():
        assert legend[CONSORTIUM_TERMS[name].label] == (
            pytest.approx(100 * weight / sum(weights.values())),
            CONSORTIUM_TERMS[name].meaning,
        )


def test_consortia_xlsx_says_which_terms_decided_each_rank() -> None:
    proposal, firms = consortium()
    terms = {"coverage": 1.0, "fit": 0.7, "cohesion": 0.1}
    behind = proposal.model_copy(update={"rank": 2, "score": 0.70, "breakdown": terms})
    workbook = load_workbook(
        io.BytesIO(consortia_xlsx(hospital_tender(), [proposal, behind], firms))
    )
    rows = list(workbook["Détail du score"].iter_rows(min_row=2, values_only=True))
    # Cohesion: 0.4 x 15 % = 6 points; fit: 0.0712 x 35 % = 2.5 points; coverage is equal.
    assert rows[0][-1] == (
        "Classé n° 1 : devant le n° 2 surtout par cohésion (travaux communs) (+6,0) "
        "et adéquation (+2,5) (points sur 100)."
    )
    assert rows[1][-1].startswith("Classé n° 2 : derrière le n° 1 surtout par cohésion")


def hostile_brief() -> Brief:
    tender = hospital_tender().model_copy(update={"title": f"Hôpital {HOSTILE}"})
    proposal, firms = consortium(name=f"{HOSTILE} Bâtiment")
    return brief(tender, proposal, firms)


def test_html_brief_shows_scripts_inert() -> None:
    page = brief_html(hostile_brief())
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # title, name x3, why
    assert "Fiche consortium n° 1" in page and "Chef de file" in page
    assert "45\u00a0000\u00a0000\u00a0€" in page  # the tender budget, French style
    assert 'href="mailto:direction@example.fr"' in page
    assert "Cohésion (travaux communs)" in page and "77,1" in page
    assert "74,2\u00a0/\u00a0100" in page  # one scale: out of 100, as on screen
    assert CONSORTIUM_TERMS["cohesion"].meaning.replace("'", "&#39;") in page


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_brief_keeps_french_typography() -> None:
    tender = hospital_tender().model_copy(update={"buyer": "Ministère de l’Œuvre sociale"})
    proposal, firms = consortium()
    data = brief_pdf(brief(tender, proposal, firms))
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = pdf_text(data).replace("\u00a0", " ")  # extraction may give either space
    for expected in (
        "Fiche consortium n° 1",
        "Ministère de l’Œuvre sociale",
        "45 000 000 €",
        "Chef de file",
        "direction@example.fr",
        "Exportateur accrédité".lower(),
        "Détail du score",
    ):
        assert expected in text, expected
    assert "Œuvres d’Art & Éclairage" in text


def test_pdf_brief_marks_characters_the_font_lacks() -> None:
    proposal, firms = consortium(name="Société 北京 Export")
    text = pdf_text(brief_pdf(brief(hospital_tender(), proposal, firms)))
    assert "Société ?? Export" in text


@pytest.mark.parametrize(
    ("stem", "extension", "expected"),
    [
        ("pavillon Salon de l’Œuvre, été 2027", "csv", "pavillon-salon-de-l-oeuvre-ete-2027.csv"),
        ("consortiums bouake-hospital", "xlsx", "consortiums-bouake-hospital.xlsx"),
        ("北京", "pdf", "export.pdf"),
    ],
)
def test_export_filename_is_an_ascii_slug(stem: str, extension: str, expected: str) -> None:
    assert export_filename(stem, extension) == expected
