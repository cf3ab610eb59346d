"""Pavilion shortlists and export endpoints through FastAPI's TestClient, on the showcase."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from meute.api.examples import PAVILION_EXAMPLE
from meute.api.exports import CONSORTIUM_HEADERS, PAVILION_HEADERS, XLSX_MEDIA_TYPE
from meute.api.service import import_document, showcase_document, showcase_tender
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from tests.conftest import keyed_client
from tests.unit.factories import valid_siren

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One showcase store for the module: the endpoints here only read it (but one tender)."""
    data_dir = tmp_path_factory.mktemp("exports-api")
    with EmbeddedStore(data_dir) as store:
        import_document(store, showcase_document())
        with keyed_client(store, Settings(data_dir=data_dir)) as test_client:
            yield test_client


def pavilion(**changes: Any) -> dict[str, Any]:
    return {**PAVILION_EXAMPLE, **changes}


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_shortlist_fills_the_stands(client: TestClient) -> None:
    response = client.post("/pavilions/shortlist", json=pavilion())
    assert response.status_code == 200
    body = response.json()
    firms = body["firms"]
    assert [firm["stand"] for firm in firms] == list(range(1, PAVILION_EXAMPLE["stands"] + 1))
    assert len({firm["siren"] for firm in firms}) == len(firms)
    required = [firm for firm in firms if firm["required"]]
    assert [firm["siren"] for firm in required] == PAVILION_EXAMPLE["must_include"]
    assert all(firm["themes"] and firm["why"] for firm in firms)
    assert all(theme["firms"] >= 1 for theme in body["themes"])
    assert [theme["suggested"] for theme in body["themes"]] == [False, True, True]
    assert set(body["breakdown"]) == {"coverage", "readiness", "regions"}
    assert 0 < body["score"] <= 1

    excluded = next(firm["siren"] for firm in firms if not firm["required"])
    again = client.post("/pavilions/shortlist", json=pavilion(exclude=[excluded])).json()
    assert excluded not in {firm["siren"] for firm in again["firms"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stands": 0}, "stands"),
        ({"stands": 1, "must_include": [valid_siren(1), valid_siren(2)]}, "must_include"),
        ({"must_include": [valid_siren(4242)]}, "must_include[0]"),
        ({"must_include": ["12345"]}, "must_include[0]"),
        ({"exclude": PAVILION_EXAMPLE["must_include"]}, "exclude"),
        ({"themes": [{"title": "Imagerie", "cpv": ["33111000"]}], "stands": 200}, "stands"),
        ({"themes": [{"title": "xqzwv"}]}, "themes[0]"),
    ],
)
def test_bad_shortlists_are_problems_naming_the_field(
    client: TestClient, changes: dict[str, Any], field: str
) -> None:
    for path in ("/pavilions/shortlist", "/pavilions/shortlist/export?format=xlsx"):
        response = client.post(path, json=pavilion(**changes))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert field in {error["field"] for error in response.json()["errors"]}


def test_shortlist_exports_match_the_json(client: TestClient) -> None:
    firms = client.post("/pavilions/shortlist", json=pavilion()).json()["firms"]
    response = client.post("/pavilions/shortlist/export?format=csv", json=pavilion())
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="pavillon-africa-health-expo-2027-abidjan.csv"'
    )
    rows = csv_rows(response.content)
    assert tuple(rows[0]) == PAVILION_HEADERS
    assert [(row[1], row[2]) for row in rows[1:]] == [(f["siren"], f["name"]) for f in firms]

    response = client.post("/pavilions/shortlist/export?format=xlsx", json=pavilion())
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    assert response.headers["content-disposition"].endswith('abidjan.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content))["Pavillon"]
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == [firm["name"] for firm in firms]
    assert any(not name.isascii() for name in names)  # accents made it through


def test_consortia_exports(client: TestClient) -> None:
    answer = client.get("/tenders/bouake-hospital/consortia?top=3").json()
    consortia = answer["consortia"]
    legend = {row["name"]: row for row in answer["legend"]}
    assert legend["fit"]["weight"] == 35.0 and legend["size"]["label_fr"] == "Taille du groupement"
    response = client.get("/tenders/bouake-hospital/consortia/export?format=csv&top=3")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="consortiums-bouake-hospital.csv"'
    )
    rows = csv_rows(response.content)
    assert tuple(rows[0]) == CONSORTIUM_HEADERS
    expected = [(str(c["rank"]), m["siren"]) for c in consortia for m in c["members"]]
    assert [(row[0], row[2]) for row in rows[1:]] == expected
    assert all(row[9].endswith("@example.fr") for row in rows[1:])  # the contacts

    response = client.get("/tenders/bouake-hospital/consortia/export?format=xlsx&top=3")
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    workbook = load_workbook(io.BytesIO(response.content))
    scores = list(workbook["Détail du score"].iter_rows(min_row=2, values_only=True))
    # One scale: the API's display field, the CSV and the XLSX all say the score out of 100.
    assert [row[:2] for row in scores] == [(c["rank"], c["score_100"]) for c in consortia]
    assert [c["score_100"] for c in consortia] == [round(100 * c["score"], 1) for c in consortia]
    by_rank = {row[0]: row[1] for row in rows[1:]}
    assert [by_rank[str(c["rank"])] for c in consortia] == [
        f"{c['score_100']:.1f}".replace(".", ",") for c in consortia
    ]
    for c in consortia:
        assert c["breakdown_100"] == {k: round(100 * v, 1) for k, v in c["breakdown"].items()}
    assert consortia[0]["decisive_terms"]  # the first is ahead of the second by some terms


def test_brief_html_and_pdf(client: TestClient) -> None:
    hostile = showcase_tender().model_copy(
        update={"id": "bouake-hostile", "title": f"Hôpital {HOSTILE}"}
    )
    assert client.post("/tenders", json=hostile.model_dump(mode="json")).status_code == 201
    proposal = client.get("/tenders/bouake-hostile/consortia?top=2").json()["consortia"][1]

    response = client.get("/tenders/bouake-hostile/consortia/2/brief?top=2")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'inline; filename="fiche-consortium-2-bouake-hostile.html"'
    )
    page = response.text
    assert HOSTILE not in page and "Hôpital &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Fiche consortium n° 2" in page
    assert all(member["siren"] in page for member in proposal["members"])
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    style = page.split("<style>")[1].split("</style>")[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}';" in policy
    assert response.headers["x-content-type-options"] == "nosniff"

    response = client.get("/tenders/bouake-hostile/consortia/2/brief?top=2&format=pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert f"Hôpital {HOSTILE}" in text and "Fiche consortium n° 2" in text


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/tenders/nope/consortia/export", 404, "id"),
        ("/tenders/nope/consortia/1/brief", 404, "id"),
        ("/tenders/bouake-hospital/consortia/3/brief?top=2", 404, "rank"),
        ("/tenders/bouake-hospital/consortia/0/brief", 422, "path.rank"),
        ("/tenders/bouake-hospital/consortia/export?format=doc", 422, "query.format"),
        ("/tenders/bouake-hospital/consortia/1/brief?format=xlsx", 422, "query.format"),
    ],
)
def test_bad_export_requests_are_problems(
    client: TestClient, path: str, status: int, field: str
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {error["field"] for error in response.json()["errors"]}


def test_openapi_has_an_example_for_every_new_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/pavilions/shortlist", "/pavilions/shortlist/export"):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]
        assert body["examples"]["Abidjan health fair"]["value"] == PAVILION_EXAMPLE
    export = paths["/tenders/{tender_id}/consortia/export"]["get"]
    brief = paths["/tenders/{tender_id}/consortia/{rank}/brief"]["get"]
    for operation in (export, brief):
        assert all("examples" in p for p in operation["parameters"] if p["in"] == "path")
    csv_example = paths["/pavilions/shortlist/export"]["post"]["responses"]["200"]["content"]
    assert csv_example["text/csv"]["example"].startswith("Stand;SIREN;Raison sociale")
    assert set(csv_example) == {"text/csv", XLSX_MEDIA_TYPE}
    assert "example" in export["responses"]["200"]["content"]["text/csv"]
    assert set(brief["responses"]["200"]["content"]) == {"text/html", "application/pdf"}
