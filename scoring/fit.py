"""How well a firm fits a lot: CPV hierarchy match, text similarity and capacity.

Certifications are a hard filter: a firm without every certification a lot requires gets a fit
of ``-inf`` for that lot and is never proposed for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from graph.cpv import significant
from graph.model import Firm, HeadcountBand, Lot, Tender
from scoring.text import TextModel, firm_text, lot_text

__all__ = [
    "FitWeights",
    "LotFit",
    "capacity_score",
    "certification_mask",
    "code_similarity",
    "cpv_match_score",
    "estimated_turnover",
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
class FitWeights:
    """Weights of the three parts of a firm's fit to a lot (they need not sum to 1)."""

    cpv: float = 0.5
    text: float = 0.3
    capacity: float = 0.2

    def __post_init__(self) -> None:
        for name in ("cpv", "text", "capacity"):
            if getattr(self, name) < 0:
                raise ValueError(f"FitWeights.{name} must be >= 0")
        if self.cpv + self.text + self.capacity <= 0:
            raise ValueError("FitWeights must not all be zero")


@dataclass(frozen=True)
class LotFit:
    """Fit of every candidate firm to every lot, and its parts (arrays ``lots x firms``)."""

    total: NDArray[np.float64]
    cpv: NDArray[np.float64]
    text: NDArray[np.float64]
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


def cpv_match_score(firm: Firm, lot_codes: Sequence[str]) -> float:
    """How well a firm's coded capabilities cover a lot's codes, weighted by evidence.

    Each lot code takes its best-matching capability; the score mixes the best lot code
    (the lot's core) with the mean over codes (its breadth).
    """
    if not lot_codes or not firm.capabilities:
        return 0.0
    per_code = [
        max(code_similarity(c.cpv, lot_code) * (0.5 + 0.5 * c.strength) for c in firm.capabilities)
        for lot_code in lot_codes
    ]
    return 0.7 * max(per_code) + 0.3 * float(np.mean(per_code))


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


def fit_matrix(
    tender: Tender,
    lot_codes: Sequence[Sequence[str]],
    firms: Sequence[Firm],
    model: TextModel,
    weights: FitWeights = FitWeights(),
) -> LotFit:
    """Fit of each firm to each lot of ``tender``.

    ``lot_codes`` gives the CPV codes used for each lot (its own, or codes suggested from its
    text). The total is the weighted mean of the parts, ``-inf`` where a firm is not eligible.
    """
    lots: list[Lot] = tender.lots
    n_lots, n_firms = len(lots), len(firms)
    cpv = np.array(
        [[cpv_match_score(firm, codes) for firm in firms] for codes in lot_codes],
        dtype=np.float64,
    ).reshape(n_lots, n_firms)
    text = np.clip(
        model.similarity([lot_text(lot) for lot in lots], [firm_text(f) for f in firms]), 0.0, 1.0
    ).reshape(n_lots, n_firms)
    turnover = np.array([estimated_turnover(f) for f in firms], dtype=np.float64)
    capacity = np.vstack(
        [capacity_score(turnover, tender.lot_budget_eur(lot)) for lot in lots]
    ).reshape(n_lots, n_firms)
    eligible = np.vstack(
        [certification_mask(firms, lot.required_certifications) for lot in lots]
    ).reshape(n_lots, n_firms)
    total_weight = weights.cpv + weights.text + weights.capacity
    total = (weights.cpv * cpv + weights.text * text + weights.capacity * capacity) / total_weight
    total = np.where(eligible & (cpv > 0), total, -np.inf)
    return LotFit(total=total, cpv=cpv, text=text, capacity=capacity, eligible=eligible)
