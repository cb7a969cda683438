"""A trained or loaded model scores with lightmodel's TF-IDF (each distinct word's n-grams
found once) and numbers only: exactly as trained, without scikit-learn, and safely from two
threads. (Its matrices against scikit-learn's: tests/test_tfidffit.py.)"""

from __future__ import annotations

import numpy as np

from qualcode.coding.classifier import CodeSuggester

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


def _long_texts(seed: int, n: int) -> list[str]:
    rng = np.random.default_rng(seed)
    words = " ".join(TRAIN + SCORE).replace(",", " ").split()
    return [" ".join(rng.choice(words, int(rng.integers(1, 400)))) for _ in range(n)]


def test_a_loaded_model_scores_without_scikit_learn_exactly_as_trained(tmp_path: object) -> None:
    """Long turns (hundreds of n-grams a row) are where a different order of adding up a
    row's squares would show: the loaded model's probabilities must be the trained one's."""
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    from qualcode.coding import lightmodel, modelfile

    texts = _long_texts(1, 80)
    Y = np.array([[("hub" in t), ("money" in t), ("café" in t)] for t in texts], dtype=np.int8)
    context = [(t[:40], t[-60:]) for t in texts]
    extra = np.random.default_rng(2).random((len(texts), 2))
    model = CodeSuggester(min_positives=2).fit(texts, Y, extra, context)
    saved = {"codes": ["a", "b", "c"], "codebook": "h", "model": model}
    blob = modelfile.dumps(saved)
    loaded = modelfile.loads(blob, "m.npz")["model"]
    assert isinstance(loaded.features_, lightmodel.Union)
    new = _long_texts(3, 60)
    new_context = [(t[:30], t[-50:]) for t in new]
    new_extra = np.random.default_rng(4).random((len(new), 2))
    want = model.predict_proba(new, new_extra, new_context)
    assert np.array_equal(loaded.predict_proba(new, new_extra, new_context), want)
    assert modelfile.dumps({**saved, "model": loaded}) == blob
    for (_, plain), (_, light) in zip(
        model.features_.transformer_list, loaded.features_.transformer_list, strict=True
    ):  # what reports read of a model: its terms, in column order
        names = light.get_feature_names_out()
        assert names.dtype == object and list(names) == list(plain.get_feature_names_out())

    folder = Path(str(tmp_path))
    (folder / "m.npz").write_bytes(blob)
    (folder / "in.pkl").write_bytes(pickle.dumps((new, new_extra, new_context)))
    script = (
        "import pickle, sys, numpy as np;"
        "from qualcode.coding import modelfile;"
        f"m = modelfile.loads(open({str(folder / 'm.npz')!r}, 'rb').read(), 'm')['model'];"
        f"t, e, c = pickle.load(open({str(folder / 'in.pkl')!r}, 'rb'));"
        "np.save(sys.argv[1], m.predict_proba(t, e, c));"
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(folder / "p.npy")], capture_output=True, text=True
    )
    assert out.stdout.strip() == "False", out.stderr[-800:]
    assert np.array_equal(np.load(folder / "p.npy"), want)


def test_one_model_scoring_in_two_threads_gives_each_the_right_features() -> None:
    """The review app retrains in the background while requests score with the same model:
    the words each vectorizer has cached must never be mixed up between threads."""
    import sys
    import threading

    from qualcode.coding import modelfile

    texts = _long_texts(5, 60)
    Y = np.array([[("hub" in t), ("money" in t)] for t in texts], dtype=np.int8)
    model = CodeSuggester(min_positives=2).fit(texts, Y)
    blob = modelfile.dumps({"codes": ["a", "b"], "codebook": "h", "model": model})
    rng = np.random.default_rng(7)
    letters = list("abcdefghijklmnopqrstuvwxyz")
    unseen = ["".join(rng.choice(letters, 5)) for _ in range(20_000)]
    batches = [
        [" ".join(rng.choice(unseen, 60)) for _ in range(40)] + _long_texts(10 + i, 10)
        for i in range(8)
    ]
    want = [model.predict_proba(b) for b in batches]

    def score(i: int, batch: list[str], model: CodeSuggester, out: dict[int, object]) -> None:
        out[i] = model.predict_proba(batch)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show
    try:
        for _ in range(3):
            shared = modelfile.loads(blob, "m")["model"]  # empty caches: every word is new
            got: dict[int, np.ndarray] = {}
            threads = [
                threading.Thread(target=score, args=(i, b, shared, got))
                for i, b in enumerate(batches)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert all(np.array_equal(got[i], want[i]) for i in range(len(batches)))
    finally:
        sys.setswitchinterval(interval)
