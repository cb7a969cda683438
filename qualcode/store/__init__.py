"""The SQLite project store: WAL, foreign keys, recorded migrations with a backup first.

Only this package knows SQL (the statements live in ``sql.py``). The database file and its folder
are created readable by their owner only: they hold participants' words.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode.errors import StoreError
from qualcode.models import Document, ParsedDocument, Turn
from qualcode.store import sql


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Store:
    """A connection to one project's store. Use :func:`open_store`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: everything in it is written, or nothing."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    # runs -------------------------------------------------------------------------------
    def start_run(self, kind: str, settings: dict[str, Any]) -> int:
        with self.transaction() as c:
            cur = c.execute(sql.START_RUN, (kind, _now(), json.dumps(settings, sort_keys=True)))
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, summary: dict[str, Any]) -> None:
        with self.transaction() as c:
            c.execute(sql.FINISH_RUN, (_now(), json.dumps(summary, sort_keys=True), run_id))

    # documents --------------------------------------------------------------------------
    def current_version(self, source: str) -> tuple[int, str, int] | None:
        row = self.conn.execute(sql.CURRENT_DOCUMENT, (source,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def add_document(self, doc: ParsedDocument, run_id: int) -> tuple[int, int, int]:
        """Store a parsed document; a changed file becomes a new version.

        Returns (document id, version, human decisions left on the superseded version).
        """
        with self.transaction() as c:
            current = c.execute(sql.CURRENT_DOCUMENT, (doc.source,)).fetchone()
            version = current[2] + 1 if current else 1
            cur = c.execute(
                sql.INSERT_DOCUMENT,
                (
                    doc.source,
                    doc.name,
                    doc.format,
                    doc.sha256,
                    version,
                    doc.text,
                    doc.preamble_end,
                    doc.words,
                    run_id,
                ),
            )
            doc_id = int(cur.lastrowid or 0)
            c.executemany(
                sql.INSERT_TURN,
                [
                    (
                        doc_id,
                        t.index,
                        t.speaker,
                        t.role,
                        t.start,
                        t.end,
                        len(doc.text[t.start : t.end].split()),
                        t.timestamp,
                    )
                    for t in doc.turns
                ],
            )
            kept = 0
            if current:
                c.execute(sql.SUPERSEDE_DOCUMENT, (doc_id, current[0]))
                kept = c.execute(sql.HUMAN_DECISIONS_ON_DOCUMENT, (current[0],)).fetchone()[0]
            return doc_id, version, int(kept)

    def find_document(self, key: str) -> Document:
        """The current version of a document named by source path, file name or participant."""
        rows = self.conn.execute(sql.CURRENT_DOCUMENT_BY_NAME, (key,) * 4).fetchall()
        if not rows:
            raise StoreError(
                f"no document '{key}' in the project",
                "name it by path, file name or participant id ('qualcode status')",
            )
        if len(rows) > 1:
            raise StoreError(f"'{key}' names {len(rows)} documents", "give its path instead")
        return self.document(rows[0][0])

    def current_documents(self) -> list[dict[str, Any]]:
        cols = (
            "id",
            "source",
            "name",
            "format",
            "sha256",
            "version",
            "preamble_end",
            "participant_id",
        )
        return [dict(zip(cols, r, strict=True)) for r in self.conn.execute(sql.CURRENT_DOCUMENTS)]

    def document(self, doc_id: int) -> Document:
        row = self.conn.execute(sql.DOCUMENT_BY_ID, (doc_id,)).fetchone()
        if row is None:
            raise StoreError(f"no document with id {doc_id}")
        turns = tuple(Turn(*t) for t in self.conn.execute(sql.TURNS_OF_DOCUMENT, (doc_id,)))
        attrs = dict(self.conn.execute(sql.ATTRIBUTES_OF, (row[8],))) if row[8] else {}
        return Document(
            id=row[0],
            source=row[1],
            name=row[2],
            format=row[3],
            sha256=row[4],
            version=row[5],
            text=row[6],
            preamble_end=row[7],
            participant_id=row[8],
            turns=turns,
            attributes=attrs,
        )

    # participants and attributes ------------------------------------------------------
    def set_participants(
        self, attributes: dict[str, dict[str, str]], links: dict[int, str]
    ) -> None:
        """Store participants' attributes and link documents to participants, atomically."""
        with self.transaction() as c:
            for pid, attrs in attributes.items():
                c.execute(sql.UPSERT_PARTICIPANT, (pid,))
                c.executemany(sql.UPSERT_ATTRIBUTE, [(pid, k, v) for k, v in attrs.items()])
            for doc_id, pid in links.items():
                c.execute(sql.UPSERT_PARTICIPANT, (pid,))
                c.execute(sql.SET_DOCUMENT_PARTICIPANT, (pid, doc_id))

    # segments and code applications ------------------------------------------------------
    def participant_turns(self) -> Iterator[tuple[int, str, str, int, int, int, str]]:
        """(document id, sha256, text, turn index, start, end, role) of every current turn."""
        for doc_id, sha, text in self.conn.execute(sql.CURRENT_TEXTS).fetchall():
            for idx, start, end, role in self.conn.execute(sql.TURN_SPANS, (doc_id,)):
                yield doc_id, sha, text, idx, start, end, role

    def add_applications(
        self,
        segments: list[tuple[str, int, int, int, int]],
        applications: list[tuple[str, str, int, int, str, str, float, int, str]],
        supersede: tuple[int, str] | None = None,
    ) -> int:
        """Store segments and applications atomically; returns how many applications are new.

        ``supersede`` = (run id, codebook hash): rule suggestions made with any other codebook
        are marked superseded by this run (never deleted: decisions may point at them).
        """
        with self.transaction() as c:
            c.executemany(sql.INSERT_SEGMENT, segments)
            before = c.total_changes
            c.executemany(sql.INSERT_APPLICATION, applications)
            added = c.total_changes - before
            if supersede is not None:
                c.execute(sql.SUPERSEDE_RULE_APPLICATIONS, supersede)
                c.execute(sql.UNSUPERSEDE_RULE_APPLICATIONS, (supersede[1],))
            return added

    def add_machine_applications(
        self,
        segments: list[tuple[str, int, int, int, int]],
        rows: list[tuple[Any, ...]],
        run_id: int,
        kind: str,
        source: str,
    ) -> int:
        """Store a model's or topic model's suggestions (``kind``); those of any other model of
        that kind are superseded (kept, not deleted: decisions may point at them)."""
        with self.transaction() as c:
            c.executemany(sql.INSERT_SEGMENT, segments)
            before = c.total_changes
            c.executemany(sql.INSERT_APPLICATION, rows)
            added = c.total_changes - before
            c.execute(sql.SUPERSEDE_OTHER_MODELS, (run_id, kind, source))
            return added

    def add_imported(
        self,
        segments: list[tuple[str, int, int, int, int]],
        applications: list[tuple[Any, ...]],
        reviewed: list[tuple[str, str, int]],
    ) -> int:
        """Store a coder's imported codings and mark their segments reviewed, atomically."""
        with self.transaction() as c:
            c.executemany(sql.INSERT_SEGMENT, segments)
            before = c.total_changes
            c.executemany(sql.INSERT_APPLICATION, applications)
            added = c.total_changes - before
            at = _now()
            c.executemany(sql.INSERT_REVIEW, [(seg, who, run, at) for seg, who, run in reviewed])
            return added

    def human_labels(self) -> tuple[list[tuple[str, int, int, int, int]], dict[str, set[str]]]:
        """Segments a human has labelled, and each one's codes: human or imported codings and
        accepted or added decisions, less codes whose latest decision is a rejection."""
        segs = [tuple(r) for r in self.conn.execute(sql.LABELLED_SEGMENTS)]
        labels: dict[str, set[str]] = {r[0]: set() for r in segs}
        for seg, code in self.conn.execute(sql.HUMAN_CODINGS):
            if seg in labels:
                labels[seg].add(code)
        for seg, code, action in self.conn.execute(sql.LATEST_DECISIONS):
            if seg not in labels:
                continue
            if action in ("accept", "add"):
                labels[seg].add(code)
            else:  # reject, or recoded to another code (which has its own 'add')
                labels[seg].discard(code)
        for seg, codes in self.resolutions().items():  # a reconciled segment: the resolution
            if seg in labels:
                labels[seg] = set(codes)
        return segs, labels

    def segment_codes(self) -> dict[str, set[str]]:
        """Codes each segment carries now (rule, model, human or imported; not rejected)."""
        out: dict[str, set[str]] = {}
        for seg, code in self.conn.execute(sql.SEGMENT_CODES):
            out.setdefault(seg, set()).add(code)
        return out

    def participant_attributes(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for pid, name, value in self.conn.execute(sql.ALL_ATTRIBUTES):
            out.setdefault(pid, {})[name] = value
        return out

    def rule_evidence(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(segment, code) -> the first span where the codebook's rules found the code."""
        return {(seg, code): (a, b) for seg, code, a, b in self.conn.execute(sql.RULE_EVIDENCE)}

    def segment_text(self, segment: str) -> tuple[str, str | None, int] | None:
        """A segment's text, its participant id and turn index."""
        row = self.conn.execute(sql.SEGMENT_TEXT, (segment,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def coder_codings(self) -> dict[str, dict[str, set[str]]]:
        """Each human coder's codes per segment they saw: imported or human codings (source =
        coder), their own decisions (accept/add give a code, reject/recode take it away), and
        segments marked reviewed with no code."""
        data: dict[str, dict[str, set[str]]] = {}
        for seg, who in self.conn.execute(sql.CODER_REVIEWS):
            data.setdefault(who, {}).setdefault(seg, set())
        for seg, code, kind, source in self.conn.execute(sql.CODER_APPLICATIONS):
            if kind in ("human", "import"):
                data.setdefault(source, {}).setdefault(seg, set()).add(code)
        for seg, code, who, action in self.conn.execute(sql.CODER_DECISIONS):
            codes = data.setdefault(who, {}).setdefault(seg, set())
            if action in ("accept", "add"):
                codes.add(code)
            else:
                codes.discard(code)
        resolved = self.resolutions()
        if resolved:
            data["resolved"] = resolved
        return data

    def machine_codings(self, kind: str) -> dict[str, set[str]]:
        """Live machine suggestions of ``kind`` ('rule', 'model' or 'topic') per segment."""
        out: dict[str, set[str]] = {}
        for seg, code, k, _ in self.conn.execute(sql.CODER_APPLICATIONS):
            if k == kind:
                out.setdefault(seg, set()).add(code)
        return out

    def review_queue(self) -> list[dict[str, Any]]:
        """Machine suggestions nobody has decided on yet, in document and turn order."""
        cols = ("item", "document", "participant", "turn", "code", "kind", "source", "score")
        return [
            {**dict(zip(cols, r[:8], strict=True)), "evidence": r[8], "text": r[9]}
            for r in self.conn.execute(sql.REVIEW_QUEUE)
        ]

    def application(self, app_id: int) -> tuple[int, str, str, int | None, str, int] | None:
        """(id, segment id, code, superseded by run, segment text, decisions so far)."""
        row = self.conn.execute(sql.APPLICATION_FOR_REVIEW, (app_id,)).fetchone()
        return tuple(row) if row else None

    def add_decisions(self, rows: list[tuple[int | None, str, str, str, str, str]]) -> int:
        """Append decisions (application id, segment, code, reviewer, action, note), at once."""
        at = _now()
        with self.transaction() as c:
            c.executemany(sql.INSERT_DECISION, [(*r, at) for r in rows])
        return len(rows)

    # the review app ----------------------------------------------------------------------------
    def queue_applications(self) -> list[tuple[Any, ...]]:
        """Undecided machine suggestions: (id, segment, code, kind, source, score, start, end)."""
        return [tuple(r) for r in self.conn.execute(sql.QUEUE_APPLICATIONS)]

    def current_segments(self) -> list[tuple[str, int, int, int, int]]:
        return [tuple(r) for r in self.conn.execute(sql.SEGMENTS_OF_CURRENT)]

    def reviewed_by(self, reviewer: str) -> set[str]:
        return {r[0] for r in self.conn.execute(sql.REVIEWED_BY, (reviewer,))}

    def decide(
        self,
        app_id: int | None,
        segment: str,
        code: str,
        reviewer: str,
        action: str,
        note: str = "",
    ) -> int:
        """Append one decision, at once; returns its id (for undo)."""
        with self.transaction() as c:
            cur = c.execute(
                sql.INSERT_DECISION, (app_id, segment, code, reviewer, action, note, _now())
            )
            return int(cur.lastrowid or 0)

    def session_decisions(self, segment: str, reviewer: str) -> list[tuple[int | None, str]]:
        """A reviewer's live decisions on one segment, oldest first: (application, action)."""
        rows = self.conn.execute(sql.SEGMENT_DECISIONS_BY, (segment, reviewer))
        return [(app, action) for app, action, _ in rows]

    def session_added(self, segment: str, reviewer: str) -> list[tuple[int | None, str]]:
        """Codes a reviewer added to a segment (live 'add' decisions)."""
        rows = self.conn.execute(sql.SEGMENT_DECISIONS_BY, (segment, reviewer))
        return [(app, code) for app, action, code in rows if action == "add"]

    def undo_decision(self, decision_id: int, reviewer: str) -> None:
        with self.transaction() as c:
            c.execute(sql.UNDO_DECISION, (decision_id, reviewer, _now()))

    def mark_reviewed(self, segment: str, reviewer: str, run_id: int | None = None) -> None:
        with self.transaction() as c:
            c.execute(sql.INSERT_REVIEW, (segment, reviewer, run_id, _now()))

    def add_mark(self, segment: str, reviewer: str, kind: str, text: str = "") -> None:
        with self.transaction() as c:
            c.execute(sql.INSERT_MARK, (segment, reviewer, kind, text, _now()))

    def key_quotes(self) -> set[str]:
        """Segments marked as key quotes (and not unmarked since)."""
        keys: set[str] = set()
        for seg, kind in self.conn.execute(sql.KEY_QUOTES):
            (keys.add if kind == "key_quote" else keys.discard)(seg)
        return keys

    def add_resolution(
        self,
        segment: str,
        a: str,
        b: str,
        choice: str,
        codes: list[str],
        rationale: str,
        reviewer: str,
    ) -> None:
        row = (segment, a, b, choice, json.dumps(sorted(codes)), rationale, reviewer, _now())
        with self.transaction() as c:
            c.execute(sql.INSERT_RESOLUTION, row)

    def resolutions(self) -> dict[str, set[str]]:
        """The latest resolved codes of each reconciled segment."""
        return {seg: set(json.loads(codes)) for seg, codes in self.conn.execute(sql.RESOLUTIONS)}

    def latest_run(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        row = self.conn.execute(sql.LATEST_RUN_OF_KIND, (kind,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def model_scores(self) -> dict[str, dict[str, float]]:
        """Live model suggestions: segment id -> {code: probability}."""
        out: dict[str, dict[str, float]] = {}
        for seg, code, score in self.conn.execute(sql.MODEL_SCORES):
            out.setdefault(seg, {})[code] = score
        return out

    def coding_summary(self, kind: str = "rule") -> dict[str, tuple[int, int]]:
        """Per code: (segments, participants) with live applications of ``kind``."""
        return {r[0]: (r[1], r[2]) for r in self.conn.execute(sql.CODING_SUMMARY, (kind,))}

    def codings(self) -> Iterator[dict[str, Any]]:
        """Every live code application with its segment text and review status."""
        cols = (
            "document",
            "participant",
            "turn",
            "speaker",
            "role",
            "code",
            "kind",
            "source",
            "score",
            "status",
            "start",
            "end",
        )
        for row in self.conn.execute(sql.EXPORT_CODINGS):
            item = dict(zip(cols, row[:12], strict=True))
            item["segment"], item["segment_start"], item["segment_end"] = row[17], row[15], row[16]
            item["evidence"] = row[12][row[10] : row[11]]
            item["text"] = row[12][row[15] : row[16]]
            item["run"], item["codebook_hash"] = row[13], row[14]
            yield item

    # status -----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        docs, turns, words, pwords, participants, speakers = self.conn.execute(
            sql.STATUS_TOTALS
        ).fetchone()
        by_attr: dict[str, dict[str, int]] = {}
        for name, value, n in self.conn.execute(sql.STATUS_ATTRIBUTE_COUNTS):
            by_attr.setdefault(name, {})[value] = n
        return {
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
        }


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
            version=int(version), name=name.replace("'", "''"), at=_now()
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
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(path, conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path}: cannot open the project store ({exc})",
            "if it is corrupt, restore a copy from the backups/ folder beside it",
        ) from exc
    return Store(path, conn)
