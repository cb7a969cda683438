"""Machine suggestions as a reviewer meets them: one per segment and code, never below the
floor, a first model from the codebook alone, portable models, and a review app that learns
while the reviewer works."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.coding.imports import import_codings
from qualcode.coding.learn import suggest, train
from qualcode.errors import ProjectError, QualcodeError
from qualcode.project import Project, open_project
from qualcode.review.layers import labelled
from qualcode.review.order import diverse_order
from qualcode.review.session import ReviewSession
from tests.conftest import build, interview
from tests.test_learn import MONEY, OTHER, POLICE, _gold, _labels

CODEBOOK = """\
id: toy
name: Toy
groups:
  - id: factors
    name: Factors
    codes:
      - id: factors.funding
        name: Funding
        definition: Money for services, grants and budgets.
        include:
          - Grants ending or budgets cut.
          - Short-term funding and posts that are not secure.
        examples:
          typical: ["The grant runs out in March so the budget is cut."]
          atypical: ["We cannot plan past next year."]
        rules:
          keywords: [grant]
  - id: police
    name: Police
    codes:
      - id: police.referral_quality
        name: Referral quality
        definition: How good police referrals (PPNs) are.
        include:
          - A PPN with too little detail about the children.
          - Officers trained to write better referrals.
        examples:
          typical: ["The officer's PPN told us nothing about the kids."]
          atypical: ["The sergeant now checks them before they come over."]
        rules:
          keywords: [ppn]
"""
ANSWERS = MONEY + POLICE + OTHER + MONEY[:3] + POLICE[:3]


SHOW_MODEL = 'show = "model"'


def _toy(project: Project, suggest: str = SHOW_MODEL) -> Project:
    """The toy interview, coded by the rules; the model's suggestions shown once trained
    (by default: these tests are about what happens then)."""
    return build(project, {"P01.txt": interview("P01", ANSWERS)}, CODEBOOK, {"suggest": suggest})


def _queue(project: Project) -> list[tuple[str, str, str, float]]:
    return sorted(
        (seg, code, kind, float(score or 0))
        for _, seg, code, kind, _, score, _, _ in project.store.queue_applications()
    )


def test_one_suggestion_per_segment_and_code_once_a_model_has_scored_it(
    project: Project, tmp_path: Path
) -> None:
    project = _toy(project)
    before = _queue(project)
    assert before and {k for *_, k, _ in before} == {"rule"}
    import_codings(project, _gold(tmp_path / "g.csv", _labels()[:10]), "ann")
    done = set(labelled(project)[1])
    train(project)
    suggest(project)
    after = _queue(project)
    pairs = [(seg, code) for seg, code, _, _ in after]
    assert len(pairs) == len(set(pairs))  # never a rule and a model suggestion of one code
    for seg, _, kind, _ in after:
        assert kind == "model" or seg in done  # rules stand only where the model did not score
    # the rules' words are the model suggestion's highlighted evidence
    evidence = project.store.rule_evidence()
    rows = project.store.conn.execute(
        "SELECT segment_id, code_id, start, end FROM applications WHERE kind = 'model'"
    ).fetchall()
    with_rules = [r for r in rows if (r[0], r[1]) in evidence]
    assert with_rules and all(evidence[(r[0], r[1])] == (r[2], r[3]) for r in with_rules)
    # the spreadsheet queue shows the same one suggestion per code
    sheet = project.store.review_queue()
    assert len(sheet) == len(after)


def test_no_model_suggestion_below_the_floor(project: Project, tmp_path: Path) -> None:
    project = _toy(project, f"floor = 0.6\n{SHOW_MODEL}")
    import_codings(project, _gold(tmp_path / "g.csv", _labels()), "ann")
    train(project)
    suggest(project)
    scores = [s for _, _, kind, s in _queue(project) if kind == "model"]
    assert scores and min(scores) >= 0.6


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("floor = 1.5", "0 <= floor < 1"),
        ("min_positives = 0", "min_positives >= 1"),
        ('floor = "high"', "'floor' must be a float"),
        ("retrain_every = true", "'retrain_every' must be a int"),
        ("treshold = 0.3", "unknown setting 'treshold'"),
    ],
)
def test_suggest_settings_are_checked(project: Project, body: str, message: str) -> None:
    (project.root / "qualcode.toml").write_text(f"[suggest]\n{body}\n")
    with pytest.raises(ProjectError, match=message):
        open_project(project.root)


def test_a_whole_number_floor_is_read_as_a_probability(project: Project) -> None:
    (project.root / "qualcode.toml").write_text("[suggest]\nfloor = 0\n")
    assert open_project(project.root).settings.suggest.floor == 0.0


def test_cold_start_from_the_codebook_alone(project: Project) -> None:
    project = _toy(project)
    report = train(project)
    assert (
        report.segments == 0 and report.seeds == 10
    )  # 2 codes x (2 examples, 2 criteria, a definition)
    assert report.trained == ["factors.funding", "police.referral_quality"]
    done = suggest(project)
    assert done.suggestions > 0
    model = {(seg, code) for seg, code, kind, _ in _queue(project) if kind == "model"}
    texts = {s.id: t for s, t in _segments(project)}
    funding = [texts[s] for s, c in model if c == "factors.funding"]
    assert (
        funding
        and sum("grant" in t or "budget" in t or "fund" in t for t in funding) >= len(funding) / 2
    )  # mostly about money


def test_a_model_nobody_could_check_orders_the_queue_and_leaves_the_rules_suggesting(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _toy(project, 'show = "auto"')
    before = _queue(project)
    report = train(project)  # from the codebook alone: no interview to check it on
    assert report.shown == "rules" and report.compared == {}
    done = suggest(project)
    assert done.shown == "rules" and done.suggestions == 0
    assert _queue(project) == before  # the rules' suggestions, untouched
    from qualcode.coding.learn import uncertainty_by_segment

    assert uncertainty_by_segment(project)  # ...while the model orders the queue
    root = str(project.root)
    project.close()
    assert main(["suggest", "-p", root]) == 0
    out = capsys.readouterr().out
    assert "rules" in out and "not stored" in out


def test_a_checked_model_replaces_the_rules_only_for_codes_where_it_is_as_good(
    project: Project, tmp_path: Path
) -> None:
    for pid in ("P01", "P02", "P03"):
        (project.root / "transcripts" / f"{pid}.txt").write_text(interview(pid, ANSWERS))
    project = build(project, {}, CODEBOOK, {"suggest": 'show = "auto"'})
    rows = "".join(f"{pid},{t},{c}\n" for pid in ("P01", "P02") for t, c in _labels())
    (tmp_path / "g.csv").write_text("participant_id,turn,codes\n" + rows)
    import_codings(project, tmp_path / "g.csv", "ann")
    report = train(project)
    assert set(report.compared) == {"model", "rules", "shown"}
    for code, state in report.sources.items():  # each code by its own figures
        f1 = report.f1.get(code, {})
        m, chance = f1.get("model", 0.0), f1.get("chance", 0.0)
        good = m >= max(0.3, f1.get("rules", 0.0)) and (m - chance) / (1 - chance) >= 0.15
        assert state == ("model" if good else "rules"), (code, f1)
    assert report.shown == ("model" if "model" in report.sources.values() else "rules")
    suggest(project)
    model_codes = {code for _, code, kind, _ in _queue(project) if kind == "model"}
    assert model_codes <= {c for c, s in report.sources.items() if s == "model"}


def _segments(project: Project) -> list[tuple[object, str]]:
    from qualcode.coding.learn import _units

    return _units(project)  # type: ignore[return-value]


def test_a_model_travels_to_another_project_with_the_same_codebook(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _toy(project)
    import_codings(project, _gold(tmp_path / "g.csv", _labels()), "ann")
    root = str(project.root)
    project.close()
    model = tmp_path / "shared.model"
    assert main(["suggest", "train", "-p", root, "--output", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output"] == str(model)
    other = tmp_path / "other"
    assert main(["init", str(other)]) == 0
    (other / "transcripts" / "P09.txt").write_text(interview("P09", MONEY + POLICE))
    (other / "codebooks" / "toy.yaml").write_text(CODEBOOK)
    assert main(["ingest", "-p", str(other)]) == 0
    capsys.readouterr()
    assert main(["suggest", "-p", str(other), "--model", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["suggestions"] > 0
    # a different codebook: refused, by hash, before anything is stored
    (other / "codebooks" / "toy.yaml").write_text(CODEBOOK.replace("[grant]", "[grants]"))
    assert main(["suggest", "-p", str(other), "--model", str(model)]) == 1
    err = capsys.readouterr().err
    assert "not the codebook the model was trained with" in err and "Traceback" not in err
    # not a model at all, or missing: one clear line each
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"PK\x03\x04 not a pickle")
    assert main(["suggest", "-p", str(other), "--model", str(junk)]) == 1
    assert "not a qualcode model file" in capsys.readouterr().err
    assert main(["suggest", "-p", str(other), "--model", str(tmp_path / "none.model")]) == 1
    assert "cannot read the model file" in capsys.readouterr().err


def test_training_can_be_limited_to_coders_and_documents(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _toy(project)
    import_codings(project, _gold(tmp_path / "a.csv", _labels()), "ann")
    import_codings(project, _gold(tmp_path / "b.csv", _labels()[:4]), "bob")
    assert train(project, coders=("bob",)).segments == 4
    assert train(project, coders=("ann",)).segments == 16
    assert train(project, documents=("P01",)).segments == 16
    with pytest.raises(QualcodeError, match="no coding by carol"):
        train(project, coders=("carol",))
    root = str(project.root)
    project.close()
    assert main(["suggest", "train", "-p", root, "--document", "P99"]) == 1
    assert "P99" in capsys.readouterr().err


def test_eval_compares_the_combined_suggestions_with_each_source(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for pid in ("P01", "P02", "P03"):
        (project.root / "transcripts" / f"{pid}.txt").write_text(interview(pid, ANSWERS))
    project = build(project, {}, CODEBOOK)
    rows = "".join(f"{pid},{t},{c}\n" for pid in ("P01", "P02", "P03") for t, c in _labels())
    (tmp_path / "g.csv").write_text("participant_id,turn,codes\n" + rows)
    import_codings(project, tmp_path / "g.csv", "ann")
    root = str(project.root)
    project.close()
    assert main(["suggest", "eval", "-p", root, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["sources"]) == {"rules", "model (text)", "combined", "shown"}
    assert out["sources"]["shown"] == out["summary"]
    assert out["folds"] == 3 and out["interviews"] == 3 and out["codebook_examples"] == 10
    # the rules alone are scored as the rules: 'grant'/'ppn' find every money and police answer
    # in the toy interviews except those without the word
    assert 0 < out["sources"]["rules"]["micro_f1"] <= 1
    assert main(["suggest", "eval", "-p", root]) == 0
    shown = capsys.readouterr().out
    assert "Where suggestions come from" in shown and "combined" in shown


def test_diverse_order_mixes_interviews_and_keeps_uncertainty_order_otherwise() -> None:
    items = list(range(8))
    unsure = [0.9, 0.85, 0.8, 0.75, 0.7, 0.3, 0.2, 0.1]
    docs = [1, 1, 1, 1, 1, 2, 3, 4]
    order = diverse_order(items, unsure, docs)
    assert sorted(order) == items
    assert order[:4] == [0, 5, 6, 7]  # others' most uncertain before a second from interview 1
    assert order[4:] == [1, 2, 3, 4]  # only interview 1 is left: by uncertainty
    assert diverse_order([0, 1, 2], [0.1, 0.5, 0.9], [1, 2, 3]) == [2, 1, 0]
    assert diverse_order([], [], []) == []
    assert diverse_order([3, 4], [0.5, 0.5], [1, 1]) == [3, 4]  # ties: the given order


def test_the_review_app_learns_in_the_background_and_re_ranks(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.tui.review import ReviewApp

    project = _toy(project, f"retrain_every = 2\n{SHOW_MODEL}")
    codebook_path = project.root / "codebooks" / "toy.yaml"
    from qualcode.codebook import load_codebook

    codebook = load_codebook(codebook_path, "codebooks/toy.yaml")
    session = ReviewSession(project, codebook, "ann")
    first = len(session.items)
    app = ReviewApp(session)

    async def go() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()  # keys act once the segment is on screen
            for _ in range(2):  # finish two segments: the second starts a retrain
                await pilot.press("x")
                await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()

    asyncio.run(go())
    trains = project.store.conn.execute("SELECT count(*) FROM runs WHERE kind = 'train'")
    assert trains.fetchone()[0] == 1
    assert session.since_training == 0
    kinds = {s.kind for item in session.items[session.position :] for s in item.suggestions}
    assert kinds <= {"model", "rule"} and "model" in kinds  # the rest of the queue is the model's
    live = project.store.conn.execute("SELECT count(*) FROM live_decisions").fetchone()[0]
    rejected = sum(len(i.suggestions) for i in session.items[:2])
    assert live == rejected  # no decision lost or doubled by the retrain
    assert len(session.items) <= first + 2


def test_export_codings_chooses_rows_by_kind_coder_document_and_status(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    for pid in ("P01", "P02"):
        (project.root / "transcripts" / f"{pid}.txt").write_text(interview(pid, ANSWERS))
    project = build(project, {}, CODEBOOK, {"suggest": SHOW_MODEL})
    import_codings(project, _gold(tmp_path / "a.csv", _labels()), "ann")
    rows = "".join(f"P02,{t},{c}\n" for t, c in _labels()[:6])
    (tmp_path / "b.csv").write_text("participant_id,turn,codes\n" + rows)
    import_codings(project, tmp_path / "b.csv", "bob")
    app = next(a for a in project.store.queue_applications() if a[3] == "rule")
    project.store.decide(app[0], app[1], app[2], "cy", "accept")
    root = str(project.root)
    project.close()

    def export(*args: str) -> list[dict[str, str]]:
        assert main(["export", "codings", "-p", root, *args]) == 0
        return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))

    everything = export()
    assert {r["kind"] for r in everything} == {"rule", "import", "human"}  # cy's: human
    assert {r["status"] for r in everything} >= {"coded", "unreviewed", "accepted"}
    ann = export("--coder", "ann")
    assert ann and {(r["kind"], r["source"], r["participant"]) for r in ann} == {
        ("import", "ann", "P01")
    }
    both = export("--coder", "ann", "--coder", "bob")
    assert {r["source"] for r in both} == {"ann", "bob"}
    p02 = export("--document", "P02", "--kind", "rule")
    assert p02 and {(r["participant"], r["kind"]) for r in p02} == {("P02", "rule")}
    accepted = export("--status", "accepted")  # the suggestion; cy's coding of it is 'coded'
    assert len(accepted) == 1 and accepted[0]["code"] == app[2]
    assert accepted[0]["decided_by"] == "cy" and export("--status", "accept") == accepted
    cy = export("--coder", "cy")  # a reviewer's layer: the code she accepted
    assert [(r["code"], r["how"], r["suggestion"]) for r in cy] == [
        (app[2], "accepted", str(app[0]))
    ]
    kinds = ("rule", "import", "human")
    assert sum(len(export("--kind", k)) for k in kinds) == len(everything)
    # a mistake is one line naming the option, never a traceback or an empty file
    assert main(["export", "codings", "-p", root, "--kind", "rules"]) == 2
    assert "'rules': use rule, model" in capsys.readouterr().err
    assert main(["export", "codings", "-p", root, "--coder", "an"]) == 1
    assert "did you mean ann" in capsys.readouterr().err
    assert main(["export", "codings", "-p", root, "--document", "P09"]) == 1
    assert "no document 'P09'" in capsys.readouterr().err


def test_reviewers_see_each_codes_estimated_precision(project: Project, tmp_path: Path) -> None:
    from qualcode.codebook import load_codebook
    from qualcode.tui.review import ReviewApp
    from tests.test_review_keys import _screen_text

    for pid in ("P01", "P02", "P03"):
        (project.root / "transcripts" / f"{pid}.txt").write_text(interview(pid, ANSWERS))
    project = build(project, {}, CODEBOOK, {"suggest": SHOW_MODEL})
    rows = "".join(f"{pid},{t},{c}\n" for pid in ("P01", "P02") for t, c in _labels())
    (tmp_path / "g.csv").write_text("participant_id,turn,codes\n" + rows)
    import_codings(project, tmp_path / "g.csv", "ann")
    report = train(project)
    assert set(report.precision) == {"factors.funding", "police.referral_quality"}
    assert all(0 <= p <= 1 for p in report.precision.values())
    suggest(project)
    assert project.store.model_precision() == report.precision
    codebook = load_codebook(project.root / "codebooks" / "toy.yaml", "codebooks/toy.yaml")
    session = ReviewSession(project, codebook, "cy")
    first = session.current
    assert first is not None and first.suggestions[0].kind == "model"
    app = ReviewApp(session)
    seen: list[str] = []

    async def go() -> None:
        async with app.run_test(size=(110, 30)) as pilot:
            await pilot.pause()
            seen.append(_screen_text(app))

    asyncio.run(go())
    code = first.suggestions[0].code
    assert f"est. precision {report.precision[code]:.0%}" in seen[0]
