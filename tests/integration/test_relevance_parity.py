"""The showcase's relevance cases hold on Neo4j as on the embedded store: the Bouaké training lot
goes to a training firm, and the Abidjan health pavilion holds only health firms, each said to
cover only the themes its learnt fit supports.
"""

from __future__ import annotations

import pytest

from meute.graph.embedded import EmbeddedStore
from meute.graph.neo4j_store import Neo4jStore
from meute.scoring.fit import RELEVANCE_FLOOR
from tests.unit.test_relevance import (
    TRAINING,
    claimed_fits,
    health_pavilion,
    training_lot_winners,
)

pytestmark = pytest.mark.neo4j


def test_health_pavilion_on_both_stores(stores: tuple[EmbeddedStore, Neo4jStore]) -> None:
    embedded, neo4j = stores
    left, right = health_pavilion(embedded), health_pavilion(neo4j)
    assert left == right
    assert left and all(ok for _, _, ok in right), right


def test_health_pavilion_claims_on_both_stores(stores: tuple[EmbeddedStore, Neo4jStore]) -> None:
    embedded, neo4j = stores
    (left, _), (right, fits) = claimed_fits(embedded), claimed_fits(neo4j)
    assert left.themes == right.themes and left.firms == right.firms
    assert fits and min(fits) >= RELEVANCE_FLOOR


@pytest.mark.parametrize("codes", [["80510000", "80561000"], []], ids=["coded", "in words"])
def test_bouake_training_lot_on_both_stores(
    stores: tuple[EmbeddedStore, Neo4jStore], codes: list[str]
) -> None:
    embedded, neo4j = stores
    left, right = training_lot_winners(embedded, codes), training_lot_winners(neo4j, codes)
    assert [f.siren for f in left] == [f.siren for f in right]
    assert right and all(any(c.cpv.startswith(TRAINING) for c in f.capabilities) for f in right)
