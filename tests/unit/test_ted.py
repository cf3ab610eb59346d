"""TED award notices read into tenders: real notices checked field by field, bad input refused."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meute.api.cli import app
from meute.graph.errors import InvalidInput
from meute.graph.model import TenderSource
from meute.graph.ted import TED_COLUMNS, TedImport, lot_identifier, read_ted

TED = Path(__file__).resolve().parents[2] / "fixtures" / "ted"


@pytest.fixture(scope="module")
def split_2019() -> TedImport:
    return read_ted(sorted((TED / "2019_split").glob("*.csv.gz")))


def _tender(ted: TedImport, tender_id: str):  # type: ignore[no-untyped-def]
    return next(t for t in ted.tenders if t.id == tender_id)


def test_a_german_single_lot_works_notice(split_2019: TedImport) -> None:
    tender = _tender(split_2019, "ted-2019585697")
    assert tender.source == TenderSource.TED
    assert tender.buyer == "Vivantes Netzwerk für Gesundheit GmbH"
    assert (tender.country, tender.budget, tender.currency) == ("DE", 595019.25, "EUR")
    assert tender.title.endswith("(avis TED 585697-2019)")
    [lot] = tender.lots
    assert (lot.id, lot.title) == ("1", "OP-Wand- und Deckenelemente;OP-Türen")
    assert lot.cpv == ["45215000", "45215130", "45432210", "45420000", "45421146", "45421131"]
    assert lot.budget == 619625.27
    notice = tender.notice
    assert notice is not None
    assert notice.url == "https://ted.europa.eu/udl?uri=TED:NOTICE:585697-2019:TEXT:EN:HTML"
    assert (notice.kind, notice.cpv, notice.dispatched) == (
        "works",
        "45215000",
        dt.date(2019, 12, 9),
    )
    [award] = notice.awards
    assert award.winners == ["GHK DOMO GmbH"] and award.winner_countries == ["DE"]
    assert (award.lot_id, award.sme, award.value_eur) == ("1", True, 619625.27)
    assert award.date == dt.date(2019, 12, 5)


def test_a_hungarian_notice_of_three_lots(split_2019: TedImport) -> None:
    tender = _tender(split_2019, "ted-2019318937")
    assert tender.buyer == "Magyar Közút Nonprofit Zártkörűen Működő Részvénytársaság"
    assert (tender.country, tender.budget) == ("HU", 125793.9)
    assert [lot.id for lot in tender.lots] == ["6", "7", "10"]
    assert [lot.title for lot in tender.lots] == [
        "Melegaszfalt beszerzés - Veszprém Mérnökség",
        "Melegaszfalt beszerzés - Tapolca Mérnökség",
        "Melegaszfalt beszerzés - Keszthely Mérnökség",
    ]
    assert all(lot.cpv == ["44113620"] for lot in tender.lots)
    assert [lot.budget for lot in tender.lots] == [6543.56, 5913.47, 7844.55]
    assert tender.notice is not None and tender.notice.kind == "supplies"
    awards = {award.lot_id: award for award in tender.notice.awards}
    assert awards["10"].winners == ["Horváth-Ép Közmű- Út- és Mélyépítő Kft."]
    assert (awards["10"].sme, awards["6"].sme) == (True, False)


def test_an_austrian_notice_keeps_each_lots_own_code_and_unescapes_names() -> None:
    ted = read_ted([TED / "2018-2022_50k_sample" / "AT.csv.gz"])
    tender = _tender(ted, "ted-202159234")
    assert tender.buyer == "Österreichische Gesundheitskasse"
    assert [(lot.id, lot.title, lot.cpv) for lot in tender.lots] == [
        ("41", "Amalgam", ["33141800"]),
        ("60", "Saugkompresse steril", ["33141110"]),
        ("63", "Pflaster", ["33141110"]),
    ]
    assert tender.notice is not None and tender.notice.cpv == "33140000"
    split = read_ted([TED / "2019_split" / "AT.csv.gz"])
    assert _tender(split, "ted-2019285169").buyer == (
        "OÖ Verkehrsverbund- Organisations GmbH Nfg. & Co KG"
    )


def test_every_notice_is_a_tender_or_a_reason(split_2019: TedImport) -> None:
    report = split_2019.report
    assert report.rows == 12133 and report.notices == 8923
    assert report.tenders + report.rejected == report.notices
    assert len({t.id for t in split_2019.tenders}) == report.tenders
    reasons = "\n".join(report.rejections)
    assert "notice 2019113665: lots: List should have at most 30 items" in reasons
    assert "notice 2019130502: no value: neither VALUE_EURO nor any award value" in reasons
    assert [f.rows for f in split_2019.files] == [483, 7712, 979, 2959]


def test_lot_ids_are_folded_to_what_an_id_may_hold() -> None:
    assert lot_identifier("Los 3") == "Los-3"
    assert lot_identifier("1. rész") == "1.-resz"
    assert lot_identifier("2, ABM Ilz und ABM Markt Allhau") == "2-ABM-Ilz-und-ABM-Markt-Allhau"
    assert lot_identifier("—") == ""


def _real_rows(notice_id: str) -> list[dict[str, str]]:
    with gzip.open(TED / "2019_split" / "HU.csv.gz", "rt", encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if row["ID_NOTICE_CAN"] == notice_id]


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, TED_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_plain_csv_is_read_and_broken_rows_are_rejected_with_reasons(tmp_path: Path) -> None:
    rows = _real_rows("2019318937")
    broken_id = {**rows[0], "ID_NOTICE_CAN": "n/a"}
    cancelled = [{**row, "ID_NOTICE_CAN": "2019000001", "CANCELLED": "1"} for row in rows]
    no_code = [{**rows[0], "ID_NOTICE_CAN": "2019000002", "CPV": "99999999"}]
    no_code[0]["ADDITIONAL_CPVS"] = "12345678"
    one_bad_code = {**rows[0], "ID_NOTICE_CAN": "2019000003"}
    one_bad_code["ADDITIONAL_CPVS"] = "44113620---99999999"
    path = tmp_path / "awards.csv"
    path.write_text(_csv([*rows, broken_id, *cancelled, *no_code, one_bad_code]), encoding="utf-8")
    ted = read_ted([path])
    assert [t.id for t in ted.tenders] == ["ted-2019000003", "ted-2019318937"]
    assert ted.tenders[0].lots[0].cpv == ["44113620"]
    assert ted.report.rejections == [
        "line 5: ID_NOTICE_CAN 'n/a' not a number",
        "notice 2019000001: the notice is cancelled",
        "notice 2019000002: lot 10 has no CPV 2008 code",
    ]
    assert ted.report.repairs == [
        "notice 2019000003: lot 10: CPV code '99999999' is not in CPV 2008, dropped"
    ]
    twice = read_ted([path, path])
    assert twice.report.duplicate_rows == twice.report.rows // 2
    assert len(twice.tenders) == 2


def test_a_file_that_is_not_ted_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text("siren,name\n552100554,Une firme\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        read_ted([path])
    assert "firms.csv" in raised.value.detail
    assert "75 TED columns missing: ID_NOTICE_CAN" in raised.value.problems[0].message
    binary = tmp_path / "notices.csv.gz"
    binary.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InvalidInput, match=r"notices\.csv\.gz"):
        read_ted([binary])


def test_cli_imports_ted_files_idempotently_and_refuses_a_wrong_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEUTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEUTE_GRAPH", "embedded")
    sample = str(TED / "2019_split" / "AT.csv.gz")
    first = CliRunner().invoke(app, ["import", "ted", sample])
    assert first.exit_code == 0, first.output
    assert "TED rows: read 483" in first.output
    created = int(first.output.split("created ")[1].split(",")[0])
    assert created > 300
    again = CliRunner().invoke(app, ["import", "ted", sample])
    assert f"created 0, updated 0, unchanged {created}, rejected 0" in again.output
    wrong = tmp_path / "x.csv"
    wrong.write_text("a,b\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["import", "ted", str(wrong)])
    assert refused.exit_code == 2 and "x.csv" in refused.output
