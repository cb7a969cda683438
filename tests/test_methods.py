"""The methods appendix: saturation computed as stated, every figure equal to the store's,
the audit log it draws on, and the same store giving the same file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.project import Project, open_project
from qualcode.review.saturation import saturation
from tests.conftest import build, interview
from tests.test_learn import MONEY, OTHER, POLICE
from tests.test_suggest import CODEBOOK


def _rows(*codes: str) -> list[tuple[str, str, set[str]]]:
    return [(f"P{i + 1:02}", "", set(c)) for i, c in enumerate(codes)]


def test_saturation_on_a_hand_made_case() -> None:
    # base: interviews 1-2 carry a, b, c, d (4 codes); run 3-4 brings e (25%), run 4-5 e
    # again (still new then: 25%), run 5-6 nothing new: saturated after interview 4
    s = saturation(_rows("abc", "d", "a", "e", "a", "b", "a"), base=2, run=2, threshold=0.0)
    assert s.base_codes == 4
    assert [(r.first, r.last, r.new_codes) for r in s.runs] == [
        (3, 4, ["e"]),
        (4, 5, ["e"]),
        (5, 6, []),
    ]
    assert s.point == 4
    assert s.new == [3, 1, 0, 1, 0, 0, 0] and s.cumulative == [3, 4, 4, 5, 5, 5, 5]
    assert "after 4 of 7 interviews" in s.sentence() and "0 new codes" in s.sentence()


def test_saturation_threshold_is_inclusive_and_shares_are_of_the_base() -> None:
    # base of 4 with 20 codes: one new code in the next run is exactly 5%
    base = ["abcde", "fghij", "klmno", "pqrst"]
    s = saturation(_rows(*base, "u", "a"), base=4, run=2, threshold=0.05)
    assert s.runs[0].new_information == pytest.approx(0.05) and s.point == 4
    s = saturation(_rows(*base, "u", "v"), base=4, run=2, threshold=0.05)
    assert s.point is None and "not reached" in s.sentence()


def test_saturation_that_cannot_be_assessed_says_so() -> None:
    assert saturation(_rows("", "", "a", "b"), base=2, run=1).point is None
    assert "could not be assessed" in saturation(_rows("", "", "a"), base=2, run=1).sentence()
    short = saturation(_rows("a", "b", "c"), base=2, run=2)  # no complete run after the base
    assert short.runs == [] and short.point is None
    with pytest.raises(ValueError):
        saturation(_rows("a"), base=0)


def _two_coders(project: Project, tmp_path: Path) -> Project:
    answers = MONEY + POLICE + OTHER
    files = {f"{pid}.txt": interview(pid, answers) for pid in ("P01", "P02", "P03")}
    project = build(project, files, CODEBOOK, {"methods": "base = 1\nrun = 1\n"})
    codes = ["factors.funding"] * 6 + ["police.referral_quality"] * 6 + [""] * 4
    ann = "".join(
        f"{pid},{2 * i + 1},{c}\n" for pid in ("P01", "P02", "P03") for i, c in enumerate(codes)
    )
    (tmp_path / "ann.csv").write_text("participant_id,turn,codes\n" + ann)
    bob_codes = [c if i != 0 else "police.referral_quality" for i, c in enumerate(codes)]
    bob = "".join(f"P01,{2 * i + 1},{c}\n" for i, c in enumerate(bob_codes))
    (tmp_path / "bob.csv").write_text("participant_id,turn,codes\n" + bob)
    root = str(project.root)
    project.close()
    for who in ("ann", "bob"):
        assert main(["import", "codings", str(tmp_path / f"{who}.csv"), "--coder", who,
                     "-p", root]) == 0  # fmt: skip
    return open_project(root)


def test_the_appendix_figures_are_the_stores(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.methods import build_methods

    project = _two_coders(project, tmp_path)
    codebook, _ = resolve_codebook(project, None)
    data = build_methods(project, codebook, samples=200)
    status = project.store.status()
    assert data.corpus["interviews"] == status["documents"] == 3
    assert data.corpus["words"] == status["words"]
    assert data.coders["coders"] == {"ann": 48, "bob": 16}
    assert data.coders["human_segments"] == 48 and data.coders["double_coded"] == 16
    root = str(project.root)
    project.close()
    capsys.readouterr()
    assert main(["agreement", "-p", root, "--json", "--samples", "200"]) == 0
    printed = json.loads(capsys.readouterr().out)
    overall = data.agreement[0]
    assert overall.label == "All codes" and overall.units == printed["double_coded"] == 16
    assert overall.alpha == pytest.approx(printed["overall"]["alpha"])
    assert overall.low == pytest.approx(printed["overall"]["alpha_low"])
    # saturation over the three coded interviews (base 1, runs of 1, as set)
    assert main(["saturation", "-p", root, "--json"]) == 0
    sat = json.loads(capsys.readouterr().out)
    assert sat["interviews"] == ["P01", "P02", "P03"] and sat["base"] == 1
    assert data.saturation is not None and data.saturation.point == sat["point"] == 1


def test_export_methods_writes_word_and_markdown_deterministically(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _two_coders(project, tmp_path)
    root = str(project.root)
    project.close()
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a", "b"):
        assert main(["export", "methods", "-p", root, "-o", str(out / f"{name}.docx"),
                     "--samples", "100"]) == 0  # fmt: skip
        assert main(["export", "methods", "-p", root, "-f", "md", "-o", str(out / f"{name}.md"),
                     "--samples", "100"]) == 0  # fmt: skip
    assert (out / "a.docx").read_bytes() == (out / "b.docx").read_bytes()
    a_md = (out / "a.md").read_text().replace("a-saturation.png", "FIGURE")
    assert a_md == (out / "b.md").read_text().replace("b-saturation.png", "FIGURE")
    assert (out / "a-saturation.png").read_bytes() == (out / "b-saturation.png").read_bytes()
    md = (out / "a.md").read_text()
    for heading in ("## The interviews", "## Agreement between coders", "## Saturation",
                    "## Limitations", "Framework Method",
                    "(qualcode agreement ann bob)"):  # fmt: skip
        assert heading in md
    assert "![Codebook codes present in each interview" in md
    import docx

    doc = docx.Document(str(out / "a.docx"))
    assert len(doc.inline_shapes) == 1  # the saturation figure
    assert len(doc.tables) >= 5
    assert main(["export", "methods", "-p", root, "-f", "md", "--lang", "cy",
                 "-o", str(out / "cy.md"), "--samples", "100"]) == 0  # fmt: skip
    assert "## Dirlawnder" in (out / "cy.md").read_text()
    assert main(["export", "methods", "-p", root, "-f", "pdf"]) == 2


def test_the_audit_log_records_what_changed_the_project_and_cannot_be_edited(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _two_coders(project, tmp_path)
    root = str(project.root)
    project.close()
    assert main(["code", "-p", root, "--dry-run"]) == 0  # changes nothing: not logged
    assert main(["import", "codings", str(tmp_path / "nope.csv"), "--coder", "x", "-p", root]) != 0
    capsys.readouterr()
    assert main(["log", "-p", root, "--json"]) == 0
    log = json.loads(capsys.readouterr().out)
    commands = [e["command"] for e in log]
    assert commands == ["import codings", "import codings"]  # build() ran the library directly
    first = log[0]
    assert first["changes"]["codings"] == 36 and first["options"]["argv"][:1] == ["ann.csv"]
    assert first["who"] and first["codebook"] and first["started"] <= first["finished"]
    assert main(["log", "-p", root]) == 0
    assert "import codings ann.csv" in capsys.readouterr().out
    conn = sqlite3.connect(Path(root) / ".qualcode" / "project.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET who = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit")
    conn.close()


def test_saturation_needs_coded_interviews(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project = build(project, {"P01.txt": interview("P01", MONEY)}, CODEBOOK)
    root = str(project.root)
    project.close()
    assert main(["saturation", "-p", root]) == 1
    assert "no interview has been coded by people yet" in capsys.readouterr().err


def test_logging_never_creates_a_store(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'codebook import' run inside a project folder with no store yet writes its file and
    leaves no store behind (the audit log only writes into a store that exists)."""
    from qualcode.codebook import load_codebook
    from qualcode.codebook.refi import codebook_xml
    from tests.test_suggest import CODEBOOK as TOY

    root = project.root
    project.close()
    store = root / ".qualcode" / "project.db"
    if store.exists():
        store.unlink()
    (tmp_path / "cb.yaml").write_text(TOY)
    (tmp_path / "cb.qdc").write_bytes(codebook_xml(load_codebook(tmp_path / "cb.yaml")))
    monkeypatch.chdir(root)
    out = tmp_path / "x.yaml"
    assert main(["codebook", "import", str(tmp_path / "cb.qdc"), "-o", str(out)]) == 0
    assert out.exists() and not store.exists()
