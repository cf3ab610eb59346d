"""Plain-language reasons: who leads a consortium and why each member is in it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from meute.graph.cpv import level
from meute.graph.model import (
    Collaboration,
    CompanyCategory,
    Fact,
    Firm,
    HeadcountBand,
    Lot,
    Tender,
)
from meute.matcher.phrases import (
    Lang,
    collaboration_words,
    cpv_words,
    language_words,
    listing,
    maturity_words,
    phrase,
    region_words,
    sentence,
)
from meute.scoring.fit import code_similarity

__all__ = [
    "capability_evidence",
    "export_experience",
    "firm_maturity",
    "firm_region",
    "firm_size",
    "why_member",
]


def capability_evidence(firm: Firm, codes: Sequence[str], lang: Lang = Lang.EN) -> str:
    """What the firm delivers nearest ``codes``, with its past contracts ("" if nothing near)."""
    scored = [
        (code_similarity(c.cpv, code) * c.strength, c) for c in firm.capabilities for code in codes
    ]
    if not scored:
        return ""
    # The best-backed code; among equals, the most general (closest to the lot's own level).
    _, capability = max(scored, key=lambda item: (item[0], -level(item[1].cpv), item[1].cpv))
    text = phrase("evidence", lang, label=cpv_words(capability.cpv, lang), code=capability.cpv)
    if capability.contracts:
        text += phrase("evidence.contracts", lang, capability.contracts)
    return text + ")"


def _as_known(words: str, firm: Firm, fact: Fact, lang: Lang) -> str:
    """``words``, said to be an estimate when the firm's ``fact`` is inferred, not known."""
    return phrase("firm.estimated", lang, fact=words) if fact in firm.estimated() else words


def firm_maturity(firm: Firm, lang: Lang = Lang.EN) -> str:
    """The firm's export maturity in words: "regular exporter" (marked when estimated)."""
    return _as_known(maturity_words(firm.maturity, lang), firm, Fact.MATURITY, lang)


def export_experience(firm: Firm, country: str, lang: Lang = Lang.EN) -> str:
    """The firm's export maturity, and whether it already works in ``country``."""
    words = firm_maturity(firm, lang)
    if country in firm.export_countries:
        return phrase("export.active_in", lang, maturity=words, country=country)
    return words


def firm_size(firm: Firm, lang: Lang = Lang.EN) -> str:
    """The firm's size in words, INSEE's categories (marked when estimated): SME, mid-sized
    firm (ETI: not an SME, under 5,000 staff) or large firm (GE).
    """
    if firm.is_sme:
        key = "firm.sme"
    elif firm.category is CompanyCategory.GE or (
        firm.category is None and firm.headcount is HeadcountBand.LARGE
    ):
        key = "firm.large"
    else:
        key = "firm.mid"
    return _as_known(phrase(key, lang), firm, Fact.SME, lang)


def firm_region(firm: Firm, lang: Lang = Lang.EN) -> str:
    """Where the firm is: "in Bretagne" (marked when estimated)."""
    return _as_known(region_words(firm.region, lang), firm, Fact.REGION, lang)


def why_member(
    tender: Tender,
    firm: Firm,
    lots: Sequence[Lot],
    lot_codes: Mapping[str, Sequence[str]],
    fits: dict[str, float],
    leader: bool,
    partners: Sequence[Firm],
    collaborations: Sequence[Collaboration],
    lang: Lang = Lang.EN,
    foreign_lots: Mapping[str, str] | None = None,
) -> str:
    """One sentence saying what a member takes, what backs it, whom it knows and where it is
    based (and whether that is where a French tender's work is done); and, for a
    lot in ``foreign_lots`` (lot id -> language), that its words were not used for text
    matching.
    """
    taken = listing(
        [phrase("member.lot", lang, lot=lot.id, title=lot.title, fit=fits[lot.id]) for lot in lots],
        "lots",
        lang,
    )
    parts = [phrase("member.leads" if leader else "member.takes", lang, lots=taken)]
    by_language: dict[str, list[str]] = {}
    for lot in lots:
        if foreign_lots and lot.id in foreign_lots:
            by_language.setdefault(foreign_lots[lot.id], []).append(lot.id)
    parts += [
        phrase(
            "member.title_unused",
            lang,
            len(ids),
            lots=listing(ids, "lots", lang),
            language=language_words(language, lang),
        )
        for language, ids in by_language.items()
    ]
    evidence = capability_evidence(firm, [code for lot in lots for code in lot_codes[lot.id]], lang)
    if evidence:
        parts.append(evidence)
    required = sorted({cert for lot in lots for cert in lot.required_certifications})
    if required:
        parts.append(
            phrase("member.certified", lang, len(required), certifications=", ".join(required))
        )
    parts.append(export_experience(firm, tender.country, lang))
    by_siren = {p.siren: p for p in partners if p.siren != firm.siren}
    history: dict[str, list[str]] = {}
    for collaboration in collaborations:
        if firm.siren not in (collaboration.firm_a, collaboration.firm_b):
            continue
        other = collaboration.firm_b if collaboration.firm_a == firm.siren else collaboration.firm_a
        if other in by_siren:
            kind = collaboration_words(collaboration.kind, lang)
            history.setdefault(by_siren[other].name, []).append(f"{kind} {collaboration.year}")
    if history:
        known = listing(
            [f"{name} ({', '.join(sorted(set(ways)))})" for name, ways in sorted(history.items())],
            "partners",
            lang,
        )
        parts.append(phrase("member.history", lang, partners=known))
    where = firm_region(firm, lang)
    here = tender.region is not None and firm.region == tender.region
    based = "firm.based_at_work" if here else "firm.based"
    parts.append(phrase(based, lang, size=firm_size(firm, lang), where=where))
    return sentence(parts, lang)
