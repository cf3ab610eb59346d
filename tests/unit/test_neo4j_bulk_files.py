"""The bulk path's CSV files and its refusals, without a server (graph/neo4j_bulk.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from meute.graph.errors import InvalidInput
from meute.graph.model import Collaboration, CollaborationKind, Firm
from meute.graph.neo4j_bulk import (
    ARRAY_DELIMITER,
    BulkImportRefused,
    check_local,
    write_import_files,
)
from meute.graph.synth import generate
from tests.unit.factories import make_firm, valid_siren


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_files_hold_the_firms_edges_and_arguments(tmp_path: Path) -> None:
    a = make_firm(
        valid_siren(1),
        ["71240000", ("45215140", 0.8)],
        naf="71.12B",
        certifications=["ISO 9001", "Qualibat"],
        description="Études\nstructure",
    )
    b = make_firm(valid_siren(2), ["45215140"], turnover_eur=None)
    known = Collaboration(
        firm_a=a.siren, firm_b=b.siren, kind=CollaborationKind.CO_AWARD, year=2020
    )
    stranger = Collaboration(
        firm_a=a.siren, firm_b=valid_siren(9), kind=CollaborationKind.JOINT_BID, year=2021
    )
    files = write_import_files(tmp_path, [a, b], [known, known, stranger])

    firms = _rows(tmp_path / "firm.csv")
    assert firms[0][0] == "siren:ID(Firm)" and "certification_keys:string[]" in firms[0]
    assert [row[0] for row in firms[1:]] == [a.siren, b.siren]
    keys = firms[1][firms[0].index("certification_keys:string[]")]
    assert keys.split(ARRAY_DELIMITER) == ["iso 9001", "qualibat"]
    assert firms[2][firms[0].index("turnover_eur:double")] == ""  # no property
    capabilities = _rows(tmp_path / "has_capability.csv")
    assert capabilities[1:] == [
        [a.siren, "71240000", "0.5", "0", "0.0"],
        [a.siren, "45215140", "0.8", "0", "0.0"],
        [b.siren, "45215140", "0.5", "0", "0.0"],
    ]
    assert _rows(tmp_path / "in_sector.csv")[1:] == [[a.siren, "71.12B"]]
    assert len(_rows(tmp_path / "collaborated.csv")) == 2  # header + the known one, once
    assert files.report.created == 3 and files.report.unchanged == 1
    assert len(files.report.rejected) == 1 and valid_siren(9) in files.report.rejected[0]
    arguments = (tmp_path / "import.args").read_text(encoding="utf-8").splitlines()
    assert f"--nodes=Firm={tmp_path / 'firm.csv'}" in arguments
    assert f"--relationships=HAS_CAPABILITY={tmp_path / 'has_capability.csv'}" in arguments
    assert "--multiline-fields=true" in arguments  # the description holds a newline
    assert files.nodes == len(_rows(tmp_path / "cpv.csv")) - 1 + 1 + 1 + 2  # CPV, gen., NAF, firms


def test_duplicate_firms_are_refused_before_any_file(tmp_path: Path) -> None:
    firm = make_firm(valid_siren(1), ["71240000"])
    with pytest.raises(InvalidInput, match="siren"):
        write_import_files(tmp_path / "out", [firm, firm])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("uri", "home", "port", "reason"),
    [
        ("bolt://db.example.org:7687", "/srv/neo4j", "7687", "local server"),
        ("bolt://127.0.0.1:17687", None, "17687", "MEUTE_NEO4J_HOME"),
        ("bolt://127.0.0.1:17687", "/srv/neo4j", None, "MEUTE_NEO4J_PORT"),
        ("bolt://localhost:17688", "/srv/neo4j", "17687", "another server"),
    ],
)
def test_only_the_local_server_of_the_configured_home_is_bulk_imported(
    uri: str, home: str | None, port: str | None, reason: str
) -> None:
    with pytest.raises(BulkImportRefused, match=reason):
        check_local(uri, "neo4j", home, port)


def test_the_local_server_passes() -> None:
    check_local("bolt://127.0.0.1:17687", "neo4j", "/srv/neo4j", "17687")
    with pytest.raises(BulkImportRefused, match="default database"):
        check_local("bolt://127.0.0.1:17687", "other", "/srv/neo4j", "17687")


def _synthetic_firms(count: int) -> list[Firm]:
    firms, _ = generate(count, seed=5)
    firms[3] = firms[3].model_copy(update={"description": "Deux\nlignes", "naf": None})
    return firms


@pytest.mark.parametrize("workers", [2, 3])
def test_files_written_in_parallel_are_those_of_one_process(tmp_path: Path, workers: int) -> None:
    firms = _synthetic_firms(101)
    collaborations = [
        Collaboration(firm_a=a.siren, firm_b=b.siren, kind=CollaborationKind.CO_AWARD, year=2021)
        for a, b in zip(firms[::2], firms[1::2], strict=False)
    ]
    serial = write_import_files(tmp_path / "serial", firms, collaborations, workers=1)
    parallel = write_import_files(tmp_path / "parallel", firms, collaborations, workers=workers)
    names = sorted(path.name for path in (tmp_path / "serial").iterdir())
    assert names == sorted(path.name for path in (tmp_path / "parallel").iterdir())
    for name in names:
        if name not in ("import.args", "generation.csv"):  # the directory, a fresh stamp
            assert (tmp_path / "serial" / name).read_bytes() == (
                tmp_path / "parallel" / name
            ).read_bytes(), name
    assert "--multiline-fields=true" in parallel.arguments
    assert (parallel.nodes, parallel.relationships) == (serial.nodes, serial.relationships)
    assert parallel.report == serial.report
    assert len(_rows(tmp_path / "parallel" / "firm.csv")) == 102


def test_a_bad_certification_is_refused_by_a_parallel_writer(tmp_path: Path) -> None:
    firms = _synthetic_firms(10)
    firms[7] = firms[7].model_copy(update={"certifications": [f"ISO{ARRAY_DELIMITER}9001"]})
    with pytest.raises(ValueError, match=firms[7].siren):
        write_import_files(tmp_path, firms, workers=2)
