"""The suggester weighs the participant's previous turn: its margin for each code joins that
code's calibration (issue 26's quality pass, bench/variants.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qualcode.coding import classifier, modelfile
from qualcode.coding.classifier import CodeSuggester
from qualcode.errors import QualcodeError

POLICE = ["the police officer sent a referral", "a police notification came in overnight"]
MONEY = ["the grant and the budget ran out", "funding for the posts was cut again"]
VAGUE = ["and that went on for months", "yes, much the same as before", "it carried on like that"]


def _interviews(n: int = 24, seed: int = 0) -> tuple[list[str], np.ndarray, list[Any], np.ndarray]:
    """Interviews whose topic runs over turns: a clear turn about the police or money, then
    vague turns that carry on with it (labelled with the same code)."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    labels: list[list[int]] = []
    context: list[tuple[str, str]] = []
    groups: list[int] = []
    for g in range(n):
        previous = ""
        for _ in range(4):
            topic = int(rng.integers(2))
            clear = str(rng.choice(POLICE if topic == 0 else MONEY))
            for said in (clear, str(rng.choice(VAGUE))):
                texts.append(said)
                labels.append([int(topic == 0), int(topic == 1)])
                context.append(("what happened next?", previous))
                groups.append(g)
                previous = said
    return texts, np.array(labels, dtype=np.int8), context, np.array(groups)


def _fit(neighbours: int, monkeypatch: pytest.MonkeyPatch) -> tuple[CodeSuggester, Any]:
    monkeypatch.setattr(classifier, "NEIGHBOURS", neighbours)
    monkeypatch.setattr(classifier, "CONTEXT_COLUMNS", 1)  # the previous turn: margins only
    texts, Y, context, groups = _interviews()
    return CodeSuggester().fit(texts, Y, context=context, groups=groups), _interviews(8, seed=1)


def _f1(P: np.ndarray, Y: np.ndarray) -> float:
    tp = (P & Y).sum(axis=0)
    return float(np.mean(2 * tp / np.maximum(P.sum(axis=0) + Y.sum(axis=0), 1)))


def test_the_previous_turns_margin_is_weighed_and_lifts_vague_turns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, (texts, Y, context, _) = _fit(1, monkeypatch)
    assert model.neighbours_ == 1
    for svm_platt in model.models_:
        assert svm_platt is not None and len(svm_platt[1]) == 3  # a, b, the previous turn's
        assert svm_platt[1][2] > 0  # a topic carries on: the previous turn's margin counts
    with_it = _f1(model.predict(texts, context=context), Y)
    plain, _ = _fit(0, monkeypatch)
    assert plain.neighbours_ == 0 and all(len(m[1]) == 2 for m in plain.models_)
    without = _f1(plain.predict(texts, context=context), Y)
    assert with_it > without + 0.1  # vague turns are coded from what came before

    # the same vague turn scores differently after a police turn and after a money turn
    after = [("q", POLICE[0]), ("q", MONEY[0])]
    proba = model.predict_proba([VAGUE[0], VAGUE[0]], context=after)
    assert proba[0, 0] > proba[1, 0] and proba[1, 1] > proba[0, 1]


def test_same_inputs_and_seed_give_identical_scores_and_model_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, (texts, _, context, _) = _fit(1, monkeypatch)
    again, _ = _fit(1, monkeypatch)
    assert np.array_equal(
        first.predict_proba(texts, context=context), again.predict_proba(texts, context=context)
    )
    saved = {"codes": ["police", "money"], "codebook": "h"}
    blob = modelfile.dumps({**saved, "model": first})
    assert blob == modelfile.dumps({**saved, "model": again})
    loaded = modelfile.loads(blob, "m.npz")["model"]
    assert loaded.neighbours_ == 1
    assert np.array_equal(
        first.predict_proba(texts, context=context), loaded.predict_proba(texts, context=context)
    )


def test_scoring_without_the_previous_turn_treats_it_as_absent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, (texts, *_) = _fit(1, monkeypatch)
    none = model.predict_proba(texts[:3])  # no context at all: no previous turn
    empty = model.predict_proba(texts[:3], context=[("", "")] * 3)
    assert np.array_equal(none, empty)


def test_a_model_file_from_the_version_before_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    model, _ = _fit(1, monkeypatch)
    monkeypatch.setattr(modelfile, "FORMAT", "qualcode-model/3")  # as the version before wrote
    blob = modelfile.dumps({"codes": ["police", "money"], "codebook": "h", "model": model})
    monkeypatch.undo()
    path = tmp_path / "old.npz"
    path.write_bytes(blob)
    with pytest.raises(QualcodeError, match="qualcode-model/3") as refused:
        modelfile.read_own(path, hashlib.sha256(blob).hexdigest())
    assert "\n" not in refused.value.message
    assert refused.value.hint == modelfile.RETRAIN


def test_repeated_texts_are_transformed_once_and_score_as_each_alone() -> None:
    """predict_proba transforms each distinct text once (issue 26: suggesting at 212
    interviews); the rows, and so the scores, are bit for bit those of every text scored on
    its own, in order, whatever repeats and wherever (the default model: question and
    previous turn as context)."""
    texts, Y, context, groups = _interviews()
    model = CodeSuggester().fit(texts, Y, context=context, groups=groups)
    vec = model.features_
    repeated = [texts[3], texts[0], texts[3], "", texts[5], "", texts[0]]
    got = classifier._distinct_transform(vec, repeated)
    assert (got != vec.transform(repeated)).nnz == 0
    assert got.shape == (len(repeated), vec.transform(repeated).shape[1])
    rows = [context[3], context[0], context[3], ("", ""), context[5], ("", ""), context[0]]
    together = model.predict_proba(repeated, context=rows)
    alone = np.vstack(
        [model.predict_proba([t], context=[c]) for t, c in zip(repeated, rows, strict=True)]
    )
    assert np.array_equal(together, alone)
    assert np.array_equal(together[0], together[2])
    assert not np.array_equal(together[0], together[1])
