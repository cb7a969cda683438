"""qualcode.coding.nmf: TF-IDF and NMF without scikit-learn, checked against scikit-learn
(which stays installed for the suggester's fallback, so the tests can compare with it)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from qualcode.coding.nmf import nmf, tfidf

ROOT = Path(__file__).resolve().parents[1]

THEMES = [
    "bus village rural transport timetable driving lift miles valley taxi road petrol",
    "grant funding budget contract posts council money renewal pot bid cuts commissioned",
    "welsh language speaker cymraeg bilingual english medium translation fluent interpreter",
    "school attendance teacher pupils uniform homework bullying phones exams classroom",
]


def _topical(turns: int = 120, seed: int = 3) -> list[list[str]]:
    """Turns drawn mostly from one theme's words, with a few words of another."""
    rng = random.Random(seed)
    docs = []
    for i in range(turns):
        own = THEMES[i % len(THEMES)].split()
        other = THEMES[(i * 7 + 1) % len(THEMES)].split()
        docs.append([rng.choice(own) for _ in range(10)] + [rng.choice(other) for _ in range(2)])
    return docs


def _sklearn_tfidf(docs: list[list[str]], min_df: float, max_df: float) -> tuple:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=lambda d: d, min_df=min_df, max_df=max_df)
    X = vec.fit_transform(docs)
    return sp.csr_matrix(X), list(vec.get_feature_names_out())


# ten documents: each word's document frequency is its count in the name (a1: 1 ... a10: 10)
LADDER = [[f"a{n}" for n in range(1, 11) if i < n] for i in range(10)]
TIES = [
    ["Zeta", "zeta", "zeta", "alpha_beta", "alphabeta", "Alpha", "éclair", "eclair", "b"],
    [],
    ["zeta", "Zeta", "alpha_beta", "alphabeta", "éclair", "b", "b", "b"],
    ["Alpha", "alpha", "eclair", "éclair", "alphabeta", "zeta"],
    [],
    ["b", "b", "alpha", "Zeta", "alpha_beta", "eclair"],
    ["a1", "zeta", "Alpha", "alpha", "alpha"],
]


@pytest.mark.parametrize(
    ("docs", "min_df", "max_df"),
    [
        (LADDER, 1, 1.0),
        (LADDER, 3, 0.5),  # 0.5 x 10 = 5 exactly: a5 is kept, a6 is not
        (LADDER, 3, 0.55),  # 5.5: not rounded, a5 kept, a6 not
        (LADDER, 2, 7),  # a count, not a share
        (LADDER, 0.25, 0.8),  # a share for min_df too (2.5: a3 is the rarest kept)
        (LADDER, 10, 10),  # only the word in every document
        (TIES, 1, 1.0),  # upper case, accents and '_' sort as Python sorts strings
        (TIES, 2, 0.6),  # empty documents count in n and stay empty rows
        (TIES, 3, 4),
        (_topical(), 3, 0.15),  # the topic model's settings
    ],
)
def test_tfidf_is_scikit_learns(docs: list[list[str]], min_df: float, max_df: float) -> None:
    X, vocab = tfidf(docs, min_df=min_df, max_df=max_df)
    X0, vocab0 = _sklearn_tfidf(docs, min_df, max_df)
    assert list(vocab) == vocab0
    assert X.shape == X0.shape
    assert np.array_equal(X.indptr, X0.indptr)  # the same entries in each row
    assert np.allclose(X.toarray(), X0.toarray(), rtol=0, atol=1e-12)
    # the rows of non-empty documents have unit length, empty ones stay empty
    lengths = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    assert np.allclose(lengths[np.diff(X.indptr) > 0], 1.0)


def test_tfidf_refuses_settings_that_keep_nothing() -> None:
    with pytest.raises(ValueError, match="max_df"):
        tfidf(LADDER, min_df=5, max_df=3)
    with pytest.raises(ValueError, match="no terms left"):
        tfidf([["a", "b"], ["c"]], min_df=2, max_df=1.0)
    with pytest.raises(ValueError, match="no terms"):
        tfidf([[], []], min_df=1, max_df=1.0)


def _sklearn_nmf(X: sp.csr_matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    import warnings

    from sklearn.decomposition import NMF

    model = NMF(k, init="nndsvda", random_state=seed, max_iter=400, tol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fit that stops at max_iter is still compared
        W = model.fit_transform(X)
    return W, model.components_


def _objective(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray) -> float:
    return float(np.linalg.norm(X.toarray() - W @ H))


def _random_sparse(rows: int, cols: int, seed: int) -> sp.csr_matrix:
    return sp.random(rows, cols, density=0.15, format="csr", random_state=seed)


@pytest.mark.parametrize(
    ("X", "k", "seed"),
    [
        (_random_sparse(80, 60, 0), 4, 0),  # more rows than columns, 7 power iterations
        (_random_sparse(80, 60, 1), 8, 5),  # k over a tenth of the shorter side: 4 iterations
        (_random_sparse(40, 90, 2), 5, 1),  # more columns than rows: the SVD of X transposed
        (tfidf(_topical(), 3, 0.5)[0], 4, 1),
        (tfidf(_topical(200, seed=9), 3, 0.5)[0], 6, 2),  # more topics than themes
    ],
)
def test_nmf_is_scikit_learns(X: sp.csr_matrix, k: int, seed: int) -> None:
    W, H = nmf(X, k, seed=seed)
    W0, H0 = _sklearn_nmf(X, k, seed)
    assert W.shape == W0.shape and H.shape == H0.shape
    assert (W >= 0).all() and (H >= 0).all()
    assert np.allclose(W, W0, rtol=1e-6, atol=1e-9)
    assert np.allclose(H, H0, rtol=1e-6, atol=1e-9)
    assert _objective(X, W, H) <= _objective(X, W0, H0) * (1 + 1e-9)
    # the same top terms in the same order, as the topic model reads them
    assert [list(np.argsort(-h)[:10]) for h in H] == [list(np.argsort(-h)[:10]) for h in H0]


def test_nmf_finds_the_themes() -> None:
    docs = _topical()
    X, vocab = tfidf(docs, 3, 0.5)
    _, H = nmf(X, 4, seed=1)
    found = {frozenset(str(vocab[i]) for i in np.argsort(-h)[:5]) for h in H}
    for terms in found:
        assert any(terms <= set(theme.split()) for theme in THEMES), terms
    assert len({next(t for t in THEMES if terms <= set(t.split())) for terms in found}) == 4


def test_nmf_is_deterministic() -> None:
    X = _random_sparse(70, 50, 4)
    first, again = nmf(X, 5, seed=3), nmf(X, 5, seed=3)
    assert first[0].tobytes() == again[0].tobytes()
    assert first[1].tobytes() == again[1].tobytes()
    other = nmf(X, 5, seed=4)  # the seed is used: a different random start
    assert first[0].tobytes() != other[0].tobytes()


def test_nmf_refuses_more_components_than_the_matrix_has() -> None:
    with pytest.raises(ValueError, match="components"):
        nmf(_random_sparse(5, 30, 0), 6, seed=1)


def test_the_topic_step_does_not_import_scikit_learn() -> None:
    texts = [" ".join(d) for d in _topical(60)]
    code = (
        "import json, sys\n"
        "from qualcode.coding.topics import fit_topics\n"
        "from qualcode.settings import TopicSettings\n"
        "texts = json.loads(sys.stdin.read())\n"
        "s = TopicSettings(k_min=3, k_max=5, k_step=1, min_words=5, common=0.5)\n"
        "k, terms, theta, tried, keep = fit_topics(texts, s)\n"
        "heavy = [m for m in ('sklearn', 'scipy.optimize', 'scipy.stats') if m in sys.modules]\n"
        "print(json.dumps({'k': k, 'tried': len(tried), 'heavy': heavy}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(texts),
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["tried"] == 3 and 3 <= result["k"] <= 5  # it did fit every k
    assert result["heavy"] == []
