"""WebVTT and SubRip subtitle transcripts (Teams, Zoom, Otter, YouTube...).

Cue timings become turn timestamps; speakers come from ``<v Name>`` voice tags or a ``Name:``
prefix inside the cue; consecutive cues of one speaker merge into one turn. The stored text is a
clean rendering, one ``Name: speech`` paragraph per turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualcode.errors import InputFileError
from qualcode.ingest import labels as lb
from qualcode.ingest.encoding import decode
from qualcode.ingest.turns import Line

# Hours have at most three digits: an unbounded \d+ made a long run of digits (a cue number of
# 100,000 digits) quadratic to search.
TIMING_RE = re.compile(
    r"(?<!\d)(?P<start>(?:\d{1,3}:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*"
    r"(?:\d{1,3}:)?\d{1,2}:\d{2}[.,]\d{1,3}"
)
VOICE_RE = re.compile(r"<v(?:\.[\w.-]+)?[ \t]+([^>]+)>")
TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>|&(?:amp|lt|gt|nbsp);")
ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " "}


@dataclass
class _Cue:
    speaker: str | None
    start: str
    text: str


def _clock(stamp: str) -> str:
    stamp = stamp.replace(",", ".").split(".")[0]
    parts = stamp.split(":")
    return ":".join(p.zfill(2) for p in (["0"] * (3 - len(parts)) + parts))


def _clean(text: str) -> str:
    text = TAG_RE.sub(lambda m: ENTITIES.get(m.group(0), ""), text)
    return " ".join(text.split())


def _cue(block: list[str]) -> _Cue | None:
    timing = next((i for i, s in enumerate(block) if TIMING_RE.search(s)), None)
    if timing is None:
        return None
    raw = "\n".join(block[timing + 1 :])
    voice = VOICE_RE.search(raw)
    speaker = " ".join(voice.group(1).split()) if voice else None
    text = _clean(raw)
    if speaker is None:
        label = lb.find_label(text)
        if label is not None:
            speaker, text = label.speaker, text[label.speech :].strip()
    start = TIMING_RE.search(block[timing])
    return _Cue(speaker, _clock(start.group("start")), text) if start else None


def _merge(cues: list[_Cue]) -> list[_Cue]:
    merged: list[_Cue] = []
    for cue in cues:
        if not cue.text:
            continue
        if merged and (cue.speaker is None or cue.speaker == merged[-1].speaker):
            merged[-1].text += " " + cue.text
        else:
            merged.append(_Cue(cue.speaker, cue.start, cue.text))
    return merged


def read_subtitles(data: bytes, path: str) -> tuple[str, list[Line]]:
    raw, _ = decode(data, path)
    blocks = [b.split("\n") for b in re.split(r"\n[ \t]*\n", raw.strip())]
    cues = [
        c
        for b in blocks
        if not b[0].startswith(("NOTE", "STYLE", "REGION"))
        if (c := _cue(b)) is not None
    ]
    if not cues:
        raise InputFileError(
            path,
            "has no subtitle cues (no 'hh:mm:ss.mmm --> hh:mm:ss.mmm' lines)",
            "check that it is a WebVTT or SubRip file",
        )
    parts, lines, pos = [], [], 0
    for cue in _merge(cues):
        prefix = f"{cue.speaker}: " if cue.speaker else ""
        para = prefix + cue.text
        lines.append(Line(pos, pos + len(para), cue.speaker, pos + len(prefix), cue.start))
        parts.append(para)
        pos += len(para) + 2
    return "\n\n".join(parts), lines
