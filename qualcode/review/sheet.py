"""Reviewing in a spreadsheet: export the queue with a decision column, import it back.

Import is all or nothing: every row is checked first (unknown decision or code, a segment whose
text was edited, an item decided twice, an item already decided or no longer current), each
problem names its row, and nothing is stored unless all rows are good. Decisions are appended
under the reviewer's name; nothing is ever overwritten.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.codebook import Codebook
from qualcode.errors import InputFileError, QualcodeError
from qualcode.export import atomic_write_bytes
from qualcode.ingest.csvtext import read_rows
from qualcode.review.layers import MACHINE_KINDS

COLUMNS = (
    "item",
    "document",
    "participant",
    "turn",
    "code",
    "kind",
    "source",
    "score",
    "evidence",
    "text",
    "decision",
    "new_code",
    "note",
)
RESAVE = "save it again as .xlsx or CSV UTF-8"
DECISIONS = {"accept": "accept", "reject": "reject", "change": "recode", "": ""}


@dataclass
class SheetImport:
    reviewer: str
    rows: int = 0
    decided: int = 0
    actions: dict[str, int] = field(default_factory=dict)


def export_queue(queue: list[dict[str, Any]], path: Path) -> int:
    """Write the review queue to ``path`` (.xlsx or .csv) with empty decision columns."""
    rows = [[q.get(c, "") for c in COLUMNS] for q in queue]
    if path.suffix.lower() == ".xlsx":
        atomic_write_bytes(path, _xlsx(rows))
    elif path.suffix.lower() == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        atomic_write_bytes(path, buf.getvalue().encode("utf-8-sig"))
    else:
        raise QualcodeError(f"{path}: unsupported type", "name the file .xlsx or .csv")
    return len(rows)


def _xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "review"
    ws.append(list(COLUMNS))
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = {"evidence": 30, "text": 80, "code": 34, "note": 30, "decision": 12, "new_code": 30}
    for i, name in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths.get(name, 12)
        if name == "text":
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    choice = DataValidation(type="list", formula1='"accept,reject,change"', allow_blank=True)
    ws.add_data_validation(choice)
    col = ws.cell(row=1, column=COLUMNS.index("decision") + 1).column_letter
    choice.add(f"{col}2:{col}{max(2, len(rows) + 1)}")
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _read(path: Path) -> list[dict[str, str]]:
    where = str(path)
    if path.suffix.lower() == ".xlsx":
        from qualcode.ingest.attributes import xlsx_rows

        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
        table = xlsx_rows(data, where, active=True)  # each failure says what is wrong
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(where, f"cannot be read ({exc.strerror})") from exc
        table = read_rows(data, where)
    if not table or "item" not in table[0] or "decision" not in table[0]:
        raise InputFileError(
            where,
            "is not a review sheet (no item and decision columns)",
            "export one with 'qualcode review export'",
        )
    header = table[0]
    return [dict(zip(header, r + [""] * (len(header) - len(r)), strict=False)) for r in table[1:]]


def import_sheet(store: Any, codebook: Codebook, path: Path, reviewer: str) -> SheetImport:
    """Check every row, then append the decisions under ``reviewer``."""
    if not reviewer.strip():
        raise QualcodeError("who is reviewing?", "pass --as NAME or set [project] reviewer")
    known = {c.id for c in codebook.codes}
    rows = _read(path)
    problems: list[str] = []
    seen: dict[int, int] = {}
    out: list[tuple[int | None, str, str, str, str, str]] = []
    report = SheetImport(reviewer, rows=len(rows))
    for n, row in enumerate(rows, start=2):
        decision = row.get("decision", "").strip().lower()
        if decision not in DECISIONS:
            problems.append(f"row {n}: decision '{decision}' is not accept, reject or change")
            continue
        if not decision:
            continue
        try:
            item = int(float(row.get("item", "")))
            if not 0 < item < 2**63:  # SQLite's integer range
                raise ValueError(item)
        except (ValueError, OverflowError):
            problems.append(f"row {n}: item '{row.get('item')}' is not a number")
            continue
        if item in seen:
            problems.append(f"row {n}: item {item} is decided twice (first on row {seen[item]})")
            continue
        seen[item] = n
        app = store.application(item)
        state = store.application_state(item)
        if app is None or app[2] != row.get("code", "").strip() or state is None:
            problems.append(f"row {n}: item {item} is not a suggestion of {row.get('code')}")
            continue
        if state[2] not in MACHINE_KINDS:
            problems.append(f"row {n}: item {item} is a person's coding, not a suggestion")
            continue
        if app[5]:
            problems.append(f"row {n}: item {item} has already been decided; export again")
            continue
        if app[3] is not None:
            problems.append(f"row {n}: item {item} was superseded by a later run; export again")
            continue
        if " ".join(app[4].split()) != " ".join(row.get("text", "").split()):
            problems.append(f"row {n}: the segment text was edited; decisions need the original")
            continue
        new = row.get("new_code", "").strip()
        if decision == "change" and new not in known:
            problems.append(f"row {n}: new_code '{new}' is not a code of {codebook.source}")
            continue
        note = row.get("note", "").strip()
        out.append((item, app[1], app[2], reviewer, DECISIONS[decision], note))
        if decision == "change":
            out.append((None, app[1], new, reviewer, "add", note or f"changed from {app[2]}"))
        report.actions[decision] = report.actions.get(decision, 0) + 1
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputFileError(str(path), problems[0] + more, "fix those rows; nothing was stored")
    report.decided = sum(report.actions.values())
    # the decisions and the finished segments: one action, all or nothing
    with store.action(reviewer, "review import", mode="review", via="spreadsheet"):
        store.add_decisions(out)
        waiting = store.undecided_segments()  # a segment whose every suggestion is now decided
        for seg in sorted({row[1] for row in out} - waiting):  # is finished by this reviewer
            store.mark_reviewed(seg, reviewer)
    return report
