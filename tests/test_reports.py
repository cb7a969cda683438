"""Report exports: pseudonymisation, and the Word, Excel, CSV and Markdown files read back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.coding.imports import import_codings
from qualcode.export.pseudo import Pseudonymiser, suspects
from qualcode.project import Project
from tests.conftest import build, interview
from tests.test_learn import CODEBOOK

TURNS = [
    ("the grant for our posts ends in March, Jade's worker said so", "factors.funding"),
    ("the PPN from the officer was three lines about Kai in Cwm Glas", "police.referral_quality"),
    ("call me on 07700 900123 or mail jo.bloggs@example.org about the budget", "factors.funding"),
    ("we had a lovely day out, nothing more to say", ""),
    ("the sergeant checks each PPN before it goes, Tyler's mum told me", "police.referral_quality"),
]


def _project(project: Project) -> Project:
    answers = [text for text, _ in TURNS]
    files = {f"{pid}.txt": interview(pid, answers) for pid in ("P01", "P02")}
    files["people.csv"] = (
        "participant_id,file,role,local_authority,sector,secret\n"
        "P01,P01.txt,PCSO,Bridgend,policing,Mrs Hidden\n"
        "P02,P02.txt,family support worker,Newport,partner,Mr Hidden\n"
    )
    export = (
        'names = ["Jade", "Kai", "Tyler"]\nplaces = ["Cwm Glas"]\n'
        'attributes = ["role", "local_authority"]\ngroup_by = "sector"\n'
    )
    return build(project, files, CODEBOOK, {"export": export}, attributes="people.csv")


def _gold(project: Project, tmp_path: Path) -> None:
    rows = "".join(f"P01,{2 * i + 1},{code}\n" for i, (_, code) in enumerate(TURNS))
    (tmp_path / "g.csv").write_text("participant_id,turn,codes\n" + rows)
    import_codings(project, tmp_path / "g.csv", "ann")


def test_pseudonymiser_is_consistent_and_catches_patterns() -> None:
    p = Pseudonymiser(["Jade", "Kai"], ["Cwm Glas"])
    a = p("Jade met Kai in Cwm Glas; Jade's mum rang 01234 567890, DOB: 3/4/2009.")
    b = p("Later Kai said Jade was fine.")
    assert a.startswith("[Name 1] met [Name 2] in [Place 1]; [Name 1]'s mum rang [phone]")
    assert "[date of birth]" in a and b == "Later [Name 2] said [Name 1] was fine."
    assert p("mail x.y@z.org or visit 12 High Street, CF10 1AA") == (
        "mail [email] or visit [address], [postcode]"
    )
    assert p("Jaded and Kaiser stay") == "Jaded and Kaiser stay"  # whole words only
    assert p.replacements["name or place"] == 6 and p.total >= 11
    left = suspects(["We saw Bob at the shop. Then Mrs Smith came.", "Honestly, Mike said so."])
    assert set(left) == {"Bob", "Smith", "Mike"}


def test_reports_hold_resolved_codings_only_by_default(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.findings import build_report

    project = _project(project)
    codebook, _ = resolve_codebook(project, None)
    assert build_report(project, codebook).quotes == []  # nothing reviewed yet
    with_suggestions = build_report(project, codebook, include_suggestions=True)
    assert {q.status for q in with_suggestions.quotes} == {"suggested"}
    _gold(project, tmp_path)
    report = build_report(project, codebook)
    assert {q.participant for q in report.quotes} == {"P01"}
    assert {q.status for q in report.quotes} == {"resolved"}
    text = " ".join(q.text for q in report.quotes)
    for planted in ("Jade", "Kai", "Tyler", "Cwm Glas", "07700", "jo.bloggs"):
        assert planted not in text
    assert "[Name 1]" in text and "[Place 1]" in text and "[phone]" in text
    assert report.participants[0].attributes == {"role": "PCSO", "local_authority": "Bridgend"}
    project.close()


def test_word_excel_csv_markdown_read_back(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import docx
    from openpyxl import load_workbook

    project = _project(project)
    _gold(project, tmp_path)
    root = str(project.root)
    project.close()
    out = tmp_path / "out"
    for kind in ("matrix", "themes"):
        for fmt in ("docx", "xlsx", "csv", "md"):
            path = out / f"{kind}.{fmt}"
            assert main(["export", kind, "-f", fmt, "-o", str(path), "-p", root]) == 0
    assert "replaced in quotes" in capsys.readouterr().out
    everything = b"".join(p.read_bytes() for p in out.iterdir() if p.suffix in (".csv", ".md"))
    assert b"Hidden" not in everything and b"Jade" not in everything

    d = docx.Document(str(out / "matrix.docx"))
    section = d.sections[0]
    assert section.page_width > section.page_height  # landscape
    assert [t.rows[0].cells[0].text for t in d.tables[:2]] == ["Participant", "Participant"]
    assert all("tblHeader" in t.rows[0]._tr.xml for t in d.tables)
    for t in d.tables:  # LibreOffice needs the width on the grid and on every cell
        grid = [c.width for c in t.columns]
        assert all(w for w in grid)
        assert all([c.width for c in row.cells] == grid for row in t.rows)
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    assert captions[0].startswith("Table 1. ") and captions[-1].startswith("Figure 1. ")
    factors = d.tables[0]  # the toy codebook's first aim
    assert factors.rows[1].cells[0].text == "P01, PCSO, Bridgend"
    cell = factors.rows[1].cells[1].text
    assert "[phone]" in cell or "[Name 1]" in cell
    assert any(p.text == "Appendix: codebook" for p in d.paragraphs)
    themes = docx.Document(str(out / "themes.docx"))
    row = themes.tables[0].rows[1]
    # of the participants someone has coded: P02 is not coded yet, so not one without Funding
    assert row.cells[0].text == "Funding" and row.cells[2].text == "1 of 1"
    assert "(P01, PCSO, Bridgend)" in row.cells[4].text

    wb = load_workbook(out / "matrix.xlsx")
    assert wb.sheetnames == ["Factors", "Police", "codings", "notes"]  # the aims' titles
    notes = [r[0].value for r in wb["notes"].iter_rows()]
    assert "No unresolved disagreements between coders." in notes  # the final coding's rule
    assert wb["codings"]["A1"].value == "aim" and wb["codings"].max_row == 5  # 4 codings
    long_sheet = wb["codings"]
    assert long_sheet["C1"].value == "code name" and long_sheet["C2"].value in (
        "Funding",
        "Referral quality",
    )
    turn_col = [c.value for c in long_sheet[1]].index("turn") + 1
    assert isinstance(long_sheet.cell(row=2, column=turn_col).value, int)  # a number, not text
    sheet = wb["Factors"]
    assert sheet.auto_filter.ref and sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.row_dimensions[2].height and sheet.row_dimensions[2].height >= 15
    wide = list(csv.DictReader(io.StringIO((out / "matrix.csv").read_text("utf-8-sig"))))
    assert [r["participant"] for r in wide] == ["P01, PCSO, Bridgend"]
    assert "[Name 3]" in wide[0]["police.referral_quality"]  # Tyler, consistently
    long = tmp_path / "long.csv"
    assert main(["export", "matrix", "-f", "csv", "--long", "-o", str(long), "-p", root]) == 0
    rows = list(csv.DictReader(io.StringIO(long.read_text("utf-8-sig"))))
    assert {r["code"] for r in rows} == {"factors.funding", "police.referral_quality"}
    assert "| Code | Definition | Participants | By sector |" in (out / "themes.md").read_text()
    # the same project gives the same bytes
    again = tmp_path / "again.docx"
    assert main(["export", "matrix", "-o", str(again), "-p", root]) == 0
    assert again.read_bytes() == (out / "matrix.docx").read_bytes()


def test_check_lists_names_left_and_bad_options(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(project)
    _gold(project, tmp_path)
    root = str(project.root)
    project.close()
    toml = Path(root, "qualcode.toml").read_text().replace('"Tyler"', '"Nobody"')
    Path(root, "qualcode.toml").write_text(toml)
    assert (
        main(["export", "themes", "-f", "md", "-o", str(tmp_path / "t.md"), "--check", "-p", root])
        == 1
    )  # fmt: skip  (something listed: exit 1)
    out = capsys.readouterr().out
    assert "capitalised words" in out and "Tyler" in out
    assert main(["export", "themes", "-f", "pdf", "-p", root]) == 2


def test_quotes_are_whole_sentences_around_the_evidence() -> None:
    from qualcode.review.findings import excerpt

    text = (
        "First we talk about the weather. Then the hub gets the PPN and screens it with "
        "police. After that we ring mum. She usually says no, to be fair. And then it closes."
    )
    at = text.index("screens")
    got = excerpt(text, 90, (at, at + 7))
    assert (
        got == "… Then the hub gets the PPN and screens it with police. After that we ring mum. …"
    )
    assert excerpt(text, 500, (at, at + 7)) == text  # short enough: all of it
    assert excerpt(text, 40) == "First we talk about the weather. …"  # no evidence: the opening
    long = "word " * 200 + "grant " + "word " * 200
    cut = excerpt(long, 80, (long.index("grant"), long.index("grant") + 5))
    assert "grant" in cut and cut.startswith("… ") and cut.endswith(" …") and len(cut) <= 90


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We met at Bryn Eithin school.", "We met at [Place 1] school."),  # not "[Name 1] Eithin"
        ("Bryn came to Bryn Eithin.", "[Name 1] came to [Place 1]."),
        ("the Shelleys and the Brandons", "the [Name 2]s and the [Name 3]s"),
        ("it was Brandon's idea", "it was [Name 3]'s idea"),
        ("BRANDON and brandon", "[Name 3] and [Name 3]"),
        ("Ffion".replace("o", "o\u0301") + " rang", None),  # decomposed accent: not the name
        ("ring (01234) 567 890 or +44 (0)1234 567890", "ring [phone] or [phone]"),
        ("postcode cf10 1aa", "postcode [postcode]"),
        ("she was born 3 March 2014 in", "she was [date of birth] in"),
        ("they live at 14 Heol y Felin now", "they live at [address] now"),
        ("NHS number 943 476 5919", "NHS number [NHS number]"),
        ("NI number AB 12 34 56 C", "NI number [National Insurance number]"),
    ],
)
def test_pseudonymisation_leaks_found_when_tried(text: str, expected: str | None) -> None:
    p = Pseudonymiser(["Bryn", "Shelley", "Brandon", "Ffión"], ["Bryn Eithin"])
    p("Bryn")  # fix the numbering: Bryn is [Name 1]
    p("Shelley")
    p("Brandon")
    out = p(text)
    if expected is not None:
        assert out == expected
    assert not p.leaks(out)


def test_decomposed_unicode_names_are_found() -> None:
    p = Pseudonymiser(["Ffión"], [])
    decomposed = "Ffio\u0301n rang"  # the same name typed with a combining accent
    assert p(decomposed) == "[Name 1] rang"


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "md"])
def test_the_leak_gate_removes_a_report_that_still_names_someone(
    project: Project, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.errors import QualcodeError
    from qualcode.export.pseudo import Pseudonymiser
    from qualcode.export.report import write_report
    from qualcode.review.findings import build_report

    project = _project(project)
    codebook, _ = resolve_codebook(project, None)
    monkeypatch.setattr(Pseudonymiser, "__call__", lambda self, text: text)  # a broken one
    report = build_report(project, codebook, include_suggestions=True)
    path = tmp_path / f"matrix.{fmt}"
    with pytest.raises(QualcodeError) as info:
        write_report("matrix", fmt, report, path)
    assert "refused and removed: it still holds a listed name or place" in info.value.message
    assert not path.exists()
    monkeypatch.undo()  # the real pseudonymiser: the same report passes the gate
    report = build_report(project, codebook, include_suggestions=True)
    assert write_report("matrix", fmt, report, path).exists()


def test_export_codings_is_pseudonymised_unless_raw(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.cli import main

    project = _project(project)
    root = str(project.root)
    out = tmp_path / "c.csv"
    assert main(["export", "codings", "-o", str(out), "-p", root]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and not any("Jade" in r["text"] or "Tyler" in r["text"] for r in rows)
    assert {r["speaker"] for r in rows} <= {"P01", "P02", "interviewer"}
    assert main(["export", "codings", "--raw", "-o", str(out), "-p", root]) == 0
    assert "keep this file to yourself" in capsys.readouterr().err
    raw = out.read_text(encoding="utf-8")
    assert "Jade" in raw or "Tyler" in raw


def test_a_machine_draft_says_so_on_every_page_and_has_its_own_name(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import docx

    from qualcode.cli import main

    project = _project(project)
    root = str(project.root)
    assert main(["export", "matrix", "--include-suggestions", "-p", root]) == 0
    draft = project.root / "outputs" / "matrix-draft.docx"
    assert draft.exists() and not (project.root / "outputs" / "matrix.docx").exists()
    d = docx.Document(str(draft))
    assert "MACHINE DRAFT" in d.sections[0].header.paragraphs[0].text  # every page
    assert d.paragraphs[0].text.startswith("Machine draft: ")
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    assert captions and all("Machine draft (unreviewed suggestions)." in c for c in captions)
    md = tmp_path / "m.md"
    assert (
        main(["export", "matrix", "--include-suggestions", "-f", "md", "-o", str(md), "-p", root])
        == 0
    )
    assert "**MACHINE DRAFT" in md.read_text()
    _gold(project, tmp_path)
    assert main(["export", "matrix", "-p", root]) == 0  # reviewed: the final name, no marks
    final = docx.Document(str(project.root / "outputs" / "matrix.docx"))
    assert not final.sections[0].header.paragraphs[0].text
    assert not final.paragraphs[0].text.startswith("Machine draft")


def test_word_reports_keep_rows_whole_number_pages_and_use_caption_fields(
    project: Project, tmp_path: Path
) -> None:
    import docx

    from qualcode.cli import main

    project = _project(project)
    _gold(project, tmp_path)
    cb = project.root / "codebooks" / "toy.yaml"
    text = cb.read_text()
    first = text.index("definition:")
    end = text.index("\n", first)
    cb.write_text(text[: end + 1] + "        include: [Grants;, Budgets]\n" + text[end + 1 :])
    path = tmp_path / "m.docx"
    assert main(["export", "matrix", "-o", str(path), "-p", str(project.root)]) == 0
    d = docx.Document(str(path))
    for t in d.tables:
        assert all("w:cantSplit" in row._tr.xml for row in t.rows[1:])  # rows never split
    footer = d.sections[0].footer.paragraphs[0]
    assert footer.text.startswith(d.core_properties.title) and " PAGE " in footer._p.xml
    assert d.core_properties.title and d.core_properties.subject == "framework matrix"
    caption = next(p for p in d.paragraphs if p.style.name == "Caption")
    assert caption.text.startswith("Table 1. ")
    assert "SEQ Table" in caption._p.xml  # Word's own numbering, for a list of tables
    bullets = [p for p in d.paragraphs if p.style.name == "List Bullet"]
    assert bullets and not any(p.text.endswith(";") for p in bullets)
    heat = next(t for t in d.tables if t.rows[0].cells[0].text == "Code")
    # display names, not raw values; no Partner column: its one participant is not coded yet
    assert [c.text for c in heat.rows[0].cells][2:] == ["Policing"]


def test_a_turn_is_quoted_once_per_matrix_row() -> None:
    from qualcode.codebook.model import Code, Codebook, Group
    from qualcode.export.tables import matrix_tables
    from qualcode.review.findings import Participant, Quote, ReportData

    codes = tuple(Code(c, c.title(), "d", "g") for c in ("a", "b", "c"))
    book = Codebook("cb", "cb", "cb.yaml", (Group("g", "G", "", "", codes),))

    def q(code: str, turn: int, score: float) -> Quote:
        return Quote("P01", turn, code, f"turn {turn} text", None, False, "resolved", score)

    quotes = [q("a", 3, 2.0), q("b", 3, 2.0), q("b", 5, 1.0), q("c", 3, 2.0)]
    report = ReportData("t", book, [Participant("P01", {})], quotes, "", {}, False)
    (table,) = matrix_tables(report)
    row = table.rows[0]
    assert "(turn 3)" in row[1]  # code a: its best quote
    assert "(turn 5)" in row[2]  # code b: the next best, not turn 3 again
    assert row[3] == "(turn 3, quoted under A)"  # code c: nothing else to quote


@pytest.mark.parametrize(
    "text",
    [
        "Yes, that's fine, go ahead and record.",
        "Hiya, my name is Sandra and I'm a family support worker.",
        "No, I think that's everything from me. Thanks for having me.",
    ],
)
def test_consent_introductions_and_sign_offs_are_quoted_last(text: str) -> None:
    from qualcode.review.findings import Quote, best_quotes, weak_quote

    assert weak_quote(text)
    weak = Quote("P01", 1, "a", text, None, False, "resolved", 2.0)
    real = Quote("P01", 9, "a", "The hub rings us every morning with the PPNs.", None, False,
                 "resolved", 1.0)  # fmt: skip
    assert best_quotes([weak, real], 1) == [real]  # even with a lower score
    assert best_quotes([weak], 1) == [weak]  # but a code with nothing else still shows it
    assert not weak_quote("My name is on every referral form, so they ring me. " * 6)


def test_the_evidence_is_bold_inside_word_quotes_and_plain_elsewhere(
    project: Project, tmp_path: Path
) -> None:
    import docx
    from openpyxl import load_workbook

    from qualcode.cli import main

    project = _project(project)
    root = str(project.root)
    for fmt in ("docx", "md", "csv", "xlsx"):
        path = tmp_path / f"m.{fmt}"
        assert main(["export", "matrix", "--include-suggestions", "-f", fmt, "-o", str(path),
                     "-p", root]) == 0  # fmt: skip
    d = docx.Document(str(tmp_path / "m.docx"))
    bold = [r.text for t in d.tables[:2] for row in t.rows[1:] for c in row.cells
            for p in c.paragraphs for r in p.runs if r.bold]  # fmt: skip
    assert bold and all(len(b) < 60 for b in bold)  # the matched words, not whole quotes
    assert "**" in (tmp_path / "m.md").read_text()
    assert "\x02" not in (tmp_path / "m.csv").read_text(encoding="utf-8-sig")
    wb = load_workbook(tmp_path / "m.xlsx")
    assert not any("\x02" in str(c.value) for ws in wb for row in ws.iter_rows() for c in row)


@pytest.mark.parametrize("kind", ["matrix", "themes"])
def test_a_welsh_report_has_no_english_fixed_strings(
    project: Project, tmp_path: Path, kind: str
) -> None:
    import re as regex

    from qualcode.cli import main
    from qualcode.export.leakgate import written_text
    from qualcode.export.words import CY, EN

    project = _project(project)
    assert set(EN) == set(CY)  # every string has its Welsh
    for fmt in ("docx", "md", "xlsx"):
        path = tmp_path / f"{kind}.{fmt}"
        args = ["export", kind, "--lang", "cy", "--include-suggestions", "-f", fmt]
        assert main([*args, "-o", str(path), "-p", str(project.root)]) == 0
        text = written_text(path)
        for key, english in EN.items():
            for chunk in regex.split(r"\{[a-z_]+\}", english):
                chunk = chunk.strip(" .:;()[]")
                if len(chunk) >= 5 and chunk not in CY[key]:
                    assert chunk not in text, (fmt, key, chunk)
        if fmt != "xlsx":  # (a workbook has no title page)
            assert "Drafft peiriant" in text and "(tro " in text


def test_a_wide_aim_is_split_into_continued_tables_of_readable_width(tmp_path: Path) -> None:
    from qualcode.codebook.model import Code, Codebook, Group
    from qualcode.export.report import write_report
    from qualcode.export.tables import MAX_CODE_COLUMNS, matrix_tables
    from qualcode.review.findings import Participant, Quote, ReportData

    codes = tuple(Code(f"g.c{i}", f"Code {i}", "d", "g") for i in range(15))
    book = Codebook("cb", "cb", "cb.yaml", (Group("g", "Wide aim", "", "", codes),))
    quotes = [Quote("P01", i, f"g.c{i}", f"turn {i} text", None, False, "resolved", 1.0)
              for i in range(15)]  # fmt: skip
    report = ReportData("t", book, [Participant("P01", {})], quotes, "", {}, False)
    tables = matrix_tables(report)
    assert [len(t.headers) - 1 for t in tables] == [6, 6, 3]
    assert all(len(t.headers) - 1 <= MAX_CODE_COLUMNS for t in tables)
    assert tables[0].title.endswith("(1/3)") and tables[2].codes == ["g.c12", "g.c13", "g.c14"]
    path = write_report("matrix", "csv", report, tmp_path / "m.csv")
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header == ["participant", *(f"g.c{i}" for i in range(15))]  # CSV stays one table


def test_codes_filter_and_transposed_matrices(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import docx

    from qualcode.cli import main

    project = _project(project)
    root = str(project.root)
    path = tmp_path / "p.docx"
    args = ["export", "matrix", "--include-suggestions", "-p", root, "-o", str(path)]
    assert main([*args, "--codes", "police"]) == 0
    d = docx.Document(str(path))
    assert [t.rows[0].cells[1].text for t in d.tables[:1]] == ["Referral quality"]
    assert not any("Funding" in c.text for t in d.tables[:-1] for c in t.rows[0].cells)
    assert main([*args, "--transpose"]) == 0
    d = docx.Document(str(path))
    first = d.tables[0]
    assert first.rows[0].cells[0].text == "Code" and first.rows[1].cells[0].text == "Funding"
    assert first.rows[0].cells[1].text.startswith("P01")  # participants as columns
    csv_path = tmp_path / "t.csv"
    assert main(["export", "matrix", "--include-suggestions", "--transpose", "-f", "csv",
                 "-o", str(csv_path), "-p", root]) == 0  # fmt: skip
    assert csv_path.read_text(encoding="utf-8-sig").startswith("participant,")
    assert main([*args, "--codes", "polise"]) == 1
    assert "did you mean police?" in capsys.readouterr().err


PLANTED = [
    # every listed name and place, in the forms the leaks were found in
    "Jade's nan and the JADES came round; kai said Cwm Glas was fine",
    "the grant ran out and Tyler ended up at cwm glas with the PPN",
]


def test_planted_names_are_in_no_export_of_any_format(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Names and places planted in the transcripts (possessive, plural, upper and lower case)
    appear in no pseudonymised output: matrices and theme tables in every format, the long
    CSV, the codings export, and the quotes and memos listings."""
    from qualcode.coding.run import code_project, resolve_codebook
    from qualcode.export.leakgate import written_text
    from qualcode.ingest.run import ingest
    from qualcode.review.session import ReviewSession

    project = _project(project)
    answers = [text for text, _ in TURNS] + PLANTED
    for pid in ("P01", "P02"):  # the interviews again, with the planted turns
        (project.root / "transcripts" / f"{pid}.txt").write_text(interview(pid, answers))
    ingest(project)
    code_project(project)
    planted = [d for d in project.store.current_documents() if "JADES" in
               project.store.document(d["id"]).text]  # fmt: skip
    assert len(planted) == 2
    codebook, _ = resolve_codebook(project, None)
    session = ReviewSession(project, codebook, "ann", order="document")
    session.memo("ring Jade back about cwm glas")
    root = str(project.root)
    out = tmp_path / "out"
    runs = [
        ["export", kind, "--include-suggestions", "-f", fmt, "-o", str(out / f"{kind}.{fmt}")]
        for kind in ("matrix", "themes")
        for fmt in ("docx", "xlsx", "csv", "md")
    ]
    runs += [
        [
            "export",
            "matrix",
            "--include-suggestions",
            "-f",
            "csv",
            "--long",
            "-o",
            str(out / "l.csv"),
        ],
        ["export", "codings", "-o", str(out / "codings.csv")],
        [
            "quotes",
            "factors.funding",
            "--include-suggestions",
            "-f",
            "docx",
            "-o",
            str(out / "q.docx"),
        ],
        ["memos", "-f", "md", "-o", str(out / "memos.md")],
    ]
    for args in runs:
        assert main([*args, "-p", root]) == 0, args
    capsys.readouterr()
    written = sorted(out.iterdir())
    assert len(written) == 12
    for path in written:
        text = written_text(path).casefold()
        for name in ("jade", "kai", "tyler", "cwm glas"):
            assert name not in text, (path.name, name)


def test_welsh_definitions_and_criteria_where_the_codebook_gives_them(
    project: Project, tmp_path: Path
) -> None:
    import docx

    from qualcode.codebook import load_codebook

    project = _project(project)
    path = project.root / "codebooks" / "toy.yaml"
    before = load_codebook(path).hash
    text = path.read_text()
    i = text.index("        definition: Funding of services.\n") + len(
        "        definition: Funding of services.\n"
    )
    welsh = (
        "        definition_cy: Ariannu gwasanaethau.\n"
        "        include_cy: [Grantiau a chyllidebau]\n"
        "        include: [Grants and budgets]\n"
    )
    path.write_text(text[:i] + welsh + text[i:])
    assert load_codebook(path).hash != before  # Welsh wording is content, hashed
    out = tmp_path / "t.docx"
    args = ["export", "themes", "--lang", "cy", "--include-suggestions", "-o", str(out)]
    assert main([*args, "-p", str(project.root)]) == 0
    d = docx.Document(str(out))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "Ariannu gwasanaethau." in cells and "Funding of services." not in cells
    assert any(p.text == "Grantiau a chyllidebau" for p in d.paragraphs)  # appendix bullet


def test_a_bilingual_report_gives_both_languages(project: Project, tmp_path: Path) -> None:
    from qualcode.export.leakgate import written_text

    project = _project(project)
    out = tmp_path / "m.docx"
    args = ["export", "matrix", "--lang", "en+cy", "--include-suggestions", "-o", str(out)]
    assert main([*args, "-p", str(project.root)]) == 0
    text = written_text(out)
    assert "framework matrix / " in text and "matrics fframwaith" in text
    assert "Participant / Cyfranogwr" in text and "(turn 1) / (tro 1)" in text
    assert main(["export", "matrix", "--lang", "fr", "-p", str(project.root)]) == 2


def test_check_raises_fewer_false_alarms() -> None:
    texts = [
        "We saw Bob at the shop, and it was like that. Then Mrs Smith came.",
        "I mean, Like, nobody Don't know, it was Funny how funny it got.",
        "Honestly, Mike said so.",
    ]
    assert set(suspects(texts)) == {"Bob", "Smith", "Mike"}


def test_a_list_of_tables_and_machine_counts_set_apart(project: Project, tmp_path: Path) -> None:
    import docx

    project = _project(project)
    out = tmp_path / "t.docx"
    assert main(["export", "themes", "--include-suggestions", "-o", str(out),
                 "-p", str(project.root)]) == 0  # fmt: skip
    d = docx.Document(str(out))
    texts = [p.text for p in d.paragraphs]
    i = texts.index("List of tables")
    assert "TOC" in d.paragraphs[i + 1]._p.xml and texts[i + 2].startswith("Table 1. ")
    counts = [c for t in d.tables for row in t.rows[1:] for c in row.cells[2:3]]
    machine = [r for c in counts for p in c.paragraphs for r in p.runs if r.italic]
    assert machine and all("unreviewed suggestions" in r.text for r in machine)
    quotes = [r for t in d.tables for row in t.rows[1:] for p in row.cells[-1].paragraphs
              for r in p.runs]  # fmt: skip
    assert any(r.italic and "[suggested, not reviewed]" in r.text for r in quotes)


def test_the_word_appendix_gives_each_codes_examples(project: Project, tmp_path: Path) -> None:
    import docx

    project = _project(project)
    path = project.root / "codebooks" / "toy.yaml"
    text = path.read_text()
    marker = "        definition: Funding of services.\n"
    i = text.index(marker) + len(marker)
    examples = (
        "        examples:\n"
        '          typical: ["The grant runs out in March."]\n'
        '          atypical: ["We cannot plan past next year."]\n'
    )
    path.write_text(text[:i] + examples + text[i:])
    out = tmp_path / "t.docx"
    assert main(["export", "themes", "--include-suggestions", "-o", str(out),
                 "-p", str(project.root)]) == 0  # fmt: skip
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    at = paragraphs.index("Typical examples:")
    assert paragraphs[at + 1] == "The grant runs out in March."
    assert "Atypical examples:" in paragraphs and "We cannot plan past next year." in paragraphs
