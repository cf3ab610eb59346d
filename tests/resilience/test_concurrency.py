"""Many clients at once on a real server: reads, matches and writes mixed for a bounded time,
with no error and every acknowledged write readable afterwards. On both stores.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from meute.api.auth import Role, create_key
from meute.api.examples import FIRM_EXAMPLE
from meute.api.service import import_document, showcase_document
from meute.graph.embedded import EmbeddedStore
from meute.graph.store import GraphStore
from tests.neo4j_server import open_test_store
from tests.server_process import ServerProcess
from tests.unit.factories import valid_siren

CLIENTS = 50
SECONDS = 20.0
TENDER = "bouake-hospital"


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    """A server process on the showcase, and an officer's key."""
    data_dir = tmp_path / "data"
    env = {"MEUTE_DATA_DIR": str(data_dir), "MEUTE_GRAPH": request.param}
    store: GraphStore
    if request.param == "neo4j":
        store = open_test_store()
        env["MEUTE_NEO4J_URI"] = os.environ.get("MEUTE_NEO4J_URI", "")
    else:
        store = EmbeddedStore(data_dir)
    with store:
        import_document(store, showcase_document())
        _, key = create_key(store, Role.OFFICER, "load test")
    process = ServerProcess(env, tmp_path / "server.log")
    process.start()
    try:
        yield process, key
    finally:
        process.stop()


def test_fifty_clients_mixing_reads_matches_and_writes(server: tuple[ServerProcess, str]) -> None:
    process, key = server
    headers = {"Authorization": f"Bearer {key}"}
    errors: list[str] = []
    written: dict[str, str] = {}
    counts: dict[str, int] = {"read": 0, "match": 0, "write": 0}
    lock = threading.Lock()
    ends = time.monotonic() + SECONDS

    def client(number: int) -> None:
        rnd = random.Random(number)
        with httpx.Client(base_url=process.url, headers=headers, timeout=120) as http:
            serial = 0
            while time.monotonic() < ends:
                kind = rnd.choices(["read", "match", "write"], weights=[6, 1, 3])[0]
                try:
                    if kind == "read":
                        url = rnd.choice(["/tenders", "/firms?limit=20", f"/tenders/{TENDER}"])
                        response = http.get(url)
                        expected = 200
                    elif kind == "match":
                        response = http.get(f"/tenders/{TENDER}/consortia?top=2")
                        expected = 200
                    else:
                        serial += 1
                        siren = valid_siren(100_000 + number * 10_000 + serial)
                        name = f"Firme {number}-{serial}"
                        firm = {**FIRM_EXAMPLE, "siren": siren, "name": name}
                        response = http.post("/firms", json=[firm])
                        expected = 201
                        if response.status_code == expected:
                            with lock:
                                written[siren] = name
                except httpx.HTTPError as error:
                    with lock:
                        errors.append(f"{kind}: {type(error).__name__}: {error}")
                    continue
                with lock:
                    counts[kind] += 1
                    if response.status_code != expected:
                        errors.append(f"{kind}: {response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"\nconcurrency: {counts} requests, {len(errors)} errors")
    assert errors == []
    assert min(counts.values()) > 0 and written
    with httpx.Client(base_url=process.url, headers=headers, timeout=60) as http:
        for siren, name in written.items():
            response = http.get(f"/firms/{siren}")
            assert response.status_code == 200 and response.json()["name"] == name, siren
