"""Crash safety: SIGKILL during 'code' and during 'import codings' loses nothing committed and
leaves no half import (a few kills here; ``python bench/crash.py`` kills many times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crashing import build, change_codebook, inspect, kill_during


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("crash") / "p"
    return root, build(root)


@pytest.mark.parametrize("delay", [0.6, 1.0, 1.4])
def test_kill_during_code(project: tuple[Path, int], delay: float) -> None:
    root, decisions = project
    change_codebook(root, int(delay * 10))
    out = kill_during(root, ["code"], delay)
    assert out.integrity == "ok"
    assert out.decisions == decisions


def test_kill_during_import_is_all_or_nothing(project: tuple[Path, int]) -> None:
    root, decisions = project
    gold = ["import", "codings", str(root / "gold.csv"), "--coder"]
    whole = kill_during(root, [*gold, "whole"], 30, "whole").gold_codings
    assert whole > 0
    for delay in (0.4, 0.7, 1.0):
        coder = f"gold{delay}"
        out = kill_during(root, [*gold, coder], delay, coder)
        assert out.integrity == "ok" and out.decisions == decisions
        assert out.gold_codings in (0, whole)  # never part of the file
    assert inspect(root, coder="nobody").gold_codings == 0
