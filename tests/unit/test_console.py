"""The French web console through TestClient: sessions, roles, the tender form, swaps,
proposals, programme tracking and inert display of hostile text (embedded store)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import load_workbook

from meute.api.app import create_app
from meute.api.auth import COOKIE, Role, create_key, revoke_key
from meute.api.console import (
    codes,
    directory,
    firms,
    imports,
    pavilion,
    session,
    tenders,
    tracking,
)
from meute.api.console.base import templates
from meute.api.console.network import network
from meute.api.exports import TERM_LABELS
from meute.api.service import showcase_tender
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import (
    Collaboration,
    Consortium,
    ConsortiumMember,
    FactSource,
    Firm,
    Lot,
    Region,
    provenance_of_all,
)
from meute.matcher.phrases import phrase
from tests.unit.factories import valid_siren

BOUAKE = "bouake-hospital"
HOSTILE = "<script>window.pwned=1</script><img src=x onerror=alert(1)>"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, programme_target=10)


@pytest.fixture
def app_client(showcase_store: EmbeddedStore, settings: Settings) -> Iterator[TestClient]:
    """A client with no key yet (log in through the form)."""
    with TestClient(create_app(showcase_store, settings)) as client:
        yield client


def log_in(client: TestClient, store: EmbeddedStore, role: Role, siren: str | None = None) -> str:
    """Log in through the console's form with a new key of ``role``; return the key's id."""
    stored, key = create_key(store, role, f"Test {role}", siren)
    response = client.post("/console/connexion", data={"key": key}, follow_redirects=False)
    assert response.status_code == 303
    return stored.id


def shown(response: Response) -> str:
    """The page's text as the browser shows it (entities decoded)."""
    return html.unescape(response.text)


def first_siren(store: EmbeddedStore) -> str:
    return store.list_firms(0, 1)[0].siren


def test_console_pages_redirect_to_login_then_back(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    response = app_client.get("/console/propositions?statut=proposed", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/console/connexion?suite=%2Fconsole%2Fpropositions%3Fstatut%3Dproposed"
    )
    _, key = create_key(showcase_store, Role.OFFICER, "Claire")
    login = app_client.post(
        "/console/connexion",
        data={"key": key, "suite": "/console/propositions?statut=proposed"},
        follow_redirects=False,
    )
    assert login.status_code == 303
    assert login.headers["location"] == "/console/propositions?statut=proposed"
    cookie = login.headers["set-cookie"]
    secret = key.split("_", 2)[2]  # the secret itself may hold "_" (URL-safe base64)
    assert cookie.startswith(f"{COOKIE}=") and key not in cookie and secret not in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    session_id = cookie.split(";")[0].removeprefix(f"{COOKIE}=")
    stored = showcase_store.list_records("session")
    assert len(stored) == 1 and session_id not in stored[0] and key not in stored[0]
    assert app_client.get("/console/propositions").status_code == 200
    assert app_client.get("/tenders").status_code == 200  # the API accepts the session too


def test_login_refuses_bad_keys_in_french_and_ignores_foreign_redirects(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    empty = app_client.post("/console/connexion", data={"key": "  "})
    assert empty.status_code == 401 and "Saisissez votre clé d'accès." in shown(empty)
    wrong = app_client.post("/console/connexion", data={"key": "meute_000000000000_" + "a" * 43})
    assert wrong.status_code == 401 and "Clé inconnue ou révoquée." in wrong.text
    assert "set-cookie" not in wrong.headers
    _, key = create_key(showcase_store, Role.OFFICER, "Claire")
    outside = app_client.post(
        "/console/connexion",
        data={"key": key, "suite": "//evil.example/console/"},
        follow_redirects=False,
    )
    assert outside.headers["location"] == "/console/appels-d-offres"


def test_logout_and_revocation_end_the_session(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    assert app_client.get("/console/appels-d-offres").status_code == 200
    session_id = app_client.cookies[COOKIE]
    out = app_client.post("/console/deconnexion", follow_redirects=False)
    assert out.headers["location"] == "/console/connexion"
    assert f'{COOKIE}=""' in out.headers["set-cookie"]
    app_client.cookies.set(COOKIE, session_id)  # a copy kept from before: no longer valid
    assert app_client.get("/console/appels-d-offres", follow_redirects=False).status_code == 303
    assert app_client.get("/tenders").status_code == 401
    app_client.cookies.clear()
    assert app_client.get("/console/appels-d-offres", follow_redirects=False).status_code == 303
    key_id = log_in(app_client, showcase_store, Role.OFFICER)
    assert app_client.get("/console/appels-d-offres").status_code == 200
    revoke_key(showcase_store, key_id)
    assert app_client.get("/console/appels-d-offres", follow_redirects=False).status_code == 303


def test_each_role_lands_on_its_home_and_gets_a_french_403_elsewhere(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.VIEWER)
    home = app_client.get("/console", follow_redirects=False)
    assert home.headers["location"] == "/console/programme"
    assert app_client.get("/console/programme").status_code == 200
    for path in (
        f"/console/appels-d-offres/{BOUAKE}/consortiums",
        "/console/appels-d-offres/nouveau",
        "/console/propositions",
        f"/console/entreprises/{first_siren(showcase_store)}",
    ):
        refused = app_client.get(path)
        assert refused.status_code == 403, path
        assert "Accès refusé" in refused.text and "/console/programme" in refused.text


def test_an_sme_sees_its_own_firm_in_full_others_as_public_profiles(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    own, other = (firm.siren for firm in showcase_store.list_firms(0, 2))
    log_in(app_client, showcase_store, Role.SME, own)
    assert app_client.get("/console", follow_redirects=False).headers["location"] == (
        f"/console/entreprises/{own}/partenaires"
    )
    partners = app_client.get(f"/console/entreprises/{own}/partenaires")
    assert partners.status_code == 200 and "Partenaires possibles" in partners.text
    assert app_client.get(f"/console/entreprises/{other}/partenaires").status_code == 403
    assert "Chiffre d'affaires" in shown(app_client.get(f"/console/entreprises/{own}"))
    public = app_client.get(f"/console/entreprises/{other}")
    assert public.status_code == 200 and "Chiffre d'affaires" not in shown(public)
    assert app_client.get("/console/programme").status_code == 403
    assert app_client.get("/console/entreprises/000000000").status_code == 404


def _tender_form(**changes: object) -> dict[str, object]:
    """The Bouaké tender as the form sends it (lots as repeated fields)."""
    tender = showcase_tender()
    form: dict[str, object] = {
        "id": "bouake-console",
        "title": tender.title,
        "buyer": tender.buyer,
        "country": "ci",
        "budget": "45 000 000",
        "currency": "EUR",
        "deadline": "2027-03-31",
        "lot_id": [lot.id for lot in tender.lots],
        "lot_title": [lot.title for lot in tender.lots],
        "lot_description": [lot.description for lot in tender.lots],
        "lot_cpv": [", ".join(lot.cpv) for lot in tender.lots],
        "lot_budget": [f"{lot.budget:.0f}" for lot in tender.lots],
        "lot_required_certifications": [
            ", ".join(lot.required_certifications) for lot in tender.lots
        ],
        "max_members": "6",
        "min_smes": "1",
        "allow_multiple_lots": "oui",
    }
    form.update(changes)
    return form


def test_the_tender_form_stores_the_tender_and_shows_its_consortia(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    response = app_client.post(
        "/console/appels-d-offres/nouveau", data=_tender_form(), follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/console/appels-d-offres/bouake-console/consortiums?ok=appel"
    )
    stored = showcase_store.get_tender("bouake-console")
    assert stored is not None
    expected = showcase_tender()
    assert stored.lots == expected.lots and stored.budget == expected.budget
    assert stored.country == "CI" and stored.constraints == expected.constraints
    page = app_client.get(response.headers["location"])
    assert page.status_code == 200
    assert page.text.count('class="consortium"') == 5
    assert "écart au meilleur possible ≤" in shown(page)
    for term in TERM_LABELS.values():
        assert f">{term}</dt>" in shown(page)
    # The stored tender fills the form again, CPV codes with their check digit.
    again = app_client.get("/console/appels-d-offres/nouveau?depuis=bouake-console")
    assert 'value="45215140-0"' in again.text and 'value="45000000"' in again.text


def test_a_bad_tender_form_is_shown_again_with_french_messages_and_nothing_is_stored(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    before = showcase_store.count_tenders()
    data = _tender_form(
        title="  ",
        country="Côte d'Ivoire",
        budget="beaucoup",
        lot_cpv=["45215140-0", "33100000-1, 99999999", "8051000-2"],
        lot_budget=["30000000", "-5", "4000000"],
        must_include="123456789",
    )
    response = app_client.post("/console/appels-d-offres/nouveau", data=data)
    assert response.status_code == 422
    assert showcase_store.count_tenders() == before
    errors = dict(re.findall(r'<p class="erreur" data-champ="([^"]+)">([^<]+)</p>', response.text))
    assert errors == {
        "title": "champ obligatoire",
        "country": "code pays ISO de deux lettres, par exemple CI",
        "budget": "nombre attendu",
        "lots.1.cpv": "« 99999999 » : code absent du vocabulaire CPV 2008",
        "lots.1.budget": "doit être supérieur ou égal à 0",
        "lots.2.cpv": "« 8051000-2 » : un code CPV a 8 chiffres, suivis ou non de « - » et du "
        "chiffre de contrôle",
        "constraints.must_include": "« 123456789 » : SIREN invalide (clé de contrôle)",
    }
    assert "<strong>Lot 2 — codes CPV</strong>" in response.text
    assert "<strong>Entreprises imposées</strong>" in response.text
    # What was typed is kept.
    assert 'value="beaucoup"' in response.text and "99999999" in response.text


def test_a_form_without_lots_asks_for_one(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    data = {k: v for k, v in _tender_form().items() if not k.startswith("lot_")}
    response = app_client.post("/console/appels-d-offres/nouveau", data=data)
    assert response.status_code == 422
    assert '<p class="erreur" data-champ="lots">ajoutez au moins 1 lot</p>' in response.text


def _assignment_fields(page: str, rank: int) -> dict[str, str]:
    """The hidden lot -> SIREN fields of one consortium's save form."""
    article = page.split(f'data-consortium="{rank}"')[1].split("</article>")[0]
    save = article.split('class="enregistrer"')[1].split("</form>")[0]
    return dict(re.findall(r'name="(affectation\.[^"]+)" value="(\d{9})"', save))


def _smes(store: EmbeddedStore, fields: dict[str, str]) -> int:
    return sum(firm.is_sme for firm in store.get_firms(set(fields.values())))


def test_swapping_a_member_rescores_and_an_unfit_firm_is_refused_in_french(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    page = app_client.get(f"/console/appels-d-offres/{BOUAKE}/consortiums?top=3").text
    first = _assignment_fields(page, 1)
    assert set(first) == {"affectation.L1", "affectation.L2", "affectation.L3"}
    # The next consortium that gives lot L1 to another firm.
    second = next(
        fields
        for fields in (_assignment_fields(page, 2), _assignment_fields(page, 3))
        if fields["affectation.L1"] != first["affectation.L1"]
    )
    swapped = {**first, "affectation.L1": second["affectation.L1"]}
    url = f"/console/appels-d-offres/{BOUAKE}/evaluation"
    response = app_client.post(url, data={**swapped, "reference": "0.5"})
    assert response.status_code == 200
    score = re.search(r"<strong data-score>([\d,]+)</strong>", response.text)
    assert score is not None
    assert re.search(r"\+[\d,]+ par rapport à la proposition", response.text)
    assert f'value="{second["affectation.L1"]}"' in response.text  # saved as evaluated
    # Against a tender asking for 3 SMEs, a composition with fewer breaks a constraint: said in
    # French, and it cannot be saved.
    tender = showcase_tender()
    strict = tender.model_copy(
        update={
            "id": "strict",
            "constraints": tender.constraints.model_copy(update={"min_smes": 3}),
        }
    )
    showcase_store.upsert_tenders([strict])
    fewer = min((first, second), key=lambda fields: _smes(showcase_store, fields))
    assert _smes(showcase_store, fewer) < 3
    broken = app_client.post("/console/appels-d-offres/strict/evaluation", data=fewer)
    assert broken.status_code == 200
    assert re.search(r"<li>\d PME, moins que le minimum \(3\)</li>", broken.text)
    assert "comme proposition" not in broken.text
    builder = swapped["affectation.L1"]
    unfit = app_client.post(url, data={**first, "affectation.L2": builder})
    assert unfit.status_code == 422
    assert "Lot L2 · Équipements médicaux : cette entreprise ne peut pas prendre ce lot." in (
        unfit.text
    )


def test_reasons_and_infeasibility_are_the_matchers_own_french(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    page = shown(app_client.get(f"/console/appels-d-offres/{BOUAKE}/consortiums?top=2"))
    reasons = re.findall(r'<td class="pourquoi">([^<]+)</td>', page)
    assert reasons and reasons[0].startswith("Chef de file, prend le lot L1 « ")
    assert all(" ; " in why and re.search(r"\(adéquation \d+(,\d)?/100\)", why) for why in reasons)
    assert not any(word in page for word in ("Takes lot", "Leads", "delivers", "based in"))
    siren = first_siren(showcase_store)
    partners = shown(app_client.get(f"/console/entreprises/{siren}/partenaires?top=3"))
    assert "exportateur" in partners and " exporter" not in partners
    tender = showcase_tender()
    alone = tender.constraints.model_copy(update={"max_members": 1, "allow_multiple_lots": True})
    showcase_store.upsert_tenders([tender.model_copy(update={"id": "seul", "constraints": alone})])
    infeasible = shown(app_client.get("/console/appels-d-offres/seul/consortiums?top=1"))
    assert "aucun consortium ne respecte les contraintes de l'appel d'offres" in infeasible
    assert "sans cette limite, le meilleur consortium compte 3 membres" in infeasible


def test_a_lot_no_french_firm_may_take_is_said_and_the_others_are_proposed(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    tender = showcase_tender()
    uniforms = Lot(id="L4", title="Tenues du personnel", cpv=["18110000"], budget=200_000)
    showcase_store.upsert_tenders(
        [tender.model_copy(update={"id": "tenues", "lots": [*tender.lots, uniforms]})]
    )
    page = app_client.get("/console/appels-d-offres/tenues/consortiums?top=2")
    assert page.status_code == 200
    text = shown(page)
    assert "1 lot sur 4 sans entreprise française" in text
    assert (
        "L4 · Tenues du personnel : aucune entreprise candidate ne fournit rien de proche des "
        "codes CPV de ce lot"
    ) in text
    fields = _assignment_fields(page.text, 1)
    assert set(fields) == {"affectation.L1", "affectation.L2", "affectation.L3"}
    # The swap form offers the covered lots; the composition is scored and saved without L4.
    evaluated = app_client.post(
        "/console/appels-d-offres/tenues/evaluation", data={**fields, "reference": "0.5"}
    )
    assert evaluated.status_code == 200 and "data-score" in evaluated.text
    saved = app_client.post(
        "/console/propositions",
        data={"tender_id": "tenues", **fields},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert (
        "Lots sans entreprise française : L4 · Tenues du personnel (aucune entreprise candidate "
        "ne fournit rien de proche des codes CPV de ce lot)."
    ) in shown(app_client.get("/console/propositions"))
    sheet = app_client.get("/tenders/tenues/consortia/export?format=xlsx&top=2")
    assert sheet.status_code == 200
    uncovered = load_workbook(io.BytesIO(sheet.content))["Lots non couverts"]
    assert [row[:2] for row in uncovered.iter_rows(min_row=2, values_only=True)] == [
        ("L4", "Tenues du personnel")
    ]
    brief = app_client.get("/tenders/tenues/consortia/1/brief?format=html&top=2")
    assert brief.status_code == 200
    assert re.search(
        r"<td>L4</td>\s*<td>Tenues du personnel</td>.*?<td>non couvert</td>", brief.text, re.S
    )


def test_proposals_are_saved_followed_and_counted_by_the_programme(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    page = app_client.get(f"/console/appels-d-offres/{BOUAKE}/consortiums?top=3").text
    saved = app_client.post(
        "/console/propositions",
        data={"tender_id": BOUAKE, **_assignment_fields(page, 1), "note": "Premier contact"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    proposal_id = saved.headers["location"].split("#proposition-")[1]
    listing = app_client.get("/console/propositions").text
    assert 'data-statut="proposed">proposé<' in listing and "Premier contact" in listing
    url = f"/console/propositions/{proposal_id}"
    moved = app_client.post(url, data={"statut": "contacted", "note": HOSTILE})
    assert moved.status_code == 200  # followed the redirect
    assert 'data-statut="contacted">contacté<' in moved.text
    assert HOSTILE not in moved.text and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in moved.text
    skipped = app_client.post(url, data={"statut": "won"})
    assert skipped.status_code == 422
    assert "Ce changement de statut n'est pas permis depuis le statut actuel." in shown(skipped)
    nothing = app_client.post(url, data={"statut": "", "note": " "})
    assert "Choisissez un nouveau statut ou saisissez une note." in nothing.text
    # A contacted consortium accompanies nobody yet: each firm counts once it has accepted.
    assert "<strong data-atteintes>0</strong>" in app_client.get("/console/programme").text
    sirens = re.findall(r'data-membre="(\d{9})"', app_client.get("/console/propositions").text)
    assert len(sirens) == 3
    for siren in sirens:
        accepted = app_client.post(f"{url}/membres/{siren}", data={"statut": "accepted"})
        assert "Suivi du membre enregistré." in accepted.text
        assert f'data-membre="{siren}"' in accepted.text
    programme = app_client.get("/console/programme").text
    assert "<strong data-atteintes>3</strong>" in programme
    assert 'max="10" value="3"' in programme  # progress toward a target of 10


def test_hostile_text_from_the_data_is_shown_inert(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    tender = showcase_tender()
    firm = showcase_store.get_firm(first_siren(showcase_store))
    assert firm is not None
    showcase_store.upsert_firms([firm.model_copy(update={"name": HOSTILE})])
    lots = [tender.lots[0].model_copy(update={"title": HOSTILE}), *tender.lots[1:]]
    showcase_store.upsert_tenders(
        [tender.model_copy(update={"id": "hostile", "title": HOSTILE, "lots": lots})]
    )
    log_in(app_client, showcase_store, Role.OFFICER)
    for path in (
        "/console/appels-d-offres",
        "/console/appels-d-offres/hostile/consortiums?top=1",
        "/console/appels-d-offres/nouveau?depuis=hostile",
        f"/console/entreprises/{firm.siren}",
    ):
        response = app_client.get(path)
        assert response.status_code == 200, path
        assert "<script>window" not in response.text and "<img src=x" not in response.text
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in response.text or (
            "&lt;script&gt;window.pwned=1&lt;/scr…" in response.text
        ), path
        assert "script-src 'self'" in response.headers["content-security-policy"]


def test_a_firm_offered_as_a_replacement_says_which_facts_are_estimated() -> None:
    # The swap and replacement lists of the consortia and proposals pages share this option.
    option = templates.get_template("option_entreprise.html")
    inferred = provenance_of_all(FactSource.DECP_INFERRED, dt.date(2024, 12, 31))
    registry = provenance_of_all(FactSource.SIRENE, dt.date(2022, 10, 1))
    document = {"siren": valid_siren(7), "name": "Firme", "region": Region.IDF}
    document["headcount"] = "10-49"
    for provenance, shown in (
        (inferred, "Firme · PME (estimé) · Île-de-France (estimé)"),
        (registry, "Firme · PME · Île-de-France"),
    ):
        firm = Firm.model_validate(document | {"provenance": provenance})
        assert html.unescape(option.render(firm=firm)).strip() == (
            f'<option value="{valid_siren(7)}">{shown}</option>'
        )


def test_the_network_joins_members_to_their_lots_and_collaborators() -> None:
    tender = showcase_tender()
    a, b, c = valid_siren(1), valid_siren(2), valid_siren(3)

    def member(siren: str, lots: list[str], leader: bool = False) -> ConsortiumMember:
        return ConsortiumMember(
            siren=siren,
            name=f"Firm {siren}",
            lots=lots,
            leader=leader,
            is_sme=not leader,
            region=Region.BRETAGNE,
            why="",
        )

    consortium = Consortium(
        rank=1, score=0.7, breakdown={}, members=[member(a, ["L1", "L2"], True), member(b, ["L3"])]
    )
    collaborations = [
        Collaboration(firm_a=a, firm_b=b, kind="joint_bid", year=2021),
        Collaboration(firm_a=a, firm_b=b, kind="co_award", year=2019),
        Collaboration(firm_a=a, firm_b=c, kind="joint_bid", year=2020),  # c is no member
    ]
    picture = network(tender, consortium, collaborations)
    assert [node.key for node in picture.lots] == ["L1", "L2", "L3"]
    assert [(node.key, node.leader, node.sme) for node in picture.firms] == [
        (a, True, False),
        (b, False, True),
    ]
    assigned = {(e.source.key, e.target.key) for e in picture.edges if e.kind == "assignment"}
    assert assigned == {(a, "L1"), (a, "L2"), (b, "L3")}
    worked = [
        (e.source.key, e.target.key, e.label) for e in picture.edges if e.kind != "assignment"
    ]
    assert worked == [(a, b, "candidature commune 2021, co-attribution 2019")]
    assert all(0 < node.y < picture.height for node in [*picture.lots, *picture.firms])


PAVILION = {
    "fair": "Africa Health Expo",
    "country": "ci",
    "stands": "6",
    "themes": "Imagerie médicale : 33111000-1, 33112000-8\nFormation : formation du personnel\n"
    "construction d'hôpitaux",
}


def test_the_pavilion_builder_shortlists_exports_and_explains_refusals_in_french(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    page = app_client.post("/console/pavillon", data=PAVILION)
    assert page.status_code == 200
    stands = re.findall(r'<tr data-siren="(\d{9})">\s*<td class="nombre">(\d+)</td>', page.text)
    assert [stand for _, stand in stands] == ["1", "2", "3", "4", "5", "6"]
    exported = app_client.post("/console/pavillon/export?format=csv", data=PAVILION)
    assert exported.headers["content-disposition"] == (
        'attachment; filename="pavillon-africa-health-expo.csv"'
    )
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Stand;SIREN;Raison sociale")
    assert [line.split(";")[1] for line in lines[1:]] == [siren for siren, _ in stands]
    bad = app_client.post(
        "/console/pavillon",
        data={**PAVILION, "stands": "0", "themes": "Radiologie : 99999999", "exclude": "123"},
    )
    assert bad.status_code == 422
    assert dict(re.findall(r'data-champ="([^"]+)">([^<]+)<', shown(bad))) == {
        "stands": "doit être supérieur ou égal à 1",
        "themes": "thème 1 : « 99999999 » : code absent du vocabulaire CPV 2008",
        "exclude": "« 123 » : un SIREN a exactement 9 chiffres",
    }
    saved = app_client.post("/console/pavillon/enregistrer", data=PAVILION, follow_redirects=False)
    assert saved.status_code == 303
    pavilion_id = saved.headers["location"].split("/console/pavillon/")[1].split("?")[0]
    reopened = app_client.get(saved.headers["location"]).text
    assert "Pavillon enregistré." in reopened and 'value="Africa Health Expo"' in reopened
    listed = app_client.get("/console/pavillon").text
    assert f'href="/pavilions/{pavilion_id}/export?format=xlsx"' in listed
    too_many = app_client.post("/console/pavillon", data={**PAVILION, "stands": "200"})
    assert too_many.status_code == 422
    assert "seules" in shown(too_many) and "réduisez le nombre de stands" in shown(too_many)


def test_a_theme_no_code_reads_is_shown_uncovered_with_its_reason_in_french(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    themes = "Imagerie médicale : 33111000-1\ne-santé"
    page = app_client.post("/console/pavillon", data={**PAVILION, "themes": themes})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert phrase("pavilion.unread_theme", "fr") in text
    # the theme goes back into the form by its title alone, not « e-santé : » with no code
    assert "e-santé :" not in text and "e-santé" in text


def test_a_store_that_is_down_gives_a_french_page_in_the_console_only() -> None:
    closed = Settings(graph="neo4j", neo4j_uri="bolt://127.0.0.1:9", neo4j_password="x")
    with TestClient(create_app(settings=closed)) as client:
        client.cookies.set(COOKIE, "meute_x")
        page = client.get("/console/appels-d-offres")
        assert page.status_code == 503
        assert "Service momentanément indisponible" in page.text
        api = client.get("/firms")
        assert api.status_code == 503
        assert api.headers["content-type"] == "application/problem+json"


OFFICER_ONLY = {Role.OFFICER}
READERS = {Role.OFFICER, Role.SME}
# Who may open each console page; every console route must be listed.
CONSOLE_POLICY: dict[tuple[str, str], set[Role] | None] = {
    ("GET", "/console"): set(Role),
    ("GET", "/console/connexion"): None,
    ("POST", "/console/connexion"): None,
    ("POST", "/console/deconnexion"): None,
    ("GET", "/console/appels-d-offres"): OFFICER_ONLY,
    ("GET", "/console/appels-d-offres/nouveau"): OFFICER_ONLY,
    ("POST", "/console/appels-d-offres/nouveau"): OFFICER_ONLY,
    ("GET", "/console/appels-d-offres/{tender_id}/consortiums"): OFFICER_ONLY,
    ("POST", "/console/appels-d-offres/{tender_id}/evaluation"): OFFICER_ONLY,
    ("GET", "/console/entreprises"): OFFICER_ONLY,
    ("GET", "/console/entreprises/{siren}"): READERS,
    ("POST", "/console/entreprises/{siren}/proposer"): OFFICER_ONLY,
    ("GET", "/console/cpv/libelles"): OFFICER_ONLY,
    ("GET", "/console/entreprises/{siren}/partenaires"): READERS,
    ("POST", "/console/entreprises/{siren}/faits"): OFFICER_ONLY,
    ("POST", "/console/propositions"): OFFICER_ONLY,
    ("GET", "/console/propositions"): OFFICER_ONLY,
    ("POST", "/console/propositions/{proposal_id}"): OFFICER_ONLY,
    ("POST", "/console/propositions/{proposal_id}/nom"): OFFICER_ONLY,
    ("POST", "/console/propositions/{proposal_id}/membres/{siren}"): OFFICER_ONLY,
    ("POST", "/console/propositions/{proposal_id}/membres/{siren}/remplacement"): OFFICER_ONLY,
    ("GET", "/console/programme"): {Role.OFFICER, Role.VIEWER},
    ("GET", "/console/avis"): OFFICER_ONLY,
    ("POST", "/console/avis"): OFFICER_ONLY,
    ("GET", "/console/avis/{job_id}"): OFFICER_ONLY,
    ("GET", "/console/pavillon"): OFFICER_ONLY,
    ("POST", "/console/pavillon"): OFFICER_ONLY,
    ("POST", "/console/pavillon/export"): OFFICER_ONLY,
    ("POST", "/console/pavillon/enregistrer"): OFFICER_ONLY,
    ("GET", "/console/pavillon/{pavilion_id}"): OFFICER_ONLY,
    ("POST", "/console/pavillon/{pavilion_id}"): OFFICER_ONLY,
    ("POST", "/console/pavillon/{pavilion_id}/enregistrer"): OFFICER_ONLY,
    ("POST", "/console/pavillon/{pavilion_id}/renommer"): OFFICER_ONLY,
    ("POST", "/console/pavillon/{pavilion_id}/dupliquer"): OFFICER_ONLY,
    ("GET", "/console/pavillons"): {Role.OFFICER, Role.VIEWER},
    ("GET", "/console/pavillons/{pavilion_id}"): {Role.OFFICER, Role.VIEWER},
}


def test_every_console_page_needs_a_key_and_the_right_role(
    showcase_store: EmbeddedStore, settings: Settings
) -> None:
    routes = {
        (method, route.path)
        for module in (session, tenders, imports, directory, firms, tracking, pavilion, codes)
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert routes == set(CONSOLE_POLICY)
    siren = first_siren(showcase_store)

    def call(client: TestClient, method: str, path: str) -> Response:
        url = path.replace("{tender_id}", BOUAKE).replace("{siren}", siren)
        url = url.replace("{proposal_id}", "nope").replace("{job_id}", "nope")
        url = url.replace("{pavilion_id}", "nope")
        return client.request(method, url, data={}, follow_redirects=False)

    protected = {k: v for k, v in CONSOLE_POLICY.items() if v is not None}
    with TestClient(create_app(showcase_store, settings)) as anonymous:
        for method, path in protected:
            response = call(anonymous, method, path)
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/console/connexion"), (method, path)
    for role in Role:
        with TestClient(create_app(showcase_store, settings)) as client:
            log_in(client, showcase_store, role, siren if role is Role.SME else None)
            for (method, path), allowed in protected.items():
                response = call(client, method, path)
                if role in allowed:
                    assert response.status_code not in (303, 401, 403) or (
                        response.status_code == 303
                        and not response.headers["location"].startswith("/console/connexion")
                    ), (method, path, role)
                else:
                    assert response.status_code == 403, (method, path, role)
                    assert "Accès refusé" in response.text


TED_SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "ted" / "2019_split" / "AT.csv.gz"


def _follow_job(client: TestClient, location: str) -> str:
    for _ in range(600):
        page = client.get(location)
        assert page.status_code == 200
        if 'data-etat="done"' in page.text or 'data-etat="failed"' in page.text:
            return shown(page)
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def test_notices_are_imported_listed_with_their_source_and_kept_when_edited(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    empty = app_client.post("/console/avis", data={}, follow_redirects=False)
    assert empty.status_code == 422 and "Choisissez au moins un fichier" in shown(empty)
    with TED_SAMPLE.open("rb") as handle:
        files = [("fichiers", ("AT.csv.gz", handle, "application/gzip"))]
        started = app_client.post("/console/avis", files=files, follow_redirects=False)
    assert started.status_code == 303
    report = _follow_job(app_client, started.headers["location"])
    created = showcase_store.count_tenders() - len(showcase_document_tenders(showcase_store))
    assert "terminé" in report and created > 300
    assert f"data-cree>{created}<" in report

    listing = app_client.get("/console/appels-d-offres?page=2")
    assert 'data-source="ted"' in listing.text
    assert 'href="https://ted.europa.eu/udl?uri=TED:NOTICE:' in listing.text
    first = app_client.get("/console/appels-d-offres")
    assert 'data-source="api">API' in first.text  # the showcase tenders came through the API

    tender = showcase_store.get_tender("ted-2019578640")
    assert tender is not None and tender.notice is not None
    form = app_client.get("/console/appels-d-offres/nouveau?depuis=ted-2019578640")
    assert form.status_code == 200 and tender.lots[0].title in shown(form)
    edited = {
        "id": tender.id,
        "title": tender.title,
        "buyer": tender.buyer,
        "country": tender.country,
        "budget": str(tender.budget),
        "currency": "EUR",
        "lot_id": ["6"],
        "lot_title": ["Fahrzeuge, zusammengelegt"],
        "lot_description": [""],
        "lot_cpv": ["34144210, 34100000"],
        "lot_budget": [""],
        "lot_required_certifications": [""],
    }
    saved = app_client.post("/console/appels-d-offres/nouveau", data=edited, follow_redirects=False)
    assert saved.status_code == 303
    kept = showcase_store.get_tender("ted-2019578640")
    assert kept is not None and [lot.id for lot in kept.lots] == ["6"]
    assert kept.source == "ted" and kept.notice == tender.notice
    matched = app_client.get(saved.headers["location"])
    assert matched.status_code == 200
    outcome = shown(matched)
    assert "Avis TED 2019578640 (fournitures, envoyé le 04/12/2019)" in outcome
    assert "lot 6 : Magirus Lohr GmbH (AT)" in outcome


def showcase_document_tenders(store: EmbeddedStore) -> list[str]:
    return [t.id for t in store.list_tenders(0, 1000) if t.source == "api"]


def test_a_tender_in_france_keeps_its_region_and_a_tender_abroad_has_none(
    app_client: TestClient, showcase_store: EmbeddedStore
) -> None:
    log_in(app_client, showcase_store, Role.OFFICER)
    abroad = _tender_form(region="Bretagne")
    response = app_client.post("/console/appels-d-offres/nouveau", data=abroad)
    assert response.status_code == 422 and showcase_store.get_tender("bouake-console") is None
    errors = dict(
        re.findall(r'<p class="erreur" data-champ="([^"]+)">([^<]+)</p>', shown(response))
    )
    assert errors == {
        "region": "une région d'exécution ne se donne que pour un marché en France (pays FR)"
    }
    france = _tender_form(country="fr", region="Bretagne")
    response = app_client.post(
        "/console/appels-d-offres/nouveau", data=france, follow_redirects=False
    )
    assert response.status_code == 303
    stored = showcase_store.get_tender("bouake-console")
    assert stored is not None and stored.region is Region.BRETAGNE
    page = app_client.get(response.headers["location"])
    assert page.status_code == 200 and "FR (Bretagne)" in shown(page)
    again = app_client.get("/console/appels-d-offres/nouveau?depuis=bouake-console")
    assert "<option selected>Bretagne</option>" in again.text
