"""Scoring-time TF-IDF without scikit-learn's per-n-gram Python loop: the same matrix, faster.

A fitted ``TfidfVectorizer`` turns every text into n-grams and looks each one up in its
vocabulary, one Python step per n-gram (for character 2-5-grams about twenty per word): most of
what scoring the uncoded turns of a project costs. The character n-grams of a word do not
depend on its neighbours, so here each distinct word's n-gram ids are found once and reused, and
word n-grams are looked up in one pass; the counts are then those scikit-learn counts, in the
same sparse layout, and its own TF-IDF weighting runs on them. ``speed_up`` gives a fitted model's
vectorizers this counting for transforms (fitting is left to scikit-learn), and any setting
this does not reproduce (a custom analyzer, tokenizer, preprocessor or stop words, input that is
not text) keeps scikit-learn's own counting.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

try:  # scikit-learn 1.8+: the container its own counting returns
    from sklearn.feature_extraction.text import _align_api_if_sparse
except ImportError:  # pragma: no cover - older scikit-learn returns the matrix as it is

    def _align_api_if_sparse(X: Any) -> Any:
        return X


class FastTfidfVectorizer(TfidfVectorizer):  # type: ignore[misc]
    """A TfidfVectorizer whose transform counts n-grams by distinct word (same output)."""

    def _count_vocab(self, raw_documents: Iterable[Any], fixed_vocab: bool) -> Any:
        if not fixed_vocab or not _supported(self):
            return super()._count_vocab(raw_documents, fixed_vocab)
        vocabulary = self.vocabulary_
        texts = [self._prepare(doc) for doc in raw_documents]
        if self.analyzer == "char_wb":
            X = self._char_wb_counts(texts, len(vocabulary))
        else:
            tokenize = self.build_tokenizer()
            found = [self._word_ids(tokenize(text), vocabulary) for text in texts]
            X = _counts(found, len(vocabulary))
        return vocabulary, self._as_sklearn(X, len(vocabulary))

    def _as_sklearn(self, X: Any, width: int) -> Any:
        """Counts (documents x vocabulary) in the layout and types scikit-learn's have."""
        import scipy.sparse as sp

        index_dtype = np.int64 if X.nnz > np.iinfo(np.int32).max else np.int32
        out = sp.csr_array(
            (
                np.asarray(X.data, dtype=np.intc),
                np.asarray(X.indices, dtype=index_dtype),
                np.asarray(X.indptr, dtype=index_dtype),
            ),
            shape=(X.shape[0], width),
            dtype=self.dtype,
        )
        out.sort_indices()
        return _align_api_if_sparse(out)

    def _char_wb_counts(self, texts: list[str], width: int) -> Any:
        """Documents x distinct words, times distinct words x character n-grams: each word's
        n-grams are found once, however often it is said."""
        vocabulary = self.vocabulary_
        rows: dict[str, int] = self.__dict__.setdefault("_word_rows", {})
        grams: list[list[int]] = self.__dict__.setdefault("_word_grams", [])
        said: list[list[int]] = []
        for text in texts:
            words = self._white_spaces.sub(" ", text).split()
            for w in words:
                if w not in rows:
                    rows[w] = len(grams)
                    found = self._char_wb_ngrams(w)
                    grams.append([vocabulary[g] for g in found if g in vocabulary])
            said.append([rows[w] for w in words])
        D = _counts(said, len(grams))
        W = _counts(grams, width)
        return (D @ W).tocsr()

    def _prepare(self, doc: Any) -> str:
        text = self.decode(doc)
        if self.lowercase:
            text = text.lower()
        accents = self.strip_accents
        if accents is not None:
            from sklearn.feature_extraction.text import strip_accents_ascii, strip_accents_unicode

            text = (strip_accents_ascii if accents == "ascii" else strip_accents_unicode)(text)
        return str(text)

    def _word_ids(self, tokens: list[str], vocabulary: dict[str, int]) -> list[int]:
        lo, hi = self.ngram_range
        get = vocabulary.get
        out: list[int] = []
        for n in range(lo, hi + 1):
            shifted = (tokens[i:] for i in range(n))
            grams = tokens if n == 1 else map(" ".join, zip(*shifted, strict=False))
            out += [j for j in map(get, grams) if j is not None]
        return out


def _counts(found: list[list[int]], width: int) -> Any:
    """A sparse count matrix: row i counts the ids in ``found[i]`` (columns 0..width-1)."""
    import scipy.sparse as sp

    lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    flat = np.fromiter((j for ids in found for j in ids), dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(found), dtype=np.int64), lengths)
    keys, counts = np.unique(rows * max(width, 1) + flat, return_counts=True)
    indptr = np.zeros(len(found) + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // max(width, 1), minlength=len(found)), out=indptr[1:])
    return sp.csr_array((counts, keys % max(width, 1), indptr), shape=(len(found), width))


def _supported(vec: TfidfVectorizer) -> bool:
    """Whether this counting reproduces scikit-learn's for these settings."""
    return (
        vec.analyzer in ("char_wb", "word")
        and vec.input == "content"
        and vec.preprocessor is None
        and vec.tokenizer is None
        and vec.stop_words is None
        and vec.strip_accents in (None, "ascii", "unicode")
        and (vec.analyzer == "char_wb" or vec.token_pattern is not None)
        and hasattr(vec, "vocabulary_")
    )


def speed_up(model: Any) -> Any:
    """``model`` (a fitted CodeSuggester) with each of its TF-IDF vectorizers counting by
    distinct word at transform time; its predictions are unchanged. Returns the model."""
    vectors = [v for _, v in model.features_.transformer_list]
    vectors += [v for v in getattr(model, "context_", []) if v is not None]
    for vec in vectors:
        if type(vec) is TfidfVectorizer:
            vec.__class__ = FastTfidfVectorizer
    return model
