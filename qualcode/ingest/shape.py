"""Checks on a parsed document's shape, so that a mis-parse is never silent.

Each check names what looks wrong and where (a turn index), in words a person can act on. The
checks only warn: the document is stored either way, and ``qualcode status`` and
``qualcode show`` point at it.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from itertools import groupby

from qualcode.ingest import labels as lb
from qualcode.ingest.turns import Parse
from qualcode.models import INTERVIEWER, Note, Turn

RUN_LENGTH = 5  # one speaker in this many turns in a row: a label was probably missed
PREAMBLE_WORDS = 300  # a header longer than this (and a tenth of the text) may hide turns
SIMILAR = 0.8  # an unrecognised label this close to a speaker's is probably a mangled one
# Auto-transcripts (Teams, Zoom, Otter; subtitle cues) stamp a time on every turn, the first
# included, and split one person's speech into many turns: a run of one speaker is their shape,
# not a missed label, so they are not warned about it. A typed transcript stamped now and then
# (or on every answer but not the questions) still is.
TIMESTAMPED = 0.95  # share of turns with a timestamp that marks an auto-transcript

# The kinds of note, most important first (ingest prints one line per kind): a short name, and
# what a note of that kind says (after any "turn N: ").
KINDS = (
    ("no speaker labels", re.compile(r"^no speaker labels found")),
    ("one speaker only", re.compile(r"^only one speaker \(")),
    ("no interviewer", re.compile(r"^no interviewer found among")),
    ("label-like line inside a turn", re.compile(r"^a line inside this turn starts with")),
    ("long header", re.compile(r"^\d+ words before the first turn")),
    ("one speaker in many turns in a row", re.compile(r" speaks in \d+ turns in a row ")),
)
TURN_PREFIX = re.compile(r"^turn \d+: ")


def kind(note: str) -> str:
    """The kind of a note (as ingest reports it, "turn N: message"); a note of no known kind
    is its own kind."""
    message = TURN_PREFIX.sub("", note)
    return next((name for name, pattern in KINDS if pattern.search(message)), message)


def auto_transcript(turns: list[Turn]) -> bool:
    """Whether turns are shaped like an auto-transcript's: a timestamp on (nearly) every one."""
    stamped = sum(1 for t in turns if t.timestamp)
    return len(turns) >= RUN_LENGTH and stamped >= TIMESTAMPED * len(turns)


def _similar(label: str, speakers: set[str]) -> bool:
    key = lb.speaker_key(label)
    for speaker in speakers:
        other = lb.speaker_key(speaker)
        if SequenceMatcher(None, key, other).ratio() >= SIMILAR:
            return True
        if min(len(key), len(other)) >= 3 and (key.startswith(other) or other.startswith(key)):
            return True
    return lb.known_label(label)


def _turn_at(turns: list[Turn], offset: int) -> Turn | None:
    return next((t for t in turns if t.start <= offset < t.end), None)


def _label_lines(text: str, parse: Parse, speakers: set[str]) -> list[Note]:
    notes: list[Note] = []
    for offset, label in parse.unrecognised:
        turn = _turn_at(parse.turns, offset)
        if turn is not None and offset > turn.start and _similar(label, speakers):
            notes.append(
                Note(
                    f"a line inside this turn starts with '{label}', like a speaker label, but "
                    "is not one of this file's speakers: fix the label in the transcript",
                    turn.index,
                )
            )
    return notes


def _runs(turns: list[Turn]) -> list[Note]:
    notes: list[Note] = []
    for speaker, group in groupby(turns, key=lambda t: t.speaker):
        run = list(group)
        if speaker is not None and len(run) >= RUN_LENGTH:
            notes.append(
                Note(
                    f"{speaker} speaks in {len(run)} turns in a row (turns {run[0].index}-"
                    f"{run[-1].index}): another speaker's label may have been missed",
                    run[0].index,
                )
            )
    return notes


def check(text: str, parse: Parse) -> list[Note]:
    """What a person should look at in this parse; empty when it looks like an interview."""
    turns = parse.turns
    speakers = {t.speaker for t in turns if t.speaker}
    notes: list[Note] = []
    if len(speakers) == 1:
        notes.append(
            Note(
                f"only one speaker ({next(iter(speakers))}) was found: the other speakers' "
                "labels were not recognised; list them under [speakers] in qualcode.toml"
            )
        )
    elif len(speakers) > 1 and not any(t.role == INTERVIEWER for t in turns):
        notes.append(
            Note(
                f"no interviewer found among {', '.join(sorted(speakers))}: list the "
                "interviewer's label under [speakers] interviewer in qualcode.toml"
            )
        )
    preamble = len(text[: parse.preamble_end].split())
    if preamble > PREAMBLE_WORDS and preamble > len(text.split()) / 10:
        notes.append(
            Note(
                f"{preamble} words before the first turn were taken as a header: check that "
                "the interview's opening turns were found"
            )
        )
    runs = [] if auto_transcript(turns) else _runs(turns)
    return notes + runs + _label_lines(text, parse, speakers)
