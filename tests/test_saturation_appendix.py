"""Saturation stated for what it is (issue 25): for a codebook fixed before coding, code
coverage per interview and the share of each code's final prevalence reached; Guest, Namey and
Chen's measure only over codes added during the analysis, with its caveat; a figure with whole
numbers on its count axes, a legend, and no line the legend does not name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qualcode.cli import main
from qualcode.coding.imports import import_codings
from qualcode.project import Project, open_project
from qualcode.review.saturation import coverage
from tests.conftest import TEAM, THREE_CODES, build, team_transcript, turn_sheet

SAID_CODES = [  # what each of TEAM_SAID's four answers is about
    ["factors.funding", "police.referral_quality"],
    ["pathways.schools", "factors.funding"],
    [],
    ["police.referral_quality", "pathways.schools"],
]


def _coded(project: Project, tmp_path: Path, codebook: str = THREE_CODES) -> Project:
    files = {f"{p}.txt": team_transcript(p) for p in TEAM}
    project = build(project, files, codebook)
    rows = {(p, 2 * i + 1): codes for p in TEAM for i, codes in enumerate(SAID_CODES)}
    import_codings(project, turn_sheet(tmp_path / "ann.csv", rows), "ann")
    return project


def _markdown(root: Path, tmp_path: Path) -> str:
    out = tmp_path / "methods.md"
    args = ["export", "methods", "-f", "md", "-o", str(out), "--samples", "50"]
    assert main([*args, "-p", str(root)]) == 0
    return " ".join(out.read_text().split())


def test_coverage_and_the_share_of_final_prevalence_reached() -> None:
    rows = [("P01", "", {"a", "b"}), ("P02", "", {"a"}), ("P03", "", {"c", "x"})]
    cov = coverage(rows, ["a", "b", "c", "d"])
    assert cov.present == [2, 1, 1]  # x is not a codebook code
    assert cov.final == {"a": 2, "b": 1, "c": 1, "d": 0}
    assert cov.reached["a"] == [0.5, 1.0, 1.0] and cov.reached["c"] == [0.0, 0.0, 1.0]
    assert cov.mean_reached() == pytest.approx([1.5 / 3, 2 / 3, 1.0])  # d occurs nowhere
    assert cov.milestones() == [1, 2, 3]


def test_a_fixed_codebook_gets_coverage_not_a_saturation_finding(
    project: Project, tmp_path: Path
) -> None:
    """Found: "reached after 4 of 53 interviews" stated as a finding with no caveat, though a
    deductive codebook puts most codes in the first interview."""
    project = _coded(project, tmp_path)
    root = project.root
    project.close()
    md = _markdown(root, tmp_path)
    section = md[md.index("## Saturation") : md.index("## Limitations")]
    assert "Saturation was reached" not in section and "defined before coding" in section
    assert "(3 of 3 in the first interview here)" in section
    assert "| 1. P01 | - | 3 of 3 | 25% |" in section  # coverage per interview
    assert "| k=1 | k=2 | k=3 | k=4 |" in section
    assert "| factors.funding | 4 of 4 | 25% | 50% | 75% | 100% |" in section
    assert "No code was added during the analysis" in section
    assert "Caveat" not in section


def test_codes_added_during_the_analysis_get_the_measure_with_its_caveat(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.coding.run import code_project

    two = THREE_CODES[: THREE_CODES.index("  - id: pathways")]
    files = {f"{p}.txt": team_transcript(p) for p in TEAM}
    project = build(project, files, two)  # the first codebook version: two codes
    (project.root / "codebooks" / "toy.yaml").write_text(THREE_CODES)  # one code added later
    root = project.root
    project.close()
    project = open_project(root)
    code_project(project)
    rows = {(p, 2 * i + 1): codes for p in TEAM for i, codes in enumerate(SAID_CODES)}
    import_codings(project, turn_sheet(tmp_path / "ann.csv", rows), "ann")
    project.close()
    md = _markdown(root, tmp_path)
    section = md[md.index("## Saturation") : md.index("## Limitations")]
    assert "1 code was added during the analysis (pathways.schools)" in section
    assert "Over these codes alone:" in section and "Caveat:" in section
    assert "methods-added-codes.png" in section


def test_the_figures_have_whole_number_ticks_a_legend_and_no_unnamed_line(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: fractional y ticks (2.5, 7.5) and an unexplained dashed line."""
    from qualcode.coding.run import resolve_codebook
    from qualcode.export import methods as export
    from qualcode.review.methods import build_methods

    project = _coded(project, tmp_path)
    codebook, _ = resolve_codebook(project, None)
    data = build_methods(project, codebook, samples=50)
    data.added = ["pathways.schools"]  # as if added later: both figures are drawn
    from qualcode.review.methods import project_saturation

    data.added_saturation = project_saturation(project, None, {"pathways.schools"})
    drawn: list[Any] = []
    real = export._png
    monkeypatch.setattr(export, "_png", lambda fig: drawn.append(fig) or real(fig))
    first, second = export.saturation_figures(data)
    assert first and second and len(drawn) == 2
    for fig in drawn:
        count_axes = fig.axes[0]
        ticks = [t for t in count_axes.get_yticks() if t >= 0]
        assert ticks and all(float(t).is_integer() for t in ticks)
        legend = count_axes.get_legend()
        named = {t.get_text() for t in legend.get_texts()}
        for ax in fig.axes:
            for line in ax.get_lines():
                assert line.get_label() in named  # every drawn line is in the legend
    project.close()
