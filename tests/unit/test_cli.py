"""The ``meute`` command line, run in-process against a temporary data directory."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from meute.api.auth import authenticate
from meute.api.cli import app
from meute.api.examples import PAVILION_EXAMPLE
from meute.api.scores import on_100
from meute.graph.embedded import EmbeddedStore

runner = CliRunner()
SHOWCASE = Path(__file__).resolve().parents[2] / "fixtures" / "showcase"
BOUAKE = SHOWCASE / "tenders" / "bouake-hospital.json"
DECP_FILES = sorted((SHOWCASE.parent / "decp").glob("*.json.zip"))


def test_demo_loads_the_showcase_once_and_prints_consortia(data_dir: Path) -> None:
    first = runner.invoke(app, ["demo", "--top", "3"])
    assert first.exit_code == 0, first.output
    assert "loading the synthetic showcase" in first.output
    assert "#1" in first.output and "#3" in first.output and "leader" in first.output
    count = EmbeddedStore(data_dir).count_firms()
    assert count >= 250
    second = runner.invoke(app, ["demo", "--top", "1"])
    assert second.exit_code == 0
    assert "loading" not in second.output
    assert EmbeddedStore(data_dir).count_firms() == count


def test_demo_consortia_cover_all_three_bouake_lots(data_dir: Path) -> None:
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    result = runner.invoke(app, ["match", str(BOUAKE), "--json", "--top", "10"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    lots = {lot["id"] for lot in json.loads(BOUAKE.read_text(encoding="utf-8"))["lots"]}
    assert len(lots) == 3
    assert len(payload["consortia"]) == 10
    for consortium in payload["consortia"]:
        assert set(consortium) >= {"rank", "score", "breakdown", "members"}
        covered = [lot for member in consortium["members"] for lot in member["lots"]]
        assert sorted(covered) == sorted(lots)
        assert sum(member["leader"] for member in consortium["members"]) == 1
        for member in consortium["members"]:
            assert set(member) >= {"siren", "name", "lots", "leader", "why"}
    gap = payload["optimality_gap_bound"]
    assert 0.0 <= gap < 1.0
    shown = runner.invoke(app, ["match", str(BOUAKE), "--top", "1"])
    assert f"gap ≤ {100 * gap:.1f} %" in shown.output


def test_match_explains_in_french_on_request(data_dir: Path) -> None:
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    result = runner.invoke(app, ["match", str(BOUAKE), "--json", "--top", "1", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    members = json.loads(result.stdout)["consortia"][0]["members"]
    assert members[0]["why"].startswith("Chef de file, prend le lot L")
    assert "--lang" in runner.invoke(app, ["partners", "--help"]).output
    assert "--lang" in runner.invoke(app, ["pavilion", "--help"]).output


def test_import_is_idempotent(data_dir: Path) -> None:
    first = runner.invoke(app, ["import", str(SHOWCASE / "firms.json")])
    assert first.exit_code == 0 and "created" in first.output
    again = runner.invoke(app, ["import", str(SHOWCASE / "firms.json")])
    assert again.exit_code == 0
    assert "created 0, updated 0" in again.output


@pytest.mark.parametrize(
    ("mutation", "field", "value"),
    [
        (lambda t: t.update(lots=[]), "lots", "[]"),
        (lambda t: t["lots"][0].update(cpv=["4521514"]), "lots[0].cpv[0]", "4521514"),
        (lambda t: t["lots"][0].update(cpv=["99999999"]), "lots[0].cpv[0]", "99999999"),
        (lambda t: t.update(budget=-5), "budget", "-5"),
        (lambda t: t["lots"][1].update(id=t["lots"][0]["id"]), "lots", "duplicate lot id"),
    ],
)
def test_bad_tender_exits_2_naming_field_and_value(
    data_dir: Path, tmp_path: Path, mutation: object, field: str, value: str
) -> None:
    tender = json.loads(BOUAKE.read_text(encoding="utf-8"))
    mutation(tender)  # type: ignore[operator]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(tender), encoding="utf-8")
    result = runner.invoke(app, ["match", str(path)])
    assert result.exit_code == 2
    assert field in result.output and value in result.output


def test_bad_files_exit_2_and_write_nothing(data_dir: Path, tmp_path: Path) -> None:
    not_json = tmp_path / "firms.json"
    not_json.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["import", str(not_json)])
    assert result.exit_code == 2 and "not JSON" in result.output
    firms = json.loads((SHOWCASE / "firms.json").read_text(encoding="utf-8"))
    firms["firms"][5]["siren"] = "123456789"
    bad_siren = tmp_path / "bad-siren.json"
    bad_siren.write_text(json.dumps(firms), encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad_siren)])
    assert result.exit_code == 2
    assert "firms[5].siren" in result.output and "123456789" in result.output
    assert EmbeddedStore(data_dir).count_firms() == 0
    missing = runner.invoke(app, ["match", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2


def test_keys_create_list_revoke(data_dir: Path) -> None:
    created = runner.invoke(app, ["keys", "create", "--role", "officer", "--name", "Claire"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("meute_")
    key_id = token.split("_")[1]
    listed = runner.invoke(app, ["keys", "list"])
    assert key_id in listed.stdout and token not in listed.stdout
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    with EmbeddedStore(data_dir) as store:
        assert authenticate(store, token) is None
    unknown = runner.invoke(app, ["keys", "revoke", "000000000000"])
    assert unknown.exit_code == 2 and "key_id" in unknown.output
    bad = runner.invoke(app, ["keys", "create", "--role", "sme", "--name", "x"])
    assert bad.exit_code == 2 and "siren" in bad.output
    assert runner.invoke(app, ["keys", "create", "--role", "king", "--name", "x"]).exit_code == 2


def test_pavilion_prints_and_writes_the_shortlist(data_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    request = tmp_path / "fair.json"
    request.write_text(json.dumps({**PAVILION_EXAMPLE, "stands": 3}), encoding="utf-8")
    out = tmp_path / "pavillon.xlsx"
    result = runner.invoke(app, ["pavilion", str(request), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    firms = json.loads(result.stdout)["firms"]
    assert len(firms) == 3
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == [f["siren"] for f in firms]
    wrong = runner.invoke(app, ["pavilion", str(request), "--out", str(tmp_path / "x.pdf")])
    assert wrong.exit_code == 2
    request.write_text(json.dumps({**PAVILION_EXAMPLE, "stands": 0}), encoding="utf-8")
    bad = runner.invoke(app, ["pavilion", str(request)])
    assert bad.exit_code == 2 and "stands" in bad.output


def test_pavilion_table_marks_an_estimated_region(data_dir: Path, tmp_path: Path) -> None:
    # Firms read from award data get their region estimated from their buyers: the table's
    # Region column must say so, as their « why » does.
    assert runner.invoke(app, ["import", "decp", *map(str, DECP_FILES)]).exit_code == 0
    request = tmp_path / "fair.json"
    fair = {"fair": "Salon", "country": "CI", "stands": 6, "themes": [{"title": "formation"}]}
    request.write_text(json.dumps(fair), encoding="utf-8")
    firms = json.loads(runner.invoke(app, ["pavilion", str(request), "--json"]).stdout)["firms"]
    shown = runner.invoke(app, ["pavilion", str(request)], env={"COLUMNS": "400"})
    assert shown.exit_code == 0, shown.output
    cells = [line.split("│")[2:4] for line in shown.stdout.splitlines() if line.count("│") == 6]
    rows = {name.strip(): region.strip() for name, region in cells if name.strip()}
    assert any("region" in firm["estimated"] for firm in firms)
    for firm in firms:
        region = firm["region"]
        expected = f"{region} (estimated)" if "region" in firm["estimated"] else region
        assert rows[firm["name"]] == expected


def test_pavilion_table_names_the_themes_no_stand_holds(data_dir: Path, tmp_path: Path) -> None:
    # « e-santé » no CPV label reads: no stand holds it, and the table must say so and why (the
    # JSON did; the table listed the stands alone).
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    request = tmp_path / "fair.json"
    themes = [{"title": "formation"}, {"title": "e-santé"}]
    fair = {"fair": "Salon", "country": "CI", "stands": 2, "themes": themes}
    request.write_text(json.dumps(fair), encoding="utf-8")
    found = json.loads(runner.invoke(app, ["pavilion", str(request), "--json"]).stdout)
    [reason] = [theme["uncovered"] for theme in found["themes"] if theme["uncovered"]]
    shown = runner.invoke(app, ["pavilion", str(request)], env={"COLUMNS": "400"})
    assert shown.exit_code == 0, shown.output
    assert "Not covered (1 of 2 themes: no stand holds them):" in shown.stdout
    assert f"e-santé — {reason}" in shown.stdout


def test_human_output_shows_scores_out_of_100_as_the_console_does(
    data_dir: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    [best] = json.loads(runner.invoke(app, ["match", str(BOUAKE), "--json", "--top", "1"]).stdout)[
        "consortia"
    ]
    shown = runner.invoke(app, ["match", str(BOUAKE), "--top", "1"], env={"COLUMNS": "300"})
    assert shown.exit_code == 0, shown.output
    assert f"#1  score {on_100(best['score']):.1f}/100" in shown.output
    for term, value in best["breakdown"].items():
        assert f"{term} {on_100(value):.1f}" in shown.output
    assert f"{best['score']:.3f}" not in shown.output  # the raw 0-1 score is for --json only

    siren = best["members"][0]["siren"]
    [partner] = json.loads(runner.invoke(app, ["partners", siren, "--top", "1", "--json"]).stdout)[
        "partners"
    ]
    table = runner.invoke(app, ["partners", siren, "--top", "1"], env={"COLUMNS": "300"})
    assert f"{on_100(partner['score']):.1f}/100" in table.output

    request = tmp_path / "fair.json"
    request.write_text(json.dumps({**PAVILION_EXAMPLE, "stands": 3}), encoding="utf-8")
    score = json.loads(runner.invoke(app, ["pavilion", str(request), "--json"]).stdout)["score"]
    fair = runner.invoke(app, ["pavilion", str(request)], env={"COLUMNS": "300"})
    assert f"score {on_100(score):.1f}/100" in fair.output


def test_match_shows_the_codes_it_used_for_lots_in_words(data_dir: Path, tmp_path: Path) -> None:
    from meute.graph.model import Lot
    from meute.matcher.propose import confident_lot_codes, suggested_lot_codes

    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    tender = json.loads(BOUAKE.read_text(encoding="utf-8"))
    for lot in tender["lots"]:
        del lot["cpv"]
    tender["lots"][2].update(title="laboratoire", description="laboratoire")
    tender["lots"].append({"id": "L4", "title": "e-santé", "description": "e-santé"})
    path = tmp_path / "words.json"
    path.write_text(json.dumps(tender), encoding="utf-8")
    lots = [Lot.model_validate(lot) for lot in tender["lots"]]
    assert confident_lot_codes(lots[0]) and not confident_lot_codes(lots[2])

    shown = runner.invoke(app, ["match", str(path), "--top", "1"])
    assert shown.exit_code == 0, shown.output
    before, _, _ = shown.stdout.partition("#1")
    flat = " ".join(before.split())  # rich wraps long lines
    lines = dict(re.findall(r"(L\d) '(.*?)(?= L\d '| Give the lots)", flat))
    assert list(lines) == [lot.id for lot in lots], flat
    for lot in lots:
        for code, score in suggested_lot_codes(lot):
            assert f"{code} " in lines[lot.id] and f"{score:.2f}" in lines[lot.id], lines
    assert "probability" in lines["L1"] and "no confident code" not in lines["L1"]
    assert "no confident code" in lines["L3"] and "label similarity" in lines["L3"]
    assert not suggested_lot_codes(lots[3])
    assert lines["L4"].endswith(
        "no code could be read from its words (the learnt model has no "
        "confident code and no label reads them): not matched"
    )

    as_json = runner.invoke(app, ["match", str(path), "--top", "1", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["consortia"]  # stdout stays JSON
    assert "no confident code" in " ".join(as_json.stderr.split())


def test_match_names_the_lots_no_firm_may_take(data_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    tender = json.loads(BOUAKE.read_text(encoding="utf-8"))
    tender["lots"].append({"id": "L4", "title": "Uniforms", "cpv": ["18110000"]})
    path = tmp_path / "uniforms.json"
    path.write_text(json.dumps(tender), encoding="utf-8")
    shown = runner.invoke(app, ["match", str(path), "--top", "1"], env={"COLUMNS": "300"})
    assert shown.exit_code == 0, shown.output
    assert "Not covered (1 of 4 lots" in shown.stdout
    assert (
        "L4: Uniforms — no candidate firm delivers anything close to this lot's CPV codes"
    ) in shown.stdout


def test_match_says_where_a_french_tender_is_done_and_refuses_a_region_abroad(
    data_dir: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["import", str(SHOWCASE / "firms.json")]).exit_code == 0
    tender = json.loads(BOUAKE.read_text(encoding="utf-8"))
    abroad = tmp_path / "abroad.json"
    abroad.write_text(json.dumps(tender | {"region": "Bretagne"}), encoding="utf-8")
    refused = runner.invoke(app, ["match", str(abroad)])
    assert refused.exit_code != 0
    assert "region" in refused.output and "country FR" in " ".join(refused.output.split())
    france = tmp_path / "france.json"
    france.write_text(json.dumps(tender | {"country": "FR", "region": "Bretagne"}), "utf-8")
    shown = runner.invoke(app, ["match", str(france), "--top", "1"])
    assert shown.exit_code == 0, shown.output
    assert "country FR (Bretagne)" in " ".join(shown.output.split())
