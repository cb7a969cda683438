"""The cheap paths of ingest and rule coding (issue 26) read and store what the slow ones did.

Word files are read straight from their XML now: each fixture here is read by python-docx too,
and what it reads is what qualcode reads, except where python-docx dropped text Word shows
(tracked insertions, smart tags, simple fields, content controls). An unchanged file is known
by its hash without being parsed, and an unchanged codebook over unchanged documents is not
run again, with the same figures either way.
"""

from __future__ import annotations

import io
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest

from qualcode.coding.run import code_project
from qualcode.ingest import parse_bytes
from qualcode.ingest.docx_reader import read_docx
from qualcode.ingest.run import ingest
from qualcode.project import Project, open_project
from tests.conftest import ROOT, write_docx
from tests.fuzz_targets import _zip
from tests.test_codebook import GOOD

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _with_body(tmp_path: Path, body: str) -> bytes:
    """A Word file (python-docx's own template) whose body is ``body``."""
    import re

    data = write_docx(tmp_path / "base.docx", [[("x", False)]]).read_bytes()
    members = _members(data)
    xml = members["word/document.xml"].decode()
    xml = re.sub(r"<w:body>.*</w:body>", f"<w:body>{body}</w:body>", xml, flags=re.S)
    members["word/document.xml"] = xml.encode()
    return _zip(members)


def _run(text: str, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def _cell(text: str, props: str = "") -> str:
    return f"<w:tc>{props}<w:p>{_run(text)}</w:p></w:tc>"


def _python_docx(data: bytes) -> list[Any]:
    """What python-docx reads: a paragraph's text, or a table's rows of distinct cells' text."""
    import docx
    from docx.table import Table

    out: list[Any] = []
    for block in docx.Document(io.BytesIO(data)).iter_inner_content():
        if isinstance(block, Table):
            rows = []
            for row in block.rows:
                cells, seen = [], []
                for cell in row.cells:
                    if not any(cell._tc is s for s in seen):
                        seen.append(cell._tc)
                        cells.append(cell.text.strip())
                rows.append(cells)
            out.append(rows)
        else:
            out.append(block.text)
    return out


LAYOUTS = {
    # a label in bold runs, a soft line break and a tab inside the speech
    "bold-label-and-breaks": _p(_run("Rhian", True), _run(":", True), _run(" We met")
                                + '<w:r><w:br/><w:t>at the hub</w:t><w:tab/><w:t>weekly.</w:t>'
                                '<w:br w:type="page"/><w:cr/><w:noBreakHyphen/></w:r>')
    + _p(_run("P07: Mostly by phone.")),
    # a hyperlink in the speech, and one holding the label
    "hyperlinks": _p(_run("Tom:", True), _run(" see "), "<w:hyperlink>" + _run("the portal")
                     + "</w:hyperlink>", _run(" for it."))
    + _p("<w:hyperlink>" + _run("P07:", True) + "</w:hyperlink>", _run(" Right.")),
    # speaker | time | text, with a header row
    "table": "<w:tbl><w:tr>" + _cell("Speaker") + _cell("Time") + _cell("Text") + "</w:tr>"
    + "".join("<w:tr>" + _cell(s) + _cell(f"00:0{i}:10") + _cell(f"Said {i} at some length.")
              + "</w:tr>" for i, s in enumerate(["Tom", "P07", "Tom", "P07"]))
    + "</w:tbl>",
    # NVivo's order: text | time | speaker, a vertically merged speaker, a spanning cell
    "merged-table": "<w:tbl><w:tr>" + _cell("It started with the grant, years ago.")
    + _cell("00:00:04") + _cell("P07", '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>')
    + "</w:tr><w:tr>" + _cell("Then the hub took the referrals over.") + _cell("00:00:09")
    + _cell("", "<w:tcPr><w:vMerge/></w:tcPr>") + "</w:tr><w:tr>"
    + _cell("And the schools? Tell me about the schools.",
            '<w:tcPr><w:gridSpan w:val="2"/></w:tcPr>')
    + _cell("Tom") + "</w:tr></w:tbl>",
}  # fmt: skip


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_word_layouts_read_as_python_docx_reads_them(tmp_path: Path, layout: str) -> None:
    data = _with_body(tmp_path, LAYOUTS[layout])
    text, lines = read_docx(data, "t.docx")
    expected: list[str] = []
    for block in _python_docx(data):
        if isinstance(block, str):
            expected.append(block)
            continue
        rows = [r for r in block if any(r) and not all(c.lower() in HEADERS for c in r if c)]
        expected += ["\t".join(r) for r in rows]  # only the order of the cells differs
    got = [text[ln.start : ln.end] for ln in lines]
    if layout.endswith("table"):
        assert sorted("\t".join(sorted(x.split("\t"))) for x in got) == sorted(
            "\t".join(sorted(x.split("\t"))) for x in expected
        )
    else:
        assert text == "\n".join(expected)


HEADERS = {"speaker", "time", "text"}


def test_word_labels_breaks_and_tables_make_the_same_turns(tmp_path: Path) -> None:
    bold = parse_bytes(_with_body(tmp_path, LAYOUTS["bold-label-and-breaks"]), "t.docx")
    assert [(t.speaker, bold.text[t.start : t.end]) for t in bold.turns] == [
        ("Rhian", "We met\nat the hub\tweekly.\n-"),
        ("P07", "Mostly by phone."),
    ]
    table = parse_bytes(_with_body(tmp_path, LAYOUTS["table"]), "t.docx")
    assert [(t.speaker, t.timestamp, table.text[t.start : t.end]) for t in table.turns] == [
        (s, f"00:0{i}:10", f"Said {i} at some length.")
        for i, s in enumerate(["Tom", "P07", "Tom", "P07"])
    ]


def test_tracked_changes_fields_and_smart_tags_read_as_word_shows_them(tmp_path: Path) -> None:
    body = (
        _p(
            _run("Tom:", True),
            _run(" The "),
            '<w:ins w:id="1" w:author="A">' + _run("new ") + "</w:ins>",
            '<w:del w:id="2" w:author="A"><w:r><w:delText>old </w:delText></w:r></w:del>',
            '<w:smartTag w:uri="urn:x" w:element="place">' + _run("Cardiff") + "</w:smartTag>",
            _run(" hub, "),
            '<w:fldSimple w:instr=" DATE ">' + _run("today") + "</w:fldSimple>",
            # a field written as runs: the code (w:instrText) is no text, its result is
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
            _run("3"),
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
            _run("."),
        )
        + "<w:sdt><w:sdtContent>"
        + _p(_run("P07: In a content control."))
        + "</w:sdtContent></w:sdt>"
    )
    data = _with_body(tmp_path, body)
    text, _ = read_docx(data, "t.docx")
    assert text == "Tom: The new Cardiff hub, today3.\nP07: In a content control."
    assert "old" not in text
    # python-docx reads the same runs, less what it skipped: the insertion, the smart tag,
    # the field and the content control
    assert _python_docx(data) == ["Tom: The  hub, 3."]
    doc = parse_bytes(data, "t.docx")
    assert [t.speaker for t in doc.turns] == ["Tom", "P07"]


def test_a_merged_cell_with_nothing_above_is_refused_in_one_line(tmp_path: Path) -> None:
    from qualcode.errors import InputFileError

    body = "<w:tbl><w:tr>" + _cell("x", "<w:tcPr><w:vMerge/></w:tcPr>") + _cell("y") + "</w:tr>"
    with pytest.raises(InputFileError) as info:
        read_docx(_with_body(tmp_path, body + "</w:tbl>"), "t.docx")
    assert "malformed merged table cell" in info.value.problem


def test_the_example_word_files_read_as_python_docx_reads_them() -> None:
    for path in sorted((ROOT / "transcripts").glob("*.docx"))[:6]:
        data = path.read_bytes()
        text, _ = read_docx(data, path.name)
        paragraphs = [b for b in _python_docx(data) if isinstance(b, str)]
        if len(paragraphs) == len(_python_docx(data)):  # no tables: the very same text
            assert text == unicodedata.normalize("NFC", "\n".join(paragraphs)), path.name
        else:
            assert all(unicodedata.normalize("NFC", p) in text for p in paragraphs), path.name


def test_a_namespace_error_in_a_part_word_needs_is_refused(tmp_path: Path) -> None:
    """A part nobody reads is checked without building its tree: an undefined prefix, which
    only the tree builder calls an error, is still found."""
    from qualcode.errors import InputFileError

    data = write_docx(tmp_path / "a.docx", [[("P07: hello", False)]]).read_bytes()
    members = _members(data)
    members["word/styles.xml"] = members["word/styles.xml"].replace(
        b"<w:docDefaults>", b"<w:docDefaults><q:x/>", 1
    )
    with pytest.raises(InputFileError) as info:
        read_docx(_zip(members), "t.docx")
    assert "member word/styles.xml is not well-formed XML" in info.value.problem
    assert "Namespace prefix q" in info.value.problem
    # the same styles, clean, in a second file: read (a clean member is remembered, a bad
    # one never is)
    good = write_docx(tmp_path / "b.docx", [[("P07: hello", False)]]).read_bytes()
    assert read_docx(good, "b.docx")[0] == "P07: hello"
    with pytest.raises(InputFileError):
        read_docx(_zip(members), "t.docx")


# -- unchanged files and codebooks ------------------------------------------------------------


def _coded(project: Project) -> Project:
    (project.root / "transcripts" / "P01.txt").write_text(
        "INT: Did you hear back about it?\nP01: No, we never heard back. The PPN was long.\n"
    )
    write_docx(
        project.root / "transcripts" / "P02.docx",
        [[("INT", True), (": And what then?", False)], [("P02: We hear back now.", False)]],
    )
    (project.root / "codebooks" / "demo.yaml").write_text(GOOD)
    ingest(project)
    code_project(project)
    return project


def _rows(project: Project) -> list[tuple[Any, ...]]:
    return project.store.conn.execute(
        "SELECT segment_id, code_id, start, end, source, score, codebook_hash, superseded_by_run"
        " FROM applications ORDER BY 1, 2"
    ).fetchall()


def test_an_unchanged_file_is_not_parsed_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qualcode.ingest.run as run

    first = ingest(_coded(project))
    assert {f.status for f in first.files} == {"unchanged"}
    before = {f.source: (f.format, f.turns, f.words, f.version) for f in first.files}

    def never(*_: object, **__: object) -> None:
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(run, "parse_bytes", never)
    again = ingest(project)
    assert {f.source: (f.format, f.turns, f.words, f.version) for f in again.files} == before
    monkeypatch.undo()
    (project.root / "transcripts" / "P01.txt").write_text("INT: New?\nP01: Yes, new.\n")
    changed = {f.source: f.status for f in ingest(project).files}
    assert changed == {"transcripts/P01.txt": "updated", "transcripts/P02.docx": "unchanged"}


def test_an_unchanged_codebook_is_not_run_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qualcode.coding.rules as rules

    _coded(project)
    stored = _rows(project)
    first = project.store.latest_run("code")
    assert first is not None
    real = rules.RuleCoder.__init__

    def never(*_: object, **__: object) -> None:
        raise AssertionError("the rules ran again")

    monkeypatch.setattr(rules.RuleCoder, "__init__", never)
    again = code_project(project)
    assert (again.segments, again.suggestions, again.added) == (
        first[1]["segments"],
        first[1]["suggestions"],
        0,
    )
    assert again.words == first[1]["words"] and again.run_id not in (None, first[0])
    assert {(c.code_id, c.segments) for c in again.codes} == {
        ("police.feedback_loop", 2),
        ("police.referral_quality", 1),
    }
    assert _rows(project) == stored
    assert len(project.store.runs_of("code")) == 2  # the methods appendix counts coding runs
    monkeypatch.setattr(rules.RuleCoder, "__init__", real)

    # a new rule engine, a changed codebook or a new document: the rules run
    monkeypatch.setattr(rules, "REVISION", rules.REVISION + 1)
    assert code_project(project).suggestions == first[1]["suggestions"]
    (project.root / "transcripts" / "P03.txt").write_text("INT: So?\nP03: We hear back.\n")
    ingest(project)
    monkeypatch.setattr(rules.RuleCoder, "__init__", never)
    with pytest.raises(AssertionError, match="ran again"):
        code_project(project)
    monkeypatch.setattr(rules.RuleCoder, "__init__", real)
    assert code_project(project).added == 1
    (project.root / "codebooks" / "demo.yaml").write_text(GOOD.replace("hear back, ", ""))
    monkeypatch.setattr(rules.RuleCoder, "__init__", never)
    with pytest.raises(AssertionError, match="ran again"):
        code_project(project)


def test_a_dry_run_always_runs_the_rules(project: Project) -> None:
    _coded(project)
    assert code_project(project, dry_run=True).suggestions == 3


def test_spacy_loads_without_its_command_line_and_no_socket() -> None:
    script = (
        "import sys, socket\n"
        "opened = []\n"
        "inet = (socket.AF_INET, socket.AF_INET6)\n"
        "sys.addaudithook(lambda e, a: opened.append(a) if e == 'socket.__new__'"
        " and len(a) > 1 and a[1] in inet else None)\n"
        "from qualcode.coding.nlp import import_spacy, load_pipeline\n"
        "spacy = import_spacy()\n"
        "pipe = load_pipeline()\n"
        "heavy = ('requests', 'weasel', 'httpx', 'spacy.cli')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "print([t.norm_ for t in pipe.nlp.tokenizer('children were running')])\n"
        "import gensim.models.phrases\n"
        "import spacy.cli\n"
        "print(hasattr(spacy.cli, 'download'), callable(spacy.info), len(opened))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.splitlines()
    assert out == ["[]", "['child', 'be', 'run']", "True True 0"]


def test_the_search_index_holds_the_current_versions_turns(project: Project) -> None:
    """A new version's turns go into the index in one pass, not turn by turn: the index is
    the same, and a superseded version's turns leave it."""

    def found(term: str) -> int:
        return int(
            project.store.conn.execute(
                "SELECT count(*) FROM turn_search WHERE turn_search MATCH ?", (term,)
            ).fetchone()[0]
        )

    _coded(project)
    assert (found("ppn"), found("hear"), found("grant")) == (1, 2, 0)
    (project.root / "transcripts" / "P01.txt").write_text("INT: New?\nP01: The grant, new.\n")
    ingest(project)
    assert (found("ppn"), found("hear"), found("grant")) == (0, 1, 1)
    project.store.conn.execute("INSERT INTO turn_search(turn_search) VALUES('integrity-check')")
    project.close()
    project = open_project(project.root)
    assert found("grant") == 1
    project.close()


def test_a_part_met_before_is_skipped_only_when_stored_byte_for_byte(tmp_path: Path) -> None:
    """A template part found sound in one file is not unpacked again in the next; the same
    part damaged, or with a DTD, in a later file is still refused."""
    from qualcode.errors import InputFileError
    from qualcode.ingest import ooxml

    data = write_docx(tmp_path / "a.docx", [[("P07: hello", False)]]).read_bytes()
    assert read_docx(data, "a.docx")[0] == "P07: hello"
    visit = ooxml._KNOWN.visit()
    from qualcode.ingest.zipsafe import read_members

    members = read_members(_zip(_members(data)), "b.docx", known=visit)
    assert "word/styles.xml" in visit.skipped and "word/styles.xml" not in members
    assert "word/document.xml" in members
    stored = bytearray(_zip(_members(data)))
    with zipfile.ZipFile(io.BytesIO(bytes(stored))) as z:
        info = z.getinfo("word/styles.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    stored[start : start + 3] = b"\xff\xff\xff"  # its deflate stream broken
    with pytest.raises(InputFileError) as info_:
        read_docx(bytes(stored), "c.docx")
    assert "member word/styles.xml is damaged" in info_.value.problem
    members = _members(data)
    head, rest = members["word/styles.xml"].split(b"?>", 1)
    members["word/styles.xml"] = head + b'?><!DOCTYPE x SYSTEM "http://example.invalid/x">' + rest
    with pytest.raises(InputFileError) as info_:
        read_docx(_zip(members), "d.docx")
    assert "member word/styles.xml declares a DTD" in info_.value.problem
