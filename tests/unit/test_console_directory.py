"""The console's firm directory, firm profiles, « Proposer pour un lot », explained scores and
CPV codes confirmed on the tender form, through TestClient (embedded store)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from meute.api.app import create_app
from meute.api.auth import Role, create_key
from meute.api.console import directory
from meute.api.console.base import french_number
from meute.api.scores import CONSORTIUM_TERMS
from meute.api.service import showcase_tender
from meute.api.settings import Settings
from meute.graph.cpv import format_code, label
from meute.graph.decp import read_decp
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import ExportMaturity, FactDeclaration, Region
from meute.graph.store import FirmQuery

BOUAKE = "bouake-hospital"
DECP_EMP = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "decp"
    / "decp_e-marchespublics_2019-04-03.json.zip"
)


@pytest.fixture
def officer(showcase_store: EmbeddedStore, data_dir: Path) -> Iterator[TestClient]:
    """An officer logged in to the console."""
    with TestClient(create_app(showcase_store, Settings(data_dir=data_dir))) as client:
        _, key = create_key(showcase_store, Role.OFFICER, "Claire Officier")
        client.post("/console/connexion", data={"key": key}, follow_redirects=False)
        yield client


def shown(response: Response) -> str:
    """The page's text without tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def listed(response: Response) -> list[str]:
    return re.findall(r'<tr data-siren="(\d{9})"', response.text)


def test_the_directory_pages_through_every_firm(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    total = showcase_store.count_firms()
    first = officer.get("/console/entreprises")
    assert first.status_code == 200
    assert f"{total} entreprises enregistrées" in shown(first).replace("\u202f", "")
    assert len(listed(first)) == 25
    assert 'href="?page=2">Suivante</a>' in first.text
    second = officer.get("/console/entreprises?page=2")
    assert set(listed(first)).isdisjoint(listed(second))
    assert 'href="?page=1">Précédente</a>' in second.text
    # A filtered list pages through the filtered firms.
    smes, _ = showcase_store.find_firms(FirmQuery(sme=True), 0, 26)
    assert len(smes) > 25
    filtered = officer.get("/console/entreprises", params={"pme": "oui"})
    assert 'href="?pme=oui&amp;page=2">Suivante</a>' in filtered.text
    assert listed(first) == [f.siren for f in showcase_store.list_firms(0, 25)]
    # Each row links to the profile.
    siren = listed(first)[0]
    assert f'href="/console/entreprises/{siren}"' in first.text


def test_the_directory_finds_firms_by_name_siren_and_filters(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    firm = showcase_store.list_firms(5, 1)[0]
    word = max(firm.name.split(), key=len)
    by_name = officer.get("/console/entreprises", params={"q": word.lower()})
    expected, _ = showcase_store.find_firms(FirmQuery(name=word), 0, 25)
    assert listed(by_name) == [f.siren for f in expected] and firm.siren in listed(by_name)
    assert listed(officer.get("/console/entreprises", params={"q": firm.siren})) == [firm.siren]
    filters = {"region": "Bretagne", "pme": "oui", "maturite": "regular"}
    found = officer.get("/console/entreprises", params=filters)
    query = FirmQuery(region=Region.BRETAGNE, sme=True, maturity=ExportMaturity.REGULAR)
    expected, total = showcase_store.find_firms(query, 0, 25)
    assert listed(found) == [f.siren for f in expected] and total > 0


def test_a_cpv_prefix_finds_the_firms_of_its_descendants(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    found = officer.get("/console/entreprises", params={"cpv": "331"})
    expected, total = showcase_store.find_firms(FirmQuery(cpv="33100000"), 0, 25)
    assert listed(found) == [f.siren for f in expected] and total > 0
    # Descendant codes (33111000 and so on), not only 33100000 itself.
    codes = {c.cpv for f in expected for c in f.capabilities if c.cpv.startswith("331")}
    assert codes - {"33100000"}
    assert "Savoir-faire recherché : 33100000-1 · Équipements médicaux" in shown(found)


def test_words_are_read_as_a_cpv_code_shown_with_its_label_and_others_offered(
    officer: TestClient,
) -> None:
    found = officer.get("/console/entreprises", params={"cpv": "imagerie médicale"})
    text = shown(found)
    assert found.status_code == 200
    assert re.search(r"Savoir-faire recherché : 331\d{5}-\d · .*lu dans vos mots", text)
    assert re.search(r"data-autre-lecture>3311\d{4}", found.text)  # imaging, one click away
    assert listed(found)
    assert "data-autre-lecture" in found.text


def test_bad_directory_values_are_said_in_french(officer: TestClient) -> None:
    refused = officer.get("/console/entreprises", params={"cpv": "999", "naf": "xx"})
    assert refused.status_code == 422
    text = shown(refused)
    assert "« 999 » : code absent du vocabulaire CPV 2008" in text
    assert "un code NAF ou son début" in text
    assert not listed(refused)


def test_the_profile_labels_every_code_and_links_contacts(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    firm = next(f for f in showcase_store.list_firms(0, 300) if f.export_countries and f.naf)
    officer.post(
        f"/console/entreprises/{firm.siren}/faits",
        data={"contact_email": "export@example.fr", "contact_phone": "+33 2 98 00 00 00"},
    )
    declared = showcase_store.get_firm(firm.siren)
    assert declared is not None and declared.contact_phone == "+33 2 98 00 00 00"
    page = officer.get(f"/console/entreprises/{firm.siren}")
    text = shown(page)
    assert 'href="mailto:export@example.fr"' in page.text
    assert 'href="tel:+33298000000"' in page.text
    for capability in firm.capabilities:
        assert label(capability.cpv, "fr") in text
    assert "Source des marchés : fictif (démonstration)" in text
    assert firm.naf is not None and firm.naf in text
    if "CI" in firm.export_countries:
        assert "Côte d’Ivoire" in text


def test_the_profile_lists_the_contracts_proving_each_capability(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    decp = next(f for f in read_decp([DECP_EMP]).firms if len(f.capabilities) >= 2)
    showcase_store.upsert_firms([decp])

    page = officer.get(f"/console/entreprises/{decp.siren}")

    assert page.status_code == 200
    for capability in decp.capabilities:
        code = format_code(capability.cpv)
        block = re.search(rf'<tr class="preuves" data-preuves="{code}">(.*?)</tr>', page.text, re.S)
        assert block is not None
        items = re.findall(r"<li data-marche=.*?</li>", block.group(1), re.S)
        assert len(items) == len(capability.awards) >= 1
        for item, award in zip(items, capability.awards, strict=True):
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
            assert award.date is not None and award.date.strftime("%d/%m/%Y") in text
            assert award.buyer is not None and " ".join(award.buyer.split()) in text
            assert f"« {' '.join(award.objet.split())} »" in text
            if award.amount_eur is not None:
                assert " ".join(f"{french_number(award.amount_eur)} €".split()) in text
            assert text.endswith("données d'attribution (DECP)")
    synthetic = next(f for f in showcase_store.list_firms(0, 2) if f.siren != decp.siren)
    text = shown(officer.get(f"/console/entreprises/{synthetic.siren}"))
    reason = "Aucun marché enregistré : savoir-faire fictif (démonstration)"
    assert text.count(reason) == len(synthetic.capabilities)


def test_a_bad_phone_is_refused_in_french(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    siren = showcase_store.list_firms(0, 1)[0].siren
    refused = officer.post(f"/console/entreprises/{siren}/faits", data={"contact_phone": "abc"})
    assert refused.status_code == 422 and "Téléphone : valeur refusée (abc)" in shown(refused)
    assert FactDeclaration(contact_phone="02 98 00 00 00").contact_phone == "02 98 00 00 00"


def test_a_firm_proposed_for_a_lot_shows_the_new_score_and_each_term_change(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    trainers, _ = showcase_store.find_firms(FirmQuery(cpv="80500000"), 0, 5)
    siren = trainers[-1].siren
    profile = officer.get(f"/console/entreprises/{siren}")
    assert f'value="{BOUAKE}/L3"' in profile.text  # an open tender's lot
    page = officer.post(f"/console/entreprises/{siren}/proposer", data={"lot": f"{BOUAKE}/L3"})
    assert page.status_code == 200
    text = shown(page)
    assert "proposée pour le lot L3 · Formation du personnel" in text
    assert re.search(r"Nouveau score \d+,\d / 100", text)
    assert page.text.count("data-variation") == len(CONSORTIUM_TERMS)
    assert re.search(rf'<tr data-siren="{siren}">\s*<td data-nom>', page.text)
    # A firm that cannot take the lot is refused with the matcher's French reason.
    builder, _ = showcase_store.find_firms(FirmQuery(cpv="45000000"), 0, 1)
    refused = officer.post(
        f"/console/entreprises/{builder[0].siren}/proposer", data={"lot": f"{BOUAKE}/L3"}
    )
    assert refused.status_code == 422 and "Lot L3 · Formation du personnel :" in shown(refused)


def test_the_open_tenders_offered_on_a_profile_are_found_by_words(
    officer: TestClient, showcase_store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bouake = showcase_store.get_tender(BOUAKE)
    assert bouake is not None
    today = dt.date.today()
    past = bouake.model_copy(update={"id": "ferme", "deadline": today - dt.timedelta(days=1)})
    soon = bouake.model_copy(update={"id": "bientot", "deadline": today + dt.timedelta(days=2)})
    showcase_store.upsert_tenders([past, soon])
    siren = showcase_store.list_firms(0, 1)[0].siren

    def offered(words: str) -> list[str]:
        page = officer.get(f"/console/entreprises/{siren}", params={"appel": words})
        assert page.status_code == 200
        return list(dict.fromkeys(re.findall(r'<option value="([^"/]+)/', page.text)))

    # Words of the title, a lot, the country's French name (accents and apostrophes folded).
    for words in ("Bouaké", "formation du personnel", "cote d'ivoire hopital"):
        assert offered(words)[:2] == ["bientot", BOUAKE], words  # soonest deadline first
    assert "ferme" not in offered("")  # its deadline is past
    nothing = officer.get(f"/console/entreprises/{siren}", params={"appel": "zzzqx"})
    assert "Aucun appel d'offres ouvert ne contient « zzzqx »" in shown(nothing)
    # Beyond the offered number, the officer is told how many match and to narrow the search.
    monkeypatch.setattr(directory, "OPEN_TENDERS", 1)
    assert offered("Bouaké") == ["bientot"]
    page = officer.get(f"/console/entreprises/{siren}", params={"appel": "Bouaké"})
    assert "2 appels d'offres ouverts correspondent : les 1 dont" in shown(page)


def test_consortia_show_the_legend_the_deciding_terms_and_scores_out_of_100(
    officer: TestClient,
) -> None:
    page = officer.get(f"/console/appels-d-offres/{BOUAKE}/consortiums?top=3")
    text = shown(page)
    assert "Comment lire le score" in text
    for term in CONSORTIUM_TERMS.values():
        assert f"{term.label} " in text and term.meaning in text
    assert "Adéquation 35 %" in text
    assert re.search(r"Classé n° 1 : devant le n° 2 surtout par [a-zé' ()]+ \(\+\d+,\d\)", text)
    assert re.findall(r"data-score>(\d+,\d)<", page.text)
    # The search's progress, shown by the script while the next search runs.
    assert re.search(r'<p class="attente" data-attente role="status" hidden>', page.text)
    assert "au plus 60 s" in text


def test_a_lot_without_codes_is_not_stored_until_codes_are_confirmed(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    tender = showcase_tender()
    form: dict[str, object] = {
        "id": "sans-code",
        "title": tender.title,
        "buyer": tender.buyer,
        "country": "CI",
        "budget": "45000000",
        "currency": "EUR",
        "lot_id": ["L1", "L2"],
        "lot_title": ["Construction", "Formation du personnel"],
        "lot_description": ["", "formation des infirmiers et des techniciens"],
        "lot_cpv": ["45215140-0", ""],
        "lot_budget": ["", ""],
        "lot_required_certifications": ["", ""],
        "allow_multiple_lots": "oui",
    }
    refused = officer.post("/console/appels-d-offres/nouveau", data=form)
    assert refused.status_code == 422 and showcase_store.get_tender("sans-code") is None
    text = shown(refused)
    assert "Lot 2 — codes CPV : aucun code CPV confirmé" in text
    offered = re.findall(
        r'data-code="([\d-]+)" data-libelle="[^"]+" data-confiance="([\d.]+)"', refused.text
    )
    assert offered and all(0 < float(confidence) <= 1 for _, confidence in offered)
    assert re.search(r"805\d{5}-\d · Services de formation[^(]* \(confiance", text)
    # The confirmed codes are shown with their labels; accepted, the tender is stored.
    assert "45215140-0 · " + label("45215140", "fr") in text
    accepted = officer.post(
        "/console/appels-d-offres/nouveau",
        data=form | {"lot_cpv": ["45215140-0", offered[0][0]]},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    stored = showcase_store.get_tender("sans-code")
    assert stored is not None and stored.lots[1].cpv == [offered[0][0].split("-")[0]]


def test_labels_of_typed_codes(officer: TestClient) -> None:
    answer = officer.get("/console/cpv/libelles", params={"codes": "33111000, 99999999"})
    assert answer.json() == {"33111000": label("33111000", "fr"), "99999999": None}


def test_the_pavilion_shows_each_themes_codes_to_confirm(
    officer: TestClient, showcase_store: EmbeddedStore
) -> None:
    form = {
        "fair": "Africa Health Expo",
        "country": "CI",
        "stands": "4",
        "themes": "Imagerie : imagerie médicale\nStérilisation : 33191000-5",
    }
    page = officer.post("/console/pavillon", data=form)
    assert page.status_code == 200
    rows = re.findall(r'<tr data-theme="([^"]+)">(.*?)</tr>', page.text, re.S)
    assert [title for title, _ in rows] == ["Imagerie", "Stérilisation"]
    imaging, sterilising = (shown_text(row) for _, row in rows)
    assert re.search(r"3311\d{4}-\d · .* confiance \d+ % .*déduits de vos mots", imaging)
    assert f"33191000-5 · {label('33191000', 'fr')} saisis" in sterilising
    lines = re.search(r'data-lignes="([^"]*)"', page.text)
    assert lines is not None
    typed = html.unescape(lines.group(1)).split("\n")
    assert typed[1] == "Stérilisation : 33191000-5" and typed[0].startswith("Imagerie : 3311")
    # Taken back into the form, the confirmed codes shortlist firms of those codes' classes (the
    # learnt fit also reads the theme's words, so the firms may differ from the run on words).
    again = officer.post("/console/pavillon", data=form | {"themes": "\n".join(typed)})
    chosen = showcase_store.get_firms(re.findall(r'<tr data-siren="(\d+)"', again.text))
    classes = {typed[0].split(" : ")[1][:4], "3319"}
    assert len(chosen) == 4
    assert all({c.cpv[:4] for c in firm.capabilities} & classes for firm in chosen)
    assert {c.cpv[:4] for firm in chosen for c in firm.capabilities} >= classes


def shown_text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
