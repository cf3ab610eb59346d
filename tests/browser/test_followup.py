"""Per-member follow-up in Chromium on both stores: a named proposal, one member contacted,
one who declines replaced from the lot's alternatives, the others' history kept; then the
steering committee's programme per quarter, exported as XLSX and PDF with a viewer key.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from meute.api.auth import Role, create_key
from meute.api.clock import quarter, quarter_label
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "programme-par-trimestre.png"
TENDER = "bouake-hospital"


def test_a_member_declines_is_replaced_and_the_committee_exports_the_programme(
    page: Page, live_server: LiveServer, browser: Browser, request: pytest.FixtureRequest
) -> None:
    log_in(page, live_server)
    page.goto(f"{live_server.url}/console/appels-d-offres/{TENDER}/consortiums?top=3")
    first = page.locator("article[data-consortium]").first
    first.get_by_label("Nom (facultatif)").fill("Bouaké, piste bretonne")
    first.get_by_role("button", name="Enregistrer comme proposition").click()
    page.wait_for_url("**/console/propositions?ok=proposition#proposition-*")
    proposal_id = page.url.split("#proposition-")[1]
    expect(page.locator("[data-confirmation]")).to_have_text("Proposition enregistrée.")
    proposal = page.locator("article[data-proposition]").first
    expect(proposal.locator("[data-nom]")).to_have_text("Bouaké, piste bretonne")
    rows = proposal.locator("tr[data-membre]")
    sirens = [row.get_attribute("data-membre") or "" for row in rows.all()]
    assert len(sirens) == 3
    expect(proposal.locator("[data-statut-membre]")).to_have_text(["à contacter"] * 3)
    called, declining = sirens[0], sirens[-1]

    # The first firm is called: its status and note, the others untouched.
    row = proposal.locator(f"tr[data-membre='{called}']")
    row.get_by_label("Statut de").select_option(label="contactée")
    row.get_by_label("Note sur").fill("Appelée lundi, rappeler jeudi")
    row.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-confirmation]")).to_have_text("Suivi du membre enregistré.")
    proposal = page.locator("article[data-proposition]").first
    expect(proposal.locator("[data-statut-membre]")).to_have_text(
        ["contactée", "à contacter", "à contacter"]
    )

    # The last one declines: the lot's alternatives are offered, one takes its place.
    row = proposal.locator(f"tr[data-membre='{declining}']")
    row.get_by_label("Statut de").select_option(label="décline")
    row.get_by_label("Note sur").fill("Carnet de commandes plein")
    row.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-confirmation]")).to_have_text("Suivi du membre enregistré.")
    row = page.locator(f"tr[data-membre='{declining}']")
    choice = row.get_by_label("Remplacer")
    replacement = choice.locator("option").first.get_attribute("value")
    assert replacement and replacement not in sirens
    row.get_by_role("button", name="Remplacer").click()
    expect(page.locator("[data-confirmation]")).to_contain_text("Membre remplacé")
    proposal = page.locator("article[data-proposition]").first
    current = [r.get_attribute("data-membre") for r in proposal.locator("tr[data-membre]").all()]
    assert current == [*sirens[:-1], replacement, declining]
    gone = proposal.locator(f"tr[data-membre='{declining}']")
    expect(gone.locator("[data-remplacee]")).to_contain_text("remplacée par")
    expect(gone.locator("[data-statut-membre]")).to_have_text("décline")
    expect(gone).to_contain_text("Carnet de commandes plein")
    expect(gone.locator("form")).to_have_count(0)
    kept = proposal.locator(f"tr[data-membre='{called}']")
    expect(kept.locator("[data-statut-membre]")).to_have_text("contactée")
    expect(kept).to_contain_text("Appelée lundi, rappeler jeudi")
    expect(proposal.locator(f"tr[data-membre='{replacement}'] [data-statut-membre]")).to_have_text(
        "à contacter"
    )

    # Two firms accept: only they count for the programme.
    for siren in (called, replacement):
        row = page.locator(f"tr[data-membre='{siren}']")
        row.get_by_label("Statut de").select_option(label="accepte")
        row.get_by_role("button", name="Enregistrer").click()
        expect(page.locator("[data-confirmation]")).to_have_text("Suivi du membre enregistré.")

    _, viewer_key = create_key(live_server.store, Role.VIEWER, "Comité de pilotage")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    committee = context.new_page()
    committee.goto(f"{live_server.url}/console/connexion")
    log_in(committee, live_server, viewer_key)
    committee.wait_for_url("**/console/programme")
    expect(committee.locator("[data-atteintes]")).to_have_text("2")
    now = quarter(dt.datetime.now(dt.UTC))
    line = committee.locator(f"[data-trimestres] tr[data-trimestre='{now}']")
    expect(line.locator("th")).to_have_text(quarter_label(now))
    expect(line.locator("td.nombre")).to_have_text(["2", "2"])
    expect(committee.locator("[data-regle]")).to_contain_text("accepté")

    with committee.expect_download() as xlsx:
        committee.get_by_role("link", name="Exporter (XLSX)").click()
    assert xlsx.value.suggested_filename.startswith("programme-")
    workbook = load_workbook(io.BytesIO(Path(xlsx.value.path()).read_bytes()))
    quarters = list(workbook["Par trimestre"].iter_rows(values_only=True))
    assert quarters[1:] == [(quarter_label(now), 2, 2)]
    with committee.expect_download() as pdf:
        committee.get_by_role("link", name="Exporter (PDF)").click()
    text = "".join(p.extract_text() for p in PdfReader(pdf.value.path()).pages)
    assert "Suivi du programme" in text and quarter_label(now) in text
    assert "2 entreprises accompagnées" in text

    # Proposals saved before per-member follow-up (formed consortia, earlier quarters) still
    # read: their firms count from the quarter their consortium was formed.
    stored = json.loads(live_server.store.get_record("proposal", proposal_id) or "{}")
    earlier = [dt.datetime.now(dt.UTC) - dt.timedelta(days=days) for days in (200, 100)]
    for number, formed in enumerate(earlier):
        old = {
            key: stored[key] for key in ("tender_id", "tender_title", "consortium", "created_by")
        }
        at = formed.isoformat()
        events = [{"at": at, "author": "Claire", "status": s} for s in ("contacted", "formed")]
        old |= {"id": f"ancienne{number}", "status": "formed", "created_at": at, "events": events}
        live_server.store.put_record("proposal", old["id"], json.dumps(old))
    committee.reload()
    shown = committee.locator("[data-trimestres] tr[data-trimestre]")
    keys = [row.get_attribute("data-trimestre") for row in shown.all()]
    assert keys[0] == quarter(earlier[0]) and quarter(earlier[1]) in keys and keys[-1] == now
    members = len(stored["consortium"]["members"])  # the old records name the current members
    expect(committee.locator("[data-atteintes]")).to_have_text(str(members))
    if request.node.callspec.params["live_server"] == "embedded":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        committee.screenshot(path=SCREENSHOT, full_page=True)
    context.close()
    page.goto(f"{live_server.url}/console/propositions")
    expect(page.locator("article[data-proposition='ancienne0'] .source.estime")).to_have_count(3)
