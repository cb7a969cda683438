"""TF-IDF fitted without scikit-learn (qualcode.coding.tfidffit) gives scikit-learn's vocabulary,
idf, settings and training matrix bit for bit, so a model trained on it is the model trained
before, and its file the same file (issue 26: scikit-learn's import is a second of every run)."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from qualcode.coding import lightmodel, modelfile, tfidffit
from qualcode.coding.classifier import CodeSuggester
from tests.conftest import ROOT

# Welsh and accented letters, case, punctuation, odd white space, empty and repeated texts.
TEXTS = [
    "The police referral came through the hub on a Friday night.",
    "Roedd y gwasanaeth yn dda iawn, ond doedd dim digon o staff ar ddydd Sadwrn.",
    "Café staff said the naïve approach was to wait; we couldn't wait.",
    "",
    "Ŵyr i'n chwarae yn Llanelli: ŵyr, ŷd, âr, ÂR!",
    "  A   referral\tfrom the\n\nhub  ",
    "Yes.",
    "Yes.",
    "Early help, early help, early help: that's all anyone says now.",
    "Universal Credit delays meant the family had no money for the meter.",
    "I",
    "x y z",
    "ÉCOLE café CAFÉ naïve naive",
    "Roedd y plant yn yr ysgol; roedd yr athrawon yn poeni am arian.",
    "the the the the hub hub",
    "Yes.",
    "   ",
    "Gwasanaethau cymdeithasol — social services — rang the school (again).",
    "Honestly the school didn't know who to call, so they rang the PCSO.",
    "Mae'r ysgol wedi cau; mae'r plant adref.",
    "İSTANBUL'da Straße 😀 café\u00a0noir\u2003ŵyr",  # lower() lengthens İ; odd spaces
]
WORD = {"ngram_range": (1, 2), "min_df": 1, "sublinear_tf": True, "lowercase": True}
CHAR = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True,
        "max_features": 200_000}  # fmt: skip
SETTINGS: list[dict[str, Any]] = [
    WORD,
    CHAR,
    {"ngram_range": (1, 2), "sublinear_tf": True},  # the context columns'
    {"ngram_range": (1, 2), "min_df": 2},
    {"ngram_range": (1, 1), "min_df": 0.1, "max_df": 0.3},
    {"ngram_range": (1, 3), "lowercase": False, "max_df": 4},
    {"ngram_range": (2, 2), "norm": None, "smooth_idf": False},
    {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 1, "sublinear_tf": True},
    {"analyzer": "char_wb", "ngram_range": (1, 3), "min_df": 0.15, "max_df": 0.5},
    {"analyzer": "char_wb", "ngram_range": (3, 3), "lowercase": False, "max_df": 6},
    {"analyzer": "char_wb", "ngram_range": (4, 6), "smooth_idf": False, "norm": None},
]


def _same(a: Any, b: Any) -> None:
    """The same sparse matrix to the bit: type, shape, dtypes and the stored arrays in order."""
    assert type(a) is type(b)
    assert a.shape == b.shape and a.dtype == b.dtype and a.indices.dtype == b.indices.dtype
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a, part), getattr(b, part)), part


def _check(texts: list[str], settings: dict[str, Any]) -> lightmodel.Tfidf:
    theirs = TfidfVectorizer(**settings)
    expected = theirs.fit_transform(texts)
    ours, got = tfidffit.fit_transform(texts, **settings)
    assert ours.vocabulary_ == theirs.vocabulary_
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    assert ours.idf_.dtype == theirs.idf_.dtype and np.array_equal(ours.idf_, theirs.idf_)
    assert ours.get_params() == theirs.get_params()
    _same(got, expected)
    return ours


@pytest.mark.parametrize("settings", SETTINGS)
def test_vocabulary_idf_settings_and_matrix_are_scikit_learns(settings: dict[str, Any]) -> None:
    ours = _check(TEXTS, settings)
    theirs = TfidfVectorizer(**settings).fit(TEXTS)
    scored = [*TEXTS[::-1], "ŵyr newydd, a café", ""]
    _same(ours.transform(scored), theirs.transform(scored))  # training words from the fit
    _same(ours.transform(scored), theirs.transform(scored))  # and again, all cached


def _tied_corpus() -> list[str]:
    """Many terms with the same total count, so that a cut by max_features runs through
    them and which are kept depends on the order of the sort's ties."""
    rng = np.random.default_rng(26)
    letters = list("abcdefghilmnoprstuwyŵŷ")
    words = ["".join(rng.choice(letters, int(rng.integers(2, 7)))) for _ in range(300)]
    return [" ".join(rng.choice(words, int(rng.integers(0, 9)))) for _ in range(120)]


@pytest.mark.parametrize(
    ("settings", "limit"),
    [({"ngram_range": (1, 2)}, 150), ({"ngram_range": (1, 1), "min_df": 2}, 40),
     ({**CHAR, "max_features": 700}, 700), ({"analyzer": "char_wb", "ngram_range": (2, 3),
      "max_df": 0.2, "max_features": 333}, 333)],
)  # fmt: skip
def test_max_features_keeps_scikit_learns_choice_among_ties(
    settings: dict[str, Any], limit: int
) -> None:
    texts = _tied_corpus()
    counting = {k: v for k, v in settings.items() if k not in ("sublinear_tf", "max_features")}
    counted = CountVectorizer(**counting).fit_transform(texts)
    totals = np.sort(np.asarray(counted.sum(axis=0)).ravel())[::-1]
    assert totals[limit - 1] == totals[limit]  # the cut goes through tied counts
    _check(texts, {**settings, "max_features": limit})


def _random_case(seed: int) -> tuple[list[str], dict[str, Any]]:
    """Short texts of made-up words (accents, Welsh letters, İ, an emoji, odd spaces) and
    settings drawn at random."""
    r = random.Random(seed)
    letters = list("abcdeéŵŷİßAB ,.;'\t\n\u00a0-_0129😀")
    words = ["".join(r.choices(letters, k=r.randint(1, 8))) for _ in range(r.randint(3, 40))]
    texts = [" ".join(r.choices(words, k=r.randint(0, 15))) for _ in range(r.randint(1, 40))]
    low = r.randint(1, 3)
    settings = {
        "analyzer": r.choice(["word", "char_wb"]), "ngram_range": (low, low + r.randint(0, 3)),
        "lowercase": r.random() < 0.7, "sublinear_tf": r.random() < 0.5,
        "smooth_idf": r.random() < 0.8, "norm": r.choice(["l2", None]),
        "min_df": r.choice([1, 2, 3, 0.0, 0.1, 0.3]), "max_df": r.choice([1.0, 0.9, 0.5, 5, 20]),
        "max_features": r.choice([None, None, 5, 30, 100]),
    }  # fmt: skip
    return texts, settings


@pytest.mark.parametrize("seed", range(0, 300, 5))
def test_random_texts_and_settings_agree_with_scikit_learn(seed: int) -> None:
    texts, settings = _random_case(seed)
    try:
        TfidfVectorizer(**settings).fit(texts)
    except ValueError as refused:  # nothing left after pruning, no terms: refused alike
        with pytest.raises(ValueError, match=str(refused).split(";")[0].split(".")[0]):
            tfidffit.fit_transform(texts, **settings)
        return
    ours = _check(texts, settings)
    scored = [*texts[::-1], "new wörds ŵ"]
    _same(ours.transform(scored), TfidfVectorizer(**settings).fit(texts).transform(scored))


def test_the_example_projects_turns_give_scikit_learns_features() -> None:
    from bench.tfidf_fit import example_turns

    said, asked = example_turns()
    for settings in (WORD, CHAR):
        _check(said, settings)
    _check(asked, {"ngram_range": (1, 2), "sublinear_tf": True})


def test_the_two_fits_side_by_side_are_the_suggesters_feature_union() -> None:
    """What classifier._features' FeatureUnion fits: the word and char matrices stacked."""
    import scipy.sparse as sp
    from sklearn.pipeline import FeatureUnion

    union = FeatureUnion([("word", TfidfVectorizer(**WORD)), ("char", TfidfVectorizer(**CHAR))])
    expected = union.fit_transform(TEXTS)
    (word, X), (char, C) = (tfidffit.fit_transform(TEXTS, **s) for s in (WORD, CHAR))
    _same(sp.hstack([X, C], format="csr"), expected)
    ours = lightmodel.Union([("word", word), ("char", char)])
    scored = ["Ŵyr newydd yn yr ysgol", *TEXTS[:4]]
    _same(ours.transform(scored), union.transform(scored))


def test_transform_of_the_training_texts_differs_from_the_fit_only_as_scikit_learns_does() -> None:
    """scikit-learn's fit_transform keeps each row's terms in the order the fit first met them
    and adds the squares of the row norm in that order, its transform in column order: the
    values may differ in the last bit. Ours do exactly as its do."""
    for settings in (WORD, CHAR):
        ours, fitted = tfidffit.fit_transform(TEXTS, **settings)
        again = ours.transform(TEXTS)
        _same(again, TfidfVectorizer(**settings).fit(TEXTS).transform(TEXTS))
        in_order = fitted.copy()
        in_order.sort_indices()
        assert np.array_equal(in_order.indices, again.indices)
        assert np.allclose(in_order.data, again.data, rtol=1e-15, atol=0)


def test_what_it_does_not_reproduce_is_refused() -> None:
    for settings in (
        {"analyzer": "char"},
        {"stop_words": "english"},
        {"strip_accents": "unicode"},
        {"binary": True},
        {"use_idf": False},
        {"norm": "l1"},
        {"dtype": np.float32},
        {"dtype": "no such type"},
        {"ngram_range": [1, 2]},  # scikit-learn takes a tuple only
        {"ngram_range": (2, 1)},
        {"min_df": 0},
        {"min_df": 1.5},
        {"max_features": 0},
        {"token_pattern": r"(a)(b)"},
        {"tokenizer": str.split},
        {"vocabulary": {"a": 0}},
        {"sublinear": True},  # a misspelt setting
    ):
        with pytest.raises(tfidffit.Unsupported):
            tfidffit.fit_transform(TEXTS, **settings)
    with pytest.raises(tfidffit.Unsupported):
        tfidffit.fit_transform([b"bytes"])  # type: ignore[list-item]
    for texts, analyzer in [([], "word"), ([], "char_wb"), (["", " \t ", "\n"], "char_wb"),
                            (["", "a b", "I"], "word")]:  # fmt: skip
        with pytest.raises(ValueError, match="empty vocabulary"):
            TfidfVectorizer(analyzer=analyzer).fit(texts)  # as scikit-learn refuses
        _refused_as_scikit_learn_refuses("empty vocabulary", texts, analyzer=analyzer)
    _refused_as_scikit_learn_refuses("no terms remain", TEXTS, min_df=len(TEXTS))
    _refused_as_scikit_learn_refuses("max_df", TEXTS, min_df=5, max_df=2)
    _refused_as_scikit_learn_refuses("not one text", "one text")


def _refused_as_scikit_learn_refuses(why: str, texts: Any, **settings: Any) -> None:
    """A plain ValueError, not Unsupported: scikit-learn refuses these too, so a caller has
    nothing to fall back to."""
    with pytest.raises(ValueError):
        TfidfVectorizer(**settings).fit(texts)
    with pytest.raises(ValueError, match=why) as refused:
        tfidffit.fit_transform(texts, **settings)
    assert type(refused.value) is ValueError


def test_a_model_file_is_the_same_whichever_fitted_its_features() -> None:
    """The suggester's features fitted here instead of by scikit-learn: the model file written
    is the same, byte for byte (header, vocabularies, idf), and it loads as lightmodel's."""
    texts = TEXTS * 3
    Y = np.array([[("the" in t), ("roedd" in t.lower()), 0] for t in texts], dtype=np.int8)
    context = [("Beth ddigwyddodd?" if i % 2 else "What happened?", t) for i, t in
               enumerate(texts)]  # fmt: skip
    model = CodeSuggester(min_positives=2).fit(texts, Y, None, context)
    saved = {"codes": ["a", "b", "c"], "codebook": "h", "model": model}
    ours = copy.copy(model)
    word, _ = tfidffit.fit_transform(texts, **WORD)
    char, _ = tfidffit.fit_transform(texts, **CHAR)
    ours.features_ = lightmodel.Union([("word", word), ("char", char)])
    ours.context_ = [
        tfidffit.fit_transform([c[k] for c in context], ngram_range=(1, 2), sublinear_tf=True)[0]
        for k in range(2)
    ]
    blob = modelfile.dumps(saved)
    assert modelfile.dumps({**saved, "model": ours}) == blob
    loaded = modelfile.loads(blob, "m.npz")["model"]
    scored = [*texts[:5], "ŵyr newydd"]
    for (_, theirs), (_, mine) in zip(
        loaded.features_.transformer_list, ours.features_.transformer_list, strict=True
    ):
        kept = mine.get_params().keys() & modelfile.VECTOR_KEYS.keys()
        assert kept == modelfile.VECTOR_KEYS.keys()
        assert {k: theirs.get_params()[k] for k in kept} == {k: mine.get_params()[k] for k in kept}
        assert theirs.transform(scored).nnz
        _same(theirs.transform(scored), mine.transform(scored))
    before = model.predict_proba(scored, None, context[:6])
    assert np.array_equal(before, ours.predict_proba(scored, None, context[:6]))


def test_fitting_imports_no_scikit_learn() -> None:
    script = (
        "import sys, json; from qualcode.coding import tfidffit;"
        "vec, X = tfidffit.fit_transform(['Roedd y plant yn iawn.', 'the plant', ''],"
        " analyzer='char_wb', ngram_range=(2, 5), max_features=50);"
        "vec.transform(['plant newydd']);"
        "w, _ = tfidffit.fit_transform(['a b c', 'bb cc'], ngram_range=(1, 2), min_df=1);"
        "heavy = [m for m in ('sklearn', 'scipy.stats', 'scipy.optimize') if m in sys.modules];"
        "print(json.dumps([X.shape[0], heavy]))"
    )
    got = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    rows, heavy = json.loads(got.stdout)
    assert rows == 3
    assert heavy == []
