"""Every real file in ../shared/data that ingest should read (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.ingest import parse_bytes
from tests.conftest import SHARED_DATA, shared

INQUIRY = sorted((SHARED_DATA / "uk-covid-inquiry-oral-evidence").glob("*/*.rst"))
DANISH = sorted((SHARED_DATA / "ecape-danish-docx" / "interviews").glob("*.docx"))
PDFS = sorted((SHARED_DATA / "pdpilot-maxqda-coded" / "transcripts").glob("*.pdf"))
COUNSEL = (r"counsel.*", r"lead \w+", r"lady hallett", r"ms hands", r"mr .* kc")


def _check(doc, min_turns: int) -> None:  # type: ignore[no-untyped-def]
    assert len(doc.turns) >= min_turns
    assert all(0 <= t.start < t.end <= len(doc.text) for t in doc.turns)
    assert all(doc.text[t.start : t.end] == doc.text[t.start : t.end].strip() for t in doc.turns)
    assert [t.start for t in doc.turns] == sorted(t.start for t in doc.turns)
    assert doc.turns[0].start >= doc.preamble_end


@pytest.mark.parametrize("path", INQUIRY, ids=[p.name for p in INQUIRY])
def test_inquiry_transcripts(path: Path) -> None:
    shared("uk-covid-inquiry-oral-evidence")
    doc = parse_bytes(path.read_bytes(), path.name, COUNSEL)
    _check(doc, 300)
    roles = {t.speaker: t.role for t in doc.turns}
    assert roles.get("Counsel Inquiry", "interviewer") == "interviewer"
    assert "participant" in roles.values()
    assert all(t.speaker for t in doc.turns)
    assert not any("====" in doc.text[t.start : t.end] for t in doc.turns)
    words = sum(len(doc.text[t.start : t.end].split()) for t in doc.turns)
    assert words > 0.9 * len(doc.text.split())


def test_inquiry_has_its_350k_words() -> None:
    shared("uk-covid-inquiry-oral-evidence")
    total = sum(parse_bytes(p.read_bytes(), p.name).words for p in INQUIRY)
    assert total > 330_000


@pytest.mark.parametrize("path", DANISH, ids=[p.name for p in DANISH])
def test_danish_docx(path: Path) -> None:
    shared("ecape-danish-docx")
    doc = parse_bytes(path.read_bytes(), path.name)
    _check(doc, 40)
    roles = {t.role for t in doc.turns}
    assert roles == {"interviewer", "participant"}
    labelled = sum(1 for t in doc.turns if t.speaker)
    assert labelled > 0.9 * len(doc.turns)


@pytest.mark.parametrize("path", PDFS, ids=[p.name for p in PDFS])
def test_pdpilot_pdfs(path: Path) -> None:
    shared("pdpilot-maxqda-coded")
    doc = parse_bytes(path.read_bytes(), path.name)
    _check(doc, 20)
    roles = {t.speaker: t.role for t in doc.turns}
    assert roles.get("Participant") == "participant"
    assert "interviewer" in roles.values()
    assert "\t" not in doc.text
