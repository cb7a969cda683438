"""The record's rules, in one place: each person's layer, the final coding, who may decide what.

Every reader of the coded material (reports, quotes, memos, saturation, the methods appendix,
agreement, REFI-QDA export, the suggester's training labels, the review server) goes through this
module; none of them pools codings on its own.

- **A person's layer.** Every coding belongs to one person. Imported or typed codings are the
  importing coder's; accepting a machine suggestion gives the reviewer's coding of its code (the
  suggestion is its provenance); a change gives the reviewer's coding of the new code; a code
  added on a segment, or ticked by a blind coder, is theirs. A rejection (or a change) is a
  decision on that suggestion only: it is the reviewer's judgement that the code is absent, and
  never takes anything from anyone else's layer. A person's own code taken back (unticked,
  undone) leaves their layer only.
- **Machine suggestions are not codings.** Rule, model, topic and search suggestions become part
  of the record only through a person's decision. Only a current, undecided machine suggestion
  may be decided (:func:`decidable`); a person's coding never is.
- **Independent double coding.** A segment counts as independently double-coded when two or
  more people coded it without seeing each other's codes: imported codings and blind coding.
  Reviewing the machine's suggestions is never independent coding.
- **The final coding** (what every finding uses), per segment: the one person's codes where
  one person coded it; the latest reconcile resolution where it was reconciled; the codes all
  agree on where several people coded it without disagreeing (their union: a reviewer accepting
  what an importer also coded agrees). Where they disagree (a code given by one and judged
  absent by another: not given by an independent coder, or rejected by a reviewer) and nothing
  was reconciled, the segment is an *unresolved disagreement*, settled by ``[review]
  unresolved``: ``"all"`` (the default: codes any of them gave), ``"agreed"`` (only the codes
  none of them judged absent), or ``"coder:NAME"`` (NAME's codes where NAME coded the segment,
  else all). The number of unresolved disagreements and the rule used are stated by ``status``,
  in reports' notes and in the methods appendix; ``qualcode reconcile`` lists them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MACHINE_KINDS = ("rule", "model", "topic")
PERSON_KINDS = ("human", "import")
INDEPENDENT_MODES = ("blind", "import")
# Codings a person gave one code at a time, judging nothing else about the segment (``qualcode
# search --code-as``): they add to the person's layer but never finish a segment for them, make
# it independently coded, or say any other code is absent.
PARTIAL_MODES = ("search",)
RESOLVED = "resolved"  # the name the reconciled coding goes by among the coders
RULES = ("all", "agreed")  # and "coder:NAME"


@dataclass(frozen=True)
class Coding:
    """One person's coding of one code on one segment, and how it came about."""

    person: str
    segment: str
    code: str
    how: str  # imported, accepted, added, changed, blind
    suggestion: int | None  # the machine suggestion it was accepted or changed from
    at: str


@dataclass
class Layer:
    """One person's coding: what they gave, what they judged absent, where they coded blind."""

    person: str
    codes: dict[str, set[str]] = field(default_factory=dict)  # segment -> codes given
    absent: dict[str, set[str]] = field(default_factory=dict)  # segment -> codes judged absent
    complete: set[str] = field(default_factory=set)  # segments they finished (or imported)
    independent: set[str] = field(default_factory=set)  # segments coded blind or imported
    codings: dict[tuple[str, str], Coding] = field(default_factory=dict)

    def segments(self) -> set[str]:
        """Segments in this layer: finished, imported, or given a code."""
        return self.complete | {s for s, c in self.codes.items() if c}

    def finished(self) -> dict[str, set[str]]:
        """The layer's complete segments and their codes (what agreement compares)."""
        return {s: set(self.codes.get(s, set())) for s in self.complete}


@dataclass
class Final:
    """The final coding every finding reads, and what it had to settle."""

    codes: dict[str, set[str]]  # segment -> codes (every segment someone coded; may be empty)
    origin: dict[str, str]  # segment -> a person's name, "agreed", "reconciled" or "unresolved"
    unresolved: dict[str, dict[str, set[str]]]  # segment -> person -> codes, still disputed
    rule: str
    complete: set[str] = field(default_factory=set)  # finished, imported or reconciled

    def describe(self) -> str:
        """The rule for unresolved disagreements, as reports state it."""
        if self.rule == "agreed":
            return "only the codes no coder judged absent"
        if self.rule.startswith("coder:"):
            return f"{self.rule[6:]}'s codes where they coded the segment, else any coder's"
        return "the codes any coder gave"

    def note(self) -> str:
        """One line for reports, the appendix and status."""
        n = len(self.unresolved)
        if not n:
            return "No unresolved disagreements between coders."
        return (
            f"{n} segment{'s' if n != 1 else ''} coded differently by two or more people "
            f"{'are' if n != 1 else 'is'} not yet reconciled; "
            f"{'they use' if n != 1 else 'it uses'} {self.describe()} (qualcode reconcile)."
        )


class Record:
    """Each person's layer and the reconciled resolutions, read from the store once."""

    def __init__(self, store: Any) -> None:
        self.layers: dict[str, Layer] = {}
        self.resolutions: dict[str, tuple[set[str], str, str]] = {}
        shown = store.shown_suggestions()
        for _app, seg, code, _kind, source, _, at in store.record_imports():
            layer = self._layer(source)
            layer.codes.setdefault(seg, set()).add(code)
            layer.complete.add(seg)
            layer.independent.add(seg)
            layer.codings[(seg, code)] = Coding(source, seg, code, "imported", None, at or "")
        self._decisions(store.record_decisions(), shown)
        for seg, who, mode in store.record_reviews():
            layer = self._layer(who)
            layer.complete.add(seg)
            if mode in INDEPENDENT_MODES:
                layer.independent.add(seg)
        for seg, codes, who, _a, _b, at in store.record_resolutions():
            self.resolutions[seg] = (set(json.loads(codes)), who, at)

    def _layer(self, person: str) -> Layer:
        if person not in self.layers:
            self.layers[person] = Layer(person)
        return self.layers[person]

    def _decisions(self, rows: Iterable[tuple[Any, ...]], shown: dict[str, set[int]]) -> None:
        reviewed: set[tuple[str, str]] = set()  # (person, segment) with a suggestion decided
        touched: set[tuple[str, str]] = set()
        decided: dict[tuple[str, str], set[int]] = {}  # each person's own decisions only
        changed: set[int | None] = set()  # actions (or legacy notes) that changed a suggestion
        for _, seg, code, who, action, _kind, mode, app, at, aid, note in rows:
            layer = self._layer(who)
            given, gone = layer.codes.setdefault(seg, set()), layer.absent.setdefault(seg, set())
            if mode in PARTIAL_MODES:  # one code given, nothing else judged
                given.add(code)
                layer.codings[(seg, code)] = Coding(who, seg, code, "added", app, at)
                continue
            touched.add((who, seg))
            if app is not None:
                reviewed.add((who, seg))
                decided.setdefault((who, seg), set()).add(app)
            if mode == "blind":
                layer.independent.add(seg)
            if action in ("accept", "add"):
                given.add(code)
                gone.discard(code)
                how = "accepted" if action == "accept" else "added"
                if action == "add" and (aid in changed or note.startswith("changed from")):
                    how = "changed"
                elif action == "add" and mode == "blind":
                    how = "blind"
                layer.codings[(seg, code)] = Coding(who, seg, code, how, app, at)
            else:  # a rejection or change of a suggestion, or a code taken back
                given.discard(code)
                layer.codings.pop((seg, code), None)
                if app is not None:
                    gone.add(code)
                if action == "recode" and aid is not None:
                    changed.add(aid)
        for who, seg in touched:  # finished once they decided every suggestion they were shown
            if shown.get(seg, set()) <= decided.get((who, seg), set()):  # (theirs alone: another
                self.layers[who].complete.add(seg)  # person's decisions never finish it)
        for who, seg in touched - reviewed:  # legacy blind coding: codes given, no suggestion
            layer = self.layers[who]
            if seg in layer.complete and not layer.absent.get(seg):
                layer.independent.add(seg)
        for who, seg in reviewed:  # reviewing suggestions is never independent coding
            self.layers[who].independent.discard(seg)

    # readers ----------------------------------------------------------------------------------
    def people(self) -> list[str]:
        return sorted(p for p, layer in self.layers.items() if layer.segments())

    def by_person(self, complete: bool = True) -> dict[str, dict[str, set[str]]]:
        """person -> segment -> codes (only segments they finished, unless not ``complete``),
        plus the reconciled coding as the coder ``resolved``."""
        out: dict[str, dict[str, set[str]]] = {}
        for person, layer in sorted(self.layers.items()):
            got = layer.finished() if complete else {
                s: set(layer.codes.get(s, set())) for s in layer.segments()
            }  # fmt: skip
            if got:
                out[person] = got
        if self.resolutions:
            out[RESOLVED] = {s: set(c) for s, (c, _, _) in self.resolutions.items()}
        return out

    def judged(self, segments: Iterable[str]) -> dict[str, set[str] | None]:
        """segment -> the codes people judged on it: those given, and those judged absent (a
        suggestion rejected or changed); None where every code was judged (imported, coded
        blind, or reconciled). A code nobody gave on a segment where nobody judged it (a
        reviewer who was not shown it) is unknown, not absent: partial labels."""
        out: dict[str, set[str] | None] = {}
        for seg in segments:
            if seg in self.resolutions:
                out[seg] = None
                continue
            got: set[str] | None = set()
            for layer in self.layers.values():
                if seg not in layer.complete or got is None:
                    continue
                if seg in layer.independent:
                    got = None
                else:
                    got |= layer.codes.get(seg, set()) | layer.absent.get(seg, set())
            out[seg] = got
        return out

    def double_coded(self) -> set[str]:
        """Segments two or more people coded independently (blind or imported)."""
        seen: dict[str, int] = {}
        for layer in self.layers.values():
            for seg in layer.independent & layer.segments():
                seen[seg] = seen.get(seg, 0) + 1
        return {s for s, n in seen.items() if n >= 2}

    def final(self, rule: str = "all") -> Final:
        codes: dict[str, set[str]] = {}
        origin: dict[str, str] = {}
        unresolved: dict[str, dict[str, set[str]]] = {}
        coded: dict[str, list[Layer]] = {}
        for layer in self.layers.values():
            for seg in layer.segments():
                coded.setdefault(seg, []).append(layer)
        for seg in coded.keys() | self.resolutions.keys():
            if seg in self.resolutions:
                codes[seg], origin[seg] = set(self.resolutions[seg][0]), "reconciled"
                continue
            layers = coded[seg]
            if len(layers) == 1:
                codes[seg], origin[seg] = set(layers[0].codes.get(seg, set())), layers[0].person
                continue
            given = set().union(*(x.codes.get(seg, set()) for x in layers))
            disputed = {c for c in given if any(_judged_absent(x, seg, c) for x in layers)}
            if not disputed:
                codes[seg], origin[seg] = given, "agreed"
                continue
            unresolved[seg] = {x.person: set(x.codes.get(seg, set())) for x in layers}
            codes[seg], origin[seg] = _settle(rule, given, disputed, unresolved[seg]), "unresolved"
        complete = set(self.resolutions)
        for layer in self.layers.values():
            complete |= layer.complete
        return Final(codes, origin, unresolved, rule, complete)


def _judged_absent(layer: Layer, seg: str, code: str) -> bool:
    if code in layer.codes.get(seg, set()):
        return False
    return seg in layer.independent or code in layer.absent.get(seg, set())


def _settle(rule: str, given: set[str], disputed: set[str], by: dict[str, set[str]]) -> set[str]:
    if rule == "agreed":
        return given - disputed
    if rule.startswith("coder:") and rule[6:] in by:
        return set(by[rule[6:]])
    return set(given)


def check_rule(rule: str) -> bool:
    """Whether ``rule`` is a valid [review] unresolved setting."""
    return rule in RULES or (rule.startswith("coder:") and bool(rule[6:].strip()))


def record(project: Any) -> Record:
    """The project's record (each person's layer and the resolutions)."""
    return Record(project.store)


def final_coding(project: Any, rec: Record | None = None) -> Final:
    """The final coding, by the project's [review] unresolved rule: what findings use."""
    return (rec or record(project)).final(project.settings.review.unresolved)


def decidable(state: tuple[str, str, str, int | None, int] | None) -> str:
    """Whether a stored application may be decided: 'ok', or why not ('missing', 'coding':
    a person's coding is not a suggestion, 'superseded', 'taken'). ``state`` = (segment, code,
    kind, superseded by run, live decisions) as the store gives it."""
    if state is None:
        return "missing"
    _, _, kind, superseded, decisions = state
    if kind not in MACHINE_KINDS:
        return "coding"
    if superseded is not None:
        return "superseded"
    return "taken" if decisions else "ok"


def labelled(project: Any) -> tuple[list[tuple[str, int, int, int, int]], dict[str, set[str]]]:
    """What the suggester learns from: (segment rows, final codes) of every segment someone
    finished, imported or reconciled (half-reviewed segments are not labels yet)."""
    final = final_coding(project)
    labels = {s: c for s, c in final.codes.items() if s in final.complete}
    rows = [r for r in project.store.current_segments() if r[0] in labels]
    return rows, labels


def labelled_judged(
    project: Any,
) -> tuple[list[tuple[str, int, int, int, int]], dict[str, set[str]], dict[str, set[str] | None]]:
    """:func:`labelled`, and which codes people judged on each of those segments
    (:meth:`Record.judged`): what the suggester may count as negatives."""
    rec = record(project)
    final = final_coding(project, rec)
    labels = {s: c for s, c in final.codes.items() if s in final.complete}
    rows = [r for r in project.store.current_segments() if r[0] in labels]
    return rows, labels, rec.judged(labels)
