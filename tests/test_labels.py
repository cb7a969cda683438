from __future__ import annotations

import pytest

from qualcode.ingest.labels import find_label, time_only
from qualcode.ingest.turns import find_turns, legend_roles


@pytest.mark.parametrize(
    ("line", "speaker", "speech", "timestamp"),
    [
        ("Interviewer: How long have you been in post?", "Interviewer", "How long", None),
        ("INT: Right.", "INT", "Right.", None),
        ("I: And then?", "I", "And then?", None),
        ("R: Well, erm.", "R", "Well, erm.", None),
        ("Q: Why?", "Q", "Why?", None),
        ("A: Because.", "A", "Because.", None),
        ("P07: About six years.", "P07", "About six years.", None),
        ("[00:01:12] Sarah Jones: Yes.", "Sarah Jones", "Yes.", "00:01:12"),
        ("Sarah Jones (00:01:12): Yes.", "Sarah Jones", "Yes.", "00:01:12"),
        ("GARETH MORGAN: It's mad.", "GARETH MORGAN", "It's mad.", None),
        ("**Dr Ruth Allen**: Good morning.", "Dr Ruth Allen", "Good morning.", None),
        ("**Counsel:** Thank you.", "Counsel", "Thank you.", None),
        ("*0:0 = I1: Mange tak.", "I1", "Mange tak.", "0:0"),
        ("Dan:", "Dan", "", None),
        ("Rhian Pritchard   0:03", "Rhian Pritchard", "", "0:03"),
    ],
)
def test_label_styles(line: str, speaker: str, speech: str, timestamp: str | None) -> None:
    label = find_label(line)
    assert label is not None
    assert label.speaker == speaker
    assert line[label.speech :].strip().startswith(speech)
    assert label.timestamp == timestamp


@pytest.mark.parametrize(
    "line",
    [
        "So what I said was: no.",
        "and then: nothing",
        "Note: this is a note",
        "Date: 12 March",
        "http://example.org",
        "12:30 we left",
    ],
)
def test_not_labels(line: str) -> None:
    assert find_label(line) is None


def test_time_only_lines() -> None:
    assert time_only("00:01:15") == "00:01:15"
    assert time_only("*(10.01 am)*") == "10.01 am"
    assert time_only("[00:02:03]") == "00:02:03"
    assert time_only("It was 10:30") is None


TRANSCRIPT = """Interview transcript
Date: 12/03/2021
Interviewer: Jane Smith

INT: Thanks for joining. How long have you been in post?

P07: About six years now. I started in 2015.

And before that I was in the MASH: lovely people.

INT: Right.
P07: Yeah.
"""


def test_turns_are_exact_slices_with_continuations_and_preamble() -> None:
    turns, preamble_end = find_turns(TRANSCRIPT, interviewer=(r"int",))
    assert TRANSCRIPT[:preamble_end].endswith("Interviewer: Jane Smith")
    assert [(t.speaker, t.role) for t in turns] == [
        ("INT", "interviewer"),
        ("P07", "participant"),
        ("INT", "interviewer"),
        ("P07", "participant"),
    ]
    second = TRANSCRIPT[turns[1].start : turns[1].end]
    assert (
        second == "About six years now. I started in 2015.\n\n"
        "And before that I was in the MASH: lovely people."
    )


def test_one_off_capitalised_colon_is_speech_not_a_speaker() -> None:
    text = "Alice: Hello?\nBob: Hi.\nHonestly: it was hard.\nAlice: Go on?\nBob: Fine.\n"
    turns, _ = find_turns(text)
    assert [t.speaker for t in turns] == ["Alice", "Bob", "Alice", "Bob"]
    assert text[turns[1].start : turns[1].end] == "Hi.\nHonestly: it was hard."


def test_questioner_becomes_interviewer_when_no_pattern_matches() -> None:
    text = (
        "Dan:\nSo what do you use?\nSam:\nMostly plots.\nDan:\nWhich ones?\nSam:\nScatter plots.\n"
    )
    turns, _ = find_turns(text)
    roles = {t.speaker: t.role for t in turns}
    assert roles == {"Dan": "interviewer", "Sam": "participant"}
    assert text[turns[0].start : turns[0].end] == "So what do you use?"


def test_legend_sets_roles() -> None:
    assert legend_roles("I = Interviewer; I2 = interviewer; Y = informant") == {
        "I": "interviewer",
        "I2": "interviewer",
        "Y": "participant",
    }
    text = "Interview 1\nX1: Interviewer, Y: Informant\n\nX1: Hvad laver du?\nY: Jeg arbejder.\n"
    turns, _ = find_turns(text, interviewer=())
    assert [(t.speaker, t.role) for t in turns] == [("X1", "interviewer"), ("Y", "participant")]


def test_rst_headings_and_italic_notes_are_not_speech() -> None:
    text = (
        "3-07-2025\n=========\n\n*(10.01 am)*\n\n**Lady Hallett**: Ms Hands.\n\n"
        "Dr Ruth Allen\n-------------\n\n*DR RUTH ALLEN (affirmed).*\n\n"
        "**Ms Hands**: Good morning.\n"
    )
    turns, preamble_end = find_turns(text)
    assert [t.speaker for t in turns] == ["Lady Hallett", "Ms Hands"]
    assert turns[0].timestamp == "10.01 am"
    assert text[turns[0].start : turns[0].end] == "Ms Hands."
    assert "3-07-2025" in text[:preamble_end]


@pytest.mark.parametrize(
    ("text", "first_turn", "preamble"),
    [
        ("INT: Ready? [laughs]\nP01: Yes.\n", ("INT", "Ready? [laughs]"), ""),
        ("INT: Ready now\nP01: Yes.\n", ("INT", "Ready now"), ""),
        (
            "Interviewer: Rhian Pritchard\nDate: 3 March 2021\n\nInterviewer: So, your role?\n"
            "P01: Yes.\n",
            ("Interviewer", "So, your role?"),
            "Interviewer: Rhian Pritchard\nDate: 3 March 2021",
        ),
    ],
)
def test_first_lines_are_speech_unless_they_name_something(
    text: str, first_turn: tuple[str, str], preamble: str
) -> None:
    turns, preamble_end = find_turns(text)
    assert (turns[0].speaker, text[turns[0].start : turns[0].end]) == first_turn
    assert text[:preamble_end] == preamble
