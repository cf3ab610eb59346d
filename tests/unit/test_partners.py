"""Partner discovery: the pure ranking, its learnt statistics, and the use case over a store."""

from __future__ import annotations

import pytest

from meute.api.service import find_partners
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import InvalidInput, NotFound
from meute.graph.model import Collaboration, CollaborationKind, ExportMaturity, Firm, Region, Tender
from meute.graph.store import DivisionCooccurrence
from meute.matcher.partners import PartnerWeights, rank_partners
from meute.matcher.propose import MatchOptions
from meute.scoring.complement import DivisionAffinity, division_profile, shared_partners
from meute.scoring.fit import HAND_SET
from tests.unit.factories import make_firm, valid_siren

BUILDER, IMAGING, IMAGING_2, BUILDER_2, TRAINER, ARCHITECT, HUB = (
    valid_siren(n) for n in range(1, 8)
)


def hospital(**constraints: object) -> Tender:
    return Tender.model_validate(
        {
            "id": "hospital",
            "title": "Hospital",
            "buyer": "Ministry of Health",
            "country": "CI",
            "budget": 10_000_000,
            "deadline": "2026-06-30",
            "lots": [
                {"id": "L1", "title": "Construction", "cpv": ["45215140"], "budget": 6e6},
                {"id": "L2", "title": "Imaging", "cpv": ["33110000"], "budget": 3e6},
                {"id": "L3", "title": "Training", "cpv": ["80510000"], "budget": 1e6},
            ],
            "constraints": constraints,
        }
    )


def firms() -> dict[str, Firm]:
    made = [
        make_firm(BUILDER, [("45215140", 0.9)], name="Bâtisseurs", region=Region.BRETAGNE),
        make_firm(IMAGING, [("33111000", 0.8)], name="Imagerie Une", region=Region.BRETAGNE),
        make_firm(IMAGING_2, [("33111000", 0.8)], name="Imagerie Deux", region=Region.PDL),
        make_firm(BUILDER_2, [("45215140", 0.9)], name="Autres Bâtisseurs"),
        make_firm(
            TRAINER,
            [("80510000", 0.6)],
            name="Formations",
            maturity=ExportMaturity.REGULAR,
            export_countries=["CI"],
        ),
        make_firm(ARCHITECT, [("71240000", 0.7)], name="Architectes"),
        make_firm(HUB, [("71240000", 0.7)], name="Hub Ingénierie"),
    ]
    return {firm.siren: firm for firm in made}


def together(a: str, b: str, kind: str = "joint_bid", year: int = 2024) -> Collaboration:
    return Collaboration.model_validate({"firm_a": a, "firm_b": b, "kind": kind, "year": year})


COLLABORATIONS = [
    together(BUILDER, IMAGING),
    together(IMAGING, ARCHITECT),
    together(BUILDER, HUB, "co_award"),
    together(HUB, ARCHITECT, "co_award"),
]


def affinity() -> DivisionAffinity:
    rows = [
        DivisionCooccurrence("45", "33", CollaborationKind.JOINT_BID, 4),
        DivisionCooccurrence("33", "45", CollaborationKind.JOINT_BID, 4),
        DivisionCooccurrence("45", "71", CollaborationKind.CO_AWARD, 2),
        DivisionCooccurrence("71", "45", CollaborationKind.CO_AWARD, 2),
    ]
    return DivisionAffinity.from_cooccurrence(rows)


# --- scoring.complement -------------------------------------------------------------------------


def test_division_affinity_is_a_smoothed_kind_weighted_conditional() -> None:
    learnt = affinity()
    # builders' partners: 4 joint bids with imaging (weight 1), 2 co-awards with architects (0.8)
    assert learnt.partner_share("45", "33") > learnt.partner_share("45", "71") > 0
    assert sum(learnt.conditional["45"].values()) == pytest.approx(1.0)
    assert learnt.partner_share("99", "45") == learnt.marginal["45"]  # unseen: the overall mix
    assert learnt.partner_divisions({"45": 1.0}, top=1) == ["33"]
    assert learnt.strongest_link({"45": 1.0}, {"33": 1.0}) == ("45", "33", 4)
    assert learnt.strongest_link({"45": 1.0}, {"80": 1.0}) is None
    empty = DivisionAffinity.from_cooccurrence([])
    assert empty.score({"45": 1.0}, {"33": 1.0}) == 0.0


def test_division_profile_spreads_strength_over_divisions() -> None:
    firm = make_firm(capabilities=[("45215140", 0.6), ("45233000", 0.2), ("71240000", 0.2)])
    assert division_profile(firm) == pytest.approx({"45": 0.8, "71": 0.2})
    assert division_profile(make_firm()) == {}


def test_shared_partners_finds_partners_of_partners() -> None:
    found = shared_partners(BUILDER, COLLABORATIONS)
    score, via = found[ARCHITECT]
    assert 0 < score < 1 and via == sorted([IMAGING, HUB])
    assert BUILDER not in found
    assert shared_partners(TRAINER, COLLABORATIONS) == {}


# --- matcher.partners ---------------------------------------------------------------------------


def rank(
    seed: str = BUILDER, tender: Tender | None = None, **weights: float
) -> list[tuple[str, float, str]]:
    known = firms()
    result = rank_partners(
        known[seed],
        list(known.values()),
        COLLABORATIONS,
        affinity(),
        tender,
        top=10,
        weights=PartnerWeights(**weights),
    )
    return [(p.siren, p.score, p.why) for p in result.partners]


def test_for_a_tender_partners_fit_the_lots_the_firm_does_not_cover() -> None:
    ranked = rank(tender=hospital())
    order = [siren for siren, _, _ in ranked]
    assert order[0] == IMAGING  # fits the imaging lot and already worked with the builder
    assert order.index(IMAGING_2) < order.index(BUILDER_2)  # another builder adds little
    # Nothing to take in this tender, but architects are a learnt partner division of builders
    # (co-awards 45 with 71): admitted, after the firms that fit the lots, no lot claimed.
    assert order.index(IMAGING) < order.index(ARCHITECT)
    assert HUB in order  # nothing to take either, but a past partner is always admitted
    assert BUILDER not in order
    scores = [score for _, score, _ in ranked]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    why = dict((siren, why) for siren, _, why in ranked)
    assert why[IMAGING].startswith("Fits lot L2 'Imaging'")
    assert "where Bâtisseurs is weak" in why[IMAGING]
    assert "worked with Bâtisseurs once: joint bid in 2024" in why[IMAGING]
    assert "already" not in why[TRAINER] and "regular exporter" in why[TRAINER]
    assert not why[HUB].startswith("Fits lot")  # no lot claimed for it
    assert not why[ARCHITECT].startswith("Fits lot")


def test_for_a_tender_a_firm_of_an_unrelated_trade_is_not_admitted() -> None:
    known = firms()
    caterer = make_firm(valid_siren(8), [("55520000", 0.9)], name="Traiteur")
    result = rank_partners(
        known[BUILDER], [*known.values(), caterer], COLLABORATIONS, affinity(), hospital(), top=10
    )
    assert caterer.siren not in [p.siren for p in result.partners]


def test_excluded_firms_are_never_partners() -> None:
    order = [siren for siren, _, _ in rank(tender=hospital(exclude=[IMAGING]))]
    assert IMAGING not in order and IMAGING_2 in order


def test_in_general_partners_complement_and_know_the_firm() -> None:
    ranked = rank()
    order = [siren for siren, _, _ in ranked]
    assert BUILDER not in order
    assert order.index(IMAGING) < order.index(BUILDER_2)  # different, co-occurring, known
    why = dict((siren, why) for siren, _, why in ranked)
    assert why[IMAGING].startswith("Brings ")
    assert "Bâtisseurs lacks" in why[IMAGING]
    assert why[BUILDER_2].startswith("Works in the same fields as Bâtisseurs")
    assert "shares partners with Bâtisseurs (Imagerie Une, Hub Ingénierie)" in why[ARCHITECT]


def test_partner_weights_are_checked() -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        PartnerWeights(fit=-1)
    zero = dict.fromkeys(
        ("affinity", "difference", "evidence", "cohesion", "proximity", "region", "readiness"),
        0.0,
    )
    with pytest.raises(ValueError, match="must not all be zero"):
        rank(**zero)
    assert rank(tender=hospital(), **zero)  # fit alone still counts with a tender


# --- api.service.find_partners -------------------------------------------------------------------


@pytest.fixture
def store() -> EmbeddedStore:
    store = EmbeddedStore(None)
    store.upsert_firms(list(firms().values()))
    store.upsert_collaborations(COLLABORATIONS)
    return store


def test_find_partners_over_a_store(store: EmbeddedStore) -> None:
    # Hand-set relevance and partner weights: these firms have no past contracts, which the
    # learnt model reads as unlikely winners of any lot.
    hand_set = MatchOptions(ranker=HAND_SET)
    for_tender = find_partners(store, BUILDER, hospital(), top=3, options=hand_set)
    assert for_tender.tender_id == "hospital" and len(for_tender.partners) == 3
    assert for_tender.partners[0].siren == IMAGING
    learnt = find_partners(store, BUILDER, hospital(), top=3)
    assert len(learnt.partners) == 3 and BUILDER not in {p.siren for p in learnt.partners}
    general = find_partners(store, BUILDER, top=2)
    assert general.tender_id is None and len(general.partners) == 2
    assert all(p.siren != BUILDER for p in general.partners)
    # The learnt weights are for a tender: in general, today's weigh the terms.
    today = PartnerWeights().active(False)
    for partner in general.partners:
        mean = sum(w * partner.breakdown[name] for name, w in today.items()) / sum(today.values())
        assert partner.score == pytest.approx(mean, abs=1e-3)
    alone = find_partners(store, TRAINER)
    assert alone.partners  # no collaboration at all: still firms of co-occurring divisions


def test_find_partners_refuses_unknown_or_ill_formed_sirens(store: EmbeddedStore) -> None:
    with pytest.raises(NotFound) as unknown:
        find_partners(store, valid_siren(99))
    assert unknown.value.problems[0].field == "siren"
    with pytest.raises(InvalidInput) as bad:
        find_partners(store, "12345")
    assert bad.value.problems[0].field == "siren"
