"""The README's commands work as written: each command of its "Using it" block and of its keys
block runs, in order, on a fresh data directory (placeholders filled, ``synth`` smaller).
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meute.api.cli import app
from meute.api.examples import PAVILION_EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def _block(heading: str) -> list[str]:
    """The commands of the first bash block after ``heading``, comments dropped."""
    section = README.split(f"\n{heading}\n", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    return [command for command in commands if command.startswith(".venv/bin/meute")]


def _args(command: str, values: dict[str, str]) -> list[str]:
    """The command's arguments, optional ``[...]`` parts included, placeholders filled."""
    command = re.sub(r"\[([^\]]+)\]", r"\1", command)
    args: list[str] = []
    for word in shlex.split(command)[1:]:
        word = values.get(word, word)
        args += sorted(str(p) for p in ROOT.glob(word)) if "*" in word else [word]
    return args


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve(args: list[str], data_dir: Path) -> None:
    """Run ``meute serve`` on a free port until ``/health/ready`` answers 200, then stop it."""
    port = str(_free_port())
    after = ["", *args[:-1]]  # the word before each argument
    args = [port if before == "--port" else arg for before, arg in zip(after, args, strict=True)]
    meute = Path(sys.executable).with_name("meute")
    env = {"MEUTE_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    log = data_dir.with_name("serve.log")
    with log.open("w") as stderr:
        server = subprocess.Popen([meute, *args], env=env, stdout=stderr, stderr=stderr)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready") as answer:
                    assert json.load(answer)["firms"] > 0
                    return
            except urllib.error.HTTPError as not_ready:
                not_ready.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"meute serve never became ready:\n{log.read_text()}")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("heading", ["## Using it", "## HTTP API, keys and roles"])
def test_every_readme_command_works(heading: str, data_dir: Path, tmp_path: Path) -> None:
    fair = tmp_path / "fair.json"
    fair.write_text(json.dumps(PAVILION_EXAMPLE), encoding="utf-8")
    values = {
        "TENDER.json": str(ROOT / "fixtures/showcase/tenders/bouake-hospital.json"),
        "SIREN": "302862370",
        "FAIR.json": str(fair),
        "pavillon.xlsx": str(tmp_path / "pavillon.xlsx"),
        "/tmp/national": str(tmp_path / "national"),
        "/tmp/national/firms.json": str(tmp_path / "national" / "firms.json"),
        "150000": "300",
    }
    if heading != "## Using it":  # the keys block runs on the showcase
        assert runner.invoke(app, ["demo", "--top", "1"]).exit_code == 0
    commands = _block(heading)
    assert len(commands) >= 5
    for command in commands:
        args = _args(command, values)
        if args[0] == "serve":
            _serve(args, data_dir)
            continue
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (command, result.output)
        created = re.search(r"created \w+ key (\w+)", result.stderr)
        if created:
            values["KEY_ID"] = created.group(1)
    assert (tmp_path / "pavillon.xlsx").exists() == (heading == "## Using it")
