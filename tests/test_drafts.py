"""Drafts say so (issue 25): what `qualcode run` writes from unreviewed suggestions, the methods
appendix included, is a draft in name, banner and opening sentence; counts read as English."""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.cli import main
from qualcode.coding.imports import import_codings
from qualcode.project import Project, open_project
from tests.conftest import TEAM, THREE_CODES, build, team_transcript, turn_sheet


def _toy(project: Project) -> Project:
    files = {f"{p}.txt": team_transcript(p) for p in TEAM}
    return build(project, files, THREE_CODES)


def _text(path: Path) -> tuple[str, str]:
    import docx

    d = docx.Document(str(path))
    body = [p.text for p in d.paragraphs]
    body += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return d.sections[0].header.paragraphs[0].text, " ".join(" ".join(body).split())


BAD_COUNTS = re.compile(
    r"\b(?:0|1) (?:\w+ )?(?:segments|suggestions|people|coders|times|memos|decisions|codes)\b"
    r"|\b0 (?:segment|person|coder|time|memo|review decision)s?\b|\bone coder only\b"
)


def test_run_writes_a_draft_methods_appendix_until_something_is_reviewed(
    project: Project, tmp_path: Path
) -> None:
    """Found: methods.docx written by `run` from unreviewed suggestions carried no draft
    marking; "tables written 0 times" right after run wrote two drafts."""
    project = _toy(project)
    root = project.root
    project.close()
    assert main(["run", "-p", str(root)]) == 0
    outputs = root / "outputs"
    assert not (outputs / "methods.docx").exists()
    header, text = _text(outputs / "methods-draft.docx")
    assert header.startswith("DRAFT")  # on every page
    assert text.startswith("Draft: Methods appendix")
    assert "This appendix is a draft" in text  # the opening sentence
    assert "written once (machine drafts only" in text
    assert not BAD_COUNTS.search(text), BAD_COUNTS.search(text)
    assert (outputs / "themes-draft.docx").exists() and (outputs / "matrix-draft.docx").exists()


def test_a_reviewed_project_gets_a_methods_appendix_that_is_no_draft(
    project: Project, tmp_path: Path
) -> None:
    project = _toy(project)
    rows = {(p, 2 * i + 1): ["factors.funding"] for p in TEAM[:1] for i in range(1)}
    import_codings(project, turn_sheet(tmp_path / "one.csv", rows), "ann")
    root = project.root
    project.close()
    assert main(["export", "methods", "-p", str(root), "--samples", "50"]) == 0
    header, text = _text(root / "outputs" / "methods.docx")
    assert not header and not text.startswith("Draft")
    assert "1 segment was coded by people; none of them was coded independently" in text
    assert not BAD_COUNTS.search(text), BAD_COUNTS.search(text)
    assert "one independent coder only (ann)" in text


def test_export_methods_before_any_coding_is_a_draft_by_name(
    project: Project, tmp_path: Path
) -> None:
    project = _toy(project)
    root = project.root
    project.close()
    assert main(["export", "methods", "-f", "md", "-p", str(root), "--samples", "50"]) == 0
    text = (root / "outputs" / "methods-draft.md").read_text()
    assert text.startswith("# Draft: Methods appendix") and "**DRAFT:" in text
    assert "No segment has been coded by a person yet" in text
    assert "No reviewer has decided a machine suggestion yet." in text
    assert not BAD_COUNTS.search(" ".join(text.split()))
    open_project(root).close()


def test_a_machine_draft_report_opens_by_saying_it_is_one(project: Project, tmp_path: Path) -> None:
    project = _toy(project)
    root = str(project.root)
    project.close()
    for fmt in ("docx", "md"):
        assert main(["export", "themes", "--include-suggestions", "-f", fmt, "-p", root]) == 0
    header, text = _text(Path(root) / "outputs" / "themes-draft.docx")
    assert header.startswith("MACHINE DRAFT")
    assert text.startswith("Machine draft: ") and "This is a machine draft:" in text[:200]
    md = (Path(root) / "outputs" / "themes-draft.md").read_text()
    assert md.startswith("# Machine draft: ") and "This is a machine draft:" in md[:400]
