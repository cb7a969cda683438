"""Exporters: pure functions from data to files. They never touch the database."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

STALE_SECONDS = 600  # a temporary file this old was left by a killed process, whoever wrote it
# Our temporary files: ".<target>.qctmp-<pid>-<host>-<random>", so a later write can tell whose
# they are and whether their writer still runs. Before that, ".<target>.<8 random characters>"
# (tempfile's names), recognised only beside files of the kinds qualcode writes.
TEMP = re.compile(r"^\..+\.qctmp-(?P<pid>\d+)-(?P<host>[0-9a-f]{6})-[a-z0-9_]{8}$")
OLD_TEMP = re.compile(
    r"^\..+\.(?:csv|xlsx|docx|md|qdpx|qdc|yaml|json|png|pkl|npz|model|txt|html)\.[a-z0-9_]{8}$"
)


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but is another user's
        return True
    return True


def sweep(folder: Path, target: str = "") -> list[Path]:
    """Remove the temporary files killed writes left in ``folder`` (they may hold quotes or
    half a model): ours only, by name; a file whose writer (on this machine) is no longer
    running, and any of ours older than STALE_SECONDS (a writer on another machine sharing
    the folder, or one from before names carried the writer; ``target``: any ".target.*" of
    that age). Never anything else. Returns what was removed."""
    removed: list[Path] = []
    now, host = time.time(), _host()
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except OSError:
        return removed
    for entry in entries:
        ours = TEMP.match(entry.name)
        old = bool(OLD_TEMP.match(entry.name)) or (
            bool(target) and entry.name.startswith(f".{target}.")
        )
        if not (ours or old):
            continue
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
            dead = ours is not None and ours["host"] == host and not _running(int(ours["pid"]))
            if dead or age > STALE_SECONDS:
                Path(entry.path).unlink()
                removed.append(Path(entry.path))
    return removed


def _temp_beside(path: Path) -> tuple[int, str]:
    """A new owner-only temporary file beside ``path``, named for its writer; leftovers of
    earlier killed writes in the same folder are removed first (see :func:`sweep`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep(path.parent, path.name)
    prefix = f".{path.name}.qctmp-{os.getpid()}-{_host()}-"
    return tempfile.mkstemp(prefix=prefix, dir=path.parent)


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
