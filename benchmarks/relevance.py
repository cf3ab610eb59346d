"""Relevance on real award data: CPV from text, winner retrieval, partners (DECP fixtures).

    .venv/bin/python benchmarks/relevance.py [--seed 7] [--folds 5] [--tests 60] [--no-partners]
    .venv/bin/python benchmarks/relevance.py --cpv-only   # CPV from text alone, same folds
    .venv/bin/python benchmarks/relevance.py --winners-only --no-partners  # winner retrieval

**Split.** Contracts are grouped into consultations (:func:`evaluate_decp.consultations`: same
buyer and same date, objet or winners), the consultations shuffled with the seed and cut into
``folds`` folds; each fold in turn is held out whole, so no lot sibling of a test contract is on
the training side. Every model is fitted on the training side of each fold only.

**CPV from text.** Every distinct (objet, CPV code) pair of the held-out fold: is the buyer's
code among the first 1 / 5 suggestions at division (2 digits), group (3) and class (4)?
*today*: :meth:`scoring.text.TextModel.suggest_cpv` (CPV labels only); *learnt*:
:class:`scoring.suggest.CpvSuggester` fitted on the training pairs and the CPV labels.

**Winner retrieval.** Up to ``tests`` held-out contracts per fold (seeded), each a one-lot
tender (objet, CPV code, amount, date): the rank of its real winners among all firms of the
training graph. *recall@k*: share of its winners in the first k (winners absent from the graph
count as misses: see *ceiling*); *MRR*: mean of 1 / rank of the best-ranked winner. Methods:
*popularity* (training wins in the contract's CPV division), *BM25* (on the objets each firm
won), *today* (the matcher's hand-set objective for a one-firm consortium: 0.35 relevance, 0.10
evidence, 0.10 capacity, 0.08 readiness, 0.05 SME; ineligible firms last), *learnt*
(the model ``meute train`` builds, :func:`api.training.train_ranker`, on the training side only:
each fifth of its consultations gives awards against firms' profiles built from the rest, with
negatives from the same CPV division and from anywhere; ranked with the matcher's eligibility
ignored), *learnt, as matched* (the same with the firms the matcher refuses last: below the
relevance floor, hand-set or learnt, or whose words read too little like the lot's). As if
each contract were a foreign notice whose words cannot be read (its objet unread, its text
similarity 0): *learnt, words unread* (the learnt model with its word features at 0, how
foreign lots were ranked before its codes-only model) and *learnt, codes only*
(:attr:`scoring.learnt.LearntRanker.codes_only`, what ranks them now).

**Partners.** Partner recall@10 and consortium hit@10 as ``benchmarks/evaluate_decp.py``
defines them (its own folds of the consultations with several winners, same seed).

The 2024 tabular extract (``fixtures/decp/decp_2024H2_travaux_cpv4521_filtered.csv.gz``) has no
objet, so it can measure neither text model; :func:`tabular_winners` reads it with a small loader
for a CPV-only winner retrieval (popularity vs today's CPV match) on a date split.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate_decp import (
    DECP_FILES,
    ROOT,
    Config,
    consultations,
    contract_tender,
    evaluate,
)

from meute.api.training import train_ranker
from meute.graph.cpv import Taxonomy, taxonomy
from meute.graph.decp import Contract, read_decp
from meute.graph.model import Firm
from meute.scoring.consortium import readiness_scores
from meute.scoring.fit import RELEVANCE_FLOOR, fit_matrix
from meute.scoring.learnt import LearntRanker
from meute.scoring.suggest import CpvSuggester, deepest_codes, fold_text, label_fallback
from meute.scoring.text import text_model

TABULAR = ROOT / "fixtures" / "decp" / "decp_2024H2_travaux_cpv4521_filtered.csv.gz"
LEVELS = (2, 3, 4)
WINNER_METHODS = (
    "popularity",
    "BM25",
    "today",
    "learnt",
    "learnt, as matched",
    "learnt, words unread",
    "learnt, codes only",
    "ceiling",
)
# Awards the learnt ranker is trained on in each fold (as `meute train --max-awards`).
TRAINING_AWARDS = 1_000
# Relevance floors whose effect on real winners is measured.
FLOORS = (0.1, 0.2, 0.3, 0.4)


@dataclass
class Figures:
    """Every measured value, by section and method."""

    cpv: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    winners: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    calibration: list[tuple[float, bool]] = field(default_factory=list)
    suggested: list[tuple[str, str | None]] = field(default_factory=list)
    # where the learnt model has no confident code: the buyer's code, the first code of the
    # label fallback before (closest labels) and now (labels that read the text)
    fallback: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    floor: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    weights: list[dict[str, float]] = field(default_factory=list)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def fold_of(groups: Sequence[int], folds: int, seed: int) -> dict[int, int]:
    """Each consultation's fold (seeded shuffle, then round robin)."""
    order = sorted(set(groups))
    random.Random(seed).shuffle(order)
    return {group: i % folds for i, group in enumerate(order)}


# --- CPV from text --------------------------------------------------------------------------


def _ranked_prefixes(codes: Sequence[str], length: int) -> list[str]:
    seen: list[str] = []
    for code in codes:
        if code[:length] not in seen:
            seen.append(code[:length])
    return seen


def cpv_from_text(
    suggester: CpvSuggester, pairs: Sequence[tuple[str, str]], figures: Figures
) -> None:
    """Top-1 / top-5 accuracy of both suggesters at each level on held-out pairs."""
    today = text_model()
    probabilities = suggester.division_probabilities([text for text, _ in pairs])
    for (text, code), p in zip(pairs, probabilities, strict=True):
        learnt_codes = [s.code for s in suggester.ranked(text)]
        divisions = [suggester.divisions_[i] for i in np.argsort(-p, kind="stable")]
        figures.calibration.append((float(p.max()), divisions[0] == code[:2]))
        first = suggester.suggest(text, 1)
        figures.suggested.append((code, first[0].code if first else None))
        today_codes = [c for c, _ in today.suggest_cpv(text, 10)]
        if not first:
            before = deepest_codes(today_codes[:3])
            now = deepest_codes([c for c, _ in label_fallback(text, today, 3)])
            figures.fallback.append((code, next(iter(before), None), next(iter(now), None)))
        for name, ranked in (("today", today_codes), ("learnt", learnt_codes)):
            for length in LEVELS:
                deep_enough = [c for c in ranked if len(c.rstrip("0")) >= length]
                order = (
                    divisions
                    if name == "learnt" and length == 2
                    else _ranked_prefixes(deep_enough, length)
                )
                figures.cpv[name][f"{length}@1"].append(float(order[:1] == [code[:length]]))
                figures.cpv[name][f"{length}@5"].append(float(code[:length] in order[:5]))


# --- Winner retrieval -----------------------------------------------------------------------


class Bm25:
    """Okapi BM25 over documents (k1 = 1.2, b = 0.75), words accents-folded."""

    def __init__(self, documents: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        self.vectoriser = CountVectorizer(preprocessor=fold_text)
        counts = self.vectoriser.fit_transform(documents).tocsc().astype(np.float64)
        length = np.asarray(counts.sum(axis=1)).ravel()
        frequency = np.diff(counts.indptr)
        n = counts.shape[0]
        self.idf = np.log((n - frequency + 0.5) / (frequency + 0.5) + 1.0)
        norm = 1.2 * (0.25 + 0.75 * length / max(length.mean(), 1e-9))
        rows = counts.indices
        counts.data = counts.data * 2.2 / (counts.data + norm[rows])
        self.weights = counts

    def scores(self, query: str) -> NDArray[np.float64]:
        """BM25 score of every document for ``query``."""
        terms = np.flatnonzero(self.vectoriser.transform([query]).toarray()[0])
        if len(terms) == 0:
            return np.zeros(self.weights.shape[0])
        return np.asarray(self.weights[:, terms] @ self.idf[terms], dtype=np.float64).ravel()


@dataclass
class Graph:
    """The firms of a training graph and what the baselines need."""

    firms: list[Firm]
    division_wins: dict[str, Counter[int]]
    total_wins: NDArray[np.float64]
    bm25: Bm25
    readiness: NDArray[np.float64]
    sme: NDArray[np.float64]


def build_graph(contracts: Sequence[Contract], keep: Callable[[Contract], bool]) -> Graph:
    """The training graph of the contracts ``keep`` accepts."""
    firms = read_decp(DECP_FILES, keep=keep).firms
    index = {firm.siren: i for i, firm in enumerate(firms)}
    objets: dict[int, list[str]] = defaultdict(list)
    division: dict[str, Counter[int]] = defaultdict(Counter)
    total = np.zeros(len(firms))
    for contract in contracts:
        if not keep(contract):
            continue
        for siren in contract.winners:
            if siren in index:
                objets[index[siren]].append(contract.objet)
                total[index[siren]] += 1
                if contract.cpv:
                    division[contract.cpv[:2]][index[siren]] += 1
    return Graph(
        firms=firms,
        division_wins=division,
        total_wins=total,
        bm25=Bm25([" ".join(objets[i]) for i in range(len(firms))]),
        readiness=readiness_scores(firms, "FR"),
        sme=np.array([float(firm.is_sme) for firm in firms]),
    )


def popularity_scores(graph: Graph, cpv: str) -> NDArray[np.float64]:
    """Wins in the division first, then wins anywhere (a tie-break)."""
    wins = graph.division_wins.get(cpv[:2], Counter())
    inside = np.array([wins.get(i, 0) for i in range(len(graph.firms))], dtype=np.float64)
    return inside + graph.total_wins / (1.0 + graph.total_wins.max())


def today_scores(
    graph: Graph, contract: Contract, index: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The one-firm consortium's objective with today's weights (ineligible: -inf), and each
    firm's relevance (-inf where it has no capability near the code).
    """
    tender = contract_tender(contract, index, None)
    fit = fit_matrix(tender, [[contract.cpv or ""]], graph.firms, text_model())
    score = (
        0.35 * fit.relevance[0]
        + 0.10 * fit.evidence[0]
        + 0.10 * fit.capacity[0]
        + 0.08 * graph.readiness
        + 0.05 * graph.sme
    )
    return np.where(fit.eligible[0], score, -np.inf), fit.relevance[0]


def _ranks(scores: NDArray[np.float64], targets: Sequence[int]) -> list[int]:
    """1-based rank of each target (ties broken by index, as the firms are sorted by SIREN)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    position = np.empty(len(scores), dtype=np.int64)
    position[order] = np.arange(1, len(scores) + 1)
    return [int(position[t]) for t in targets]


def winner_retrieval(
    graph: Graph,
    tests: Sequence[Contract],
    ranker: LearntRanker,
    figures: Figures,
) -> None:
    """Recall@10, recall@50 and MRR of each method on the held-out contracts."""
    index = {firm.siren: i for i, firm in enumerate(graph.firms)}
    for n, contract in enumerate(tests):
        assert contract.cpv is not None
        winners = sorted(set(contract.winners))
        known = [index[s] for s in winners if s in index]
        tender = contract_tender(contract, n, None)
        fit = fit_matrix(tender, [[contract.cpv]], graph.firms, text_model())
        today, relevance = today_scores(graph, contract, n)
        for floor in FLOORS:
            near = [i for i in known if np.isfinite(relevance[i])]
            figures.floor[f"winners {floor}"].extend(float(relevance[i] >= floor) for i in near)
            figures.floor[f"firms {floor}"].append(float(np.mean(relevance >= floor)))
        learnt = ranker.relevance(tender, [[contract.cpv]], graph.firms, fit)[0]
        floored = fit_matrix(
            tender,
            [[contract.cpv]],
            graph.firms,
            text_model(),
            floor=RELEVANCE_FLOOR,
            ranker=ranker,
        )
        # the same contract as a foreign notice: its words unread
        [lot] = tender.lots
        blind = tender.model_copy(update={"lots": [lot.model_copy(update={"title": "-"})]})
        unread = replace(fit, text=np.zeros_like(fit.text), foreign=("xx",))
        methods = {
            "popularity": popularity_scores(graph, contract.cpv),
            "BM25": graph.bm25.scores(contract.objet),
            "today": today,
            "learnt": learnt,
            "learnt, as matched": np.where(floored.eligible[0], learnt, -np.inf),
            "learnt, words unread": replace(ranker, codes_only=None).relevance(
                blind, [[contract.cpv]], graph.firms, unread
            )[0],
            "learnt, codes only": ranker.relevance(blind, [[contract.cpv]], graph.firms, unread)[0],
        }
        for name, scores in methods.items():
            ranks = _ranks(scores, known)
            for k in (10, 50):
                hit = sum(rank <= k for rank in ranks)
                figures.winners[name][f"recall@{k}"].append(hit / len(winners))
            figures.winners[name]["MRR"].append(1.0 / min(ranks) if ranks else 0.0)
        for k in (10, 50):
            figures.winners["ceiling"][f"recall@{k}"].append(len(known) / len(winners))
        figures.winners["ceiling"]["MRR"].append(1.0 if known else 0.0)


# --- The 2024 tabular extract ---------------------------------------------------------------


def tabular_winners(path: Path = TABULAR, top: int = 10) -> dict[str, float]:
    """CPV-only winner retrieval on the 2024 extract: train before 1 Nov 2024, test after.

    Firms are the SIREN of each award's winner (the first 9 digits of the SIRET); a test award
    is a CPV code only (the extract has no objet): *popularity* ranks by past wins in the
    contract's CPV class (4 digits), *CPV match* by the share of a firm's wins whose code is the
    award's (then within the class). Both rank every firm seen in training.
    """
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [
            (r["dateNotification"], r["codeCPV"][:8], r["titulaire_id"][:9])
            for r in csv.DictReader(handle)
            if r["titulaire_id"][:9].isdigit() and r["codeCPV"][:8].isdigit()
        ]
    train = [r for r in rows if r[0] < "2024-11-01"]
    test = [r for r in rows if r[0] >= "2024-11-01"]
    firms = sorted({siren for _, _, siren in train})
    position = {siren: i for i, siren in enumerate(firms)}
    by_class: dict[str, Counter[int]] = defaultdict(Counter)
    by_code: dict[str, Counter[int]] = defaultdict(Counter)
    wins = np.zeros(len(firms))
    for _, code, siren in train:
        by_class[code[:4]][position[siren]] += 1
        by_code[code][position[siren]] += 1
        wins[position[siren]] += 1
    recall: dict[str, list[float]] = defaultdict(list)
    for _, code, siren in test:
        popular = np.zeros(len(firms))
        for i, count in by_class[code[:4]].items():
            popular[i] = count
        exact = np.zeros(len(firms))
        for i, count in by_code[code].items():
            exact[i] = count
        match = exact / np.maximum(wins, 1) + popular / (1 + popular.max()) * 1e-3
        for name, scores in (("popularity", popular), ("CPV match", match)):
            found = siren in position and _ranks(scores, [position[siren]])[0] <= top
            recall[name].append(float(found))
        recall["ceiling"].append(float(siren in position))
    return {name: _mean(values) for name, values in recall.items()} | {
        "train awards": float(len(train)),
        "test awards": float(len(test)),
    }


# --- Running and printing -------------------------------------------------------------------


def _fold_suggester(
    contracts: Sequence[Contract],
    held: set[int],
    group_of: dict[Contract, int],
    vocabulary: Taxonomy,
) -> tuple[CpvSuggester, list[tuple[str, str]]]:
    """The suggester fitted on a fold's training pairs, and its held-out (objet, code) pairs."""
    training = [c for c in contracts if group_of[c] not in held]
    pairs = sorted({(c.objet.strip(), c.cpv) for c in training if c.cpv and c.objet.strip()})
    suggester = CpvSuggester(vocabulary).fit([t for t, _ in pairs], [c for _, c in pairs])
    held_pairs = sorted(
        {(c.objet.strip(), c.cpv) for c in contracts if group_of[c] in held and c.cpv} - set(pairs)
    )
    return suggester, [(t, c) for t, c in held_pairs if t]


def run(
    seed: int,
    folds: int,
    tests: int,
    partners: bool,
    cpv_only: bool = False,
    winners_only: bool = False,
) -> str:
    """Every section, printed as Markdown tables (only CPV from text when ``cpv_only``: the
    same folds, a few minutes instead of the whole run; no CPV from text when
    ``winners_only``).
    """
    start = time.perf_counter()
    contracts = read_decp(DECP_FILES).contracts
    groups = consultations(contracts)
    fold = fold_of(groups, folds, seed)
    group_of = dict(zip(contracts, groups, strict=True))
    rng = random.Random(seed)
    figures = Figures()
    vocabulary = taxonomy()
    for k in range(folds):
        print(f"fold {k + 1}/{folds} ...", file=sys.stderr, flush=True)
        held = {g for g, f in fold.items() if f == k}
        if not winners_only:
            cpv_from_text(*_fold_suggester(contracts, held, group_of, vocabulary), figures)
        if cpv_only:
            continue
        ranker = train_ranker(
            DECP_FILES,
            seed=seed + k,
            max_awards=TRAINING_AWARDS,
            keep=lambda c, held=held: group_of[c] not in held,
            validate=False,
            partner_awards=0,
        ).ranker
        figures.weights.append(ranker.weights())
        graph = build_graph(contracts, lambda c, held=held: group_of[c] not in held)
        testable = sorted(
            (c for c in contracts if group_of[c] in held and c.cpv and c.winners),
            key=lambda c: (c.file, c.id),
        )
        winner_retrieval(graph, rng.sample(testable, min(tests, len(testable))), ranker, figures)
    lines = [f"Relevance on real awards, seed {seed}, {folds} folds of consultations", ""]
    if not winners_only:
        lines += _cpv_table(figures)
        lines += _calibration(figures)
        lines += _suggested(figures)
    if cpv_only:
        return "\n".join([*lines, f"{time.perf_counter() - start:.0f} s"])
    lines += _winner_table(figures)
    lines += [
        "relevance floor (today's relevance): "
        + "; ".join(
            f"{floor}: keeps {_mean(figures.floor[f'winners {floor}']):.3f} of the real winners "
            f"with a capability near the code, {_mean(figures.floor[f'firms {floor}']):.3f} of "
            "all firms"
            for floor in FLOORS
        ),
        "",
    ]
    mean_weights = {name: _mean([w[name] for w in figures.weights]) for name in figures.weights[0]}
    lines += [
        "learnt ranker weights (standardised features, mean over folds): "
        + ", ".join(f"{name} {value:+.2f}" for name, value in mean_weights.items()),
        "",
    ]
    tabular = tabular_winners()
    lines += [
        f"2024 tabular extract (CPV only, {tabular['train awards']:.0f} awards before 1 Nov, "
        f"{tabular['test awards']:.0f} after): winner recall@10 popularity "
        f"{tabular['popularity']:.3f}, CPV match {tabular['CPV match']:.3f}, "
        f"ceiling {tabular['ceiling']:.3f}",
        "",
    ]
    if partners:
        print("partners ...", file=sys.stderr, flush=True)
        lines.append(evaluate(Config(seed=seed, folds=folds)).table())
    lines.append(f"\n{time.perf_counter() - start:.0f} s")
    return "\n".join(lines)


def _cpv_table(figures: Figures) -> list[str]:
    count = len(figures.cpv["learnt"]["2@1"])
    lines = [
        f"CPV from text ({count} held-out objet/code pairs)",
        "",
        "| method | division@1 | division@5 | group@1 | group@5 | class@1 | class@5 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("today", "learnt"):
        values = figures.cpv[name]
        cells = [f"{_mean(values[f'{n}@{k}']):.3f}" for n in LEVELS for k in (1, 5)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _winner_table(figures: Figures) -> list[str]:
    count = len(figures.winners["learnt"]["MRR"])
    lines = [
        f"Winner retrieval ({count} held-out contracts, all firms of the training graph ranked)",
        "",
        "| method | recall@10 | recall@50 | MRR |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in WINNER_METHODS:
        values = figures.winners[name]
        lines.append(
            f"| {name} | {_mean(values['recall@10']):.3f} | {_mean(values['recall@50']):.3f} "
            f"| {_mean(values['MRR']):.3f} |"
        )
    return [*lines, ""]


def _suggested(figures: Figures) -> list[str]:
    """What a lot in words is matched on: the first code :meth:`CpvSuggester.suggest` gives,
    and where it gives none, the label fallback's before and now.
    """
    lines = [
        "learnt first suggestion (what a lot in words is matched on): "
        + _first_code(figures.suggested, len(figures.suggested))
    ]
    for name, column in (("before (closest labels)", 1), ("now (labels that read it)", 2)):
        firsts = [(row[0], row[column]) for row in figures.fallback]
        lines.append(f"label fallback {name}: " + _first_code(firsts, len(firsts)))
    return [*lines, ""]


def _first_code(firsts: Sequence[tuple[str, str | None]], total: int) -> str:
    """How often a first code is given, how often the buyer's code lies under it, its depth."""
    given = [(code, first) for code, first in firsts if first is not None]
    under = [code.startswith(first[: max(2, len(first.rstrip("0")))]) for code, first in given]
    depth = [max(2, len(first.rstrip("0"))) for _, first in given]
    return (
        f"given for {len(given) / max(1, total):.3f} of {total} held-out pairs; the buyer's "
        f"code lies under it for {_mean([float(u) for u in under]):.3f} of those; "
        f"mean depth {_mean([float(d) for d in depth]):.2f} digits"
    )


def _calibration(figures: Figures) -> list[str]:
    cells = []
    for low, high in ((0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)):
        inside = [(p, ok) for p, ok in figures.calibration if low <= p < high]
        if inside:
            said = _mean([p for p, _ in inside])
            right = _mean([float(ok) for _, ok in inside])
            cells.append(f"{low:.1f}-{min(high, 1):.1f}: said {said:.2f}, right {right:.2f}")
    loss = -_mean([math.log(max(p if ok else 1 - p, 1e-9)) for p, ok in figures.calibration])
    return [
        f"learnt division probability, calibration ({loss:.3f} log-loss of the top): "
        + "; ".join(cells),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--tests", type=int, default=60, help="test contracts per fold")
    parser.add_argument("--no-partners", action="store_true")
    parser.add_argument("--cpv-only", action="store_true", help="only CPV from text")
    parser.add_argument("--winners-only", action="store_true", help="no CPV from text")
    args = parser.parse_args()
    print(
        run(
            args.seed,
            args.folds,
            args.tests,
            not args.no_partners,
            args.cpv_only,
            args.winners_only,
        )
    )


if __name__ == "__main__":
    main()
