"""The framework summaries workbook: written for people to fill in, read back cell by cell.

Sheet 'Summaries': a row per participant (column A their id, B how reports show them), a column
per code (headed 'Code name [code.id]'), each cell the summary (a machine draft with its DRAFT
mark). Sheet 'Quotes': the same grid holding each cell's coded quotes (pseudonymised), to read
beside it. Sheet 'About': how to fill it in. Nothing here reads the store.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputFileError

SHEET, QUOTES, ABOUT = "Summaries", "Quotes", "About"
FIRST = ("participant", "shown as")
CELL_LIMIT = 32_000  # Excel holds at most 32,767 characters in a cell
ABOUT_TEXT = [
    "Framework summaries: one cell per participant and code.",
    "Write each participant's summary for a code in its cell of the Summaries sheet; the Quotes "
    "sheet holds the same cell's coded quotes to read beside it.",
    "A cell marked 'DRAFT (machine, unedited)' is a machine draft: edit it (or delete the mark) "
    "to make it your summary; left as it is, it stays a draft and no final report shows it.",
    "Empty a cell to take its summary away. Do not change column A or the header row.",
    "Read it back with: qualcode summaries import FILE.xlsx --as YOUR-NAME",
]


@dataclass
class SummarySheet:
    codes: list[tuple[str, str]]  # (code id, name)
    people: list[tuple[str, str]]  # (participant id, label)
    summaries: dict[tuple[str, str], str]  # shown text (drafts marked)
    quotes: dict[tuple[str, str], list[str]]


def header(code: str, name: str) -> str:
    return f"{name} [{code}]"


def write_sheet(sheet: SummarySheet, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from qualcode.export import atomic_write_bytes
    from qualcode.export.report import _stable_zip, print_on_a4

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for title, cells in ((SHEET, sheet.summaries), (QUOTES, None)):
        ws = wb[SHEET] if title == SHEET else wb.create_sheet(QUOTES)
        ws.append([*FIRST, *(header(c, n) for c, n in sheet.codes)])
        for pid, label in sheet.people:
            if cells is not None:
                row = [cells.get((pid, c), "") for c, _ in sheet.codes]
            else:
                row = [
                    "\n\n".join(sheet.quotes.get((pid, c), []))[:CELL_LIMIT] for c, _ in sheet.codes
                ]
            ws.append([pid, label, *row])
        for column in ws.columns:
            letter = column[0].column_letter
            ws.column_dimensions[letter].width = (
                12 if letter == "A" else 24 if letter == "B" else 45
            )
            for cell in column:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "C2"
        print_on_a4(ws)
    about = wb.create_sheet(ABOUT)
    for line in ABOUT_TEXT:
        about.append([line])
    about.column_dimensions["A"].width = 110
    print_on_a4(about, header=False)
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(path, _stable_zip(buf.getvalue()))


def _column(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(n))


def read_sheet(path: Path, people: set[str], codes: dict[str, str]) -> dict[tuple[str, str], str]:
    """(participant, code) -> the cell's text, for every cell of the Summaries sheet (empty ones
    too). ``codes``: code id -> name. Any unknown participant or code raises, naming the cell."""
    from qualcode.ingest.workbook import xlsx_sheets

    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})", "check the path") from exc
    found = dict(xlsx_sheets(data, where))
    if SHEET not in found:
        raise InputFileError(
            where, f"has no sheet '{SHEET}'", "write one with 'qualcode summaries export'"
        )
    rows = found[SHEET]
    if not rows or [c.strip().lower() for c in rows[0][:1]] != [FIRST[0]]:
        raise InputFileError(
            where, f"{SHEET}!A1 should say '{FIRST[0]}'", "keep the header row as written"
        )
    columns = _codes(where, rows[0], codes)
    out: dict[tuple[str, str], str] = {}
    seen: dict[str, int] = {}
    for r, row in enumerate(rows[1:], start=2):
        pid = row[0].strip() if row else ""
        if not pid:
            if any(c.strip() for c in row[2:]):
                raise InputFileError(
                    where, f"{SHEET}!A{r} has no participant id", "put the id back"
                )
            continue
        if pid not in people:
            raise InputFileError(
                where,
                f"{SHEET}!A{r}: no participant '{pid}' in the project",
                "use the ids 'qualcode status' lists",
            )
        if pid in seen:
            raise InputFileError(
                where,
                f"{SHEET}!A{r}: '{pid}' has a row already (row {seen[pid]})",
                "keep one row per participant",
            )
        seen[pid] = r
        for j, code in columns.items():
            out[(pid, code)] = row[j - 1] if j - 1 < len(row) else ""
    return out


_BRACKETED = re.compile(r"\[([^\[\]]+)\]\s*$")


def _codes(where: str, head: list[str], codes: dict[str, str]) -> dict[int, str]:
    """Column number -> code id, from headers 'Name [id]', 'id' or 'Name'."""
    names = {n.strip().lower(): c for c, n in codes.items()}
    out: dict[int, str] = {}
    for j, text in enumerate(head[2:], start=3):
        text = text.strip()
        if not text:
            continue
        m = _BRACKETED.search(text)
        code = m.group(1).strip() if m else text if text in codes else names.get(text.lower(), "")
        if code not in codes:
            raise InputFileError(
                where,
                f"{SHEET}!{_column(j)}1: no code '{code or text}' in the codebook",
                "keep the headers as written ('Code name [code.id]')",
            )
        if code in out.values():
            raise InputFileError(
                where,
                f"{SHEET}!{_column(j)}1: '{code}' has a column already",
                "keep one column per code",
            )
        out[j] = code
    return out
