"""What every part of the store shares: the connection, transactions and runs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode.errors import StoreError
from qualcode.store import sql

BUSY_TIMEOUT = 10  # seconds a command waits for another one's write to finish


def busy(path: Path, exc: sqlite3.OperationalError) -> StoreError | None:
    """A clear error for a store another process is writing to, else None."""
    if "locked" not in str(exc) and "busy" not in str(exc):
        return None
    return StoreError(
        f"{path}: the project store is busy: another qualcode command is writing to it "
        f"(waited {BUSY_TIMEOUT} s)",
        "try again when it has finished (a review app keeps no lock between keys)",
    )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def stamp() -> str:
    """The time to the microsecond (an action's; undo still goes by id, never by time)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class AuditScope:
    """A logged command under way in this process: every write transaction it commits to the
    project's store (outside the actions that record themselves) appends its own audit entry
    in that transaction, so a killed command leaves its data and their entries, or neither."""

    path: Path
    invocation: str
    who: str
    command: str
    options: dict[str, Any]
    started: str


PERSONAL = ("terminal", "browser")  # where a person's actions come from, one key or post each
AUDIT: list[AuditScope] = []  # at most one: the command this process is running


class StoreBase:
    """A connection to one project's store."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._depth = 0  # transactions inside a transaction join it (an import is one unit)
        self._action: int | None = None  # the action being stored, while one is
        self._acted = False  # whether the open transaction stored an action

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: everything in it is written, or nothing. Inside another
        transaction it is part of that one (committed or rolled back with it)."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise busy(self.path, exc) or exc from exc
        self._depth = 1
        scope = self._audit_scope()
        marks = self._high_marks() if scope is not None else ()
        try:
            yield self.conn
            if scope is not None and not self._acted:
                self._audit_part(scope, marks)
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
            self._acted = False

    # actions ----------------------------------------------------------------------------
    @contextmanager
    def action(
        self, who: str, kind: str, mode: str = "", via: str = "", segment: str | None = None
    ) -> Iterator[int]:
        """One person's action (a key press, a form post, an import): everything stored inside
        carries its id and is committed together, or not at all; an action that stores nothing
        leaves no trace. Inside another action it is part of that one."""
        with self.transaction() as c:
            if self._action is not None:
                yield self._action
                return
            c.execute("SAVEPOINT action")
            row = (who, kind, mode, via, segment, stamp())
            aid = int(c.execute(sql.INSERT_ACTION, row).lastrowid or 0)
            c.execute(sql.SET_CURRENT_ACTION, (aid,))
            # keys and form posts are their own record (the actions table); imports and other
            # commands' writes also get an audit entry in the same transaction
            self._action, self._acted = aid, via in PERSONAL

            before = c.total_changes
            try:
                yield aid
            finally:
                self._action = None
                stored = c.total_changes != before
                c.execute(sql.CLEAR_CURRENT_ACTION)
            if not stored:  # nothing to record: the action row goes too
                c.execute("ROLLBACK TO action")
            c.execute("RELEASE action")

    def undo_last_action(self, who: str) -> tuple[int, str, str] | None:
        """Undo ``who``'s latest action still standing, whole (every row it stored); returns
        (its id, its kind, its segment) or None when there is none. Recorded, never deleted;
        only the person's own actions are ever undone."""
        with self.transaction() as c:
            row = c.execute(sql.LAST_LIVE_ACTION, (who,)).fetchone()
            if row is None:
                return None
            c.execute(sql.UNDO_ACTION, (row[0], who, stamp()))
            return int(row[0]), str(row[1]), str(row[2])

    def actions_log(self) -> list[dict[str, Any]]:
        """Every action: id, who, kind, mode, via, at, undone, and the rows it stored."""
        cols = ("id", "who", "kind", "mode", "via", "at", "undone", "decisions", "marks",
                "reviewed", "resolutions")  # fmt: skip
        return [dict(zip(cols, r, strict=True)) for r in self.conn.execute(sql.ACTIONS_LOG)]

    # the audit log, written in the transaction of the change ------------------------------------
    def _audit_scope(self) -> AuditScope | None:
        scope = AUDIT[-1] if AUDIT else None
        if scope is None or scope.path.resolve() != self.path.resolve():
            return None
        return scope

    def _high_marks(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.conn.execute(sql.AUDIT_HIGH_MARKS).fetchone())

    def _audit_part(self, scope: AuditScope, marks: tuple[int, ...]) -> None:
        added = self.conn.execute(sql.AUDIT_NEW_ROWS, (*marks[:2], *marks[1:])).fetchone()
        changes = {k: int(n) for k, n in zip(self.COUNT_KINDS, added, strict=True) if n}
        if changes:
            self._insert_audit(
                scope.started, scope.who, scope.command, scope.options, None, None, changes,
                scope.invocation, "part",
            )  # fmt: skip

    # runs -------------------------------------------------------------------------------
    def start_run(self, kind: str, settings: dict[str, Any]) -> int:
        with self.transaction() as c:
            cur = c.execute(sql.START_RUN, (kind, now(), json.dumps(settings, sort_keys=True)))
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, summary: dict[str, Any]) -> None:
        with self.transaction() as c:
            c.execute(sql.FINISH_RUN, (now(), json.dumps(summary, sort_keys=True), run_id))

    def latest_run(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        row = self.conn.execute(sql.LATEST_RUN_OF_KIND, (kind,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    # the audit log ------------------------------------------------------------------------------
    COUNT_KINDS = ("documents", "codings", "suggestions", "decisions", "reviewed", "marks",
                   "resolutions")  # fmt: skip

    def counts(self) -> dict[str, int]:
        """How much of each kind the project holds (before and after a command)."""
        row = self.conn.execute(sql.PROJECT_COUNTS).fetchone()
        return dict(zip(self.COUNT_KINDS, (int(x) for x in row), strict=True))

    def audit(
        self,
        started: str,
        who: str,
        command: str,
        options: dict[str, Any],
        codebook_hash: str | None,
        model: str | None,
        changes: dict[str, int],
        invocation: str | None = None,
    ) -> None:
        """Append one entry to the audit log (append-only: the store refuses edits)."""
        with self.transaction():
            self._insert_audit(started, who, command, options, codebook_hash, model, changes,
                               invocation, "end")  # fmt: skip

    def _insert_audit(
        self,
        started: str,
        who: str,
        command: str,
        options: dict[str, Any],
        codebook_hash: str | None,
        model: str | None,
        changes: dict[str, Any],
        invocation: str | None,
        part: str,
    ) -> None:
        self.conn.execute(
            sql.INSERT_AUDIT,
            (
                started, now(), who, command,
                json.dumps(options, sort_keys=True, ensure_ascii=False), codebook_hash, model,
                json.dumps(changes, sort_keys=True), invocation, part,
            ),
        )  # fmt: skip

    def audit_log(self) -> list[dict[str, Any]]:
        cols = ("id", "started", "finished", "who", "command", "options", "codebook", "model")
        out = []
        for row in self.conn.execute(sql.AUDIT_LOG):
            entry = dict(zip(cols, row[:8], strict=True))
            entry["options"] = json.loads(entry["options"])
            entry["changes"] = json.loads(row[8])
            entry["invocation"], entry["part"] = row[9], row[10]
            out.append(entry)
        return out

    def save_codebook_version(self, hash_: str, source: str, content: dict[str, Any]) -> None:
        """Keep a codebook version's content the first time it is used (so that later versions
        can be compared with it)."""
        blob = json.dumps(content, sort_keys=True, ensure_ascii=False)
        with self.transaction() as c:
            c.execute(sql.INSERT_CODEBOOK_VERSION, (hash_, now(), source, blob))

    def codebook_versions(self) -> list[dict[str, Any]]:
        return [
            {"hash": h, "first_used": at, "source": src, "content": json.loads(content)}
            for h, at, src, content in self.conn.execute(sql.CODEBOOK_VERSIONS)
        ]

    def resolutions(self) -> dict[str, set[str]]:
        """The latest resolved codes of each reconciled segment."""
        return {seg: set(json.loads(codes)) for seg, codes in self.conn.execute(sql.RESOLUTIONS)}
