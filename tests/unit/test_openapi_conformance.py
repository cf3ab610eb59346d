"""An OpenAPI-driven check: every operation, called by every kind of caller with good, empty and
bad inputs, answers only status codes and media types that its OpenAPI document declares.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from meute.api.app import create_app
from meute.api.keys import Role, create_key
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore

# Values for path parameters: a stored one first, then unknown and ill-formed ones.
PATH_VALUES = {
    "tender_id": ["bouake-hospital", "no-such-tender", "%20bad%20id"],
    "rank": ["1", "999", "zero"],
    "proposal_id": ["nope"],
    "pavilion_id": ["nope"],
    "job_id": ["nope"],
}


@pytest.fixture
def spec_and_clients(
    showcase_store: EmbeddedStore, data_dir: Path
) -> Iterator[tuple[dict[str, Any], dict[str, TestClient], str]]:
    siren = showcase_store.list_firms(limit=1)[0].siren
    tokens = {
        role.value: create_key(
            showcase_store, role, f"{role} holder", siren if role is Role.SME else None
        )[1]
        for role in Role
    }
    with TestClient(create_app(showcase_store, Settings(data_dir=data_dir))) as anonymous:
        clients = {"anonymous": anonymous}
        for role, token in tokens.items():
            client = TestClient(anonymous.app)
            client.headers["Authorization"] = f"Bearer {token}"
            clients[role] = client
        yield anonymous.get("/openapi.json").json(), clients, siren


def _urls(path: str, siren: str) -> list[str]:
    values = {**PATH_VALUES, "siren": [siren, "552081317", "123456789", "abc"]}
    names = re.findall(r"\{(\w+)\}", path)
    urls = [path]
    for name in names:
        urls = [url.replace(f"{{{name}}}", value) for url in urls for value in values[name][:3]]
    return urls[:6]


def _bodies(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """Keyword arguments for the request: no body, an empty one, a wrong one, the examples."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        media = content["application/json"]
        examples = [e["value"] for e in media.get("examples", {}).values()]
        examples += [media["example"]] if "example" in media else []
        return [{}, {"json": {}}, {"json": [1, "x"]}, *({"json": e} for e in examples)]
    if "multipart/form-data" in content:
        return [{}, {"files": {"files": ("notes.txt", b"not DECP")}}]
    return [{}]


def _query(operation: dict[str, Any]) -> list[dict[str, str]]:
    """No query, the documented examples or defaults of each parameter, then wrong values."""
    params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    good = {
        p["name"]: str(p["schema"].get("default", p.get("example", "")))
        for p in params
        if p["schema"].get("default") is not None or "example" in p
    }
    if any(p["name"] == "text" for p in params):
        good["text"] = "hôpital"
    wrong = {p["name"]: "-1" for p in params}
    return [{}, good, wrong]


def test_every_answer_is_documented(
    spec_and_clients: tuple[dict[str, Any], dict[str, TestClient], str],
) -> None:
    spec, clients, siren = spec_and_clients
    undocumented = []
    calls = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            documented = operation["responses"]
            for url in _urls(path, siren):
                for who, client in clients.items():
                    for body in _bodies(operation):
                        for params in _query(operation):
                            response = client.request(method, url, params=params, **body)
                            calls += 1
                            status = str(response.status_code)
                            media = response.headers.get("content-type", "").split(";")[0]
                            declared = documented.get(status)
                            if declared is None:
                                undocumented.append(f"{method} {path} {status} ({who})")
                            elif declared.get("content") and media not in declared["content"]:
                                undocumented.append(f"{method} {path} {status} {media} ({who})")
    assert calls > 500
    assert sorted(set(undocumented)) == []
