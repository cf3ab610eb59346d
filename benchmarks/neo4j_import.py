"""Neo4j import throughput, both paths, on a synthetic dataset: firms/s and relationships/s.

    .venv/bin/meute synth --firms 150000 --out /tmp/synth150k
    bash tools/neo4j/start.sh        # the local server; export what it prints, and:
    export MEUTE_NEO4J_HOME=... MEUTE_NEO4J_PORT=...   # the same as for start.sh
    .venv/bin/python benchmarks/neo4j_import.py /tmp/synth150k/firms.json

The incremental path also prints the CPU seconds it cost (this process and the server's), a
figure that depends less on what else runs on a shared machine than its wall time; the bulk
path prints those of this process (the CSV files) and of its child processes. The
database is wiped (firms, collaborations, tenders, records) before each path.

- incremental: ``import_document`` on the running server (parallel ``UNWIND`` batches), as
  ``meute import FILE`` and import jobs do;
- bulk: ``meute import FILE --bulk`` on the emptied database: CSV files, then
  tools/neo4j/import.sh (stop, ``neo4j-admin database import full``, start), then the first
  open of the store (constraints and indexes built). Printed per phase and end to end.

Relationships are the firms' capabilities and sectors and the collaborations (the CPV tree's
BROADER links, written by both paths, are not counted).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from meute.api.service import ImportDocument, import_document, parse_json_file
from meute.graph.neo4j_bulk import bulk_import
from meute.graph.neo4j_store import Neo4jStore

console = Console()
COUNT = """
MATCH ()-[r:HAS_CAPABILITY|IN_SECTOR|COLLABORATED]->()
RETURN count(r) AS relationships, count{(f:Firm)} AS firms
"""


def open_store() -> Neo4jStore:
    return Neo4jStore(
        os.environ["MEUTE_NEO4J_URI"],
        os.environ.get("MEUTE_NEO4J_USER", "neo4j"),
        os.environ.get("MEUTE_NEO4J_PASSWORD", ""),
        timeout=60,
    )


def counts(store: Neo4jStore) -> tuple[int, int]:
    record = store._driver.execute_query(COUNT).records[0]
    return record["firms"], record["relationships"]


def server_cpu() -> float:
    """CPU seconds used so far by the local server (its pid file in MEUTE_NEO4J_HOME)."""
    pid = Path(os.environ["MEUTE_NEO4J_HOME"], "neo4j.pid").read_text().strip()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def incremental(document: ImportDocument) -> tuple[float, float, int, int]:
    """Seconds, CPU seconds (this process and the server), firms and relationships stored."""
    with open_store() as store:
        store.wipe()
        cpu = time.process_time() + server_cpu()
        started = time.perf_counter()
        import_document(store, document)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() + server_cpu() - cpu
        return elapsed, cpu, *counts(store)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bulk(document: ImportDocument) -> tuple[dict[str, float], int, int]:
    store = open_store()
    store.wipe()
    with tempfile.TemporaryDirectory(prefix="meute-bulk-") as directory:
        started = time.perf_counter()
        cpu, children = time.process_time(), children_cpu()
        files = bulk_import(
            store, Path(directory), document.firms, document.collaborations, document.tenders
        )
        imported = time.perf_counter()
        console.print(
            f"bulk: {time.process_time() - cpu:.1f} CPU seconds in this process (CSV files), "
            f"{children_cpu() - children:.1f} in child processes (CSV writers, the stop and "
            "start scripts, neo4j-admin; not the restarted server)"
        )
        with open_store() as reopened:  # builds the constraints and indexes
            opened = time.perf_counter()
            firms, relationships = counts(reopened)
    phases = {name: float(s) for name, s in re.findall(r"phase (\w+) ([\d.]+) s", files.log)}
    phases = {
        "CSV files": files.csv_seconds,
        "stop server": phases["stop"],
        "neo4j-admin import": phases["import"],
        "start server": phases["start"],
        "first open (schema)": opened - imported,
        "end to end": opened - started,
    }
    return phases, firms, relationships


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("document", type=Path, help="firms.json written by meute synth")
    parser.add_argument("--skip-incremental", action="store_true")
    args = parser.parse_args()
    document = parse_json_file(args.document, ImportDocument)
    n = len(document.firms)
    table = Table(title=f"Neo4j import of {n:,} firms, {len(document.collaborations):,} collab.")
    for column in ("path", "seconds", "firms/s", "relationships/s"):
        table.add_column(column, justify="left" if column == "path" else "right")
    load = os.getloadavg()[0]
    if not args.skip_incremental:
        seconds, cpu, firms, relationships = incremental(document)
        table.add_row(
            "incremental",
            f"{seconds:.1f}",
            f"{firms / seconds:,.0f}",
            f"{relationships / seconds:,.0f}",
        )
        console.print(
            f"incremental: {cpu:.0f} CPU seconds (client and server), "
            f"{1000 * cpu / firms:.2f} per 1,000 firms"
        )
    phases, firms, relationships = bulk(document)
    for name, seconds in phases.items():
        rate = name in ("neo4j-admin import", "end to end") or name.startswith("CSV")
        table.add_row(
            f"bulk: {name}",
            f"{seconds:.1f}",
            f"{firms / seconds:,.0f}" if rate else "",
            f"{relationships / seconds:,.0f}" if rate else "",
        )
    csv_and_import = phases["CSV files"] + phases["neo4j-admin import"]
    table.add_row(
        "bulk: CSV + neo4j-admin",
        f"{csv_and_import:.1f}",
        f"{firms / csv_and_import:,.0f}",
        f"{relationships / csv_and_import:,.0f}",
    )
    console.print(table)
    console.print(
        f"{firms:,} firms and {relationships:,} relationships stored; load average at start "
        f"{load:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
