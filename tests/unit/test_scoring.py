"""Scoring: firm-to-lot fit (CPV, evidence, text, capacity, certifications) and the objective."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from meute.graph import cpv
from meute.graph.cpv import significant
from meute.graph.model import (
    Collaboration,
    CollaborationKind,
    ExportMaturity,
    HeadcountBand,
    Lot,
    Tender,
)
from meute.scoring.columns import BAND_TURNOVER_EUR, FirmColumns, estimated_turnover
from meute.scoring.consortium import (
    COLLABORATION_KIND_WEIGHT,
    LINEAR_TERMS,
    MATURITY_SCORE,
    ObjectiveWeights,
    ScoreTables,
    capability_overlap,
    cohesion_edges,
    cohesion_matrix,
    objective,
    readiness_scores,
)
from meute.scoring.fit import (
    DIVISION_TEXT_FLOOR,
    LEVEL_DECAY,
    RELEVANCE_FLOOR,
    TEXT_SHARE_FLOOR,
    FitWeights,
    capacity_score,
    certification_mask,
    code_similarities,
    code_similarity,
    coded_fit,
    cpv_match_score,
    cpv_parts,
    evidence_score,
    fit_matrix,
)
from meute.scoring.text import TextModel, firm_text, lot_text, text_model
from tests.unit.factories import hospital_tender, make_firm, valid_siren

TERMS = (
    "coverage",
    "fit",
    "evidence",
    "capacity",
    "readiness",
    "sme",
    "cohesion",
    "complementarity",
    "regions",
    "size",
)


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


@settings(max_examples=60, deadline=None)
@given(
    firm_codes=st.lists(st.sampled_from(sorted(cpv.taxonomy().entries)), max_size=40),
    lot_code=st.sampled_from(sorted(cpv.taxonomy().entries)),
    near=st.integers(0, 8),
)
def test_code_similarities_is_code_similarity_vectorised(
    firm_codes: list[str], lot_code: str, near: int
) -> None:
    # Codes from anywhere, and codes sharing the lot code's first digits.
    close = [code for code in sorted(cpv.taxonomy().entries) if code[:near] == lot_code[:near]]
    codes = firm_codes + close[:40]
    vectorised = code_similarities(np.array([int(c) for c in codes], dtype=np.int64), lot_code)
    assert vectorised.tolist() == [code_similarity(code, lot_code) for code in codes]


# --- cpv_match_score, evidence_score, cpv_parts ------------------------------------------------


def test_cpv_match_score_ignores_the_evidence_strength() -> None:
    # The match is about codes only; how well proven a capability is goes to evidence_score.
    for strength in (0.0, 0.5, 1.0):
        firm = make_firm(capabilities=[("33111000", strength)])
        assert cpv_match_score(firm, ["33111000"]) == pytest.approx(1.0)
        assert cpv_match_score(firm, ["33110000"]) == pytest.approx(1.0)  # within the lot code
        assert cpv_match_score(firm, ["33112000"]) == pytest.approx(LEVEL_DECAY)


def test_evidence_score_is_similarity_times_strength() -> None:
    strong = make_firm(capabilities=[("33111000", 1.0)])
    middle = make_firm(capabilities=[("33111000", 0.5)])
    weak = make_firm(capabilities=[("33111000", 0.0)])
    assert evidence_score(strong, ["33111000"]) == pytest.approx(1.0)
    assert evidence_score(middle, ["33111000"]) == pytest.approx(0.5)
    assert evidence_score(weak, ["33111000"]) == 0.0
    # A sibling code one level away: similarity 0.7, times the strength.
    assert evidence_score(strong, ["33112000"]) == pytest.approx(LEVEL_DECAY)
    assert evidence_score(middle, ["33112000"]) == pytest.approx(LEVEL_DECAY * 0.5)


def test_evidence_score_takes_the_best_backed_capability() -> None:
    firm = make_firm(capabilities=[("33100000", 1.0), ("33111000", 0.2)])
    # 33100000 is two levels above the lot code: 0.49 x 1.0 beats the exact code's 1 x 0.2.
    assert evidence_score(firm, ["33111000"]) == pytest.approx(LEVEL_DECAY**2)
    # The match takes the closest code whatever its strength.
    assert cpv_match_score(firm, ["33111000"]) == pytest.approx(1.0)
    # Over several lot codes, the best similarity x strength over all of them.
    firm = make_firm(capabilities=[("45215140", 0.4), ("33111000", 0.9)])
    assert evidence_score(firm, ["45215140", "33111000"]) == pytest.approx(0.9)
    assert evidence_score(firm, ["45215140", "80510000"]) == pytest.approx(0.4)


def test_cpv_match_score_takes_the_best_capability_per_code() -> None:
    firm = make_firm(capabilities=[("33100000", 1.0), ("33112000", 0.1)])
    # Per lot code 33111000: the sibling 33112000 (0.7) beats the ancestor 33100000 (0.49).
    assert cpv_match_score(firm, ["33111000"]) == pytest.approx(LEVEL_DECAY)


def test_cpv_match_score_mixes_core_and_breadth() -> None:
    firm = make_firm(capabilities=[("33111000", 1.0)])
    # Per lot code: [1.0, 0.0] -> 0.7 * max + 0.3 * mean = 0.7 + 0.15.
    assert cpv_match_score(firm, ["33111000", "45215140"]) == pytest.approx(0.85)
    # Evidence is a best, not a mean: the code the firm lacks does not dilute it.
    assert evidence_score(firm, ["33111000", "45215140"]) == pytest.approx(1.0)


def test_narrower_lot_codes_say_what_a_broad_one_means() -> None:
    # Medical equipment (33100000), namely imaging, sterilisation and hospital beds.
    lot = ["33100000", "33110000", "33191000", "33192120"]
    imaging = make_firm(capabilities=[("33113000", 1.0)])
    consumables = make_firm(capabilities=[("33140000", 1.0)])
    # Over the three narrower codes only: imaging [1, 0.49, 0.7^4], consumables [0.7, 0.49, 0.7^4].
    beds = LEVEL_DECAY**4
    assert cpv_match_score(imaging, lot) == pytest.approx(0.7 + 0.3 * (1 + 0.49 + beds) / 3)
    assert cpv_match_score(consumables, lot) == pytest.approx(
        0.7 * 0.7 + 0.3 * (0.7 + 0.49 + beds) / 3
    )
    assert evidence_score(consumables, lot) == pytest.approx(LEVEL_DECAY)
    # Under the broad code alone, as the whole lot, consumables match fully.
    assert cpv_match_score(consumables, ["33100000"]) == pytest.approx(1.0)
    # A chain of narrower codes (what a suggester backing off gives) details nothing.
    chain = ["33100000", "33110000", "33113000"]
    assert cpv_match_score(consumables, chain) == pytest.approx(0.7 + 0.3 * (1 + 0.7 + 0.49) / 3)
    # Still near the lot (eligible), and through more than the division.
    fit = coded_fit(hospital_tender(), [["45215140"], lot, ["80510000"]], [consumables])
    assert fit.cpv[1, 0] > 0 and fit.beyond_division[1, 0]


def test_cpv_scores_are_zero_without_codes_or_capabilities() -> None:
    for score in (cpv_match_score, evidence_score):
        assert score(make_firm(capabilities=["33111000"]), []) == 0.0
        assert score(make_firm(), ["33111000"]) == 0.0
        assert score(make_firm(capabilities=["45215140"]), ["33111000"]) == 0.0
    match, evidence = cpv_parts([], ["33111000"])
    assert match.shape == evidence.shape == (0,)
    match, evidence = cpv_parts([make_firm(), make_firm()], [])
    assert match.tolist() == evidence.tolist() == [0.0, 0.0]


CODES = [
    "33000000",
    "33100000",
    "33110000",
    "33111000",
    "33112000",
    "33191000",
    "33192120",
    "33600000",
    "45000000",
    "45210000",
    "45215100",
    "45215140",
    "80500000",
    "80510000",
    "80511000",
    "09332000",
]
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
firm_capabilities = st.dictionaries(st.sampled_from(CODES), unit, max_size=4)


def _reference_parts(
    capabilities: dict[str, float], lot_codes: Sequence[str]
) -> tuple[float, float]:
    """CPV match and evidence of one firm, written out from the definitions."""
    if not lot_codes or not capabilities:
        return 0.0, 0.0

    # a lot code detailed as two or more narrower lot codes, none under another, does not count
    def under(code: str, broader: str) -> bool:
        return code != broader and significant(code).startswith(significant(broader))

    def kinds(code: str) -> list[str]:
        inside = [other for other in lot_codes if under(other, code)]
        return [other for other in inside if not any(under(other, o) for o in inside)]

    lot_codes = [code for code in lot_codes if len(kinds(code)) < 2]
    per_code = [
        max(code_similarity(code, lot_code) for code in capabilities) for lot_code in lot_codes
    ]
    match = 0.7 * max(per_code) + 0.3 * sum(per_code) / len(per_code)
    evidence = max(
        code_similarity(code, lot_code) * strength
        for code, strength in capabilities.items()
        for lot_code in lot_codes
    )
    return match, evidence


@settings(max_examples=60, deadline=None)
@given(
    firms=st.lists(firm_capabilities, max_size=5),
    lot_codes=st.lists(st.sampled_from(CODES), max_size=3, unique=True),
)
def test_cpv_parts_equals_the_per_firm_scores(
    firms: list[dict[str, float]], lot_codes: list[str]
) -> None:
    built = [make_firm(capabilities=list(caps.items())) for caps in firms]
    match, evidence = cpv_parts(built, lot_codes)
    assert match.shape == evidence.shape == (len(firms),)
    for i, (firm, caps) in enumerate(zip(built, firms, strict=True)):
        assert match[i] == pytest.approx(cpv_match_score(firm, lot_codes), abs=1e-12)
        assert evidence[i] == pytest.approx(evidence_score(firm, lot_codes), abs=1e-12)
        expected_match, expected_evidence = _reference_parts(caps, lot_codes)
        assert match[i] == pytest.approx(expected_match, abs=1e-12)
        assert evidence[i] == pytest.approx(expected_evidence, abs=1e-12)
        assert 0.0 <= evidence[i] <= 1.0
        assert 0.0 <= match[i] <= 1.0


def test_firm_columns_follow_a_replaced_firm() -> None:
    imaging = make_firm(capabilities=["33111000"], turnover_eur=1e6, certifications=["iso-9001"])
    first = FirmColumns.of([imaging])
    assert first.capability_codes.tolist() == [33111000]
    assert FirmColumns.of([imaging]).rows.tolist() == first.rows.tolist()  # remembered
    builder = make_firm(capabilities=["45215140", "45000000"], turnover_eur=2e6)  # same SIREN
    assert builder.siren == imaging.siren
    columns = FirmColumns.of([builder, imaging])
    assert columns.capability_codes.tolist() == [45215140, 45000000, 33111000]
    assert columns.capability_owner.tolist() == [0, 0, 1]
    assert columns.capability_start.tolist() == [0, 2]
    assert columns.turnover.tolist() == [2e6, 1e6]
    assert columns.certified(["ISO 9001"]).tolist() == [False, True]
    assert columns.firms == [builder, imaging]
    assert columns.take([1]).firms == [imaging]


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


# --- readiness ---------------------------------------------------------------------------------


def test_readiness_mixes_maturity_and_experience_of_the_country() -> None:
    firms = [
        make_firm(siren=valid_siren(1)),  # first-time exporter, never in SN
        make_firm(siren=valid_siren(2), maturity="occasional", export_countries=["SN"]),
        make_firm(siren=valid_siren(3), maturity="regular", export_countries=["MA"]),
        make_firm(siren=valid_siren(4), maturity="accredited", export_countries=["MA", "SN"]),
    ]
    scores = readiness_scores(firms, "SN")
    assert scores.shape == (4,)
    assert scores == pytest.approx([0.7 * 0.25, 0.7 * 0.5 + 0.3, 0.7 * 0.75, 0.7 * 1.0 + 0.3])
    # The same firms for a country none of them knows: maturity alone.
    assert readiness_scores(firms, "VN") == pytest.approx([0.175, 0.35, 0.525, 0.7])
    assert readiness_scores([], "SN").shape == (0,)


def test_maturity_score_grows_with_the_rank() -> None:
    stages = sorted(ExportMaturity, key=lambda stage: stage.rank)
    assert [stage.rank for stage in stages] == [0, 1, 2, 3]
    assert stages[0] is ExportMaturity.FIRST_TIME and stages[-1] is ExportMaturity.ACCREDITED
    scores = [MATURITY_SCORE[stage] for stage in stages]
    assert scores == sorted(scores) and len(set(scores)) == 4
    assert scores[0] > 0.0 and scores[-1] == 1.0


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

    for part in (fit.relevance, fit.cpv, fit.text, fit.evidence, fit.capacity, fit.eligible):
        assert part.shape == (2, 3)
    assert fit.eligible.tolist() == [[True, False, False], [False, True, False]]
    # Ineligible (missing certification) or without any CPV match: never proposed.
    assert fit.relevance[1, 2] == -np.inf  # uncertified imager on the imaging lot
    assert fit.relevance[1, 0] == -np.inf  # builder lacks the certification (and the codes)
    assert fit.relevance[0, 1] == -np.inf  # imager has no construction code
    assert fit.relevance[0, 2] == -np.inf
    assert fit.cpv[1, 2] == pytest.approx(1.0)  # the codes match; the certificate is missing

    assert fit.cpv[0, 0] == pytest.approx(1.0)
    assert fit.cpv[1, 1] == pytest.approx(1.0)  # the match no longer depends on strength
    assert fit.evidence[0, 0] == pytest.approx(1.0)  # strength 1
    assert fit.evidence[1, 1] == pytest.approx(0.5)  # default evidence strength 0.5
    assert fit.evidence[0, 1] == 0.0
    assert fit.capacity[0, 0] == 1.0  # 3.2 M€ turnover for an 800 k€ lot
    # L2 has no estimate: half the tender, 1 M€; 250 k€ is a quarter of it.
    assert fit.capacity[1, 1] == pytest.approx(0.5)
    assert np.all((fit.text >= 0) & (fit.text <= 1))
    for lot, firm in [(0, 0), (1, 1)]:
        expected = 0.6 * fit.cpv[lot, firm] + 0.4 * fit.text[lot, firm]
        assert fit.relevance[lot, firm] == pytest.approx(expected)


def test_fit_matrix_relevance_is_the_weighted_mean_of_cpv_and_text(model: TextModel) -> None:
    tender = _hospital_tender()
    firms = [
        make_firm(
            siren=valid_siren(1),
            capabilities=["45215140", "33111000"],
            certifications=["ISO 13485"],
        ),
        make_firm(siren=valid_siren(2), capabilities=["45210000", "33112000"]),
    ]
    codes = [lot.cpv for lot in tender.lots]
    eligible = np.array([[True, True], [True, False]])  # firm 2 lacks the certification
    only_cpv = fit_matrix(tender, codes, firms, model, FitWeights(cpv=2.0, text=0))
    assert only_cpv.eligible.tolist() == eligible.tolist()
    np.testing.assert_allclose(only_cpv.relevance[eligible], only_cpv.cpv[eligible])
    only_text = fit_matrix(tender, codes, firms, model, FitWeights(cpv=0, text=1))
    np.testing.assert_allclose(only_text.relevance[eligible], only_text.text[eligible])
    mixed = fit_matrix(tender, codes, firms, model, FitWeights(cpv=3, text=1))
    expected = np.where(eligible, (3 * mixed.cpv + mixed.text) / 4, -np.inf)
    np.testing.assert_allclose(mixed.relevance, expected)
    # Evidence and capacity are parts of their own: the fit weights leave them alone.
    np.testing.assert_array_equal(mixed.evidence, only_cpv.evidence)
    np.testing.assert_array_equal(mixed.capacity, only_text.capacity)


def test_fit_matrix_uses_the_given_lot_codes(model: TextModel) -> None:
    tender = _hospital_tender()
    imager = make_firm(capabilities=["33111000"], certifications=["ISO 13485"])
    # Lot 1 matched against imaging codes (e.g. suggested ones) instead of its own.
    fit = fit_matrix(tender, [["33112000"], ["33111000"]], [imager], model)
    assert fit.cpv[0, 0] == pytest.approx(LEVEL_DECAY)  # a sibling code
    assert fit.evidence[0, 0] == pytest.approx(LEVEL_DECAY * 0.5)
    assert np.isfinite(fit.relevance).all()
    own = fit_matrix(tender, [lot.cpv for lot in tender.lots], [imager], model)
    assert own.relevance[0, 0] == -np.inf  # no construction code


def _in_german(tender: Tender, title: str, description: str) -> Tender:
    """``tender`` put in Germany, its one lot titled and described in German."""
    lot = tender.lots[0].model_copy(update={"title": title, "description": description})
    return tender.model_copy(update={"country": "DE", "lots": [lot]})


def test_a_firm_near_a_lot_through_its_division_alone_needs_words_like_the_lot(
    model: TextModel,
) -> None:
    # Division 71 holds building inspectors and laboratories: an inspector is no laboratory.
    lab = Lot(id="L1", title="Laboratoire", description="Analyses de laboratoire", cpv=["71900000"])
    tender = Tender(id="T", title="Salon", buyer="Salon", country="CI", budget=1.0, lots=[lab])
    inspector = make_firm(
        siren=valid_siren(1),
        capabilities=["71631000"],
        description="Contrôle technique des bâtiments et vérifications périodiques",
    )
    testing = make_firm(
        siren=valid_siren(2),
        capabilities=["71631000"],
        description="Analyses de laboratoire et essais sur les matériaux",
    )
    laboratory = make_firm(siren=valid_siren(3), capabilities=["71900000"])
    firms = [inspector, testing, laboratory]
    fit = fit_matrix(tender, [lab.cpv], firms, model, floor=RELEVANCE_FLOOR)
    assert fit.qualified[0].tolist() == [True, True, True]  # all near the code
    assert fit.text[0, 0] < DIVISION_TEXT_FLOOR <= fit.text[0, 1]
    assert fit.eligible[0].tolist() == [False, True, True]
    assert fit.relevance[0, 0] == -np.inf
    # A lot coded by its division alone, or whose words cannot be compared, is matched on codes
    # (beside firms that read like it, the inspector still reads too little: TEXT_SHARE_FLOOR).
    division = fit_matrix(tender, [["71000000"]], [inspector], model, floor=RELEVANCE_FLOOR)
    assert division.eligible[0].all()
    german = _in_german(tender, "Labor", "Laboruntersuchungen für die Klinik")
    unread = fit_matrix(german, [lab.cpv], firms, model, floor=RELEVANCE_FLOOR)
    assert unread.foreign[0] == "de"
    assert unread.eligible[0].all()
    # Without a relevance floor, nearness is enough.
    assert fit_matrix(tender, [lab.cpv], firms, model).eligible[0].all()


def test_a_firm_reading_far_less_like_a_lot_than_the_best_is_no_candidate(
    model: TextModel,
) -> None:
    # A solar plant's owner's engineer: a tramway consultancy is near the code, not the trade.
    engineer = Lot(
        id="L3",
        title="Owner's engineer",
        description="Electrical power system design review and construction supervision.",
        cpv=["71323100"],
    )
    tender = Tender(
        id="T", title="Solar", buyer="Ministry", country="JO", budget=1.0, lots=[engineer]
    )
    designer = make_firm(
        siren=valid_siren(1),
        capabilities=["71323100"],
        description="Electrical power system design and construction supervision",
    )
    tramway = make_firm(
        siren=valid_siren(2),
        capabilities=["71311200"],
        description="Tramway and light rail consultancy, urban transport studies",
    )
    fit = fit_matrix(tender, [engineer.cpv], [designer, tramway], model, floor=RELEVANCE_FLOOR)
    best, other = fit.text[0]
    assert DIVISION_TEXT_FLOOR <= other < TEXT_SHARE_FLOOR * best
    assert fit.eligible[0].tolist() == [True, False]
    # The rule does not apply without a floor: the firm is above it, near beyond its division.
    unfloored = fit_matrix(tender, [engineer.cpv], [designer, tramway], model)
    assert unfloored.eligible.all() and unfloored.relevance[0, 1] >= RELEVANCE_FLOOR
    assert coded_fit(tender, [engineer.cpv], [tramway]).beyond_division.all()
    # A firm within the lot's codes does what it asks, whatever its words.
    medical = Lot(id="L1", title="Équipements médicaux", cpv=["33100000"])
    fair = tender.model_copy(update={"lots": [medical]})
    furniture = make_firm(
        siren=valid_siren(3),
        capabilities=["33192000"],
        description="Équipements médicaux et mobilier médical",
    )
    scanner = make_firm(
        siren=valid_siren(4), capabilities=["33113000"], description="IRM et scanners"
    )
    stands = fit_matrix(fair, [medical.cpv], [furniture, scanner], model, floor=RELEVANCE_FLOOR)
    assert stands.text[0, 1] < TEXT_SHARE_FLOOR * stands.text[0, 0]
    assert stands.eligible.all()
    # Alone, it is the best-reading firm: no lot is emptied by the rule.
    assert fit_matrix(
        tender, [engineer.cpv], [tramway], model, floor=RELEVANCE_FLOOR
    ).eligible.all()
    # Nor to words the model cannot read.
    german = _in_german(
        tender, "Bauherrenvertretung", "Prüfung der Planung und Bauüberwachung für die Anlage"
    )
    unread = fit_matrix(german, [engineer.cpv], [designer, tramway], model, floor=RELEVANCE_FLOOR)
    assert unread.foreign[0] is not None
    assert unread.eligible.all()


def test_fit_weights_reject_negative_or_all_zero() -> None:
    with pytest.raises(ValueError, match="text"):
        FitWeights(text=-0.1)
    with pytest.raises(ValueError, match="cpv"):
        FitWeights(cpv=-1.0)
    with pytest.raises(ValueError, match="zero"):
        FitWeights(cpv=0, text=0)


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


def test_transform_gives_exactly_the_vectorisers_rows(model: TextModel) -> None:
    reference = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        strip_accents="unicode",
        lowercase=True,
        sublinear_tf=True,
        min_df=2,
        dtype=np.float32,
    )
    label = model.vocabulary.label
    reference.fit([f"{label(code, 'fr')} {label(code, 'en')}" for code in model.codes_])
    texts = [
        "Fabricant d'appareils de radiographie et de scanners médicaux",
        "ÉCOLE  œuvre\tl´entreprise ﬁne x¨y",  # ligatures, tabs, spacing accents
        "travaux de construction travaux",
        "",
        "   ",
    ]
    for _ in range(2):  # words analysed the first time, remembered the second
        rows, expected = model.transform(texts), reference.transform(texts)
        assert np.array_equal(rows.indptr, expected.indptr)
        assert np.array_equal(rows.indices, expected.indices)
        assert np.array_equal(rows.data, expected.data)


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


def test_cohesion_edges_give_each_pair_once_in_order_of_first_appearance() -> None:
    sirens = [valid_siren(n) for n in (1, 2, 3, 4)]
    collaborations = [
        _collab(4, 3, "supply", 2018),
        _collab(9, 1, "joint_bid", 2024),  # firm 9 is not a candidate: ignored
        _collab(2, 1, "shared_pavilion", 2024),
        _collab(3, 4, "joint_bid", 2012),  # the first pair again, given the other way round
        _collab(1, 2, "co_award", 2030),  # after the reference year: counts as this year's
    ]
    first, second, strength = cohesion_edges(sirens, collaborations, reference_year=2024)
    assert first.tolist() == [2, 0]
    assert second.tolist() == [3, 1]
    assert strength[0] == pytest.approx(1 - (1 - 0.6 * 0.5) * (1 - 0.25))
    assert strength[1] == pytest.approx(1 - (1 - 0.3) * (1 - 0.8))
    nothing = cohesion_edges(sirens, [_collab(9, 8, "supply", 2024)], reference_year=2024)
    assert [part.tolist() for part in nothing] == [[], [], []]


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


# --- ScoreTables.breakdown ---------------------------------------------------------------------

FIT = [[0.9, 0.2, 0.4], [0.3, 0.8, 0.6], [0.5, 0.1, 0.7]]
EVIDENCE = [[0.5, 0.1, 0.2], [0.0, 0.6, 0.3], [0.4, 0.9, 1.0]]
CAPACITY = [[1.0, 0.5, 0.25], [0.75, 1.0, 0.5], [0.2, 0.4, 0.6]]
READINESS = [0.175, 1.0, 0.525]  # per firm
SME = [0.0, 1.0, 1.0]  # per firm
COHESION = [[0.0, 0.6, 0.2], [0.6, 0.0, 0.4], [0.2, 0.4, 0.0]]  # past collaboration
OVERLAP = [[0.0, 0.5, 0.1], [0.5, 0.0, 0.3], [0.1, 0.3, 0.0]]  # capability overlap
REGION = [0, 1, 0]


def _tables(
    fit: Sequence[Sequence[float]] = FIT,
    evidence: Sequence[Sequence[float]] = EVIDENCE,
    capacity: Sequence[Sequence[float]] = CAPACITY,
    readiness: Sequence[float] = READINESS,
    sme: Sequence[float] = SME,
    cohesion: Sequence[Sequence[float]] = COHESION,
    overlap: Sequence[Sequence[float]] = OVERLAP,
    region: Sequence[int] = REGION,
) -> ScoreTables:
    n_lots = len(fit)
    return ScoreTables(
        per_lot={
            "coverage": np.ones((n_lots, len(fit[0]))),
            "fit": np.array(fit, dtype=np.float64),
            "evidence": np.array(evidence, dtype=np.float64),
            "capacity": np.array(capacity, dtype=np.float64),
            "readiness": np.tile(np.array(readiness, dtype=np.float64), (n_lots, 1)),
            "sme": np.tile(np.array(sme, dtype=np.float64), (n_lots, 1)),
        },
        cohesion=np.array(cohesion, dtype=np.float64),
        overlap=np.array(overlap, dtype=np.float64),
        region=np.array(region, dtype=np.intp),
    )


def test_score_tables_shape_and_eligibility() -> None:
    fit = [[0.5, -np.inf, 0.2], [0.1, 0.3, -np.inf]]
    tables = _tables(
        fit=fit, evidence=np.zeros((2, 3)).tolist(), capacity=np.zeros((2, 3)).tolist()
    )
    assert (tables.n_lots, tables.n_firms) == (2, 3)
    assert [tables.eligible(0, f) for f in range(3)] == [True, False, True]
    assert [tables.eligible(1, f) for f in range(3)] == [True, True, False]
    assert set(LINEAR_TERMS) == set(tables.per_lot)


def test_breakdown_has_the_ten_terms_of_the_objective() -> None:
    parts = _tables().breakdown([0, 1, 2])
    assert set(parts) == set(TERMS)
    assert set(parts) == set(ObjectiveWeights().as_dict())


def test_breakdown_two_members_for_three_lots() -> None:
    # Firm 0 takes lot 0, firm 1 lots 1 and 2. L = 3, D = 2, P = 3, m = 2.
    parts = _tables().breakdown([0, 1, 1])
    assert parts == pytest.approx(
        {
            "coverage": 1.0,
            "fit": (0.9 + 0.8 + 0.1) / 3,
            "evidence": (0.5 + 0.6 + 0.9) / 3,
            "capacity": (1.0 + 1.0 + 0.4) / 3,
            "readiness": (0.175 + 1.0 + 1.0) / 3,  # firm 1 counts once per lot it holds
            "sme": (0 + 1 + 1) / 3,  # share of lots held by SMEs
            "cohesion": 0.6 / 2,  # W backs the pair at 0.6, against D = 2 interfaces
            "complementarity": 1 - 0.5 / 3,
            "regions": (2 - 1) / 2,  # regions 0 and 1
            "size": 1 - (2 - 1) / 2,
        }
    )


def test_breakdown_one_firm_per_lot() -> None:
    # m = 3: W backs the pairs with 0.6 + 0.2 + 0.4 = 1.2, against D = 2 interfaces.
    parts = _tables().breakdown([0, 1, 2])
    assert parts == pytest.approx(
        {
            "coverage": 1.0,
            "fit": (0.9 + 0.8 + 0.7) / 3,
            "evidence": (0.5 + 0.6 + 1.0) / 3,
            "capacity": (1.0 + 1.0 + 0.6) / 3,
            "readiness": (0.175 + 1.0 + 0.525) / 3,
            "sme": 2 / 3,
            "cohesion": 1.2 / 2,
            "complementarity": 1 - (0.5 + 0.1 + 0.3) / 3,
            "regions": (2 - 1) / 2,  # firms 0 and 2 share region 0
            "size": 0.0,  # as many members as lots
        }
    )


def test_breakdown_cohesion_is_capped_at_one() -> None:
    strong = [[0.0, 0.9, 0.9], [0.9, 0.0, 0.9], [0.9, 0.9, 0.0]]
    # W sums to 2.7 over the three pairs, more than the D = 2 interfaces: capped at 1.
    assert _tables(cohesion=strong).breakdown([0, 1, 2])["cohesion"] == 1.0
    assert _tables(cohesion=strong).breakdown([0, 1, 1])["cohesion"] == pytest.approx(0.9 / 2)
    # No history at all: nothing backs the consortium.
    assert _tables(cohesion=np.zeros((3, 3)).tolist()).breakdown([0, 1, 2])["cohesion"] == 0.0


def test_breakdown_single_member() -> None:
    parts = _tables().breakdown([2, 2, 2])
    assert parts == pytest.approx(
        {
            "coverage": 1.0,
            "fit": (0.4 + 0.6 + 0.7) / 3,
            "evidence": (0.2 + 0.3 + 1.0) / 3,
            "capacity": (0.25 + 0.5 + 0.6) / 3,
            "readiness": 0.525,
            "sme": 1.0,
            "cohesion": 0.0,  # no pair of members: nothing backed
            "complementarity": 1.0,
            "regions": 0.0,
            "size": 1.0,
        }
    )


def test_breakdown_with_an_uncovered_lot() -> None:
    parts = _tables().breakdown([0, 1, -1])
    assert parts == pytest.approx(
        {
            "coverage": 2 / 3,
            "fit": (0.9 + 0.8) / 3,  # the uncovered lot counts 0
            "evidence": (0.5 + 0.6) / 3,
            "capacity": (1.0 + 1.0) / 3,
            "readiness": (0.175 + 1.0) / 3,
            "sme": 1 / 3,
            "cohesion": 0.6 / 2,
            "complementarity": 1 - 0.5 / 3,
            "regions": 1 / 2,
            "size": 1 / 2,
        }
    )


def test_breakdown_with_nothing_covered() -> None:
    parts = _tables().breakdown([-1, -1, -1])
    assert all(parts[name] == 0.0 for name in LINEAR_TERMS)
    assert parts["regions"] == parts["cohesion"] == 0.0
    assert parts["complementarity"] == parts["size"] == 1.0


def test_breakdown_normalisers_for_one_two_and_four_lots() -> None:
    # One lot: D = P = 1, a single member: no pair to complement or back.
    one = _tables(
        fit=[[0.4]],
        evidence=[[0.3]],
        capacity=[[1.0]],
        readiness=[0.5],
        sme=[1.0],
        cohesion=[[0.0]],
        overlap=[[0.0]],
        region=[3],
    ).breakdown([0])
    assert one == pytest.approx(
        {
            "coverage": 1.0,
            "fit": 0.4,
            "evidence": 0.3,
            "capacity": 1.0,
            "readiness": 0.5,
            "sme": 1.0,
            "cohesion": 0.0,
            "complementarity": 1.0,
            "regions": 0.0,
            "size": 1.0,
        }
    )
    # Two lots, two firms from two regions: D = P = 1.
    two = _tables(
        fit=[[0.4, 0.6], [0.2, 0.8]],
        evidence=[[0.0, 0.0], [0.0, 0.0]],
        capacity=[[1.0, 1.0], [1.0, 1.0]],
        readiness=[0.0, 0.0],
        sme=[0.0, 0.0],
        cohesion=[[0.0, 0.25], [0.25, 0.0]],
        overlap=[[0.0, 0.4], [0.4, 0.0]],
        region=[0, 1],
    ).breakdown([0, 1])
    assert two["fit"] == pytest.approx((0.4 + 0.8) / 2)
    assert two["cohesion"] == pytest.approx(0.25 / 1)
    assert two["complementarity"] == pytest.approx(1 - 0.4 / 1)
    assert two["regions"] == 1.0
    assert two["size"] == 0.0
    # Four lots, two members from one region: D = 3, P = 6.
    four = _tables(
        fit=np.full((4, 2), 0.5).tolist(),
        evidence=np.zeros((4, 2)).tolist(),
        capacity=np.ones((4, 2)).tolist(),
        readiness=[1.0, 0.0],
        sme=[1.0, 0.0],
        cohesion=[[0.0, 0.3], [0.3, 0.0]],
        overlap=[[0.0, 0.9], [0.9, 0.0]],
        region=[2, 2],
    ).breakdown([0, 0, 0, 1])
    assert four == pytest.approx(
        {
            "coverage": 1.0,
            "fit": 0.5,
            "evidence": 0.0,
            "capacity": 1.0,
            "readiness": 3 / 4,
            "sme": 3 / 4,
            "cohesion": 0.3 / 3,
            "complementarity": 1 - 0.9 / 6,
            "regions": 0.0,
            "size": 1 - 1 / 3,
        }
    )


# --- objective ---------------------------------------------------------------------------------


def test_objective_is_the_weighted_mean_of_the_ten_terms() -> None:
    parts = dict(zip(TERMS, (1.0, 0.5, 0.4, 0.9, 0.3, 0.0, 0.2, 0.8, 0.5, 0.1), strict=True))
    weights = ObjectiveWeights(
        coverage=1,
        fit=3,
        evidence=0,
        capacity=2,
        cohesion=0,
        complementarity=0,
        readiness=0,
        sme=0,
        regions=0,
        size=4,
    )
    assert objective(parts, weights) == pytest.approx((1.0 + 3 * 0.5 + 2 * 0.9 + 4 * 0.1) / 10)
    defaults = ObjectiveWeights()
    assert sum(defaults.as_dict().values()) == pytest.approx(1.0)
    expected = sum(defaults.as_dict()[name] * parts[name] for name in TERMS)
    assert objective(parts, defaults) == pytest.approx(expected)
    assert objective(dict.fromkeys(TERMS, 0.7), defaults) == pytest.approx(0.7)
    # Scaling every weight changes nothing: the weights are normalised.
    doubled = ObjectiveWeights(**{k: 2 * v for k, v in defaults.as_dict().items()})
    assert objective(parts, doubled) == pytest.approx(objective(parts, defaults))


def test_objective_weights_cover_the_terms_and_reject_negative_or_all_zero() -> None:
    assert set(ObjectiveWeights().as_dict()) == set(TERMS)
    with pytest.raises(ValueError, match="cohesion"):
        ObjectiveWeights(cohesion=-0.5)
    with pytest.raises(ValueError, match="readiness"):
        ObjectiveWeights(readiness=-0.01)
    with pytest.raises(ValueError, match="zero"):
        ObjectiveWeights(**dict.fromkeys(TERMS, 0.0))
    assert ObjectiveWeights(**{**dict.fromkeys(TERMS, 0.0), "regions": 1.0}).regions == 1.0


# --- properties of the ten terms ---------------------------------------------------------------


def _reference_breakdown(tables: ScoreTables, assignment: Sequence[int]) -> dict[str, float]:
    """The module docstring's formulas, written with x[l, f] and member indicators."""
    n_lots, n_firms = tables.n_lots, tables.n_firms
    x = np.zeros((n_lots, n_firms))
    for lot, firm in enumerate(assignment):
        if firm >= 0:
            x[lot, firm] = 1.0
    y = x.max(axis=0)  # member indicators
    m = int(y.sum())
    d = max(1, n_lots - 1)
    p = max(1, n_lots * (n_lots - 1) / 2)
    upper = np.triu(np.outer(y, y), k=1)  # pair indicators, f < g
    terms = {"coverage": x.sum() / n_lots}
    for name in LINEAR_TERMS[1:]:
        table = np.where(x > 0, tables.per_lot[name], 0.0)
        terms[name] = table.sum() / n_lots
    terms["cohesion"] = min(1.0, (upper * tables.cohesion).sum() / d)
    terms["complementarity"] = 1 - (upper * tables.overlap).sum() / p
    regions = {int(tables.region[f]) for f in np.flatnonzero(y)}
    terms["regions"] = (len(regions) - 1) / d if regions else 0.0
    terms["size"] = 1 - (max(m, 1) - 1) / d
    return terms


def _symmetric(draw: st.DrawFn, n: int) -> list[list[float]]:
    matrix = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            matrix[i][j] = matrix[j][i] = draw(unit)
    return matrix


@st.composite
def _tables_and_assignments(
    draw: st.DrawFn, uncovered: bool = False
) -> tuple[ScoreTables, list[int]]:
    """Random valid tables (every value in [0, 1], W and O symmetric) and an assignment."""
    n_lots = draw(st.integers(1, 6))
    n_firms = draw(st.integers(1, 6))

    def lots_x_firms() -> list[list[float]]:
        return [[draw(unit) for _ in range(n_firms)] for _ in range(n_lots)]

    tables = _tables(
        fit=lots_x_firms(),
        evidence=lots_x_firms(),
        capacity=lots_x_firms(),
        readiness=[draw(unit) for _ in range(n_firms)],
        sme=[float(draw(st.booleans())) for _ in range(n_firms)],
        cohesion=_symmetric(draw, n_firms),
        overlap=_symmetric(draw, n_firms),
        region=[draw(st.integers(0, 4)) for _ in range(n_firms)],
    )
    first = -1 if uncovered else 0
    assignment = draw(st.lists(st.integers(first, n_firms - 1), min_size=n_lots, max_size=n_lots))
    return tables, assignment


@settings(max_examples=200, deadline=None)
@given(case=_tables_and_assignments(), raw_weights=st.lists(unit, min_size=10, max_size=10))
def test_every_term_stays_in_the_unit_interval(
    case: tuple[ScoreTables, list[int]], raw_weights: list[float]
) -> None:
    tables, assignment = case
    parts = tables.breakdown(assignment)
    assert set(parts) == set(TERMS)
    for name, value in parts.items():
        assert 0.0 <= value <= 1.0, (name, value)
    assert parts["coverage"] == 1.0  # complete assignments
    weights = ObjectiveWeights(**dict(zip(TERMS, [w + 1e-3 for w in raw_weights], strict=True)))
    assert -1e-12 <= objective(parts, weights) <= 1.0 + 1e-12


@settings(max_examples=200, deadline=None)
@given(case=_tables_and_assignments(uncovered=True))
def test_breakdown_follows_the_documented_formula(case: tuple[ScoreTables, list[int]]) -> None:
    tables, assignment = case
    parts = tables.breakdown(assignment)
    expected = _reference_breakdown(tables, assignment)
    for name in TERMS:
        assert parts[name] == pytest.approx(expected[name], abs=1e-12), name
        assert 0.0 <= parts[name] <= 1.0, (name, parts[name])
