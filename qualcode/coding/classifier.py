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
  features, and as accurate; scikit-learn's LinearSVC, fitted exactly through the rows' Gram
  matrix up to ``linsvm.GRAM_ROWS`` rows and by liblinear above, with the TF-IDF fitted by
  ``tfidffit``: a project of a few hundred coded turns trains without importing scikit-learn),
  with Platt scaling fitted on out-of-fold margins so that its
  scores are calibrated probabilities; where interviews can be held out, the scaling also
  weighs the code's margin on the participant's previous turn (topics run over turns);
- per code: a decision threshold tuned by inner cross-validation to maximise F1, because rare
  codes are almost never above 0.5 and a fixed threshold throws their recall away; never below
  ``floor``, so a code tuned on a handful of examples cannot flood the queue with p=0.01 guesses.

Rows can be weighted and kept out of threshold tuning (``tune=False``): the codebook's own
examples and criteria seed the model that way (they teach the vocabulary of each code, but they
are not interview turns, so thresholds and precision are estimated on real turns only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qualcode.coding import linsvm

MIN_POSITIVES = 3  # fewer examples than this: the code is skipped, with a message
FLOOR = 0.2  # no code is suggested below this probability, whatever its tuned threshold
# Context columns are scaled down against the turn's own text (grouped by interview on the
# example's 417 gold turns: question x0.5 +0.015 macro-F1, x1 +0.01; previous turn x0.5 +0.005).
CONTEXT_WEIGHT = 0.5
CONTEXT_COLUMNS = 2  # context columns with TF-IDF features of their own (question, previous)
SEED_WEIGHT = 1.0  # weight of rows kept out of tuning (the codebook's own examples)
# Each code's calibration also weighs the code's margin on the participant's previous turn
# (context column 1; 2: and the next turn's, context column 2): a topic often runs over
# several turns (on the example's gold a code on the previous turn is 4.5 times as likely).
NEIGHBOURS = 1


def _settings(word_min_df: int, char_min_df: int) -> list[tuple[str, dict[str, Any]]]:
    """The text's TF-IDF feature sets and their TfidfVectorizer settings."""
    word = {"ngram_range": (1, 2), "min_df": word_min_df, "sublinear_tf": True, "lowercase": True}
    char = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": char_min_df,
            "sublinear_tf": True, "max_features": 200_000}  # fmt: skip
    return [("word", word), ("char", char)]


CONTEXT_SETTINGS: dict[str, Any] = {"ngram_range": (1, 2), "sublinear_tf": True}


def _fit_tfidf(texts: list[str], settings: dict[str, Any]) -> tuple[Any, Any]:
    """(vectorizer, matrix): scikit-learn's TfidfVectorizer.fit_transform, bit for bit, fitted
    without importing scikit-learn (``tfidffit``); a setting it does not reproduce is left to
    scikit-learn."""
    from qualcode.coding import tfidffit

    try:
        return tfidffit.fit_transform(texts, **settings)
    except tfidffit.Unsupported:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(**settings)
        return vec, vec.fit_transform(texts)


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut that maximises F1 on out-of-fold predictions (ties: the higher)."""
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    f1 = 2 * tp / (k + ys.sum())
    best = int(np.argmax(f1))
    return float(ps[best]) if f1[best] > 0 else 0.5


def _platt(m: np.ndarray, y: np.ndarray, l2: float = 1e-4) -> tuple[float, ...]:
    """Platt scaling: the logistic fit p = sigmoid(a * m + b) of labels ``y`` on margins ``m``
    by Newton's method (two parameters; a slight L2 penalty on ``a`` as scikit-learn's
    LogisticRegression(C=1e4) has, which cost 40 ms a code through scipy's optimiser).
    ``m`` may have more columns (the neighbouring turns' margins): p = sigmoid(a * m0 + b +
    c1 * m1 + ...), returned as (a, b, c1, ...)."""
    M = m.reshape(len(m), -1)
    X = np.column_stack([M[:, 0], np.ones(len(M)), M[:, 1:]])
    w = np.zeros(X.shape[1])
    w[0] = 1.0
    penalty = np.full(X.shape[1], l2)
    penalty[1] = 0.0
    for _ in range(50):
        p = _sigmoid(X @ w)
        s = np.maximum(p * (1 - p), 1e-12)
        grad = X.T @ (p - y) + penalty * w
        hess = (X * s[:, None]).T @ X + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w = w - step
        if abs(step).max() < 1e-8:
            break
    return tuple(float(v) for v in w)


def _apply(platt: tuple[float, ...], m: np.ndarray) -> np.ndarray:
    """Calibrated probabilities from margins ``m`` (rows; columns: the turn's own margin, then
    the neighbours' when ``platt`` has their weights)."""
    M = m.reshape(len(m), -1)
    z = platt[0] * M[:, 0] + platt[1]
    for k, c in enumerate(platt[2:]):
        z = z + c * M[:, 1 + k]
    return _sigmoid(z)


def _distinct_transform(vec: Any, texts: list[str]) -> Any:
    """``vec.transform(texts)``, each distinct text transformed once: a text's row depends on
    that text alone, and many turns repeat ("Yes.", the same question to every participant),
    so the rows are the same, bit for bit, at a fraction of the cost."""
    first: dict[str, int] = {}
    index = np.fromiter((first.setdefault(t, len(first)) for t in texts), np.int64, len(texts))
    if len(first) == len(texts):
        return vec.transform(texts)
    return vec.transform(list(first))[index]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


@dataclass
class _Neighbours:
    """The neighbouring turns of every row: the rows' own text features (``block``), those of
    neighbours that are not rows (``new``), and for each neighbour column the index of each
    row's neighbour in [block rows, new rows, an empty turn]."""

    block: Any
    new: Any
    index: list[np.ndarray]


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
        outer_folds: int = 5,
        balanced: bool = False,
        unjudged: float = 0.0,
    ) -> None:
        self.C = C
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.tune_thresholds = tune_thresholds
        self.inner_folds = inner_folds
        self.floor = floor
        self.min_positives = min_positives
        self.random_state = random_state
        self.outer_folds = outer_folds
        self.balanced = balanced
        self.unjudged = unjudged

    # scikit-learn's contract, without inheriting from BaseEstimator (keeps imports lazy)
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        keys = ("C", "word_min_df", "char_min_df", "tune_thresholds", "inner_folds", "floor")
        more = ("min_positives", "random_state", "outer_folds", "balanced", "unjudged")
        return {k: getattr(self, k) for k in (*keys, *more)}

    def set_params(self, **params: Any) -> CodeSuggester:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def _model(self) -> Any:
        from sklearn.svm import LinearSVC

        weight = "balanced" if getattr(self, "balanced", False) else None
        return LinearSVC(C=self.C, random_state=self.random_state, class_weight=weight)

    def _svm(
        self, X: Any, y: np.ndarray, weight: np.ndarray, start: np.ndarray | None = None
    ) -> tuple[Any, np.ndarray | None]:
        """Code ``y``'s SVM on the rows with ``weight`` > 0: exactly, through the rows' Gram
        matrix, where the fit has one (``linsvm``; ``start``: the violating rows of a fit on
        more rows), else by liblinear. Returns (the model, its violating rows or None)."""
        rows = weight > 0
        gram = getattr(self, "_gram", None)
        if gram is not None:
            cost = self.C * weight
            if getattr(self, "balanced", False):  # scikit-learn's class_weight="balanced":
                # each class's weight, the rows' weights counted (as scikit-learn 1.9 does)
                mass = np.bincount(y[rows], weights=weight[rows], minlength=2)
                share = weight[rows].sum() / (2.0 * np.maximum(mass, 1e-12))
                cost = cost * share[y]
            try:
                return linsvm.fit(gram, y, cost, self.C, self.random_state, start)
            except (linsvm.NotSettled, np.linalg.LinAlgError):
                pass
        svm = self._model().fit(X[rows], y[rows], sample_weight=weight[rows])
        return svm, None

    def fit(
        self,
        texts: Sequence[str],
        Y: Any,
        extra: np.ndarray | None = None,
        context: Sequence[tuple[str, str]] | None = None,
        tune: np.ndarray | None = None,
        known: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> CodeSuggester:
        """``tune``: which rows count for thresholds and precision (default all). ``known``:
        which labels were judged (rows x codes; default all): a code's model learns only from
        the rows where it was. ``groups``: the interview of each row (negative: never held out);
        with two or more interviews each code's calibration and threshold come from margins
        on interviews its fold model did not see (``oof_``), and ``held_out_`` holds the
        cross-fitted suggestions on them (each fold's threshold tuned on the other folds)."""
        from threadpoolctl import threadpool_limits

        Y = np.asarray(Y, dtype=np.int8)
        n, k = Y.shape
        tune = np.ones(n, dtype=bool) if tune is None else np.asarray(tune, dtype=bool)
        known = np.ones((n, k), dtype=bool) if known is None else np.asarray(known, dtype=bool)
        with threadpool_limits(1):  # two BLAS threads make these fits several times slower
            X, block = self._fit_features(texts, context, extra)
            self._gram = linsvm.Gram(X) if n <= linsvm.GRAM_ROWS else None
            self.folds_ = self._folds(groups, tune, n)
            width = len(context[0]) if context is not None and len(context) else 0
            # neighbours only where a grouped check calibrates (else nothing weighs them)
            count = min(NEIGHBOURS, width - 1, 2) if (self.folds_ >= 0).any() else 0
            N = self._neighbours(block, texts, context, count)
            self.neighbours_ = len(N.index) if N is not None else 0
            self.n_codes_ = k
            self.models_: list[Any] = []
            self.thresholds_ = np.full(k, max(0.5, self.floor))
            self.trained_ = np.zeros(k, dtype=bool)
            self.positives_ = (Y.astype(bool) & known).sum(axis=0).astype(int)
            self.oof_ = np.full((n, k), np.nan)
            # the neighbouring turns' out-of-fold margins (rows x codes x neighbours)
            self.oof_n_ = np.full((n, k, self.neighbours_), np.nan)
            self.held_out_ = np.zeros((n, k), dtype=np.int8)
            for j in range(k):
                # rows whose label of code j nobody judged learn as weak negatives (weight
                # self.unjudged; 0: left out of the fit, the calibration and the threshold)
                weight = np.where(known[:, j], 1.0, float(getattr(self, "unjudged", 0.0)))
                weight = np.where(tune, weight, weight * SEED_WEIGHT)
                rows = weight > 0
                y = Y[:, j]
                if y[rows].sum() < self.min_positives or y[rows].sum() == rows.sum():
                    self.models_.append(None)
                    continue
                svm, violators = self._svm(X, y, weight)
                if (self.folds_ >= 0).any():
                    self._oof(X, N, y, weight, j, violators)
                    platt, threshold = self._grouped(y, tune & rows, j)
                else:
                    platt, threshold = self._calibrate(X, y, weight, tune, violators)
                self.models_.append((svm, platt))
                self.trained_[j] = True
                if self.tune_thresholds:
                    self.thresholds_[j] = max(threshold, self.floor)
            self._gram = None  # n x n floats: not kept with the model
        return self

    def _fit_features(
        self,
        texts: Sequence[str],
        context: Sequence[tuple[str, str]] | None,
        extra: np.ndarray | None,
    ) -> tuple[Any, Any]:
        from scipy.sparse import hstack

        from qualcode.coding.lightmodel import Union

        texts = list(texts)
        fitted = [(name, *_fit_tfidf(texts, settings))
                  for name, settings in _settings(self.word_min_df, self.char_min_df)]  # fmt: skip
        self.features_ = Union([(name, vec) for name, vec, _ in fitted])
        parts = [hstack([X for _, _, X in fitted], format="csr")]
        self.context_: list[Any] = []
        if context is not None:
            width = len(context[0]) if len(context) else CONTEXT_COLUMNS
            for k in range(min(width, CONTEXT_COLUMNS)):
                column = [c[k] if k < len(c) else "" for c in context]
                if any(column):
                    vec, X = _fit_tfidf(column, CONTEXT_SETTINGS)
                    parts.append(CONTEXT_WEIGHT * X)
                    self.context_.append(vec)
                else:
                    self.context_.append(None)
        return self._stack(parts, extra), parts[0]

    def _folds(self, groups: np.ndarray | None, tune: np.ndarray, n: int) -> np.ndarray:
        """Each row's outer fold (grouped by interview), -1 for rows never held out; all -1
        when fewer than two interviews or ten rows can be held out."""
        out = np.full(n, -1, dtype=np.int64)
        if groups is None or self.outer_folds < 2:
            return out
        groups = np.asarray(groups)
        eligible = np.nonzero((groups >= 0) & tune)[0]
        distinct = len(set(groups[eligible].tolist()))
        if distinct < 2 or len(eligible) < 10:
            return out
        out[eligible] = linsvm.group_folds(groups[eligible], min(self.outer_folds, distinct))
        return out

    def _neighbours(
        self,
        block: Any,
        texts: Sequence[str],
        context: Sequence[tuple[str, ...]] | None,
        count: int,
    ) -> _Neighbours | None:
        """The previous and the next turn (context columns 1 and 2: ``count`` of them), scored
        on their text features only: each distinct text's features are found once (most
        neighbours are rows here already), and a turn with none scores as an empty text."""
        if count <= 0:
            return None
        said = [
            [c[k] if k < len(c) else "" for c in context] if context else [""] * len(texts)
            for k in range(1, 1 + count)
        ]
        where = {t: i for i, t in enumerate(texts)}
        new = [t for t in dict.fromkeys(t for column in said for t in column) if t not in where]
        new = [t for t in new if t]
        where.update((t, len(texts) + m) for m, t in enumerate(new))
        empty = len(texts) + len(new)  # the last score: no turn there
        index = [np.array([where[t] if t else empty for t in c], dtype=np.int64) for c in said]
        return _Neighbours(block, self.features_.transform(new) if new else None, index)

    def _margins(
        self, svm: Any, X: Any, N: _Neighbours | None, rows: Any = None, count: int = 2
    ) -> np.ndarray:
        """A code's margins on ``X`` (rows), with its first ``count`` neighbours' as more
        columns."""
        own = np.asarray(svm.decision_function(X if rows is None else X[rows]))
        if N is None or count <= 0:
            return own[:, None]
        w = np.asarray(svm.coef_).ravel()[: N.block.shape[1]]
        scores = [N.block @ w] + ([N.new @ w] if N.new is not None else []) + [np.zeros(1)]
        every = np.concatenate(scores) + float(svm.intercept_[0])
        picked = [every[i if rows is None else i[rows]] for i in N.index[:count]]
        return np.asarray(np.column_stack([own, *picked]))

    def _oof(
        self,
        X: Any,
        N: _Neighbours | None,
        y: np.ndarray,
        weight: np.ndarray,
        j: int,
        violators: np.ndarray | None = None,
    ) -> None:
        """Out-of-fold margins of code ``j`` on each outer fold (a fold model that did not see
        its interviews; the features are shared: they use no labels), and with neighbours
        (``N``) theirs under the same fold model (they are turns of the same interviews).
        ``violators``: those of the fit on every row, where each fold's fit starts."""
        folds = self.folds_
        rows = weight > 0
        for f in range(int(folds.max()) + 1):
            train = rows & (folds != f)
            test = folds == f
            if 0 < y[train].sum() < train.sum():
                fitted, _ = self._svm(X, y, np.where(train, weight, 0.0), violators)
                m = self._margins(fitted, X, N, test)
                self.oof_[test, j] = m[:, 0]
                self.oof_n_[test, j, :] = m[:, 1:]

    def _grouped(self, y: np.ndarray, tune: np.ndarray, j: int) -> tuple[tuple[float, ...], float]:
        """The calibration and threshold that code ``j``'s out-of-fold margins give on the
        ``tune`` rows, and the cross-fitted suggestions on the held-out rows."""
        folds = self.folds_
        M = np.column_stack([self.oof_[:, j], self.oof_n_[:, j, :]])
        usable = tune & (folds >= 0) & ~np.isnan(self.oof_[:, j])
        for f in range(int(folds.max()) + 1):
            platt, t = self._calibrate_on(M, y, usable & (folds != f))
            test = (folds == f) & ~np.isnan(self.oof_[:, j])
            p = _apply(platt, M[test])
            cut = max(t, self.floor) if self.tune_thresholds else max(0.5, self.floor)
            self.held_out_[test, j] = p >= cut
        return self._calibrate_on(M, y, usable)

    def _calibrate_on(
        self, m: np.ndarray, y: np.ndarray, mask: np.ndarray
    ) -> tuple[tuple[float, ...], float]:
        """Platt scaling of the margins ``m`` on the ``mask`` rows and the F1-best threshold."""
        m, y = m[mask], y[mask]
        if not y.any() or y.all():
            return (1.0, 0.0), max(0.5, self.floor)
        platt = _platt(m, y)
        return platt, _best_threshold(y, _apply(platt, m))

    def _calibrate(
        self,
        X: Any,
        y: np.ndarray,
        weight: np.ndarray,
        tune: np.ndarray,
        violators: np.ndarray | None = None,
    ) -> tuple[tuple[float, float], float]:
        """Platt scaling of the SVM's margins, learned from out-of-fold margins (so it does not
        flatter itself), and the probability threshold that maximises F1 on those folds (on
        the ``tune`` rows only), over the rows with ``weight`` > 0: used when no interviews
        can be held out. The folds are stratified (seeded) and each fold's fit starts from
        the ``violators`` of the fit on every row."""
        rows = np.nonzero(weight > 0)[0]
        yr = y[rows]
        folds = min(self.inner_folds, int(yr.sum()), int((1 - yr).sum()))
        if folds < 2:
            return (1.0, 0.0), max(0.5, self.floor)
        fold = linsvm.stratified_folds(yr, folds, self.random_state or 0)
        margins = np.zeros(len(rows))
        for f in range(folds):
            train = np.zeros(len(y), dtype=bool)
            train[rows[fold != f]] = True
            fitted, _ = self._svm(X, y, np.where(train, weight, 0.0), violators)
            margins[fold == f] = fitted.decision_function(X[rows[fold == f]])
        (a, b), _ = self._calibrate_on(margins, yr, np.ones(len(yr), dtype=bool))
        tuned = tune[rows]
        if not yr[tuned].any():
            return (a, b), max(0.5, self.floor)
        return (a, b), _best_threshold(yr[tuned], _sigmoid(a * margins[tuned] + b))

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
            parts = [_distinct_transform(self.features_, list(texts))]
            for k, vec in enumerate(getattr(self, "context_", [])):
                if vec is not None:
                    rows = context if context is not None else [("", "")] * len(texts)
                    column = [c[k] if k < len(c) else "" for c in rows]
                    parts.append(CONTEXT_WEIGHT * _distinct_transform(vec, column))
            X = self._stack(parts, extra)
            used = getattr(self, "neighbours_", 0)
            N = self._neighbours(parts[0], list(texts), context, used)
            out = np.zeros((X.shape[0], self.n_codes_))
            for j, model in enumerate(self.models_):
                if model is not None:
                    svm, platt = model
                    margins = self._margins(svm, X, N, count=len(platt) - 2)
                    out[:, j] = _apply(platt, margins)
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
