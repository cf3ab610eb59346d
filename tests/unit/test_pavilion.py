"""Pavilion shortlists: hand-built cases with a known best choice, the objective's incremental
gains, greedy + swap against brute force, and bad requests naming their field.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from pydantic import ValidationError

from meute.graph.errors import Infeasible, InvalidInput, problems_from_validation
from meute.graph.model import (
    ExportMaturity,
    Firm,
    PavilionRequest,
    PavilionResult,
    Region,
    Tender,
)
from meute.matcher.pavilion import (
    PavilionScore,
    PavilionWeights,
    greedy_swap,
    select_pavilion,
    theme_codes,
    theme_neighbours,
)
from meute.matcher.phrases import Lang
from meute.scoring.text import text_model
from tests.unit.factories import make_firm, valid_siren

MEDICAL = {"title": "Équipements médicaux", "cpv": ["33100000"]}
TRAINING = {"title": "Formation des soignants", "cpv": ["80510000"]}


def medical(n: int, **overrides: Any) -> Firm:
    data: dict[str, Any] = {
        "name": f"Matériel médical {n}",
        "description": "Fourniture et installation d'équipements médicaux",
        "maturity": ExportMaturity.REGULAR,
        "region": Region.IDF,
    }
    return make_firm(valid_siren(n), [("33100000", 0.9)], **{**data, **overrides})


def training(n: int, code: str = "80510000", **overrides: Any) -> Firm:
    data: dict[str, Any] = {
        "name": f"Formation {n}",
        "description": "Formation spécialisée du personnel soignant",
        "maturity": ExportMaturity.REGULAR,
        "region": Region.OCCITANIE,
    }
    return make_firm(valid_siren(n), [(code, 0.9)], **{**data, **overrides})


def request(themes: Sequence[dict[str, Any]], stands: int, **more: Any) -> PavilionRequest:
    return PavilionRequest.model_validate(
        {"fair": "Salon de la santé", "country": "CI", "themes": themes, "stands": stands, **more}
    )


def shortlist(
    req: PavilionRequest, firms: Sequence[Firm], weights: PavilionWeights | None = None
) -> PavilionResult:
    return select_pavilion(req, firms, theme_codes(req), text_model(), weights or PavilionWeights())


def chosen(result: PavilionResult) -> set[str]:
    return {firm.siren for firm in result.firms}


def test_coverage_beats_redundancy() -> None:
    # The training firm fits its theme less well (vaguer words) than the second medical firm
    # fits medical equipment, yet an uncovered theme is worth more than a second firm.
    firms = [medical(1), medical(2, region=Region.BRETAGNE), training(3, description="Cours")]
    result = shortlist(request([MEDICAL, TRAINING], 2), firms)
    assert chosen(result) == {valid_siren(1), valid_siren(3)}
    by_siren = {firm.siren: firm for firm in result.firms}
    assert by_siren[valid_siren(3)].themes == ["Formation des soignants"]
    assert by_siren[valid_siren(3)].breakdown["fit"] < by_siren[valid_siren(1)].breakdown["fit"]
    assert [theme.firms for theme in result.themes] == [1, 1]


def test_stands_spread_over_the_themes() -> None:
    firms = [medical(n, region=region) for n, region in zip(range(1, 5), Region, strict=False)]
    firms += [training(n, region=region) for n, region in zip(range(5, 9), Region, strict=False)]
    result = shortlist(request([MEDICAL, TRAINING], 4), firms)
    assert [theme.firms for theme in result.themes] == [2, 2]
    # Stands are numbered by score, best first.
    scores = [firm.score for firm in result.firms]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) > 1
    assert [firm.stand for firm in result.firms] == [1, 2, 3, 4]


def test_readiness_decides_between_equal_fits() -> None:
    novice = medical(1, maturity=ExportMaturity.FIRST_TIME)
    ready = medical(2, maturity=ExportMaturity.ACCREDITED, export_countries=["CI"])
    result = shortlist(request([MEDICAL], 1), [novice, ready])
    assert chosen(result) == {ready.siren}
    firm = result.firms[0]
    assert firm.breakdown["readiness"] == pytest.approx(1.0)
    assert "accredited" in firm.why and "already active in CI" in firm.why


def test_regional_diversity_breaks_ties() -> None:
    firms = [medical(1), medical(2), medical(3, region=Region.BRETAGNE)]
    result = shortlist(request([MEDICAL], 2), firms)
    assert chosen(result) == {valid_siren(1), valid_siren(3)}
    assert result.breakdown["regions"] == pytest.approx(1.0)
    assert all("only firm from there" in firm.why for firm in result.firms)
    # Without the regions term the tie falls to the lowest SIRENs, both from Île-de-France.
    blind = shortlist(request([MEDICAL], 2), firms, PavilionWeights(regions=0.0))
    assert chosen(blind) == {valid_siren(1), valid_siren(2)}


def test_must_include_and_exclude_are_honoured() -> None:
    firms = [medical(1), medical(2, maturity=ExportMaturity.FIRST_TIME), training(3)]
    outsider = make_firm(valid_siren(4), [("09332000", 0.8)], name="Solaire", region=Region.CORSE)
    req = request(
        [MEDICAL, TRAINING],
        3,
        must_include=[valid_siren(2), outsider.siren],
        exclude=[valid_siren(3)],
    )
    result = shortlist(req, [*firms, outsider])
    assert chosen(result) == {valid_siren(1), valid_siren(2), outsider.siren}
    by_siren = {firm.siren: firm for firm in result.firms}
    assert by_siren[valid_siren(2)].required and not by_siren[valid_siren(1)].required
    assert by_siren[valid_siren(2)].why.startswith("On the must-include list; covers")
    # A required firm outside every theme keeps its stand, last (it fits nothing), and says so.
    assert result.firms[-1].siren == outsider.siren
    assert result.firms[-1].themes == [] and "matches none of the themes" in result.firms[-1].why
    assert result.themes[1].firms == 0  # the only training firm was excluded


def test_themes_in_words_get_suggested_codes() -> None:
    theme = {"title": "Formation professionnelle", "description": "formation du personnel"}
    req = request([MEDICAL, theme], 2)
    codes = theme_codes(req)
    assert codes[0] == ["33100000"]
    assert codes[1] and all(code.startswith("80") for code in codes[1][:1])
    result = shortlist(req, [medical(1), medical(2), training(3)])
    assert chosen(result) == {valid_siren(1), valid_siren(3)}
    assert [theme.suggested for theme in result.themes] == [False, True]
    assert result.themes[1].cpv[0].startswith("80") and "-" in result.themes[1].cpv[0]


def test_themes_whose_words_suggest_nothing_are_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        theme_codes(request([MEDICAL, {"title": "xqzwv"}], 1))
    assert [(p.field, p.value) for p in caught.value.problems] == [("themes[1]", "xqzwv")]


def test_fewer_matching_firms_than_stands_names_stands() -> None:
    unrelated = make_firm(valid_siren(9), [("09332000", 0.8)])
    with pytest.raises(Infeasible) as caught:
        shortlist(request([MEDICAL], 3), [medical(1), medical(2), unrelated])
    assert [(p.field, p.value) for p in caught.value.problems] == [("stands", 3)]
    assert "only 2 firm(s)" in caught.value.problems[0].message


def test_unknown_required_firm_names_its_position() -> None:
    with pytest.raises(InvalidInput) as caught:
        shortlist(request([MEDICAL], 1, must_include=[valid_siren(77)]), [medical(1)])
    assert [(p.field, p.value) for p in caught.value.problems] == [
        ("must_include[0]", valid_siren(77))
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stands": 0}, "stands"),
        ({"stands": 201}, "stands"),
        ({"themes": []}, "themes"),
        ({"themes": [MEDICAL, {**MEDICAL, "title": "équipements MÉDICAUX"}]}, "themes"),
        ({"themes": [{"title": "x", "cpv": ["12"]}]}, "themes[0].cpv[0]"),
        ({"stands": 1, "must_include": [valid_siren(1), valid_siren(2)]}, "must_include"),
        ({"must_include": [valid_siren(1), valid_siren(1)]}, "must_include"),
        ({"must_include": ["123456789"]}, "must_include[0]"),
        ({"must_include": [valid_siren(1)], "exclude": [valid_siren(1)]}, "exclude"),
        ({"country": "France"}, "country"),
    ],
)
def test_bad_requests_name_the_field(changes: dict[str, Any], field: str) -> None:
    data = {"fair": "Salon", "country": "CI", "themes": [MEDICAL], "stands": 3, **changes}
    with pytest.raises(ValidationError) as caught:
        PavilionRequest.model_validate(data)
    assert field in {problem.field for problem in problems_from_validation(caught.value)}


def random_objective(seed: int) -> tuple[PavilionScore, list[int]]:
    rng = np.random.default_rng(seed)
    n_themes, n_firms = int(rng.integers(1, 4)), int(rng.integers(3, 10))
    stands = int(rng.integers(1, min(n_firms, 5) + 1))
    fit = rng.random((n_themes, n_firms)) * (rng.random((n_themes, n_firms)) < 0.6)
    objective = PavilionScore(
        fit=fit,
        readiness=rng.choice([0.175, 0.35, 0.525, 0.7, 0.475, 0.65, 0.825, 1.0], n_firms),
        region=rng.integers(0, 4, n_firms).astype(np.intp),
        stands=stands,
    )
    required = rng.choice(n_firms, int(rng.integers(0, stands + 1)), replace=False)
    return objective, [int(f) for f in required] if seed % 3 == 0 else []


@pytest.mark.parametrize("seed", range(20))
def test_gains_are_score_differences(seed: int) -> None:
    objective, _ = random_objective(seed)
    members = list(range(objective.stands - 1))
    gains = objective.gains(members)
    for firm in range(objective.fit.shape[1]):
        expected = 0.0 if firm in members else objective.score([*members, firm])
        expected -= 0.0 if firm in members else objective.score(members)
        assert gains[firm] == pytest.approx(expected, abs=1e-12)


def test_greedy_swap_against_brute_force() -> None:
    ratios = []
    for seed in range(150):
        objective, required = random_objective(seed)
        n_firms = objective.fit.shape[1]
        best = max(
            objective.score(members)
            for members in itertools.combinations(range(n_firms), objective.stands)
            if set(required) <= set(members)
        )
        found = greedy_swap(objective, required)
        assert len(set(found)) == objective.stands and set(required) <= set(found)
        ratios.append(objective.score(found) / best)
    assert min(ratios) >= 1 - 1 / math.e
    assert sum(ratio > 1 - 1e-9 for ratio in ratios) >= 0.95 * len(ratios)


class _Ranker:
    """A learnt fit given as a table: SIREN -> fit to each theme."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def relevance(
        self, tender: Tender, lot_codes: Sequence[Sequence[str]], firms: Sequence[Firm], fit: Any
    ) -> NDArray[np.float64]:
        return np.array([self.table[firm.siren] for firm in firms], dtype=np.float64).T


def test_a_theme_is_claimed_only_where_the_learnt_fit_reaches_the_floor() -> None:
    # A medical-furniture maker with a stray imaging code lies in imaging by the CPV tree, but
    # the learnt fit that ranks the firms says it does not do imaging: it must not be said to
    # cover it.
    imaging = {"title": "Imagerie médicale", "cpv": ["33110000"]}
    furniture = make_firm(
        valid_siren(1), [("33192000", 0.9), ("33111000", 0.1)], description="Mobilier médical"
    )
    scanner = make_firm(valid_siren(2), [("33113000", 0.9)], description="IRM et scanners")
    weak = make_firm(valid_siren(3), [("33190000", 0.9)], description="Dispositifs médicaux")
    req = request([MEDICAL, imaging], 3)
    ranker = _Ranker(
        {furniture.siren: [0.6, 0.05], scanner.siren: [0.3, 0.7], weak.siren: [0.1, 0.1]}
    )
    firms = [furniture, scanner, weak]
    hand = select_pavilion(req, firms, theme_codes(req), text_model())
    claims = {f.siren: f.themes for f in hand.firms}
    assert "Imagerie médicale" in claims[furniture.siren]  # the CPV tree alone claims it
    result = select_pavilion(req, firms, theme_codes(req), text_model(), floor=0.2, ranker=ranker)
    by_siren = {firm.siren: firm for firm in result.firms}
    assert by_siren[furniture.siren].themes == ["Équipements médicaux"]
    assert "Imagerie médicale" not in by_siren[furniture.siren].why
    assert by_siren[scanner.siren].themes == ["Imagerie médicale", "Équipements médicaux"]
    assert weak.siren not in by_siren  # near medical equipment, fits no theme: no stand
    assert [theme.firms for theme in result.themes] == [2, 1]


def test_an_uncovered_theme_says_why() -> None:
    imaging = {"title": "Imagerie médicale", "cpv": ["33110000"]}
    furniture = make_firm(
        valid_siren(1), [("33192000", 0.9), ("33111000", 0.1)], description="Mobilier médical"
    )
    other = make_firm(
        valid_siren(2), [("33192100", 0.9), ("33112000", 0.1)], description="Lits médicaux"
    )
    ranker = _Ranker({furniture.siren: [0.6, 0.05, 0.0], other.siren: [0.5, 0.1, 0.0]})
    req = request([MEDICAL, imaging, TRAINING], 1)
    result = select_pavilion(
        req, [furniture, other], theme_codes(req), text_model(), floor=0.2, ranker=ranker
    )
    medical_theme, imaging_theme, training_theme = result.themes
    assert medical_theme.firms == 1 and medical_theme.uncovered is None
    assert imaging_theme.firms == 0
    assert imaging_theme.uncovered == (
        "2 firm(s) deliver something close but none reaches the relevance floor (20/100)"
    )
    assert training_theme.uncovered == (
        "no candidate firm delivers anything close to this theme's CPV codes"
    )
    two = select_pavilion(
        request([MEDICAL, TRAINING], 1),
        [medical(3), training(4)],
        [["33100000"], ["80510000"]],
        text_model(),
        lang=Lang.FR,
    )
    assert [theme.uncovered is None for theme in two.themes].count(True) == 1
    assert any("1 entreprise le couvre" in (theme.uncovered or "") for theme in two.themes)


def test_a_theme_is_covered_only_by_firms_retrieved_for_it() -> None:
    # Consumables firms come in for medical equipment; imaging is a sibling class of theirs.
    # Before, they covered imaging too whenever another theme brought them in (the Abidjan
    # pavilion on real awards); what covers a theme no longer depends on the other themes.
    imaging = {"title": "Imagerie médicale", "cpv": ["33110000"]}
    consumables = [
        make_firm(valid_siren(n), [("33140000", 0.9)], description="Consommables médicaux")
        for n in (1, 2)
    ]
    req = request([MEDICAL, imaging], 2)
    result = select_pavilion(req, consumables, theme_codes(req), text_model())
    assert all(firm.themes == ["Équipements médicaux"] for firm in result.firms)
    medical_theme, imaging_theme = result.themes
    assert medical_theme.firms == 2 and imaging_theme.firms == 0
    assert imaging_theme.uncovered == (
        "no candidate firm delivers anything close to this theme's CPV codes"
    )
    assert theme_neighbours([["33100000"], ["33110000"]], consumables).tolist() == [
        [True, True],
        [False, False],
    ]
    # Imaging in words: the officer is told the suggested codes found nobody, and what to do.
    worded = request([MEDICAL, {"title": "imagerie médicale"}], 2)
    assert theme_codes(worded)[1] == ["33110000"]
    for lang, advice in ((Lang.EN, ": give CPV codes"), (Lang.FR, " : indiquez des codes CPV")):
        result = select_pavilion(worded, consumables, theme_codes(worded), text_model(), lang=lang)
        uncovered = result.themes[1].uncovered
        assert result.themes[1].firms == 0 and uncovered and uncovered.endswith(advice)
