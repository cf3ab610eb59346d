"""Models rebuilt from their own JSON without validation equal the validated originals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import BaseModel

from meute.api.service import showcase_document
from meute.graph.model import Collaboration, Firm, Provenance, Tender
from meute.graph.synth import generate
from meute.graph.trusted import schema_stamp, trusted_builder


def test_every_showcase_and_synthetic_item_round_trips() -> None:
    document = showcase_document()
    firms, collaborations = generate(300, seed=7, validate=True)
    items: list[tuple[type[BaseModel], list[BaseModel]]] = [
        (Firm, [*document.firms, *firms]),
        (Tender, list(document.tenders)),
        (Collaboration, [*document.collaborations, *collaborations]),
    ]
    for model, originals in items:
        build = trusted_builder(model)
        for original in originals:
            dumped = original.model_dump_json()
            rebuilt = build(json.loads(dumped))
            assert rebuilt == original == model.model_validate_json(dumped)
            assert rebuilt.model_dump_json() == dumped
            assert rebuilt.model_fields_set == model.model_validate_json(dumped).model_fields_set


def test_values_are_typed_and_defaults_filled() -> None:
    firm = trusted_builder(Firm)(
        {
            "siren": "732829320",
            "name": "Acme",
            "region": "Bretagne",
            "headcount": "10-49",
            "creation_date": "2001-02-03",
            "capabilities": [{"cpv": "45215140", "last_date": None}],
            "provenance": {"name": {"source": "sirene", "date": "2026-01-05"}},
            "is_sme": True,
        }
    )
    assert firm.creation_date == dt.date(2001, 2, 3)
    assert firm.capabilities[0].strength == 0.5 and firm.languages == ["fr"]
    assert firm.provenance["name"] == Provenance(source="sirene", date=dt.date(2026, 1, 5))
    assert firm.is_sme


def test_a_type_it_cannot_convert_is_refused() -> None:
    class Odd(BaseModel):
        value: int | str

    with pytest.raises(TypeError, match="union"):
        trusted_builder(Odd)


def test_the_stamp_follows_the_schema_and_the_version() -> None:
    class Before(BaseModel):
        value: int

    class After(BaseModel):
        value: str

    assert schema_stamp("1.0", Before) == schema_stamp("1.0", Before)
    assert schema_stamp("1.0", Before) != schema_stamp("1.0", After)
    assert schema_stamp("1.0", Before) != schema_stamp("1.1", Before)
