"""Real registry facts on every store: both DECP layouts, then the SIRENE extract, re-imported.

The SIRENs below and their values are read from INSEE's extract (fixtures/sirene/): ADECCO
FRANCE (998823504) is a large company (GE) with its head office in Villeurbanne (69), NAF
78.20Z; SNEF (056800659) is GE, head office in Marseille (13), 43.21A; POMA (055501902) is an
ETI in Voreppe (38), 28.22Z; MINETTO (007350200) a PME in Sisteron (04), 43.12B.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from meute.api.service import import_decp, import_sirene
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import CollaborationKind, CompanyCategory, Fact, FactSource, Region
from meute.graph.store import FirmQuery, GraphStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DECP_2019 = sorted((FIXTURES / "decp").glob("*.zip"))
DECP_TABULAR = FIXTURES / "decp" / "decp_2024H2_travaux_cpv4521_filtered.csv.gz"
SIRENE = [
    FIXTURES / "sirene" / "StockEtablissement_extract.csv.gz",
    FIXTURES / "sirene" / "categorieEntreprise_by_siret.csv.gz",
]
REGISTRY = {
    "998823504": ("78.20Z", CompanyCategory.GE, Region.AURA),
    "056800659": ("43.21A", CompanyCategory.GE, Region.PACA),
    "055501902": ("28.22Z", CompanyCategory.ETI, Region.AURA),
    "007350200": ("43.12B", CompanyCategory.PME, Region.PACA),
}
AS_OF = dt.date(2022, 10, 1)


def test_tabular_decp_imports_with_its_co_winning(store: GraphStore) -> None:
    report, decp = import_decp(store, [DECP_TABULAR])
    assert report.created == len(decp.firms) + len(decp.collaborations)
    assert (report.updated, report.rejected) == (0, [])
    assert decp.report.read == 5_180
    pair = decp.collaborations[0]
    assert pair.kind is CollaborationKind.CO_AWARD
    assert pair in store.collaborations_of([pair.firm_a])
    stated = store.get_firm("007350200")
    assert stated is not None and stated.region is Region.PACA
    assert stated.source(Fact.REGION).source is FactSource.DECP
    assert stated.source(Fact.HEADCOUNT).source is FactSource.DECP_INFERRED
    again, _ = import_decp(store, [DECP_TABULAR])
    assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)


def test_sirene_gives_real_facts_after_both_decp_files(store: GraphStore) -> None:
    import_decp(store, [*DECP_2019, DECP_TABULAR])
    adecco = store.get_firm("998823504")
    assert adecco is not None and adecco.source(Fact.SME).source.inferred

    report = import_sirene(store, SIRENE, as_of=AS_OF)
    assert report.matched == report.updated + report.unchanged > 4_000
    assert report.rejected == 0 and report.created == 0
    assert report.rows_not_in_store > 0
    for siren, (naf, category, region) in REGISTRY.items():
        firm = store.get_firm(siren)
        assert firm is not None, siren
        assert (firm.naf, firm.category, firm.region) == (naf, category, region)
        for fact in (Fact.NAF, Fact.CATEGORY, Fact.REGION, Fact.SME):
            assert firm.source(fact).source is FactSource.SIRENE
            assert firm.source(fact).date == AS_OF
        assert firm.is_sme is (category is CompanyCategory.PME)

    smes = store.find_firms(FirmQuery(sme=True, naf="78.20Z"), 0, 1000)[0]
    assert "998823504" not in {firm.siren for firm in smes}

    again = import_sirene(store, SIRENE, as_of=AS_OF + dt.timedelta(days=30))
    assert (again.matched, again.updated, again.unchanged) == (report.matched, 0, report.matched)

    import_decp(store, DECP_2019)  # inferred facts never replace registry ones
    adecco = store.get_firm("998823504")
    assert adecco is not None and not adecco.is_sme
    assert (adecco.region, adecco.source(Fact.REGION).source) == (Region.AURA, FactSource.SIRENE)


def _reports(store: GraphStore) -> tuple[dict[str, object], dict[str, object]]:
    decp, _ = import_decp(store, [DECP_TABULAR])
    return decp.as_dict(), import_sirene(store, SIRENE, as_of=AS_OF).as_dict()


@pytest.fixture(scope="module")
def reference() -> tuple[dict[str, object], dict[str, object]]:
    """The reports of the tabular DECP then SIRENE imports on a fresh in-memory store."""
    with EmbeddedStore(None) as store:
        return _reports(store)


def test_same_reports_on_every_store(
    store: GraphStore, reference: tuple[dict[str, object], dict[str, object]]
) -> None:
    decp, sirene = _reports(store)
    assert (decp, sirene) == reference
    assert sirene["rows_read"] == 8_264 + 30_560
    matched, updated = sirene["matched"], sirene["updated"]
    assert isinstance(matched, int) and isinstance(updated, int)
    assert updated > 2_000 and matched == updated + sirene["unchanged"]
