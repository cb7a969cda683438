"""Recognising speaker labels at the start of a line of transcript.

Covers the styles interview transcripts really use: ``Interviewer:``, ``INT:``, ``I:``/``R:``,
``Q:``/``A:``, ``P07:``, ``[00:01:12] Name:``, ``Name (00:01:12):``, upper-case names,
``**Name**:`` (Markdown / reST), ``*0:0 = I1:`` inline timestamps, and label-only lines
(``Dan:`` or ``Name  0:03`` with the speech on the following lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TS = r"\d{1,2}:\d{1,2}(?::\d{2})?(?:[.,]\d{1,3})?"
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
LABEL_ONLY_TS_RE = re.compile(rf"[ \t]*(?P<name>{_NAME})[ \t]+(?P<ts>{TS})[ \t]*$")
TIME_ONLY_RE = re.compile(
    rf"[ \t]*[\[(*]*[ \t]*(?P<ts>{TS}|\d{{1,2}}[.:]\d{{2}}[ \t]*[ap]\.?m\.?)[ \t]*[\])*]*[ \t]*$",
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
    }
)


@dataclass(frozen=True, slots=True)
class Label:
    """A label found at the start of a line; ``speech`` is the offset (in the line) after it."""

    speaker: str
    speech: int
    timestamp: str | None
    marked: bool  # typographically marked (bold, timestamped): trusted even if seen once


def _plausible_name(name: str) -> bool:
    words = name.split()
    if not words or len(name) > 40 or not words[0][0].isupper():
        return False
    if name.lower() in NOT_SPEAKERS or name.lower() in METADATA_KEYS:
        return False
    return all(w[0].isupper() or w[0].isdigit() or w in LOWER_PARTICLES for w in words)


def find_label(line: str) -> Label | None:
    """The speaker label at the start of ``line``, if it has one."""
    m = LABEL_ONLY_TS_RE.match(line)
    if m is not None and _plausible_name(m.group("name")):
        return Label(" ".join(m.group("name").split()), len(line), m.group("ts"), True)
    m = LABEL_RE.match(line)
    if m is None:
        return None
    md = m.group("md")
    name = (md or m.group("name") or "").strip().rstrip(":").strip()
    ts = m.group("ts0") or m.group("ts1") or m.group("ts1b") or m.group("ts2")
    if name and (md is not None or _plausible_name(name)):
        return Label(" ".join(name.split()), m.end(), ts, md is not None or ts is not None)
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
    return 0
