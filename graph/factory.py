"""Open the configured graph store: the embedded default or a Neo4j server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from meute.graph.store import GraphStore

__all__ = ["Backend", "open_store"]

Backend = Literal["embedded", "neo4j"]


def open_store(
    backend: Backend,
    data_dir: Path,
    neo4j_uri: str | None = None,
    neo4j_user: str = "neo4j",
    neo4j_password: str = "",
    neo4j_database: str = "neo4j",
    neo4j_timeout: float = 1.0,
) -> GraphStore:
    """Open the store named by ``backend``; the caller closes it."""
    if backend == "neo4j":
        from meute.graph.neo4j_store import Neo4jStore  # the driver loads only for this backend

        return Neo4jStore(
            neo4j_uri or "", neo4j_user, neo4j_password, neo4j_database, neo4j_timeout
        )
    from meute.graph.embedded import EmbeddedStore  # networkx loads only for this backend

    return EmbeddedStore(data_dir)
