"""The contracts that prove a capability: the model, their reading from DECP (both layouts),
and their round trip through the embedded store.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from meute.graph import embedded
from meute.graph.decp import read_decp
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import MAX_AWARDS, AwardEvidence, Capability, FactSource, Firm
from meute.graph.trusted import trusted_builder
from tests.unit.factories import make_firm, valid_siren
from tests.unit.test_decp import A, B, read, record, titulaire

TABULAR = Path(__file__).resolve().parents[2] / "fixtures" / "decp"
TABULAR_2024 = TABULAR / "decp_2024H2_travaux_cpv4521_filtered.csv.gz"


def award(number: int, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "contract_id": f"2019M{number:03d}",
        "source_file": "decp.json",
        "date": dt.date(2019, 1, number),
        "buyer": "Ville de Lyon",
        "objet": f"Travaux n° {number}",
        "amount_eur": 1000.0 * number,
    }
    return base | overrides


def firm_with_awards() -> Firm:
    capability = {"cpv": "45214200", "contracts": 3, "awards": [award(3), award(2)]}
    return make_firm(siren=valid_siren(7), capabilities=[capability, "45215140"])


# --- the model -----------------------------------------------------------------------------------


def test_a_capability_without_awards_still_validates() -> None:
    stored = {"cpv": "45214200", "strength": 0.6, "contracts": 4, "amount_eur": 10.0}

    capability = Capability.model_validate(stored)

    assert capability.awards == []


def test_an_award_is_published_award_data_by_default_with_unknown_values_null() -> None:
    evidence = AwardEvidence(contract_id="X1")

    assert evidence.source is FactSource.DECP
    assert evidence.model_dump(mode="json") == {
        "contract_id": "X1",
        "source_file": "",
        "source": "decp",
        "date": None,
        "buyer": None,
        "buyer_id": None,
        "objet": "",
        "amount_eur": None,
        "winners": 1,
    }
    schema = Firm.model_json_schema(mode="serialization")["$defs"]["AwardEvidence"]
    assert set(schema["properties"]) == set(evidence.model_dump())  # typed in the API's docs


@pytest.mark.parametrize(
    ("capability", "message"),
    [
        ({"contracts": 1, "awards": [award(1), award(2)]}, "2 listed but contracts counts 1"),
        (
            {"contracts": 99, "awards": [award(n) for n in range(1, MAX_AWARDS + 2)]},
            f"at most {MAX_AWARDS} items",
        ),
        ({"contracts": 1, "awards": [award(1, source="decp-inferred")]}, "never an estimate"),
        ({"contracts": 1, "awards": [award(1, contract_id="")]}, "at least 1 character"),
        ({"contracts": 1, "awards": [award(1, amount_eur=-5)]}, "greater than or equal to 0"),
    ],
)
def test_bad_awards_are_refused_naming_the_problem(
    capability: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Capability.model_validate({"cpv": "45214200", **capability})


def test_past_objets_are_the_distinct_award_objets_most_recent_first() -> None:
    capabilities = [
        {"cpv": "45214200", "contracts": 2, "awards": [award(3), award(1, objet="")]},
        {"cpv": "45215140", "contracts": 2, "awards": [award(9), award(4, objet="Travaux n° 9")]},
    ]
    firm = make_firm(capabilities=capabilities)

    assert firm.past_objets() == ["Travaux n° 9", "Travaux n° 3"]
    assert make_firm().past_objets() == []


def test_the_trusted_rebuild_gives_the_validated_firm() -> None:
    firm = firm_with_awards()

    rebuilt = trusted_builder(Firm)(json.loads(firm.model_dump_json()))

    assert rebuilt == firm
    assert rebuilt.capabilities[0].awards[0].date == dt.date(2019, 1, 3)
    assert rebuilt.capabilities[0].awards[0].source is FactSource.DECP


# --- reading DECP --------------------------------------------------------------------------------


def test_decp_keeps_each_capabilitys_latest_contracts_as_award_data(tmp_path: Path) -> None:
    dated = [
        record(
            f"2019M{day:03d}",
            dateNotification=f"2019-02-{day:02d}",
            objet=f"Numéro de consultation : 19-{day} Réfection de l'école n° {day}",
            montant=1000 * day,
        )
        for day in range(1, MAX_AWARDS + 3)
    ]
    joint = record(
        "2019J001",
        dateNotification="2019-03-01",
        montant=0,
        titulaires=[titulaire(A, "ALPHA BTP"), titulaire(B, "BETA")],
        acheteur={"id": "21380185500015", "nom": "Ville de Grenoble"},
    )
    result = read(tmp_path, *dated, joint)

    alpha = next(f for f in result.firms if f.siren == A)
    [capability] = alpha.capabilities
    assert capability.contracts == MAX_AWARDS + 3
    assert len(capability.awards) == MAX_AWARDS
    latest = capability.awards[0]
    assert (latest.contract_id, latest.date, latest.buyer, latest.winners) == (
        "2019J001",
        dt.date(2019, 3, 1),
        "Ville de Grenoble",
        2,
    )
    assert latest.amount_eur is None  # an amount repaired to 0 is unknown, not 0 €
    second = capability.awards[1]
    assert second.objet == f"Réfection de l'école n° {MAX_AWARDS + 2}"
    assert (second.amount_eur, second.buyer_id) == (1000.0 * (MAX_AWARDS + 2), "21690123100011")
    assert second.source is FactSource.DECP and second.source_file == "decp.json"
    dates = [a.date for a in capability.awards]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    beta = next(f for f in result.firms if f.siren == B)
    assert [a.contract_id for a in beta.capabilities[0].awards] == ["2019J001"]


def test_tabular_decp_gives_awards_with_the_buyer_and_no_objet(tmp_path: Path) -> None:
    header = "uid,id,codeCPV,acheteur_id,acheteur_nom,titulaire_id,titulaire_nom,montant,"
    header += "dateNotification,titulaire_departement_code\n"
    rows = [
        f"U1,1,45214200,21740123400015,COMMUNE DE FILLIERE,{A}00017,ALPHA,61100,2025-01-01,74",
        f"U1,1,45214200,21740123400015,COMMUNE DE FILLIERE,{B}00017,BETA,61100,2025-01-01,73",
        f"U2,2,45214200,21740123400015,COMMUNE DE FILLIERE,{A}00017,ALPHA,5000,2024-09-30,74",
    ]
    path = tmp_path / "extract.csv.gz"
    path.write_bytes(gzip.compress((header + "\n".join(rows) + "\n").encode("utf-8")))

    result = read_decp([path])

    alpha = next(f for f in result.firms if f.siren == A)
    awards = alpha.capabilities[0].awards
    assert [(a.contract_id, a.date, a.winners, a.amount_eur) for a in awards] == [
        ("U1", dt.date(2025, 1, 1), 2, 61100.0),
        ("U2", dt.date(2024, 9, 30), 1, 5000.0),
    ]
    assert {(a.buyer, a.objet, a.source_file) for a in awards} == {
        ("COMMUNE DE FILLIERE", "", "extract.csv.gz")
    }


def test_every_firm_of_the_real_tabular_extract_keeps_its_awards() -> None:
    result = read_decp([TABULAR_2024])

    contracts = {c.id: c for c in result.contracts}
    buyers = {b.id: b.name for b in result.buyers}
    for firm in result.firms:
        for capability in firm.capabilities:
            assert 1 <= len(capability.awards) == min(capability.contracts, MAX_AWARDS)
            for evidence in capability.awards:
                contract = contracts[evidence.contract_id]
                assert firm.siren in contract.winners and contract.cpv == capability.cpv
                assert evidence.date == contract.date
                assert evidence.buyer_id == contract.buyer
                assert evidence.buyer == buyers[evidence.buyer_id or ""]
    awards = [a for f in result.firms for c in f.capabilities for a in c.awards]
    assert len(awards) > 5000
    assert sum(a.buyer is not None for a in awards) > 0.9 * len(awards)


# --- the embedded store --------------------------------------------------------------------------


def test_awards_survive_a_restart_of_the_embedded_store(tmp_path: Path) -> None:
    firm = firm_with_awards()
    with EmbeddedStore(tmp_path) as store:
        store.upsert_firms([firm])

    reopened = EmbeddedStore(tmp_path).get_firm(firm.siren)

    assert reopened == firm
    assert reopened is not None and reopened.capabilities[0].awards[1].objet == "Travaux n° 2"


def test_a_row_written_before_awards_existed_is_read_without_them(tmp_path: Path) -> None:
    firm = make_firm(siren=valid_siren(8), capabilities=["45214200"])
    with EmbeddedStore(tmp_path) as store:
        store.upsert_firms([firm])
    old = json.loads(firm.model_dump_json())
    for capability in old["capabilities"]:
        del capability["awards"]
    with sqlite3.connect(tmp_path / embedded.DATABASE) as db:
        db.execute("UPDATE firms SET stamp = 'older', doc = ?", (json.dumps(old),))

    assert EmbeddedStore(tmp_path).get_firm(firm.siren) == firm
