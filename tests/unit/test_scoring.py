"""Scoring: firm-to-lot fit (CPV, text, capacity, certifications) and consortium components."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import cpv
from graph.model import Collaboration, CollaborationKind, HeadcountBand, Lot, Tender
from scoring.consortium import (
    COLLABORATION_KIND_WEIGHT,
    ObjectiveWeights,
    breakdown,
    capability_overlap,
    cohesion_matrix,
    objective,
)
from scoring.fit import (
    BAND_TURNOVER_EUR,
    LEVEL_DECAY,
    FitWeights,
    capacity_score,
    certification_mask,
    code_similarity,
    cpv_match_score,
    estimated_turnover,
    fit_matrix,
)
from scoring.text import TextModel, firm_text, lot_text, text_model
from tests.unit.factories import make_firm, valid_siren


@pytest.fixture(scope="module")
def model() -> TextModel:
    return text_model()  # fitted once per process (a few seconds)


# --- code_similarity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("firm_code", "lot_code"),
    [
        ("33111000", "33111000"),  # same code
        ("33111000", "33110000"),  # firm's code is a child of the lot's
        ("45215140", "45200000"),  # a deep descendant
        ("45215140", "45000000"),  # the whole division
    ],
)
def test_code_similarity_is_one_within_the_lot_code(firm_code: str, lot_code: str) -> None:
    assert code_similarity(firm_code, lot_code) == 1.0


def test_code_similarity_decays_per_missing_level() -> None:
    lot = "33111000"  # 5 significant digits: 33111
    assert code_similarity("33110000", lot) == pytest.approx(LEVEL_DECAY)  # shares 3311
    assert code_similarity("33100000", lot) == pytest.approx(LEVEL_DECAY**2)  # shares 331
    assert code_similarity("33000000", lot) == pytest.approx(LEVEL_DECAY**3)  # shares 33
    # A sibling branch shares only the common prefix, like the ancestor at that level.
    assert code_similarity("33600000", lot) == pytest.approx(LEVEL_DECAY**3)
    assert code_similarity("33112000", lot) == pytest.approx(LEVEL_DECAY)
    assert 1.0 > LEVEL_DECAY > LEVEL_DECAY**2 > 0.0


@pytest.mark.parametrize(
    ("firm_code", "lot_code"),
    [("33111000", "45215140"), ("30000000", "03000000"), ("45000000", "48000000")],
)
def test_code_similarity_is_zero_across_divisions(firm_code: str, lot_code: str) -> None:
    assert code_similarity(firm_code, lot_code) == 0.0
    assert code_similarity(lot_code, firm_code) == 0.0


# --- cpv_match_score ---------------------------------------------------------------------------


def test_cpv_match_score_weights_the_evidence() -> None:
    strong = make_firm(capabilities=[("33111000", 1.0)])
    weak = make_firm(capabilities=[("33111000", 0.0)])
    middle = make_firm(capabilities=[("33111000", 0.5)])
    # Exact match: similarity 1 times (0.5 + 0.5 * strength).
    assert cpv_match_score(strong, ["33111000"]) == pytest.approx(1.0)
    assert cpv_match_score(middle, ["33111000"]) == pytest.approx(0.75)
    assert cpv_match_score(weak, ["33111000"]) == pytest.approx(0.5)


def test_cpv_match_score_takes_the_best_capability_per_code() -> None:
    firm = make_firm(capabilities=[("33100000", 1.0), ("33111000", 0.0)])
    # 33100000 with full evidence: 0.49 * 1.0; the exact code with no evidence: 1 * 0.5.
    assert cpv_match_score(firm, ["33111000"]) == pytest.approx(0.5)


def test_cpv_match_score_mixes_core_and_breadth() -> None:
    firm = make_firm(capabilities=[("33111000", 1.0)])
    # Per lot code: [1.0, 0.0] -> 0.7 * max + 0.3 * mean = 0.7 + 0.15.
    assert cpv_match_score(firm, ["33111000", "45215140"]) == pytest.approx(0.85)


def test_cpv_match_score_is_zero_without_codes_or_capabilities() -> None:
    assert cpv_match_score(make_firm(capabilities=["33111000"]), []) == 0.0
    assert cpv_match_score(make_firm(), ["33111000"]) == 0.0
    assert cpv_match_score(make_firm(capabilities=["45215140"]), ["33111000"]) == 0.0


# --- capacity ----------------------------------------------------------------------------------


def test_capacity_score_is_monotone_and_one_above_the_budget() -> None:
    budget = 1_000_000.0
    turnover = np.array([0.0, 250_000.0, 500_000.0, 1_000_000.0, 5_000_000.0])
    scores = capacity_score(turnover, budget)
    assert scores == pytest.approx([0.0, 0.5, math.sqrt(0.5), 1.0, 1.0])
    assert np.all(np.diff(scores) >= 0)


def test_capacity_score_without_budget_is_one() -> None:
    assert capacity_score(np.array([0.0, 10.0]), 0.0).tolist() == [1.0, 1.0]


def test_estimated_turnover_falls_back_on_the_band() -> None:
    assert estimated_turnover(make_firm(turnover_eur=1234.0)) == 1234.0
    medium = make_firm(headcount=HeadcountBand.MEDIUM)
    assert estimated_turnover(medium) == BAND_TURNOVER_EUR[HeadcountBand.MEDIUM]
    bands = [BAND_TURNOVER_EUR[band] for band in HeadcountBand]
    assert bands == sorted(bands)  # bigger bands, bigger typical turnover


# --- certifications ----------------------------------------------------------------------------


def test_certification_mask_ignores_case_dashes_and_spacing() -> None:
    firms = [
        make_firm(siren=valid_siren(1), certifications=["iso-13485", "CE marking"]),
        make_firm(siren=valid_siren(2), certifications=["ISO  13485"]),
        make_firm(siren=valid_siren(3), certifications=["ISO 9001"]),
        make_firm(siren=valid_siren(4)),
    ]
    assert certification_mask(firms, ["ISO 13485"]).tolist() == [True, True, False, False]
    assert certification_mask(firms, ["ISO 13485", "ce-marking"]).tolist() == [
        True,
        False,
        False,
        False,
    ]
    assert certification_mask(firms, []).tolist() == [True, True, True, True]


# --- fit_matrix --------------------------------------------------------------------------------


def _hospital_tender() -> Tender:
    return Tender.model_validate(
        {
            "id": "T1",
            "title": "Hôpital",
            "buyer": "Ministère",
            "country": "SN",
            "budget": 2_000_000,
            "lots": [
                {"id": "L1", "title": "Gros œuvre", "cpv": ["45215140"], "budget": 800_000},
                {
                    "id": "L2",
                    "title": "Imagerie médicale",
                    "cpv": ["33111000"],
                    "required_certifications": ["ISO 13485"],
                },
            ],
        }
    )


def test_fit_matrix_shape_parts_and_ineligible_firms(model: TextModel) -> None:
    tender = _hospital_tender()
    builder = make_firm(
        siren=valid_siren(1), capabilities=[("45215140", 1.0)], turnover_eur=3_200_000
    )
    imager = make_firm(
        siren=valid_siren(2),
        capabilities=["33111000"],
        certifications=["iso-13485"],
        turnover_eur=250_000,
    )
    uncertified = make_firm(siren=valid_siren(3), capabilities=["33111000"])
    firms = [builder, imager, uncertified]
    fit = fit_matrix(tender, [lot.cpv for lot in tender.lots], firms, model)

    for part in (fit.total, fit.cpv, fit.text, fit.capacity, fit.eligible):
        assert part.shape == (2, 3)
    assert fit.eligible.tolist() == [[True, True, True], [False, True, False]]
    # Ineligible (missing certification) or without any CPV match: never proposed.
    assert fit.total[1, 2] == -np.inf  # uncertified imager on the imaging lot
    assert fit.total[1, 0] == -np.inf  # builder lacks the certification (and the codes)
    assert fit.total[0, 1] == -np.inf  # imager has no construction code
    assert fit.total[0, 2] == -np.inf

    assert fit.cpv[0, 0] == pytest.approx(1.0)
    assert fit.cpv[1, 1] == pytest.approx(0.75)  # default evidence strength 0.5
    assert fit.capacity[0, 0] == 1.0  # 3.2 M€ turnover for an 800 k€ lot
    # L2 has no estimate: half the tender, 1 M€; 250 k€ is a quarter of it.
    assert fit.capacity[1, 1] == pytest.approx(0.5)
    assert np.all((fit.text >= 0) & (fit.text <= 1))
    for lot, firm in [(0, 0), (1, 1)]:
        expected = 0.5 * fit.cpv[lot, firm] + 0.3 * fit.text[lot, firm]
        expected += 0.2 * fit.capacity[lot, firm]
        assert fit.total[lot, firm] == pytest.approx(expected)


def test_fit_matrix_total_is_the_weighted_mean(model: TextModel) -> None:
    tender = _hospital_tender()
    firm = make_firm(capabilities=["45215140", "33111000"], certifications=["ISO 13485"])
    codes = [lot.cpv for lot in tender.lots]
    only_cpv = fit_matrix(tender, codes, [firm], model, FitWeights(cpv=2.0, text=0, capacity=0))
    np.testing.assert_allclose(only_cpv.total, only_cpv.cpv)
    only_text = fit_matrix(tender, codes, [firm], model, FitWeights(cpv=0, text=1, capacity=0))
    np.testing.assert_allclose(only_text.total, only_text.text)


def test_fit_matrix_uses_the_given_lot_codes(model: TextModel) -> None:
    tender = _hospital_tender()
    imager = make_firm(capabilities=["33111000"], certifications=["ISO 13485"])
    # Lot 1 matched against imaging codes (e.g. suggested ones) instead of its own.
    fit = fit_matrix(tender, [["33110000"], ["33111000"]], [imager], model)
    assert fit.cpv[0, 0] == pytest.approx(0.75)
    assert np.isfinite(fit.total).all()


def test_fit_weights_reject_negative_or_all_zero() -> None:
    with pytest.raises(ValueError, match="text"):
        FitWeights(text=-0.1)
    with pytest.raises(ValueError, match="zero"):
        FitWeights(cpv=0, text=0, capacity=0)


# --- text model --------------------------------------------------------------------------------


def test_imaging_lot_is_closer_to_an_imaging_firm(model: TextModel) -> None:
    imaging = make_firm(
        siren=valid_siren(1),
        capabilities=["33111000"],
        description="Fabricant d'appareils de radiographie et de scanners médicaux",
    )
    builder = make_firm(
        siren=valid_siren(2),
        capabilities=["45215140"],
        description="Entreprise générale de bâtiment, gros œuvre et second œuvre",
    )
    lot = Lot(
        id="L2",
        title="Équipements d'imagerie médicale",
        description="Fourniture et installation d'appareils de radiographie numérique",
    )
    similarity = model.similarity([lot_text(lot)], [firm_text(imaging), firm_text(builder)])
    assert similarity.shape == (1, 2)
    assert similarity[0, 0] > similarity[0, 1]


def test_similarity_is_a_cosine(model: TextModel) -> None:
    texts = ["appareils de radiographie", "travaux de construction"]
    matrix = model.similarity(texts, texts)
    assert np.diag(matrix) == pytest.approx([1.0, 1.0], abs=1e-5)
    assert matrix[0, 1] == pytest.approx(matrix[1, 0])
    assert np.all((matrix >= -1e-6) & (matrix <= 1 + 1e-6))
    assert model.similarity([], texts).shape == (0, 2)
    assert model.similarity(texts, []).shape == (2, 0)


def test_texts_include_cpv_labels() -> None:
    firm = make_firm(capabilities=["33111000"], description="Imagerie")
    assert firm_text(firm) == "Imagerie Appareils de radiographie X-ray devices"
    lot = Lot(id="L1", title="Bloc", cpv=["45215140"])
    assert "Hospital facilities construction work" in lot_text(lot)
    assert "hospitaliers" in lot_text(lot)


def _labels(code: str) -> str:
    return f"{cpv.label(code, 'fr')} {cpv.label(code, 'en')}".lower()


def test_suggest_cpv_for_waste_water(model: TextModel) -> None:
    suggestions = model.suggest_cpv("station de traitement des eaux usées")
    assert 0 < len(suggestions) <= 5
    best, _ = suggestions[0]
    assert best[:2] in {"45", "90"}  # construction works or sewage services
    assert any(word in _labels(best) for word in ("eaux usées", "sewage", "wastewater"))
    scores = [score for _, score in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 + 1e-6 for score in scores)


def test_suggest_cpv_for_training_of_care_staff(model: TextModel) -> None:
    best, _ = model.suggest_cpv("formation du personnel soignant")[0]
    assert best[:2] in {"79", "80"}
    assert "training" in cpv.label(best, "en").lower()


def test_suggest_cpv_edge_cases(model: TextModel) -> None:
    assert model.suggest_cpv("") == []
    assert model.suggest_cpv("   ") == []
    assert model.suggest_cpv("qxqxqxqx") == []  # no shared n-gram: nothing scores above 0
    assert len(model.suggest_cpv("travaux de construction", top=3)) == 3


# --- cohesion ----------------------------------------------------------------------------------


def _collab(a: int, b: int, kind: CollaborationKind | str, year: int) -> Collaboration:
    return Collaboration(firm_a=valid_siren(a), firm_b=valid_siren(b), kind=kind, year=year)


def test_cohesion_matrix_is_symmetric_with_zero_diagonal() -> None:
    sirens = [valid_siren(n) for n in (1, 2, 3, 4)]
    collaborations = [
        _collab(1, 2, "joint_bid", 2024),
        _collab(3, 2, "shared_pavilion", 2024),  # given in reverse order
        _collab(4, 3, "supply", 2018),  # one half-life ago
        _collab(1, 9, "joint_bid", 2024),  # firm 9 is not a candidate: ignored
    ]
    strength = cohesion_matrix(sirens, collaborations, reference_year=2024)
    assert strength.shape == (4, 4)
    assert np.array_equal(strength, strength.T)
    assert np.all(np.diag(strength) == 0)
    assert strength[0, 1] == pytest.approx(1.0)
    assert strength[1, 2] == pytest.approx(0.3)
    assert strength[2, 3] == pytest.approx(0.6 * 0.5)
    assert strength[0, 3] == 0.0
    assert np.all((strength >= 0) & (strength <= 1))


def test_collaboration_kinds_are_ordered() -> None:
    sirens = [valid_siren(1), valid_siren(2)]
    order = [
        CollaborationKind.JOINT_BID,
        CollaborationKind.CO_AWARD,
        CollaborationKind.SUPPLY,
        CollaborationKind.SHARED_PAVILION,
    ]
    values = [cohesion_matrix(sirens, [_collab(1, 2, k, 2020)], 2024)[0, 1] for k in order]
    assert values == sorted(values, reverse=True)
    assert len(set(values)) == 4
    assert values[0] > values[-1] > 0
    assert set(COLLABORATION_KIND_WEIGHT) == set(CollaborationKind)


def test_older_collaborations_weigh_less() -> None:
    sirens = [valid_siren(1), valid_siren(2)]
    by_year = {
        year: cohesion_matrix(sirens, [_collab(1, 2, "joint_bid", year)], 2024)[0, 1]
        for year in (2024, 2018, 2012, 2000)
    }
    assert by_year[2024] > by_year[2018] > by_year[2012] > by_year[2000] > 0
    assert by_year[2018] == pytest.approx(0.5)  # one half-life: 6 years
    assert by_year[2012] == pytest.approx(0.25)
    # A collaboration dated after the reference year counts as recent, not as more than 1.
    future = cohesion_matrix(sirens, [_collab(1, 2, "joint_bid", 2030)], 2024)[0, 1]
    assert future == pytest.approx(1.0)


def test_several_collaborations_combine_as_independent_evidence() -> None:
    sirens = [valid_siren(1), valid_siren(2)]
    one = cohesion_matrix(sirens, [_collab(1, 2, "shared_pavilion", 2024)], 2024)[0, 1]
    two = cohesion_matrix(
        sirens,
        [_collab(1, 2, "shared_pavilion", 2024), _collab(2, 1, "shared_pavilion", 2022)],
        2024,
    )[0, 1]
    three = cohesion_matrix(
        sirens,
        [
            _collab(1, 2, "shared_pavilion", 2024),
            _collab(2, 1, "shared_pavilion", 2022),
            _collab(1, 2, "supply", 2023),
        ],
        2024,
    )[0, 1]
    assert one < two < three < 1.0
    older = 0.3 * 0.5 ** (2 / 6)
    assert two == pytest.approx(1 - (1 - 0.3) * (1 - older))


# --- capability overlap ------------------------------------------------------------------------


def test_capability_overlap_is_jaccard_at_class_level() -> None:
    a = make_firm(siren=valid_siren(1), capabilities=["45215140", "33111000"])  # 4521, 3311
    b = make_firm(siren=valid_siren(2), capabilities=["33112000", "80510000"])  # 3311, 8051
    c = make_firm(siren=valid_siren(3), capabilities=["45210000", "33110000"])  # 4521, 3311
    d = make_firm(siren=valid_siren(4))
    e = make_firm(siren=valid_siren(5))
    overlap = capability_overlap([a, b, c, d, e])
    assert np.array_equal(overlap, overlap.T)
    assert np.all(np.diag(overlap) == 0)
    assert overlap[0, 1] == pytest.approx(1 / 3)
    assert overlap[0, 2] == pytest.approx(1.0)  # same classes, different codes
    assert overlap[1, 2] == pytest.approx(1 / 3)
    assert overlap[0, 3] == 0.0
    assert overlap[3, 4] == 0.0  # two firms without capabilities do not overlap


# --- breakdown and objective -------------------------------------------------------------------


def _matrices() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fit = np.array([[0.9, 0.2, 0.4], [0.3, 0.8, 0.6], [0.5, 0.1, 0.7]])
    cohesion = np.array([[0.0, 0.6, 0.2], [0.6, 0.0, 0.4], [0.2, 0.4, 0.0]])
    overlap = np.array([[0.0, 0.5, 0.1], [0.5, 0.0, 0.3], [0.1, 0.3, 0.0]])
    return fit, cohesion, overlap


def test_breakdown_with_an_uncovered_lot() -> None:
    fit, cohesion, overlap = _matrices()
    parts = breakdown([0, 1, -1], fit, cohesion, overlap)
    assert parts == pytest.approx(
        {
            "coverage": 2 / 3,
            "fit": (0.9 + 0.8) / 3,  # the uncovered lot counts 0
            "cohesion": 0.6,
            "complementarity": 1 - 0.5,
            "size": 2 / 3,  # two firms for three lots
        }
    )


def test_breakdown_one_firm_per_lot() -> None:
    fit, cohesion, overlap = _matrices()
    parts = breakdown([0, 1, 2], fit, cohesion, overlap)
    assert parts["coverage"] == 1.0
    assert parts["fit"] == pytest.approx((0.9 + 0.8 + 0.7) / 3)
    assert parts["cohesion"] == pytest.approx((0.6 + 0.2 + 0.4) / 3)
    assert parts["complementarity"] == pytest.approx(1 - (0.5 + 0.1 + 0.3) / 3)
    assert parts["size"] == pytest.approx(1 / 3)


def test_breakdown_single_member() -> None:
    fit, cohesion, overlap = _matrices()
    parts = breakdown([2, 2, 2], fit, cohesion, overlap)
    assert parts["cohesion"] == 1.0
    assert parts["complementarity"] == 1.0
    assert parts["size"] == 1.0
    assert parts["fit"] == pytest.approx((0.4 + 0.6 + 0.7) / 3)


def test_breakdown_with_nothing_covered() -> None:
    fit, cohesion, overlap = _matrices()
    parts = breakdown([-1, -1, -1], fit, cohesion, overlap)
    assert parts["coverage"] == 0.0
    assert parts["fit"] == 0.0


def test_objective_is_the_weighted_mean() -> None:
    parts = {"coverage": 1.0, "fit": 0.5, "cohesion": 0.2, "complementarity": 0.4, "size": 0.0}
    weights = ObjectiveWeights(coverage=1, fit=3, cohesion=0, complementarity=0, size=4)
    assert objective(parts, weights) == pytest.approx((1.0 + 3 * 0.5) / 8)
    defaults = ObjectiveWeights()
    expected = 0.1 * 1.0 + 0.5 * 0.5 + 0.2 * 0.2 + 0.1 * 0.4 + 0.1 * 0.0
    assert objective(parts, defaults) == pytest.approx(expected)
    assert objective(dict.fromkeys(parts, 0.7), defaults) == pytest.approx(0.7)


def test_objective_weights_reject_negative_or_all_zero() -> None:
    with pytest.raises(ValueError, match="cohesion"):
        ObjectiveWeights(cohesion=-0.5)
    with pytest.raises(ValueError, match="zero"):
        ObjectiveWeights(coverage=0, fit=0, cohesion=0, complementarity=0, size=0)


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def _symmetric(draw: st.DrawFn, n: int) -> np.ndarray:
    matrix = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            matrix[i, j] = matrix[j, i] = draw(unit)
    return matrix


@st.composite
def _consortia(draw: st.DrawFn) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    n_lots = draw(st.integers(1, 6))
    n_firms = draw(st.integers(1, 6))
    assignment = draw(st.lists(st.integers(-1, n_firms - 1), min_size=n_lots, max_size=n_lots))
    fit = np.array([[draw(unit) for _ in range(n_firms)] for _ in range(n_lots)])
    return assignment, fit, _symmetric(draw, n_firms), _symmetric(draw, n_firms)


@settings(max_examples=200, deadline=None)
@given(case=_consortia())
def test_breakdown_components_stay_in_the_unit_interval(
    case: tuple[list[int], np.ndarray, np.ndarray, np.ndarray],
) -> None:
    assignment, fit, cohesion, overlap = case
    parts = breakdown(assignment, fit, cohesion, overlap)
    assert set(parts) == {"coverage", "fit", "cohesion", "complementarity", "size"}
    for name, value in parts.items():
        assert 0.0 <= value <= 1.0, (name, value)
    assert 0.0 <= objective(parts, ObjectiveWeights()) <= 1.0
