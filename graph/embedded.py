"""The embedded store: a networkx graph in memory, persisted to SQLite in a data directory.

Firms and CPV codes are nodes; ``HAS_CAPABILITY`` edges join a firm to the codes it delivers and
``COLLABORATED`` edges join firms that have worked together. Tenders are kept beside the graph.

On disk (``graph.db``, SQLite in WAL mode): one row per firm, tender and collaboration, each
holding the JSON its model dumped, the stamp of the version that wrote it and the revision of
the write. A write is one transaction holding only what changed, so importing a batch costs the
batch, and a crash (even mid-write) leaves the last committed write: SQLite's journal is the
append-only log and its checkpoints the compaction. Another process's writes are read back
incrementally (the rows of later revisions).

Opening reads only the graph's index (each firm's codes and strengths, the collaborations); a
firm is rebuilt from its JSON the first time it is read, without validating it again when this
version wrote it (:mod:`graph.trusted`). Rows another version wrote are validated when opened:
those that cannot be read are skipped, reported in the log and set aside in
``graph.unreadable.json``, the others rewritten in today's format. A data directory holding the
JSON snapshot of earlier versions (``graph.json``) is migrated the first time it is opened.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, filterfalse, repeat
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field, ValidationError

from meute import __version__
from meute.graph.collector import collector_paused
from meute.graph.durable import atomic_write, remove_leftovers
from meute.graph.model import (
    Collaboration,
    CollaborationKind,
    Firm,
    Tender,
)
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
from meute.graph.trusted import firm_json, schema_stamp, trusted_builder

__all__ = ["EmbeddedStore", "firm_json", "read_index"]

DATABASE = "graph.db"
SNAPSHOT = "graph.json"  # what versions before the database wrote; migrated when opened
MIGRATED = "graph.json.migrated"
UNREADABLE = "graph.unreadable.json"
FORMAT_VERSION = 2
CollaborationKey = tuple[str, str, str, int, str]
Codes = list[tuple[str, float]]
log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
CHUNK = 900  # SQLite binds at most 999 values in one statement

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS firms (
    siren TEXT PRIMARY KEY, stamp TEXT NOT NULL, revision INTEGER NOT NULL,
    codes TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS firms_revision ON firms (revision);
CREATE TABLE IF NOT EXISTS tenders (
    id TEXT PRIMARY KEY, stamp TEXT NOT NULL, revision INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tenders_revision ON tenders (revision);
CREATE TABLE IF NOT EXISTS collaborations (
    firm_a TEXT NOT NULL, firm_b TEXT NOT NULL, kind TEXT NOT NULL, year INTEGER NOT NULL,
    source TEXT NOT NULL, stamp TEXT NOT NULL, revision INTEGER NOT NULL,
    PRIMARY KEY (firm_a, firm_b, kind, year, source));
CREATE INDEX IF NOT EXISTS collaborations_revision ON collaborations (revision);
INSERT OR IGNORE INTO meta VALUES ('format_version', '2'), ('revision', '0');
"""
UPSERT_FIRM = """
INSERT INTO firms VALUES (?, ?, ?, ?, ?) ON CONFLICT (siren) DO UPDATE SET
stamp = excluded.stamp, revision = excluded.revision, codes = excluded.codes, doc = excluded.doc
"""
UPSERT_TENDER = """
INSERT INTO tenders VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
stamp = excluded.stamp, revision = excluded.revision, doc = excluded.doc
"""
INSERT_COLLABORATION = "INSERT OR REPLACE INTO collaborations VALUES (?, ?, ?, ?, ?, ?, ?)"
COLLABORATION_FIELDS = ("firm_a", "firm_b", "kind", "year", "source")


@functools.cache
def current_stamp() -> str:
    """The stamp of rows this version writes: rows bearing it are trusted when read back."""
    return schema_stamp(__version__, Firm, Tender, Collaboration)


class Snapshot(BaseModel):
    """What the data directory held before the database (format 1, ``graph.json``)."""

    format_version: int = 1
    firms: list[Firm] = Field(default_factory=list)
    tenders: list[Tender] = Field(default_factory=list)
    collaborations: list[Collaboration] = Field(default_factory=list)


def _set_aside(data_dir: Path, unreadable: dict[str, list[Any]]) -> None:
    """Keep unreadable items in ``graph.unreadable.json``, beside those kept before."""
    aside = data_dir / UNREADABLE
    if aside.exists():
        for name, kept in json.loads(aside.read_bytes()).items():
            unreadable[name] = kept + [i for i in unreadable.get(name, []) if i not in kept]
    atomic_write(aside, json.dumps(unreadable, indent=1).encode("utf-8"))


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
    _set_aside(path.parent, unreadable)
    return Snapshot(firms=firms, tenders=tenders, collaborations=collaborations)


def _codes(firm: Firm) -> Codes:
    return [(capability.cpv, capability.strength) for capability in firm.capabilities]


def _firm_row(firm: Firm, revision: int) -> tuple[str, str, int, str, str]:
    codes = json.dumps(_codes(firm), separators=(",", ":"))
    return (firm.siren, current_stamp(), revision, codes, firm_json(firm))


def _collaboration_row(collaboration: Collaboration, revision: int) -> tuple[Any, ...]:
    return (*collaboration.key, current_stamp(), revision)


def _chunks(keys: Sequence[str]) -> Iterator[tuple[str, Sequence[str]]]:
    """``keys`` in slices SQLite can bind, each with its ``(?, ?, ...)`` placeholder list."""
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        yield "(" + ",".join("?" * len(chunk)) + ")", chunk


def read_index(db: sqlite3.Connection) -> tuple[list[tuple[str, Codes]], list[CollaborationKey]]:
    """Every firm's codes and every collaboration in the database, as opening reads them
    (firms and collaborations another version wrote are left out: they need validating).
    """
    stamp = current_stamp()
    firms = [
        (siren, [(code, strength) for code, strength in json.loads(codes)])
        for siren, codes in db.execute("SELECT siren, codes FROM firms WHERE stamp = ?", (stamp,))
    ]
    links: list[CollaborationKey] = db.execute(
        "SELECT firm_a, firm_b, kind, year, source FROM collaborations WHERE stamp = ?", (stamp,)
    ).fetchall()
    return firms, links


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


class _PartnerIndex:
    """Which firms worked together, as arrays: the partners of the firm in row ``i`` are the
    rows ``partner[start[i]:start[i + 1]]``. Finding the pairs among thousands of candidates
    this way costs a few array operations instead of a Python step per partner.
    """

    def __init__(self, partners: dict[str, dict[str, set[CollaborationKey]]]) -> None:
        self.sirens = list(partners)
        self.row = dict(zip(self.sirens, range(len(self.sirens)), strict=True))
        degree = np.fromiter(map(len, partners.values()), dtype=np.intp, count=len(partners))
        self.start = np.concatenate([[0], np.cumsum(degree)])
        others = chain.from_iterable(partners.values())
        self.partner: NDArray[np.intp] = np.fromiter(
            map(self.row.__getitem__, others), dtype=np.intp, count=int(self.start[-1])
        )

    def pairs_among(self, sirens: set[str]) -> list[tuple[str, str]]:
        """Each pair of partners both in ``sirens``, once."""
        rows = np.fromiter(map(self.row.get, sirens, repeat(-1)), dtype=np.intp, count=len(sirens))
        rows = rows[rows >= 0]
        inside = np.zeros(len(self.sirens), dtype=bool)
        inside[rows] = True
        degree = self.start[rows + 1] - self.start[rows]
        owner = np.repeat(rows, degree)
        # Each owner's partners: its slice of ``partner``, the slices laid end to end.
        offset = np.repeat(self.start[rows] - np.cumsum(degree) + degree, degree)
        other = self.partner[offset + np.arange(len(owner))]
        kept = inside[other] & (owner < other)
        return list(
            zip(
                map(self.sirens.__getitem__, owner[kept].tolist()),
                map(self.sirens.__getitem__, other[kept].tolist()),
                strict=True,
            )
        )


class EmbeddedStore(GraphStore):
    """The default store; ``data_dir=None`` keeps everything in memory only."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None  # opened by the first read or write
        self._revision: int | None = None  # the database revision memory holds, None: nothing
        self._data_version: int | None = None
        self._reset()
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True)
            for leftover in remove_leftovers(data_dir / SNAPSHOT, data_dir / ".lock"):
                log.warning("removed %s, left by an interrupted snapshot write", leftover)
        self._records = RecordFile(data_dir)

    # -- state -----------------------------------------------------------------------------

    def _reset(self) -> None:
        self._graph = nx.Graph()
        self._sirens: set[str] = set()
        # SIREN -> the firm, rebuilt from its row the first time it is read
        self._firms: dict[str, Firm] = {}
        self._tenders: dict[str, Tender] = {}
        # CPV code prefix (2 to 4 digits) -> codes held by at least one firm
        self._codes_by_prefix: dict[str, set[str]] = {}
        # CPV code prefix -> the SIRENs of the firms holding a code under it, strongest
        # evidence first (ties by SIREN): built when first asked, dropped when firms change
        self._ranked: dict[str, list[str]] = {}
        # SIREN -> partner SIREN -> their collaborations (the set on their graph edge)
        self._partners: dict[str, dict[str, set[CollaborationKey]]] = {}
        self._built_collaborations: dict[CollaborationKey, Collaboration] = {}
        # The pairs of partners as arrays: built when first asked, dropped when they change
        self._partner_index: _PartnerIndex | None = None

    def close(self) -> None:
        """Close the database (the next use opens it again); an in-memory store stays open."""
        with self._lock:
            if self._db is not None and self.data_dir is not None:
                self._db.close()
                self._db = None
                self._data_version = None

    def _connect(self) -> sqlite3.Connection:
        """The database, opened (created, or migrated from a JSON snapshot) on first use."""
        if self._db is not None:
            return self._db
        location = ":memory:" if self.data_dir is None else str(self.data_dir / DATABASE)
        db = sqlite3.connect(location, timeout=600, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA journal_size_limit = 67108864")  # trim the log after checkpoints
        with self._transaction(db):
            for statement in SCHEMA.split(";"):
                db.execute(statement)
        self._db = db
        if self.data_dir is not None and (self.data_dir / SNAPSHOT).exists():
            self._migrate(db)
        return db

    @contextmanager
    def _transaction(self, db: sqlite3.Connection) -> Iterator[None]:
        """A write transaction (joined when one is open): it holds SQLite's writer lock."""
        if db.in_transaction:
            yield
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Move the JSON snapshot of earlier versions into the database, then rename it."""
        assert self.data_dir is not None
        legacy = self.data_dir / SNAPSHOT
        with self._transaction(db):
            if not legacy.exists():  # another process migrated it meanwhile
                return
            snapshot = _read_snapshot(legacy)
            revision = self._next_revision(db)
            db.executemany(UPSERT_FIRM, (_firm_row(f, revision) for f in snapshot.firms))
            db.executemany(UPSERT_TENDER, (self._tender_row(t, revision) for t in snapshot.tenders))
            db.executemany(
                INSERT_COLLABORATION,
                (_collaboration_row(c, revision) for c in snapshot.collaborations),
            )
            self._set_revision(db, revision)
        os.replace(legacy, self.data_dir / MIGRATED)
        log.warning(
            "migrated %s to %s (%d firms, %d tenders, %d collaborations); it is kept as %s",
            legacy,
            DATABASE,
            len(snapshot.firms),
            len(snapshot.tenders),
            len(snapshot.collaborations),
            MIGRATED,
        )

    @staticmethod
    def _next_revision(db: sqlite3.Connection) -> int:
        (value,) = db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(value) + 1

    @staticmethod
    def _set_revision(db: sqlite3.Connection, revision: int) -> None:
        db.execute("UPDATE meta SET value = ? WHERE key = 'revision'", (str(revision),))

    @staticmethod
    def _tender_row(tender: Tender, revision: int) -> tuple[str, str, int, str]:
        return (tender.id, current_stamp(), revision, tender.model_dump_json())

    def _refresh(self) -> None:
        """Bring memory up to the database: everything the first time, then what other
        processes wrote since (SQLite's ``data_version`` tells when they did).
        """
        db = self._connect()
        (data_version,) = db.execute("PRAGMA data_version").fetchone()
        if self._revision is not None and data_version == self._data_version:
            return
        revision = self._next_revision(db) - 1
        if self._revision is None:
            self._reset()
            with collector_paused():  # millions of small objects, none of them garbage
                self._load(db, -1)
        elif revision != self._revision:
            self._load(db, self._revision)
        self._revision, self._data_version = revision, data_version

    def _load(self, db: sqlite3.Connection, since: int) -> None:
        """Read the rows written after revision ``since`` into memory."""
        stamp = current_stamp()
        if since < 0:
            firms, links = read_index(db)
        else:
            firms = [
                (siren, [(code, strength) for code, strength in json.loads(codes)])
                for siren, codes in db.execute(
                    "SELECT siren, codes FROM firms WHERE revision > ? AND stamp = ?",
                    (since, stamp),
                )
            ]
            links = db.execute(
                "SELECT firm_a, firm_b, kind, year, source FROM collaborations"
                " WHERE revision > ? AND stamp = ?",
                (since, stamp),
            ).fetchall()
        for siren, _ in firms:
            self._firms.pop(siren, None)
        self._index_firms(firms)
        tender = trusted_builder(Tender)
        for key, doc in db.execute(
            "SELECT id, doc FROM tenders WHERE revision > ? AND stamp = ?", (since, stamp)
        ):
            self._tenders[key] = tender(json.loads(doc))
        self._validate_foreign(db, since)
        sirens = self._sirens  # a firm found unreadable just now takes its collaborations along
        self._add_collaborations(link for link in links if {link[0], link[1]} <= sirens)

    def _validate_foreign(self, db: sqlite3.Connection, since: int) -> None:
        """Validate the rows another version wrote: rewrite the readable ones in today's format,
        set the others aside (with the collaborations of firms that could not be read).
        """
        stamp = current_stamp()
        rows = {
            name: db.execute(
                f"SELECT {columns} FROM {name} WHERE revision > ? AND stamp != ?",
                (since, stamp),
            ).fetchall()
            for name, columns in (
                ("firms", "siren, doc"),
                ("tenders", "id, doc"),
                ("collaborations", ", ".join(COLLABORATION_FIELDS)),
            )
        }
        if not any(rows.values()):
            return
        unreadable: dict[str, list[Any]] = {}
        firms: list[Firm] = []
        tenders: list[Tender] = []
        links: list[Collaboration] = []
        for name, model, found in (
            ("firms", Firm, firms),
            ("tenders", Tender, tenders),
            ("collaborations", Collaboration, links),
        ):
            for row in rows[name]:
                document = (
                    dict(zip(COLLABORATION_FIELDS, row, strict=True))
                    if name == "collaborations"
                    else json.loads(row[1])
                )
                try:
                    found.append(model.model_validate(document))  # type: ignore[arg-type]
                except ValidationError as error:
                    log.warning("skipped an unreadable %s in %s: %s", name[:-1], DATABASE, error)
                    unreadable.setdefault(name, []).append(document)
        self._apply_firms(firms)
        gone = {s for (s, _) in rows["firms"]} - {firm.siren for firm in firms}
        for tender in tenders:
            self._tenders[tender.id] = tender
        kept = []
        for link in links:
            if {link.firm_a, link.firm_b} <= self._sirens:
                kept.append(link)
            else:
                unreadable.setdefault("collaborations", []).append(link.model_dump(mode="json"))
        for siren in gone:  # this version's collaborations of a firm that could not be read
            unreadable.setdefault("collaborations", []).extend(
                dict(zip(COLLABORATION_FIELDS, row, strict=True))
                for row in db.execute(
                    f"SELECT {', '.join(COLLABORATION_FIELDS)} FROM collaborations"
                    " WHERE (firm_a = ? OR firm_b = ?) AND stamp = ?",
                    (siren, siren, stamp),
                )
            )
        with self._transaction(db):  # the rows are now this version's
            revision = self._next_revision(db) - 1
            db.executemany(UPSERT_FIRM, (_firm_row(firm, revision) for firm in firms))
            db.executemany(UPSERT_TENDER, (self._tender_row(t, revision) for t in tenders))
            db.executemany(INSERT_COLLABORATION, (_collaboration_row(c, revision) for c in kept))
            for name, key in (("firms", "siren"), ("tenders", "id")):
                db.executemany(
                    f"DELETE FROM {name} WHERE {key} = ? AND stamp != ?",
                    ((row[0], stamp) for row in rows[name]),
                )
            db.execute("DELETE FROM collaborations WHERE stamp != ?", (stamp,))
            db.executemany(
                "DELETE FROM collaborations WHERE firm_a = ? OR firm_b = ?",
                ((siren, siren) for siren in gone),
            )
        if unreadable and self.data_dir is not None:
            _set_aside(self.data_dir, unreadable)
        self._add_collaborations(link.key for link in kept)

    @contextmanager
    def _writing(self) -> Iterator[tuple[sqlite3.Connection, int]]:
        """A write transaction from the latest state, with its revision; memory is rolled back
        (read again) if it fails.
        """
        db = self._connect()
        try:
            with collector_paused(), self._transaction(db):
                self._refresh()
                assert self._revision is not None
                revision = self._revision + 1
                yield db, revision
                self._set_revision(db, revision)
        except BaseException:
            self._revision = None  # memory may be ahead of the database: read it again
            raise
        self._revision = revision

    # -- graph helpers ---------------------------------------------------------------------

    def _index_firms(self, firms: Iterable[tuple[str, Codes]]) -> None:
        """Put firms and their capability edges in the graph, replacing earlier edges."""
        self._ranked.clear()
        graph = self._graph
        nodes: list[tuple[str, str]] = []
        edges: list[tuple[tuple[str, str], tuple[str, str], dict[str, float]]] = []
        for siren, codes in firms:
            node = _firm_node(siren)
            if siren in self._sirens:
                stale = [n for n in graph[node] if n[0] == "cpv"]
                graph.remove_edges_from((node, code) for code in stale)
            else:
                self._sirens.add(siren)
                nodes.append(node)
            edges.extend((node, _cpv_node(code), {"strength": weight}) for code, weight in codes)
        new_codes = {code[1] for _, code, _ in edges if code not in graph}
        graph.add_nodes_from(nodes)
        graph.add_edges_from(edges)
        for code in new_codes:  # codes are never removed: each is indexed once
            for length in range(2, NEIGHBOURHOOD_DIGITS + 1):
                self._codes_by_prefix.setdefault(code[:length], set()).add(code)

    def _apply_firms(self, firms: Sequence[Firm]) -> None:
        self._index_firms((firm.siren, _codes(firm)) for firm in firms)
        self._firms.update((firm.siren, firm) for firm in firms)

    def _materialise(self, sirens: Sequence[str]) -> list[Firm]:
        """The stored firms with these SIRENs, in order, rebuilt from their rows if need be."""
        firms = self._firms
        missing = list(filterfalse(firms.__contains__, sirens))
        if missing:
            build = trusted_builder(Firm)
            with collector_paused():
                for marks, chunk in _chunks(missing):
                    query = f"SELECT siren, doc FROM firms WHERE siren IN {marks}"
                    for siren, doc in self._connect().execute(query, chunk):
                        firms[siren] = build(json.loads(doc))
        return list(map(firms.__getitem__, sirens))

    def _known(self, key: CollaborationKey) -> bool:
        return key in self._partners.get(key[0], {}).get(key[1], ())

    def _add_collaborations(self, keys: Iterable[CollaborationKey]) -> None:
        """Put collaborations on the graph's edges (one edge per pair of firms)."""
        edges = []
        for key in keys:
            a, b = key[0], key[1]
            known = self._partners.get(a, {}).get(b)
            if known is None:
                known = set()
                edges.append((_firm_node(a), _firm_node(b), {"collaborations": known}))
                self._partners.setdefault(a, {})[b] = self._partners.setdefault(b, {})[a] = known
            known.add(key)
        self._graph.add_edges_from(edges)
        if edges:
            self._partner_index = None

    def _collaboration(self, key: CollaborationKey) -> Collaboration:
        """The collaboration of ``key``, built once (models read are never mutated)."""
        built = self._built_collaborations.get(key)
        if built is None:
            fields = dict(zip(COLLABORATION_FIELDS, key, strict=True))
            built = self._built_collaborations[key] = trusted_builder(Collaboration)(fields)
        return built

    def _collaborations(self, sirens: set[str] | None = None) -> list[Collaboration]:
        if sirens is None:
            edges = self._graph.edges(data="collaborations")
            found = [key for _, _, known in edges if known for key in known]
        else:
            if self._partner_index is None:
                self._partner_index = _PartnerIndex(self._partners)
            partners = self._partners
            pairs = self._partner_index.pairs_among(sirens)
            found = [key for a, b in pairs for key in partners[a][b]]
        return [self._collaboration(key) for key in sorted(found)]

    def _neighbourhood(self, prefix: str) -> list[str]:
        """SIRENs of the firms holding a code under ``prefix``, strongest evidence first, ties
        by SIREN.
        """
        ranked = self._ranked.get(prefix)
        if ranked is None:
            strongest: dict[str, float] = {}
            for held in self._codes_by_prefix.get(prefix, ()):
                for node, edge in self._graph[_cpv_node(held)].items():
                    strongest[node[1]] = max(strongest.get(node[1], 0.0), edge["strength"])
            order = sorted(strongest.items(), key=lambda item: (-item[1], item[0]))
            ranked = self._ranked[prefix] = [siren for siren, _ in order]
        return ranked

    def _divisions(self, siren: str) -> set[str]:
        return {node[1][:2] for node in self._graph[_firm_node(siren)] if node[0] == "cpv"}

    # -- GraphStore ------------------------------------------------------------------------

    @_synchronised
    def upsert_firms(self, firms: Sequence[Firm]) -> ImportReport:
        """Create or replace firms by SIREN, in one transaction holding the changed firms."""
        reject_duplicate_keys([firm.siren for firm in firms], "firms", "siren")
        report = ImportReport()
        with self._writing() as (db, revision):
            stored: dict[str, str] = {}
            known = [firm.siren for firm in firms if firm.siren in self._sirens]
            for marks, chunk in _chunks(known):
                query = f"SELECT siren, doc FROM firms WHERE siren IN {marks}"
                stored.update(db.execute(query, chunk))
            rows, changed = [], []
            for firm in firms:
                row = _firm_row(firm, revision)
                before = stored.get(firm.siren)
                if before is None:
                    report.created += 1
                elif before == row[-1]:
                    report.unchanged += 1
                    continue
                else:
                    report.updated += 1
                rows.append(row)
                changed.append(firm)
            db.executemany(UPSERT_FIRM, rows)
            self._apply_firms(changed)
        return report

    @_synchronised
    def upsert_tenders(self, tenders: Sequence[Tender]) -> ImportReport:
        """Create or replace tenders by id."""
        reject_duplicate_keys([tender.id for tender in tenders], "tenders", "id")
        report = ImportReport()
        with self._writing() as (db, revision):
            rows = []
            for tender in tenders:
                known = self._tenders.get(tender.id)
                if known is None:
                    report.created += 1
                elif known == tender:
                    report.unchanged += 1
                    continue
                else:
                    report.updated += 1
                rows.append(self._tender_row(tender, revision))
                self._tenders[tender.id] = tender
            db.executemany(UPSERT_TENDER, rows)
        return report

    @_synchronised
    def upsert_collaborations(self, collaborations: Sequence[Collaboration]) -> ImportReport:
        """Add collaborations between stored firms; others are rejected with the reason."""
        report = ImportReport()
        with self._writing() as (db, revision):
            added: dict[CollaborationKey, Collaboration] = {}
            for collaboration in collaborations:
                missing = [
                    s for s in (collaboration.firm_a, collaboration.firm_b) if s not in self._sirens
                ]
                key = collaboration.key
                if missing:
                    report.rejected.append(unknown_firms_reason(collaboration, missing))
                elif key in added or self._known(key):
                    report.unchanged += 1
                else:
                    report.created += 1
                    added[key] = collaboration
            db.executemany(
                INSERT_COLLABORATION, (_collaboration_row(c, revision) for c in added.values())
            )
            self._add_collaborations(added)
        return report

    @_synchronised
    def get_firm(self, siren: str) -> Firm | None:
        """The firm with this SIREN, or None."""
        self._refresh()
        return self._materialise([siren])[0] if siren in self._sirens else None

    @_synchronised
    def get_firms(self, sirens: Iterable[str]) -> list[Firm]:
        """The stored firms among ``sirens``, sorted by SIREN."""
        self._refresh()
        return self._materialise(sorted({s for s in sirens if s in self._sirens}))

    @_synchronised
    def find_firms(
        self, query: FirmQuery, offset: int = 0, limit: int = 100
    ) -> tuple[list[Firm], int]:
        """A page of the firms passing ``query``, and how many pass."""
        self._refresh()
        sirens = sorted(self._sirens)
        if query == FirmQuery():
            return self._materialise(sirens[offset : offset + limit]), len(sirens)
        prefix = query.cpv_prefix
        if prefix is not None:  # only firms holding such a code can pass
            held = self._codes_by_prefix.get(prefix[:NEIGHBOURHOOD_DIGITS], set())
            nodes = {n for c in held if c.startswith(prefix) for n in self._graph[_cpv_node(c)]}
            sirens = sorted(node[1] for node in nodes)
        passing = [f for f in self._materialise(sirens) if query.matches(f)]
        return passing[offset : offset + limit], len(passing)

    @_synchronised
    def count_firms(self) -> int:
        """How many firms are stored."""
        self._refresh()
        return len(self._sirens)

    @_synchronised
    def sirens(self) -> set[str]:
        """The SIRENs of every stored firm."""
        self._refresh()
        return set(self._sirens)

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
        found: set[str] = set()
        for prefix in {neighbourhood_prefix(code) for code in cpv_codes}:
            found.update(self._neighbourhood(prefix)[:limit])
        return self._materialise(sorted(found))

    @_synchronised
    def collaborations_among(self, sirens: Iterable[str]) -> list[Collaboration]:
        """Collaborations between two firms of ``sirens``."""
        self._refresh()
        return self._collaborations(set(sirens))

    @_synchronised
    def collaborations_of(self, sirens: Iterable[str]) -> list[Collaboration]:
        """Collaborations of at least one firm of ``sirens``."""
        self._refresh()
        found: set[CollaborationKey] = set()
        for siren in set(sirens):
            for known in self._partners.get(siren, {}).values():
                found.update(known)
        return [self._collaboration(key) for key in sorted(found)]

    @_synchronised
    def division_cooccurrence(self) -> list[DivisionCooccurrence]:
        """CPV-division co-occurrence over every collaboration."""
        self._refresh()
        counts: Counter[tuple[str, str, CollaborationKind]] = Counter()
        for a, b, known in self._graph.edges(data="collaborations"):
            if not known:
                continue
            divisions_a, divisions_b = self._divisions(a[1]), self._divisions(b[1])
            for kind in {CollaborationKind(key[2]) for key in known}:
                for x in divisions_a:
                    for y in divisions_b:
                        counts[x, y, kind] += 1
                        counts[y, x, kind] += 1
        return [DivisionCooccurrence(x, y, kind, n) for (x, y, kind), n in sorted(counts.items())]

    # -- records ---------------------------------------------------------------------------

    def put_record(self, kind: str, key: str, document: str) -> None:
        """Create or replace a record (in ``records.json``, not in the graph database)."""
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
