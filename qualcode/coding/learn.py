"""Learning from human coding: import codings, train the suggester, suggest, evaluate, queue.

The model learns from what humans decided: human and imported codings and accepted or added
suggestions are positives; rejected suggestions, and codes a reviewer did not give a segment
they reviewed, are negatives. Suggestions are stored as ``model`` applications whose source is
the model's hash; they never become codings without a reviewer.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qualcode.codebook import Codebook
from qualcode.coding.run import resolve_codebook
from qualcode.errors import QualcodeError
from qualcode.export import atomic_write_bytes
from qualcode.project import Project
from qualcode.segment import Segment, segments

MODEL_DIR = "models"
# The rule coder's matches are extra inputs to the model, scaled down so that they inform it
# without drowning the text: on the example project's 417 hand-coded turns (5-fold) text alone
# gave macro-F1 0.519, text + rules x0.5 0.596, x1 0.566, x2 0.537.
RULE_WEIGHT = 0.5
RETRAIN = "run 'qualcode suggest train'"
BATCH = 2_000  # segments scored at a time: memory stays flat however large the project


@dataclass
class TrainReport:
    model: str  # hash
    path: str
    segments: int
    trained: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # code -> positives (too few)


@dataclass
class SuggestReport:
    model: str
    scored: int
    suggestions: int
    added: int
    dry_run: bool


# training ----------------------------------------------------------------------------------
def _units(project: Project) -> list[tuple[Segment, str]]:
    return list(segments(project.store.participant_turns(), project.settings.coding.unit))


def training_set(project: Project, codebook: Codebook) -> tuple[list[str], list[str], np.ndarray]:
    """(segment ids, texts, Y) of every segment a human has labelled, over the codebook's codes."""
    segs, labels = project.store.human_labels()
    texts = {seg.id: text for seg, text in _units(project)}
    ids = [s[0] for s in segs if s[0] in texts]
    codes = [c.id for c in codebook.codes]
    Y = np.array([[c in labels[i] for c in codes] for i in ids], dtype=np.int8).reshape(
        -1, len(codes)
    )
    return ids, [texts[i] for i in ids], Y


def rule_features(codebook: Codebook, texts: list[str], model: str = "") -> np.ndarray:
    """Which codes the codebook's rules suggest for each text (texts x codes, 0/1, weighted)."""
    from qualcode.coding.rules import RuleCoder

    codes = {c.id: j for j, c in enumerate(codebook.codes)}
    out = np.zeros((len(texts), len(codes)))
    for i, matches in enumerate(
        RuleCoder(codebook, model).match([(t, "participant") for t in texts])
    ):
        for m in matches:
            out[i, codes[m.code_id]] = RULE_WEIGHT
    return out


def project_rule_features(
    project: Project, codebook: Codebook, ids: list[str], texts: list[str]
) -> np.ndarray:
    """Rule features of the segments ``ids``: read from the stored rule matches when the latest
    'code' run made them with this codebook, else found by running the rules on ``texts``."""
    stored = project.store.stored_rule_codes(codebook.hash, project.settings.coding.unit)
    if stored is None:
        return rule_features(codebook, texts, project.settings.coding.spacy_model)
    column = {c.id: j for j, c in enumerate(codebook.codes)}
    out = np.zeros((len(ids), len(column)))
    for i, seg in enumerate(ids):
        for code in stored.get(seg, ()):
            if code in column:
                out[i, column[code]] = RULE_WEIGHT
    return out


def _model_dir(project: Project) -> Path:
    path = project.store_path.parent / MODEL_DIR
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def train(project: Project, codebook_path: Path | None = None, **params: Any) -> TrainReport:
    from qualcode.coding.classifier import MIN_POSITIVES, CodeSuggester

    codebook, _ = resolve_codebook(project, codebook_path)
    ids, texts, Y = training_set(project, codebook)
    if not ids:
        raise QualcodeError(
            "no human coding to learn from yet",
            "review some suggestions, or 'qualcode import codings FILE --coder NAME'",
        )
    codes = [c.id for c in codebook.codes]
    extra = project_rule_features(project, codebook, ids, texts)
    model = CodeSuggester(**params).fit(texts, Y, extra)
    blob = pickle.dumps({"codes": codes, "codebook": codebook.hash, "model": model}, protocol=5)
    digest = hashlib.sha256(
        json.dumps(
            [codes, ids, Y.tolist(), model.get_params(), codebook.hash, RULE_WEIGHT],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    path = _model_dir(project) / f"{digest[:16]}.pkl"
    atomic_write_bytes(path, blob)  # a killed training never leaves half a model
    run_id = project.store.start_run("train", {"codebook": codebook.source, **model.get_params()})
    report = TrainReport(digest[:16], str(path), len(ids))
    for j, code in enumerate(codes):
        if model.trained_[j]:
            report.trained.append(code)
        else:
            report.skipped[code] = int(Y[:, j].sum())
    summary: dict[str, Any] = {
        "model": report.model,
        "file": path.name,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "segments": len(ids),
        "trained": report.trained,
        "min_positives": MIN_POSITIVES,
    }
    project.store.finish_run(run_id, summary)
    return report


def load_model(project: Project) -> tuple[str, dict[str, Any]]:
    """The latest trained model, after checking its file is the one training wrote."""
    latest = project.store.latest_run("train")
    if latest is None:
        raise QualcodeError("no trained model yet", "run 'qualcode suggest train' first")
    summary = latest[1]
    path = _model_dir(project) / summary["file"]
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(
            f"{path}: the model file is missing", "run 'qualcode suggest train'"
        ) from exc
    if hashlib.sha256(blob).hexdigest() != summary["sha256"]:
        raise QualcodeError(
            f"{path}: the model file has changed since training", "run 'qualcode suggest train'"
        )
    return summary["model"], pickle.loads(blob)


def _predict(
    project: Project,
    saved: dict[str, Any],
    units: list[tuple[Segment, str]],
    codebook_path: Path | None = None,
) -> np.ndarray:
    """The saved model's probabilities (segments x codes), with rule features from the
    codebook it was trained on, scored in batches of BATCH segments."""
    codebook, path = resolve_codebook(project, codebook_path)
    if codebook.hash != saved["codebook"]:
        raise QualcodeError(
            f"{path} has changed since the model was trained (its rules are model inputs)",
            RETRAIN,
        )
    texts = [t for _, t in units]
    extra = project_rule_features(project, codebook, [s.id for s, _ in units], texts)
    out = np.zeros((len(units), len(saved["codes"])))
    for start in range(0, len(units), BATCH):
        end = start + BATCH
        out[start:end] = saved["model"].predict_proba(texts[start:end], extra[start:end])
    return out


def _scored(
    project: Project, codebook_path: Path | None = None
) -> tuple[str, dict[str, Any], list[tuple[Segment, str]], np.ndarray]:
    """The latest model (name, saved state), the segments no human has labelled, and the
    model's probabilities for them (segments x codes)."""
    name, saved = load_model(project)
    labelled = set(project.store.human_labels()[1])
    units = [(seg, text) for seg, text in _units(project) if seg.id not in labelled]
    if not units:
        return name, saved, units, np.zeros((0, len(saved["codes"])))
    return name, saved, units, _predict(project, saved, units, codebook_path)


def suggest(
    project: Project, dry_run: bool = False, codebook_path: Path | None = None
) -> SuggestReport:
    """Score every segment no human has labelled; store codes above each code's threshold."""
    name, saved, units, proba = _scored(project, codebook_path)
    model, codes = saved["model"], saved["codes"]
    if not units:
        return SuggestReport(name, 0, 0, 0, dry_run)
    rows = []
    source = f"model:{name}"
    for i, j in zip(*np.nonzero(proba >= model.thresholds_), strict=True):
        seg = units[i][0]
        rows.append(
            (seg.id, codes[j], seg.start, seg.end, "model", source, round(float(proba[i, j]), 4))
        )
    report = SuggestReport(name, len(units), len(rows), 0, dry_run)
    if not dry_run:
        run_id = project.store.start_run("suggest", {"model": name})
        seg_rows = [(s.id, s.document_id, s.turn_index, s.start, s.end) for s, _ in units]
        full = [(*r, run_id, saved["codebook"]) for r in rows]
        report.added = project.store.add_machine_applications(
            seg_rows, full, run_id, "model", source
        )
        project.store.finish_run(run_id, {"scored": len(units), "added": report.added})
    return report


def evaluate(
    project: Project, codebook_path: Path | None = None, folds: int = 5, **params: Any
) -> tuple[int, list[Any], int]:
    """Per-code scores of the suggester against the humans' labels, cross-validated with folds
    grouped by interview: no interview is in both the training and the test part of a fold, so
    neighbouring turns of one interview never flatter the figures. Returns (segments, scores,
    folds used)."""
    from sklearn.model_selection import GroupKFold

    from qualcode.coding.classifier import CodeSuggester
    from qualcode.review.scores import score_codes

    codebook, _ = resolve_codebook(project, codebook_path)
    ids, texts, Y = training_set(project, codebook)
    document = {s[0]: s[1] for s in project.store.human_labels()[0]}
    groups = np.array([document[i] for i in ids])
    interviews = len(set(groups.tolist()))
    if interviews < 2 or len(ids) < 10:
        raise QualcodeError(
            f"only {len(ids)} human-labelled segments from {interviews} interview(s): too few to "
            "evaluate on interviews the model has not seen",
            "code or review segments of at least two interviews first",
        )
    folds = min(folds, interviews)
    codes = [c.id for c in codebook.codes]
    P = np.zeros_like(Y)
    arr = np.array(texts, dtype=object)
    R = project_rule_features(project, codebook, ids, texts)
    for train_i, test_i in GroupKFold(folds).split(arr, groups=groups):
        model = CodeSuggester(**params).fit(list(arr[train_i]), Y[train_i], R[train_i])
        P[test_i] = model.predict(list(arr[test_i]), R[test_i])
    ref = {i: {codes[j] for j in np.nonzero(Y[k])[0]} for k, i in enumerate(ids)}
    got = {i: {codes[j] for j in np.nonzero(P[k])[0]} for k, i in enumerate(ids)}
    return len(ids), score_codes(ref, got, codes), folds


def uncertainty_by_segment(project: Project) -> dict[str, float]:
    """The latest model's uncertainty about every segment no human has labelled."""
    _, saved, units, proba = _scored(project)
    unsure = saved["model"].uncertainty(proba) if units else []
    return {seg.id: float(u) for (seg, _), u in zip(units, unsure, strict=True)}


def queue(
    project: Project, limit: int = 20, codebook_path: Path | None = None
) -> list[dict[str, Any]]:
    """Unreviewed segments with model suggestions, least certain first (active learning)."""
    _, saved, units, proba = _scored(project, codebook_path)
    model, codes = saved["model"], saved["codes"]
    if not units:
        return []
    unsure = model.uncertainty(proba)
    order = np.argsort(-unsure, kind="stable")[:limit]
    out = []
    for i in order:
        seg, text = units[i]
        top = np.argsort(-(proba[i] - model.thresholds_), kind="stable")[:3]
        out.append(
            {
                "segment": seg.id,
                "document_id": seg.document_id,
                "turn": seg.turn_index,
                "uncertainty": round(float(unsure[i]), 3),
                "codes": {codes[j]: round(float(proba[i, j]), 3) for j in top},
                "words": len(text.split()),
            }
        )
    return out
