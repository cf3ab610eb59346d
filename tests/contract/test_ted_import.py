"""Both real TED folders import on every store, idempotently, one tender per notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from meute.api.service import ImportDocument, import_document, ted_document
from meute.graph.store import GraphStore
from meute.graph.ted import TedImport

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ted"


@pytest.fixture(scope="module")
def ted() -> tuple[ImportDocument, TedImport]:
    return ted_document(sorted(FIXTURES.glob("*/*.csv.gz")))


def test_both_ted_folders_import_idempotently(
    store: GraphStore, ted: tuple[ImportDocument, TedImport]
) -> None:
    document, read = ted
    assert read.report.notices == 20101
    assert read.report.tenders == len(document.tenders) > 18000
    report = import_document(store, document)
    assert (report.created, report.updated, report.rejected) == (len(document.tenders), 0, [])
    assert store.count_tenders() == len(document.tenders)
    again = import_document(store, document)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(document.tenders))

    for tender_id in ("ted-2019585697", "ted-2019318937", "ted-202159234"):
        stored = store.get_tender(tender_id)
        assert stored is not None
        assert stored == next(t for t in document.tenders if t.id == tender_id)
    hungarian = store.get_tender("ted-2019318937")
    assert hungarian is not None and hungarian.notice is not None
    assert [lot.id for lot in hungarian.lots] == ["6", "7", "10"]
    assert hungarian.notice.awards[0].winners == [
        "STRABAG Általános Építő Korlátolt Felelősségű Társaság"
    ]
