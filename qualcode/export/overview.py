"""The matrix overview (``export matrix --overview``) in Word, Excel, CSV and Markdown.

Two tables per report: the codebook overview (code, participants, segments, participants by
group) and the codes x participants grid (segments per cell, at most PEOPLE_PER_PAGE participant
columns per table, an aim's total row above its codes). In Word both are set compactly (6-point
text, fixed row heights) so about 40 participants by 50 codes fill one A4 landscape page.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from qualcode.analysis.overview import Overview, Row, overview
from qualcode.review.findings import ReportData, display

PEOPLE_PER_PAGE = 40
POINTS = 6.0
ROW_CM = 0.30
AIM_FILL, HEAD_FILL = "D9E2F3", "EDEDED"


def codebook_rows(ov: Overview) -> tuple[list[str], list[tuple[bool, list[str]]]]:
    """The codebook overview: headers, and (is an aim's row, cells) rows."""
    n = len(ov.participants)
    headers = ["Code", f"Participants (of {n})", "Segments"]
    headers += [f"{display(g)} (of {ov.sizes[g]})" for g in ov.groups]
    rows: list[tuple[bool, list[str]]] = []
    for aim in ov.aims:
        rows.append((True, _stats(aim.total, ov)))
        rows += [(False, _stats(r, ov)) for r in aim.codes]
    return headers, rows


def _stats(row: Row, ov: Overview) -> list[str]:
    return [
        row.name,
        str(row.participants),
        str(row.segments),
        *(str(row.by_group.get(g, 0)) for g in ov.groups),
    ]


def grid_tables(ov: Overview) -> list[tuple[list[str], list[tuple[bool, list[str]]]]]:
    """The codes x participants grid, split into tables of PEOPLE_PER_PAGE participants each:
    headers (code, participants..., n) and rows (aim total rows first in each aim)."""
    out = []
    parts = max(1, -(-len(ov.participants) // PEOPLE_PER_PAGE))
    size = max(1, -(-len(ov.participants) // parts))  # 53 people: two tables of 27 and 26
    for i in range(0, max(1, len(ov.participants)), size):
        people = ov.participants[i : i + size]
        headers = ["Code", *people, "n"]
        rows: list[tuple[bool, list[str]]] = []
        for aim in ov.aims:
            for is_aim, row in [(True, aim.total), *((False, r) for r in aim.codes)]:
                cells = [str(row.cells[p]) if row.cells.get(p) else "" for p in people]
                rows.append((is_aim, [row.name, *cells, str(row.participants)]))
        out.append((headers, rows))
    return out


# Word -----------------------------------------------------------------------------------------
def add_overview(doc: Any, report: ReportData, usable: float) -> None:
    """The overview's two tables, each starting on a new page, then a page break."""
    ov = overview(report)
    doc.add_heading("Overview", level=1)
    doc.add_paragraph(
        "Codes by participant: the number of coded segments in each cell, an aim's row counting "
        "segments coded with any of its codes; n is the participants coded with it."
    )
    headers, rows = codebook_rows(ov)
    _title_line(doc, "Codebook overview", report.includes_suggestions)
    panels = 2 if len(rows) > PANEL_ROWS else 1  # a long codebook: two panels side by side
    room = (usable - 0.3 * (panels - 1)) / panels
    first = min(9.0 if panels == 1 else 6.5, room - 1.2 * (len(headers) - 1))
    widths = [first] + [min(2.6, (room - first) / (len(headers) - 1))] * (len(headers) - 1)
    if panels == 2:
        headers, rows, widths = _two_panels(headers, rows, widths)
    _compact(doc, headers, rows, widths)
    for headers, rows in grid_tables(ov):
        doc.add_page_break()
        _title_line(doc, "Codes by participant", report.includes_suggestions)
        rest = (usable - 6.0) / (len(headers) - 1)
        _compact(doc, headers, rows, [6.0] + [min(0.9, rest)] * (len(headers) - 1), rotate=True)
    doc.add_page_break()


PANEL_ROWS = 50


def _two_panels(
    headers: list[str], rows: list[tuple[Any, list[str]]], widths: list[float]
) -> tuple[list[str], list[tuple[Any, list[str]]], list[float]]:
    """The table's first half on the left, its second half on the right (read down, then on)."""
    half = (len(rows) + 1) // 2
    blank = [""] * len(headers)
    out = []
    for i in range(half):
        left = rows[i]
        right = rows[half + i] if half + i < len(rows) else (False, blank)
        flags = [left[0]] * len(headers) + [False] + [right[0]] * len(headers)
        out.append((flags, [*left[1], "", *right[1]]))
    return [*headers, "", *headers], out, [*widths, 0.3, *widths]


def _title_line(doc: Any, text: str, draft: bool) -> None:
    """A table's title (not a numbered caption: the detail's tables keep their numbers)."""
    para = doc.add_paragraph()
    para.add_run(("Draft: " if draft else "") + text).bold = True


def _compact(
    doc: Any,
    headers: list[str],
    rows: list[tuple[Any, list[str]]],
    widths: list[float],
    rotate: bool = False,
) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    from qualcode.export.report import _shade

    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right", "top", "bottom"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), "20" if side in ("left", "right") else "0")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    table._tbl.tblPr.append(margins)
    for i, w in enumerate(widths):
        table.columns[i].width = Cm(w)
    for r, (aim, values) in enumerate([(None, headers), *rows]):
        row = table.rows[r]
        tr = row._tr.get_or_add_trPr()
        height = OxmlElement("w:trHeight")
        tall = r == 0 and rotate
        height.set(qn("w:val"), str(int((1.0 if tall else ROW_CM) * 567)))
        height.set(qn("w:hRule"), "atLeast" if r == 0 else "exact")
        tr.append(height)
        if r == 0:
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            tr.append(repeat)
        flags = aim if isinstance(aim, list) else [bool(aim)] * len(values)
        for j, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = Cm(widths[j])
            para = cell.paragraphs[0]
            para.paragraph_format.space_after = Pt(0)
            para.paragraph_format.space_before = Pt(0)
            para.paragraph_format.line_spacing = 1.0
            run = para.add_run(text)
            run.font.size = Pt(POINTS)
            run.bold = r == 0 or flags[j]
            if r == 0 and rotate and j:
                direction = OxmlElement("w:textDirection")
                direction.set(qn("w:val"), "btLr")
                cell._tc.get_or_add_tcPr().append(direction)
            if (r == 0 and text) or (r and flags[j]):
                _shade(cell, HEAD_FILL if r == 0 else AIM_FILL)


def overview_docx(report: ReportData) -> bytes:
    """The overview alone, as an A4 landscape document."""
    from qualcode.export.report import _footer, _stable_zip, _title, new_document

    doc = new_document(_title(report), landscape=True, margin=1.2, points=9)
    _footer(doc.sections[0], report.title, report.lang)
    add_overview(doc, report, 29.7 - 2.4)
    body = doc.element.body  # no empty last page after the closing page break
    last = body[-2] if len(body) > 1 else None
    if last is not None and last.tag.endswith("}p") and "w:br" in last.xml:
        body.remove(last)
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


# text formats and Excel -----------------------------------------------------------------------
def overview_md(report: ReportData) -> list[str]:
    ov = overview(report)
    out = ["## Overview", ""]
    for title, (headers, rows) in [
        ("Codebook overview", codebook_rows(ov)),
        *(("Codes by participant", t) for t in grid_tables(ov)),
    ]:
        out += [f"*{title}*", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        for aim, cells in rows:
            cells = [f"**{c}**" if aim and c else c for c in cells]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        out.append("")
    return out


def overview_csv(report: ReportData) -> bytes:
    """One row per aim and code: its participants, segments, by group, and each participant's
    segments (all participants in one table)."""
    ov = overview(report)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["aim", "code", "name", "participants", "segments", *ov.groups, *ov.participants])
    for aim in ov.aims:
        for row, code in [(aim.total, ""), *((r, r.code) for r in aim.codes)]:
            w.writerow(
                [
                    aim.id,
                    code,
                    row.name,
                    row.participants,
                    row.segments,
                    *(row.by_group.get(g, 0) for g in ov.groups),
                    *(row.cells.get(p, 0) for p in ov.participants),
                ]
            )
    return buf.getvalue().encode("utf-8-sig")


def overview_sheet(wb: Any, report: ReportData, index: int = 0) -> None:
    """An Overview sheet (the CSV's table, aims' rows in bold), placed at ``index``."""
    from openpyxl.styles import Font

    ws = wb.create_sheet("Overview", index)
    for row in csv.reader(io.StringIO(overview_csv(report).decode("utf-8-sig"))):
        ws.append([int(c) if c.isdigit() else c for c in row])
    for r in range(2, ws.max_row + 1):
        if not ws.cell(r, 2).value:
            for c in ws[r]:
                c.font = Font(bold=True)
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.column_dimensions["C"].width = 40
    ws.freeze_panes = "D2"


def write_overview(report: ReportData, fmt: str, path: Any) -> None:
    """The overview alone, in ``fmt``."""
    from qualcode.export import atomic_write_bytes
    from qualcode.export.report import _stable_zip, _title

    if fmt == "docx":
        data = overview_docx(report)
    elif fmt == "csv":
        data = overview_csv(report)
    elif fmt == "md":
        data = "\n".join([f"# {_title(report)}", "", *overview_md(report)]).encode("utf-8")
    else:
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        overview_sheet(wb, report)
        buf = io.BytesIO()
        wb.save(buf)
        data = _stable_zip(buf.getvalue())
    atomic_write_bytes(path, data)
