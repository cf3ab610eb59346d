"""Both Neo4j import paths build the same graph as the reference import, on a small fixture.

The incremental path (parallel ``UNWIND`` batches) and the bulk path (CSV files, neo4j-admin
on a private server stopped and restarted by tools/neo4j/import.sh) are dumped node by node and
relationship by relationship and compared; what each store reads back (firms with their
capabilities and provenance, collaborations, tenders) is compared with the embedded store's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meute.api.service import ImportDocument, import_document, showcase_document
from meute.graph.decp import read_decp
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import Collaboration, CollaborationKind
from meute.graph.neo4j_bulk import BulkImportRefused, bulk_import
from meute.graph.neo4j_store import Neo4jStore
from meute.graph.store import GraphStore
from tests.integration.conftest import LocalServer
from tests.neo4j_server import open_test_store

pytestmark = pytest.mark.neo4j
DECP = Path(__file__).resolve().parents[2] / "fixtures" / "decp"

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
RELATIONSHIPS = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, coalesce(a.siren, a.code, a.uid, a.id) AS start,
       coalesce(b.siren, b.code, b.uid, b.id) AS end, properties(r) AS props
"""


def _document() -> ImportDocument:
    """The showcase, firms read from both DECP layouts (with their award records), and a
    collaboration with an unknown firm (rejected by both paths).
    """
    document = showcase_document()
    decp = read_decp([DECP / "decp_e-marchespublics_2019-04-03.json.zip"]).firms[:40]
    tabular = read_decp([DECP / "decp_2024H2_travaux_cpv4521_filtered.csv.gz"]).firms
    known = {firm.siren for firm in decp}
    document.firms = [*document.firms, *decp, *[f for f in tabular if f.siren not in known][:40]]
    known = document.firms[0].siren
    stranger = Collaboration(
        firm_a=known, firm_b="732829320", kind=CollaborationKind.JOINT_BID, year=2021
    )
    document.collaborations = [*document.collaborations, stranger]
    return document


def _dump(store: Neo4jStore) -> tuple[list[str], list[str]]:
    """Every node and relationship with its properties, sorted (the generation stamp left out)."""

    def canonical(labels: Any, props: dict[str, Any]) -> str:
        props = {k: v for k, v in props.items() if k != "stamp"}
        return repr((sorted(labels) if isinstance(labels, list) else labels, sorted(props.items())))

    records, _, _ = store._driver.execute_query(NODES, database_=store.database)
    nodes = sorted(canonical(r["labels"], r["props"]) for r in records)
    records, _, _ = store._driver.execute_query(RELATIONSHIPS, database_=store.database)
    relationships = sorted(
        repr((r["type"], r["start"], r["end"], canonical([], r["props"]))) for r in records
    )
    return nodes, relationships


def _reads(store: GraphStore, document: ImportDocument) -> tuple[Any, ...]:
    sirens = [firm.siren for firm in document.firms]
    return (
        store.get_firms(sirens),
        store.collaborations_of(sirens),
        store.list_tenders(limit=1_000),
        store.count_firms(),
    )


@pytest.fixture(scope="module")
def reference() -> tuple[ImportDocument, EmbeddedStore]:
    document = _document()
    embedded = EmbeddedStore(None)
    import_document(embedded, document)
    return document, embedded


def _point_tools_at(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give tools/neo4j/import.sh the private server's home, port and password."""
    for name in ("MEUTE_NEO4J_HOME", "MEUTE_NEO4J_PORT", "MEUTE_NEO4J_PASSWORD"):
        monkeypatch.setenv(name, server.env()[name])


def test_incremental_and_bulk_imports_build_the_same_graph(
    reference: tuple[ImportDocument, EmbeddedStore],
    local_server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    document, embedded = reference
    with open_test_store() as incremental:
        incremental_report = import_document(incremental, document)
        incremental_graph = _dump(incremental)
        incremental_reads = _reads(incremental, document)

    server = local_server
    _point_tools_at(server, monkeypatch)
    store = Neo4jStore(server.uri, "neo4j", server.password, timeout=30)
    files = bulk_import(
        store, tmp_path / "csv", document.firms, document.collaborations, document.tenders
    )
    assert (tmp_path / "csv" / "firm.csv").is_file()
    assert "phase import" in files.log
    with Neo4jStore(server.uri, "neo4j", server.password, timeout=30) as bulk:
        bulk_graph = _dump(bulk)
        bulk_reads = _reads(bulk, document)
        # What the bulk path wrote is what the incremental path would write: nothing to redo.
        again = import_document(bulk, document)

    assert files.report.created == incremental_report.created
    assert files.report.rejected == incremental_report.rejected
    assert len(files.report.rejected) == 1 and "732829320" in files.report.rejected[0]
    for bulk_items, incremental_items in zip(bulk_graph, incremental_graph, strict=True):
        # Nodes, then relationships, with their properties: what only one path wrote.
        only_bulk = sorted(set(bulk_items) - set(incremental_items))
        only_incremental = sorted(set(incremental_items) - set(bulk_items))
        assert (only_bulk[:3], only_incremental[:3]) == ([], [])
        assert bulk_items == incremental_items
    assert any("HAS_CAPABILITY" in r for r in bulk_graph[1])
    assert any(c.awards for firm in bulk_reads[0] for c in firm.capabilities)
    assert any("COLLABORATED" in r for r in bulk_graph[1])
    assert bulk_reads == incremental_reads == _reads(embedded, document)
    assert again.created == again.updated == 0
    assert again.unchanged == len(document.firms) + len(document.tenders) + len(
        document.collaborations
    ) - len(files.report.rejected)


def test_bulk_import_refuses_a_database_that_is_not_empty(
    reference: tuple[ImportDocument, EmbeddedStore],
    local_server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    document, _ = reference
    server = local_server
    _point_tools_at(server, monkeypatch)
    store = Neo4jStore(server.uri, "neo4j", server.password, timeout=30)
    if store.count_firms() == 0:
        import_document(store, ImportDocument(firms=document.firms[:1]))
    before = store.count_firms()
    with pytest.raises(BulkImportRefused, match="not empty"):
        bulk_import(store, tmp_path / "csv", document.firms)
    assert store.count_firms() == before  # untouched, still served
    store.close()
    assert not (tmp_path / "csv").exists()
