"""Values that could be stored but not read back are refused; an unreadable record (written by
an older version) is skipped and reported while the rest is served. On both stores.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from meute.api.examples import FIRM_EXAMPLE, TENDER_EXAMPLE
from meute.api.settings import Settings
from meute.graph.embedded import DATABASE, UNREADABLE, EmbeddedStore
from meute.graph.model import Tender
from meute.graph.neo4j_store import Neo4jStore
from meute.graph.store import GraphStore
from tests.conftest import keyed_client

TENDER = "bouake-hospital"
NON_FINITE = ['"inf"', '"Infinity"', '"-inf"', '"NaN"', "NaN", "Infinity", "-Infinity", "1e999"]
BAD_TEXT = ["A\ud800B", "A\udfffB", "A\x00B"]


@pytest.fixture
def officer(loaded: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with keyed_client(loaded, Settings(data_dir=tmp_path / "data")) as client:
        yield client


def _raw(client: TestClient, method: str, url: str, body: str) -> Any:
    return client.request(
        method, url, content=body.encode("utf-8", "surrogatepass"), headers=JSON_HEADERS
    )


JSON_HEADERS = {"content-type": "application/json"}


def _reopened(store: GraphStore) -> GraphStore:
    """The store as a restarted server would open it (Neo4j: the same server)."""
    if isinstance(store, EmbeddedStore):
        assert store.data_dir is not None
        return EmbeddedStore(store.data_dir)
    return store


def _assert_problem(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]], response.text


@pytest.mark.parametrize("spelling", NON_FINITE)
def test_a_non_finite_budget_is_refused_naming_the_field(
    officer: TestClient, loaded: GraphStore, spelling: str
) -> None:
    tender = json.dumps({**TENDER_EXAMPLE, "id": "infinite"})
    body = tender.replace(
        f'"budget": {json.dumps(TENDER_EXAMPLE["budget"])}', '"budget": ' + spelling
    )
    assert body != tender
    _assert_problem(_raw(officer, "POST", "/tenders", body), "budget")
    lot_budget = {**TENDER_EXAMPLE, "id": "infinite", "lots": [{**TENDER_EXAMPLE["lots"][0]}]}
    lot_budget["lots"][0]["budget"] = "__X__"
    body = json.dumps(lot_budget).replace('"__X__"', spelling)
    _assert_problem(_raw(officer, "POST", "/tenders", body), "lots[0].budget")
    assert officer.get("/tenders/infinite").status_code == 404
    assert officer.get("/tenders").status_code == 200
    assert _reopened(loaded).get_tender(TENDER) is not None


@pytest.mark.parametrize("text", BAD_TEXT)
def test_invalid_text_is_refused_and_the_lists_stay_readable(
    officer: TestClient, loaded: GraphStore, text: str
) -> None:
    firm = {**FIRM_EXAMPLE, "name": text}
    _assert_problem(_raw(officer, "POST", "/firms", json.dumps([firm])), "[0].name")
    tender = {**TENDER_EXAMPLE, "id": "hostile", "title": text}
    _assert_problem(_raw(officer, "POST", "/tenders", json.dumps(tender)), "title")
    consortium = officer.get(f"/tenders/{TENDER}/consortia?top=1").json()["consortia"][0]
    assignment = {lot: m["siren"] for m in consortium["members"] for lot in m["lots"]}
    created = officer.post("/proposals", json={"tender_id": TENDER, "assignment": assignment})
    assert created.status_code == 201
    url = f"/proposals/{created.json()['id']}"
    _assert_problem(_raw(officer, "PATCH", url, json.dumps({"note": text})), "note")
    new = json.dumps({"tender_id": TENDER, "assignment": assignment, "note": text})
    _assert_problem(_raw(officer, "POST", "/proposals", new), "note")
    listed = officer.get("/proposals")
    assert listed.status_code == 200 and listed.json()["total"] == 1
    assert officer.get("/firms?limit=500").status_code == 200
    assert _reopened(loaded).count_firms() == loaded.count_firms()


def test_an_error_echoes_only_an_excerpt_of_a_long_value(officer: TestClient) -> None:
    firm = {**FIRM_EXAMPLE, "siren": "1" * 100_000}
    response = officer.post("/firms", json=[firm])
    _assert_problem(response, "[0].siren")
    assert len(response.content) < 2_000
    many = [{**FIRM_EXAMPLE, "siren": "1" * 1_000, "name": "x" * 1_000}] * 2_000
    response = officer.post("/firms", json=many)
    _assert_problem(response, "[0].siren")
    assert len(response.json()["errors"]) == 100 and "4000 problems" in response.json()["detail"]
    assert len(response.content) < 50_000


def _poison_tender(store: GraphStore, tender_id: str) -> None:
    """Store ``tender_id`` as an older version would have: its infinite budget as ``null``."""
    document = {**TENDER_EXAMPLE, "id": tender_id, "budget": None}
    if isinstance(store, Neo4jStore):
        store.upsert_tenders([Tender.model_validate({**document, "budget": 1})])
        store._driver.execute_query(
            "MATCH (t:Tender {id: $id}) SET t.doc = $doc", id=tender_id, doc=json.dumps(document)
        )
        return
    assert isinstance(store, EmbeddedStore) and store.data_dir is not None
    db = sqlite3.connect(store.data_dir / DATABASE)  # a row stamped by another version
    with db:
        db.execute(
            "INSERT INTO tenders VALUES (?, 'an older version', 0, ?)",
            (tender_id, json.dumps(document)),
        )
    db.close()


def test_an_unreadable_legacy_record_is_skipped_and_the_rest_served(
    officer: TestClient, loaded: GraphStore, caplog: pytest.LogCaptureFixture
) -> None:
    before = officer.get("/tenders").json()["total"]
    _poison_tender(loaded, "legacy")
    loaded.put_record("proposal", "legacy", '{"id": "legacy", "status": "nowhere"}')
    store = _reopened(loaded)  # the embedded store could not start again before
    assert TENDER in [tender.id for tender in store.list_tenders()]
    assert "legacy" not in [tender.id for tender in store.list_tenders()]
    assert store.get_tender("legacy") is None
    listed = officer.get("/tenders")
    assert listed.status_code == 200 and TENDER in [t["id"] for t in listed.json()["items"]]
    assert "legacy" not in [t["id"] for t in listed.json()["items"]] and before >= 1
    assert officer.get(f"/tenders/{TENDER}/consortia?top=1").status_code == 200
    proposals = officer.get("/proposals")
    assert proposals.status_code == 200 and proposals.json()["total"] == 0
    assert "unreadable tender" in caplog.text and "unreadable proposal" in caplog.text
    if isinstance(loaded, EmbeddedStore):
        assert loaded.data_dir is not None
        kept = json.loads((loaded.data_dir / UNREADABLE).read_bytes())
        assert [t["id"] for t in kept["tenders"]] == ["legacy"]


# Any value that Tender accepts must round-trip through the store and a restart.
texts = st.text(max_size=30)
numbers = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    ["inf", "-Infinity", "NaN", "1e999"]
)


@given(title=texts, description=texts, budget=numbers, lot_budget=numbers | st.none())
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_accepted_tender_round_trips_and_survives_a_restart(
    loaded: GraphStore, title: str, description: str, budget: Any, lot_budget: Any
) -> None:
    document = {
        **TENDER_EXAMPLE,
        "id": "round-trip",
        "title": title,
        "budget": budget,
        "lots": [
            {
                "id": "L1",
                "title": "Lot",
                "cpv": ["45215140-0"],
                "description": description,
                "budget": lot_budget,
            }
        ],
    }
    try:
        tender = Tender.model_validate(document)
    except ValidationError:
        return
    assert math.isfinite(tender.budget) and "\x00" not in tender.title
    loaded.upsert_tenders([tender])
    assert loaded.get_tender("round-trip") == tender
    assert _reopened(loaded).get_tender("round-trip") == tender
