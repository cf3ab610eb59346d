"""The embedded store's database: what it wrote itself is trusted, what another version wrote is
validated (and set aside when unreadable), the JSON snapshot of earlier versions is migrated,
and a process killed mid-write leaves no half-written firm.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from meute.api.examples import TENDER_EXAMPLE
from meute.api.service import showcase_document
from meute.graph import embedded
from meute.graph.embedded import (
    DATABASE,
    MIGRATED,
    SNAPSHOT,
    UNREADABLE,
    EmbeddedStore,
    firm_json,
)
from meute.graph.model import Collaboration, Firm, Tender
from meute.graph.synth import generate
from tests.unit.factories import make_firm, valid_siren


def _rows(data_dir: Path, query: str) -> list[Any]:
    db = sqlite3.connect(data_dir / DATABASE)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def test_a_firm_is_written_as_its_model_dumps_it() -> None:
    firms, _ = generate(500, seed=2)
    declared = make_firm(siren=valid_siren(3))
    sourced = Firm.model_validate(
        {
            **declared.model_dump(),
            "provenance": {"name": {"source": "sirene", "date": "2026-01-05"}},
        }
    )
    for firm in [*showcase_document().firms, *firms, declared, sourced, sourced]:
        assert json.loads(firm_json(firm)) == json.loads(firm.model_dump_json())
        assert Firm.model_validate_json(firm_json(firm)) == firm


def test_rows_it_wrote_are_read_back_without_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    firms, collaborations = generate(60, seed=3)
    tender = Tender.model_validate(TENDER_EXAMPLE)
    with EmbeddedStore(tmp_path) as store:
        store.upsert_firms(firms)
        store.upsert_collaborations(collaborations)
        store.upsert_tenders([tender])

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("validated again")

    for model in (Firm, Tender, Collaboration):
        monkeypatch.setattr(model, "model_validate", refuse)
        monkeypatch.setattr(model, "model_validate_json", refuse)
    reopened = EmbeddedStore(tmp_path)
    sirens = [firm.siren for firm in firms]
    assert reopened.get_firms(sirens) == sorted(firms, key=lambda firm: firm.siren)
    assert reopened.get_tender(tender.id) == tender
    assert reopened.collaborations_of(sirens) == sorted(collaborations, key=lambda c: c.key)


@pytest.mark.parametrize("links_by", ["an older version", "this version"])
def test_rows_another_version_wrote_are_validated_then_rewritten(
    tmp_path: Path, links_by: str
) -> None:
    good, bad = make_firm(siren=valid_siren(1)), make_firm(siren=valid_siren(2))
    link = Collaboration(firm_a=good.siren, firm_b=bad.siren, kind="joint_bid", year=2022)
    with EmbeddedStore(tmp_path) as store:
        store.upsert_firms([good, bad])
        store.upsert_collaborations([link])
    broken = {**json.loads(bad.model_dump_json()), "headcount": "a few"}
    db = sqlite3.connect(tmp_path / DATABASE)
    with db:
        db.execute("UPDATE firms SET stamp = 'an older version'")
        db.execute("UPDATE firms SET doc = ? WHERE siren = ?", (json.dumps(broken), bad.siren))
        if links_by != "this version":
            db.execute("UPDATE collaborations SET stamp = ?", (links_by,))
    db.close()

    reopened = EmbeddedStore(tmp_path)
    assert reopened.sirens() == {good.siren}
    assert reopened.get_firm(good.siren) == good
    assert reopened.collaborations_of([good.siren]) == []
    kept = json.loads((tmp_path / UNREADABLE).read_bytes())
    assert [firm["siren"] for firm in kept["firms"]] == [bad.siren]
    assert [c["firm_b"] for c in kept["collaborations"]] == [max(good.siren, bad.siren)]
    stamps = _rows(tmp_path, "SELECT siren, stamp FROM firms")
    assert stamps == [(good.siren, embedded.current_stamp())]  # trusted from now on
    assert _rows(tmp_path, "SELECT COUNT(*) FROM collaborations") == [(0,)]


def test_a_json_snapshot_of_an_earlier_version_is_migrated(tmp_path: Path) -> None:
    a = make_firm(siren=valid_siren(1), capabilities=["45215140"])
    b = make_firm(siren=valid_siren(2), capabilities=["33111000"])
    link = Collaboration(firm_a=a.siren, firm_b=b.siren, kind="joint_bid", year=2022)
    legacy_tender = {**TENDER_EXAMPLE, "id": "legacy", "budget": None}
    snapshot = {
        "format_version": 1,
        "firms": [json.loads(f.model_dump_json()) for f in (a, b)],
        "tenders": [TENDER_EXAMPLE, legacy_tender],
        "collaborations": [json.loads(link.model_dump_json())],
    }
    (tmp_path / SNAPSHOT).write_text(json.dumps(snapshot), encoding="utf-8")

    store = EmbeddedStore(tmp_path)
    assert store.get_firms([a.siren, b.siren]) == [a, b]
    assert store.collaborations_among([a.siren, b.siren]) == [link]
    assert [t.id for t in store.list_tenders()] == [TENDER_EXAMPLE["id"]]
    assert [f.siren for f in store.candidates(["45215140"])] == [a.siren]
    assert not (tmp_path / SNAPSHOT).exists() and (tmp_path / MIGRATED).exists()
    kept = json.loads((tmp_path / UNREADABLE).read_bytes())
    assert [t["id"] for t in kept["tenders"]] == ["legacy"]
    reopened = EmbeddedStore(tmp_path)
    assert reopened.count_firms() == 2 and reopened.count_tenders() == 1


def test_a_reader_sees_only_what_changed_since_it_read(tmp_path: Path) -> None:
    firm = make_firm(siren=valid_siren(1), capabilities=["45215140"])
    reader, writer = EmbeddedStore(tmp_path), EmbeddedStore(tmp_path)
    writer.upsert_firms([firm])
    assert [f.siren for f in reader.candidates(["45215140"])] == [firm.siren]
    moved = Firm.model_validate({**firm.model_dump(), "capabilities": [{"cpv": "33111000"}]})
    writer.upsert_firms([moved])
    assert reader.candidates(["45215140"]) == []
    assert reader.candidates(["33111000"]) == [moved]
    assert reader.get_firm(firm.siren) == moved


WRITER = """
import sys
from pathlib import Path
from meute.graph.embedded import EmbeddedStore
from meute.graph.synth import generate

firms, _ = generate(int(sys.argv[2]), seed=5)
store = EmbeddedStore(Path(sys.argv[1]))
print("ready", flush=True)
while True:
    for start in range(0, len(firms), int(sys.argv[3])):
        store.upsert_firms(firms[start : start + int(sys.argv[3])])
    firms = [f.model_copy(update={"description": f.description + " +"}) for f in firms]
"""


def test_a_process_killed_mid_write_leaves_whole_batches(tmp_path: Path) -> None:
    firms, batch = 4_000, 500
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    data_dir = tmp_path / "data"
    writer = subprocess.Popen(
        [sys.executable, str(script), str(data_dir), str(firms), str(batch)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        deadline = time.monotonic() + 120
        while not _written(data_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # into the writes (each batch is one transaction)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        if writer.stdout is not None:
            writer.stdout.close()
    assert _written(data_dir)
    store = EmbeddedStore(data_dir)
    stored = store.list_firms(limit=firms)
    assert len(stored) % batch == 0 and 0 < len(stored) <= firms
    rows = _rows(data_dir, "SELECT doc FROM firms")
    readable = [Firm.model_validate_json(doc) for (doc,) in rows]
    assert sorted(readable, key=lambda firm: firm.siren) == stored
    expected, _ = generate(firms, seed=5)
    by_siren = {firm.siren: firm for firm in expected}
    for firm in stored:  # each firm whole: as generated, or with whole rounds of edits
        edits = firm.description.removeprefix(by_siren[firm.siren].description)
        assert (
            set(edits) <= {" ", "+"}
            and firm.model_copy(update={"description": by_siren[firm.siren].description})
            == by_siren[firm.siren]
        )


def _written(data_dir: Path) -> bool:
    if not (data_dir / DATABASE).exists():
        return False
    try:
        return bool(_rows(data_dir, "SELECT COUNT(*) FROM firms")[0][0])
    except sqlite3.OperationalError:  # the tables are being created
        return False
