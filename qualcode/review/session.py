"""A review session: the queue of segments to look at, and every decision written at once.

The queue is built by pure functions from store rows (so it can be tested and timed without a
terminal); ``ReviewSession`` applies a reviewer's actions to the store immediately, under their
name, so a crash or a closed terminal loses nothing. Each key press is one action (see
:meth:`ReviewSession.acting`): everything it stores (a change's two decisions, reject-the-rest's
rejections, the segment finished by auto-advance) carries one action id, and undo takes back the
reviewer's latest action whole, by id (recorded as undone; nothing is ever deleted).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from qualcode.codebook import Codebook
from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.review.order import diverse_order

UNTICK = "untick"  # the note of a blind coder's decision taking their own code back


@dataclass(frozen=True)
class Suggestion:
    app_id: int
    code: str
    kind: str  # rule, model, topic
    source: str  # rule id, model:<hash>, topics:<hash>
    score: float | None
    start: int  # evidence span in the document text
    end: int


@dataclass
class Item:
    segment: str
    document_id: int
    turn: int
    start: int
    end: int
    suggestions: list[Suggestion] = field(default_factory=list)
    order: float = 0.0  # sort key within the queue (uncertainty first, then position)


@dataclass(frozen=True)
class Filters:
    codes: frozenset[str] = frozenset()  # suggestion codes (or code prefixes, e.g. an aim)
    documents: frozenset[int] = frozenset()
    kinds: frozenset[str] = frozenset()
    where: tuple[tuple[str, str], ...] = ()  # participant attribute = value


def build_queue(
    segments: Iterable[tuple[str, int, int, int, int]],
    suggestions: Iterable[tuple[Any, ...]],
    done: set[str],
    filters: Filters = Filters(),
    doc_attrs: dict[int, dict[str, str]] | None = None,
    uncertainty: dict[str, float] | None = None,
) -> list[Item]:
    """Segments with undecided suggestions that pass the filters, most uncertain first when
    a model's uncertainty is known, otherwise in document and turn order."""
    seg_rows = {s[0]: s for s in segments}
    items: dict[str, Item] = {}
    for app_id, seg, code, kind, source, score, start, end in suggestions:
        if seg in done or seg not in seg_rows:
            continue
        if filters.kinds and kind not in filters.kinds:
            continue
        if filters.codes and not any(code == c or code.startswith(c + ".") for c in filters.codes):
            continue
        row = seg_rows[seg]
        if filters.documents and row[1] not in filters.documents:
            continue
        if filters.where:
            attrs = (doc_attrs or {}).get(row[1], {})
            if any(attrs.get(k) != v for k, v in filters.where):
                continue
        item = items.get(seg)
        if item is None:
            item = items[seg] = Item(seg, row[1], row[2], row[3], row[4])
        item.suggestions.append(Suggestion(app_id, code, kind, source, score, start, end))
    out = list(items.values())
    for item in out:
        item.suggestions.sort(key=lambda s: (s.start, s.code, s.kind))
    out.sort(key=lambda i: (i.document_id, i.start))
    if not uncertainty:
        return out
    order = diverse_order(
        list(range(len(out))),
        [uncertainty.get(i.segment, 0.0) for i in out],
        [i.document_id for i in out],
    )
    return [out[k] for k in order]


def blind_queue(
    segments: Iterable[tuple[str, int, int, int, int]],
    done: set[str],
    sample: float = 1.0,
    seed: int = 0,
    documents: frozenset[int] = frozenset(),
    among: frozenset[str] | None = None,
) -> list[Item]:
    """Every segment (or a sample of each document's segments, stratified by document) for
    coding from scratch; no suggestions are attached. ``among``: only these segments (another
    coder's, so that the two codings overlap by design). The same seed gives the same sample."""
    by_doc: dict[int, list[tuple[str, int, int, int, int]]] = {}
    for row in sorted(segments, key=lambda r: (r[1], r[3])):
        if among is not None and row[0] not in among:
            continue
        if row[0] not in done and (not documents or row[1] in documents):
            by_doc.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    out: list[Item] = []
    for doc_id in sorted(by_doc):
        rows = by_doc[doc_id]
        if sample < 1.0:
            k = max(1, round(sample * len(rows)))
            rows = sorted(rng.sample(rows, k), key=lambda r: r[3])
        out.extend(Item(r[0], r[1], r[2], r[3], r[4]) for r in rows)
    return out


class ReviewSession:
    """One reviewer working through a queue; every action is stored at once."""

    def __init__(
        self,
        project: Project,
        codebook: Codebook,
        reviewer: str,
        blind: bool = False,
        sample: float = 1.0,
        filters: Filters = Filters(),
        order: str = "auto",
        among: frozenset[str] | None = None,
        seed: int = 0,
    ) -> None:
        if not reviewer.strip():
            raise QualcodeError("who is reviewing?", "pass --as NAME or set reviewer in [project]")
        self.project, self.codebook, self.reviewer, self.blind = project, codebook, reviewer, blind
        store = project.store
        self.documents = {d["id"]: d for d in store.current_documents()}
        attrs = store.participant_attributes()
        self.attributes = {
            doc_id: attrs.get(d["participant_id"] or "", {}) for doc_id, d in self.documents.items()
        }
        segments = store.current_segments()
        done = store.reviewed_by(reviewer)
        self.filters, self.order = filters, order
        self.since_training = 0  # segments finished since the model last learned
        self.retrain_every = 0 if blind else project.settings.suggest.retrain_every
        self.precision = store.model_precision()  # code -> estimated precision of the model
        self.sources = store.code_sources()  # code -> model, rules or none (coding/sources)
        if blind:  # a second coder codes participants' words only
            asked = store.interviewer_segments()
            segments = [row for row in segments if row[0] not in asked]
            self.items = blind_queue(segments, done, sample, seed, filters.documents, among)
        else:
            unsure = _uncertainty(project) if order in ("auto", "uncertainty") else {}
            self.items = build_queue(
                segments, store.queue_applications(), done, filters, self.attributes, unsure
            )
        self.position = 0
        # where each action of this session was taken (action id -> segment, suggestion
        # index): undo returns the cursor there; what is undone is the store's business
        self.history: dict[int, tuple[str | None, int]] = {}
        self.cursor = 0  # the suggestion last acted on, where undo returns to
        self._acting = 0  # depth of the action under way (nested calls join it)
        self.reviewed_before = len(done)  # segments this reviewer finished in earlier sessions
        self._texts: dict[int, Any] = {}
        self._topics: dict[str, list[str]] = {}
        self.key_quotes = store.key_quotes()
        self.auto_advance = project.settings.review.auto_advance

    # reading --------------------------------------------------------------------------------
    @property
    def current(self) -> Item | None:
        return self.items[self.position] if 0 <= self.position < len(self.items) else None

    def document(self, doc_id: int) -> Any:
        if doc_id not in self._texts:
            self._texts[doc_id] = self.project.store.document(doc_id)
        return self._texts[doc_id]

    def context(self, item: Item) -> tuple[str, str, str, str]:
        """(previous turn, the segment, next turn, who is speaking) for display."""
        doc = self.document(item.document_id)
        turns = {t.index: t for t in doc.turns}
        before = turns.get(item.turn - 1)
        after = turns.get(item.turn + 1)

        def said(t: Any) -> str:
            return f"{t.speaker or ''}: {doc.text[t.start : t.end]}" if t else ""

        return said(before), doc.text[item.start : item.end], said(after), doc.participant_id or ""

    def code_name(self, code: str) -> str:
        """A code's name (its id when the codebook lacks it); a topic by its terms."""
        c = self.codebook.code(code)
        if c is not None:
            return c.name
        if code.startswith("topic."):
            terms = self.topic_terms(code)
            return f"topic: {', '.join(terms[:5])}" if terms else "topic (terms unknown)"
        return code

    def aim_name(self, code: str) -> str:
        c = self.codebook.code(code)
        group = next((g for g in self.codebook.groups if c is not None and g.id == c.group), None)
        return group.name if group is not None else ""

    def topic_terms(self, code: str) -> list[str]:
        if code not in self._topics:
            latest = self.project.store.latest_run("topics")
            number = code.rsplit(".", 1)[-1]
            topics = latest[1].get("topics", []) if latest else []
            found = next((t for t in topics if str(t["number"]) == number), None)
            self._topics[code] = [w.replace("_", " ") for w in found["terms"]] if found else []
        return self._topics[code]

    def definition(self, code: str) -> str:
        c = self.codebook.code(code)
        if c is not None:
            return f"{c.name}: {c.definition}"
        terms = self.topic_terms(code) if code.startswith("topic.") else []
        if terms:  # a topic suggestion: what the topic is about
            return (
                f"A theme the codebook lacks: {', '.join(terms)}. Accepting asks which code "
                "the turn gets ('qualcode topics adopt' makes the topic a draft code)."
            )
        return "(not in the codebook)"

    # acting ---------------------------------------------------------------------------------
    @contextmanager
    def acting(self, kind: str) -> Iterator[int]:
        """One action of this reviewer (one key press) on the current segment: everything
        stored inside, by any of the methods below, carries its id and is undone together.
        Nested, it is part of the outer one (a decision and the segment it finishes)."""
        item = self.current
        segment = item.segment if item is not None else None
        cursor = self.cursor
        mode = "blind" if self.blind else "review"
        self._acting += 1
        try:
            with self.project.store.action(
                self.reviewer, kind, mode=mode, via="terminal", segment=segment
            ) as aid:
                yield aid
        finally:
            self._acting -= 1
        if not self._acting:
            self.history[aid] = (segment, cursor)

    def _decide(self, app_id: int | None, code: str, action: str, note: str = "") -> int:
        item = self.current
        if item is None:
            raise QualcodeError("the queue is finished")
        return self.project.store.decide(app_id, item.segment, code, self.reviewer, action, note)

    def undecided(self, item: Item | None = None) -> list[Suggestion]:
        """The item's suggestions this reviewer has not decided yet."""
        item = item or self.current
        if item is None or self.blind:
            return []
        decided, _ = self.state(item)
        return [s for s in item.suggestions if s.app_id not in decided]

    def reject_rest(self) -> int:
        """Reject every undecided suggestion of the segment (then it can be left): one
        action."""
        rest = self.undecided()
        with self.acting("reject rest"):
            for sug in rest:
                self.reject(sug)
        return len(rest)

    def accept(self, suggestion: Suggestion) -> None:
        with self.acting("accept"):
            self._decide(suggestion.app_id, suggestion.code, "accept")

    def reject(self, suggestion: Suggestion) -> None:
        with self.acting("reject"):
            self._decide(suggestion.app_id, suggestion.code, "reject")

    def change(self, suggestion: Suggestion, code: str) -> None:
        """The suggestion's code is wrong, ``code`` is right: two decisions, one action."""
        self._check(code)
        with self.acting("change"):
            self._decide(suggestion.app_id, suggestion.code, "recode", f"changed to {code}")
            self._decide(None, code, "add", f"changed from {suggestion.code}")

    def add(self, code: str) -> int:
        self._check(code)
        with self.acting("add"):
            return self._decide(None, code, "add")

    def _check(self, code: str) -> None:
        if self.codebook.code(code) is None:
            raise QualcodeError(f"unknown code '{code}'", "pick one of the codebook's codes")

    def toggle(self, code: str) -> bool:
        """Blind coding's checklist: give the segment ``code``, or take back this reviewer's
        giving it (a decision of their own, so that undo revives the code); returns whether
        the segment now has it."""
        item = self.current
        if item is None:
            return False
        if code in self.state(item)[1]:
            with self.acting("untick"):
                self._decide(None, code, "reject", UNTICK)
            return False
        self._check(code)
        with self.acting("tick"):
            self._decide(None, code, "add")
        return True

    def adopt_topic(self, suggestion: Suggestion) -> str:
        """Make the suggestion's topic a draft code in the codebook ('qualcode topics adopt')
        and give the segment that code; returns the new code's id."""
        import re

        from qualcode.coding.run import resolve_codebook
        from qualcode.coding.topics import adopt

        number = int(suggestion.code.rsplit(".", 1)[-1])
        words = re.sub(r"[^a-z0-9]+", "_", "_".join(self.topic_terms(suggestion.code)[:2]).lower())
        base = f"emerging.{words.strip('_') or 'topic'}_{number}"
        code_id, n = base, 2
        while self.codebook.code(code_id) is not None:
            code_id, n = f"{base}_{n}", n + 1
        adopt(self.project, number, code_id)
        self.codebook, _ = resolve_codebook(self.project, None)
        with self.acting("adopt topic"):
            self.change(suggestion, code_id)
        return code_id

    def key_quote(self) -> bool:
        """Toggle the current segment as a key quote; returns whether it now is one."""
        item = self.current
        if item is None:
            return False
        now = item.segment not in self.key_quotes
        with self.acting("key quote"):
            kind = "key_quote" if now else "not_key_quote"
            self.project.store.add_mark(item.segment, self.reviewer, kind)
        (self.key_quotes.add if now else self.key_quotes.discard)(item.segment)
        return now

    def memo(self, text: str) -> None:
        item = self.current
        if item is not None and text.strip():
            with self.acting("memo"):
                self.project.store.add_mark(item.segment, self.reviewer, "memo", text.strip())

    def next(self) -> bool:
        """Leave this segment. With every suggestion decided (or when coding blind) it counts
        as reviewed by this reviewer; with suggestions still undecided it is not: it goes to
        the back of the queue, and comes back in the next session too. Returns whether the
        segment was finished. Inside another action (a decision that leaves nothing to
        decide), finishing the segment is part of that action."""
        item = self.current
        if item is None:
            return False
        finished = not self.undecided(item)
        if finished:
            with self.acting("next"):
                self.project.store.mark_reviewed(item.segment, self.reviewer)
            self.since_training += 1
        elif self.items[-1] is not item:
            self.items.append(self.items.pop(self.position))
            return False
        self.position += 1
        return finished

    # learning while reviewing -----------------------------------------------------------------
    def retrain_due(self) -> bool:
        """Whether enough segments were finished since the model last learned
        ([suggest] retrain_every; never when coding blind, which shows no suggestions)."""
        return bool(self.retrain_every) and self.since_training >= self.retrain_every

    def relearn_job(self) -> Any:
        """A function that retrains and stores new suggestions on its own connection to the
        store (so it can run in a background thread while the reviewer goes on), returning
        what :meth:`requeue` needs. Decisions made meanwhile are kept; the next retrain learns
        from them."""
        from qualcode.coding.learn import relearn
        from qualcode.project import open_project

        root = self.project.root
        codebook = self.project.root / self.codebook.source
        self.since_training = 0

        def job() -> Any:
            project = open_project(root)
            try:
                return relearn(project, codebook)
            finally:
                project.close()

        return job

    def requeue(self, uncertainty: dict[str, float]) -> int:
        """Rebuild the queue after the current segment from the store's undecided
        suggestions (a new model's), least certain first with interviews mixed; what was
        already looked at, and the current segment, stay as they are. Returns the queue's new
        length after the current segment."""
        store = self.project.store
        keep = self.items[: self.position + 1]
        seen = {i.segment for i in keep} | store.reviewed_by(self.reviewer)
        order = uncertainty if self.order in ("auto", "uncertainty") else {}
        rest = build_queue(
            store.current_segments(),
            store.queue_applications(),
            seen,
            self.filters,
            self.attributes,
            order,
        )
        self.items = keep + rest
        self.precision = store.model_precision()
        self.sources = store.code_sources()
        return len(rest)

    def progress(self) -> tuple[int, int, int, int]:
        """(segments finished, segments in all, this document's finished, its total): counted
        over this reviewer's whole history, so reopening does not start again at 1."""
        store = self.project.store
        done = store.reviewed_by(self.reviewer)
        queued = {i.segment for i in self.items}
        total = len(queued | done) if not self.blind else len(self.items) + self.reviewed_before
        finished = len(done & queued) + self.reviewed_before
        item = self.current
        if item is None:
            return finished, total, 0, 0
        in_doc = [i.segment for i in self.items if i.document_id == item.document_id]
        return finished, total, len(set(in_doc) & done), len(in_doc)

    def skip(self) -> None:
        if self.current is not None:
            self.position += 1

    def next_document(self) -> None:
        item = self.current
        if item is None:
            return
        while self.current is not None and self.current.document_id == item.document_id:
            self.position += 1

    def undo(self) -> str:
        """Take back this reviewer's latest action still standing, whole (whatever one key
        stored: decisions, the segment it finished, a mark, a memo; recorded as undone, never
        deleted), even one from an earlier session, and go back to its segment and suggestion.
        Returns the kind of action undone ('' when there was none)."""
        done = self.project.store.undo_last_action(self.reviewer)
        if done is None:
            return ""
        aid, kind, segment = done
        _, self.cursor = self.history.pop(aid, (segment, 0))
        self.key_quotes = self.project.store.key_quotes()
        if segment:
            self._go_to(segment)
        return kind

    def _go_to(self, segment: str) -> None:
        """Make ``segment`` the current one: where it is in the queue, else (finished in an
        earlier session) put back in front of the current one."""
        found = next((i for i, it in enumerate(self.items) if it.segment == segment), None)
        if found is not None:
            self.position = found
            return
        row = self.project.store.segment_row(segment)
        if row is None:  # no longer a current segment (its document was replaced)
            return
        item = Item(row[0], row[1], row[2], row[3], row[4])
        if not self.blind:
            seen: dict[int, Suggestion] = {}
            for r in self.project.store.segment_suggestions(segment):
                seen.setdefault(r[0], Suggestion(r[0], r[2], r[3], r[4], r[5], r[6], r[7]))
            item.suggestions = sorted(seen.values(), key=lambda s: (s.start, s.code, s.kind))
        self.position = min(self.position, len(self.items))
        self.items.insert(self.position, item)

    def state(self, item: Item) -> tuple[dict[int, str], list[str]]:
        """This reviewer's live decisions on the item: suggestion id -> action, and the codes
        they added."""
        decided: dict[int, str] = {}
        added: list[str] = []
        for app, action, code in self.project.store.session_decisions(item.segment, self.reviewer):
            if app is not None:
                decided[app] = action
            elif action == "add" and code not in added:
                added.append(code)
            elif action == "reject" and code in added:  # their own code taken back (untick)
                added.remove(code)
        return decided, added


def _uncertainty(project: Project) -> dict[str, float]:
    """Uncertainty of the latest model about each unlabelled segment (empty without a model)."""
    if project.store.latest_run("train") is None:
        return {}
    from qualcode.coding.learn import uncertainty_by_segment

    try:
        return uncertainty_by_segment(project)
    except QualcodeError:  # e.g. the codebook changed since training: plain order
        return {}
