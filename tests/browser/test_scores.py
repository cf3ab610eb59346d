"""CPV codes confirmed on the tender form and explained scores, in headless Chromium, on the
embedded store and on Neo4j."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from meute.api.scores import CONSORTIUM_TERMS
from meute.api.service import showcase_tender
from meute.graph.cpv import label
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "consortium-legende.png"


def test_confirm_the_codes_of_each_lot_on_the_tender_form(
    page: Page, live_server: LiveServer
) -> None:
    tender = showcase_tender()
    page.goto(f"{live_server.url}/console/connexion")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/console/appels-d-offres/nouveau")
    page.get_by_label("Identifiant (lettres").fill("codes-confirmes")
    page.get_by_label("Intitulé", exact=True).fill(tender.title)
    page.get_by_label("Acheteur").fill(tender.buyer)
    page.get_by_label("Pays (code ISO").fill("CI")
    page.get_by_label("Budget", exact=True).fill("45 000 000")
    lots = page.locator("[data-lot]")
    first = lots.nth(0)
    first.get_by_label("Identifiant du lot").fill("L1")
    first.get_by_label("Intitulé du lot").fill("Construction de l'hôpital")
    warning = first.locator("[data-sans-code]")
    expect(warning).to_be_visible()  # no code yet: the officer is warned
    # A code typed by hand is shown with its label.
    first.get_by_label("Codes CPV").fill("45215140-0")
    expect(first.locator('[data-codes] li[data-code="45215140-0"]')).to_contain_text(
        label("45215140", "fr")
    )
    expect(warning).to_be_hidden()

    page.get_by_role("button", name="Ajouter un lot").click()
    second = lots.nth(1)
    second.get_by_label("Identifiant du lot").fill("L2")
    second.get_by_label("Intitulé du lot").fill("Formation du personnel")
    second.get_by_label("Description").fill("formation des infirmiers et des techniciens")
    expect(second.locator("[data-sans-code]")).to_be_visible()
    # Saved without codes, the lot is not matched silently: the engine's codes are offered.
    page.get_by_role("button", name="Enregistrer et proposer des consortiums").click()
    expect(page.get_by_role("alert")).to_contain_text("Lot 2 — codes CPV")
    assert live_server.store.get_tender("codes-confirmes") is None
    second = page.locator("[data-lot]").nth(1)
    offered = second.locator("[data-suggestions] button[data-code]")
    expect(offered.first).to_contain_text(re.compile(r"\(confiance \d+ %\)"))
    code = offered.first.get_attribute("data-code")
    assert code is not None
    # Accept it, remove it, accept it again: each time the list says what will be used.
    offered.first.click()
    chip = second.locator(f'[data-codes] li[data-code="{code}"]')
    expect(chip).to_contain_text(re.compile(r"confiance \d+ %"))
    expect(second.locator("[data-sans-code]")).to_be_hidden()
    chip.get_by_role("button", name=f"Retirer le code {code}").click()
    expect(chip).to_have_count(0)
    expect(second.get_by_label("Codes CPV")).to_have_value("")
    expect(second.locator("[data-sans-code]")).to_be_visible()
    offered.first.click()
    expect(second.get_by_label("Codes CPV")).to_have_value(code)
    page.get_by_role("button", name="Enregistrer et proposer des consortiums").click()
    page.wait_for_url("**/console/appels-d-offres/codes-confirmes/consortiums?ok=appel")
    stored = live_server.store.get_tender("codes-confirmes")
    assert stored is not None
    assert [lot.cpv for lot in stored.lots] == [["45215140"], [code.split("-")[0]]]


def test_a_consortium_with_its_legend_and_a_swap_term_by_term(
    page: Page, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    page.goto(f"{live_server.url}/console/connexion")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/console/appels-d-offres/bouake-hospital/consortiums?top=3")
    legend = page.locator("[data-legende]")
    for name, term in CONSORTIUM_TERMS.items():
        expect(legend.locator(f'tr[data-terme="{name}"]')).to_contain_text(term.meaning)
    expect(legend.locator('tr[data-terme="fit"]')).to_contain_text("35 %")
    first = page.locator("article[data-consortium]").first
    expect(first.locator("[data-rang]")).to_contain_text(
        re.compile(r"^Classé n° 1 : devant le n° 2 surtout par ")
    )
    # Points add up to the score shown out of 100 (to rounding).
    score = float(first.locator("[data-score]").inner_text().replace(",", "."))
    points = [
        float(text.removesuffix(" pts").replace(",", "."))
        for text in first.locator("dl[data-repartition] .points").all_inner_texts()
    ]
    assert len(points) == len(CONSORTIUM_TERMS)
    assert sum(points) == pytest.approx(score, abs=0.1 * len(points))

    first.get_by_text("Changer un membre").click()
    choice = first.get_by_label("L3 · Formation du personnel")
    alternative = choice.locator("option").nth(1).get_attribute("value")
    assert alternative is not None
    choice.select_option(alternative)
    first.get_by_role("button", name="Évaluer cette composition").click()
    result = first.locator("[data-evaluation-resultat] [data-evaluation]")
    expect(result.locator("[data-variation]")).to_have_count(len(CONSORTIUM_TERMS))
    expect(result.locator(".variation.hausse, .variation.baisse").first).to_be_visible()

    if request.node.callspec.params["live_server"] == "embedded":
        # The legend and the first consortium, its swap evaluated term by term.
        box = first.bounding_box()
        assert box is not None
        SCREENSHOT.parent.mkdir(exist_ok=True)
        bottom = box["y"] + page.evaluate("window.scrollY") + box["height"] + 16
        page.screenshot(
            path=SCREENSHOT, full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": bottom}
        )
