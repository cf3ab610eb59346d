"""Measure partner discovery and consortium proposals on real French award data (DECP).

    .venv/bin/python benchmarks/evaluate_decp.py [--seed 7] [--folds 5] [--size 3]

**Split.** Real co-winners are what we try to predict, so the held-out unit is the
*consultation*: lots of one call for tenders are published as separate records with the same
winners (13 lots of one painting framework, 10 of one frozen-food purchase), and holding out one
lot while its siblings stay in the graph would leak the answer. Contracts are grouped into
consultations (same buyer and same date, or same buyer and same objet, or same buyer and same
set of winners). The consultations holding a multi-winner contract are shuffled with the seed
and cut into ``folds`` folds (cross-validation): each fold in turn is held out whole, the graph
is built from every other contract, and one multi-winner contract per held-out consultation,
drawn with the seed, is a test case. So every such consultation is tested once, against a
graph that never saw it. Random folds rather than a split by date: the two files cover
2018-2019, mostly a few months, so a date split would leave little history and few test
cases; the grouping already stops the same-call leak that a date split would also stop.

**Graph.** The kept contracts, read again with :func:`graph.decp.read_decp` (``keep``), make the
firms, capabilities and co-winning collaborations of an in-memory embedded store, queried
through the same use cases as the CLI and the API (:func:`api.service.find_partners`,
:func:`api.service.match_tender`).

**Tender.** A held-out contract becomes a French tender with one lot: its objet as title and
description, its CPV code, its amount as budget, its notification date as deadline.

**Metrics.**

- *partner recall@10*: for each real winner present in the graph, the share of its real
  co-winners among its top-10 partners for the tender; averaged over winners, then contracts.
  Co-winners absent from the graph (firms seen only in the held-out consultation) cannot be
  found by any method and count as misses: the ``ceiling`` row gives the recall of an oracle.
- *consortium hit@10*: the share of contracts where one of the top-10 consortia holds at least
  two real winners. A one-lot tender gives one-firm consortia, so each consortium is
  *partner-augmented*: one of the matcher's top-10 firms for the lot (its ranked consortia),
  plus its best ``size - 1`` partners for the tender (``size`` 3 by default: real winning
  groups have 2 to 4 firms, most often 2 or 3).

**Methods.** *meute*: the use cases with the learnt firm-for-lot ranker, trained in each fold
on its training side only (:func:`api.training.train_ranker`, ``training_awards`` awards);
*today*: the same with today's hand-set relevance (:data:`scoring.fit.HAND_SET`).

**Baselines**, with the same sizes: *popularity* ranks the firms that won the most training
contracts in the contract's CPV division (the top 10 as partners; consortium ``i`` is the
``i``-th firm plus the ``size - 1`` most popular others); *popularity, same region* does the
same among the firms of the given firm's (or the lead's) region, since co-winners mostly share
one; *random* draws firms of the graph uniformly (seeded).
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meute.api.service import ImportDocument, find_partners, import_document, match_tender
from meute.api.training import train_ranker
from meute.graph.decp import Contract, DecpImport, read_decp
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import Infeasible
from meute.graph.model import Region, Tender
from meute.matcher.partners import PartnerWeights
from meute.matcher.propose import MatchOptions
from meute.scoring.fit import HAND_SET, Ranker
from meute.scoring.training import consultations, contract_tender

ROOT = Path(__file__).resolve().parents[1]
DECP_FILES = tuple(sorted((ROOT / "fixtures" / "decp").glob("*.zip")))
METHODS = ("meute", "today", "popularity", "popularity, same region", "random", "ceiling")


@dataclass(frozen=True)
class Config:
    """What to hold out and how to measure."""

    seed: int = 7
    folds: int = 5
    run_folds: int | None = None
    """Evaluate only the first ``run_folds`` folds (a quick look)."""
    limit: int | None = None
    """At most this many test contracts per fold (a quick look)."""
    top: int = 10
    size: int = 3
    """Firms per consortium (lead plus partners)."""
    files: tuple[Path, ...] = DECP_FILES
    weights: PartnerWeights | None = None
    """Partner weights; by default those of the learnt model (today's for *today*)."""
    training_awards: int = 600
    """Awards the learnt ranker of each fold is trained on (its training side only)."""


@dataclass
class Scores:
    """Per-contract measures of one method."""

    recall: list[float] = field(default_factory=list)
    hits: list[float] = field(default_factory=list)


@dataclass
class Evaluation:
    """The figures of one run."""

    config: Config
    contracts: int
    consultations: int
    test_contracts: int
    graph_firms: list[int]
    seeds: int
    scores: dict[str, Scores]
    seconds: float

    def rows(self) -> list[tuple[str, float, float, int, int]]:
        """Per method: mean recall, hit rate, and how many contracts each mean covers."""
        return [
            (name, _mean(s.recall), _mean(s.hits), len(s.recall), len(s.hits))
            for name, s in self.scores.items()
        ]

    def table(self) -> str:
        """A Markdown table with the set-up above it."""
        top = self.config.top
        firms = sum(self.graph_firms) / max(1, len(self.graph_firms))
        lines = [
            f"DECP evaluation, seed {self.config.seed}: {self.contracts} contracts, "
            f"{self.consultations} consultations with several winners in "
            f"{self.config.folds} folds ({len(self.graph_firms)} run); {self.test_contracts} "
            f"test contracts, {self.seeds} (contract, winner) seeds; graphs of {firms:.0f} "
            f"firms on average; consortia of {self.config.size} firms; {self.seconds:.0f} s",
            f"partner recall over the {len(self.scores['meute'].recall)} contracts with a winner "
            f"in the graph, consortium hit over all {self.test_contracts}",
            "",
            f"| method | partner recall@{top} | consortium hit@{top} |",
            "| --- | ---: | ---: |",
        ]
        for name, recall, hit, _, _ in self.rows():
            lines.append(f"| {name} | {recall:.3f} | {hit:.3f} |")
        return "\n".join(lines)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def is_testable(contract: Contract) -> bool:
    """A multi-winner contract with a CPV code and a year (so its co-winning is recorded)."""
    return len(contract.winners) > 1 and contract.cpv is not None and contract.year is not None


def folds(
    groups: Sequence[int], contracts: Sequence[Contract], config: Config
) -> list[tuple[set[int], list[Contract]]]:
    """Per fold, the held-out consultations and one test contract from each (seeded)."""
    testable: dict[int, list[Contract]] = defaultdict(list)
    for group, contract in zip(groups, contracts, strict=True):
        if is_testable(contract):
            testable[group].append(contract)
    rng = random.Random(config.seed)
    order = sorted(testable)
    rng.shuffle(order)
    cut = [sorted(order[k :: config.folds]) for k in range(config.folds)]
    return [
        (set(held), [rng.choice(sorted(testable[g], key=lambda c: (c.file, c.id))) for g in held])
        for held in cut
    ]


def popularity(train: DecpImport, kept: Callable[[Contract], bool]) -> dict[str, list[str]]:
    """Per CPV division, the firms by number of training contracts won there, most first."""
    known = {firm.siren for firm in train.firms}
    wins: dict[str, Counter[str]] = defaultdict(Counter)
    for contract in train.contracts:
        if contract.cpv is not None and kept(contract):
            wins[contract.cpv[:2]].update(w for w in contract.winners if w in known)
    return {
        division: sorted(counter, key=lambda s: (-counter[s], s))
        for division, counter in wins.items()
    }


def _hit(consortia: Sequence[set[str]], winners: set[str]) -> float:
    return float(any(len(members & winners) >= 2 for members in consortia))


def _teams(leads: Sequence[str], others: Callable[[str], list[str]], size: int) -> list[set[str]]:
    return [{lead, *[s for s in others(lead) if s != lead][: size - 1]} for lead in leads]


@dataclass
class _Fold:
    """The graph built without one fold's consultations, and what the baselines need."""

    store: EmbeddedStore
    sirens: list[str]
    region: dict[str, Region]
    popular: dict[str, list[str]]
    ranker: Ranker


def _build(kept: Callable[[Contract], bool], config: Config) -> _Fold:
    train = read_decp(config.files, keep=kept)
    store = EmbeddedStore(None)
    import_document(store, ImportDocument(firms=train.firms, collaborations=train.collaborations))
    return _Fold(
        store=store,
        sirens=sorted(firm.siren for firm in train.firms),
        region={firm.siren: firm.region for firm in train.firms},
        popular=popularity(train, kept),
        ranker=train_ranker(
            config.files,
            seed=config.seed,
            max_awards=config.training_awards,
            keep=kept,
            validate=False,
        ).ranker,
    )


def _score_contract(
    fold: _Fold,
    contract: Contract,
    tender: Tender,
    config: Config,
    rng: random.Random,
    scores: dict[str, Scores],
) -> int:
    """Add one test contract's measures to ``scores``; returns how many seeds it had."""
    options = MatchOptions(top=config.top, ranker=fold.ranker)
    today = MatchOptions(top=config.top, ranker=HAND_SET)
    winners = set(contract.winners)
    known = sorted(winners & set(fold.region))
    ranking = fold.popular.get(contract.cpv[:2] if contract.cpv else "", [])

    def regional(siren: str) -> list[str]:
        return [s for s in ranking if fold.region[s] == fold.region.get(siren)]

    def partners(siren: str, top: int, options: MatchOptions = options) -> list[str]:
        found = find_partners(fold.store, siren, tender, top, options, config.weights)
        return [p.siren for p in found.partners]

    def leads(options: MatchOptions) -> list[str]:
        try:
            result = match_tender(fold.store, tender, options)
        except Infeasible:
            return []
        return [consortium.members[0].siren for consortium in result.consortia]

    recalls: dict[str, list[float]] = defaultdict(list)
    for seed in known:
        others = winners - {seed}
        proposals = {
            "meute": partners(seed, config.top),
            "today": partners(seed, config.top, today),
            "popularity": [s for s in ranking if s != seed][: config.top],
            "popularity, same region": [s for s in regional(seed) if s != seed][: config.top],
            "random": rng.sample([s for s in fold.sirens if s != seed], config.top),
            "ceiling": known,
        }
        for name, proposed in proposals.items():
            recalls[name].append(len(others & set(proposed)) / len(others))
    if known:
        for name in METHODS:
            scores[name].recall.append(_mean(recalls[name]))

    teams = {
        "meute": _teams(leads(options), lambda lead: partners(lead, config.size - 1), config.size),
        "today": _teams(
            leads(today), lambda lead: partners(lead, config.size - 1, today), config.size
        ),
        "popularity": _teams(ranking[: config.top], lambda _: ranking, config.size),
        "popularity, same region": _teams(ranking[: config.top], regional, config.size),
        "random": [set(rng.sample(fold.sirens, config.size)) for _ in range(config.top)],
        "ceiling": [set(known)],
    }
    for name, consortia in teams.items():
        scores[name].hits.append(_hit(consortia, winners))
    return len(known)


def _outside(group_of: dict[Contract, int], held: set[int]) -> Callable[[Contract], bool]:
    return lambda contract: group_of[contract] not in held


def evaluate(
    config: Config = Config(), progress: Callable[[int, int], None] | None = None
) -> Evaluation:
    """Cross-validate Meute and the baselines over the consultations with several winners."""
    start = time.perf_counter()
    everything = read_decp(config.files)
    groups = consultations(everything.contracts)
    group_of = dict(zip(everything.contracts, groups, strict=True))
    buyers = {buyer.id: buyer.name for buyer in everything.buyers}
    rng = random.Random(config.seed)
    scores = {name: Scores() for name in METHODS}
    plan = folds(groups, everything.contracts, config)[: config.run_folds]
    total = sum(len(tests[: config.limit]) for _, tests in plan)
    graph_firms: list[int] = []
    done = seeds = 0
    for held, tests in plan:
        fold = _build(_outside(group_of, held), config)
        graph_firms.append(len(fold.sirens))
        for contract in tests[: config.limit]:
            if progress is not None:
                progress(done, total)
            tender = contract_tender(contract, done, buyers.get(contract.buyer or ""))
            seeds += _score_contract(fold, contract, tender, config, rng, scores)
            done += 1
    return Evaluation(
        config=config,
        contracts=len(everything.contracts),
        consultations=sum(len(held) for held, _ in folds(groups, everything.contracts, config)),
        test_contracts=done,
        graph_firms=graph_firms,
        seeds=seeds,
        scores=scores,
        seconds=time.perf_counter() - start,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=Config.seed)
    parser.add_argument("--folds", type=int, default=Config.folds)
    parser.add_argument("--size", type=int, default=Config.size)
    parser.add_argument("--run-folds", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    config = Config(
        seed=args.seed,
        folds=args.folds,
        size=args.size,
        run_folds=args.run_folds,
        limit=args.limit,
    )
    print(evaluate(config).table())


if __name__ == "__main__":
    main()
