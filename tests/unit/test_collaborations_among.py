"""The embedded store's collaborations among a set of firms (built once, read by every match)
equal those found by looking at every collaboration, as the store changes.
"""

from __future__ import annotations

import random

from meute.graph.embedded import EmbeddedStore
from meute.graph.model import Collaboration, CollaborationKind
from tests.unit.factories import make_firm, valid_siren


def _collaborations(rng: random.Random, sirens: list[str], n: int) -> list[Collaboration]:
    found = []
    for _ in range(n):
        a, b = rng.sample(sirens, 2)
        kind = rng.choice(list(CollaborationKind))
        found.append(Collaboration(firm_a=a, firm_b=b, kind=kind, year=rng.randint(2010, 2025)))
    return found


def test_collaborations_among_equal_a_scan_of_every_collaboration() -> None:
    rng = random.Random(7)
    sirens = [valid_siren(i) for i in range(60)]
    store = EmbeddedStore(None)
    store.upsert_firms([make_firm(s, ["45215140"]) for s in sirens])
    stored: list[Collaboration] = []
    for _ in range(3):  # later collaborations join pairs already met
        batch = _collaborations(rng, sirens, 80)
        store.upsert_collaborations(batch)
        stored.extend(batch)
        for size in (0, 1, 10, 40, 60):
            among = set(rng.sample(sirens, size))
            expected = sorted({c.key for c in stored if c.firm_a in among and c.firm_b in among})
            found = store.collaborations_among(among)
            assert [c.key for c in found] == expected
            assert store.collaborations_among(among) == found
