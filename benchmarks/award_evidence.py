"""What keeping award records as evidence costs: store size and import time, with and without.

    .venv/bin/python benchmarks/award_evidence.py [--repeat 3]

Reads the DECP files shipped in ``fixtures/decp`` (both 2019 JSON files and the 2024 tabular
extract), then imports the firms into a fresh embedded store twice: as read (each capability
with its most recent award records) and with the records left out (what was stored before).
Prints the number of firms and records, the reading time, the best import time of ``--repeat``
runs, the firms' JSON bytes and the database's size after a checkpoint. With
``MEUTE_NEO4J_URI`` set, also the best import time into Neo4j (wiped before each run).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from meute.api.service import ImportDocument, import_document
from meute.graph.decp import read_decp
from meute.graph.embedded import DATABASE, EmbeddedStore, firm_json
from meute.graph.model import Firm
from meute.graph.neo4j_store import Neo4jStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "decp"


def without_awards(firms: Sequence[Firm]) -> list[Firm]:
    """The same firms with no award record (their counts and amounts unchanged)."""
    return [
        firm.model_copy(
            update={
                "capabilities": [c.model_copy(update={"awards": []}) for c in firm.capabilities]
            }
        )
        for firm in firms
    ]


def best_of(repeat: int, run: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def embedded_import(document: ImportDocument, repeat: int) -> tuple[float, int]:
    """Best import time into a fresh store on disk, and the database's size afterwards."""
    size = 0

    def run() -> None:
        nonlocal size
        data_dir = Path(tempfile.mkdtemp(prefix="meute-awards-"))
        with EmbeddedStore(data_dir) as store:
            import_document(store, document)
        with sqlite3.connect(data_dir / DATABASE) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = (data_dir / DATABASE).stat().st_size

    return best_of(repeat, run), size


def neo4j_import(document: ImportDocument, repeat: int) -> float:
    """Best import time into the Neo4j server of ``MEUTE_NEO4J_URI`` (wiped before each run)."""
    user = os.environ.get("MEUTE_NEO4J_USER", "neo4j")
    password = os.environ.get("MEUTE_NEO4J_PASSWORD", "")
    with Neo4jStore(os.environ["MEUTE_NEO4J_URI"], user, password, timeout=30) as store:

        def run() -> None:
            store.wipe()
            import_document(store, document)

        seconds = best_of(repeat, run)
        store.wipe()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="imports of each variant")
    args = parser.parse_args()
    files = sorted(FIXTURES.glob("*.json.zip")) + sorted(FIXTURES.glob("*.csv.gz"))
    started = time.perf_counter()
    read = read_decp(files)
    print(f"read {len(files)} DECP files in {time.perf_counter() - started:.2f} s")
    awards = sum(len(c.awards) for f in read.firms for c in f.capabilities)
    contracts = sum(c.contracts for f in read.firms for c in f.capabilities)
    print(f"{len(read.firms)} firms, {contracts} (firm, contract) pairs, {awards} award records")
    neo4j = bool(os.environ.get("MEUTE_NEO4J_URI"))
    header = f"{'firms stored':<28} {'JSON MB':>8} {'graph.db MB':>12} {'embedded s':>11}"
    print(header + (f" {'Neo4j s':>8}" if neo4j else ""))
    for label, firms in (
        ("without award records", without_awards(read.firms)),
        ("with", read.firms),
    ):
        document = ImportDocument(firms=firms, collaborations=read.collaborations)
        json_mb = sum(len(firm_json(f).encode("utf-8")) for f in firms) / 1e6
        seconds, size = embedded_import(document, args.repeat)
        line = f"{label:<28} {json_mb:8.2f} {size / 1e6:12.2f} {seconds:11.2f}"
        if neo4j:
            line += f" {neo4j_import(document, args.repeat):8.2f}"
        print(line)
    print("load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
