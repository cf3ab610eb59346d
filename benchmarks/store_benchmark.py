"""Import throughput and candidate-retrieval latency of both stores, side by side.

    .venv/bin/python benchmarks/store_benchmark.py --firms 10000 150000

Neo4j is measured when MEUTE_NEO4J_URI is set (start one with ``tools/neo4j/start.sh``); its
firms, tenders and collaborations are wiped before each size. Prints firms/s, relationships/s
and the p50/p95 latency of retrieving the candidates of a random 6-lot tender together with
the collaborations among them (what the matcher asks the store for), with the matcher's default
limit of firms per CPV neighbourhood (``--limit``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from meute.api.service import ImportDocument, import_document
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import Firm
from meute.graph.neo4j_store import Neo4jStore
from meute.graph.store import GraphStore
from meute.graph.synth import generate
from meute.matcher.propose import MatchOptions

console = Console()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def random_tenders(firms: list[Firm], count: int, lots: int, seed: int) -> list[list[str]]:
    """Lot codes of random tenders, drawn from codes that firms really hold."""
    rng = random.Random(seed)
    codes = sorted({c.cpv for f in firms for c in f.capabilities})
    return [rng.sample(codes, lots) for _ in range(count)]


def measure(
    limit: int | None,
    name: str,
    open_store: Callable[[], GraphStore],
    firms: list[Firm],
    document: ImportDocument,
    tenders: list[list[str]],
) -> dict[str, float]:
    with open_store() as store, Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"{name}: importing", total=document.size())
        started = time.perf_counter()
        import_document(store, document, lambda n: progress.advance(task, n))
        elapsed = time.perf_counter() - started
        relationships = sum(len(f.capabilities) for f in firms) + len(document.collaborations)
        latencies = []
        sizes = []
        for codes in tenders:
            started = time.perf_counter()
            candidates = store.candidates(codes, limit)
            store.collaborations_among([f.siren for f in candidates])
            latencies.append(time.perf_counter() - started)
            sizes.append(len(candidates))
    return {
        "seconds": elapsed,
        "firms_per_s": len(firms) / elapsed,
        "rels_per_s": relationships / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * percentile(latencies, 0.95),
        "candidates": statistics.median(sizes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, nargs="+", default=[10_000, 150_000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--lots", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--limit", type=int, default=MatchOptions().retrieval, help="firms per neighbourhood"
    )
    args = parser.parse_args()
    uri = os.environ.get("MEUTE_NEO4J_URI")
    table = Table(title="Store benchmark")
    for column in (
        "firms",
        "backend",
        "import s",
        "firms/s",
        "rels/s",
        "retrieval p50 ms",
        "retrieval p95 ms",
        "median candidates",
    ):
        table.add_column(column, justify="right")
    for n in args.firms:
        firms, collaborations = generate(n, seed=args.seed)
        document = ImportDocument(firms=firms, collaborations=collaborations)
        tenders = random_tenders(firms, args.queries, args.lots, args.seed)
        backends: list[tuple[str, Callable[[], GraphStore]]] = []
        with tempfile.TemporaryDirectory() as tmp:
            backends.append(("embedded", lambda tmp=tmp: EmbeddedStore(Path(tmp))))
            if uri:

                def neo4j() -> GraphStore:
                    store = Neo4jStore(
                        uri,
                        os.environ.get("MEUTE_NEO4J_USER", "neo4j"),
                        os.environ.get("MEUTE_NEO4J_PASSWORD", ""),
                    )
                    store.wipe()
                    return store

                backends.append(("neo4j", neo4j))
            for name, opener in backends:
                row = measure(args.limit, f"{n} firms, {name}", opener, firms, document, tenders)
                table.add_row(
                    f"{n:,}",
                    name,
                    f"{row['seconds']:.1f}",
                    f"{row['firms_per_s']:,.0f}",
                    f"{row['rels_per_s']:,.0f}",
                    f"{row['p50_ms']:.1f}",
                    f"{row['p95_ms']:.1f}",
                    f"{row['candidates']:,.0f}",
                )
                console.print(f"done: {n:,} firms on {name}")
    if not uri:
        console.print("MEUTE_NEO4J_URI is not set: Neo4j was not measured.")
    console.print(table)


if __name__ == "__main__":
    main()
