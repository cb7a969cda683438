"""Reviewing in a spreadsheet: export the queue, import decisions back, all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.coding.run import code_project
from qualcode.project import Project
from tests.test_learn import _project


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_export_and_import_decisions(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(project)
    code_project(project)
    root = str(project.root)
    project.close()
    sheet = tmp_path / "queue.csv"
    assert main(["review", "export", str(sheet), "-p", root]) == 0
    rows = _rows(sheet)
    assert rows and all(r["decision"] == "" for r in rows)
    assert main(["review", "export", str(tmp_path / "queue.xlsx"), "-p", root]) == 0
    rows[0]["decision"], rows[1]["decision"] = "accept", "reject"
    rows[2]["decision"], rows[2]["new_code"] = "change", "factors.funding"
    bad = [dict(r) for r in rows]
    bad[3]["decision"] = "maybe"
    bad[4]["decision"], bad[4]["text"] = "accept", "someone edited this"
    bad.append(dict(rows[0]))  # the same item twice
    capsys.readouterr()
    assert main(["review", "import", str(_write(tmp_path / "bad.csv", bad)), "--as", "ann",
                 "-p", root]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "row 5: decision 'maybe'" in err and "(and 2 more)" in err
    good = _write(tmp_path / "good.csv", rows)
    assert main(["review", "import", str(good), "--as", "ann", "-p", root, "--json"]) == 0
    assert '"decided": 3' in capsys.readouterr().out
    assert main(["review", "import", str(good), "--as", "ann", "-p", root]) == 1
    assert "already been decided" in capsys.readouterr().err
    from qualcode.project import open_project

    proj = open_project(root)
    decisions = proj.store.conn.execute(
        "SELECT code_id, reviewer, action FROM decisions ORDER BY id"
    ).fetchall()
    remaining = len(proj.store.review_queue())
    proj.close()
    assert [d[2] for d in decisions] == ["accept", "reject", "recode", "add"]
    assert decisions[3][0] == "factors.funding" and {d[1] for d in decisions} == {"ann"}
    assert remaining == len(rows) - 3


def test_import_needs_a_reviewer(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.errors import QualcodeError
    from qualcode.review.sheet import export_queue, import_sheet

    _project(project)
    code_project(project)
    sheet = tmp_path / "q.csv"
    export_queue(project.store.review_queue(), sheet)
    with pytest.raises(QualcodeError, match="who is reviewing"):
        import_sheet(project.store, resolve_codebook(project, None)[0], sheet, "")
