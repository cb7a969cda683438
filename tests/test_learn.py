"""The learned suggester: the estimator, importing codings, training, suggesting, evaluating."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qualcode.cli import main
from qualcode.coding.classifier import CodeSuggester
from qualcode.errors import InputFileError, QualcodeError
from qualcode.ingest.run import ingest
from qualcode.project import Project, open_project
from qualcode.review.layers import labelled
from tests.conftest import interview

MONEY = [
    "the grant money runs out in march and the budget is cut again",
    "funding is year to year so the posts are never secure",
    "we lost the grant and had to cut two posts from the budget",
    "short term funding means we cannot plan the service",
    "the council budget and the grant decide what we can offer",
    "money for the team comes from a grant that ends next year",
]
POLICE = [
    "the officer wrote a long ppn with no detail about the children",
    "police referrals are better now the officers had the training",
    "a good ppn tells us what the officer was worried about",
    "the sergeant checks every ppn before the officers submit it",
    "officers send a ppn for every domestic even with no children",
    "the ppn from the officer was three lines and told us nothing",
]
OTHER = [
    "sorry the dog is barking give me a second",
    "yes that is fine you can record it",
    "it was sunny so we went for a walk in the park",
    "I have worked here for about six years now",
]


def toy() -> tuple[list[str], np.ndarray]:
    texts = MONEY + POLICE + OTHER
    Y = np.array(
        [[1, 0]] * len(MONEY) + [[0, 1]] * len(POLICE) + [[0, 0]] * len(OTHER), dtype=np.int8
    )
    return texts, Y


def test_estimator_contract_and_learning() -> None:
    from sklearn.base import clone

    texts, Y = toy()
    model = CodeSuggester(C=1.0)
    assert model.get_params()["C"] == 1.0
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(model, "models_")
    assert model.fit(texts, Y) is model
    probe = ["the grant funding ends and the budget is cut", "the officer sent a ppn"]
    P = model.predict(probe)
    assert P.tolist() == [[1, 0], [0, 1]]
    proba = model.predict_proba(probe)
    assert proba.shape == (2, 2) and ((proba >= 0) & (proba <= 1)).all()
    assert proba[0, 0] > proba[0, 1] and proba[1, 1] > proba[1, 0]
    before = model.thresholds_.copy()
    model.predict(texts)  # prediction does not mutate
    assert (model.thresholds_ == before).all()
    again = CodeSuggester(C=1.0).fit(texts, Y).predict_proba(probe)
    assert np.array_equal(again, proba)  # deterministic


def test_codes_with_too_few_examples_are_skipped() -> None:
    texts, Y = toy()
    Y = np.hstack([Y, np.zeros((len(texts), 1), dtype=np.int8)])
    Y[0, 2] = Y[1, 2] = 1  # two positives: fewer than the minimum
    model = CodeSuggester().fit(texts, Y)
    assert model.trained_.tolist() == [True, True, False]
    assert (model.predict_proba(texts)[:, 2] == 0).all()


def test_uncertainty_peaks_at_the_threshold() -> None:
    texts, Y = toy()
    model = CodeSuggester().fit(texts, Y)
    t = model.thresholds_
    proba = np.array([t, [0.0, 0.0], [1.0, 1.0]])
    u = model.uncertainty(proba)
    assert u[0] == pytest.approx(1.0) and u[1] < 0.01 and u[2] < 0.01


CODEBOOK = """\
id: toy
name: Toy
groups:
  - id: factors
    name: Factors
    codes:
      - id: factors.funding
        name: Funding
        definition: Funding of services.
        rules:
          keywords: [grant]
  - id: police
    name: Police
    codes:
      - id: police.referral_quality
        name: Referral quality
        definition: Quality of police referrals.
        rules:
          keywords: [ppn]
"""


def _project(project: Project) -> Project:
    """One toy interview; once trained, the model's suggestions are shown (with one interview
    nothing could check them against the rules, which "auto" would otherwise keep)."""
    from qualcode.settings import load_settings
    from tests.conftest import set_section

    toml = project.root / "qualcode.toml"
    toml.write_text(set_section(toml.read_text(), "suggest", 'show = "model"\n'))
    project.settings = load_settings(project.root)
    answers = MONEY + POLICE + OTHER + MONEY[:3] + POLICE[:3]
    (project.root / "transcripts" / "P01.txt").write_text(interview("P01", answers))
    (project.root / "codebooks" / "toy.yaml").write_text(CODEBOOK)
    ingest(project)
    return project


def _gold(path: Path, rows: list[tuple[int, str]]) -> Path:
    path.write_text("participant_id,turn,codes\n" + "".join(f"P01,{t},{c}\n" for t, c in rows))
    return path


def _labels() -> list[tuple[int, str]]:
    # turns 1, 3, 5, ...: the first 16 answers are labelled
    codes = ["factors.funding"] * 6 + ["police.referral_quality"] * 6 + [""] * 4
    return [(2 * i + 1, c) for i, c in enumerate(codes)]


def test_import_checks_every_row_first(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.imports import import_codings

    _project(project)
    bad = _gold(tmp_path / "bad.csv", [(1, "factors.funding"), (3, "factors.nope"), (4, "")])
    with pytest.raises(InputFileError) as info:
        import_codings(project, bad, "ann")
    assert "row 3: unknown code(s) factors.nope" in info.value.problem
    assert "(and 1 more)" in info.value.problem  # row 4: turn 4 is the interviewer's
    n = project.store.conn.execute("SELECT count(*) FROM applications").fetchone()[0]
    assert n == 0 and not labelled(project)[0]
    good = _gold(tmp_path / "good.csv", _labels())
    report = import_codings(project, good, "ann")
    assert (report.units, report.codings, report.added) == (16, 12, 12)
    segs, labels = labelled(project)
    assert len(segs) == 16 and sum(not v for v in labels.values()) == 4
    assert import_codings(project, good, "ann").added == 0


def test_train_suggest_eval_queue_from_the_cli(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(project)
    root = str(project.root)
    project.close()
    gold = _gold(tmp_path / "gold.csv", _labels())
    assert main(["import", "codings", str(gold), "--coder", "ann", "-p", root, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["units"] == 16
    assert main(["suggest", "train", "-p", root, "--json"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["segments"] == 16 and trained["trained"] == [
        "factors.funding",
        "police.referral_quality",
    ]
    assert main(["suggest", "-p", root, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["scored"] == 6 and first["added"] == first["suggestions"] >= 4
    assert main(["suggest", "-p", root, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 0  # idempotent
    from qualcode.project import open_project

    proj = open_project(root)
    rows = proj.store.conn.execute(
        "SELECT a.code_id, s.turn_idx, a.score FROM applications a "
        "JOIN segments s ON s.id = a.segment_id WHERE a.kind = 'model'"
    ).fetchall()
    proj.close()
    by_turn = {t: c for c, t, _ in rows}
    assert by_turn[33] == "factors.funding" and by_turn[39] == "police.referral_quality"
    assert all(0 < score <= 1 for _, _, score in rows)
    assert main(["suggest", "queue", "-p", root, "--json", "-n", "3"]) == 0
    queue = json.loads(capsys.readouterr().out)
    assert len(queue) == 3 and queue == sorted(queue, key=lambda q: -q["uncertainty"])
    # one interview: nothing unseen to evaluate on, and the command says so
    assert main(["suggest", "eval", "-p", root, "--json", "--folds", "2"]) == 1
    assert "from 1 interview(s)" in capsys.readouterr().err


def test_eval_folds_never_split_an_interview(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.learn import evaluate
    from qualcode.review.scores import summary

    answers = MONEY + POLICE + OTHER
    for pid in ("P01", "P02", "P03"):
        (project.root / "transcripts" / f"{pid}.txt").write_text(interview(pid, answers))
    (project.root / "codebooks" / "toy.yaml").write_text(CODEBOOK)
    ingest(project)
    codes = ["factors.funding"] * 6 + ["police.referral_quality"] * 6 + [""] * 4
    rows = "".join(
        f"{pid},{2 * i + 1},{c}\n" for pid in ("P01", "P02", "P03") for i, c in enumerate(codes)
    )
    gold = tmp_path / "g.csv"
    gold.write_text("participant_id,turn,codes\n" + rows)
    from qualcode.coding.imports import import_codings

    import_codings(project, gold, "ann")
    result = evaluate(project, folds=5)
    assert (result.segments, result.folds) == (48, 3)  # five folds asked, three interviews
    scores = result.scores
    total = summary(scores)
    assert result.sources["combined"] == total
    assert total["codes"] == 2 and 0 <= total["macro_f1"] <= 1
    assert total["micro_f1"] == pytest.approx(
        2
        * sum(s.tp for s in scores)
        / (2 * sum(s.tp for s in scores) + sum(s.fp + s.fn for s in scores))
    )


def test_tampered_model_is_refused(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.imports import import_codings
    from qualcode.coding.learn import suggest, train

    _project(project)
    import_codings(project, _gold(tmp_path / "g.csv", _labels()), "ann")
    report = train(project)
    Path(report.path).write_bytes(Path(report.path).read_bytes() + b"x")
    with pytest.raises(QualcodeError, match="changed since training"):
        suggest(project)


def test_a_changed_codebook_needs_a_new_model(project: Project, tmp_path: Path) -> None:
    from qualcode.coding.imports import import_codings
    from qualcode.coding.learn import suggest, train

    _project(project)
    import_codings(project, _gold(tmp_path / "g.csv", _labels()), "ann")
    train(project)
    path = project.root / "codebooks" / "toy.yaml"
    path.write_text(path.read_text().replace("keywords: [ppn]", "keywords: [ppn, officer]"))
    with pytest.raises(QualcodeError, match="not the codebook the model was trained with"):
        suggest(project)


def test_nothing_to_learn_from_is_a_clear_error_without_codebook_seeds(project: Project) -> None:
    from qualcode.coding.learn import train

    _project(project)
    (project.root / "qualcode.toml").write_text("[suggest]\nseed_from_codebook = false\n")
    project = open_project(project.root)
    with pytest.raises(QualcodeError, match="no human coding"):
        train(project)


def test_suggester_beats_the_baseline_on_real_labels() -> None:
    """A small version of bench/suggester.py on the NHS comments (skipped when absent)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.model_selection import KFold
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from tests.conftest import shared

    path = shared("nhs-patient-experience-framework", "v6framework_230831.csv")
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["FFT answer"].strip()][:2000]
    columns = list(rows[0])
    labels = columns[columns.index("Comment sentiment") + 1 :]
    Y = np.array([[r[c].strip() in ("1", "1.0") for c in labels] for r in rows], dtype=np.int8)
    Y = Y[:, Y.sum(axis=0) >= 15]
    texts = np.array([r["FFT answer"] for r in rows], dtype=object)
    ours, base = np.zeros_like(Y), np.zeros_like(Y)
    for train, test in KFold(3, shuffle=True, random_state=0).split(texts):
        ours[test] = CodeSuggester().fit(list(texts[train]), Y[train]).predict(list(texts[test]))
        baseline = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LinearSVC()))
        base[test] = baseline.fit(list(texts[train]), Y[train]).predict(list(texts[test]))
    f_ours = f1_score(Y, ours, average="macro", zero_division=0)
    f_base = f1_score(Y, base, average="macro", zero_division=0)
    assert f_ours > f_base + 0.05, (f_ours, f_base)


def test_agreement_between_stored_coders_and_the_rules(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qualcode.coding.imports import import_codings
    from qualcode.coding.run import code_project

    _project(project)
    code_project(project)
    import_codings(project, _gold(tmp_path / "a.csv", _labels()), "ann")
    other = [(t, "" if t == 1 else c) for t, c in _labels()]  # bob leaves turn 1 uncoded
    import_codings(project, _gold(tmp_path / "b.csv", other), "bob")
    root = str(project.root)
    project.close()
    assert main(["agreement", "-p", root, "--json", "--samples", "200"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["coders"] == ["ann", "bob"] and out["units"] == 16
    funding = next(r for r in out["codes"] if r["code"] == "factors.funding")
    assert funding["percent"] == pytest.approx(15 / 16)
    assert main(["agreement", "ann", "--machine", "rule", "-p", root, "--json"]) == 0
    vs_rules = json.loads(capsys.readouterr().out)
    assert vs_rules["coders"] == ["ann", "rule"]
    # the toy codebook's rules ('grant', 'ppn') find most of ann's codes
    assert vs_rules["overall"]["kappa"] > 0.5
    assert main(["agreement", "ann", "--machine", "model", "-p", root]) == 1
    assert "suggest eval" in capsys.readouterr().err
    assert main(["agreement", "nobody", "-p", root]) == 1
    assert "coders in the project: ann, bob" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("cp1252", ",", b""), ("utf-16-le", "\t", b"\xff\xfe"), ("utf-8", ";", b"\xef\xbb\xbf")],
    ids=["excel-csv-windows", "excel-unicode-text", "semicolons-bom"],
)
def test_import_codings_from_sheets_as_excel_writes_them(
    project: Project, tmp_path: Path, encoding: str, delimiter: str, bom: bytes
) -> None:
    from qualcode.coding.imports import import_codings

    _project(project)
    lines = [delimiter.join(["participant_id", "turn", "codes"])]
    lines += [delimiter.join(["P01", str(t), c]) for t, c in _labels()]
    path = tmp_path / "sheet.csv"
    path.write_bytes(bom + "\r\n".join(lines).encode(encoding))
    report = import_codings(project, path, "ann")
    assert (report.units, report.codings, report.added) == (16, 12, 12)


def test_rule_features_come_from_the_stored_matches_when_they_are_current(
    project: Project,
) -> None:
    from qualcode.coding.learn import _units, project_rule_features, rule_features
    from qualcode.coding.run import code_project, resolve_codebook

    _project(project)
    codebook, _ = resolve_codebook(project, None)
    assert project.store.stored_rule_codes(codebook.hash, "turn") is None  # not coded yet
    code_project(project)
    units = _units(project)
    ids, texts = [s.id for s, _ in units], [t for _, t in units]
    assert project.store.stored_rule_codes(codebook.hash, "turn")
    stored = project_rule_features(project, codebook, ids, texts)
    assert stored.sum() > 0
    assert (stored == rule_features(codebook, texts)).all()
    assert project.store.stored_rule_codes(codebook.hash, "sentence") is None
    (project.root / "transcripts" / "P02.txt").write_text(interview("P02", MONEY[:2]))
    ingest(project)  # a document the rules have not seen: run them again
    assert project.store.stored_rule_codes(codebook.hash, "turn") is None


def test_codes_too_rare_to_learn_are_summarised_in_one_short_line(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "".join(
        f"      - id: police.extra_{i}\n        name: Extra {i}\n        definition: Unused.\n"
        for i in range(30)
    )
    (project.root / "transcripts" / "P01.txt").write_text(
        interview("P01", MONEY + POLICE + OTHER + MONEY[:3] + POLICE[:3])
    )
    (project.root / "codebooks" / "toy.yaml").write_text(CODEBOOK + extra)
    ingest(project)
    root = str(project.root)
    project.close()
    gold = _gold(tmp_path / "gold.csv", _labels())
    assert main(["import", "codings", str(gold), "--coder", "ann", "-p", root]) == 0
    capsys.readouterr()
    assert main(["suggest", "train", "-p", root]) == 0
    err = capsys.readouterr().err
    line = next(ln for ln in err.splitlines() if "too few examples" in ln)
    assert line.startswith("warning: 30 codes have too few examples to learn (need 3)")
    assert "and 25 more" in line and len(line) < 300
