"""Word ``.docx`` transcripts: paragraphs (labels as ``Name:`` prefixes or bold runs) and
transcripts laid out as tables (speaker | [time] | text)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from qualcode.errors import InputFileError
from qualcode.ingest import labels as lb
from qualcode.ingest.encoding import normalise
from qualcode.ingest.turns import Line

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_CELLS = frozenset({"speaker", "name", "time", "timestamp", "text", "transcript", "dialogue"})


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


def _add_row(out: _Builder, cells: list[str]) -> None:
    if not any(cells):
        return
    line = "\t".join(cells)
    if all(c.lower() in HEADER_CELLS for c in cells if c):
        return  # a header row is layout, not speech
    text_i = max(range(len(cells)), key=lambda i: len(cells[i]))
    ts = next((c for c in cells if lb.TIME_ONLY_RE.fullmatch(c)), None)
    speaker = next(
        (
            c.rstrip(":").strip()
            for i, c in enumerate(cells)
            if i != text_i and c and c is not ts and len(c.split()) <= 5
        ),
        None,
    )
    speech = sum(len(c) + 1 for c in cells[:text_i])
    out.add(line, speaker or None, speech, ts)


def read_docx(data: bytes, path: str) -> tuple[str, list[Line]]:
    if data.startswith(OLE2_MAGIC):
        raise InputFileError(
            path,
            "is password-protected or an old binary Word file, not a .docx",
            "remove the password in Word, or save it as .docx (Word Document)",
        )
    import docx  # lazy: keeps 'qualcode --help' light
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputFileError(
            path,
            "is not a readable .docx (corrupt or not a Word file)",
            "open it in Word or LibreOffice and save it again as .docx",
        ) from exc
    except Exception as exc:  # python-docx raises several internal types for broken packages
        raise InputFileError(
            path,
            f"cannot be read as .docx ({type(exc).__name__})",
            "open it in Word or LibreOffice and save it again as .docx",
        ) from exc
    out = _Builder()
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                _add_row(out, _row_cells(row))
            continue
        label = _bold_label(block)
        if label:
            out.add(block.text, label[0], label[1])
        else:
            out.add(block.text)
    return out.text(), out.lines
