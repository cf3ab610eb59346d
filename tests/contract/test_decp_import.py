"""Both real DECP files import on every store, idempotently, and feed partner discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from meute.api.service import decp_document, find_partners, import_document
from meute.graph.decp import DecpImport, read_decp
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import CollaborationKind
from meute.graph.store import GraphStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "decp"


@pytest.fixture(scope="module")
def decp() -> DecpImport:
    return decp_document(sorted(FIXTURES.glob("*.zip")))[1]


def test_both_decp_files_import_idempotently(store: GraphStore, decp: DecpImport) -> None:
    document, _ = decp_document(sorted(FIXTURES.glob("*.zip")))
    report = import_document(store, document)
    assert report.created == len(decp.firms) + len(decp.collaborations)
    assert report.rejected == []
    assert store.count_firms() == len(decp.firms)
    again = import_document(store, document)
    assert (again.created, again.updated, again.rejected) == (0, 0, [])
    assert again.unchanged == report.created

    pair = next(c for c in decp.collaborations if c.kind == CollaborationKind.JOINT_BID)
    assert pair in store.collaborations_of([pair.firm_a])
    assert sum(row.pairs for row in store.division_cooccurrence()) > 0
    partners = find_partners(store, pair.firm_a, top=5).partners
    assert len(partners) == 5 and all(p.siren != pair.firm_a for p in partners)


def test_award_evidence_reads_back_equal_on_every_store(
    store: GraphStore, decp: DecpImport
) -> None:
    tabular = read_decp([FIXTURES / "decp_2024H2_travaux_cpv4521_filtered.csv.gz"]).firms
    firms = {f.siren: f for f in [*decp.firms[:300], *tabular[:300]]}
    assert sum(len(c.awards) for f in firms.values() for c in f.capabilities) > 600
    store.upsert_firms(list(firms.values()))

    assert store.get_firms(firms) == [firms[siren] for siren in sorted(firms)]
    if isinstance(store, EmbeddedStore) and store.data_dir is not None:
        with EmbeddedStore(store.data_dir) as reopened:  # rebuilt from the rows, unvalidated
            assert reopened.get_firms(firms) == [firms[siren] for siren in sorted(firms)]
