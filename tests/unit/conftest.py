"""What the tests of proposals, follow-up and the programme share: the showcase on each store,
an officer's client, and the showcase tender's consortia.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from meute.api.service import import_document, showcase_document
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from meute.graph.store import GraphStore
from tests.conftest import keyed_client
from tests.neo4j_server import open_test_store

TENDER = "bouake-hospital"


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def loaded_store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """The showcase on each backend, with no record."""
    store: GraphStore = EmbeddedStore(None) if request.param == "embedded" else open_test_store()
    with store:
        import_document(store, showcase_document())
        yield store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, programme_target=10)


@pytest.fixture
def officer(loaded_store: GraphStore, settings: Settings) -> Iterator[TestClient]:
    with keyed_client(loaded_store, settings) as client:
        yield client


def assignment_of(consortium: dict[str, Any]) -> dict[str, str]:
    return {lot: m["siren"] for m in consortium["members"] for lot in m["lots"]}


def consortia_of(client: TestClient, top: int = 4) -> list[dict[str, Any]]:
    response = client.get(f"/tenders/{TENDER}/consortia?top={top}")
    assert response.status_code == 200
    consortia: list[dict[str, Any]] = response.json()["consortia"]
    return consortia
