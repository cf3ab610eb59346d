"""The matcher's texts in English and French: the phrase table, and French reasons, violations
and infeasibility explanations for the showcase (English output is pinned by the other tests).
"""

from __future__ import annotations

import dataclasses
import re
import string

import pytest

from meute.api.proposals import evaluate_assignment
from meute.api.service import find_partners, match_tender, shortlist_pavilion, showcase_tender
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import Infeasible
from meute.graph.model import PavilionRequest, Region, Tender
from meute.matcher.explain import firm_size, why_member
from meute.matcher.phrases import PHRASES, Lang, listing, phrase, region_words
from meute.matcher.propose import MatchOptions
from tests.unit.factories import make_firm

# Words of the English templates that must never reach a French text.
ENGLISH = ("Takes lot", "Leads", "delivers", "exporter", "based in", "fit ", "SME", "firm")
FR = MatchOptions(top=3, lang=Lang.FR)


def _fields(template: str | tuple[str, str]) -> set[str]:
    forms = template if isinstance(template, tuple) else (template,)
    return {
        name
        for form in forms
        for _, name, _, _ in string.Formatter().parse(form)
        if name and name != "count"
    }


def assert_french(text: str) -> None:
    assert not [word for word in ENGLISH if word in text], text


def test_every_phrase_has_both_languages_with_the_same_fields() -> None:
    for key, by_lang in PHRASES.items():
        assert set(by_lang) == set(Lang), key
        assert _fields(by_lang[Lang.EN]) == _fields(by_lang[Lang.FR]), key


def test_numbers_quotes_plurals_and_places_follow_the_language() -> None:
    values = {"lot": "L1", "title": "Construction", "fit": 0.786}
    assert phrase("member.lot", Lang.EN, **values) == "lot L1 'Construction' (fit 78.6/100)"
    french = phrase("member.lot", Lang.FR, **values)
    assert french == "le lot L1 « Construction » (adéquation 78,6/100)"
    assert phrase("evidence.contracts", Lang.EN, 1) == ", 1 past contract"
    assert phrase("evidence.contracts", Lang.FR, 1) == ", 1 marché remporté"
    assert phrase("evidence.contracts", Lang.FR, 2) == ", 2 marchés remportés"
    assert phrase("relax.leader", Lang.FR, 0).startswith("0 entreprise candidate remplit")
    with pytest.raises(ValueError, match="needs a count"):
        phrase("evidence.contracts", Lang.FR)
    assert region_words(Region.BRETAGNE, Lang.EN) == "in Bretagne"
    assert region_words(Region.BRETAGNE, Lang.FR) == "en Bretagne"
    assert region_words(Region.GRAND_EST, Lang.FR) == "dans le Grand Est"
    assert region_words(Region.REUNION, Lang.FR) == "à La Réunion"
    assert listing(["A", "B", "C"], "themes", Lang.EN) == "A and B and C"
    assert listing(["A", "B", "C"], "themes", Lang.FR) == "A, B et C"
    assert listing(["A"], "lots", Lang.FR) == "A"


def test_bouake_consortia_are_explained_in_french(showcase_store: EmbeddedStore) -> None:
    result = match_tender(showcase_store, showcase_tender(), FR)
    members = [member for consortium in result.consortia for member in consortium.members]
    for member in members:
        assert_french(member.why)
        assert member.why.endswith(".") and " ; " in member.why
    leader = next(member for member in members if member.leader)
    assert leader.why.startswith("Chef de file, prend le lot ")
    whys = " ".join(member.why for member in members)
    for expected in (
        "Prend le lot L2 « Équipements médicaux » (adéquation ",
        "le lot L1 « Construction de l'hôpital »",
        "fournit « ",
        "marchés remportés)",
        "détient la certification exigée ISO 13485",
        "exportateur ",
        "a déjà travaillé avec ",
        "candidature commune 20",
        "PME basée ",
    ):
        assert expected in whys, expected


def test_partners_and_pavilion_firms_are_explained_in_french(
    showcase_store: EmbeddedStore,
) -> None:
    siren = showcase_store.list_firms(0, 1)[0].siren
    for tender in (None, showcase_tender()):
        found = find_partners(showcase_store, siren, tender, 5, FR)
        assert found.partners
        for partner in found.partners:
            assert_french(partner.why)
    request = PavilionRequest.model_validate(
        {
            "fair": "Africa Health Expo",
            "country": "CI",
            "stands": 6,
            "themes": [{"title": "Imagerie", "cpv": ["33111000-1"]}, {"title": "Formation"}],
            "must_include": [siren],
        }
    )
    pavilion = shortlist_pavilion(showcase_store, request, FR)
    required = next(firm for firm in pavilion.firms if firm.siren == siren)
    assert required.why.startswith("Sur la liste des entreprises imposées ; ")
    for firm in pavilion.firms:
        assert_french(firm.why)
    imaging = re.compile(r"« Imagerie » \(adéquation \d+(,\d)?/100\)")
    assert any(imaging.search(firm.why) for firm in pavilion.firms)
    with pytest.raises(Infeasible) as raised:
        shortlist_pavilion(showcase_store, request.model_copy(update={"stands": 200}), FR)
    assert raised.value.problems[0].message.startswith("seules ")


def test_violations_and_infeasibility_are_said_in_french(showcase_store: EmbeddedStore) -> None:
    tender = showcase_tender()
    best = match_tender(showcase_store, tender, FR).consortia[0]
    strict = tender.model_copy(
        update={"constraints": tender.constraints.model_copy(update={"max_members": 2})}
    )
    assignment = {lot: member.siren for member in best.members for lot in member.lots}
    evaluation = evaluate_assignment(showcase_store, strict, assignment, FR)
    assert evaluation.violations == ["3 membres, plus que le maximum (2)"]
    alone = tender.model_copy(
        update={
            "constraints": tender.constraints.model_copy(
                update={"max_members": 1, "allow_multiple_lots": True}
            )
        }
    )
    with pytest.raises(Infeasible) as raised:
        match_tender(showcase_store, alone, dataclasses.replace(FR, top=1))
    assert raised.value.detail == "aucun consortium ne respecte les contraintes de l'appel d'offres"
    message = raised.value.problems[0].message
    assert "sans cette limite, le meilleur consortium compte 3 membres" in message
    assert_french(message)


@pytest.mark.parametrize(
    ("facts", "en", "fr"),
    [
        ({"category": "PME"}, "SME", "PME"),
        # DEKRA INDUSTRIAL is an ETI in SIRENE: no "large firm" (grande entreprise) for it.
        ({"category": "ETI", "headcount": "50-249"}, "mid-sized firm", "entreprise de taille "),
        ({"category": "GE"}, "large firm", "grande entreprise"),
        ({"headcount": "250-4999"}, "mid-sized firm", "entreprise de taille intermédiaire"),
        ({"headcount": "5000+"}, "large firm", "grande entreprise"),
        ({"headcount": "10-49", "turnover_eur": 80_000_000}, "mid-sized firm", "entreprise de "),
    ],
)
def test_a_firm_size_follows_insee_categories(facts: dict[str, object], en: str, fr: str) -> None:
    firm = make_firm(**facts)
    assert firm_size(firm, Lang.EN) == en
    assert firm_size(firm, Lang.FR).startswith(fr)


def test_an_estimated_size_says_so() -> None:
    firm = make_firm(headcount="250-4999", provenance={"headcount": {"source": "decp-inferred"}})
    assert firm_size(firm, Lang.EN) == "mid-sized firm (estimated)"


def test_a_member_based_where_a_french_tender_is_done_is_told_so() -> None:
    tender = showcase_tender()
    french = tender.model_copy(update={"country": "FR", "region": Region.BRETAGNE})
    lot = tender.lots[2]
    codes = {lot.id: lot.cpv}

    def why(where: Region, on: Tender, lang: Lang) -> str:
        firm = make_firm(region=where)
        return why_member(on, firm, [lot], codes, {lot.id: 0.8}, False, [], [], lang)

    assert "where the work is done" in why(Region.BRETAGNE, french, Lang.EN)
    assert "basée en Bretagne, où s'exécute le marché" in why(Region.BRETAGNE, french, Lang.FR)
    assert "where the work is done" not in why(Region.PACA, french, Lang.EN)
    assert "where the work is done" not in why(Region.BRETAGNE, tender, Lang.EN)
