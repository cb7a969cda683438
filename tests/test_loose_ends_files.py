"""Issue 30's loose ends about files: a large quote sheet is checked in seconds with progress,
no temp file outlives a killed write, ingest warnings come one line per kind (auto-transcripts
are not warned about runs of one speaker), and model files cannot run code when loaded."""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qualcode.cli import main
from qualcode.coding.locate import Index, locate, words
from qualcode.errors import InputFileError, QualcodeError
from qualcode.project import Project, open_project
from tests.conftest import build, interview

ROOT = Path(__file__).resolve().parents[1]


# -- quote placement ---------------------------------------------------------------------------


def _plain_scan(text: str, quote: str, threshold: float) -> tuple[int, int, float] | None:
    """The unindexed search (qualcode before issue 30), as the reference."""
    dw, qw = words(text), [w for w, _, _ in words(quote)]
    tokens, n = [w for w, _, _ in dw], len(qw)
    if not qw or not dw:
        return None
    for i in range(len(tokens)):
        if tokens[i : i + n] == qw:
            return dw[i][1], dw[i + n - 1][2], 1.0
    if n >= 18:  # both ends (6 words each) in order, at 70-150% of the quote's length
        for i in range(len(tokens) - 5):
            if tokens[i : i + 6] != qw[:6]:
                continue
            lo, hi = i + int(0.7 * n) - 6, min(len(tokens) - 6, i + int(1.5 * n))
            for j in range(max(lo, i + 6), hi + 1):
                if tokens[j : j + 6] == qw[-6:]:
                    return dw[i][1], dw[j + 5][2], 0.99
    if n > len(tokens):
        return None
    need = Counter(qw)
    scores = [
        sum(min(c, Counter(tokens[i : i + n])[w]) for w, c in need.items())
        for i in range(len(tokens) - n + 1)
    ]
    best = max(scores)
    at = scores.index(best)
    if best / n < threshold:
        return None
    return dw[at][1], dw[at + n - 1][2], round(best / n, 3)


def test_indexed_placement_finds_what_the_plain_scan_found() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        vocab = list("abcdefghijkl")[: rng.randint(2, 12)]
        tokens = [rng.choice(vocab) for _ in range(rng.randint(0, 70))]
        if tokens and rng.random() < 0.7:  # a passage of the text, a few words changed
            start = rng.randrange(len(tokens))
            quote = tokens[start : start + rng.randint(1, 40)]
            for _ in range(rng.randint(0, 3)):
                quote[rng.randrange(len(quote))] = rng.choice([*vocab, "zz"])
        else:
            quote = [rng.choice([*vocab, "zz"]) for _ in range(rng.randint(0, 25))]
        text, said = " ".join(tokens), " ".join(quote)
        threshold = rng.choice([0.85, 0.7, 0.5, 1.0])
        found = locate(text, said, threshold, index=Index(text))
        got = None if found is None else (found.start, found.end, found.score)
        assert got == _plain_scan(text, said, threshold), (text, said, threshold)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped example project, ingested (read-only for the tests that use it)."""
    import shutil

    from qualcode.ingest.run import ingest

    root = tmp_path_factory.mktemp("example") / "p"
    root.mkdir()
    for name in ("qualcode.toml", "transcripts", "codebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    project = open_project(root)
    ingest(project)
    project.close()
    return root


def test_thousands_of_unplaceable_quotes_are_refused_in_seconds_with_progress(
    example: Path, tmp_path: Path
) -> None:
    from bench.quote_import import unplaceable_sheet
    from qualcode.coding.imports import import_codings

    sheet = tmp_path / "quotes.csv"
    rows = unplaceable_sheet(example, sheet, 5000)
    events: list[tuple[str, int]] = []
    project = open_project(example)
    began = time.perf_counter()
    with pytest.raises(InputFileError, match=r"row 2: quote not found .*\(and \d+ more\)") as no:
        import_codings(
            project, sheet, "ann",
            progress=lambda done, total: events.append(("done", done)),
            noticed=lambda problem: events.append((problem, 0)),
        )  # fmt: skip
    seconds = time.perf_counter() - began
    project.close()
    assert seconds < 20, f"{rows} quotes took {seconds:.1f} s"
    assert "--skip-unplaced" in no.value.hint and int(no.value.message.split("(and ")[1][:4]) > 4900
    done = [n for what, n in events if what == "done"]
    assert done == sorted(done) and done[-1] == rows and len(done) > 50
    # the first problem rows are told as soon as they are found, long before the end
    told = [i for i, (what, _) in enumerate(events) if what.startswith("row ")]
    assert len(told) == 5 and told[0] < 5 and events[told[0]][0].startswith("row 2: quote not")


def test_a_repeated_quote_is_placed_once_and_near_matches_still_place(example: Path) -> None:
    from qualcode.coding.imports import _Placer

    project = open_project(example)
    doc = project.store.document(project.store.current_documents()[0]["id"])
    project.close()
    turn = next(t for t in doc.turns if t.role == "participant" and t.end - t.start > 200)
    said = doc.text[turn.start : turn.end].split()[3:30]
    said[10] = "inaudible"  # one word tidied
    place = _Placer()
    assert place(doc, " ".join(said)) == turn.index
    assert place(doc, " ".join(said).upper()) == turn.index
    assert len(place.indexes) == 1  # one word index per document


# -- temp files --------------------------------------------------------------------------------

DIE_IN_WRITE = """
import os, signal, sys
how = sys.argv[1]
def die(fd):  # the file is written, not yet renamed into place: killed here
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(9)
os.fsync = die
from qualcode.cli import main
main(sys.argv[2:])
"""


def _killed(args: list[str], how: str) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", DIE_IN_WRITE, how, *args],
        env=env,
        capture_output=True,
        timeout=120,
    )
    return proc.returncode


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_five_killed_exports_then_one_other_export_leave_no_hidden_file(project: Project) -> None:
    project = build(
        project, {"P01.txt": interview("P01", ["The grant ran out in March"] * 30)}, TOY
    )
    root = str(project.root)
    project.close()
    outputs = Path(root) / "outputs"
    before: list[str] = []
    for how in ["exit", "kill", "exit", "kill", "exit"]:
        code = _killed(["export", "codings", "-o", str(outputs / "c.csv"), "-p", root], how)
        assert code in (9, -signal.SIGKILL)
        left = _hidden(outputs)  # this kill's temp file of quotes; the one before it is gone
        assert len(left) == 1 and left[0].startswith(".c.csv.") and left != before, left
        assert (outputs / left[0]).stat().st_mode & 0o777 == 0o600
        before = left
    assert main(["export", "codings", "-o", str(outputs / "other.csv"), "-p", root]) == 0
    assert _hidden(outputs) == [] and not (outputs / "c.csv").exists()


def test_a_killed_training_leaves_no_partial_model_after_the_next(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.coding.imports import import_codings
    from tests.test_learn import _gold, _labels
    from tests.test_suggest import _toy

    project = _toy(project)
    import_codings(project, _gold(tmp_path / "g.csv", _labels()), "ann")
    root = str(project.root)
    project.close()
    models = Path(root) / ".qualcode" / "models"
    assert _killed(["suggest", "train", "-p", root], "kill") == -signal.SIGKILL
    # half a file: the model's, or the cache of the codebook examples' rule scores written first
    assert any(".qctmp-" in n for n in _hidden(models))
    assert main(["suggest", "-p", root, "--dry-run"]) == 1  # no model yet: it says so
    assert _hidden(models) == []  # and the partial file is gone


def test_only_our_own_dead_or_stale_temp_files_are_removed(tmp_path: Path) -> None:
    from qualcode.export import _host, atomic_write_bytes

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead, host = int(gone.stdout), _host()
    names = {
        f".c.csv.qctmp-{dead}-{host}-abcd1234": False,  # its writer was killed
        f".c.csv.qctmp-{os.getpid()}-{host}-abcd1234": True,  # a write under way (ours)
        f".c.csv.qctmp-{dead}-0a0b0c-abcd1234": True,  # another machine's: too young to tell
        ".c.csv.abcd1234": True,  # tempfile's name from before, young
        ".old.docx.abcd_123": False,  # ... and 20 minutes old
        ".notes.txt": True,  # the user's
        ".c.csv.qctmp-notes": True,
        "c.csv.qctmp-1-abcdef-abcd1234": True,  # not hidden: not ours
    }
    for name in names:
        (tmp_path / name).write_text("x")
    stale = time.time() - 1200
    os.utime(tmp_path / ".old.docx.abcd_123", (stale, stale))
    atomic_write_bytes(tmp_path / "other.md", b"# report\n")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {n for n, kept in names.items() if kept} | {"other.md"}


# -- ingest warnings ---------------------------------------------------------------------------

TOY = """\
id: toy
name: Toy
groups:
  - id: factors
    name: Factors
    codes:
      - id: factors.funding
        name: Funding
        definition: Money for services.
        rules:
          keywords: [grant]
"""
SAID = ["it started in March", "then the police joined", "we had referrals every day",
        "some of them were good", "others had nothing in them", "so we rang the station",
        "and they sent it again"]  # fmt: skip


def _vtt(voice: str) -> str:
    """An auto-caption file: the interviewer asks, then many cues of one speaker."""
    cues = [("Megan Ashworth", "So tell me how it went?")] + [(voice, s) for s in SAID * 2]
    blocks = [
        f"{i + 1}\n00:00:{i * 3:02d}.000 --> 00:00:{i * 3 + 2:02d}.500\n<v {who}>{text}</v>"
        for i, (who, text) in enumerate(cues)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def _teams(voice: str) -> str:
    """A Teams/Otter text export: every turn stamped, one person's speech split in many."""
    turns = [("Megan Ashworth", "So tell me how it went?")] + [(voice, s + ".") for s in SAID]
    turns += [("Megan Ashworth", "And after that?")] + [(voice, s + ".") for s in SAID]
    return "\n\n".join(
        f"{who}   {i // 60}:{i % 60:02d}\n{text}" for i, (who, text) in enumerate(turns)
    ) + "\n"  # fmt: skip


def _typed(pid: str) -> str:
    """A typed transcript with a run of one speaker's turns (a missed label, perhaps)."""
    return "INT: So tell me how it went?\n" + "".join(f"{pid}: {s}.\n" for s in SAID)


MANGLED = """\
Megan Ashworth: How long have you been with the hub?
Dai Morgan: About ten years now, give or take.
Megan Ashworth 2: And what does a normal week look like?
Dai Morgan: Panel on Tuesday, home visits the rest of the week.
Megan Ashworth: Thank you.
Dai Morgan: No problem.
"""


@pytest.fixture
def transcripts(project: Project) -> Project:
    files = {f"A{i}_auto-transcript.vtt": _vtt(f"Speaker {i}") for i in range(3)}
    files |= {f"T{i}_teams.txt": _teams(f"Dai Morgan {i}") for i in range(3)}
    files |= {f"P0{i}.txt": _typed(f"P0{i}") for i in range(1, 8)}
    files["P09.txt"] = MANGLED  # one note, of another kind: the one that matters
    sections = {"speakers": 'interviewer = ["Megan Ashworth", "INT"]\n'}
    for name, text in files.items():
        (project.root / "transcripts" / name).write_text(text)
    (project.root / "codebooks" / "toy.yaml").write_text(TOY)
    toml = project.root / "qualcode.toml"
    from tests.conftest import set_section

    toml.write_text(set_section(toml.read_text(), "speakers", sections["speakers"]))
    return project


def test_auto_transcripts_are_not_warned_about_runs_of_one_speaker(transcripts: Project) -> None:
    from qualcode.ingest.run import ingest

    project = open_project(transcripts.root)
    report = ingest(project)
    runs = {f.source for f in report.files for n in f.notes if "turns in a row" in n}
    project.close()
    assert runs == {f"transcripts/P0{i}.txt" for i in range(1, 8)}
    teams = next(f for f in report.files if f.source.endswith("T0_teams.txt"))
    assert teams.turns == 16 and teams.speakers == 2  # split speech, every turn stamped


def test_ingest_warnings_are_one_line_per_kind_and_every_note_with_verbose(
    transcripts: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(transcripts.root)
    transcripts.close()
    assert main(["ingest", "-p", root]) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("warning:")]
    assert len(lines) == 2, err
    assert lines[0].startswith("warning: transcripts/P09.txt: turn ")  # the one that matters
    assert "label" in lines[0]
    assert lines[1].startswith("warning: one speaker in many turns in a row: 7 notes in 7 files:")
    assert "and 4 more" in lines[1] and "--verbose" in err
    (Path(root) / "transcripts" / "P08.txt").write_text(_typed("P08"))
    assert main(["ingest", "-p", root, "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "transcripts/P08.txt: turn 1: P08 speaks in 7 turns in a row" in err
    assert main(["status", "-p", root, "--json"]) == 0  # status lists every file to look at
    look = json.loads(capsys.readouterr().out)["documents_to_check"]
    assert {s for s in look if "turns in a row" in " ".join(look[s])} == {
        f"transcripts/P0{i}.txt" for i in range(1, 9)
    }


# -- model files -------------------------------------------------------------------------------


def _suggester() -> tuple[Any, list[str], np.ndarray, list[tuple[str, str]]]:
    from qualcode.coding.classifier import CodeSuggester

    rng = np.random.default_rng(0)
    vocab = ["grant", "budget", "police", "referral", "officer", "kids", "school", "money"]
    texts = [" ".join(rng.choice(vocab, 12)) for _ in range(90)]
    Y = np.array([[("grant" in t), ("ppn" in t), 0] for t in texts], dtype=np.int8)
    context = [(" ".join(rng.choice(vocab, 5)), "") for _ in texts]
    extra = rng.random((90, 2))
    model = CodeSuggester().fit(texts, Y, extra, context)
    new = [" ".join(rng.choice(vocab, 9)) + " naïve café" for _ in range(40)]
    return model, new, rng.random((40, 2)), [(" ".join(rng.choice(vocab, 4)), "x") for _ in new]


def test_a_saved_and_loaded_model_predicts_exactly_what_the_trained_one_did() -> None:
    from qualcode.coding import modelfile

    model, texts, extra, context = _suggester()
    saved = {"codes": ["a", "b", "c"], "codebook": "h", "precision": {"a": 0.5}, "model": model}
    back = modelfile.loads(modelfile.dumps(saved), "m.npz")
    loaded = back["model"]
    assert np.array_equal(
        model.predict_proba(texts, extra, context), loaded.predict_proba(texts, extra, context)
    )
    for attr in ("thresholds_", "trained_", "positives_"):
        assert np.array_equal(getattr(model, attr), getattr(loaded, attr))
    assert back["precision"] == {"a": 0.5} and loaded.get_params() == model.get_params()
    assert modelfile.dumps(saved) == modelfile.dumps(back)  # the same bytes again


def _trained(project: Project, tmp_path: Path) -> Project:
    from qualcode.coding.imports import import_codings
    from tests.test_learn import _gold, _labels
    from tests.test_suggest import _toy

    project = _toy(project)
    import_codings(project, _gold(tmp_path / "g.csv", _labels()), "ann")
    return project


def test_a_project_predicts_with_its_saved_model_what_training_learned(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.coding import learn, modelfile

    project = _trained(project, tmp_path)
    trained: list[dict[str, Any]] = []
    dumps = modelfile.dumps

    def keep(saved: dict[str, Any]) -> bytes:
        trained.append(saved)
        return dumps(saved)

    monkeypatch.setattr(modelfile, "dumps", keep)
    report = learn.train(project)
    assert report.path.endswith(".npz") and len(trained) == 1
    modelfile._KEPT.clear()  # read the file back, not the model this process kept
    _, saved = learn.load_model(project)
    chosen = learn.units(project)
    assert np.array_equal(
        learn._predict(project, trained[0], chosen), learn._predict(project, saved, chosen)
    )


def _as_old_pickle(project: Project) -> tuple[Path, dict[str, Any]]:
    """The project's model as an earlier version stored it: a pickle the training run names."""
    import hashlib

    from qualcode.coding import learn

    _, saved = learn.load_model(project)
    run_id, summary = project.store.latest_run("train")  # type: ignore[misc]
    npz = learn._model_dir(project) / summary["file"]
    blob = pickle.dumps(saved, protocol=5)
    old = npz.with_suffix(".pkl")
    old.write_bytes(blob)
    npz.unlink()
    summary |= {"file": old.name, "sha256": hashlib.sha256(blob).hexdigest()}
    project.store.finish_run(run_id, summary)
    return old, saved


def test_the_projects_own_old_pickle_is_read_once_with_a_warning_and_rewritten(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.coding import learn
    from qualcode.coding.modelfile import ModelConverted

    project = _trained(project, tmp_path)
    learn.train(project)
    old, before = _as_old_pickle(project)
    chosen = learn.units(project)
    with pytest.warns(ModelConverted, match="read once and rewritten"):
        _, saved = learn.load_model(project)
    assert not old.exists() and old.with_suffix(".npz").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning: it is converted
        _, again = learn.load_model(project)
    for loaded in (saved, again):
        assert np.array_equal(
            learn._predict(project, before, chosen), learn._predict(project, loaded, chosen)
        )
    converted = old.with_suffix(".npz")
    converted.write_bytes(converted.read_bytes()[:-10])
    with pytest.raises(QualcodeError, match="not a qualcode model file"):
        learn.load_model(project)


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_a_pickle_given_with_model_is_refused_without_running_it(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.coding import learn

    project = _trained(project, tmp_path)
    learn.train(project)
    root = str(project.root)
    project.close()
    marker = tmp_path / "ran"
    for protocol in (5, 0):
        evil = tmp_path / f"colleague{protocol}.model"
        evil.write_bytes(pickle.dumps({"codes": [], "model": _Evil(marker)}, protocol=protocol))
        assert main(["suggest", "-p", root, "--model", str(evil)]) == 1
        err = capsys.readouterr().err
        assert not marker.exists()
        assert ("is a pickle" if protocol else "not a qualcode model file") in err
        assert "Traceback" not in err and len(err.split("hint:")[0].splitlines()) <= 2


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    out = io.BytesIO()
    save: Any = np.savez  # allows object arrays (pickled inside the .npy)
    save(out, **arrays)
    return out.getvalue()


def _tampered(blob: bytes, change: str, marker: Path) -> bytes:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    arrays = {n[:-4]: np.load(io.BytesIO(d), allow_pickle=False) for n, d in members.items()}
    header = json.loads(arrays["header"].tobytes())
    if change == "object array":
        arrays["thresholds"] = np.array([_Evil(marker), 1, 2], dtype=object)
    elif change == "reads files":
        header["features"][0]["params"]["input"] = "filename"
    elif change == "extra member":
        arrays["payload"] = np.zeros(3)
    elif change == "setting":
        header["params"]["tokenizer"] = "os.system"
    elif change == "format":
        header["format"] = "qualcode-model/9"
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    return _npz(arrays)


@pytest.mark.parametrize(
    "change", ["object array", "reads files", "extra member", "setting", "format", "truncated"]
)
def test_a_model_file_that_tries_anything_else_is_refused_in_one_line(
    tmp_path: Path, change: str
) -> None:
    from qualcode.coding import modelfile

    model, *_ = _suggester()
    blob = modelfile.dumps({"codes": ["a", "b", "c"], "codebook": "h", "model": model})
    marker = tmp_path / "ran"
    bad = blob[: len(blob) // 2] if change == "truncated" else _tampered(blob, change, marker)
    with pytest.raises(QualcodeError, match="not a qualcode model file") as refused:
        modelfile.loads(bad, "shared.model")
    assert "\n" not in refused.value.message and len(refused.value.message) < 200
    assert not marker.exists()


def test_the_cli_shows_qualcodes_own_warnings_as_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import warnings

    from qualcode.cli import _main, _show_warning
    from qualcode.coding.modelfile import ModelConverted

    _main(["--help"])
    capsys.readouterr()
    assert warnings.showwarning is _show_warning
    warnings.showwarning("old model read once and rewritten", ModelConverted, "x", 0)
    err = capsys.readouterr().err
    assert "warning:" in err and "read once and rewritten" in err and "ModelConverted" not in err
