from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.service import import_document, showcase_document
from graph.embedded import EmbeddedStore


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
