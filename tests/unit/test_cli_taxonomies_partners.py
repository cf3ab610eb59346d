"""``meute import decp``, ``meute cpv suggest`` and ``meute partners``, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meute.api.cli import app
from meute.graph.cpv import format_code
from meute.graph.embedded import EmbeddedStore
from meute.scoring.suggest import cpv_suggester
from tests.unit.factories import valid_siren

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
EMP = ROOT / "fixtures" / "decp" / "decp_e-marchespublics_2019-04-03.json.zip"
SHOWCASE = ROOT / "fixtures" / "showcase"
BOUAKE = SHOWCASE / "tenders" / "bouake-hospital.json"


def test_import_decp_prints_the_reading_and_store_reports(data_dir: Path) -> None:
    first = runner.invoke(app, ["import", "decp", str(EMP)])
    assert first.exit_code == 0, first.output
    assert "DECP records: read 470, used 466, rejected 4, repaired 0" in first.output
    assert "  rejected: record " in first.output  # each rejection with its reason
    assert "is not a French firm" in first.output
    assert "co-winning collaborations" in first.output and "joint bids" in first.output
    stored = EmbeddedStore(data_dir).count_firms()
    assert stored > 300
    again = runner.invoke(app, ["import", "decp", str(EMP)])
    assert again.exit_code == 0
    assert "created 0, updated 0" in again.output
    assert EmbeddedStore(data_dir).count_firms() == stored


def test_a_file_that_is_not_decp_exits_2_and_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    not_decp = tmp_path / "firms.json"
    not_decp.write_text(json.dumps({"firms": []}), encoding="utf-8")
    result = runner.invoke(app, ["import", "decp", str(EMP), str(not_decp)])
    assert result.exit_code == 2
    assert (
        "firms.json: not a DECP file" in result.output and 'no top-level "marches"' in result.output
    )
    assert EmbeddedStore(data_dir).count_firms() == 0
    missing = runner.invoke(app, ["import", "decp", str(tmp_path / "nope.zip")])
    assert missing.exit_code == 2 and "nope.zip" in missing.output


def test_import_json_reads_as_before(data_dir: Path) -> None:
    plain = runner.invoke(app, ["import", str(SHOWCASE / "firms.json")])
    assert plain.exit_code == 0, plain.output
    explicit = runner.invoke(app, ["import", "json", str(SHOWCASE / "firms.json")])
    assert explicit.exit_code == 0 and "created 0, updated 0" in explicit.output
    assert "decp" in runner.invoke(app, ["import", "--help"]).output


def test_cpv_suggest(data_dir: Path) -> None:
    text = "fourniture et installation d'équipements d'imagerie médicale"
    result = runner.invoke(app, ["cpv", "suggest", text, "--top", "3", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["text"] == text
    codes = [item["code"] for item in payload["suggestions"]]
    assert len(codes) == 3 and all(code.startswith("331") for code in codes)
    assert "33110000-4" in codes
    first = payload["suggestions"][0]
    assert set(first) == {"code", "label_fr", "label_en", "score", "confident"}
    assert 0 < first["score"] <= 1 and first["confident"] is True
    table = runner.invoke(app, ["cpv", "suggest", "travaux de peinture"])
    assert table.exit_code == 0 and "45442100-8" in table.output and "Painting work" in table.output
    empty = runner.invoke(app, ["cpv", "suggest", "   "])
    assert empty.exit_code == 2 and "text" in empty.output


@pytest.mark.parametrize(
    "text",
    ["Maintenance des équipements biomédicaux", "Blanchisserie hospitalière", "Uniformes"],
)
def test_cpv_suggest_marks_the_codes_a_lot_is_matched_on(data_dir: Path, text: str) -> None:
    # Before, « No confident CPV code » was said whenever the first score was below the
    # confidence, though a group holding most of its division's probability is confident (the
    # biomedical maintenance lot is matched on 50300000 at 0.22).
    result = runner.invoke(app, ["cpv", "suggest", text, "--json"])
    assert result.exit_code == 0, result.output
    suggestions = json.loads(result.stdout)["suggestions"]
    confident = [item["code"] for item in suggestions if item["confident"]]
    assert confident == [format_code(s.code) for s in cpv_suggester().suggest(text)]
    assert suggestions[: len(confident)] == [s for s in suggestions if s["confident"]]
    table = runner.invoke(app, ["cpv", "suggest", text])
    assert table.exit_code == 0
    assert ("No confident CPV code" in table.output) == (not confident)


def test_partners_json_in_general_and_for_a_tender(data_dir: Path) -> None:
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    siren = json.loads((SHOWCASE / "firms.json").read_text(encoding="utf-8"))["firms"][0]["siren"]
    general = runner.invoke(app, ["partners", siren, "--top", "4", "--json"])
    assert general.exit_code == 0, general.output
    partners = json.loads(general.stdout)["partners"]
    assert len(partners) == 4
    for partner in partners:
        assert {"siren", "name", "score", "why"} <= set(partner) and partner["siren"] != siren
        assert partner["why"].endswith(".")
    assert [p["score"] for p in partners] == sorted((p["score"] for p in partners), reverse=True)
    tender = runner.invoke(app, ["partners", siren, "--tender", str(BOUAKE), "--json"])
    assert tender.exit_code == 0, tender.output
    payload = json.loads(tender.stdout)
    assert payload["tender_id"] == "bouake-hospital" and len(payload["partners"]) == 10
    assert all(p["why"].startswith("Fits lot ") for p in payload["partners"])
    table = runner.invoke(app, ["partners", siren, "--top", "2"])
    assert table.exit_code == 0 and "Partners of" in table.output


def test_partners_bad_input_exits_2(data_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    unknown = runner.invoke(app, ["partners", valid_siren(4242)])
    assert unknown.exit_code == 2 and "unknown SIREN" in unknown.output
    malformed = runner.invoke(app, ["partners", "12AB"])
    assert malformed.exit_code == 2 and "siren" in malformed.output
    bad_tender = tmp_path / "tender.json"
    bad_tender.write_text(json.dumps({"id": "x", "lots": []}), encoding="utf-8")
    siren = json.loads((SHOWCASE / "firms.json").read_text(encoding="utf-8"))["firms"][0]["siren"]
    result = runner.invoke(app, ["partners", siren, "--tender", str(bad_tender)])
    assert result.exit_code == 2 and "lots" in result.output
