"""Hostile requests against a real server: its memory and how fast it refuses them.

    .venv/bin/python benchmarks/resilience_benchmark.py [--bomb-mb 1170] [--upload-mb 200]

Serves the showcase (embedded store, officer key) with ``uvicorn`` in a process of its own,
one fresh server per attack, and prints for each: the server's resident memory when idle
(after a warm-up request), its peak during the attack (the kernel's high-water mark, VmHWM),
the difference, the answer's status and how long the refusal took. The attacks:

(a) a zip bomb (one member of zeros, ~1000:1) sent to ``POST /imports/decp`` with a valid key;
(b) a 200 MB upload to ``POST /imports/decp`` without any key;
(c) a 50 MB body sent to ``POST /tenders`` with a valid key.

Targets: peak within +100 MB of idle, refusal in under 1 s.
"""

from __future__ import annotations

import argparse
import io
import select
import socket
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test suite's server process helper

from meute.api.auth import Role, create_key  # noqa: E402
from meute.api.service import import_document, showcase_document  # noqa: E402
from meute.graph.embedded import EmbeddedStore  # noqa: E402
from tests.server_process import ServerProcess  # noqa: E402

MB = 1_000_000
CHUNK = 64 * 1024


@dataclass
class Outcome:
    """What one attack did to the server."""

    attack: str
    idle_mb: float
    peak_mb: float
    status: str
    seconds: float


def _memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def zip_bomb(expanded_mb: int) -> bytes:
    """A zip of one JSON member made of ``expanded_mb`` MB of spaces."""
    buffer = io.BytesIO()
    block = b" " * MB
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("decp.json", "w", force_zip64=True) as member,
    ):
        for _ in range(expanded_mb):
            member.write(block)
    return buffer.getvalue()


def _multipart_head(boundary: str, filename: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()


def send(
    url: str, path: str, body_size: int, parts: tuple[bytes, bytes, bytes], key: str | None
) -> tuple[str, float]:
    """Send a request of ``body_size`` bytes (head, then filler, then tail) as fast as the
    server reads it, stopping as soon as it answers; its status line and the time it took.
    """
    head, filler, tail = parts
    host, port = url.removeprefix("http://").split(":")
    boundary_type = "multipart/form-data; boundary=meute" if head else "application/json"
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Type: {boundary_type}",
        f"Content-Length: {body_size}",
        "Connection: close",
    ]
    if key is not None:
        lines.append(f"Authorization: Bearer {key}")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=120) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + head)
        sent = len(head)
        answer = b""
        while True:
            readable, writable, _ = select.select(
                [sock], [sock] if sent < body_size else [], [], 120
            )
            if readable:
                answer = sock.recv(4096)
                break
            if not writable:
                raise RuntimeError("the server neither answers nor reads")
            if sent >= body_size - len(tail):
                piece = tail[: body_size - sent]
            else:
                piece = filler[: min(CHUNK, body_size - len(tail) - sent)]
            try:
                sent += sock.send(piece)
            except (BrokenPipeError, ConnectionResetError):
                answer = sock.recv(4096)
                break
    seconds = time.monotonic() - started
    status = " ".join(answer.split(b"\r\n", 1)[0].decode(errors="replace").split()[1:2])
    status = status or "(connection closed)"
    return status, seconds


def attack(name: str, data_dir: Path, run: Callable[[str], tuple[str, float]]) -> Outcome:
    """Start a fresh server, warm it up, run ``run(url)`` and read the server's memory."""
    server = ServerProcess(
        {"MEUTE_DATA_DIR": str(data_dir), "MEUTE_GRAPH": "embedded"}, data_dir / "server.log"
    )
    server.start()
    try:
        assert server.process is not None
        pid = server.process.pid
        time.sleep(1.0)
        idle = _memory_kb(pid, "VmRSS") / 1000
        status, seconds = run(server.url)
        time.sleep(1.0)  # anything the server still does after answering
        peak = _memory_kb(pid, "VmHWM") / 1000
    finally:
        server.stop()
    return Outcome(name, idle, peak, status, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bomb-mb", type=int, default=1170, help="What the zip bomb expands to.")
    parser.add_argument("--upload-mb", type=int, default=200, help="Unauthenticated upload.")
    parser.add_argument("--body-mb", type=int, default=50, help="Oversized JSON body.")
    args = parser.parse_args()
    console = Console()
    data_dir = Path(tempfile.mkdtemp(prefix="meute-resilience-"))
    with EmbeddedStore(data_dir) as store:
        import_document(store, showcase_document())
        _, key = create_key(store, Role.OFFICER, "benchmark")
    bomb = zip_bomb(args.bomb_mb)
    console.print(f"zip bomb: {len(bomb) / MB:.1f} MB expanding to {args.bomb_mb} MB")
    tail = b"\r\n--meute--\r\n"
    bomb_head = _multipart_head("meute", "decp.zip")
    filler = b" " * CHUNK
    outcomes = [
        attack(
            "zip bomb, officer key",
            data_dir,
            lambda url: send(
                url,
                "/imports/decp",
                len(bomb_head) + len(bomb) + len(tail),
                (bomb_head + bomb, b"", tail),
                key,
            ),
        ),
        attack(
            f"{args.upload_mb} MB upload, no key",
            data_dir,
            lambda url: send(
                url,
                "/imports/decp",
                args.upload_mb * MB,
                (_multipart_head("meute", "big.zip"), filler, tail),
                None,
            ),
        ),
        attack(
            f"{args.body_mb} MB JSON body, officer key",
            data_dir,
            lambda url: send(url, "/tenders", args.body_mb * MB, (b"", filler, b""), key),
        ),
    ]
    table = Table(title="Hostile requests (targets: peak within +100 MB of idle, refusal < 1 s)")
    for column in ("attack", "idle RSS MB", "peak RSS MB", "peak - idle", "answer", "seconds"):
        table.add_column(column)
    for outcome in outcomes:
        table.add_row(
            outcome.attack,
            f"{outcome.idle_mb:.0f}",
            f"{outcome.peak_mb:.0f}",
            f"{outcome.peak_mb - outcome.idle_mb:+.0f}",
            outcome.status,
            f"{outcome.seconds:.2f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
