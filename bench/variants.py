"""Suggester variants side by side on the example's gold (``python bench/suggester.py --variants``).

Every variant is scored on the same folds grouped by interview over all 53 example interviews
(the shipped gold, bench/gold), and on the eight interviews the project keeps for itself
(``HELD_OUT``: drawn once with a seeded sample, never used to choose anything; train on the
other 45). Two figures each: the model's combined suggestions for every code, and what a
reviewer is shown (each code from the source the fold's own grouped check chose: the model,
the rules or nothing). Macro-F1 over codes with support, as ``qualcode suggest eval``.
"""

from __future__ import annotations

import dataclasses
import os
import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qualcode.coding import classifier, learn, sources

GOLD = Path(__file__).resolve().parent / "gold"
FILES = ("early-action-together.csv", "dev-early-action-together.csv",
         "extra-early-action-together.csv")  # fmt: skip
SEED = 26  # the held-out draw: random.Random(SEED).sample(sorted interviews, 8)
# where (d)'s sentence embeddings are kept between runs (one vector per text hash)
CACHE = Path(os.environ.get("QUALCODE_BENCH_CACHE", Path.home() / ".cache" / "qualcode-bench"))


@dataclass
class Variant:
    name: str
    params: dict[str, Any]
    prepare: Callable[[learn._Data, np.ndarray], learn._Data] | None = None  # training part
    patch: Callable[[], Any] | None = None  # a context manager changing the classifier
    augment: Callable[[learn._Data], learn._Data] | None = None  # every row, before the folds
    # the model a variant changes: the one before issue 26's quality pass by default (no
    # neighbouring turn in the calibration, rule features x0.5); the adopted one: 1 and 0.25
    neighbours: int = 0
    rule_weight: float = 0.5


def example_data(folder: Path) -> tuple[learn._Data, Any, Any]:
    """The example project, rule-coded, with all the gold imported: (data, codebook, settings)."""
    from bench.example import coded_example
    from qualcode.coding.imports import import_codings
    from qualcode.coding.run import resolve_codebook

    project = coded_example(folder)
    for f in FILES:
        import_codings(project, GOLD / f, "gold")
    codebook, _ = resolve_codebook(project, None)
    data = learn._data(project, codebook)
    settings = project.settings.suggest
    people = project.store.participant_attributes()
    ATTRIBUTES.update({d["id"]: people.get(d["participant_id"] or "", {})
                       for d in project.store.current_documents()})  # fmt: skip
    project.close()
    return data, codebook, settings


ATTRIBUTES: dict[int, dict[str, str]] = {}  # each document's participant's attributes
TEST_GROUPS: np.ndarray | None = None  # the interview of each row being predicted


def held_out(data: learn._Data) -> set[int]:
    interviews = sorted(set(data.groups[data.real].tolist()))
    return set(random.Random(SEED).sample(interviews, 8))


def _macro(P: np.ndarray, Y: np.ndarray) -> float:
    return sources.macro(sources.f1_by_code(P, Y, np.ones(Y.shape, dtype=bool)))


def _fit_and_show(
    v: Variant, part: learn._Data, test: learn._Data, codebook: Any, settings: Any
) -> tuple[np.ndarray, np.ndarray]:
    """(the model's predictions, what a reviewer is shown) on ``test``."""
    train = v.prepare(part, np.asarray(part.real)) if v.prepare else part
    global TEST_GROUPS
    TEST_GROUPS = test.groups  # for variants that weigh the rest of each test interview
    with setting(classifier, "NEIGHBOURS", v.neighbours), v.patch() if v.patch else _nothing():
        model = train.fit(**v.params)
        P = model.predict(test.texts, test.extra(), test.context)
    _, states = learn._states(train, model, codebook, settings)
    return P, sources.shown(states, P, (test.rules > 0).astype(np.int8))


@contextmanager
def _nothing() -> Any:
    yield


def run(v: Variant, data: learn._Data, codebook: Any, settings: Any, folds: int) -> dict[str, Any]:
    from sklearn.model_selection import GroupKFold

    t0 = time.process_time()
    data = v.augment(data) if v.augment else data
    data = learn._Data(data.texts, data.context, data.rules * (v.rule_weight / learn.RULE_WEIGHT),
                       data.Y, data.groups, data.known, data.vectors)  # fmt: skip
    real = np.nonzero(data.real)[0]
    seeds = np.nonzero(~data.real)[0]
    groups = data.groups[real]
    Y = data.Y[real]
    P, S = np.zeros_like(Y), np.zeros_like(Y)
    for train_i, test_i in GroupKFold(folds).split(real, groups=groups):
        part = data.rows(np.concatenate([real[train_i], seeds]))
        P[test_i], S[test_i] = _fit_and_show(v, part, data.rows(real[test_i]), codebook, settings)
    keep = held_out(data)
    inside = np.array([g in keep for g in groups])
    part = data.rows(np.concatenate([real[~inside], seeds]))
    test = data.rows(real[inside])
    hp, hs = _fit_and_show(v, part, test, codebook, settings)
    return {
        "variant": v.name,
        "folds_combined": _macro(P, Y),
        "folds_shown": _macro(S, Y),
        "held_out_combined": _macro(hp, test.Y),
        "held_out_shown": _macro(hs, test.Y),
        "cpu_s": round(time.process_time() - t0, 1),
    }


# variants --------------------------------------------------------------------------------------
@contextmanager
def context_weight(w: float) -> Any:
    before = classifier.CONTEXT_WEIGHT
    classifier.CONTEXT_WEIGHT = w
    try:
        yield
    finally:
        classifier.CONTEXT_WEIGHT = before


def no_context(data: learn._Data, real: np.ndarray) -> learn._Data:
    return learn._Data(data.texts, [("", "")] * len(data.texts), data.rules, data.Y,
                       data.groups, data.known, data.vectors)  # fmt: skip


def reviewer(partial: bool, adds: float = 0.5) -> Callable[[learn._Data, np.ndarray], learn._Data]:
    """Labels as a reviewer of the rules' suggestions gives them: a suggestion accepted where
    the gold has the code and rejected where not; of the gold's codes the rules did not
    suggest, only a share ``adds`` is added (a reviewer misses what nothing pointed at).
    ``partial``: only suggested or added codes count as judged; else every code not given
    is a negative (the old labels)."""

    def prepare(data: learn._Data, real: np.ndarray) -> learn._Data:
        rng = np.random.default_rng(0)
        suggested = data.rules > 0
        gold = data.Y.astype(bool)
        added = gold & ~suggested & (rng.random(gold.shape) < adds)
        Y = (gold & suggested) | added
        known = suggested | added
        Y = np.where(real[:, None], Y, gold).astype(np.int8)
        known = np.where(real[:, None], known, True)
        return learn._Data(data.texts, data.context, data.rules, Y, data.groups,
                           known if partial else None, data.vectors)  # fmt: skip

    return prepare


def embedded(data: learn._Data) -> learn._Data:
    """(d): every text's all-MiniLM-L6-v2 vector (embed.py), beside the rules' scores."""
    from threadpoolctl import threadpool_limits

    from qualcode.coding.embed import cached

    CACHE.mkdir(parents=True, exist_ok=True)
    with threadpool_limits(1):
        vectors = cached(data.texts, CACHE)
    return learn._Data(data.texts, data.context, data.rules, data.Y, data.groups, data.known,
                       vectors)  # fmt: skip


@contextmanager
def embed_weight(w: float) -> Any:
    before = learn.EMBED_WEIGHT
    learn.EMBED_WEIGHT = w
    try:
        yield
    finally:
        learn.EMBED_WEIGHT = before


@contextmanager
def setting(module: Any, name: str, value: Any) -> Any:
    """A module-level setting changed for the duration."""
    before = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, before)


def with_next(data: learn._Data) -> learn._Data:
    """The participant's next turn in the same interview as a third context column (the
    example's interviews are coded throughout, so the next row is the next turn)."""
    context = []
    for i, (question, previous) in enumerate(data.context):
        same = i + 1 < len(data.texts) and data.groups[i + 1] == data.groups[i] >= 0
        context.append((question, previous, data.texts[i + 1] if same else ""))
    return learn._Data(data.texts, context, data.rules, data.Y, data.groups, data.known,
                       data.vectors)  # fmt: skip


def question_as_neighbour(data: learn._Data) -> learn._Data:
    """The question in the third context column, so that with two neighbours its margin joins
    the calibration beside the previous turn's (its own TF-IDF stays in column 0)."""
    context = [(c[0], c[1], c[0]) for c in data.context]
    return learn._Data(data.texts, context, data.rules, data.Y, data.groups, data.known,
                       data.vectors)  # fmt: skip


def _beside(data: learn._Data, columns: np.ndarray) -> learn._Data:
    """``data`` with ``columns`` (weighted already) beside its dense inputs, where the
    embeddings go (``extra`` scales those by EMBED_WEIGHT: undone here)."""
    columns = columns / learn.EMBED_WEIGHT
    vectors = columns if data.vectors is None else np.hstack([data.vectors, columns])
    return dataclasses.replace(data, vectors=vectors)


def positions(data: learn._Data) -> np.ndarray:
    """Each row's place in its interview, 0 (first participant turn) to 1 (last); seed rows
    (no interview) 0.5. Rows of an interview come in the interview's order."""
    pos = np.full(len(data.texts), 0.5)
    for g in set(data.groups[data.real].tolist()):
        idx = np.nonzero(data.groups == g)[0]
        pos[idx] = np.arange(len(idx)) / max(len(idx) - 1, 1)
    return pos


def with_position(bins: int, weight: float) -> Callable[[learn._Data], learn._Data]:
    """The turn's place in the interview (an interview guide takes its topics in order) as
    ``bins`` one-hot columns times ``weight``, beside the rules' scores (as the
    embeddings' columns are)."""

    def augment(data: learn._Data) -> learn._Data:
        pos = positions(data)
        onehot = np.zeros((len(pos), bins))
        onehot[np.arange(len(pos)), np.minimum((pos * bins).astype(int), bins - 1)] = weight
        onehot[~data.real] = 0.0
        return _beside(data, onehot)

    return augment


def with_lsa(dims: int, weight: float) -> Callable[[learn._Data], learn._Data]:
    """Latent semantic features: the rows' word TF-IDF (every row's text, no labels) reduced to
    ``dims`` dimensions by truncated SVD, each row scaled to unit length, times ``weight``."""

    def augment(data: learn._Data) -> learn._Data:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        X = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(data.texts)
        Z = TruncatedSVD(dims, random_state=0).fit_transform(X)
        Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
        return _beside(data, weight * Z)

    return augment


@contextmanager
def nb_scaled(alpha: float = 1.0, beta: float = 1.0) -> Any:
    """NB-SVM (Wang and Manning 2012): each fit scales the features by their log-count ratio
    in its own training rows' positives against negatives (presence counts, smoothed by
    ``alpha``), and the weights found are scaled back so that the model scores raw features;
    ``beta`` < 1 mixes in the plain SVM's weights."""
    import scipy.sparse as sp

    from qualcode.coding.lightmodel import Linear

    before = classifier.CodeSuggester._svm

    def svm(self: Any, X: Any, y: np.ndarray, weight: np.ndarray, start: Any = None) -> Any:
        rows = weight > 0
        B = (X[rows] > 0).astype(np.float64)
        yr = y[rows].astype(bool)
        p = alpha + np.asarray(B[yr].sum(axis=0)).ravel()
        q = alpha + np.asarray(B[~yr].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        scaled = sp.csr_matrix(X @ sp.diags(r))
        self_gram = self._gram
        self._gram = None
        try:
            fitted, _ = before(self, scaled, y, weight)
        finally:
            self._gram = self_gram
        coef = np.asarray(fitted.coef_).ravel() * r
        if beta < 1:
            plain, _ = before(self, X, y, weight, start)
            coef = beta * coef + (1 - beta) * np.asarray(plain.coef_).ravel()
        out = Linear(coef.reshape(1, -1), np.asarray(fitted.intercept_), np.array([0, 1]),
                     self.C, self.random_state)  # fmt: skip
        return out, None

    classifier.CodeSuggester._svm = svm
    try:
        yield
    finally:
        classifier.CodeSuggester._svm = before


def with_attributes(names: tuple[str, ...], weight: float) -> Callable[[learn._Data], learn._Data]:
    """The participant's attributes (``names``: e.g. agency, role) as one-hot columns times
    ``weight``, beside the rules' scores (a police officer and a family support worker talk
    about different things); seed rows have none."""

    def augment(data: learn._Data) -> learn._Data:
        values = sorted({(n, a.get(n, "")) for a in [*ATTRIBUTES.values(), {}] for n in names})
        column = {v: j for j, v in enumerate(values)}
        onehot = np.zeros((len(data.texts), len(values)))
        for i, g in enumerate(data.groups.tolist()):
            for n in names:
                if g >= 0:
                    onehot[i, column[(n, ATTRIBUTES.get(g, {}).get(n, ""))]] = weight
        return _beside(data, onehot)

    return augment


def _interview_mean(m: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's mean of ``m`` over the other rows of its interview (0 where it has none)."""
    out = np.zeros(len(m))
    valid = (groups >= 0) & ~np.isnan(m)
    for g in np.unique(groups[valid]):
        idx = np.nonzero((groups == g) & valid)[0]
        if len(idx) > 1:
            out[idx] = (m[idx].sum() - m[idx]) / (len(idx) - 1)
    return out


@contextmanager
def interview_mean() -> Any:
    """The code's mean margin over the participant's other turns in the interview, beside
    the turn's own and the previous turn's, in each code's calibration (a participant who
    talks about joint screening does so in many turns). Out of fold in the grouped check
    (a whole interview is in one fold); at prediction, over the interview's turns predicted."""
    from threadpoolctl import threadpool_limits

    cls = classifier.CodeSuggester
    fit0, grouped0, proba0 = cls.fit, cls._grouped, cls.predict_proba

    def fit(self: Any, texts: Any, Y: Any, extra: Any = None, context: Any = None,
            tune: Any = None, known: Any = None, groups: Any = None) -> Any:  # fmt: skip
        self._g = None if groups is None else np.asarray(groups)
        return fit0(self, texts, Y, extra, context, tune, known, groups)

    def grouped(self: Any, y: np.ndarray, tune: np.ndarray, j: int) -> Any:
        folds = self.folds_
        E = _interview_mean(self.oof_[:, j], np.where(folds >= 0, self._g, -1))
        M = np.column_stack([self.oof_[:, j], self.oof_n_[:, j, :], E])
        usable = tune & (folds >= 0) & ~np.isnan(self.oof_[:, j])
        for f in range(int(folds.max()) + 1):
            platt, t = self._calibrate_on(M, y, usable & (folds != f))
            test = (folds == f) & ~np.isnan(self.oof_[:, j])
            p = classifier._apply(platt, M[test])
            self.held_out_[test, j] = p >= max(t, self.floor)
        return self._calibrate_on(M, y, usable)

    def proba(self: Any, texts: Any, extra: Any = None, context: Any = None) -> np.ndarray:
        used = getattr(self, "neighbours_", 0)
        if TEST_GROUPS is None or len(TEST_GROUPS) != len(texts):
            return proba0(self, texts, extra, context)
        with threadpool_limits(1):
            parts = [classifier._distinct_transform(self.features_, list(texts))]
            for k, vec in enumerate(self.context_):
                if vec is not None:
                    column = [c[k] if k < len(c) else "" for c in context]
                    parts.append(
                        classifier.CONTEXT_WEIGHT * classifier._distinct_transform(vec, column)
                    )
            X = self._stack(parts, extra)
            N = self._neighbours(parts[0], list(texts), context, used)
            out = np.zeros((X.shape[0], self.n_codes_))
            for j, model in enumerate(self.models_):
                if model is None:
                    continue
                svm, platt = model
                margins = self._margins(svm, X, N, count=min(used, len(platt) - 2))
                if len(platt) == 3 + used:
                    E = _interview_mean(margins[:, 0], TEST_GROUPS)
                    margins = np.column_stack([margins, E])
                out[:, j] = classifier._apply(platt, margins)
        return out

    cls.fit, cls._grouped, cls.predict_proba = fit, grouped, proba
    try:
        yield
    finally:
        cls.fit, cls._grouped, cls.predict_proba = fit0, grouped0, proba0


def variants() -> list[Variant]:
    return [
        Variant("before: inner-CV thresholds (model shown for every code)", {"outer_folds": 0}),
        Variant("(b) thresholds and calibration from grouped folds (adopted)", {}),
        Variant("(a) no question / previous turn features", {}, no_context),
        Variant(
            "(a) question and previous turn at weight 1.0", {}, patch=lambda: context_weight(1.0)
        ),
        Variant(
            "(a) question and previous turn at weight 0.25", {}, patch=lambda: context_weight(0.25)
        ),
        Variant("C = 1.0", {"C": 1.0}),
        Variant("C = 0.25", {"C": 0.25}),
        Variant("class weights balanced (most errors are misses)", {"balanced": True}),
        Variant("(c) reviewer labels, every code not given negative", {}, reviewer(False)),
        Variant("(c) reviewer labels, partial (judged codes only)", {}, reviewer(True)),
        Variant(
            "(c) reviewer labels, unjudged codes as weak negatives (x0.3)",
            {"unjudged": 0.3},
            reviewer(True),
        ),
        Variant(
            "(c) reviewer labels, unjudged codes as weak negatives (x0.6)",
            {"unjudged": 0.6},
            reviewer(True),
        ),
        Variant("(d) + sentence embeddings (all-MiniLM-L6-v2) x1.0", {}, augment=embedded),
        Variant(
            "(d) + sentence embeddings x0.5", {}, augment=embedded, patch=lambda: embed_weight(0.5)
        ),
        Variant(
            "(d) + sentence embeddings x2.0", {}, augment=embedded, patch=lambda: embed_weight(2.0)
        ),
        Variant("(d) x1.0 + C = 1.0", {"C": 1.0}, augment=embedded),
        Variant(
            "(d) x1.0 + C = 1.0 + (a) context x1.0",
            {"C": 1.0},
            augment=embedded,
            patch=lambda: context_weight(1.0),
        ),
        Variant(
            "(d) x1.0 + (a) context x1.0", {}, augment=embedded, patch=lambda: context_weight(1.0)
        ),
        # issue 26, the quality pass (18-)
        Variant(
            "next turn as context too (x0.5)",
            {},
            augment=with_next,
            patch=lambda: setting(classifier, "CONTEXT_COLUMNS", 3),
        ),
        Variant(
            "seed rows (codebook examples) x2",
            {},
            patch=lambda: setting(classifier, "SEED_WEIGHT", 2.0),
        ),
        Variant(
            "seed rows (codebook examples) x0.5",
            {},
            patch=lambda: setting(classifier, "SEED_WEIGHT", 0.5),
        ),
        Variant("rule features x2 (RULE_WEIGHT 1.0)", {}, rule_weight=1.0),
        Variant("rule features x0.5 (RULE_WEIGHT 0.25)", {}, rule_weight=0.25),
        Variant("rule features x0.25 (RULE_WEIGHT 0.125)", {}, rule_weight=0.125),
        Variant("neighbours: the previous turn's margin in the calibration", {}, neighbours=1),
        Variant(
            "neighbours: previous and next turns' margins", {}, augment=with_next, neighbours=2
        ),
        Variant(
            "neighbours: previous and next turns', next turn as context too",
            {},
            augment=with_next,
            neighbours=2,
            patch=lambda: setting(classifier, "CONTEXT_COLUMNS", 3),
        ),
        Variant(
            "neighbours (previous turn), previous turn's own TF-IDF off",
            {},
            neighbours=1,
            patch=lambda: setting(classifier, "CONTEXT_COLUMNS", 1),
        ),
        Variant(
            "neighbours (previous turn) + seed rows x2",
            {},
            neighbours=1,
            patch=lambda: setting(classifier, "SEED_WEIGHT", 2.0),
        ),
        Variant("neighbours (previous turn) + C = 1.0", {"C": 1.0}, neighbours=1),
        # 30-
        Variant("neighbours + RULE_WEIGHT 0.25 (adopted)", {}, neighbours=1, rule_weight=0.25),
        Variant("neighbours + RULE_WEIGHT 0.125", {}, neighbours=1, rule_weight=0.125),
        Variant("neighbours + RULE_WEIGHT 0.375", {}, neighbours=1, rule_weight=0.375),
        Variant("adopted + C = 1.0", {"C": 1.0}, neighbours=1, rule_weight=0.25),
        Variant(
            "adopted + seed rows x2",
            {},
            neighbours=1,
            rule_weight=0.25,
            patch=lambda: setting(classifier, "SEED_WEIGHT", 2.0),
        ),
        Variant(
            "adopted + question and previous turn x1.0",
            {},
            neighbours=1,
            rule_weight=0.25,
            patch=lambda: context_weight(1.0),
        ),
        Variant(
            "adopted + (d) sentence embeddings x1.0 (optional)",
            {},
            augment=embedded,
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + the question's margin in the calibration too",
            {},
            augment=question_as_neighbour,
            neighbours=2,
            rule_weight=0.25,
        ),
        # 38-: the turn's place in its interview
        Variant(
            "adopted + place in interview, 5 bins x0.5",
            {},
            augment=with_position(5, 0.5),
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + place in interview, 5 bins x1.0",
            {},
            augment=with_position(5, 1.0),
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + place in interview, 10 bins x0.5",
            {},
            augment=with_position(10, 0.5),
            neighbours=1,
            rule_weight=0.25,
        ),
        # 41-: latent semantic features
        Variant(
            "adopted + LSA 100 dims x0.5",
            {},
            augment=with_lsa(100, 0.5),
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + LSA 100 dims x1.0",
            {},
            augment=with_lsa(100, 1.0),
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + LSA 300 dims x1.0",
            {},
            augment=with_lsa(300, 1.0),
            neighbours=1,
            rule_weight=0.25,
        ),
        # 44-: NB-SVM feature scaling
        Variant(
            "adopted + NB-SVM scaling",
            {},
            patch=lambda: nb_scaled(1.0, 1.0),
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + NB-SVM scaling, C = 0.1",
            {"C": 0.1},
            patch=lambda: nb_scaled(1.0),
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + NB-SVM mixed with the plain SVM (beta 0.5)",
            {},
            patch=lambda: nb_scaled(1.0, 0.5),
            neighbours=1,
            rule_weight=0.25,
        ),
        # 47-: the fit's own grouped check
        Variant(
            "adopted + its own check in 10 folds (today 5)",
            {"outer_folds": 10},
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + its own check in 3 folds", {"outer_folds": 3}, neighbours=1, rule_weight=0.25
        ),
        Variant(
            "adopted + question's margin + own check in 10 folds",
            {"outer_folds": 10},
            augment=question_as_neighbour,
            neighbours=2,
            rule_weight=0.25,
        ),
        # 50-: TF-IDF vocabulary floors
        Variant(
            "adopted + character n-grams seen once kept (char_min_df 1)",
            {"char_min_df": 1},
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + word n-grams seen once dropped (word_min_df 2)",
            {"word_min_df": 2},
            neighbours=1,
            rule_weight=0.25,
        ),
        # 52-: the participant's attributes
        Variant(
            "adopted + participant's agency and role, x0.5",
            {},
            augment=with_attributes(("agency", "role"), 0.5),
            neighbours=1,
            rule_weight=0.25,
        ),
        Variant(
            "adopted + participant's agency, role and sector, x1.0",
            {},
            augment=with_attributes(("agency", "role", "sector"), 1.0),
            neighbours=1,
            rule_weight=0.25,
        ),
        # 54-: the rest of the interview
        Variant(
            "adopted + the code's mean margin over the interview's other turns",
            {},
            patch=interview_mean,
            neighbours=1,
            rule_weight=0.25,
        ),
    ]
