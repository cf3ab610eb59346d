"""The domain model's validation: SIREN, firms, lots, tenders, constraints, collaborations."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from meute.graph.errors import Problem, problems_from_validation
from meute.graph.model import (
    MAX_NAME,
    Capability,
    Collaboration,
    CollaborationKind,
    Fact,
    Firm,
    HeadcountBand,
    Lot,
    Tender,
    TenderConstraints,
    luhn_valid,
)
from tests.unit.factories import make_firm, valid_siren

HOSTILE_TEXTS = [
    'Bâtir "l\'Ouest" & fils',
    "`rm -rf /` ```code```",
    "x'}) DETACH DELETE n //",
    "<script>alert('x')</script>",
    "Robert'); DROP TABLE firms;--",
    "$where {{ }} \\n \\u0000",
]


def _tender(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "T-2026-01",
        "title": "Hôpital régional de Thiès",
        "buyer": "Ministère de la Santé",
        "country": "SN",
        "budget": 1_000_000,
        "lots": [{"id": "L1", "title": "Gros œuvre", "cpv": ["45215140-0"]}],
    }
    data.update(overrides)
    return data


def _problems(model: type[Any], data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return problems_from_validation(caught.value)


def _only_problem(model: type[Any], data: dict[str, Any]) -> Problem:
    problems = _problems(model, data)
    assert len(problems) == 1, problems
    return problems[0]


# --- SIREN -------------------------------------------------------------------------------------


@pytest.mark.parametrize("siren", ["987654324", "443061841", "356000000"])
def test_luhn_accepts_valid_sirens(siren: str) -> None:
    assert luhn_valid(siren)
    assert make_firm(siren=siren).siren == siren


@pytest.mark.parametrize("siren", ["987654325", "987654320", "443061842", "123456789"])
def test_luhn_rejects_a_wrong_checksum(siren: str) -> None:
    assert not luhn_valid(siren)
    problem = _only_problem(Firm, make_firm().model_dump() | {"siren": siren})
    assert problem.field == "siren"
    assert problem.value == siren
    assert "Luhn" in problem.message


@pytest.mark.parametrize(
    "siren",
    [
        "98765432",  # 8 digits
        "9876543240",  # 10 digits
        "98765432A",
        "ABCDEFGHI",
        "",
        "987-654-324",
        "\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0664",  # 987654324 in Arabic-Indic
        "\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff14",  # 987654324 full width
    ],
)
def test_siren_must_be_nine_ascii_digits(siren: str) -> None:
    problem = _only_problem(Firm, make_firm().model_dump() | {"siren": siren})
    assert problem.field == "siren"
    assert problem.value == siren
    assert "9 digits" in problem.message


def test_spaces_inside_a_siren_are_stripped() -> None:
    assert make_firm(siren=" 987 654 324 ").siren == "987654324"
    assert make_firm(siren="987\u00a0654\u00a0324").siren == "987654324"


def test_factory_sirens_are_valid_and_distinct() -> None:
    sirens = [valid_siren(n) for n in range(500)]
    assert len(set(sirens)) == 500
    assert all(len(s) == 9 and s.isdigit() and luhn_valid(s) for s in sirens)
    assert valid_siren(98765432) == "987654324"


# --- Firm --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headcount", "turnover", "expected"),
    [
        (HeadcountBand.MICRO, None, True),
        (HeadcountBand.SMALL, 2_000_000.0, True),
        (HeadcountBand.MEDIUM, 50_000_000.0, True),  # the ceiling itself is still an SME
        (HeadcountBand.MEDIUM, 50_000_001.0, False),
        (HeadcountBand.INTERMEDIATE, None, False),
        (HeadcountBand.INTERMEDIATE, 1_000_000.0, False),  # 250+ staff is never an SME
        (HeadcountBand.LARGE, None, False),
    ],
)
def test_is_sme_follows_headcount_and_turnover(
    headcount: HeadcountBand, turnover: float | None, expected: bool
) -> None:
    firm = make_firm(headcount=headcount, turnover_eur=turnover)
    assert firm.is_sme is expected


def test_capabilities_are_normalised() -> None:
    firm = make_firm(capabilities=["45215140-0", (" 33111000 ", 0.9)])
    assert [c.cpv for c in firm.capabilities] == ["45215140", "33111000"]
    assert firm.capabilities[1].strength == 0.9
    assert firm.capabilities[0].strength == 0.5  # documented default


def test_duplicate_capability_is_rejected_even_when_spelled_differently() -> None:
    data = make_firm().model_dump() | {"capabilities": [{"cpv": "45215140"}, {"cpv": "45215140-0"}]}
    problem = _only_problem(Firm, data)
    assert problem.field == "capabilities"
    assert "45215140" in problem.message
    assert "twice" in problem.message


@pytest.mark.parametrize("strength", [-0.1, 1.01])
def test_capability_strength_is_between_zero_and_one(strength: float) -> None:
    problem = _only_problem(Capability, {"cpv": "45215140", "strength": strength})
    assert problem.field == "strength"
    assert problem.value == strength


def test_capability_with_unknown_cpv_names_the_code() -> None:
    problem = _only_problem(Capability, {"cpv": "45215149"})
    assert problem.field == "cpv"
    assert problem.value == "45215149"
    assert "CPV 2008" in problem.message


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_text_is_kept_verbatim(text: str) -> None:
    firm = make_firm(name=text, description=text, certifications=[text[:60]])
    assert firm.name == text
    assert firm.description == text
    assert firm.certifications == [text[:60]]
    lot = Lot(id="L1", title=text, description=text)
    assert (lot.title, lot.description) == (text, text)


@pytest.mark.parametrize("text", ["A\ud800B", "A\x00B", "é\x00", "\udfff"])
@pytest.mark.parametrize(
    ("place", "field"),
    [
        (lambda d, t: d | {"name": t}, "name"),
        (lambda d, t: d | {"certifications": ["ISO 9001", t]}, "certifications"),
        (
            lambda d, t: d | {"provenance": {"name": {"source": "declared", "author": t}}},
            "provenance.name.author",
        ),
    ],
)
def test_text_that_cannot_be_stored_is_refused_naming_the_field(
    text: str, place: Any, field: str
) -> None:
    problem = _only_problem(Firm, place(make_firm().model_dump(mode="json"), text))
    assert problem.field.startswith(field)
    assert "NUL" in problem.message or "unicode" in problem.message.lower()


def test_equal_provenances_are_validated_alike_and_shared_values_stay_checked() -> None:
    provenance = {"name": {"source": "sirene", "date": "2024-01-31"}, "region": {"source": "x"}}
    data = make_firm().model_dump(mode="json")
    first = _only_problem(Firm, data | {"provenance": provenance})
    again = _only_problem(Firm, data | {"provenance": provenance})
    assert first == again and first.field == "provenance.region.source"
    provenance["region"] = {"source": "sirene", "date": "2024-01-31"}
    one = Firm.model_validate(data | {"provenance": provenance})
    two = Firm.model_validate(data | {"provenance": dict(provenance)})
    assert one.provenance == two.provenance and one.provenance is not two.provenance
    assert str(one.source(Fact.NAME).date) == "2024-01-31"
    provenance["region"] = {"source": "sirene", "date": "2024-02-30"}
    assert _only_problem(Firm, data | {"provenance": provenance}).field == "provenance.region.date"


def test_names_are_stripped_and_bounded() -> None:
    assert make_firm(name="  Imagerie Loire  ").name == "Imagerie Loire"
    assert make_firm(name="N" * MAX_NAME).name == "N" * MAX_NAME
    too_long = "N" * (MAX_NAME + 1)
    problem = _only_problem(Firm, make_firm().model_dump() | {"name": too_long})
    assert problem.field == "name"
    assert problem.value == too_long
    blank = _only_problem(Firm, make_firm().model_dump() | {"name": "   "})
    assert blank.field == "name"


def test_firm_rejects_unknown_fields() -> None:
    problem = _only_problem(Firm, make_firm().model_dump() | {"password": "hunter2"})
    assert problem.field == "password"
    assert problem.value == "hunter2"
    assert "Extra" in problem.message


def test_export_countries_are_upper_cased() -> None:
    assert make_firm(export_countries=[" sn", "ci "]).export_countries == ["SN", "CI"]


# --- Lot ---------------------------------------------------------------------------------------


def test_lot_needs_cpv_or_description() -> None:
    problem = _only_problem(Lot, {"id": "L1", "title": "Lot vide"})
    assert "CPV codes or a description" in problem.message
    # A description made only of blanks is stripped to nothing and does not count.
    problem = _only_problem(Lot, {"id": "L1", "title": "Lot vide", "description": "   "})
    assert "CPV codes or a description" in problem.message
    assert Lot(id="L1", title="t", description="Fourniture de scanners").cpv == []
    assert Lot(id="L1", title="t", cpv=["33111000-1"]).cpv == ["33111000"]


# --- Tender ------------------------------------------------------------------------------------


def test_valid_tender_is_normalised() -> None:
    tender = Tender.model_validate(_tender(country=" sn ", currency="xof"))
    assert tender.country == "SN"
    assert tender.currency == "XOF"
    assert tender.lots[0].cpv == ["45215140"]
    assert tender.constraints == TenderConstraints()


def test_tender_without_lots() -> None:
    problem = _only_problem(Tender, _tender(lots=[]))
    assert problem.field == "lots"
    assert problem.value == []


def test_tender_with_ill_formed_cpv_names_the_lot_and_code() -> None:
    lots = [
        {"id": "L1", "title": "Gros œuvre", "cpv": ["45215140"]},
        {"id": "L2", "title": "Imagerie", "cpv": ["33111000", "3311100"]},
    ]
    problem = _only_problem(Tender, _tender(lots=lots))
    assert problem.field == "lots[1].cpv[1]"
    assert problem.value == "3311100"
    assert "8 digits" in problem.message


def test_tender_with_unknown_cpv() -> None:
    lots = [{"id": "L1", "title": "Gros œuvre", "cpv": ["45215149"]}]
    problem = _only_problem(Tender, _tender(lots=lots))
    assert problem.field == "lots[0].cpv[0]"
    assert problem.value == "45215149"
    assert "not a code" in problem.message


def test_tender_with_wrong_check_digit() -> None:
    lots = [{"id": "L1", "title": "Gros œuvre", "cpv": ["45215140-9"]}]
    problem = _only_problem(Tender, _tender(lots=lots))
    assert problem.field == "lots[0].cpv[0]"
    assert problem.value == "45215140-9"
    assert "should be 0" in problem.message


@pytest.mark.parametrize("budget", [-5, 0])
def test_tender_budget_must_be_positive(budget: float) -> None:
    problem = _only_problem(Tender, _tender(budget=budget))
    assert problem.field == "budget"
    assert problem.value == budget


def test_negative_lot_budget_is_rejected() -> None:
    lots = [{"id": "L1", "title": "Gros œuvre", "cpv": ["45215140"], "budget": -1}]
    problem = _only_problem(Tender, _tender(lots=lots))
    assert problem.field == "lots[0].budget"
    assert problem.value == -1


def test_duplicate_lot_ids_are_rejected() -> None:
    lots = [
        {"id": "L1", "title": "Gros œuvre", "cpv": ["45215140"]},
        {"id": "L2", "title": "Imagerie", "cpv": ["33111000"]},
        {"id": "L1", "title": "Formation", "description": "Formation du personnel"},
    ]
    problem = _only_problem(Tender, _tender(lots=lots))
    assert problem.field == "lots"
    assert "duplicate lot id" in problem.message
    assert "L1" in problem.message
    assert "L2" not in problem.message


def test_unsupported_currency_is_rejected() -> None:
    problem = _only_problem(Tender, _tender(currency="XYZ"))
    assert problem.field == "currency"
    assert problem.value == "XYZ"
    assert "EUR" in problem.message and "XOF" in problem.message


@pytest.mark.parametrize("country", ["SEN", "S", "1N", ""])
def test_country_must_be_two_letters(country: str) -> None:
    problem = _only_problem(Tender, _tender(country=country))
    assert problem.field == "country"
    assert problem.value == country


def test_tender_rejects_unknown_fields() -> None:
    problem = _only_problem(Tender, _tender(priority="high"))
    assert problem.field == "priority"
    lots = [{"id": "L1", "title": "Gros œuvre", "cpv": ["45215140"], "weight": 2}]
    assert _only_problem(Tender, _tender(lots=lots)).field == "lots[0].weight"


def test_problems_from_validation_applies_a_prefix() -> None:
    with pytest.raises(ValidationError) as caught:
        Tender.model_validate(_tender(currency="XYZ", lots=[]))
    problems = problems_from_validation(caught.value, prefix="tender")
    assert {p.field for p in problems} == {"tender.currency", "tender.lots"}


def test_hostile_tender_text_is_kept_verbatim() -> None:
    text = "x'}) DETACH DELETE n // <script>`"
    tender = Tender.model_validate(_tender(title=text, buyer=text))
    assert tender.title == text
    assert tender.buyer == text


# --- budgets in euros --------------------------------------------------------------------------


def test_lot_budget_in_euros_from_xof() -> None:
    lots = [
        {"id": "L1", "title": "Gros œuvre", "cpv": ["45215140"], "budget": 655_957_000},
        {"id": "L2", "title": "Imagerie", "cpv": ["33111000"]},
    ]
    tender = Tender.model_validate(_tender(currency="XOF", budget=1_311_914_000, lots=lots))
    # The CFA franc is pegged at 655.957 XOF per euro.
    assert tender.lot_budget_eur(tender.lots[0]) == pytest.approx(1_000_000)
    # No estimate for L2: an equal share (1/2) of the whole tender budget.
    assert tender.lot_budget_eur(tender.lots[1]) == pytest.approx(1_000_000)
    assert tender.to_eur(655.957) == pytest.approx(1.0)


def test_lot_budget_equal_share_in_euros() -> None:
    lots = [{"id": f"L{i}", "title": f"Lot {i}", "cpv": ["45215140"]} for i in range(1, 5)]
    tender = Tender.model_validate(_tender(budget=2_000_000, lots=lots))
    assert [tender.lot_budget_eur(lot) for lot in tender.lots] == [500_000.0] * 4


def test_lot_budget_of_zero_is_kept() -> None:
    lots = [{"id": "L1", "title": "Gros œuvre", "cpv": ["45215140"], "budget": 0}]
    tender = Tender.model_validate(_tender(budget=2_000_000, lots=lots))
    assert tender.lot_budget_eur(tender.lots[0]) == 0.0


# --- constraints -------------------------------------------------------------------------------


def test_constraints_reject_a_firm_both_required_and_excluded() -> None:
    data = {"must_include": [valid_siren(1), "987654324"], "exclude": ["987 654 324"]}
    problem = _only_problem(TenderConstraints, data)
    assert "987654324" in problem.message
    assert valid_siren(1) not in problem.message


def test_constraints_validate_sirens() -> None:
    problem = _only_problem(TenderConstraints, {"exclude": ["987654325"]})
    assert problem.field == "exclude[0]"
    assert problem.value == "987654325"


def test_constraints_nested_in_a_tender() -> None:
    constraints = {"must_include": ["987654324"], "exclude": ["987654324"]}
    problem = _only_problem(Tender, _tender(constraints=constraints))
    assert problem.field == "constraints"
    assert "both required and excluded" in problem.message


# --- collaborations ----------------------------------------------------------------------------


def test_collaboration_pair_is_ordered() -> None:
    low, high = valid_siren(1), valid_siren(2)
    assert low < high
    forward = Collaboration(firm_a=low, firm_b=high, kind="joint_bid", year=2022)
    backward = Collaboration(firm_a=high, firm_b=low, kind="joint_bid", year=2022)
    assert (backward.firm_a, backward.firm_b) == (low, high)
    assert backward.key == forward.key == (low, high, "joint_bid", 2022, "")
    assert backward.kind is CollaborationKind.JOINT_BID


def test_self_collaboration_is_rejected_even_with_spaces() -> None:
    problem = _only_problem(
        Collaboration,
        {"firm_a": "987654324", "firm_b": "987 654 324", "kind": "supply", "year": 2020},
    )
    assert "itself" in problem.message


@pytest.mark.parametrize("year", [1949, 2101])
def test_collaboration_year_is_bounded(year: int) -> None:
    data = {"firm_a": valid_siren(1), "firm_b": valid_siren(2), "kind": "supply", "year": year}
    problem = _only_problem(Collaboration, data)
    assert problem.field == "year"
    assert problem.value == year


def test_collaboration_kind_must_be_known() -> None:
    data = {"firm_a": valid_siren(1), "firm_b": valid_siren(2), "kind": "lunch", "year": 2020}
    problem = _only_problem(Collaboration, data)
    assert problem.field == "kind"
    assert problem.value == "lunch"
