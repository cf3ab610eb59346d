"""The contracts that prove a capability, in headless Chromium on both stores: a firm read from
DECP award data, found in the directory, lists its real contracts under each capability; a
synthetic firm says that no real contract proves its capabilities.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from meute.graph.cpv import format_code
from meute.graph.decp import read_decp
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser

DECP = Path(__file__).resolve().parents[2] / "fixtures" / "decp"


def test_a_decp_firm_lists_its_real_contracts_under_each_capability(
    page: Page, live_server: LiveServer
) -> None:
    firms = read_decp([DECP / "decp_e-marchespublics_2019-04-03.json.zip"]).firms
    firm = next(f for f in firms if len(f.capabilities) >= 2 and f.name.isupper())
    live_server.store.upsert_firms([firm])
    log_in(page, live_server)

    page.get_by_role("link", name="Entreprises").click()
    page.get_by_label("Nom ou SIREN").fill(firm.siren)
    page.get_by_role("button", name="Rechercher").click()
    page.locator(f'tr[data-siren="{firm.siren}"]').get_by_role("link", name=firm.name).click()
    expect(page.get_by_role("heading", name=firm.name)).to_be_visible()

    for capability in firm.capabilities:
        contracts = page.locator(f'tr[data-preuves="{format_code(capability.cpv)}"] li')
        expect(contracts).to_have_count(len(capability.awards))
        for shown, award in zip(contracts.all(), capability.awards, strict=True):
            assert award.date is not None and award.buyer is not None
            expect(shown).to_contain_text(award.date.strftime("%d/%m/%Y"))
            expect(shown).to_contain_text(award.buyer)
            expect(shown).to_contain_text(f"« {award.objet} »")
            expect(shown).to_contain_text("€")
            expect(shown.locator(".source")).to_have_text("données d'attribution (DECP)")
    expect(page.locator(".sans-marche")).to_have_count(0)

    synthetic = live_server.store.list_firms(0, 2)
    other = next(f for f in synthetic if f.siren != firm.siren)
    page.goto(f"{live_server.url}/console/entreprises/{other.siren}")
    expect(page.locator(".sans-marche")).to_have_count(len(other.capabilities))
    expect(page.locator(".sans-marche").first).to_have_text(
        "Aucun marché enregistré : savoir-faire fictif (démonstration) : aucun marché réel "
        "ne le prouve."
    )
    expect(page.locator("ul.marches")).to_have_count(0)
