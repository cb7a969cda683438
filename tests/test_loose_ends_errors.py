"""Issue 30's loose ends in error messages: every codebook shape mistake is one specific line
(file, line, what was expected) said once; Word and Excel files that declare a DTD or entities in
any XML member are refused like REFI-QDA files; and each reader's failure says what is wrong (not
a zip, truncated, a missing part, an unknown format, a damaged member and why). All content is
fictional."""

from __future__ import annotations

import io
import random
import re
import tempfile
import zipfile
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.errors import InputFileError, QualcodeError
from tests.conftest import build, write_docx

# -- codebook shapes ------------------------------------------------------------------------------

CODE = """\
      - id: police.feedback
        name: Feedback
        definition: Officers hearing back about referrals.
"""


def _book(code: str = CODE, group: str = "", top: str = "") -> str:
    """A codebook with one group; ``code`` is the code item(s), ``group`` extra group fields."""
    return (
        f"id: demo\nname: Demo\n{top}groups:\n  - id: police\n    name: Police\n{group}"
        f"    codes:\n{code}"
    )


def _code(extra: str) -> str:
    return CODE + "".join(f"        {line}\n" for line in extra.splitlines())


# (codebook text, the line the problem is on, what the message says)
SHAPES: dict[str, tuple[str, int, str]] = {
    "groups-number": ("id: demo\ngroups: 5\n", 2, "groups must be a list of groups, got a number"),
    "groups-text": ('id: demo\ngroups: "abc"\n', 2, "groups must be a list of groups, got text"),
    "groups-mapping": (
        "id: demo\ngroups:\n  id: police\n  name: Police\n",
        2,
        "groups must be a list of groups, got a mapping",
    ),
    "groups-boolean": ("groups: true\n", 1, "groups must be a list of groups, got true or false"),
    "groups-empty": ("id: demo\ngroups: []\n", 2, "the codebook has no groups"),
    "top-list": ("- police\n- health\n", 1, "the codebook must be a mapping"),
    "top-text": ("just some words\n", 1, "the codebook must be a mapping"),
    "top-number": ("42\n", 1, "the codebook must be a mapping"),
    "group-text": ("groups:\n  - police\n", 2, "group 1 must be a mapping"),
    "group-null": ("groups:\n  -\n", 2, "group 1 must be a mapping"),
    "group-list": ("groups:\n  - [police, health]\n", 2, "group 1 must be a mapping"),
    "group-without-codes": (
        "groups:\n  - id: police\n    name: Police\n",
        2,
        "group 'police' has no codes",
    ),
    "codes-empty": (_book(code="").replace("codes:\n", "codes: []\n"), 6, "has no codes"),
    "codes-text": (
        _book(code="").replace("codes:\n", "codes: feedback\n"),
        6,
        "codes of group 'police' must be a list of codes, got text",
    ),
    "codes-number": (
        _book(code="").replace("codes:\n", "codes: 3\n"),
        6,
        "must be a list of codes, got a number",
    ),
    "codes-mapping": (
        _book(code="        id: police.a\n        name: A\n        definition: d.\n"),
        6,
        "must be a list of codes, got a mapping",
    ),
    "code-list": (_book(code="      - [police.a, A]\n"), 7, "code 1 of group 'police'"),
    "code-null": (_book(code="      -\n" + CODE), 7, "code 1 of group 'police'"),
    "code-text": (_book(code=CODE + "      - police.b\n"), 10, "code 2 of group 'police'"),
    "code-id-null": (_book(code=CODE.replace("police.feedback", "")), 7, "'id' is missing"),
    "code-id-list": (_book(code=CODE.replace("police.feedback", "[a, b]")), 7, "got a list"),
    "code-name-mapping": (
        _book(code=CODE.replace("name: Feedback", "name: {en: Feedback}")),
        8,
        "'name' must be text, got a mapping",
    ),
    "code-definition-null": (
        _book(code=CODE.replace(" Officers hearing back about referrals.", "")),
        9,
        "'definition' is missing",
    ),
    "rules-text": (_book(code=_code("rules: hub")), 10, "rules must be a mapping"),
    "rules-list": (_book(code=_code("rules: [hub, referral]")), 10, "got a list"),
    "rules-number": (_book(code=_code("rules: 5")), 10, "got a number"),
    "keywords-number": (
        _book(code=_code("rules:\n  keywords: 5")),
        11,
        "'keywords' must be a list of non-empty strings, got a number",
    ),
    "keywords-mapping": (_book(code=_code("rules:\n  keywords: {hub: 1}")), 11, "got a mapping"),
    "keywords-null-item": (
        _book(code=_code("rules:\n  keywords: [hub, null]")),
        11,
        "item 2 is nothing",
    ),
    "keywords-nested": (
        _book(code=_code("rules:\n  keywords: [[hub]]")),
        11,
        "item 1 is a list",
    ),
    "veto-number": (_book(code=_code("rules:\n  veto: 3.5")), 11, "'veto' must be a list"),
    "roles-number": (_book(code=_code("rules:\n  roles: 5")), 11, "'roles' must be a list"),
    "roles-unknown": (_book(code=_code("rules:\n  roles: [admin]")), 11, "unknown role 'admin'"),
    "case-sensitive-bool": (
        _book(code=_code("rules:\n  case_sensitive: true")),
        11,
        "got true or false",
    ),
    "patterns-text": (
        _book(code=_code("rules:\n  patterns: hub")),
        11,
        "'patterns' must be a list of spaCy token patterns",
    ),
    "patterns-token-number": (
        _book(code=_code("rules:\n  patterns: [[5]]")),
        11,
        "'patterns' must be a list of spaCy token patterns",
    ),
    "near-mapping": (
        _book(code=_code("rules:\n  near: {a: [hub], b: [call]}")),
        11,
        "'near' must be a list of near rules, got a mapping",
    ),
    "near-within-text": (
        _book(code=_code("rules:\n  near: [{a: [hub], b: [call], within: abc}]")),
        11,
        "'within' from 1 to 50 (a whole number of tokens), got text",
    ),
    "near-item-null": (_book(code=_code("rules:\n  near:\n    -")), 12, "near rule 1"),
    "examples-number": (
        _book(code=_code("examples: 5")),
        10,
        "examples must be a mapping with typical and atypical, got a number",
    ),
    "examples-list": (_book(code=_code("examples: [one, two]")), 10, "got a list"),
    "typical-number": (
        _book(code=_code("examples:\n  typical: 7")),
        11,
        "'typical' must be a list of non-empty strings, got a number",
    ),
    "include-mapping": (_book(code=_code("include: {a: 1}")), 10, "'include' must be a list"),
    "valence-text": (_book(code=_code("valence: maybe")), 10, "'valence' must be true or false"),
    "color-list": (_book(code=_code("color: [1, 2]")), 10, "'color' must be text, got a list"),
    "version-mapping": (_book(top="version: {major: 1}\n"), 3, "'version' must be text"),
    "description-list": (_book(top="description: [a, b]\n"), 3, "'description' must be text"),
    "group-name-null": (_book(group="    name_cy: [x]\n"), 6, "'name_cy' must be text"),
    "group-id-mapping": (
        _book().replace("  - id: police\n", "  - id: {x: 1}\n"),
        4,
        "'id' must be text, got a mapping",
    ),
    "unknown-field": (_book(code=_code("keywords: [hub]")), 10, "unknown field 'keywords'"),
    "duplicate-key": (_book(top="name: Again\n"), 3, "duplicate key"),
    "undefined-alias": ("groups: *nowhere\n", 1, "alias"),
    "key-a-list": (
        _book(code=CODE + "        ? [a, b]\n        : 1\n"),
        10,
        "unknown field",
    ),
}


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_a_codebook_shape_mistake_is_one_specific_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    text, line, expected = SHAPES[name]
    path = tmp_path / "shapes.yaml"
    path.write_text(text, encoding="utf-8")
    code, _, err = _cli(capsys, "codebook", "check", str(path))
    assert code in (1, 2), err
    assert "internal error" not in err and "Traceback" not in err
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, err  # one line, said once
    assert f"shapes.yaml:{line}:" in errors[0], err
    assert expected in errors[0], err


def test_every_shape_mistake_in_one_file_is_listed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(_book(code=_code("examples: 5\nrules:\n  keywords: 5\n  near: x\nvalence: 2")))
    code, _, err = _cli(capsys, "codebook", "check", str(path))
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert code == 2 and len(errors) == len(set(errors)) == 4, err


def test_a_codebook_that_is_not_utf8_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(_book().replace("Feedback", "Caf\xe9").encode("latin-1"))
    code, _, err = _cli(capsys, "codebook", "check", str(path))
    assert code == 2 and "latin.yaml:8:" in err and "is not UTF-8 text" in err, err


# -- DTDs in Word and Excel files -----------------------------------------------------------------


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def _change(data: bytes, name: str, body: bytes) -> bytes:
    return _zip({**_members(data), name: body})


def _docx(tmp_path: Path) -> bytes:
    return write_docx(
        tmp_path / "base.docx",
        [[("Interviewer", True), (": How do referrals reach you?", False)], [("P07: Hub.", False)]],
    ).read_bytes()


def _xlsx(rows: list[list[str]] | None = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows or [["participant_id", "role"], ["P07", "PCSO"]]:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _late_doctype(xml: bytes) -> bytes:
    """A DOCTYPE after a long comment, where a search of the first bytes would not see it."""
    head, rest = xml.split(b"?>", 1)
    return head + b"?>\n<!-- " + b"x" * 20_000 + b" -->\n<!DOCTYPE w:document>" + rest


def _internal_entity(xml: bytes) -> bytes:
    head, rest = xml.split(b"?>", 1)
    body = rest.replace(b"Hub.", b"&who;", 1)
    return head + b'?><!DOCTYPE w:document [<!ENTITY who "Hub, said the PCSO.">]>' + body


def _utf16_external(xml: bytes) -> bytes:
    text = xml.decode("utf-8").split("?>", 1)[1].replace("Hub.", "&ext;", 1)
    return (
        '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>'
        '<!DOCTYPE w:document [<!ENTITY ext SYSTEM "file:///etc/hostname">]>' + text
    ).encode("utf-16")


WORD_DTDS = {
    "late-doctype": _late_doctype,
    "internal-entity": _internal_entity,
    "utf16-external-entity": _utf16_external,
}


@pytest.mark.parametrize("variant", sorted(WORD_DTDS))
def test_a_word_file_declaring_a_dtd_is_refused(tmp_path: Path, variant: str) -> None:
    from qualcode.ingest import parse_bytes

    data = _docx(tmp_path)
    xml = _members(data)["word/document.xml"]
    bad = _change(data, "word/document.xml", WORD_DTDS[variant](xml))
    with pytest.raises(InputFileError) as info:
        parse_bytes(bad, "P07.docx")
    assert info.value.problem == (
        "member word/document.xml declares a DTD or entities, which Word files never need"
    )


@pytest.mark.parametrize(
    "member", ["word/styles.xml", "[Content_Types].xml", "_rels/.rels", "docProps/core.xml"]
)
def test_a_dtd_in_any_xml_member_of_a_word_file_is_refused(tmp_path: Path, member: str) -> None:
    from qualcode.ingest import parse_bytes

    data = _docx(tmp_path)
    head, rest = _members(data)[member].split(b"?>", 1)
    dtd = b'?><!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">'
    bad = _change(data, member, head + dtd + rest)
    with pytest.raises(InputFileError) as info:
        parse_bytes(bad, "P07.docx")
    assert f"member {member} declares a DTD" in info.value.problem


def test_a_dtd_in_a_word_part_named_otherwise_is_refused(tmp_path: Path) -> None:
    """A part is XML because its content type says so, whatever its name."""
    from qualcode.ingest import parse_bytes

    members = _members(_docx(tmp_path))
    xml = members.pop("word/document.xml")
    head, rest = xml.split(b"?>", 1)
    members["word/main.bin"] = head + b"?><!DOCTYPE w:document>" + rest
    types = members["[Content_Types].xml"].replace(b"/word/document.xml", b"/word/main.bin")
    members["[Content_Types].xml"] = types
    members["word/_rels/document.xml.rels"] = members["word/_rels/document.xml.rels"]
    members["_rels/.rels"] = members["_rels/.rels"].replace(b"word/document.xml", b"word/main.bin")
    with pytest.raises(InputFileError) as info:
        parse_bytes(_zip(members), "P07.docx")
    assert "member word/main.bin declares a DTD" in info.value.problem


def test_an_ingested_word_file_with_a_dtd_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "proj"
    assert main(["init", str(root)]) == 0
    data = _docx(tmp_path)
    xml = _members(data)["word/document.xml"]
    (root / "transcripts" / "P07.docx").write_bytes(
        _change(data, "word/document.xml", _internal_entity(xml))
    )
    (root / "transcripts" / "P08.txt").write_text("INT: Hello?\nP08: The hub rings me.\n")
    capsys.readouterr()
    code, _, err = _cli(capsys, "ingest", "-p", str(root))
    assert code == 1
    lines = [ln for ln in err.splitlines() if "P07.docx" in ln]
    assert len(lines) == 1 and "member word/document.xml declares a DTD" in lines[0], err
    assert "Hub, said" not in err


def _shared_strings(data: bytes) -> bytes:
    """The workbook with its text in xl/sharedStrings.xml, as Excel writes it (openpyxl writes
    inline strings)."""
    members = _members(data)
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    strings = re.findall(r'<c r="(\w+)" t="inlineStr"><is><t>([^<]*)</t></is></c>', sheet)
    for i, (ref, text) in enumerate(strings):
        sheet = sheet.replace(
            f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>',
            f'<c r="{ref}" t="s"><v>{i}</v></c>',
        )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    items = "".join(f"<si><t>{text}</t></si>" for _, text in strings)
    members["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{main}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    office = "application/vnd.openxmlformats-officedocument"
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="{office}.spreadsheetml.sharedStrings+xml"/></Types>'.encode(),
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdS" Type="{rel}" Target="sharedStrings.xml"/>'
        "</Relationships>".encode(),
    )
    return _zip(members)


def test_the_shared_strings_workbook_is_read(tmp_path: Path) -> None:
    from qualcode.ingest.attributes import read_sheet

    path = tmp_path / "shared.xlsx"
    path.write_bytes(_shared_strings(_xlsx()))
    assert read_sheet(path) == [{"participant_id": "P07", "role": "PCSO"}]


def _external_dtd(xml: bytes, root: bytes = b"worksheet") -> bytes:
    head, rest = xml.split(b"?>", 1) if xml.startswith(b"<?xml") else (b'<?xml version="1.0"', xml)
    return head + b"?><!DOCTYPE " + root + b' SYSTEM "http://example.invalid/x.dtd">' + rest


XLSX_MEMBERS = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/workbook.xml",
    "[Content_Types].xml",
    "xl/styles.xml",
]


@pytest.mark.parametrize("member", XLSX_MEMBERS)
def test_an_attribute_sheet_declaring_a_dtd_is_refused(tmp_path: Path, member: str) -> None:
    from qualcode.ingest.attributes import read_sheet

    data = _shared_strings(_xlsx())
    assert member in _members(data), sorted(_members(data))
    path = tmp_path / "attributes.xlsx"
    path.write_bytes(_change(data, member, _external_dtd(_members(data)[member])))
    with pytest.raises(InputFileError) as info:
        read_sheet(path)
    assert info.value.problem == (
        f"member {member} declares a DTD or entities, which Excel files never need"
    )


TOY_BOOK = """\
groups:
  - id: police
    name: Police
    codes:
      - id: police.hub
        name: Hub
        definition: Referrals through the hub.
        rules:
          keywords: [hub]
"""


def test_excel_files_with_a_dtd_are_refused_by_every_command(
    project: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = build(
        project,  # type: ignore[arg-type]
        {"P07.txt": "INT: How do referrals reach you?\nP07: Through the hub.\n"},
        TOY_BOOK,
    )
    root = str(proj.root)
    proj.close()
    dtd = _external_dtd(_members(_xlsx())["xl/worksheets/sheet1.xml"])
    sheets = {
        "attributes.xlsx": _xlsx(),
        "review.xlsx": _xlsx([["item", "decision"], ["1", "accept"]]),
        "codings.xlsx": _xlsx([["document", "turn", "codes"], ["P07.txt", "2", "police.hub"]]),
    }
    for name, data in sheets.items():
        (tmp_path / name).write_bytes(_change(data, "xl/worksheets/sheet1.xml", dtd))
    toml = Path(root, "qualcode.toml")
    (Path(root) / "transcripts" / "attributes.xlsx").write_bytes(
        (tmp_path / "attributes.xlsx").read_bytes()
    )
    toml.write_text(
        toml.read_text().replace('attributes = ""', 'attributes = "transcripts/attributes.xlsx"')
    )
    runs = {
        "attributes.xlsx": ["ingest", "-p", root],
        "review.xlsx": [
            "review", "import", str(tmp_path / "review.xlsx"), "--as", "ann", "-p", root,
        ],
        "codings.xlsx": [
            "import", "codings", str(tmp_path / "codings.xlsx"), "--coder", "ann", "-p", root,
        ],
    }  # fmt: skip
    for name, args in runs.items():
        code, _, err = _cli(capsys, *args)
        assert code == 1, (name, err)
        lines = [ln for ln in err.splitlines() if ln.startswith("error:") or name in ln]
        assert len(lines) == 1, (name, err)
        assert name in lines[0] and "member xl/worksheets/sheet1.xml declares a DTD" in lines[0]
        assert "internal error" not in err


# -- each reader's failure says what is wrong ----------------------------------------------------


def _qdpx() -> bytes:
    from tests.fuzz_targets import qdpx_seed

    return qdpx_seed()


def _read(kind: str, data: bytes, tmp_path: Path) -> InputFileError:
    """Read ``data`` as a file of ``kind`` (docx, xlsx, qdpx); the error it gives."""
    from qualcode.export.qdpx import read_qdpx
    from qualcode.ingest import parse_bytes
    from qualcode.ingest.attributes import read_sheet
    from qualcode.review.sheet import _read as read_review

    path = tmp_path / f"in.{kind}"
    path.write_bytes(data)
    readers = {
        "docx": lambda: parse_bytes(data, str(path)),
        "xlsx": lambda: read_sheet(path),
        "xlsx-review": lambda: read_review(path.rename(path.with_suffix(".xlsx"))),
        "qdpx": lambda: read_qdpx(path),
    }
    with pytest.raises(InputFileError) as info:
        readers[kind]()
    assert "\n" not in info.value.message
    return info.value


def _seed(kind: str, tmp_path: Path) -> bytes:
    return {"docx": lambda: _docx(tmp_path), "xlsx": _xlsx, "xlsx-review": _xlsx, "qdpx": _qdpx}[
        kind
    ]()


KINDS = ["docx", "xlsx", "xlsx-review", "qdpx"]
MAIN = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "xlsx-review": "xl/workbook.xml",
    "qdpx": "project.qde",
}

NOT_ZIPS = {
    "pdf": (b"%PDF-1.4\n1 0 obj << >> endobj\n", "it starts like a PDF"),
    "text": (b"participant_id,role\r\nP07,PCSO\r\n", "it starts like plain text"),
    "html": (b"<!DOCTYPE html>\n<html><body>Sign in</body></html>", "it starts like an HTML page"),
    "rtf": (b"{\\rtf1\\ansi Interviewer: hello}", "it starts like an RTF document"),
    "binary": (bytes(range(256)) * 4, "it starts like binary data"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", sorted(NOT_ZIPS))
def test_a_file_that_is_not_a_zip_says_what_it_looks_like(
    tmp_path: Path, kind: str, what: str
) -> None:
    data, says = NOT_ZIPS[what]
    error = _read(kind, data, tmp_path)
    assert "is not a zip file" in error.problem and says in error.problem, error.problem


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_file_says_so(tmp_path: Path, kind: str) -> None:
    assert _read(kind, b"", tmp_path).problem == "is empty"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("keep", [0.2, 0.5, 0.95])
def test_a_truncated_file_says_so(tmp_path: Path, kind: str, keep: float) -> None:
    data = _seed(kind, tmp_path)
    error = _read(kind, data[: int(len(data) * keep)], tmp_path)
    assert "is truncated or incomplete" in error.problem, error.problem


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_main_part_is_named(tmp_path: Path, kind: str) -> None:
    members = _members(_seed(kind, tmp_path))
    del members[MAIN[kind]]
    error = _read(kind, _zip(members), tmp_path)
    expected = {
        "docx": "has no word/document.xml: not a Word document",
        "xlsx": "has no xl/workbook.xml: not an Excel workbook",
        "xlsx-review": "has no xl/workbook.xml: not an Excel workbook",
        "qdpx": "has no project.qde inside",
    }[kind]
    assert expected in error.problem, error.problem


def test_a_zip_that_is_no_office_file_says_so(tmp_path: Path) -> None:
    plain = _zip({"notes.txt": b"P07 said the hub rings."})
    assert "has no [Content_Types].xml" in _read("docx", plain, tmp_path).problem
    assert "has no [Content_Types].xml" in _read("xlsx", plain, tmp_path).problem


def _ods() -> bytes:
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b"<?xml version='1.0'?><office:document-content "
            b"xmlns:office='urn:oasis:names:tc:opendocument:xmlns:office:1.0'/>",
        },
        zipfile.ZIP_STORED,
    )


def _xlsb(tmp_path: Path) -> bytes:
    members = _members(_xlsx())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.binary.macroEnabled.main",
    )
    return _zip(members)


@pytest.mark.parametrize(
    ("kind", "make", "says"),
    [
        ("xlsx", lambda p: _ods(), "is an OpenDocument spreadsheet (.ods), not an Excel workbook"),
        ("xlsx-review", lambda p: _ods(), "is an OpenDocument spreadsheet (.ods)"),
        ("xlsx", _xlsb, "is an Excel binary workbook (.xlsb)"),
        ("xlsx", _docx, "is a Word document, not an Excel workbook"),
        ("docx", lambda p: _xlsx(), "is an Excel workbook, not a Word document"),
        ("xlsx", lambda p: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old binary"),
        ("docx", lambda p: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old binary"),
    ],
    ids=["ods", "ods-review", "xlsb", "docx-as-xlsx", "xlsx-as-docx", "xls", "doc"],
)
def test_another_format_is_named(tmp_path: Path, kind: str, make: object, says: str) -> None:
    error = _read(kind, make(tmp_path), tmp_path)  # type: ignore[operator]
    assert says in error.problem, error.problem


def _damage(data: bytes, member: str, how: str) -> bytes:
    """Flip a byte inside ``member``'s stored data: its CRC no longer matches (stored), or its
    deflate stream is broken (compressed)."""
    method = zipfile.ZIP_STORED if how == "crc" else zipfile.ZIP_DEFLATED
    packed = bytearray(_zip(_members(data), method))
    with zipfile.ZipFile(io.BytesIO(bytes(packed))) as z:
        info = z.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    if how == "crc":
        packed[start + info.compress_size // 2] ^= 0x20
    else:
        packed[start : start + 3] = b"\xff\xff\xff"  # an invalid block type
    return bytes(packed)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("how", "says"), [("crc", "bad CRC"), ("deflate", "compressed data")])
def test_a_damaged_member_says_which_and_why(
    tmp_path: Path, kind: str, how: str, says: str
) -> None:
    error = _read(kind, _damage(_seed(kind, tmp_path), MAIN[kind], how), tmp_path)
    assert f"member {MAIN[kind]} is damaged" in error.problem and says in error.problem, error


@pytest.mark.parametrize("kind", KINDS)
def test_an_xml_syntax_error_names_the_member_and_line(tmp_path: Path, kind: str) -> None:
    data = _seed(kind, tmp_path)
    xml = _members(data)[MAIN[kind]]
    lines = xml.split(b"\n")
    broken = b"\n".join([*lines[:1], b"<broken attr=>", *lines[1:]]) if len(lines) > 1 else None
    if broken is None:  # one line, perhaps without a declaration (openpyxl writes none)
        head, rest = xml.split(b"?>", 1) if b"?>" in xml else (b"", xml)
        broken = head + (b"?>" if head else b"") + b"\n\n<broken attr=>" + rest
    error = _read(kind, _change(data, MAIN[kind], broken), tmp_path)
    assert re.search(
        rf"member {re.escape(MAIN[kind])} is not well-formed XML \(line \d+", error.problem
    ), error.problem


def _break(xml: bytes) -> bytes:
    return xml.replace(b">", b" broken=>", 2)  # an attribute without a value, on line 1 or 2


def test_a_broken_member_the_library_never_reads_is_let_be(tmp_path: Path) -> None:
    """As Word and Excel do: a damaged part nobody needs (document statistics) does not lose
    the transcript or the sheet."""
    from qualcode.ingest import parse_bytes
    from qualcode.ingest.attributes import read_sheet

    data = _docx(tmp_path)
    app = _members(data)["docProps/app.xml"]
    doc = parse_bytes(_change(data, "docProps/app.xml", _break(app)), "P07.docx")
    assert [t.speaker for t in doc.turns] == ["Interviewer", "P07"]
    book = _xlsx()
    path = tmp_path / "a.xlsx"
    path.write_bytes(_change(book, "docProps/app.xml", _break(_members(book)["docProps/app.xml"])))
    assert read_sheet(path) == [{"participant_id": "P07", "role": "PCSO"}]


@pytest.mark.parametrize(
    ("kind", "member"), [("docx", "word/styles.xml"), ("xlsx", "xl/styles.xml")]
)
def test_a_broken_member_the_library_needs_is_named(tmp_path: Path, kind: str, member: str) -> None:
    data = _seed(kind, tmp_path)
    error = _read(kind, _change(data, member, _break(_members(data)[member])), tmp_path)
    assert f"member {member} is not well-formed XML (line" in error.problem, error.problem


# -- no vague message left ----------------------------------------------------------------------


def test_mutated_office_and_refi_files_get_no_vague_message() -> None:
    from tests.fuzz_targets import TARGETS, is_vague, mutate

    targets = [t for t in TARGETS if t.name in ("docx", "sheet-xlsx", "qdpx", "pdf", "codebook")]
    vague: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for target in targets:
            seeds = target.seeds()
            for seed in range(60):
                rng = random.Random(seed)
                path = Path(tmp) / f"fuzzed{target.suffix}"
                path.write_bytes(mutate(rng.choice(seeds), rng))
                try:
                    target.run(path)
                except QualcodeError as exc:
                    if is_vague(exc.message):
                        vague.append(f"{target.name} {seed}: {exc.message}")
    assert not vague, "\n".join(vague[:20])


def test_the_vague_phrases_are_recognised() -> None:
    from tests.fuzz_targets import is_vague

    for message in (
        "a.xlsx: cannot be read as .xlsx",
        "a.qdpx: member project.qde is corrupt (error)",
        "a.docx: cannot be read as .docx (XMLSyntaxError)",
        "a.xlsx: is not a readable .xlsx (KeyError)",
        "a.pdf: is not a readable PDF (corrupt or truncated)",
        "a.docx: is not a readable .docx (corrupt or not one)",
    ):
        assert is_vague(message), message
    for message in (
        "a.xlsx: is truncated or incomplete (its zip directory is missing)",
        "a.qdpx: member project.qde is damaged (bad CRC: its checksum does not match)",
        "a.yaml:3: groups must be a list of groups, got a number",
    ):
        assert not is_vague(message), message
