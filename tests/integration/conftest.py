from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from meute.api.service import import_document, showcase_document
from meute.graph.embedded import EmbeddedStore
from meute.graph.neo4j_store import Neo4jStore
from tests.neo4j_server import open_test_store

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalServer:
    """A Neo4j server of the test's own, which the test may kill and restart."""

    home: Path
    port: int
    password: str = "fault-test-password"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "MEUTE_NEO4J_HOME": str(self.home),
            "MEUTE_NEO4J_PORT": str(self.port),
            "MEUTE_NEO4J_PASSWORD": self.password,
        }

    def start(self) -> None:
        subprocess.run(
            ["bash", str(ROOT / "tools/neo4j/start.sh")],
            env=self.env(),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            ["bash", str(ROOT / "tools/neo4j/stop.sh")],
            env=self.env(),
            check=True,
            capture_output=True,
        )

    def pid(self) -> int:
        return int((self.home / "neo4j.pid").read_text().strip())


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A private Neo4j server (own data directory and port), stopped after the module."""
    if os.environ.get("MEUTE_NEO4J_URI") is None and not os.environ.get("CI"):
        pytest.skip("Neo4j tests run through tools/test.sh")
    server = LocalServer(
        tmp_path_factory.mktemp("neo4j-private"),
        int(os.environ.get("MEUTE_NEO4J_FAULT_PORT", "17689")),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stores() -> Iterator[tuple[EmbeddedStore, Neo4jStore]]:
    """The showcase on the embedded store and on the test Neo4j server, side by side."""
    document = showcase_document()
    embedded = EmbeddedStore(None)
    import_document(embedded, document)
    with open_test_store() as neo4j:
        import_document(neo4j, document)
        yield embedded, neo4j
