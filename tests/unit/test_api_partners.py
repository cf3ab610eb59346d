"""``GET|POST /firms/{siren}/partners`` through FastAPI's TestClient, on the embedded store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from meute.api.examples import TENDER_EXAMPLE
from meute.graph.embedded import EmbeddedStore
from tests.unit.factories import valid_siren


@pytest.fixture
def siren(showcase_store: EmbeddedStore) -> str:
    return showcase_store.list_firms(limit=1)[0].siren


def test_partners_in_general(client: TestClient, siren: str) -> None:
    response = client.get(f"/firms/{siren}/partners?top=3")
    assert response.status_code == 200
    body = response.json()
    assert body["siren"] == siren and body["tender_id"] is None
    assert len(body["partners"]) == 3
    assert all({"siren", "name", "score", "why"} <= set(p) for p in body["partners"])


def test_partners_for_a_tender(client: TestClient, siren: str) -> None:
    response = client.post(f"/firms/{siren}/partners?top=5", json=TENDER_EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert body["tender_id"] == TENDER_EXAMPLE["id"] and len(body["partners"]) == 5
    assert all(p["why"].startswith("Fits lot ") for p in body["partners"])


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("get", f"/firms/{valid_siren(4242)}/partners", None, 404, "siren"),
        ("post", f"/firms/{valid_siren(4242)}/partners", TENDER_EXAMPLE, 404, "siren"),
        ("get", "/firms/12345/partners", None, 422, "siren"),
        ("get", "/firms/{siren}/partners?top=0", None, 422, "query.top"),
        ("post", "/firms/{siren}/partners", {**TENDER_EXAMPLE, "lots": []}, 422, "lots"),
    ],
)
def test_bad_requests_are_problems(
    client: TestClient,
    siren: str,
    method: str,
    path: str,
    body: object,
    status: int,
    field: str,
) -> None:
    response = client.request(method, path.format(siren=siren), json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {error["field"] for error in response.json()["errors"]}


def test_openapi_lists_the_partner_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/firms/{siren}/partners"]) == {"get", "post"}
