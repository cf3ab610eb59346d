"""Reading DECP award data: hand-written records with each known defect, and the real files."""

from __future__ import annotations

import json
import math
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from meute.graph.decp import (
    DecpImport,
    co_winning_kind,
    department_of,
    read_decp,
    region_of_place,
    repair_text,
)
from meute.graph.errors import InvalidInput
from meute.graph.model import (
    MAX_TEXT,
    CollaborationKind,
    HeadcountBand,
    Region,
    luhn_valid,
    public_body,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "decp"
INFO = FIXTURES / "decp_marches-publics.info_2019-03-07.json.zip"
EMP = FIXTURES / "decp_e-marchespublics_2019-04-03.json.zip"


def siren(prefix: str) -> str:
    """A valid SIREN: the 8-digit prefix followed by its Luhn check digit."""
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


A, B, C, D, E = (siren(p) for p in ("32345678", "41122334", "50011122", "61234987", "79876543"))


def titulaire(number: str, name: str = "ACME", nic: str = "00017") -> dict[str, str]:
    return {"typeIdentifiant": "SIRET", "id": number + nic, "denominationSociale": name}


def record(record_id: str = "2019M001", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": record_id,
        "acheteur": {"id": "21690123100011", "nom": "Ville de Lyon"},
        "nature": "Marché",
        "objet": "Construction d'un groupe scolaire",
        "codeCPV": "45214200-2",
        "procedure": "Procédure adaptée",
        "lieuExecution": {"code": "69003", "typeCode": "Code postal", "nom": "Lyon"},
        "dureeMois": 12,
        "dateNotification": "2019-01-15",
        "datePublicationDonnees": "2019-01-20",
        "montant": 120000,
        "formePrix": "Ferme",
        "titulaires": [titulaire(A, "ALPHA BTP")],
        "modifications": [],
    }
    base.update(overrides)
    return base


def write(tmp_path: Path, records: Any, name: str = "decp.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"marches": records}, ensure_ascii=False), encoding="utf-8")
    return path


def read(tmp_path: Path, *records: dict[str, Any]) -> DecpImport:
    return read_decp([write(tmp_path, list(records))])


def firm(result: DecpImport, number: str) -> Any:
    return next(f for f in result.firms if f.siren == number)


# --- a clean record ----------------------------------------------------------------------------


def test_a_record_gives_a_firm_a_capability_a_buyer_and_a_contract(tmp_path: Path) -> None:
    result = read(tmp_path, record())

    assert result.report.read == result.report.used == 1
    assert result.report.rejected == 0
    [alpha] = result.firms
    assert (alpha.siren, alpha.name, alpha.region) == (A, "ALPHA BTP", Region.AURA)
    [capability] = alpha.capabilities
    assert capability.cpv == "45214200"
    assert capability.contracts == 1
    assert capability.amount_eur == 120000
    assert capability.last_date is not None and capability.last_date.isoformat() == "2019-01-15"
    assert capability.strength == pytest.approx(1 - math.exp(-1 / 3), abs=1e-4)
    assert alpha.headcount == HeadcountBand.MICRO
    assert "groupe scolaire" in alpha.description
    [buyer] = result.buyers
    assert (buyer.id, buyer.name, buyer.contracts) == ("21690123100011", "Ville de Lyon", 1)
    [contract] = result.contracts
    assert contract.winners == (A,)
    assert contract.cpv == "45214200"
    assert contract.kind is None
    assert result.collaborations == []


def test_establishments_of_one_siren_merge_into_one_firm(tmp_path: Path) -> None:
    result = read(
        tmp_path,
        record("R1", titulaires=[titulaire(A, "ALPHA BTP", nic="00017")]),
        record("R2", titulaires=[titulaire(A, "ALPHA BTP LYON", nic="00025")], codeCPV="45000000"),
        record("R3", titulaires=[titulaire(A, "ALPHA BTP", nic="00033")]),
    )

    [alpha] = result.firms
    assert alpha.name == "ALPHA BTP"  # the most frequent variant
    assert {c.cpv: c.contracts for c in alpha.capabilities} == {"45214200": 2, "45000000": 1}
    assert alpha.headcount == HeadcountBand.MEDIUM  # 3 establishments


# --- known defects -----------------------------------------------------------------------------


def test_spaces_and_dots_in_ids_are_removed(tmp_path: Path) -> None:
    spaced = f" {A[:3]} {A[3:6]} {A[6:]} 000 17 "
    dotted = f"{B[:3]}.{B[3:6]}.{B[6:]}"
    winners = [
        {"typeIdentifiant": "SIRET", "id": spaced, "denominationSociale": "ALPHA"},
        {"typeIdentifiant": "SIRET", "id": dotted, "denominationSociale": "BETA"},
    ]
    result = read(tmp_path, record(titulaires=winners))

    assert [f.siren for f in result.firms] == sorted([A, B])
    assert result.report.repaired == 1
    assert any("spaces or dots removed" in line for line in result.report.repairs)


def test_a_siren_failing_luhn_is_rejected_with_the_reason(tmp_path: Path) -> None:
    bad = A[:8] + str((int(A[8]) + 1) % 10)
    assert not luhn_valid(bad)
    result = read(
        tmp_path,
        record("ONLYBAD", titulaires=[titulaire(bad)]),
        record("MIXED", titulaires=[titulaire(bad), titulaire(B, "BETA")]),
    )

    assert result.report.rejected == 1
    assert result.report.rejections == [
        f"record ONLYBAD: no winner with a valid French SIREN: winner '{bad}00017': "
        f"SIREN {bad} fails the Luhn check"
    ]
    assert [f.siren for f in result.firms] == [B]  # the mixed record keeps its valid winner
    assert any(w.startswith("record MIXED:") and "Luhn" in w for w in result.report.warnings)


def test_foreign_and_placeholder_winners_are_not_firms(tmp_path: Path) -> None:
    winners = [
        {"typeIdentifiant": "TVA", "id": "DE243659508", "denominationSociale": "GmbH"},
        {"typeIdentifiant": "HORS-UE", "id": "USCOLUMBIAARTISTSM", "denominationSociale": "US"},
        {"typeIdentifiant": "SIRET", "id": "00000000000000", "denominationSociale": "?"},
        {"typeIdentifiant": "TVA", "id": f"FR12{C}", "denominationSociale": "GAMMA"},
    ]
    result = read(tmp_path, record(titulaires=winners))

    assert [f.siren for f in result.firms] == [C]  # a French VAT number holds the SIREN
    assert len(result.report.warnings) == 3


def test_odd_identifier_lengths_keep_the_siren(tmp_path: Path) -> None:
    winners = [
        {"typeIdentifiant": "SIRET", "id": A, "denominationSociale": "SIREN ONLY"},
        {"typeIdentifiant": "SIRET", "id": B + "000017", "denominationSociale": "15 DIGITS"},
    ]
    result = read(tmp_path, record(titulaires=winners))

    assert [f.siren for f in result.firms] == sorted([A, B])


def test_duplicate_winners_are_counted_once(tmp_path: Path) -> None:
    winners = [titulaire(A, "ALPHA"), titulaire(A, "ALPHA"), titulaire(A, "OTHER", nic="00099")]
    result = read(tmp_path, record(titulaires=winners))

    [contract] = result.contracts
    assert contract.winners == (A,)
    assert result.firms[0].name == "ALPHA"
    assert result.collaborations == []
    assert sum("listed twice" in line for line in result.report.repairs) == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("45214200-2", "45214200"),
        ("45214200", "45214200"),
        (" 45 214 200 - 2 ", "45214200"),
        ("452142002", "45214200"),
        ("45214200-7", "45214200"),  # wrong check digit: the 8 digits are kept (repaired)
        ("3111000", "03111000"),  # lost its leading zero
        ("4543100-7", "45431000"),  # lost a trailing zero; the check digit tells which
    ],
)
def test_cpv_code_forms(tmp_path: Path, raw: str, expected: str) -> None:
    result = read(tmp_path, record(codeCPV=raw))

    assert result.contracts[0].cpv == expected
    assert [c.cpv for c in result.firms[0].capabilities] == [expected]


def test_a_code_absent_from_cpv_2008_is_reported_and_co_winning_kept(tmp_path: Path) -> None:
    result = read(tmp_path, record(codeCPV="50312500-0", titulaires=[titulaire(A), titulaire(B)]))

    assert result.contracts[0].cpv is None
    assert all(f.capabilities == [] for f in result.firms)
    assert len(result.collaborations) == 1
    assert any("'50312500-0' is not in CPV 2008" in w for w in result.report.warnings)


@pytest.mark.parametrize("amount", [0, -5, 1e12, 999999999, "n/a", None])
def test_zero_or_absurd_amounts_count_as_zero(tmp_path: Path, amount: Any) -> None:
    result = read(tmp_path, record(montant=amount))

    assert result.contracts[0].amount == 0
    assert result.firms[0].capabilities[0].amount_eur == 0
    assert result.report.repaired == 1
    assert any("amount" in line for line in result.report.repairs)


def test_an_amount_written_as_french_text_is_read(tmp_path: Path) -> None:
    result = read(tmp_path, record(montant="12 500,50"))

    assert result.contracts[0].amount == 12500.5


def test_missing_fields_do_not_crash(tmp_path: Path) -> None:
    bare = {"id": "BARE", "titulaires": [{"id": A + "00017"}]}
    result = read(tmp_path, bare)

    assert result.report.used == 1
    [alpha] = result.firms
    assert alpha.name == f"SIREN {A}"
    assert alpha.region == Region.IDF  # nothing known: the documented fallback
    assert result.unlocated == [A]
    assert alpha.capabilities == []
    [contract] = result.contracts
    assert (contract.date, contract.cpv, contract.amount, contract.buyer) == (None, None, 0, None)
    assert result.buyers == []


@pytest.mark.parametrize("raw", ["2019-02-30", "hier", "15/13/2019", 20190115, ""])
def test_unparsable_dates_are_left_unknown(tmp_path: Path, raw: Any) -> None:
    result = read(tmp_path, record(dateNotification=raw, titulaires=[titulaire(A), titulaire(B)]))

    [contract] = result.contracts
    assert contract.date is None
    assert contract.year == 2019  # from datePublicationDonnees
    assert result.firms[0].capabilities[0].last_date is None
    assert [c.year for c in result.collaborations] == [2019]


def test_dates_with_a_timezone_or_in_french_order_are_read(tmp_path: Path) -> None:
    result = read(
        tmp_path,
        record("R1", dateNotification="2019-01-22+01:00"),
        record("R2", dateNotification="23/01/2019"),
    )

    assert [c.date.isoformat() if c.date else None for c in result.contracts] == [
        "2019-01-22",
        "2019-01-23",
    ]


# --- accents -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("SOCIÃ‰TÃ‰ GÃ‰NÃ‰RALE", "SOCIÉTÉ GÉNÉRALE"),  # cp1252 reading
        ("CrÃ©ation de lâ€™Ã©cole", "Création de l’école"),
        ("Ã©tÃ© and déjà", "été and déjà"),  # mixed: correct accents are kept
        ("ÃƒÂ©tÃƒÂ©", "été"),  # encoded twice
        ("BÂTIMENT PÔLE", "BÂTIMENT PÔLE"),  # correct capitals untouched
        ("qualité de l?air", "qualité de l'air"),  # lost apostrophe
        ("mise en ?uvre", "mise en œuvre"),
        ("  two   spaces \n ", "two spaces"),
        ("Is it? Yes", "Is it? Yes"),
    ],
)
def test_repair_text(broken: str, fixed: str) -> None:
    assert repair_text(broken) == fixed


def test_broken_accents_are_repaired_in_names_and_objets(tmp_path: Path) -> None:
    result = read(
        tmp_path,
        record("R1", titulaires=[titulaire(A, "SOCIÃ‰TÃ‰ DES EAUX")], objet="RÃ©seau dâ€™eau"),
        record("R2", titulaires=[titulaire(A, "Société des eaux")]),
        record("R3", titulaires=[titulaire(A, "SOCIÉTÉ DES EAUX")]),
    )

    [alpha] = result.firms
    assert alpha.name == "SOCIÉTÉ DES EAUX"  # same firm whatever the case: most frequent form
    assert "Réseau d’eau" in alpha.description
    assert result.contracts[0].objet == "Réseau d’eau"
    assert result.report.repaired == 1
    assert sum("broken accents" in line for line in result.report.repairs) == 2


# --- co-winning --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nature", "winners", "kind"),
    [
        ("Marché", 2, CollaborationKind.JOINT_BID),
        ("Marché", 4, CollaborationKind.JOINT_BID),
        ("Marché subséquent", 3, CollaborationKind.JOINT_BID),
        ("MARCHE", 2, CollaborationKind.JOINT_BID),
        ("Concession de service", 2, CollaborationKind.JOINT_BID),
        ("Marché", 5, CollaborationKind.CO_AWARD),
        ("Accord-cadre", 2, CollaborationKind.CO_AWARD),
        ("Accord cadre", 3, CollaborationKind.CO_AWARD),
        ("", 2, CollaborationKind.CO_AWARD),
        ("Marché", 1, None),
    ],
)
def test_co_winning_kind(nature: str, winners: int, kind: CollaborationKind | None) -> None:
    assert co_winning_kind(nature, winners) == kind


def test_a_public_body_winner_is_neither_a_firm_nor_a_partner(tmp_path: Path) -> None:
    town_hall = siren("21750001")  # INSEE numbers public bodies from 1 or 2
    result = read(
        tmp_path,
        record(
            "JOINT", titulaires=[titulaire(town_hall, "MAIRIE DE X"), titulaire(A), titulaire(B)]
        ),
    )

    assert sorted(f.siren for f in result.firms) == sorted([A, B])
    assert [(c.firm_a, c.firm_b) for c in result.collaborations] == [tuple(sorted([A, B]))]
    assert result.contracts[0].winners == (town_hall, A, B)  # the contract itself is kept
    assert [w for w in result.report.warnings if town_hall in w] == [
        f"winner {town_hall} (MAIRIE DE X): a public body (its SIREN starts with 1 or 2), "
        "not a firm to propose"
    ]


def test_the_real_award_files_name_public_bodies_that_are_not_firms() -> None:
    result = read_decp([INFO, EMP, FIXTURES / "decp_2024H2_travaux_cpv4521_filtered.csv.gz"])
    public = [w for w in result.report.warnings if "a public body" in w]
    assert any("VILLE DE PARIS" in w for w in public) and len(public) >= 5
    assert not any(public_body(f.siren) for f in result.firms)


def test_joint_bid_and_co_award_collaborations(tmp_path: Path) -> None:
    result = read(
        tmp_path,
        record("JOINT", titulaires=[titulaire(A), titulaire(B)]),
        record(
            "FRAME",
            nature="Accord-cadre",
            dateNotification="2018-06-01",
            titulaires=[titulaire(A), titulaire(C)],
        ),
        record("MANY", titulaires=[titulaire(n) for n in (A, B, C, D, E)]),
    )

    by_source = Counter((c.source, c.kind) for c in result.collaborations)
    assert by_source == {
        ("decp:JOINT", CollaborationKind.JOINT_BID): 1,
        ("decp:FRAME", CollaborationKind.CO_AWARD): 1,
        ("decp:MANY", CollaborationKind.CO_AWARD): 10,  # 5 winners: every pair
    }
    frame = next(c for c in result.collaborations if c.source == "decp:FRAME")
    assert (frame.firm_a, frame.firm_b, frame.year) == (*sorted([A, C]), 2018)


def test_a_joint_contract_splits_its_amount_between_winners(tmp_path: Path) -> None:
    result = read(tmp_path, record(montant=300000, titulaires=[titulaire(A), titulaire(B)]))

    assert [f.capabilities[0].amount_eur for f in result.firms] == [150000, 150000]


# --- bad records and bad files -----------------------------------------------------------------


def test_a_bad_record_is_reported_and_skipped_the_others_kept(tmp_path: Path) -> None:
    result = read(
        tmp_path,
        record("GOOD1"),
        "not a record",  # type: ignore[arg-type]
        record("NOWINNER", titulaires=[]),
        record("GOOD2", titulaires=[titulaire(B)]),
        {"titulaires": None},
    )

    assert (result.report.read, result.report.used, result.report.rejected) == (5, 2, 3)
    assert result.report.rejections == [
        "record #2: not a JSON object",
        "record NOWINNER: no winner (titulaires missing or empty)",
        "record #5: no winner (titulaires missing or empty)",
    ]
    assert [c.id for c in result.contracts] == ["GOOD1", "GOOD2"]
    assert [f.siren for f in result.firms] == sorted([A, B])


def test_a_record_published_twice_is_used_once(tmp_path: Path) -> None:
    again = record(codeCPV="45214200", dateNotification="2019-01-15+01:00")
    result = read(tmp_path, record(), again)

    assert (result.report.used, result.report.rejected) == (1, 1)
    assert "duplicate" in result.report.rejections[0]
    assert result.firms[0].capabilities[0].contracts == 1


def test_lots_sharing_an_id_are_distinct_contracts(tmp_path: Path) -> None:
    result = read(tmp_path, record(montant=1000), record(montant=2000, titulaires=[titulaire(B)]))

    assert result.report.used == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"id;nom\n1;x\n", "not JSON"),
        (b"", "not JSON"),
        (b'{"records": []}', 'no top-level "marches"'),
        (b"[1, 2]", 'no top-level "marches"'),
        (b'{"marches": 3}', "not a list"),
    ],
)
def test_a_file_that_is_not_decp_raises_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "contracts.json"
    path.write_bytes(content)

    with pytest.raises(InvalidInput) as caught:
        read_decp([path])

    assert "contracts.json" in str(caught.value)
    assert message in str(caught.value)
    assert caught.value.problems[0].value == str(path)


def test_a_zip_without_exactly_one_json_raises(tmp_path: Path) -> None:
    path = tmp_path / "two.json.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.json", "{}")
        archive.writestr("b.json", "{}")

    with pytest.raises(InvalidInput, match=r"two\.json\.zip.*exactly one JSON"):
        read_decp([path])


def test_a_missing_or_broken_file_raises(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(EMP.read_bytes()[:30_000])  # truncated: the central directory is gone

    with pytest.raises(InvalidInput, match=r"absent\.json"):
        read_decp([tmp_path / "absent.json"])
    with pytest.raises(InvalidInput, match=r"broken\.zip.*broken zip archive"):
        read_decp([broken])


def test_zip_and_the_marche_variant_are_read(tmp_path: Path) -> None:
    path = tmp_path / "decp.json.zip"
    document = {"marches": {"marche": [record("Z1"), record("Z2", titulaires=[titulaire(B)])]}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("decp.json", json.dumps(document))
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"marches": {"marche": record("S1")}}), encoding="utf-8")

    result = read_decp([path, single])

    assert [r.read for r in result.files] == [2, 1]
    assert [c.id for c in result.contracts] == ["Z1", "Z2", "S1"]


# --- derived fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "department"),
    [
        ("69003", "69"),
        ("6901", "06"),  # postal code that lost its leading zero
        ("97439", "974"),
        ("20000", "2A"),
        ("2B033", "2B"),
        ("078", "78"),
        ("544", "54"),  # arrondissement
        ("33000", "33"),
        ("00", None),
        ("200068781", None),
        ("FR", None),
    ],
)
def test_department_of(code: str, department: str | None) -> None:
    assert department_of(code) == department


def test_region_of_place() -> None:
    assert region_of_place({"code": "85", "typeCode": "Code département"}) == Region.PDL
    assert region_of_place({"code": "84", "typeCode": "Code région"}) == Region.AURA
    assert region_of_place({"code": "82", "typeCode": "Code région"}) == Region.AURA  # pre-2016
    assert region_of_place({"code": "250", "typeCode": "Code pays"}) is None
    assert region_of_place(None) is None


def test_region_is_the_most_frequent_among_contracts(tmp_path: Path) -> None:
    nantes = {"code": "44000", "typeCode": "Code postal"}
    result = read(
        tmp_path,
        record("R1", lieuExecution=nantes),
        record("R2", lieuExecution=nantes),
        record("R3"),
    )

    assert result.firms[0].region == Region.PDL


def test_strength_grows_with_contracts_and_stays_in_range(tmp_path: Path) -> None:
    records = [record(f"R{i}", codeCPV="45214200") for i in range(6)]
    records.append(record("OTHER", codeCPV="71000000", montant=1000))
    result = read(tmp_path, *records)

    strengths = {c.cpv: c.strength for c in result.firms[0].capabilities}
    assert 0 < strengths["71000000"] < strengths["45214200"] < 1


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        (50_000, HeadcountBand.MICRO),
        (500_000, HeadcountBand.SMALL),
        (5_000_000, HeadcountBand.MEDIUM),
        (50_000_000, HeadcountBand.INTERMEDIATE),
        (500_000_000, HeadcountBand.LARGE),
    ],
)
def test_headcount_is_inferred_from_amounts_won(
    tmp_path: Path, amount: int, band: HeadcountBand
) -> None:
    assert read(tmp_path, record(montant=amount)).firms[0].headcount == band


def test_description_keeps_informative_objets_within_the_limit(tmp_path: Path) -> None:
    long_objets = [
        f"Lot {i} travaux " + " ".join(f"mot{i}x{j}" for j in range(120)) for i in range(12)
    ]
    records = [record(f"R{i}", objet=objet) for i, objet in enumerate(long_objets)]
    records.append(record("SHORT", objet="Numéro de la consultation : 18A069 Peinture"))
    records.append(record("ID", objet="18A069"))
    result = read(tmp_path, *records)

    description = result.firms[0].description
    assert 0 < len(description) <= MAX_TEXT
    assert "18A069" not in description  # consultation numbers carry no meaning


# --- the real DECP files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> tuple[DecpImport, float]:
    started = time.perf_counter()
    result = read_decp([INFO, EMP])
    return result, time.perf_counter() - started


def raw_records(path: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as archive:
        records: list[dict[str, Any]] = json.loads(archive.read(archive.namelist()[0]))["marches"]
    return records


def test_real_files_are_read_whole(real: tuple[DecpImport, float]) -> None:
    result, seconds = real

    counts = {r.source: (r.read, r.used, r.rejected) for r in result.files}
    assert counts == {INFO.name: (4509, 4475, 34), EMP.name: (470, 466, 4)}
    for report in [*result.files, result.report]:
        assert report.used + report.rejected == report.read
        assert len(report.rejections) == report.rejected
        assert all(line.startswith("record ") for line in report.rejections)
    assert len(result.contracts) == result.report.used
    assert seconds < 30


def test_real_multi_winner_contracts(real: tuple[DecpImport, float]) -> None:
    result, _ = real

    raw = [sum(len(r.get("titulaires") or []) >= 2 for r in raw_records(p)) for p in (INFO, EMP)]
    assert raw == [224, 34]  # as fixtures/SOURCES.md says
    # With winners reduced to distinct valid SIRENs and republished records dropped:
    multi = Counter(c.file for c in result.contracts if len(c.winners) >= 2)
    assert multi == {INFO.name: 222, EMP.name: 33}
    kinds = Counter(c.kind for c in result.contracts if c.kind is not None)
    assert kinds == {CollaborationKind.CO_AWARD: 159, CollaborationKind.JOINT_BID: 96}


def test_real_firms_have_valid_sirens_and_evidence(real: tuple[DecpImport, float]) -> None:
    result, _ = real

    sirens = [f.siren for f in result.firms]
    assert len(sirens) == len(set(sirens)) > 3000
    assert all(len(s) == 9 and s.isdigit() and luhn_valid(s) for s in sirens)
    assert sirens == sorted(sirens)
    won = {s for c in result.contracts for s in c.winners}
    assert won == set(sirens) | {s for s in won if public_body(s)}  # public bodies: no firm
    assert all(0 < c.strength < 1 for f in result.firms for c in f.capabilities)
    assert sum(bool(f.capabilities) for f in result.firms) > 0.95 * len(sirens)
    assert all(c.firm_a in won and c.firm_b in won for c in result.collaborations)
    keys = [c.key for c in result.collaborations]
    assert len(keys) == len(set(keys))
    assert {c.kind for c in result.collaborations} == {
        CollaborationKind.JOINT_BID,
        CollaborationKind.CO_AWARD,
    }


def test_real_defects_are_reported(real: tuple[DecpImport, float]) -> None:
    result, _ = real
    report = result.report

    assert any("fails the Luhn check" in line for line in report.rejections)
    assert any("(TVA) is not a French firm" in line for line in report.rejections)
    assert any("duplicate" in line for line in report.rejections)
    assert any("listed twice" in line for line in report.repairs)
    assert any("spaces or dots removed" in line for line in report.repairs)
    assert any("amount" in line for line in report.repairs)
    assert any("wrong check digit" in line for line in report.repairs)
    assert any("not in CPV 2008" in line for line in report.warnings)


def test_real_reading_is_deterministic(real: tuple[DecpImport, float]) -> None:
    first, _ = real
    again = read_decp([INFO, EMP])

    assert [f.model_dump() for f in again.firms] == [f.model_dump() for f in first.firms]
    assert [c.model_dump() for c in again.collaborations] == [
        c.model_dump() for c in first.collaborations
    ]
    assert again.contracts == first.contracts
    assert again.buyers == first.buyers
    assert again.report == first.report
