"""The methods appendix and every report tell the truth about the record (issue 24).

Scenario: coder ann's turn-level coding imported for four interviews; coder ben imports his own
coding of three of them (a separate import: independent of ann's, and differing a good deal);
reviewer rita accepts or rejects every rule suggestion in all four, seeing the suggestions.
Only ann and ben coded independently: rita's reviews are judgements on the machine's
suggestions, never a second independent coding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.coding.imports import import_codings
from qualcode.project import Project, open_project
from qualcode.review.layers import Record, final_coding
from qualcode.review.methods import MethodsData
from tests.conftest import TEAM, THREE_CODES, build, set_section, team_transcript, turn_sheet

CODEBOOK = THREE_CODES
PEOPLE = TEAM
FUNDING, POLICE, SCHOOLS = "factors.funding", "police.referral_quality", "pathways.schools"
ANN_CODES = [[FUNDING, POLICE], [SCHOOLS, FUNDING], [], [POLICE]]
BEN_CODES = [[SCHOOLS], [POLICE], [FUNDING], [FUNDING, SCHOOLS]]  # rarely what ann gave
ANN = {(p, 2 * i + 1): c for p in PEOPLE for i, c in enumerate(ANN_CODES)}
BEN = {(p, 2 * i + 1): c for p in PEOPLE[:3] for i, c in enumerate(BEN_CODES)}


def _rita(proj: Project) -> int:
    """rita accepts or rejects every rule suggestion (in turn), then finishes each segment;
    returns how many suggestions she decided."""
    store = proj.store
    decided = 0
    segments = set()
    for n, (app, seg, code, kind, *_) in enumerate(store.queue_applications()):
        assert kind == "rule"
        action = "accept" if n % 2 else "reject"
        with store.action("rita", action, "review", "terminal", seg):
            store.decide(app, seg, code, "rita", action)
        decided += 1
        segments.add(seg)
    for seg in sorted(segments):
        with store.action("rita", "next", "review", "terminal", seg):
            store.mark_reviewed(seg, "rita")
    return decided


@pytest.fixture
def team(project: Project, tmp_path: Path) -> Project:
    files = {f"{p}.txt": team_transcript(p) for p in PEOPLE}
    proj = build(project, files, CODEBOOK)
    import_codings(proj, turn_sheet(tmp_path / "ann.csv", ANN), "ann")
    import_codings(proj, turn_sheet(tmp_path / "ben.csv", BEN), "ben")
    return proj


def _methods(proj: Project) -> MethodsData:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.methods import build_methods

    codebook, _ = resolve_codebook(proj, None)
    return build_methods(proj, codebook, samples=100)


def _markdown(root: Path, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "methods.md"
    args = ["export", "methods", "-f", "md", "-o", str(out), "--samples", "100", *extra]
    assert main([*args, "-p", str(root)]) == 0
    return " ".join(out.read_text().split())  # one line: sentences may wrap in the source


def test_double_coded_is_the_overlap_of_the_independent_coders(
    team: Project, tmp_path: Path
) -> None:
    assert _rita(team) > 12  # rita reviewed suggestions on every interview, ann's alone too
    data = _methods(team)
    overlap = len(Record(team.store).double_coded())
    assert overlap == 12  # ben's three interviews: four answers each
    assert data.coders["double_coded"] == overlap  # never rita's reviews of suggestions
    assert data.coders["independent"] == {"ann": 16, "ben": 12, "rita": 0}
    root = team.root
    team.close()
    md = _markdown(root, tmp_path)
    assert "12 of them (75%) were coded independently by two or more people" in md
    assert "| rita | " in md and "| ann | 16 | 16 |" in md


def test_agreement_compares_the_independent_coders_only(
    team: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rita(team)
    data = _methods(team)
    overall = data.agreement[0]
    assert overall.label == "All codes" and overall.units == 12
    assert "ann, ben" in data.agreement_note and "rita" in data.agreement_note
    assert "not independent" in data.agreement_note
    root = str(team.root)
    team.close()
    capsys.readouterr()
    assert main(["agreement", "ann", "ben", "-p", root, "--json", "--samples", "100"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert overall.alpha == pytest.approx(printed["overall"]["alpha"])
    assert "(qualcode agreement ann ben)" in _markdown(Path(root), tmp_path)


def test_what_reviewers_saw_is_counted_from_their_decisions(team: Project, tmp_path: Path) -> None:
    decided = _rita(team)
    # a model that, judged on unseen interviews, would have replaced the rules' suggestions;
    # every suggestion any reviewer decided was still a rule's
    run = team.store.start_run("train", {})
    team.store.finish_run(run, {"model": "abc123", "segments": 16, "seeds": 6,
                                "trained": [FUNDING], "compared": {"model": 0.9, "rules": 0.5},
                                "shown": "model"})  # fmt: skip
    data = _methods(team)
    assert data.machine["decided"] == {"rule": decided, "model": 0, "topic": 0}
    root = team.root
    team.close()
    md = _markdown(root, tmp_path)
    assert f"reviewers decided {decided} rule suggestions, 0 model suggestions" in md
    assert "were shown the model's suggestions" not in md
    assert "shown the model" not in md


def test_agreement_below_the_tentative_threshold_is_a_limitation(
    team: Project, tmp_path: Path
) -> None:
    data = _methods(team)
    alpha = data.agreement[0].alpha
    assert alpha is not None and alpha < 0.667
    low = [x for x in data.limitations if "0.667" in x and "alpha" in x]
    assert len(low) == 1 and f"{alpha:.3f}" in low[0] and "Krippendorff" in low[0]
    root = team.root
    team.close()
    md = _markdown(root, tmp_path)
    assert "None that the project's records show" not in md
    assert f"alpha {alpha:.3f}" in md.split("## Limitations")[1]


def test_agreement_limitations_follow_krippendorff() -> None:
    from qualcode.review.methods import Agreement, agreement_limitations

    def rows(*alphas: float | None) -> list[Agreement]:
        labels = ["All codes", "Aim one", "Aim two"]
        return [Agreement(labels[i], 40, a, None, None, 0.9) for i, a in enumerate(alphas)]

    assert agreement_limitations(rows(0.85, 0.9, 0.81)) == []
    tentative = agreement_limitations(rows(0.70, 0.9, 0.81))
    assert len(tentative) == 1 and "tentative conclusions only" in tentative[0]
    assert "0.700" in tentative[0] and "All codes" not in tentative[0]  # said as "overall"
    low = agreement_limitations(rows(0.85, 0.5, 0.7))
    assert len(low) == 2
    assert "Aim one" in low[0] and "0.500" in low[0] and "below 0.667" in low[0]
    assert "Aim two" in low[1] and "tentative conclusions only" in low[1]
    assert agreement_limitations(rows(None)) == []  # undefined: said in the table


def test_unresolved_disagreements_and_the_rule_are_in_every_report(
    team: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import docx
    from openpyxl import load_workbook

    from qualcode.coding.run import resolve_codebook
    from qualcode.review.findings import build_report
    from qualcode.review.notes import quotes

    final = final_coding(team)
    n = len(final.unresolved)
    assert n >= 6 and final.rule == "all"  # ann and ben, not reconciled
    note = final.note()
    assert f"{n} segments coded differently" in note and "qualcode reconcile" in note
    codebook, _ = resolve_codebook(team, None)
    report = build_report(team, codebook)
    assert report.final_note == note and report.unresolved == (n, "all")
    assert quotes(team, codebook, FUNDING).note == note
    data = _methods(team)
    assert data.coders["unresolved"] == n and data.coders["final_rule"] == "all"
    assert any(note in x for x in data.limitations)
    root = team.root
    team.close()
    md = _markdown(root, tmp_path)
    who = md.split("## Who coded what")[1].split("##")[0]
    assert f"{n} are not" in who and "qualcode reconcile" in who
    assert "the codes any coder gave" in who

    capsys.readouterr()
    assert main(["status", "-p", str(root), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["final_coding"] == {
        "rule": "all",
        "uses": "the codes any coder gave",
        "unresolved": n,
        "note": note,
    }
    assert main(["status", "-p", str(root)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert f"unresolved disagreements: {n} (rule: all" in printed

    out = tmp_path / "out"
    for kind in ("matrix", "themes"):
        for fmt in ("docx", "xlsx", "md", "csv"):
            capsys.readouterr()
            assert main(["export", kind, "-f", fmt, "-o", str(out / f"{kind}.{fmt}"),
                         "-p", str(root)]) == 0  # fmt: skip
            said = " ".join(capsys.readouterr().err.split())
            assert note in said  # a CSV has no notes: the command says it
        assert note in (out / f"{kind}.md").read_text()
        paragraphs = [p.text for p in docx.Document(str(out / f"{kind}.docx")).paragraphs]
        assert note in paragraphs
        wb = load_workbook(out / f"{kind}.xlsx")
        notes = [c.value for row in wb[wb.sheetnames[-1]].iter_rows() for c in row]
        assert note in notes
    bilingual = out / "both.xlsx"  # a sheet's name never holds the "/" of "en / cy"
    assert main(["export", "matrix", "--lang", "en+cy", "-f", "xlsx", "-o", str(bilingual),
                 "-p", str(root)]) == 0  # fmt: skip
    wb = load_workbook(bilingual)
    assert wb.sheetnames[-2:] == ["codings - codio", "notes - nodiadau"]
    said = [c.value for row in wb["notes - nodiadau"].iter_rows() for c in row]
    assert any(note in str(x) and "heb eu cysoni" in str(x) for x in said)


def test_another_rule_is_named_and_a_reconciled_record_says_so(
    team: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.findings import build_report

    root = team.root
    team.close()
    toml = root / "qualcode.toml"
    toml.write_text(set_section(toml.read_text(), "review", 'unresolved = "coder:ann"\n'))
    proj = open_project(root)
    final = final_coding(proj)
    assert final.rule == "coder:ann"
    codebook, _ = resolve_codebook(proj, None)
    assert "ann's codes" in build_report(proj, codebook).final_note
    for seg, by in final.unresolved.items():  # the lead settles every one
        proj.store.add_resolution(seg, "ann", "ben", "a", sorted(by["ann"]), "ann's", "lead")
    assert not final_coding(proj).unresolved
    proj.close()
    capsys.readouterr()
    assert main(["status", "-p", str(root), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["final_coding"]["unresolved"] == 0
    assert status["final_coding"]["rule"] == "coder:ann"
    md = _markdown(root, tmp_path)
    assert "No unresolved disagreements between coders" in md or "0 are not" in md


@pytest.mark.parametrize("rule", ["all", "agreed", "coder:ann"])
@pytest.mark.parametrize("n", [0, 1, 3])
def test_reports_word_the_note_as_the_record_does(rule: str, n: int) -> None:
    """The catalogue's English (for bilingual reports) says what Final.note() says."""
    from qualcode.export.report import final_line
    from qualcode.review.findings import ReportData
    from qualcode.review.layers import Final

    note = Final({}, {}, {f"s{i}": {} for i in range(n)}, rule).note()
    bare = ReportData("t", None, [], [], "", {}, False, unresolved=(n, rule))  # type: ignore[arg-type]
    assert final_line(bare) == note  # English from the catalogue
    both = final_line(ReportData("t", None, [], [], "", {}, False, lang="en+cy",  # type: ignore[arg-type]
                                 final_note=note, unresolved=(n, rule)))  # fmt: skip
    assert both.startswith(note + " / ") and str(n if n else "Dim") in both.split(" / ")[1]
