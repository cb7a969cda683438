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
    CODES[:] = [c.id for c in codebook.codes]
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


@contextmanager
def _both(first: Any, second: Any) -> Any:
    with first, second:
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


class Column:
    """One more column beside the turn's own and the previous turn's margins in each code's
    calibration (``with_column``): out of fold in the grouped check, and at prediction. What
    a column keeps between the fit and prediction lives on the model (one Column serves every
    fold's model)."""

    def fit(self, model: Any, args: dict[str, Any]) -> dict[str, Any]:
        """Before the fit: may keep what it needs on ``model`` and change the arguments."""
        return args

    def fitted(self, model: Any) -> None:
        """After the fit."""

    def train(self, model: Any, j: int) -> np.ndarray | None:
        """Code ``j``'s column on the fit's rows (None: code ``j`` has none)."""
        raise NotImplementedError

    def inputs(self, model: Any, extra: Any) -> Any:
        """The dense inputs the SVMs see at prediction."""
        return extra

    def test(
        self, model: Any, j: int, margins: np.ndarray, texts: list[str], extra: Any
    ) -> np.ndarray | None:
        """Code ``j``'s column on the rows predicted (``margins``: its own and neighbours')."""
        raise NotImplementedError

    def output(self, out: np.ndarray) -> np.ndarray:
        return out


FIT_ARGS = ("texts", "Y", "extra", "context", "tune", "known", "groups")


@contextmanager
def with_column(spec: Column) -> Any:
    """The classifier with ``spec``'s column in each code's calibration."""
    from threadpoolctl import threadpool_limits

    cls = classifier.CodeSuggester
    fit0, grouped0, proba0 = cls.fit, cls._grouped, cls.predict_proba

    def fit(self: Any, texts: Any, Y: Any, extra: Any = None, context: Any = None,
            tune: Any = None, known: Any = None, groups: Any = None) -> Any:  # fmt: skip
        given = (texts, Y, extra, context, tune, known, groups)
        args = spec.fit(self, dict(zip(FIT_ARGS, given, strict=True)))
        fit0(self, *(args[k] for k in FIT_ARGS))
        spec.fitted(self)
        return self

    def grouped(self: Any, y: np.ndarray, tune: np.ndarray, j: int) -> Any:
        column = spec.train(self, j)
        if column is None:
            return grouped0(self, y, tune, j)
        folds = self.folds_
        M = np.column_stack([self.oof_[:, j], self.oof_n_[:, j, :], column])
        usable = tune & (folds >= 0) & ~np.isnan(self.oof_[:, j])
        for f in range(int(folds.max()) + 1):
            platt, t = self._calibrate_on(M, y, usable & (folds != f))
            test = (folds == f) & ~np.isnan(self.oof_[:, j])
            p = classifier._apply(platt, M[test])
            self.held_out_[test, j] = p >= max(t, self.floor)
        return self._calibrate_on(M, y, usable)

    def proba(self: Any, texts: Any, extra: Any = None, context: Any = None) -> np.ndarray:
        used = getattr(self, "neighbours_", 0)
        texts = list(texts)
        with threadpool_limits(1):
            parts = [classifier._distinct_transform(self.features_, texts)]
            for k, vec in enumerate(self.context_):
                if vec is not None:
                    col = [x[k] if k < len(x) else "" for x in context]
                    parts.append(
                        classifier.CONTEXT_WEIGHT * classifier._distinct_transform(vec, col)
                    )
            X = self._stack(parts, spec.inputs(self, extra))
            N = self._neighbours(parts[0], texts, context, used)
            out = np.zeros((X.shape[0], self.n_codes_))
            for j, model in enumerate(self.models_):
                if model is None:
                    continue
                svm, platt = model
                margins = self._margins(svm, X, N, count=min(used, len(platt) - 2))
                column = spec.test(self, j, margins, texts, extra)
                if len(platt) == 3 + used:
                    margins = np.column_stack([margins, column])
                out[:, j] = classifier._apply(platt, margins)
        return spec.output(out)

    cls.fit, cls._grouped, cls.predict_proba = fit, grouped, proba
    try:
        yield
    finally:
        cls.fit, cls._grouped, cls.predict_proba = fit0, grouped0, proba0


class InterviewMean(Column):
    """The code's mean margin over the participant's other turns in the interview (a
    participant who talks about joint screening does so in many turns). Out of fold in the
    grouped check (a whole interview is in one fold); at prediction, over the interview's
    turns predicted (``TEST_GROUPS``)."""

    def fit(self, model: Any, args: dict[str, Any]) -> dict[str, Any]:
        model._g = None if args["groups"] is None else np.asarray(args["groups"])
        return args

    def train(self, model: Any, j: int) -> np.ndarray:
        return _interview_mean(model.oof_[:, j], np.where(model.folds_ >= 0, model._g, -1))

    def test(self, model: Any, j: int, margins: np.ndarray, texts: list[str], extra: Any) -> Any:
        assert TEST_GROUPS is not None and len(TEST_GROUPS) == len(texts)
        return _interview_mean(margins[:, 0], TEST_GROUPS)


def interview_mean() -> Any:
    return with_column(InterviewMean())


def adopted(name: str, params: dict[str, Any] | None = None, **kw: Any) -> Variant:
    """A variant of the adopted model (neighbours: the previous turn; rule features x0.25)."""
    return Variant(name, params or {}, neighbours=1, rule_weight=0.25, **kw)


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
        adopted("neighbours + RULE_WEIGHT 0.25 (adopted)", {}),
        Variant("neighbours + RULE_WEIGHT 0.125", {}, neighbours=1, rule_weight=0.125),
        Variant("neighbours + RULE_WEIGHT 0.375", {}, neighbours=1, rule_weight=0.375),
        adopted("adopted + C = 1.0", {"C": 1.0}),
        adopted("adopted + seed rows x2", patch=lambda: setting(classifier, "SEED_WEIGHT", 2.0)),
        adopted("adopted + question and previous turn x1.0", patch=lambda: context_weight(1.0)),
        adopted("adopted + (d) sentence embeddings x1.0 (optional)", augment=embedded),
        Variant(
            "adopted + the question's margin in the calibration too",
            {},
            augment=question_as_neighbour,
            neighbours=2,
            rule_weight=0.25,
        ),
        # 38-: the turn's place in its interview
        adopted("adopted + place in interview, 5 bins x0.5", augment=with_position(5, 0.5)),
        adopted("adopted + place in interview, 5 bins x1.0", augment=with_position(5, 1.0)),
        adopted("adopted + place in interview, 10 bins x0.5", augment=with_position(10, 0.5)),
        # 41-: latent semantic features
        adopted("adopted + LSA 100 dims x0.5", augment=with_lsa(100, 0.5)),
        adopted("adopted + LSA 100 dims x1.0", augment=with_lsa(100, 1.0)),
        adopted("adopted + LSA 300 dims x1.0", augment=with_lsa(300, 1.0)),
        # 44-: NB-SVM feature scaling
        adopted("adopted + NB-SVM scaling", patch=lambda: nb_scaled(1.0, 1.0)),
        adopted("adopted + NB-SVM scaling, C = 0.1", {"C": 0.1}, patch=lambda: nb_scaled(1.0)),
        adopted(
            "adopted + NB-SVM mixed with the plain SVM (beta 0.5)",
            patch=lambda: nb_scaled(1.0, 0.5),
        ),
        # 47-: the fit's own grouped check
        adopted("adopted + its own check in 10 folds (today 5)", {"outer_folds": 10}),
        adopted("adopted + its own check in 3 folds", {"outer_folds": 3}),
        Variant(
            "adopted + question's margin + own check in 10 folds",
            {"outer_folds": 10},
            augment=question_as_neighbour,
            neighbours=2,
            rule_weight=0.25,
        ),
        # 50-: TF-IDF vocabulary floors
        adopted("adopted + character n-grams seen once kept (char_min_df 1)", {"char_min_df": 1}),
        adopted("adopted + word n-grams seen once dropped (word_min_df 2)", {"word_min_df": 2}),
        # 52-: the participant's attributes
        adopted(
            "adopted + participant's agency and role, x0.5",
            augment=with_attributes(("agency", "role"), 0.5),
        ),
        adopted(
            "adopted + participant's agency, role and sector, x1.0",
            augment=with_attributes(("agency", "role", "sector"), 1.0),
        ),
        # 54-: the rest of the interview
        adopted(
            "adopted + the code's mean margin over the interview's other turns",
            patch=interview_mean,
        ),
        # 55-: the turn's sentences
        adopted(
            "adopted + the code's highest margin over the turn's sentences", patch=sentence_max(1)
        ),
        adopted("adopted + the highest margin over two-sentence windows", patch=sentence_max(2)),
        # 57-: the code's own rule score
        adopted("adopted + the code's own rule score in its calibration", patch=own_rule),
        Variant(
            "adopted + own rule score in the calibration, RULE_WEIGHT 0.125",
            {},
            patch=own_rule,
            neighbours=1,
            rule_weight=0.125,
        ),
        # 59-: other linear learners
        adopted("adopted, logistic regression (C = 4) for the SVM", patch=learner(logistic(4.0))),
        adopted("adopted, logistic regression (C = 16) for the SVM", patch=learner(logistic(16.0))),
        # 61-: the codebook's groups
        adopted("adopted + each code's group's margin in its calibration", patch=group_models),
        # 62-: the word and character blocks' weights
        adopted("adopted + word TF-IDF block x1.5", patch=block_weight(1.5, 1.0)),
        adopted("adopted + character TF-IDF block x1.5", patch=block_weight(1.0, 1.5)),
        # 64-: the optional sentence embeddings in a model of their own (late fusion)
        adopted(
            "adopted + (d) embeddings' own ridge score in the calibration",
            augment=embedded,
            patch=embedding_margin(1.0, False),
        ),
        adopted(
            "adopted + (d) embeddings in the SVM and their ridge score",
            augment=embedded,
            patch=embedding_margin(1.0, True),
        ),
        # 66-: each code's own C
        adopted(
            "adopted + each code's C (0.25, 0.5, 1.0) chosen by its grouped check",
            patch=per_code_C((0.5, 0.25, 1.0)),
        ),
        # 67-: the check's fold fits
        adopted("adopted + each code's model the mean of its full and fold fits", patch=bagged),
        # 68-: the interviewer's next question
        adopted(
            "adopted + the next question as context (x0.5)",
            augment=with_next_question,
            patch=lambda: setting(classifier, "CONTEXT_COLUMNS", 3),
        ),
        adopted(
            "adopted + the next question as context (x1.0 for all context)",
            augment=with_next_question,
            patch=lambda: _both(setting(classifier, "CONTEXT_COLUMNS", 3), context_weight(1.0)),
        ),
        Variant(
            "adopted + the next question's margin in the calibration",
            {},
            augment=with_next_question,
            neighbours=2,
            rule_weight=0.25,
        ),
        # 71-: the turn's length (TF-IDF rows are unit vectors: a long turn's words weigh less)
        adopted(
            "adopted + log(1 + the turn's words) in the calibration",
            patch=calibration_column(log_words),
        ),
    ]


def _pieces(text: str, window: int) -> list[str]:
    """A turn's sentences (split after . ! ? and at line breaks), joined ``window`` at a time
    (overlapping); the whole turn when it has one sentence or none."""
    import re

    said = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    if len(said) <= window:
        return [text]
    return [" ".join(said[i : i + window]) for i in range(len(said) - window + 1)]


SENTENCES = -7  # N.index's marker for the sentence column


def sentence_max(window: int = 1) -> Callable[[], Any]:
    """The code's highest margin over the turn's sentences (or windows of ``window``
    sentences), scored by the turn's own SVM on their text features, beside the turn's own
    and the previous turn's margins in each code's calibration: a code is often in one
    sentence of a long turn, whose other sentences dilute its TF-IDF row."""

    @contextmanager
    def patch() -> Any:
        cls = classifier.CodeSuggester
        nb0, mg0 = cls._neighbours, cls._margins

        def neighbours(self: Any, block: Any, texts: Any, context: Any, count: int) -> Any:
            N = nb0(self, block, texts, context, min(count, 1))
            if N is None:
                return None
            pieces = [_pieces(t, window) for t in texts]
            N.starts = np.cumsum([0] + [len(p) for p in pieces[:-1]])
            flat = [s for p in pieces for s in p]
            N.sent = classifier._distinct_transform(self.features_, flat)
            N.index = [*N.index, SENTENCES]
            return N

        def margins(self: Any, svm: Any, X: Any, N: Any, rows: Any = None, count: int = 2) -> Any:
            if N is None or not hasattr(N, "sent"):
                return mg0(self, svm, X, N, rows, count)
            turns = len(N.index) - 1  # the neighbouring turns' columns; the sentences' last
            M = mg0(self, svm, X, N, rows, min(count, turns))
            if count <= turns:
                return M
            w = np.asarray(svm.coef_).ravel()[: N.block.shape[1]]
            best = np.maximum.reduceat(N.sent @ w + float(svm.intercept_[0]), N.starts)
            return np.column_stack([M, best if rows is None else best[rows]])

        cls._neighbours, cls._margins = neighbours, margins
        try:
            yield
        finally:
            cls._neighbours, cls._margins = nb0, mg0

    return patch


class OwnRule(Column):
    """The rules' score for the code itself (its own weight for each code; the SVM sees every
    code's rule score through one shared weight)."""

    def fit(self, model: Any, args: dict[str, Any]) -> dict[str, Any]:
        model._x = np.asarray(args["extra"])
        return args

    def train(self, model: Any, j: int) -> np.ndarray:
        return np.asarray(model._x[:, j])

    def test(self, model: Any, j: int, margins: np.ndarray, texts: list[str], extra: Any) -> Any:
        return np.asarray(extra)[:, j]


def own_rule() -> Any:
    return with_column(OwnRule())


def learner(make: Callable[[], Any]) -> Callable[[], Any]:
    """Each code's linear model from ``make()`` (a scikit-learn estimator with
    ``decision_function``, ``coef_`` and ``intercept_``) in place of the SVM."""

    @contextmanager
    def patch() -> Any:
        cls = classifier.CodeSuggester
        svm0 = cls._svm

        def fit(self: Any, X: Any, y: np.ndarray, weight: np.ndarray, start: Any = None) -> Any:
            rows = weight > 0
            return make().fit(X[rows], y[rows], sample_weight=weight[rows]), None

        cls._svm = fit
        try:
            yield
        finally:
            cls._svm = svm0

    return patch


def logistic(C: float) -> Callable[[], Any]:
    def make() -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, solver="liblinear")

    return make


def _group_columns(codes: list[str]) -> list[list[int]]:
    """The codes' columns in each codebook group (the part of the id before the dot)."""
    by: dict[str, list[int]] = {}
    for j, c in enumerate(codes):
        by.setdefault(c.split(".")[0], []).append(j)
    return list(by.values())


CODES: list[str] = []  # the codebook's code ids, in the label matrix's order (group models)


class GroupModels(Column):
    """One more SVM per codebook group (any of its codes given), whose margin joins each of
    the group's codes' calibrations: a group has several times a code's positives, so its
    model knows the topic better. The group models are fitted as the first label columns."""

    def __init__(self, codes: list[str]) -> None:
        self.columns = _group_columns(codes)
        self.owner = {j: g for g, cols in enumerate(self.columns) for j in cols}
        self.ng = len(self.columns)

    def fit(self, model: Any, args: dict[str, Any]) -> dict[str, Any]:
        Y = np.asarray(args["Y"], dtype=np.int8)
        G = np.column_stack([Y[:, cols].max(axis=1) for cols in self.columns])
        known = args["known"]
        if known is not None:
            known = np.hstack([np.ones(G.shape, dtype=bool), np.asarray(known, dtype=bool)])
        return {**args, "Y": np.hstack([G, Y]), "known": known}

    def fitted(self, model: Any) -> None:
        for name in ("thresholds_", "trained_", "positives_"):
            setattr(model, name, getattr(model, name)[self.ng :])
        for name in ("oof_", "oof_n_", "held_out_"):
            setattr(model, name, getattr(model, name)[:, self.ng :])

    def train(self, model: Any, j: int) -> np.ndarray | None:
        if j < self.ng:
            return None
        return np.nan_to_num(model.oof_[:, self.owner[j - self.ng]])

    def test(self, model: Any, j: int, margins: np.ndarray, texts: list[str], extra: Any) -> Any:
        if j < self.ng:
            if j == 0:
                model._group = np.zeros((len(margins), self.ng))
            model._group[:, j] = margins[:, 0]
            return None
        return model._group[:, self.owner[j - self.ng]]

    def output(self, out: np.ndarray) -> np.ndarray:
        return out[:, self.ng :]


def group_models() -> Any:
    return with_column(GroupModels(CODES))


class _Scaled:
    def __init__(self, vec: Any, w: float) -> None:
        self.vec, self.w = vec, w

    def transform(self, texts: Any) -> Any:
        return self.w * self.vec.transform(texts)


def block_weight(word: float, char: float) -> Callable[[], Any]:
    """The turn's word and character TF-IDF blocks scaled (each row's blocks are unit
    vectors; today both x1)."""

    @contextmanager
    def patch() -> Any:
        fit0 = classifier._fit_tfidf

        def fit(texts: list[str], settings: dict[str, Any]) -> tuple[Any, Any]:
            vec, X = fit0(texts, settings)
            if settings is classifier.CONTEXT_SETTINGS:
                return vec, X
            w = char if settings.get("analyzer") == "char_wb" else word
            return _Scaled(vec, w), w * X

        classifier._fit_tfidf = fit
        try:
            yield
        finally:
            classifier._fit_tfidf = fit0

    return patch


def _ridge(
    E: np.ndarray, Y: np.ndarray, w: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Ridge regression of every code's +-1 labels on the rows' embeddings at once (rows with
    weight ``w``): (coefficients dims x codes, intercepts)."""
    s = w / w.sum()
    mu = s @ E
    T = 2.0 * Y - 1.0
    tm = s @ T
    Ec, Tc = E - mu, T - tm
    A = (Ec * w[:, None]).T @ Ec + alpha * np.eye(E.shape[1])
    W = np.linalg.solve(A, (Ec * w[:, None]).T @ Tc)
    return W, tm - mu @ W


class EmbeddingMargin(Column):
    """Late fusion of the optional sentence embeddings (the last 384 dense inputs): a ridge
    model of each code on the embeddings alone, out of fold on the check's folds
    (``in_svm``: the SVM keeps the embeddings too)."""

    DIM = 384

    def __init__(self, alpha: float, in_svm: bool) -> None:
        self.alpha, self.in_svm = alpha, in_svm

    def fit(self, model: Any, args: dict[str, Any]) -> dict[str, Any]:
        from threadpoolctl import threadpool_limits

        extra = np.asarray(args["extra"])
        E = extra[:, -self.DIM :]
        Y = np.asarray(args["Y"], dtype=np.int8)
        n = len(Y)
        tune = args["tune"]
        folds = model._folds(args["groups"], np.ones(n, dtype=bool) if tune is None
                             else np.asarray(tune, dtype=bool), n)  # fmt: skip
        model._E = np.full(Y.shape, np.nan)
        w = np.ones(n)
        with threadpool_limits(1):
            for f in range(int(folds.max()) + 1):
                W, b = _ridge(E[folds != f], Y[folds != f], w[folds != f], self.alpha)
                model._E[folds == f] = E[folds == f] @ W + b
            model._ridge = _ridge(E, Y, w, self.alpha)
        return {**args, "extra": self.inputs(model, extra)}

    def inputs(self, model: Any, extra: Any) -> Any:
        extra = np.asarray(extra)
        return extra if self.in_svm else extra[:, : -self.DIM]

    def train(self, model: Any, j: int) -> np.ndarray:
        return np.nan_to_num(model._E[:, j])

    def test(self, model: Any, j: int, margins: np.ndarray, texts: list[str], extra: Any) -> Any:
        W, b = model._ridge
        return np.asarray(extra)[:, -self.DIM :] @ W[:, j] + b[j]


def embedding_margin(alpha: float, in_svm: bool) -> Callable[[], Any]:
    return lambda: with_column(EmbeddingMargin(alpha, in_svm))


def per_code_C(choices: tuple[float, ...]) -> Callable[[], Any]:
    """Each code's C chosen by its own grouped check: the model is fitted at every C in
    ``choices`` and each code keeps the fit whose cross-fitted suggestions score the best F1
    on the check's held-out interviews (ties: the first)."""

    @contextmanager
    def patch() -> Any:
        import copy

        cls = classifier.CodeSuggester
        fit0 = cls.fit

        def fit(self: Any, texts: Any, Y: Any, extra: Any = None, context: Any = None,
                tune: Any = None, known: Any = None, groups: Any = None) -> Any:  # fmt: skip
            fits = []
            for C in choices:
                m = copy.copy(self)
                m.C = C
                fits.append(fit0(m, texts, Y, extra, context, tune, known, groups))
            base = fits[0]
            held = base.folds_ >= 0
            if tune is not None:
                held &= np.asarray(tune, dtype=bool)
            Yh = np.asarray(Y)[held]
            scores = [sources.f1_by_code(m.held_out_[held], Yh, np.ones(Yh.shape, bool))
                      for m in fits]  # fmt: skip
            F = np.array([[-1.0 if s[j] is None else s[j] for j in range(Yh.shape[1])]
                          for s in scores])  # fmt: skip
            best = np.argmax(F, axis=0)
            self.__dict__.update(copy.copy(base.__dict__))
            self.models_ = [fits[b].models_[j] for j, b in enumerate(best)]
            for name in ("thresholds_", "trained_"):
                setattr(self, name, np.array([getattr(fits[b], name)[j]
                                              for j, b in enumerate(best)]))  # fmt: skip
            self.held_out_ = np.column_stack([fits[b].held_out_[:, j] for j, b in enumerate(best)])
            self.C = choices[0]
            return self

        cls.fit = fit
        try:
            yield
        finally:
            cls.fit = fit0

    return patch


@contextmanager
def bagged() -> Any:
    """Each code's model the mean of its fit on every row and of the grouped check's fold
    fits (which are made anyway): bagging for free. Every fit a code makes is kept as it is
    made (its full fit first, then its folds'), and averaged when its calibration is done."""
    from qualcode.coding.lightmodel import Linear

    cls = classifier.CodeSuggester
    fit0, svm0, grouped0 = cls.fit, cls._svm, cls._grouped

    def svm(self: Any, *args: Any, **kwargs: Any) -> Any:
        fitted = svm0(self, *args, **kwargs)
        self._fits.append(fitted[0])
        return fitted

    def grouped(self: Any, y: np.ndarray, tune: np.ndarray, j: int) -> Any:
        self._bag[j], self._fits = self._fits, []
        return grouped0(self, y, tune, j)

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._bag, self._fits = {}, []
        fit0(self, *args, **kwargs)
        for j, model in enumerate(self.models_):
            if model is None or len(self._bag.get(j, [])) < 2:
                continue
            every = self._bag[j]  # the fit on every row, then the folds'
            coef = np.mean([np.asarray(s.coef_) for s in every], axis=0)
            intercept = np.mean([np.asarray(s.intercept_) for s in every], axis=0)
            self.models_[j] = (Linear(coef, intercept, np.array([0, 1]), every[0].C, 0), model[1])
        self._bag, self._fits = {}, []
        return self

    cls.fit, cls._svm, cls._grouped = fit, svm, grouped
    try:
        yield
    finally:
        cls.fit, cls._svm, cls._grouped = fit0, svm0, grouped0


def with_next_question(data: learn._Data) -> learn._Data:
    """The interviewer's next turn after the participant's (the question that follows the
    answer, where one does) as a third context column: a follow-up often names what was
    just said ("What difference has joint screening made?")."""
    context = []
    for i, (question, previous) in enumerate(data.context):
        same = i + 1 < len(data.texts) and data.groups[i + 1] == data.groups[i] >= 0
        following = data.context[i + 1][0] if same else ""
        context.append((question, previous, "" if following == question else following))
    return learn._Data(data.texts, context, data.rules, data.Y, data.groups, data.known,
                       data.vectors)  # fmt: skip


class Same(Column):
    """A column the same for every code: ``value(texts)``, a value per row."""

    def __init__(self, value: Callable[[list[str]], np.ndarray]) -> None:
        self.value = value

    def fit(self, model: Any, args: dict[str, Any]) -> dict[str, Any]:
        model._c = self.value(list(args["texts"]))
        return args

    def train(self, model: Any, j: int) -> np.ndarray:
        return np.asarray(model._c)

    def test(self, model: Any, j: int, margins: np.ndarray, texts: list[str], extra: Any) -> Any:
        return self.value(texts)


def calibration_column(value: Callable[[list[str]], np.ndarray]) -> Callable[[], Any]:
    return lambda: with_column(Same(value))


def log_words(texts: list[str]) -> np.ndarray:
    return np.log1p(np.array([len(t.split()) for t in texts], dtype=float))
