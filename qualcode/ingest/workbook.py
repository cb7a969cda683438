"""Every worksheet of an .xlsx workbook as rows of text, its package checked first
(qualcode.ingest.ooxml: zip limits, each XML member parsed safely). Codebook and codings importers
read workbooks through this one function."""

from __future__ import annotations

import io

from qualcode.errors import InputFileError

HINT = "save it again from Excel as .xlsx"

Sheet = tuple[str, list[list[str]]]  # (name, rows of cells as text)


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
