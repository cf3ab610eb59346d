"""Per-member follow-up of proposals, replacing a member who declined, the programme per
quarter and its files, and proposals saved before all this still read, on both stores.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from meute.api.auth import Role
from meute.api.clock import quarter
from meute.api.examples import PAVILION_EXAMPLE
from meute.api.settings import Settings
from meute.graph.store import GraphStore
from tests.conftest import keyed_client
from tests.unit.conftest import TENDER, assignment_of, consortia_of


def _save(officer: TestClient, rank: int = 0, **more: str) -> dict:
    consortium = consortia_of(officer, rank + 1)[rank]
    body = {"tender_id": TENDER, "assignment": assignment_of(consortium), **more}
    response = officer.post("/proposals", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_proposals_have_names_and_each_member_its_own_status(officer: TestClient) -> None:
    named = _save(officer, name="Bouaké, piste bretonne")
    default = _save(officer)
    assert named["name"] == "Bouaké, piste bretonne" and default["name"] == default["tender_title"]
    assert [m["siren"] for m in named["members"]] == [
        m["siren"] for m in named["consortium"]["members"]
    ]
    assert {m["status"] for m in named["members"]} == {"to_contact"}
    url = f"/proposals/{named['id']}"
    renamed = officer.patch(url, json={"name": "Bouaké, plan B"}).json()
    assert renamed["name"] == "Bouaké, plan B" and renamed["events"] == named["events"]

    first, second = (m["siren"] for m in named["members"][:2])
    called = officer.patch(f"{url}/members/{first}", json={"status": "contacted", "note": "Appel"})
    assert called.status_code == 200
    members = {m["siren"]: m for m in called.json()["members"]}
    assert members[first]["status"] == "contacted" and members[second]["status"] == "to_contact"
    assert members[first]["events"][0]["note"] == "Appel" and members[first]["since"]
    # Nothing to change, a firm that is not a member, an unknown proposal.
    assert officer.patch(f"{url}/members/{first}", json={}).status_code == 422
    outsider = officer.patch(f"{url}/members/732829320", json={"status": "accepted"})
    assert outsider.status_code == 422 and outsider.json()["errors"][0]["field"] == "siren"
    assert officer.patch(f"/proposals/nope/members/{first}", json={"note": "x"}).status_code == 404


def test_a_member_who_declined_is_replaced_and_the_others_keep_their_history(
    officer: TestClient,
) -> None:
    consortia = consortia_of(officer, 4)
    proposal = _save(officer)
    url = f"/proposals/{proposal['id']}"
    members = proposal["consortium"]["members"]
    kept, leaving = members[0]["siren"], members[-1]["siren"]
    officer.patch(f"{url}/members/{kept}", json={"status": "accepted", "note": "Partant"})
    # Only a member who declined can be replaced.
    lot = members[-1]["lots"][0]
    mine = assignment_of(consortia[0])
    other = next(c for c in consortia[1:] if assignment_of(c)[lot] != mine[lot])
    replacement = assignment_of(other)[lot]
    early = officer.post(f"{url}/members/{leaving}/replacement", json={"replacement": replacement})
    assert early.status_code == 422
    officer.patch(f"{url}/members/{leaving}", json={"status": "declined", "note": "Pas dispo"})
    bad = officer.post(f"{url}/members/{leaving}/replacement", json={"replacement": "123"})
    assert bad.status_code == 422
    replaced = officer.post(
        f"{url}/members/{leaving}/replacement", json={"replacement": replacement}
    )
    assert replaced.status_code == 200, replaced.text
    after = replaced.json()
    current = [m["siren"] for m in after["consortium"]["members"]]
    assert leaving not in current and replacement in current
    follow = {(m["siren"], m["replaced_by"]): m for m in after["members"]}
    gone = follow[(leaving, None if leaving == replacement else replacement)]
    assert gone["status"] == "declined" and gone["events"][-1]["note"] == "Pas dispo"
    assert follow[(kept, None)]["status"] == "accepted"
    assert follow[(kept, None)]["events"][0]["note"] == "Partant"
    assert follow[(replacement, None)]["status"] == "to_contact"
    assert after["consortium"]["score"] != pytest.approx(proposal["consortium"]["score"])
    assert gone["replaced_at"] and after["events"] == proposal["events"]
    # The firm replaced is no longer followed.
    again = officer.patch(f"{url}/members/{leaving}", json={"status": "accepted"})
    assert again.status_code == 422


def test_programme_counts_a_firm_once_it_accepted_per_quarter_with_files(
    officer: TestClient, loaded_store: GraphStore, settings: Settings
) -> None:
    first, second = _save(officer), _save(officer, 1)
    shared = {m["siren"] for m in first["members"]} & {m["siren"] for m in second["members"]}
    sirens = [m["siren"] for m in first["members"]]
    officer.patch(f"/proposals/{first['id']}/members/{sirens[0]}", json={"status": "accepted"})
    officer.patch(f"/proposals/{first['id']}/members/{sirens[1]}", json={"status": "contacted"})
    for siren in shared:  # accepted twice, counted once
        officer.patch(f"/proposals/{second['id']}/members/{siren}", json={"status": "accepted"})
    accepted = {sirens[0], *shared}
    with keyed_client(loaded_store, settings, Role.VIEWER) as viewer:
        report = viewer.get("/programme").json()
        workbook = viewer.get("/programme/export?format=xlsx")
        pdf = viewer.get("/programme/export?format=pdf")
    assert report["firms_reached"] == len(accepted)
    now = quarter(dt.datetime.now(dt.UTC))
    assert report["by_quarter"] == [
        {"quarter": now, "firms": len(accepted), "total": len(accepted)}
    ]
    sheets = load_workbook(io.BytesIO(workbook.content))
    assert workbook.headers["content-disposition"].startswith("attachment")
    rows = list(sheets["Par trimestre"].iter_rows(values_only=True))
    year, number = now.split("-")
    assert rows[1] == (f"{number} {year}", len(accepted), len(accepted))
    assert "accepté" in str(
        dict(sheets["Synthèse"].iter_rows(values_only=True))["Règle de comptage"]
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"{number} {year}" in text and "Par trimestre" in text

    contacted = settings.model_copy(update={"programme_accompanied": "contacted"})
    with keyed_client(loaded_store, contacted, Role.VIEWER) as viewer:
        assert viewer.get("/programme").json()["firms_reached"] == len(accepted | {sirens[1]})
    with keyed_client(loaded_store, settings, Role.SME, sirens[0]) as sme:
        assert sme.get("/programme/export?format=pdf").status_code == 403


def test_proposals_and_pavilions_saved_before_follow_up_still_read(
    officer: TestClient, loaded_store: GraphStore, settings: Settings
) -> None:
    """Records written by the previous version (status per consortium, no names)."""
    shown = consortia_of(officer, 1)[0]
    # The API's display fields (out of 100, decisive terms) are never part of a stored record.
    consortium = {
        key: value
        for key, value in shown.items()
        if key not in {"score_100", "breakdown_100", "decisive_terms"}
    }
    old = {
        "id": "old000000001",
        "tender_id": TENDER,
        "tender_title": "Hôpital de Bouaké",
        "consortium": consortium,
        "status": "lost",
        "created_at": "2025-05-02T08:00:00Z",
        "created_by": "Claire",
        "events": [
            {"at": "2025-05-03T08:00:00Z", "author": "Claire", "status": "contacted"},
            {"at": "2025-08-20T08:00:00Z", "author": "Claire", "status": "formed"},
            {"at": "2025-09-01T08:00:00Z", "author": "Claire", "status": "lost"},
        ],
    }
    fresh = {**old, "id": "old000000002", "status": "proposed", "events": []}
    loaded_store.put_record("proposal", old["id"], json.dumps(old))
    loaded_store.put_record("proposal", fresh["id"], json.dumps(fresh))
    read = officer.get(f"/proposals/{old['id']}").json()
    assert read["name"] == "Hôpital de Bouaké" and read["status"] == "lost"
    # A formed consortium's firms had accepted: inferred, and dated by the move to formed.
    assert {(m["status"], m["inferred"]) for m in read["members"]} == {("accepted", True)}
    assert {m["since"] for m in read["members"]} == {"2025-08-20T08:00:00Z"}
    untouched = officer.get(f"/proposals/{fresh['id']}").json()
    assert {(m["status"], m["inferred"]) for m in untouched["members"]} == {("to_contact", False)}
    siren = read["members"][0]["siren"]
    moved = officer.patch(f"/proposals/{old['id']}/members/{siren}", json={"status": "declined"})
    assert moved.status_code == 200
    stored = json.loads(loaded_store.get_record("proposal", old["id"]) or "{}")
    assert [m["inferred"] for m in stored["members"]][:1] == [False]

    with keyed_client(loaded_store, settings, Role.VIEWER) as viewer:
        report = viewer.get("/programme").json()
    members = len(consortium["members"])
    assert report["firms_reached"] == members - 1
    assert [q["quarter"] for q in report["by_quarter"]][:2] == ["2025-T3", "2025-T4"]
    assert report["by_quarter"][0]["firms"] == members - 1

    pavilion = officer.post("/pavilions", json={**PAVILION_EXAMPLE, "stands": 3}).json()
    legacy = {k: v for k, v in pavilion.items() if k not in ("name", "updated_at", "updated_by")}
    loaded_store.put_record(
        "pavilion", "oldpavilion1", json.dumps({**legacy, "id": "oldpavilion1"})
    )
    assert officer.get("/pavilions/oldpavilion1").json()["name"] == pavilion["request"]["fair"]
