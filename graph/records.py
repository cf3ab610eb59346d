"""Records: small JSON documents kept beside the graph (API keys, proposals, shortlists).

:class:`RecordFile` keeps them for the embedded store in ``records.json``, apart from the graph
snapshot so that saving a note never rewrites a national-scale graph; :class:`Records` gives
typed access to one kind of record on any :class:`graph.store.GraphStore`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from meute.graph.durable import atomic_write, file_stamp, remove_leftovers, writer_lock

if TYPE_CHECKING:
    from meute.graph.store import GraphStore

__all__ = ["RecordFile", "Records", "readable"]

RECORDS = "records.json"
M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)


def readable(model: type[M], documents: Iterable[str | bytes], what: str) -> list[M]:
    """The documents that ``model`` can read; each one it cannot (written by an older version,
    say) is skipped and reported in the log, so that one bad record never hides the others.
    """
    found = []
    for document in documents:
        try:
            found.append(model.model_validate_json(document))
        except ValidationError as error:
            log.warning("skipped an unreadable %s: %s (%.200r)", what, error, document)
    return found


class RecordFile:
    """Documents by kind and key, in memory and, with a data directory, in ``records.json``.

    Writes are atomic and serialised by a lock; a reader reloads the file when another process
    has replaced it.
    """

    def __init__(self, data_dir: Path | None) -> None:
        self._path = data_dir / RECORDS if data_dir is not None else None
        self._documents: dict[str, dict[str, str]] = {}
        self._stamp: tuple[int, int, int] | None = None
        if self._path is not None:
            remove_leftovers(self._path, self._lock_path())
        self._refresh()

    def _lock_path(self) -> Path:
        assert self._path is not None
        return self._path.with_name(".records.lock")

    def _refresh(self) -> None:
        if self._path is None:
            return
        stamp = file_stamp(self._path)
        if stamp != self._stamp:
            self._documents = json.loads(self._path.read_bytes()) if stamp is not None else {}
            self._stamp = stamp

    def get(self, kind: str, key: str) -> str | None:
        """The document under ``kind`` and ``key``, or None."""
        self._refresh()
        return self._documents.get(kind, {}).get(key)

    def list(self, kind: str) -> list[str]:
        """Every document of ``kind``, sorted by key."""
        self._refresh()
        documents = self._documents.get(kind, {})
        return [documents[key] for key in sorted(documents)]

    def put(self, kind: str, key: str, document: str) -> None:
        """Create or replace a document."""
        self._update(kind, key, document)

    def delete(self, kind: str, key: str) -> bool:
        """Delete a document; False when there was none."""
        return self._update(kind, key, None)

    def _update(self, kind: str, key: str, document: str | None) -> bool:
        if self._path is None:
            return self._apply(self._documents, kind, key, document)
        with writer_lock(self._lock_path()):
            self._refresh()
            documents = {k: dict(v) for k, v in self._documents.items()}
            existed = self._apply(documents, kind, key, document)
            atomic_write(self._path, json.dumps(documents, sort_keys=True).encode("utf-8"))
            self._documents, self._stamp = documents, file_stamp(self._path)
            return existed

    @staticmethod
    def _apply(
        documents: dict[str, dict[str, str]], kind: str, key: str, document: str | None
    ) -> bool:
        existed = key in documents.get(kind, {})
        if document is None:
            documents.get(kind, {}).pop(key, None)
        else:
            documents.setdefault(kind, {})[key] = document
        return existed


class Records(Generic[M]):
    """Typed access to the records of one kind, validated by a pydantic model."""

    def __init__(self, store: GraphStore, kind: str, model: type[M]) -> None:
        self.store, self.kind, self.model = store, kind, model

    def get(self, key: str) -> M | None:
        """The record under ``key``, or None (also when it is unreadable, as reported)."""
        document = self.store.get_record(self.kind, key)
        found = readable(self.model, [document] if document is not None else [], self.kind)
        return found[0] if found else None

    def all(self) -> list[M]:
        """Every readable record, sorted by key."""
        return readable(self.model, self.store.list_records(self.kind), self.kind)

    def put(self, key: str, record: M) -> None:
        """Create or replace a record."""
        self.store.put_record(self.kind, key, record.model_dump_json())

    def delete(self, key: str) -> bool:
        """Delete a record; False when there was none."""
        return self.store.delete_record(self.kind, key)
