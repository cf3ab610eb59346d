"""CPU time per match on the matcher benchmark's tenders, and a same-results check.

    .venv/bin/python benchmarks/match_cpu.py --firms 150000 --tenders 40 --save before.json
    .venv/bin/python benchmarks/match_cpu.py --firms 150000 --tenders 40 --compare before.json

Builds the same population and tenders as ``matcher_benchmark.py`` (same seed), warms up on the
first three feasible tenders, then matches every feasible tender in the default mode and prints
the CPU time (``time.process_time``) and wall time per match, p50 and p95: on a shared machine
the CPU time is the figure that compares runs. ``--save`` writes every tender's full result
(``model_dump(mode="json")``: every consortium, member, score, term and explanation);
``--compare`` checks them field by field against a saved file (floats within 1e-9) and exits
non-zero naming the first differences. ``--profile`` writes cProfile statistics of the timed
matches.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from matcher_benchmark import national_store, percentile

from meute.api.service import match_tender
from meute.matcher.propose import MatchOptions


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    """Where two JSON values differ (floats compared within 1e-9, relative)."""
    if isinstance(before, dict) and isinstance(after, dict):
        if before.keys() != after.keys():
            return [f"{where}: keys {sorted(before)} != {sorted(after)}"]
        return [d for key in before for d in differences(before[key], after[key], f"{where}.{key}")]
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{where}: length {len(before)} != {len(after)}"]
        return [
            d
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for d in differences(b, a, f"{where}[{i}]")
        ]
    if isinstance(before, float) and isinstance(after, float):
        if math.isclose(before, after, rel_tol=1e-9, abs_tol=1e-12):
            return []
    elif before == after and type(before) is type(after):
        return []
    return [f"{where}: {before!r} != {after!r}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=150_000)
    parser.add_argument("--tenders", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", type=Path, help="write every tender's full result here")
    parser.add_argument("--compare", type=Path, help="check the results equal this saved file")
    parser.add_argument("--profile", type=Path, help="write cProfile statistics here")
    args = parser.parse_args()

    store, feasible = national_store(args.firms, args.tenders, args.seed)
    options = MatchOptions(top=10)
    for tender in feasible[:3]:  # warm up, as the matcher benchmark does
        match_tender(store, tender, options)

    profiler = cProfile.Profile() if args.profile else None
    cpu, wall, results = [], [], {}
    for tender in feasible:
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        result = match_tender(store, tender, options)
        if profiler:
            profiler.disable()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started_wall)
        results[tender.id] = result.model_dump(mode="json")
    if profiler:
        profiler.dump_stats(args.profile)

    print(f"{args.firms:,} firms, {len(feasible)} feasible tenders of {args.tenders}")
    for name, values in (("CPU", cpu), ("wall", wall)):
        print(
            f"{name} per match: p50 {1000 * statistics.median(values):.0f} ms, "
            f"p95 {1000 * percentile(values, 0.95):.0f} ms, "
            f"mean {1000 * statistics.mean(values):.0f} ms"
        )
    if args.save:
        args.save.write_text(json.dumps(results))
    if args.compare:
        found = differences(json.loads(args.compare.read_text()), results)
        if found:
            print(f"{len(found)} differences, first ones:", *found[:20], sep="\n  ")
            sys.exit(1)
        print(f"same results as {args.compare} ({len(results)} tenders)")


if __name__ == "__main__":
    main()
