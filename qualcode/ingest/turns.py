"""From a document's text and lines to speaker turns with exact character offsets.

Readers hand over the normalised text plus, where the format marks speakers structurally (a bold
run, a table cell, a subtitle voice tag), a hint per line. Everything else is found by
:mod:`qualcode.ingest.labels`. A turn's ``start:end`` is an exact slice of the stored text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from qualcode.ingest import labels as lb
from qualcode.models import INTERVIEWER, PARTICIPANT, Turn

PARTICIPANT_PATTERNS = (
    r"participant\s*\d*",
    r"respondent\s*\d*",
    r"interviewee\s*\d*",
    r"informant\s*\d*",
    r"r\d*",
    r"a",
    r"p\s*\d+",
    r"ie",
)
_LEGEND_RE = re.compile(
    r"(?:^|[\s,;])(?P<label>[A-Z][\w]{0,11}(?: \d+)?)\s*[:=]\s*(?P<who>[^\n,;]{1,40})"
)
_INTERVIEWER_WORDS = re.compile(r"\binterv(?!iewee)|researcher|moderator|facilitator", re.I)
_PARTICIPANT_WORDS = re.compile(r"informant|participant|respondent|interviewee", re.I)


@dataclass(frozen=True, slots=True)
class Line:
    """A line of the document text; ``speaker`` and ``speech`` are a reader's structural hint."""

    start: int
    end: int
    speaker: str | None = None
    speech: int | None = None  # absolute offset where the speech starts, with ``speaker``
    timestamp: str | None = None


@dataclass
class _Open:
    speaker: str | None
    start: int
    end: int
    timestamp: str | None


def split_lines(text: str) -> list[Line]:
    """Lines of ``text`` with their offsets (the newline itself belongs to no line)."""
    lines, pos = [], 0
    for part in text.split("\n"):
        lines.append(Line(pos, pos + len(part)))
        pos += len(part) + 1
    return lines


def _detect(text: str, lines: list[Line], known: lb.Known) -> list[lb.Label | None]:
    found: list[lb.Label | None] = []
    after_time = False  # the last non-blank line was a timestamp alone
    for ln in lines:
        line = text[ln.start : ln.end]
        if ln.speaker is not None:
            speech = (ln.speech if ln.speech is not None else ln.start) - ln.start
            found.append(lb.Label(ln.speaker, speech, ln.timestamp, True))
        else:
            label = lb.find_label(line, known)
            found.append(label or (lb.bare_name(line, known) if after_time else None))
        if line.strip():
            after_time = ln.speaker is None and lb.time_only(line) is not None
    return found


def _accepted(found: list[lb.Label | None], known: lb.Known) -> set[str]:
    """Speaker keys taken as real speakers: seen twice, typographically marked, or known."""
    counts = Counter(lb.speaker_key(f.speaker) for f in found if f is not None)
    marked = {lb.speaker_key(f.speaker) for f in found if f is not None and f.marked}
    spellings = {f.speaker for f in found if f is not None}
    named = {lb.speaker_key(s) for s in spellings if lb.known_label(s, known)}
    return {k for k, n in counts.items() if n >= 2 or k in marked or k in named}


def _display_names(found: list[lb.Label | None]) -> dict[str, str]:
    """Each speaker key's most common spelling (the first seen among equals)."""
    spellings: dict[str, Counter[str]] = {}
    for f in found:
        if f is not None:
            spellings.setdefault(lb.speaker_key(f.speaker), Counter())[f.speaker] += 1
    return {k: c.most_common(1)[0][0] for k, c in spellings.items()}


_MARKS_RE = re.compile(r"\[[^\]]{1,30}\]|\([^)]{1,30}\)")  # [laughs], (inaudible)
_DURATION_OR_DATE = re.compile(
    r"\b\d+\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b", re.I
)
_NAME_JOINERS = frozenset({"of", "and", "the", "de", "van", "von", "&", "-", "/"})


def _is_header(text: str, ln: Line, label: lb.Label | None) -> bool:
    """Legend and header lines before the first turn: ``I1: Interviewer 1``, ``Date: ...``."""
    line = text[ln.start : ln.end]
    if lb.metadata_key(line):
        return True
    if label is None or ln.speaker is not None:
        return False
    value = _MARKS_RE.sub("", line[label.speech :]).strip()
    if _DURATION_OR_DATE.search(value):  # "telephone, 45 minutes", "3/3/2021"
        return True
    words = value.split()
    if not 0 < len(words) <= 4 or value.endswith((".", "?", "!", "…", ",")):
        return False
    # a header value names something ("Rhian Pritchard", "3 March 2021", "Teams"); speech
    # such as "Ready now" has lower-case words
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _NAME_JOINERS for w in words)


def legend_roles(preamble: str) -> dict[str, str]:
    """Roles declared in a header legend such as ``I = Interviewer; Y = informant``."""
    roles: dict[str, str] = {}
    for m in _LEGEND_RE.finditer(preamble):
        who = m.group("who")
        if _INTERVIEWER_WORDS.search(who):
            roles[m.group("label")] = INTERVIEWER
        elif _PARTICIPANT_WORDS.search(who):
            roles[m.group("label")] = PARTICIPANT
        else:
            roles[m.group("label")] = ""  # declared, role unknown: who asks questions decides
    return roles


def _opening_speech(
    text: str, lines: list[Line], found: list[lb.Label | None], preamble_end: int
) -> set[str]:
    """Keys of one-off labels in the preamble whose lines read as speech, not as a header:
    ``INT: Ready now?`` before the first recognised turn opens the interview."""
    return {
        lb.speaker_key(f.speaker)
        for ln, f in zip(lines, found, strict=True)
        if f is not None and ln.end <= preamble_end and not _is_header(text, ln, f)
    }


@dataclass(frozen=True)
class Parse:
    """Turns found in a text, the preamble before them, and label-like lines not taken as
    speakers (offset of the line, the label), for the shape checks."""

    turns: list[Turn]
    preamble_end: int
    unrecognised: list[tuple[int, str]]


def parse_turns(
    text: str,
    lines: list[Line] | None = None,
    interviewer: tuple[str, ...] = (),
    participant: tuple[str, ...] = (),
) -> Parse:
    """Speaker turns of ``text``; ``interviewer`` and ``participant`` are the project's
    speaker patterns (regular expressions, case-insensitive, whole label)."""
    lines = split_lines(text) if lines is None else lines
    inter = [re.compile(p, re.I) for p in interviewer]
    part = [re.compile(p, re.I) for p in (*participant, *PARTICIPANT_PATTERNS)]
    found = _detect(text, lines, inter + part)
    accepted = _accepted(found, inter + part)
    names = _display_names(found)
    spans, preamble_end = _assemble(text, lines, found, accepted, names)
    legend = {lb.speaker_key(k): v for k, v in legend_roles(text[:preamble_end]).items()}
    later = {
        lb.speaker_key(f.speaker)
        for ln, f in zip(lines, found, strict=True)
        if f is not None and ln.start >= preamble_end
    }
    opening = _opening_speech(text, lines, found, preamble_end)
    extra = ((set(legend) & later) | opening) - accepted
    if extra:  # declared in a legend and used, or the first line is speech: speakers even once
        accepted |= extra
        spans, preamble_end = _assemble(text, lines, found, accepted, names)
    roles = assign_roles(
        [s.speaker for s in spans], text, spans, inter, [re.compile(p, re.I) for p in participant],
        {names.get(k, k): v for k, v in legend.items()},
    )  # fmt: skip
    turns = [
        Turn(i, s.speaker, roles.get(s.speaker or "", PARTICIPANT), s.start, s.end, s.timestamp)
        for i, s in enumerate(x for x in spans if x.end > x.start)
    ]
    unrecognised = [
        (ln.start, f.speaker)
        for ln, f in zip(lines, found, strict=True)
        if f is not None and ln.start >= preamble_end
        and lb.speaker_key(f.speaker) not in accepted
    ]  # fmt: skip
    return Parse(turns, preamble_end, unrecognised)


def find_turns(
    text: str,
    lines: list[Line] | None = None,
    interviewer: tuple[str, ...] = (),
    participant: tuple[str, ...] = (),
) -> tuple[list[Turn], int]:
    """Speaker turns of ``text`` and the end offset of the preamble before the first turn."""
    parsed = parse_turns(text, lines, interviewer, participant)
    return parsed.turns, parsed.preamble_end


def _assemble(
    text: str,
    lines: list[Line],
    found: list[lb.Label | None],
    accepted: set[str],
    names: dict[str, str],
) -> tuple[list[_Open], int]:
    spans: list[_Open] = []
    cur: _Open | None = None
    pending_ts: str | None = None
    preamble_end = 0
    skip = 0
    for i, ln in enumerate(lines):
        if skip:
            skip -= 1
            continue
        line = text[ln.start : ln.end]
        if not line.strip():
            continue
        nxt = text[lines[i + 1].start : lines[i + 1].end] if i + 1 < len(lines) else ""
        brk = lb.is_break(line, nxt) if ln.speaker is None else 0
        ts = lb.time_only(line) if ln.speaker is None else None
        if brk or ts:
            pending_ts = ts or pending_ts
            cur, skip = None, max(brk - 1, 0)
            if not spans:
                preamble_end = lines[i + max(brk, 1) - 1].end
            continue
        found_i = found[i]
        key = lb.speaker_key(found_i.speaker) if found_i is not None else ""
        label = found_i if found_i is not None and key in accepted else None
        if not spans and cur is None and (label is None or _is_header(text, ln, label)):
            preamble_end = ln.end
            continue
        if label is not None:
            start = ln.start + label.speech
            while start < ln.end and text[start].isspace():
                start += 1
            cur = _Open(names.get(key, label.speaker), start, start, label.timestamp or pending_ts)
            pending_ts = None
            spans.append(cur)
        elif cur is None:
            cur = _Open(spans[-1].speaker if spans else None, ln.start, ln.start, pending_ts)
            pending_ts = None
            spans.append(cur)
        if cur.end == cur.start and label is None:
            cur.start = cur.end = ln.start + len(line) - len(line.lstrip())
        stripped_end = ln.start + len(line.rstrip())
        if stripped_end > cur.start:
            cur.end = stripped_end
    return spans, preamble_end


def assign_roles(
    speakers: list[str | None],
    text: str,
    spans: list[_Open],
    interviewer: list[re.Pattern[str]],
    participant: list[re.Pattern[str]],
    legend: dict[str, str],
) -> dict[str, str]:
    """Each speaker's role: legend, then the project's patterns, then who asks the questions."""
    roles: dict[str, str] = {}
    for s in dict.fromkeys(x for x in speakers if x):
        if legend.get(s):
            roles[s] = legend[s]
        elif any(p.fullmatch(s) for p in participant):
            roles[s] = PARTICIPANT
        elif any(p.fullmatch(s) for p in interviewer):
            roles[s] = INTERVIEWER
    unknown = [s for s in dict.fromkeys(x for x in speakers if x) if s not in roles]
    # who asks the questions: among two or more unknown speakers, or the one left beside a
    # known participant (never the only speaker of a monologue)
    if INTERVIEWER not in roles.values() and (len(unknown) >= 2 or (unknown and roles)):
        asks = Counter(s.speaker for s in spans if text[s.start : s.end].rstrip().endswith("?"))
        said = Counter(s.speaker for s in spans)
        best = max(unknown, key=lambda s: (asks[s] / said[s], said[s]))
        if asks[best]:
            roles[best] = INTERVIEWER
    return {s: roles.get(s, PARTICIPANT) for s in dict.fromkeys(x for x in speakers if x)}
