"""The theme tables count participants as the crosstab does: of those someone has coded. An
interview nobody has read yet is not one without the code (found: the example's themes said
'34 of 53' and '64%' where the crosstab said 34/47, 72%, with 6 interviews uncoded)."""

from __future__ import annotations

from pathlib import Path

from qualcode.project import Project
from tests.test_reports import _gold, _project


def test_themes_count_of_the_participants_someone_has_coded(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.export.report import _provenance
    from qualcode.export.tables import theme_tables
    from qualcode.review.findings import build_report, prevalence

    project = _project(project)  # P01 and P02
    _gold(project, tmp_path)  # ann codes P01 only
    codebook, _ = resolve_codebook(project, None)
    report = build_report(project, codebook)
    assert report.examined == {"P01"}
    for groups in prevalence(report).values():
        assert groups[""][1] == 1  # P01 of 1, not of 2
        assert "partner" not in groups  # P02's group: nobody in it has been coded
    cells = [row[2] for table in theme_tables(report) for row in table.rows]
    assert cells and all(c.endswith(" of 1") for c in cells)
    said = _provenance(report)
    assert "of the 1 already coded; 1 participant not coded yet is left out" in said
    draft = build_report(project, codebook, include_suggestions=True)
    assert draft.examined is None and "not coded yet" not in _provenance(draft)


def test_the_matrix_overview_counts_of_the_participants_already_coded(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.analysis.overview import overview
    from qualcode.coding.run import resolve_codebook
    from qualcode.export.overview import codebook_rows
    from qualcode.review.findings import build_report

    project = _project(project)
    _gold(project, tmp_path)  # P01 only
    codebook, _ = resolve_codebook(project, None)
    ov = overview(build_report(project, codebook))
    assert ov.participants == ["P01"] and ov.sizes == {"policing": 1}
    headers, _ = codebook_rows(ov)
    assert headers[1] == "Participants (of 1)"  # was "(of 2)": P02 is not coded yet
    draft = overview(build_report(project, codebook, include_suggestions=True))
    assert draft.participants == ["P01", "P02"]
