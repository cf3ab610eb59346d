"""Partner discovery: firms that complement a given firm, in general or for a tender (no I/O).

Each candidate gets terms in [0, 1], combined as a weighted mean (:class:`PartnerWeights`):

- *fit* (with a tender): its fit to the tender's lots, each lot weighted by its budget and by
  how little of it the given firm covers (a lot the firm fits perfectly keeps half its weight:
  real joint bids also share lots);
- *affinity*: how often partners of firms in the given firm's CPV divisions are active in the
  candidate's divisions, learnt from every past collaboration (:mod:`scoring.complement`),
  relative to the best candidate;
- *difference* (without a tender): 1 minus the overlap of their capabilities (CPV classes);
- *evidence*: how well proven its capabilities are (evidence strength: past contracts), on the
  tender's lots with a tender, its best capability without;
- *cohesion*: strength of past collaboration with the given firm;
- *proximity*: partners in common (Adamic-Adar, partners of partners);
- *region*: 1 when it is based in the same region as the given firm (firms team up near home:
  95 % of the co-winners in the DECP fixtures share their region, 11 % of random pairs);
- *readiness*: export maturity, and experience of the tender's country.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from meute.graph.model import Collaboration, Firm, Partner, PartnerResult, Tender
from meute.matcher.explain import firm_maturity, firm_region, firm_size
from meute.matcher.phrases import (
    Lang,
    collaboration_words,
    cpv_words,
    phrase,
    sentence,
)
from meute.matcher.propose import lot_codes
from meute.scoring.complement import DivisionAffinity, division_profile, shared_partners
from meute.scoring.consortium import capability_overlap, cohesion_matrix, readiness_scores
from meute.scoring.fit import RELEVANCE_FLOOR, Ranker, fit_matrix
from meute.scoring.text import text_model
from meute.scoring.weights import Weights

__all__ = ["PARTNER_DIVISIONS", "SELF_COVER", "PartnerWeights", "rank_partners"]

# Share of a lot's weight that the given firm's own fit to it removes.
SELF_COVER = 0.5
# For a tender, firms in this many divisions that partners of the given firm's divisions are
# learnt to come from are also admitted (complementary trades beyond the lots' own).
PARTNER_DIVISIONS = 3


@dataclass(frozen=True)
class PartnerWeights(Weights):
    """Weights of the partner terms; ``fit`` counts only with a tender, ``difference`` without."""

    fit: float = 0.3
    affinity: float = 0.1
    difference: float = 0.1
    evidence: float = 0.2
    cohesion: float = 0.2
    proximity: float = 0.15
    region: float = 0.1
    readiness: float = 0.05

    def active(self, with_tender: bool) -> dict[str, float]:
        """The terms that count, with their weights."""
        dropped = "difference" if with_tender else "fit"
        active = {name: value for name, value in self.as_dict().items() if name != dropped}
        if sum(active.values()) <= 0:
            raise ValueError("PartnerWeights must not all be zero for the terms that count")
        return active


@dataclass(frozen=True)
class _TenderFit:
    """Fit of the candidates to the tender, and what explains it."""

    score: NDArray[np.float64]  # per candidate
    evidence: NDArray[np.float64]  # per candidate
    relevance: NDArray[np.float64]  # lots x candidates, 0 where not eligible
    own: NDArray[np.float64]  # the given firm's relevance per lot
    weight: NDArray[np.float64]  # per lot
    eligible: NDArray[np.bool_]  # per candidate: may take at least one lot


def _tender_fit(
    firm: Firm,
    pool: Sequence[Firm],
    tender: Tender,
    codes: Mapping[str, Sequence[str]],
    floor: float,
    ranker: Ranker | None,
) -> _TenderFit:
    fit = fit_matrix(
        tender,
        [codes[lot.id] for lot in tender.lots],
        [firm, *pool],
        text_model(),
        floor=floor,
        ranker=ranker,
    )
    relevance = np.clip(np.where(fit.eligible, fit.relevance, 0.0), 0.0, 1.0)
    own, others = relevance[:, 0], relevance[:, 1:]
    budget = np.array([tender.lot_budget_eur(lot) for lot in tender.lots], dtype=np.float64)
    share = budget / budget.sum() if budget.sum() > 0 else np.full(len(budget), 1 / len(budget))
    weight = share * (1.0 - SELF_COVER * own)
    return _TenderFit(
        score=weight @ others / weight.sum(),
        evidence=weight @ fit.evidence[:, 1:] / weight.sum(),
        relevance=others,
        own=own,
        weight=weight,
        eligible=np.asarray(fit.eligible[:, 1:].any(axis=0), dtype=np.bool_),
    )


def _division_name(division: str, lang: Lang) -> str:
    return cpv_words(f"{division}000000", lang)


def _why(
    firm: Firm,
    candidate: Firm,
    index: int,
    terms: Mapping[str, float],
    tender: Tender | None,
    tender_fit: _TenderFit | None,
    affinity: DivisionAffinity,
    collaborations: Sequence[Collaboration],
    via: Sequence[str],
    names: Mapping[str, str],
    lang: Lang,
) -> str:
    """One plain sentence: what the candidate brings, whom it knows, who it is."""
    parts = []
    if tender is not None and tender_fit is not None and tender_fit.eligible[index]:
        lot_index = int(np.argmax(tender_fit.weight * tender_fit.relevance[:, index]))
        lot = tender.lots[lot_index]
        fits = float(tender_fit.relevance[lot_index, index])
        own = float(tender_fit.own[lot_index])
        text = phrase("partner.fits", lang, lot=lot.id, title=lot.title, fit=fits)
        if own < 0.5:
            text += phrase("partner.where_weak", lang, name=firm.name, own=own)
        parts.append(text)
    else:
        mine = {c.cpv[:4] for c in firm.capabilities}
        new = [c for c in candidate.capabilities if c.cpv[:4] not in mine]
        if new:
            best = max(new, key=lambda c: (c.strength, c.contracts, c.cpv))
            brings = cpv_words(best.cpv, lang)
            parts.append(phrase("partner.brings", lang, label=brings, name=firm.name))
        else:
            parts.append(phrase("partner.same_fields", lang, name=firm.name))
    past = sorted(
        (c for c in collaborations if candidate.siren in (c.firm_a, c.firm_b)),
        key=lambda c: (-c.year, c.kind.value),
    )
    past = [c for c in past if firm.siren in (c.firm_a, c.firm_b)]
    if past:
        kind = collaboration_words(past[0].kind, lang)
        parts.append(
            phrase(
                "partner.worked_with", lang, len(past), name=firm.name, kind=kind, year=past[0].year
            )
        )
    if via:
        shown = ", ".join(names.get(siren, f"SIREN {siren}") for siren in via[:2])
        more = phrase("partner.more", lang, len(via) - 2) if len(via) > 2 else ""
        parts.append(phrase("partner.shares", lang, name=firm.name, shown=shown, more=more))
    link = affinity.strongest_link(division_profile(firm), division_profile(candidate))
    if link is not None and terms["affinity"] >= 0.5:
        ours, theirs, pairs = link
        together = (
            phrase("partner.affinity_same", lang, theirs=_division_name(theirs, lang))
            if ours == theirs
            else phrase(
                "partner.affinity",
                lang,
                theirs=_division_name(theirs, lang),
                ours=_division_name(ours, lang),
            )
        )
        parts.append(phrase("partner.pairs", lang, pairs, together=together))
    where = firm_region(candidate, lang)
    maturity = firm_maturity(candidate, lang)
    parts.append(f"{firm_size(candidate, lang)} {where}, {maturity}")
    return sentence(parts, lang)


def rank_partners(
    firm: Firm,
    candidates: Sequence[Firm],
    collaborations: Sequence[Collaboration],
    affinity: DivisionAffinity,
    tender: Tender | None = None,
    codes: Mapping[str, Sequence[str]] | None = None,
    top: int = 10,
    weights: PartnerWeights = PartnerWeights(),
    lang: Lang = Lang.EN,
    floor: float = RELEVANCE_FLOOR,
    ranker: Ranker | None = None,
) -> PartnerResult:
    """The ``top`` firms among ``candidates`` that best complement ``firm``, best first.

    ``collaborations`` are those of ``firm`` and of its partners (two steps of the graph);
    ``affinity`` is learnt from every collaboration. With a ``tender``, only firms that may take
    one of its lots (relevance at least ``floor``) or that worked with ``firm`` before are
    ranked, its excluded firms never;
    ``codes`` are the CPV codes matched per lot (by default the lots' own, or codes suggested
    from their text). The reasons are written in ``lang``. With a ``ranker``, the fit to the
    lots is the learnt relevance.
    """
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    excluded = {firm.siren, *(tender.constraints.exclude if tender else ())}
    pool = sorted(
        {f.siren: f for f in candidates if f.siren not in excluded}.values(), key=lambda f: f.siren
    )
    direct = sorted(
        {
            s
            for c in collaborations
            if firm.siren in (c.firm_a, c.firm_b)
            for s in (c.firm_a, c.firm_b)
        }
        - {firm.siren}
    )
    profile = division_profile(firm)
    tender_fit = None
    if tender is not None:
        tender_fit = _tender_fit(firm, pool, tender, codes or lot_codes(tender), floor, ranker)
        # Past partners and firms of the divisions partners of the firm's divisions come from
        # are admitted too: real co-winners often do something else than the lot's trade (that
        # is what complementary means); the fit term still weighs them.
        past = set(direct)
        known = np.array([f.siren in past for f in pool], dtype=bool)
        wanted = set(affinity.partner_divisions(profile, PARTNER_DIVISIONS))
        complementary = np.array(
            [any(c.cpv[:2] in wanted for c in f.capabilities) for f in pool], dtype=bool
        )
        keep = np.flatnonzero(tender_fit.eligible | known | complementary)
        pool = [pool[i] for i in keep]
        tender_fit = _TenderFit(
            tender_fit.score[keep],
            tender_fit.evidence[keep],
            tender_fit.relevance[:, keep],
            tender_fit.own,
            tender_fit.weight,
            tender_fit.eligible[keep],
        )
    if not pool:
        return PartnerResult(siren=firm.siren, tender_id=tender.id if tender else None, partners=[])

    raw_affinity = np.array([affinity.score(profile, division_profile(f)) for f in pool])
    best_affinity = raw_affinity.max()
    year = tender.deadline.year if tender and tender.deadline else dt.date.today().year
    strength = cohesion_matrix([firm.siren, *direct], collaborations, year)[0]
    cohesion = dict(zip([firm.siren, *direct], strength, strict=True))
    proximity = shared_partners(firm.siren, collaborations)
    readiness = readiness_scores(pool, tender.country if tender else "")
    active = weights.active(tender is not None)
    columns: dict[str, NDArray[np.float64]] = {
        "affinity": raw_affinity / best_affinity if best_affinity > 0 else raw_affinity,
        "cohesion": np.array([cohesion.get(f.siren, 0.0) for f in pool]),
        "proximity": np.array([proximity.get(f.siren, (0.0, []))[0] for f in pool]),
        "region": np.array([float(f.region == firm.region) for f in pool]),
        "readiness": readiness,
    }
    if tender_fit is not None:
        columns["fit"] = tender_fit.score
        columns["evidence"] = tender_fit.evidence
    else:
        columns["difference"] = np.array([1 - capability_overlap([firm, f])[0, 1] for f in pool])
        columns["evidence"] = np.array(
            [max((c.strength for c in f.capabilities), default=0.0) for f in pool]
        )
    total = np.zeros(len(pool), dtype=np.float64)
    for name, weight in active.items():
        total += weight / sum(active.values()) * columns[name]
    order = sorted(range(len(pool)), key=lambda i: (-float(total[i]), pool[i].siren))[:top]
    names = {f.siren: f.name for f in candidates}
    partners = []
    for i in order:
        terms = {name: round(float(columns[name][i]), 4) for name in active}
        why = _why(
            firm,
            pool[i],
            i,
            terms,
            tender,
            tender_fit,
            affinity,
            collaborations,
            proximity.get(pool[i].siren, (0.0, []))[1],
            names,
            lang,
        )
        partners.append(
            Partner(
                siren=pool[i].siren,
                name=pool[i].name,
                score=round(float(total[i]), 4),
                why=why,
                breakdown=terms,
            )
        )
    return PartnerResult(
        siren=firm.siren,
        tender_id=tender.id if tender else None,
        partners=partners,
        candidates_considered=len(pool),
    )
