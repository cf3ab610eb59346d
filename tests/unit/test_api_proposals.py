"""Saved proposals, swaps scored on demand, and programme tracking, on both stores."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from meute.api.auth import Role
from meute.api.examples import PAVILION_EXAMPLE
from meute.api.settings import Settings
from meute.graph.store import GraphStore
from meute.scoring.consortium import ObjectiveWeights, objective
from tests.conftest import keyed_client
from tests.unit.conftest import TENDER, assignment_of, consortia_of


def test_evaluating_a_proposed_consortium_gives_its_score_and_a_swap_rescores(
    officer: TestClient,
) -> None:
    consortia = consortia_of(officer)
    for consortium in consortia:
        body = {"assignment": assignment_of(consortium)}
        evaluation = officer.post(f"/tenders/{TENDER}/consortia/evaluate", json=body).json()
        assert evaluation["violations"] == []
        assert evaluation["consortium"]["score"] == pytest.approx(consortium["score"], abs=1e-9)
        assert evaluation["consortium"]["breakdown"] == pytest.approx(consortium["breakdown"])
        assert [m["siren"] for m in evaluation["consortium"]["members"]] == [
            m["siren"] for m in consortium["members"]
        ]
    first, second = assignment_of(consortia[0]), assignment_of(consortia[1])
    lot = next(lot for lot in first if first[lot] != second[lot])
    swapped = {**first, lot: second[lot]}
    result = officer.post(
        f"/tenders/{TENDER}/consortia/evaluate", json={"assignment": swapped}
    ).json()
    members = {m["siren"]: m["lots"] for m in result["consortium"]["members"]}
    assert lot in members[second[lot]]
    breakdown = result["consortium"]["breakdown"]
    assert result["consortium"]["score"] == pytest.approx(objective(breakdown, ObjectiveWeights()))
    assert result["consortium"]["score"] != pytest.approx(consortia[0]["score"], abs=1e-12)


def test_evaluation_names_the_bad_lot(officer: TestClient) -> None:
    first = assignment_of(consortia_of(officer, 1)[0])
    url = f"/tenders/{TENDER}/consortia/evaluate"
    for assignment, field in [
        ({**first, "L9": first["L1"]}, "assignment.L9"),
        ({k: v for k, v in first.items() if k != "L3"}, "assignment.L3"),
        ({**first, "L2": first["L1"]}, "assignment.L2"),  # a builder without ISO 13485
        ({**first, "L1": "732829320"}, "assignment.L1"),  # unknown firm
    ]:
        response = officer.post(url, json={"assignment": assignment})
        assert response.status_code == 422, assignment
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]]
    assert (
        officer.post("/tenders/nope/consortia/evaluate", json={"assignment": first}).status_code
        == 404
    )


def test_proposal_workflow_notes_and_programme(
    officer: TestClient, loaded_store: GraphStore, settings: Settings
) -> None:
    best = consortia_of(officer, 2)
    body = {"tender_id": TENDER, "assignment": assignment_of(best[0]), "note": "<b>à voir</b>"}
    created = officer.post("/proposals", json=body)
    assert created.status_code == 201
    proposal = created.json()
    assert proposal["status"] == "proposed" and proposal["events"][0]["note"] == "<b>à voir</b>"
    assert proposal["consortium"]["score"] == pytest.approx(best[0]["score"])
    other = officer.post(
        "/proposals", json={"tender_id": TENDER, "assignment": assignment_of(best[1])}
    ).json()
    url = f"/proposals/{proposal['id']}"
    assert officer.patch(url, json={"status": "contacted"}).json()["status"] == "contacted"
    skipped = officer.patch(url, json={"status": "won"})
    assert skipped.status_code == 422 and skipped.json()["errors"][0]["field"] == "status"
    assert officer.patch(url, json={}).status_code == 422
    noted = officer.patch(url, json={"note": "Réunion le 3 décembre"}).json()
    assert noted["status"] == "contacted" and noted["events"][-1]["note"].startswith("Réunion")
    assert [e["status"] for e in noted["events"]] == [None, "contacted", None]
    listed = officer.get("/proposals?status=contacted").json()
    assert [p["id"] for p in listed["items"]] == [proposal["id"]] and listed["total"] == 1
    assert officer.get(f"/proposals?tender_id={TENDER}").json()["total"] == 2
    assert officer.get("/proposals/nope").status_code == 404

    # A contacted consortium counts no firm: each firm counts once it has accepted.
    with keyed_client(loaded_store, settings, Role.VIEWER) as viewer:
        assert viewer.get("/programme").json()["firms_reached"] == 0
    members = [m["siren"] for m in proposal["consortium"]["members"]][:2]
    for siren in members:
        accepted = officer.patch(f"{url}/members/{siren}", json={"status": "accepted"})
        assert accepted.status_code == 200, accepted.text
    with keyed_client(loaded_store, settings, Role.VIEWER) as viewer:
        report = viewer.get("/programme").json()
        assert viewer.patch(f"{url}/members/{members[0]}", json={"note": "x"}).status_code == 403
    assert report["target"] == 10 and report["firms_reached"] == len(members)
    assert report["accompanied"] == "accepted"
    assert report["progress"] == pytest.approx(min(1.0, len(members) / 10))
    assert sum(report["reached_by_region"].values()) == len(members)
    assert sum(report["reached_by_maturity"].values()) == len(members)
    assert sum(report["reached_by_sector"].values()) == len(members)
    assert report["by_quarter"][-1]["total"] == len(members)
    assert report["proposals_by_status"]["contacted"] == 1
    assert report["proposals_by_status"]["proposed"] == 1 and report["proposals"] == 2

    assert officer.patch(url, json={"status": "lost"}).json()["status"] == "lost"
    closed = officer.patch(url, json={"status": "contacted"})
    assert closed.status_code == 422 and "closed" in closed.json()["errors"][0]["message"]
    assert officer.get(f"/proposals/{other['id']}").json()["status"] == "proposed"


def test_a_proposal_breaking_a_constraint_is_refused_and_nothing_saved(
    officer: TestClient, loaded_store: GraphStore
) -> None:
    tender = loaded_store.get_tender(TENDER)
    assert tender is not None
    best = assignment_of(consortia_of(officer, 1)[0])
    strict = tender.model_copy(
        update={
            "id": "bouake-strict",
            "constraints": tender.constraints.model_copy(update={"max_members": 1}),
        }
    )
    loaded_store.upsert_tenders([strict])
    response = officer.post("/proposals", json={"tender_id": "bouake-strict", "assignment": best})
    assert response.status_code == 422
    assert any("more than 1" in e["message"] for e in response.json()["errors"])
    assert officer.get("/proposals?tender_id=bouake-strict").json()["total"] == 0


def test_saved_pavilions_and_proposal_exports(
    officer: TestClient, loaded_store: GraphStore, settings: Settings
) -> None:
    request = {**PAVILION_EXAMPLE, "stands": 4}
    saved = officer.post("/pavilions", json=request)
    assert saved.status_code == 201
    pavilion = saved.json()
    assert len(pavilion["result"]["firms"]) == 4 and pavilion["request"]["stands"] == 4
    assert officer.get("/pavilions").json()["items"][0]["id"] == pavilion["id"]
    assert officer.get(f"/pavilions/{pavilion['id']}").json() == pavilion
    assert officer.get("/pavilions/nope").status_code == 404
    sheet = officer.get(f"/pavilions/{pavilion['id']}/export?format=xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == [f["siren"] for f in pavilion["result"]["firms"]]
    assert rows[0][2] == "Raison sociale"

    best = consortia_of(officer, 1)[0]
    proposal = officer.post(
        "/proposals", json={"tender_id": TENDER, "assignment": assignment_of(best)}
    ).json()
    exported = officer.get(f"/proposals/{proposal['id']}/export?format=csv")
    assert exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")
    assert all(m["siren"] in text for m in best["members"])
    brief = officer.get(f"/proposals/{proposal['id']}/brief")
    assert brief.headers["content-type"].startswith("text/html")
    assert best["members"][0]["name"].replace("'", "&#39;") in brief.text
    pdf = officer.get(f"/proposals/{proposal['id']}/brief?format=pdf")
    assert pdf.content.startswith(b"%PDF")

    with keyed_client(loaded_store, settings, Role.VIEWER) as viewer:
        report = viewer.get("/programme").json()
    # Being on a saved shortlist is not being accompanied.
    assert report["firms_reached"] == 0 and report["pavilions"] == 1
