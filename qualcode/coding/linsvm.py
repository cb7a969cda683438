"""Linear SVMs fitted exactly through their rows' Gram matrix: scikit-learn's ``LinearSVC`` as
the suggester uses it, without importing scikit-learn, for the sizes a project has while its
team is coding it.

The model is LinearSVC's default: squared hinge loss, an L2 penalty, and a bias that is one
more feature of value 1, penalised with the weights (as liblinear does). Minimise

    1/2 |w|^2 + sum_i C_i max(0, 1 - y_i (w . x_i + b))^2        (y_i = -1 or +1)

With fewer rows than features the optimum's weights are a combination of the rows (w = X'beta,
b = sum beta), so the problem lives in as many dimensions as there are rows. On the rows that
violate the margin (y_i m_i < 1) it is quadratic: with K = XX' + 1 and D_i = 1 / (2 C_i), the
optimum solves (K_SS + D_S) beta_S = y_S on those rows S and has beta = 0 elsewhere. Solving
for the violators, finding the violators of that solution and solving again is Newton's method
on this piecewise-quadratic problem (O. Chapelle, "Training a support vector machine in the
primal", 2007): it ends at the exact optimum when the violators stop changing, here in 2-5
solves. liblinear's coordinate descent stops near it (its margins differ by about 1e-5).

One Gram matrix serves every code and every fold of the grouped check (a fold is a subset of
the rows), and a fold starts from the violators of the fit on all rows (on a review history's
labels 2.8 solves a fold, against 3.3 for a fit that starts from every row). Up to
``GRAM_ROWS`` rows this costs less than liblinear and spares the suggester scikit-learn's
import (about 1 CPU-s, through scipy.stats); the solves grow with the cube of the rows, so
above that the suggester uses liblinear (``classifier``). Measured on the example's
gold turns (22 codes, a fit and five folds each, one thread; ``python bench/linsvm.py``):
300 rows 0.8 CPU-s against liblinear's 1.5, 600 rows 1.9 against 2.5, 800 rows even (3.3),
1,000 rows 4.9 against 4.3; on a review history's noisier labels (709 rows, ``--project``)
2.2-2.8 against 4.1-5.0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qualcode.coding.lightmodel import Linear

GRAM_ROWS = 800  # rows up to which a fit goes through the Gram matrix (else liblinear)
MAX_SOLVES = 30  # the violators settle in 2-5 solves; past this the fit is left to liblinear


class NotSettled(ArithmeticError):
    """The violating rows did not settle (never seen in practice): fit with liblinear."""


class Gram:
    """The rows' features ``X`` (sparse, rows x features) and K = XX' + 1 (dense)."""

    def __init__(self, X: Any) -> None:
        self.X = X.tocsr()
        product = self.X @ self.X.T
        K = product.toarray() if hasattr(product, "toarray") else np.asarray(product)
        self.K = np.asarray(K, dtype=np.float64) + 1.0


def fit(
    gram: Gram,
    y: np.ndarray,
    cost: np.ndarray,
    C: float,
    seed: Any = None,
    start: np.ndarray | None = None,
) -> tuple[Linear, np.ndarray]:
    """The SVM of labels ``y`` (0/1, one per row of ``gram``) with each row's penalty ``cost``
    (C times its weight; 0: the row is left out). ``start``: a guess at the violating rows
    (those of a fit on more rows). Returns the model (as LinearSVC's ``coef_``, ``intercept_``,
    ``classes_``) and its violating rows, a start for fits on fewer of these rows."""
    beta, violators = solve(gram.K, np.where(np.asarray(y) > 0, 1.0, -1.0), cost, start)
    coef = np.asarray(gram.X.T @ beta, dtype=np.float64).reshape(1, -1)
    intercept = np.array([beta.sum()], dtype=np.float64)
    return Linear(coef, intercept, np.array([0, 1]), C, seed), violators


def solve(
    K: np.ndarray, s: np.ndarray, cost: np.ndarray, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(beta, violating rows) minimising the problem above for signs ``s`` (-1/+1) and
    penalties ``cost`` (0: row left out). Raises NotSettled if the violators keep changing."""
    cost = np.asarray(cost, dtype=np.float64)
    used = cost > 0
    ridge = np.zeros(len(s))
    ridge[used] = 0.5 / cost[used]
    active = used.copy() if start is None else (np.asarray(start, dtype=bool) & used)
    beta = np.zeros(len(s))
    for _ in range(MAX_SOLVES):
        beta[:] = 0.0
        rows = np.nonzero(active)[0]
        if len(rows):
            A = K[np.ix_(rows, rows)]
            A[np.diag_indices_from(A)] += ridge[rows]
            beta[rows] = _spd_solve(A, s[rows])
        margins = K @ beta  # zero off the violators: a product, no copy of their columns
        now = used & (s * margins < 1.0)
        if np.array_equal(now, active):
            return beta, active
        active = now
    raise NotSettled("the violating rows did not settle")


def _spd_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x with A x = b for a symmetric positive definite A. NumPy's LU costs what SciPy's
    Cholesky does at these sizes, and SciPy's own BLAS, loaded later, would escape the
    fit's one-thread limit (its idle threads spin)."""
    return np.asarray(np.linalg.solve(A, b))


def group_folds(groups: np.ndarray, n_splits: int) -> np.ndarray:
    """Each row's fold (0..n_splits-1), whole groups to a fold: the largest groups first,
    each to the fold with the fewest rows so far (the first such fold on a tie), the same
    assignment as scikit-learn's GroupKFold without shuffling."""
    distinct, index = np.unique(np.asarray(groups), return_inverse=True)
    sizes = np.bincount(index)
    order = np.argsort(sizes, kind="stable")[::-1]
    load = np.zeros(n_splits)
    fold_of = np.zeros(len(distinct), dtype=np.int64)
    for g in order:
        lightest = int(np.argmin(load))
        load[lightest] += sizes[g]
        fold_of[g] = lightest
    return fold_of[index]


def stratified_folds(y: np.ndarray, n_splits: int, seed: int) -> np.ndarray:
    """Each row's fold: every class's rows shuffled (seeded) and dealt to the folds in turn,
    so each fold has its share of the positives."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(y), dtype=np.int64)
    dealt = 0
    for label in np.unique(y):
        rows = rng.permutation(np.nonzero(y == label)[0])
        out[rows] = (dealt + np.arange(len(rows))) % n_splits
        dealt += len(rows)
    return out
