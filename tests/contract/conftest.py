from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.store import GraphStore
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
