"""France pavilion shortlists: which firms take a trade fair's stands (no I/O).

A pavilion ``S`` of ``N`` firms (one a stand) is scored as a weighted mean of three terms in
[0, 1] (:class:`PavilionWeights`)::

    coverage  = mean over themes t of  1 - prod over f in S of (1 - fit[t, f])
    readiness = sum over f in S of readiness[f] / N
    regions   = distinct regions in S / min(N, 18)

``fit[t, f]`` is the relevance of :func:`scoring.fit.fit_matrix` (learnt when a model is in
use), the themes scored as the lots of a tender; it is 0 where the firm does not cover the
theme (no capability in the neighbourhood the store retrieves for that theme's own codes, or a
fit below the relevance floor). Read as the chance that a
firm represents a theme well, a theme's coverage is the chance that one of its firms does: a
first firm of fit 0.8 on an uncovered theme adds 0.8, a second one on the same theme only
0.8 x 0.2 = 0.16, so coverage beats redundancy and the stands spread over the themes as far as
their firms allow. ``readiness`` is :func:`scoring.consortium.readiness_scores` (export
maturity, plus experience of the host country).

**Selection and guarantee.** Each term is monotone submodular in ``S`` and zero on the empty
set (coverage is a probabilistic coverage function, readiness is modular, regions count the
regions covered), hence so is the score. Greedy ascent from the must-include firms, then single
swaps (a firm out, a candidate in) while one raises the score. Greedy alone reaches at least
``1 - 1/e`` (63 %) of the best pavilion holding the required firms (Nemhauser, Wolsey and
Fisher, 1978) and swaps only raise the score. On small random pavilions checked by brute force
(tests/unit/test_pavilion.py) it is almost always optimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from meute.graph.cpv import format_code
from meute.graph.errors import Infeasible, InvalidInput, Problem
from meute.graph.model import (
    Firm,
    Lot,
    PavilionFirm,
    PavilionRequest,
    PavilionResult,
    Region,
    Tender,
    ThemeCoverage,
)
from meute.graph.store import neighbourhood_prefix
from meute.matcher.explain import capability_evidence, export_experience, firm_region, firm_size
from meute.matcher.phrases import Lang, listing, phrase, sentence
from meute.matcher.propose import MatchOptions, lot_codes
from meute.scoring.consortium import readiness_scores
from meute.scoring.fit import RELEVANCE_FLOOR, Ranker, coded_fit, fit_matrix
from meute.scoring.text import TextModel, lot_text, text_model
from meute.scoring.weights import Weights

__all__ = [
    "PavilionScore",
    "PavilionWeights",
    "greedy_swap",
    "select_pavilion",
    "theme_codes",
    "theme_neighbours",
    "themes_tender",
]

# Smallest score change counted as an improvement by the swaps.
TOLERANCE = 1e-12


@dataclass(frozen=True)
class PavilionWeights(Weights):
    """Weights of the pavilion terms (normalised to sum to 1)."""

    coverage: float = 0.6
    readiness: float = 0.3
    regions: float = 0.1


def themes_tender(request: PavilionRequest) -> Tender:
    """The fair's themes as the lots of a tender, to be scored as lots are (``T1``, ``T2``...).

    A theme in words only gets its title as description, from which codes are suggested. A
    stand needs no capacity: each theme's budget is 0, which scores capacity as met and leaves
    the learnt fit's scale term neutral (the tender's budget is a placeholder that no lot uses).
    """
    lots = [
        Lot(
            id=f"T{i}",
            title=theme.title,
            description=theme.description or theme.title,
            cpv=theme.cpv,
            budget=0.0,
        )
        for i, theme in enumerate(request.themes, start=1)
    ]
    return Tender(
        id="pavilion",
        title=request.fair,
        buyer=request.fair,
        country=request.country,
        budget=1.0,
        lots=lots,
    )


def theme_codes(
    request: PavilionRequest, options: MatchOptions | None = None, model: TextModel | None = None
) -> list[list[str]]:
    """The CPV codes matched for each theme: its own, or those suggested from its words (none
    for a theme whose words are near labels that none reads whole: it is reported uncovered,
    with that reason).

    Raises :class:`InvalidInput` naming each theme whose words are near no CPV label at all (in
    ``options.lang``).
    """
    options = options or MatchOptions()
    tender = themes_tender(request)
    codes = lot_codes(tender, options, model)
    matched = [codes[lot.id] for lot in tender.lots]
    uncoded = [
        Problem(f"themes[{i}]", theme.title, phrase("pavilion.uncoded_theme", options.lang))
        for i, (theme, lot) in enumerate(zip(request.themes, tender.lots, strict=True))
        if not codes[lot.id] and not (model or text_model()).suggest_cpv(lot_text(lot), 1)
    ]
    if uncoded:
        raise InvalidInput(phrase("pavilion.uncoded", options.lang), uncoded)
    return matched


@dataclass(frozen=True)
class PavilionScore:
    """The pavilion objective over a pool of candidates (arrays indexed by candidate).

    ``fit`` is ``themes x firms`` in [0, 1]; ``region`` gives each firm's region as an integer.
    """

    fit: NDArray[np.float64]
    readiness: NDArray[np.float64]
    region: NDArray[np.intp]
    stands: int
    weights: PavilionWeights = PavilionWeights()

    @property
    def _normalised(self) -> dict[str, float]:
        weight = self.weights.as_dict()
        total = sum(weight.values())
        return {name: value / total for name, value in weight.items()}

    @property
    def _region_scale(self) -> int:
        return min(self.stands, len(Region))

    def terms(self, members: Sequence[int]) -> dict[str, float]:
        """Coverage, readiness and regions of a set of firms."""
        chosen = list(members)
        missing = np.prod(1.0 - self.fit[:, chosen], axis=1)
        return {
            "coverage": float((1.0 - missing).mean()),
            "readiness": float(self.readiness[chosen].sum()) / self.stands,
            "regions": len(set(self.region[chosen].tolist())) / self._region_scale,
        }

    def score(self, members: Sequence[int]) -> float:
        """The weighted mean of the terms."""
        weight = self._normalised
        return sum(weight[name] * value for name, value in self.terms(members).items())

    def gains(self, members: Sequence[int]) -> NDArray[np.float64]:
        """How much adding each firm to ``members`` would raise the score (0 for members).

        On coverage a firm adds ``fit[t, f]`` times what theme ``t`` still misses, on every theme.
        """
        chosen = list(members)
        weight = self._normalised
        missing = np.prod(1.0 - self.fit[:, chosen], axis=1)
        present = np.zeros(len(Region), dtype=bool)
        present[self.region[chosen]] = True
        gain = (
            weight["coverage"] * (missing @ self.fit) / self.fit.shape[0]
            + weight["readiness"] * self.readiness / self.stands
            + weight["regions"] * ~present[self.region] / self._region_scale
        )
        gain[chosen] = 0.0
        return np.asarray(gain, dtype=np.float64)


def greedy_swap(
    objective: PavilionScore,
    required: Sequence[int],
    allowed: NDArray[np.bool_] | None = None,
) -> list[int]:
    """Greedy ascent from the required firms, then single swaps while one helps.

    Only ``allowed`` firms (by default all) join besides the required ones: when they run out,
    the pavilion keeps fewer firms than stands. Ties go to the lowest index (the pool is sorted
    by SIREN), so the result is deterministic.
    """
    banned = np.zeros(objective.fit.shape[1], dtype=bool) if allowed is None else ~allowed
    members = list(required)
    while len(members) < objective.stands:
        gains = objective.gains(members)
        gains[members] = -np.inf
        gains[banned] = -np.inf
        if not np.isfinite(gains).any():
            break
        members.append(int(np.argmax(gains)))
    fixed = set(required)
    improved = True
    while improved:
        improved = False
        for position, firm in enumerate(members):
            if firm in fixed:
                continue
            gains = objective.gains(members[:position] + members[position + 1 :])
            kept = gains[firm]
            gains[members] = -np.inf
            gains[banned] = -np.inf
            best = int(np.argmax(gains))
            if gains[best] > kept + TOLERANCE:
                members[position] = best
                improved = True
    return members


def _pool(
    request: PavilionRequest,
    candidates: Sequence[Firm],
    codes: Sequence[Sequence[str]],
    size: int,
    lang: Lang,
) -> tuple[list[Firm], int, NDArray[np.bool_]]:
    """Distinct candidates near a theme and not excluded, each theme's ``size`` best on the
    terms that need no text plus its best firm of each region, and the required firms.

    Returns the pool (by SIREN), how many candidates were considered, and whether each pool
    firm is retrieved for each theme (:func:`theme_neighbours`). Raises
    :class:`InvalidInput` for a required firm missing from the candidates, and
    :class:`Infeasible` when fewer firms match than there are stands.
    """
    excluded = set(request.exclude)
    firms = sorted(
        {f.siren: f for f in candidates if f.siren not in excluded}.values(), key=lambda f: f.siren
    )
    known = {f.siren for f in firms}
    unknown = [
        Problem(f"must_include[{i}]", siren, phrase("pavilion.unknown_firm", lang))
        for i, siren in enumerate(request.must_include)
        if siren not in known
    ]
    if unknown:
        raise InvalidInput(phrase("pavilion.unknown", lang), unknown)
    coded = coded_fit(themes_tender(request), codes, firms)
    readiness = readiness_scores(firms, request.country)
    region = np.array([list(Region).index(f.region) for f in firms], dtype=np.intp)
    chosen = {i for i, f in enumerate(firms) if f.siren in request.must_include}
    retrieved = theme_neighbours(codes, firms)
    for cpv, eligible in zip(coded.cpv, coded.eligible & retrieved, strict=True):
        near = np.flatnonzero(eligible)
        ranked = near[np.lexsort((near, -readiness[near], -cpv[near]))]
        chosen.update(int(i) for i in ranked[: max(size, request.stands)])
        _, first = np.unique(region[ranked], return_index=True)
        chosen.update(int(i) for i in ranked[first])
    considered = int((coded.eligible & retrieved).any(axis=0).sum())
    if len(chosen) < request.stands:
        raise Infeasible(
            phrase("pavilion.too_few", lang),
            [
                Problem(
                    "stands", request.stands, phrase("pavilion.too_few_firms", lang, len(chosen))
                )
            ],
        )
    kept = sorted(chosen)
    return [firms[i] for i in kept], considered, retrieved[:, kept]


def select_pavilion(
    request: PavilionRequest,
    candidates: Sequence[Firm],
    codes: Sequence[Sequence[str]],
    model: TextModel,
    weights: PavilionWeights = PavilionWeights(),
    shortlist: int = 150,
    lang: Lang = Lang.EN,
    floor: float = RELEVANCE_FLOOR,
    ranker: Ranker | None = None,
) -> PavilionResult:
    """The ``request.stands`` firms that best cover the themes, ready and from many regions.

    ``candidates`` are the firms retrieved near the themes' ``codes`` (see :func:`theme_codes`)
    plus the required firms; ``shortlist`` bounds, per theme, the firms whose text is scored.
    A firm covers a theme when its fit to it reaches ``floor`` (with a ``ranker``, both its
    hand-set relevance and its learnt one: the learnt fit ranks, so it must support the
    claim); a firm that covers no theme never takes a stand (unless required): the pavilion
    then keeps fewer firms, and a theme nobody covers shows 0 firms. Reasons and refusals are
    written in ``lang``.
    """
    pool, considered, retrieved = _pool(request, candidates, codes, shortlist, lang)
    fit = fit_matrix(themes_tender(request), codes, pool, model, floor=floor, ranker=ranker)
    # A firm covers a theme only when the fit that ranks it (the learnt one with a ranker)
    # reaches the floor: near the theme's codes is not enough. And only a theme it is
    # retrieved for: what covers a theme does not depend on the other themes' codes.
    covers = fit.eligible & retrieved & (fit.relevance >= floor)
    relevance = np.where(covers, np.clip(fit.relevance, 0.0, 1.0), 0.0)
    objective = PavilionScore(
        fit=relevance,
        readiness=readiness_scores(pool, request.country),
        region=np.array([list(Region).index(f.region) for f in pool], dtype=np.intp),
        stands=request.stands,
        weights=weights,
    )
    required = [i for i, f in enumerate(pool) if f.siren in request.must_include]
    members = greedy_swap(objective, required, np.asarray(covers.any(axis=0), dtype=bool))
    firms = _present(request, pool, objective, covers, members, codes, lang)
    return PavilionResult(
        fair=request.fair,
        country=request.country,
        score=objective.score(members),
        breakdown=objective.terms(members),
        themes=[
            ThemeCoverage(
                title=theme.title,
                cpv=[format_code(code) for code in theme_code],
                suggested=not theme.cpv,
                firms=int(covers[t, members].sum()),
                uncovered=None
                if covers[t, members].any()
                else phrase("pavilion.unread_theme", lang)
                if not theme_code
                else _uncovered(
                    fit.qualified[t] & retrieved[t], covers[t], floor, lang, not theme.cpv
                ),
            )
            for t, (theme, theme_code) in enumerate(zip(request.themes, codes, strict=True))
        ],
        firms=firms,
        candidates_considered=considered,
    )


def theme_neighbours(codes: Sequence[Sequence[str]], firms: Sequence[Firm]) -> NDArray[np.bool_]:
    """Whether each firm (columns) is in the neighbourhood of each theme's codes (rows), where
    the store retrieves candidates for that theme alone (:func:`graph.store.neighbourhood_prefix`).

    Without it, firms retrieved for one theme covered another through a sibling code: consumables
    firms, brought by a medical-equipment theme, claimed an imaging theme of the same pavilion.
    """
    prefixes = [tuple({neighbourhood_prefix(code) for code in theme}) for theme in codes]
    return np.array(
        [[any(c.cpv.startswith(p) for c in firm.capabilities) for firm in firms] for p in prefixes],
        dtype=bool,
    ).reshape(len(codes), len(firms))


def _uncovered(
    near: NDArray[np.bool_],
    covers: NDArray[np.bool_],
    floor: float,
    lang: Lang,
    suggested: bool,
) -> str:
    """Why a theme no member covers is left uncovered, from its candidates near its codes and
    those that cover it (``suggested``: its codes were suggested from its words, and the
    officer may give better ones).
    """
    if not near.any():
        return phrase(
            "pavilion.suggested_nothing_near" if suggested else "pavilion.theme_nothing_near", lang
        )
    if not covers.any():
        return phrase("lot.below_floor", lang, int(near.sum()), floor=floor)
    return phrase("pavilion.theme_not_chosen", lang, int(covers.sum()))


def _present(
    request: PavilionRequest,
    pool: Sequence[Firm],
    objective: PavilionScore,
    covers: NDArray[np.bool_],
    members: Sequence[int],
    codes: Sequence[Sequence[str]],
    lang: Lang,
) -> list[PavilionFirm]:
    """The members with the themes they cover (``covers``: themes x pool), parts and reasons,
    stands numbered by score, best first.
    """
    weight = objective.weights.as_dict()
    regions = [objective.region[f] for f in members]
    rows = []
    for f in members:
        themes = [int(t) for t in np.flatnonzero(covers[:, f])]
        themes.sort(key=lambda t: (-objective.fit[t, f], t))
        parts = {
            "fit": float(objective.fit[themes[0], f]) if themes else 0.0,
            "readiness": float(objective.readiness[f]),
            "regions": 1.0 / regions.count(objective.region[f]),
        }
        # A firm's own score: its fit stands for its part of the coverage.
        score = (
            weight["coverage"] * parts["fit"]
            + weight["readiness"] * parts["readiness"]
            + weight["regions"] * parts["regions"]
        ) / sum(weight.values())
        rows.append((-score, pool[f].siren, f, themes, parts))
    rows.sort(key=lambda row: row[:2])
    return [
        PavilionFirm(
            stand=stand,
            siren=pool[f].siren,
            name=pool[f].name,
            region=pool[f].region,
            headcount=pool[f].headcount,
            is_sme=pool[f].is_sme,
            maturity=pool[f].maturity,
            themes=[request.themes[t].title for t in themes],
            required=pool[f].siren in request.must_include,
            score=-negative,
            breakdown=parts,
            why=_why(request, pool[f], themes, objective.fit[:, f], codes, parts["regions"], lang),
            contact_email=pool[f].contact_email,
            estimated=pool[f].estimated(),
        )
        for stand, (negative, _, f, themes, parts) in enumerate(rows, start=1)
    ]


def _why(
    request: PavilionRequest,
    firm: Firm,
    themes: Sequence[int],
    fit: NDArray[np.float64],
    codes: Sequence[Sequence[str]],
    region_share: float,
    lang: Lang,
) -> str:
    """One sentence: what the firm covers and proves, how ready it is, where it comes from."""
    parts = []
    if firm.siren in request.must_include:
        parts.append(phrase("pavilion.required", lang))
    if themes:
        covered = listing(
            [
                phrase("pavilion.theme", lang, title=request.themes[t].title, fit=float(fit[t]))
                for t in themes
            ],
            "themes",
            lang,
        )
        parts.append(phrase("pavilion.covers", lang, themes=covered))
        evidence = capability_evidence(firm, codes[themes[0]], lang)
        if evidence:
            parts.append(evidence)
    else:
        parts.append(phrase("pavilion.no_theme", lang))
    parts.append(export_experience(firm, request.country, lang))
    where = phrase("firm.based", lang, size=firm_size(firm, lang), where=firm_region(firm, lang))
    if region_share == 1.0:
        where += phrase("pavilion.only_from_region", lang)
    parts.append(where)
    text = sentence(parts, lang)
    return text[0].upper() + text[1:]
