"""A code suggester that learns from human coding: one calibrated binary model per code.

Follows scikit-learn's estimator contract (parameters stored by ``__init__``, ``fit`` returns
self, learned state ends in ``_``), so it can be cross-validated and cloned like any estimator.

Design, chosen on the NHS patient-experience benchmark (``bench/suggester.py``):
- features: TF-IDF over word uni- and bigrams plus character 2-5-grams inside word boundaries
  (robust to spelling, transcription noise and inflection), fitted once and shared by all codes;
  optionally extra dense columns such as the rule coder's matches;
- per code: a linear SVM (several times faster than logistic regression on these wide sparse
  features, and as accurate), with Platt scaling fitted on out-of-fold margins so that its
  scores are calibrated probabilities;
- per code: a decision threshold tuned by inner cross-validation to maximise F1, because rare
  codes are almost never above 0.5 and a fixed threshold throws their recall away.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

MIN_POSITIVES = 3  # fewer human examples than this: the code is skipped, with a message


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
    """Multi-label code suggester: ``fit(texts, Y)`` with ``Y`` a 0/1 matrix (texts x codes)."""

    def __init__(
        self,
        C: float = 0.25,
        word_min_df: int = 1,
        char_min_df: int = 2,
        tune_thresholds: bool = True,
        inner_folds: int = 3,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.tune_thresholds = tune_thresholds
        self.inner_folds = inner_folds
        self.random_state = random_state

    # scikit-learn's contract, without inheriting from BaseEstimator (keeps imports lazy)
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        keys = ("C", "word_min_df", "char_min_df", "tune_thresholds", "inner_folds")
        return {k: getattr(self, k) for k in (*keys, "random_state")}

    def set_params(self, **params: Any) -> CodeSuggester:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def _model(self) -> Any:
        from sklearn.svm import LinearSVC

        return LinearSVC(C=self.C, random_state=self.random_state)

    def fit(self, texts: Sequence[str], Y: Any, extra: np.ndarray | None = None) -> CodeSuggester:
        from threadpoolctl import threadpool_limits

        Y = np.asarray(Y, dtype=np.int8)
        with threadpool_limits(1):  # two BLAS threads make these fits several times slower
            self.features_ = _features(self.word_min_df, self.char_min_df)
            X = self._stack(self.features_.fit_transform(list(texts)), extra)
            self.n_codes_ = Y.shape[1]
            self.models_: list[Any] = []
            self.thresholds_ = np.full(self.n_codes_, 0.5)
            self.trained_ = np.zeros(self.n_codes_, dtype=bool)
            for j in range(self.n_codes_):
                y = Y[:, j]
                if y.sum() < MIN_POSITIVES or y.sum() == len(y):
                    self.models_.append(None)
                    continue
                svm = self._model().fit(X, y)
                platt, threshold = self._calibrate(X, y)
                self.models_.append((svm, platt))
                self.trained_[j] = True
                if self.tune_thresholds:
                    self.thresholds_[j] = threshold
        return self

    def _calibrate(self, X: Any, y: np.ndarray) -> tuple[tuple[float, float], float]:
        """Platt scaling of the SVM's margins, learned from out-of-fold margins (so it does not
        flatter itself), and the probability threshold that maximises F1 on those folds."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        folds = min(self.inner_folds, int(y.sum()))
        if folds < 2:
            return (1.0, 0.0), 0.5
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        margins = cross_val_predict(self._model(), X, y, cv=cv, method="decision_function")
        lr = LogisticRegression(C=1e4).fit(margins.reshape(-1, 1), y)
        a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        return (a, b), _best_threshold(y, _sigmoid(a * margins + b))

    @staticmethod
    def _stack(X: Any, extra: np.ndarray | None) -> Any:
        if extra is None:
            return X
        from scipy.sparse import csr_matrix, hstack

        return hstack([X, csr_matrix(np.asarray(extra, dtype=float))], format="csr")

    def predict_proba(self, texts: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        """Probability of each code for each text (0 for codes too rare to train)."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            X = self._stack(self.features_.transform(list(texts)), extra)
            out = np.zeros((X.shape[0], self.n_codes_))
            for j, model in enumerate(self.models_):
                if model is not None:
                    svm, (a, b) = model
                    out[:, j] = _sigmoid(a * svm.decision_function(X) + b)
        return out

    def predict(self, texts: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        return (self.predict_proba(texts, extra) >= self.thresholds_).astype(np.int8)

    def uncertainty(self, proba: np.ndarray) -> np.ndarray:
        """How unsure the model is about each text: closeness of its most doubtful code to that
        code's threshold (1 = on the threshold, 0 = certain). Used to order review queues."""
        t = self.thresholds_
        margin = np.where(proba >= t, (proba - t) / np.maximum(1 - t, 1e-9), (t - proba) / t)
        margin = np.where(self.trained_, margin, 1.0)
        return np.asarray(1 - margin.min(axis=1))
