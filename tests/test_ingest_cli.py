"""The first hour with the CLI, as a new user with real files would spend it."""

from __future__ import annotations

import codecs
import json
import re
import tomllib
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.settings import TEMPLATE, Settings, parse_settings

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def proj(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "p"
    assert _run(capsys, "init", str(root))[0] == 0
    return root


def _crlf(name: str) -> bytes:
    return (LAYOUTS / name).read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8")


def test_windows_subtitles_and_utf16_text_ingest(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (proj / "transcripts" / "zoom.vtt").write_bytes(_crlf("zoom.vtt"))
    (proj / "transcripts" / "zoom.srt").write_bytes(_crlf("zoom.srt"))
    text = (LAYOUTS / "otter.txt").read_text(encoding="utf-8").replace("\n", "\r\n")
    (proj / "transcripts" / "otter.txt").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    code, out, err = _run(capsys, "ingest", "-p", str(proj), "--json")
    assert code == 0, err
    turns = {f["source"]: f["turns"] for f in json.loads(out)["files"]}
    assert turns == {
        "transcripts/otter.txt": 5,
        "transcripts/zoom.srt": 4,
        "transcripts/zoom.vtt": 4,
    }


SHEET_ROWS = [["participant_id", "file", "role"], ["P01", "P01.txt", "Swyddog Cymorth Cymunedol é"]]


@pytest.mark.parametrize(
    "data",
    [
        "\r\n".join(",".join(r) for r in SHEET_ROWS).encode("utf-8-sig"),  # Excel: CSV UTF-8
        "\r\n".join(",".join(r) for r in SHEET_ROWS).encode("cp1252"),  # Excel: CSV (Windows)
        codecs.BOM_UTF16_LE + "\r\n".join("\t".join(r) for r in SHEET_ROWS).encode("utf-16-le"),
        "\r\n".join(";".join(r) for r in SHEET_ROWS).encode("utf-8"),  # semicolons (Europe)
    ],
    ids=["csv-utf8-bom-crlf", "csv-cp1252-crlf", "unicode-text-utf16-tabs", "semicolons"],
)
def test_attribute_sheets_as_excel_writes_them(
    proj: Path, capsys: pytest.CaptureFixture[str], data: bytes
) -> None:
    (proj / "transcripts" / "P01.txt").write_text("INT: Hello?\nP01: Hi.\n")
    (proj / "people.csv").write_bytes(data)
    toml = (proj / "qualcode.toml").read_text()
    (proj / "qualcode.toml").write_text(
        toml.replace('attributes = ""', 'attributes = "people.csv"')
    )
    code, out, err = _run(capsys, "ingest", "-p", str(proj))
    assert code == 0, err
    assert "1 participants from people.csv, 1 transcripts linked" in out
    status = json.loads(_run(capsys, "status", "-p", str(proj), "--json")[1])
    assert status["attributes"] == {"role": {"Swyddog Cymorth Cymunedol é": 1}}


def test_agreement_csv_written_by_pythons_csv_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    path = tmp_path / "long.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:  # csv writes CRLF row endings
        w = csv.writer(fh)
        w.writerow(["unit", "coder", "code"])
        for u in range(12):
            for coder in ("ann", "ben"):
                w.writerow([f"u{u}", coder, "a" if u % 3 else ""])
    code, out, err = _run(capsys, "agreement", "--from-csv", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)


def test_shape_notes_reach_ingest_status_and_show(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (proj / "transcripts" / "mangled.txt").write_bytes((LAYOUTS / "mangled.txt").read_bytes())
    (proj / "transcripts" / "rev.txt").write_bytes((LAYOUTS / "rev.txt").read_bytes())
    code, _, err = _run(capsys, "ingest", "-p", str(proj))
    assert code == 0
    assert "warning: transcripts/mangled.txt: turn 1: a line inside this turn starts with " in err
    assert "rev.txt" not in err
    code, out, _ = _run(capsys, "status", "-p", str(proj))
    assert "Documents that need a look (1)" in out and "transcripts/mangled.txt" in out
    code, out, _ = _run(capsys, "show", "mangled.txt", "-p", str(proj))
    assert re.search(r"│ ! 1 │ Interviewee", out)
    assert "turn 1: a line inside this turn starts with 'Interviewer2 2'" in out
    data = json.loads(_run(capsys, "show", "mangled.txt", "-p", str(proj), "--json")[1])
    assert [n["turn"] for n in data["notes"]] == [1]


def test_reparse_applies_new_speaker_settings(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (proj / "transcripts" / "P01.txt").write_text(
        "hv: How are the visits going?\nfsw: Better since May.\nhv: Why?\nfsw: The hub.\n"
    )
    (proj / "transcripts" / "P02.txt").write_text("INT: Hello?\nP02: Hi.\n")
    _run(capsys, "ingest", "-p", str(proj))
    shown = json.loads(_run(capsys, "show", "P01.txt", "-p", str(proj), "--json")[1])
    assert len(shown["turns"]) == 1 and "no speaker labels found" in shown["notes"][0]["message"]
    toml = (proj / "qualcode.toml").read_text()
    toml = toml.replace("interviewer = []", 'interviewer = ["hv"]')
    (proj / "qualcode.toml").write_text(toml.replace("participant = []", 'participant = ["fsw"]'))
    code, out, _ = _run(capsys, "ingest", "-p", str(proj))  # without --reparse: unchanged
    assert code == 0 and "2 unchanged" in out
    code, out, _ = _run(capsys, "ingest", "--reparse", "-p", str(proj), "--json")
    assert code == 0
    status = {f["source"]: (f["status"], f["version"]) for f in json.loads(out)["files"]}
    assert status == {
        "transcripts/P01.txt": ("reparsed", 2),
        "transcripts/P02.txt": ("unchanged", 1),
    }
    shown = json.loads(_run(capsys, "show", "P01.txt", "-p", str(proj), "--json")[1])
    assert [(t["speaker"], t["role"]) for t in shown["turns"]] == [
        ("hv", "interviewer"),
        ("fsw", "participant"),
        ("hv", "interviewer"),
        ("fsw", "participant"),
    ]
    assert shown["notes"] == [] and shown["participant"] == "P01"
    out = _run(capsys, "ingest", "--reparse", "-p", str(proj))[1]
    assert "2 unchanged" in out  # the same parser again: nothing new


def test_every_document_gets_a_participant_id(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {
        "P07_police_sergeant.txt": "P07",
        "Interview 12 (final).txt": "Interview 12",
        "participant-3.txt": "participant-3",
        "a/notes.txt": "transcripts/a/notes",
        "b/notes.txt": "transcripts/b/notes",
        "Team meeting.txt": "Team meeting",
    }
    for name in names:
        (proj / "transcripts" / name).parent.mkdir(exist_ok=True)
        (proj / "transcripts" / name).write_text(f"INT: Hello {name}?\nP01: Hi.\n")
    code, out, _ = _run(capsys, "ingest", "-p", str(proj))
    assert code == 0 and "Participant ids from file names: 6 transcripts" in out
    status = json.loads(_run(capsys, "status", "-p", str(proj), "--json")[1])
    assert status["participants"] == 6
    for name, pid in names.items():
        shown = json.loads(
            _run(capsys, "show", f"transcripts/{name}", "-p", str(proj), "--json")[1]
        )
        assert shown["participant"] == pid


def test_init_writes_neutral_commented_settings(proj: Path) -> None:
    text = (proj / "qualcode.toml").read_text()
    assert parse_settings(tomllib.loads(text), "t") == Settings(name="p")
    assert TEMPLATE.format(name="p") == text
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            assert "#" in line, f"setting without a comment: {line}"
    assert "local_authority" not in text and "sector" not in text.replace('e.g. "sector"', "")


def test_output_is_not_cut_when_piped(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_name = "P01_" + "family_support_worker_in_the_early_help_hub_" * 3 + "final.txt"
    (proj / "transcripts" / long_name).write_text("INT: Hello?\nP01: Hi.\n")
    out = _run(capsys, "ingest", "-p", str(proj))[1]
    assert f"transcripts/{long_name}" in out and "…" not in out


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit):
        from qualcode.cli import load

        app = load()

        app([*args, "--help"], prog_name="qualcode")
    return capsys.readouterr().out


@pytest.mark.parametrize("command", [["ingest"], ["code"], ["review"], ["export", "matrix"]])
def test_help_has_no_type_markers_on_flags_and_whole_sentences(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer.rich_utils

    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", 1000, raising=False)
    out = _help(capsys, *command)
    assert "<bool>" not in out and "list[" not in out and "<str>" not in out
    body = [ln.strip() for ln in out.splitlines() if ln.strip() and "│" not in ln]
    # on a wide terminal, no paragraph of the description breaks: every line ends a sentence
    description = [ln for ln in body[1:] if not ln.startswith(("Usage", "╭", "╰", "-"))]
    assert description and all(ln.endswith((".", ":", ")")) for ln in description), description


def test_a_second_copy_of_a_transcript_is_refused(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (proj / "transcripts" / "P01.txt").write_text("INT: Hello?\nP01: Hi.\n")
    (proj / "transcripts" / "P01 copy.txt").write_text("INT: Hello?\nP01: Hi.\n")
    code, out, err = _run(capsys, "ingest", "-p", str(proj))
    assert code == 1
    assert "error: transcripts/P01.txt: has the same content as transcripts/P01 copy.txt" in err
    assert "1 new, 1 failed" in out
