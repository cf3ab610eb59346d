"""The CPV 2008 helpers: normalisation, labels, hierarchy and tree distance."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meute.graph import cpv
from meute.graph.errors import InvalidInput

TAXONOMY = cpv.taxonomy()
ALL_CODES = sorted(TAXONOMY.entries)
codes = st.sampled_from(ALL_CODES)


# --- normalisation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "45215140-0",  # display form with its check digit
        "45215140",  # the 8 digits alone
        " 45215140 - 0 ",  # spaces around and inside, as the docstring allows
        "45215140\t-0\n",
        "452151400",  # "optionally '-'": the check digit may follow directly
    ],
)
def test_normalise_accepts_the_documented_forms(raw: str) -> None:
    assert cpv.normalise(raw) == "45215140"


def test_normalise_keeps_a_leading_zero_division() -> None:
    assert cpv.normalise("03000000-1") == "03000000"


def test_wrong_check_digit_is_rejected_naming_the_value() -> None:
    with pytest.raises(InvalidInput) as caught:
        cpv.normalise("45215140-1")
    (problem,) = caught.value.problems
    assert problem.field == "cpv"
    assert problem.value == "45215140-1"
    assert "0" in problem.message  # tells the right check digit
    assert "check digit" in caught.value.detail
    assert "45215140-1" in str(caught.value)


@pytest.mark.parametrize("raw", ["45215149", "99999999", "10000000-0"])
def test_unknown_codes_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cpv.normalise(raw)
    assert caught.value.detail == "unknown CPV code"
    assert caught.value.problems[0].value == raw


@pytest.mark.parametrize(
    "raw",
    ["", "4521514", "452151401-0", "45215140-", "45215140-00", "45215140/0", "ABCDEFGH", "CPV"],
)
def test_ill_formed_codes_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cpv.normalise(raw)
    assert caught.value.detail == "ill-formed CPV code"
    assert caught.value.problems[0].value == raw
    assert caught.value.problems[0].field == "cpv"


# --- labels and display ------------------------------------------------------------------------


def test_labels_in_english_by_default_and_in_french() -> None:
    assert cpv.label("45215140") == "Hospital facilities construction work"
    assert cpv.label("45215140", "en") == "Hospital facilities construction work"
    assert cpv.label("45215140", "fr") == "Travaux de construction d'équipements hospitaliers"
    assert cpv.label("33111000", "en") == "X-ray devices"
    assert cpv.label("33111000", "fr") == "Appareils de radiographie"


def test_format_code_appends_the_check_digit() -> None:
    assert cpv.format_code("45215140") == "45215140-0"
    assert cpv.format_code("33111000") == "33111000-1"
    assert cpv.format_code("03000000") == "03000000-1"


def test_the_taxonomy_holds_the_main_vocabulary() -> None:
    assert len(TAXONOMY) > 9000
    assert "45215140" in TAXONOMY
    assert "45215140-0" not in TAXONOMY  # only normalised codes are members
    assert all(len(code) == 8 and code.isdigit() for code in ALL_CODES)


# --- hierarchy ---------------------------------------------------------------------------------


def test_parent_and_ancestors_of_a_medical_code() -> None:
    assert cpv.parent("33111000") == "33110000"
    assert cpv.ancestors("33111000") == ["33110000", "33100000", "33000000"]


def test_ancestors_of_the_hospital_code_go_up_level_by_level() -> None:
    assert cpv.ancestors("45215140") == [
        "45215100",
        "45215000",
        "45210000",
        "45200000",
        "45000000",
    ]


def test_a_division_has_no_parent() -> None:
    assert cpv.parent("45000000") is None
    assert cpv.ancestors("45000000") == []
    # "30" ends with a zero: it must still read as a division, not as division "3".
    assert cpv.parent("30000000") is None
    assert cpv.parent("30100000") == "30000000"


def test_parent_skips_a_prefix_missing_from_the_vocabulary() -> None:
    # 34511100 "Marine patrol vessels": there is no 34511000 in CPV 2008, so the nearest
    # coarser code present is the class 34510000 "Ships".
    assert "34511000" not in TAXONOMY
    assert cpv.parent("34511100") == "34510000"
    assert cpv.ancestors("34511100") == ["34510000", "34500000", "34000000"]
    # 39254000 "Horology": the class 39250000 is not in CPV 2008; the group 39200000 is.
    assert "39250000" not in TAXONOMY
    assert cpv.parent("39254000") == "39200000"


@pytest.mark.parametrize(
    ("code", "significant", "level"),
    [
        ("45000000", "45", 2),
        ("30000000", "30", 2),
        ("03000000", "03", 2),
        ("45200000", "452", 3),
        ("45210000", "4521", 4),
        ("45215000", "45215", 5),
        ("45215100", "452151", 6),
        ("45215140", "4521514", 7),
        ("45215141", "45215141", 8),
    ],
)
def test_significant_digits_and_level(code: str, significant: str, level: int) -> None:
    assert cpv.significant(code) == significant
    assert cpv.level(code) == level


# --- distance ----------------------------------------------------------------------------------


def test_distance_is_zero_for_the_same_code() -> None:
    assert cpv.distance("45215140", "45215140") == 0


def test_distance_to_an_ancestor_counts_the_levels() -> None:
    assert cpv.distance("33111000", "33110000") == 1
    assert cpv.distance("33111000", "33000000") == 3
    assert cpv.distance("33000000", "33111000") == 3


def test_siblings_are_two_edges_apart() -> None:
    # X-ray devices and ultrasound equipment share the parent 33110000.
    assert cpv.parent("33112000") == "33110000"
    assert cpv.distance("33111000", "33112000") == 2


def test_distance_across_a_missing_prefix_uses_the_actual_parent() -> None:
    assert cpv.distance("34511100", "34510000") == 1


def test_distance_across_divisions_goes_through_the_virtual_root() -> None:
    # 33111000 is 3 edges below 33000000, 45215140 is 5 edges below 45000000, and both
    # divisions hang from a virtual root: 3 + 1 + 1 + 5.
    assert cpv.distance("33111000", "45215140") == 10
    assert cpv.distance("45215140", "33111000") == 10
    assert cpv.distance("33000000", "45000000") == 2


# --- properties over the whole vocabulary ------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(a=codes, b=codes)
def test_distance_is_symmetric_and_zero_only_for_equal_codes(a: str, b: str) -> None:
    d = cpv.distance(a, b)
    assert d == cpv.distance(b, a)
    assert (d == 0) == (a == b)


@settings(max_examples=300, deadline=None)
@given(a=codes, b=codes, c=codes)
def test_distance_satisfies_the_triangle_inequality(a: str, b: str, c: str) -> None:
    assert cpv.distance(a, b) <= cpv.distance(a, c) + cpv.distance(c, b)


@settings(max_examples=300, deadline=None)
@given(code=codes)
def test_ancestors_are_known_prefix_ancestors_up_to_the_division(code: str) -> None:
    chain = cpv.ancestors(code)
    below = code
    for ancestor in chain:
        assert ancestor in TAXONOMY
        # Strictly coarser and a prefix of the code below it in the chain.
        assert cpv.level(ancestor) < cpv.level(below)
        assert cpv.significant(below).startswith(cpv.significant(ancestor))
        assert cpv.distance(code, ancestor) == chain.index(ancestor) + 1
        below = ancestor
    division = code[:2] + "000000"
    assert (chain[-1] if chain else code) == division
    assert cpv.parent(code) == (chain[0] if chain else None)


@settings(max_examples=200, deadline=None)
@given(code=codes)
def test_format_code_round_trips_through_normalise(code: str) -> None:
    shown = cpv.format_code(code)
    assert shown[:8] == code and shown[8] == "-"
    assert cpv.normalise(shown) == code


@settings(max_examples=200, deadline=None)
@given(code=codes)
def test_size_counts_the_codes_under_a_code_itself_included(code: str) -> None:
    under = [other for other in ALL_CODES if other.startswith(cpv.significant(code))]
    assert TAXONOMY.size(code) == len(under) >= 1
    parent = cpv.parent(code)
    assert parent is None or TAXONOMY.size(parent) > TAXONOMY.size(code)


def test_size_of_the_building_works_group() -> None:
    assert TAXONOMY.size("45200000") == 614
    assert TAXONOMY.size("45215141") == 1  # operating theatres: no finer code
