"""Query workbooks as they print: the crosstab and co-occurrence workbook and the framework
summaries workbook print on A4 like the reports' sheets, and a crosstab's headers are not cut."""

from __future__ import annotations

from pathlib import Path

from qualcode.export.grids import Grid, GridReport, write_grids
from qualcode.export.summaries import SummarySheet, write_sheet


def _a4(ws: object) -> None:
    setup = ws.page_setup  # type: ignore[attr-defined]
    assert str(setup.paperSize) == str(ws.PAPERSIZE_A4), ws.title  # type: ignore[attr-defined]
    assert setup.orientation == "landscape", ws.title  # type: ignore[attr-defined]
    assert setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage  # type: ignore[attr-defined]


def test_crosstab_workbook_prints_on_a4_with_whole_headers(tmp_path: Path) -> None:
    """Found: no page setup on any sheet, and 'Partner (N=30) n' in a column 8 wide."""
    from openpyxl import load_workbook

    grid = Grid(
        title="Codes by sector",
        rows=["Referral sources", "Funding"],
        columns=["Partner (N=30)", "Policing (N=17)"],
        values=[[0.7, 0.5], [0.6, 0.5]],
        cells=[["21/30", "9/17"], ["18/30", "8/17"]],
        data=[[21, 70.0, 9, 52.9], [18, 60.0, 8, 47.1]],
        data_columns=[
            "Partner (N=30) n",
            "Partner (N=30) %",
            "Policing (N=17) n",
            "Policing (N=17) %",
        ],
    )
    path = tmp_path / "ct.xlsx"
    write_grids(GridReport("T", ["a note"], [grid], []), "xlsx", path)
    wb = load_workbook(path)
    for ws in wb.worksheets:
        _a4(ws)
    ws = wb["Codes by sector"]
    assert ws.print_title_rows == "$1:$1"
    for cell in ws[1][1:]:
        width = ws.column_dimensions[cell.column_letter].width
        assert width >= max(len(w) for w in str(cell.value).split()), cell.value
        assert width >= len(str(cell.value)) or cell.alignment.wrap_text, cell.value


def test_summaries_workbook_prints_on_a4(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sheet = SummarySheet(
        codes=[("a.one", "One"), ("a.two", "Two")],
        people=[("P01", "P01, social worker")],
        summaries={("P01", "a.one"): "A summary."},
        quotes={("P01", "a.one"): ["A quote of some words."]},
    )
    path = tmp_path / "s.xlsx"
    write_sheet(sheet, path)
    wb = load_workbook(path)
    for ws in wb.worksheets:
        _a4(ws)
    assert wb["Summaries"].print_title_rows == "$1:$1"
