"""A server killed (SIGKILL) during an import job comes back knowing the job was interrupted
and what it wrote; a retry completes to the same totals as a clean import. On both stores.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from meute.api.auth import Role, create_key
from meute.api.service import ImportDocument, import_document
from meute.graph.embedded import EmbeddedStore
from meute.graph.store import GraphStore
from meute.graph.synth import generate
from tests.neo4j_server import open_test_store
from tests.server_process import ServerProcess


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The server's environment for each store (the store emptied first)."""
    data_dir = tmp_path / "data"
    env = {"MEUTE_DATA_DIR": str(data_dir), "MEUTE_GRAPH": request.param}
    if request.param == "neo4j":
        open_test_store().close()  # wiped
        env["MEUTE_NEO4J_URI"] = os.environ.get("MEUTE_NEO4J_URI", "")
    yield env


def _store(env: dict[str, str]) -> GraphStore:
    if env["MEUTE_GRAPH"] == "neo4j":
        from meute.graph.neo4j_store import Neo4jStore

        return Neo4jStore(
            env["MEUTE_NEO4J_URI"],
            os.environ.get("MEUTE_NEO4J_USER", "neo4j"),
            os.environ.get("MEUTE_NEO4J_PASSWORD", ""),
        )
    return EmbeddedStore(Path(env["MEUTE_DATA_DIR"]))


def _poll(server: ServerProcess, key: str, job_id: str, until: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{server.url}/imports/{job_id}", headers=key_header(key), timeout=10)
        if until(job.json()):
            return job.json()
        time.sleep(0.1)
    raise AssertionError(f"job {job_id}: never reached the state wanted")


def key_header(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_killed_import_is_interrupted_then_retried_to_the_same_totals(
    backend: dict[str, str], tmp_path: Path
) -> None:
    firms, collaborations = generate(22_000, seed=1)
    document = ImportDocument(firms=firms, collaborations=collaborations)
    with _store(backend) as store:
        _, key = create_key(store, Role.OFFICER, "test officer")
    server = ServerProcess(backend, tmp_path / "server.log")
    server.start()
    try:
        body = document.model_dump_json(by_alias=True)
        accepted = httpx.post(
            f"{server.url}/imports",
            content=body,
            headers={**key_header(key), "content-type": "application/json"},
            timeout=120,
        )
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["id"]
        _poll(server, key, job_id, lambda job: job["items_done"] > 0, 120)
        server.kill()
        server.start()
        job = httpx.get(f"{server.url}/imports/{job_id}", headers=key_header(key)).json()
        assert job["status"] == "interrupted", job
        assert 0 < job["items_done"] < job["items_total"] == document.size()
        assert str(job["items_done"]) in job["error"]
        assert job_id in [
            j["id"] for j in httpx.get(f"{server.url}/imports", headers=key_header(key)).json()
        ]
        retried = httpx.post(f"{server.url}/imports/{job_id}/retry", headers=key_header(key))
        assert retried.status_code == 202 and retried.json()["attempts"] == 2
        done = _poll(server, key, job_id, lambda job: job["status"] in ("done", "failed"), 300)
        assert done["status"] == "done", done
        again = httpx.post(f"{server.url}/imports/{job_id}/retry", headers=key_header(key))
        assert again.status_code == 422
    finally:
        server.stop()
    clean = EmbeddedStore(None)
    clean_report = import_document(clean, document)
    report = done["report"]
    assert done["items_done"] == done["items_total"] == document.size()
    assert report["created"] + report["unchanged"] + report["updated"] == (
        clean_report.created + clean_report.unchanged + clean_report.updated
    )
    assert report["unchanged"] > 0  # what the killed run had written was found, not redone
    sirens = [firm.siren for firm in firms]
    with _store(backend) as store:
        assert store.count_firms() == clean.count_firms() == len(firms)
        assert len(store.collaborations_of(sirens)) == len(clean.collaborations_of(sirens))
        assert not list(Path(backend["MEUTE_DATA_DIR"], "imports").glob(f"{job_id}*"))
