"""Query tables (co-occurrence, crosstabs) as Word, Excel, CSV and Markdown, each with a heatmap.

A :class:`Grid` is a titled table of numbers with the text its cells show; the heatmap is drawn
with matplotlib (as the methods appendix draws its figure: Agg, 300 dpi, no timestamp, so the same
data give the same bytes). Files are written atomically; nothing here reads the store.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.export import atomic_write_bytes

FORMATS = ("docx", "xlsx", "csv", "md")


@dataclass
class Grid:
    title: str
    rows: list[str]  # row labels
    columns: list[str]  # column labels
    values: list[list[float]]  # what the shading and the figure show
    cells: list[list[str]]  # what each cell says
    data: list[list[float | int]]  # what CSV and Excel hold (numbers)
    data_columns: list[str] = field(default_factory=list)  # their headers, when not ``columns``

    def headers(self) -> list[str]:
        return self.data_columns or self.columns


@dataclass
class GridReport:
    title: str
    notes: list[str]  # said above the tables
    grids: list[Grid]
    key: list[str]  # e.g. numbered columns: "1 = Funding"


def heatmap(grid: Grid) -> bytes:
    """The grid's values as a shaded figure, labelled with its rows and columns."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, cols = len(grid.rows), len(grid.columns)
    size = 6.0 if max(rows, cols) <= 20 else 9.0
    fig, ax = plt.subplots(
        figsize=(size, max(2.0, size * max(rows, 1) / max(cols, 1) * 0.8)), dpi=200
    )
    shown = ax.imshow(grid.values or [[0.0]], cmap="Blues", aspect="auto", vmin=0)
    fig.colorbar(shown, ax=ax, shrink=0.6)
    small = 7 if max(rows, cols) <= 30 else 4
    ax.set_xticks(range(cols), [_short(c) for c in grid.columns], rotation=90, fontsize=small)
    ax.set_yticks(range(rows), [_short(r) for r in grid.rows], fontsize=small)
    ax.set_title(grid.title, fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _short(label: str, n: int = 40) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def write_grids(report: GridReport, fmt: str, path: Path) -> list[Path]:
    """Write the report; returns the files written (Markdown's figures beside it)."""
    if fmt == "csv":
        atomic_write_bytes(path, _csv(report))
        return [path]
    figures = [heatmap(g) for g in report.grids]
    if fmt == "docx":
        atomic_write_bytes(path, _docx(report, figures))
        return [path]
    if fmt == "xlsx":
        atomic_write_bytes(path, _xlsx(report, figures))
        return [path]
    written = []
    names = []
    for i, fig in enumerate(figures, start=1):
        name = f"{path.stem}-heatmap-{i}.png"
        atomic_write_bytes(path.with_name(name), fig)
        written.append(path.with_name(name))
        names.append(name)
    atomic_write_bytes(path, _md(report, names))
    return [path, *written]


def _csv(report: GridReport) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for g in report.grids:
        w.writerow(["table", "row", *g.headers()])
        for label, row in zip(g.rows, g.data, strict=True):
            w.writerow([g.title, label, *row])
    return buf.getvalue().encode("utf-8-sig")


def _md(report: GridReport, figures: list[str]) -> bytes:
    out = [f"# {report.title}", ""]
    out += [*(f"{n}\n" for n in report.notes)]
    if report.key:
        out += [f"- {k}" for k in report.key] + [""]
    for g, fig in zip(report.grids, figures, strict=True):
        out += [f"## {g.title}", ""]
        out.append("| | " + " | ".join(c.replace("|", "\\|") for c in g.columns) + " |")
        out.append("|---|" + "---|" * len(g.columns))
        for label, cells in zip(g.rows, g.cells, strict=True):
            out.append("| " + " | ".join([label.replace("|", "\\|"), *cells]) + " |")
        out += ["", f"![{g.title}]({fig})", ""]
    return "\n".join(out).encode("utf-8")


def _heat(share: float) -> str:
    lo, hi = (255, 255, 255), (91, 155, 213)
    return "".join(f"{round(a + (b - a) * share):02X}" for a, b in zip(lo, hi, strict=True))


def _scaled(g: Grid) -> list[list[float]]:
    top = max((v for r in g.values for v in r), default=0.0) or 1.0
    return [[v / top for v in r] for r in g.values]


def _docx(report: GridReport, figures: list[bytes]) -> bytes:
    from docx.shared import Cm

    from qualcode.export.report import _caption, _footer, _shade, _stable_zip, _table, new_document

    doc = new_document(report.title, landscape=True, margin=1.8, points=10)
    _footer(doc.sections[0], report.title)
    doc.add_heading(report.title, level=0)
    for n in report.notes:
        doc.add_paragraph(n)
    for k in report.key:
        doc.add_paragraph(k, style="List Bullet")
    usable = 29.7 - 3.6
    for i, (g, fig) in enumerate(zip(report.grids, figures, strict=True), start=1):
        doc.add_heading(g.title, level=1)
        _caption(doc, i, g.title)
        first = 6.0
        rest = min(3.0, (usable - first) / max(1, len(g.columns)))
        body = [[r, *c] for r, c in zip(g.rows, g.cells, strict=True)]
        table = _table(doc, ["", *g.columns], body, [first] + [rest] * len(g.columns))
        for r, row in enumerate(_scaled(g), start=1):
            for j, share in enumerate(row, start=1):
                _shade(table.rows[r].cells[j], _heat(share))
        doc.add_picture(io.BytesIO(fig), width=Cm(min(usable, 18.0)))
        _caption(doc, i, g.title, kind="figure")
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


def _xlsx(report: GridReport, figures: list[bytes]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from qualcode.export.report import _sheet_name, _stable_zip, print_on_a4

    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    for line in [report.title, *report.notes, *report.key]:
        notes.append([line])
    notes["A1"].font = Font(bold=True)
    notes.column_dimensions["A"].width = 100
    for row in notes.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    print_on_a4(notes, header=False)
    taken = {"notes"}
    for g, fig in zip(report.grids, figures, strict=True):
        ws = wb.create_sheet(_sheet_name(g.title, taken))
        ws.append(["", *g.headers()])
        for label, row in zip(g.rows, g.data, strict=True):
            ws.append([label, *row])
        step = len(g.headers()) // max(1, len(g.columns))  # (a crosstab: n and % per group)
        for r, row in enumerate(_scaled(g), start=2):
            for j, share in enumerate(row):
                cell = ws.cell(r, 2 + j * step + step - 1)
                cell.fill = PatternFill("solid", fgColor=_heat(share))
        ws.column_dimensions["A"].width = 40
        for j, head in enumerate(g.headers(), start=2):  # "Partner (N=30) %" whole, not cut
            longest = max((len(w) for w in head.split()), default=1)
            ws.column_dimensions[get_column_letter(j)].width = max(8, min(len(head), 18), longest)
            ws.cell(1, j).alignment = Alignment(wrap_text=True, vertical="bottom")
        ws.freeze_panes = "B2"
        print_on_a4(ws)
        image = Image(io.BytesIO(fig))
        ws.add_image(image, f"A{len(g.rows) + 4}")
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())
