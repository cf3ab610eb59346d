from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from meute.api.service import import_document, showcase_document
from meute.graph.embedded import EmbeddedStore
from meute.graph.store import GraphStore
from tests.neo4j_server import open_test_store


@pytest.fixture(
    params=[
        "embedded-memory",
        "embedded-disk",
        pytest.param("neo4j", marks=pytest.mark.neo4j),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Every GraphStore implementation, empty."""
    if request.param == "embedded-memory":
        opened: GraphStore = EmbeddedStore(None)
    elif request.param == "embedded-disk":
        opened = EmbeddedStore(tmp_path / "data")
    else:
        opened = open_test_store()
    with opened:
        yield opened


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def loaded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """The showcase on each backend (embedded: on disk, so that it can be reopened)."""
    store: GraphStore = (
        EmbeddedStore(tmp_path / "data") if request.param == "embedded" else open_test_store()
    )
    with store:
        import_document(store, showcase_document())
        yield store
