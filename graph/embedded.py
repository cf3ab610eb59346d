"""The embedded store: a networkx graph in memory, persisted to a data directory.

Firms and CPV codes are nodes; ``HAS_CAPABILITY`` edges join a firm to the codes it delivers and
``COLLABORATED`` edges join firms that have worked together. Tenders are kept beside the graph.

Every write saves a snapshot (``graph.json``) by writing a temporary file, syncing it and
renaming it over the old one, so a crash mid-write leaves the previous snapshot intact. A file
lock serialises writers across processes, and a reader reloads the snapshot when another process
has replaced it.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import networkx as nx
from pydantic import BaseModel, Field, ValidationError

from meute.graph.durable import atomic_write, file_stamp, remove_leftovers, writer_lock
from meute.graph.model import Collaboration, CollaborationKind, Firm, Tender
from meute.graph.records import RecordFile
from meute.graph.store import (
    NEIGHBOURHOOD_DIGITS,
    DivisionCooccurrence,
    FirmQuery,
    GraphStore,
    ImportReport,
    neighbourhood_prefix,
    reject_duplicate_keys,
    unknown_firms_reason,
)

__all__ = ["EmbeddedStore"]

SNAPSHOT = "graph.json"
UNREADABLE = "graph.unreadable.json"
CollaborationKey = tuple[str, str, str, int, str]
FORMAT_VERSION = 1
log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class Snapshot(BaseModel):
    """What the data directory holds."""

    format_version: int = FORMAT_VERSION
    firms: list[Firm] = Field(default_factory=list)
    tenders: list[Tender] = Field(default_factory=list)
    collaborations: list[Collaboration] = Field(default_factory=list)


def _read_snapshot(path: Path) -> Snapshot:
    """The snapshot at ``path``; items it holds that cannot be read (written by an older version,
    say) are skipped, reported in the log and kept aside in ``graph.unreadable.json``.
    """
    raw = path.read_bytes()
    try:
        return Snapshot.model_validate_json(raw)
    except ValidationError:
        pass
    document = json.loads(raw)
    unreadable: dict[str, list[Any]] = {}

    def items(name: str, model: type[M]) -> list[M]:
        found = []
        for item in document.get(name, []):
            try:
                found.append(model.model_validate(item))
            except ValidationError as error:
                log.warning("skipped an unreadable %s in %s: %s", name[:-1], path, error)
                unreadable.setdefault(name, []).append(item)
        return found

    firms = items("firms", Firm)
    sirens = {firm.siren for firm in firms}
    collaborations = []
    for collaboration in items("collaborations", Collaboration):
        if {collaboration.firm_a, collaboration.firm_b} <= sirens:
            collaborations.append(collaboration)
        else:
            unreadable.setdefault("collaborations", []).append(collaboration.model_dump())
    tenders = items("tenders", Tender)
    snapshot = Snapshot(firms=firms, tenders=tenders, collaborations=collaborations)
    aside = path.with_name(UNREADABLE)
    if aside.exists():
        for name, kept in json.loads(aside.read_bytes()).items():
            unreadable[name] = kept + [i for i in unreadable.get(name, []) if i not in kept]
    atomic_write(aside, json.dumps(unreadable, indent=1).encode("utf-8"))
    return snapshot


S = TypeVar("S", bound="EmbeddedStore")
P = ParamSpec("P")
R = TypeVar("R")


def _synchronised(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Run a store method under the store's lock: API threads and import jobs share a store."""

    def locked(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    functools.update_wrapper(locked, method)
    return locked


def _firm_node(siren: str) -> tuple[str, str]:
    return ("firm", siren)


def _cpv_node(code: str) -> tuple[str, str]:
    return ("cpv", code)


class EmbeddedStore(GraphStore):
    """The default store; ``data_dir=None`` keeps everything in memory only."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self._lock = threading.RLock()
        self._loaded_stamp: tuple[int, int, int] | None = None
        self._reset()
        if data_dir is not None:  # the snapshot is read by the first read or write that needs it
            data_dir.mkdir(parents=True, exist_ok=True)
            for leftover in remove_leftovers(self._snapshot_path(), data_dir / ".lock"):
                log.warning("removed %s, left by an interrupted snapshot write", leftover)
        self._records = RecordFile(data_dir)

    # -- state -----------------------------------------------------------------------------

    def _reset(self) -> None:
        self._graph = nx.Graph()
        self._tenders: dict[str, Tender] = {}
        # CPV code prefix (2 to 4 digits) -> codes held by at least one firm
        self._codes_by_prefix: dict[str, set[str]] = {}
        # CPV code prefix -> the firms holding a code under it, strongest evidence first (ties
        # by SIREN), with their SIRENs: built when first asked, dropped when firms change
        self._ranked: dict[str, list[tuple[str, Firm]]] = {}
        # SIREN -> partner SIREN -> their collaborations (the dict on their graph edge)
        self._partners: dict[str, dict[str, dict[CollaborationKey, Collaboration]]] = {}

    def _snapshot_path(self) -> Path:
        assert self.data_dir is not None
        return self.data_dir / SNAPSHOT

    def _stamp(self) -> tuple[int, int, int] | None:
        return file_stamp(self._snapshot_path())

    def _refresh(self) -> None:
        """Reload the snapshot if another writer replaced it since we last read it."""
        if self.data_dir is None:
            return
        stamp = self._stamp()
        if stamp == self._loaded_stamp:
            return
        self._reset()
        if stamp is not None:
            snapshot = _read_snapshot(self._snapshot_path())
            self._apply_firms(snapshot.firms)
            self._tenders = {tender.id: tender for tender in snapshot.tenders}
            for collaboration in snapshot.collaborations:
                self._add_collaboration(collaboration)
        self._loaded_stamp = stamp

    def _save(self) -> None:
        if self.data_dir is None:
            return
        snapshot = Snapshot(
            firms=[self._firm(siren) for siren in self._sirens()],
            tenders=[self._tenders[key] for key in sorted(self._tenders)],
            collaborations=self._collaborations(),
        )
        atomic_write(self._snapshot_path(), snapshot.model_dump_json().encode("utf-8"))
        self._loaded_stamp = self._stamp()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the writer lock, start from the latest snapshot, save or roll back."""
        if self.data_dir is None:
            yield
            return
        with writer_lock(self.data_dir / ".lock"):
            self._refresh()
            try:
                yield
                self._save()
            except BaseException:
                self._loaded_stamp = None  # memory may be ahead of disk: reload
                self._refresh()
                raise

    # -- graph helpers ---------------------------------------------------------------------

    def _sirens(self) -> list[str]:
        return sorted(node[1] for node in self._graph if node[0] == "firm")

    def _firm(self, siren: str) -> Firm:
        firm: Firm = self._graph.nodes[_firm_node(siren)]["firm"]
        return firm

    def _apply_firms(self, firms: Iterable[Firm]) -> None:
        self._ranked.clear()
        for firm in firms:
            node = _firm_node(firm.siren)
            if node in self._graph:
                stale = [n for n in self._graph[node] if n[0] == "cpv"]
                self._graph.remove_edges_from((node, code) for code in stale)
            self._graph.add_node(node, firm=firm)
            for capability in firm.capabilities:
                code_node = _cpv_node(capability.cpv)
                self._graph.add_edge(node, code_node, strength=capability.strength)
                for length in range(2, NEIGHBOURHOOD_DIGITS + 1):
                    prefix = capability.cpv[:length]
                    self._codes_by_prefix.setdefault(prefix, set()).add(capability.cpv)

    def _add_collaboration(self, collaboration: Collaboration) -> bool:
        a, b = collaboration.firm_a, collaboration.firm_b
        known = self._partners.get(a, {}).get(b)
        if known is None:
            known = {}
            self._graph.add_edge(_firm_node(a), _firm_node(b), collaborations=known)
            self._partners.setdefault(a, {})[b] = self._partners.setdefault(b, {})[a] = known
        elif collaboration.key in known:
            return False
        known[collaboration.key] = collaboration
        return True

    def _collaborations(self, sirens: set[str] | None = None) -> list[Collaboration]:
        if sirens is None:
            edges = self._graph.edges(data="collaborations")
            found = [c for _, _, known in edges if known for c in known.values()]
        else:
            found = [
                c
                for siren in sirens
                for other, known in self._partners.get(siren, {}).items()
                if siren < other and other in sirens
                for c in known.values()
            ]
        return sorted(found, key=lambda c: c.key)

    def _neighbourhood(self, prefix: str) -> list[tuple[str, Firm]]:
        """Firms holding a code under ``prefix``, strongest evidence first, ties by SIREN."""
        ranked = self._ranked.get(prefix)
        if ranked is None:
            strongest: dict[str, float] = {}
            for held in self._codes_by_prefix.get(prefix, ()):
                for node, edge in self._graph[_cpv_node(held)].items():
                    strongest[node[1]] = max(strongest.get(node[1], 0.0), edge["strength"])
            order = sorted(strongest.items(), key=lambda item: (-item[1], item[0]))
            ranked = self._ranked[prefix] = [(siren, self._firm(siren)) for siren, _ in order]
        return ranked

    # -- GraphStore ------------------------------------------------------------------------

    @_synchronised
    def upsert_firms(self, firms: Sequence[Firm]) -> ImportReport:
        """Create or replace firms by SIREN, in one atomic snapshot write."""
        reject_duplicate_keys([firm.siren for firm in firms], "firms", "siren")
        report = ImportReport()
        with self._writing():
            for firm in firms:
                node = _firm_node(firm.siren)
                if node not in self._graph:
                    report.created += 1
                elif self._firm(firm.siren) == firm:
                    report.unchanged += 1
                else:
                    report.updated += 1
            self._apply_firms(firms)
        return report

    @_synchronised
    def upsert_tenders(self, tenders: Sequence[Tender]) -> ImportReport:
        """Create or replace tenders by id."""
        reject_duplicate_keys([tender.id for tender in tenders], "tenders", "id")
        report = ImportReport()
        with self._writing():
            for tender in tenders:
                known = self._tenders.get(tender.id)
                if known is None:
                    report.created += 1
                elif known == tender:
                    report.unchanged += 1
                else:
                    report.updated += 1
                self._tenders[tender.id] = tender
        return report

    @_synchronised
    def upsert_collaborations(self, collaborations: Sequence[Collaboration]) -> ImportReport:
        """Add collaborations between stored firms; others are rejected with the reason."""
        report = ImportReport()
        with self._writing():
            for collaboration in collaborations:
                missing = [
                    s
                    for s in (collaboration.firm_a, collaboration.firm_b)
                    if _firm_node(s) not in self._graph
                ]
                if missing:
                    report.rejected.append(unknown_firms_reason(collaboration, missing))
                elif self._add_collaboration(collaboration):
                    report.created += 1
                else:
                    report.unchanged += 1
        return report

    @_synchronised
    def get_firm(self, siren: str) -> Firm | None:
        """The firm with this SIREN, or None."""
        self._refresh()
        node = _firm_node(siren)
        return self._firm(siren) if node in self._graph else None

    @_synchronised
    def get_firms(self, sirens: Iterable[str]) -> list[Firm]:
        """The stored firms among ``sirens``, sorted by SIREN."""
        self._refresh()
        wanted = sorted({s for s in sirens if _firm_node(s) in self._graph})
        return [self._firm(s) for s in wanted]

    @_synchronised
    def find_firms(
        self, query: FirmQuery, offset: int = 0, limit: int = 100
    ) -> tuple[list[Firm], int]:
        """A page of the firms passing ``query``, and how many pass."""
        self._refresh()
        if query == FirmQuery():
            sirens = self._sirens()
            return [self._firm(s) for s in sirens[offset : offset + limit]], len(sirens)
        passing = [f for f in map(self._firm, self._sirens()) if query.matches(f)]
        return passing[offset : offset + limit], len(passing)

    @_synchronised
    def count_firms(self) -> int:
        """How many firms are stored."""
        self._refresh()
        return sum(1 for node in self._graph if node[0] == "firm")

    @_synchronised
    def sirens(self) -> set[str]:
        """The SIRENs of every stored firm."""
        self._refresh()
        return {node[1] for node in self._graph if node[0] == "firm"}

    @_synchronised
    def get_tender(self, tender_id: str) -> Tender | None:
        """The tender with this id, or None."""
        self._refresh()
        return self._tenders.get(tender_id)

    @_synchronised
    def list_tenders(self, offset: int = 0, limit: int = 100) -> list[Tender]:
        """A page of tenders sorted by id."""
        self._refresh()
        return [self._tenders[k] for k in sorted(self._tenders)[offset : offset + limit]]

    @_synchronised
    def count_tenders(self) -> int:
        """How many tenders are stored."""
        self._refresh()
        return len(self._tenders)

    @_synchronised
    def candidates(self, cpv_codes: Iterable[str], limit: int | None = None) -> list[Firm]:
        """Firms holding a code in the neighbourhood of any of ``cpv_codes``."""
        self._refresh()
        found: dict[str, Firm] = {}
        for prefix in {neighbourhood_prefix(code) for code in cpv_codes}:
            found.update(self._neighbourhood(prefix)[:limit])
        return [found[siren] for siren in sorted(found)]

    @_synchronised
    def collaborations_among(self, sirens: Iterable[str]) -> list[Collaboration]:
        """Collaborations between two firms of ``sirens``."""
        self._refresh()
        return self._collaborations(set(sirens))

    @_synchronised
    def collaborations_of(self, sirens: Iterable[str]) -> list[Collaboration]:
        """Collaborations of at least one firm of ``sirens``."""
        self._refresh()
        nodes = [_firm_node(s) for s in set(sirens) if _firm_node(s) in self._graph]
        found: dict[CollaborationKey, Collaboration] = {}
        for _, _, known in self._graph.edges(nodes, data="collaborations"):
            found.update(known or {})
        return [found[key] for key in sorted(found)]

    @_synchronised
    def division_cooccurrence(self) -> list[DivisionCooccurrence]:
        """CPV-division co-occurrence over every collaboration."""
        self._refresh()
        counts: Counter[tuple[str, str, CollaborationKind]] = Counter()
        for a, b, known in self._graph.edges(data="collaborations"):
            if not known:
                continue
            divisions_a = {c.cpv[:2] for c in self._firm(a[1]).capabilities}
            divisions_b = {c.cpv[:2] for c in self._firm(b[1]).capabilities}
            for kind in {collaboration.kind for collaboration in known.values()}:
                for x in divisions_a:
                    for y in divisions_b:
                        counts[x, y, kind] += 1
                        counts[y, x, kind] += 1
        return [DivisionCooccurrence(x, y, kind, n) for (x, y, kind), n in sorted(counts.items())]

    # -- records ---------------------------------------------------------------------------

    def put_record(self, kind: str, key: str, document: str) -> None:
        """Create or replace a record (in ``records.json``, not in the graph snapshot)."""
        self._records.put(kind, key, document)

    def get_record(self, kind: str, key: str) -> str | None:
        """The record under ``kind`` and ``key``, or None."""
        return self._records.get(kind, key)

    def list_records(self, kind: str) -> list[str]:
        """Every record of ``kind``, sorted by key."""
        return self._records.list(kind)

    def delete_record(self, kind: str, key: str) -> bool:
        """Delete a record; False when there was none."""
        return self._records.delete(kind, key)
