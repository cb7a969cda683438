"""The SQLite project store: WAL, foreign keys, recorded migrations with a backup first.

Only this package knows SQL (the statements live in ``sql.py``). The database file and its folder
are created readable by their owner only: they hold participants' words.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode.errors import StoreError
from qualcode.store import sql
from qualcode.store.accounts import AccountStore
from qualcode.store.base import BUSY_TIMEOUT, busy, now
from qualcode.store.coding import CodingStore
from qualcode.store.documents import DocumentStore
from qualcode.store.logins import LoginStore
from qualcode.store.review import ReviewStore
from qualcode.store.search import SearchStore
from qualcode.store.summaries import SummaryStore


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Store(
    DocumentStore, CodingStore, ReviewStore, LoginStore, AccountStore, SummaryStore, SearchStore
):
    """A connection to one project's store. Use :func:`open_store`."""

    def _reviewers(self) -> dict[str, dict[str, int]]:
        """Per reviewer: segments finished, segments with suggestions still waiting for them,
        key quotes and memos."""
        progress = self.reviewer_progress()
        waiting = {row[1] for row in self.queue_applications()}
        for who, counts in progress.items():
            counts["left"] = len(waiting - self.reviewed_by(who))
        return progress

    # status -----------------------------------------------------------------------------
    def status(self, unresolved: str | None = None) -> dict[str, Any]:
        """What the project holds. With ``unresolved`` (the [review] unresolved rule), also
        the final coding: its rule, how many disagreements between coders are unresolved,
        and the note reports carry (qualcode.review.layers)."""
        docs, turns, words, pwords, participants, speakers = self.conn.execute(
            sql.STATUS_TOTALS
        ).fetchone()
        by_attr: dict[str, dict[str, int]] = {}
        for name, value, n in self.conn.execute(sql.STATUS_ATTRIBUTE_COUNTS):
            by_attr.setdefault(name, {})[value] = n
        out = {
            "documents": docs,
            "turns": turns,
            "words": words,
            "participant_words": pwords,
            "participants": participants,
            "speakers": speakers,
            "superseded_versions": self.conn.execute(sql.STATUS_SUPERSEDED).fetchone()[0],
            "formats": dict(self.conn.execute(sql.STATUS_FORMATS).fetchall()),
            "attributes": by_attr,
            "codings": dict(self.conn.execute(sql.STATUS_APPLICATIONS).fetchall()),
            "decisions": dict(self.conn.execute(sql.STATUS_DECISIONS).fetchall()),
            "reconciled_segments": self.conn.execute(sql.STATUS_RESOLVED).fetchone()[0],
            "reviewers": self._reviewers(),
            "documents_to_check": {
                source: [str(n) for n in notes] for source, notes in self.current_notes().items()
            },
        }
        if unresolved is not None:
            from qualcode.review.layers import Record

            final = Record(self).final(unresolved)
            out["final_coding"] = {
                "rule": final.rule,
                "uses": final.describe(),
                "unresolved": len(final.unresolved),
                "note": final.note(),
            }
        return out


def _backup(path: Path, conn: sqlite3.Connection, version: int) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.parent / "backups" / f"{path.stem}-v{version}-{stamp}.db"
    _create_private(target)
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def migrate(path: Path, conn: sqlite3.Connection) -> list[int]:
    """Apply pending migrations, backing the file up first if it already holds data."""
    conn.execute(sql.CREATE_MIGRATIONS_TABLE)
    applied = {r[0] for r in conn.execute(sql.APPLIED_VERSIONS)}
    pending = [m for m in sql.MIGRATIONS if m[0] not in applied]
    if not pending:
        return []
    if conn.execute(sql.COUNT_TABLES).fetchone()[0]:
        _backup(path, conn, max(applied, default=0))
    for version, name, script in pending:
        record = sql.RECORD_MIGRATION_SCRIPT.format(
            version=int(version), name=name.replace("'", "''"), at=now()
        )
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{script};\n{record};\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(
                f"{path}: migration {version} failed: {exc}",
                "the file was backed up first under backups/ next to it",
            ) from exc
    return [m[0] for m in pending]


def open_store(path: Path) -> Store:
    """Open (creating if needed) a store file, owner-only, migrated to the current schema."""
    try:
        if not path.exists():
            _create_private(path)
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(path, conn)
        conn.execute(sql.CREATE_CURRENT_ACTION)
    except sqlite3.OperationalError as exc:
        error = busy(path, exc)
        if error is None:
            raise StoreError(
                f"{path}: cannot open the project store ({exc})",
                "if it is corrupt, restore a copy from the backups/ folder beside it",
            ) from exc
        raise error from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path}: cannot open the project store ({exc})",
            "if it is corrupt, restore a copy from the backups/ folder beside it",
        ) from exc
    return Store(path, conn)
