"""The bulk path into an empty Neo4j database: CSV files for ``neo4j-admin database import full``.

:func:`write_import_files` writes the graph of an import document as node and relationship
CSV files in neo4j-admin's header format, with the same nodes, relationships and properties as
:class:`~meute.graph.neo4j_store.Neo4jStore`'s incremental writes (the CPV tree and the firms'
generation included, as the import replaces the whole database), and the arguments of the
import in ``import.args``. :func:`bulk_import` checks that the server is local and its database
empty, writes the files and runs ``tools/neo4j/import.sh`` (stop, import, start).
"""

from __future__ import annotations

import _csv
import contextlib
import csv
import multiprocessing
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from meute.graph.collector import collector_paused
from meute.graph.cpv import taxonomy
from meute.graph.errors import InvalidInput, StoreUnavailable
from meute.graph.model import Collaboration, Firm, Tender
from meute.graph.neo4j_store import (
    Neo4jStore,
    collaboration_properties,
    firm_properties,
    naf_rows,
)
from meute.graph.store import ImportReport, reject_duplicate_keys, unknown_firms_reason

__all__ = ["BulkFiles", "BulkImportRefused", "bulk_import", "write_import_files"]

# Between the elements of an array value (certification keys): a control character that no
# valid name holds, so that no element is ever split.
ARRAY_DELIMITER = "\x1f"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
IMPORT_SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "neo4j" / "import.sh"


class BulkImportRefused(InvalidInput):
    """The bulk path cannot be used here (the message says why); nothing was written."""


@dataclass
class BulkFiles:
    """What :func:`write_import_files` wrote: counts, the report, and neo4j-admin's arguments."""

    directory: Path
    nodes: int = 0
    relationships: int = 0
    report: ImportReport = field(default_factory=ImportReport)
    arguments: list[str] = field(default_factory=list)
    log: str = ""  # what tools/neo4j/import.sh printed (seconds of each phase)
    csv_seconds: float = 0.0  # writing the CSV files


class _Writer:
    """Writes one CSV file per node label or relationship type and remembers the arguments."""

    def __init__(self, directory: Path, files: BulkFiles) -> None:
        self.directory = directory
        self.files = files
        self.multiline = False

    @contextmanager
    def table(self, option: str, name: str, header: Sequence[str]) -> Iterator[_csv.Writer]:
        path = self.directory / f"{name}.csv"
        handle: TextIO
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            writer.writerow(header)
            yield writer
        label = name.upper() if option == "relationships" else name.capitalize()
        self.files.arguments.append(f"--{option}={label}={path}")

    def row(self, writer: _csv.Writer, values: Iterable[Any], node: bool) -> None:
        cells = [_cell(value) for value in values]
        if not self.multiline and any(
            isinstance(cell, str) and ("\n" in cell or "\r" in cell) for cell in cells
        ):
            self.multiline = True
        self.plain_row(writer, cells, node)

    def plain_row(self, writer: _csv.Writer, cells: Sequence[Any], node: bool) -> None:
        """A row of cells written as they are: numbers, and text that holds no line break."""
        writer.writerow(cells)
        if node:
            self.files.nodes += 1
        else:
            self.files.relationships += 1


class _Absent:
    """An unquoted empty cell, which neo4j-admin reads as no property (a quoted one is an
    empty string). ``QUOTE_NONNUMERIC`` quotes every cell but numbers, None included; this
    cell passes for a number (Python 3.12's ``QUOTE_NOTNULL`` would say it directly).
    """

    def __float__(self) -> float:
        return 0.0

    def __str__(self) -> str:
        return ""


ABSENT = _Absent()


def _cell(value: Any) -> Any:
    """A CSV cell: None empty (no property), booleans as words, lists joined."""
    if value is None or (isinstance(value, list) and not value):
        return ABSENT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(value)
    return value


def write_import_files(
    directory: Path,
    firms: Sequence[Firm],
    collaborations: Sequence[Collaboration] = (),
    tenders: Sequence[Tender] = (),
    workers: int | None = None,
) -> BulkFiles:
    """Write the CSV files of a whole database holding these firms, collaborations, tenders.

    The firms' rows are written by ``workers`` forked processes (default: one per core from
    :data:`PARALLEL_FIRMS` firms, else none: this process writes them) while this process
    writes the other files; the files are the same whatever their number.

    Collaborations between unknown firms are rejected (as the incremental path does), codes
    outside the CPV tree get no edge (as its ``MATCH`` finds none). Raises ValueError on
    duplicate keys or on a certification holding the array delimiter.
    """
    reject_duplicate_keys([f.siren for f in firms], "firms", "siren")
    reject_duplicate_keys([t.id for t in tenders], "tenders", "id")
    directory.mkdir(parents=True, exist_ok=True)
    files = BulkFiles(directory)
    out = _Writer(directory, files)
    vocabulary = taxonomy()
    with out.table("nodes", "cpv", ["code:ID(Cpv)", "label_fr", "label_en"]) as table:
        for entry in vocabulary.entries.values():
            out.row(table, (entry.code, entry.label_fr, entry.label_en), node=True)
    with out.table("relationships", "broader", [":START_ID(Cpv)", ":END_ID(Cpv)"]) as table:
        for code in vocabulary.entries:
            if (parent := vocabulary.parent(code)) is not None:
                out.row(table, (code, parent), node=False)
    with out.table("nodes", "generation", ["name:ID(Generation)", "stamp"]) as table:
        out.row(table, ("firms", str(uuid.uuid4())), node=True)
    with out.table("nodes", "naf", ["code:ID(Naf)", "label"]) as table:
        for row in naf_rows(firms):
            out.row(table, (row["code"], row["label"]), node=True)
    if workers is None:
        workers = (os.cpu_count() or 1) if len(firms) >= PARALLEL_FIRMS else 1
    with _firm_parts(directory, firms, workers) as parts:  # written meanwhile, if in parallel
        _write_collaborations(out, firms, collaborations)
        _write_tenders(out, tenders)
        _write_firms(out, firms, parts)
    files.report.created += len(firms) + len(tenders)
    files.arguments.append(f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}")
    if out.multiline:
        files.arguments.append("--multiline-fields=true")
    (directory / "import.args").write_text("\n".join(files.arguments) + "\n", encoding="utf-8")
    return files


FIRM_COLUMNS = {
    "siren": "siren:ID(Firm)",
    "name": "name",
    "name_key": "name_key",
    "naf": "naf",
    "certification_keys": "certification_keys:string[]",
    "region": "region",
    "headcount": "headcount",
    "maturity": "maturity",
    "is_sme": "is_sme:boolean",
    "turnover_eur": "turnover_eur:double",
    "text": "text",
    "doc": "doc",
}


CAPABILITY_COLUMNS = [
    ":START_ID(Firm)",
    ":END_ID(Cpv)",
    "strength:double",
    "contracts:long",
    "amount_eur:double",
]


FIRM_TABLES: list[tuple[str, list[str]]] = [
    ("firm", list(FIRM_COLUMNS.values())),
    ("in_sector", [":START_ID(Firm)", ":END_ID(Naf)"]),
    ("has_capability", CAPABILITY_COLUMNS),
]
PARALLEL_FIRMS = 20_000
"""From this many firms, their files are written by several processes (see :func:`_write_firms`)."""
_forked_firms: Sequence[Firm] = ()  # what the forked writers read (inherited, not pickled)


Parts = Callable[[], list[tuple[int, int, bool]]]


@contextmanager
def _firm_parts(directory: Path, firms: Sequence[Firm], workers: int) -> Iterator[Parts | None]:
    """Start ``workers`` forked processes writing the firms' rows in part files, each for a
    contiguous slice (they inherit the firms: nothing is pickled); yields how to wait for
    their counts, or None when one process writes the rows (``workers`` <= 1).
    """
    if workers <= 1 or len(firms) < workers:
        yield None
        return
    global _forked_firms
    size = -(-len(firms) // workers)
    slices = [(directory, i, i * size, (i + 1) * size) for i in range(workers)]
    _forked_firms = firms
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:  # forks them now
            _forked_firms = ()
            yield pool.starmap_async(_write_firm_part, slices).get
    finally:
        _forked_firms = ()


def _write_firms(out: _Writer, firms: Sequence[Firm], parts: Parts | None) -> None:
    """The firms' node, sector and capability files: their rows written here, or the part
    files of :func:`_firm_parts` appended in order after the headers (the same bytes).
    """
    tables = [out.table("nodes" if n == "firm" else "relationships", n, h) for n, h in FIRM_TABLES]
    with tables[0] as nodes, tables[1] as sectors, tables[2] as capabilities:
        if parts is None:
            _firm_rows(out, firms, nodes, sectors, capabilities)
            return
    for index, (node_rows, relationship_rows, multiline) in enumerate(parts()):
        out.files.nodes += node_rows
        out.files.relationships += relationship_rows
        out.multiline = out.multiline or multiline
        for name, _ in FIRM_TABLES:
            part = out.directory / f"{name}.part{index}.csv"
            with part.open("rb") as source, (out.directory / f"{name}.csv").open("ab") as whole:
                shutil.copyfileobj(source, whole, 1 << 20)
            part.unlink()


def _write_firm_part(directory: Path, index: int, start: int, stop: int) -> tuple[int, int, bool]:
    """In a forked writer: the rows of ``_forked_firms[start:stop]`` in part files ``index``."""
    part = _Writer(directory, BulkFiles(directory))
    # No collection in the worker: walking the inherited firms would copy all their pages.
    with collector_paused(), contextlib.ExitStack() as stack:
        handles = [
            stack.enter_context(
                (directory / f"{name}.part{index}.csv").open("w", encoding="utf-8", newline="")
            )
            for name, _ in FIRM_TABLES
        ]
        writers = [
            csv.writer(h, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n") for h in handles
        ]
        _firm_rows(part, _forked_firms[start:stop], *writers)
    return part.files.nodes, part.files.relationships, part.multiline


def _firm_rows(
    out: _Writer,
    firms: Sequence[Firm],
    nodes: _csv.Writer,
    sectors: _csv.Writer,
    capabilities: _csv.Writer,
) -> None:
    codes = taxonomy().entries
    for firm in firms:
        properties = firm_properties(firm)
        if list(properties) != list(FIRM_COLUMNS):
            raise AssertionError("firm properties and bulk columns differ")
        for key in properties["certification_keys"] or ():
            if ARRAY_DELIMITER in key:
                raise ValueError(f"firm {firm.siren}: certification holds a control character")
        out.row(nodes, properties.values(), node=True)
        if firm.naf:  # codes and numbers below: written as they are
            out.plain_row(sectors, (firm.siren, firm.naf), node=False)
        for c in firm.capabilities:
            if c.cpv in codes:
                row = (firm.siren, c.cpv, c.strength, c.contracts, c.amount_eur)
                out.plain_row(capabilities, row, node=False)


def _write_collaborations(
    out: _Writer, firms: Sequence[Firm], collaborations: Sequence[Collaboration]
) -> None:
    known = {firm.siren for firm in firms}
    rows: dict[str, dict[str, Any]] = {}
    report = out.files.report
    for c in collaborations:
        missing = [s for s in (c.firm_a, c.firm_b) if s not in known]
        if missing:
            report.rejected.append(unknown_firms_reason(c, missing))
            continue
        row = collaboration_properties(c)
        if row["key"] in rows:
            report.unchanged += 1
        rows[row["key"]] = row
    report.created += len(rows)
    header = [":START_ID(Firm)", ":END_ID(Firm)", "key", "kind", "year:long", "source"]
    with out.table("relationships", "collaborated", header) as table:
        for row in rows.values():
            out.row(table, row.values(), node=False)


def _write_tenders(out: _Writer, tenders: Sequence[Tender]) -> None:
    codes = taxonomy().entries
    with (
        out.table("nodes", "tender", ["id:ID(Tender)", "title", "country", "doc"]) as nodes,
        out.table("nodes", "lot", ["uid:ID(Lot)", "id", "title"]) as lots,
        out.table("relationships", "has_lot", [":START_ID(Tender)", ":END_ID(Lot)"]) as has_lot,
        out.table("relationships", "requires", [":START_ID(Lot)", ":END_ID(Cpv)"]) as requires,
    ):
        for t in tenders:
            out.row(nodes, (t.id, t.title, t.country, t.model_dump_json()), node=True)
            for lot in t.lots:
                uid = f"{t.id}/{lot.id}"
                out.row(lots, (uid, lot.id, lot.title), node=True)
                out.row(has_lot, (t.id, uid), node=False)
                for code in dict.fromkeys(lot.cpv):
                    if code in codes:
                        out.row(requires, (uid, code), node=False)


EMPTY_DATABASE = "MATCH (n) WHERE NOT n:Cpv AND NOT n:Generation RETURN count(n) > 0 AS used"


def check_local(uri: str, database: str, home: str | None, port: str | None) -> None:
    """Refuse (BulkImportRefused) unless ``uri`` is the local server of ``home`` on ``port``."""
    parts = urlsplit(uri)
    if parts.hostname not in LOCAL_HOSTS:
        raise BulkImportRefused(
            f"bulk import needs the local server (tools/neo4j/), not {parts.hostname}: "
            "use the incremental import"
        )
    if not home or not port:
        raise BulkImportRefused(
            "bulk import needs MEUTE_NEO4J_HOME and MEUTE_NEO4J_PORT of the local server "
            "started by tools/neo4j/start.sh"
        )
    if str(parts.port) != port.strip():
        raise BulkImportRefused(
            f"MEUTE_NEO4J_URI port {parts.port} is not MEUTE_NEO4J_PORT {port}: "
            "the bulk import would replace another server's database"
        )
    if database != "neo4j":
        raise BulkImportRefused("bulk import only fills the default database 'neo4j'")


def check_empty(store: Neo4jStore) -> None:
    """Refuse (BulkImportRefused) when the database holds anything but the CPV tree."""
    with store._unavailable_as_error(), store._driver.session(database=store.database) as s:
        used = s.run(EMPTY_DATABASE).single(strict=True)["used"]
    if used:
        raise BulkImportRefused(
            "the database is not empty (it holds firms, tenders or records): bulk import only "
            "fills an empty database; use the incremental import, or wipe it first"
        )


def bulk_import(
    store: Neo4jStore,
    directory: Path,
    firms: Sequence[Firm],
    collaborations: Sequence[Collaboration] = (),
    tenders: Sequence[Tender] = (),
) -> BulkFiles:
    """Fill the empty database of the local server by neo4j-admin (the server restarts).

    ``store`` is checked then closed: reopen one afterwards (it creates the constraints and
    indexes). The CSV files go to ``directory``.
    """
    env = os.environ
    check_local(store.uri, store.database, env.get("MEUTE_NEO4J_HOME"), env.get("MEUTE_NEO4J_PORT"))
    check_empty(store)
    store.close()
    started = time.perf_counter()
    files = write_import_files(directory, firms, collaborations, tenders)
    files.csv_seconds = time.perf_counter() - started
    if not IMPORT_SCRIPT.is_file():
        raise BulkImportRefused(f"{IMPORT_SCRIPT} not found: bulk import runs from a checkout")
    done = subprocess.run(
        ["bash", str(IMPORT_SCRIPT), str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise StoreUnavailable(
            f"neo4j-admin import failed (exit {done.returncode}):\n{done.stdout[-3000:]}"
            f"{done.stderr[-3000:]}"
        )
    files.log = done.stdout
    return files
