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
    "not-a-zip": (lambda d: b"PK\x03\x04" + d[40:400], "is not a readable .docx"),
    "unsupported-compression": (
        lambda d: _rezip(d, compression=zipfile.ZIP_BZIP2),
        "unsupported compression method",
    ),
    "truncated": (lambda d: d[: len(d) // 2], "not a readable .docx"),
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
