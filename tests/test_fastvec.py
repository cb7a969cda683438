"""Scoring-time TF-IDF counted by distinct word (qualcode.coding.fastvec) gives scikit-learn's
matrices exactly, so the stored suggestions do not change when scoring gets faster."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from qualcode.coding.classifier import CodeSuggester
from qualcode.coding.fastvec import FastTfidfVectorizer, speed_up

TRAIN = [
    "The police referral came through the hub on a Friday night.",
    "We screened it jointly with children's services the next morning.",
    "Honestly the school didn't know who to call, so they rang the PCSO.",
    "Universal Credit delays meant the family had no money for the meter.",
    "Café staff said the naïve approach was to wait; we couldn't wait.",
    "Early help, early help, early help: that's all anyone says now.",
]
# Unseen words, repeats, odd spacing and case, accents, empty and one-letter texts.
SCORE = [
    *TRAIN,
    "  A   referral\tfrom the\n\nhub  ",
    "",
    "I",
    "x y z",
    "ÉCOLE café CAFÉ naïve naive",
    "the the the the hub hub",
    "Something nobody said in training at all, surely?",
]


def _same(a: object, b: object) -> None:
    assert type(a) is type(b)
    assert a.shape == b.shape  # type: ignore[attr-defined]
    assert a.dtype == b.dtype  # type: ignore[attr-defined]
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a, part), getattr(b, part)), part


@pytest.mark.parametrize(
    "settings",
    [
        {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 1, "sublinear_tf": True},
        {"analyzer": "char_wb", "ngram_range": (1, 3), "max_features": 40},
        {"ngram_range": (1, 2), "sublinear_tf": True},
        {"ngram_range": (1, 3), "lowercase": False},
        {"ngram_range": (2, 2), "strip_accents": "unicode"},
        {"analyzer": "char_wb", "ngram_range": (2, 4), "strip_accents": "ascii"},
    ],
)
def test_the_same_matrix_as_scikit_learn(settings: dict[str, object]) -> None:
    plain = TfidfVectorizer(**settings).fit(TRAIN)  # type: ignore[arg-type]
    fast = copy.deepcopy(plain)
    fast.__class__ = FastTfidfVectorizer
    _same(plain.transform(SCORE), fast.transform(SCORE))
    _same(plain.transform(SCORE[::-1]), fast.transform(SCORE[::-1]))  # words cached: same again
    _same(plain.transform([""]), fast.transform([""]))


def test_settings_it_does_not_reproduce_keep_scikit_learns_counting() -> None:
    plain = TfidfVectorizer(stop_words=["the"], analyzer="word").fit(TRAIN)
    fast = copy.deepcopy(plain)
    fast.__class__ = FastTfidfVectorizer
    _same(plain.transform(SCORE), fast.transform(SCORE))
    assert "_word_rows" not in fast.__dict__


def test_a_sped_up_model_predicts_what_it_did() -> None:
    texts = TRAIN * 3
    Y = np.array([[i % 2, i % 3 == 0] for i in range(len(texts))], dtype=np.int8)
    context = [("What happened?", t) for t in texts]
    model = CodeSuggester(min_positives=2).fit(texts, Y, None, context)
    before = model.predict_proba(SCORE, None, [("Who rang?", s) for s in SCORE])
    speed_up(model)
    assert all(type(v) is FastTfidfVectorizer for _, v in model.features_.transformer_list)
    after = model.predict_proba(SCORE, None, [("Who rang?", s) for s in SCORE])
    assert np.array_equal(before, after)
