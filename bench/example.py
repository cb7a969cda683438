"""The shipped example project, copied into a folder, ingested and rule-coded (for benchmarks)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def coded_example(folder: Path) -> Any:
    """Copy the example's settings, transcripts and codebook into ``folder``, ingest and code
    it; returns the open project (close it when done)."""
    from qualcode.coding.run import code_project
    from qualcode.ingest.run import ingest
    from qualcode.project import open_project

    for name in ("qualcode.toml", "transcripts", "codebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, folder / name)
    project = open_project(folder)
    ingest(project)
    code_project(project)
    return project
