"""NAF sectors in Neo4j: ``(:Firm)-[:IN_SECTOR]->(:Naf {code, label})``, kept by firm upserts."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from neo4j import GraphDatabase

from meute.graph.neo4j_store import Neo4jStore
from tests.neo4j_server import open_test_store
from tests.unit.factories import make_firm, valid_siren

pytestmark = pytest.mark.neo4j

SECTORS = """
MATCH (f:Firm)-[:IN_SECTOR]->(n:Naf)
RETURN f.siren AS siren, n.code AS code, n.label AS label, f.text AS text ORDER BY siren
"""


@pytest.fixture
def store() -> Iterator[Neo4jStore]:
    with open_test_store() as opened:
        yield opened


def sectors() -> list[tuple[str, str, str, str]]:
    auth = (os.environ.get("MEUTE_NEO4J_USER", "neo4j"), os.environ["MEUTE_NEO4J_PASSWORD"])
    with GraphDatabase.driver(os.environ["MEUTE_NEO4J_URI"], auth=auth) as driver:
        records, _, _ = driver.execute_query(SECTORS)
    return [(r["siren"], r["code"], r["label"], r["text"]) for r in records]


def test_firm_upserts_link_firms_to_their_naf_sector(store: Neo4jStore) -> None:
    engineering = make_firm(valid_siren(1), ["71240000"], naf="71.12B", description="Études")
    building = make_firm(valid_siren(2), ["45215140"], naf="41.20B")
    unknown = make_firm(valid_siren(3), ["45215140"])
    store.upsert_firms([engineering, building, unknown])
    found = sectors()
    assert [(siren, code, label) for siren, code, label, _ in found] == [
        (engineering.siren, "71.12B", "Ingénierie, études techniques"),
        (building.siren, "41.20B", "Construction d'autres bâtiments"),
    ]
    assert found[0][3].startswith("Études Ingénierie, études techniques ")

    moved = engineering.model_copy(update={"naf": "41.20B"})
    store.upsert_firms([moved, building.model_copy(update={"naf": None})])
    assert [(siren, code) for siren, code, _, _ in sectors()] == [(engineering.siren, "41.20B")]
    assert store.get_firm(engineering.siren) == moved
