"""A consortium problem: the candidate pool, its score tables and the hard constraints.

Built once per tender from the retrieved firms; the fast and the exact solver both read it,
and :meth:`MatchProblem.violations` checks every proposal against every hard constraint.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from meute.graph.errors import Infeasible, Problem, Uncoverable
from meute.graph.model import Collaboration, Firm, Lot, Tender
from meute.matcher.bound import Relaxation, cohesive_partners
from meute.matcher.phrases import Lang, phrase
from meute.scoring.columns import FirmColumns, estimated_turnover
from meute.scoring.consortium import (
    LINEAR_TERMS,
    ObjectiveWeights,
    ScoreTables,
    capability_overlap,
    cohesion_edges,
    cohesion_matrix,
    objective,
    readiness_scores,
)
from meute.scoring.fit import CodedFit, FitWeights, LotFit, Ranker, coded_fit, fit_matrix
from meute.scoring.text import TextModel

__all__ = ["MatchProblem", "Scored", "Shortlist", "build_problem", "linear_gain", "shortlist"]


@dataclass(frozen=True)
class MatchProblem:
    """The pool of candidate firms for a tender, their scores and the constraints in index form;
    ``foreign_lots`` gives the language of each lot whose words were not used for text matching.

    ``upper_bound`` bounds the score of every consortium of the firms retrieved for the tender
    (the pool, the other firms scored, and those the shortlist left out), ``outside_bound`` of
    every consortium giving some lot to a retrieved firm outside the pool (see
    :mod:`matcher.bound`); ``inf`` when unknown. ``scored`` holds every firm scored, from which
    the pool (``pool``, their indices there) may be widened.
    """

    tender: Tender
    firms: list[Firm]
    tables: ScoreTables
    weights: ObjectiveWeights
    lot_codes: dict[str, list[str]]
    is_sme: NDArray[np.bool_]
    leader_ok: NDArray[np.bool_]
    preferred: NDArray[np.bool_]
    required: frozenset[int]
    candidates_considered: int
    foreign_lots: dict[str, str] = field(default_factory=dict)
    upper_bound: float = math.inf
    outside_bound: float = math.inf
    scored: Scored | None = None
    pool: tuple[int, ...] = ()

    @property
    def n_lots(self) -> int:
        """Number of lots."""
        return self.tables.n_lots

    @cached_property
    def lot_gain(self) -> NDArray[np.float64]:
        """Each (lot, firm)'s share of the objective from the linear terms; -inf if ineligible."""
        return linear_gain(self.tables.per_lot, self.weights)

    def lot_candidates(self, lot: int) -> list[int]:
        """Firms of the pool that may take a lot, best linear gain first."""
        gain = self.lot_gain[lot]
        eligible = np.flatnonzero(np.isfinite(gain))
        return [int(i) for i in eligible[np.lexsort((eligible, -gain[eligible]))]]

    def breakdown(self, assignment: Sequence[int]) -> dict[str, float]:
        """Every term of the objective for an assignment."""
        return self.tables.breakdown(assignment)

    def score(self, assignment: Sequence[int]) -> float:
        """The objective value of an assignment."""
        return objective(self.breakdown(assignment), self.weights)

    def violations(self, assignment: Sequence[int], lang: Lang = Lang.EN) -> list[str]:
        """Every hard constraint a complete assignment breaks (empty when it is feasible)."""
        constraints = self.tender.constraints
        lots = self.tender.lots
        broken = [
            phrase("broken.lot_empty", lang, lot=lots[i].id)
            for i, f in enumerate(assignment)
            if f < 0
        ]
        broken += [
            phrase("broken.ineligible", lang, name=self.firms[f].name, lot=lots[i].id)
            for i, f in enumerate(assignment)
            if f >= 0 and not self.tables.eligible(i, f)
        ]
        members = {f for f in assignment if f >= 0}
        sirens = {self.firms[f].siren for f in members}
        broken += [
            phrase("broken.required_missing", lang, siren=s)
            for s in constraints.must_include
            if s not in sirens
        ]
        broken += [
            phrase("broken.excluded_member", lang, siren=s)
            for s in constraints.exclude
            if s in sirens
        ]
        if not constraints.allow_multiple_lots and len(members) < len(assignment):
            broken.append(phrase("broken.several_lots", lang))
        if constraints.max_members is not None and len(members) > constraints.max_members:
            broken.append(
                phrase("broken.too_many", lang, len(members), maximum=constraints.max_members)
            )
        smes = int(self.is_sme[list(members)].sum()) if members else 0
        if smes < constraints.min_smes:
            broken.append(phrase("broken.too_few_smes", lang, smes, minimum=constraints.min_smes))
        if members and not self.leader_ok[list(members)].any():
            broken.append(phrase("broken.no_leader", lang))
        needed = self.min_preferred
        if needed and int(self.preferred[list(members)].sum()) < needed:
            broken.append(phrase("broken.regions", lang, needed))
        return broken

    @property
    def min_preferred(self) -> int:
        """Members needed from the preferred regions (0 when none are preferred)."""
        constraints = self.tender.constraints
        return constraints.min_from_preferred_regions if constraints.preferred_regions else 0

    def leader(self, assignment: Sequence[int]) -> int:
        """The member that leads: among those meeting the leader requirements, the one carrying
        the largest share of the budget, then the largest turnover.
        """
        share: dict[int, float] = {}
        for lot, firm in zip(self.tender.lots, assignment, strict=True):
            share[firm] = share.get(firm, 0.0) + self.tender.lot_budget_eur(lot)
        able = [f for f in share if self.leader_ok[f]] or list(share)
        return max(
            able, key=lambda f: (share[f], estimated_turnover(self.firms[f]), self.firms[f].siren)
        )


def linear_gain(
    per_lot: Mapping[str, NDArray[np.float64]], weights: ObjectiveWeights
) -> NDArray[np.float64]:
    """Each (lot, firm)'s share of the objective from the linear terms (``per_lot``, ``lots x
    firms`` arrays); -inf where the relevance is (ineligible).
    """
    weight = weights.as_dict()
    total = sum(weight.values()) * per_lot["fit"].shape[0]
    gain: NDArray[np.float64] = sum(
        (weight[name] / total * per_lot[name] for name in LINEAR_TERMS),
        start=np.zeros_like(per_lot["fit"]),
    )
    return gain


@dataclass(frozen=True)
class Shortlist:
    """The firms kept to be scored in full, and an upper bound on the score of every consortium
    giving some lot to a firm left out (``-inf`` when none was).
    """

    firms: list[Firm]
    outside_bound: float


def _linear_tables(
    tender: Tender,
    columns: FirmColumns,
    relevance: NDArray[np.float64],
    fit: CodedFit | LotFit,
    coverage: float,
) -> dict[str, NDArray[np.float64]]:
    """The linear terms' ``lots x firms`` arrays: ``coverage`` (the share of the whole tender's
    lots that ``tender`` holds: lots no firm may take were set aside), ``relevance``, and the
    rest of ``fit``.
    """
    n_lots = len(tender.lots)
    return {
        "coverage": np.full_like(relevance, coverage),
        "fit": relevance,
        "evidence": fit.evidence,
        "capacity": fit.capacity,
        "readiness": np.tile(readiness_scores(columns, tender.country), (n_lots, 1)),
        "sme": np.tile(columns.is_sme.astype(np.float64), (n_lots, 1)),
    }


def _reject_uncoverable(
    tender: Tender,
    lot_codes: dict[str, list[str]],
    near: NDArray[np.bool_],
    qualified: NDArray[np.bool_],
    eligible: NDArray[np.bool_],
    floor: float,
    lang: Lang,
) -> None:
    """Raise :class:`Uncoverable` naming each lot no firm is ``eligible`` for, and why: no code
    (none given, and none read from its words), nobody ``near`` its codes (given or suggested),
    nobody near with its certifications, or nobody ``qualified`` (near and certified) above
    ``floor`` (``lots x firms`` masks).
    """
    lots = [i for i in range(len(tender.lots)) if not eligible[i].any()]
    if lots:
        raise Uncoverable(
            phrase("lots.uncoverable", lang),
            [
                _uncoverable(
                    tender.lots[i],
                    bool(lot_codes[tender.lots[i].id]),
                    int(near[i].sum()),
                    int(qualified[i].sum()),
                    floor,
                    lang,
                )
                for i in lots
            ],
            [tender.lots[i].id for i in lots],
        )


def _uncoverable(
    lot: Lot, coded: bool, near: int, qualified: int, floor: float, lang: Lang
) -> Problem:
    if not coded:
        reason = phrase("lot.no_code_read", lang)
    elif near == 0 and not lot.cpv:
        reason = phrase("lot.suggested_nothing_near", lang)
    elif near == 0:
        reason = phrase("lot.nothing_near", lang)
    elif qualified > 0:
        reason = phrase("lot.below_floor", lang, qualified, floor=floor)
    else:
        certifications = ", ".join(lot.required_certifications)
        reason = phrase("lot.uncertified", lang, near, certifications=certifications)
    return Problem(f"lots[{lot.id}]", lot.title, reason)


def _leader_ok(tender: Tender, firms: FirmColumns) -> NDArray[np.bool_]:
    constraints = tender.constraints
    floor = constraints.leader_min_turnover_share * tender.to_eur(tender.budget)
    stage = constraints.leader_min_maturity.rank if constraints.leader_min_maturity else 0
    return (firms.turnover >= floor) & (firms.maturity >= stage)


def _pool(
    gain: NDArray[np.float64], per_lot: int, required: set[int], boosts: Sequence[NDArray[np.bool_]]
) -> list[int]:
    """Each lot's best firms, plus the best few that help meet each constraint, plus required."""
    chosen = set(required)
    for row in gain:
        eligible = np.flatnonzero(np.isfinite(row))
        ranked = eligible[np.lexsort((eligible, -row[eligible]))]
        chosen.update(int(i) for i in ranked[:per_lot])
        for mask in boosts:
            chosen.update(int(i) for i in ranked[mask[ranked]][:3])
    return sorted(chosen)


def _usable(tender: Tender, candidates: Sequence[Firm], lang: Lang) -> FirmColumns:
    """Distinct candidates (the last object given for a SIREN) that are not excluded, sorted by
    SIREN; every required firm must be there.
    """
    constraints = tender.constraints
    given = FirmColumns.of(candidates)
    latest_first = given.take(np.arange(len(given))[::-1])
    _, first = np.unique(latest_first.siren, return_index=True)
    distinct = latest_first.take(first)
    usable = distinct.take(np.flatnonzero(~_among(distinct, constraints.exclude)))
    present = set(usable.siren[_among(usable, constraints.must_include)].tolist())
    missing = [s for s in constraints.must_include if int(s) not in present]
    if missing:
        raise Infeasible(
            phrase("required.unusable", lang),
            [
                Problem("constraints.must_include", s, phrase("required.not_candidate", lang))
                for s in missing
            ],
        )
    return usable


def _among(firms: FirmColumns, sirens: Sequence[str]) -> NDArray[np.bool_]:
    """Whether each firm's SIREN is one of ``sirens``."""
    return np.isin(firms.siren, np.array([int(s) for s in sirens], dtype=np.int64))


def _constraint_masks(tender: Tender, firms: FirmColumns) -> list[NDArray[np.bool_]]:
    """Firms that are SMEs, that may lead, that are based in a preferred region."""
    return [
        firms.is_sme,
        _leader_ok(tender, firms),
        firms.in_regions(tender.constraints.preferred_regions),
    ]


def shortlist(
    tender: Tender,
    candidates: Sequence[Firm],
    lot_codes: dict[str, list[str]],
    weights: ObjectiveWeights,
    size: int,
    lang: Lang = Lang.EN,
    fit_weights: FitWeights | None = None,
    collaborations: Sequence[Collaboration] | None = None,
    *,
    learnt: bool = False,
    coverage: float = 1.0,
) -> Shortlist:
    """Each lot's ``size`` best candidates on the terms that need no text, and helpers; then,
    given the ``collaborations`` among the candidates, each lot's ``size // 3`` best by the
    bound of :mod:`matcher.bound` (firms whose past partners may take the other lots) and the
    past partners cohesion lifts to a lot's ``size // 2``-th best
    (:func:`matcher.bound.cohesive_partners`); with a bound on every consortium using a firm
    left out, its relevance at its ceiling
    (:meth:`CodedFit.relevance_ceiling`, ``learnt`` when a ranker gives the fit; cohesion at its
    most when ``collaborations`` is None); ``coverage`` as in :func:`build_problem`.

    Text similarity is the costly part of the fit; computing it only for the shortlist keeps
    matching fast when a lot's CPV neighbourhood holds tens of thousands of firms.

    Raises :class:`Infeasible` naming each lot that no candidate near its codes may take, and
    why (nobody near, or nobody near holds the required certifications).
    """
    columns = _usable(tender, candidates, lang)
    coded = coded_fit(tender, [lot_codes[lot.id] for lot in tender.lots], columns)
    # a lot only uncertified firms are near is told as such here: they are not shortlisted
    _reject_uncoverable(tender, lot_codes, coded.cpv > 0, coded.eligible, coded.eligible, 0.0, lang)
    weight = weights.as_dict()
    masks = _constraint_masks(tender, columns)
    gain = (
        weight["fit"] * coded.cpv
        + weight["evidence"] * coded.evidence
        + weight["capacity"] * coded.capacity
        + weight["readiness"] * readiness_scores(columns, tender.country)
        + weight["sme"] * masks[0]
    )
    gain = np.where(coded.eligible, gain, -np.inf)
    required = set(np.flatnonzero(_among(columns, tender.constraints.must_include)).tolist())
    ceiling = linear_gain(
        _linear_tables(
            tender,
            columns,
            coded.relevance_ceiling(fit_weights or FitWeights(), learnt=learnt),
            coded,
            coverage,
        ),
        weights,
    )
    sirens = [f"{siren:09d}" for siren in columns.siren.tolist()]
    edges = cohesion_edges(sirens, collaborations or [], _reference_year(tender))
    relaxation = Relaxation.of(
        ceiling,
        edges,
        weights,
        tender.constraints.allow_multiple_lots,
        cohesion=collaborations is not None,
    )
    bounds = relaxation.lot_firm_bounds()
    kept = set(_pool(gain, size, required, masks))
    if collaborations is not None:
        kept |= set(_pool(bounds, max(1, size // 3), required, []))
        kept |= cohesive_partners(ceiling, edges, weights, kept, max(1, size // 2))
    left_out = np.setdiff1d(np.arange(len(columns)), sorted(kept))
    outside = float(bounds[:, left_out].max()) if len(left_out) else -math.inf
    return Shortlist(columns.take(sorted(kept)).firms, outside)


# Each lot's best firms by the bound whose past partners join the pool (chains of partners
# make cohesion, and no single firm's bound sees a chain).
PARTNER_SEEDS = 2


def _partners(
    seeds: Sequence[int],
    edges: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]],
    eligible: NDArray[np.bool_],
) -> set[int]:
    """The past partners of ``seeds`` that may take some lot."""
    first, second, _ = edges
    chosen = np.isin(first, seeds)
    found = np.concatenate([second[chosen], first[np.isin(second, seeds)]])
    return {int(f) for f in found if eligible[f]}


def _reference_year(tender: Tender) -> int:
    """The year collaborations are aged to: the tender's deadline, or this year."""
    return tender.deadline.year if tender.deadline else dt.date.today().year


def build_problem(
    tender: Tender,
    candidates: Sequence[Firm],
    collaborations: Sequence[Collaboration],
    lot_codes: dict[str, list[str]],
    model: TextModel,
    weights: ObjectiveWeights,
    fit_weights: FitWeights,
    per_lot: int,
    lang: Lang = Lang.EN,
    floor: float = 0.0,
    left_out_bound: float = -math.inf,
    ranker: Ranker | None = None,
    coverage: float = 1.0,
) -> MatchProblem:
    """Score the candidates and pool, for each lot, its ``per_lot`` best by the linear terms,
    its ``per_lot // 4`` best by the bound of :mod:`matcher.bound` (which counts what past
    partners eligible for the other lots may add), the past partners of its
    :data:`PARTNER_SEEDS` best by that bound, and the past partners of pool members that
    cohesion lifts to a lot's ``per_lot // 4``-th best gain
    (:func:`matcher.bound.cohesive_partners`); a firm whose relevance to a lot is below
    ``floor`` may not take it. ``left_out_bound`` bounds the consortia using retrieved firms not
    among ``candidates`` (see :class:`Shortlist`). With a ``ranker``, the fit of an eligible
    firm is its learnt relevance (:func:`scoring.fit.fit_matrix`). ``coverage`` is the share of
    the whole tender's lots that ``tender`` holds (lots no firm may take set aside).

    Raises :class:`Infeasible` naming the lot or required firm that no consortium can satisfy
    (in ``lang``).
    """
    constraints = tender.constraints
    columns = _usable(tender, candidates, lang)
    fit: LotFit = fit_matrix(
        tender,
        [lot_codes[lot.id] for lot in tender.lots],
        columns,
        model,
        fit_weights,
        floor,
        ranker,
    )
    _reject_uncoverable(tender, lot_codes, fit.cpv > 0, fit.qualified, fit.eligible, floor, lang)
    required = set(np.flatnonzero(_among(columns, constraints.must_include)).tolist())
    unable = [f"{columns.siren[i]:09d}" for i in sorted(required) if not fit.eligible[:, i].any()]
    if unable:
        raise Infeasible(
            phrase("required.unusable", lang),
            [
                Problem("constraints.must_include", s, phrase("required.ineligible", lang))
                for s in unable
            ],
        )
    sme, leader_ok, preferred = _constraint_masks(tender, columns)
    per_lot_tables = _linear_tables(tender, columns, fit.relevance, fit, coverage)
    gain = linear_gain(per_lot_tables, weights)
    reference_year = _reference_year(tender)
    sirens = [f"{siren:09d}" for siren in columns.siren.tolist()]
    edges = cohesion_edges(sirens, collaborations, reference_year)
    relaxation = Relaxation.of(gain, edges, weights, constraints.allow_multiple_lots)
    bounds = relaxation.lot_firm_bounds()
    seeds = _pool(bounds, PARTNER_SEEDS, set(), [])
    pool = (
        set(_pool(gain, per_lot, required, [sme, leader_ok, preferred]))
        | set(_pool(bounds, max(1, per_lot // 4), required, []))
        | _partners(seeds, edges, np.asarray(np.isfinite(gain).any(axis=0)))
    )
    pool |= cohesive_partners(gain, edges, weights, pool, max(1, per_lot // 4))
    scored = Scored(
        tender=tender,
        columns=columns,
        per_lot=per_lot_tables,
        collaborations=collaborations,
        weights=weights,
        lot_codes=lot_codes,
        masks=(sme, leader_ok, preferred),
        required=frozenset(required),
        foreign_lots={
            lot.id: language
            for lot, language in zip(tender.lots, fit.foreign, strict=True)
            if language is not None
        },
        bounds=bounds,
        upper_bound=max(relaxation.upper_bound(), left_out_bound),
        left_out_bound=left_out_bound,
    )
    return scored.pooled(pool)


@dataclass(frozen=True)
class Scored:
    """Every candidate firm scored for a tender, from which pools are drawn; ``bounds[l, f]``
    bounds the consortia giving lot ``l`` to firm ``f``, ``upper_bound`` every consortium of
    the firms retrieved, ``left_out_bound`` those using a retrieved firm not scored.
    """

    tender: Tender
    columns: FirmColumns
    per_lot: dict[str, NDArray[np.float64]]
    collaborations: Sequence[Collaboration]
    weights: ObjectiveWeights
    lot_codes: dict[str, list[str]]
    masks: tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]
    required: frozenset[int]
    foreign_lots: dict[str, str]
    bounds: NDArray[np.float64]
    upper_bound: float
    left_out_bound: float

    def pooled(self, chosen: set[int]) -> MatchProblem:
        """The problem over the firms ``chosen`` (indices of the scored firms) and the required
        ones.
        """
        pool = sorted(chosen | self.required)
        outside = np.setdiff1d(np.arange(len(self.columns)), pool)
        pool_columns = self.columns.take(pool)
        pool_firms = pool_columns.firms
        regions = sorted({f.region for f in pool_firms})
        tables = ScoreTables(
            per_lot={name: table[:, pool] for name, table in self.per_lot.items()},
            cohesion=cohesion_matrix(
                [f.siren for f in pool_firms], self.collaborations, _reference_year(self.tender)
            ),
            overlap=capability_overlap(pool_columns),
            region=np.array([regions.index(f.region) for f in pool_firms], dtype=np.intp),
        )
        local = {g: k for k, g in enumerate(pool)}
        sme, leader_ok, preferred = self.masks
        return MatchProblem(
            tender=self.tender,
            firms=pool_firms,
            tables=tables,
            weights=self.weights,
            lot_codes=self.lot_codes,
            is_sme=sme[pool],
            leader_ok=leader_ok[pool],
            preferred=preferred[pool],
            required=frozenset(local[i] for i in self.required),
            candidates_considered=len(self.columns),
            foreign_lots=self.foreign_lots,
            upper_bound=self.upper_bound,
            outside_bound=max(
                float(self.bounds[:, outside].max()) if len(outside) else -math.inf,
                self.left_out_bound,
            ),
            scored=self,
            pool=tuple(pool),
        )

    def admitted(self, pool: Sequence[int], score: float, most: int) -> set[int]:
        """Up to ``most`` scored firms outside ``pool`` whose bound beats ``score``, best first."""
        best = self.bounds.max(axis=0, initial=-np.inf)
        best[list(pool)] = -np.inf
        beating = np.flatnonzero(best > score)
        return {int(f) for f in beating[np.argsort(-best[beating], kind="stable")][:most]}
