"""Crash-safe files for the embedded store: atomic replacement and a writer lock."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "file_stamp", "remove_leftovers", "writer_lock"]


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload``: a temporary file is written, synced and renamed over
    it, then the directory is synced, so a crash leaves either the old or the new content.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_leftovers(path: Path, lock: Path) -> list[Path]:
    """Delete the temporary files that writes of ``path`` left when a crash cut them short.

    Writers hold ``lock`` while a temporary file exists, so holding it makes every one a leftover.
    """
    with writer_lock(lock):
        leftovers = sorted(path.parent.glob(f".{path.stem}-*.tmp"))
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
    return leftovers


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """Identity of a file's content on disk (every atomic write makes a new inode), or None."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


@contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed), across processes."""
    with open(path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
