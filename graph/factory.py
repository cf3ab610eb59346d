"""Open the configured graph store."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from graph.embedded import EmbeddedStore
from graph.store import GraphStore

__all__ = ["Backend", "open_store"]

Backend = Literal["embedded"]


def open_store(backend: Backend, data_dir: Path) -> GraphStore:
    """Open the store named by ``backend``; the caller closes it."""
    return EmbeddedStore(data_dir)
