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

TurnRow = tuple[int, int, int, int, str, str]  # document, turn, start, end, role, turn text


class SearchStore(StoreBase):
    def search_turns(self, match: str | None, role: str = "") -> Iterator[TurnRow]:
        """Turns of current documents (in document and turn order) whose text the index matches
        to the FTS5 query ``match``; every turn when ``match`` is None. ``role``: only turns of
        that speaker role ('' = all)."""
        try:
            if match is None:
                rows = self.conn.execute(sql.SCAN_TURNS, (role, role))
            else:
                rows = self.conn.execute(sql.SEARCH_TURNS, (match, role, role))
            yield from rows
        except sqlite3.OperationalError as exc:
            if "fts5" not in str(exc) and "syntax" not in str(exc):
                raise
            raise QualcodeError(
                "the search index cannot read this query", "put words in double quotes"
            ) from exc

    def search_terms(self) -> list[str]:
        """Every distinct term in the index (lower-cased, accents removed)."""
        return [r[0] for r in self.conn.execute(sql.SEARCH_TERMS)]

    def search_index_check(self) -> None:
        """Raise sqlite3.DatabaseError when the index differs from the turns it indexes."""
        self.conn.execute(sql.SEARCH_CHECK)

    def rebuild_search_index(self) -> None:
        with self.transaction() as c:
            c.execute(sql.SEARCH_REBUILD)
