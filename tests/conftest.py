from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.project import Project, init_project

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (real test data lives in ../shared/data beside the repo)")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    proj = init_project(tmp_path / "proj")
    yield proj
    proj.close()


def write_docx(
    path: Path, paragraphs: list[list[tuple[str, bool]]], table: list[list[str]] | None = None
) -> Path:
    """A .docx whose paragraphs are lists of (run text, bold) and an optional table."""
    import docx

    document = docx.Document()
    for runs in paragraphs:
        p = document.add_paragraph()
        for text, bold in runs:
            p.add_run(text).bold = bold
    if table:
        t = document.add_table(rows=0, cols=len(table[0]))
        for row in table:
            cells = t.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    document.save(str(path))
    return path
