"""The embedded store keeps what was imported across restarts and never half-writes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from meute.graph import embedded
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import Collaboration, Firm
from tests.unit.factories import make_firm, valid_siren


def test_restart_keeps_everything(tmp_path: Path) -> None:
    a = make_firm(siren=valid_siren(1), capabilities=["45215140"])
    b = make_firm(siren=valid_siren(2), capabilities=["33111000"])
    link = Collaboration(firm_a=a.siren, firm_b=b.siren, kind="joint_bid", year=2022)
    with EmbeddedStore(tmp_path) as store:
        store.upsert_firms([a, b])
        store.upsert_collaborations([link])
    reopened = EmbeddedStore(tmp_path)
    assert reopened.get_firm(a.siren) == a
    assert reopened.collaborations_among([a.siren, b.siren]) == [link]
    assert [f.siren for f in reopened.candidates(["45215140"])] == [a.siren]


def test_failed_write_keeps_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore(tmp_path)
    first = make_firm(siren=valid_siren(1))
    store.upsert_firms([first])

    def crash(*_: object) -> None:
        raise OSError("disk full")

    # the rows are written, then the write fails before its commit
    monkeypatch.setattr(EmbeddedStore, "_apply_firms", crash)
    with pytest.raises(OSError, match="disk full"):
        store.upsert_firms([make_firm(siren=valid_siren(2))])
    monkeypatch.undo()
    assert store.count_firms() == 1  # memory was rolled back to what is on disk
    assert [f.siren for f in EmbeddedStore(tmp_path).list_firms()] == [first.siren]
    assert EmbeddedStore(tmp_path).get_firm(first.siren) == first


def test_a_second_process_sees_writes(tmp_path: Path) -> None:
    reader = EmbeddedStore(tmp_path)
    writer = EmbeddedStore(tmp_path)
    assert reader.count_firms() == 0
    writer.upsert_firms([make_firm(siren=valid_siren(4))])
    assert reader.count_firms() == 1
    # and a write through the stale reader does not lose the other writer's firm
    reader.upsert_firms([make_firm(siren=valid_siren(5))])
    assert {f.siren for f in EmbeddedStore(tmp_path).list_firms()} == {
        valid_siren(4),
        valid_siren(5),
    }


def test_rows_hold_plain_json(tmp_path: Path) -> None:
    firm = make_firm(siren=valid_siren(1), capabilities=["45215140"])
    EmbeddedStore(tmp_path).upsert_firms([firm])
    db = sqlite3.connect(tmp_path / embedded.DATABASE)
    (version,) = db.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()
    rows = db.execute("SELECT siren, codes, doc FROM firms").fetchall()
    db.close()
    assert int(version) == embedded.FORMAT_VERSION
    assert [(siren, json.loads(codes)) for siren, codes, _ in rows] == [
        (firm.siren, [["45215140", firm.capabilities[0].strength]])
    ]
    assert Firm.model_validate_json(rows[0][2]) == firm


def test_records_survive_a_restart_and_do_not_rewrite_the_graph(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    store.upsert_firms([make_firm(siren=valid_siren(1))])
    graph_files = sorted(tmp_path.glob("graph.db*"))
    before = [path.stat().st_mtime_ns for path in graph_files]
    store.put_record("proposal", "p1", '{"status": "proposed"}')
    other = EmbeddedStore(tmp_path)  # another process sees the write
    assert other.get_record("proposal", "p1") == '{"status": "proposed"}'
    other.put_record("proposal", "p1", '{"status": "contacted"}')
    assert store.get_record("proposal", "p1") == '{"status": "contacted"}'
    assert [path.stat().st_mtime_ns for path in graph_files] == before
    assert EmbeddedStore(tmp_path).list_records("proposal") == ['{"status": "contacted"}']


def test_leftover_temporary_files_are_removed_at_start(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.upsert_firms([make_firm(siren=valid_siren(1))])
        store.put_record("note", "a", "{}")
    leftovers = [tmp_path / ".graph-crashed.tmp", tmp_path / ".records-crashed.tmp"]
    for leftover in leftovers:
        leftover.write_bytes(b"x" * 1000)
    kept = tmp_path / "unrelated.tmp"
    kept.write_bytes(b"y")
    with EmbeddedStore(tmp_path) as store:
        assert store.count_firms() == 1 and store.get_record("note", "a") == "{}"
    assert not any(leftover.exists() for leftover in leftovers) and kept.exists()
