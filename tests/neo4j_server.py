"""Reach the test Neo4j server: the one configured by MEUTE_NEO4J_URI, or none.

``tools/test.sh`` starts a local server and sets ``MEUTE_NEO4J_URI`` when the user has not
configured one. In CI a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os

import pytest

from meute.graph.neo4j_store import Neo4jStore


def open_test_store() -> Neo4jStore:
    """A store on the test server with every firm, tender and lot removed (CPV tree kept)."""
    uri = os.environ.get("MEUTE_NEO4J_URI")
    if not uri:
        message = "MEUTE_NEO4J_URI is not set: run the tests through tools/test.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    store = Neo4jStore(
        uri,
        os.environ.get("MEUTE_NEO4J_USER", "neo4j"),
        os.environ.get("MEUTE_NEO4J_PASSWORD", ""),
        os.environ.get("MEUTE_NEO4J_DATABASE", "neo4j"),
    )
    store.wipe()
    return store
