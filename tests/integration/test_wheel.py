"""The built wheel, as a user installs it: one top-level package, ``meute``, that lives beside
PyPI's packages with the names of the repository's folders (``fixtures``, ``api``; ``graph`` is
installed too when PyPI serves it). Needs the network (PyPI), as ``pip install`` does.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMESAKES = ("fixtures", "api", "graph")


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def test_the_wheel_installs_one_package_beside_its_namesakes(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-q", "-w", dist, cwd=tmp_path)
    wheel = next(dist.glob("meute-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"meute"}
    assert "meute/py.typed" in names

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    namesakes = []
    for name in NAMESAKES:  # what PyPI serves under these names, installed first
        installed = subprocess.run(
            [python, "-m", "pip", "install", "-q", name], capture_output=True, timeout=900
        )
        if installed.returncode == 0:
            namesakes.append(name)
    assert "fixtures" in namesakes  # the test library whose install broke Meute's data
    _run(python, "-m", "pip", "install", "-q", wheel, cwd=tmp_path)

    env = {"MEUTE_DATA_DIR": str(tmp_path / "data"), "PATH": f"{venv / 'bin'}:/usr/bin:/bin"}
    demo = _run(venv / "bin" / "meute", "demo", "--top", "1", cwd=tmp_path, env=env)
    assert "#1" in demo and "leader" in demo
    shown = _run(python, "-m", "meute", "--version", cwd=tmp_path, env=env)
    assert shown == f"meute {version('meute')}\n"
    # the namesakes are still theirs, not Meute's
    probe = (
        "import importlib, sys; print(*[importlib.import_module(n).__file__ for n in sys.argv[1:]])"
    )
    files = _run(python, "-c", probe, *namesakes, cwd=tmp_path).split()
    assert len(files) == len(namesakes)
    assert all("/meute/" not in file for file in files)
