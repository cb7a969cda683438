"""Frozen dataclasses that cross every layer (ingest, store, CLI, exporters)."""

from __future__ import annotations

from dataclasses import dataclass, field

INTERVIEWER = "interviewer"
PARTICIPANT = "participant"


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker turn: ``text[start:end]`` of its document is exactly what was said."""

    index: int
    speaker: str | None
    role: str
    start: int
    end: int
    timestamp: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """Something in a parsed document a person should look at; ``turn`` says where."""

    message: str
    turn: int | None = None

    def __str__(self) -> str:
        return self.message if self.turn is None else f"turn {self.turn}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """What a reader makes of one file, before it is stored."""

    source: str
    name: str
    format: str
    sha256: str
    text: str
    turns: tuple[Turn, ...]
    preamble_end: int = 0
    notes: tuple[Note, ...] = ()

    @property
    def words(self) -> int:
        return sum(len(self.text[t.start : t.end].split()) for t in self.turns)


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document version."""

    id: int
    source: str
    name: str
    format: str
    sha256: str
    version: int
    text: str
    preamble_end: int
    participant_id: str | None
    turns: tuple[Turn, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def turn_text(self, turn: Turn) -> str:
        return self.text[turn.start : turn.end]


# The fields of one exported row of the record (a person's coding or a machine suggestion), in
# order: the columns other tools read first, then who made it, how, from which suggestion, who
# decided it and when, and the action that stored it (see qualcode.store.coding.codings).
CODING_FIELDS = (
    "document",
    "participant",
    "turn",
    "speaker",
    "role",
    "code",
    "kind",
    "source",
    "score",
    "status",
    "start",
    "end",
    "segment",
    "segment_start",
    "segment_end",
    "run",
    "codebook_hash",
    "text",
    "person",
    "how",
    "suggestion",
    "decided_by",
    "decided_at",
    "at",
    "action",
)
