"""Framework summaries in the store: append-only rows, the latest live one per cell counts."""

from __future__ import annotations

from collections.abc import Iterable

from qualcode.store import sql
from qualcode.store.base import StoreBase, stamp


class SummaryStore(StoreBase):
    def summaries(self) -> list[tuple[str, str, str, str, bool, str, int | None]]:
        """(participant, code, text, author, draft, at, action id) of every cell with a summary."""
        return [
            (p, c, t, a, bool(d), at, aid)
            for p, c, t, a, d, at, aid in self.conn.execute(sql.CURRENT_SUMMARIES)
        ]

    def write_summaries(
        self, who: str, rows: Iterable[tuple[str, str, str, bool]], via: str = "cli"
    ) -> int:
        """Store (participant, code, text, draft) rows as one action of ``who``; text '' takes
        a cell's summary away. Returns the rows stored."""
        rows = list(rows)
        with self.action(who, "summarise", "summaries", via) as aid, self.transaction() as c:
            at = stamp()
            for participant, code, text, draft in rows:
                author = "machine" if draft else who
                c.execute(
                    sql.INSERT_SUMMARY, (participant, code, text, author, int(draft), at, aid)
                )
        return len(rows)
