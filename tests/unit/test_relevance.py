"""Relevance learnt from real awards: CPV suggestions, the relevance floor, the health pavilion
and the Bouaké training lot on the showcase, and top-k as a prefix of top-K.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meute.api.service import (
    import_decp,
    learnt,
    match_tender,
    shortlist_pavilion,
    showcase_tender,
)
from meute.api.settings import Settings
from meute.graph.cpv import taxonomy
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import Infeasible
from meute.graph.model import (
    Firm,
    Lot,
    PavilionRequest,
    PavilionResult,
    Tender,
    TenderConstraints,
)
from meute.graph.store import GraphStore
from meute.graph.text import fold
from meute.matcher.pavilion import theme_codes, themes_tender
from meute.matcher.phrases import phrase
from meute.matcher.propose import MatchOptions, lot_codes
from meute.matcher.search import CONSISTENT_TOP
from meute.scoring.fit import RELEVANCE_FLOOR, fit_matrix
from meute.scoring.learnt import FEATURES, Vocabulary, lot_features
from meute.scoring.suggest import (
    BACK_OFF_CODES,
    LEAD,
    MAJORITY,
    cpv_suggester,
    deepest_codes,
    fold_text,
    label_fallback,
    text_words,
)
from meute.scoring.text import code_kind, purchase_kind, text_model
from meute.scoring.training import fit_ranker
from tests.unit.factories import make_firm, valid_siren

HEALTH_THEMES = [
    "imagerie médicale",
    "équipements hospitaliers",
    "laboratoire",
    "ingénierie hospitalière",
    "e-santé",
    "formation",
]
# CPV prefixes of a health capability: medical equipment, laboratory instruments and furniture,
# laboratory services, health services; and of training, for the training theme.
HEALTH = ("33", "38", "3918", "719", "85")
TRAINING = "80"


def test_imaging_supply_suggests_imaging_equipment_first() -> None:
    best = cpv_suggester().suggest("fourniture d'équipements d'imagerie médicale")[0]
    assert best.code.startswith("3311")  # imaging equipment for medical use
    assert 0.0 < best.probability <= 1.0


def test_staff_training_suggests_training_not_temporary_staff() -> None:
    suggestions = cpv_suggester().suggest("Formation du personnel")
    assert suggestions and suggestions[0].code.startswith("80")
    lot = Lot(id="L3", title="Formation du personnel", description="Formation du personnel")
    tender = showcase_tender().model_copy(update={"lots": [lot]})
    codes = lot_codes(tender)["L3"]
    assert codes and all(code.startswith("80") for code in codes)


def test_no_confident_code_for_gibberish() -> None:
    assert cpv_suggester().suggest("qxqxqxqx zzzv") == []
    assert cpv_suggester().suggest("   ") == []


def test_suggestions_are_deepest_confident_codes_best_first() -> None:
    suggester = cpv_suggester()
    found = suggester.suggest("travaux de peinture des bâtiments communaux", top=5)
    assert found and found[0].code.startswith("4544")
    probabilities = [s.probability for s in found]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(p >= suggester.confidence for p in probabilities)
    codes = [s.code.rstrip("0") for s in found]
    assert not any(a != b and b.startswith(a) for a in codes for b in codes)


@pytest.mark.parametrize(
    "text",
    ["Construction d'un centre de santé", "construction de l'hôpital", "Construction d'un hôpital"],
)
def test_health_building_construction_is_building_construction(text: str) -> None:
    # Before: one near objet « construction d'un centre de loisirs » coded a health centre as
    # leisure works (45212100), and « hôpital » went to water works (45240000).
    found = cpv_suggester().suggest(text)
    assert found and all(s.code.startswith("4521") for s in found), found
    assert not any(s.code.startswith(("45212", "4524")) for s in found), found


HEALTH_CENTRE_LOT = (
    "Construction du centre de santé Travaux de construction d'un centre de santé de 60 lits : "
    "gros œuvre, maçonnerie, charpente, couverture, plomberie, électricité, voiries et réseaux "
    "divers."
)


def test_a_health_centre_lot_is_not_leisure_works() -> None:
    # Before: the nearest objet « Lot électricité - Construction d'un centre de loisirs » and
    # the labels of leisure centres coded it 45212100; the first code must now leave the
    # buyer's health-building code (45215100) under it.
    found = cpv_suggester().suggest(HEALTH_CENTRE_LOT)
    assert found and "45215100".startswith(found[0].code.rstrip("0")), found
    assert not any(s.code.startswith("45212") for s in found), found


def test_children_share_their_parent_probability() -> None:
    def digits(code: str) -> str:
        return code[: max(2, len(code.rstrip("0")))]

    suggester = cpv_suggester()
    for text in (HEALTH_CENTRE_LOT, "imagerie médicale", "Formation des infirmiers"):
        found = suggester.code_probabilities(text)
        for code, p in found.items():
            children = [
                c
                for c in found
                if len(digits(c)) == len(digits(code)) + 1 and c.startswith(digits(code))
            ]
            assert sum(found[c] for c in children) <= p + 1e-9, (text, code)


def test_votes_that_agree_still_reach_a_fine_code() -> None:
    # The back-off stops only where the votes split: a leisure centre stays leisure works
    # (and an imaging supply imaging equipment, test_imaging_supply_...).
    found = cpv_suggester().suggest("Construction d'un centre de loisirs")
    assert found[0].code.startswith("45212")


@pytest.mark.parametrize(
    "text",
    ["Construction d'un centre de santé", "formation", "travaux de voirie", "imagerie médicale"],
)
def test_a_finer_code_needs_the_majority_of_the_code_above_or_a_clear_lead(text: str) -> None:
    def digits(code: str) -> str:
        return code[: max(2, len(code.rstrip("0")))]

    suggester = cpv_suggester()
    found = suggester.code_probabilities(text)
    suggestions = suggester.suggest(text)
    assert suggestions
    for suggestion in suggestions:
        code = digits(suggestion.code)
        parent = code[:-1] if len(code) > 3 else code[:2]
        parent_p = next(p for c, p in found.items() if digits(c) == parent)
        siblings = [
            p
            for c, p in found.items()
            if c != suggestion.code and len(digits(c)) == len(code) and c.startswith(parent)
        ]
        holds = suggestion.probability >= MAJORITY * parent_p - 1e-4
        leads = suggestion.probability >= LEAD * max(siblings, default=0.0) - 1e-4
        assert holds or leads, (text, suggestion)


def test_a_theme_of_medical_imaging_is_imaging_not_all_medical_equipment() -> None:
    # Imaging holds 0.40 of medical equipment's 0.81, consumables 0.16: before, the split
    # left medical equipment (33100000), and consumables firms claimed the imaging theme.
    found = cpv_suggester().suggest("imagerie médicale")
    assert [s.code[:4] for s in found] == ["3311"], found


def test_plural_and_stop_words_do_not_split_a_word() -> None:
    assert text_words("Construction des hôpitaux") == text_words("construction de l'hôpital")
    assert "reseau" in text_words("réseaux divers") and "centre" in text_words("centres")


def _firms() -> list[Firm]:
    return [
        make_firm(valid_siren(1), [("80510000", 0.9)], description="Formation des soignants"),
        make_firm(valid_siren(2), [("80000000", 0.2)], description="Cours de langues"),
        make_firm(valid_siren(3), [("45000000", 0.9)], description="Gros œuvre"),
    ]


def test_relevance_floor_removes_weak_firms_only() -> None:
    lot = Lot(id="L1", title="Formation des soignants", cpv=["80510000"])
    tender = showcase_tender().model_copy(update={"lots": [lot]})
    loose = fit_matrix(tender, [["80510000"]], _firms(), text_model())
    floor = float(loose.relevance[0, 1]) + 1e-6  # just above the language school
    strict = fit_matrix(tender, [["80510000"]], _firms(), text_model(), floor=floor)
    assert loose.eligible[0].tolist() == [True, True, False]
    assert strict.eligible[0].tolist() == [True, False, False]
    assert strict.qualified[0].tolist() == [True, True, False]


def test_lot_below_the_floor_is_reported_with_its_reason(showcase_store: EmbeddedStore) -> None:
    tender = showcase_tender()
    with pytest.raises(Infeasible) as raised:
        match_tender(showcase_store, tender, MatchOptions(relevance_floor=0.99))
    reasons = " ".join(problem.message for problem in raised.value.problems)
    assert "relevance floor (99/100)" in reasons


def test_relevance_floor_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from meute.api.settings import Settings

    monkeypatch.setenv("MEUTE_SEARCH__RELEVANCE_FLOOR", "0.45")
    assert Settings().match_options().relevance_floor == 0.45
    with pytest.raises(ValueError, match="relevance_floor"):
        MatchOptions(relevance_floor=1.5)


def health_pavilion(store: GraphStore, stands: int = 12) -> list[tuple[str, list[str], bool]]:
    """Each stand's firm: SIREN, themes, and whether it holds a health capability."""
    request = PavilionRequest.model_validate(
        {
            "fair": "Salon de la santé, Abidjan",
            "country": "CI",
            "stands": stands,
            "themes": [{"title": title} for title in HEALTH_THEMES],
        }
    )
    result = shortlist_pavilion(store, request)
    firms = {f.siren: f for f in store.get_firms([f.siren for f in result.firms])}
    rows = []
    for member in result.firms:
        codes = [c.cpv for c in firms[member.siren].capabilities]
        health = any(code.startswith(HEALTH) for code in codes)
        trains = any(code.startswith(TRAINING) for code in codes)
        rows.append(
            (member.siren, member.themes, health or (trains and member.themes == ["formation"]))
        )
    return rows


def test_health_pavilion_holds_only_health_firms(showcase_store: EmbeddedStore) -> None:
    rows = health_pavilion(showcase_store)
    assert rows
    assert all(ok for _, _, ok in rows), rows


def claimed_fits(store: GraphStore) -> tuple[PavilionResult, list[float]]:
    """The Abidjan health pavilion and the fit that ranks (the learnt one) of every theme a
    member is said to cover.
    """
    request = PavilionRequest.model_validate(
        {
            "fair": "Salon de la santé, Abidjan",
            "country": "CI",
            "stands": 12,
            "themes": [{"title": title} for title in HEALTH_THEMES],
        }
    )
    result = shortlist_pavilion(store, request)
    options = learnt(MatchOptions())
    assert options.ranker is not None  # the shipped model
    codes = theme_codes(request, options)
    firms = store.get_firms([f.siren for f in result.firms])
    fit = fit_matrix(themes_tender(request), codes, firms, text_model(), ranker=options.ranker)
    titles = [theme.title for theme in request.themes]
    column = {firm.siren: j for j, firm in enumerate(firms)}
    fits = [
        float(fit.relevance[titles.index(theme), column[member.siren]])
        for member in result.firms
        for theme in member.themes
    ]
    return result, fits


def test_health_pavilion_claims_a_theme_only_where_the_learnt_fit_supports_it(
    showcase_store: EmbeddedStore,
) -> None:
    result, fits = claimed_fits(showcase_store)
    assert fits and min(fits) >= RELEVANCE_FLOOR
    for theme in result.themes:
        assert theme.firms == sum(theme.title in member.themes for member in result.firms)


def training_lot_winners(store: GraphStore, codes: Sequence[str]) -> list[Firm]:
    """The firm given the Bouaké training lot in each proposal (its codes replaced)."""
    tender = showcase_tender()
    lots = [
        lot if lot.id != "L3" else lot.model_copy(update={"cpv": list(codes)})
        for lot in tender.lots
    ]
    tender = tender.model_copy(update={"lots": lots})
    result = match_tender(store, tender, MatchOptions(top=5))
    sirens = [m.siren for c in result.consortia for m in c.members if "L3" in m.lots]
    return store.get_firms(sirens)


@pytest.mark.parametrize("codes", [["80510000", "80561000"], []], ids=["coded", "in words"])
def test_bouake_training_lot_goes_to_a_training_firm(
    showcase_store: EmbeddedStore, codes: list[str]
) -> None:
    firms = training_lot_winners(showcase_store, codes)
    assert firms
    for firm in firms:
        assert any(c.cpv.startswith(TRAINING) for c in firm.capabilities), firm.name


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tender_id=st.sampled_from(
        ["bouake-hospital", "alexandria-light-rail", "maan-solar-farm", "tunisia-hospital-is"]
    ),
    small=st.integers(min_value=1, max_value=6),
    extra=st.integers(min_value=1, max_value=CONSISTENT_TOP - 6),
)
def test_top_k_is_a_prefix_of_a_longer_top(
    showcase_store: EmbeddedStore, tender_id: str, small: int, extra: int
) -> None:
    tender = showcase_tender(tender_id)
    few = match_tender(showcase_store, tender, MatchOptions(top=small)).consortia
    many = match_tender(showcase_store, tender, MatchOptions(top=small + extra)).consortia
    assert [(c.score, [m.siren for m in c.members]) for c in few] == [
        (c.score, [m.siren for m in c.members]) for c in many[:small]
    ]


def test_learnt_ranker_prefers_the_firm_that_did_the_work() -> None:
    lot = Lot(id="L1", title="Formation des soignants", cpv=["80510000"], budget=100_000)
    tender = showcase_tender().model_copy(update={"lots": [lot], "budget": 100_000})
    firms = _firms()
    fit = fit_matrix(tender, [["80510000"]], firms, text_model())
    vocabulary = Vocabulary.fit([firm.description for firm in firms] * 2)
    features = lot_features(tender, [["80510000"]], firms, fit, vocabulary)
    assert features.shape == (1, 3, len(FEATURES))
    rows = np.vstack([features[0]] * 5)
    ranker = fit_ranker(rows, np.array([True, False, False] * 5), vocabulary)
    scores = ranker.score(features[0])
    assert scores[0] > scores[1] and scores[0] > scores[2]
    assert set(ranker.weights()) == set(FEATURES)


def test_deepest_codes_drop_a_branch_root_under_which_a_finer_code_lies() -> None:
    codes = ["85100000", "85140000", "85000000", "80530000"]
    assert deepest_codes(codes) == ["85140000", "80530000"]


def health_request(stands: int = 12) -> PavilionRequest:
    """The Abidjan health pavilion of the showcase, its themes in words."""
    return PavilionRequest.model_validate(
        {
            "fair": "Salon de la santé, Abidjan",
            "country": "CI",
            "stands": stands,
            "themes": [{"title": title} for title in HEALTH_THEMES],
        }
    )


# CPV prefixes an officer accepts for each health theme: imaging equipment or services; medical
# equipment (hospital furniture among it); laboratory equipment, furniture, glassware, reagents
# or services; hospital works or engineering services; software or IT services; training.
ACCEPTABLE = {
    "imagerie médicale": ("331", "8515"),
    "équipements hospitaliers": ("331",),
    "laboratoire": ("38", "3918", "3379", "33696", "719", "7311"),
    "ingénierie hospitalière": ("45215", "712", "713"),
    "e-santé": ("48", "72"),
    "formation": ("80",),
}


def test_health_pavilion_themes_are_coded_acceptably_or_not_at_all() -> None:
    # Before: « équipements hospitaliers » → 33198000 (hospital paper) + 85111200 (hospital
    # medical services), « ingénierie hospitalière » → hospital bedding + medical services,
    # « e-santé » → 85140000: labels sharing one word of the theme.
    codes = dict(zip(HEALTH_THEMES, theme_codes(health_request()), strict=True))
    for title, found in codes.items():
        assert all(code.startswith(ACCEPTABLE[title]) for code in found), (title, found)
    assert codes["équipements hospitaliers"]  # medical equipment, not left out
    assert all(codes[title] for title in ("imagerie médicale", "laboratoire", "formation"))


@pytest.mark.parametrize("text", ["ingénierie hospitalière", "e-santé"])
def test_a_theme_no_label_reads_whole_gets_no_code(text: str) -> None:
    # Labels are near (they share « hospitalière », « santé ») but none reads the other word.
    assert cpv_suggester().suggest(text) == []
    assert text_model().suggest_cpv(text)
    assert label_fallback(text, text_model()) == []


def test_the_label_fallback_keeps_the_kind_the_text_names_and_reads_every_word() -> None:
    vocabulary = taxonomy()

    def reads(code: str, words: list[str]) -> bool:
        labels = [
            fold_text(vocabulary.label(c, lang))
            for c in [code, *vocabulary.ancestors(code)]
            for lang in ("fr", "en")
        ]
        return all(any(word[:7] in label for label in labels) for word in words)

    for text in ("équipements hospitaliers", "laboratoire", "maintenance des ascenseurs"):
        found = label_fallback(text, text_model())
        assert found, text
        kind = purchase_kind(text)
        words = [w for w in text_words(text) if " " not in w and purchase_kind(w) is None]
        closest = [code for code, _ in text_model().suggest_cpv(text, 30)]
        for code, _ in found:
            assert kind is None or code_kind(code) == kind, (text, code)
            # the code, or a near code it stands for, reads every word of the text
            under = [c for c in closest if c.startswith(code.rstrip("0"))]
            assert any(reads(c, words) for c in under), (text, code)


@pytest.mark.parametrize(
    ("text", "trade", "other"),
    [
        ("Restauration du personnel", "55", "79630000"),
        ("Entretien des bâtiments", "50", "71315300"),
    ],
)
def test_the_label_fallback_reads_a_word_of_a_kind_of_purchase_that_names_the_trade(
    text: str, trade: str, other: str
) -> None:
    # « restauration » names services, and catering: a label that reads « personnel » alone
    # (personnel management, 79630000) is no reading of the staff canteen; nor is a label that
    # reads « bâtiments » alone (quantity surveying of buildings, 71315300) of their upkeep.
    closest = [code for code, _ in text_model().suggest_cpv(text, 30)]
    assert other in closest
    found = [code for code, _ in label_fallback(text, text_model())]
    assert found and all(code.startswith(trade) for code in found), found


@pytest.mark.parametrize(
    ("text", "beside"),
    [
        ("Restauration collective", "90511000"),
        ("Nettoyage des locaux", "72710000"),
        ("Restauration hospitalière", "85110000"),
    ],
)
def test_the_label_fallback_reads_no_code_rather_than_the_words_beside_the_trade(
    text: str, beside: str
) -> None:
    # No label reads the trade (« restauration », « nettoyage ») with the other word; labels
    # reading the other word alone (waste collection, local area networks, hospital medical
    # services) were the theme's codes, and waste collectors took a catering stand.
    assert beside in [code for code, _ in text_model().suggest_cpv(text, 30)]
    assert label_fallback(text, text_model()) == []


def test_the_label_fallback_needs_no_label_to_read_a_word_that_only_names_a_purchase() -> None:
    # « fourniture » is read by « fournitures scolaires »: no reason to prefer that label.
    found = label_fallback("Fourniture de mobilier", text_model())
    assert found[0][0] == "39100000", found


def test_the_label_fallback_backs_off_to_the_group_near_codes_share() -> None:
    # Hospital paper (33198000) and hospital beds (33192120) are near: their class is given.
    closest = [code for code, _ in text_model().suggest_cpv("équipements hospitaliers", 30)]
    found = [code for code, _ in label_fallback("équipements hospitaliers", text_model())]
    assert found == ["33190000"] and "33190000" not in closest


def test_the_label_fallback_does_not_back_off_to_a_broad_group() -> None:
    # Irrigation works (45232120) and irrigation channels (45247111) part at group 452, every
    # building and civil-engineering trade (614 codes): each keeps its own code. Before, the
    # theme « irrigation » was coded 45200000 and carpenters took its stands.
    found = [code for code, _ in label_fallback("irrigation", text_model())]
    assert {"45232120", "43323000"} <= set(found)
    assert "45200000" not in found
    assert all(taxonomy().size(code) <= BACK_OFF_CODES for code in found), found


def test_an_unread_theme_is_reported_uncovered_with_its_reason(
    showcase_store: EmbeddedStore,
) -> None:
    result = shortlist_pavilion(showcase_store, health_request())
    unread = [theme for theme in result.themes if not theme.cpv]
    assert {theme.title for theme in unread} == {"ingénierie hospitalière", "e-santé"}
    for theme in unread:
        assert theme.firms == 0 and theme.uncovered == phrase("pavilion.unread_theme", "en")
    assert len(result.firms) == 12 and all(member.themes for member in result.firms)


NURSES_TITLE = "Formation du personnel soignant"
NURSES = (
    "Formation initiale et continue des infirmiers, sages-femmes et techniciens biomédicaux du "
    "centre de santé."
)


def test_a_division_alone_gives_way_to_its_likeliest_group() -> None:
    # The learnt model is confident of training (80) but splits the finer codes: 80 alone
    # would let a driving school (80411000) take nurses' training.
    suggester = cpv_suggester()
    text = f"{NURSES_TITLE} {NURSES}"
    assert suggester.code_probabilities(text)["80000000"] >= suggester.confidence
    found = suggester.suggest(text)
    assert found and all(len(s.code.rstrip("0")) >= 3 for s in found)
    assert found[0].code == "80500000"  # training services


@pytest.fixture(scope="module")
def decp_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """An embedded store holding the real DECP award files of the fixtures (imported once;
    the tests also take ``data_dir`` so that settings read no user data).
    """
    from meute.api.training import fixture_decp_files

    with EmbeddedStore(tmp_path_factory.mktemp("decp")) as store:
        tabular = fixture_decp_files()[0].parent / "decp_2024H2_travaux_cpv4521_filtered.csv.gz"
        import_decp(store, [*fixture_decp_files(), tabular])
        yield store


def test_a_real_award_graph_leaves_a_drug_lot_to_no_firm_rather_than_a_disinfectant_maker(
    decp_store: EmbeddedStore, data_dir: Path
) -> None:
    # A Romanian hospital's notice (words unread: matched on its codes). Before: LABORATOIRES
    # ANIOS (cleaning and disinfection products) took the clopidogrel lot at a learnt fit of
    # 16.2/100, under the 20/100 floor the hand-set relevance let it through.
    tender = Tender(
        id="ro-medicamente",
        title="Achiziție medicamente și dezinfectanți",
        buyer="Spitalul Județean",
        country="RO",
        budget=500_000,
        lots=[
            Lot(id="L1", title="CLOPIDOGRELUM 75 MG", cpv=["33621100"]),
            Lot(id="L2", title="Dezinfectanți pentru suprafețe", cpv=["33631600"]),
        ],
    )
    result = match_tender(decp_store, tender, Settings().match_options(top=3))
    [drug] = result.uncovered
    assert drug.lot_id == "L1"
    assert drug.reason.endswith("none reaches the relevance floor (20/100)")
    assert result.consortia
    for consortium in result.consortia:
        [member] = consortium.members
        assert member.lots == ["L2"] and member.name == "LABORATOIRES ANIOS"


def thies(lots: list[Lot]) -> Tender:
    """The health centre of Thiès (Senegal) with ``lots``."""
    return Tender(
        id="thies",
        title="Centre de santé de Thiès : construction, équipement médical et formation",
        buyer="Ministère de la Santé et de l'Action sociale (Sénégal)",
        country="SN",
        budget=8_000_000,
        lots=lots,
        constraints=TenderConstraints(max_members=6),
    )


def thies_lots(construction_cpv: list[str] | None = None) -> list[Lot]:
    """Thiès's construction (coded ``construction_cpv``, else in words), medical equipment and
    nurses' training lots, as an officer describes them.
    """
    return [
        Lot(
            id="L1",
            title="Construction du centre de santé",
            description="Travaux de construction d'un centre de santé de 60 lits : gros œuvre, "
            "maçonnerie, charpente, couverture, plomberie, électricité, voiries et réseaux divers.",
            cpv=construction_cpv or [],
            budget=5_000_000,
        ),
        Lot(
            id="L2",
            title="Fourniture d'équipements médicaux",
            description="Fourniture et installation d'équipements médicaux : appareils "
            "d'imagerie médicale (radiologie, échographe), lits médicalisés, matériel de "
            "stérilisation et de laboratoire.",
            budget=2_500_000,
        ),
        Lot(id="L3", title=NURSES_TITLE, description=NURSES, budget=500_000),
    ]


def test_a_real_award_graph_gives_nurses_training_to_training_firms(
    decp_store: EmbeddedStore, data_dir: Path
) -> None:
    # Before: the lot was matched on division 80 alone, and a driving school and a primary
    # education association took it in the third and fifth consortia.
    lots = thies_lots()
    result = match_tender(decp_store, thies(lots), Settings().match_options(top=5))
    sirens = [m.siren for c in result.consortia for m in c.members if "L3" in m.lots]
    firms = decp_store.get_firms(sirens)
    assert firms
    for firm in firms:
        assert any(c.cpv.startswith("805") for c in firm.capabilities), firm.name


def test_a_real_award_graph_gives_a_health_centre_to_building_firms(
    decp_store: EmbeddedStore, data_dir: Path
) -> None:
    # Lots in words only, as an officer types them. Before: the construction lot was coded
    # leisure works (45212100) and a landscaper took it in every consortium.
    words = {
        "L1": ("Construction d'un centre de santé", 5_000_000),
        "L2": ("Fourniture d'équipements médicaux", 2_500_000),
        "L3": ("Formation des infirmiers", 500_000),
    }
    lots = [Lot(id=k, title=t, description=t, budget=b) for k, (t, b) in words.items()]
    tender = thies(lots)
    codes = lot_codes(tender)
    assert codes["L1"] and all(
        code.startswith("4521") and not code.startswith("45212") for code in codes["L1"]
    )
    assert all(code.startswith("331") for code in codes["L2"])
    assert all(code.startswith("805") for code in codes["L3"])
    result = match_tender(decp_store, tender, Settings().match_options(top=5))
    builders = decp_store.get_firms(
        [m.siren for c in result.consortia for m in c.members if "L1" in m.lots]
    )
    assert builders
    for firm in builders:
        assert any(c.cpv.startswith("4521") for c in firm.capabilities), firm.name


def test_a_real_award_graph_puts_imaging_and_training_firms_on_those_stands(
    decp_store: EmbeddedStore, data_dir: Path
) -> None:
    # Before: a theme's placeholder budget (a fraction of a euro) made the learnt fit's scale
    # term rule out every firm, and the imaging theme of the real graph stayed empty; and
    # building inspectors (71631xxx) took « laboratoire » (71900000) through division 71 alone.
    rows = health_pavilion(decp_store)
    assert all(ok for _, _, ok in rows), rows
    for theme, trade in (("imagerie médicale", "3311"), ("formation", "80")):
        sirens = [siren for siren, themes, _ in rows if theme in themes]
        assert sirens, theme
        for firm in decp_store.get_firms(sirens):
            assert any(c.cpv.startswith(trade) for c in firm.capabilities), (theme, firm.name)


# CPV prefixes of an irrigation trade: irrigation and garden equipment, water-pipeline and
# irrigation works, water projects.
IRRIGATION = ("4332", "45232", "4524")


def test_a_real_award_graph_puts_irrigation_firms_on_the_irrigation_stands(
    decp_store: EmbeddedStore, data_dir: Path
) -> None:
    request = PavilionRequest.model_validate(
        {
            "fair": "SIAM, Meknès",
            "country": "MA",
            "stands": 10,
            "themes": [{"title": "irrigation"}, {"title": "agroalimentaire"}],
        }
    )
    result = shortlist_pavilion(decp_store, request)
    sirens = [member.siren for member in result.firms if "irrigation" in member.themes]
    assert sirens
    for firm in decp_store.get_firms(sirens):
        assert any(c.cpv.startswith(IRRIGATION) for c in firm.capabilities), firm.name


# Objets that name another trade than building a health centre: lifts, green spaces.
OTHER_TRADES = re.compile(r"ascenseur|monte.charge|elevateur|espaces? verts?|paysag|elagage")


def other_trade_share(firm: Firm) -> float:
    """The share of the distinct objets a firm won that name lifts or green spaces."""
    objets = {fold(a.objet) for c in firm.capabilities for a in c.awards if a.objet}
    return sum(bool(OTHER_TRADES.search(o)) for o in objets) / max(len(objets), 1)


@pytest.mark.xfail(
    strict=True,
    reason="issue 15: the learnt ranker reads a construction lot as popularity in division 45; "
    "a lift maker holding the hospital's project code (45215100) takes it",
)
def test_a_real_award_graph_gives_a_coded_health_centre_to_building_firms(
    decp_store: EmbeddedStore, data_dir: Path
) -> None:
    # The code says health buildings; every lot of a hospital is coded so in DECP whatever its
    # trade, so a code under 4521 proves nothing: what the firms won must be building work.
    lots = thies_lots(["45215100"])
    result = match_tender(decp_store, thies(lots), Settings().match_options(top=5))
    takers = decp_store.get_firms(
        [m.siren for c in result.consortia for m in c.members if "L1" in m.lots]
    )
    assert takers
    for firm in takers:
        assert other_trade_share(firm) < 1 / 3, firm.name
