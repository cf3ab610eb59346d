"""The HTTP API through FastAPI's TestClient, on the embedded store."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from meute.api.examples import FIRM_EXAMPLE, TENDER_EXAMPLE
from meute.api.keys import Role
from meute.api.settings import Settings
from meute.graph.decp import read_decp
from meute.graph.embedded import EmbeddedStore
from tests.conftest import keyed_client

SHOWCASE = Path(__file__).resolve().parents[2] / "fixtures" / "showcase"
DECP_EMP = SHOWCASE.parent / "decp" / "decp_e-marchespublics_2019-04-03.json.zip"
BOUAKE = SHOWCASE / "tenders" / "bouake-hospital.json"


def bouake() -> dict[str, Any]:
    tender: dict[str, Any] = json.loads(BOUAKE.read_text(encoding="utf-8"))
    return tender


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["version"] == version("meute")


def test_match_returns_ranked_complete_consortia(client: TestClient) -> None:
    response = client.post("/match?top=4", json=bouake())
    assert response.status_code == 200
    consortia = response.json()["consortia"]
    assert [c["rank"] for c in consortia] == [1, 2, 3, 4]
    assert [c["score"] for c in consortia] == sorted((c["score"] for c in consortia), reverse=True)
    for consortium in consortia:
        lots = sorted(lot for m in consortium["members"] for lot in m["lots"])
        assert lots == sorted(lot["id"] for lot in bouake()["lots"])
    assert response.json()["uncovered"] == []


def test_a_lot_no_firm_may_take_is_named_and_the_others_covered(client: TestClient) -> None:
    tender = bouake()
    tender["lots"].append({"id": "L4", "title": "Uniforms", "cpv": ["18110000"]})
    response = client.post("/match?top=3", json=tender)
    assert response.status_code == 200
    body = response.json()
    assert body["uncovered"] == [
        {
            "lot_id": "L4",
            "title": "Uniforms",
            "reason": "no candidate firm delivers anything close to this lot's CPV codes",
        }
    ]
    for consortium in body["consortia"]:
        assert sorted(lot for m in consortium["members"] for lot in m["lots"]) == [
            "L1",
            "L2",
            "L3",
        ]
    alone = {**tender, "lots": tender["lots"][3:]}
    refused = client.post("/match", json=alone)
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["errors"]] == ["lots[L4]"]


def test_a_partial_consortium_is_evaluated_and_saved_with_the_lots_it_leaves_out(
    client: TestClient,
) -> None:
    tender = bouake()
    tender["id"] = "bouake-tenues"
    tender["lots"].append({"id": "L4", "title": "Uniforms", "cpv": ["18110000"]})
    assert client.post("/tenders", json=tender).status_code == 201
    best = client.get("/tenders/bouake-tenues/consortia?top=1").json()["consortia"][0]
    assignment = {lot: m["siren"] for m in best["members"] for lot in m["lots"]}
    assert sorted(assignment) == ["L1", "L2", "L3"]
    url = "/tenders/bouake-tenues/consortia/evaluate"
    evaluation = client.post(url, json={"assignment": assignment}).json()
    assert [lot["lot_id"] for lot in evaluation["uncovered"]] == ["L4"]
    assert evaluation["consortium"]["score"] == pytest.approx(best["score"])
    saved = client.post("/proposals", json={"tender_id": "bouake-tenues", "assignment": assignment})
    assert saved.status_code == 201
    assert [lot["lot_id"] for lot in saved.json()["uncovered"]] == ["L4"]


def test_every_answer_bounds_its_gap_to_the_best(client: TestClient) -> None:
    """The exact answer is at least as good and its bound as tight; the fast answer lies within
    its own bound of the exact one.
    """
    fast = client.post("/match?top=1", json=bouake()).json()
    exact = client.post("/match?top=1&mode=exact", json=bouake()).json()
    assert 0.0 <= exact["optimality_gap_bound"] <= fast["optimality_gap_bound"] < 1.0
    best, found = exact["consortia"][0]["score"], fast["consortia"][0]["score"]
    assert found >= (1.0 - fast["optimality_gap_bound"]) * best - 1e-9


def test_tenders_and_their_consortia(client: TestClient) -> None:
    listed = client.get("/tenders").json()
    assert "bouake-hospital" in [t["id"] for t in listed["items"]]
    assert listed["total"] == len(listed["items"]) == 5
    assert client.get("/tenders/bouake-hospital").json()["country"] == "CI"
    consortia = client.get("/tenders/bouake-hospital/consortia?top=2").json()["consortia"]
    assert len(consortia) == 2
    missing = client.get("/tenders/nope/consortia")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    new = {**TENDER_EXAMPLE, "id": "api-created"}
    assert client.post("/tenders", json=new).json()["created"] == 1
    assert client.get("/tenders/api-created").json()["title"] == new["title"]


def test_firms_crud(client: TestClient) -> None:
    body = client.get("/firms?offset=0&limit=5").json()
    page = body["items"]
    assert len(page) == 5 and all("is_sme" in f for f in page) and body["total"] == 300
    assert [f["siren"] for f in page] == sorted(f["siren"] for f in page)
    hostile = {**FIRM_EXAMPLE, "name": "<script>alert('x')</script> }) DETACH DELETE n //"}
    assert client.post("/firms", json=[hostile]).status_code == 201
    stored = client.get(f"/firms/{FIRM_EXAMPLE['siren']}").json()
    assert stored["name"] == hostile["name"]
    assert client.get("/firms/000000000").status_code == 404


def test_a_firm_profile_lists_the_contracts_behind_each_capability(
    client: TestClient, showcase_store: EmbeddedStore, data_dir: Path
) -> None:
    decp = next(f for f in read_decp([DECP_EMP]).firms if len(f.capabilities) >= 2)
    other = showcase_store.list_firms(0, 1)[0].siren  # a synthetic firm
    showcase_store.upsert_firms([decp])

    full = client.get(f"/firms/{decp.siren}").json()
    with keyed_client(showcase_store, Settings(data_dir=data_dir), Role.SME, other) as sme:
        public = sme.get(f"/firms/{decp.siren}").json()

    for profile in (full, public):
        assert len(profile["capabilities"]) == len(decp.capabilities)
        for shown, capability in zip(profile["capabilities"], decp.capabilities, strict=True):
            assert shown["awards"] == [a.model_dump(mode="json") for a in capability.awards]
            assert shown["awards"] and {a["source"] for a in shown["awards"]} == {"decp"}
            assert all(a["source_file"] == DECP_EMP.name for a in shown["awards"])
    synthetic = client.get(f"/firms/{other}").json()
    assert all(c["awards"] == [] for c in synthetic["capabilities"])


@pytest.mark.parametrize(
    ("path", "body", "field", "value"),
    [
        ("/match", {**TENDER_EXAMPLE, "lots": []}, "lots", []),
        ("/match", {**TENDER_EXAMPLE, "budget": -1}, "budget", -1),
        (
            "/tenders",
            {**TENDER_EXAMPLE, "lots": [{**TENDER_EXAMPLE["lots"][0], "cpv": ["12"]}]},
            "lots[0].cpv[0]",
            "12",
        ),
        ("/tenders", {**TENDER_EXAMPLE, "lots": [TENDER_EXAMPLE["lots"][0]] * 2}, "lots", None),
        ("/tenders", {**TENDER_EXAMPLE, "region": "Bretagne"}, "region", "Bretagne"),
        ("/firms", [{**FIRM_EXAMPLE, "siren": "123456789"}], "[0].siren", "123456789"),
    ],
)
def test_bad_input_is_422_problem_naming_the_field(
    client: TestClient, path: str, body: Any, field: str, value: Any
) -> None:
    before = (client.get("/firms?limit=1000").json(), client.get("/tenders").json())
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"]
    fields = {e["field"]: e for e in problem["errors"]}
    assert field in fields
    if value is not None:
        assert fields[field]["value"] == value
    assert (client.get("/firms?limit=1000").json(), client.get("/tenders").json()) == before


def test_openapi_has_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    match_body = spec["paths"]["/match"]["post"]["requestBody"]["content"]["application/json"]
    assert "examples" in match_body
    assert set(spec["paths"]) >= {
        "/health",
        "/match",
        "/firms",
        "/tenders",
        "/tenders/{tender_id}/consortia",
    }
