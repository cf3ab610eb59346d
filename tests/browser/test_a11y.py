"""Accessibility, phones and print in Chromium, on both stores.

Every page of the console (each GET route it serves, so a page added later is checked too)
is run through axe-core (bundled by axe-playwright-python) for each role that sees it, and must
have no serious or critical violation. The menu must work at 390 px with the keyboard, and a
printed list of consortia must give one consortium per page, without navigation or buttons.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from meute.api.auth import Role, create_key
from meute.api.console import ROUTERS
from meute.api.keys import Principal
from meute.api.proposals import follow_member, save_pavilion, save_proposal
from meute.api.service import match_tender, stored_tender
from meute.api.settings import Settings
from meute.graph.model import Lot, MemberStatus, PavilionRequest
from meute.matcher.phrases import Lang
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser

TENDER = "bouake-hospital"
# The same tender with a lot no firm may take: its consortia page names it above them.
PARTIAL = "bouake-tenues"
SERIOUS = ("serious", "critical")
AXE = Axe()


def console_pages() -> list[str]:
    """The path of every page the console serves (its GET routes, with their parameters; not
    the JSON its scripts fetch).
    """
    return sorted(
        route.path
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and "GET" in route.methods
        and getattr(route.response_class, "value", route.response_class) is not JSONResponse
    )


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> Iterator[dict[str, str]]:
    """Values for the pages' parameters: a proposal whose last member declined (so that the
    replacement form shows), a saved pavilion, a firm, and an import job that does not exist
    (its page is the French 404 page, checked too).
    """
    store = live_server.store
    officer = Principal(key_id="a11y", name="Claire Officier", role=Role.OFFICER)
    options = Settings().match_options(lang=Lang.FR)
    tender = stored_tender(store, TENDER)
    best = match_tender(store, tender, options).consortia[0]
    firm_by_lot = {lot: m.siren for m in best.members for lot in m.lots}
    proposal = save_proposal(store, tender, firm_by_lot, options, officer, name="Bouaké A")
    last = proposal.consortium.members[-1].siren
    follow_member(store, proposal.id, last, officer, MemberStatus.DECLINED, "Pas disponible")
    request = PavilionRequest.model_validate(
        {
            "fair": "Africa Health Expo",
            "country": "CI",
            "stands": 4,
            "themes": [{"title": "Imagerie", "cpv": ["33111000-1"]}],
        }
    )
    pavilion = save_pavilion(store, request, options, officer)
    uniforms = Lot(id="L4", title="Tenues du personnel", cpv=["18110000"], budget=200_000)
    store.upsert_tenders(
        [tender.model_copy(update={"id": PARTIAL, "lots": [*tender.lots, uniforms]})]
    )
    yield {
        "tender_id": TENDER,
        "siren": best.members[0].siren,
        "pavilion_id": pavilion.id,
        "job_id": "inconnu",
    }


def _fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace(f"{{{name}}}", value)
    assert "{" not in path, f"give the a11y check a value for {path}"
    return path


def _serious_violations(page: Page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def _open(browser: Browser, server: LiveServer, key: str | None, width: int = 1280) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    if key is not None:
        page.goto(f"{server.url}/console/connexion")
        log_in(page, server, key)
    return page


def test_no_serious_accessibility_violation_on_any_console_page(
    browser: Browser, live_server: LiveServer, seeded: dict[str, str]
) -> None:
    _, viewer = create_key(live_server.store, Role.VIEWER, "Comité de pilotage")
    _, sme = create_key(live_server.store, Role.SME, "PME", seeded["siren"])
    keys = {Role.OFFICER: live_server.officer_key, Role.VIEWER: viewer, Role.SME: sme}
    pages = [_fill(path, seeded) for path in console_pages()]
    assert "/console/programme" in pages and "/console/pavillons/{pavilion_id}" not in pages
    pages.append(f"/console/appels-d-offres/{PARTIAL}/consortiums?top=2")
    found: dict[str, list[str]] = {}
    checked: set[str] = set()
    for role, key in [(None, None), *keys.items()]:
        page = _open(browser, live_server, key)
        for path in [*pages, "/console/cette-page-n-existe-pas"]:
            if path == f"/console/appels-d-offres/{TENDER}/consortiums":
                path += "?top=2"
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            # The login and 403 pages are checked once; every other page for each role.
            kind = (
                "connexion"
                if "/console/connexion" in page.url
                else "403"
                if response.status == 403
                else f"{role} {path} ({response.status})"
            )
            if kind in checked:
                continue
            checked.add(kind)
            violations = _serious_violations(page)
            if violations:
                found[kind] = violations
        page.context.close()
    # Each officer page, the login, 403 and 404 pages, the committee's and the firm's pages.
    assert {"connexion", "403"} <= checked and len(checked) >= len(pages) + 5
    assert found == {}


def test_the_menu_works_at_390_pixels_and_with_the_keyboard(
    browser: Browser, live_server: LiveServer, seeded: dict[str, str]
) -> None:
    page = _open(browser, live_server, live_server.officer_key, width=390)
    for path in ("/console/propositions", "/console/programme", "/console/pavillon"):
        page.goto(f"{live_server.url}{path}")
        menu = page.get_by_role("button", name="Menu")
        nav = page.get_by_role("navigation", name="Navigation principale")
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(nav).to_be_hidden()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    # The keyboard alone: skip link first, then the menu opens, its links are reachable.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Menu")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Appels d'offres", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Programme").click()
    page.wait_for_url("**/console/programme")
    page.context.close()


def test_consortia_print_one_per_page_without_navigation(
    browser: Browser, live_server: LiveServer, seeded: dict[str, str]
) -> None:
    page = _open(browser, live_server, live_server.officer_key)
    page.goto(f"{live_server.url}/console/appels-d-offres/{TENDER}/consortiums?top=3")
    expect(page.locator("article[data-consortium]")).to_have_count(3)
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_hidden()
    buttons = page.locator("button").all()
    assert buttons and not any(button.is_visible() for button in buttons)
    printed = PdfReader(io.BytesIO(page.pdf(format="A4")))
    texts = [p.extract_text() for p in printed.pages]
    assert len(texts) == 3, [t[:80] for t in texts]
    for number, text in enumerate(texts, start=1):
        assert f"Consortium n° {number}" in text
        assert "Déconnexion" not in text and "Changer un membre" not in text
    page.context.close()
