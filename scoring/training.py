"""Learning the firm-for-lot ranker from real awards (no I/O: contracts and firms come in).

**Examples.** An award is a one-lot tender (its objet, CPV code, amount and date) whose real
winners are positives; negatives are drawn, seeded, from the firms holding a capability in the
award's CPV division (hard: the same neighbourhood) and from all firms (easy). Firms are the
*profiles* built from other consultations than the examples' (the caller reads them), so a
positive's profile does not already hold the award it should predict. Saved proposals that
were won or lost add their (lot, member) pairs, labelled won or not.

**Figures.** Grouped cross-validation over the examples' consultations: the learnt ranker is
fitted on the other folds and ranks each held-out award's own candidates (its winners and
negatives); recall@10 and MRR of the winners are compared with today's hand-set relevance and
with popularity in the division on the same candidates. The held-out winners' probabilities
calibrate the final model's fit (:func:`winner_calibration`).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from meute.graph.decp import Contract
from meute.graph.model import MAX_NAME, MAX_TEXT, Firm, Lot, Tender
from meute.scoring.fit import fit_matrix
from meute.scoring.learnt import (
    BOUND_PERCENTILE,
    CALIBRATION_LEVELS,
    CODE_COLUMNS,
    CODE_FEATURES,
    FEATURES,
    PLACE_FEATURES,
    WORD_FEATURES,
    LearntRanker,
    Vocabulary,
    lot_features,
    standardised,
)
from meute.scoring.suggest import fold_text
from meute.scoring.text import TextModel

__all__ = [
    "EASY_NEGATIVES",
    "HARD_NEGATIVES",
    "UNKNOWN_BUDGET_EUR",
    "Example",
    "Winners",
    "award_examples",
    "calibrated",
    "consultations",
    "contract_tender",
    "cross_validate",
    "example_features",
    "fit_ranker",
    "winner_calibration",
    "winner_scores",
]

# Negatives per training award: from the same CPV division, and from anywhere (more easy ones
# ranked real winners higher among all firms: recall@10 0.121 against 0.113 for 10 and 30, on
# 120 held-out awards of two folds; 30 and 10 fell to 0.05).
HARD_NEGATIVES = 3
EASY_NEGATIVES = 40
# A tender needs a positive budget: a contract whose amount is unknown gets this one (euros).
UNKNOWN_BUDGET_EUR = 100_000.0


def _fold_text(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold_text(text)))


def consultations(contracts: Sequence[Contract]) -> list[int]:
    """A consultation number per contract: same buyer and (date, objet or winners) join."""
    parent = list(range(len(contracts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[object, ...], int] = {}
    for i, contract in enumerate(contracts):
        buyer = contract.buyer or f"?{contract.file}:{contract.id}"
        keys: list[tuple[object, ...]] = [("objet", buyer, _fold_text(contract.objet)[:80])]
        if contract.date is not None:
            keys.append(("date", buyer, contract.date))
        if len(contract.winners) > 1:
            keys.append(("winners", buyer, tuple(sorted(contract.winners))))
        for key in keys:
            parent[find(i)] = find(first.setdefault(key, i))
    return [find(i) for i in range(len(contracts))]


def contract_tender(contract: Contract, index: int, buyer: str | None) -> Tender:
    """A one-lot French tender made of a DECP contract."""
    title = contract.objet[:MAX_NAME].strip() or f"Marché {contract.id}"
    if contract.cpv is None:
        raise ValueError(f"contract {contract.id} has no CPV code")
    return Tender(
        id=f"decp-{index}",
        title=title,
        buyer=(buyer or "Acheteur public")[:MAX_NAME],
        country="FR",
        region=contract.region,
        budget=contract.amount or UNKNOWN_BUDGET_EUR,
        deadline=contract.date,
        lots=[Lot(id="L1", title=title, description=contract.objet[:MAX_TEXT], cpv=[contract.cpv])],
    )


@dataclass(frozen=True)
class Example:
    """One lot with labelled candidate firms: its winners (True) and negatives (False)."""

    tender: Tender
    lot: int
    codes: list[str]
    firms: list[Firm]
    labels: list[bool]
    group: int


def award_examples(
    awards: Sequence[tuple[Contract, int]],
    profiles: Sequence[Firm],
    rng: random.Random,
    hard: int = HARD_NEGATIVES,
    easy: int = EASY_NEGATIVES,
) -> list[Example]:
    """Each award (a contract and its consultation) whose winners have a profile, with its
    winners and seeded negatives from its CPV division and from anywhere.
    """
    index = {firm.siren: i for i, firm in enumerate(profiles)}
    by_division: dict[str, list[int]] = defaultdict(list)
    for i, firm in enumerate(profiles):
        for division in sorted({c.cpv[:2] for c in firm.capabilities}):
            by_division[division].append(i)
    examples = []
    for n, (contract, group) in enumerate(awards):
        winners = sorted({index[s] for s in contract.winners if s in index})
        if not winners or contract.cpv is None:
            continue
        taken = set(winners)
        near = [i for i in by_division.get(contract.cpv[:2], []) if i not in taken]
        chosen = rng.sample(near, min(hard, len(near)))
        taken.update(chosen)
        anywhere = [i for i in range(len(profiles)) if i not in taken]
        chosen += rng.sample(anywhere, min(easy, len(anywhere)))
        candidates = [(i, True) for i in winners] + [(i, False) for i in chosen]
        rng.shuffle(candidates)  # no method wins a tie by the winners coming first
        examples.append(
            Example(
                tender=contract_tender(contract, n, contract.buyer),
                lot=0,
                codes=[contract.cpv],
                firms=[profiles[i] for i, _ in candidates],
                labels=[won for _, won in candidates],
                group=group,
            )
        )
    return examples


def example_features(
    example: Example, model: TextModel, vocabulary: Vocabulary
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Features of the example's firms for its lot, and today's hand-set relevance of each."""
    codes = [example.codes if i == example.lot else [] for i in range(len(example.tender.lots))]
    fit = fit_matrix(example.tender, codes, example.firms, model)
    features = lot_features(example.tender, codes, example.firms, fit, vocabulary)
    return features[example.lot], fit.relevance[example.lot]


def fit_ranker(
    features: NDArray[np.float64],
    labels: NDArray[np.bool_],
    vocabulary: Vocabulary,
    c: float = 1.0,
) -> LearntRanker:
    """A logistic regression on standardised ``features`` (rows of :data:`FEATURES`; NaN where
    a value is unknown, weighed as the mean), each held within its :data:`BOUND_PERCENTILE`
    range, whose weights may not go below 0: more of any feature (a closer code, more words
    shared, more wins, more evidence, a firm based where the work is) never lowers a fit;
    and, as its :attr:`LearntRanker.codes_only`, the same on :data:`CODE_FEATURES`.
    """

    def fit(columns: NDArray[np.float64], names: tuple[str, ...]) -> LearntRanker:
        columns = np.where(np.isnan(columns).all(axis=0), 0.0, columns)  # never known: 0
        bounds = np.nanpercentile(columns, [100.0 - BOUND_PERCENTILE, BOUND_PERCENTILE], axis=0)
        columns = np.clip(columns, bounds[0], bounds[1])
        mean = np.nanmean(columns, axis=0)
        scale = np.maximum(np.nanstd(columns, axis=0), 1e-9)
        coef, intercept = _nonnegative_logistic(
            standardised(columns, mean, scale), labels, np.ones(len(labels)), 1.0 / c
        )
        return LearntRanker(
            mean=mean,
            scale=scale,
            coef=coef,
            intercept=intercept,
            vocabulary=vocabulary,
            examples=int(labels.sum()),
            bounds=bounds,
            features=names,
        )

    codes_only = fit(features[:, CODE_COLUMNS], CODE_FEATURES)
    return replace(fit(features, FEATURES), codes_only=codes_only)


def _nonnegative_logistic(
    x: NDArray[np.float64],
    labels: NDArray[np.bool_],
    weight: NDArray[np.float64],
    penalty: float,
) -> tuple[NDArray[np.float64], float]:
    """Weights (each at least 0) and intercept of a logistic regression of ``labels`` on the
    columns of ``x``, each row weighing ``weight``, with an L2 ``penalty`` on the weights.
    """
    from scipy.optimize import minimize

    x = np.column_stack([x, np.ones(len(x))])
    y = labels.astype(np.float64)

    def loss(w: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        z = x @ w
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
        value = np.sum(weight * (np.logaddexp(0.0, z) - y * z)) + 0.5 * penalty * w[:-1] @ w[:-1]
        gradient = x.T @ (weight * (p - y))
        gradient[:-1] += penalty * w[:-1]
        return float(value), np.asarray(gradient, dtype=np.float64)

    bounds = [(0.0, None)] * (x.shape[1] - 1) + [(None, None)]
    found = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds).x
    return np.asarray(found[:-1], dtype=np.float64), float(found[-1])


def winner_calibration(probabilities: NDArray[np.float64]) -> NDArray[np.float64]:
    """Knots of :attr:`LearntRanker.calibration`: real winners' ``probabilities`` at
    :data:`CALIBRATION_LEVELS`.
    """
    return np.asarray(np.quantile(probabilities, CALIBRATION_LEVELS), dtype=np.float64)


def calibrated(ranker: LearntRanker, winners: Winners) -> LearntRanker:
    """``ranker`` and its :attr:`LearntRanker.codes_only` calibrated on the real held-out
    ``winners``' probabilities under each.
    """
    coded = ranker.codes_only
    if coded is not None:
        coded = replace(coded, calibration=winner_calibration(winners.codes_only))
    return replace(ranker, calibration=winner_calibration(winners.full), codes_only=coded)


def winner_scores(
    ranker: LearntRanker, features: NDArray[np.float64], placed: bool = False
) -> Winners:
    """The probability ``ranker`` and its codes-only model give each row of ``features``, with
    the place of work as given (``placed``) or unknown (:data:`PLACE_FEATURES`): calibrated on
    the latter, a fit reads on the scale of a tender abroad, where Meute is used, and a firm
    based where a French tender's work is done reads above it.
    """
    if not placed:
        features = features.copy()
        features[:, [FEATURES.index(name) for name in PLACE_FEATURES]] = np.nan
    coded = ranker.codes_only
    return Winners(
        ranker.score(features),
        coded.score(features[:, CODE_COLUMNS]) if coded is not None else np.zeros(len(features)),
    )


@dataclass(frozen=True)
class Winners:
    """Probabilities of real winners under a ranker and under its codes-only model."""

    full: NDArray[np.float64]
    codes_only: NDArray[np.float64]

    @classmethod
    def joined(cls, parts: Sequence[Winners]) -> Winners:
        """The probabilities of every part, one after the other."""
        if not parts:
            return cls(np.zeros(0), np.zeros(0))
        return cls(
            np.concatenate([p.full for p in parts]), np.concatenate([p.codes_only for p in parts])
        )


def _rank_figures(
    scores: NDArray[np.float64], labels: NDArray[np.bool_], into: dict[str, list[float]], k: int
) -> None:
    order = np.lexsort((np.arange(len(scores)), -np.nan_to_num(scores, neginf=-1e9)))
    ranks = np.flatnonzero(labels[order]) + 1
    into["recall@10"].append(float((ranks <= k).mean()))
    into["MRR"].append(float(1.0 / ranks.min()))


def cross_validate(
    rows: Sequence[tuple[NDArray[np.float64], NDArray[np.float64]]],
    examples: Sequence[Example],
    vocabulary: Vocabulary,
    folds: int,
    seed: int,
    progress: Callable[[], None] | None = None,
    part: dict[int, int] | None = None,
) -> tuple[dict[str, float], Winners]:
    """Recall@10 and MRR of the winners among each held-out example's candidates, for the
    learnt ranker, today's relevance and popularity in the division (grouped folds: seeded,
    or each group's ``part``), and the probability each held-out winner was given (its place
    unknown). As if the lot's words could not be read (a foreign notice's), also for the learnt
    ranker with its word features at 0 (``words unread``) and for its codes-only model.
    """
    groups = sorted({e.group for e in examples})
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    if part is not None:
        fold_of = {g: part[g] for g in groups}
    found: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    division_wins = FEATURES.index("division_wins")
    words = [FEATURES.index(name) for name in WORD_FEATURES]
    winners: list[Winners] = []
    for k in range(folds):
        train = [i for i, e in enumerate(examples) if fold_of[e.group] != k]
        test = [i for i, e in enumerate(examples) if fold_of[e.group] == k]
        if not train or not test:
            continue
        labels = np.concatenate([examples[i].labels for i in train]).astype(bool)
        ranker = fit_ranker(np.vstack([rows[i][0] for i in train]), labels, vocabulary)
        for i in test:
            truth = np.array(examples[i].labels, dtype=bool)
            features, today = rows[i]
            scores = winner_scores(ranker, features, placed=True)
            unplaced = winner_scores(ranker, features)
            winners.append(Winners(unplaced.full[truth], unplaced.codes_only[truth]))
            _rank_figures(scores.full, truth, found["learnt"], 10)
            _rank_figures(scores.codes_only, truth, found["codes-only"], 10)
            unread = features.copy()
            unread[:, words] = 0.0
            _rank_figures(ranker.score(unread), truth, found["words unread"], 10)
            _rank_figures(today, truth, found["today"], 10)
            _rank_figures(features[:, division_wins], truth, found["popularity"], 10)
        if progress is not None:
            progress()
    figures = {
        f"{method} {metric}": round(float(np.mean(values)), 4)
        for method, metrics in found.items()
        for metric, values in metrics.items()
    }
    return figures, Winners.joined(winners)


def fit_partner_weights(
    terms: NDArray[np.float64], labels: NDArray[np.bool_], names: Sequence[str]
) -> dict[str, float]:
    """Non-negative weights of the partner terms (columns of ``terms``, in [0, 1]) from whether
    each candidate really co-won: a logistic regression whose term weights may not go below 0,
    so they remain weights of a mean (scaled to sum to 1).
    """
    positive = max(float(labels.sum()), 1.0)
    balance = np.where(labels, (len(labels) - positive) / positive, 1.0)
    found, _ = _nonnegative_logistic(terms, labels, balance, 1.0)
    total = float(found.sum())
    if total <= 0:
        return {}
    return {name: round(float(w) / total, 4) for name, w in zip(names, found, strict=True)}


def partner_recall(
    terms: Sequence[NDArray[np.float64]],
    labels: Sequence[NDArray[np.bool_]],
    weights: NDArray[np.float64],
    k: int = 10,
) -> float:
    """Mean share of each seed's real co-winners among its ``k`` best candidates by
    ``terms @ weights`` (ties: the order given).
    """
    recalls = []
    for rows, truth in zip(terms, labels, strict=True):
        if truth.any():
            order = np.argsort(-(rows @ weights), kind="stable")
            recalls.append(float(truth[order[:k]].sum() / truth.sum()))
    return float(np.mean(recalls)) if recalls else 0.0
