"""Bounded work through the API, on both stores: a search whose deadline strikes before any
answer is a 503 problem; one that finishes in time says it did not time out.
"""

from __future__ import annotations

from pathlib import Path

from meute.api.settings import SearchSettings, Settings
from meute.graph.store import GraphStore
from tests.conftest import keyed_client

TENDER = "bouake-hospital"


def test_the_api_answers_503_when_the_deadline_strikes_before_any_answer(
    loaded: GraphStore, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, search=SearchSettings(deadline=1e-9))
    with keyed_client(loaded, settings) as client:
        response = client.get(f"/tenders/{TENDER}/consortia?mode=exact")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "deadline"
        fast = client.get(f"/tenders/{TENDER}/consortia?top=3").json()
        assert fast["timed_out"] is False and len(fast["consortia"]) == 3
