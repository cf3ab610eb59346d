"""Relevance of a firm to a lot learnt from real awards (no I/O).

Each (lot, firm) pair is described by features the project already computes (CPV match, text
similarity over CPV labels, evidence, capacity) plus what the firm really won: a BM25 match of
the lot's words in the objets of its past contracts (its description, for firms read from DECP;
idf from the CPV suggester's corpus, no length normalisation), how many contracts it won in the
lot's division and class and in all, and how far the lot's budget is from the size of its past
contracts. A logistic regression on standardised features turns them into the probability that
the firm wins such a lot; it is trained on awards with negatives drawn from the same CPV
division (hard) and from anywhere (easy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from meute.graph.model import Firm, Tender
from meute.scoring.fit import fit_matrix
from meute.scoring.suggest import CpvSuggester
from meute.scoring.text import TextModel

__all__ = ["FEATURES", "FirmLotRanker", "lot_features"]

FEATURES = (
    "cpv",
    "text",
    "objets",
    "evidence",
    "capacity",
    "division_wins",
    "class_wins",
    "total_wins",
    "scale",
)


def _wins(firm: Firm, lot_codes: Sequence[str]) -> tuple[float, float, float, float]:
    """Contracts won in the lots' divisions and classes, in all, and their mean amount."""
    divisions = {code[:2] for code in lot_codes}
    classes = {code[:4] for code in lot_codes}
    division = sum(c.contracts for c in firm.capabilities if c.cpv[:2] in divisions)
    klass = sum(c.contracts for c in firm.capabilities if c.cpv[:4] in classes)
    total = sum(c.contracts for c in firm.capabilities)
    amount = sum(c.amount_eur for c in firm.capabilities)
    return float(division), float(klass), float(total), amount / total if total else 0.0


def lot_features(
    tender: Tender,
    lot_codes: Sequence[Sequence[str]],
    firms: Sequence[Firm],
    model: TextModel,
    suggester: CpvSuggester,
) -> NDArray[np.float64]:
    """Features (:data:`FEATURES`) of every firm for every lot, shape ``lots x firms x F``."""
    fit = fit_matrix(tender, lot_codes, firms, model)
    objets = _bm25([f"{lot.title} {lot.description}" for lot in tender.lots], firms, suggester)
    out = np.zeros((len(tender.lots), len(firms), len(FEATURES)))
    for i, (lot, codes) in enumerate(zip(tender.lots, lot_codes, strict=True)):
        wins = np.array([_wins(firm, codes) for firm in firms]).reshape(len(firms), 4)
        budget = tender.lot_budget_eur(lot)
        mean = wins[:, 3]
        scale = np.where(
            (mean > 0) & (budget > 0),
            -np.abs(np.log(np.maximum(budget, 1.0)) - np.log(np.maximum(mean, 1.0))),
            -math.log(10.0),
        )
        out[i] = np.column_stack(
            [
                fit.cpv[i],
                fit.text[i],
                objets[i],
                fit.evidence[i],
                fit.capacity[i],
                np.log1p(wins[:, 0]),
                np.log1p(wins[:, 1]),
                np.log1p(wins[:, 2]),
                scale,
            ]
        )
    return out


def _bm25(
    queries: Sequence[str], firms: Sequence[Firm], suggester: CpvSuggester
) -> NDArray[np.float64]:
    """log(1 + BM25) of each firm's description for each query (k1 = 1.2, b = 0)."""
    from sklearn.feature_extraction.text import CountVectorizer

    words = suggester.words_
    counter = CountVectorizer(
        preprocessor=words.preprocessor, ngram_range=words.ngram_range, vocabulary=words.vocabulary_
    )
    present = csr_matrix(counter.transform(queries))
    present.data = np.ones_like(present.data)
    counts = csr_matrix(counter.transform([firm.description for firm in firms]), dtype=np.float64)
    counts.data = counts.data * 2.2 / (counts.data + 1.2)
    weighted = present.multiply(words.idf_[None, :]).tocsr()
    return np.log1p(np.asarray((weighted @ counts.T).toarray(), dtype=np.float64))


@dataclass
class FirmLotRanker:
    """Probability that a firm wins a lot, from :func:`lot_features` (logistic regression)."""

    c: float = 1.0

    def fit(self, features: NDArray[np.float64], won: NDArray[np.bool_]) -> FirmLotRanker:
        """Learn from feature rows and whether the firm won."""
        from sklearn.linear_model import LogisticRegression

        self.mean_ = features.mean(axis=0)
        self.scale_ = np.maximum(features.std(axis=0), 1e-9)
        model = LogisticRegression(C=self.c, max_iter=1000)
        model.fit((features - self.mean_) / self.scale_, won)
        self.coef_ = np.asarray(model.coef_[0], dtype=np.float64)
        self.intercept_ = float(model.intercept_[0])
        return self

    def score(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """Probability of winning for each feature row (any leading shape)."""
        logit = ((features - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)

    def weights(self) -> dict[str, float]:
        """Each feature's weight (on standardised features): what the model learnt."""
        return {name: round(float(w), 4) for name, w in zip(FEATURES, self.coef_, strict=True)}
