"""Consortium search at national scale: quality against the exact optimum, speed, memory.

    .venv/bin/python benchmarks/matcher_benchmark.py --firms 150000 --tenders 200

Generates the seeded synthetic population, loads it into the embedded store (in memory) and
draws random tenders of 3 to 10 lots from the sectors' CPV codes. For every tender it runs the
default (fast) mode warm and the exact MILP, and prints:

(a) objective ratio fast/exact, mean and worst;  (b) fast latency p50/p95 end to end on the
embedded store (retrieval, scoring, search, explanations), and on Neo4j when MEUTE_NEO4J_URI is
set (``--neo4j-tenders`` of them; ``--neo4j-import`` loads the population first), each store
warmed up by the same first three tenders;
(c) exact solver time (top 1, the MILP alone) p50/p95/max;  (d) peak RSS;
(e) diversity of the top 10;
(f) ratio of the default answer to the best found over every eligible firm retrieved (the
fast search run over all of them, no shortlist or pool, and the exact MILP over the default
pool: the better of the two), mean and worst;
(g) the optimality gap bound the default answer reports against the gap measured in (f):
mean of each, and how often the bound fell below the measured gap (it never may).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import statistics
import time
from dataclasses import dataclass

from rich.console import Console
from rich.progress import track
from rich.table import Table

from meute.api.service import ImportDocument, import_document, match_tender, prepare_problem
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import Infeasible
from meute.graph.model import Tender
from meute.graph.neo4j_store import Neo4jStore
from meute.graph.sectors import SECTORS
from meute.graph.store import GraphStore
from meute.graph.synth import generate
from meute.matcher.bound import gap_bound
from meute.matcher.exact import solve_exact
from meute.matcher.propose import MatchOptions
from meute.matcher.search import fast_solve

console = Console()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def random_tender(index: int, rng: random.Random) -> Tender:
    """A tender of 3 to 10 lots, each coded from a random sector, some needing a certification."""
    lots = []
    for number in range(rng.randint(3, 10)):
        sector = rng.choice(SECTORS)
        code = rng.choices(sector.cpv_codes, weights=sector.cpv_weights)[0]
        certs = [c for c, p in sector.certifications if p >= 0.5 and rng.random() < 0.3][:1]
        lots.append(
            {
                "id": f"L{number + 1}",
                "title": f"{sector.label_en} {number + 1}",
                "cpv": [code],
                "budget": round(10 ** rng.uniform(5.5, 7.5)),
                "required_certifications": certs,
            }
        )
    return Tender.model_validate(
        {
            "id": f"bench-{index}",
            "title": f"Benchmark tender {index}",
            "buyer": "Benchmark",
            "country": rng.choice(["CI", "SN", "MA", "VN", "EG", "KE"]),
            "budget": sum(lot["budget"] for lot in lots),
            "lots": lots,
        }
    )


def national_store(firms: int, tenders: int, seed: int) -> tuple[EmbeddedStore, list[Tender]]:
    """An embedded store of ``firms`` synthetic firms and those of ``tenders`` random tenders
    (the same for a seed) whose every lot some firm may take.
    """
    generated, collaborations = generate(firms, seed=seed)
    store = EmbeddedStore(None)
    import_document(store, ImportDocument(firms=generated, collaborations=collaborations))
    del generated, collaborations
    rng = random.Random(seed)
    feasible = []
    for tender in (random_tender(i, rng) for i in range(tenders)):
        try:
            if not prepare_problem(store, tender, MatchOptions(top=10)).uncovered:
                feasible.append(tender)
        except Infeasible:
            pass
    return store, feasible


def timed_match(store: GraphStore, tender: Tender, options: MatchOptions) -> tuple[float, float]:
    """Seconds for one end-to-end match, and the diversity of its proposals."""
    started = time.perf_counter()
    result = match_tender(store, tender, options)
    return time.perf_counter() - started, result.diversity


@dataclass(frozen=True)
class SolverFigures:
    """One tender's (a), (c), (f) and (g) figures."""

    fast_over_exact: float | None  # None: the exact solver found nothing in its time limit
    exact_seconds: float
    default_over_best: float
    reported_gap: float
    measured_gap: float


def solver_figures(store: GraphStore, tender: Tender, time_limit: float) -> SolverFigures:
    """Fast/exact objective ratio and exact solver seconds on the default pool, and the default
    answer against the best found over every eligible retrieved firm.
    """
    problem = prepare_problem(store, tender, MatchOptions()).problem
    fast = fast_solve(problem)[0][0]
    started = time.perf_counter()
    found = solve_exact(problem, top=1, time_limit=time_limit).solutions
    exact_seconds = time.perf_counter() - started
    exact = found[0][0] if found else None
    everyone = MatchOptions(shortlist=EVERY_FIRM, per_lot=EVERY_FIRM)
    whole = prepare_problem(store, tender, everyone).problem
    best = max(fast, exact or -math.inf, fast_solve(whole, top=1)[0][0])
    return SolverFigures(
        fast_over_exact=None if exact is None else fast / exact,
        exact_seconds=exact_seconds,
        default_over_best=fast / best,
        reported_gap=gap_bound(fast, problem.upper_bound),
        measured_gap=1.0 - fast / best,
    )


# A shortlist and pool this large keep every firm retrieved (at most 1,000 per neighbourhood).
EVERY_FIRM = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=150_000)
    parser.add_argument("--tenders", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exact-time-limit", type=float, default=60.0)
    parser.add_argument("--neo4j-tenders", type=int, default=50)
    parser.add_argument("--neo4j-import", action="store_true")
    parser.add_argument(
        "--solver-tenders", type=int, default=200, help="tenders measured by (a), (c), (f), (g)"
    )
    args = parser.parse_args()

    store, feasible = national_store(args.firms, args.tenders, args.seed)
    fast = MatchOptions(top=10)
    infeasible = args.tenders - len(feasible)
    for tender in feasible[:3]:  # warm up: text model, cached text vectors
        timed_match(store, tender, fast)

    latencies, diversity, figures = [], [], []
    for index, tender in enumerate(track(feasible, description="matching", console=console)):
        seconds, spread = timed_match(store, tender, fast)
        latencies.append(seconds)
        diversity.append(spread)
        if index < args.solver_tenders:
            figures.append(solver_figures(store, tender, args.exact_time_limit))
    ratios = [f.fast_over_exact for f in figures if f.fast_over_exact is not None]
    exact_times = [f.exact_seconds for f in figures]
    to_best = [f.default_over_best for f in figures]

    table = Table(
        title=f"Matcher benchmark: {args.firms:,} firms, {len(latencies)} feasible "
        f"tenders of 3-10 lots ({infeasible} infeasible skipped)"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("(a), (c), (f), (g): tenders measured", str(len(figures)))
    table.add_row(
        "(a) tenders the exact solver found nothing for in time", str(len(figures) - len(ratios))
    )
    table.add_row("(a) ratio fast/exact, mean", f"{statistics.mean(ratios):.5f}")
    table.add_row("(a) ratio fast/exact, worst", f"{min(ratios):.5f}")
    table.add_row("(b) fast latency p50, embedded", f"{1000 * statistics.median(latencies):.0f} ms")
    table.add_row("(b) fast latency p95, embedded", f"{1000 * percentile(latencies, 0.95):.0f} ms")
    table.add_row("(c) exact time p50 (top 1)", f"{statistics.median(exact_times):.2f} s")
    table.add_row("(c) exact time p95 (top 1)", f"{percentile(exact_times, 0.95):.2f} s")
    table.add_row("(c) exact time max (top 1)", f"{max(exact_times):.2f} s")
    table.add_row(
        "(e) diversity of top 10 (share of lots differing)", f"{statistics.mean(diversity):.3f}"
    )
    table.add_row(
        "(f) default / best over every eligible firm, mean", f"{statistics.mean(to_best):.5f}"
    )
    table.add_row("(f) default / best over every eligible firm, worst", f"{min(to_best):.5f}")
    table.add_row(
        "(g) reported gap bound, mean / max",
        f"{100 * statistics.mean(f.reported_gap for f in figures):.1f} / "
        f"{100 * max(f.reported_gap for f in figures):.1f} %",
    )
    table.add_row(
        "(g) measured gap, mean / max",
        f"{100 * statistics.mean(f.measured_gap for f in figures):.2f} / "
        f"{100 * max(f.measured_gap for f in figures):.2f} %",
    )
    table.add_row(
        "(g) tenders whose bound is below the measured gap",
        str(sum(f.reported_gap < f.measured_gap - 1e-12 for f in figures)),
    )

    uri = os.environ.get("MEUTE_NEO4J_URI")
    if uri:
        with Neo4jStore(
            uri,
            os.environ.get("MEUTE_NEO4J_USER", "neo4j"),
            os.environ.get("MEUTE_NEO4J_PASSWORD", ""),
        ) as neo4j:
            if args.neo4j_import:
                neo4j.wipe()
                firms, collaborations = generate(args.firms, seed=args.seed)  # the same firms
                import_document(neo4j, ImportDocument(firms=firms, collaborations=collaborations))
            for tender in feasible[:3]:  # warm up, as on the embedded store
                timed_match(neo4j, tender, fast)
            neo4j_latencies = [
                timed_match(neo4j, tender, fast)[0] for tender in feasible[: args.neo4j_tenders]
            ]
        table.add_row(
            "(b) fast latency p50, Neo4j end to end",
            f"{1000 * statistics.median(neo4j_latencies):.0f} ms",
        )
        table.add_row(
            "(b) fast latency p95, Neo4j end to end",
            f"{1000 * percentile(neo4j_latencies, 0.95):.0f} ms",
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    table.add_row("(d) peak RSS", f"{peak:.2f} GB")
    console.print(table)


if __name__ == "__main__":
    main()
