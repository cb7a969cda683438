from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.coding.run import code_project
from qualcode.ingest.run import ingest
from qualcode.project import Project
from tests.test_codebook import GOOD


def _setup(project: Project) -> Path:
    (project.root / "transcripts" / "P01.txt").write_text(
        "INT: Did you hear back about it?\n"
        "P01: No, we never heard back. The PPN was long, too long.\n"
        "INT: And training?\n"
        "P01: Nothing to say.\n",
        encoding="utf-8",
    )
    cb = project.root / "codebooks" / "demo.yaml"
    cb.write_text(GOOD, encoding="utf-8")
    ingest(project)
    return cb


def _count(project: Project, where: str = "1=1") -> int:
    return project.store.conn.execute(
        f"SELECT count(*) FROM applications WHERE {where}"
    ).fetchone()[0]


def test_coding_is_idempotent_and_keeps_provenance(project: Project) -> None:
    _setup(project)
    report = code_project(project)
    assert report.segments == 2 and report.added == 2
    summary = {c.code_id: (c.segments, c.participants) for c in report.codes}
    assert summary == {"police.feedback_loop": (1, 1), "police.referral_quality": (1, 1)}
    again = code_project(project)
    assert again.added == 0 and _count(project) == 2
    rows = list(project.store.codings())
    assert {r["source"] for r in rows} == {"kw:hear back", "pattern1"}
    assert all(
        r["codebook_hash"] == report.codebook_hash and r["run"] == report.run_id for r in rows
    )
    assert {r["evidence"] for r in rows} == {"heard back", "PPN was long"}
    assert {r["text"] for r in rows} == {"No, we never heard back. The PPN was long, too long."}


def test_dry_run_stores_nothing(project: Project) -> None:
    _setup(project)
    report = code_project(project, dry_run=True)
    assert report.suggestions == 2 and report.run_id is None and _count(project) == 0


def test_changed_codebook_supersedes_rule_suggestions_not_decisions(project: Project) -> None:
    cb = _setup(project)
    code_project(project)
    app_id, seg = project.store.conn.execute(
        "SELECT id, segment_id FROM applications WHERE code_id = 'police.feedback_loop'"
    ).fetchone()
    project.store.conn.execute(
        "INSERT INTO decisions (application_id, segment_id, code_id, reviewer, action, at) "
        "VALUES (?, ?, 'police.feedback_loop', 'ann', 'accept', 'now')",
        (app_id, seg),
    )
    cb.write_text(GOOD.replace("hear back, feedback", "never heard"), encoding="utf-8")
    report = code_project(project)
    assert report.added == 2
    assert _count(project, "superseded_by_run IS NOT NULL") == 2
    assert _count(project, "superseded_by_run IS NULL") == 2
    assert project.store.conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 1
    live = {(r["code"], r["source"]) for r in project.store.codings()}
    assert ("police.feedback_loop", "kw:never heard") in live


def test_cli_code_and_export(
    project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _setup(project)
    root = str(project.root)
    project.close()
    assert main(["code", "-p", root, "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert main(["code", "-p", root, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 2
    assert main(["export", "codings", "-p", root]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["code"], r["status"], r["role"], r["turn"]) for r in rows] == [
        ("police.feedback_loop", "unreviewed", "participant", "1"),
        ("police.referral_quality", "unreviewed", "participant", "1"),
    ]
    out = tmp_path / "c.jsonl"
    assert main(["export", "codings", "-p", root, "-f", "jsonl", "-o", str(out)]) == 0
    assert [json.loads(x)["code"] for x in out.read_text().splitlines()] == [
        "police.feedback_loop",
        "police.referral_quality",
    ]
    assert main(["export", "codings", "-p", root, "-f", "xml"]) == 2


def test_sentence_unit(project: Project) -> None:
    _setup(project)
    toml = project.root / "qualcode.toml"
    toml.write_text(toml.read_text().replace('unit = "turn"', 'unit = "sentence"'))
    from qualcode.project import open_project

    proj = open_project(project.root)
    report = code_project(proj)
    assert report.segments == 3
    texts = {r["text"] for r in proj.store.codings()}
    assert texts == {"No, we never heard back.", "The PPN was long, too long."}
    proj.close()
