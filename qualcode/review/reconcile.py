"""Reconciling two coders (or a coder and the machine): their disagreements, one at a time.

Each choice is one action, stored at once as a resolution (who chose, which side, the resolved
codes, the rationale); the latest resolution of a segment is the project's resolved coding (the
coder named ``resolved`` in agreement, exports and training). Undo takes the last choice back
(recorded as undone) and the disagreement is open again. Nothing is overwritten.
:func:`unresolved` lists what the final coding still has to settle, whoever coded it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from qualcode.codebook import Codebook
from qualcode.errors import QualcodeError
from qualcode.project import Project
from qualcode.review.longform import human_coders

MACHINES = ("rule", "model")
CHOICES = ("a", "b", "both", "neither", "other")


@dataclass(frozen=True)
class Disagreement:
    segment: str
    document_id: int
    turn: int
    start: int
    end: int
    a: frozenset[str]
    b: frozenset[str]

    def resolved(self, choice: str, other: str = "") -> set[str]:
        """The codes a choice gives: one side, both, only what they agree on, or that plus
        another code."""
        agreed = set(self.a & self.b)
        if choice == "a":
            return set(self.a)
        if choice == "b":
            return set(self.b)
        if choice == "both":
            return set(self.a | self.b)
        if choice == "neither":
            return agreed
        if choice == "other" and other:
            return agreed | {other}
        raise QualcodeError(f"unknown choice '{choice}'", f"use one of {', '.join(CHOICES)}")


def _codings(project: Project, who: str) -> dict[str, set[str]]:
    if who in MACHINES:
        return project.store.machine_codings(who)
    return human_coders(project.store, [who])[who]


def disagreements(project: Project, a: str, b: str, done: bool = False) -> list[Disagreement]:
    """Segments both saw (for a machine: every segment the other coder saw) whose codes differ,
    in document order; already-resolved ones are left out unless ``done``."""
    if a == b:
        raise QualcodeError("reconcile needs two different coders")
    ca, cb = _codings(project, a), _codings(project, b)
    if a in MACHINES:
        ca = {s: ca.get(s, set()) for s in cb}
    if b in MACHINES:
        cb = {s: cb.get(s, set()) for s in ca}
    resolved = project.store.resolutions()
    spans = {s[0]: s for s in project.store.current_segments()}
    out = []
    for seg in ca.keys() & cb.keys():
        if ca[seg] != cb[seg] and seg in spans and (done or seg not in resolved):
            row = spans[seg]
            out.append(
                Disagreement(
                    seg, row[1], row[2], row[3], row[4], frozenset(ca[seg]), frozenset(cb[seg])
                )
            )
    return sorted(out, key=lambda d: (d.document_id, d.start))


class ReconcileSession:
    def __init__(self, project: Project, codebook: Codebook, a: str, b: str, reviewer: str) -> None:
        if not reviewer.strip():
            raise QualcodeError(
                "who is reconciling?", "pass --as NAME or set reviewer in [project]"
            )
        self.project, self.codebook, self.a, self.b, self.reviewer = (
            project,
            codebook,
            a,
            b,
            reviewer,
        )
        self.items = disagreements(project, a, b)
        self.position = 0
        self.rationale = ""
        self.counts: Counter[str] = Counter()  # choices made this session, for the summary
        self.chosen: dict[int, str] = {}  # action id -> choice, of this session's choices
        docs = {d["id"]: d for d in project.store.current_documents()}
        attrs = project.store.participant_attributes()
        self.attributes = {i: attrs.get(d["participant_id"] or "", {}) for i, d in docs.items()}
        self._evidence: dict[tuple[str, str], tuple[int, int]] | None = None

    @property
    def current(self) -> Disagreement | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def text(self, item: Disagreement) -> tuple[str, str]:
        doc = self.project.store.document(item.document_id)
        return doc.text[item.start : item.end], doc.participant_id or doc.name

    def context(self, item: Disagreement) -> tuple[str, str]:
        """The turns before and after the segment, as 'speaker: text'."""
        doc = self.project.store.document(item.document_id)
        turns = {t.index: t for t in doc.turns}

        def said(index: int) -> str:
            t = turns.get(index)
            return f"{t.speaker or ''}: {doc.text[t.start : t.end]}" if t else ""

        return said(item.turn - 1), said(item.turn + 1)

    def name(self, code: str) -> str:
        c = self.codebook.code(code)
        return c.name if c is not None else code

    def definitions(self, item: Disagreement) -> list[str]:
        """The definitions of the codes the two sides disagree on."""
        out = []
        for code in sorted(item.a ^ item.b):
            c = self.codebook.code(code)
            out.append(
                f"{c.name}: {c.definition}" if c is not None else f"{code}: (not in codebook)"
            )
        return out

    def evidence(self, item: Disagreement) -> list[tuple[int, int]]:
        """Where the rules found the disputed codes (offsets into the segment's text)."""
        if self._evidence is None:
            self._evidence = self.project.store.rule_evidence()
        spans = []
        for code in item.a ^ item.b:
            span = self._evidence.get((item.segment, code))
            if span:
                spans.append((span[0] - item.start, span[1] - item.start))
        return spans

    def outcomes(self, item: Disagreement) -> dict[str, list[str]]:
        """What each choice would store, by code name."""
        return {c: sorted(self.name(x) for x in item.resolved(c)) for c in CHOICES[:4]}

    def summary(self) -> str:
        c = self.counts
        skipped = len(self.items) - sum(c.values())
        return (
            f"{sum(c.values())} of {len(self.items)} disagreements settled: {self.a}'s codes "
            f"{c['a']}, {self.b}'s {c['b']}, both {c['both']}, only the agreed codes "
            f"{c['neither']}, another code {c['other']}; {skipped} skipped (they stay open)."
        )

    def choose(self, choice: str, other: str = "") -> set[str]:
        item = self.current
        if item is None:
            raise QualcodeError("nothing left to reconcile")
        if choice == "other" and self.codebook.code(other) is None:
            raise QualcodeError(f"unknown code '{other}'", "pick one of the codebook's codes")
        codes = item.resolved(choice, other)
        store = self.project.store
        with store.action(self.reviewer, "reconcile", "reconcile", "terminal", item.segment) as aid:
            store.add_resolution(
                item.segment, self.a, self.b, choice, sorted(codes), self.rationale, self.reviewer
            )
        self.chosen[aid] = choice
        self.counts[choice] += 1
        self.rationale = ""
        self.position += 1
        return codes

    def skip(self) -> None:
        if self.current is not None:
            self.position += 1

    def undo(self) -> str:
        """Take back the reconciler's latest action still standing, whole (recorded as undone,
        never deleted); a choice's disagreement is open again and the current one. Returns
        the kind of action undone ('' when there was none)."""
        done = self.project.store.undo_last_action(self.reviewer)
        if done is None:
            return ""
        aid, kind, segment = done
        choice = self.chosen.pop(aid, "")
        if choice:
            self.counts[choice] -= 1
        found = next((i for i, d in enumerate(self.items) if d.segment == segment), None)
        if found is None:  # chosen in an earlier session: back in the list if open again
            again = [d for d in disagreements(self.project, self.a, self.b) if d.segment == segment]
            if again:
                found = min(self.position, len(self.items))
                self.items.insert(found, again[0])
        if found is not None:
            self.position = found
        return kind


def unresolved(project: Project) -> list[dict[str, Any]]:
    """The final coding's unresolved disagreements (segments two or more people coded
    differently, nothing reconciled), in document order: segment, document, participant, turn
    and each person's codes."""
    from qualcode.review.layers import final_coding

    disputed = final_coding(project).unresolved
    docs = {d["id"]: d for d in project.store.current_documents()}
    found: list[tuple[tuple[int, int], dict[str, Any]]] = []
    for seg, by in disputed.items():
        row = project.store.segment_row(seg)
        if row is None:
            continue
        doc = docs.get(row[1], {})
        entry = {
            "segment": seg,
            "document": doc.get("name", row[1]),
            "participant": doc.get("participant_id") or "",
            "turn": row[2],
            "codes": {person: sorted(codes) for person, codes in sorted(by.items())},
        }
        found.append(((row[1], row[3]), entry))
    return [entry for _, entry in sorted(found, key=lambda f: f[0])]
