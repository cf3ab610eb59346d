"""The synthetic population generator (graph.synth) and the sector profiles (graph.sectors)."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from meute.graph import cpv
from meute.graph.model import (
    Collaboration,
    CollaborationKind,
    ExportMaturity,
    Firm,
    HeadcountBand,
    Region,
    luhn_valid,
)
from meute.graph.sectors import PLACE_NAMES, SECTORS, SECTORS_BY_KEY, national_shares
from meute.graph.synth import (
    METROPOLITAN_REGIONS,
    SynthConfig,
    degree_counts,
    generate,
    generate_population,
    read_dataset,
    write_dataset,
)

ROOT = Path(__file__).resolve().parents[2]
NAF_CODES = {entry["id"] for entry in json.loads((ROOT / "fixtures" / "naf_rev2.json").read_text())}
POPULATION = 5_000


@pytest.fixture(scope="module")
def population() -> tuple[list[Firm], list[Collaboration]]:
    return generate(POPULATION, seed=11)


# --- sectors --------------------------------------------------------------------------------


def test_sector_cpv_codes_exist_with_their_check_digit() -> None:
    for sector in SECTORS:
        assert len(set(sector.cpv_codes)) == len(sector.cpv_codes), sector.key
        for code, weight in sector.cpv:
            assert cpv.format_code(cpv.normalise(code)) == code, (sector.key, code)
            assert weight > 0


def test_sector_profiles_are_complete() -> None:
    assert 12 <= len(SECTORS) <= 20
    assert len(SECTORS_BY_KEY) == len(SECTORS)
    assert sum(national_shares()) == pytest.approx(1.0)
    for sector in SECTORS:
        assert sector.label_fr and sector.label_en and sector.name_heads
        assert all(naf in NAF_CODES for naf in sector.naf), sector.key
        assert all(0 < p <= 1 for _, p in sector.certifications), sector.key
        assert all(key in SECTORS_BY_KEY and key != sector.key for key in sector.complements)
        for template in sector.descriptions_fr:
            assert template.format(spec="x", spec2="y", region="z")
        assert sector.descriptions_en
    assert set(PLACE_NAMES) == set(Region)


def test_generic_sectors_outweigh_health_nationally() -> None:
    shares = dict(zip((s.key for s in SECTORS), national_shares(), strict=True))
    health = sum(shares[s.key] for s in SECTORS if s.health)
    assert 0.1 < health < 0.35
    assert {"it_services", "consulting", "agrifood", "industrial_machinery"} <= set(shares)


# --- generator ------------------------------------------------------------------------------


def test_generation_is_deterministic_for_a_seed_and_differs_across_seeds() -> None:
    first = generate(400, seed=5)
    assert generate(400, seed=5) == first
    other = generate(400, seed=6)
    assert {f.siren for f in other[0]} != {f.siren for f in first[0]}
    assert [f.name for f in other[0]] != [f.name for f in first[0]]


def _digest_in_subprocess(hash_seed: str) -> str:
    code = (
        "import hashlib, json; from graph.synth import generate; "
        "firms, links = generate(300, seed=4); "
        "text = json.dumps([f.model_dump(mode='json') for f in firms] "
        "+ [c.model_dump(mode='json') for c in links], sort_keys=True); "
        "print(hashlib.sha256(text.encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_generation_does_not_depend_on_string_hashing() -> None:
    assert _digest_in_subprocess("1") == _digest_in_subprocess("2")


def test_fast_path_equals_full_validation() -> None:
    fast = generate(1_500, seed=3)
    assert generate(1_500, seed=3, validate=True) == fast


def test_every_generated_model_passes_full_validation(
    population: tuple[list[Firm], list[Collaboration]],
) -> None:
    firms, collaborations = population
    for firm in firms:
        assert Firm.model_validate(firm.model_dump(exclude={"is_sme"})) == firm
    for collaboration in collaborations:
        assert Collaboration.model_validate(collaboration.model_dump()) == collaboration


def test_sirens_are_unique_and_luhn_valid(
    population: tuple[list[Firm], list[Collaboration]],
) -> None:
    sirens = [f.siren for f in population[0]]
    assert len(set(sirens)) == POPULATION
    assert all(len(s) == 9 and s.isdigit() and luhn_valid(s) for s in sirens)


def test_names_are_unique(population: tuple[list[Firm], list[Collaboration]]) -> None:
    names = [f.name for f in population[0]]
    assert len(set(names)) == len(names)


def test_distributions_are_plausible(population: tuple[list[Firm], list[Collaboration]]) -> None:
    firms = population[0]
    assert sum(f.is_sme for f in firms) / POPULATION > 0.85
    regions = Counter(f.region for f in firms)
    assert set(METROPOLITAN_REGIONS) <= set(regions)
    assert 0.20 < regions[Region.IDF] / POPULATION < 0.35
    assert regions[Region.IDF] == max(regions.values())
    bands = Counter(f.headcount for f in firms)
    assert 0.45 < bands[HeadcountBand.MICRO] / POPULATION < 0.65
    assert (
        bands[HeadcountBand.LARGE] < bands[HeadcountBand.INTERMEDIATE] < bands[HeadcountBand.MEDIUM]
    )
    maturity = Counter(f.maturity for f in firms)
    beginners = maturity[ExportMaturity.FIRST_TIME] + maturity[ExportMaturity.OCCASIONAL]
    assert beginners / POPULATION > 0.6 and maturity[ExportMaturity.ACCREDITED] > 0
    countries = Counter(c for f in firms for c in f.export_countries)
    assert {"CI", "SN", "MA", "TN", "DE", "BE", "AE"} <= set(countries)
    assert all(f.languages[0] == "fr" for f in firms)
    assert all(1 <= len(f.capabilities) <= 6 for f in firms)
    assert all(f.naf in NAF_CODES for f in firms)


def test_turnover_follows_headcount(population: tuple[list[Firm], list[Collaboration]]) -> None:
    by_band: dict[HeadcountBand, list[float]] = {}
    for firm in population[0]:
        if firm.turnover_eur is not None:
            by_band.setdefault(firm.headcount, []).append(firm.turnover_eur)
    medians = [statistics.median(by_band[band]) for band in HeadcountBand]
    assert medians == sorted(medians)
    assert medians[0] < 2e6 and medians[-1] > 5e8


def test_collaboration_graph_is_heavy_tailed(
    population: tuple[list[Firm], list[Collaboration]],
) -> None:
    firms, collaborations = population
    degrees = degree_counts(firms, collaborations)
    assert 1.5 <= sum(degrees) / POPULATION <= 3.0
    assert max(degrees) >= 15 * max(1.0, statistics.median(degrees))
    known = {f.siren for f in firms}
    assert len({c.key for c in collaborations}) == len(collaborations)
    for c in collaborations:
        assert c.firm_a < c.firm_b and {c.firm_a, c.firm_b} <= known
        assert 2010 <= c.year <= 2026 and c.source == "synthetic"
    assert {c.kind for c in collaborations} == set(CollaborationKind)


def test_side_lines_hold_few_contracts() -> None:
    # A code borrowed from a complementary sector is a side line: a builder that once fitted
    # hospital furniture must not read as a furniture maker (it claimed a pavilion's imaging
    # theme with 93 furniture contracts).
    result = generate_population(3_000, seed=2)
    side: list[int] = []
    trade: list[int] = []
    for firm, key in zip(result.firms, result.sectors, strict=True):
        own = {cpv.normalise(code) for code in SECTORS_BY_KEY[key].cpv_codes}
        for rank, capability in enumerate(firm.capabilities):
            if capability.cpv not in own:
                side.append(capability.contracts)
            elif rank > 0:
                trade.append(capability.contracts)
    assert len(side) > 100
    assert 0.1 < statistics.mean(side) / statistics.mean(trade) < 0.35


def test_leaders_and_configuration() -> None:
    config = SynthConfig(
        sectors=(SECTORS_BY_KEY["energy"], SECTORS_BY_KEY["training"]),
        sector_weights=(1.0, 3.0),
        leaders={"energy": 2},
        email_share=1.0,
        turnover_missing=0.0,
    )
    result = generate_population(40, seed=1, config=config)
    assert Counter(result.sectors) == {"energy": 10, "training": 30}
    energy = [f for f, key in zip(result.firms, result.sectors, strict=True) if key == "energy"]
    assert sum((f.turnover_eur or 0) > 100e6 for f in energy) >= 2
    assert all(f.contact_email and f.contact_email.endswith("@example.fr") for f in result.firms)


def test_edge_sizes() -> None:
    assert generate(0) == ([], [])
    firms, collaborations = generate(1)
    assert len(firms) == 1 and collaborations == []
    with pytest.raises(ValueError, match="non-negative"):
        generate(-1)


# --- files ----------------------------------------------------------------------------------


def test_write_dataset_round_trips(tmp_path: Path) -> None:
    firms, collaborations = generate(300, seed=2)
    write_dataset(firms, collaborations, tmp_path / "out")
    path = tmp_path / "out" / "firms.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert set(document) == {"firms", "collaborations"}
    assert all("is_sme" not in item for item in document["firms"])
    assert [Firm.model_validate(item) for item in document["firms"]] == firms
    assert [Collaboration.model_validate(c) for c in document["collaborations"]] == collaborations
    assert read_dataset(tmp_path / "out") == (firms, collaborations)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["firms.json"]


def test_write_dataset_with_comment_and_indent(tmp_path: Path) -> None:
    firms, collaborations = generate(20, seed=2)
    write_dataset(firms, collaborations, tmp_path, comment="SYNTHETIC", indent=1)
    document = json.loads((tmp_path / "firms.json").read_text(encoding="utf-8"))
    assert list(document) == ["_comment", "firms", "collaborations"]
    assert read_dataset(tmp_path / "firms.json") == (firms, collaborations)


class _Exploding:
    """A sequence of firms that fails half-way through being written."""

    def __init__(self, firms: list[Firm]) -> None:
        self.firms = firms

    def __len__(self) -> int:
        return len(self.firms)

    def __getitem__(self, index: int) -> Firm:
        return self.firms[index]

    def __iter__(self) -> Iterator[Firm]:
        yield self.firms[0]
        raise RuntimeError("disk on fire")


def test_write_dataset_is_atomic(tmp_path: Path) -> None:
    firms, collaborations = generate(30, seed=9)
    write_dataset(firms, collaborations, tmp_path)
    before = hashlib.sha256((tmp_path / "firms.json").read_bytes()).hexdigest()
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_dataset(_Exploding(firms), collaborations, tmp_path)  # type: ignore[arg-type]
    assert hashlib.sha256((tmp_path / "firms.json").read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir()] == ["firms.json"]


def test_generation_leaves_no_cyclic_garbage() -> None:
    """Generation pauses the cyclic collector: any reference cycle it leaves stays in memory until
    the end (a model default built under ``model_construct`` once made 150,000 firms peak at
    21 GB), so it must leave none.
    """
    gc.collect()
    gc.disable()
    try:
        firms, _ = generate(300, seed=3)
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert all(capability.awards == [] for firm in firms for capability in firm.capabilities)
