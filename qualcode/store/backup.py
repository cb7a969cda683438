"""Backups of a project store, taken while the review server runs, and restores.

A backup is SQLite's online backup of the store: a consistent copy as of one moment (every
transaction committed before it began is in it, none half), then checked with
``PRAGMA integrity_check`` before it is given its name (owner-only, mode 0600). A restore checks
the copy the same way, keeps the current store aside under backups/, and refuses while the
server serves the store (it holds a lock on ``<store>.serving`` for as long as it runs, released
by the system however it ends) or another command writes to it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode.errors import StoreError
from qualcode.store import sql
from qualcode.store.base import BUSY_TIMEOUT


@dataclass(frozen=True)
class Copy:
    path: Path
    size: int
    decisions: int  # decisions in the copy (a figure to recognise it by)
    version: int  # the schema version (the latest migration) of the copy


def default_target(store: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return store.parent / "backups" / f"{store.stem}-backup-{stamp}.db"


def backup(store: Path, target: Path | None = None) -> Copy:
    """Copy ``store`` consistently (it may be in use) to ``target`` (default: backups/ beside
    it, named with the time), check the copy, and say what it holds. Nothing is left behind
    when it fails; an existing file is never overwritten."""
    if not store.is_file():
        raise StoreError(f"{store}: no project store to back up", "run 'qualcode ingest' first")
    target = target or default_target(store)
    if target.exists():
        raise StoreError(f"{target} already exists", "name a new file")
    partial = target.with_name(f".{target.name}.partial")
    _private(partial)
    try:
        source = sqlite3.connect(store, timeout=BUSY_TIMEOUT)
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)  # one step: a single read transaction, one moment's store
            dest.execute(sql.JOURNAL_DELETE)  # a single self-contained file
        finally:
            dest.close()
            source.close()
        copy = check(partial)
        partial.replace(target)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"{store}: the backup failed ({exc})", "nothing was written") from exc
    finally:
        partial.unlink(missing_ok=True)
    return Copy(target, copy.size, copy.decisions, copy.version)


def check(path: Path) -> Copy:
    """A store file checked: SQLite's integrity check passes and it is a qualcode store."""
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            verdict = [r[0] for r in conn.execute(sql.INTEGRITY_CHECK)]
            if verdict != ["ok"]:
                raise StoreError(
                    f"{path}: the copy is damaged ({'; '.join(verdict[:3])})",
                    "use another backup",
                )
            versions = [r[0] for r in conn.execute(sql.APPLIED_VERSIONS)]
            decisions = conn.execute(sql.COUNT_DECISIONS).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a qualcode project store ({exc})") from exc
    known = max(m[0] for m in sql.MIGRATIONS)
    if not versions or max(versions) > known:
        raise StoreError(
            f"{path}: not a project store this qualcode can read (schema {max(versions or [0])})",
            "restore it with the qualcode that made it",
        )
    return Copy(path, path.stat().st_size, int(decisions), max(versions))


def restore(store: Path, source: Path) -> tuple[Copy, Path | None]:
    """Put the backup ``source`` in place of ``store``, after checking it; the current store
    is kept aside under backups/ (returned; None when there was none). Refused while the store
    is served or written to."""
    copy = check(source)
    if store.exists() and source.resolve() == store.resolve():
        raise StoreError(f"{source} is the project store itself", "name a backup")
    if serving(store):
        raise StoreError(
            f"{store} is being served by 'qualcode serve'",
            "stop the server (Ctrl+C), restore, then start it again",
        )
    aside = None
    partial = store.with_name(f".{store.name}.restoring")
    _private(partial)
    try:
        src, dest = sqlite3.connect(source), sqlite3.connect(partial)
        try:
            src.backup(dest)
            dest.execute(sql.JOURNAL_WAL)
        finally:
            src.close()
            dest.close()
        if store.exists():
            aside = _set_aside(store)
        partial.replace(store)
    except sqlite3.Error as exc:
        raise StoreError(f"{source}: the restore failed ({exc})", "the store is unchanged") from exc
    finally:
        partial.unlink(missing_ok=True)
    return Copy(store, copy.size, copy.decisions, copy.version), aside


def _set_aside(store: Path) -> Path:
    """Move the current store (its write-ahead log folded in first) under backups/; refused
    while another process writes to it."""
    conn = sqlite3.connect(store, timeout=0)
    try:
        conn.execute(sql.BEGIN_EXCLUSIVE)  # no other writer now
        conn.execute(sql.ROLLBACK)
        conn.execute(sql.CHECKPOINT_TRUNCATE)
    except sqlite3.OperationalError as exc:
        raise StoreError(
            f"{store} is in use by another qualcode command ({exc})",
            "let it finish, then restore",
        ) from exc
    finally:
        conn.close()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = store.parent / "backups" / f"{store.stem}-before-restore-{stamp}.db"
    _private(aside)
    store.replace(aside)
    for extra in ("-wal", "-shm"):
        Path(f"{store}{extra}").unlink(missing_ok=True)
    return aside


def _private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".serving")


@contextmanager
def serving_lock(store: Path) -> Iterator[None]:
    """Held while the server serves ``store`` (released by the system however it ends)."""
    try:
        import fcntl
    except ImportError:  # Windows: restore cannot tell; it still checks for writers
        yield
        return
    handle: Any = open(_lock_path(store), "a")  # noqa: SIM115 - held for the whole serve
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise StoreError(
            f"{store} is already being served by another 'qualcode serve'", "stop that one first"
        ) from None
    try:
        yield
    finally:
        handle.close()


def serving(store: Path) -> bool:
    """Whether a server holds ``store``'s serving lock now."""
    try:
        import fcntl
    except ImportError:
        return False
    lock = _lock_path(store)
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
