"""Saved pavilions as living documents, in Chromium on both stores: saved and still shown,
reopened, edited, renamed, duplicated, and shared read-only with the steering committee.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from meute.api.auth import Role, create_key
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser

THEMES = "Imagerie médicale : 33111000-1, 33112000-8\nFormation : formation du personnel"


def _scores(page: Page) -> list[float]:
    cells = page.locator("table.pavillon tbody tr td:nth-child(7)").all_inner_texts()
    return [float(cell.replace(",", ".").replace("\u202f", "")) for cell in cells]


def test_a_saved_pavilion_is_reopened_edited_duplicated_and_shared(
    page: Page, live_server: LiveServer, browser: Browser
) -> None:
    log_in(page, live_server)
    page.goto(f"{live_server.url}/console/pavillon")
    page.get_by_label("Nom du pavillon").fill("Abidjan santé 2027")
    page.get_by_label("Salon", exact=True).fill("Africa Health Expo")
    page.get_by_label("Pays hôte").fill("CI")
    page.get_by_label("Nombre de stands").fill("5")
    page.get_by_label("Thèmes, un par ligne").fill(THEMES)
    page.get_by_role("button", name="Enregistrer ce pavillon").click()

    # Saved: the page says so, and the form and the shortlist are still there.
    page.wait_for_url(re.compile(r".*/console/pavillon/(\w+)\?ok=pavillon$"))
    pavilion_id = page.url.split("/console/pavillon/")[1].split("?")[0]
    expect(page.locator("[data-confirmation]")).to_have_text("Pavillon enregistré.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pavillon « Abidjan santé 2027 »")
    expect(page.get_by_label("Salon", exact=True)).to_have_value("Africa Health Expo")
    expect(page.get_by_label("Thèmes, un par ligne")).to_have_value(THEMES)
    expect(page.locator("table.pavillon tbody tr")).to_have_count(5)
    scores = _scores(page)
    assert scores == sorted(scores, reverse=True)  # stands ordered by score
    stands = page.locator("table.pavillon tbody tr td:first-child").all_inner_texts()
    assert stands == ["1", "2", "3", "4", "5"]

    # Reopened from the list of saved pavilions.
    page.goto(f"{live_server.url}/console/pavillon")
    page.locator(f"tr[data-pavillon='{pavilion_id}']").get_by_role("link").first.click()
    page.wait_for_url(f"**/console/pavillon/{pavilion_id}")
    expect(page.get_by_label("Nombre de stands")).to_have_value("5")

    # Edited: one stand fewer, saved under the same address.
    page.get_by_label("Nombre de stands").fill("4")
    page.get_by_role("button", name="Proposer les exposants").click()
    expect(page.locator("table.pavillon tbody tr")).to_have_count(4)
    expect(page.locator("[data-resultat]")).to_contain_text("pas encore enregistrée")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    page.wait_for_url(f"**/console/pavillon/{pavilion_id}?ok=pavillon-modifie")
    expect(page.locator("[data-confirmation]")).to_have_text(
        "Modifications du pavillon enregistrées."
    )
    expect(page.locator("table.pavillon tbody tr")).to_have_count(4)
    saved = live_server.store.get_record("pavilion", pavilion_id)
    assert saved is not None and '"stands":4' in saved.replace(" ", "")

    # Renamed, then duplicated: the copy opens to be edited apart.
    page.get_by_label("Nouveau nom").fill("Abidjan santé 2027 (final)")
    page.get_by_role("button", name="Renommer").click()
    expect(page.locator("[data-confirmation]")).to_have_text("Pavillon renommé.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pavillon « Abidjan santé 2027 (final) »"
    )
    share = page.locator("[data-lien-partage]").input_value()
    page.get_by_role("button", name="Dupliquer").click()
    expect(page.locator("[data-confirmation]")).to_have_text(
        "Pavillon dupliqué : vous modifiez la copie."
    )
    copy_id = page.url.split("/console/pavillon/")[1].split("?")[0]
    assert copy_id != pavilion_id
    expect(page.get_by_role("heading", level=1)).to_contain_text("(copie)")
    expect(page.locator("table.pavillon tbody tr")).to_have_count(4)

    # The committee opens the shared link with a viewer key: read-only, no form, no button
    # but logging out; the edit page stays closed to it.
    _, viewer_key = create_key(live_server.store, Role.VIEWER, "Comité de pilotage")
    context = browser.new_context()
    committee = context.new_page()
    committee.goto(share)
    log_in(committee, live_server, viewer_key)
    committee.wait_for_url(f"**/console/pavillons/{pavilion_id}")
    expect(committee.get_by_role("heading", level=1)).to_have_text(
        "Pavillon « Abidjan santé 2027 (final) »"
    )
    expect(committee.locator("table.pavillon tbody tr")).to_have_count(4)
    expect(committee.locator("main form, main button")).to_have_count(0)
    expect(committee.locator("table.pavillon a")).to_have_count(0)  # profiles are officers'
    committee.goto(f"{live_server.url}/console/pavillon/{pavilion_id}")
    expect(committee.get_by_role("heading", name="Accès refusé")).to_be_visible()
    committee.goto(f"{live_server.url}/console/pavillons")
    expect(committee.locator(f"tr[data-pavillon='{copy_id}']")).to_be_visible()
    context.close()
