"""No silent mis-parse: each doubtful shape gives a note that says what and where."""

from __future__ import annotations

from pathlib import Path

from qualcode.ingest import parse_bytes

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"


def _notes(text: str, interviewer: tuple[str, ...] = ()) -> list[str]:
    return [str(n) for n in parse_bytes(text.encode(), "t.txt", interviewer).notes]


def test_a_mangled_label_inside_a_turn_is_named() -> None:
    doc = parse_bytes((LAYOUTS / "mangled.txt").read_bytes(), "mangled.txt")
    assert [n.turn for n in doc.notes] == [1]
    assert "'Interviewer2 2'" in doc.notes[0].message


def test_unlabelled_text_is_one_turn_with_a_note() -> None:
    notes = _notes("Just some words here.\nAnd more words.\n")
    assert len(notes) == 1 and "no speaker labels found" in notes[0]


def test_one_speaker_only() -> None:
    notes = _notes("Alice: One.\nAlice: Two.\nAnd three.\n")
    assert any("only one speaker (Alice)" in n for n in notes)


def test_no_interviewer_found() -> None:
    notes = _notes("Alice: One.\nBob: Two.\nAlice: Three.\nBob: Four.\n")
    assert any(n.startswith("no interviewer found among Alice, Bob") for n in notes)
    assert not _notes("Alice: One?\nBob: Two.\nAlice: Three?\nBob: Four.\n")


def test_a_speaker_in_many_turns_in_a_row() -> None:
    body = "".join(f"[00:0{i}:00]\nP01: Part {i}.\n" for i in range(6))
    notes = _notes("INT: Tell me?\n" + body)
    assert any("P01 speaks in 6 turns in a row (turns 1-6)" in n for n in notes)


def test_a_long_header_is_pointed_out() -> None:
    header = "Consent and information sheet. " * 80
    notes = _notes(header + "\n\nINT: Hello?\nP01: Hi there.\nINT: Ok?\nP01: Yes.\n")
    assert any("words before the first turn were taken as a header" in n for n in notes)


def test_a_clean_interview_has_no_notes() -> None:
    assert not _notes("INT: Hello?\nP01: Hi.\nINT: And?\nP01: And more.\n")
    text = "Bob: Hi?\nAlice: Hello there.\nHonestly: it was hard.\nBob: Fine?\nAlice: Yes.\n"
    assert not _notes(text)  # a one-off "Honestly:" inside a turn is speech, not a label
