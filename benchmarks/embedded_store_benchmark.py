"""Import into and opening of the embedded store, with where the time goes.

    .venv/bin/python benchmarks/embedded_store_benchmark.py --firms 150000
    .venv/bin/meute synth --firms 150000 --out /tmp/national
    .venv/bin/python benchmarks/embedded_store_benchmark.py --file /tmp/national/firms.json --runs 3

Prints, for a fresh data directory: generating the synthetic firms, or reading and validating
the file (what ``meute import`` does before writing); the store's import (every batch one
transaction); with ``--file``, ``meute import FILE`` as a whole process (start-up and exit
included) into another fresh directory; then opening the store again as a new process would:
reading its index (SQL and JSON of each firm's codes), building the graph, and the first reads
that rebuild firms from their rows (a 6-lot candidate retrieval, then every firm). Wall clock
and CPU time (user + system, of this process or of the ``meute import`` child) for each; with
``--runs N`` the import steps run N times, each into a fresh directory, and their medians are
printed.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from meute.api.service import ImportDocument, import_document, parse_json_file
from meute.graph.embedded import DATABASE, EmbeddedStore, read_index
from meute.graph.synth import generate

MEUTE = Path(sys.executable).with_name("meute")
# label -> the (wall, CPU) seconds of each run
RUNS: dict[str, list[tuple[float, float]]] = {}


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def timed(label: str, who: int = resource.RUSAGE_SELF) -> Iterator[None]:
    wall, cpu = time.perf_counter(), cpu_seconds(who)
    yield
    wall, cpu = time.perf_counter() - wall, cpu_seconds(who) - cpu
    RUNS.setdefault(label, []).append((wall, cpu))
    print(f"{label:<48} {wall:8.2f} s wall {cpu:8.2f} s CPU", flush=True)


def print_medians() -> None:
    for label, runs in RUNS.items():
        if len(runs) > 1:
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"median of {len(runs)}: {label:<36} {wall:8.2f} s wall {cpu:8.2f} s CPU")


def whole_process(path: Path) -> None:
    """``meute import FILE`` into a fresh data directory, timed as a child process."""
    with tempfile.TemporaryDirectory(prefix="meute-cli-") as data_dir:
        env = {**os.environ, "MEUTE_DATA_DIR": data_dir, "MEUTE_GRAPH": "embedded"}
        with timed("meute import FILE (whole process)", resource.RUSAGE_CHILDREN):
            subprocess.run([MEUTE, "import", path], env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--firms", type=int, help="generate this many synthetic firms (seed 0)")
    source.add_argument("--file", type=Path, help="an import file (meute synth's firms.json)")
    parser.add_argument("--data-dir", type=Path, help="where to import (default: a new one)")
    parser.add_argument("--runs", type=int, default=1, help="import this many times (medians)")
    args = parser.parse_args()
    for run in range(args.runs):
        data_dir = Path(tempfile.mkdtemp(prefix="meute-embedded-"))
        if run == args.runs - 1 and args.data_dir is not None:
            data_dir = args.data_dir
        if args.file is not None:
            with timed("read and validate the file"):
                document = parse_json_file(args.file, ImportDocument)
        else:
            with timed("generate the synthetic firms"):
                firms, collaborations = generate(args.firms, seed=0)
                document = ImportDocument(firms=firms, collaborations=collaborations)
            del firms, collaborations
        print(f"{len(document.firms)} firms, {len(document.collaborations)} collaborations")
        with timed("import into the store (batches of 10,000)"), EmbeddedStore(data_dir) as store:
            report = import_document(store, document)
        print(f"created {report.created}, unchanged {report.unchanged}, into {data_dir}")
        if run < args.runs - 1:
            del document, store
            shutil.rmtree(data_dir)
        if args.file is not None:
            whole_process(args.file)
    print_medians()
    codes = sorted({c.cpv for firm in document.firms for c in firm.capabilities})
    lots = random.Random(0).sample(codes, 6)
    del document, store
    gc.collect()
    db = sqlite3.connect(data_dir / DATABASE)
    with timed("open: read the index (SQL + codes JSON)"):
        firms, links = read_index(db)
    db.close()
    del firms, links
    with timed("open: read the index and build the graph"):
        store = EmbeddedStore(data_dir)
        count = store.count_firms()
    print(f"{count} firms")
    with timed("first 6-lot candidate retrieval (rebuilds firms)"):
        found = store.candidates(lots, 1000)
    print(f"{len(found)} candidates")
    with timed("the same retrieval again"):
        store.candidates(lots, 1000)
    with timed("every firm rebuilt (a filter over all firms)"):
        store.get_firms(store.sirens())
    print("load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
