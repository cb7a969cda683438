"""A text search's keyword-in-context lines (and its counts by group) as CSV, Markdown, Word or
Excel. Pure writers over qualcode.analysis.search's result: no database, no search."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from qualcode.export import atomic_write_bytes

FORMATS = ("csv", "xlsx", "docx", "md")
HEADERS = ["participant", "turn", "left context", "hit", "right context"]
GROUP_HEADERS = ["hits", "turns", "participants with a hit", "participants"]


def lines(result: Any) -> tuple[list[str], list[list[str]]]:
    """The KWIC table: headers and one row per hit (the --by group after the participant)."""
    headers = list(HEADERS)
    if result.by:
        headers.insert(1, result.by)
    rows = []
    for h in result.hits:
        row = [h.participant, str(h.turn), h.left, h.hit, h.right]
        if result.by:
            row.insert(1, h.group)
        rows.append(row)
    return headers, rows


def group_rows(result: Any) -> tuple[list[str], list[list[str]]]:
    headers = [result.by, *GROUP_HEADERS]
    rows = [
        [g.group, str(g.hits), str(g.turns), str(g.participants), str(g.of)] for g in result.groups
    ]
    return headers, rows


def title(result: Any) -> str:
    how = {"regex": " (regular expression)", "forms": " (all word forms)"}.get(result.mode, "")
    return f"Search: {result.query}{how}"


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def summary(result: Any) -> str:
    who = {"all": "all speakers", "participant": "participants", "interviewer": "interviewers"}
    hits, searched = len(result.hits), result.searched
    people = f"{searched:,} participant{'' if searched == 1 else 's'} searched"
    if not hits:  # not "0 hits in 0 turns of 0 of 53 participants"
        text = f"No hits in the {people} ({who[result.speakers]}' turns)"
    else:
        text = (
            f"{_n(hits, 'hit')} in {_n(result.turns, 'turn')} from {result.participants:,} of "
            f"the {people} ({who[result.speakers]}' turns)"
        )
    if result.forms:
        text += "; word forms: " + "; ".join(", ".join(v) for v in result.forms.values())
    filters = [
        f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in result.filters.items() if v
    ]
    return text + (f"; {'; '.join(filters)}" if filters else "") + "."


def _csv(result: Any) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    headers, rows = lines(result)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for r in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in r) + " |")
    return out


def _md(result: Any) -> bytes:
    out = [f"# {title(result)}", "", summary(result), ""]
    if result.by:
        out += [f"## Hits by {result.by}", "", *_md_table(*group_rows(result)), ""]
        out += ["## Hits in context", ""]
    out += _md_table(*lines(result))
    return ("\n".join(out) + "\n").encode("utf-8")


def _docx(result: Any) -> bytes:
    from qualcode.export.report import _stable_zip, _table, new_document

    doc = new_document(title(result), landscape=True, margin=1.5, points=9)
    doc.add_heading(title(result), level=1)
    doc.add_paragraph(summary(result))
    if result.by:
        doc.add_heading(f"Hits by {result.by}", level=2)
        headers, rows = group_rows(result)
        _table(doc, headers, rows, [6.0, 2.5, 2.5, 4.0, 3.0])
        doc.add_heading("Hits in context", level=2)
    headers, rows = lines(result)
    fixed = [2.6, 1.3] if not result.by else [2.6, 2.6, 1.3]
    usable = 26.7 - sum(fixed)  # cm across A4 landscape inside 1.5 cm margins
    table = _table(doc, headers, rows, [*fixed, usable * 0.43, usable * 0.14, usable * 0.43])
    _kwic_columns(table, headers.index("left context"), headers.index("hit"))
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


def _kwic_columns(table: Any, left: int, hit: int) -> None:
    """Left context right-aligned against the hit, the hit in bold: the lines read as one."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for row in table.rows[1:]:
        for para in row.cells[left].paragraphs:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for para in row.cells[hit].paragraphs:
            for run in para.runs:
                run.bold = True


def _sheet(ws: Any, headers: list[str], rows: list[list[Any]], widths: list[float]) -> None:
    from qualcode.export.report import _fit

    ws.append(headers)
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # a quote starting with '=' is text, never a formula
                cell.data_type = "s"
    _fit(ws, widths)
    ws.freeze_panes = "A2"


def _xlsx(result: Any) -> bytes:
    from openpyxl import Workbook

    from qualcode.export.report import _stable_zip

    wb = Workbook()
    ws = wb.active
    ws.title = "hits"
    headers, rows = lines(result)
    turn = headers.index("turn")
    values = [[int(c) if i == turn else c for i, c in enumerate(r)] for r in rows]
    widths = [14.0] * (len(headers) - 3) + [50.0, 24.0, 50.0]
    _sheet(ws, headers, values, widths)
    if result.by:
        headers, rows = group_rows(result)
        counts = [[r[0], *(int(c) for c in r[1:])] for r in rows]
        _sheet(wb.create_sheet(f"by {result.by}"[:31]), headers, counts, [24.0] + [14.0] * 4)
    notes = wb.create_sheet("about")
    notes.append([title(result)])
    notes.append([summary(result)])
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())


def write_kwic(result: Any, fmt: str, path: Path, listed: tuple[str, ...] = ()) -> Path:
    """Write the search's lines as ``fmt``; ``listed`` names no written line may still hold."""
    from qualcode.export.leakgate import check_written

    writer = {"csv": _csv, "xlsx": _xlsx, "docx": _docx, "md": _md}[fmt]
    atomic_write_bytes(path, writer(result))
    check_written(path, listed)
    return path
