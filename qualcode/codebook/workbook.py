"""Every sheet of a spreadsheet as rows of text: an .xlsx workbook (its package checked first by
qualcode.ingest.ooxml: zip limits, each XML member parsed safely) or one CSV / TSV sheet in any
encoding qualcode.ingest.csvtext reads (then the sheet is named after the file)."""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import InputFileError

Sheet = tuple[str, list[list[str]]]  # (name, rows of cells as text), as ingest.workbook gives

XLSX = (".xlsx", ".xlsm", ".xls", ".ods")  # the last two are named for what they are
DELIMITED = (".csv", ".tsv")
SUFFIXES = XLSX + DELIMITED


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
        from qualcode.ingest.workbook import xlsx_sheets  # lazy: qualcode.ingest is not light

        return xlsx_sheets(data, where)
    from qualcode.ingest.csvtext import read_rows

    return [(path.stem, read_rows(data, where, "\t" if suffix == ".tsv" else ","))]
