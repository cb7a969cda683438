"""Checks on a parsed document's shape, so that a mis-parse is never silent.

Each check names what looks wrong and where (a turn index), in words a person can act on. The
checks only warn: the document is stored either way, and ``qualcode status`` and
``qualcode show`` point at it.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from itertools import groupby

from qualcode.ingest import labels as lb
from qualcode.ingest.turns import Parse
from qualcode.models import INTERVIEWER, Note, Turn

RUN_LENGTH = 5  # one speaker in this many turns in a row: a label was probably missed
PREAMBLE_WORDS = 300  # a header longer than this (and a tenth of the text) may hide turns
SIMILAR = 0.8  # an unrecognised label this close to a speaker's is probably a mangled one


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
    return notes + _runs(turns) + _label_lines(text, parse, speakers)
