"""Codebooks kept in spreadsheets (issue 29): `qualcode codebook import FILE.xlsx|csv`.

Every fixture is built here, in fictional words."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.codebook import load_codebook
from qualcode.codebook.drafts import draft_warnings, is_draft
from qualcode.codebook.sheet import read_codebook_sheet
from qualcode.codebook.sheetheader import header_key
from qualcode.errors import InputFileError

HEADER = ["Code", "Description", "Inclusion criteria", "Typical example", "Atypical example"]


def _workbook(path: Path, sheets: dict[str, Sequence[Sequence[str | None]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _study(path: Path) -> Path:
    """Two 'Codebook RQn' sheets with a title block above the header on row 4."""
    title: list[Sequence[str | None]] = [["Zorblat study: codebook"], ["Version 3 (draft)"], []]
    return _workbook(
        path,
        {
            "Codebook RQ1": [
                *title,
                HEADER,
                ["Flibbing", "Quenders flib the grommet.", "- any flib\n- half flibs",
                 "We flibbed it weekly", "A flib of the mind"],
                ["Grommet care", None, None, None, None],
                ["Snorf (weekly)", "", "", "", ""],
            ],
            "Codebook RQ2": [
                *title,
                ["Code name", "Definitions", "Exclusion Criteria", "Notes"],
                ["Blue wibs", "Wibs that are blue.", "Red wibs", "ask Pim"],
                ["Flibbing", None, None, None],
            ],
            "Read me": [["How to use this codebook"], ["Ask the team."]],
        },
    )  # fmt: skip


def test_a_workbook_codebook_imports_with_a_group_per_sheet_and_drafts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "study.yaml"
    assert main(["codebook", "import", str(_study(tmp_path / "study.xlsx")), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "sheet 'Read me': no header row" in err and "skipped" in err
    assert "sheet 'Codebook RQ2': columns not read: Notes" in err
    assert "3 of 5 codes have no definition" in err
    cb = load_codebook(out)
    assert [(g.id, g.name) for g in cb.groups] == [
        ("codebook_rq1", "Codebook RQ1"),
        ("codebook_rq2", "Codebook RQ2"),
    ]
    assert [c.id for c in cb.codes] == [
        "codebook_rq1.flibbing",
        "codebook_rq1.grommet_care",
        "codebook_rq1.snorf_weekly",
        "codebook_rq2.blue_wibs",
        "codebook_rq2.flibbing",
    ]
    flib = cb.codes[0]
    assert flib.definition == "Quenders flib the grommet."
    assert flib.include == ("any flib", "half flibs")
    assert (flib.typical, flib.atypical) == (("We flibbed it weekly",), ("A flib of the mind",))
    assert cb.codes[3].exclude == ("Red wibs",)
    assert [c.id for c in cb.codes if is_draft(c)] == [
        "codebook_rq1.grommet_care",
        "codebook_rq1.snorf_weekly",
        "codebook_rq2.flibbing",
    ]
    # the YAML passes 'codebook check', which warns about the drafts and refuses nothing
    assert main(["codebook", "check", str(out)]) == 0
    checked = capsys.readouterr()
    assert "OK: 2 groups, 5 codes" in checked.out
    assert checked.err.count("a draft with no definition yet") == 3
    assert "code codebook_rq1.grommet_care" in checked.err


def test_importing_the_same_sheet_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    source = _study(tmp_path / "study.xlsx")
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert main(["codebook", "import", str(source), "-o", str(first)]) == 0
    assert main(["codebook", "import", str(source), "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert main(["codebook", "import", str(source), "-o", str(first)]) == 1  # no --force


def test_a_csv_with_a_parent_column_makes_a_group_per_parent(tmp_path: Path) -> None:
    rows = [
        "Theme,Sub-theme,Definition,Inclusion,Exclusion",
        "Wibbling,,Everything about wibs.,,",  # a theme's own row: its description
        ",Wib colour,Which colour a wib is.,talk of colour,talk of size",
        ",Wib size,,,",  # the theme carried down; no definition: a draft
        "Café quends,Quend queues,Queues at the quend.,,",
        ",Quend queues!,Queues again.,,",  # a different name, the same slug: made unique
    ]
    path = tmp_path / "Codebook.csv"
    path.write_bytes("\r\n".join(rows).encode("cp1252"))  # Excel's "CSV" on Windows
    cb, warnings = read_codebook_sheet(path)
    assert [(g.id, g.name, g.description) for g in cb.groups] == [
        ("wibbling", "Wibbling", "Everything about wibs."),
        ("cafe_quends", "Café quends", ""),
    ]
    assert [c.id for c in cb.codes] == [
        "wibbling.wib_colour",
        "wibbling.wib_size",
        "cafe_quends.quend_queues",
        "cafe_quends.quend_queues_2",
    ]
    colour = cb.codes[0]
    assert (colour.include, colour.exclude) == (("talk of colour",), ("talk of size",))
    assert is_draft(cb.codes[1]) and warnings == [
        f"{path}: 1 of 4 codes have no definition: imported as drafts ('DRAFT: ...'); "
        "write their definitions"
    ]


def test_header_names_ignore_case_spacing_punctuation_and_plurals() -> None:
    assert header_key("  INCLUSION   criteria (when to use) ") == "inclusion criteria"
    assert header_key("Typical examples") == "typical example"
    assert header_key("Categories") == "category"
    assert header_key("Code-Name:") == "code name"
    assert header_key("Example 2") == "example"


def _refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: Path) -> str:
    assert main(["codebook", "import", str(source), "-o", str(tmp_path / "x.yaml")]) == 1
    assert not (tmp_path / "x.yaml").exists()
    return capsys.readouterr().err


def test_a_workbook_where_no_sheet_has_a_header_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: list[Sequence[str | None]] = [["Zorblat notes"], ["Label maker: Pim"], *[["x"]] * 20]
    source = _workbook(tmp_path / "notes.xlsx", {"Sheet A": rows, "Sheet B": [["only text"]]})
    err = _refused(tmp_path, capsys, source)
    assert "notes.xlsx: no sheet ('Sheet A', 'Sheet B') has codes under a header row" in err
    assert "first 15 rows" in err


def test_a_header_row_further_down_than_fifteen_rows_is_not_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "late.csv"
    source.write_text("\n".join(["blah"] * 15 + ["Code,Description", "Flib,A flib."]))
    assert "late.csv: has no codes under a header row" in _refused(tmp_path, capsys, source)


def test_a_sheet_with_columns_but_no_code_column_names_sheet_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet: list[Sequence[str | None]] = [[], ["Description", "Inclusion", "Memo"], ["Flibs.", "x"]]
    source = _workbook(tmp_path / "cb.xlsx", {"Codebook": sheet})
    err = _refused(tmp_path, capsys, source)
    assert "cb.xlsx: sheet 'Codebook', row 2: has columns Description, Inclusion but no " in err
    assert "name the column that holds the codes' names Code, Name or Label" in err
    with_codes = {"Codebook": sheet, "RQ1": [HEADER, ["Flib", "Flibs."]]}
    cb, warnings = read_codebook_sheet(_workbook(tmp_path / "two.xlsx", with_codes))
    assert [c.id for c in cb.codes] == ["rq1.flib"]  # the other sheet is skipped, and said so
    assert "sheet 'Codebook': row 2 has columns Description, Inclusion but no" in warnings[0]


def test_a_definition_without_a_code_name_names_sheet_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet: list[Sequence[str | None]] = [HEADER, ["Flib", "Flibs."], [None, "A lost definition."]]
    err = _refused(tmp_path, capsys, _workbook(tmp_path / "cb.xlsx", {"RQ1": sheet}))
    assert "cb.xlsx: sheet 'RQ1', row 3: has a definition or criteria but no code name" in err


def test_a_name_listed_twice_in_a_group_names_both_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "twice.csv"
    source.write_text("Label,Definition\nFlib,A flib.\nSnorf,A snorf.\nflib ,Again.\n")
    err = _refused(tmp_path, capsys, source)
    assert "twice.csv: row 4: code 'flib' is listed twice in group 'twice' (first at row 2)" in err
    assert "merge the two rows or rename one" in err


def test_a_sheet_with_a_header_and_no_codes_is_skipped_with_a_warning(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "cb.xlsx", {"Empty": [HEADER], "Full": [HEADER, ["Flib", "F."]]})
    cb, warnings = read_codebook_sheet(source)
    assert [c.id for c in cb.codes] == ["full.flib"]
    assert warnings == [f"{source}: sheet 'Empty': no codes under its header row (row 1); skipped"]


def test_a_file_that_is_no_workbook_is_named_for_what_it_is(tmp_path: Path) -> None:
    source = tmp_path / "cb.xlsx"
    source.write_text("Code,Description\n")
    with pytest.raises(InputFileError, match=r"cb\.xlsx"):
        read_codebook_sheet(source)


def test_many_drafts_are_summed_up_in_one_warning(tmp_path: Path) -> None:
    source = tmp_path / "cb.csv"
    source.write_text("Code\n" + "\n".join(f"Quend {n}" for n in range(1, 8)) + "\n")
    cb, _ = read_codebook_sheet(source)
    (warning,) = draft_warnings(cb)
    assert "7 of 7 codes are drafts with no definition yet (cb.quend_1, " in warning


def test_drafts_are_the_placeholders_every_importer_and_topics_adopt_write() -> None:
    from qualcode.codebook import Code
    from qualcode.codebook.drafts import draft_definition

    def code(definition: str) -> Code:
        return Code("g.c", "C", definition, "g")

    assert is_draft(code(draft_definition("/x/Codebook v2.xlsx")))
    assert is_draft(code("DRAFT from topic 3 of topic model ab12: talk about wibs, flibs."))
    assert is_draft(code("Imported from study.qdc: write a definition."))
    assert not is_draft(code("Imported from another team, where quenders flib."))
