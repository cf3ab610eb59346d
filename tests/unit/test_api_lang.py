"""``?lang=en|fr`` on the endpoints that return the matcher's texts: reasons, violations and the
messages of Infeasible problem bodies; French reasons in the French export files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from meute.api.app import create_app
from meute.api.examples import PAVILION_EXAMPLE
from meute.api.service import import_document, showcase_document, showcase_tender
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from tests.conftest import keyed_client
from tests.unit.test_phrases import assert_french

BOUAKE = "bouake-hospital"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One showcase store for the module, with a stricter copy of the Bouaké tender."""
    data_dir = tmp_path_factory.mktemp("lang-api")
    with EmbeddedStore(data_dir) as store:
        import_document(store, showcase_document())
        tender = showcase_tender()
        strict = tender.constraints.model_copy(update={"max_members": 2})
        store.upsert_tenders([tender.model_copy(update={"id": "strict", "constraints": strict})])
        with keyed_client(store, Settings(data_dir=data_dir)) as test_client:
            yield test_client


def bouake(**constraints: Any) -> dict[str, Any]:
    tender = showcase_tender()
    update = tender.constraints.model_copy(update=constraints)
    return tender.model_copy(update={"constraints": update}).model_dump(mode="json")


def whys(body: dict[str, Any]) -> list[str]:
    return [member["why"] for c in body["consortia"] for member in c["members"]]


def test_consortia_are_explained_in_english_by_default_and_in_french_on_request(
    client: TestClient,
) -> None:
    english = client.post("/match?top=2", json=bouake()).json()
    assert whys(english)[0].startswith("Leads the group and takes lot L")
    french = client.post("/match?top=2&lang=fr", json=bouake()).json()
    assert whys(french)[0].startswith("Chef de file, prend le lot L")
    for why in whys(french):
        assert_french(why)
    stored = client.get(f"/tenders/{BOUAKE}/consortia?top=2&lang=fr").json()
    assert whys(stored) == whys(french)
    assert client.post("/match?lang=de", json=bouake()).status_code == 422


def test_infeasible_problem_bodies_follow_lang(client: TestClient) -> None:
    response = client.post("/match?top=1&lang=fr", json=bouake(max_members=1))
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == "aucun consortium ne respecte les contraintes de l'appel d'offres"
    [error] = problem["errors"]
    assert error["field"] == "constraints.max_members"
    assert "le meilleur consortium compte 3 membres" in error["message"]
    english = client.post("/match?top=1", json=bouake(max_members=1)).json()
    assert "the best consortium has 3 members" in english["errors"][0]["message"]


def test_violations_and_saved_proposals_follow_lang(client: TestClient) -> None:
    best = client.get(f"/tenders/{BOUAKE}/consortia?top=1").json()["consortia"][0]
    assignment = {lot: m["siren"] for m in best["members"] for lot in m["lots"]}
    url = "/tenders/strict/consortia/evaluate"
    french = client.post(f"{url}?lang=fr", json={"assignment": assignment}).json()
    assert french["violations"] == ["3 membres, plus que le maximum (2)"]
    english = client.post(url, json={"assignment": assignment}).json()
    assert english["violations"] == ["3 members, more than 2"]
    refused = client.post(
        "/proposals?lang=fr", json={"tender_id": "strict", "assignment": assignment}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == "3 membres, plus que le maximum (2)"
    saved = client.post("/proposals?lang=fr", json={"tender_id": BOUAKE, "assignment": assignment})
    assert saved.status_code == 201
    for member in saved.json()["consortium"]["members"]:
        assert_french(member["why"])


def test_partners_and_pavilions_follow_lang(client: TestClient) -> None:
    siren = PAVILION_EXAMPLE["must_include"][0]
    general = client.get(f"/firms/{siren}/partners?top=3&lang=fr").json()
    tender = client.post(f"/firms/{siren}/partners?top=3&lang=fr", json=bouake()).json()
    for partner in general["partners"] + tender["partners"]:
        assert_french(partner["why"])
    assert tender["partners"][0]["why"].startswith("Convient au lot L")
    shortlist = client.post("/pavilions/shortlist?lang=fr", json=PAVILION_EXAMPLE).json()
    for firm in shortlist["firms"]:
        assert_french(firm["why"])
    saved = client.post("/pavilions?lang=fr", json=PAVILION_EXAMPLE)
    assert saved.status_code == 201
    assert [f["why"] for f in saved.json()["result"]["firms"]] == [
        f["why"] for f in shortlist["firms"]
    ]
    too_many = client.post("/pavilions/shortlist?lang=fr", json={**PAVILION_EXAMPLE, "stands": 200})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["message"].startswith("seules ")


def test_french_files_carry_french_reasons(client: TestClient) -> None:
    exported = client.get(f"/tenders/{BOUAKE}/consortia/export?format=csv&top=2")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    why = rows[0].index("Pourquoi")
    assert rows[1][why].startswith("Chef de file, prend le lot")
    for row in rows[1:]:
        assert_french(row[why])
    brief = client.get(f"/tenders/{BOUAKE}/consortia/1/brief?format=html&top=2").text
    assert "Chef de file, prend le lot" in brief and "Leads the group" not in brief
    pavilion = client.post("/pavilions/shortlist/export?format=csv", json=PAVILION_EXAMPLE)
    lines = pavilion.content.decode("utf-8-sig").splitlines()
    assert re.search(r"\(adéquation \d+(,\d)?/100\)", lines[1])
    assert "(fit " not in pavilion.content.decode("utf-8-sig")


def test_openapi_documents_lang_where_texts_are_returned() -> None:
    spec = create_app(EmbeddedStore(None)).openapi()
    expected = [
        ("post", "/match"),
        ("get", "/tenders/{tender_id}/consortia"),
        ("post", "/tenders/{tender_id}/consortia/evaluate"),
        ("get", "/firms/{siren}/partners"),
        ("post", "/firms/{siren}/partners"),
        ("post", "/pavilions/shortlist"),
        ("post", "/pavilions"),
        ("post", "/proposals"),
    ]
    for method, path in expected:
        [lang] = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == "lang"]
        assert lang["in"] == "query" and "fr" in lang["description"], path
        assert lang["schema"]["default"] == "en", path
