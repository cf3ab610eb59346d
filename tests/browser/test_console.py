"""The web console end to end in headless Chromium, on the embedded store and on Neo4j."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from meute.api.exports import TERM_LABELS
from meute.api.service import showcase_tender
from meute.graph.model import Tender
from tests.browser.conftest import LiveServer, log_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "console.png"
HOSTILE = "<script>window.pwned=1</script><img src=x onerror=alert(1)>"


def _lot_block(page: Page, index: int) -> Locator:
    return page.locator("[data-lot]").nth(index)


def _enter_tender(page: Page, tender: Tender, tender_id: str) -> None:
    """Type the tender into the entry form, taking CPV codes from the suggestions list once."""
    page.get_by_label("Identifiant (lettres").fill(tender_id)
    page.get_by_label("Intitulé", exact=True).fill(tender.title)
    page.get_by_label("Acheteur").fill(tender.buyer)
    page.get_by_label("Pays (code ISO").fill(tender.country)
    page.get_by_label("Budget", exact=True).fill("45 000 000")
    page.get_by_label("Devise").select_option(tender.currency)
    assert tender.deadline is not None
    page.get_by_label("Date limite").fill(tender.deadline.isoformat())
    for index, lot in enumerate(tender.lots):
        if index > 0:
            page.get_by_role("button", name="Ajouter un lot").click()
        block = _lot_block(page, index)
        expect(block.locator("legend")).to_have_text(f"Lot {index + 1}")
        block.get_by_label("Identifiant du lot").fill(lot.id)
        block.get_by_label("Intitulé du lot").fill(lot.title)
        block.get_by_label("Description").fill(lot.description)
        assert lot.budget is not None
        block.get_by_label("Budget du lot").fill(f"{lot.budget:.0f}")
        block.get_by_label("Certifications exigées").fill(", ".join(lot.required_certifications))
        codes = block.get_by_label("Codes CPV")
        if index == 0:
            # As the officer types, suggestions come: click the one the tender uses.
            suggestion = block.locator('[data-suggestions] button[data-code="45215140-0"]')
            suggestion.click()
            expect(codes).to_have_value("45215140-0")
        else:
            codes.fill(", ".join(lot.cpv))
    page.get_by_label("Nombre maximal de membres").fill(str(tender.constraints.max_members))
    page.get_by_label("Nombre minimal de PME").fill(str(tender.constraints.min_smes))


def _members_shown(page: Page) -> list[list[tuple[str, str]]]:
    """Per consortium on the page, its members as (SIREN, lots)."""
    shown = []
    for article in page.locator("article[data-consortium]").all():
        rows = article.locator("table.membres tbody tr").all()
        shown.append(
            [
                (
                    row.get_attribute("data-siren") or "",
                    row.locator("[data-lots]").get_attribute("data-lots") or "",
                )
                for row in rows
            ]
        )
    return shown


def test_enter_the_bouake_tender_and_get_its_consortia(
    page: Page, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    tender = showcase_tender()
    page.goto(f"{live_server.url}/console/appels-d-offres/nouveau")
    expect(page).to_have_url(
        f"{live_server.url}/console/connexion?suite=%2Fconsole%2Fappels-d-offres%2Fnouveau"
    )
    log_in(page, live_server)
    expect(page.get_by_role("heading", name="Saisir un appel d'offres")).to_be_visible()

    _enter_tender(page, tender, "bouake-console")
    page.get_by_role("button", name="Enregistrer et proposer des consortiums").click()
    page.wait_for_url("**/console/appels-d-offres/bouake-console/consortiums?ok=appel")
    expect(page.locator("[data-confirmation]")).to_have_text("Appel d'offres enregistré.")
    stored = live_server.store.get_tender("bouake-console")
    assert stored is not None and stored.lots == tender.lots

    consortia = page.locator("article[data-consortium]")
    expect(consortia).to_have_count(5)
    page.get_by_label("Propositions").select_option("3")
    page.get_by_role("button", name="Actualiser").click()
    page.wait_for_url("**/consortiums?top=3&mode=fast")
    expect(consortia).to_have_count(3)
    shown = _members_shown(page)
    for members in shown:
        lots = sorted(lot for _, taken in members for lot in taken.split())
        assert lots == ["L1", "L2", "L3"]
    first = consortia.first
    expect(first.locator("dl[data-repartition] dt")).to_have_text(list(TERM_LABELS.values()))
    expect(first.locator("svg.reseau g.firme")).to_have_count(len(shown[0]))
    expect(first.locator("svg.reseau g.lot")).to_have_count(3)

    # Swap the training firm for another candidate and see the new score in place.
    first.get_by_text("Changer un membre").click()
    choice = first.get_by_label("L3 · Formation du personnel")
    alternative = choice.locator("option").nth(1).get_attribute("value")
    assert alternative is not None
    choice.select_option(alternative)
    first.get_by_role("button", name="Évaluer cette composition").click()
    result = first.locator("[data-evaluation-resultat] [data-evaluation]")
    expect(result.locator("[data-score]")).to_have_text(re.compile(r"^\d+,\d$"))
    expect(result.locator(f'tr[data-siren="{alternative}"] [data-lots]')).to_have_attribute(
        "data-lots", "L3"
    )
    expect(result.locator("[data-ecart]")).to_contain_text("par rapport à la proposition")

    if request.node.callspec.params["live_server"] == "embedded":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOT, full_page=True)

    # The XLSX export holds the consortia the page shows, member by member.
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter (XLSX)").click()
    assert download.value.suggested_filename == "consortiums-bouake-console.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    sheet = load_workbook(saved)["Consortiums"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Rang", "Score", "SIREN", "Raison sociale", "Lots")
    exported: dict[int, list[tuple[str, str]]] = {}
    for rank, _, siren, _, lots, *_ in rows[1:]:
        lot_ids = " ".join(part.split(" ", 1)[0] for part in str(lots).split(", "))
        exported.setdefault(int(str(rank)), []).append((str(siren), lot_ids))
    assert exported == {rank: members for rank, members in enumerate(shown, start=1)}


@pytest.mark.parametrize("live_server", ["embedded"], indirect=True)
def test_hostile_text_is_shown_as_text_and_never_run(page: Page, live_server: LiveServer) -> None:
    store = live_server.store
    tender = showcase_tender()
    firm = store.get_firm(store.list_firms(0, 1)[0].siren)
    assert firm is not None
    store.upsert_firms([firm.model_copy(update={"name": HOSTILE, "description": HOSTILE})])
    lots = [tender.lots[0].model_copy(update={"title": HOSTILE}), *tender.lots[1:]]
    store.upsert_tenders(
        [tender.model_copy(update={"id": "hostile", "title": HOSTILE, "lots": lots})]
    )
    log_in(page, live_server)
    for path in (
        "/console/appels-d-offres",
        "/console/appels-d-offres/hostile/consortiums?top=1",
        f"/console/entreprises/{firm.siren}",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_text(HOSTILE).first).to_be_visible()
        assert page.evaluate("window.pwned") is None
    # Typed into the form and sent back with an error, it stays text too.
    page.goto(f"{live_server.url}/console/appels-d-offres/nouveau")
    page.get_by_label("Intitulé", exact=True).fill(HOSTILE)
    page.get_by_role("button", name="Enregistrer et proposer des consortiums").click()
    expect(page.get_by_role("alert")).to_contain_text("L'appel d'offres n'a pas été enregistré")
    expect(page.get_by_label("Intitulé", exact=True)).to_have_value(HOSTILE)
    assert page.evaluate("window.pwned") is None


TED_SAMPLE = ROOT / "fixtures" / "ted" / "2019_split" / "AT.csv.gz"
TED_TENDER = "ted-2019153534"  # three lots of building works in Austria, titled in German


def test_import_a_ted_notice_edit_it_and_match_it(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/console/connexion")
    log_in(page, live_server)
    page.get_by_role("link", name="Importer un avis").first.click()
    expect(page.get_by_role("heading", name="Importer un avis")).to_be_visible()
    page.get_by_label("Fichiers d'avis TED").set_input_files(TED_SAMPLE)
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("[data-etat]")).to_have_attribute("data-etat", "done", timeout=120_000)
    created = int(page.locator("[data-cree]").inner_text().replace("\u202f", ""))
    assert created > 300

    # The list shows each tender's source, and TED tenders link to their notice.
    page.goto(f"{live_server.url}/console/appels-d-offres?page=2")
    ted_rows = page.locator('td[data-source="ted"]')
    expect(ted_rows.first).to_contain_text("TED")
    link = ted_rows.first.get_by_role("link", name="Voir l'avis")
    expect(link).to_have_attribute("href", re.compile(r"^https://ted\.europa\.eu/udl\?uri=TED:"))

    # Open the notice's tender, drop its third lot, save: it is matched like any other.
    page.goto(f"{live_server.url}/console/appels-d-offres/nouveau?depuis={TED_TENDER}")
    expect(page.locator("[data-lot]")).to_have_count(3)
    _lot_block(page, 2).get_by_role("button", name="Retirer ce lot").click()
    expect(page.locator("[data-lot]")).to_have_count(2)
    page.get_by_role("button", name="Enregistrer et proposer des consortiums").click()
    page.wait_for_url(f"**/console/appels-d-offres/{TED_TENDER}/consortiums?ok=appel")
    stored = live_server.store.get_tender(TED_TENDER)
    assert stored is not None and [lot.id for lot in stored.lots] == ["1", "10"]
    assert stored.source == "ted" and stored.notice is not None
    expect(page.locator("[data-avis] summary")).to_contain_text("Avis TED 2019153534 (travaux")
    expect(page.locator("[data-avis] [data-attribution]")).to_have_count(3)
    expect(page.locator("article[data-consortium]").first).to_contain_text(
        re.compile(r"rédigés? en allemand : (son|leur) texte n'a pas servi au rapprochement")
    )
