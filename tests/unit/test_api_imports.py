"""Imports through the API run as jobs with a status endpoint, on both stores."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from meute.api.examples import FIRM_EXAMPLE
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from meute.graph.store import GraphStore
from tests.conftest import keyed_client
from tests.neo4j_server import open_test_store
from tests.unit.factories import valid_siren

DECP = Path(__file__).resolve().parents[2] / "fixtures" / "decp"
TED = Path(__file__).resolve().parents[2] / "fixtures" / "ted"


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def officer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    store: GraphStore = (
        EmbeddedStore(tmp_path / "data") if request.param == "embedded" else open_test_store()
    )
    with store, keyed_client(store, Settings(data_dir=tmp_path / "data")) as client:
        yield client


def _wait(client: TestClient, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/imports/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_json_import_runs_as_a_job_and_reports(officer: TestClient) -> None:
    firms = [{**FIRM_EXAMPLE, "siren": valid_siren(n), "name": f"Firme {n}"} for n in range(3)]
    accepted = officer.post("/imports", json={"firms": firms})
    assert accepted.status_code == 202
    job = accepted.json()
    assert job["status"] in ("queued", "running", "done") and job["items_total"] == 3
    finished = _wait(officer, job["id"])
    assert finished["status"] == "done" and finished["items_done"] == 3
    assert finished["report"]["created"] == 3 and finished["report"]["rejected"] == []
    assert officer.get("/firms").json()["total"] == 3
    again = _wait(officer, officer.post("/imports", json={"firms": firms}).json()["id"])
    assert again["report"]["unchanged"] == 3
    assert [j["id"] for j in officer.get("/imports").json()] == [again["id"], job["id"]]


def test_a_bad_document_is_refused_before_any_job(officer: TestClient) -> None:
    bad = [{**FIRM_EXAMPLE, "siren": valid_siren(1)}, {**FIRM_EXAMPLE, "siren": "123456789"}]
    response = officer.post("/imports", json={"firms": bad})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("firms[1].siren")
    assert officer.get("/imports").json() == []
    assert officer.get("/firms").json()["total"] == 0
    assert officer.get("/imports/nope").status_code == 404


def test_decp_upload_imports_firms_and_a_wrong_file_fails_the_job(officer: TestClient) -> None:
    archive = sorted(DECP.glob("*.zip"))[0]
    with archive.open("rb") as handle:
        accepted = officer.post("/imports/decp", files=[("files", (archive.name, handle))])
    assert accepted.status_code == 202
    job = _wait(officer, accepted.json()["id"])
    assert job["status"] == "done" and job["report"]["created"] > 500
    assert job["items_done"] == job["items_total"] == job["report"]["created"]
    assert officer.get("/firms").json()["total"] > 300
    wrong = officer.post("/imports/decp", files=[("files", ("notes.json", b'{"hello": 1}'))])
    failed = _wait(officer, wrong.json()["id"])
    assert failed["status"] == "failed" and "notes.json" in failed["error"] + str(failed["errors"])


def test_ted_upload_imports_one_tender_per_notice_and_a_wrong_file_fails(
    officer: TestClient,
) -> None:
    sample = TED / "2019_split" / "AT.csv.gz"
    with sample.open("rb") as handle:
        accepted = officer.post("/imports/ted", files=[("files", (sample.name, handle))])
    assert accepted.status_code == 202
    job = _wait(officer, accepted.json()["id"])
    assert job["status"] == "done" and job["report"]["created"] > 300
    assert job["items_done"] == job["items_total"] == job["report"]["created"]
    tender = officer.get("/tenders/ted-2019578640").json()
    assert tender["source"] == "ted" and tender["country"] == "AT"
    assert tender["notice"]["url"].startswith("https://ted.europa.eu/")
    with sample.open("rb") as handle:
        again = officer.post("/imports/ted", files=[("files", (sample.name, handle))])
    report = _wait(officer, again.json()["id"])["report"]
    assert (report["created"], report["unchanged"]) == (0, job["report"]["created"])
    wrong = officer.post("/imports/ted", files=[("files", ("awards.csv", b"a,b\n1,2\n"))])
    failed = _wait(officer, wrong.json()["id"])
    assert failed["status"] == "failed" and "awards.csv" in failed["error"]
    assert "ID_NOTICE_CAN" in str(failed["errors"])
