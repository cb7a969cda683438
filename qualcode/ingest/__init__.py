"""Transcript ingest: files -> parsed documents with speaker turns -> the project store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.attributes import AttributeReport
from qualcode.ingest.shape import check
from qualcode.ingest.turns import Line, parse_turns
from qualcode.models import PARTICIPANT, Note, ParsedDocument, Turn
from qualcode.settings import DEFAULT_INTERVIEWER_PATTERNS

Reader = Callable[[bytes, str], tuple[str, "list[Line] | None"]]
FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".rst": "rst",
    ".docx": "docx",
    ".vtt": "vtt",
    ".srt": "srt",
    ".pdf": "pdf",
}


def _reader(fmt: str) -> Reader:
    if fmt == "docx":
        from qualcode.ingest.docx_reader import read_docx

        return read_docx
    if fmt in ("vtt", "srt"):
        from qualcode.ingest.subtitles import read_subtitles

        return read_subtitles
    if fmt == "pdf":
        from qualcode.ingest.pdf import read_pdf

        return read_pdf
    from qualcode.ingest.text import read_text

    return read_text


# Limits that stop work early instead of hanging on a file that is not one interview (a
# three-hour interview is about 200,000 characters).
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_DOCUMENT_CHARS = 5_000_000

STATUSES = ("new", "updated", "reparsed", "unchanged", "failed", "skipped")


@dataclass
class FileResult:
    source: str
    status: str  # one of STATUSES
    format: str = ""
    turns: int = 0
    words: int = 0
    speakers: int = 0
    version: int = 0
    message: str = ""
    hint: str = ""
    kept_decisions: int = 0
    notes: list[str] = field(default_factory=list)  # what the shape checks found


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    attributes: AttributeReport | None = None
    derived_participants: int = 0  # documents given a participant id from their file name

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


def parse_bytes(
    data: bytes,
    source: str,
    interviewer: tuple[str, ...] = DEFAULT_INTERVIEWER_PATTERNS,
    participant: tuple[str, ...] = (),
) -> ParsedDocument:
    """Parse one transcript's bytes; the format comes from the extension of ``source``.

    ``interviewer`` and ``participant`` are the project's speaker patterns. The document's
    ``notes`` say what looks wrong in the parse (see :mod:`qualcode.ingest.shape`).
    """
    suffix = Path(source).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise InputFileError(
            source,
            f"unsupported file type '{suffix or '(none)'}'",
            f"supported: {', '.join(sorted(FORMATS))}",
        )
    if not data.strip():
        raise InputFileError(source, "is empty", "check the export, or remove the file")
    if len(data) > MAX_FILE_BYTES:
        raise InputFileError(
            source,
            f"is {len(data) / 1e6:,.0f} MB, more than any transcript "
            f"(limit {MAX_FILE_BYTES / 1e6:,.0f} MB)",
            "check that it is a transcript; split a multi-interview file into one per interview",
        )
    text, lines = _reader(fmt)(data, source)
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InputFileError(
            source,
            f"has {len(text):,} characters of text, more than any one interview "
            f"(limit {MAX_DOCUMENT_CHARS:,})",
            "split it into one file per interview",
        )
    if not text.strip():
        raise InputFileError(source, "has no text", "check the export, or remove the file")
    parse = parse_turns(text, lines, interviewer, participant)
    turns, preamble_end = parse.turns, parse.preamble_end
    notes = tuple(check(text, parse))
    if not turns:
        start = len(text) - len(text.lstrip())
        turns = [Turn(0, None, PARTICIPANT, start, len(text.rstrip()))]
        preamble_end = 0
        notes = (
            Note(
                "no speaker labels found: stored as one participant turn; if the file has "
                "labels, list them under [speakers] in qualcode.toml and run "
                "'qualcode ingest --reparse'"
            ),
        )
    return ParsedDocument(
        source=source,
        name=Path(source).name,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        turns=tuple(turns),
        preamble_end=preamble_end,
        notes=notes,
    )


def read_file(path: Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError as exc:
        raise InputFileError(source, "is a folder, not a file") from exc
    except OSError as exc:
        raise InputFileError(
            source,
            f"cannot be read ({exc.strerror or exc})",
            "check that it exists and its permissions",
        ) from exc


def collect(paths: list[Path], exclude: tuple[str, ...]) -> tuple[list[Path], list[Path]]:
    """Files to ingest from ``paths`` (folders are walked); returns (files, skipped in folders).

    Files named explicitly are always returned, so an unsupported one is reported as an error;
    in folders, hidden files, excluded patterns and unsupported types are skipped quietly.
    """
    files: list[Path] = []
    skipped: list[Path] = []
    for p in paths:
        if not p.is_dir():
            files.append(p)
            continue
        for f in sorted(p.rglob("*")):
            if f.is_dir() or any(part.startswith(".") for part in f.relative_to(p).parts):
                continue
            if any(fnmatch(f.name, pat) for pat in exclude):
                continue
            (files if f.suffix.lower() in FORMATS else skipped).append(f)
    return files, skipped
