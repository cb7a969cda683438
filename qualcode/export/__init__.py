"""Exporters: pure functions from data to files. They never touch the database."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

STALE_SECONDS = 600  # a temporary file this old was left by a killed process


def _temp_beside(path: Path) -> tuple[int, str]:
    """A new owner-only temporary file beside ``path``; leftovers of killed writes (they may
    hold quotes) are removed first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STALE_SECONDS
    for old in path.parent.glob(f".{path.name}.*"):
        with contextlib.suppress(OSError):
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink()
    return tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)


@contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it into place only on success,
    so a crash never leaves half a file. The file is readable by its owner only."""
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, mode, encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stable_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip of ``members`` in the given order with fixed dates and owner-only modes, so the
    same content always gives the same bytes (Word and Excel files, .qdpx projects)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)
    return out.getvalue()
