"""Findings for reports: the resolved coding of every segment, as plain data for exporters.

Resolved codings are the final coding (``qualcode.review.layers``: each person's layer, the
reconciled resolutions, the declared rule for unresolved disagreements). With
``include_suggestions`` the machine's undecided suggestions are added, marked as such. Quotes
are pseudonymised here, before any exporter sees them; exporters never read the store.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from qualcode.codebook import Codebook
from qualcode.project import Project
from qualcode.review.quotechoice import find_evidence
from qualcode.segment import trim


@dataclass
class Quote:
    """A coded segment as a report may quote it. Its ``text`` (whole sentences around the
    evidence, trimmed and pseudonymised) is made the first time something reads it: a matrix
    shows one quote per cell, so most are never made."""

    participant: str
    turn: int
    code: str
    segment: str = field(repr=False)  # the segment's own text, before trimming
    focus: tuple[int, int] | None  # the rules' evidence, as offsets into ``segment``
    key: bool  # marked as a key quote by a reviewer
    status: str  # "resolved" or "suggested"
    score: float
    limit: int = 320
    pseudo: Callable[[str], str] | None = field(default=None, repr=False, compare=False)
    _marked: str | None = field(default=None, repr=False, compare=False)
    asked: str = field(default="", repr=False, compare=False)  # the question just before it
    hits: int = 0  # how often the code's evidence (rule match, keywords, model terms) occurs
    # made once each (a report ranks every quote many times): never passed, never copied
    _words: int | None = field(default=None, init=False, repr=False, compare=False)
    _weak: bool | None = field(default=None, init=False, repr=False, compare=False)
    _rank: tuple[Any, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def evidence(self) -> int:
        """The code's evidence in this turn: the rules' match and the code's terms found."""
        return self.hits or int(self.focus is not None)

    @property
    def weak(self) -> bool:
        """An introduction, consent talk or a sign-off rather than evidence."""
        if self._weak is None:
            self._weak = _weak_turn(self.segment, self.asked)
        return self._weak

    @property
    def words(self) -> int:
        if self._words is None:
            from qualcode.review.quotechoice import words

            self._words = words(self.text)
        return self._words

    @property
    def marked(self) -> str:
        """The quote with the evidence between EVIDENCE marks (writers bold it or drop them)."""
        if self._marked is None:
            segment, focus = self.segment, self.focus
            if focus is not None and 0 <= focus[0] < focus[1] <= len(segment):
                a, b = focus
                segment = segment[:a] + EVIDENCE[0] + segment[a:b] + EVIDENCE[1] + segment[b:]
                focus = (a + 1, b + 1)
            if self.pseudo:  # the whole segment before it is cut: never half a name left
                segment = _STAND_IN.sub(
                    lambda m: m.group().replace(" ", _JOIN), self.pseudo(segment)
                )
                a, b = segment.find(EVIDENCE[0]), segment.find(EVIDENCE[1])
                focus = (a + 1, b) if 0 <= a < b else None
            made = excerpt(segment, self.limit, focus).replace(_JOIN, " ")  # "[Name 3]" whole
            if made.count(EVIDENCE[0]) != 1 or made.count(EVIDENCE[1]) != 1:  # cut by the trim
                made = unmark(made)
            self._marked = made
        return self._marked

    @property
    def text(self) -> str:
        return unmark(self.marked)


@lru_cache(maxsize=4096)  # a turn coded under several codes is judged once
def _weak_turn(text: str, asked: str) -> bool:
    from qualcode.review.quotechoice import consent, introduction

    return weak_quote(text) or introduction(text, asked) or consent(text, asked)


_STAND_IN = re.compile(r"\[[A-Z][\w ]{0,30} \d+\]")  # "[Name 3]": never cut in two
_JOIN = "\u2060"  # joins a stand-in's words while a quote is cut to length
EVIDENCE = ("\x02", "\x03")  # around the evidence words inside a quote's marked text
MACHINE = ("\x04", "\x05")  # around what comes from unreviewed suggestions (set in italics)


def unmark(text: str) -> str:
    for mark in (*EVIDENCE, *MACHINE):
        text = text.replace(mark, "")
    return text


@dataclass
class Participant:
    id: str
    attributes: dict[str, str]  # only the attributes the project allows in reports

    def label(self) -> str:
        shown = [v for v in self.attributes.values() if v]
        return ", ".join([self.id, *shown])


@dataclass
class ReportData:
    title: str
    codebook: Codebook
    participants: list[Participant]
    quotes: list[Quote]
    group_by: str
    groups: dict[str, str]  # participant id -> group value
    includes_suggestions: bool
    replacements: dict[str, int] = field(default_factory=dict)
    lang: str = "en"
    # what must not be in a written report: the pseudonymiser its quotes were made with (the
    # leak gate reads the file back against all it knows), or plain names
    listed: Any = ()
    transpose: bool = False  # matrices with codes as rows and participants as columns
    # the final coding's rule and its unresolved disagreements, stated in every report:
    # Final.note() (qualcode.review.layers), and (how many, the [review] unresolved rule) for
    # saying it in the report's language
    final_note: str = ""
    unresolved: tuple[int, str] = (0, "all")
    welsh: dict[str, str] = field(default_factory=dict)  # [export.cy]: names and values
    # framework summaries: (participant, code) -> qualcode.analysis.summaries.Summary, shown in
    # the matrix's cells with their authors (machine drafts only in a draft report)
    summaries: dict[tuple[str, str], Any] = field(default_factory=dict)
    overview: bool = False  # a matrix opens with its overview (qualcode.export.overview)
    # participants someone has coded (a segment of theirs finished, imported or reconciled):
    # the only ones a reviewed report counts, since a code not found in an unread interview is
    # not yet known (as the crosstab's N); None in a draft, where suggestions cover everyone
    examined: set[str] | None = None

    def attribute(self, name: str) -> str:
        """An attribute's name as a sentence or header shows it, in the report's language."""
        from qualcode.export.words import both

        return both(self.lang, display(name).lower(), self.welsh.get(name, ""))

    def code_name(self, code_id: str) -> str:
        from qualcode.export.words import both

        code = self.codebook.code(code_id)
        return code_id if code is None else both(self.lang, code.name, code.name_cy)

    def definition(self, code_id: str) -> str:
        from qualcode.export.words import both

        code = self.codebook.code(code_id)
        return "" if code is None else both(self.lang, code.definition, code.definition_cy)

    def criteria(self, code_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(include, exclude) in the report's language where the codebook gives them."""
        code = self.codebook.code(code_id)
        if code is None:
            return (), ()
        if self.lang == "cy":
            return code.include_cy or code.include, code.exclude_cy or code.exclude
        if self.lang == "en+cy":
            return code.include + code.include_cy, code.exclude + code.exclude_cy
        return code.include, code.exclude

    def examples(self, code_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(typical, atypical) examples in the report's language where the codebook gives
        them (examples_cy)."""
        code = self.codebook.code(code_id)
        if code is None:
            return (), ()
        if self.lang == "cy":
            return code.typical_cy or code.typical, code.atypical_cy or code.atypical
        if self.lang == "en+cy":
            return code.typical + code.typical_cy, code.atypical + code.atypical_cy
        return code.typical, code.atypical

    def group_name(self, group_id: str) -> str:
        from qualcode.export.words import both

        group = next(g for g in self.codebook.groups if g.id == group_id)
        return both(self.lang, group.name, group.name_cy)


def display(value: str) -> str:
    """An attribute's name or value as a reader sees it: 'local_authority' -> 'Local authority',
    'partner' -> 'Partner' (values already capitalised are left alone)."""
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else text


@lru_cache(maxsize=4096)  # a pure function, asked again for a segment under several codes
def excerpt(text: str, limit: int, focus: tuple[int, int] | None = None) -> str:
    """Whole sentences of ``text`` around ``focus`` (offsets into ``text``; the opening when
    None) within about ``limit`` characters, with an ellipsis where text was left out."""
    from qualcode.segment import sentence_spans

    spans = list(sentence_spans(text, 0, len(text))) or [(0, len(text))]
    if focus is None or len(" ".join(text.split())) <= limit:
        return trim(text, limit)
    i = next((k for k, (a, b) in enumerate(spans) if a <= focus[0] < b), 0)
    lo = hi = i
    size = spans[i][1] - spans[i][0]
    while True:  # grow forwards first (the point usually follows), then backwards
        grown = False
        for j in (hi + 1, lo - 1):
            if 0 <= j < len(spans) and size + spans[j][1] - spans[j][0] + 1 <= limit:
                size += spans[j][1] - spans[j][0] + 1
                lo, hi = min(lo, j), max(hi, j)
                grown = True
                break
        if not grown:
            break
    body = " ".join(text[spans[lo][0] : spans[hi][1]].split())
    if len(body) > limit:  # one long sentence: a window of words around the focus
        words = text[spans[lo][0] : spans[hi][1]]
        start = max(0, focus[0] - spans[lo][0] - limit // 3)
        start = words.rfind(" ", 0, start) + 1 if start else 0
        body = " ".join(words[start:].split())[:limit]
        body = body[: body.rfind(" ")] if " " in body else body
        return ("… " if start or lo else "") + body + " …"
    return ("… " if lo > 0 else "") + body + (" …" if hi < len(spans) - 1 else "")


def resolved_codings(
    project: Project, include_suggestions: bool, final: Any = None
) -> dict[str, dict[str, tuple[str, float]]]:
    """segment -> code -> (status, strength) for every coded segment (interviewer turns only
    with [coding] interviewer_units: their words are not a participant's). ``final``: the final
    coding when the caller has it already."""
    from qualcode.review.layers import final_coding

    store = project.store
    out: dict[str, dict[str, tuple[str, float]]] = defaultdict(dict)
    asked = set() if project.settings.coding.interviewer_units else store.interviewer_segments()
    final = final or final_coding(project)  # the one place that decides what findings use
    labels = {s: c for s, c in final.codes.items() if s not in asked}
    for seg, codes in labels.items():
        for code in codes:
            out[seg][code] = ("resolved", 2.0)
    if include_suggestions:
        for _, seg, code, kind, _, score, _, _ in store.queue_applications():
            if seg not in final.complete and kind != "topic" and code not in out[seg]:
                out[seg][code] = ("suggested", float(score or 0.0))
    return {s: c for s, c in out.items() if c}


def build_report(
    project: Project,
    codebook: Codebook,
    include_suggestions: bool = False,
    group_by: str = "",
    lang: str = "en",
) -> ReportData:
    settings = project.settings.export
    store = project.store
    from qualcode.review.identifiers import project_pseudonymiser

    pseudo = project_pseudonymiser(project)  # everything the project knows, one numbering
    remembered = Remembered(pseudo)  # a segment coded under several codes is done once
    docs = {d["id"]: d for d in store.current_documents()}
    attrs = store.participant_attributes()
    group_by = group_by or settings.group_by
    participants: dict[str, Participant] = {}
    groups: dict[str, str] = {}
    welsh = settings.welsh() if lang != "en" else {}
    local = _translator(lang, welsh)
    for d in docs.values():
        pid = d["participant_id"] or d["name"]
        a = attrs.get(d["participant_id"] or "", {})
        participants[pid] = Participant(pid, {k: local(a.get(k, "")) for k in settings.attributes})
        groups[pid] = local(a.get(group_by, ""))
    spans = {s[0]: s for s in store.current_segments()}
    keys = store.key_quotes()
    evidence = store.rule_evidence()
    known = {c.id for c in codebook.codes}
    terms = evidence_terms(project, codebook)
    texts: dict[int, Any] = {}
    quotes = []
    from qualcode.review.layers import final_coding

    final = final_coding(project)  # read once: the quotes and the report's note stand on it
    for seg, codes in sorted(resolved_codings(project, include_suggestions, final).items()):
        if seg not in spans:
            continue
        _, doc_id, turn, start, end = spans[seg]
        if doc_id not in texts:
            texts[doc_id] = store.document(doc_id)
        pid = docs[doc_id]["participant_id"] or docs[doc_id]["name"]
        doc = texts[doc_id]
        text, asked = doc.text[start:end], _asked(doc, turn)
        for code, (status, strength) in sorted(codes.items()):
            if code in known:
                ev = evidence.get((seg, code))
                focus = (ev[0] - start, ev[1] - start) if ev else None
                found, hits = find_evidence(text, terms[code])
                quotes.append(
                    Quote(
                        pid, turn, code, text, focus or found, seg in keys, status, strength,
                        settings.quote_chars, remembered, asked=asked, hits=hits + bool(focus),
                    )
                )  # fmt: skip
    title = local(project.settings.name, welsh.get("title", ""))
    report = ReportData(
        title,
        codebook,
        sorted(participants.values(), key=lambda p: p.id),
        quotes,
        group_by,
        groups,
        include_suggestions,
        pseudo.replacements,  # live: counts what the written quotes replaced
        lang,
        pseudo,
        final_note=final.note(),
        unresolved=(len(final.unresolved), final.rule),
        welsh=welsh,
    )
    if not include_suggestions:
        seen = final.complete | final.codes.keys()
        report.examined = {
            docs[spans[s][1]]["participant_id"] or docs[spans[s][1]]["name"]
            for s in seen
            if s in spans
        }
    return report


class Remembered:
    """A pseudonymiser's answers remembered per text: a text seen before gets the same answer
    without being searched again, and its replacements are counted again, as calling the
    pseudonymiser again would count them (its stand-ins are already numbered, so the answer
    cannot differ). A report's provenance counts every replacement its quotes made."""

    def __init__(self, pseudo: Any) -> None:
        self.pseudo = pseudo
        self.done: dict[str, tuple[str, dict[str, int]]] = {}

    def __call__(self, text: str) -> str:
        got = self.done.get(text)
        counts = self.pseudo.replacements
        if got is None:
            before = dict(counts)
            said = self.pseudo(text)
            added = {k: n - before.get(k, 0) for k, n in counts.items() if n != before.get(k, 0)}
            got = self.done[text] = (said, added)
        else:
            for k, n in got[1].items():
                counts[k] += n
        return got[0]


def _translator(lang: str, welsh: dict[str, str]) -> Callable[..., str]:
    """Attribute values (and the title) in the report's language, through [export.cy]: the
    value as given, else any entry equal to it but for case."""
    from qualcode.export.words import both

    folded = {k.casefold(): v for k, v in welsh.items()}

    def local(value: str, given: str = "") -> str:
        if not value:
            return value
        cy = given or welsh.get(value) or folded.get(value.casefold(), "")
        return both(lang, value, cy)

    return local


def _asked(doc: Any, turn: int) -> str:
    """What the interviewer said last before turn ``turn`` (its question, as a rule)."""
    before = [t for t in doc.turns if t.index < turn and t.role == "interviewer"]
    return doc.text[before[-1].start : before[-1].end] if before else ""


def evidence_terms(project: Project, codebook: Codebook) -> dict[str, re.Pattern[str] | None]:
    """Per code, a pattern for its evidence words: its rules' keywords and the learned model's
    strongest terms for it (when a model has been trained)."""
    from qualcode.review.quotechoice import model_terms, terms_pattern

    learned = model_terms(project)
    return {
        c.id: terms_pattern([*c.rules.keywords, *learned.get(c.id, ())]) for c in codebook.codes
    }


# Turns that say nothing about the evaluation however they were coded: a consent, a
# self-introduction, the sign-off. They are quoted only when a code has nothing else.
_WEAK = re.compile(
    r"\b(?:happy (?:for you )?to (?:record|go ahead|carry on|start)|(?:i )?consent\b|"
    r"(?:yes|yeah),? (?:go ahead|that'?s fine)|that'?s fine,? go ahead|my name is|"
    r"thank(?:s| you)(?: very much)? for (?:having|asking|your time|listening)|"
    r"(?:no,? )?(?:i think )?that'?s (?:everything|all|it) (?:from me|really)|nothing else to add)",
    re.IGNORECASE,
)
WEAK_CHARS = 240  # only short turns are judged by those phrases


def weak_quote(text: str) -> bool:
    """Whether a turn is a consent, an introduction or a sign-off rather than evidence."""
    return len(text) <= WEAK_CHARS and bool(_WEAK.search(text))


def pseudonymise_codings(
    rows: Iterable[dict[str, Any]], pseudo: Callable[[str], str]
) -> Iterator[dict[str, Any]]:
    """Codings rows as a shared file may show them: the text pseudonymised, the speaker by role
    and participant id (a speaker label is often a full name nobody thought to list)."""
    done: dict[str, str] = {}  # a segment's text is the same in each of its codings
    seen: set[str] = set()  # coders and deciders: named in their columns on purpose
    allow = getattr(pseudo, "allow", None)
    for row in rows:
        people = {str(row.get(k) or "") for k in ("person", "decided_by")}
        if row.get("kind") in ("human", "import"):
            people.add(str(row.get("source") or ""))
        if allow is not None and people - seen - {""}:
            allow(people - seen - {""})  # the leak gate lets these pass in the file
            seen |= people
        who = "interviewer" if row.get("role") == "interviewer" else row.get("participant") or ""
        text = str(row.get("text") or "")
        if text not in done:
            done[text] = pseudo(text)
        yield {**row, "text": done[text], "speaker": who}


def best_quotes(quotes: list[Quote], n: int) -> list[Quote]:
    """The ``n`` best quotes by the report's rules (``qualcode.review.quotechoice``), each turn
    once."""
    from qualcode.review.quotechoice import rank

    out: list[Quote] = []
    seen: set[tuple[str, int]] = set()
    for q in sorted(quotes, key=rank):
        if (q.participant, q.turn) not in seen:
            out.append(q)
            seen.add((q.participant, q.turn))
        if len(out) == n:
            break
    return out


def prevalence(
    report: ReportData, resolved_only: bool = False
) -> dict[str, dict[str, tuple[int, int]]]:
    """code -> group -> (participants who raised it, participants in the group); group '' is
    everyone. ``resolved_only``: counting reviewed codings only, not suggestions."""
    from qualcode.export.words import say

    members: dict[str, set[str]] = defaultdict(set)
    none = say(report.lang, "no_group")  # participants the attribute sheet gives no group
    for p in report.participants:
        if report.examined is not None and p.id not in report.examined:
            continue  # nobody has coded them: whether they raised a code is not yet known
        members[""].add(p.id)
        members[report.groups.get(p.id, "") or none].add(p.id)
    raised: dict[str, set[str]] = defaultdict(set)
    for q in report.quotes:
        if not resolved_only or q.status == "resolved":
            raised[q.code].add(q.participant)
    return {
        c.id: {g: (len(raised[c.id] & ids), len(ids)) for g, ids in sorted(members.items())}
        for c in report.codebook.codes
    }


def untranslated(report: ReportData) -> tuple[list[str], list[str]]:
    """For a Welsh report: the codes whose name or definition has no Welsh in the codebook
    (or whose criteria or examples lack it where the English has them), and the attribute
    values shown with no [export.cy] entry."""
    codes = []
    for c in report.codebook.codes:
        pairs = ((c.name, c.name_cy), (c.definition, c.definition_cy),
                 (c.include, c.include_cy), (c.exclude, c.exclude_cy),
                 (c.typical, c.typical_cy), (c.atypical, c.atypical_cy))  # fmt: skip
        if any(english and not welsh for english, welsh in pairs):
            codes.append(c.id)
    from qualcode.export.words import SEPARATOR

    done = {k.casefold() for k in report.welsh} | {v.casefold() for v in report.welsh.values()}
    values = {v for p in report.participants for v in p.attributes.values()}
    values |= set(report.groups.values())
    missing = sorted(v for v in values if v and SEPARATOR not in v and v.casefold() not in done)
    return codes, missing
