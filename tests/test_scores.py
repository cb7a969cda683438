from __future__ import annotations

import random

import pytest

from qualcode.review.scores import score_codes


def test_scores_on_a_worked_example() -> None:
    ref = {"u1": {"a"}, "u2": {"a"}, "u3": set(), "u4": set(), "u5": {"a", "b"}}
    got = {"u1": {"a"}, "u3": {"a"}, "u5": {"b"}}
    a, b = score_codes(ref, got, ["a", "b"])
    assert (a.tp, a.fp, a.fn, a.tn) == (1, 1, 2, 1)
    assert a.precision == 0.5 and a.recall == pytest.approx(1 / 3)
    assert a.f1 == pytest.approx(0.4)
    # observed 2/5; expected .6*.4 + .4*.6 = .48 -> kappa (0.4 - 0.48) / 0.52
    assert a.kappa == pytest.approx((0.4 - 0.48) / 0.52)
    assert (b.precision, b.recall, b.kappa) == (1.0, 1.0, 1.0)


def test_kappa_matches_scikit_learn_on_random_data() -> None:
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = random.Random(7)
    for _ in range(20):
        ref = {str(i): {"x"} if rng.random() < 0.3 else set() for i in range(200)}
        got = {u: (c if rng.random() < 0.8 else ({"x"} - c)) for u, c in ref.items()}
        (s,) = score_codes(ref, got, ["x"])
        y1 = [int("x" in ref[u]) for u in ref]
        y2 = [int("x" in got[u]) for u in ref]
        assert s.kappa == pytest.approx(sklearn.cohen_kappa_score(y1, y2))
