"""Relevance of a firm to a lot learnt from real awards (no I/O: the model comes in as data).

Each (lot, firm) pair is described by features the project already computes (CPV match, text
similarity over CPV labels, evidence, capacity) plus what the firm really won: a BM25 match of
the lot's words in the objets of its past contracts (its description, for firms read from DECP;
the words and their idf are part of the model), how many contracts it won in the lot's division
and class and in all, how far the lot's budget is from the size of its past contracts, and
whether it is based where the work is (a French tender's region: ``place``; ``local``, the same
divided by ``1 + log(1 + wins)``: firms with few contracts win near home, national ones
anywhere; unknown for a tender abroad, see :func:`standardised`). A
logistic regression on standardised features turns them into the probability that the firm
wins such a lot; :mod:`scoring.training` learns it on awards with negatives drawn from the same
CPV division (hard) and from anywhere (easy).

**Bounds.** A linear model extrapolates: a firm with ten times more past contracts than any
firm it learnt from would win every lot of its division. Each feature is therefore held within
the range of the middle 98 % of the training rows (:data:`BOUND_PERCENTILE`) before it is
weighed.

**Fit.** A probability of winning among an award's candidates is no scale to read: on real
awards the median held-out winner gets 0.18. :meth:`LearntRanker.relevance` gives the
*calibrated* fit instead: the share of real held-out winners whose probability was lower
(interpolated between the knots :data:`CALIBRATION_LEVELS` that training stores), so a firm at
0.5 looks as likely as the median real winner, and the same order.

**Lots whose words are not read.** A lot in a language the text model does not read
(``LotFit.foreign``: a foreign notice's) gives every firm the same word features; the model
learnt with them then leaves its codes little weight. Such a lot is ranked by
:attr:`LearntRanker.codes_only`, the same regression learnt on :data:`CODE_FEATURES`, with its
own calibration.

A :class:`LearntRanker` is plain numbers: :meth:`LearntRanker.as_dict` and
:meth:`LearntRanker.from_dict` turn it into JSON-ready data and back, and loading refuses a
model of another format, version or feature schema (:class:`ModelMismatch`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from meute.graph.model import Firm, Tender
from meute.scoring.columns import FirmColumns
from meute.scoring.fit import LotFit
from meute.scoring.suggest import fold_text

__all__ = [
    "BOUND_PERCENTILE",
    "CALIBRATION_LEVELS",
    "CODE_COLUMNS",
    "CODE_FEATURES",
    "FEATURES",
    "MODEL_FORMAT",
    "MODEL_VERSION",
    "PLACE_FEATURES",
    "WORD_FEATURES",
    "LearntRanker",
    "ModelMismatch",
    "Vocabulary",
    "lot_features",
    "standardised",
]

MODEL_FORMAT = "meute-firm-lot-ranker"
# Bump when the features, their meaning or the way they are computed change.
MODEL_VERSION = 4
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
    "place",
    "local",
)
# The features that read a lot's words. A lot whose words the text model cannot compare (a
# foreign notice's) gets the same value of each for every firm; a model learnt without them
# ranks such lots (see LearntRanker.codes_only).
WORD_FEATURES = ("text", "objets")
CODE_FEATURES = tuple(name for name in FEATURES if name not in WORD_FEATURES)
# The features that read where the work is: unknown (NaN) for a tender abroad.
PLACE_FEATURES = ("place", "local")
CODE_COLUMNS = [FEATURES.index(name) for name in CODE_FEATURES]
# Features are clipped to their 1st and 99th percentiles over the training rows. On the DECP
# fixtures' cross-validation this costs nothing measurable (recall@10 among each award's
# candidates 0.852 unclipped, 0.848 at 99, 0.851 at 99.9), while on the showcase (firms with
# hundreds of contracts) unclipped wins gave a sewerage firm the civil works of a light rail at
# 91/100 and hospital-bed makers the imaging stand of a pavilion at 81/100; at 99.9 a
# drinking-water firm still led the light rail's civil works.
BOUND_PERCENTILE = 99.0
# Shares of the real held-out winners at which a model stores their probability (the knots of its
# calibration): 5 %, 10 %, ..., 95 %.
CALIBRATION_LEVELS = np.round(np.linspace(0.05, 0.95, 19), 2)
# BM25 saturation (b = 0: a firm with many past objets is not penalised for them).
_K1 = 1.2


class ModelMismatch(ValueError):
    """A saved model that this version of Meute cannot use (format, version or features)."""


@dataclass(frozen=True)
class Vocabulary:
    """The words (accents folded) whose presence in a lot and a firm's past objets counts, and
    their BM25 idf over the firms the model was trained on.
    """

    words: tuple[str, ...]
    idf: NDArray[np.float64]

    @classmethod
    def fit(cls, descriptions: Sequence[str], max_words: int = 20_000) -> Vocabulary:
        """The words found in at least two of ``descriptions`` (the most frequent first)."""
        from sklearn.feature_extraction.text import CountVectorizer

        counter = CountVectorizer(
            preprocessor=fold_text, min_df=2, max_features=max_words, binary=True
        )
        present = csr_matrix(counter.fit_transform(descriptions))
        frequency = np.asarray(present.sum(axis=0), dtype=np.float64).ravel()
        n = len(descriptions)
        idf = np.log((n - frequency + 0.5) / (frequency + 0.5) + 1.0)
        words = counter.get_feature_names_out()
        return cls(tuple(str(w) for w in words), np.asarray(idf, dtype=np.float64))

    @cached_property
    def _counter(self) -> Any:  # a fitted sklearn CountVectorizer (sklearn is imported lazily)
        from sklearn.feature_extraction.text import CountVectorizer

        counter = CountVectorizer(
            preprocessor=fold_text, vocabulary={w: i for i, w in enumerate(self.words)}
        )
        return counter.fit([""])

    @cached_property
    def _known_documents(self) -> dict[str, tuple[NDArray[np.int64], NDArray[np.int64]]]:
        return {}

    def _document_counts(self, documents: Sequence[str]) -> csr_matrix:
        """The word counts of each document (``documents x words``), each distinct document
        counted once per vocabulary: matching meets the same firms' descriptions again and
        again.
        """
        known = self._known_documents
        missing = list(dict.fromkeys(d for d in documents if d not in known))
        if missing:
            counted = csr_matrix(self._counter.transform(missing))
            counted.sort_indices()
            for row, document in enumerate(missing):
                part = slice(counted.indptr[row], counted.indptr[row + 1])
                known[document] = (counted.indices[part], counted.data[part])
        rows = [known[d] for d in documents]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(indices) for indices, _ in rows], out=indptr[1:])
        empty = np.zeros(0, dtype=np.int64)
        return csr_matrix(
            (
                np.concatenate([data for _, data in rows] or [empty]).astype(np.float64),
                np.concatenate([indices for indices, _ in rows] or [empty]),
                indptr,
            ),
            shape=(len(rows), len(self.words)),
        )

    def bm25(self, queries: Sequence[str], documents: Sequence[str]) -> NDArray[np.float64]:
        """log(1 + BM25) of each document for each query, ``queries x documents``."""
        if not self.words:
            return np.zeros((len(queries), len(documents)))
        counter = self._counter
        present = csr_matrix(counter.transform(queries), dtype=np.float64)
        present.data = np.ones_like(present.data)
        counts = self._document_counts(documents)
        counts.data = counts.data * (_K1 + 1.0) / (counts.data + _K1)
        weighted = present.multiply(self.idf[None, :]).tocsr()
        return np.log1p(np.asarray((weighted @ counts.T).toarray(), dtype=np.float64))


def _wins(
    firms: Sequence[Firm], lot_codes: Sequence[Sequence[str]]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Contracts each firm won in each lot's divisions and in its classes (``lots x firms``), in
    all, and their mean amount (per firm).
    """
    columns = FirmColumns.of(firms)
    owner = columns.capability_owner
    codes = columns.capability_codes // 10_000  # each code's first 4 digits (8-digit codes)
    contracts = columns.capability_contracts
    amount = columns.capability_amount
    n = len(firms)
    total = np.bincount(owner, weights=contracts, minlength=n).astype(np.float64)
    spent = np.bincount(owner, weights=amount, minlength=n).astype(np.float64)
    division = np.zeros((len(lot_codes), n))
    klass = np.zeros((len(lot_codes), n))
    for i, lot in enumerate(lot_codes):
        divisions = np.array(sorted({int(code[:2]) for code in lot}), dtype=np.int64)
        classes = np.array(sorted({int(code[:4]) for code in lot}), dtype=np.int64)
        inside = contracts * np.isin(codes // 100, divisions)
        division[i] = np.bincount(owner, weights=inside, minlength=n)
        klass[i] = np.bincount(owner, weights=contracts * np.isin(codes, classes), minlength=n)
    mean = np.divide(spent, total, out=np.zeros(n), where=total > 0)
    return division, klass, total, mean


def lot_features(
    tender: Tender,
    lot_codes: Sequence[Sequence[str]],
    firms: Sequence[Firm],
    fit: LotFit,
    vocabulary: Vocabulary,
) -> NDArray[np.float64]:
    """Features (:data:`FEATURES`) of every firm for every lot, shape ``lots x firms x F``;
    ``fit`` is :func:`scoring.fit.fit_matrix` of the same firms and lots.
    """
    objets = vocabulary.bm25(
        [f"{lot.title} {lot.description}" for lot in tender.lots],
        [firm.description for firm in firms],
    )
    out = np.zeros((len(tender.lots), len(firms), len(FEATURES)))
    division, klass, total, mean = _wins(firms, lot_codes)
    place = _place(tender, firms)
    for i, lot in enumerate(tender.lots):
        budget = tender.lot_budget_eur(lot)
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
                np.log1p(division[i]),
                np.log1p(klass[i]),
                np.log1p(total),
                scale,
                place,
                place / (1.0 + np.log1p(total)),
            ]
        )
    return out


def _place(tender: Tender, firms: Sequence[Firm]) -> NDArray[np.float64]:
    """1 for a firm based in the region of a tender in France, 0 for one based elsewhere; NaN
    (unknown: weighed as the training rows' mean) when the tender has no French region.
    """
    if tender.region is None:
        return np.full(len(firms), np.nan)
    return np.fromiter((firm.region == tender.region for firm in firms), np.float64, len(firms))


def standardised(
    features: NDArray[np.float64], mean: NDArray[np.float64], scale: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``features`` centred and scaled; an unknown (NaN) value is taken at the mean (0)."""
    return np.nan_to_num((features - mean) / scale, nan=0.0)


def _floats(data: Mapping[str, Any], key: str, length: int) -> NDArray[np.float64]:
    values = data.get(key)
    if not isinstance(values, list) or len(values) != length:
        raise ModelMismatch(f"model field {key!r} must be a list of {length} numbers")
    try:
        array = np.array([float(v) for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelMismatch(f"model field {key!r} must hold numbers only") from None
    if not np.isfinite(array).all():
        raise ModelMismatch(f"model field {key!r} holds a non-finite number")
    return array


def _named_numbers(data: Mapping[str, Any], key: str) -> dict[str, float]:
    values = data.get(key, {})
    if not isinstance(values, dict) or not all(
        isinstance(v, int | float) and math.isfinite(v) for v in values.values()
    ):
        raise ModelMismatch(f"model field {key!r} must map names to finite numbers")
    return {str(k): float(v) for k, v in values.items()}


@dataclass(frozen=True)
class LearntRanker:
    """Probability that a firm wins a lot, from :func:`lot_features` (logistic regression on
    standardised features), with what it was trained on and its cross-validated figures.
    """

    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    coef: NDArray[np.float64]
    intercept: float
    vocabulary: Vocabulary
    trained_at: str = ""
    source: str = ""
    examples: int = 0
    figures: dict[str, float] = field(default_factory=dict)
    partner_weights: dict[str, float] = field(default_factory=dict)
    """Learnt weights of the partner terms (:class:`matcher.partners.PartnerWeights`)."""
    bounds: NDArray[np.float64] | None = None
    """Lowest and highest value of each feature (``2 x F``) that the model weighs (none: no
    clipping)."""
    calibration: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Real held-out winners' probabilities at :data:`CALIBRATION_LEVELS` (none: the fit is
    the probability)."""
    features: tuple[str, ...] = FEATURES
    """The features weighed, in order: :data:`FEATURES`, or :data:`CODE_FEATURES`."""
    codes_only: LearntRanker | None = None
    """The model of the lots whose words are not compared (``LotFit.foreign``), learnt on
    :data:`CODE_FEATURES` (none: this model scores them, their word features at 0)."""

    def score(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """Probability of winning for each feature row (any leading shape), each feature held
        within :attr:`bounds`.
        """
        if self.bounds is not None:
            features = np.clip(features, self.bounds[0], self.bounds[1])
        logit = standardised(features, self.mean, self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50))), dtype=np.float64)

    def calibrated(self, probability: NDArray[np.float64]) -> NDArray[np.float64]:
        """The fit of each probability: the share of real held-out winners given less (linear
        between the knots, and from 0 and to 1 beyond them), in the same order.
        """
        if not len(self.calibration):
            return probability
        knots = np.r_[0.0, self.calibration, 1.0]
        levels = np.r_[0.0, CALIBRATION_LEVELS, 1.0]
        return np.asarray(np.interp(probability, knots, levels), dtype=np.float64)

    def relevance(
        self,
        tender: Tender,
        lot_codes: Sequence[Sequence[str]],
        firms: Sequence[Firm],
        fit: LotFit,
    ) -> NDArray[np.float64]:
        """Each firm's calibrated learnt fit to each lot, ``lots x firms``."""
        if not firms:
            return np.zeros((len(tender.lots), 0))
        features = lot_features(tender, lot_codes, firms, fit, self.vocabulary)
        fits = self.calibrated(self.score(features))
        coded = self.codes_only
        if coded is not None:
            for i, language in enumerate(fit.foreign):
                if language is not None:
                    fits[i] = coded.calibrated(coded.score(features[i][:, CODE_COLUMNS]))
        return fits

    def weights(self) -> dict[str, float]:
        """Each feature's weight (on standardised features): what the model learnt."""
        return {name: round(float(w), 4) for name, w in zip(self.features, self.coef, strict=True)}

    def _numbers(self) -> dict[str, Any]:
        """The model proper, JSON-ready: features, weights, standardisation, calibration."""
        return {
            "features": list(self.features),
            "weights": self.weights(),
            "intercept": self.intercept,
            "coef": [float(v) for v in self.coef],
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "bounds": [] if self.bounds is None else np.round(self.bounds, 6).tolist(),
            "calibration": [round(float(v), 6) for v in self.calibration],
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data: format, version, feature schema, numbers, provenance, figures."""
        return {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "trained_at": self.trained_at,
            "source": self.source,
            "examples": self.examples,
            "figures": dict(self.figures),
            **self._numbers(),
            "words": list(self.vocabulary.words),
            "idf": [round(float(v), 6) for v in self.vocabulary.idf],
            "partner_weights": dict(self.partner_weights),
            "codes_only": None if self.codes_only is None else self.codes_only._numbers(),
        }

    @classmethod
    def from_dict(cls, data: object) -> LearntRanker:
        """The ranker saved by :meth:`as_dict`; raises :class:`ModelMismatch` naming what is
        wrong when the data is of another format, version or feature schema, or malformed.
        """
        if not isinstance(data, dict):
            raise ModelMismatch("a model must be a JSON object")
        if data.get("format") != MODEL_FORMAT:
            raise ModelMismatch(f"not a {MODEL_FORMAT} model (format {data.get('format')!r})")
        if data.get("version") != MODEL_VERSION:
            raise ModelMismatch(
                f"model version {data.get('version')!r}, this Meute reads version "
                f"{MODEL_VERSION}: retrain it with `meute train`"
            )
        words = data.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ModelMismatch("model field 'words' must be a list of strings")
        vocabulary = Vocabulary(tuple(words), _floats(data, "idf", len(words)))
        partner = _named_numbers(data, "partner_weights")
        if any(v < 0 for v in partner.values()):
            raise ModelMismatch("model field 'partner_weights' must not be negative")
        codes_only = None
        nested = data.get("codes_only")
        if nested is not None:
            if not isinstance(nested, dict):
                raise ModelMismatch("model field 'codes_only' must be a JSON object")
            codes_only = cls(vocabulary=vocabulary, **_model_numbers(nested, CODE_FEATURES))
        return cls(
            vocabulary=vocabulary,
            trained_at=str(data.get("trained_at", "")),
            source=str(data.get("source", "")),
            examples=int(data.get("examples", 0)),
            figures=_named_numbers(data, "figures"),
            partner_weights=partner,
            codes_only=codes_only,
            **_model_numbers(data, FEATURES),
        )


def _model_numbers(data: Mapping[str, Any], features: tuple[str, ...]) -> dict[str, Any]:
    """The model proper read from ``data`` (see ``LearntRanker._numbers``), checked: its
    feature schema must be ``features``.
    """
    if data.get("features") != list(features):
        raise ModelMismatch(
            f"model features {data.get('features')!r} differ from {list(features)}: "
            "retrain it with `meute train`"
        )
    count = len(features)
    scale = _floats(data, "scale", count)
    if (scale <= 0).any():
        raise ModelMismatch("model field 'scale' must be positive")
    intercept = data.get("intercept")
    if not isinstance(intercept, int | float) or not math.isfinite(intercept):
        raise ModelMismatch("model field 'intercept' must be a finite number")
    bounds = None
    if data.get("bounds"):
        rows = data["bounds"]
        if not isinstance(rows, list) or len(rows) != 2:
            raise ModelMismatch("model field 'bounds' must hold a lower and an upper list")
        lower, upper = (_floats({"bounds": row}, "bounds", count) for row in rows)
        if (lower > upper).any():
            raise ModelMismatch("model field 'bounds' has a lower bound above its upper one")
        bounds = np.vstack([lower, upper])
    calibration = np.zeros(0)
    if data.get("calibration") != []:
        calibration = _floats(data, "calibration", len(CALIBRATION_LEVELS))
    if (calibration < 0).any() or (calibration > 1).any() or (np.diff(calibration) < 0).any():
        raise ModelMismatch("model field 'calibration' must be probabilities in rising order")
    return {
        "features": features,
        "mean": _floats(data, "mean", count),
        "scale": scale,
        "coef": _floats(data, "coef", count),
        "intercept": float(intercept),
        "bounds": bounds,
        "calibration": calibration,
    }
