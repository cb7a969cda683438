"""Documents -> segments: the units that get coded (a participant turn, or its sentences)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from qualcode.models import PARTICIPANT

# A sentence ends at . ! ? or … followed by space and an upper-case letter, digit or quote.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    document_id: int
    turn_index: int
    start: int
    end: int


def segment_id(document_sha: str, start: int, end: int) -> str:
    """Stable id from the document version's content hash and the span."""
    return hashlib.sha1(f"{document_sha}:{start}:{end}".encode()).hexdigest()[:20]


def sentence_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]`` (offsets into ``text``), whitespace-trimmed."""
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.start() > pos:
            yield pos, m.start()
        pos = m.end()
    if end > pos:
        yield pos, end


def segments(
    turns: Iterable[tuple[int, str, str, int, int, int, str]], unit: str = "turn"
) -> Iterator[tuple[Segment, str]]:
    """Segments of participant turns with their text; ``turns`` rows come from the store."""
    for doc_id, sha, text, idx, start, end, role in turns:
        if role != PARTICIPANT:
            continue
        spans = [(start, end)] if unit == "turn" else sentence_spans(text, start, end)
        for s, e in spans:
            yield Segment(segment_id(sha, s, e), doc_id, idx, s, e), text[s:e]


def trim(text: str, limit: int) -> str:
    """Cut at the last sentence end before ``limit`` characters (or a word), with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    ends = [m.end() for m in re.finditer(r"[.!?…](?=\s)", text[: limit + 1])]
    cut = ends[-1] if ends and ends[-1] > limit // 3 else text.rfind(" ", 0, limit)
    return text[:cut].rstrip(" ,;:") + " …"
