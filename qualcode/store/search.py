"""The full-text search index over turns (SQLite FTS5, migration 12), read by qualcode.analysis.

The index is kept by triggers in the transaction that stores or supersedes a document, so it
always holds exactly the turns of current documents; it stores terms, never a copy of the text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from qualcode.errors import QualcodeError
from qualcode.store import sql
from qualcode.store.base import StoreBase

TurnRow = tuple[int, int, int, int, str]  # document, turn, start, end, role


class SearchStore(StoreBase):
    def search_turns(self, match: str | None, role: str = "") -> Iterator[TurnRow]:
        """Turns of current documents (in no particular order) whose text the index matches
        to the FTS5 query ``match``; every turn when ``match`` is None. ``role``: only turns of
        that speaker role ('' = all)."""
        if match is None:
            return iter(self.conn.execute(sql.SCAN_TURNS, (role, role)))
        return iter(self._fts(sql.SEARCH_TURNS, (match, role, role)))

    def search_texts(self, match: str | None) -> dict[int, str]:
        """Document id -> text of the current documents holding turns ``match`` finds (every
        current document when ``match`` is None)."""
        if match is None:
            return dict(self.conn.execute(sql.SCAN_TEXTS))
        return dict(self._fts(sql.SEARCH_TEXTS, (match,)))

    def _fts(self, statement: str, params: tuple[str, ...]) -> list[tuple]:  # type: ignore[type-arg]
        try:
            return self.conn.execute(statement, params).fetchall()
        except sqlite3.OperationalError as exc:  # the query is built by qualcode.analysis.query
            raise QualcodeError(
                f"the search index cannot read the query {params[0]!r} ({exc})",
                "put the words in double quotes; please report the query",
            ) from exc

    def search_documents(self) -> dict[int, dict[str, str]]:
        """Current documents: id -> name, sha256, source and participant id ('' if none)."""
        docs = {
            i: {"name": n, "sha256": s, "source": src, "participant_id": ""}
            for i, n, s, src in self.conn.execute(sql.SEARCH_DOCUMENTS)
        }
        for pid, doc_id in self.conn.execute(sql.DOCUMENT_PARTICIPANTS):
            if doc_id in docs:
                docs[doc_id]["participant_id"] = pid
        return docs

    def search_terms(self) -> list[str]:
        """Every distinct term in the index (lower-cased, accents removed)."""
        return [r[0] for r in self.conn.execute(sql.SEARCH_TERMS)]

    def search_index_check(self) -> None:
        """Raise sqlite3.DatabaseError when the index differs from the turns it indexes."""
        self.conn.execute(sql.SEARCH_CHECK)

    def rebuild_search_index(self) -> None:
        with self.transaction() as c:
            c.execute(sql.SEARCH_REBUILD)
