"""Plain-language reasons: who leads a consortium and why each member is in it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graph.cpv import level, taxonomy
from graph.model import Collaboration, ExportMaturity, Firm, Lot, Tender
from scoring.fit import code_similarity

__all__ = ["why_member"]

MATURITY_WORDS = {
    ExportMaturity.FIRST_TIME: "first-time exporter",
    ExportMaturity.OCCASIONAL: "occasional exporter",
    ExportMaturity.REGULAR: "regular exporter",
    ExportMaturity.ACCREDITED: "exporter accredited by the programme",
}


def _best_evidence(firm: Firm, codes: Sequence[str]) -> str:
    vocabulary = taxonomy()
    scored = [
        (code_similarity(c.cpv, code) * c.strength, c) for c in firm.capabilities for code in codes
    ]
    if not scored:
        return ""
    # The best-backed code; among equals, the most general (closest to the lot's own level).
    _, capability = max(scored, key=lambda item: (item[0], -level(item[1].cpv), item[1].cpv))
    text = f"delivers {vocabulary.label(capability.cpv, 'en').lower()} (CPV {capability.cpv}"
    if capability.contracts:
        text += f", {capability.contracts} past contract{'s' if capability.contracts > 1 else ''}"
    return text + ")"


def why_member(
    tender: Tender,
    firm: Firm,
    lots: Sequence[Lot],
    lot_codes: Mapping[str, Sequence[str]],
    fits: dict[str, float],
    leader: bool,
    partners: Sequence[Firm],
    collaborations: Sequence[Collaboration],
) -> str:
    """One sentence saying what a member takes, what backs it, and whom it knows."""
    role = "Leads the group and takes" if leader else "Takes"
    taken = ", ".join(f"lot {lot.id} '{lot.title}' (fit {fits[lot.id]:.2f})" for lot in lots)
    parts = [f"{role} {taken}"]
    evidence = _best_evidence(firm, [code for lot in lots for code in lot_codes[lot.id]])
    if evidence:
        parts.append(evidence)
    required = sorted({cert for lot in lots for cert in lot.required_certifications})
    if required:
        parts.append(f"holds the required {', '.join(required)}")
    export = MATURITY_WORDS[firm.maturity]
    if tender.country in firm.export_countries:
        export += f", already active in {tender.country}"
    parts.append(export)
    by_siren = {p.siren: p for p in partners if p.siren != firm.siren}
    history: dict[str, list[str]] = {}
    for collaboration in collaborations:
        if firm.siren not in (collaboration.firm_a, collaboration.firm_b):
            continue
        other = collaboration.firm_b if collaboration.firm_a == firm.siren else collaboration.firm_a
        if other in by_siren:
            kind = collaboration.kind.value.replace("_", " ")
            history.setdefault(by_siren[other].name, []).append(f"{kind} {collaboration.year}")
    if history:
        parts.append(
            "has worked with "
            + "; ".join(
                f"{name} ({', '.join(sorted(set(ways)))})" for name, ways in sorted(history.items())
            )
        )
    size = "SME" if firm.is_sme else "large firm"
    parts.append(f"{size} based in {firm.region.value}")
    return "; ".join(parts) + "."
