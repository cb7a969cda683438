"""Fitting a TF-IDF vectorizer without importing scikit-learn: its vocabulary, idf and matrix.

``fit_transform(texts, **settings)`` takes the settings of scikit-learn's ``TfidfVectorizer``
(those the suggester uses: word n-grams with a token pattern or ``char_wb`` n-grams, min_df,
max_df, max_features, sublinear tf, lowercase, norm, smooth idf) and returns what that
vectorizer's ``fit_transform`` gives, bit for bit, as a ``lightmodel.Tfidf`` (which transforms
new texts without scikit-learn) and the training matrix. What has to match, and how:

- the terms are numbered in the order scikit-learn first meets them (text by text, n-grams in
  its order), because its matrix keeps each row's entries in that order, and its row norms add
  the squares in storage order (so its ``fit_transform`` differs from its own ``transform`` of
  the same texts in the last bit of some values; this module gives the ``fit_transform``'s);
- the kept terms are numbered in sorted order; min_df/max_df compare the document counts with
  the same numbers (a float is a share of the texts); max_features keeps the terms that
  NumPy's default argsort of the negated total counts (float64, terms in sorted order, those
  min_df/max_df kept) puts first, the very call scikit-learn makes, so ties fall the same way;
- idf is ``log((n + 1) / (df + 1)) + 1`` (without smoothing ``log(n / df) + 1``), computed
  with the same float64 operations; then ``log(tf) + 1``, times idf, rows divided by their L2
  norms (``lightmodel``).

Character n-grams are found once per distinct word, and repeated texts counted once: the texts
x words counts times the words x n-grams counts give the texts x n-grams counts. The returned
vectorizer keeps those words' n-gram ids, so transforming the training texts again finds no
n-gram twice. Any other setting raises ``Unsupported`` (a caller falls back to scikit-learn).
Imports NumPy and scipy.sparse only (tests/test_tfidffit.py checks, in a fresh process).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, compress
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp

from qualcode.coding import lightmodel

TOKENS = r"(?u)\b\w\w+\b"


class Unsupported(ValueError):
    """Settings (or inputs) this module does not reproduce: fit with scikit-learn instead
    (which may take them, or refuse them too)."""


# TfidfVectorizer's parameters and their defaults (scikit-learn 1.9): what get_params reports
DEFAULTS: dict[str, Any] = {
    "analyzer": "word", "binary": False, "decode_error": "strict", "dtype": np.float64,
    "encoding": "utf-8", "input": "content", "lowercase": True, "max_df": 1.0,
    "max_features": None, "min_df": 1, "ngram_range": (1, 1), "norm": "l2",
    "preprocessor": None, "smooth_idf": True, "stop_words": None, "strip_accents": None,
    "sublinear_tf": False, "token_pattern": TOKENS, "tokenizer": None, "use_idf": True,
    "vocabulary": None,
}  # fmt: skip
# settings with a fixed set of values reproduced here (anything else: Unsupported)
ONLY = {
    "analyzer": ("word", "char_wb"), "binary": (False,), "input": ("content",),
    "decode_error": ("strict", "ignore", "replace"), "norm": ("l2", None),
    "preprocessor": (None,), "stop_words": (None,), "strip_accents": (None,),
    "tokenizer": (None,), "use_idf": (True,), "vocabulary": (None,),
    "lowercase": (True, False), "sublinear_tf": (True, False), "smooth_idf": (True, False),
}  # fmt: skip


def fit_transform(texts: Sequence[str], **params: Any) -> tuple[lightmodel.Tfidf, sp.csr_matrix]:
    """(the fitted vectorizer, the texts' TF-IDF matrix), as scikit-learn's
    ``TfidfVectorizer(**params).fit_transform(texts)`` gives them. ``Unsupported`` (a
    ValueError) for settings or inputs not reproduced here; ValueError, with scikit-learn's
    words, where it refuses the texts too (no terms, none left after min_df/max_df)."""
    settings = _settings(params)
    if isinstance(texts, str | bytes):
        raise ValueError("fit_transform takes a sequence of texts, not one text")
    docs = list(texts)
    if not all(isinstance(t, str) for t in docs):
        raise Unsupported("fit_transform takes texts (str) only")
    if settings["lowercase"]:
        docs = [t.lower() for t in docs]
    low, high = settings["ngram_range"]
    words: dict[str, int] = {}
    if settings["analyzer"] == "char_wb":
        terms, X, words, found = _char_wb_counts(docs, low, high)
    else:
        terms, X = _word_counts(docs, low, high, str(settings["token_pattern"]))
    if not terms:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    new_id, df, names = _choose(terms, X, settings)
    vocabulary = dict(zip(names, range(len(names)), strict=True))
    idf = _idf(df, X.shape[0], bool(settings["smooth_idf"]))
    matrix = _weigh(_renumber(X, new_id), idf, settings)
    vec = lightmodel.Tfidf(vocabulary, idf, settings)
    if words:  # the training words' n-grams, for transforming these texts again
        vec._cache.update(rows=words, grams=_kept_grams(*found, new_id))
    return vec, matrix


def _settings(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise Unsupported(f"not a TfidfVectorizer setting: {sorted(unknown)[0]}")
    s = {**DEFAULTS, **params}
    for key, allowed in ONLY.items():
        if not any(s[key] is a or (type(s[key]) is type(a) and s[key] == a) for a in allowed):
            raise Unsupported(f"{key}={s[key]!r} is not reproduced here")
    if not isinstance(s["encoding"], str) or not _float64(s["dtype"]):
        raise Unsupported("only float64 TF-IDF (and a text encoding name) is reproduced here")
    ngrams = s["ngram_range"]
    if not (isinstance(ngrams, tuple) and len(ngrams) == 2 and all(map(_whole, ngrams))):
        raise Unsupported("ngram_range must be a tuple of two whole numbers")
    if not 1 <= ngrams[0] <= ngrams[1]:
        raise Unsupported(f"ngram_range={ngrams}: 1 <= lower <= upper expected")
    for key in ("min_df", "max_df"):
        value = s[key]
        if not ((_whole(value) and value >= 1) or (_share(value) and 0 <= value <= 1)):
            raise Unsupported(f"{key}={value!r}: a whole number >= 1 or a float in [0, 1]")
    if s["max_features"] is not None and not (_whole(s["max_features"]) and s["max_features"] >= 1):
        raise Unsupported("max_features must be None or a whole number >= 1")
    if s["analyzer"] == "word":
        pattern = s["token_pattern"]
        if not isinstance(pattern, str) or re.compile(pattern).groups > 1:
            raise Unsupported("a word analyzer needs a token pattern with at most one group")
    return s


def _float64(dtype: Any) -> bool:
    try:
        return bool(np.dtype(dtype) == np.float64)
    except TypeError:
        return False


def _whole(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _share(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, Integral)


def _distinct(docs: list[str]) -> tuple[list[str], np.ndarray | None]:
    """The distinct texts in first-seen order, and each text's place among them (None: none
    repeated)."""
    first: dict[str, int] = {}
    index = [first.setdefault(t, len(first)) for t in docs]
    return list(first), None if len(first) == len(docs) else np.asarray(index, dtype=np.int64)


def _numbered(lists: list[list[str]]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """Each distinct item's number, in first-seen order; every item of ``lists`` as its
    number, end to end; and each list's length."""
    ids = dict.fromkeys(chain.from_iterable(lists), 0)
    ids.update(zip(ids, range(len(ids)), strict=True))  # values only: keys stay put
    lengths = np.fromiter(map(len, lists), np.int64, len(lists))
    items = map(ids.__getitem__, chain.from_iterable(lists))
    return ids, np.fromiter(items, np.int64, int(lengths.sum())), lengths


def _word_grams(tokens: list[str], low: int, high: int) -> list[str]:
    """The word n-grams of ``tokens`` in scikit-learn's order: by length, then position."""
    out = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        out += map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False))
    return out


def _word_counts(docs: list[str], low: int, high: int, pattern: str) -> tuple[dict[str, int], Any]:
    distinct, index = _distinct(docs)
    tokenize = re.compile(pattern).findall
    ids, flat, lengths = _numbered([_word_grams(tokenize(t), low, high) for t in distinct])
    X = lightmodel.tally(flat, lengths, len(ids))
    return ids, X if index is None else X[index]


def _char_wb_counts(
    docs: list[str], low: int, high: int
) -> tuple[dict[str, int], Any, dict[str, int], tuple[np.ndarray, np.ndarray]]:
    """The terms, the counts (texts x terms), each distinct word's row and the words' n-gram
    numbers (end to end, and how many each word has)."""
    distinct, index = _distinct(docs)
    rows, said, many = _numbered([lightmodel.WHITE.sub(" ", t).split() for t in distinct])
    ids, flat, lengths = _numbered([lightmodel.char_wb_ngrams(w, low, high) for w in rows])
    words = lightmodel.tally(said, many, len(rows))  # texts x words (repeated texts: the same row)
    if index is not None:
        words = words[index]
    # (texts x words) @ (words x n-grams), multiplied transposed: turning the product back
    # into rows sorts each row's columns (cheaper than sorting them)
    product = lightmodel.tally(flat, lengths, len(ids)).T.tocsr() @ words.T.tocsr()
    X = product.T.tocsr()
    X.sort_indices()  # a check only: they are sorted
    return ids, X, rows, (flat, lengths)


def _choose(
    terms: dict[str, int], X: Any, s: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Each first-seen number's column (-1: left out), the kept terms' document counts and
    the kept terms in column order."""
    n_docs, width = X.shape
    ranked = sorted(terms)
    order = np.fromiter(map(terms.__getitem__, ranked), dtype=np.int64, count=width)
    df = np.bincount(X.indices, minlength=width)[order]  # in sorted order from here
    most = s["max_df"] if _whole(s["max_df"]) else s["max_df"] * n_docs
    least = s["min_df"] if _whole(s["min_df"]) else s["min_df"] * n_docs
    if most < least:
        raise ValueError("max_df corresponds to < documents than min_df")
    mask = (df <= most) & (df >= least)
    limit = s["max_features"]
    if limit is not None and mask.sum() > limit:
        total = np.bincount(X.indices, weights=X.data, minlength=width)[order]
        first = (-total[mask]).argsort()[:limit]  # scikit-learn's call: its order of ties
        chosen = np.zeros(width, dtype=bool)
        chosen[np.flatnonzero(mask)[first]] = True
        mask = chosen
    if not mask.any():
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    new_id = np.full(width, -1, dtype=np.int64)
    new_id[order[mask]] = np.arange(int(mask.sum()))
    names = ranked if mask.all() else list(compress(ranked, mask.tolist()))
    return new_id, df[mask], names


def _idf(df: np.ndarray, n_docs: int, smooth: bool) -> np.ndarray:
    counted = df.astype(np.float64) + float(smooth)
    idf = np.full_like(counted, n_docs + int(smooth), dtype=np.float64)
    idf /= counted
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def _renumber(X: Any, new_id: np.ndarray) -> sp.csr_matrix:
    """The kept columns, renumbered, each row's entries left in their order (int32 indices
    where they fit, as scikit-learn's)."""
    columns = new_id[X.indices]
    keep = columns >= 0
    before = np.concatenate([[0], np.cumsum(keep)])
    indptr = before[X.indptr]
    index = np.int32 if int(indptr[-1]) <= np.iinfo(np.int32).max else np.int64
    data = np.asarray(X.data[keep], dtype=np.float64)
    shape = (X.shape[0], int(new_id.max()) + 1)
    return sp.csr_matrix(
        (data, columns[keep].astype(index), indptr.astype(index)), shape=shape, copy=False
    )


def _weigh(X: sp.csr_matrix, idf: np.ndarray, s: dict[str, Any]) -> sp.csr_matrix:
    if s["sublinear_tf"]:
        np.log(X.data, X.data)
        X.data += 1.0
    X.data *= idf[X.indices]
    if s["norm"] == "l2":
        lightmodel._normalize_rows(X)
    return X


def _kept_grams(flat: np.ndarray, lengths: np.ndarray, new_id: np.ndarray) -> list[list[int]]:
    """Each word's n-gram numbers as kept columns (those left out dropped)."""
    columns = new_id[flat]
    keep = columns >= 0
    word = np.repeat(np.arange(len(lengths)), lengths)
    ends = np.cumsum(np.bincount(word[keep], minlength=len(lengths))).tolist()
    kept = columns[keep].tolist()
    return [kept[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
