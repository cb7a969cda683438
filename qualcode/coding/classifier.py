"""A code suggester that learns from human coding: one calibrated binary model per code.

Follows scikit-learn's estimator contract (parameters stored by ``__init__``, ``fit`` returns
self, learned state ends in ``_``), so it can be cross-validated and cloned like any estimator.

Design, chosen on the NHS patient-experience benchmark and the example project's gold coding
(``bench/suggester.py``, grouped by interview):
- features: TF-IDF over word uni- and bigrams plus character 2-5-grams inside word boundaries
  (robust to spelling, transcription noise and inflection), fitted once and shared by all codes;
  optionally the question that was asked and the participant's previous turn (their own TF-IDF,
  scaled down: what was asked is strong evidence of the topic), and extra dense columns such as
  the rule coder's match scores, so rule evidence and text are combined into one score;
- per code: a linear SVM (several times faster than logistic regression on these wide sparse
  features, and as accurate), with Platt scaling fitted on out-of-fold margins so that its
  scores are calibrated probabilities;
- per code: a decision threshold tuned by inner cross-validation to maximise F1, because rare
  codes are almost never above 0.5 and a fixed threshold throws their recall away; never below
  ``floor``, so a code tuned on a handful of examples cannot flood the queue with p=0.01 guesses.

Rows can be weighted and kept out of threshold tuning (``tune=False``): the codebook's own
examples and criteria seed the model that way (they teach the vocabulary of each code, but they
are not interview turns, so thresholds and precision are estimated on real turns only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

MIN_POSITIVES = 3  # fewer examples than this: the code is skipped, with a message
FLOOR = 0.2  # no code is suggested below this probability, whatever its tuned threshold
# Context columns are scaled down against the turn's own text (grouped by interview on the
# example's 417 gold turns: question x0.5 +0.015 macro-F1, x1 +0.01; previous turn x0.5 +0.005).
CONTEXT_WEIGHT = 0.5


def _features(word_min_df: int, char_min_df: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(1, 2), min_df=word_min_df, sublinear_tf=True, lowercase=True
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=char_min_df,
                    sublinear_tf=True,
                    max_features=200_000,
                ),
            ),
        ]
    )


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut that maximises F1 on out-of-fold predictions (ties: the higher)."""
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    f1 = 2 * tp / (k + ys.sum())
    best = int(np.argmax(f1))
    return float(ps[best]) if f1[best] > 0 else 0.5


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


class CodeSuggester:
    """Multi-label code suggester: ``fit(texts, Y)`` with ``Y`` a 0/1 matrix (texts x codes).

    ``context`` (optional) is a list of (question, previous turn) pairs, one per text."""

    def __init__(
        self,
        C: float = 0.5,
        word_min_df: int = 1,
        char_min_df: int = 2,
        tune_thresholds: bool = True,
        inner_folds: int = 3,
        floor: float = FLOOR,
        min_positives: int = MIN_POSITIVES,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.tune_thresholds = tune_thresholds
        self.inner_folds = inner_folds
        self.floor = floor
        self.min_positives = min_positives
        self.random_state = random_state

    # scikit-learn's contract, without inheriting from BaseEstimator (keeps imports lazy)
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        keys = ("C", "word_min_df", "char_min_df", "tune_thresholds", "inner_folds", "floor")
        return {k: getattr(self, k) for k in (*keys, "min_positives", "random_state")}

    def set_params(self, **params: Any) -> CodeSuggester:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def _model(self) -> Any:
        from sklearn.svm import LinearSVC

        return LinearSVC(C=self.C, random_state=self.random_state)

    def fit(
        self,
        texts: Sequence[str],
        Y: Any,
        extra: np.ndarray | None = None,
        context: Sequence[tuple[str, str]] | None = None,
        tune: np.ndarray | None = None,
    ) -> CodeSuggester:
        """``tune``: which rows count for thresholds and precision (default all)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from threadpoolctl import threadpool_limits

        Y = np.asarray(Y, dtype=np.int8)
        tune = np.ones(len(Y), dtype=bool) if tune is None else np.asarray(tune, dtype=bool)
        with threadpool_limits(1):  # two BLAS threads make these fits several times slower
            self.features_ = _features(self.word_min_df, self.char_min_df)
            self.context_: list[Any] = []
            parts = [self.features_.fit_transform(list(texts))]
            if context is not None:
                for k in range(2):
                    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
                    column = [c[k] for c in context]
                    if any(column):
                        parts.append(CONTEXT_WEIGHT * vec.fit_transform(column))
                        self.context_.append(vec)
                    else:
                        self.context_.append(None)
            X = self._stack(parts, extra)
            self.n_codes_ = Y.shape[1]
            self.models_: list[Any] = []
            self.thresholds_ = np.full(self.n_codes_, max(0.5, self.floor))
            self.trained_ = np.zeros(self.n_codes_, dtype=bool)
            self.positives_ = Y.sum(axis=0).astype(int)
            for j in range(self.n_codes_):
                y = Y[:, j]
                if y.sum() < self.min_positives or y.sum() == len(y):
                    self.models_.append(None)
                    continue
                svm = self._model().fit(X, y)
                platt, threshold = self._calibrate(X, y, tune)
                self.models_.append((svm, platt))
                self.trained_[j] = True
                if self.tune_thresholds:
                    self.thresholds_[j] = max(threshold, self.floor)
        return self

    def _calibrate(
        self, X: Any, y: np.ndarray, tune: np.ndarray
    ) -> tuple[tuple[float, float], float]:
        """Platt scaling of the SVM's margins, learned from out-of-fold margins (so it does not
        flatter itself), and the probability threshold that maximises F1 on those folds (on
        the ``tune`` rows only)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        folds = min(self.inner_folds, int(y.sum()))
        if folds < 2:
            return (1.0, 0.0), max(0.5, self.floor)
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        margins = cross_val_predict(self._model(), X, y, cv=cv, method="decision_function")
        lr = LogisticRegression(C=1e4).fit(margins.reshape(-1, 1), y)
        a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        if not y[tune].any():
            return (a, b), max(0.5, self.floor)
        return (a, b), _best_threshold(y[tune], _sigmoid(a * margins[tune] + b))

    @staticmethod
    def _stack(parts: list[Any], extra: np.ndarray | None) -> Any:
        from scipy.sparse import csr_matrix, hstack

        if extra is not None:
            parts = [*parts, csr_matrix(np.asarray(extra, dtype=float))]
        return parts[0].tocsr() if len(parts) == 1 else hstack(parts, format="csr")

    def predict_proba(
        self,
        texts: Sequence[str],
        extra: np.ndarray | None = None,
        context: Sequence[tuple[str, str]] | None = None,
    ) -> np.ndarray:
        """Probability of each code for each text (0 for codes too rare to train)."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            parts = [self.features_.transform(list(texts))]
            for k, vec in enumerate(getattr(self, "context_", [])):
                if vec is not None:
                    column = [c[k] for c in context] if context is not None else [""] * len(texts)
                    parts.append(CONTEXT_WEIGHT * vec.transform(column))
            X = self._stack(parts, extra)
            out = np.zeros((X.shape[0], self.n_codes_))
            for j, model in enumerate(self.models_):
                if model is not None:
                    svm, (a, b) = model
                    out[:, j] = _sigmoid(a * svm.decision_function(X) + b)
        return out

    def predict(
        self,
        texts: Sequence[str],
        extra: np.ndarray | None = None,
        context: Sequence[tuple[str, str]] | None = None,
    ) -> np.ndarray:
        return (self.predict_proba(texts, extra, context) >= self.thresholds_).astype(np.int8)

    def uncertainty(self, proba: np.ndarray) -> np.ndarray:
        """How unsure the model is about each text: closeness of its most doubtful code to that
        code's threshold (1 = on the threshold, 0 = certain). Used to order review queues."""
        t = self.thresholds_
        margin = np.where(proba >= t, (proba - t) / np.maximum(1 - t, 1e-9), (t - proba) / t)
        margin = np.where(self.trained_, margin, 1.0)
        return np.asarray(1 - margin.min(axis=1))
