"""Word ``.docx`` transcripts: paragraphs (labels as ``Name:`` prefixes or bold runs) and
transcripts laid out as tables (speaker | [time] | text).

The document part is read straight from its XML (lxml, parsed once by the package check in
qualcode.ingest.ooxml), as python-docx read it before: a paragraph's text is its runs' and
hyperlinks' text (``w:t``; tabs, line breaks, non-breaking hyphens as characters), a bold label
is the leading bold runs, a table row's cells come with spans and vertical merges resolved.
Beyond what python-docx read: text inside tracked insertions (``w:ins``, ``w:moveTo``), smart
tags, custom XML, simple fields and content controls is read as Word shows it; tracked
deletions (``w:del``, ``w:moveFrom``) are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qualcode.errors import InputFileError
from qualcode.ingest import labels as lb
from qualcode.ingest.encoding import normalise
from qualcode.ingest.ooxml import read_word
from qualcode.ingest.turns import Line

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

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


W_T, W_R, W_P, W_TBL, W_TR, W_TC = (W + n for n in ("t", "r", "p", "tbl", "tr", "tc"))
W_HYPERLINK, W_BR, W_VAL = W + "hyperlink", W + "br", W + "val"
# a run's content other than w:t, as python-docx read it (w:br by its type, below)
RUN_CHARS = {W + "tab": "\t", W + "ptab": "\t", W + "cr": "\n", W + "noBreakHyphen": "-"}
# elements around runs that Word shows the content of (python-docx skipped all but hyperlinks)
INLINE_WRAPPERS = frozenset(
    W + n for n in ("ins", "moveTo", "smartTag", "customXml", "fldSimple", "sdtContent", "dir")
) | {W + "bdo", W + "sdt"}
# elements around paragraphs and tables that Word shows the content of
BLOCK_WRAPPERS = frozenset({W + "sdt", W + "sdtContent", W + "customXml"})
OFF = frozenset({"0", "false", "off"})


def _run_text(run: Any) -> str:
    parts = []
    for child in run:
        tag = child.tag
        if tag == W_T:
            parts.append(child.text or "")
        elif tag == W_BR:
            parts.append("\n" if child.get(W + "type", "textWrapping") == "textWrapping" else "")
        else:
            char = RUN_CHARS.get(tag)
            if char is not None:
                parts.append(char)
    return "".join(parts)


def _bold(run: Any) -> bool:
    """Direct bold formatting (``w:rPr/w:b``); a value Word never writes reads as on, as Word
    reads it."""
    props = run.find(W + "rPr")
    b = props.find(W + "b") if props is not None else None
    return b is not None and b.get(W_VAL, "true").lower() not in OFF


def _runs(parent: Any, linked: bool = False) -> Iterator[tuple[Any, bool]]:
    """The runs of a paragraph in order, each with whether it sits in a hyperlink."""
    for child in parent:
        tag = child.tag
        if tag == W_R:
            yield child, linked
        elif tag == W_HYPERLINK:
            yield from _runs(child, True)
        elif tag in INLINE_WRAPPERS:
            yield from _runs(child, linked)


def _paragraph(p: Any) -> tuple[str, tuple[str, int] | None]:
    """A paragraph's text and its bold label (name, where the speech starts), if any."""
    text, bold, rest = [], "", ""
    for run, linked in _runs(p):
        piece = _run_text(run)
        text.append(piece)
        if linked:  # python-docx's runs never included a hyperlink's: labels are read so still
            continue
        if not rest and _bold(run):
            bold += piece
        else:
            rest += piece
    return "".join(text), _bold_label(bold, rest)


def _bold_label(bold: str, rest: str) -> tuple[str, int] | None:
    """A label written as leading bold run(s) followed by plain speech."""
    name = bold.strip().rstrip(":").strip()
    if not name or not rest.strip(" \t:") or len(name.split()) > 5:
        return None
    if not (lb.find_label(bold) or lb.find_label(name + ":")):
        return None
    return name, len(bold) + len(rest) - len(rest.lstrip(" \t:"))


def _blocks(parent: Any, tags: tuple[str, ...] = (W_P, W_TBL)) -> Iterator[Any]:
    """The paragraphs and tables of a body or cell, in order (content controls opened)."""
    for child in parent:
        if child.tag in tags:
            yield child
        elif child.tag in BLOCK_WRAPPERS:
            yield from _blocks(child, tags)


def _cell_text(tc: Any) -> str:
    return "\n".join(_paragraph(p)[0] for p in _blocks(tc, (W_P,)))


def _int(el: Any, path: str) -> int | None:
    found = el.find(path)
    if found is None:
        return None
    value = found.get(W_VAL, "")
    if not value.isdigit():
        raise _Malformed(f"has a table value '{value[:20]}' where Word writes a number")
    return int(value)


def _span(tc: Any) -> int:
    return _int(tc, f"{W}tcPr/{W}gridSpan") or 1  # checked to be 1..MAX_SPAN by _check_xml


def _grid_before(tr: Any) -> int:
    return _int(tr, f"{W}trPr/{W}gridBefore") or 0


def _continues(tc: Any) -> bool:
    merge = tc.find(f"{W}tcPr/{W}vMerge")
    return merge is not None and merge.get(W_VAL, "continue") == "continue"


def _cells(tr: Any, above: list[Any]) -> list[Any]:
    """A row's cells (``w:tc``) by grid column, as python-docx's ``row.cells``: a cell spanning
    columns once per column, a vertically merged cell as the cell it continues. ``above``: the
    rows before it in the table."""
    out = []
    offset = _grid_before(tr)
    for tc in tr.iterchildren(W_TC):
        span = _span(tc)
        if _continues(tc):
            out.extend(_above(offset, above))
        else:
            out.extend([tc] * span)
        offset += span
    return out


def _above(offset: int, above: list[Any]) -> list[Any]:
    """The cells a vertically continued cell at grid ``offset`` stands for: those of the cell
    starting at that offset in the nearest row above that does not continue it too."""
    for tr in reversed(above):
        cell = _at(tr, offset)
        if cell is None:
            raise _Malformed(
                "has a malformed merged table cell (no cell above it starts where it does)"
            )
        if not _continues(cell):
            return [cell] * _span(cell)
    raise _Malformed("has a malformed merged table cell (it continues a cell above the table)")


def _at(tr: Any, offset: int) -> Any:
    """The cell of row ``tr`` that starts at grid column ``offset``, or None."""
    remaining = offset - _grid_before(tr)
    for cell in tr.iterchildren(W_TC):
        if remaining <= 0:
            return cell if remaining == 0 else None
        remaining -= _span(cell)
    return None


class _Malformed(Exception):
    pass


def _row_cells(tr: Any, above: list[Any]) -> list[str]:
    cells: list[str] = []
    seen: list[Any] = []
    for tc in _cells(tr, above):
        if any(tc is s for s in seen):
            continue
        seen.append(tc)
        cells.append(_cell_text(tc).strip())
    return cells


def _table_rows(tbl: Any) -> list[list[str]]:
    rows = list(tbl.iterchildren(W_TR))
    return [_row_cells(tr, rows[:i]) for i, tr in enumerate(rows)]


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
    rows = [cells for cells in _table_rows(table) if any(cells)]
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


def _check_xml(body: Any, path: str) -> None:
    """Refuse table spans Word never writes, before a grid is built from them (a gridSpan of
    10^20 builds a grid without end)."""
    for el in body.iter(W + "gridSpan"):
        span = el.get(W_VAL, "")
        if not span.isdigit() or not 1 <= int(span) <= MAX_SPAN:
            raise InputFileError(
                path,
                f"has a table cell spanning '{span[:20]}' columns (Word allows 1 to 63)",
                "open it in Word or LibreOffice and save it again",
            )
    for el in body.iter(W + "vMerge"):
        if el.get(W_VAL) not in (None, "restart", "continue"):
            raise InputFileError(
                path, "has a malformed merged table cell", "open it in Word and save it again"
            )


def read_docx(data: bytes, path: str) -> tuple[str, list[Line]]:
    """Text and lines of a Word file, its package checked first (qualcode.ingest.ooxml): every
    XML member parsed safely, a DTD anywhere refused, the main part present."""
    root = read_word(data, path)
    body = root.find(W + "body") if root.tag == W + "document" else None
    if body is None:
        raise InputFileError(path, "has no document body", "open it in Word and save it again")
    _check_xml(body, path)
    try:
        return _read(body)
    except _Malformed as exc:
        raise InputFileError(path, str(exc), HINT) from None


HINT = "open it in Word or LibreOffice and save it again as .docx"


def _read(body: Any) -> tuple[str, list[Line]]:
    out = _Builder()
    for block in _blocks(body):
        if block.tag == W_TBL:
            _add_table(out, block)
            continue
        text, label = _paragraph(block)
        if label:
            out.add(text, label[0], label[1])
        else:
            out.add(text)
    return out.text(), out.lines
