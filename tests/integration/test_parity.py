"""The embedded store and Neo4j give the same consortia, through the library and the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from meute.api.cli import app
from meute.api.service import match_tender, showcase_document
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import MatchResult
from meute.graph.neo4j_store import Neo4jStore
from meute.matcher.propose import MatchOptions

pytestmark = pytest.mark.neo4j
TENDERS = [t.id for t in showcase_document().tenders]


def _shape(result: MatchResult) -> list[dict[str, Any]]:
    return [
        {
            "rank": c.rank,
            "members": [(m.siren, tuple(m.lots), m.leader, m.why) for m in c.members],
        }
        for c in result.consortia
    ]


@pytest.mark.parametrize("tender_id", TENDERS)
def test_every_showcase_tender_gives_identical_consortia(
    stores: tuple[EmbeddedStore, Neo4jStore], tender_id: str
) -> None:
    embedded, neo4j = stores
    tender = embedded.get_tender(tender_id)
    assert tender is not None and neo4j.get_tender(tender_id) == tender
    options = MatchOptions(top=10)
    left, right = match_tender(embedded, tender, options), match_tender(neo4j, tender, options)
    assert left.consortia, "the showcase tender must have proposals"
    assert _shape(left) == _shape(right)
    for a, b in zip(left.consortia, right.consortia, strict=True):
        assert a.score == pytest.approx(b.score, abs=1e-9)
        for term, value in a.breakdown.items():
            assert value == pytest.approx(b.breakdown[term], abs=1e-9)


def test_cli_match_json_is_the_same_on_both_backends(
    stores: tuple[EmbeddedStore, Neo4jStore], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tender = Path(__file__).resolve().parents[2] / "fixtures/showcase/tenders/bouake-hospital.json"
    runner = CliRunner()
    monkeypatch.setenv("MEUTE_DATA_DIR", str(tmp_path / "embedded"))
    monkeypatch.setenv("MEUTE_GRAPH", "embedded")
    imported = runner.invoke(app, ["import", str(tender.parents[1] / "firms.json")])
    assert imported.exit_code == 0, imported.output
    on_embedded = runner.invoke(app, ["match", str(tender), "--json"])
    monkeypatch.setenv("MEUTE_GRAPH", "neo4j")
    monkeypatch.setenv("MEUTE_NEO4J_URI", os.environ["MEUTE_NEO4J_URI"])
    on_neo4j = runner.invoke(app, ["match", str(tender), "--json"])
    assert on_embedded.exit_code == 0 and on_neo4j.exit_code == 0, on_neo4j.output
    left, right = json.loads(on_embedded.stdout), json.loads(on_neo4j.stdout)
    assert [c["members"] for c in left["consortia"]] == [c["members"] for c in right["consortia"]]
    assert [c["score"] for c in left["consortia"]] == pytest.approx(
        [c["score"] for c in right["consortia"]], abs=1e-9
    )
