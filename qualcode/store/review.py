"""Review: coders' codings, decisions, undo, marks and reconciled resolutions."""

from __future__ import annotations

import json
from typing import Any

from qualcode.store import sql
from qualcode.store.base import StoreBase, now


class ReviewStore(StoreBase):
    # the record: rows each person's layer is made of (qualcode.review.layers reads them) ---
    def record_imports(self) -> list[tuple[Any, ...]]:
        """(application, segment, code, kind, coder, run, when) of every person's imported or
        typed coding on current documents."""
        return [tuple(r) for r in self.conn.execute(sql.RECORD_IMPORTS)]

    def record_decisions(self) -> list[tuple[Any, ...]]:
        """(id, segment, code, person, action, kind of suggestion or '', mode, suggestion,
        when, action id, note) of every live decision on current documents, oldest first."""
        return [tuple(r) for r in self.conn.execute(sql.RECORD_DECISIONS)]

    def shown_suggestions(self) -> dict[str, set[int]]:
        """segment -> the ids of its current machine suggestions as reviewers see them (one per
        code where a model has combined the rules' evidence), decided or not."""
        hidden = self._combined_by_model()
        out: dict[str, set[int]] = {}
        for app, seg, kind, codebook, code in self.conn.execute(sql.SHOWN_SUGGESTIONS):
            if not hidden(seg, kind, codebook, code):
                out.setdefault(seg, set()).add(int(app))
        return out

    def record_reviews(self) -> list[tuple[str, str, str]]:
        """(segment, person, mode) of every segment a person finished."""
        return [tuple(r) for r in self.conn.execute(sql.RECORD_REVIEWS)]

    def record_resolutions(self) -> list[tuple[Any, ...]]:
        """(segment, codes as JSON, who, coder a, coder b, when), oldest first."""
        return [tuple(r) for r in self.conn.execute(sql.RECORD_RESOLUTIONS)]

    def coder_codings(self) -> dict[str, dict[str, set[str]]]:
        """Each person's finished codings (see qualcode.review.layers), and 'resolved'."""
        from qualcode.review.layers import Record

        return Record(self).by_person()

    def review_queue(self) -> list[dict[str, Any]]:
        """Machine suggestions nobody has decided on yet, in document and turn order."""
        cols = ("item", "document", "participant", "turn", "code", "kind", "source", "score")
        hidden = self._combined_by_model()
        return [
            {**dict(zip(cols, r[:8], strict=True)), "evidence": r[8], "text": r[9]}
            for r in self.conn.execute(sql.REVIEW_QUEUE)
            if not hidden(r[10], r[5], r[11], r[4])
        ]

    def _combined_by_model(self) -> Any:
        """A test telling which rule suggestions the latest model run has taken over: the model
        scores the rules' evidence together with the text, so on every segment it scored there
        is one suggestion per code (the model's, or none); the rules' own still stand on
        segments it did not score and for other codebooks."""
        latest = self.latest_run("suggest")
        if latest is None or "unscored" not in latest[1] or latest[1].get("shown") == "rules":
            return lambda segment, kind, codebook_hash, code: False
        unscored = set(latest[1]["unscored"])
        codebook = latest[1].get("codebook_hash")
        # per code (models since per-code sources): only codes whose source is the model
        by_code = latest[1].get("sources")
        taken = None if by_code is None else {c for c, s in by_code.items() if s == "model"}
        return lambda segment, kind, codebook_hash, code: (
            kind == "rule"
            and codebook_hash == codebook
            and segment not in unscored
            and (taken is None or code in taken)
        )

    def decisions_by_kind(self) -> list[tuple[str, str, str, str]]:
        """(segment, code, latest action, kind of the suggestion it was on; '' for a code a
        reviewer added) for every (segment, code) anyone decided."""
        return [tuple(r) for r in self.conn.execute(sql.DECISIONS_BY_KIND)]

    def runs_of(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """(started, summary) of every finished run of ``kind``, oldest first."""
        return [(at, json.loads(s)) for at, s in self.conn.execute(sql.RUNS_OF_KIND, (kind,))]

    def mark_counts(self) -> dict[str, int]:
        return {k: int(n) for k, n in self.conn.execute(sql.MARK_COUNTS)}

    def next_for(
        self,
        reviewer: str,
        skip: frozenset[str] = frozenset(),
        documents: frozenset[int] | None = None,
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]] | None:
        """The first segment, in document order, with suggestions this reviewer still has to
        decide: ((segment, document, turn, start, end), its suggestions as
        queue_applications gives them); None when there is none. ``skip``: segments to pass
        over (another reviewer has them open); ``documents``: only these documents' segments.
        Reads rows only until found."""
        hidden = self._combined_by_model()
        found: tuple[Any, ...] | None = None
        apps: list[tuple[Any, ...]] = []
        for r in self.conn.execute(sql.NEXT_FOR_REVIEWER, (reviewer,)):
            if r[1] in skip or hidden(r[1], r[3], r[8], r[2]):
                continue
            if documents is not None and r[9] not in documents:
                continue
            if found is not None and r[1] != found[0]:
                break
            found = found or (r[1], r[9], r[10], r[11], r[12])
            apps.append(tuple(r[:8]))
        return (found, apps) if found is not None else None

    def queue_state(self) -> tuple[list[tuple[str, int]], set[str]]:
        """The review queue for every reviewer at once: every segment with a current machine
        suggestion, in document order, with its document; and those of them with a suggestion
        nobody has decided (as undecided_on tells, one segment at a time)."""
        hidden = self._combined_by_model()
        order: dict[str, int] = {}
        undecided: set[str] = set()
        for segment, doc, kind, codebook, open_, code in self.conn.execute(sql.QUEUE_STATE):
            if hidden(segment, kind, codebook, code):
                continue
            order.setdefault(segment, doc)
            if open_:
                undecided.add(segment)
        return list(order.items()), undecided

    def versions(self) -> tuple[int, int]:
        """(a number that changes whenever another connection commits, rows this connection has
        changed): equal twice, nothing in the store has changed in between."""
        return int(self.conn.execute(sql.DATA_VERSION).fetchone()[0]), self.conn.total_changes

    def segment_suggestions(self, segment: str) -> list[tuple[Any, ...]]:
        """Every current suggestion on one segment as queue_applications gives them, each
        followed by its live decision (action, reviewer, when; None when undecided)."""
        hidden = self._combined_by_model()
        rows = self.conn.execute(sql.SEGMENT_SUGGESTIONS, (segment,))
        return [(*r[:8], *r[9:]) for r in rows if not hidden(r[1], r[3], r[8], r[2])]

    def live_decisions(self) -> list[tuple[int, int | None, str, str, str, str]]:
        """Every decision still standing: (id, suggestion or None, segment, code, reviewer,
        action), oldest first."""
        return [tuple(r) for r in self.conn.execute(sql.LIVE_DECISIONS)]

    def undecided_on(self, segment: str) -> list[tuple[Any, ...]]:
        """One segment's undecided suggestions (one per code once a model has scored it)."""
        hidden = self._combined_by_model()
        rows = self.conn.execute(sql.UNDECIDED_ON_SEGMENT, (segment,))
        return [tuple(r[:8]) for r in rows if not hidden(r[1], r[3], r[8], r[2])]

    def waiting_for(self, reviewer: str) -> int:
        """Segments with suggestions this reviewer has not finished (an upper bound when a
        model has taken over some rule suggestions)."""
        return int(self.conn.execute(sql.COUNT_WAITING_FOR, (reviewer,)).fetchone()[0])

    def model_precision(self) -> dict[str, float]:
        """Each code's estimated precision (on interviews the model did not see) from the
        model whose suggestions are current, for showing beside its suggestions."""
        latest = self.latest_run("suggest")
        return dict(latest[1].get("precision", {})) if latest else {}

    def code_sources(self) -> dict[str, str]:
        """code -> whose suggestions reviewers see for it (model, rules or none), as the model
        whose suggestions are current chose them (empty before any)."""
        latest = self.latest_run("suggest")
        return dict(latest[1].get("sources") or {}) if latest else {}

    def application(self, app_id: int) -> tuple[int, str, str, int | None, str, int] | None:
        """(id, segment id, code, superseded by run, segment text, decisions so far)."""
        row = self.conn.execute(sql.APPLICATION_FOR_REVIEW, (app_id,)).fetchone()
        return tuple(row) if row else None

    def add_decisions(self, rows: list[tuple[int | None, str, str, str, str, str]]) -> int:
        """Append decisions (application id, segment, code, reviewer, action, note), at once."""
        at = now()
        with self.transaction() as c:
            c.executemany(sql.INSERT_DECISION, [(*r, at) for r in rows])
        return len(rows)

    def add_codings(
        self, segments: list[tuple[str, int, int, int, int]], rows: list[tuple[str, str, str, str]]
    ) -> int:
        """Store codes a person gave segments directly (segment, code, person, note): their
        segments first, then one 'add' decision each, atomically."""
        at = now()
        with self.transaction() as c:
            c.executemany(sql.INSERT_SEGMENT, segments)
            c.executemany(sql.INSERT_DECISION, [(None, *r[:3], "add", r[3], at) for r in rows])
        return len(rows)

    # the review app ----------------------------------------------------------------------------
    def undecided_segments(self) -> set[str]:
        """Segments with a machine suggestion nobody has decided on."""
        return {row[1] for row in self.queue_applications()}

    def queue_applications(self) -> list[tuple[Any, ...]]:
        """Undecided machine suggestions, one per segment and code where a model has combined
        the rules' evidence: (id, segment, code, kind, source, score, start, end)."""
        hidden = self._combined_by_model()
        return [
            tuple(r[:8])
            for r in self.conn.execute(sql.QUEUE_APPLICATIONS)
            if not hidden(r[1], r[3], r[8], r[2])
        ]

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
        """Append one decision, at once; returns its id. A decision on an application must be
        on a machine suggestion: a person's coding is never decided (StoreError)."""
        from qualcode.errors import StoreError
        from qualcode.review.layers import decidable

        with self.transaction() as c:
            if app_id is not None:
                row = c.execute(sql.APPLICATION_STATE, (app_id,)).fetchone()
                if decidable(tuple(row) if row else None) in ("missing", "coding"):
                    raise StoreError(
                        f"item {app_id} is not a machine suggestion",
                        "only suggestions are accepted or rejected; a person's coding is theirs",
                    )
            cur = c.execute(
                sql.INSERT_DECISION, (app_id, segment, code, reviewer, action, note, now())
            )
            return int(cur.lastrowid or 0)

    def application_state(self, app_id: int) -> tuple[str, str, str, int | None, int] | None:
        """(segment, code, kind, superseded by run, live decisions) of an application; None
        if there is none."""
        row = self.conn.execute(sql.APPLICATION_STATE, (app_id,)).fetchone()
        return (str(row[0]), str(row[1]), str(row[2]), row[3], int(row[4])) if row else None

    def decide_open(
        self,
        app_id: int,
        reviewer: str,
        action: str,
        note: str = "",
        then: tuple[str, str, str] | None = None,
    ) -> str:
        """Decide a suggestion only while it is open, checked and written in one transaction
        (so two reviewers, or a reviewer and a model retraining in another process, never both
        act on it). Returns 'stored', 'taken' (someone decided it), 'superseded' (a newer model
        replaced it), 'coding' (a person's coding, never decided) or 'missing'. ``then``:
        (code, action, note) of a second decision stored with it on the same segment (the new
        code of a change)."""
        from qualcode.review.layers import decidable

        with self.transaction() as c:
            row = c.execute(sql.APPLICATION_STATE, (app_id,)).fetchone()
            verdict = decidable(tuple(row) if row else None)
            if verdict != "ok":
                return verdict
            segment, code = row[0], row[1]
            at = now()
            c.execute(sql.INSERT_DECISION, (app_id, segment, code, reviewer, action, note, at))
            if then is not None:
                c.execute(sql.INSERT_DECISION, (None, segment, *then[:1], reviewer, *then[1:], at))
        return "stored"

    def session_decisions(self, segment: str, reviewer: str) -> list[tuple[int | None, str, str]]:
        """A reviewer's live decisions on one segment, oldest first: (application, action,
        code)."""
        rows = self.conn.execute(sql.SEGMENT_DECISIONS_BY, (segment, reviewer))
        return [(app, action, code) for app, action, code in rows]

    def session_decisions_ids(
        self, segment: str, reviewer: str
    ) -> list[tuple[int | None, str, str, int]]:
        """As :meth:`session_decisions`, with each decision's id."""
        rows = self.conn.execute(sql.SEGMENT_DECISION_IDS_BY, (segment, reviewer))
        return [(app, action, code, did) for app, action, code, did in rows]

    def mark_reviewed(self, segment: str, reviewer: str, run_id: int | None = None) -> None:
        with self.transaction() as c:
            c.execute(sql.INSERT_REVIEW, (segment, reviewer, run_id, now()))

    def add_mark(self, segment: str, reviewer: str, kind: str, text: str = "") -> int:
        with self.transaction() as c:
            return int(
                c.execute(sql.INSERT_MARK, (segment, reviewer, kind, text, now())).lastrowid or 0
            )

    def segment_memos(self, segment: str) -> list[tuple[str, str]]:
        """Live memos on one segment: (reviewer, text)."""
        return [(who, text) for who, text in self.conn.execute(sql.SEGMENT_MEMOS, (segment,))]

    def rationales(self) -> list[tuple[str, str, str, str]]:
        """Reconcile rationales: (segment, reviewer, text, at), oldest first."""
        return [tuple(r) for r in self.conn.execute(sql.RATIONALES)]

    def memos(self) -> list[tuple[int, str, str, str, str]]:
        """Live memos: (id, segment, reviewer, text, at), oldest first."""
        return [tuple(r) for r in self.conn.execute(sql.LIVE_MEMOS)]

    def reviewer_progress(self) -> dict[str, dict[str, int]]:
        """Per reviewer: segments finished, key quotes and memos marked (not taken back)."""
        out: dict[str, dict[str, int]] = {}
        for who, n in self.conn.execute(sql.REVIEWER_PROGRESS):
            out.setdefault(who, {})["reviewed"] = n
        for who, kind, n in self.conn.execute(sql.REVIEWER_MARKS):
            if kind in ("key_quote", "memo"):
                out.setdefault(who, {})[f"{kind}s"] = n
        return out

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
        row = (segment, a, b, choice, json.dumps(sorted(codes)), rationale, reviewer, now())
        with self.transaction() as c:
            c.execute(sql.INSERT_RESOLUTION, row)
