"""Seeded generator of a synthetic population of French exporting firms and their collaborations.

``generate(n, seed)`` draws firms from the sector profiles of :mod:`graph.sectors` with
plausible distributions (regions by economic weight, headcounts skewed to micro and small
firms, turnover log-normal within each headcount band, export maturity skewed to beginners,
export countries weighted towards francophone Africa, the EU, the Maghreb and the Middle East)
and a collaboration graph grown by preferential attachment, biased towards complementary
sectors and same-region pairs, so that its degree distribution is heavy-tailed.

The same ``(n, seed, config)`` always gives the same output, whatever the process
(no iteration over string sets or dicts keyed by hash order). Every firm and collaboration
is valid against :mod:`graph.model` (see :func:`generate` on how this is checked).

**All generated data is synthetic and fictional.**
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import math
import os
import random
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from meute.graph import cpv
from meute.graph.model import (
    Capability,
    Collaboration,
    CollaborationKind,
    ExportMaturity,
    FactSource,
    Firm,
    HeadcountBand,
    Region,
    provenance_of_all,
)
from meute.graph.sectors import (
    FAMILY_NAMES,
    LEGAL_FORMS,
    LEGAL_FORMS_LARGE,
    PLACE_NAMES,
    SECTORS,
    Sector,
)

__all__ = [
    "COUNTRY_NAMES_FR",
    "COUNTRY_WEIGHTS",
    "HEADCOUNT_WEIGHTS",
    "METROPOLITAN_REGIONS",
    "REGION_WEIGHTS",
    "Population",
    "SynthConfig",
    "degree_counts",
    "generate",
    "generate_population",
    "read_dataset",
    "write_dataset",
]

BANDS: tuple[HeadcountBand, ...] = tuple(HeadcountBand)
MATURITIES: tuple[ExportMaturity, ...] = tuple(ExportMaturity)
KINDS: tuple[CollaborationKind, ...] = tuple(CollaborationKind)
_JOINT_BID = KINDS.index(CollaborationKind.JOINT_BID)
_CO_AWARD = KINDS.index(CollaborationKind.CO_AWARD)

METROPOLITAN_REGIONS: tuple[Region, ...] = tuple(
    r
    for r in Region
    if r
    not in {Region.GUADELOUPE, Region.MARTINIQUE, Region.GUYANE, Region.REUNION, Region.MAYOTTE}
)

# Roughly the regions' share of French GDP and of exporting firms (INSEE, order of magnitude).
REGION_WEIGHTS: Mapping[Region, float] = MappingProxyType(
    {
        Region.IDF: 0.27,
        Region.AURA: 0.12,
        Region.NOUVELLE_AQUITAINE: 0.08,
        Region.OCCITANIE: 0.08,
        Region.PACA: 0.075,
        Region.GRAND_EST: 0.07,
        Region.HDF: 0.07,
        Region.PDL: 0.05,
        Region.BRETAGNE: 0.045,
        Region.NORMANDIE: 0.04,
        Region.BFC: 0.035,
        Region.CVL: 0.032,
        Region.CORSE: 0.005,
        Region.REUNION: 0.007,
        Region.GUADELOUPE: 0.004,
        Region.MARTINIQUE: 0.004,
        Region.GUYANE: 0.002,
        Region.MAYOTTE: 0.001,
    }
)

# Headcount bands of exporting firms, in :class:`HeadcountBand` order.
HEADCOUNT_WEIGHTS: tuple[float, ...] = (0.55, 0.30, 0.11, 0.035, 0.005)

# Turnover per band: median (EUR), log-normal sigma, clip bounds.
_TURNOVER: dict[HeadcountBand, tuple[float, float, float, float]] = {
    HeadcountBand.MICRO: (450_000.0, 0.9, 30_000.0, 4_000_000.0),
    HeadcountBand.SMALL: (4_000_000.0, 0.7, 400_000.0, 25_000_000.0),
    HeadcountBand.MEDIUM: (22_000_000.0, 0.6, 4_000_000.0, 150_000_000.0),
    HeadcountBand.INTERMEDIATE: (180_000_000.0, 0.8, 25_000_000.0, 1_500_000_000.0),
    HeadcountBand.LARGE: (2_500_000_000.0, 0.9, 400_000_000.0, 60_000_000_000.0),
}

# Turnover of forced leaders by band: log10 bounds (above 100 M€).
_LEADER_TURNOVER: dict[HeadcountBand, tuple[float, float]] = {
    HeadcountBand.INTERMEDIATE: (8.1, 9.1),
    HeadcountBand.LARGE: (9.0, 10.0),
}
_SMALL_BANDS = frozenset({HeadcountBand.MICRO, HeadcountBand.SMALL})

# Export maturity given the headcount band, in :class:`ExportMaturity` order.
_MATURITY: dict[HeadcountBand, tuple[float, ...]] = {
    HeadcountBand.MICRO: (0.55, 0.30, 0.12, 0.03),
    HeadcountBand.SMALL: (0.40, 0.35, 0.18, 0.07),
    HeadcountBand.MEDIUM: (0.25, 0.35, 0.28, 0.12),
    HeadcountBand.INTERMEDIATE: (0.08, 0.25, 0.42, 0.25),
    HeadcountBand.LARGE: (0.02, 0.13, 0.45, 0.40),
}
# Export share ~ Beta(a, b) by maturity.
_EXPORT_SHARE: dict[ExportMaturity, tuple[float, float]] = {
    ExportMaturity.FIRST_TIME: (1.0, 30.0),
    ExportMaturity.OCCASIONAL: (2.0, 18.0),
    ExportMaturity.REGULAR: (3.0, 7.0),
    ExportMaturity.ACCREDITED: (4.0, 5.0),
}
# Number of export countries (low, high inclusive) by maturity.
_EXPORT_COUNTRIES: dict[ExportMaturity, tuple[int, int]] = {
    ExportMaturity.FIRST_TIME: (0, 1),
    ExportMaturity.OCCASIONAL: (1, 3),
    ExportMaturity.REGULAR: (2, 6),
    ExportMaturity.ACCREDITED: (4, 12),
}
# ...at most, by headcount band (a micro firm does not sell in twelve countries).
_MAX_COUNTRIES: dict[HeadcountBand, int] = {
    HeadcountBand.MICRO: 4,
    HeadcountBand.SMALL: 7,
    HeadcountBand.MEDIUM: 10,
    HeadcountBand.INTERMEDIATE: 12,
    HeadcountBand.LARGE: 12,
}
_ENGLISH: dict[ExportMaturity, float] = {
    ExportMaturity.FIRST_TIME: 0.45,
    ExportMaturity.OCCASIONAL: 0.7,
    ExportMaturity.REGULAR: 0.9,
    ExportMaturity.ACCREDITED: 0.98,
}
# Capabilities per firm: choices and weights by band.
_CAPABILITY_COUNT: dict[HeadcountBand, tuple[tuple[int, ...], tuple[float, ...]]] = {
    HeadcountBand.MICRO: ((1, 2, 3), (0.45, 0.35, 0.20)),
    HeadcountBand.SMALL: ((1, 2, 3, 4), (0.20, 0.35, 0.30, 0.15)),
    HeadcountBand.MEDIUM: ((2, 3, 4, 5), (0.20, 0.35, 0.30, 0.15)),
    HeadcountBand.INTERMEDIATE: ((3, 4, 5, 6), (0.20, 0.30, 0.30, 0.20)),
    HeadcountBand.LARGE: ((4, 5, 6), (0.30, 0.35, 0.35)),
}
_MEAN_CONTRACTS: dict[HeadcountBand, float] = {
    HeadcountBand.MICRO: 2.0,
    HeadcountBand.SMALL: 5.0,
    HeadcountBand.MEDIUM: 12.0,
    HeadcountBand.INTERMEDIATE: 30.0,
    HeadcountBand.LARGE: 60.0,
}
# Share of its drawn contracts that a firm's side line (a code of a complementary sector) keeps,
# rounded up: a builder that once fitted hospital furniture is not a furniture maker.
SIDE_LINE_SHARE = 0.2
_CERT_SIZE_FACTOR: dict[HeadcountBand, float] = {
    HeadcountBand.MICRO: 0.6,
    HeadcountBand.SMALL: 0.9,
    HeadcountBand.MEDIUM: 1.15,
    HeadcountBand.INTERMEDIATE: 1.35,
    HeadcountBand.LARGE: 1.5,
}
# Mean number of collaborations a firm starts, by maturity (scaled to the target degree).
_LINKS_BY_MATURITY: dict[ExportMaturity, float] = {
    ExportMaturity.FIRST_TIME: 0.5,
    ExportMaturity.OCCASIONAL: 1.0,
    ExportMaturity.REGULAR: 1.6,
    ExportMaturity.ACCREDITED: 2.4,
}
# Collaboration kinds (KINDS order: joint_bid, co_award, supply, shared_pavilion) by relation.
_KIND_WEIGHTS: dict[str, tuple[float, ...]] = {
    "complementary": (0.45, 0.30, 0.15, 0.10),
    "same_sector": (0.25, 0.15, 0.40, 0.20),
    "same_region": (0.25, 0.15, 0.20, 0.40),
    "other": (0.30, 0.15, 0.30, 0.25),
}

# Export destinations of French firms, weighted towards francophone Africa, the EU, the
# Maghreb and the Middle East.
COUNTRY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        # francophone Africa
        "CI": 6.0,
        "SN": 6.0,
        "CM": 4.0,
        "GA": 2.5,
        "BJ": 2.5,
        "BF": 2.0,
        "ML": 2.0,
        "TG": 2.0,
        "CD": 2.0,
        "MG": 2.0,
        "CG": 1.5,
        "GN": 1.5,
        "NE": 1.0,
        "TD": 1.0,
        "RW": 1.0,
        "DJ": 1.0,
        "MR": 1.0,
        # Maghreb
        "MA": 7.0,
        "TN": 5.0,
        "DZ": 4.0,
        # Europe
        "BE": 6.0,
        "DE": 5.0,
        "ES": 4.0,
        "IT": 4.0,
        "CH": 3.0,
        "GB": 3.0,
        "NL": 2.5,
        "LU": 2.0,
        "PT": 2.0,
        "PL": 1.5,
        "RO": 1.5,
        "AT": 1.0,
        "IE": 1.0,
        "GR": 1.0,
        "CZ": 1.0,
        # Middle East
        "AE": 3.0,
        "SA": 2.5,
        "EG": 2.0,
        "QA": 1.5,
        "LB": 1.5,
        "JO": 1.5,
        "KW": 1.0,
        "IQ": 0.7,
        # elsewhere
        "US": 2.5,
        "CA": 2.5,
        "CN": 1.5,
        "VN": 1.0,
        "KE": 1.0,
        "NG": 1.0,
        "GH": 1.0,
        "BR": 1.0,
        "IN": 1.0,
        "ET": 0.7,
        "MU": 0.7,
        "KH": 0.5,
        "HT": 0.5,
        "AO": 0.5,
        "MZ": 0.3,
        "MX": 0.5,
    }
)
COUNTRY_NAMES_FR: Mapping[str, str] = MappingProxyType(
    {
        "CI": "Côte d'Ivoire",
        "SN": "Sénégal",
        "CM": "Cameroun",
        "GA": "Gabon",
        "BJ": "Bénin",
        "BF": "Burkina Faso",
        "ML": "Mali",
        "TG": "Togo",
        "CD": "RD Congo",
        "MG": "Madagascar",
        "CG": "Congo",
        "GN": "Guinée",
        "NE": "Niger",
        "TD": "Tchad",
        "RW": "Rwanda",
        "DJ": "Djibouti",
        "MR": "Mauritanie",
        "MA": "Maroc",
        "TN": "Tunisie",
        "DZ": "Algérie",
        "BE": "Belgique",
        "DE": "Allemagne",
        "ES": "Espagne",
        "IT": "Italie",
        "CH": "Suisse",
        "GB": "Royaume-Uni",
        "NL": "Pays-Bas",
        "LU": "Luxembourg",
        "PT": "Portugal",
        "PL": "Pologne",
        "RO": "Roumanie",
        "AT": "Autriche",
        "IE": "Irlande",
        "GR": "Grèce",
        "CZ": "Tchéquie",
        "AE": "Émirats arabes unis",
        "SA": "Arabie saoudite",
        "EG": "Égypte",
        "QA": "Qatar",
        "LB": "Liban",
        "JO": "Jordanie",
        "KW": "Koweït",
        "IQ": "Irak",
        "US": "États-Unis",
        "CA": "Canada",
        "CN": "Chine",
        "VN": "Viêt Nam",
        "KE": "Kenya",
        "NG": "Nigeria",
        "GH": "Ghana",
        "BR": "Brésil",
        "IN": "Inde",
        "ET": "Éthiopie",
        "MU": "Maurice",
        "KH": "Cambodge",
        "HT": "Haïti",
        "AO": "Angola",
        "MZ": "Mozambique",
        "MX": "Mexique",
    }
)
_ARABIC = frozenset({"MA", "TN", "DZ", "EG", "SA", "AE", "QA", "LB", "JO", "KW", "IQ", "MR", "DJ"})
_SPANISH = frozenset({"ES", "MX"})
_PORTUGUESE = frozenset({"PT", "BR", "AO", "MZ"})
_GERMAN = frozenset({"DE", "AT", "CH", "LU"})

_LAST_DATE = dt.date(2026, 6, 30)
_FIRST_DATE = dt.date(2014, 1, 1)


@dataclass(frozen=True)
class SynthConfig:
    """Knobs of the generator; the defaults describe the national population.

    ``sector_weights`` defaults to each sector's national ``share``; ``leaders`` forces that
    many firms of a sector (by key) to be large leaders with a turnover above 100 M€.
    ``collaborations_per_firm`` is the target mean number of collaboration records per firm;
    ``extra_capability_probability`` gives firms one more capability than their size suggests.
    """

    sectors: tuple[Sector, ...] = SECTORS
    sector_weights: tuple[float, ...] | None = None
    region_weights: Mapping[Region, float] = field(default_factory=lambda: REGION_WEIGHTS)
    headcount_weights: tuple[float, ...] = HEADCOUNT_WEIGHTS
    maturity_shift: float = 0.0
    certification_factor: float = 1.0
    collaborations_per_firm: float = 2.2
    repeat_probability: float = 0.15
    cross_sector_probability: float = 0.12
    extra_capability_probability: float = 0.0
    turnover_missing: float = 0.03
    email_share: float = 0.6
    email_domain: str = "example.fr"
    leaders: Mapping[str, int] = field(default_factory=dict)
    first_year: int = 2010
    last_year: int = 2026
    source: str = "synthetic"

    def weights(self) -> tuple[float, ...]:
        """Sector weights, normalised to sum to 1."""
        raw = self.sector_weights or tuple(s.share for s in self.sectors)
        if len(raw) != len(self.sectors):
            raise ValueError("sector_weights must have one weight per sector")
        total = sum(raw)
        return tuple(w / total for w in raw)


@dataclass(frozen=True)
class _Palette:
    """A sector's CPV codes ready for drawing: cumulative weights, and its partners' palettes."""

    codes: tuple[str, ...]
    cum_weights: tuple[float, ...]
    partners: tuple[_Palette, ...] = ()

    @classmethod
    def for_sectors(cls, sectors: Sequence[Sector]) -> list[_Palette]:
        """One palette per sector, in order, each knowing its complementary sectors'."""
        bare = {
            s.key: cls(tuple(_code8(c) for c in s.cpv_codes), _cumulative(s.cpv_weights))
            for s in sectors
        }
        return [
            cls(
                bare[s.key].codes,
                bare[s.key].cum_weights,
                tuple(bare[k] for k in s.complements if k in bare),
            )
            for s in sectors
        ]


@dataclass
class _Draft:
    """A firm being built, before validation."""

    sector: Sector
    palette: _Palette
    region: Region
    band: HeadcountBand
    maturity: ExportMaturity


@dataclass(frozen=True)
class Population:
    """A generated population: firms, their collaborations and each firm's sector key."""

    firms: list[Firm]
    collaborations: list[Collaboration]
    sectors: list[str]


def generate(
    n_firms: int,
    seed: int = 0,
    *,
    config: SynthConfig | None = None,
    validate: bool = False,
) -> tuple[list[Firm], list[Collaboration]]:
    """``n_firms`` synthetic firms and their collaborations, deterministic for ``seed``.

    Values are valid by construction, so models are built with ``model_construct`` (a third
    faster at national scale); about 500 of each kind are then re-validated in full and a
    :class:`RuntimeError` raised on any difference. ``validate=True`` validates everything.
    """
    population = generate_population(n_firms, seed, config=config, validate=validate)
    return population.firms, population.collaborations


def generate_population(
    n_firms: int,
    seed: int = 0,
    *,
    config: SynthConfig | None = None,
    validate: bool = False,
) -> Population:
    """Like :func:`generate`, also telling which sector each firm was drawn from."""
    if n_firms < 0:
        raise ValueError("n_firms must be non-negative")
    config = config or SynthConfig()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles: the cyclic GC only slows us down
    try:
        population = _generate(n_firms, seed, config, validate)
    finally:
        if gc_was_enabled:
            gc.enable()
    if not validate:
        _spot_check(population.firms, population.collaborations)
    return population


def _generate(n_firms: int, seed: int, config: SynthConfig, validate: bool) -> Population:
    rng = np.random.default_rng(seed)
    rnd = random.Random(int(rng.integers(0, 2**62)))

    sector_idx = _allocate(n_firms, config.weights(), rng)
    sirens = _sirens(n_firms, rng)
    regions = _regions(sector_idx, config, rng)
    bands = _bands(sector_idx, config, rng)
    leaders = _leaders(sector_idx, config)
    for i in sorted(leaders):
        bands[i] = 4 if rnd.random() < 0.4 else 3
    maturities = _maturities(bands, config, rng)
    turnovers = _turnovers(bands, leaders, config, rng)

    palettes = _Palette.for_sectors(config.sectors)
    names: set[str] = set()
    firms: list[Firm] = []
    for i in range(n_firms):
        draft = _Draft(
            sector=config.sectors[sector_idx[i]],
            palette=palettes[sector_idx[i]],
            region=regions[i],
            band=BANDS[bands[i]],
            maturity=MATURITIES[maturities[i]],
        )
        firms.append(_firm(draft, sirens[i], turnovers[i], names, config, rnd, validate))
    collaborations = _collaborations(
        firms, sector_idx, bands, maturities, config, rng, rnd, validate
    )
    keys = [config.sectors[i].key for i in sector_idx.tolist()]
    return Population(firms, collaborations, keys)


def _spot_check(firms: Sequence[Firm], collaborations: Sequence[Collaboration]) -> None:
    """Re-validate a sample of constructed models; they must equal their validated twins."""
    for sample, model in ((firms, Firm), (collaborations, Collaboration)):
        step = max(1, len(sample) // 500)
        for item in sample[::step]:
            twin = model.model_validate(item.model_dump(exclude={"is_sme"}))
            if twin != item:
                raise RuntimeError(f"generator produced an invalid {model.__name__}: {item!r}")


# --- population -----------------------------------------------------------------------------


def _allocate(n: int, weights: Sequence[float], rng: np.random.Generator) -> np.ndarray:
    """Sector index per firm: counts by largest remainder, then shuffled."""
    exact = np.asarray(weights) * n
    counts = np.floor(exact).astype(np.int64)
    remainder = n - int(counts.sum())
    if remainder:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:remainder]] += 1
    index = np.repeat(np.arange(len(weights)), counts)
    rng.shuffle(index)
    return index


def _sirens(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` unique random SIRENs: 8 random digits and a Luhn check digit."""
    payload = rng.choice(90_000_000, size=n, replace=False) + 10_000_000
    digits = (payload[:, None] // 10 ** np.arange(7, -1, -1)) % 10  # left to right
    doubled = digits[:, 1::2] * 2  # payload positions 2,4,6,8 sit at odd offsets from the right
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = digits[:, 0::2].sum(axis=1) + doubled.sum(axis=1)
    check = (10 - total % 10) % 10
    return [f"{p:08d}{c}" for p, c in zip(payload.tolist(), check.tolist(), strict=True)]


def _regions(sector_idx: np.ndarray, config: SynthConfig, rng: np.random.Generator) -> list[Region]:
    """A region per firm, by regional weight times the sector's regional bias."""
    regions = list(config.region_weights)
    base = np.array([config.region_weights[r] for r in regions], dtype=float)
    out: list[Region] = [regions[0]] * len(sector_idx)
    for s_index, sector in enumerate(config.sectors):
        members = np.flatnonzero(sector_idx == s_index)
        if not len(members):
            continue
        weights = base * np.array([sector.region_multiplier(r) for r in regions])
        picks = rng.choice(len(regions), size=len(members), p=weights / weights.sum())
        for member, pick in zip(members.tolist(), picks.tolist(), strict=True):
            out[member] = regions[pick]
    return out


def _bands(sector_idx: np.ndarray, config: SynthConfig, rng: np.random.Generator) -> np.ndarray:
    """Headcount band index per firm, skewed by sector (``size_skew``)."""
    base = np.asarray(config.headcount_weights, dtype=float)
    out = np.zeros(len(sector_idx), dtype=np.int64)
    for s_index, sector in enumerate(config.sectors):
        members = np.flatnonzero(sector_idx == s_index)
        weights = base * sector.size_skew ** (np.arange(len(BANDS)) * 0.5)
        out[members] = rng.choice(len(BANDS), size=len(members), p=weights / weights.sum())
    return out


def _leaders(sector_idx: np.ndarray, config: SynthConfig) -> frozenset[int]:
    """Firms forced to be large leaders: the first ones of each sector named in ``leaders``."""
    chosen: list[int] = []
    for s_index, sector in enumerate(config.sectors):
        count = config.leaders.get(sector.key, 0)
        chosen.extend(np.flatnonzero(sector_idx == s_index)[:count].tolist())
    return frozenset(chosen)


def _maturities(bands: np.ndarray, config: SynthConfig, rng: np.random.Generator) -> np.ndarray:
    """Export maturity index per firm given its band, shifted by ``maturity_shift``."""
    out = np.zeros(len(bands), dtype=np.int64)
    tilt = math.exp(config.maturity_shift) ** np.arange(len(MATURITIES))
    for b_index, band in enumerate(BANDS):
        members = np.flatnonzero(bands == b_index)
        weights = np.asarray(_MATURITY[band]) * tilt
        out[members] = rng.choice(len(MATURITIES), size=len(members), p=weights / weights.sum())
    return out


def _turnovers(
    bands: np.ndarray, leaders: frozenset[int], config: SynthConfig, rng: np.random.Generator
) -> list[float | None]:
    """Turnover per firm: log-normal within its band, above 100 M€ for leaders."""
    noise = rng.standard_normal(len(bands))
    missing = rng.random(len(bands)) < config.turnover_missing
    leader_draw = rng.random(len(bands))
    out: list[float | None] = []
    for i, b_index in enumerate(bands.tolist()):
        median, sigma, low, high = _TURNOVER[BANDS[b_index]]
        if i in leaders:
            low_exp, high_exp = _LEADER_TURNOVER[BANDS[b_index]]
            value = 10 ** (low_exp + (high_exp - low_exp) * leader_draw[i])
            out.append(float(round(value, -5)))
        elif missing[i] and b_index <= 1:
            out.append(None)
        else:
            value = min(max(median * math.exp(sigma * noise[i]), low), high)
            out.append(float(round(value, -3)))
    return out


_SYNTHETIC = provenance_of_all(FactSource.SYNTHETIC)


def _firm(
    draft: _Draft,
    siren: str,
    turnover: float | None,
    names: set[str],
    config: SynthConfig,
    rnd: random.Random,
    validate: bool,
) -> Firm:
    sector = draft.sector
    name = _unique_name(draft, names, rnd)
    countries = _export_countries(draft, rnd)
    a, b = _EXPORT_SHARE[draft.maturity]
    capabilities = _capabilities(draft, turnover, config, rnd)
    labels = [cpv.label(c["cpv"], "fr") for c in capabilities]
    data: dict[str, Any] = {
        "siren": siren,
        "name": name,
        "naf": rnd.choice(sector.naf),
        "region": draft.region,
        "headcount": draft.band,
        "turnover_eur": turnover,
        "description": _description(draft, labels, countries, rnd),
        "capabilities": capabilities,
        "certifications": _certifications(draft, config, rnd),
        "export_countries": countries,
        "export_share": round(rnd.betavariate(a, b), 3) if countries else 0.0,
        "maturity": draft.maturity,
        "languages": _languages(draft.maturity, countries, rnd),
        "contact_email": (
            f"contact.{_slug(name)}@{config.email_domain}"
            if rnd.random() < config.email_share
            else None
        ),
        "provenance": _SYNTHETIC,
    }
    if validate:
        return Firm.model_validate(data)
    # ``awards`` given: pydantic's default factory under ``model_construct`` made generation
    # peak at ten times the memory (21 GB at 150,000 firms, the cyclic collector being paused).
    data["capabilities"] = [Capability.model_construct(**c, awards=[]) for c in capabilities]
    return Firm.model_construct(**data)


def _unique_name(draft: _Draft, taken: set[str], rnd: random.Random) -> str:
    """A fictional name not yet in ``taken`` (which it joins)."""
    for _ in range(30):
        name = _name(draft, rnd)
        if name not in taken:
            taken.add(name)
            return name
    base = _name(draft, rnd)
    suffix = 2
    while f"{base} {suffix}" in taken:
        suffix += 1
    taken.add(f"{base} {suffix}")
    return f"{base} {suffix}"


def _name(draft: _Draft, rnd: random.Random) -> str:
    head = rnd.choice(draft.sector.name_heads)
    family = rnd.choice(FAMILY_NAMES)
    roll = rnd.random()
    if roll < 0.40:
        name = f"{head} {rnd.choice(PLACE_NAMES[draft.region])}"
    elif roll < 0.65:
        name = f"{family} {head}"
    elif roll < 0.80:
        name = f"{head} {family}"
    elif roll < 0.90:
        acronym = "".join(rnd.choice("ABCDEFGHIJKLMNOPRSTUVZ") for _ in range(rnd.choice((3, 4))))
        name = f"{acronym} {head}"
    else:
        other = rnd.choice([f for f in FAMILY_NAMES if f != family])
        name = f"{family} et {other} {head}"
    if rnd.random() < 0.3:
        forms = LEGAL_FORMS if draft.band in _SMALL_BANDS else LEGAL_FORMS_LARGE
        name = f"{name} {rnd.choice(forms)}"
    return name


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _weighted_sample(
    items: Sequence[str], cum_weights: Sequence[float], k: int, rnd: random.Random
) -> list[str]:
    """``k`` distinct items (at most ``len(items)``), drawn proportionally to their weights.

    ``cum_weights`` are the cumulative weights of ``items``; repeated draws are rejected.
    """
    k = min(k, len(items))
    out: list[str] = []
    while len(out) < k:
        item = rnd.choices(items, cum_weights=cum_weights)[0]
        if item not in out:
            out.append(item)
    return out


def _cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


_COUNTRIES = tuple(COUNTRY_WEIGHTS)
_COUNTRY_CUM = _cumulative(COUNTRY_WEIGHTS.values())


def _export_countries(draft: _Draft, rnd: random.Random) -> list[str]:
    low, high = _EXPORT_COUNTRIES[draft.maturity]
    high = min(high, _MAX_COUNTRIES[draft.band])
    return _weighted_sample(_COUNTRIES, _COUNTRY_CUM, rnd.randint(min(low, high), high), rnd)


def _languages(maturity: ExportMaturity, countries: Sequence[str], rnd: random.Random) -> list[str]:
    spoken = ["fr"]
    dest = set(countries)
    for lang, probability in (
        ("en", _ENGLISH[maturity]),
        ("ar", 0.3 if dest & _ARABIC else 0.02),
        ("es", 0.3 if dest & _SPANISH else 0.04),
        ("pt", 0.35 if dest & _PORTUGUESE else 0.02),
        ("de", 0.3 if dest & _GERMAN else 0.03),
    ):
        if rnd.random() < probability:
            spoken.append(lang)
    return spoken


def _capabilities(
    draft: _Draft, turnover: float | None, config: SynthConfig, rnd: random.Random
) -> list[dict[str, Any]]:
    palette = draft.palette
    counts, weights = _CAPABILITY_COUNT[draft.band]
    k = rnd.choices(counts, weights)[0]
    if k < 6 and rnd.random() < config.extra_capability_probability:
        k += 1
    codes = _weighted_sample(palette.codes, palette.cum_weights, k, rnd)
    side = None  # a code borrowed from a complementary sector: a side line, not the trade
    if palette.partners and rnd.random() < config.cross_sector_probability:
        other = rnd.choice(palette.partners)
        extra = _weighted_sample(other.codes, other.cum_weights, 1, rnd)[0]
        if extra not in codes:
            side = extra
            if len(codes) < 6:
                codes.append(extra)
            else:
                codes[-1] = extra
    revenue = turnover if turnover is not None else _TURNOVER[draft.band][0]
    mean_contracts = _MEAN_CONTRACTS[draft.band] * (1.0 + 0.3 * MATURITIES.index(draft.maturity))
    out: list[dict[str, Any]] = []
    for rank, code in enumerate(codes):
        scale = 1.5 if rank == 0 else 0.6
        contracts = int(rnd.expovariate(1.0 / (mean_contracts * scale)))
        if code == side:  # after the draw, so that the other firms' draws do not move
            contracts = math.ceil(contracts * SIDE_LINE_SHARE)
        contract_size = _contract_size(revenue)
        amount = contracts * contract_size * math.exp(rnd.gauss(0.0, 0.5))
        strength = 0.15 + 0.75 * (1.0 - math.exp(-contracts / 6.0)) + rnd.gauss(0.0, 0.08)
        last_date = None
        if contracts:
            span = (_LAST_DATE - _FIRST_DATE).days
            last_date = _FIRST_DATE + dt.timedelta(days=int(span * max(rnd.random(), rnd.random())))
        out.append(
            {
                "cpv": code,
                "strength": round(min(max(strength, 0.05), 1.0), 2),
                "contracts": contracts,
                "amount_eur": float(round(amount, -2)),
                "last_date": last_date,
            }
        )
    return out


def _contract_size(revenue: float) -> float:
    """Typical contract of a firm: 8 % of turnover up to 10 M€, then growing as its root."""
    if revenue <= 10_000_000.0:
        return max(revenue * 0.08, 5_000.0)
    return 800_000.0 * math.sqrt(revenue / 10_000_000.0)


@cache
def _code8(code: str) -> str:
    """The normalised 8-digit form of a display code such as ``45215140-0``."""
    return cpv.normalise(code)


def _certifications(draft: _Draft, config: SynthConfig, rnd: random.Random) -> list[str]:
    factor = _CERT_SIZE_FACTOR[draft.band] * config.certification_factor
    return [
        cert
        for cert, probability in draft.sector.certifications
        if rnd.random() < min(0.97, probability * factor)
    ]


def _lower_first(label: str) -> str:
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _description(
    draft: _Draft, labels: Sequence[str], countries: Sequence[str], rnd: random.Random
) -> str:
    sector = draft.sector
    spec = _lower_first(labels[0])
    spec2 = _lower_first(labels[1]) if len(labels) > 1 else _lower_first(sector.label_fr)
    text = rnd.choice(sector.descriptions_fr).format(spec=spec, spec2=spec2, region=draft.region)
    if countries:
        shown = ", ".join(COUNTRY_NAMES_FR[c] for c in countries[:4])
        text += f" Références à l'export : {shown}."
    if rnd.random() < 0.25 + 0.2 * MATURITIES.index(draft.maturity):
        text += " " + rnd.choice(sector.descriptions_en)
    return text


# --- collaborations -------------------------------------------------------------------------


def _collaborations(
    firms: Sequence[Firm],
    sector_idx: np.ndarray,
    bands: np.ndarray,
    maturities: np.ndarray,
    config: SynthConfig,
    rng: np.random.Generator,
    rnd: random.Random,
    validate: bool,
) -> list[Collaboration]:
    """Grow a collaboration graph by preferential attachment.

    Firms arrive in a random order (larger ones earlier); each starts a Poisson number of
    collaborations with firms already present, picked from an urn where every firm appears
    once per collaboration it has (plus a base weight growing with its size): the rich get
    richer, which gives a heavy-tailed degree distribution. The partner is looked for among
    complementary sectors, then the same region, the same sector or anyone.
    """
    n = len(firms)
    if n < 2:
        return []
    base = np.array([_LINKS_BY_MATURITY[MATURITIES[m]] for m in maturities.tolist()])
    target_starts = config.collaborations_per_firm / (2.0 * (1.0 + config.repeat_probability))
    links = rng.poisson(base * target_starts / base.mean())
    order = np.argsort(rng.random(n) - 0.12 * bands, kind="stable").tolist()

    region_of = [f.region for f in firms]
    sector_of = sector_idx.tolist()
    key_index = {s.key: i for i, s in enumerate(config.sectors)}
    complements = [[key_index[k] for k in s.complements if k in key_index] for s in config.sectors]
    urn: list[int] = []
    by_sector: list[list[int]] = [[] for _ in config.sectors]
    by_region: dict[Region, list[int]] = {r: [] for r in Region}

    seen: set[tuple[int, int, int, int]] = set()
    edges: list[tuple[int, int, int, int]] = []  # (a, b, kind index, year)

    def add(a: int, b: int, kind: int, year: int) -> None:
        pair = (a, b) if a < b else (b, a)
        key = (*pair, kind, year)
        if key in seen:
            return
        seen.add(key)
        edges.append(key)
        for node in pair:
            urn.append(node)
            by_sector[sector_of[node]].append(node)
            by_region[region_of[node]].append(node)

    first, last = config.first_year, config.last_year
    for u in order:
        partners: set[int] = set()
        for _ in range(int(links[u])):
            v = _pick_partner(u, sector_of, region_of, complements, urn, by_sector, by_region, rnd)
            if v is None or v == u or v in partners:
                continue
            partners.add(v)
            relation = _relation(u, v, sector_of, region_of, complements)
            kind = rnd.choices(range(len(KINDS)), _KIND_WEIGHTS[relation])[0]
            year = first + int((last - first + 1) * math.sqrt(rnd.random()))
            year = min(year, last)
            add(u, v, kind, year)
            if rnd.random() < config.repeat_probability:
                follow = min(year + rnd.randint(1, 3), last)
                # a joint bid followed up is a won bid; other kinds simply recur
                add(u, v, _CO_AWARD if kind == _JOINT_BID else kind, follow)
        copies = 1 + int(bands[u]) + int(maturities[u]) // 2
        urn.extend([u] * copies)
        by_sector[sector_of[u]].extend([u] * copies)
        by_region[region_of[u]].extend([u] * copies)

    out: list[Collaboration] = []
    for a, b, kind, year in sorted(edges):
        low, high = sorted((firms[a].siren, firms[b].siren))
        fields: dict[str, Any] = {
            "firm_a": low,
            "firm_b": high,
            "kind": KINDS[kind],
            "year": year,
            "source": config.source,
        }
        if validate:
            out.append(Collaboration.model_validate(fields))
        else:
            out.append(Collaboration.model_construct(**fields))
    return out


def _pick_partner(
    u: int,
    sector_of: Sequence[int],
    region_of: Sequence[Region],
    complements: Sequence[Sequence[int]],
    urn: Sequence[int],
    by_sector: Sequence[Sequence[int]],
    by_region: Mapping[Region, Sequence[int]],
    rnd: random.Random,
) -> int | None:
    roll = rnd.random()
    pool: Sequence[int] = urn
    if roll < 0.45 and complements[sector_of[u]]:
        pool = by_sector[rnd.choice(complements[sector_of[u]])]
    elif roll < 0.65:
        pool = by_region[region_of[u]]
    elif roll < 0.75:
        pool = by_sector[sector_of[u]]
    if not pool:
        pool = urn
    if not pool:
        return None
    return pool[rnd.randrange(len(pool))]


def _relation(
    u: int,
    v: int,
    sector_of: Sequence[int],
    region_of: Sequence[Region],
    complements: Sequence[Sequence[int]],
) -> str:
    if sector_of[v] in complements[sector_of[u]]:
        return "complementary"
    if sector_of[v] == sector_of[u]:
        return "same_sector"
    if region_of[v] == region_of[u]:
        return "same_region"
    return "other"


def degree_counts(firms: Iterable[Firm], collaborations: Iterable[Collaboration]) -> list[int]:
    """Number of collaboration records of each firm, in the order of ``firms``."""
    index = {f.siren: i for i, f in enumerate(firms)}
    degrees = [0] * len(index)
    for c in collaborations:
        degrees[index[c.firm_a]] += 1
        degrees[index[c.firm_b]] += 1
    return degrees


# --- files ----------------------------------------------------------------------------------


def _firm_json(firm: Firm) -> dict[str, Any]:
    return firm.model_dump(mode="json", exclude={"is_sme"})


def write_dataset(
    firms: Sequence[Firm],
    collaborations: Sequence[Collaboration],
    out_dir: Path,
    *,
    comment: str | None = None,
    indent: int | None = None,
) -> None:
    """Write ``out_dir/firms.json`` as ``{"firms": [...], "collaborations": [...]}``, atomically.

    The file is written to a temporary file in ``out_dir`` then renamed over the target, so a
    reader never sees a half-written file. Without ``indent`` it is streamed one record per
    line (memory stays flat at national scale); ``comment`` becomes a leading ``_comment`` key.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "firms.json"
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed on success
        "w", encoding="utf-8", dir=out_dir, prefix=".firms-", suffix=".json.tmp", delete=False
    )
    try:
        with handle:
            if indent is not None:
                document: dict[str, Any] = {} if comment is None else {"_comment": comment}
                document["firms"] = [_firm_json(f) for f in firms]
                document["collaborations"] = [c.model_dump(mode="json") for c in collaborations]
                json.dump(document, handle, ensure_ascii=False, indent=indent)
                handle.write("\n")
            else:
                handle.write("{")
                if comment is not None:
                    handle.write(f'"_comment": {json.dumps(comment, ensure_ascii=False)},\n')
                handle.write('"firms": [\n')
                _write_records(handle, (_firm_json(f) for f in firms))
                handle.write('],\n"collaborations": [\n')
                _write_records(handle, (c.model_dump(mode="json") for c in collaborations))
                handle.write("]}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)  # mkstemp creates 0600; a dataset is meant to be shared
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _write_records(handle: Any, records: Iterable[dict[str, Any]]) -> None:
    separator = ""
    for record in records:
        handle.write(separator)
        handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        separator = ",\n"
    if separator:
        handle.write("\n")


def read_dataset(path: Path) -> tuple[list[Firm], list[Collaboration]]:
    """Load and validate a dataset written by :func:`write_dataset` (a directory or the file)."""
    path = Path(path)
    if path.is_dir():
        path = path / "firms.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    firms = [Firm.model_validate(item) for item in document.get("firms", [])]
    collaborations = [Collaboration.model_validate(c) for c in document.get("collaborations", [])]
    return firms, collaborations
