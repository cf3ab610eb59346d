"""Reading SIRENE stock files: INSEE's national layouts, the real extract, malformed files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from meute.api.service import import_sirene
from meute.graph.embedded import EmbeddedStore
from meute.graph.errors import InvalidInput
from meute.graph.model import (
    CompanyCategory,
    Fact,
    FactSource,
    Firm,
    HeadcountBand,
    Region,
    provenance_of_all,
)
from meute.graph.sirene import ETABLISSEMENT_HEADER, UNITE_LEGALE_HEADER, read_sirene
from tests.unit.factories import valid_siren

SIRENE = Path(__file__).resolve().parents[2] / "fixtures" / "sirene"
EXTRACT = [
    SIRENE / "StockEtablissement_extract.csv.gz",
    SIRENE / "categorieEntreprise_by_siret.csv.gz",
]
ADECCO = "998823504"
TODAY = dt.date(2026, 12, 3)


def unit_row(siren: str, **values: str) -> dict[str, str]:
    return {"siren": siren, "etatAdministratifUniteLegale": "A"} | values


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def zipped(path: Path) -> Path:
    """The file as INSEE ships it: a zip holding the CSV."""
    archive = path.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(path, path.name)
    return archive


def inferred_firm(siren: str, name: str = "Firme DECP") -> Firm:
    return Firm(
        siren=siren,
        name=name,
        region=Region.IDF,
        headcount=HeadcountBand.SMALL,
        provenance=provenance_of_all(FactSource.DECP_INFERRED, dt.date(2024, 12, 31)),
    )


@pytest.fixture
def national(tmp_path: Path) -> tuple[list[str], list[Path]]:
    """Three legal units (a large one, a ceased SME, one not stored) and their establishments,
    zipped in INSEE's national layouts.
    """
    large, ceased, other = valid_siren(1), valid_siren(2), valid_siren(3)
    units = write_csv(
        tmp_path / "StockUniteLegale_utf8.csv",
        UNITE_LEGALE_HEADER,
        [
            unit_row(
                large,
                denominationUniteLegale="GRANDS TRAVAUX SA",
                activitePrincipaleUniteLegale="42.11Z",
                nomenclatureActivitePrincipaleUniteLegale="NAFRev2",
                trancheEffectifsUniteLegale="52",
                categorieEntreprise="GE",
                dateCreationUniteLegale="1960-05-02",
                nicSiegeUniteLegale="00012",
            ),
            unit_row(
                ceased,
                denominationUniteLegale="PETITE PLOMBERIE",
                activitePrincipaleUniteLegale="43.22A",
                nomenclatureActivitePrincipaleUniteLegale="NAFRev2",
                trancheEffectifsUniteLegale="11",
                categorieEntreprise="PME",
                etatAdministratifUniteLegale="C",
                nicSiegeUniteLegale="00020",
            ),
            unit_row(other, denominationUniteLegale="AILLEURS", categorieEntreprise="PME"),
        ],
    )
    establishments = write_csv(
        tmp_path / "StockEtablissement_utf8.csv",
        ETABLISSEMENT_HEADER,
        [
            {
                "siren": large,
                "nic": "00012",
                "siret": f"{large}00012",
                "etablissementSiege": "true",
                "codeCommuneEtablissement": "35238",
                "activitePrincipaleEtablissement": "42.11Z",
                "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
            },
            {
                "siren": large,
                "nic": "00030",
                "siret": f"{large}00030",
                "etablissementSiege": "false",
                "codeCommuneEtablissement": "13055",
                "activitePrincipaleEtablissement": "42.11Z",
                "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
            },
            {
                "siren": ceased,
                "nic": "00020",
                "siret": f"{ceased}00020",
                "etablissementSiege": "true",
                "codeCommuneEtablissement": "97411",
                "activitePrincipaleEtablissement": "43.22A",
                "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
            },
        ],
    )
    return [large, ceased, other], [zipped(units), zipped(establishments)]


def test_national_layouts_give_registry_facts(national: tuple[list[str], list[Path]]) -> None:
    (large, ceased, _other), paths = national
    firms, report = read_sirene(paths, {large, ceased}.__contains__)
    assert set(firms) == {large, ceased}
    big = firms[large]
    assert (big.name, big.naf, big.category, big.headcount) == (
        "GRANDS TRAVAUX SA",
        "42.11Z",
        CompanyCategory.GE,
        HeadcountBand.LARGE,
    )
    assert (big.region, big.creation_date, big.active) == (
        Region.BRETAGNE,
        dt.date(1960, 5, 2),
        True,
    )
    assert (firms[ceased].active, firms[ceased].region) == (False, Region.REUNION)
    assert (report.rows_read, report.rows_not_in_store, report.rows_not_head_office) == (6, 1, 1)


def test_import_enriches_stored_firms_idempotently(
    national: tuple[list[str], list[Path]],
) -> None:
    (large, ceased, _other), paths = national
    store = EmbeddedStore(None)
    store.upsert_firms([inferred_firm(large), inferred_firm(ceased)])
    report = import_sirene(store, paths, as_of=TODAY)
    assert (report.matched, report.updated, report.unchanged, report.created) == (2, 2, 0, 0)
    firm = store.get_firm(large)
    assert firm is not None and not firm.is_sme
    assert firm.source(Fact.SME).source is FactSource.SIRENE
    assert firm.source(Fact.REGION) == firm.source(Fact.NAF)
    assert firm.source(Fact.REGION).date == TODAY
    assert firm.source(Fact.MATURITY).source is FactSource.DECP_INFERRED  # not in the registry
    again = import_sirene(store, paths, as_of=TODAY + dt.timedelta(days=1))
    assert (again.matched, again.updated, again.unchanged) == (2, 0, 2)
    assert store.get_firm(large) == firm


def test_create_naf_creates_the_legal_units_of_those_activities(
    national: tuple[list[str], list[Path]],
) -> None:
    (large, ceased, _other), paths = national
    store = EmbeddedStore(None)
    report = import_sirene(store, paths, create_naf=["42.1"], as_of=TODAY)
    assert (report.created, report.matched) == (1, 0)
    created = store.get_firm(large)
    assert created is not None and created.name == "GRANDS TRAVAUX SA"
    assert created.source(Fact.NAME).source is FactSource.SIRENE
    assert created.source(Fact.TURNOVER).source.inferred
    assert store.get_firm(ceased) is None


def test_declared_facts_are_never_replaced_by_the_registry(
    national: tuple[list[str], list[Path]],
) -> None:
    (large, _, _), paths = national
    store = EmbeddedStore(None)
    store.upsert_firms([inferred_firm(large).model_copy(update={"provenance": {}})])
    declared = store.get_firm(large)
    assert declared is not None and declared.source(Fact.REGION).source is FactSource.DECLARED
    import_sirene(store, paths, as_of=TODAY)
    after = store.get_firm(large)
    assert after is not None
    assert (after.region, after.headcount) == (Region.IDF, HeadcountBand.SMALL)
    assert after.source(Fact.CATEGORY).source is FactSource.DECLARED


def test_the_real_extract_gives_adecco_its_registry_facts() -> None:
    firms, report = read_sirene(EXTRACT, {ADECCO, "056800659", "055501902"}.__contains__)
    adecco = firms[ADECCO]
    assert (adecco.category, adecco.activity, adecco.region) == (
        CompanyCategory.GE,
        "78.20Z",
        Region.AURA,
    )
    assert (firms["056800659"].category, firms["056800659"].region) == (
        CompanyCategory.GE,
        Region.PACA,
    )
    assert (firms["055501902"].category, firms["055501902"].activity) == (
        CompanyCategory.ETI,
        "28.22Z",
    )
    assert report.rows_read == 8_264 + 30_560
    assert report.rejected == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("categorieEntreprise", "TPE"),
        ("trancheEffectifsUniteLegale", "99"),
        ("etatAdministratifUniteLegale", "X"),
        ("activitePrincipaleUniteLegale", "4211Z"),
        ("dateCreationUniteLegale", "02/05/1960"),
    ],
)
def test_a_malformed_column_is_refused_naming_it_and_nothing_is_written(
    tmp_path: Path, column: str, value: str
) -> None:
    good, bad = valid_siren(1), valid_siren(2)
    path = write_csv(
        tmp_path / "StockUniteLegale.csv",
        UNITE_LEGALE_HEADER,
        [unit_row(good, categorieEntreprise="GE"), unit_row(bad, **{column: value})],
    )
    store = EmbeddedStore(None)
    store.upsert_firms([inferred_firm(good), inferred_firm(bad)])
    before = store.list_firms()
    with pytest.raises(InvalidInput) as raised:
        import_sirene(store, [path])
    assert raised.value.problems[0].field == column
    assert "StockUniteLegale.csv" in raised.value.detail and "line 3" in raised.value.detail
    assert store.list_firms() == before


def test_a_file_that_is_not_sirene_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "marches.csv"
    path.write_text("uid,montant\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        read_sirene([path], lambda siren: True)
    assert "marches.csv" in raised.value.detail
    assert raised.value.problems[0].field == "siren"
    no_key = write_csv(tmp_path / "etab.csv", ["codeCommuneEtablissement"], [])
    with pytest.raises(InvalidInput, match=r"etab\.csv") as missing:
        read_sirene([no_key], lambda siren: True)
    assert missing.value.problems[0].field == "siret"


def test_a_row_with_a_luhn_failing_siren_is_rejected_with_its_reason(tmp_path: Path) -> None:
    good = valid_siren(1)
    wrong = good[:8] + str((int(good[8]) + 1) % 10)
    path = write_csv(
        tmp_path / "ul.csv",
        UNITE_LEGALE_HEADER,
        [unit_row(good, categorieEntreprise="PME"), unit_row(wrong, categorieEntreprise="PME")],
    )
    firms, report = read_sirene([path], lambda siren: True)
    assert set(firms) == {good}
    assert report.rejected == 1
    assert report.rejections == [f"ul.csv line 3: SIREN {wrong} fails the Luhn check"]


def test_a_broken_row_is_refused_with_its_line(tmp_path: Path) -> None:
    text = io.StringIO()
    text.write(",".join(UNITE_LEGALE_HEADER) + "\n")
    text.write(valid_siren(1) + ",O\n")
    path = tmp_path / "ul.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 2"):
        read_sirene([path], lambda siren: True)
