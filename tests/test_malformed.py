"""Malformed and hostile inputs: each gets one specific error naming the file, quickly, and one
bad file never stops the others. Mutations follow what a fuzzer found in real files."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest

from qualcode.errors import InputFileError
from qualcode.ingest import parse_bytes
from tests.conftest import write_docx


def _docx(tmp_path: Path) -> bytes:
    return write_docx(
        tmp_path / "base.docx",
        [[("Interviewer", True), (": What do you do?", False)], [("P03: I'm a PCSO.", False)]],
        table=[["P03", "00:10:01", "Tables too."], ["INT", "00:10:09", "Right?"]],
    ).read_bytes()


def _rezip(data: bytes, change: dict[str, bytes] | None = None, **kw: object) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", **kw) as zout:  # type: ignore[arg-type]
        for item in zin.infolist():
            body = (change or {}).get(item.filename, zin.read(item.filename))
            zout.writestr(item.filename, body)
    return out.getvalue()


def _xml(data: bytes, old: str, new: str, count: int = 1) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    assert old in xml, old
    return _rezip(data, {"word/document.xml": xml.replace(old, new, count).encode()})


def _span(data: bytes, value: str) -> bytes:
    return _xml(data, "<w:tcPr>", f'<w:tcPr><w:gridSpan w:val="{value}"/>')


MUTATIONS = {
    "gridspan-text": (lambda d: _span(d, "abc"), "spanning 'abc' columns"),
    "gridspan-huge": (lambda d: _span(d, "99999999999999999999"), "spanning '9999"),
    "vmerge-junk": (
        lambda d: _xml(d, "<w:tcPr>", '<w:tcPr><w:vMerge w:val="sideways"/>'),
        "malformed merged table cell",
    ),
    "no-body": (
        lambda d: _rezip(
            d,
            {
                "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w='
                b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
            },
        ),
        "has no document body",
    ),
    "not-a-zip": (lambda d: b"PK\x03\x04" + d[40:400], "is truncated or incomplete"),
    "unsupported-compression": (
        lambda d: _rezip(d, compression=zipfile.ZIP_BZIP2),
        "unsupported compression method",
    ),
    "truncated": (lambda d: d[: len(d) // 2], "is truncated or incomplete"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_broken_word_files(tmp_path: Path, name: str) -> None:
    mutate, problem = MUTATIONS[name]
    with pytest.raises(InputFileError) as info:
        parse_bytes(mutate(_docx(tmp_path)), "t.docx")
    assert problem in info.value.problem
    assert info.value.problem.count("\n") == 0


def test_unknown_on_off_values_are_read_like_word_does(tmp_path: Path) -> None:
    data = _docx(tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    xml = re.sub(r"<w:b/>", '<w:b w:val="maybe"/>', xml)
    assert 'w:val="maybe"' in xml
    doc = parse_bytes(_rezip(data, {"word/document.xml": xml.encode()}), "t.docx")
    assert [t.speaker for t in doc.turns][:2] == ["Interviewer", "P03"]


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    data = _docx(tmp_path)
    bomb = b"<w:p/>" * (60 * 1024 * 1024 // 6)  # 60 MB of XML, compressed to ~60 KB
    with pytest.raises(InputFileError) as info:
        parse_bytes(
            _rezip(data, {"word/document.xml": bomb}, compression=zipfile.ZIP_DEFLATED), "t.docx"
        )
    assert "possible zip bomb" in info.value.hint


def test_a_member_that_lies_about_its_size_is_stopped(tmp_path: Path) -> None:
    from qualcode.ingest import zipsafe

    data = _rezip(
        _docx(tmp_path), {"word/document.xml": b"x" * 5000}, compression=zipfile.ZIP_DEFLATED
    )
    # shrink the declared size of every entry (local and central headers) to 10 bytes
    lied = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        for m in re.finditer(re.escape(sig), data):
            struct.pack_into("<I", lied, m.start() + off, 10)
    with pytest.raises(InputFileError):
        zipsafe.read_members(bytes(lied), "t.docx", what=".docx")


def test_encrypted_and_duplicated_members(tmp_path: Path) -> None:
    from qualcode.ingest import zipsafe

    data = bytearray(_docx(tmp_path))
    for m in re.finditer(rb"PK\x01\x02", bytes(data)):  # set the encrypted flag everywhere
        data[m.start() + 8] |= 1
    with pytest.raises(InputFileError) as info:
        zipsafe.read_members(bytes(data), "t.docx")
    assert "encrypted" in info.value.problem
    twice = io.BytesIO()
    with zipfile.ZipFile(twice, "w") as z, pytest.warns(UserWarning):
        z.writestr("a.xml", b"1")
        z.writestr("a.xml", b"2")
    with pytest.raises(InputFileError) as info:
        zipsafe.read_members(twice.getvalue(), "t.qdpx")
    assert "twice" in info.value.problem


def _qdpx(tmp_path: Path, qde: str, text: str = "I: Hello?\nR: The grant ends.\n") -> Path:
    from tests.fuzz_targets import QDE

    body = qde or QDE
    path = tmp_path / "in.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", body)
        z.writestr("Sources/55555555-5555-5555-5555-555555555555.txt", text)
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda q: q.replace(' name="P07">', ">").replace('guid="4444', 'x="4444'),
            "<Case> has no",
        ),
        (lambda q: q.replace('startPosition="40"', 'startPosition="4e9x"'), "startPosition"),
        (
            lambda q: q.replace(
                '<?xml version="1.0" encoding="utf-8"?>',
                '<?xml version="1.0"?>\n<!-- '
                + "x" * 5000
                + ' -->\n<!DOCTYPE p [<!ENTITY a "b">]>',
            ),
            "declares a DTD",
        ),
    ],
    ids=["case-without-name-or-guid", "bad-position", "late-doctype"],
)
def test_a_bad_qdpx_stores_nothing(
    tmp_path: Path, change: object, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.cli import main
    from qualcode.project import init_project
    from tests.fuzz_targets import QDE

    project = init_project(tmp_path / "p")
    project.close()
    path = _qdpx(tmp_path, change(QDE))  # type: ignore[operator]
    assert main(["import", "qdpx", str(path), "-p", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert problem in err and "Traceback" not in err
    project = init_project.__globals__["open_project"](tmp_path / "p")
    assert project.store.status()["documents"] == 0
    project.close()


def test_a_utf16_qde_with_a_doctype_is_refused(tmp_path: Path) -> None:
    from qualcode.export.qdpx import read_qdpx

    qde = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE p [<!ENTITY a "b">]><Project/>'
    path = tmp_path / "x.qde"
    path.write_bytes(qde.encode("utf-16"))
    with pytest.raises(InputFileError) as info:
        read_qdpx(path)
    assert "declares a DTD" in info.value.problem


def test_sheets_coders_and_items_out_of_range(tmp_path: Path) -> None:
    import openpyxl

    from qualcode.coding.imports import check_coder_name
    from qualcode.errors import QualcodeError
    from qualcode.ingest.attributes import read_sheet

    for name in ("", "  ", "rule", "Model", "resolved"):
        with pytest.raises(QualcodeError):
            check_coder_name(name)
    check_coder_name("ann")
    book = openpyxl.Workbook()
    book.save(tmp_path / "one.xlsx")
    with zipfile.ZipFile(tmp_path / "one.xlsx") as z:
        xml = z.read("xl/workbook.xml").decode()
    no_sheets = re.sub(r"<sheets>.*</sheets>", "<sheets/>", xml, flags=re.S)
    (tmp_path / "empty.xlsx").write_bytes(
        _rezip((tmp_path / "one.xlsx").read_bytes(), {"xl/workbook.xml": no_sheets.encode()})
    )
    with pytest.raises(InputFileError) as info:
        read_sheet(tmp_path / "empty.xlsx")
    assert "not a readable .xlsx" in info.value.problem or "no worksheets" in info.value.problem
    big = tmp_path / "big.csv"
    big.write_text("participant_id,notes\nP01," + "x" * 200_000 + "\n")
    assert read_sheet(big)[0]["notes"] == "x" * 200_000  # over the csv module's own limit


def test_a_review_sheet_item_beyond_sqlite_integers(tmp_path: Path) -> None:
    from qualcode.codebook import load_codebook
    from qualcode.project import init_project
    from qualcode.review.sheet import COLUMNS, import_sheet
    from tests.fuzz_targets import CODEBOOK

    project = init_project(tmp_path / "p")
    (tmp_path / "cb.yaml").write_text(CODEBOOK)
    sheet = tmp_path / "s.csv"
    row = {c: "" for c in COLUMNS} | {"item": "1e400", "decision": "accept"}
    row2 = dict(row, item="99999999999999999999")
    sheet.write_text(
        ",".join(COLUMNS)
        + "\n"
        + "\n".join(",".join(r[c] for c in COLUMNS) for r in (row, row2))
        + "\n"
    )
    with pytest.raises(InputFileError) as info:
        import_sheet(project.store, load_codebook(tmp_path / "cb.yaml"), sheet, "ann")
    assert "is not a number" in info.value.problem and "(and 1 more)" in info.value.problem
    project.close()


def test_a_busy_store_says_so(tmp_path: Path) -> None:
    import sqlite3

    from qualcode.errors import StoreError
    from qualcode.project import init_project

    project = init_project(tmp_path / "p")
    other = sqlite3.connect(project.store_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another command holding the write lock
    project.store.conn.execute("PRAGMA busy_timeout = 50")
    with pytest.raises(StoreError) as info:
        project.store.start_run("test", {})
    assert "the project store is busy" in info.value.message
    other.execute("ROLLBACK")
    other.close()
    assert project.store.start_run("test", {}) > 0  # and works once it is free
    project.close()


def test_new_project_folders_are_private(tmp_path: Path) -> None:
    from qualcode.project import init_project

    project = init_project(tmp_path / "p")
    for folder in ("transcripts", "codebooks", "outputs"):
        assert (project.root / folder).stat().st_mode & 0o077 == 0
    project.close()


def test_leftovers_of_a_killed_write_are_removed(tmp_path: Path) -> None:
    import os
    import time

    from qualcode.export import atomic_write_bytes

    stale = tmp_path / ".matrix.docx.abc123"
    stale.write_bytes(b"quotes")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".matrix.docx.def456"  # another process writing right now
    fresh.write_bytes(b"busy")
    atomic_write_bytes(tmp_path / "matrix.docx", b"new")
    assert not stale.exists() and fresh.exists()
    assert (tmp_path / "matrix.docx").read_bytes() == b"new"
    assert (tmp_path / "matrix.docx").stat().st_mode & 0o077 == 0
