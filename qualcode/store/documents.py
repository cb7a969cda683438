"""Documents, their turns and segments, and participants' attributes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qualcode.errors import StoreError
from qualcode.models import Document, Note, ParsedDocument, Turn
from qualcode.store import sql
from qualcode.store.base import StoreBase


class DocumentStore(StoreBase):
    # documents --------------------------------------------------------------------------
    def current_version(self, source: str) -> tuple[int, str, int] | None:
        row = self.conn.execute(sql.CURRENT_DOCUMENT, (source,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def document_counts(self, doc_id: int) -> tuple[str, int, int]:
        """(format, turns, words) of a stored document version, without reading its text."""
        row = self.conn.execute(sql.DOCUMENT_COUNTS, (doc_id,)).fetchone()
        if row is None:
            raise StoreError(f"no document with id {doc_id}")
        return str(row[0]), int(row[1]), int(row[2])

    def documents_loaded_after(self, run_id: int) -> bool:
        """Whether a current document version was stored by a run after ``run_id``."""
        newest = self.conn.execute(sql.NEWEST_DOCUMENT_RUN).fetchone()[0]
        return newest is not None and int(newest) > run_id

    def same_content(self, sha256: str, source: str) -> str | None:
        """Another current document with exactly these bytes, if there is one."""
        row = self.conn.execute(sql.SAME_CONTENT, (sha256, source)).fetchone()
        return str(row[0]) if row else None

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
            c.execute(sql.HIDE_DOCUMENT, (doc_id,))  # its turns indexed at once (see sql.py)
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
            c.execute(sql.SHOW_DOCUMENT, (doc_id,))
            c.executemany(sql.INSERT_NOTE, [(doc_id, n.turn, n.message) for n in doc.notes])
            kept = 0
            if current:
                c.execute(sql.SUPERSEDE_DOCUMENT, (doc_id, current[0]))
                c.execute(sql.CARRY_PARTICIPANT, (current[0], doc_id))
                kept = c.execute(sql.HUMAN_DECISIONS_ON_DOCUMENT, (current[0],)).fetchone()[0]
            return doc_id, version, int(kept)

    def replace_notes(self, doc_id: int, notes: tuple[Note, ...]) -> None:
        """The shape checks' notes of a stored version, found again by a newer parser."""
        with self.transaction() as c:
            c.execute(sql.DELETE_NOTES, (doc_id,))
            c.executemany(sql.INSERT_NOTE, [(doc_id, n.turn, n.message) for n in notes])

    def current_notes(self) -> dict[str, list[Note]]:
        """Notes of every current document that has any, by source."""
        out: dict[str, list[Note]] = {}
        for source, message, turn in self.conn.execute(sql.CURRENT_NOTES):
            out.setdefault(source, []).append(Note(message, turn))
        return out

    def documents_without_participant(self) -> list[tuple[int, str, str]]:
        """(id, source, file name) of current documents linked to no participant."""
        return [tuple(r) for r in self.conn.execute(sql.DOCUMENTS_WITHOUT_PARTICIPANT)]

    def document_keys(self) -> dict[str, set[int]]:
        """Every name a current document can be found by (source path, file name, file name
        without extension, participant id) -> its ids, in two queries that never read a text."""
        keys: dict[str, set[int]] = {}
        current = set()
        for doc_id, source, name in self.conn.execute(sql.CURRENT_DOCUMENT_NAMES):
            current.add(doc_id)
            for key in (source, name, name.rsplit(".", 1)[0]):
                keys.setdefault(key, set()).add(doc_id)
        for pid, doc_id in self.conn.execute(sql.DOCUMENT_PARTICIPANTS):
            if doc_id in current:
                keys.setdefault(pid, set()).add(doc_id)
        return keys

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
        notes = tuple(Note(*n) for n in self.conn.execute(sql.NOTES_OF_DOCUMENT, (doc_id,)))
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
            notes=notes,
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

    def speaker_labels(self) -> list[str]:
        """Every speaker label stored, of every document and version."""
        return [r[0] for r in self.conn.execute(sql.SPEAKER_LABELS) if r[0] and r[0].strip()]

    def participant_attributes(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for pid, name, value in self.conn.execute(sql.ALL_ATTRIBUTES):
            out.setdefault(pid, {})[name] = value
        return out

    # segments and code applications ------------------------------------------------------
    def participant_turns(self) -> Iterator[tuple[int, str, str, int, int, int, str]]:
        """(document id, sha256, text, turn index, start, end, role) of every current turn."""
        for doc_id, sha, text in self.conn.execute(sql.CURRENT_TEXTS).fetchall():
            for idx, start, end, role in self.conn.execute(sql.TURN_SPANS, (doc_id,)):
                yield doc_id, sha, text, idx, start, end, role

    def segment_text(self, segment: str) -> tuple[str, str | None, int] | None:
        """A segment's text, its participant id and turn index."""
        row = self.conn.execute(sql.SEGMENT_TEXT, (segment,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def segment_row(self, segment: str) -> tuple[str, int, int, int, int] | None:
        """(segment, document, turn, start, end) of a segment of a current document."""
        row = self.conn.execute(sql.SEGMENT_ROW, (segment,)).fetchone()
        return (row[0], row[1], row[2], row[3], row[4]) if row else None

    def current_segments(self) -> list[tuple[str, int, int, int, int]]:
        return [tuple(r) for r in self.conn.execute(sql.SEGMENTS_OF_CURRENT)]
