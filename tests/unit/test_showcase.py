"""The synthetic showcase in fixtures/showcase, as written by tools/make_showcase.py."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from meute.graph import cpv
from meute.graph.model import Collaboration, ExportMaturity, Firm, Tender
from meute.graph.store import neighbourhood_prefix
from meute.graph.synth import METROPOLITAN_REGIONS

ROOT = Path(__file__).resolve().parents[2]
SHOWCASE = ROOT / "fixtures" / "showcase"
TENDER_FILES = sorted((SHOWCASE / "tenders").glob("*.json"))
NAF_CODES = {entry["id"] for entry in json.loads((ROOT / "fixtures" / "naf_rev2.json").read_text())}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SHOWCASE / "firms.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def firms(document: dict[str, Any]) -> list[Firm]:
    return [Firm.model_validate(item) for item in document["firms"]]


@pytest.fixture(scope="module")
def tenders() -> list[Tender]:
    return [Tender.model_validate_json(path.read_text(encoding="utf-8")) for path in TENDER_FILES]


def eligible(firms: Sequence[Firm], code: str, required: Sequence[str]) -> list[Firm]:
    prefix = neighbourhood_prefix(code)
    return [
        f
        for f in firms
        if set(required) <= set(f.certifications)
        and any(c.cpv.startswith(prefix) for c in f.capabilities)
    ]


def test_firms_file_is_marked_synthetic_and_validates(
    document: dict[str, Any], firms: list[Firm]
) -> None:
    assert set(document) == {"_comment", "firms", "collaborations"}
    assert "SYNTHETIC AND FICTIONAL" in document["_comment"]
    assert len(firms) >= 250
    assert all("is_sme" not in item for item in document["firms"])
    known = {f.siren for f in firms}
    assert len(known) == len(firms)
    collaborations = [Collaboration.model_validate(c) for c in document["collaborations"]]
    assert len(collaborations) >= len(firms)
    assert all({c.firm_a, c.firm_b} <= known for c in collaborations)


def test_firm_names_are_unique(firms: list[Firm]) -> None:
    names = [f.name.casefold() for f in firms]
    assert len(set(names)) == len(names)


def test_firms_are_a_realistic_mix(firms: list[Firm]) -> None:
    assert set(METROPOLITAN_REGIONS) <= {f.region for f in firms}
    assert {f.maturity for f in firms} == set(ExportMaturity)
    assert sum(f.is_sme for f in firms) / len(firms) > 0.8
    assert 5 <= sum((f.turnover_eur or 0) > 100e6 for f in firms) <= 40
    for firm in firms:
        assert firm.description and 1 <= len(firm.capabilities) <= 6
        assert firm.naf in NAF_CODES
        assert firm.contact_email and firm.contact_email.endswith("@example.fr")
        assert "fr" in firm.languages
    african = {"CI", "SN", "CM", "BF", "ML", "BJ", "TG", "GA", "CG", "CD", "MG", "NE", "GN"}
    assert sum(bool(african & set(f.export_countries)) for f in firms) > len(firms) / 4


def test_medical_equipment_firms_are_mostly_certified(firms: list[Firm]) -> None:
    medical = [f for f in firms if f.capabilities[0].cpv.startswith(("3311", "3319"))]
    assert len(medical) >= 20
    certified = [f for f in medical if {"ISO 13485", "CE marking"} <= set(f.certifications)]
    assert len(certified) / len(medical) > 0.5


def test_at_least_five_tenders_named_after_their_id(tenders: list[Tender]) -> None:
    assert len(tenders) >= 5
    assert [t.id for t in tenders] == [p.stem for p in TENDER_FILES]
    for tender in tenders:
        assert 2 <= len(tender.lots) <= 6
        assert tender.deadline is not None and tender.deadline.year == 2027
        lot_total = sum(lot.budget or 0 for lot in tender.lots)
        assert 0 < lot_total <= tender.budget


def test_bouake_has_construction_equipment_and_training_lots(tenders: list[Tender]) -> None:
    bouake = next(t for t in tenders if t.id == "bouake-hospital")
    assert bouake.country == "CI" and len(bouake.lots) == 3
    construction, equipment, training = bouake.lots
    assert "45215140" in construction.cpv
    assert "33100000" in equipment.cpv and "ISO 13485" in equipment.required_certifications
    assert any(code.startswith("805") for code in training.cpv)
    assert 30e6 < bouake.to_eur(bouake.budget) < 60e6
    assert bouake.deadline is not None and bouake.deadline > dt.date(2026, 12, 31)


def test_every_lot_code_has_at_least_four_eligible_firms(
    firms: list[Firm], tenders: list[Tender]
) -> None:
    for tender in tenders:
        for lot in tender.lots:
            assert lot.cpv, (tender.id, lot.id)
            for code in lot.cpv:
                found = eligible(firms, code, lot.required_certifications)
                assert len(found) >= 4, (tender.id, lot.id, cpv.format_code(code), len(found))


def test_showcase_is_what_the_script_writes(tmp_path: Path) -> None:
    from tools import make_showcase

    assert make_showcase.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "firms.json").read_bytes() == (SHOWCASE / "firms.json").read_bytes()
    for path in TENDER_FILES:
        assert (tmp_path / "tenders" / path.name).read_bytes() == path.read_bytes()
    assert len(list((tmp_path / "tenders").iterdir())) == len(TENDER_FILES)
