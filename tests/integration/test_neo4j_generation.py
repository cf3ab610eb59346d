"""What a Neo4j store remembers about firms follows every write, whichever process makes it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from meute.graph.neo4j_store import Neo4jStore
from tests.neo4j_server import open_test_store
from tests.unit.factories import make_firm, valid_siren

pytestmark = pytest.mark.neo4j


@pytest.fixture
def stores() -> Iterator[tuple[Neo4jStore, Neo4jStore]]:
    """Two stores on the test server (two processes, as far as caching goes), emptied."""
    with (
        open_test_store() as reader,
        Neo4jStore(
            os.environ["MEUTE_NEO4J_URI"],
            os.environ.get("MEUTE_NEO4J_USER", "neo4j"),
            os.environ.get("MEUTE_NEO4J_PASSWORD", ""),
            os.environ.get("MEUTE_NEO4J_DATABASE", "neo4j"),
        ) as writer,
    ):
        yield reader, writer


def test_candidates_follow_writes_by_another_store(stores: tuple[Neo4jStore, Neo4jStore]) -> None:
    reader, writer = stores
    builder = make_firm(valid_siren(1), [("45215140", 0.5)], name="Builder")
    writer.upsert_firms([builder])
    assert reader.candidates(["45215140"], limit=5) == [builder]
    assert reader.candidates(["45215140"], limit=5) == [builder]  # remembered: same answer
    renamed = builder.model_copy(update={"name": "Renamed builder"})
    stronger = make_firm(valid_siren(2), [("45210000", 0.9)])
    writer.upsert_firms([renamed, stronger])
    assert reader.candidates(["45215140"], limit=1) == [stronger]
    assert reader.candidates(["45215140"], limit=5) == [renamed, stronger]
    writer.wipe()
    assert reader.candidates(["45215140"], limit=5) == []
