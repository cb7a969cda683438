"""What the fuzz test (tests/test_fuzz.py) and the long fuzz run (bench/fuzz.py) feed qualcode.

Each target is a kind of input a user gives qualcode: a file name, seed files in the shapes
real tools write (all fictional), and the reader or importer that must either accept a mutated
file or refuse it with a QualcodeError (one line naming the file). Anything else is an internal
error: a bug.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TRANSCRIPT = (
    "Date: 3 March 2026\n\nInterviewer: How do referrals reach you?\n"
    "P07: Mostly through the hub. The PCSO rings me [laughs].\n"
    "Interviewer: And then?\nP07: We visit together, usually on a Tuesday.\n"
)
VTT = (
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Rhian>How do referrals reach you?</v>\n\n"
    "2\n00:00:05.000 --> 00:00:09.500\n<v Owen>Through the hub, mostly.</v>\n"
)
SRT = "1\n00:00:01,000 --> 00:00:04,000\nRhian: How do referrals reach you?\n\n2\n00:00:05,000 --> 00:00:09,500\nOwen: Through the hub.\n"
CODEBOOK = """\
id: demo
name: Demo
groups:
  - id: police
    name: Police
    codes:
      - id: police.feedback_loop
        name: Feedback loop
        definition: Officers hearing what happened to their referrals.
        rules:
          keywords: [hear back, feedback]
          near: [{a: [officer], b: [outcome], within: 5}]
          patterns: [[{LOWER: {IN: [ppn, ppns]}}, {LEMMA: be}, {TEXT: {REGEX: "^l"}}]]
"""
SHEET = "participant_id,file,role\r\nP07,P07.txt,PCSO\r\nP08,P08.docx,social worker\r\n"
CODINGS = "participant_id,turn,codes\r\nP07,1,police.feedback_loop\r\nP07,3,\r\n"
LONG = "unit,coder,code\r\nu1,ann,a\r\nu1,ben,a\r\nu2,ann,\r\nu2,ben,b\r\n"
REVIEW = "item,document,participant,turn,code,kind,source,score,evidence,text,decision,new_code,note\r\n1,P07.txt,P07,1,police.feedback_loop,rule,kw,1,hub,Through the hub.,accept,,\r\n"
QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="demo" origin="fuzz">
<Users><User guid="11111111-1111-1111-1111-111111111111" name="ann"/></Users>
<CodeBook><Codes><Code guid="22222222-2222-2222-2222-222222222222" name="Feedback" isCodable="true">
<Description>Officers hearing back.</Description></Code></Codes></CodeBook>
<Variables><Variable guid="33333333-3333-3333-3333-333333333333" name="role" typeOfVariable="Text"/></Variables>
<Cases><Case guid="44444444-4444-4444-4444-444444444444" name="P07">
<VariableValue><VariableRef targetGUID="33333333-3333-3333-3333-333333333333"/><TextValue>PCSO</TextValue></VariableValue>
<SourceRef targetGUID="55555555-5555-5555-5555-555555555555"/></Case></Cases>
<Sources><TextSource guid="55555555-5555-5555-5555-555555555555" name="P07" plainTextPath="internal://55555555-5555-5555-5555-555555555555.txt">
<PlainTextSelection guid="66666666-6666-6666-6666-666666666666" startPosition="40" endPosition="70">
<Coding guid="77777777-7777-7777-7777-777777777777" creatingUser="11111111-1111-1111-1111-111111111111">
<CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding></PlainTextSelection>
</TextSource></Sources></Project>
"""


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def docx_seed() -> bytes:
    import docx

    document = docx.Document()
    p = document.add_paragraph()
    p.add_run("Interviewer").bold = True
    p.add_run(": How do referrals reach you?")
    document.add_paragraph("P07: Mostly through the hub.")
    table = document.add_table(rows=0, cols=3)
    for row in (["P07", "00:10:01", "Tables too."], ["INT", "00:10:09", "Right?"], ["", "", ""]):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    table.cell(2, 0).merge(table.cell(2, 1))  # a gridSpan
    table.cell(0, 2).merge(table.cell(1, 2))  # a vMerge
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx_seed() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["participant_id", "role"], ["P07", "PCSO"]):
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def pdf_seed() -> bytes:
    """A one-page PDF with a text layer, written by hand (no PDF library needed)."""
    content = b"BT /F1 12 Tf 72 720 Td (Interviewer: How do referrals reach you?) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def qdpx_seed() -> bytes:
    text = "Interviewer: How do referrals reach you?\nP07: Mostly through the hub, the PCSO rings."
    return _zip(
        {
            "project.qde": QDE.encode(),
            "Sources/55555555-5555-5555-5555-555555555555.txt": text.encode(),
        }
    )


@dataclass(frozen=True)
class Target:
    name: str
    suffix: str
    seeds: Callable[[], list[bytes]]
    run: Callable[[Path], object]  # reads the file at the path; may raise QualcodeError


def _parse(path: Path) -> object:
    from qualcode.ingest import parse_bytes

    return parse_bytes(path.read_bytes(), path.name)


def _codebook(path: Path) -> object:
    from qualcode.codebook import load_codebook
    from qualcode.coding.rules import RuleCoder

    return RuleCoder(load_codebook(path))


def _sheet(path: Path) -> object:
    from qualcode.ingest.attributes import read_sheet

    return read_sheet(path)


def _review(path: Path) -> object:
    from qualcode.review.sheet import _read

    return _read(path)


def _codings(path: Path) -> object:
    from qualcode.coding.imports import _read_rows

    return _read_rows(path)


def _long(path: Path) -> object:
    from qualcode.review.longform import read_long_csv

    return read_long_csv(path)


def _qdc(path: Path) -> object:
    from qualcode.codebook.refi import read_qdc

    return read_qdc(path)


def _qdpx(path: Path) -> object:
    from qualcode.export.qdpx import read_qdpx

    return read_qdpx(path)


def _qdc_seed() -> bytes:
    from qualcode.codebook import load_codebook
    from qualcode.codebook.refi import codebook_xml

    tmp = Path(__file__).parent / ".fuzz-seed.yaml"
    try:
        tmp.write_text(CODEBOOK, encoding="utf-8")
        return codebook_xml(load_codebook(tmp))
    finally:
        tmp.unlink(missing_ok=True)


TARGETS = [
    Target("txt", ".txt", lambda: [TRANSCRIPT.encode(), TRANSCRIPT.encode("utf-16")], _parse),
    Target("docx", ".docx", lambda: [docx_seed()], _parse),
    Target("vtt", ".vtt", lambda: [VTT.encode()], _parse),
    Target("srt", ".srt", lambda: [SRT.replace("\n", "\r\n").encode()], _parse),
    Target("pdf", ".pdf", lambda: [pdf_seed()], _parse),
    Target("codebook", ".yaml", lambda: [CODEBOOK.encode()], _codebook),
    Target("sheet-csv", ".csv", lambda: [SHEET.encode()], _sheet),
    Target("sheet-xlsx", ".xlsx", lambda: [xlsx_seed()], _sheet),
    Target("review-csv", ".csv", lambda: [REVIEW.encode()], _review),
    Target("codings-csv", ".csv", lambda: [CODINGS.encode()], _codings),
    Target("agreement-csv", ".csv", lambda: [LONG.encode()], _long),
    Target("qdc", ".qdc", lambda: [_qdc_seed()], _qdc),
    Target("qdpx", ".qdpx", lambda: [qdpx_seed()], _qdpx),
]

# A refusal that names the file but not the fault: a generic phrase, or only an exception's name
# where the reason should be. bench/fuzz.py counts these as "vague message"; there should be none.
VAGUE = re.compile(
    r"cannot be read as\b"
    r"|is corrupt \(\w+\)"
    r"|corrupt or (?:not|truncated)"
    r"|not a readable [.\w]+(?: \(|$)"
    r"|\((?:[A-Z]\w*(?:Error|Exception|Warning)|error|BadZipFile)\)\s*$"
)


def is_vague(message: str) -> bool:
    """Does a refusal's message leave out what is wrong (see VAGUE)?"""
    return VAGUE.search(message) is not None


NUMBERS = [b"-1", b"0", b"99999999999999999999", b"1e400", b"nan", b"abc", b"", b"3.5"]


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        pos = rng.randrange(len(buf) + 1) if buf else 0
        if op == 0 and buf:  # flip a byte
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:  # insert junk
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 2:  # delete a span
            del buf[pos : pos + rng.randint(1, 64)]
        elif op == 3:  # duplicate a span
            chunk = buf[pos : pos + rng.randint(1, 256)]
            buf[pos:pos] = chunk * rng.randint(1, 50)
        elif op == 4:  # truncate
            del buf[pos:]
        elif op == 6 and rng.random() < 0.5:  # an XML attribute's value, or the attribute twice
            text = bytes(buf)
            spots = list(__import__("re").finditer(rb'(\w+(?::\w+)?)="([^"]*)"', text))
            if spots:
                m = rng.choice(spots)
                value = rng.choice([*NUMBERS, b"maybe", m.group(2) * 3])
                attr = m.group(1) + b'="' + value + b'"'
                if rng.random() < 0.3:
                    attr += b" " + m.group(0)
                buf[m.start() : m.end()] = attr
        elif op == 7:  # deep nesting
            buf[pos:pos] = rng.choice([b"[", b"{", b"<a>", b"- "]) * rng.randint(100, 20_000)
        elif op == 5:  # a number where a number was
            for m in __import__("re").finditer(rb"\d+", bytes(buf)):
                if rng.random() < 0.2:
                    start, end = m.span()
                    buf[start:end] = rng.choice(NUMBERS)
                    break
        elif op == 6:  # a quote, bracket or markup character somewhere
            buf[pos:pos] = rng.choice([b'"', b"'", b"<", b">", b"[", b"{", b":", b"\r", b"\x00"])
    return bytes(buf)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A mutated copy: inside a zip container, usually a member's content is mutated and the
    container kept valid (so the reader gets past the zip); otherwise the raw bytes."""
    if data[:2] == b"PK" and rng.random() < 0.7:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = {i.filename: z.read(i) for i in z.infolist()}
        except (zipfile.BadZipFile, ValueError, OSError):
            return _mutate_bytes(data, rng)
        name = rng.choice(sorted(members))
        members[name] = _mutate_bytes(members[name], rng)
        return _zip(members)
    return _mutate_bytes(data, rng)
