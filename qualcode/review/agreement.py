"""Inter-coder agreement for nominal codes: percent agreement, Cohen's kappa, Krippendorff's
alpha (any number of coders, missing data allowed) with a bootstrap interval, and Gwet's AC1.

Reliability data are arrays of shape (coders, units) holding category numbers, with NaN where a
coder did not code a unit. Everything is vectorised with NumPy so that 10,000 units x 22 codes x
3 coders, bootstrap included, take well under a second.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def _value_counts(data: Array) -> tuple[Array, Array]:
    """Per unit, how many coders chose each category: (units, categories), and categories."""
    values = np.unique(data[~np.isnan(data)])
    counts = np.stack([(data == v).sum(axis=0) for v in values], axis=1).astype(float)
    return counts, values


def _alpha_parts(counts: Array) -> tuple[Array, Array]:
    """Per-unit contributions to the coincidence matrix: observed disagreement and the
    category totals, for pairable units (two or more values)."""
    m = counts.sum(axis=1)
    pairable = m >= 2
    c = counts[pairable]
    mp = m[pairable][:, None]
    # o_ck summed over c != k, per unit: (m_u^2 - sum_c n_uc^2) / (m_u - 1)
    disagree = (mp[:, 0] ** 2 - (c**2).sum(axis=1)) / (mp[:, 0] - 1)
    return disagree, c


def _alpha_from(disagree_sum: Array, totals: Array) -> Array:
    """Alpha from summed disagreements and category totals (vectorised over leading axes).
    NaN where it is undefined: no pairable values, or no variation (one category only)."""
    n = totals.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (n**2 - (totals**2).sum(axis=-1)) / (n - 1)
        alpha = 1 - disagree_sum / np.where(expected == 0, np.nan, expected)
    return np.where((expected == 0) | (n < 2), np.nan, alpha)


def krippendorff_alpha(data: Array) -> float:
    """Krippendorff's alpha, nominal metric, for a (coders, units) array with NaN = missing."""
    counts, _ = _value_counts(np.asarray(data, dtype=float))
    disagree, c = _alpha_parts(counts)
    if len(disagree) == 0:
        return float("nan")
    return float(_alpha_from(np.asarray(disagree.sum()), c.sum(axis=0)))


def gwet_ac1(data: Array) -> float:
    """Gwet's AC1 for any number of coders with missing data (Gwet 2008)."""
    counts, values = _value_counts(np.asarray(data, dtype=float))
    r = counts.sum(axis=1)
    k = max(len(values), 2)
    multi = r >= 2
    if not multi.any() or len(values) < 2:  # no pairs, or no variation: undefined
        return float("nan")
    pa = ((counts[multi] * (counts[multi] - 1)).sum(axis=1) / (r[multi] * (r[multi] - 1))).mean()
    pi = (counts[r >= 1] / r[r >= 1, None]).mean(axis=0)
    pe = (pi * (1 - pi)).sum() / (k - 1)
    return float((pa - pe) / (1 - pe)) if pe < 1 else float("nan")


def percent_agreement(data: Array) -> float:
    """Share of agreeing coder pairs, over units coded by two or more coders."""
    counts, _ = _value_counts(np.asarray(data, dtype=float))
    r = counts.sum(axis=1)
    multi = r >= 2
    if not multi.any():
        return float("nan")
    return float(
        ((counts[multi] * (counts[multi] - 1)).sum(axis=1) / (r[multi] * (r[multi] - 1))).mean()
    )


def cohen_kappa(a: Array, b: Array) -> float:
    """Cohen's kappa of two coders over the units both coded."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both], b[both]
    if not len(a):
        return float("nan")
    values = np.unique(np.concatenate([a, b]))
    po = float((a == b).mean())
    pe = float(sum((a == v).mean() * (b == v).mean() for v in values))
    return (po - pe) / (1 - pe) if pe < 1 else float("nan")


MIN_UNITS = 30  # fewer double-coded units than this: figures too thin to report
MIN_POSITIVES = 5  # a code given fewer times than this: its figures say little


@dataclass(frozen=True)
class AgreementRow:
    """One code's agreement. A statistic that is undefined for these data is None, and
    ``reason`` says why (no unit coded by two coders, or no variation)."""

    code: str
    units: int  # units coded by two or more coders
    positives: int  # of those, units where at least one coder gave the code
    percent: float | None
    kappa: float | None
    alpha: float | None
    alpha_low: float | None
    alpha_high: float | None
    ac1: float | None
    reason: str = ""
    name: str = ""  # the code's name, where a codebook gives one


def defined(x: float | None) -> float | None:
    """None for NaN or None: what tables print as n/a and JSON as null."""
    return None if x is None or math.isnan(x) else float(x)


def _reason(units: int, positives: int, values: int) -> str:
    if units == 0:
        return "no unit was coded by two or more coders"
    if values < 2:
        given = "gave the code to every" if positives else "left the code off every"
        return f"no variation: the coders {given} double-coded unit (kappa, alpha, AC1 undefined)"
    return ""


def _binary_parts(data: Array) -> tuple[Array, Array, Array]:
    """Per code and unit of a (codes, coders, units) 0/1/NaN array: the unit's disagreement
    and its pairable zeros and ones (zero where fewer than two coders coded the unit)."""
    ones = np.nansum(data, axis=1)  # (codes, units)
    m = (~np.isnan(data)).sum(axis=1).astype(float)
    zeros = m - ones
    pairable = m >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        disagree = np.where(pairable, 2 * ones * zeros / (m - 1), 0.0)
    return disagree, np.where(pairable, zeros, 0.0), np.where(pairable, ones, 0.0)


def _bootstrap(
    disagree: Array, zeros: Array, ones: Array, samples: int, seed: int, level: float
) -> tuple[Array, Array, Array]:
    """Point alpha and percentile interval for each row of (rows, units) parts, resampling
    units (one set of resamples shared by every row)."""
    point = _alpha_from(disagree.sum(axis=1), np.stack([zeros.sum(1), ones.sum(1)], -1))
    if samples < 1:
        nan = np.full_like(point, np.nan)
        return point, nan, nan
    units = disagree.shape[1]
    rng = np.random.default_rng(seed)
    weights = np.stack(
        [np.bincount(rng.integers(0, units, units), minlength=units) for _ in range(samples)]
    ).astype(float)  # (samples, units)
    boot_d = weights @ disagree.T  # (samples, rows)
    boot_t = np.stack([weights @ zeros.T, weights @ ones.T], axis=-1)
    boot = _alpha_from(boot_d, boot_t)
    tail = (1 - level) / 2 * 100
    with warnings.catch_warnings():  # a code undefined in every resample: NaN, said once
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.nanpercentile(boot, tail, axis=0)
        high = np.nanpercentile(boot, 100 - tail, axis=0)
    undefined = np.isnan(point)
    return point, np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)


def binary_alpha_bootstrap(
    data: Array, samples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[Array, Array, Array]:
    """Alpha for each code of a (codes, coders, units) 0/1/NaN array, with a percentile bootstrap
    interval over units. One resampling of units is shared by all codes (so the intervals of
    different codes come from the same resamples)."""
    return _bootstrap(*_binary_parts(data), samples, seed, level)


def pooled_alpha_bootstrap(
    data: Array, samples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """Alpha over every (unit, code) decision of a (codes, coders, units) array pooled, with an
    interval that resamples units (a segment's codes travel together: they are not independent
    decisions)."""
    d, z, o = (p.sum(axis=0, keepdims=True) for p in _binary_parts(data))
    point, low, high = _bootstrap(d, z, o, samples, seed, level)
    return float(point[0]), float(low[0]), float(high[0])


def agreement_table(
    data: Array, codes: list[str], samples: int = 1000, seed: int = 0
) -> list[AgreementRow]:
    """Per-code agreement rows for a (codes, coders, units) 0/1/NaN array."""
    point, low, high = binary_alpha_bootstrap(data, samples, seed)
    rows = []
    for i, code in enumerate(codes):
        d = data[i]
        pairable = (~np.isnan(d)).sum(axis=0) >= 2
        units = int(pairable.sum())
        positives = int((np.nansum(d[:, pairable], axis=0) > 0).sum())
        values = len(np.unique(d[:, pairable][~np.isnan(d[:, pairable])]))
        kappa = cohen_kappa(d[0], d[1]) if d.shape[0] == 2 else None
        ac1: float | None = gwet_ac1(d)
        if values < 2:  # AC1 stays finite on single-coded variation; the pairs have none
            ac1 = None
        rows.append(
            AgreementRow(
                code,
                units,
                positives,
                defined(percent_agreement(d)),
                defined(kappa),
                defined(float(point[i])),
                defined(float(low[i])),
                defined(float(high[i])),
                defined(ac1),
                _reason(units, positives, values),
            )
        )
    return rows
