"""Firms near a lot through its CPV division alone: how many real winners they are, and what
requiring words like the lot's (:data:`scoring.fit.DIVISION_TEXT_FLOOR`) costs; and what
requiring every firm beside the lot's codes to read like the lot at a share of the best-reading
firm (:data:`scoring.fit.TEXT_SHARE_FLOOR`) costs.

    .venv/bin/python benchmarks/division_words.py [--seed 7] [--folds 5] [--tests 60]

The held-out contracts are those of ``benchmarks/relevance.py``'s winner retrieval (same
consultation folds, seed and sample), each a one-lot tender coded with the buyer's code,
against the firms of its fold's training graph. For each threshold it prints the share of the
real winners near the code that the relevance floor keeps with and without the rule, and how
many of the firms near each contract are near through the division alone and are set aside;
then, for each share, how many of the winners and of the firms those rules keep it keeps too
(a firm with a capability within the code always stays).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate_decp import consultations, contract_tender
from relevance import DECP_FILES, build_graph, fold_of

from meute.graph.decp import read_decp
from meute.scoring.fit import (
    DIVISION_TEXT_FLOOR,
    RELEVANCE_FLOOR,
    TEXT_SHARE_FLOOR,
    coded_fit,
    fit_matrix,
)
from meute.scoring.text import text_model

THRESHOLDS = (0.05, DIVISION_TEXT_FLOOR, 0.1, 0.15)
SHARES = (0.1, 0.15, TEXT_SHARE_FLOOR, 0.25, 0.3)


def run(seed: int, folds: int, tests: int) -> str:
    """The figures, as printed lines."""
    contracts = read_decp(DECP_FILES).contracts
    groups = consultations(contracts)
    fold = fold_of(groups, folds, seed)
    group_of = dict(zip(contracts, groups, strict=True))
    rng = random.Random(seed)
    # division alone, text, hand-set relevance, text as a share of the best kept firm's, within
    winners: list[tuple[bool, float, float, float, bool]] = []
    firms: list[tuple[int, list[int]]] = []  # near the code; near by division alone, per threshold
    # each kept firm's text as a share of the best's (1 for a firm within the code)
    shares: list[NDArray[np.float64]] = []
    for k in range(folds):
        print(f"fold {k + 1}/{folds} ...", file=sys.stderr, flush=True)
        held = {g for g, f in fold.items() if f == k}
        graph = build_graph(contracts, lambda c, held=held: group_of[c] not in held)
        index = {firm.siren: i for i, firm in enumerate(graph.firms)}
        testable = sorted(
            (c for c in contracts if group_of[c] in held and c.cpv and c.winners),
            key=lambda c: (c.file, c.id),
        )
        for n, contract in enumerate(rng.sample(testable, min(tests, len(testable)))):
            assert contract.cpv is not None
            tender = contract_tender(contract, n, None)
            fit = fit_matrix(tender, [[contract.cpv]], graph.firms, text_model())
            coded = coded_fit(tender, [[contract.cpv]], graph.firms)
            alone, within = ~coded.beyond_division[0], coded.within[0]
            near = fit.qualified[0]
            relevance = fit.relevance[0]  # hand-set, no floor: finite wherever near
            text = fit.text[0]
            kept = near & (relevance >= RELEVANCE_FLOOR) & (~alone | (text >= DIVISION_TEXT_FLOOR))
            share = text / max(float(text[kept].max(initial=0.0)), 1e-12)
            shares.append(np.where(within, 1.0, share)[kept])
            for siren in set(contract.winners):
                i = index.get(siren)
                if i is not None and near[i]:
                    winners.append(
                        (
                            bool(alone[i]),
                            float(text[i]),
                            float(relevance[i]),
                            float(share[i]),
                            bool(within[i]),
                        )
                    )
            firms.append(
                (
                    int(near.sum()),
                    [int((near & alone & (fit.text[0] < t)).sum()) for t in THRESHOLDS],
                )
            )
    rows = np.array(winners)
    alone, text, relevance, share = rows[:, 0] == 1, rows[:, 1], rows[:, 2], rows[:, 3]
    within = rows[:, 4] == 1
    floor = relevance >= RELEVANCE_FLOOR
    lines = [
        f"seed {seed}, {folds} folds, {len(firms)} held-out contracts: {len(rows)} real winners "
        f"near the code, {int(alone.sum())} of them through the division alone "
        f"({int((alone & floor).sum())} above the relevance floor {RELEVANCE_FLOOR}, "
        f"reading like their contract at {np.min(text[alone & floor], initial=1.0):.3f} at "
        "least)",
        f"relevance floor alone keeps {floor.mean():.3f} of them; "
        f"mean firms near a contract {np.mean([near for near, _ in firms]):.0f}",
    ]
    for j, threshold in enumerate(THRESHOLDS):
        kept = floor & (~alone | (text >= threshold))
        set_aside = np.mean([alone_below[j] for _, alone_below in firms])
        mark = " (the default)" if threshold == DIVISION_TEXT_FLOOR else ""
        lines.append(
            f"words at {threshold}{mark}: floor and rule keep {kept.mean():.3f} of the winners; "
            f"{set_aside:.0f} firms a contract set aside (division alone, words below)"
        )
    default = floor & (~alone | (text >= DIVISION_TEXT_FLOOR))
    every = np.concatenate(shares)
    lines.append(
        f"{int(default.sum())} winners and {every.size / len(shares):.0f} firms a contract kept "
        f"by the floor and the default words rule, {int((default & within).sum())} and "
        f"{np.mean(every >= 1.0) * every.size / len(shares):.0f} of them within the code; the "
        "others' words as a share of the best kept firm's: winners' 1st, 5th, 50th percentiles "
        + ", ".join(f"{q:.3f}" for q in np.quantile(share[default & ~within], [0.01, 0.05, 0.5]))
    )
    for minimum in SHARES:
        mark = " (the default)" if minimum == TEXT_SHARE_FLOOR else ""
        lines.append(
            f"share {minimum}{mark}: keeps "
            f"{np.mean((share >= minimum) | within, where=default):.3f} of those winners and "
            f"{np.mean(every >= minimum):.3f} of those firms"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--tests", type=int, default=60)
    args = parser.parse_args()
    print(run(args.seed, args.folds, args.tests))


if __name__ == "__main__":
    main()
