from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_ingest_status_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proj = tmp_path / "p"
    assert _run(capsys, "init", str(proj))[0] == 0
    (proj / "transcripts" / "P01.txt").write_text("INT: Hello?\nP01: Hi there.\n")
    code, out, _ = _run(capsys, "ingest", "--project", str(proj), "--json")
    assert code == 0
    files = json.loads(out)["files"]
    assert [(f["source"], f["status"], f["turns"]) for f in files] == [
        ("transcripts/P01.txt", "new", 2)
    ]
    code, out, _ = _run(capsys, "status", "--project", str(proj), "--json")
    data = json.loads(out)
    assert (code, data["documents"], data["turns"], data["words"]) == (0, 1, 2, 3)
    code, out, _ = _run(capsys, "status", "--project", str(proj))
    assert code == 0 and "documents" in out


def test_failed_file_gives_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "p"
    _run(capsys, "init", str(proj))
    (proj / "transcripts" / "ok.txt").write_text("INT: Hello?\nP01: Hi.\n")
    (proj / "transcripts" / "broken.docx").write_bytes(b"PK\x03\x04 junk")
    code, out, err = _run(capsys, "ingest", "-p", str(proj))
    assert code == 1
    assert "error: transcripts/broken.docx: is truncated or incomplete" in err
    assert "Traceback" not in err + out
    assert "1 new, 1 failed" in out


def test_missing_project_and_bad_settings_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "status", "--project", str(tmp_path))
    assert code == 2 and "no qualcode.toml" in err and "qualcode init" in err
    (tmp_path / "qualcode.toml").write_text("[paths]\ntranscrips = 'x'\n")
    code, _, err = _run(capsys, "status", "--project", str(tmp_path))
    assert code == 2 and "unknown setting 'transcrips'" in err
    (tmp_path / "qualcode.toml").write_text("[paths\n")
    code, _, err = _run(capsys, "status", "--project", str(tmp_path))
    assert code == 2 and "qualcode.toml" in err and "line 1" in err
    code, _, err = _run(capsys, "init", str(tmp_path))
    assert code == 2 and "already exists" in err


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "status", "--no-such-option")[0] == 2


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; from qualcode.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'spacy', 'gensim', 'sklearn', 'textual', 'docx', 'pypdf', 'openpyxl', 'numpy'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('qualcode.serve')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-2:] == ["[]", "[]"]  # nor the review server's modules
    assert "ingest" in out.stdout and "status" in out.stdout


def test_cli_py_shim_runs_from_a_checkout() -> None:
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, str(root / "cli.py"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("qualcode ")


def test_show_lists_turns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proj = tmp_path / "p"
    _run(capsys, "init", str(proj))
    (proj / "transcripts" / "P01.txt").write_text("Date: today\nINT: Hello?\nP01: Hi there.\n")
    _run(capsys, "ingest", "-p", str(proj))
    code, out, _ = _run(capsys, "show", "P01.txt", "-p", str(proj), "--json")
    data = json.loads(out)
    assert code == 0 and data["preamble"] == "Date: today"
    assert [(t["speaker"], t["role"], t["text"]) for t in data["turns"]] == [
        ("INT", "interviewer", "Hello?"),
        ("P01", "participant", "Hi there."),
    ]
    code, out, _ = _run(capsys, "show", "P01", "-p", str(proj))
    assert code == 0 and "Hi there." in out
    code, _, err = _run(capsys, "show", "nope", "-p", str(proj))
    assert code == 1 and "no document 'nope'" in err


def test_agreement_from_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "long.csv"
    path.write_text("unit,coder,code\n1,a,x\n1,b,x\n2,a,\n2,b,x\n3,a,y\n3,b,y\n4,a,\n4,b,\n")
    code, out, _ = _run(capsys, "agreement", "--from-csv", str(path), "--json", "--samples", "100")
    data = json.loads(out)
    assert code == 0 and data["coders"] == ["a", "b"] and data["units"] == 4
    assert [(r["code"], r["percent"]) for r in data["codes"]] == [("x", 0.75), ("y", 1.0)]
    path.write_text("who,what\n1,2\n")
    code, _, err = _run(capsys, "agreement", "--from-csv", str(path))
    assert code == 1 and "has no 'unit' column" in err


def test_transcription_marks_are_shown_not_eaten_as_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    (root / "transcripts" / "P01.txt").write_text(
        "INT: Ready? [laughs]\nP01: Yes [inaudible] fine [bold]really[/bold].\n"
    )
    assert main(["ingest", "-p", str(root)]) == 0
    capsys.readouterr()
    assert main(["show", "P01", "-p", str(root)]) == 0
    shown = capsys.readouterr().out
    assert "[laughs]" in shown and "[inaudible]" in shown and "[bold]really[/bold]" in shown


def test_loading_the_language_pipeline_opens_no_socket() -> None:
    """spaCy's downloader imports urllib3, which binds a socket to ::1 at import to probe for
    IPv6; qualcode imports spaCy without it (the suite's autouse fixture checks every test,
    this checks a fresh interpreter where nothing was imported before)."""
    code = (
        "import socket, sys\n"
        "seen = []\n"
        "sys.addaudithook(lambda e, a: seen.append(e) if e == 'socket.__new__' and len(a) > 1 "
        "and a[1] in (socket.AF_INET, socket.AF_INET6) else None)\n"
        "from qualcode.coding.nlp import load_pipeline\n"
        "from qualcode.coding.topics import tokens\n"
        "load_pipeline(); tokens(['the officers came round'])\n"
        "print(len(seen))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_init_keeps_any_project_name_on_one_toml_line(tmp_path: Path) -> None:
    from qualcode.project import open_project

    assert main(["init", str(tmp_path / "p"), "--name", 'two\nlines "quoted" \\ back']) == 0
    assert open_project(tmp_path / "p").settings.name == 'two lines "quoted" \\ back'


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """Every command of the CLI with the words that call it."""
    out = []
    for name, command in getattr(group, "commands", {}).items():
        out.append(((*path, name), command))
        out.extend(_commands(command, (*path, name)))
    return out


def test_every_settings_name_in_help_is_printed_as_written() -> None:
    """Help names settings as "[server] store": rich markup would swallow "[server]"."""
    import re

    import typer
    from typer.testing import CliRunner

    from qualcode.cli import load

    app = load()

    checked = 0
    for path, command in _commands(typer.main.get_command(app)):
        texts = [getattr(command, "help", "") or ""]
        texts += [getattr(p, "help", "") or "" for p in getattr(command, "params", [])]
        wanted = set(re.findall(r"\[[a-z_]+\]", " ".join(texts).replace("\\[", "[")))
        if not wanted:
            continue
        shown = CliRunner().invoke(app, [*path, "--help"], terminal_width=120).output
        for name in wanted:
            assert name in shown, (" ".join(path), name)
            checked += 1
    assert checked >= 10
