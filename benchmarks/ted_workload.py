"""A real foreign workload: every TED notice of 3 lots or more matched against the real DECP graph.

    .venv/bin/python benchmarks/ted_workload.py [--top 10]

Reads the TED samples (``fixtures/ted/*/*.csv.gz``) as ``meute import ted`` does, keeps the
notices of 3 lots or more, builds the graph from every ``fixtures/decp`` file that the DECP
importer accepts (a file it refuses is named and left out), and matches each tender on the
embedded store, then on Neo4j when ``MEUTE_NEO4J_URI`` is set (the server is wiped and loaded
with the same graph), through the same use case as the CLI and the API. It prints:

- the notices kept, and those of 3 lots or more that the import refused (with the reason);
- every tender's outcome: ranked consortia (in part when some lots no firm may take: they are
  named, the consortia cover the others), or an explained infeasibility; a crash is counted
  (and must be 0);
- **lots covered**: share of lots whose best candidate's relevance reaches the matcher's
  relevance floor (``MEUTE_SEARCH__RELEVANCE_FLOOR``; firms below it are never proposed);
- **complete consortia**: share of tenders whose best consortium covers every lot, and every
  lot above the floor;
- **CPV agreement**: for each lot of a best consortium, whether the capability that backs its
  firm (the best code by similarity x evidence, as the explanation shows) is in the lot's CPV
  division, group and class;
- **latency** p50 / p95 of one end-to-end match, on each store (warmed by the first 3 tenders);
- the lots nobody in the graph can take (none near their codes, or none above the floor),
  grouped by CPV division: the French capability the graph lacks.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from meute.api.service import (
    ImportDocument,
    decp_document,
    import_document,
    prepare_problem,
    ted_document,
)
from meute.graph.cpv import label
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import Infeasible, InvalidInput
from meute.graph.model import Firm, Lot, Tender
from meute.graph.neo4j_store import Neo4jStore
from meute.graph.store import GraphStore
from meute.matcher.phrases import phrase
from meute.matcher.propose import MatchOptions, present, solve
from meute.scoring.fit import code_similarity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MIN_LOTS = 3
WARM_UP = 3
console = Console(width=120)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Outcome:
    """What matching one tender on one store gave."""

    seconds: float
    kind: str  # "answer", "infeasible" or "crash"
    best_relevance: dict[str, float] = field(default_factory=dict)  # lot id -> best candidate
    assigned: dict[str, Firm] = field(default_factory=dict)  # lot id -> firm of consortium 1
    assigned_relevance: dict[str, float] = field(default_factory=dict)
    uncoverable: dict[str, str] = field(default_factory=dict)  # lot id -> why no firm may take it
    reason: str = ""
    foreign: dict[str, str] = field(default_factory=dict)  # lot id -> language, text unused
    signature: tuple[str, ...] = ()  # the best consortium, to compare the stores


def match_once(store: GraphStore, tender: Tender, options: MatchOptions) -> Outcome:
    """Match as the CLI and the API do, keeping what the figures need."""
    started = time.perf_counter()
    try:
        prepared = prepare_problem(store, tender, options)
        solved = solve(prepared.problem, options)
        result = present(solved, prepared.collaborations, options.lang, prepared.uncovered)
        problem = solved.problem
    except Infeasible as error:
        seconds = time.perf_counter() - started
        lots = {p.field[5:-1]: p.message for p in error.problems if p.field.startswith("lots[")}
        return Outcome(seconds, "infeasible", uncoverable=lots, reason=error.detail)
    except Exception as error:  # counted: a crash is a bug to fix, not a figure
        return Outcome(time.perf_counter() - started, "crash", reason=repr(error))
    seconds = time.perf_counter() - started
    fit = problem.tables.per_lot["fit"]
    assignment = solved.chosen[0][1]
    lots = problem.tender.lots
    return Outcome(
        seconds,
        "answer",
        best_relevance={lot.id: float(fit[i].max()) for i, lot in enumerate(lots)},
        assigned={lot.id: problem.firms[assignment[i]] for i, lot in enumerate(lots)},
        assigned_relevance={lot.id: float(fit[i, assignment[i]]) for i, lot in enumerate(lots)},
        uncoverable={lot.lot_id: lot.reason for lot in result.uncovered},
        foreign=problem.foreign_lots,
        signature=tuple(m.siren for m in result.consortia[0].members),
    )


def backing_level(firm: Firm, lot: Lot) -> int:
    """How many leading digits the firm's backing capability shares with the lot's first code."""
    backing = max(
        firm.capabilities,
        key=lambda c: (max(code_similarity(c.cpv, code) * c.strength for code in lot.cpv), c.cpv),
    )
    shared = 0
    for a, b in zip(backing.cpv, lot.cpv[0], strict=True):
        if a != b:
            break
        shared += 1
    return shared


def decp_graph() -> tuple[ImportDocument, list[str]]:
    """The graph from every DECP fixture the importer accepts, and the files it refused."""
    accepted: list[Path] = []
    refused: list[str] = []
    for path in sorted((FIXTURES / "decp").iterdir()):
        try:
            decp_document([path])
        except InvalidInput as error:
            refused.append(f"{path.name}: {error.detail}")
            continue
        accepted.append(path)
    document, decp = decp_document(accepted)
    console.print(
        f"DECP graph: {len(document.firms)} firms, {len(document.collaborations)} "
        f"collaborations from {', '.join(p.name for p in accepted)} "
        f"({decp.report.used} records used)"
    )
    for line in refused:
        console.print(f"  refused by the DECP importer: {line}", markup=False)
    return document, refused


def run_store(
    store: GraphStore, tenders: list[Tender], options: MatchOptions
) -> dict[str, Outcome]:
    """Each tender's outcome."""
    for tender in tenders[:WARM_UP]:
        match_once(store, tender, options)
    return {tender.id: match_once(store, tender, options) for tender in tenders}


def share(part: int, whole: int) -> str:
    return f"{part / whole:.1%} ({part} / {whole})" if whole else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    options = MatchOptions(top=args.top)
    floor = options.relevance_floor
    started = time.perf_counter()

    _, ted = ted_document(sorted((FIXTURES / "ted").glob("*/*.csv.gz")))
    tenders = [t for t in ted.tenders if len(t.lots) >= MIN_LOTS]
    console.print(
        f"TED: {ted.report.notices} notices, {ted.report.tenders} tenders, "
        f"{len(tenders)} of {MIN_LOTS} lots or more"
    )
    document, _ = decp_graph()
    embedded = EmbeddedStore(None)
    import_document(embedded, document)
    runs = {"embedded": run_store(embedded, tenders, options)}
    uri = os.environ.get("MEUTE_NEO4J_URI")
    if uri:
        with Neo4jStore(
            uri,
            os.environ.get("MEUTE_NEO4J_USER", "neo4j"),
            os.environ.get("MEUTE_NEO4J_PASSWORD", ""),
        ) as neo4j:
            neo4j.wipe()
            import_document(neo4j, document)
            runs["Neo4j"] = run_store(neo4j, tenders, options)

    outcomes = runs["embedded"]
    kinds = Counter(o.kind for o in outcomes.values())
    lots_total = sum(len(t.lots) for t in tenders)
    nothing_near = phrase("lot.nothing_near", options.lang)
    near = 0  # lots some firm holds a capability near
    covered = 0  # lots whose best candidate reaches the floor
    nobody: list[tuple[Tender, Lot]] = []  # the others
    nobody_near: list[tuple[Tender, Lot]] = []
    complete = complete_floor = in_part = 0
    levels: list[int] = []
    for tender in tenders:
        outcome = outcomes[tender.id]
        for lot in tender.lots:
            near += outcome.uncoverable.get(lot.id) != nothing_near
            if outcome.best_relevance.get(lot.id, -1.0) >= floor:
                covered += 1
            else:
                nobody.append((tender, lot))
                if outcome.uncoverable.get(lot.id) == nothing_near:
                    nobody_near.append((tender, lot))
        if outcome.kind == "answer":
            in_part += bool(outcome.uncoverable)
            complete += not outcome.uncoverable
            complete_floor += not outcome.uncoverable and all(
                r >= floor for r in outcome.assigned_relevance.values()
            )
            levels += [
                backing_level(outcome.assigned[lot.id], lot)
                for lot in tender.lots
                if lot.id in outcome.assigned
            ]
    languages = Counter(
        language for outcome in outcomes.values() for language in outcome.foreign.values()
    )

    table = Table(
        title=f"TED workload: {len(tenders)} notices of {MIN_LOTS}+ lots, {lots_total} lots"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("tenders answered (ranked consortia)", share(kinds["answer"], len(tenders)))
    table.add_row(
        "… of which in part (the lots no firm may take named, the others covered)",
        share(in_part, len(tenders)),
    )
    table.add_row("tenders infeasible, explained", share(kinds["infeasible"], len(tenders)))
    table.add_row("tenders crashed", str(kinds["crash"]))
    table.add_row("lots some firm holds a capability near", share(near, lots_total))
    table.add_row(f"lots covered above the relevance floor {floor}", share(covered, lots_total))
    unused = ", ".join(f"{code} {count}" for code, count in languages.most_common())
    table.add_row(
        "lots matched on codes alone (words in another language)",
        f"{share(sum(languages.values()), lots_total)}: {unused}",
    )
    table.add_row("tenders with a complete consortium", share(complete, len(tenders)))
    table.add_row("… every lot's firm above the floor", share(complete_floor, len(tenders)))
    for digits, name in ((2, "division"), (3, "group"), (4, "class")):
        agree = sum(1 for level in levels if level >= digits)
        table.add_row(
            f"lot and its firm's backing code: same CPV {name}", share(agree, len(levels))
        )
    for store_name, store_outcomes in runs.items():
        seconds = [o.seconds for o in store_outcomes.values()]
        table.add_row(
            f"latency p50 / p95, {store_name}",
            f"{1000 * statistics.median(seconds):.0f} / {1000 * percentile(seconds, 0.95):.0f} ms",
        )
    if "Neo4j" in runs:
        same = sum(
            1
            for tid, o in outcomes.items()
            if (o.kind, o.signature) == (runs["Neo4j"][tid].kind, runs["Neo4j"][tid].signature)
        )
        table.add_row("same outcome and best consortium on both stores", share(same, len(tenders)))
    console.print(table)

    gaps: Counter[str] = Counter()
    gap_tenders: dict[str, set[str]] = {}
    for tender, lot in nobody:
        division = lot.cpv[0][:2]
        gaps[division] += 1
        gap_tenders.setdefault(division, set()).add(tender.id)
    gap_table = Table(
        title="Lots nobody in the graph can take (none near, or none above the floor), "
        "by CPV division"
    )
    gap_table.add_column("division")
    gap_table.add_column("label")
    gap_table.add_column("lots", justify="right")
    gap_table.add_column("of which none near", justify="right")
    gap_table.add_column("tenders", justify="right")
    none_near = Counter(lot.cpv[0][:2] for _, lot in nobody_near)
    for division, count in gaps.most_common(15):
        gap_table.add_row(
            division,
            label(f"{division}000000", "en"),
            str(count),
            str(none_near[division]),
            str(len(gap_tenders[division])),
        )
    console.print(gap_table)
    reasons = Counter(r.split(": ", 1)[1].split(",")[0] for r in ted.report.rejections)
    for reason, count in reasons.most_common():
        console.print(f"notices of any size refused at import: {count} x {reason}", markup=False)
    for outcome in (o for o in outcomes.values() if o.kind == "crash"):
        console.print(f"crash: {outcome.reason}", markup=False)
    console.print(f"whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
