"""Code applications: rule, model, topic and imported codings, and the record as export rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qualcode.store import sql
from qualcode.store.base import StoreBase, now


class CodingStore(StoreBase):
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
            at = now()
            c.executemany(sql.INSERT_REVIEW, [(seg, who, run, at) for seg, who, run in reviewed])
            return added

    def interviewer_segments(self) -> set[str]:
        """Segments of interviewer turns (only imported codings ever create them)."""
        return {r[0] for r in self.conn.execute(sql.INTERVIEWER_SEGMENTS)}

    def segment_codes(self) -> dict[str, set[str]]:
        """Codes each segment carries now (rule, model, human or imported; not rejected)."""
        out: dict[str, set[str]] = {}
        for seg, code in self.conn.execute(sql.SEGMENT_CODES):
            out.setdefault(seg, set()).add(code)
        return out

    def rule_evidence(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(segment, code) -> the first span where the codebook's rules found the code."""
        return {(seg, code): (a, b) for seg, code, a, b in self.conn.execute(sql.RULE_EVIDENCE)}

    def machine_codings(self, kind: str) -> dict[str, set[str]]:
        """Live machine suggestions of ``kind`` ('rule', 'model' or 'topic') per segment."""
        out: dict[str, set[str]] = {}
        for seg, code, k, _ in self.conn.execute(sql.CODER_APPLICATIONS):
            if k == kind:
                out.setdefault(seg, set()).add(code)
        return out

    def model_scores(self) -> dict[str, dict[str, float]]:
        """Live model suggestions: segment id -> {code: probability}."""
        out: dict[str, dict[str, float]] = {}
        for seg, code, score in self.conn.execute(sql.MODEL_SCORES):
            out.setdefault(seg, {})[code] = score
        return out

    def coding_summary(self, kind: str = "rule") -> dict[str, tuple[int, int]]:
        """Per code: (segments, participants) with live applications of ``kind``."""
        return {r[0]: (r[1], r[2]) for r in self.conn.execute(sql.CODING_SUMMARY, (kind,))}

    def codings(self, record: Any = None) -> Iterator[dict[str, Any]]:
        """The record, one row per person's coding and per machine suggestion, in document,
        segment and code order (qualcode.store.record_rows says what each row holds; the
        columns are CODING_FIELDS). ``record``: a qualcode.review.layers.Record already read.
        Streamed segment by segment: the segments' text is never all in memory at once."""
        from itertools import groupby
        from operator import itemgetter

        from qualcode.review.layers import Record
        from qualcode.store.record_rows import people_by_segment, segment_rows

        rec = record if record is not None else Record(self)
        resolved = dict(self.conn.execute(sql.RESOLUTION_ACTIONS).fetchall())
        decisions = self.record_decisions()  # type: ignore[attr-defined]
        people = people_by_segment(rec, decisions, resolved)
        hidden = self._combined_by_model()  # type: ignore[attr-defined]
        for seg, group in groupby(self.conn.execute(sql.EXPORT_CODINGS), key=itemgetter(5)):
            rows = list(group)
            if rows[0][9] is not None or seg in people:
                yield from segment_rows(rows, people.get(seg, []), hidden)

    def stored_rule_codes(
        self, codebook_hash: str, unit: str
    ) -> dict[str, dict[str, float]] | None:
        """The rules' codes per segment, with their scores, as the latest 'code' run stored
        them, when that run used this codebook and unit and no document was loaded after it;
        else None (run the rules)."""
        latest = self.latest_run("code")
        if latest is None or (latest[1].get("codebook_hash"), latest[1].get("unit")) != (
            codebook_hash,
            unit,
        ):
            return None
        newest = self.conn.execute(sql.NEWEST_DOCUMENT_RUN).fetchone()[0]
        if newest is not None and newest > latest[0]:
            return None
        out: dict[str, dict[str, float]] = {}
        for seg, code, score, _, _ in self.conn.execute(sql.RULE_CODES, (codebook_hash,)):
            out.setdefault(seg, {})[code] = float(score if score is not None else 1.0)
        return out
