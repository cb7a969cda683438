"""Recognising speaker labels at the start of a line of transcript.

Covers the styles interview transcripts really use: ``Interviewer:``, ``INT:``, ``I:``/``R:``,
``Q:``/``A:``, ``P07:``, ``[00:01:12] Name:``, ``Name (00:01:12):``, upper-case names,
``**Name**:`` (Markdown / reST), ``*0:0 = I1:`` inline timestamps, and label-only lines
(``Dan:`` or ``Name  0:03`` with the speech on the following lines).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

TS = r"\d{1,2}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,3})?"
_WORD = r"[^\W\d_][\w'\u2019.\-]*"
_NAME = rf"{_WORD}(?:[ \t]+[\w'\u2019.\-]+){{0,4}}?"

LABEL_RE = re.compile(
    rf"""[ \t]*
    (?:\*?(?P<ts0>{TS})[ \t]*=[ \t]*)?
    (?:[\[(](?P<ts1>{TS})[\])][ \t]*|(?P<ts1b>{TS})[ \t]+(?=\S))?
    (?:
        \*\*(?P<md>[^*\n]{{1,60}}?)(?::\*\*|\*\*[ \t]*:?)
      | (?P<name>{_NAME})(?:[ \t]*[\[(](?P<ts2>{TS})[\])])?[ \t]*:
    )[ \t]*""",
    re.VERBOSE,
)
LABEL_ONLY_TS_RE = re.compile(rf"[ \t]*(?P<name>{_NAME})[ \t]+[\[(]?(?P<ts>{TS})[\])]?[ \t]*$")
# "[00:18] PARTICIPANT 1" or "00:00:18 Speaker 2" alone on a line, the speech below it
TS_NAME_ONLY_RE = re.compile(rf"[ \t]*[\[(]?(?P<ts>{TS})[\])]?[ \t]+(?P<name>{_NAME})[ \t]*$")
# Labels that name a role are labels in any case: "interviewer:", "SPEAKER 2", "Interviewee1"
ROLE_LABEL_RE = re.compile(
    r"(?:unknown[ \t]+)?(?:interviewer|interviewee|participant|respondent|informant|moderator"
    r"|facilitator|researcher|speaker)(?:[ \t]*\d{1,3})?|(?:int|iv|ie|p|r)[ \t]*\d{1,3}",
    re.IGNORECASE,
)
TIME_ONLY_RE = re.compile(  # a time, or a span "0:0:0.0 --> 0:0:5.3", alone on its line
    rf"[ \t]*[\[(*]*[ \t]*(?P<ts>{TS}|\d{{1,2}}[.:]\d{{2}}[ \t]*[ap]\.?m\.?)"
    rf"(?:[ \t]*(?:-->|-|\u2013)[ \t]*{TS})?[ \t]*[\])*]*[ \t]*$",
    re.IGNORECASE,
)
# Lines transcription services add that are no one's speech: Teams' "Jane Smith started
# transcription", Otter's "Transcribed by https://otter.ai", Zoom's and Trint's export stamps.
SERVICE_LINE_RE = re.compile(
    r"[ \t]*(?:.{1,80}[ \t](?:started|stopped)[ \t]transcription"
    r"|transcribed[ \t]by[ \t]+(?:https?://)?\S*otter\.ai\S*"
    r"|(?:transcript|this[ \t]transcript[ \t]was)[ \t](?:generated|exported|created)[ \t]"
    r"(?:by|with|on|from)[ \t].{1,80})[ \t.]*$",
    re.IGNORECASE,
)
RST_UNDERLINE_RE = re.compile(r"([=\-^~`#*+\"'])\1{2,}[ \t]*$")
MD_HEADING_RE = re.compile(r"#{1,6}[ \t]")
ITALIC_NOTE_RE = re.compile(r"[ \t]*\*[^*\s][^*]*\*[ \t]*$")

LOWER_PARTICLES = frozenset({"de", "van", "von", "ap", "ab", "der", "la", "le", "du", "da", "of"})
NOT_SPEAKERS = frozenset(
    {
        "note",
        "nb",
        "ps",
        "re",
        "tel",
        "email",
        "e-mail",
        "http",
        "https",
        "www",
        "edit",
        "update",
        "warning",
        "example",
        "answer",
        "question",
        # short replies that can follow a timestamp on a line of their own
        "yes",
        "yeah",
        "no",
        "okay",
        "ok",
        "right",
        "mm",
        "hmm",
        "sure",
        "thanks",
        "thank you",
        "exactly",
        "absolutely",
        "fine",
        "good",
        "great",
        "so",
        "well",
        "and",
        "but",
    }
)
METADATA_KEYS = frozenset(
    {
        "date",
        "time",
        "duration",
        "length",
        "location",
        "venue",
        "place",
        "project",
        "study",
        "transcriber",
        "transcribed by",
        "transcription",
        "file",
        "file name",
        "filename",
        "recording",
        "audio",
        "mode",
        "interview date",
        "interview mode",
        "participant id",
        "pseudonym",
        "title",
        "version",
        "language",
        "consent",
        "start time",
        "end time",
        "role",
        "organisation",
        "organization",
        "agency",
        "area",
        "team",
        "key",
        "format",
        "platform",
        "setting",
        "interview format",
        "interview length",
        "date of interview",
        "recorded",
        "present",
        "attendees",
        "meeting title",
        "transcript",
    }
)


@dataclass(frozen=True, slots=True)
class Label:
    """A label found at the start of a line; ``speech`` is the offset (in the line) after it."""

    speaker: str
    speech: int
    timestamp: str | None
    marked: bool  # typographically marked (bold, timestamped): trusted even if seen once


Known = Sequence[re.Pattern[str]]


_NOT_KEY = re.compile(r"[\W_]+")
_PADDING = re.compile(r"(?<!\d)0+(?=\d)")


@lru_cache(maxsize=4096)
def speaker_key(name: str) -> str:
    """One key for labels that differ only in case, spacing, punctuation or zero-padding:
    ``Interviewer1``, ``Interviewer 1`` and ``INTERVIEWER 01`` are one speaker."""
    return _PADDING.sub("", _NOT_KEY.sub("", name.casefold()))


def known_label(name: str, known: Known = ()) -> bool:
    """Whether ``name`` is a role label or matches one of the project's speaker patterns."""
    return bool(ROLE_LABEL_RE.fullmatch(name)) or any(p.fullmatch(name) for p in known)


def _plausible_name(name: str, known: Known = ()) -> bool:
    words = name.split()
    if not words or len(name) > 40:
        return False
    if name.lower() in NOT_SPEAKERS or name.lower() in METADATA_KEYS:
        return False
    if known_label(name, known):
        return True
    if not words[0][0].isupper():
        return False
    return all(w[0].isupper() or w[0].isdigit() or w in LOWER_PARTICLES for w in words)


def _label(name: str, speech: int, ts: str | None, marked: bool) -> Label:
    return Label(" ".join(name.split()), speech, ts, marked)


def find_label(line: str, known: Known = ()) -> Label | None:
    """The speaker label at the start of ``line``, if it has one.

    ``known`` are the project's speaker patterns (case-insensitive, whole label): a label that
    matches one, or names a role ("interviewer", "Speaker 2"), is a label in any case.
    """
    m = LABEL_ONLY_TS_RE.match(line)
    if m is not None and _plausible_name(m.group("name"), known):
        return _label(m.group("name"), len(line), m.group("ts"), True)
    m = TS_NAME_ONLY_RE.match(line)
    if (
        m is not None
        and not m.group("name").endswith((".", ",", "?", "!"))
        and _plausible_name(m.group("name"), known)
    ):
        # trusted at once only when it names a role; otherwise it must recur to count
        marked = known_label(m.group("name"), known)
        return _label(m.group("name"), len(line), m.group("ts"), marked)
    m = LABEL_RE.match(line)
    if m is None:
        return None
    md = m.group("md")
    name = (md or m.group("name") or "").strip().rstrip(":").strip()
    ts = m.group("ts0") or m.group("ts1") or m.group("ts1b") or m.group("ts2")
    if name and (md is not None or _plausible_name(name, known)):
        return _label(name, m.end(), ts, md is not None or ts is not None)
    return None


def metadata_key(line: str) -> bool:
    """Whether the line is a header field such as ``Date: 12/03/2021``."""
    key, sep, _ = line.partition(":")
    return bool(sep) and key.strip().lower() in METADATA_KEYS


def time_only(line: str) -> str | None:
    m = TIME_ONLY_RE.match(line)
    return m.group("ts") if m else None


def is_break(line: str, next_line: str) -> int:
    """How many lines (0, 1 or 2) starting here are structure, not speech.

    reST headings (a title and its underline), Markdown headings and whole-line italic notes
    such as ``*DR RUTH ALLEN (affirmed).*`` end the current turn.
    """
    title = line.strip()
    if title and RST_UNDERLINE_RE.fullmatch(next_line) and len(next_line.strip()) >= len(title):
        return 2
    if RST_UNDERLINE_RE.fullmatch(line) or MD_HEADING_RE.match(line):
        return 1
    if ITALIC_NOTE_RE.match(line) and not line.lstrip().startswith("**"):
        return 1
    if SERVICE_LINE_RE.fullmatch(line):
        return 1
    return 0


def bare_name(line: str, known: Known = ()) -> Label | None:
    """A name alone on its line (``Jane Smith``), a label only where a timestamp line comes
    just before it, as in Teams' older Word transcripts and NVivo's exports."""
    name = line.strip()
    if not name or len(name.split()) > 4 or name.endswith((".", ",", "?", "!", ":", ";")):
        return None
    if TIME_ONLY_RE.match(name) or not _plausible_name(name, known):
        return None
    return _label(name, len(line), None, known_label(name, known))
