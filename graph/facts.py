"""Combining what several sources say about a firm, fact by fact, by the strength of each source.

A fact (:class:`~graph.model.Fact`) from a stronger source is never replaced by one from a weaker
source (:attr:`~graph.model.FactSource.rank`: declared > sirene > decp > decp-inferred and
synthetic): a registry fact wins over an inferred one on re-import, and what a firm or an officer
declared is never overwritten by an import. A source restating the value it gave before keeps
the first provenance, so re-importing the same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meute.graph.model import FACT_FIELDS, Fact, Firm, Provenance

__all__ = ["FactUpdate", "merge_firm", "with_facts"]

# What one source says of some facts: the fields each fact sets, and where it comes from.
FactUpdate = Mapping[Fact, tuple[Mapping[str, Any], Provenance]]


def _values(firm: Firm, fact: Fact) -> dict[str, Any]:
    return {name: getattr(firm, name) for name in FACT_FIELDS[fact]}


def with_facts(firm: Firm, updates: FactUpdate) -> Firm:
    """``firm`` with each fact of ``updates`` taken unless the firm's own is from a stronger
    source; the firm itself (the same object) when nothing changes.
    """
    fields: dict[str, Any] = {}
    provenance = dict(firm.provenance)
    for fact, (values, origin) in updates.items():
        held = firm.source(fact)
        if held.source.rank > origin.source.rank:
            continue
        if held.source is origin.source and _values(firm, fact) == dict(values):
            continue
        fields.update(values)
        provenance[fact] = origin
    if not fields and provenance == firm.provenance:
        return firm
    document = firm.model_dump() | fields | {"provenance": provenance}
    return Firm.model_validate(document)


def merge_firm(stored: Firm | None, incoming: Firm) -> Firm:
    """``incoming`` (its capabilities, description and other evidence) keeping each fact of
    ``stored`` that comes from a stronger source, or that its source states unchanged.
    """
    if stored is None:
        return incoming
    kept: dict[str, Any] = {}
    provenance = dict(incoming.provenance)
    for fact in FACT_FIELDS:
        held, offered = stored.source(fact), incoming.source(fact)
        same = held.source is offered.source and _values(stored, fact) == _values(incoming, fact)
        if held.source.rank > offered.source.rank or same:
            kept.update(_values(stored, fact))
            provenance[fact] = held
    if not kept:
        return incoming
    return Firm.model_validate(incoming.model_dump() | kept | {"provenance": provenance})
