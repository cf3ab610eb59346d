"""Provenance through the API, the console and the exports: « estimé » on every inferred value,
registry facts after a SIRENE import, officers' declarations, ceased firms never proposed.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from meute.api.auth import Role, create_key
from meute.api.service import (
    find_partners,
    import_decp,
    import_sirene,
    match_tender,
    shortlist_pavilion,
    showcase_tender,
)
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import Infeasible
from meute.graph.model import (
    Fact,
    FactSource,
    Firm,
    Lot,
    PavilionRequest,
    PavilionTheme,
    Tender,
    TenderConstraints,
)
from meute.graph.sirene import UNITE_LEGALE_HEADER
from meute.matcher.propose import MatchOptions
from tests.conftest import keyed_client

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DECP_SMALL = FIXTURES / "decp" / "decp_e-marchespublics_2019-04-03.json.zip"
DECP_LARGE = FIXTURES / "decp" / "decp_marches-publics.info_2019-03-07.json.zip"
SIRENE = [
    FIXTURES / "sirene" / "StockEtablissement_extract.csv.gz",
    FIXTURES / "sirene" / "categorieEntreprise_by_siret.csv.gz",
]
ADECCO = "998823504"
FACT_CELL = re.compile(r'<dd data-fait="(\w+)">(.*?)</dd>', re.DOTALL)


@pytest.fixture
def decp_store(data_dir: Path) -> Iterator[EmbeddedStore]:
    """The embedded store with the larger 2019 DECP file (ADECCO FRANCE among its winners)."""
    with EmbeddedStore(data_dir) as store:
        import_decp(store, [DECP_LARGE])
        yield store


@pytest.fixture
def officer(decp_store: EmbeddedStore, data_dir: Path) -> Iterator[TestClient]:
    with keyed_client(decp_store, Settings(data_dir=data_dir)) as client:
        yield client


def console(client: TestClient, store: EmbeddedStore, path: str) -> str:
    _, key = create_key(store, Role.OFFICER, "Claire")
    client.post("/console/connexion", data={"key": key}, follow_redirects=False)
    return client.get(path).text


def one_lot_tender(firm: Firm, **constraints: object) -> Tender:
    return Tender(
        id=f"t-{firm.siren}",
        title="Marché de test",
        buyer="Ministère",
        country="CI",
        budget=100_000,
        lots=[Lot(id="L1", title="Lot unique", cpv=[firm.capabilities[0].cpv])],
        constraints=TenderConstraints.model_validate({"must_include": [firm.siren], **constraints}),
    )


def decp_only(store: EmbeddedStore) -> Firm:
    """A firm known from the 2019 DECP only: region, size, SME status and maturity inferred."""
    return next(
        firm
        for firm in store.list_firms(0, 500)
        if firm.source(Fact.REGION).source.inferred and firm.capabilities
    )


def test_firm_page_marks_every_inferred_value(
    officer: TestClient, decp_store: EmbeddedStore
) -> None:
    firm = decp_only(decp_store)
    page = console(officer, decp_store, f"/console/entreprises/{firm.siren}")
    cells = dict(FACT_CELL.findall(page))
    assert {"region", "headcount", "sme", "maturity"} <= set(cells)
    estimated = set(firm.estimated())
    for fact, cell in cells.items():
        assert ("estimé" in cell) is (Fact(fact) in estimated), fact
    assert "estimé" not in cells["name"] and "marchés publics (DECP)" in cells["name"]


def test_xlsx_marks_every_inferred_value(officer: TestClient, decp_store: EmbeddedStore) -> None:
    firm = decp_only(decp_store)
    tender = one_lot_tender(firm)
    assert officer.post("/tenders", json=tender.model_dump(mode="json")).status_code == 201
    response = officer.get(f"/tenders/{tender.id}/consortia/export?format=xlsx&top=1")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header, member = rows[0], next(row for row in rows if row[2] == firm.siren)
    assert member[header.index("PME")].endswith("(estimé)")
    assert member[header.index("Région")] == f"{firm.region.value} (estimé)"
    why = member[header.index("Pourquoi")]
    assert why.count("(estimé)") == 3, why  # export maturity, SME status, region
    page = console(officer, decp_store, f"/console/appels-d-offres/{tender.id}/consortiums")
    row = page[page.index(f'<tr data-siren="{firm.siren}">') :]
    assert row[: row.index("</tr>")].count("estimé") == 2 + 3  # SME, region; the why: 3

    request = PavilionRequest(
        fair="Salon",
        country="CI",
        stands=1,
        must_include=[firm.siren],
        themes=[PavilionTheme(title="Thème", cpv=[firm.capabilities[0].cpv])],
    )
    pavilion = officer.post(
        "/pavilions/shortlist/export?format=xlsx", json=request.model_dump(mode="json")
    )
    rows = [
        [c.value for c in r]
        for r in load_workbook(io.BytesIO(pavilion.content)).worksheets[0].iter_rows()
    ]
    header, stand = rows[0], rows[1]
    for column in ("Région", "Taille", "Maturité export"):
        assert "(estimé)" in stand[header.index(column)], column


def test_showcase_firms_are_synthetic_and_never_estimated(client: TestClient) -> None:
    firm = client.get("/firms?limit=1").json()["items"][0]
    assert {origin["source"] for origin in firm["provenance"].values()} == {"synthetic"}
    csv_text = client.get("/tenders/bouake-hospital/consortia/export?format=csv&top=2").text
    assert "estimé" not in csv_text


def test_adecco_is_no_sme_anywhere_after_sirene(
    officer: TestClient, decp_store: EmbeddedStore
) -> None:
    before = officer.get(f"/firms/{ADECCO}").json()
    assert before["provenance"]["sme"]["source"] == "decp-inferred"
    import_sirene(decp_store, SIRENE)
    firm = officer.get(f"/firms/{ADECCO}").json()
    assert (firm["is_sme"], firm["category"], firm["naf"]) == (False, "GE", "78.20Z")
    assert (
        firm["provenance"]["sme"]["source"] == firm["provenance"]["category"]["source"] == "sirene"
    )
    assert ADECCO not in {
        f["siren"] for f in officer.get("/firms?sme=true&limit=1000").json()["items"]
    }

    cells = dict(FACT_CELL.findall(console(officer, decp_store, f"/console/entreprises/{ADECCO}")))
    assert cells["sme"].startswith("Non") and "registre SIRENE" in cells["sme"]

    adecco = decp_store.get_firm(ADECCO)
    assert adecco is not None
    request = PavilionRequest(
        fair="Salon",
        country="CI",
        stands=1,
        must_include=[ADECCO],
        themes=[PavilionTheme(title="Intérim", cpv=[adecco.capabilities[0].cpv])],
    )
    exported = officer.post(
        "/pavilions/shortlist/export?format=csv", json=request.model_dump(mode="json")
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1] == ADECCO and "PME" not in rows[1][rows[0].index("Taille")]

    with pytest.raises(Infeasible):
        match_tender(decp_store, one_lot_tender(adecco, min_smes=1, max_members=1), MatchOptions())


def test_officer_declares_facts_kept_over_imports(
    officer: TestClient, decp_store: EmbeddedStore
) -> None:
    firm = decp_only(decp_store)
    response = officer.patch(
        f"/firms/{firm.siren}", json={"headcount": "50-249", "export_countries": ["SN"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["headcount"] == "50-249" and body["export_countries"] == ["SN"]
    declared = body["provenance"]["headcount"]
    assert declared == {
        "source": "declared",
        "date": dt.date.today().isoformat(),
        "author": "test officer",
    }
    assert body["provenance"]["region"]["source"] == "decp-inferred"

    import_decp(decp_store, [DECP_LARGE])
    kept = decp_store.get_firm(firm.siren)
    assert kept is not None and kept.headcount.value == "50-249"
    assert kept.source(Fact.HEADCOUNT).source is FactSource.DECLARED

    bad = officer.patch(f"/firms/{firm.siren}", json={"headcount": "beaucoup", "turnover_eur": -1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"headcount", "turnover_eur"}
    assert officer.patch(f"/firms/{firm.siren}", json={}).status_code == 422
    assert officer.patch("/firms/000000000", json={"headcount": "0-9"}).status_code in (404, 422)


def test_console_form_declares_facts(officer: TestClient, decp_store: EmbeddedStore) -> None:
    firm = decp_only(decp_store)
    page = console(officer, decp_store, f"/console/entreprises/{firm.siren}")
    assert f'action="/console/entreprises/{firm.siren}/faits"' in page
    sent = officer.post(
        f"/console/entreprises/{firm.siren}/faits",
        data={
            "turnover_eur": "2 500 000",
            "maturity": "regular",
            "certifications": "ISO 9001, MASE",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    stored = decp_store.get_firm(firm.siren)
    assert stored is not None
    assert (stored.turnover_eur, stored.maturity.value, stored.certifications) == (
        2_500_000,
        "regular",
        ["ISO 9001", "MASE"],
    )
    assert stored.source(Fact.MATURITY).author == "Claire"
    cells = dict(FACT_CELL.findall(officer.get(f"/console/entreprises/{firm.siren}").text))
    assert "estimé" not in cells["maturity"] and "déclaré" in cells["maturity"]
    refused = officer.post(
        f"/console/entreprises/{firm.siren}/faits", data={"turnover_eur": "beaucoup"}
    )
    assert refused.status_code == 422
    assert "Chiffre d'affaires : valeur refusée" in html.unescape(refused.text)
    empty = officer.post(f"/console/entreprises/{firm.siren}/faits", data={})
    assert empty.status_code == 422 and "Remplissez au moins un champ." in empty.text


def test_ceased_firms_are_never_proposed(showcase_store: EmbeddedStore, tmp_path: Path) -> None:
    tender = showcase_tender()
    options = MatchOptions(top=3)
    member = match_tender(showcase_store, tender, options).consortia[0].members[0].siren
    registry = tmp_path / "StockUniteLegale.csv"
    with registry.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=UNITE_LEGALE_HEADER)
        writer.writeheader()
        writer.writerow({"siren": member, "etatAdministratifUniteLegale": "C"})
    report = import_sirene(showcase_store, [registry])
    assert (report.matched, report.updated) == (1, 1)
    ceased = showcase_store.get_firm(member)
    assert ceased is not None and not ceased.active

    proposed = match_tender(showcase_store, tender, options)
    assert member not in {m.siren for c in proposed.consortia for m in c.members}
    other = next(f for f in showcase_store.list_firms(0, 300) if f.siren != member)
    assert member not in {
        p.siren for p in find_partners(showcase_store, other.siren, top=50).partners
    }
    request = PavilionRequest(
        fair="Salon",
        country="CI",
        stands=10,
        themes=[PavilionTheme(title="Thème", cpv=[ceased.capabilities[0].cpv])],
    )
    assert member not in {f.siren for f in shortlist_pavilion(showcase_store, request).firms}


def test_sirene_upload_runs_as_a_job(officer: TestClient, tmp_path: Path) -> None:
    files = [("files", (path.name, path.read_bytes())) for path in SIRENE]
    job = officer.post("/imports/sirene", files=files).json()
    for _ in range(200):
        job = officer.get(f"/imports/{job['id']}").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "done", job
    assert job["report"]["matched"] > 1_000 and job["report"]["rejected"] == 0
    assert job["items_done"] == job["items_total"] == job["report"]["matched"]
    assert officer.get(f"/firms/{ADECCO}").json()["category"] == "GE"

    broken = tmp_path / "StockUniteLegale.csv"
    broken.write_text("siren,categorieEntreprise\n998823504,TRES GRANDE\n", encoding="utf-8")
    job = officer.post(
        "/imports/sirene", files=[("files", (broken.name, broken.read_bytes()))]
    ).json()
    for _ in range(200):
        job = officer.get(f"/imports/{job['id']}").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "failed"
    assert (
        "StockUniteLegale.csv" in job["error"]
        and job["errors"][0]["field"] == "categorieEntreprise"
    )
    bad_naf = officer.post(
        "/imports/sirene", files=files, data={"create_naf": ["43.2", "plomberie"]}
    )
    assert bad_naf.status_code == 422
    assert bad_naf.json()["errors"][0]["field"] == "create_naf[1]"
