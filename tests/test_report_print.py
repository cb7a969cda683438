"""Reports as they print (issue 25): Excel on A4 with sheet names cut on word boundaries,
Word rows kept whole unless longer than a page."""

from __future__ import annotations

from pathlib import Path

from qualcode.cli import main
from qualcode.project import Project
from tests.test_reports import _gold, _project


def test_every_sheet_prints_on_a4(project: Project, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    project = _project(project)
    path = tmp_path / "m.xlsx"
    assert main(["export", "themes", "-f", "xlsx", "--include-suggestions", "-o", str(path),
                 "-p", str(project.root)]) == 0  # fmt: skip
    wb = load_workbook(path)
    assert len(wb.worksheets) >= 3
    for ws in wb.worksheets:
        assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4), ws.title


def test_sheet_names_are_cut_on_word_boundaries_and_unique() -> None:
    from qualcode.export.report import _sheet_name

    taken: set[str] = set()
    title = "The police role in early intervention: framework matrix"
    first = _sheet_name(title, taken)
    assert first == "The police role in early"  # not "The police role in early interv"
    second = _sheet_name(title, taken)
    assert second == "The police role in early (2)" and len(second) <= 31
    assert _sheet_name("Partnerships and", taken) == "Partnerships and"  # short: kept as it is
    odd = _sheet_name("Aims: what/why [draft] and a very long tail of words", taken)
    assert len(odd) <= 31 and not set("[]:*?/\\") & set(odd) and not odd.endswith(" and")
    assert _sheet_name("x" * 40, taken) == "x" * 31  # one long word: cut where it must be


def test_every_word_row_is_kept_whole_unless_longer_than_a_page(
    project: Project, tmp_path: Path
) -> None:
    """Found: 5 of 237 matrix rows and 5 of 49 theme rows could split (the header rows)."""
    import docx

    project = _project(project)
    _gold(project, tmp_path)
    for kind in ("matrix", "themes"):
        path = tmp_path / f"{kind}.docx"
        assert main(["export", kind, "-o", str(path), "-p", str(project.root)]) == 0
        d = docx.Document(str(path))
        for t in d.tables:
            assert all("w:cantSplit" in row._tr.xml for row in t.rows), kind


def test_a_row_longer_than_a_page_may_break() -> None:
    from qualcode.export.report import _table, new_document

    doc = new_document("t", landscape=True, margin=1.8, points=10)
    long = "\n\n".join(["A line of a long quote that goes on. " * 6] * 40)
    table = _table(doc, ["a", "b"], [["short", "short"], ["x", long]], [4.0, 20.0])
    rows = table.rows
    assert "w:cantSplit" in rows[0]._tr.xml and "w:cantSplit" in rows[1]._tr.xml
    assert "w:cantSplit" not in rows[2]._tr.xml  # Word would cut it off at the page's foot


def test_appendix_columns_hold_their_longest_word() -> None:
    """A code id such as collaboration.professional_relationships is never broken."""
    from qualcode.export.methods import CHAR_CM, _widths

    code = "collaboration.professional_relationships"
    headers = ["codes", "interviews with the code", "k=14", "k=27", "k=40", "k=53"]
    rows = [[code, "49 of 53", "29%", "55%", "80%", "100%"]]
    widths = _widths(headers, rows, 17.0)
    assert widths[0] >= len(code) * CHAR_CM and sum(widths) <= 17.0 + 1e-9


def test_a_table_caption_stays_with_its_table(project: Project, tmp_path: Path) -> None:
    import docx

    project = _project(project)
    _gold(project, tmp_path)
    path = tmp_path / "t.docx"
    assert main(["export", "themes", "-o", str(path), "-p", str(project.root)]) == 0
    captions = [p for p in docx.Document(str(path)).paragraphs if p.style.name == "Caption"]
    tables = [p for p in captions if p.text.startswith("Table")]
    assert tables and all(p.paragraph_format.keep_with_next for p in tables)
