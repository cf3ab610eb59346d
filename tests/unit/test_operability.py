"""What an operator relies on: health and readiness, request ids, logs, problem bodies for every
error, and an OpenAPI document that declares the security schemes and the problem responses.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from meute.api.app import create_app
from meute.api.logs import configure_logging
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from meute.scoring.text import TextModel
from tests.conftest import keyed_client

SHOWCASE = Path(__file__).resolve().parents[2] / "fixtures" / "showcase"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _default_logging() -> Iterator[None]:
    yield
    configure_logging()  # back to text on the real stderr for the next tests


def _wait_ready(client: TestClient) -> dict[str, object]:
    for _ in range(600):
        response = client.get("/health/ready")
        if response.status_code == 200:
            body: dict[str, object] = response.json()
            return body
        time.sleep(0.05)
    raise AssertionError("never ready")


def test_health_answers_before_the_store_is_loaded(
    showcase_store: EmbeddedStore, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    monkeypatch.setattr("meute.api.app.text_model", lambda: release.wait(30))
    with TestClient(create_app(showcase_store, Settings(data_dir=data_dir))) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["ready"] is False
        assert health["store"] == "EmbeddedStore"
        waiting = client.get("/health/ready")
        assert waiting.status_code == 503
        assert waiting.headers["content-type"] == PROBLEM
        assert waiting.json()["title"] == "Not ready"
        release.set()
        assert _wait_ready(client)["firms"] == showcase_store.count_firms()
        assert client.get("/health").json()["ready"] is True


def test_health_names_the_configured_store_without_credentials(data_dir: Path) -> None:
    with TestClient(create_app(settings=Settings(data_dir=data_dir))) as client:
        assert client.get("/health").json()["store"] == f"embedded store at {data_dir}"
    settings = Settings(graph="neo4j", neo4j_uri="neo4j+s://neo4j:secret@db.example:7687")
    assert settings.store_name() == "Neo4j store at neo4j+s://db.example:7687, database neo4j"


def test_request_ids_are_echoed_and_in_problem_bodies(client: TestClient) -> None:
    response = client.get("/firms/123456789", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 422
    assert response.headers["x-request-id"] == "trace-42"
    assert response.json()["request_id"] == "trace-42"
    fresh = client.get("/nowhere")
    assert fresh.json()["request_id"] == fresh.headers["x-request-id"]
    assert len(fresh.headers["x-request-id"]) == 32
    # an id that could forge log lines is replaced
    forged = client.get("/health", headers={"X-Request-ID": "a b\nc"})
    assert forged.headers["x-request-id"] != "a b\nc"


def test_404_405_and_500_are_problems(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = client.get("/no/such/path")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
    assert missing.json()["detail"] == "nothing is served at /no/such/path"
    wrong = client.delete("/tenders")
    assert (wrong.status_code, wrong.headers["content-type"]) == (405, PROBLEM)
    assert "GET" in wrong.headers["allow"]

    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(EmbeddedStore, "list_tenders", broken)
    failed = client.get("/tenders")
    assert (failed.status_code, failed.headers["content-type"]) == (500, PROBLEM)
    assert "disk on fire" not in failed.text  # no internals leak to the caller
    assert failed.json()["request_id"] == failed.headers["x-request-id"]


def test_an_unknown_console_address_is_a_french_page(client: TestClient) -> None:
    response = client.get("/console/nulle-part")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Introuvable" in response.text and "cette page" in response.text


def test_json_logs_carry_the_request_id_latency_and_tracebacks(
    showcase_store: EmbeddedStore,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(data_dir=data_dir, log_format="json", slow_match_ms=0.001)
    with keyed_client(showcase_store, settings) as client:
        capsys.readouterr()
        configure_logging("json", "INFO", 0.001)  # onto the stderr pytest captures now
        _wait_ready(client)
        client.get("/health", headers={"X-Request-ID": "probe-1"})

        def broken(*_: object) -> None:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(EmbeddedStore, "list_tenders", broken)
        client.get("/tenders", headers={"X-Request-ID": "probe-2"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    access = [line for line in lines if line["message"] == "request"]
    health = next(line for line in access if line["request_id"] == "probe-1")
    assert health["path"] == "/health" and health["status"] == 200
    assert isinstance(health["latency_ms"], float)
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == "probe-2"
    assert "RuntimeError: disk on fire" in error["traceback"]


def test_slow_matches_are_logged_with_their_timings(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("json", "INFO", 0.001)
    tender = json.loads((SHOWCASE / "tenders" / "bouake-hospital.json").read_text())
    assert client.post("/match?top=2", json=tender).status_code == 200
    slow = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if '"slow match"' in line
    ]
    assert len(slow) == 1
    assert slow[0]["tender"] == "bouake-hospital" and slow[0]["lots"] == 3
    parts = {"retrieval_ms", "shortlist_ms", "text_model_ms", "problem_ms", "solve_ms"}
    assert parts <= set(slow[0])
    assert slow[0]["total_ms"] >= max(slow[0][part] for part in parts)


def test_a_first_matchs_model_fitting_is_not_a_slow_match(
    client: TestClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The process's first match fits the text model (seconds): a one-off, shown in the
    # breakdown of a slow match but not counted against the threshold.
    import meute.api.service as service

    fitted = service.text_model()

    def first_fit() -> TextModel:
        time.sleep(1.5)
        return fitted

    monkeypatch.setattr(service, "text_model", first_fit)
    tender = json.loads((SHOWCASE / "tenders" / "bouake-hospital.json").read_text())
    configure_logging("json", "INFO", 1_000)
    assert client.post("/match?top=2", json=tender).status_code == 200
    assert '"slow match"' not in capsys.readouterr().err
    configure_logging("json", "INFO", 0.001)
    assert client.post("/match?top=2", json=tender).status_code == 200
    slow = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "slow" in line]
    assert len(slow) == 1 and slow[0]["text_model_ms"] >= 1_500


def test_text_logs_are_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    from meute.api.logs import logger

    configure_logging("text")
    configure_logging("text")  # configured twice, still logged once
    logger.info("hello", extra={"job": "abc"})
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].endswith("INFO meute hello job=abc")


def test_openapi_declares_the_security_schemes_and_problem_responses() -> None:
    spec = create_app(EmbeddedStore(None)).openapi()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <API key>",
    }
    assert schemes["apiKey"]["in"] == "header" and schemes["apiKey"]["name"] == "X-API-Key"
    assert schemes["consoleCookie"]["in"] == "cookie"
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            public = path.startswith("/health")
            expected = {"404", "422"} if public else {"401", "403", "404", "422"}
            if public:
                assert "security" not in operation
            else:
                names = {name for requirement in operation["security"] for name in requirement}
                assert names == {"bearer", "apiKey", "consoleCookie"}, (method, path)
            for status in expected:
                content = operation["responses"][status]["content"]
                assert content == {
                    PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
                }, (method, path, status)


def test_import_jobs_log_start_progress_and_failure_with_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from meute.api.jobs import JobProgress, JobRunner, new_job_id
    from meute.graph.store import ImportReport

    configure_logging("json")

    def works(progress: JobProgress) -> ImportReport:
        progress.advance(5)
        progress.advance(5)
        return ImportReport(created=10)

    def fails(progress: JobProgress) -> ImportReport:
        progress.advance(1)
        raise OSError("disk full")

    store = EmbeddedStore()
    runner = JobRunner(lambda: store, tmp_path / "imports")
    done = runner.submit(new_job_id(), "ten firms", "json", 10, works)
    failed = runner.submit(new_job_id(), "broken", "json", 10, fails)
    for _ in range(600):
        if runner.get(failed.id).status == "failed":
            break
        time.sleep(0.05)
    runner.shutdown()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    mine = [(line["job"], line["message"]) for line in lines]
    assert (done.id, "import job started") in mine
    assert (done.id, "import job progress") in mine
    assert (done.id, "import job done: created 10, updated 0, unchanged 0, rejected 0") in mine
    failure = next(line for line in lines if line["message"] == "import job failed")
    assert failure["job"] == failed.id and "OSError: disk full" in failure["traceback"]
    assert runner.get(failed.id).error == "OSError: disk full"
