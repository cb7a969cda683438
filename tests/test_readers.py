from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from qualcode.errors import InputFileError
from qualcode.ingest import parse_bytes
from tests.conftest import write_docx

INTERVIEW = "Interviewer: How did referrals come in?\nP07: Mostly from the police. Café, naïve.\n"


def _check_slices(doc) -> list[tuple[str | None, str, str]]:
    return [(t.speaker, t.role, doc.text[t.start : t.end]) for t in doc.turns]


@pytest.mark.parametrize(
    "data",
    [
        INTERVIEW.encode("utf-8"),
        codecs.BOM_UTF8 + INTERVIEW.encode("utf-8"),
        INTERVIEW.encode("utf-16"),  # with BOM, as Word's "Unicode text"
        INTERVIEW.encode("utf-16-le"),  # without BOM
        INTERVIEW.encode("cp1252"),
        INTERVIEW.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16le-nobom", "cp1252", "crlf"],
)
def test_text_encodings_give_the_same_turns(data: bytes) -> None:
    doc = parse_bytes(data, "t.txt")
    assert doc.text == INTERVIEW.rstrip("\n") + "\n" or doc.text == INTERVIEW
    assert _check_slices(doc) == [
        ("Interviewer", "interviewer", "How did referrals come in?"),
        ("P07", "participant", "Mostly from the police. Café, naïve."),
    ]


def test_markdown_bold_turns() -> None:
    doc = parse_bytes(b"# Day 1\n\n**Counsel**: Good morning?\n\n**Ms Jones**: Morning.\n", "d.md")
    assert _check_slices(doc) == [
        ("Counsel", "interviewer", "Good morning?"),
        ("Ms Jones", "participant", "Morning."),
    ]


def test_docx_prefix_bold_and_table(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "t.docx",
        [
            [("Interview with P03", True)],
            [("Interviewer", True), (": What do you do?", False)],
            [("P03", True), ("\tI'm a PCSO in the hub.", False)],
            [("And I do joint visits.", False)],
            [("INT: Thanks.", False)],
        ],
        table=[["Speaker", "Time", "Text"], ["P03", "00:10:01", "Tables too."]],
    )
    doc = parse_bytes(path.read_bytes(), "t.docx")
    assert _check_slices(doc) == [
        ("Interviewer", "interviewer", "What do you do?"),
        ("P03", "participant", "I'm a PCSO in the hub.\nAnd I do joint visits."),
        ("INT", "interviewer", "Thanks."),
        ("P03", "participant", "Tables too."),
    ]
    assert doc.turns[-1].timestamp == "00:10:01"
    assert doc.text[: doc.preamble_end] == "Interview with P03"


def test_docx_table_short_replies_keep_their_speaker(tmp_path: Path) -> None:
    """The speech column is chosen over the whole table: "Mm." is shorter than a name."""
    rows = [
        ["Rhian Pritchard", "00:00:04", "So how long have you been in the hub?"],
        ["Joanne Lloyd", "00:00:09", "Six years this spring, give or take a bit."],
        ["Rhian Pritchard", "00:00:15", "Mm."],
        ["Joanne Lloyd", "00:00:16", "Yeah. And the first two were the hardest."],
    ]
    path = write_docx(tmp_path / "t.docx", [], table=rows)
    doc = parse_bytes(path.read_bytes(), "t.docx", (r"rhian.*",))
    got = _check_slices(doc)
    assert [(sp, role) for sp, role, _ in got] == [
        ("Rhian Pritchard", "interviewer"),
        ("Joanne Lloyd", "participant"),
    ] * 2
    assert got[2][2] == "Mm."
    assert doc.turns[2].timestamp == "00:00:15"


VTT = """WEBVTT

1
00:00:01.000 --> 00:00:03.000
<v Rhian Pritchard>Can you tell me about your role?</v>

2
00:00:03.500 --> 00:00:06.000
<v Kerry Price>I'm a PCSO,

3
00:00:06.000 --> 00:00:09.000
<v Kerry Price>embedded in the early help hub.

NOTE this is a comment

4
00:01:12.000 --> 00:01:15.000
<v Rhian Pritchard>Great?
"""


def test_vtt_voices_merge_consecutive_cues() -> None:
    doc = parse_bytes(VTT.encode(), "z.vtt", (r"rhian pritchard",))
    assert _check_slices(doc) == [
        ("Rhian Pritchard", "interviewer", "Can you tell me about your role?"),
        ("Kerry Price", "participant", "I'm a PCSO, embedded in the early help hub."),
        ("Rhian Pritchard", "interviewer", "Great?"),
    ]
    assert [t.timestamp for t in doc.turns] == ["00:00:01", "00:00:03", "00:01:12"]


def test_srt_names_inside_cues() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nINT: Hello?\n\n2\n00:00:02,500 --> 00:00:04,000\n"
        "P01: Hi.\n\n3\n00:00:04,000 --> 00:00:05,000\nStill me.\n"
    )
    doc = parse_bytes(srt.encode(), "s.srt")
    assert _check_slices(doc) == [
        ("INT", "interviewer", "Hello?"),
        ("P01", "participant", "Hi. Still me."),
    ]


def test_unlabelled_text_becomes_one_participant_turn() -> None:
    doc = parse_bytes(b"\n  A written answer with no labels.\nSecond line.\n", "w.txt")
    assert _check_slices(doc) == [
        (None, "participant", "A written answer with no labels.\nSecond line.")
    ]
    assert doc.notes


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\n ", "is empty"),
        ("junk.txt", bytes(range(256)) * 20, "binary"),
        ("bad.docx", b"PK\x03\x04 not really a zip", "is truncated or incomplete"),
        ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
        ("notes.odt", b"whatever", "unsupported file type"),
        ("bad.pdf", b"%PDF-1.4 garbage", "is truncated or incomplete"),
        ("bad.vtt", b"WEBVTT\n\nno cues here\n", "no subtitle cues"),
    ],
)
def test_bad_input_names_the_file_and_the_problem(name: str, data: bytes, problem: str) -> None:
    with pytest.raises(InputFileError) as info:
        parse_bytes(data, f"transcripts/{name}")
    assert str(info.value).startswith(f"transcripts/{name}: ")
    assert problem in info.value.problem
    assert info.value.hint
