"""The GraphStore contract: every backend must pass these."""

from __future__ import annotations

import json

import pytest

from meute.graph.errors import InvalidInput
from meute.graph.model import Collaboration, ExportMaturity, HeadcountBand, Region, Tender
from meute.graph.store import FirmQuery, GraphStore
from tests.unit.factories import make_firm, valid_siren

HOSTILE = 'Bâtir "l\'Ouest" `x` }) DETACH DELETE n // <script>alert(1)</script>'


def _tender(tender_id: str = "t1") -> Tender:
    return Tender.model_validate(
        {
            "id": tender_id,
            "title": "Hospital",
            "buyer": "Ministry",
            "country": "CI",
            "budget": 1_000_000,
            "lots": [{"id": "L1", "title": "Build", "cpv": ["45215140-0"]}],
        }
    )


def test_upsert_and_get_firm_round_trips(store: GraphStore) -> None:
    firm = make_firm(siren=valid_siren(1), capabilities=["45215140"], name=HOSTILE)
    report = store.upsert_firms([firm])
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert store.get_firm(firm.siren) == firm
    assert store.get_firm(valid_siren(2)) is None
    assert store.count_firms() == 1


def test_reimport_is_idempotent_and_update_replaces(store: GraphStore) -> None:
    firm = make_firm(siren=valid_siren(1), capabilities=["45215140"])
    store.upsert_firms([firm])
    again = store.upsert_firms([firm])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = firm.model_copy(update={"name": "Renamed"})
    assert store.upsert_firms([changed]).updated == 1
    assert store.count_firms() == 1
    assert store.get_firm(firm.siren) == changed


def test_duplicate_sirens_in_one_batch_write_nothing(store: GraphStore) -> None:
    firm = make_firm(siren=valid_siren(1), capabilities=["45215140"])
    with pytest.raises(InvalidInput) as raised:
        store.upsert_firms([make_firm(siren=valid_siren(3)), firm, firm])
    assert raised.value.problems[0].field == "firms[2].siren"
    assert store.count_firms() == 0


def test_list_firms_pages_by_siren(store: GraphStore) -> None:
    firms = [make_firm(siren=valid_siren(n)) for n in (5, 3, 9, 1)]
    store.upsert_firms(firms)
    everything = [f.siren for f in store.list_firms()]
    assert everything == sorted(f.siren for f in firms)
    assert [f.siren for f in store.list_firms(offset=1, limit=2)] == everything[1:3]
    assert [f.siren for f in store.get_firms([valid_siren(9), valid_siren(1), "000000000"])] == [
        valid_siren(1),
        valid_siren(9),
    ]
    assert store.sirens() == {f.siren for f in firms}


def test_provenance_and_registry_facts_round_trip(store: GraphStore) -> None:
    firm = make_firm(
        category="GE",
        active=False,
        creation_date="1960-05-02",
        provenance={"category": {"source": "sirene", "date": "2022-10-01"}},
    )
    store.upsert_firms([firm])
    assert store.get_firm(firm.siren) == firm
    assert store.find_firms(FirmQuery(sme=False))[1] == 1
    assert store.find_firms(FirmQuery(sme=True))[1] == 0


def test_candidates_follow_the_cpv_neighbourhood(store: GraphStore) -> None:
    hospital = make_firm(siren=valid_siren(1), capabilities=["45215140"])
    building = make_firm(siren=valid_siren(2), capabilities=["45210000"])  # same class 4521
    roads = make_firm(siren=valid_siren(3), capabilities=["45233000"])  # class 4523
    imaging = make_firm(siren=valid_siren(4), capabilities=["33111000"])
    store.upsert_firms([hospital, building, roads, imaging])
    found = [f.siren for f in store.candidates(["45215140"])]
    assert found == sorted([hospital.siren, building.siren])
    both = [f.siren for f in store.candidates(["45215140", "33100000"])]
    assert both == sorted([hospital.siren, building.siren, imaging.siren])
    assert store.candidates(["80510000"]) == []


def test_updated_capabilities_change_candidates(store: GraphStore) -> None:
    firm = make_firm(siren=valid_siren(1), capabilities=["45215140"])
    store.upsert_firms([firm])
    store.upsert_firms(
        [
            firm.model_copy(
                update={
                    "capabilities": make_firm(
                        siren=valid_siren(1), capabilities=["33111000"]
                    ).capabilities
                }
            )
        ]
    )
    assert store.candidates(["45215140"]) == []
    assert [f.siren for f in store.candidates(["33100000"])] == [firm.siren]


def test_collaborations_are_idempotent_and_need_known_firms(store: GraphStore) -> None:
    a, b, c = (make_firm(siren=valid_siren(n)) for n in (1, 2, 3))
    store.upsert_firms([a, b, c])
    joint = Collaboration(firm_a=b.siren, firm_b=a.siren, kind="joint_bid", year=2021, source="x")
    supply = Collaboration(firm_a=a.siren, firm_b=c.siren, kind="supply", year=2019)
    stranger = Collaboration(firm_a=a.siren, firm_b=valid_siren(7), kind="co_award", year=2020)
    report = store.upsert_collaborations([joint, supply, stranger])
    assert report.created == 2
    assert len(report.rejected) == 1 and valid_siren(7) in report.rejected[0]
    assert store.upsert_collaborations([joint]).unchanged == 1
    assert store.collaborations_among([a.siren, b.siren]) == [joint]
    assert store.collaborations_among([a.siren, b.siren, c.siren]) == sorted(
        [joint, supply], key=lambda x: x.key
    )
    assert store.collaborations_among([b.siren, c.siren]) == []


def test_collaborations_of_a_firm_and_division_cooccurrence(store: GraphStore) -> None:
    builder = make_firm(siren=valid_siren(1), capabilities=["45215140", "45233000"])
    architect = make_firm(siren=valid_siren(2), capabilities=["71240000"])
    imaging = make_firm(siren=valid_siren(3), capabilities=["33111000"])
    alone = make_firm(siren=valid_siren(4), capabilities=["33111000"])
    store.upsert_firms([builder, architect, imaging, alone])
    design = Collaboration(
        firm_a=builder.siren, firm_b=architect.siren, kind="joint_bid", year=2020
    )
    again = design.model_copy(update={"year": 2022})
    award = Collaboration(firm_a=architect.siren, firm_b=imaging.siren, kind="co_award", year=2021)
    store.upsert_collaborations([design, again, award])
    assert store.collaborations_of([builder.siren]) == sorted([design, again], key=lambda c: c.key)
    assert store.collaborations_of([architect.siren, "000000000"]) == sorted(
        [design, again, award], key=lambda c: c.key
    )
    assert store.collaborations_of([alone.siren]) == []
    counts = {
        (row.division, row.partner_division, row.kind.value): row.pairs
        for row in store.division_cooccurrence()
    }
    # one builder-architect pair (two joint bids count once), one architect-imaging pair
    assert counts == {
        ("45", "71", "joint_bid"): 1,
        ("71", "45", "joint_bid"): 1,
        ("71", "33", "co_award"): 1,
        ("33", "71", "co_award"): 1,
    }


def test_tenders_round_trip(store: GraphStore) -> None:
    assert store.count_tenders() == 0
    first, second = _tender("t2"), _tender("t1")
    assert store.upsert_tenders([first, second]).created == 2
    assert store.get_tender("t1") == second
    assert store.get_tender("nope") is None
    assert [t.id for t in store.list_tenders()] == ["t1", "t2"]
    assert store.upsert_tenders([second]).unchanged == 1
    assert store.count_tenders() == 2


def test_candidate_limit_keeps_the_strongest_evidence_per_neighbourhood(
    store: GraphStore,
) -> None:
    builders = [
        make_firm(siren=valid_siren(n), capabilities=[(code, strength)])
        for n, code, strength in [
            (1, "45215140", 0.2),
            (2, "45210000", 0.9),
            (3, "45215100", 0.5),
            (4, "45214000", 0.5),
        ]
    ]
    imager = make_firm(siren=valid_siren(5), capabilities=[("33111000", 0.1)])
    both = make_firm(siren=valid_siren(6), capabilities=[("33112000", 0.3), ("45211000", 0.1)])
    store.upsert_firms([*builders, imager, both])
    assert [f.siren for f in store.candidates(["45215140"], limit=2)] == [
        valid_siren(2),
        valid_siren(3),  # ties with valid_siren(4) on strength; the lower SIREN wins
    ]
    limited = [f.siren for f in store.candidates(["45215140", "33100000"], limit=1)]
    assert limited == [valid_siren(2), valid_siren(6)]
    assert len(store.candidates(["45215140", "33100000"])) == 6


def test_find_firms_filters_like_the_reference_semantics(store: GraphStore) -> None:
    firms = [
        make_firm(
            siren=valid_siren(1),
            capabilities=["33111000"],
            name="Imagerie Bretonne",
            naf="26.60Z",
            region=Region.BRETAGNE,
            headcount=HeadcountBand.SMALL,
            maturity=ExportMaturity.REGULAR,
            certifications=["ISO 13485"],
        ),
        make_firm(
            siren=valid_siren(2),
            capabilities=["45215140"],
            name="Bâtir Ouest",
            naf="41.20B",
            region=Region.BRETAGNE,
            headcount=HeadcountBand.INTERMEDIATE,
            maturity=ExportMaturity.FIRST_TIME,
        ),
        make_firm(
            siren=valid_siren(3),
            capabilities=["33100000", "80500000"],
            name="Formation Santé",
            naf="85.59A",
            region=Region.IDF,
            headcount=HeadcountBand.MICRO,
            maturity=ExportMaturity.REGULAR,
            certifications=["Qualiopi", "iso 13485"],
        ),
    ]
    store.upsert_firms(firms)
    queries = [
        FirmQuery(),
        FirmQuery(cpv="33100000"),
        FirmQuery(cpv="33111000-1"),
        FirmQuery(naf="41"),
        FirmQuery(naf="85.59A"),
        FirmQuery(region=Region.BRETAGNE),
        FirmQuery(headcount=HeadcountBand.MICRO),
        FirmQuery(sme=True),
        FirmQuery(sme=False),
        FirmQuery(maturity=ExportMaturity.REGULAR),
        FirmQuery(certification="ISO 13485 "),
        FirmQuery(name="bâtir"),
        FirmQuery(region=Region.BRETAGNE, maturity=ExportMaturity.REGULAR),
        FirmQuery(region=Region.CORSE),
    ]
    for query in queries:
        expected = [f.siren for f in firms if query.matches(f)]
        page, total = store.find_firms(query)
        assert [f.siren for f in page] == expected, query
        assert total == len(expected), query
    assert [f.siren for f in store.find_firms(FirmQuery(cpv="33100000"))[0]] == [
        valid_siren(1),
        valid_siren(3),
    ]
    page, total = store.find_firms(FirmQuery(maturity=ExportMaturity.REGULAR), offset=1, limit=1)
    assert ([f.siren for f in page], total) == ([valid_siren(3)], 2)


def test_records_round_trip_and_stay_apart_from_the_graph(store: GraphStore) -> None:
    assert store.get_record("proposal", "p1") is None
    assert store.list_records("proposal") == []
    store.put_record("proposal", "p2", '{"n": 2}')
    store.put_record("proposal", "p1", '{"n": 1, "text": "' + HOSTILE.replace('"', "'") + '"}')
    store.put_record("api_key", "p1", '{"other": true}')
    assert store.list_records("proposal")[1] == '{"n": 2}'
    assert json.loads(store.list_records("proposal")[0])["n"] == 1
    store.put_record("proposal", "p2", '{"n": 3}')
    assert store.get_record("proposal", "p2") == '{"n": 3}'
    assert store.delete_record("proposal", "p2") is True
    assert store.delete_record("proposal", "p2") is False
    assert store.get_record("api_key", "p1") == '{"other": true}'
    assert store.count_firms() == 0
