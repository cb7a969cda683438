"""The suggester's own linear SVM (qualcode.coding.linsvm): LinearSVC's optimum, found exactly
through the rows' Gram matrix, its folds, and the classifier's use of it and of liblinear."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from qualcode.coding import classifier, linsvm
from qualcode.coding.classifier import CodeSuggester


def _problem(n: int = 120, d: int = 400, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse rows (tf-idf-like: non-negative, unit length) and labels that depend on a few
    columns, with noise, so that some rows violate the margin and some do not."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=0.05, random_state=seed, format="csr")
    X = sp.csr_matrix(X.multiply(1 / np.sqrt(X.multiply(X).sum(axis=1) + 1e-12)))
    signal = np.asarray(X[:, :8].sum(axis=1)).ravel()
    y = (signal + 0.05 * rng.standard_normal(n) > np.quantile(signal, 0.75)).astype(np.int8)
    return X, y


def _primal(X: sp.csr_matrix, y: np.ndarray, cost: np.ndarray, w: np.ndarray, b: float) -> float:
    """LinearSVC's objective (bias penalised as one more feature of value 1)."""
    s = np.where(y > 0, 1.0, -1.0)
    loss = np.maximum(0.0, 1.0 - s * (X @ w + b)) ** 2
    return float(0.5 * (w @ w + b * b) + (cost * loss).sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_optimum_as_liblinear(seed: int) -> None:
    X, y = _problem(seed=seed)
    weight = np.random.default_rng(seed).uniform(0.5, 2.0, len(y))
    ours, _ = linsvm.fit(linsvm.Gram(X), y, 0.5 * weight, 0.5)
    ref = LinearSVC(C=0.5, random_state=0, tol=1e-6, max_iter=100_000)
    ref.fit(X, y, sample_weight=weight)
    assert np.abs(ours.decision_function(X) - ref.decision_function(X)).max() < 1e-4
    mine = _primal(X, y, 0.5 * weight, ours.coef_.ravel(), float(ours.intercept_[0]))
    theirs = _primal(X, y, 0.5 * weight, ref.coef_.ravel(), float(ref.intercept_[0]))
    assert mine <= theirs * (1 + 1e-9)  # the exact optimum: never worse than liblinear's
    assert list(ours.classes_) == [0, 1]


def test_rows_left_out_are_as_if_absent() -> None:
    X, y = _problem(seed=3)
    keep = np.arange(len(y)) % 4 != 0
    cost = np.where(keep, 0.5, 0.0)
    ours, _ = linsvm.fit(linsvm.Gram(X), y, cost, 0.5)
    alone, _ = linsvm.fit(linsvm.Gram(X[keep]), y[keep], np.full(keep.sum(), 0.5), 0.5)
    assert np.allclose(ours.decision_function(X), alone.decision_function(X), atol=1e-9)


def test_a_warm_start_ends_at_the_same_solution() -> None:
    X, y = _problem(seed=4)
    gram = linsvm.Gram(X)
    full, violators = linsvm.fit(gram, y, np.full(len(y), 0.5), 0.5)
    fold = np.where(np.arange(len(y)) % 5 == 0, 0.0, 0.5)
    cold, _ = linsvm.fit(gram, y, fold, 0.5)
    warm, _ = linsvm.fit(gram, y, fold, 0.5, start=violators)
    assert np.array_equal(cold.coef_, warm.coef_)  # the same last system, solved the same way
    assert np.array_equal(cold.intercept_, warm.intercept_)
    assert not np.array_equal(full.coef_, cold.coef_)


def test_violators_that_never_settle_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _problem(seed=5)
    monkeypatch.setattr(linsvm, "MAX_SOLVES", 1)
    with pytest.raises(linsvm.NotSettled):
        linsvm.fit(linsvm.Gram(X), y, np.full(len(y), 0.5), 0.5)


@pytest.mark.parametrize("seed", range(4))
def test_group_folds_as_group_k_fold(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.choice(np.arange(100, 130), size=400)  # uneven sizes, ties among them
    groups[:5] = 7  # and a group id out of order
    for k in (2, 3, 5, 10):
        ours = linsvm.group_folds(groups, k)
        theirs = np.full(len(groups), -1)
        for f, (_, test) in enumerate(GroupKFold(k).split(groups, groups=groups)):
            theirs[test] = f
        assert np.array_equal(ours, theirs)


def test_stratified_folds_share_out_each_class() -> None:
    y = np.array([1] * 7 + [0] * 30)
    folds = linsvm.stratified_folds(y, 3, seed=0)
    assert np.array_equal(folds, linsvm.stratified_folds(y, 3, seed=0))
    for f in range(3):
        assert 2 <= y[folds == f].sum() <= 3
        assert 9 <= (folds == f).sum() <= 15
    assert not np.array_equal(folds, linsvm.stratified_folds(y, 3, seed=1))


def _interviews(n_interviews: int = 12, per: int = 14) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    topics = {0: "police officer referral screening", 1: "family support worker visit",
              2: "school attendance teacher", 3: "housing rent landlord"}  # fmt: skip
    texts, labels, groups = [], [], []
    for g in range(n_interviews):
        for _ in range(per):
            codes = [c for c in topics if rng.random() < 0.3]
            words = " ".join(topics[c] for c in codes) or "we talked about the weather"
            texts.append(f"{words} and then some more {rng.integers(1000)}")
            labels.append([c in codes for c in topics])
            groups.append(g)
    return texts, np.array(labels, dtype=np.int8), np.array(groups)


def test_the_suggester_falls_back_to_liblinear(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above GRAM_ROWS rows (or if a fit does not settle) liblinear fits: the same optimum,
    so the same suggestions."""
    texts, Y, groups = _interviews()
    exact = CodeSuggester().fit(texts, Y, groups=groups)
    monkeypatch.setattr(linsvm, "GRAM_ROWS", 10)
    liblinear = CodeSuggester().fit(texts, Y, groups=groups)
    monkeypatch.setattr(linsvm, "GRAM_ROWS", 10_000)
    monkeypatch.setattr(linsvm, "MAX_SOLVES", 1)
    unsettled = CodeSuggester().fit(texts, Y, groups=groups)
    p = exact.predict_proba(texts)
    for other in (liblinear, unsettled):
        assert np.abs(other.predict_proba(texts) - p).max() < 1e-3
        assert type(other.models_[0][0]).__name__ == "LinearSVC"
    assert type(exact.models_[0][0]).__name__ == "Linear"
    assert exact._gram is None  # the n x n matrix is not kept with the model
    assert np.array_equal(exact.predict(texts), liblinear.predict(texts))


def test_cold_start_calibration_without_interviews() -> None:
    """No interviews to hold out: stratified inner folds; each code still gets a threshold."""
    texts, Y, _ = _interviews(4, 12)
    model = CodeSuggester(inner_folds=3).fit(texts, Y)
    assert model.trained_.all()
    assert (model.thresholds_ >= classifier.FLOOR).all()
    assert (model.predict(texts) == Y).mean() > 0.9


def test_training_and_scoring_import_no_scikit_learn(tmp_path: object) -> None:
    """Up to GRAM_ROWS rows the whole fit (TF-IDF, SVMs, grouped check, calibration) and its
    scoring run on NumPy and SciPy's sparse matrices: scikit-learn's import (about 1 CPU-s)
    is not paid, with interviews to hold out and without (a cold start)."""
    import inspect
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from qualcode.coding.classifier import CodeSuggester\n"
        + inspect.getsource(_interviews).replace("-> tuple[list[str], np.ndarray, np.ndarray]", "")
        + "\n"
        "texts, Y, groups = _interviews()\n"
        "context = [('What happened?', t) for t in texts]\n"
        "m = CodeSuggester().fit(texts, Y, np.ones((len(texts), 1)), context, groups=groups)\n"
        "m.predict_proba(texts, np.ones((len(texts), 1)), context)\n"
        "CodeSuggester().fit(texts[:40], Y[:40])\n"
        "print(sorted(k for k in sys.modules if k.split('.')[0] == 'sklearn'"
        " or k in ('scipy.stats', 'scipy.optimize', 'scipy.linalg')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-800:]
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("seed", [0, 1])
def test_balanced_class_weights_and_weak_rows_as_liblinear(seed: int) -> None:
    """class_weight="balanced" (a rare code's positives count more) and rows of weight under 1
    (unjudged codes as weak negatives, [suggest] unjudged) give liblinear's optimum too."""
    texts, Y, groups = _interviews()
    known = np.random.default_rng(seed).random(Y.shape) < 0.7
    params = {"balanced": True, "unjudged": 0.3}
    exact = CodeSuggester(**params).fit(texts, Y, known=known, groups=groups)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(linsvm, "GRAM_ROWS", 10)
        liblinear = CodeSuggester(**params).fit(texts, Y, known=known, groups=groups)
    assert type(exact.models_[0][0]).__name__ == "Linear"
    assert type(liblinear.models_[0][0]).__name__ == "LinearSVC"
    for (a, _), (b, _) in zip(exact.models_, liblinear.models_, strict=True):
        margins = a.decision_function(exact._stack([exact.features_.transform(texts)], None))
        # the context-free part of X is all these models saw (no context, no extra columns)
        ref = b.decision_function(exact._stack([exact.features_.transform(texts)], None))
        assert np.abs(margins - ref).max() < 1e-3
    assert np.abs(exact.predict_proba(texts) - liblinear.predict_proba(texts)).max() < 1e-3
