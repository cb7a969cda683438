from __future__ import annotations

import numpy as np
import pytest

from qualcode.review.agreement import (
    binary_alpha_bootstrap,
    cohen_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

N = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", example C:
# 4 coders, 12 units, missing values, nominal alpha = 0.743.
FOUR_CODERS = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ]
)
# Example A: 2 coders, 10 units, binary, alpha = 0.095.
BINARY = np.array([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]], float)


def test_krippendorff_published_examples() -> None:
    assert krippendorff_alpha(FOUR_CODERS) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(BINARY) == pytest.approx(0.095, abs=5e-4)


def test_alpha_agrees_with_the_krippendorff_package_on_random_data() -> None:
    kpkg = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(1)
    for _ in range(10):
        data = rng.integers(0, 4, size=(3, 60)).astype(float)
        data[rng.random(data.shape) < 0.15] = np.nan
        expected = kpkg.alpha(reliability_data=data, level_of_measurement="nominal")
        assert krippendorff_alpha(data) == pytest.approx(expected)


def test_kappa_agrees_with_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(2)
    for _ in range(10):
        a = rng.integers(0, 3, 100).astype(float)
        b = np.where(rng.random(100) < 0.7, a, rng.integers(0, 3, 100)).astype(float)
        assert cohen_kappa(a, b) == pytest.approx(metrics.cohen_kappa_score(a, b))


def test_ac1_and_percent_two_coders() -> None:
    # 2 coders, binary: po = 0.6; pi1 = (2 + 4) / 20 = 0.3; pe = 2 * 0.3 * 0.7 = 0.42
    assert percent_agreement(BINARY) == pytest.approx(0.6)
    assert gwet_ac1(BINARY) == pytest.approx((0.6 - 0.42) / (1 - 0.42))


def test_binary_bootstrap_point_matches_and_interval_brackets_it() -> None:
    rng = np.random.default_rng(3)
    truth = rng.random((5, 400)) < 0.3
    data = np.stack(
        [np.where(rng.random((5, 400)) < 0.85, truth, ~truth) for _ in range(3)], axis=1
    ).astype(float)
    data[:, 2, :50] = np.nan
    point, low, high = binary_alpha_bootstrap(data, samples=300, seed=0)
    for i in range(5):
        assert point[i] == pytest.approx(krippendorff_alpha(data[i]))
        assert low[i] < point[i] < high[i]
    again = binary_alpha_bootstrap(data, samples=300, seed=0)
    assert np.array_equal(again[1], low)  # seeded: deterministic


def test_long_csv_agreement(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.review.longform import agreement_from_codings, read_long_csv

    lines = ["unit,coder,code"]
    for i, (a, b) in enumerate(zip(BINARY[0], BINARY[1], strict=True)):
        lines.append(f"u{i},ann,{'x' if a else ''}")
        lines.append(f"u{i},ben,{'x' if b else ''}")
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    units, coders, data = read_long_csv(tmp_path / "c.csv")
    rows, overall = agreement_from_codings(units, coders, data, samples=200)
    assert coders == ["ann", "ben"] and len(units) == 10
    assert rows[0].code == "x" and rows[0].alpha == pytest.approx(0.095, abs=5e-4)
    assert rows[0].kappa == pytest.approx(cohen_kappa(BINARY[0], BINARY[1]))
    assert overall.alpha == pytest.approx(rows[0].alpha)


def test_pooled_alpha_resamples_units_and_matches_the_pooled_point() -> None:
    import numpy as np

    from qualcode.review.agreement import krippendorff_alpha, pooled_alpha_bootstrap

    rng = np.random.default_rng(5)
    truth = rng.random((4, 300)) < 0.2  # 4 codes, 300 units
    coders = np.stack([(truth ^ (rng.random(truth.shape) < 0.1)) for _ in range(3)], axis=1)
    data = coders.astype(float)  # (codes, coders, units)
    data[0, 2, :50] = np.nan  # a coder who missed some units for one code
    pooled = data.transpose(1, 0, 2).reshape(3, -1)
    point, low, high = pooled_alpha_bootstrap(data, samples=300, seed=1)
    assert point == pytest.approx(krippendorff_alpha(pooled))
    assert low < point < high


def _long(tmp_path, rows: list[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    path = tmp_path / "long.csv"
    path.write_text("unit,coder,code\n" + "".join(f"{u},{c},{k}\n" for u, c, k in rows))
    return path


def test_undefined_statistics_are_none_with_a_reason_never_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.review.longform import agreement_from_codings, mean_row, read_long_csv

    rows = []
    for u in range(40):  # code a: real variation; code b: nobody ever gives it on a shared unit
        for coder in ("ann", "ben"):
            rows.append((f"u{u}", coder, "a" if u % 4 == 0 or (u == 1 and coder == "ann") else ""))
    rows.append(("solo", "ann", "b"))  # b only on a unit one coder saw
    units, coders, data = read_long_csv(_long(tmp_path, rows))
    codes, overall = agreement_from_codings(units, coders, data, samples=100)
    a, b = codes
    assert a.kappa is not None and 0 < a.kappa < 1 and a.alpha is not None
    assert (b.kappa, b.alpha, b.alpha_low, b.ac1) == (None, None, None, None)
    assert b.percent == 1.0 and "no variation" in b.reason
    assert overall.units == 40 and "pooled" in overall.reason
    mean = mean_row(codes)
    assert mean.alpha == a.alpha and "1 of 2 codes" in mean.reason


def test_no_unit_coded_by_both_is_undefined(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.review.longform import agreement_from_codings, read_long_csv

    rows = [("u1", "ann", "a"), ("u2", "ann", ""), ("u3", "ben", "a"), ("u4", "ben", "")]
    units, coders, data = read_long_csv(_long(tmp_path, rows))
    (a,), overall = agreement_from_codings(units, coders, data, samples=50)
    assert (a.units, a.percent, a.kappa, a.alpha, a.ac1) == (0, None, None, None, None)
    assert a.reason == "no unit was coded by two or more coders"
    assert overall.alpha is None and overall.units == 0


def test_the_cli_prints_na_and_warns_on_thin_data(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from qualcode.cli import main

    path = _long(tmp_path, [("u1", "ann", "a"), ("u1", "ben", "a"), ("u2", "ann", ""),
                            ("u2", "ben", ""), ("u3", "ann", "b")])  # fmt: skip
    assert main(["agreement", "--from-csv", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "n/a" in out and "1.000 " not in out.split("│ b")[1].split("\n")[0].replace(
        "1.000 │", ""
    )
    assert "3 units, 2 coded by two or more coders" in out
    assert "only 2 units were coded by two or more coders" in err
    assert main(["agreement", "--from-csv", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    b = next(c for c in data["codes"] if c["code"] == "b")
    assert b["kappa"] is None and b["alpha"] is None and "no variation" in b["reason"]
    assert data["double_coded"] == 2 and data["warnings"]
