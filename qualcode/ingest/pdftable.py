"""Tables in PDF reports other tools print (MAXQDA's "Coded Segments" and "Code System"): the
columns are found from the header row's positions in pypdf's layout text, and a row whose first
column is empty continues the row above (wrapped text)."""

from __future__ import annotations

import io
import re
from typing import Any

from qualcode.errors import InputFileError

GAP = re.compile(r"\S+(?: \S+)*")  # a header cell: words separated by single spaces


def layout_lines(data: bytes, where: str) -> list[str]:
    """Every page's text in layout mode (columns kept at their positions)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    from qualcode.ingest.pdf import READ_ERRORS, pdf_problem

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [p.extract_text(extraction_mode="layout") for p in reader.pages]
    except (PyPdfError, *READ_ERRORS) as exc:
        raise InputFileError(where, pdf_problem(exc, data), "export the table again") from exc
    return [line.rstrip() for page in pages for line in page.splitlines()]


def _header(lines: list[str], first: str, where: str) -> str:
    """The header row: the first line starting with ``first`` that has two or more cells (a
    report's title line may start with the same words)."""
    for line in lines:
        if line.lstrip().startswith(first) and len(GAP.findall(line)) >= 2:
            return line
    raise InputFileError(where, f"has no table headed '{first}'", "export the table again")


def pdf_table(data: bytes, where: str, first: str) -> list[list[str]]:
    """The table whose header row starts with ``first``: [header, row, row, ...]."""
    lines = layout_lines(data, where)
    header_line = _header(lines, first, where)
    cells: list[tuple[int, str]] = [(m.start(), m.group(0)) for m in GAP.finditer(header_line)]
    starts = [s for s, _ in cells]
    rows: list[list[str]] = [[name for _, name in cells]]
    current: list[str] | None = None
    at = lines.index(header_line)
    titles = {ln.strip() for ln in lines[:at] if ln.strip()}  # repeated on every page
    for line in lines[at + 1 :]:
        if not line.strip() or line.strip() in (header_line.strip(), *titles):
            continue
        parts = [
            line[a:b].strip() for a, b in zip(starts, [*starts[1:], len(line) + 1], strict=True)
        ]
        if not line.startswith(" ") and parts[0]:  # the first column: a new row
            current = parts
            rows.append(current)
        elif current is not None:
            for j, part in enumerate(parts):
                if part:
                    current[j] = f"{current[j]}\n{part}" if current[j] else part
    return rows


def indented_rows(data: bytes, where: str, first: str) -> list[tuple[int, list[str]]]:
    """A tree printed as a table (a code system): (indent of the first column, cells) per
    row after the header, continuation lines folded into their row."""
    lines = layout_lines(data, where)
    header_line = _header(lines, first, where)
    starts = [m.start() for m in GAP.finditer(header_line)]
    out: list[tuple[int, list[str]]] = []
    seen_header = False
    for line in lines:
        if line == header_line:
            seen_header = True
            continue
        if not seen_header or not line.strip():
            continue
        parts = [
            line[a:b].strip() for a, b in zip(starts, [*starts[1:], len(line) + 1], strict=True)
        ]
        indent = len(line) - len(line.lstrip())
        names_a_node = bool(parts[0]) and (len(starts) < 2 or indent < starts[1])
        if names_a_node:
            out.append((indent, parts))
        elif out:
            for j, part in enumerate(parts):
                if part:
                    out[-1][1][j] = f"{out[-1][1][j]} {part}".strip()
    return out


def is_pdf(data: Any) -> bool:
    return bytes(data[:5]) == b"%PDF-"
