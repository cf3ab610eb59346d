"""Provenance rules: which source's fact a firm keeps, SME status from INSEE's category."""

from __future__ import annotations

import datetime as dt

import pytest

from meute.graph.facts import merge_firm, with_facts
from meute.graph.model import (
    CompanyCategory,
    Fact,
    FactSource,
    Firm,
    HeadcountBand,
    Provenance,
    PublicFirm,
    Region,
    provenance_of_all,
)
from tests.unit.factories import valid_siren

SIREN = valid_siren(7)
INFERRED = Provenance(source=FactSource.DECP_INFERRED, date=dt.date(2024, 12, 31))
REGISTRY = Provenance(source=FactSource.SIRENE, date=dt.date(2022, 10, 1))
DECLARED = Provenance(source=FactSource.DECLARED, date=dt.date(2026, 12, 3), author="Claire")


def firm(source: FactSource = FactSource.DECP_INFERRED, **fields: object) -> Firm:
    document: dict[str, object] = {
        "siren": SIREN,
        "name": "Firme",
        "region": Region.IDF,
        "headcount": HeadcountBand.SMALL,
        "provenance": provenance_of_all(source, dt.date(2024, 12, 31)),
    }
    return Firm.model_validate(document | fields)


def test_every_fact_has_a_source_and_an_unsourced_one_is_declared() -> None:
    bare = Firm(siren=SIREN, name="Firme", region=Region.IDF, headcount=HeadcountBand.SMALL)
    assert set(bare.provenance) == set(Fact)
    assert {origin.source for origin in bare.provenance.values()} == {FactSource.DECLARED}
    assert bare.estimated() == []
    assert set(firm().estimated()) == set(Fact)


@pytest.mark.parametrize(
    ("category", "sme"),
    [(CompanyCategory.GE, False), (CompanyCategory.ETI, False), (CompanyCategory.PME, True)],
)
def test_insee_category_decides_sme_status_and_its_source(
    category: CompanyCategory, sme: bool
) -> None:
    small = firm(headcount=HeadcountBand.MICRO)
    registered = with_facts(small, {Fact.CATEGORY: ({"category": category}, REGISTRY)})
    assert registered.is_sme is sme
    assert registered.source(Fact.SME) == REGISTRY
    assert registered.source(Fact.HEADCOUNT) == small.source(Fact.HEADCOUNT)


def test_sme_status_without_category_is_as_weak_as_its_weakest_ground() -> None:
    declared = with_facts(firm(), {Fact.HEADCOUNT: ({"headcount": HeadcountBand.SMALL}, DECLARED)})
    assert declared.source(Fact.SME) == DECLARED  # no turnover: the headcount alone decides
    estimated = with_facts(declared, {Fact.TURNOVER: ({"turnover_eur": 1e6}, INFERRED)})
    assert estimated.source(Fact.SME) == INFERRED
    both = with_facts(estimated, {Fact.TURNOVER: ({"turnover_eur": 1e6}, DECLARED)})
    assert both.source(Fact.SME) == DECLARED


def test_registry_beats_inferred_and_declared_beats_both() -> None:
    region = {Fact.REGION: ({"region": Region.BRETAGNE}, REGISTRY)}
    registered = with_facts(firm(), region)
    assert (registered.region, registered.source(Fact.REGION)) == (Region.BRETAGNE, REGISTRY)

    reinferred = merge_firm(registered, firm(region=Region.OCCITANIE))
    assert (reinferred.region, reinferred.source(Fact.REGION)) == (Region.BRETAGNE, REGISTRY)
    assert reinferred.source(Fact.HEADCOUNT).source.inferred

    declared = with_facts(registered, {Fact.REGION: ({"region": Region.CORSE}, DECLARED)})
    assert with_facts(declared, region).region is Region.CORSE
    assert merge_firm(declared, firm(region=Region.OCCITANIE)).source(Fact.REGION) == DECLARED


def test_a_source_restating_a_fact_keeps_its_first_date() -> None:
    registered = with_facts(firm(), {Fact.REGION: ({"region": Region.BRETAGNE}, REGISTRY)})
    later = REGISTRY.model_copy(update={"date": dt.date(2023, 1, 1)})
    assert with_facts(registered, {Fact.REGION: ({"region": Region.BRETAGNE}, later)}) is registered
    moved = with_facts(registered, {Fact.REGION: ({"region": Region.CORSE}, later)})
    assert moved.source(Fact.REGION) == later


def test_public_profile_hides_the_sources_of_private_facts() -> None:
    public = PublicFirm.of(with_facts(firm(), {Fact.TURNOVER: ({"turnover_eur": 2e6}, DECLARED)}))
    assert Fact.TURNOVER not in public.provenance and Fact.CONTACT not in public.provenance
    assert public.provenance[Fact.REGION] == INFERRED
