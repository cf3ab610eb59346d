"""The embedded store and Neo4j give the same pavilion shortlist and the same export files."""

from __future__ import annotations

import pytest

from meute.api.examples import PAVILION_EXAMPLE
from meute.api.exports import pavilion_csv
from meute.api.service import shortlist_pavilion
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import PavilionRequest
from meute.graph.neo4j_store import Neo4jStore

pytestmark = pytest.mark.neo4j


@pytest.mark.parametrize(
    "changes",
    [{}, {"stands": 20, "must_include": [], "exclude": [PAVILION_EXAMPLE["must_include"][0]]}],
)
def test_same_shortlist_on_both_stores(
    stores: tuple[EmbeddedStore, Neo4jStore], changes: dict[str, object]
) -> None:
    embedded, neo4j = stores
    request = PavilionRequest.model_validate({**PAVILION_EXAMPLE, **changes})
    left, right = shortlist_pavilion(embedded, request), shortlist_pavilion(neo4j, request)
    assert len(left.firms) == request.stands
    assert [(f.siren, f.themes, f.why) for f in left.firms] == [
        (f.siren, f.themes, f.why) for f in right.firms
    ]
    assert left.score == pytest.approx(right.score, abs=1e-9)
    assert pavilion_csv(left) == pavilion_csv(right)
