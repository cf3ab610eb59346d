"""The firm directory in headless Chromium, on the embedded store and on Neo4j: a firm found by
words and by CPV, its profile, and the firm put on a lot of an open tender."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from meute.api.scores import CONSORTIUM_TERMS
from meute.graph.cpv import label
from meute.graph.store import FirmQuery
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "annuaire.png"


def _rows(page: Page) -> list[str]:
    return [
        row.get_attribute("data-siren") or ""
        for row in page.locator("table.annuaire tbody tr").all()
    ]


def test_find_a_firm_by_words_and_by_cpv_then_put_it_on_a_lot(
    page: Page, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    store = live_server.store
    trainers, _ = store.find_firms(FirmQuery(cpv="80500000"), 0, 50)
    firm = trainers[-1]
    word = max(firm.name.split(), key=len)
    page.goto(f"{live_server.url}/console/connexion")
    log_in(page, live_server)
    page.get_by_role("link", name="Entreprises").click()
    expect(page.get_by_role("heading", name="Entreprises", exact=True)).to_be_visible()
    expect(page.locator("[data-total]")).to_contain_text(f"{store.count_firms()} entreprises")

    # By words of its name.
    page.get_by_label("Nom ou SIREN").fill(word.lower())
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator(f'tr[data-siren="{firm.siren}"]')).to_be_visible()
    expected, _ = store.find_firms(FirmQuery(name=word), 0, 25)
    assert _rows(page) == [f.siren for f in expected]

    # By CPV: words read as a code (shown with its label), then a code prefix.
    page.get_by_label("Nom ou SIREN").fill("")
    page.get_by_label("Savoir-faire").fill("formation du personnel")
    page.get_by_role("button", name="Rechercher").click()
    reading = page.locator("[data-lecture-cpv]")
    expect(reading).to_contain_text("lu dans vos mots")
    expect(reading).to_contain_text(re.compile(r"80\d{6}-\d · "))
    page.get_by_label("Savoir-faire").fill("805")
    page.get_by_label("Région").select_option(firm.region.value)
    page.get_by_role("button", name="Rechercher").click()
    expect(reading).to_contain_text(f"80500000-9 · {label('80500000', 'fr')}")
    expected, _ = store.find_firms(FirmQuery(cpv="80500000", region=firm.region), 0, 25)
    expect(page.locator("table.annuaire tbody tr")).to_have_count(len(expected))
    assert _rows(page) == [f.siren for f in expected] and firm.siren in _rows(page)
    if request.node.callspec.params["live_server"] == "embedded":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOT, full_page=True)

    # Its profile: codes with labels, the contracts behind them and their source.
    page.locator(f'tr[data-siren="{firm.siren}"]').get_by_role("link", name=firm.name).click()
    expect(page.get_by_role("heading", name=firm.name)).to_be_visible()
    for capability in firm.capabilities:
        row = page.locator(f'table.savoir-faire tr[data-cpv^="{capability.cpv}"]')
        expect(row).to_contain_text(label(capability.cpv, "fr"))
    expect(page.locator("[data-source-preuves]")).to_have_text("fictif (démonstration)")

    # « Proposer pour un lot »: it takes the training lot of the Bouaké hospital.
    page.get_by_label("Lot d'un appel d'offres ouvert").select_option("bouake-hospital/L3")
    page.get_by_role("button", name="Proposer pour ce lot").click()
    expect(page.locator("[data-proposee]")).to_contain_text(
        f"{firm.name} proposée pour le lot L3 · Formation du personnel"
    )
    result = page.locator("[data-evaluation]")
    expect(result.locator("[data-score]")).to_have_text(re.compile(r"^\d+,\d$"))
    expect(result.locator("[data-variation]")).to_have_count(len(CONSORTIUM_TERMS))
    expect(result.locator(f'tr[data-siren="{firm.siren}"] [data-lots]')).to_have_attribute(
        "data-lots", "L3"
    )
