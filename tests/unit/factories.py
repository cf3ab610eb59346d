"""Small builders of valid domain objects, shared by the test suites."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from meute.graph.model import Capability, Firm, HeadcountBand, Region, Tender

__all__ = ["hospital_tender", "make_firm", "valid_siren"]

CapabilitySpec = str | tuple[str, float] | Mapping[str, Any] | Capability


def _luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` pass Luhn (written apart from graph.model)."""
    total = 0
    # Once the check digit is appended, the payload's last digit sits at an odd position from
    # the right and is doubled, then every other digit going left.
    for position, char in enumerate(reversed(payload)):
        value = int(char)
        if position % 2 == 0:
            value = value * 2 - 9 if value >= 5 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def valid_siren(n: int) -> str:
    """A Luhn-valid SIREN derived from ``n`` (0 <= n < 10**8); distinct n, distinct SIREN."""
    if not 0 <= n < 10**8:
        raise ValueError(f"valid_siren needs 0 <= n < 10**8, got {n}")
    payload = f"{n:08d}"
    return payload + _luhn_check_digit(payload)


def _capability(spec: CapabilitySpec) -> Capability | Mapping[str, Any]:
    if isinstance(spec, str):
        return {"cpv": spec}
    if isinstance(spec, tuple):
        code, strength = spec
        return {"cpv": code, "strength": strength}
    return spec


def make_firm(
    siren: str | None = None,
    capabilities: Iterable[CapabilitySpec] = (),
    **overrides: Any,
) -> Firm:
    """A valid Firm; capabilities are CPV codes, ``(code, strength)`` pairs, dicts or models.

    Any other field of :class:`Firm` can be given as a keyword (``name``, ``headcount``,
    ``turnover_eur``, ``certifications``...). Validation runs as for user input.
    """
    data: dict[str, Any] = {
        "siren": siren if siren is not None else valid_siren(1),
        "name": "Firme de test",
        "region": Region.IDF,
        "headcount": HeadcountBand.SMALL,
        "capabilities": [_capability(spec) for spec in capabilities],
    }
    data.update(overrides)
    return Firm.model_validate(data)


def hospital_tender(**constraints: Any) -> Tender:
    """A three-lot hospital tender (construction, ISO 13485 equipment, training)."""
    return Tender.model_validate(
        {
            "id": "bouake",
            "title": "Hospital",
            "buyer": "Ministry of Health",
            "country": "CI",
            "budget": 45_000_000,
            "deadline": "2027-03-31",
            "lots": [
                {"id": "L1", "title": "Construction", "cpv": ["45215140"], "budget": 30e6},
                {
                    "id": "L2",
                    "title": "Equipment",
                    "cpv": ["33100000"],
                    "budget": 11e6,
                    "required_certifications": ["ISO 13485"],
                },
                {"id": "L3", "title": "Training", "cpv": ["80510000"], "budget": 4e6},
            ],
            "constraints": constraints,
        }
    )
