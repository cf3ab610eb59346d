"""How well a firm fits a lot: relevance (CPV hierarchy and text), evidence, capacity.

- *relevance*: how close the firm's capability codes are to the lot's codes in the CPV tree,
  mixed with the text similarity between the lot and the firm;
- *evidence*: how well proven the matching capability is (its evidence strength);
- *capacity*: whether the firm is big enough for the lot's budget.

Certifications are a hard filter: a firm lacking one that a lot requires, or with no capability
near the lot's codes, is not eligible for it (its relevance is ``-inf``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from graph.cpv import significant
from graph.model import Firm, HeadcountBand, Tender
from scoring.text import TextModel, firm_text, lot_text
from scoring.weights import Weights

__all__ = [
    "BAND_TURNOVER_EUR",
    "CodedFit",
    "FitWeights",
    "LotFit",
    "capacity_score",
    "certification_mask",
    "code_similarity",
    "coded_fit",
    "cpv_match_score",
    "cpv_parts",
    "estimated_turnover",
    "evidence_score",
    "fit_matrix",
]

# One missing level of the CPV tree costs 30 % of the match.
LEVEL_DECAY = 0.7

# Typical turnover of a firm in each band (euros), used when a firm does not state its own.
BAND_TURNOVER_EUR = {
    HeadcountBand.MICRO: 600_000.0,
    HeadcountBand.SMALL: 5_000_000.0,
    HeadcountBand.MEDIUM: 25_000_000.0,
    HeadcountBand.INTERMEDIATE: 250_000_000.0,
    HeadcountBand.LARGE: 3_000_000_000.0,
}


@dataclass(frozen=True)
class FitWeights(Weights):
    """Weights of the CPV match and the text similarity in a firm's relevance to a lot."""

    cpv: float = 0.6
    text: float = 0.4


@dataclass(frozen=True)
class LotFit:
    """Every part of the fit of each candidate firm to each lot (arrays ``lots x firms``)."""

    relevance: NDArray[np.float64]
    cpv: NDArray[np.float64]
    text: NDArray[np.float64]
    evidence: NDArray[np.float64]
    capacity: NDArray[np.float64]
    eligible: NDArray[np.bool_]


def code_similarity(firm_code: str, lot_code: str) -> float:
    """1 when the firm's code lies within the lot's code, decaying per missing level."""
    firm_sig, lot_sig = significant(firm_code), significant(lot_code)
    shared = 0
    for a, b in zip(firm_sig, lot_sig, strict=False):
        if a != b:
            break
        shared += 1
    if shared < 2:
        return 0.0
    return LEVEL_DECAY ** max(0, len(lot_sig) - shared)


@dataclass(frozen=True)
class _Capabilities:
    """Every capability of a list of firms, flattened: owner index, code, strength."""

    owner: NDArray[np.intp]
    codes: list[str]
    strength: NDArray[np.float64]

    @classmethod
    def of(cls, firms: Sequence[Firm]) -> _Capabilities:
        return cls(
            np.array([i for i, f in enumerate(firms) for _ in f.capabilities], dtype=np.intp),
            [c.cpv for f in firms for c in f.capabilities],
            np.array([c.strength for f in firms for c in f.capabilities], dtype=np.float64),
        )


def _cpv_parts(
    held: _Capabilities, n_firms: int, lot_codes: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if not lot_codes or not held.codes:
        return np.zeros(n_firms), np.zeros(n_firms)
    distinct = sorted(set(held.codes))
    table = np.array(
        [[code_similarity(code, lot_code) for lot_code in lot_codes] for code in distinct],
        dtype=np.float64,
    ).reshape(len(distinct), len(lot_codes))
    row = {code: i for i, code in enumerate(distinct)}
    sims = table[[row[code] for code in held.codes]]
    best = np.zeros((n_firms, len(lot_codes)))
    np.maximum.at(best, held.owner, sims)
    evidence = np.zeros(n_firms)
    np.maximum.at(evidence, held.owner, (sims * held.strength[:, None]).max(axis=1, initial=0.0))
    return 0.7 * best.max(axis=1) + 0.3 * best.mean(axis=1), evidence


def cpv_parts(
    firms: Sequence[Firm], lot_codes: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """CPV match and evidence of each firm for one lot's codes, vectorised over firms.

    *Match*: each lot code takes the firm's closest capability; the score mixes the best lot
    code (the lot's core) with the mean over its codes (its breadth). *Evidence*: the best
    ``similarity x strength`` over the firm's capabilities.
    """
    return _cpv_parts(_Capabilities.of(firms), len(firms), lot_codes)


def cpv_match_score(firm: Firm, lot_codes: Sequence[str]) -> float:
    """CPV match of one firm to one lot's codes (see :func:`cpv_parts`)."""
    return float(cpv_parts([firm], lot_codes)[0][0])


def evidence_score(firm: Firm, lot_codes: Sequence[str]) -> float:
    """Evidence of one firm for one lot's codes (see :func:`cpv_parts`)."""
    return float(cpv_parts([firm], lot_codes)[1][0])


def estimated_turnover(firm: Firm) -> float:
    """The firm's turnover, or the typical turnover of its headcount band."""
    return firm.turnover_eur if firm.turnover_eur is not None else BAND_TURNOVER_EUR[firm.headcount]


def capacity_score(turnover_eur: NDArray[np.float64], budget_eur: float) -> NDArray[np.float64]:
    """Whether firms are big enough for a lot: 1 once turnover reaches the lot budget.

    Below that the score falls with the square root of the ratio, so a firm at a quarter of the
    budget still scores 0.5 (consortia and subcontracting spread the load).
    """
    if budget_eur <= 0:
        return np.ones_like(turnover_eur)
    return np.asarray(np.sqrt(np.clip(turnover_eur / budget_eur, 0.0, 1.0)), dtype=np.float64)


def _normalised_certs(values: Sequence[str]) -> set[str]:
    return {" ".join(v.upper().replace("-", " ").split()) for v in values}


def certification_mask(firms: Sequence[Firm], required: Sequence[str]) -> NDArray[np.bool_]:
    """True for firms holding every required certification (case and dashes ignored)."""
    needed = _normalised_certs(required)
    return np.array([needed <= _normalised_certs(f.certifications) for f in firms], dtype=bool)


@dataclass(frozen=True)
class CodedFit:
    """The parts of the fit that need no text (arrays ``lots x firms``): cheap at any scale."""

    cpv: NDArray[np.float64]
    evidence: NDArray[np.float64]
    capacity: NDArray[np.float64]
    eligible: NDArray[np.bool_]


def coded_fit(
    tender: Tender, lot_codes: Sequence[Sequence[str]], firms: Sequence[Firm]
) -> CodedFit:
    """CPV match, evidence, capacity and eligibility of each firm for each lot."""
    lots = tender.lots
    shape = (len(lots), len(firms))
    held = _Capabilities.of(firms)
    parts = [_cpv_parts(held, len(firms), codes) for codes in lot_codes]
    cpv = np.array([match for match, _ in parts], dtype=np.float64).reshape(shape)
    evidence = np.array([proof for _, proof in parts], dtype=np.float64).reshape(shape)
    turnover = np.array([estimated_turnover(f) for f in firms], dtype=np.float64)
    capacity = np.vstack(
        [capacity_score(turnover, tender.lot_budget_eur(lot)) for lot in lots]
    ).reshape(shape)
    certified = np.ones(shape, dtype=bool)
    for i, lot in enumerate(lots):
        if lot.required_certifications:
            certified[i] = certification_mask(firms, lot.required_certifications)
    return CodedFit(cpv, evidence, capacity, certified & (cpv > 0))


def fit_matrix(
    tender: Tender,
    lot_codes: Sequence[Sequence[str]],
    firms: Sequence[Firm],
    model: TextModel,
    weights: FitWeights = FitWeights(),
) -> LotFit:
    """Fit of each firm to each lot of ``tender``.

    ``lot_codes`` gives the CPV codes used for each lot (its own, or codes suggested from its
    text). Relevance is the weighted mean of CPV match and text similarity, ``-inf`` where a
    firm is not eligible.
    """
    coded = coded_fit(tender, lot_codes, firms)
    text = np.clip(
        model.similarity([lot_text(lot) for lot in tender.lots], [firm_text(f) for f in firms]),
        0.0,
        1.0,
    ).reshape(coded.cpv.shape)
    relevance = (weights.cpv * coded.cpv + weights.text * text) / (weights.cpv + weights.text)
    relevance = np.where(coded.eligible, relevance, -np.inf)
    return LotFit(relevance, coded.cpv, text, coded.evidence, coded.capacity, coded.eligible)
