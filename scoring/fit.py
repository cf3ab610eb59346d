"""How well a firm fits a lot: relevance (CPV hierarchy and text), evidence, capacity.

- *relevance*: how close the firm's capability codes are to the lot's codes in the CPV tree,
  mixed with the text similarity between the lot and the firm;
- *evidence*: how well proven the matching capability is (its evidence strength);
- *capacity*: whether the firm is big enough for the lot's budget.

Certifications are a hard filter: a firm lacking one that a lot requires, with no capability
near the lot's codes, or below the relevance floor, is not eligible for it (its relevance is
``-inf``); with a floor, neither is a firm near the lot's codes through their CPV division alone
whose words do not read like the lot's (:data:`DIVISION_TEXT_FLOOR`), nor a firm beside the
lot's codes (none of its capabilities within them) that reads like the lot far less than the
best-reading eligible firm (:data:`TEXT_SHARE_FLOOR`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from meute.graph.cpv import significant
from meute.graph.model import Firm, Tender
from meute.scoring.columns import FirmColumns, Firms
from meute.scoring.language import text_comparable
from meute.scoring.text import TextModel, lot_text
from meute.scoring.weights import RELEVANCE_FLOOR, Weights

__all__ = [
    "DIVISION_TEXT_FLOOR",
    "HAND_SET",
    "RELEVANCE_FLOOR",
    "TEXT_SHARE_FLOOR",
    "CodedFit",
    "FitWeights",
    "LotFit",
    "Ranker",
    "capacity_score",
    "certification_mask",
    "code_similarities",
    "code_similarity",
    "coded_fit",
    "cpv_match_score",
    "cpv_parts",
    "evidence_score",
    "fit_matrix",
]

# One missing level of the CPV tree costs 30 % of the match.
LEVEL_DECAY = 0.7
# The decay after each number of missing levels (0 to 8).
_DECAY = np.array([LEVEL_DECAY**missing for missing in range(9)])
# The text similarity a firm near a lot through the CPV division alone needs to be eligible. A
# division holds many trades (71: architects, building inspectors and laboratories; 45: every
# construction trade). Unrelated short texts read alike at up to about 0.06 (an inspector's
# « contrôle technique » against « Analyses de laboratoire »), related ones at 0.4 to 0.5. On
# the held-out real awards of `benchmarks/relevance.py` (seed 7, 5 folds, 300 contracts), 15 of
# the 82 winners near the code were near through the division alone; the 9 of them above the
# relevance floor read like their contract at 0.10 to 0.34, so the floor and this rule keep the
# same 76 winners as the floor alone (`benchmarks/division_words.py`).
DIVISION_TEXT_FLOOR = 0.08
# With a floor, the share of the best eligible firm's text similarity to a lot that a firm with
# no capability within the lot's codes needs to be eligible too: next to a solar plant's
# owner's engineers (reading like the lot at 0.64), a tramway consultancy near the code (0.11)
# is no candidate, while a scanner maker under « Équipements médicaux » (33100000) stays
# whatever its words. On the held-out real awards of `benchmarks/division_words.py` (seed 7,
# 5 folds, 400 tests a fold), the real winners the other rules keep and not within the code
# read like their contract at 0.13 (1st percentile), 0.21 (5th) and 0.52 (median) of the best
# firm's similarity; at 0.2 the rule keeps 98.4 % of all those winners and sets aside 21.8 % of
# the firms. The best-reading firm stays, so no lot is emptied.
TEXT_SHARE_FLOOR = 0.2
# Dividing an 8-digit code by these leaves its first 1, 2, ..., 8 digits.
_PREFIX_DIVISORS = 10 ** np.arange(7, -1, -1, dtype=np.int64)


@dataclass(frozen=True)
class FitWeights(Weights):
    """Weights of the CPV match and the text similarity in a firm's relevance to a lot."""

    cpv: float = 0.6
    text: float = 0.4


@dataclass(frozen=True)
class LotFit:
    """Every part of the fit of each candidate firm to each lot (arrays ``lots x firms``), and
    for each lot the language of its words when they were not compared (``foreign``).
    """

    relevance: NDArray[np.float64]
    cpv: NDArray[np.float64]
    text: NDArray[np.float64]
    evidence: NDArray[np.float64]
    capacity: NDArray[np.float64]
    eligible: NDArray[np.bool_]
    qualified: NDArray[np.bool_]
    """Near the lot's codes with its certifications, whatever the relevance floor."""
    foreign: tuple[str | None, ...] = ()


class Ranker(Protocol):
    """A learnt relevance (:class:`scoring.learnt.LearntRanker`): each firm's probability of
    winning each lot, ``lots x firms``, from the hand-computed parts of the fit.
    """

    def relevance(
        self, tender: Tender, lot_codes: Sequence[Sequence[str]], firms: Sequence[Firm], fit: LotFit
    ) -> NDArray[np.float64]:
        """Learnt relevance of each firm to each lot."""
        ...


class _HandSet:
    """Today's hand-set relevance as a :class:`Ranker`: to ask for it where a learnt model
    would otherwise be used.
    """

    def relevance(
        self, tender: Tender, lot_codes: Sequence[Sequence[str]], firms: Sequence[Firm], fit: LotFit
    ) -> NDArray[np.float64]:
        """The hand-set relevance already in ``fit``."""
        return fit.relevance


HAND_SET: Ranker = _HandSet()


def code_similarity(firm_code: str, lot_code: str) -> float:
    """1 when the firm's code lies within the lot's code, decaying per missing level.

    The definition, for one pair of codes; :func:`code_similarities` is its vectorised form.
    """
    firm_sig, lot_sig = significant(firm_code), significant(lot_code)
    shared = 0
    for a, b in zip(firm_sig, lot_sig, strict=False):
        if a != b:
            break
        shared += 1
    if shared < 2:
        return 0.0
    return LEVEL_DECAY ** max(0, len(lot_sig) - shared)


def code_similarities(firm_codes: NDArray[np.int64], lot_code: str) -> NDArray[np.float64]:
    """:func:`code_similarity` of each firm code (an 8-digit integer) to a lot code."""
    lot_level = len(significant(lot_code))
    # Prefixes are nested, so the number of equal ones is the length of the common prefix.
    common = (firm_codes[:, None] // _PREFIX_DIVISORS == int(lot_code) // _PREFIX_DIVISORS).sum(
        axis=1
    )
    trailing_zeros = (firm_codes[:, None] % (10 * _PREFIX_DIVISORS[::-1]) == 0).sum(axis=1)
    firm_level = np.maximum(2, 8 - trailing_zeros)
    shared = np.minimum(np.minimum(common, firm_level), lot_level)
    return np.where(shared < 2, 0.0, _DECAY[np.maximum(0, lot_level - shared)])


def _cpv_parts(
    firms: FirmColumns, lot_codes: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_]]:
    """CPV match and evidence (see :func:`cpv_parts`), whether each firm is near a lot code
    through more than its division (or near a code that is a division), over all the codes, and
    whether it holds a capability within a code that says what the lot is.
    """
    n_firms = len(firms)
    best = np.zeros((n_firms, len(lot_codes)))
    evidence = np.zeros(n_firms)
    held = firms.capability_count > 0
    if not lot_codes or not held.any():
        return np.zeros(n_firms), evidence, np.zeros(n_firms, dtype=bool), np.zeros(n_firms, bool)
    distinct, index = firms.distinct_codes
    table = np.column_stack([code_similarities(distinct, lot_code) for lot_code in lot_codes])
    sims = table[index]
    meant = _meant(lot_codes)
    proof = (sims[:, meant] * firms.capability_strength[:, None]).max(axis=1)
    # Each firm's capabilities are consecutive: reduce them firm by firm.
    starts = firms.capability_start[held]
    best[held] = np.maximum.reduceat(sims, starts, axis=0)
    evidence[held] = np.maximum.reduceat(proof, starts)
    # What a capability sharing only the division scores against each lot code (0 for a code
    # that is a division: any match of it goes beyond).
    division_only = np.array([_division_only(code) for code in lot_codes])
    beyond = np.asarray((best > division_only).any(axis=1), dtype=bool)
    best = best[:, meant]
    within = np.asarray((best >= 1.0).any(axis=1), dtype=bool)
    return 0.7 * best.max(axis=1) + 0.3 * best.mean(axis=1), evidence, beyond, within


def _meant(lot_codes: Sequence[str]) -> NDArray[np.bool_]:
    """The lot codes that say what the lot is: all but a code the lot details as two or more
    kinds of it (narrower lot codes, none under another). A lot coded 33100000 (medical
    equipment) with 33110000 (imaging), 33191000 (sterilisation) and 33192120 (hospital beds)
    asks for those three kinds; a firm under the broad code alone (medical consumables) stays
    near the lot but matches it like a firm beside the three, not like one inside them. A
    chain of ever narrower codes (a suggester backing off along the tree) details nothing.
    """
    prefixes = [significant(code) for code in lot_codes]

    def kinds(prefix: str) -> int:
        under = [p for p in prefixes if p != prefix and p.startswith(prefix)]
        return sum(not any(o != p and p.startswith(o) for o in under) for p in under)

    return np.array([kinds(prefix) < 2 for prefix in prefixes], dtype=bool)


def _division_only(lot_code: str) -> float:
    """The similarity to ``lot_code`` of a capability that shares only its division."""
    level = len(significant(lot_code))
    return 0.0 if level <= 2 else float(_DECAY[level - 2])


def cpv_parts(
    firms: Firms, lot_codes: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """CPV match and evidence of each firm for one lot's codes, vectorised over firms.

    *Match*: each lot code takes the firm's closest capability; the score mixes the best lot
    code (the lot's core) with the mean over its codes (its breadth). *Evidence*: the best
    ``similarity x strength`` over the firm's capabilities. A lot code the lot details as
    several narrower kinds counts for neither: those kinds say what is meant (:func:`_meant`).
    """
    match, evidence, _, _ = _cpv_parts(FirmColumns.of(firms), lot_codes)
    return match, evidence


def cpv_match_score(firm: Firm, lot_codes: Sequence[str]) -> float:
    """CPV match of one firm to one lot's codes (see :func:`cpv_parts`)."""
    return float(cpv_parts([firm], lot_codes)[0][0])


def evidence_score(firm: Firm, lot_codes: Sequence[str]) -> float:
    """Evidence of one firm for one lot's codes (see :func:`cpv_parts`)."""
    return float(cpv_parts([firm], lot_codes)[1][0])


def capacity_score(turnover_eur: NDArray[np.float64], budget_eur: float) -> NDArray[np.float64]:
    """Whether firms are big enough for a lot: 1 once turnover reaches the lot budget.

    Below that the score falls with the square root of the ratio, so a firm at a quarter of the
    budget still scores 0.5 (consortia and subcontracting spread the load).
    """
    if budget_eur <= 0:
        return np.ones_like(turnover_eur)
    return np.asarray(np.sqrt(np.clip(turnover_eur / budget_eur, 0.0, 1.0)), dtype=np.float64)


def certification_mask(firms: Firms, required: Sequence[str]) -> NDArray[np.bool_]:
    """True for firms holding every required certification (case and dashes ignored)."""
    return FirmColumns.of(firms).certified(required)


@dataclass(frozen=True)
class CodedFit:
    """The parts of the fit that need no text (arrays ``lots x firms``): cheap at any scale."""

    cpv: NDArray[np.float64]
    evidence: NDArray[np.float64]
    capacity: NDArray[np.float64]
    eligible: NDArray[np.bool_]
    beyond_division: NDArray[np.bool_]
    """Near the lot's codes through more than their CPV division (or near a division code)."""
    within: NDArray[np.bool_]
    """Holding a capability within one of the codes that say what the lot is."""

    def relevance_ceiling(self, weights: FitWeights, learnt: bool = False) -> NDArray[np.float64]:
        """The most :func:`fit_matrix` may give as relevance without the text: its mix of CPV
        match and text similarity with the similarity at its most (1), or 1 with a ``learnt``
        ranker (a probability); ``-inf`` where no relevance can make a firm eligible. Bounds the
        firms whose text is not compared.
        """
        if learnt:
            return np.where(self.eligible, 1.0, -np.inf)
        mixed = (weights.cpv * self.cpv + weights.text) / (weights.cpv + weights.text)
        ceiling: NDArray[np.float64] = np.where(self.eligible, np.maximum(mixed, self.cpv), -np.inf)
        return ceiling


def coded_fit(tender: Tender, lot_codes: Sequence[Sequence[str]], firms: Firms) -> CodedFit:
    """CPV match, evidence, capacity and eligibility of each firm for each lot."""
    columns = FirmColumns.of(firms)
    lots = tender.lots
    shape = (len(lots), len(columns))
    parts = [_cpv_parts(columns, codes) for codes in lot_codes]
    cpv = np.array([part[0] for part in parts], dtype=np.float64).reshape(shape)
    evidence = np.array([part[1] for part in parts], dtype=np.float64).reshape(shape)
    beyond = np.array([part[2] for part in parts], dtype=bool).reshape(shape)
    within = np.array([part[3] for part in parts], dtype=bool).reshape(shape)
    capacity = np.vstack(
        [capacity_score(columns.turnover, tender.lot_budget_eur(lot)) for lot in lots]
    ).reshape(shape)
    certified = np.ones(shape, dtype=bool)
    for i, lot in enumerate(lots):
        if lot.required_certifications:
            certified[i] = columns.certified(lot.required_certifications)
    return CodedFit(cpv, evidence, capacity, certified & (cpv > 0), beyond, within)


def fit_matrix(
    tender: Tender,
    lot_codes: Sequence[Sequence[str]],
    firms: Firms,
    model: TextModel,
    weights: FitWeights = FitWeights(),
    floor: float = 0.0,
    ranker: Ranker | None = None,
) -> LotFit:
    """Fit of each firm to each lot of ``tender``.

    ``lot_codes`` gives the CPV codes used for each lot (its own, or codes suggested from its
    text). Relevance is the weighted mean of CPV match and text similarity, ``-inf`` where a
    firm is not eligible: without a capability near the lot's codes or a required
    certification, or with a relevance below ``floor``; with a positive ``floor``, also near
    them through their division alone with a text similarity below :data:`DIVISION_TEXT_FLOOR`,
    or, holding no capability within the lot's codes, with one below :data:`TEXT_SHARE_FLOOR`
    times the best of the other eligible firms.
    A lot whose title and description are in a language the text model does not know
    (:func:`scoring.language.text_comparable`) is matched on its codes alone: its text
    similarity is 0 and its relevance the CPV match.

    With a ``ranker``, the relevance of an eligible firm is the ranker's learnt (calibrated)
    fit, and the floor holds for it too: a firm eligible by the hand-set relevance whose learnt
    fit is below ``floor`` is not eligible (on the foreign workload, such firms were a cleaning-
    products maker on a drug lot, a driving school on adult education, building inspectors on
    health services).
    """
    columns = FirmColumns.of(firms)
    coded = coded_fit(tender, lot_codes, columns)
    foreign = tuple(
        detected.language if detected is not None else None
        for detected in (
            text_comparable(f"{lot.title} {lot.description}", tender.country) for lot in tender.lots
        )
    )
    compared = np.array([language is None for language in foreign], dtype=bool)[:, None]
    text = np.clip(
        model.similarity([lot_text(lot) for lot in tender.lots], columns.texts),
        0.0,
        1.0,
    ).reshape(coded.cpv.shape)
    text = np.where(compared, text, 0.0)
    mixed = (weights.cpv * coded.cpv + weights.text * text) / (weights.cpv + weights.text)
    relevance = np.where(compared, mixed, coded.cpv)
    # With a floor, a firm near a lot through its division alone must read like it too (a lot's
    # words not compared cannot say: its codes decide).
    worded = coded.beyond_division | (text >= DIVISION_TEXT_FLOOR) | ~compared | (floor <= 0)
    eligible = coded.eligible & worded & (relevance >= floor)
    if floor > 0:
        best = np.where(eligible & compared, text, 0.0).max(axis=1, initial=0.0)
        eligible &= (text >= TEXT_SHARE_FLOOR * best[:, None]) | coded.within | ~compared
    fit = LotFit(
        np.where(eligible, relevance, -np.inf),
        coded.cpv,
        text,
        coded.evidence,
        coded.capacity,
        eligible,
        coded.eligible,
        foreign,
    )
    if ranker is None:
        return fit
    learnt = ranker.relevance(tender, lot_codes, columns.firms, fit)
    eligible = eligible & (learnt >= floor)
    return replace(fit, relevance=np.where(eligible, learnt, -np.inf), eligible=eligible)
