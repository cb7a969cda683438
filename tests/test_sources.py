"""Useful or silent, per code: the model is shown for a code only where it did well on
interviews it did not see, else the rules suggest the code, else nothing does."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from qualcode.cli import main
from qualcode.coding import sources
from qualcode.coding.imports import import_codings
from qualcode.coding.learn import suggest, train
from qualcode.project import Project
from tests.conftest import build, interview
from tests.test_learn import MONEY, OTHER, POLICE

CODEBOOK = """\
id: toy3
name: Toy with three codes
groups:
  - id: g
    name: Codes
    codes:
      - id: g.money
        name: Funding
        definition: Money for services, grants and budgets.
        rules:
          keywords: [grant]
      - id: g.police
        name: Police referrals
        definition: Police referrals (PPNs) and officers.
      - id: g.noise
        name: Noise
        definition: A code the coder gave at random.
"""
ANSWERS = MONEY + POLICE + OTHER
INTERVIEWS = [f"P{n:02d}" for n in range(1, 7)]


def _coded(project: Project, tmp: Path, learnable: bool) -> Project:
    """Six interviews of the toy answers, hand-coded: money and police as they are (when
    ``learnable``), noise always at random (and, when not ``learnable``, every code)."""
    for pid in INTERVIEWS:
        (project.root / "transcripts" / f"{pid}.txt").write_text(interview(pid, ANSWERS))
    project = build(project, {}, CODEBOOK, {"suggest": 'show = "auto"'})
    rng = random.Random(7)
    lines = ["participant_id,turn,codes"]
    for pid in INTERVIEWS:
        for k, text in enumerate(ANSWERS):
            codes = []
            if learnable:
                codes += ["g.money"] * (text in MONEY) + ["g.police"] * (text in POLICE)
            else:
                codes += [c for c in ("g.money", "g.police") if rng.random() < 0.35]
            codes += ["g.noise"] * (rng.random() < 0.35)
            lines.append(f"{pid},{2 * k + 1},{';'.join(codes)}")
    (tmp / "gold.csv").write_text("\n".join(lines) + "\n")
    import_codings(project, tmp / "gold.csv", "ann")
    return project


def _model_codes(project: Project) -> set[str]:
    return {r[2] for r in project.store.queue_applications() if r[3] == "model"}


def test_learnable_codes_get_the_model_random_ones_the_rules_or_nothing(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _coded(project, tmp_path, learnable=True)
    report = train(project)
    assert report.sources == {"g.money": "model", "g.police": "model", "g.noise": "none"}
    assert report.states == {"model": 2, "rules": 0, "none": 1}
    assert report.f1["g.police"]["model"] >= 0.7 and report.f1["g.police"]["rules"] == 0
    done = suggest(project)
    assert done.suggestions > 0 or done.scored == 0
    assert _model_codes(project) <= {"g.money", "g.police"}  # never the random code
    root = str(project.root)
    project.close()
    assert main(["suggest", "train", "-p", root, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["states"] == {"model": 2, "rules": 0, "none": 1}
    assert main(["suggest", "train", "-p", root]) == 0
    shown = capsys.readouterr().out
    assert "Whose suggestions reviewers see" in shown and "g.noise" in shown


def test_a_model_trained_on_random_codes_puts_no_suggestion_in_the_queue(
    project: Project, tmp_path: Path
) -> None:
    project = _coded(project, tmp_path, learnable=False)
    before = {(r[1], r[2], r[3]) for r in project.store.queue_applications()}
    report = train(project)
    assert report.sources == {"g.money": "rules", "g.police": "none", "g.noise": "none"}
    assert report.shown == "rules"
    assert suggest(project).suggestions == 0
    assert not _model_codes(project)
    after = {(r[1], r[2], r[3]) for r in project.store.queue_applications()}
    assert after == before  # the rules' 'grant' suggestions stand, nothing else


def _check(model: float, rules: float, chance: float = 0.1) -> sources.Check:
    return sources.Check({0: model}, {0: rules}, {}, {0: chance}, {"model": model})


@pytest.mark.parametrize(
    ("model", "rules", "has_rules", "chance", "expected"),
    [
        (0.8, 0.5, True, 0.1, "model"),  # learnable, better than its rules
        (0.5, 0.6, True, 0.1, "rules"),  # the rules do better
        (0.25, 0.0, False, 0.1, "none"),  # under the floor, no rules: silent
        (0.25, 0.1, True, 0.1, "rules"),  # under the floor: the rules
        (0.45, 0.0, False, 0.48, "none"),  # a common random code: no better than everywhere
        (0.3, 0.3, True, 0.1, "model"),  # on the floor and level with the rules
    ],
)
def test_the_per_code_rule(
    model: float, rules: float, has_rules: bool, chance: float, expected: str
) -> None:
    found = _check(model, rules, chance)
    assert sources.choose(found, np.array([True]), [has_rules], 0.3) == [expected]
    # forced either way; and a model nobody could check shows nothing of its own
    assert sources.choose(found, np.array([True]), [has_rules], 0.3, "model") == ["model"]
    fallback = "rules" if has_rules else "none"
    assert sources.choose(found, np.array([True]), [has_rules], 0.3, "rules") == [fallback]
    assert sources.choose(sources.Check(), np.array([True]), [has_rules], 0.3) == [fallback]
    assert sources.choose(found, np.array([False]), [has_rules], 0.3) == [fallback]


def test_f1_by_code_counts_only_judged_cells() -> None:
    Y = np.array([[1, 0], [0, 1], [1, 0]])
    P = np.array([[1, 1], [1, 1], [0, 0]])
    known = np.array([[True, False], [True, True], [True, True]])
    f1 = sources.f1_by_code(P, Y, known)
    assert f1[0] == pytest.approx(0.5) and f1[1] == pytest.approx(1.0)
    assert sources.f1_by_code(P, np.zeros_like(Y), known) == {0: None, 1: None}


def test_a_reviewed_segment_counts_as_negative_only_the_codes_someone_judged(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.coding.learn import training_set
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.session import ReviewSession

    project = build(
        project, {"P01.txt": interview("P01", ANSWERS)}, CODEBOOK, {"suggest": 'show = "auto"'}
    )
    codebook, _ = resolve_codebook(project, None)
    session = ReviewSession(project, codebook, "ann", order="document")
    first = session.current
    assert first is not None and [s.code for s in first.suggestions] == ["g.money"]
    session.reject(first.suggestions[0])  # judged absent: a negative
    session.add("g.police")  # given: a positive
    session.next()
    second = session.current
    assert second is not None
    session.accept(second.suggestions[0])
    session.next()
    chosen, Y, _, known = training_set(project, codebook)
    codes = [c.id for c in codebook.codes]
    rows = {u.segment.id: i for i, u in enumerate(chosen)}
    a, b = rows[first.segment], rows[second.segment]
    assert dict(zip(codes, Y[a].tolist(), strict=True)) == {
        "g.money": 0, "g.police": 1, "g.noise": 0
    }  # fmt: skip
    # noise was never shown on either segment and nobody gave it: unknown, not absent
    assert dict(zip(codes, known[a].tolist(), strict=True)) == {
        "g.money": True, "g.police": True, "g.noise": False
    }  # fmt: skip
    assert known[b].tolist() == [True, False, False]
    # every code not given counts as absent without partial labels, and on imported codings
    assert training_set(project, codebook, partial=False)[3].all()
    (tmp_path / "g.csv").write_text("participant_id,turn,codes\nP01,9,g.noise\n")
    import_codings(project, tmp_path / "g.csv", "bea")
    chosen, Y, _, known = training_set(project, codebook)
    third = next(i for i, u in enumerate(chosen) if u.segment.turn_index == 9)
    assert known[third].all() and Y[third].tolist() == [0, 0, 1]


def test_a_retrain_with_nothing_new_reuses_the_model_and_new_labels_invalidate_it(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.coding.classifier import CodeSuggester

    project = _coded(project, tmp_path, learnable=True)
    first = train(project)
    suggest(project)

    def no_fit(*args: object, **kw: object) -> None:
        raise AssertionError("fitted again with nothing new")

    with monkeypatch.context() as m:
        m.setattr(CodeSuggester, "fit", no_fit)
        again = train(project)  # same labels, settings and codebook: the same model, reused
        assert again.model == first.model and again.sources == first.sources
        assert again.f1 == first.f1 and again.compared == first.compared
        assert suggest(project).added == 0  # and its suggestions are already stored
    (tmp_path / "more.csv").write_text("participant_id,turn,codes\nP01,1,g.police\n")
    import_codings(project, tmp_path / "more.csv", "bea")  # a new label: a new model
    assert train(project).model != first.model
    toml = project.root / "qualcode.toml"
    toml.write_text(toml.read_text().replace('show = "auto"', 'show = "auto"\nmin_f1 = 0.95'))
    from qualcode.project import open_project

    project.close()
    project = open_project(project.root)
    strict = train(project)  # another floor chooses other sources: not the same model file
    assert strict.sources["g.police"] == "none" or strict.f1["g.police"]["model"] >= 0.95
    project.close()


def test_the_methods_appendix_data_says_which_source_each_code_came_from(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.coding.run import resolve_codebook
    from qualcode.review.methods import machine_summary

    project = _coded(project, tmp_path, learnable=True)
    report = train(project)
    codebook, _ = resolve_codebook(project, None)
    m = machine_summary(project, codebook)
    assert m["sources"] == report.sources and m["states"] == report.states
    note = m["sources_note"]
    assert "the model's suggestions for 2 codes (g.money, g.police)" in note
    assert "no suggestion for 1 code (g.noise)" in note and "0.30" in note
