"""Every sheet of a spreadsheet as rows of text: an .xlsx workbook (its package checked first by
qualcode.ingest.ooxml: zip limits, each XML member parsed safely) or one CSV / TSV sheet in any
encoding qualcode.ingest.csvtext reads (then the sheet is named after the file)."""

from __future__ import annotations

import io
from pathlib import Path

from qualcode.errors import InputFileError

XLSX = (".xlsx", ".xlsm", ".xls", ".ods")  # the last two are named for what they are
DELIMITED = (".csv", ".tsv")
SUFFIXES = XLSX + DELIMITED
HINT = "save it again from Excel as .xlsx"

Sheet = tuple[str, list[list[str]]]  # (name, rows of cells as text)


def read_sheets(path: Path, where: str | None = None) -> list[Sheet]:
    where = where or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputFileError(where, "is not a spreadsheet", "use .xlsx or .csv")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
    if suffix in XLSX:
        return xlsx_sheets(data, where)
    from qualcode.ingest.csvtext import read_rows

    return [(path.stem, read_rows(data, where, "\t" if suffix == ".tsv" else ","))]


def xlsx_sheets(data: bytes, where: str) -> list[Sheet]:
    """Each worksheet's name and rows (chart sheets left out), cells as text, '' when empty."""
    import openpyxl  # lazy

    from qualcode.ingest.ooxml import library_problem, office_bytes

    safe, broken = office_bytes(data, where, "xlsx")
    try:  # openpyxl raises many types for broken workbooks, while opening and while reading
        book = openpyxl.load_workbook(io.BytesIO(safe), read_only=True, data_only=True)
        sheets = [
            (str(ws.title), [_cells(row) for row in ws.iter_rows(values_only=True)])
            for ws in book.worksheets
            if hasattr(ws, "iter_rows")
        ]
        book.close()
    except InputFileError:
        raise
    except Exception as exc:
        raise broken or InputFileError(where, library_problem(exc, "xlsx"), HINT) from exc
    if not sheets:
        raise InputFileError(where, "has no worksheets", "add the sheet and save it again")
    return sheets


def _cells(row: tuple[object, ...]) -> list[str]:
    cells = ["" if c is None else str(c) for c in row]
    while cells and not cells[-1].strip():  # a sheet formatted to column XFD has no more text
        cells.pop()
    return cells
