"""Word ``.docx`` transcripts: paragraphs (labels as ``Name:`` prefixes or bold runs) and
transcripts laid out as tables (speaker | [time] | text)."""

from __future__ import annotations

import io
from typing import Any

from qualcode.errors import InputFileError
from qualcode.ingest import labels as lb
from qualcode.ingest.encoding import normalise
from qualcode.ingest.ooxml import library_problem, office_bytes
from qualcode.ingest.turns import Line

HEADER_CELLS = frozenset(
    {
        "speaker",
        "name",
        "time",
        "timestamp",
        "timespan",
        "text",
        "transcript",
        "dialogue",
        "content",
        "utterance",
        "#",
    }
)


class _Builder:
    """Accumulates the document text line by line, with speaker hints."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.lines: list[Line] = []
        self.pos = 0

    def add(
        self, text: str, speaker: str | None = None, speech: int = 0, timestamp: str | None = None
    ) -> None:
        for k, physical in enumerate(normalise(text).split("\n")):
            hinted = speaker if k == 0 else None
            offset = self.pos + speech if hinted else None
            self.lines.append(
                Line(
                    self.pos,
                    self.pos + len(physical),
                    hinted,
                    offset,
                    timestamp if hinted else None,
                )
            )
            self.parts.append(physical)
            self.pos += len(physical) + 1

    def text(self) -> str:
        return "\n".join(self.parts)


def _bold_label(paragraph: Any) -> tuple[str, int] | None:
    """A label written as leading bold run(s) followed by plain speech."""
    bold, rest = "", ""
    for run in paragraph.runs:
        if not rest and (run.bold or run.font.bold):
            bold += run.text
        else:
            rest += run.text
    name = bold.strip().rstrip(":").strip()
    if not name or not rest.strip(" \t:") or len(name.split()) > 5:
        return None
    if not (lb.find_label(bold) or lb.find_label(name + ":")):
        return None
    return name, len(bold) + len(rest) - len(rest.lstrip(" \t:"))


def _row_cells(row: Any) -> list[str]:
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        cells.append(cell.text.strip())
    return cells


def _columns(rows: list[list[str]]) -> tuple[int, int | None, int | None]:
    """(text, speaker, time) column indices of a transcript table.

    Decided over the whole table, not row by row: a short reply ("Mm.") is shorter than the
    speaker's name, so the longest cell of a row is not always the speech.
    """
    width = max(len(r) for r in rows)
    cols = [[r[i] for r in rows if i < len(r) and r[i]] for i in range(width)]
    text_i = max(range(width), key=lambda i: sum(len(c) for c in cols[i]))
    time_i = next(
        (
            i
            for i in range(width)
            if i != text_i
            and cols[i]
            and sum(bool(lb.TIME_ONLY_RE.fullmatch(c)) for c in cols[i]) > len(cols[i]) / 2
        ),
        None,
    )
    others = [i for i in range(width) if i not in (text_i, time_i) and cols[i]]
    speaker_i = min(others, key=lambda i: len(set(cols[i])), default=None)
    return text_i, speaker_i, time_i


def _add_table(out: _Builder, table: Any) -> None:
    rows = [cells for cells in (_row_cells(row) for row in table.rows) if any(cells)]
    rows = [r for r in rows if not all(c.lower() in HEADER_CELLS for c in r if c)]
    if not rows:
        return
    text_i, speaker_i, time_i = _columns(rows)
    for cells in rows:
        if text_i >= len(cells):
            out.add("\t".join(cells))
            continue
        # the speech cell goes last, so a turn ends where its speech ends (NVivo puts the
        # speaker after the content)
        ordered = [c for i, c in enumerate(cells) if i != text_i] + [cells[text_i]]
        speaker = ""
        if speaker_i is not None and speaker_i < len(cells):
            speaker = cells[speaker_i].rstrip(":").strip()
        if len(speaker.split()) > 5:
            speaker = ""
        when = None
        if time_i is not None and time_i < len(cells):
            when = lb.TIME_ONLY_RE.fullmatch(cells[time_i])
        speech = sum(len(c) + 1 for c in ordered[:-1])
        out.add("\t".join(ordered), speaker or None, speech, when.group("ts") if when else None)


MAX_SPAN = 64  # Word's own limit on table columns is 63
ON_OFF = frozenset({"true", "false", "on", "off", "1", "0", ""})


def _check_xml(body: Any, path: str) -> None:
    """Refuse table spans and switches python-docx would choke on, or explode on in memory
    (a gridSpan of 10^20 builds a grid without end)."""
    from docx.oxml.ns import qn

    val = qn("w:val")
    for el in body.iter(qn("w:gridSpan")):
        span = el.get(val, "")
        if not span.isdigit() or not 1 <= int(span) <= MAX_SPAN:
            raise InputFileError(
                path,
                f"has a table cell spanning '{span[:20]}' columns (Word allows 1 to 63)",
                "open it in Word or LibreOffice and save it again",
            )
    for el in body.iter(qn("w:vMerge")):
        if el.get(val) not in (None, "restart", "continue"):
            raise InputFileError(
                path, "has a malformed merged table cell", "open it in Word and save it again"
            )
    for tag in ("w:b", "w:i", "w:bCs"):
        for el in body.iter(qn(tag)):
            if el.get(val, "").lower() not in ON_OFF:
                el.attrib.pop(val)  # an unknown on/off value: as Word does, read it as on


def read_docx(data: bytes, path: str) -> tuple[str, list[Line]]:
    """Text and lines of a Word file, its package checked first (qualcode.ingest.ooxml): every
    XML member parsed safely, a DTD anywhere refused, the main part present."""
    import docx  # lazy: keeps 'qualcode --help' light

    safe, broken = office_bytes(data, path, "docx")
    try:
        document = docx.Document(io.BytesIO(safe))
        body = document.element.body
    except Exception as exc:  # python-docx raises several internal types for broken packages
        raise broken or InputFileError(path, library_problem(exc, "docx"), HINT) from exc
    if body is None:
        raise InputFileError(path, "has no document body", "open it in Word and save it again")
    _check_xml(body, path)
    try:
        return _read(document)
    except _UNREADABLE as exc:
        raise InputFileError(path, library_problem(exc, "docx"), HINT) from exc
    except Exception as exc:
        if type(exc).__name__ != "InvalidXmlError":  # python-docx's own, for bad values
            raise
        raise InputFileError(path, library_problem(exc, "docx"), HINT) from exc


_UNREADABLE = (ValueError, KeyError, AttributeError, IndexError, TypeError, LookupError)
HINT = "open it in Word or LibreOffice and save it again as .docx"


def _read(document: Any) -> tuple[str, list[Line]]:
    from docx.table import Table

    out = _Builder()
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            _add_table(out, block)
            continue
        label = _bold_label(block)
        if label:
            out.add(block.text, label[0], label[1])
        else:
            out.add(block.text)
    return out.text(), out.lines
