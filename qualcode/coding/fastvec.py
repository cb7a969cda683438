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

from qualcode.coding import lightmodel

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
        low, high = self.ngram_range
        if self.analyzer == "char_wb":
            cache = self.__dict__.setdefault("_word_cache", {})
            X = lightmodel.char_wb_counts(texts, vocabulary, (low, high), cache)
        else:
            tokenize = self.build_tokenizer()
            found = [lightmodel.word_ids(tokenize(t), low, high, vocabulary) for t in texts]
            X = lightmodel.counts(found, len(vocabulary))
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

    def _prepare(self, doc: Any) -> str:
        text = self.decode(doc)
        if self.lowercase:
            text = text.lower()
        accents = self.strip_accents
        if accents is not None:
            from sklearn.feature_extraction.text import strip_accents_ascii, strip_accents_unicode

            text = (strip_accents_ascii if accents == "ascii" else strip_accents_unicode)(text)
        return str(text)


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
