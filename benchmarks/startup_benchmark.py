"""Start-up times, whole process, median of several runs: ``meute --help``, ``meute keys list``,
and ``meute serve`` until ``/health`` and until ``/health/ready`` answer.

    python benchmarks/startup_benchmark.py                       # on the showcase (made here)
    python benchmarks/startup_benchmark.py --data-dir DIR        # on an existing embedded store
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

MEUTE = Path(sys.executable).with_name("meute")


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "MEUTE_DATA_DIR": str(data_dir), "MEUTE_GRAPH": "embedded"}


def _command(data_dir: Path, *args: str) -> tuple[float, float]:
    """Wall clock and CPU time (user + system) of one whole command."""
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([MEUTE, *args], env=_env(data_dir), check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - start, cpu


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError as error:
        error.close()
        return False
    except OSError:
        return False


def _serve(data_dir: Path) -> list[tuple[float, float]]:
    """Seconds from spawning ``meute serve`` to its first ``/health``, then ``/health/ready``:
    wall clock and the server's CPU time.
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = subprocess.Popen(
        [MEUTE, "serve", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        times = []
        for path in ("/health", "/health/ready"):
            while not _answers(base + path):
                if time.perf_counter() - start > 600:
                    raise RuntimeError(f"{path} did not answer within 10 minutes")
                time.sleep(0.02)
            times.append((time.perf_counter() - start, _cpu_seconds(server.pid)))
        return times
    finally:
        server.terminate()
        server.wait(timeout=60)


def _medians(figures: list[tuple[float, float]]) -> tuple[float, float]:
    return (
        statistics.median(wall for wall, _ in figures),
        statistics.median(cpu for _, cpu in figures),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="An embedded store (default: showcase).")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(scratch) / "showcase"
            _command(data_dir, "demo", "--top", "1")  # loads the showcase
        _command(data_dir, "keys", "list")  # warm the file system cache
        serves = [_serve(data_dir) for _ in range(args.runs)]
        figures = {
            "meute --help": _medians([_command(data_dir, "--help") for _ in range(args.runs)]),
            "meute keys list": _medians(
                [_command(data_dir, "keys", "list") for _ in range(args.runs)]
            ),
            "meute serve: first /health": _medians([s[0] for s in serves]),
            "meute serve: /health/ready (store and text model loaded)": _medians(
                [s[1] for s in serves]
            ),
        }
    print(f"store: {data_dir}; median of {args.runs} runs, whole process: wall clock, CPU")
    print("load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    for name, (wall, cpu) in figures.items():
        print(f"{name:<58} {wall:7.2f} s {cpu:7.2f} s CPU")


if __name__ == "__main__":
    main()
