"""What every part of the store shares: the connection, transactions and runs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
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


class StoreBase:
    """A connection to one project's store."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._depth = 0  # transactions inside a transaction join it (an import is one unit)

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
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

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
    ) -> None:
        """Append one entry to the audit log (append-only: the store refuses edits)."""
        with self.transaction() as c:
            c.execute(
                sql.INSERT_AUDIT,
                (
                    started,
                    now(),
                    who,
                    command,
                    json.dumps(options, sort_keys=True, ensure_ascii=False),
                    codebook_hash,
                    model,
                    json.dumps(changes, sort_keys=True),
                ),
            )

    def audit_log(self) -> list[dict[str, Any]]:
        cols = ("id", "started", "finished", "who", "command", "options", "codebook", "model")
        out = []
        for row in self.conn.execute(sql.AUDIT_LOG):
            entry = dict(zip(cols, row[:8], strict=True))
            entry["options"] = json.loads(entry["options"])
            entry["changes"] = json.loads(row[8])
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
