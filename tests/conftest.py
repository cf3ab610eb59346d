from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from meute.api.app import create_app
from meute.api.auth import Role, create_key
from meute.api.service import import_document, showcase_document
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from meute.graph.store import GraphStore


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty embedded data directory, configured through MEUTE_DATA_DIR."""
    path = tmp_path / "meute-data"
    monkeypatch.setenv("MEUTE_DATA_DIR", str(path))
    return path


@pytest.fixture
def showcase_store(data_dir: Path) -> Iterator[EmbeddedStore]:
    """The embedded store in ``data_dir``, loaded with the synthetic showcase."""
    with EmbeddedStore(data_dir) as store:
        import_document(store, showcase_document())
        yield store


def keyed_client(
    store: GraphStore, settings: Settings, role: Role = Role.OFFICER, siren: str | None = None
) -> TestClient:
    """A TestClient on ``store`` whose requests carry a new key of ``role`` (enter it)."""
    _, token = create_key(store, role, f"test {role}", siren)
    client = TestClient(create_app(store, settings))
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def client(showcase_store: EmbeddedStore, data_dir: Path) -> Iterator[TestClient]:
    """An officer's client on the showcase store."""
    with keyed_client(showcase_store, Settings(data_dir=data_dir)) as test_client:
        yield test_client
