"""A loaded model's scoring without importing scikit-learn: the same numbers, a second sooner.

Importing scikit-learn costs about 0.9 CPU-s (it imports scipy.stats), more than scoring a
few thousand turns once each distinct word's n-grams are found once. A model file holds only
numbers (``modelfile``), so scoring with it needs none of scikit-learn's code: the TF-IDF
transform (n-gram counts, sublinear tf, idf, L2 rows) and the linear models' margins are
written here with the same floating-point operations in the same order as scikit-learn's
(counts then ``log + 1``, times idf, each row divided by the square root of its sum of squares
added left to right; margins from SciPy's sparse product), so a loaded model's predictions are
those of the trained one, bit for bit (tests/test_lightmodel_scoring.py and
tests/test_loose_ends_files.py).
Settings this does not reproduce keep scikit-learn's own classes (``supported``).
Fitting a ``Tfidf`` without scikit-learn (its vocabulary, idf and matrix): ``tfidffit``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

WHITE = re.compile(r"\s\s+")  # as scikit-learn normalises white space for character n-grams
_CACHE_LOCK = threading.Lock()  # guards each vectorizer's word cache


def char_wb_ngrams(word: str, low: int, high: int) -> list[str]:
    """The character n-grams of one word padded with a space each side (scikit-learn's
    ``char_wb``: a word shorter than n gives itself once, and longer n are not tried)."""
    w = f" {word} "
    size = len(w)
    out: list[str] = []
    for n in range(low, high + 1):
        if n >= size:
            out.append(w)
            break
        out += [w[i : i + n] for i in range(size - n + 1)]
    return out


def word_ids(tokens: list[str], low: int, high: int, vocabulary: dict[str, int]) -> list[int]:
    """Vocabulary ids of the word n-grams (low..high words) of ``tokens``."""
    get = vocabulary.get
    out: list[int] = []
    for n in range(low, high + 1):
        shifted = (tokens[i:] for i in range(n))
        grams = tokens if n == 1 else map(" ".join, zip(*shifted, strict=False))
        out += [j for j in map(get, grams) if j is not None]
    return out


def counts(found: list[list[int]], width: int) -> Any:
    """Row i counts the ids in ``found[i]`` (columns 0..width-1): CSR, indices sorted."""
    lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=int(lengths.sum()))
    return tally(flat, lengths, width)


def tally(flat: np.ndarray, lengths: np.ndarray, width: int) -> Any:
    """Row i counts the ids of the i-th list (``flat`` cut by ``lengths``): CSR, indices
    sorted (columns 0..width-1)."""
    import scipy.sparse as sp

    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ones = np.ones(len(flat), dtype=np.int64)
    X = sp.csr_matrix((ones, flat, indptr), shape=(len(lengths), width))
    X.sum_duplicates()
    return X


def char_wb_counts(
    texts: Sequence[str], vocabulary: dict[str, int], ngram_range: tuple[int, int], cache: Any
) -> Any:
    """Counts of the vocabulary's character n-grams in each (prepared) text: texts x distinct
    words, times distinct words x n-grams, each word's n-grams found once per process.
    ``cache`` is a dict kept between calls (word -> row, and the rows)."""
    low, high = ngram_range
    said: list[list[int]] = []
    with _CACHE_LOCK:  # one model may score in two threads (the review app's background retrain)
        rows: dict[str, int] = cache.setdefault("rows", {})
        grams: list[list[int]] = cache.setdefault("grams", [])
        for text in texts:
            words = WHITE.sub(" ", text).split()
            for w in words:
                if w not in rows:
                    found = char_wb_ngrams(w, low, high)
                    grams.append([vocabulary[g] for g in found if g in vocabulary])
                    rows[w] = len(grams) - 1
            said.append([rows[w] for w in words])
        by_word = counts(grams, len(vocabulary))
    product = counts(said, by_word.shape[0]) @ by_word
    product = product.tocsr()
    product.sort_indices()
    return product


# The vectorizer settings reproduced here; any other value keeps scikit-learn's class.
SUPPORTED = {
    "analyzer": ("word", "char_wb"),
    "input": ("content",),
    "strip_accents": (None,),
    "binary": (False,),
    "use_idf": (True,),
    "norm": ("l2", None),
    "dtype": ("float64",),
}


def supported(params: dict[str, Any]) -> bool:
    return all(params.get(k, ok[0]) in ok for k, ok in SUPPORTED.items()) and (
        params.get("analyzer") == "char_wb" or params.get("token_pattern") is not None
    )


class Tfidf:
    """A fitted TF-IDF vectorizer (vocabulary, idf, settings) that can only transform."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, params: dict[str, Any]):
        self.vocabulary_ = vocabulary
        self.idf_ = idf
        self.params = dict(params)
        self.dtype = np.float64
        self.analyzer = str(params["analyzer"])
        self.lowercase = bool(params.get("lowercase", True))
        self.ngram_range = (int(params["ngram_range"][0]), int(params["ngram_range"][1]))
        self.sublinear_tf = bool(params.get("sublinear_tf", False))
        self.norm = params.get("norm", "l2")
        pattern = params.get("token_pattern")
        self._tokenize = re.compile(pattern).findall if pattern else None
        self._cache: dict[str, Any] = {}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {**self.params, "ngram_range": self.ngram_range, "dtype": self.dtype}

    def get_feature_names_out(self) -> np.ndarray:
        """The terms in column order (as scikit-learn's: an array of str objects)."""
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return np.asarray(terms, dtype=object)

    def transform(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp

        prepared = [t.lower() for t in texts] if self.lowercase else list(texts)
        if self.analyzer == "char_wb":
            X = char_wb_counts(prepared, self.vocabulary_, self.ngram_range, self._cache)
        else:
            assert self._tokenize is not None
            low, high = self.ngram_range
            found = [word_ids(self._tokenize(t), low, high, self.vocabulary_) for t in prepared]
            X = counts(found, len(self.vocabulary_))
        X = sp.csr_matrix(
            (np.asarray(X.data, dtype=np.float64), X.indices, X.indptr), shape=X.shape
        )
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        X.data *= self.idf_[X.indices]
        if self.norm == "l2":
            _normalize_rows(X)
        return X


def _normalize_rows(X: Any) -> None:
    """Each row divided by its L2 norm, in place; the sum of squares added left to right per
    row (SciPy's sparse product with ones), as scikit-learn's loop adds it; empty rows kept."""
    import scipy.sparse as sp

    squares = sp.csr_matrix((X.data * X.data, X.indices, X.indptr), shape=X.shape)
    sums = squares @ np.ones(X.shape[1])
    norms = np.sqrt(sums)
    norms[sums == 0.0] = 1.0
    X.data /= np.repeat(norms, np.diff(X.indptr))


class Union:
    """The text's word and character features side by side (as scikit-learn's FeatureUnion)."""

    def __init__(self, transformer_list: list[tuple[str, Any]]):
        self.transformer_list = transformer_list

    def transform(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp

        return sp.hstack([t.transform(texts) for _, t in self.transformer_list]).tocsr()


class Linear:
    """One code's fitted linear SVM: its margins (as LinearSVC.decision_function)."""

    def __init__(
        self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray, C: float, seed: Any
    ):
        self.coef_, self.intercept_, self.classes_ = coef, intercept, classes
        self.C, self.random_state = C, seed
        self.n_features_in_ = coef.shape[1]

    def decision_function(self, X: Any) -> np.ndarray:
        scores: np.ndarray = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores.reshape(-1) if scores.shape[1] == 1 else scores
