"""Participant attribute sheets (CSV or XLSX), keyed by participant id and/or file name."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.csvtext import read_rows
from qualcode.ingest.ooxml import library_problem, office_bytes

ID_COLUMNS = ("participant_id", "participant", "pid", "id", "case", "case_id")
FILE_COLUMNS = ("file", "filename", "file_name", "transcript", "source", "document")


@dataclass
class AttributeReport:
    sheet: str
    participants: int = 0
    linked_documents: int = 0
    unknown_rows: list[str] = field(default_factory=list)
    documents_without_row: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def read_sheet(path: Path) -> list[dict[str, str]]:
    """Rows of the sheet as dicts with normalised column names and stripped string values."""
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = xlsx_rows(data, where)
    elif path.suffix.lower() in (".csv", ".tsv", ".txt"):
        rows = read_rows(data, where, "\t" if path.suffix.lower() == ".tsv" else ",")
    else:
        raise InputFileError(where, "is not a CSV or XLSX sheet", "use .csv or .xlsx")
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputFileError(where, "is empty", "add a header row and one row per participant")
    header = [_key(h) for h in rows[0]]
    if not any(h in ID_COLUMNS or h in FILE_COLUMNS for h in header):
        raise InputFileError(
            where,
            "has no participant id or file column",
            f"name a column one of: {', '.join(ID_COLUMNS[:2] + FILE_COLUMNS[:1])}",
        )
    return [
        {h: v.strip() for h, v in zip(header, r, strict=False) if h and v.strip()} for r in rows[1:]
    ]


def xlsx_rows(data: bytes, where: str, active: bool = False) -> list[list[str]]:
    """The rows of the first (or the ``active``) worksheet as strings, the package checked
    first (qualcode.ingest.ooxml: zip limits, every XML member parsed safely, the workbook
    present)."""
    import openpyxl  # lazy

    safe, broken = office_bytes(data, where, "xlsx")
    try:  # openpyxl raises many types for broken workbooks, while opening and while reading
        book = openpyxl.load_workbook(io.BytesIO(safe), read_only=True, data_only=True)
        if not book.worksheets:
            raise InputFileError(where, "has no worksheets", "add the sheet and save it again")
        sheet = book.active if active else book.worksheets[0]
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise InputFileError(where, "has no worksheet to read (a chart sheet?)", HINT)
        rows = [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
    except InputFileError:
        raise
    except Exception as exc:
        raise broken or InputFileError(where, library_problem(exc, "xlsx"), HINT) from exc
    return rows


HINT = "save it again from Excel as .xlsx"


# "P07_sergeant.docx", "Participant 3.txt", "Interview 12 (final).docx", "R-14.vtt"
_PID_RE = re.compile(
    r"(?:p|participant|interviewee|respondent|r|int|interview|case|id)[ _-]?\d+(?![a-z0-9])",
    re.IGNORECASE,
)


def participant_from_name(name: str) -> str | None:
    """A participant id at the start of a transcript's file name, if it has one."""
    m = _PID_RE.match(Path(name).stem.strip())
    return m.group(0) if m else None


def _stem(name: str) -> str:
    return Path(name).stem.lower()


def link(
    rows: list[dict[str, str]], documents: list[dict[str, object]], sheet: str
) -> tuple[dict[str, dict[str, str]], dict[int, str], AttributeReport]:
    """Match sheet rows to stored documents; returns attributes, doc->participant, report."""
    report = AttributeReport(sheet)
    by_stem = {_stem(str(d["name"])): int(str(d["id"])) for d in documents}
    attributes: dict[str, dict[str, str]] = {}
    links: dict[int, str] = {}
    for n, row in enumerate(rows, start=2):
        pid = next((row[c] for c in ID_COLUMNS if c in row), None)
        fname = next((row[c] for c in FILE_COLUMNS if c in row), None)
        pid = pid or (_stem(fname) if fname else None)
        if not pid:
            report.unknown_rows.append(f"row {n}: no participant id")
            continue
        attributes[pid] = {
            k: v for k, v in row.items() if k not in ID_COLUMNS and k not in FILE_COLUMNS
        }
        doc_id = by_stem.get(_stem(fname)) if fname else by_stem.get(pid.lower())
        if doc_id is None:
            report.unknown_rows.append(f"row {n}: {pid} matches no ingested transcript")
            continue
        links[doc_id] = pid
    report.participants = len(attributes)
    report.linked_documents = len(links)
    report.documents_without_row = sorted(
        str(d["source"]) for d in documents if int(str(d["id"])) not in links
    )
    return attributes, links, report
