"""Transcripts in the layouts real tools write (fixtures are fictional, in those tools' shapes).

Text layouts live in ``tests/fixtures/layouts``; Word layouts are built here with python-docx the
way Teams, Otter and NVivo lay their exports out. Every text layout is also read with Windows
and old-Mac line endings, with a BOM and as UTF-16 (little and big endian), and must give the
same turns.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from qualcode.ingest import parse_bytes
from qualcode.models import ParsedDocument

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
IV, P = "interviewer", "participant"


def _turns(doc: ParsedDocument) -> list[tuple[str | None, str]]:
    return [(t.speaker, t.role) for t in doc.turns]


def _texts(doc: ParsedDocument) -> list[str]:
    return [doc.text[t.start : t.end] for t in doc.turns]


def _alternating(a: str, b: str, n: int) -> list[tuple[str, str]]:
    return [((a, IV) if i % 2 == 0 else (b, P)) for i in range(n)]


EXPECTED = {
    "teams.vtt": _alternating("Rhian Pritchard", "Dylan Morgan", 4),
    "zoom.vtt": _alternating("Tom Fielding", "Sian Roberts", 4),
    "zoom.srt": _alternating("Tom Fielding", "Sian Roberts", 4),
    "otter.txt": [*_alternating("Speaker 1", "Speaker 2", 4), ("Speaker 2", P)],
    "rev.txt": _alternating("Megan Ashworth", "Carys Lloyd", 4),
    "rev-inline.txt": _alternating("Megan Ashworth", "Carys Lloyd", 4),
    "trint.txt": _alternating("Tom Fielding", "Gareth Hughes", 4),
    "nvivo.txt": _alternating("Speaker 1", "Speaker 2", 4),
    "lower.txt": _alternating("interviewer", "interviewee", 4),
    "upper.txt": _alternating("INTERVIEWER", "INTERVIEWEE", 4),
    "numbered.txt": _alternating("Interviewer1", "Interviewee 1", 6),
    "ts-name.txt": _alternating("INTERVIEWER 1", "PARTICIPANT 1", 4),
    "ts-name-colon.txt": _alternating("Interviewer", "Participant", 4),
    "header.txt": _alternating("Interviewer", "Participant", 4),
}


def _variants(text: str) -> dict[str, bytes]:
    crlf = text.replace("\n", "\r\n")
    return {
        "lf": text.encode("utf-8"),
        "crlf": crlf.encode("utf-8"),
        "cr": text.replace("\n", "\r").encode("utf-8"),
        "bom-crlf": codecs.BOM_UTF8 + crlf.encode("utf-8"),
        "utf16le-crlf": codecs.BOM_UTF16_LE + crlf.encode("utf-16-le"),
        "utf16be-crlf": codecs.BOM_UTF16_BE + crlf.encode("utf-16-be"),
        "utf16le-nobom": crlf.encode("utf-16-le"),
        "cp1252-crlf": crlf.encode("cp1252"),
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_layout_turns_speakers_and_roles(name: str) -> None:
    doc = parse_bytes((LAYOUTS / name).read_bytes(), name)
    assert _turns(doc) == EXPECTED[name]
    assert not doc.notes, [str(n) for n in doc.notes]
    texts = _texts(doc)
    assert all(t and t == t.strip() for t in texts)
    # no label, timestamp or service line left inside the speech
    assert not any(
        marker in t for t in texts for marker in ("-->", "0:0", "otter.ai", "Speaker ", "<v")
    )


@pytest.mark.parametrize("variant", list(_variants("x")))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_line_ending_and_encoding_gives_the_same_turns(name: str, variant: str) -> None:
    text = (LAYOUTS / name).read_text(encoding="utf-8")
    reference = parse_bytes(text.encode("utf-8"), name)
    doc = parse_bytes(_variants(text)[variant], name)
    assert _turns(doc) == _turns(reference)
    assert _texts(doc) == _texts(reference)


def test_timestamps_are_kept_from_each_layout() -> None:
    nvivo = parse_bytes((LAYOUTS / "nvivo.txt").read_bytes(), "nvivo.txt")
    assert [t.timestamp for t in nvivo.turns] == ["00:00:01", "00:00:07", "00:00:15", "00:00:19"]
    otter = parse_bytes((LAYOUTS / "otter.txt").read_bytes(), "otter.txt")
    assert otter.turns[1].timestamp == "0:09"
    rev = parse_bytes((LAYOUTS / "rev.txt").read_bytes(), "rev.txt")
    assert rev.turns[3].timestamp == "00:01:20"
    assert _texts(rev)[3].startswith("Honestly, the phone calls.")


def test_merged_cues_and_service_lines() -> None:
    teams = parse_bytes((LAYOUTS / "teams.vtt").read_bytes(), "teams.vtt")
    assert _texts(teams)[1] == (
        "Yeah, of course. I'm a PCSO on the early action team in Cwm Isaf. "
        "Been doing it about three years now, mostly school visits."
    )
    otter = parse_bytes((LAYOUTS / "otter.txt").read_bytes(), "otter.txt")
    assert _texts(otter)[-1] == "Sorry, and the school liaison as well."


def test_a_header_line_is_not_a_speaker() -> None:
    doc = parse_bytes((LAYOUTS / "header.txt").read_bytes(), "header.txt")
    assert doc.text[: doc.preamble_end].startswith("Format: telephone, 45 minutes")
    assert _texts(doc)[0] == "How long have you been with the hub?"


@pytest.mark.parametrize(
    ("text", "interviewer", "participant", "expected"),
    [
        (  # project labels in lower case, listed in [speakers]
            "hw: How are the visits going?\npc: Better since May.\n",
            ("hw",),
            ("pc",),
            [("hw", IV), ("pc", P)],
        ),
        (  # a participant pattern wins over the question heuristic
            "Jo: Is it working?\nAl: Is it? I think so.\nJo: Why?\nAl: Because?\n",
            (),
            ("al",),
            [("Jo", IV), ("Al", P), ("Jo", IV), ("Al", P)],
        ),
        (  # a lower-case variant of a known speaker is that speaker
            "Interviewer: Hello?\nP07: Hi.\ninterviewer: And then?\np07: Then more.\n",
            (),
            (),
            [("Interviewer", IV), ("P07", P), ("Interviewer", IV), ("P07", P)],
        ),
    ],
)
def test_speaker_settings_take_part_in_detection(
    text: str,
    interviewer: tuple[str, ...],
    participant: tuple[str, ...],
    expected: list[tuple[str, str]],
) -> None:
    doc = parse_bytes(text.encode(), "t.txt", interviewer, participant)
    assert _turns(doc) == expected


def _docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A .docx: each paragraph's "\\n" is a line break inside it (as Teams writes)."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        para = document.add_paragraph()
        for k, part in enumerate(text.split("\n")):
            run = para.add_run(part)
            if k < len(text.split("\n")) - 1:
                run.add_break()
    if table:
        grid = document.add_table(rows=0, cols=len(table[0]))
        for row in table:
            for cell, value in zip(grid.add_row().cells, row, strict=True):
                cell.text = value
    document.save(str(path))
    return path.read_bytes()


SPEECH = [
    "Thanks for joining. Could you tell me about your role?",
    "I'm a PCSO on the early action team.",
    "And how do referrals reach you?",
    "Mostly through the hub, on a Tuesday.",
]
TEAMS_DOCX = [
    "Early help interview-20261103_100215-Meeting Recording",
    "November 3, 2026, 10:02AM",
    "42m 10s",
    "Rhian Pritchard started transcription",
    "Rhian Pritchard   0:03\nThanks for joining. Could you tell me about your role?",
    "Dylan Morgan   0:09\nI'm a PCSO on the early action team.",
    "Rhian Pritchard   0:20\nAnd how do referrals reach you?",
    "Dylan Morgan   0:24\nMostly through the hub, on a Tuesday.",
    "Rhian Pritchard stopped transcription",
]
TEAMS_OLD_DOCX = [
    "0:0:0.0 --> 0:0:5.330\nRhian Pritchard\n" + SPEECH[0],
    "0:0:5.330 --> 0:0:9.10\nDylan Morgan\nI'm a PCSO on the early action team.",
    "0:0:9.10 --> 0:0:12.0\nRhian Pritchard\nAnd how do referrals reach you?",
    "0:0:12.0 --> 0:0:15.500\nDylan Morgan\nMostly through the hub, on a Tuesday.",
]
OTTER_DOCX = [
    "Early help interview",
    "Speaker 1  0:03",
    "Thanks for joining. Could you tell me about your role?",
    "Speaker 2  0:09",
    "I'm a PCSO on the early action team.",
    "Speaker 1  0:20",
    "And how do referrals reach you?",
    "Speaker 2  0:24",
    "Mostly through the hub, on a Tuesday.",
    "Transcribed by https://otter.ai",
]
NVIVO_TABLE = [
    ["Timespan", "Content", "Speaker"],
    [
        "0:00:00.0 - 0:00:05.3",
        "Thanks for joining. Could you tell me about your role?",
        "Speaker 1",
    ],
    ["0:00:05.3 - 0:00:09.1", "I'm a PCSO on the early action team.", "Speaker 2"],
    ["0:00:09.1 - 0:00:12.0", "And how do referrals reach you?", "Speaker 1"],
    ["0:00:12.0 - 0:00:15.5", "Mostly through the hub, on a Tuesday.", "Speaker 2"],
]


@pytest.mark.parametrize(
    ("paragraphs", "table", "names"),
    [
        (TEAMS_DOCX, None, ("Rhian Pritchard", "Dylan Morgan")),
        (TEAMS_OLD_DOCX, None, ("Rhian Pritchard", "Dylan Morgan")),
        (OTTER_DOCX, None, ("Speaker 1", "Speaker 2")),
        ([], NVIVO_TABLE, ("Speaker 1", "Speaker 2")),
    ],
    ids=["teams", "teams-old", "otter", "nvivo-table"],
)
def test_word_exports_of_transcription_tools(
    tmp_path: Path, paragraphs: list[str], table: list[list[str]] | None, names: tuple[str, str]
) -> None:
    data = _docx(tmp_path / "t.docx", paragraphs, table)
    doc = parse_bytes(data, "t.docx")
    assert _turns(doc) == _alternating(*names, 4)
    assert _texts(doc) == SPEECH
    assert not doc.notes, [str(n) for n in doc.notes]


def test_nvivo_table_keeps_the_span_start_and_no_speaker_in_the_speech(tmp_path: Path) -> None:
    doc = parse_bytes(_docx(tmp_path / "n.docx", [], NVIVO_TABLE), "n.docx")
    assert [t.timestamp for t in doc.turns] == ["0:00:00.0", "0:00:05.3", "0:00:09.1", "0:00:12.0"]
    assert not any("Speaker" in t for t in _texts(doc))
