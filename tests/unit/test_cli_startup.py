"""The CLI starts without loading what a command does not use, and says which store it uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from meute.api.cli import app

runner = CliRunner()
HEAVY = ("sklearn", "scipy", "fastapi", "neo4j", "openpyxl", "fpdf")
# Runs a command in a fresh interpreter and prints the heavy modules it imported.
PROBE = """
import sys
from typer.testing import CliRunner
from meute.api.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
assert result.exit_code == 0, result.output
print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & set(%r))))
"""


def _heavy_modules_loaded(data_dir: Path, *args: str) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), *args],
        capture_output=True,
        text=True,
        check=True,
        env={"MEUTE_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )
    return completed.stdout.split()


def test_help_and_keys_load_neither_the_matcher_nor_the_api(data_dir: Path) -> None:
    assert _heavy_modules_loaded(data_dir, "--help") == []
    assert _heavy_modules_loaded(data_dir, "keys", "list") == []
    create = ("keys", "create", "--role", "viewer", "--name", "V")
    assert _heavy_modules_loaded(data_dir, *create) == []
    # a command that matches does load them: the probe sees imports
    assert "sklearn" in _heavy_modules_loaded(data_dir, "demo", "--top", "1")


def test_keys_do_not_read_the_graph(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "graph.json").write_text("not a snapshot: reading it would fail")
    created = runner.invoke(app, ["keys", "create", "--role", "officer", "--name", "Claire"])
    assert created.exit_code == 0, created.output
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0 and "Claire" in listed.stdout
    assert runner.invoke(app, ["demo"]).exit_code != 0  # a command that reads firms does


def test_the_first_line_on_stderr_names_the_store(data_dir: Path) -> None:
    result = runner.invoke(app, ["keys", "list"])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == f"store: embedded store at {data_dir}"


def test_version_is_the_distribution_version() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"meute {version('meute')}\n"
