"""Limits before work: oversized, unauthenticated, too deep or bomb-like requests are refused
with problem+json (413/422/401) before the work they would cause. On both stores.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from meute.api.examples import FIRM_EXAMPLE, TENDER_EXAMPLE
from meute.api.settings import LimitSettings, Settings
from meute.graph.store import GraphStore
from tests.conftest import keyed_client

JSON = {"content-type": "application/json"}
LIMITS = LimitSettings(body_bytes=100_000, import_bytes=200_000, upload_bytes=1_000_000)


@pytest.fixture
def officer(loaded: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", limits=LIMITS)
    with keyed_client(loaded, settings) as client:
        yield client


def _problem(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def _chunks(size: int, chunk: int = 10_000) -> Iterator[bytes]:
    for _ in range(size // chunk):
        yield b" " * chunk


def test_a_body_over_the_route_limit_is_refused_with_413(officer: TestClient) -> None:
    _problem(officer.post("/tenders", content=b" " * 100_001, headers=JSON), 413)
    _problem(officer.post("/tenders", content=_chunks(200_000), headers=JSON), 413)
    imports = officer.post("/imports", content=b" " * 150_000, headers=JSON)
    assert imports.status_code == 422  # within the larger import limit: parsed, then invalid
    _problem(officer.post("/imports", content=b" " * 200_001, headers=JSON), 413)
    multipart = {"content-type": "multipart/form-data; boundary=x"}
    _problem(officer.post("/imports/decp", content=_chunks(1_100_000), headers=multipart), 413)
    assert officer.get("/tenders").status_code == 200


def test_no_key_no_body_read(officer: TestClient) -> None:
    read = 0

    def body() -> Iterator[bytes]:
        nonlocal read
        for chunk in _chunks(50_000):
            read += len(chunk)
            yield chunk

    anonymous = {"content-type": "multipart/form-data; boundary=x", "authorization": ""}
    response = officer.post("/imports/decp", content=body(), headers=anonymous)
    assert _problem(response, 401)["detail"] == "an API key is required"
    assert read <= 10_000  # at most the first chunk, sent before the answer was read
    wrong = {**JSON, "authorization": "Bearer meute_000000000000_" + "x" * 43}
    _problem(officer.post("/tenders", json=TENDER_EXAMPLE, headers=wrong), 401)


def test_deeply_nested_json_is_a_problem(officer: TestClient) -> None:
    body = _problem(officer.post("/tenders", content=b"[" * 20_000, headers=JSON), 422)
    assert body["errors"]
    _problem(officer.post("/firms", content=b"{" * 50, headers=JSON), 422)


def test_lists_are_bounded_by_the_models(officer: TestClient) -> None:
    lots = [{**TENDER_EXAMPLE["lots"][0], "id": f"L{i}"} for i in range(31)]
    body = _problem(officer.post("/tenders", json={**TENDER_EXAMPLE, "lots": lots}), 422)
    assert "lots" in [error["field"] for error in body["errors"]]
    tender = {**TENDER_EXAMPLE, "constraints": {"must_include": ["552081317"] * 51}}
    body = _problem(officer.post("/tenders", json=tender), 422)
    assert "constraints.must_include" in [error["field"] for error in body["errors"]]
    firms = [FIRM_EXAMPLE] * 10_001
    with_room = Settings(limits=LimitSettings(body_bytes=100_000_000))
    officer.app.state.settings = with_room  # type: ignore[attr-defined]
    body = _problem(officer.post("/firms", json=firms), 422)
    assert body["errors"][0]["message"].startswith("List should have at most 10000 items")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"decp.json": b" " * 5_000_000}, "expands"),  # ratio ~1000, a zip bomb
        ({f"{i}.json": b"{}" for i in range(101)}, "members"),
    ],
)
def test_zip_bombs_are_refused_before_extraction(
    officer: TestClient, members: dict[str, bytes], reason: str
) -> None:
    files = {"files": ("decp.zip", _zip(members), "application/zip")}
    body = _problem(officer.post("/imports/decp", files=files), 422)
    assert body["errors"][0]["field"] == "files[0]"
    assert reason in body["errors"][0]["message"]
    assert officer.get("/imports").json() == []
