"""NAF labels in firms' text, and CPV suggestions for lots described only in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meute.graph import cpv, naf
from meute.scoring.text import TextModel, code_kind, firm_text, purchase_kind, text_model
from tests.unit.factories import make_firm

SHOWCASE = Path(__file__).resolve().parents[2] / "fixtures" / "showcase" / "firms.json"


@pytest.fixture(scope="module")
def model() -> TextModel:
    return text_model()


def test_naf_labels() -> None:
    assert naf.label("71.12B") == "Ingénierie, études techniques"
    assert naf.label("71.12") is not None  # classes and divisions are labelled too
    assert naf.label(None) is None
    assert naf.label("99.99Z") is None
    assert len(naf.labels()) > 1_700


def test_every_showcase_naf_code_has_a_label() -> None:
    firms = json.loads(SHOWCASE.read_text(encoding="utf-8"))["firms"]
    codes = {firm["naf"] for firm in firms if firm.get("naf")}
    assert codes and all(naf.label(code) for code in codes)


def test_firm_text_includes_the_naf_label() -> None:
    firm = make_firm(capabilities=["71240000"], description="Bureau d'études", naf="71.12B")
    text = firm_text(firm)
    assert text.startswith("Bureau d'études Ingénierie, études techniques ")
    assert "Architectural, engineering and planning services" in text
    labels = f"{cpv.label('71240000', 'fr')} {cpv.label('71240000', 'en')}"
    assert firm_text(make_firm(capabilities=["71240000"])) == labels  # no NAF, no description


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Fourniture et installation d'équipements d'imagerie médicale", "supplies"),
        ("Supply and installation of medical imaging equipment", "supplies"),
        ("Travaux de réhabilitation et fourniture de mobilier", "works"),
        ("Maîtrise d'œuvre pour la construction d'un lycée", "services"),
        ("Prestations de nettoyage des locaux", "services"),
        ("Hôpital de 250 lits", None),
    ],
)
def test_purchase_kind_is_the_first_named(text: str, kind: str | None) -> None:
    assert purchase_kind(text) == kind


def test_code_kind_follows_the_cpv_divisions() -> None:
    assert code_kind("33110000") == "supplies"
    assert code_kind("48000000") == "supplies"
    assert code_kind("45215140") == "works"
    assert code_kind("85150000") == "services"


# Realistic lot descriptions and the CPV family their best suggestion must fall in.
LOTS = [
    ("fourniture et installation d'équipements d'imagerie médicale", "331"),
    ("supply and installation of medical imaging equipment", "331"),
    ("Supply of hospital beds", "331"),
    ("Supply of laboratory reagents", "336"),
    ("Construction of a 250-bed hospital", "452"),
    ("Construction of a water treatment plant", "452"),
    ("Réhabilitation du réseau d'assainissement", "452"),
    ("road construction works", "4523"),
    ("travaux de peinture", "4544"),
    ("Fourniture de mobilier scolaire", "391"),
    ("Fourniture de matériel informatique", "302"),
    ("Fourniture de véhicules utilitaires", "341"),
    ("fourniture de carburants", "09"),
    ("Fourniture de panneaux solaires photovoltaïques", "093"),
    ("Training of nurses and midwives", "80"),
    ("maîtrise d'oeuvre pour la restructuration d'un lycée", "71"),
    ("Design and supervision of the works", "71"),
    ("Entretien des espaces verts", "773"),
    ("nettoyage des locaux", "909"),
    ("Services de gardiennage et de surveillance", "797"),
    ("assurance risques statutaires", "665"),
]


@pytest.mark.parametrize(("text", "family"), LOTS)
def test_lot_descriptions_reach_their_cpv_family(model: TextModel, text: str, family: str) -> None:
    best, score = model.suggest_cpv(text, top=3)[0]
    assert best.startswith(family), (best, cpv.label(best, "en"))
    assert 0 < score <= 1


def test_medical_imaging_supply_ranks_imaging_equipment_above_imaging_services(
    model: TextModel,
) -> None:
    """The motivating case: 85150000 (imaging *services*) used to come first."""
    for text in LOTS[0][0], LOTS[1][0]:
        codes = [code for code, _ in model.suggest_cpv(text, top=5)]
        assert "33110000" in codes[:3]
        assert "85150000" not in codes


def test_suggestions_are_sorted_scores_in_range(model: TextModel) -> None:
    suggestions = model.suggest_cpv("Fourniture de mobilier scolaire", top=8)
    scores = [score for _, score in suggestions]
    assert len(suggestions) == 8
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)
    assert model.suggest_cpv("qxqxqxqx") == []
