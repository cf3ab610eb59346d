"""Keys and roles: 401 and 403 for every endpoint and role, and what an SME may see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from meute.api.app import create_app
from meute.api.auth import Role, authenticate, create_key, list_keys, revoke_key
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import InvalidInput, NotFound
from tests.conftest import keyed_client

OFFICER, SME, VIEWER = Role.OFFICER, Role.SME, Role.VIEWER
# Who may call what; every API route must be listed (a new one fails the test until it is).
POLICY: dict[tuple[str, str], set[Role]] = {
    ("GET", "/firms"): {OFFICER, SME},
    ("POST", "/firms"): {OFFICER},
    ("GET", "/firms/{siren}"): {OFFICER, SME},
    ("PATCH", "/firms/{siren}"): {OFFICER},
    ("GET", "/firms/{siren}/partners"): {OFFICER, SME},
    ("POST", "/firms/{siren}/partners"): {OFFICER, SME},
    ("GET", "/tenders"): {OFFICER, SME},
    ("POST", "/tenders"): {OFFICER},
    ("GET", "/tenders/{tender_id}"): {OFFICER, SME},
    ("GET", "/tenders/{tender_id}/consortia"): {OFFICER},
    ("POST", "/tenders/{tender_id}/consortia/evaluate"): {OFFICER},
    ("POST", "/match"): {OFFICER},
    ("GET", "/cpv/suggest"): {OFFICER, SME},
    ("POST", "/proposals"): {OFFICER},
    ("GET", "/proposals"): {OFFICER},
    ("GET", "/proposals/{proposal_id}"): {OFFICER},
    ("PATCH", "/proposals/{proposal_id}"): {OFFICER},
    ("PATCH", "/proposals/{proposal_id}/members/{siren}"): {OFFICER},
    ("POST", "/proposals/{proposal_id}/members/{siren}/replacement"): {OFFICER},
    ("GET", "/programme"): {OFFICER, VIEWER},
    ("GET", "/programme/export"): {OFFICER, VIEWER},
    ("POST", "/imports"): {OFFICER},
    ("POST", "/imports/decp"): {OFFICER},
    ("POST", "/imports/sirene"): {OFFICER},
    ("POST", "/imports/ted"): {OFFICER},
    ("GET", "/imports"): {OFFICER},
    ("GET", "/imports/{job_id}"): {OFFICER},
    ("POST", "/imports/{job_id}/retry"): {OFFICER},
    ("POST", "/pavilions/shortlist"): {OFFICER},
    ("POST", "/pavilions"): {OFFICER},
    ("GET", "/pavilions"): {OFFICER},
    ("GET", "/pavilions/{pavilion_id}"): {OFFICER},
    ("GET", "/pavilions/{pavilion_id}/export"): {OFFICER},
    ("GET", "/proposals/{proposal_id}/export"): {OFFICER},
    ("GET", "/proposals/{proposal_id}/brief"): {OFFICER},
    ("POST", "/pavilions/shortlist/export"): {OFFICER},
    ("GET", "/tenders/{tender_id}/consortia/export"): {OFFICER},
    ("GET", "/tenders/{tender_id}/consortia/{rank}/brief"): {OFFICER},
}
PUBLIC = {("GET", "/health"), ("GET", "/health/ready")}


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


@pytest.fixture
def sme_siren(showcase_store: EmbeddedStore) -> str:
    return showcase_store.list_firms(limit=1)[0].siren


@pytest.fixture
def tokens(showcase_store: EmbeddedStore, sme_siren: str) -> dict[str, str]:
    made = {
        role.value: create_key(
            showcase_store, role, f"{role} holder", sme_siren if role is SME else None
        )[1]
        for role in Role
    }
    revoked, token = create_key(showcase_store, OFFICER, "former officer")
    revoke_key(showcase_store, revoked.id)
    made["revoked"] = token
    made["forged"] = token[:-4] + "AAAA"
    return made


@pytest.fixture
def anonymous(showcase_store: EmbeddedStore, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(showcase_store, settings)) as client:
        yield client


def _api_routes(client: TestClient) -> set[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def _call(client: TestClient, method: str, path: str, siren: str, token: str | None) -> int:
    url = re.sub(r"\{siren\}", siren, path)
    url = url.replace("{tender_id}", "bouake-hospital")
    url = url.replace("{proposal_id}", "nope").replace("{job_id}", "nope").replace("{rank}", "1")
    url = url.replace("{pavilion_id}", "nope")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"text": "hôpital"} if path == "/cpv/suggest" else {}
    body = {} if method in {"POST", "PATCH"} else None
    return client.request(method, url, headers=headers, params=params, json=body).status_code


def test_every_api_route_has_a_policy(anonymous: TestClient) -> None:
    assert _api_routes(anonymous) == set(POLICY) | PUBLIC


def test_401_without_a_valid_key_on_every_endpoint(
    anonymous: TestClient, tokens: dict[str, str], sme_siren: str
) -> None:
    for method, path in POLICY:
        for token in (None, "not-a-key", tokens["revoked"], tokens["forged"]):
            status = _call(anonymous, method, path, sme_siren, token)
            assert status == 401, (method, path, token)
    response = anonymous.get("/firms")
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["field"] == "authorization"
    assert anonymous.get("/health").status_code == 200


def test_403_for_every_role_outside_the_policy(
    anonymous: TestClient, tokens: dict[str, str], sme_siren: str
) -> None:
    for (method, path), allowed in POLICY.items():
        for role in Role:
            status = _call(anonymous, method, path, sme_siren, tokens[role.value])
            if role in allowed:
                assert status not in (401, 403), (method, path, role)
            else:
                assert status == 403, (method, path, role)


def test_sme_sees_itself_in_full_and_others_as_public_profiles(
    showcase_store: EmbeddedStore, settings: Settings, sme_siren: str
) -> None:
    with keyed_client(showcase_store, settings, SME, sme_siren) as client:
        own = client.get(f"/firms/{sme_siren}").json()
        assert "turnover_eur" in own and "contact_email" in own
        page = client.get("/firms?limit=50").json()["items"]
        others = [f for f in page if f["siren"] != sme_siren]
        assert others and all(
            "turnover_eur" not in f and "contact_email" not in f and "export_share" not in f
            for f in others
        )
        assert all("capabilities" in f and "is_sme" in f for f in others)
        other = others[0]["siren"]
        assert "turnover_eur" not in client.get(f"/firms/{other}").json()
        assert client.get(f"/firms/{sme_siren}/partners?top=3").status_code == 200
        refused = client.get(f"/firms/{other}/partners")
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["field"] == "siren"
    with keyed_client(showcase_store, settings) as officer:
        assert "turnover_eur" in officer.get(f"/firms/{other}").json()


def test_keys_are_hashed_at_rest_and_revocation_is_final(
    showcase_store: EmbeddedStore, data_dir: Path
) -> None:
    key, token = create_key(showcase_store, VIEWER, "steering committee")
    assert authenticate(showcase_store, token) is not None
    stored = (data_dir / "records.json").read_text(encoding="utf-8")
    assert token not in stored and token.split("_", 2)[2] not in stored and key.sha256 in stored
    revoke_key(showcase_store, key.id)
    assert authenticate(showcase_store, token) is None
    assert [k.revoked_at is not None for k in list_keys(showcase_store) if k.id == key.id] == [True]
    with pytest.raises(NotFound):
        revoke_key(showcase_store, "000000000000")


def test_key_creation_validates_role_and_firm(showcase_store: EmbeddedStore) -> None:
    with pytest.raises(InvalidInput) as raised:
        create_key(showcase_store, SME, "no firm")
    assert raised.value.problems[0].field == "siren"
    with pytest.raises(NotFound):
        create_key(showcase_store, SME, "unknown firm", "732829320")
    with pytest.raises(InvalidInput) as raised:
        create_key(showcase_store, SME, "bad siren", "123")
    assert raised.value.problems[0].field == "siren"
    with pytest.raises(InvalidInput):
        create_key(showcase_store, OFFICER, "officer with firm", "732829320")
    with pytest.raises(InvalidInput) as raised:
        create_key(showcase_store, OFFICER, "   ")
    assert raised.value.problems[0].field == "name"
