"""TF-IDF and non-negative matrix factorisation for topic modelling, in numpy and scipy.sparse.

The topic step used scikit-learn's TfidfVectorizer and NMF; importing scikit-learn costs about
a second of CPU (it pulls in scipy.stats and scipy.optimize) for fits that take a tenth of that.
These two functions compute the same things for the settings the topic model uses:

- ``tfidf``: the suggester's TF-IDF fitter (``tfidffit``) on the documents' terms: raw term
  counts, words kept by document frequency, smoothed idf, rows of unit length.
- ``nmf``: NNDSVD initialisation with zeros filled by the mean of X (Boutsidis & Gallopoulos
  2008), from a randomised truncated SVD (Halko, Martinsson & Tropp 2011), then alternating
  cyclic coordinate descent on the Frobenius loss (Cichocki & Phan 2009), stopped when the
  summed projected gradient falls below ``tol`` times its value after the first sweep.

The random draws, the power iterations, the sign convention of the singular vectors and the
stopping rule follow scikit-learn 1.x's choices, so the factors agree with its NMF(init=
"nndsvda", solver="cd") to rounding (tests/test_nmf.py compares them). One difference: the
power iterations are normalised by QR here where scikit-learn uses an LU factorisation; both
keep the same subspace, so the singular vectors, and the fit, differ only by rounding.
"""

from __future__ import annotations

import re
from numbers import Integral

import numpy as np
import scipy.sparse as sp


def tfidf(docs: list[list[str]], min_df: float, max_df: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """The documents' L2-normalised TF-IDF matrix and its vocabulary (sorted terms): the
    suggester's fitter (``tfidffit``, scikit-learn's matrix bit for bit) on the documents'
    terms, each one token.

    ``min_df``/``max_df``: an int is a number of documents, a float a share of them; a term
    is kept when min <= its document frequency <= max (a share is not rounded)."""
    from qualcode.coding import tfidffit

    if any(not w or _SPACE.search(w) for d in docs for w in d):
        raise ValueError("a term is empty or holds white space: terms are single tokens")
    if not any(docs):
        raise ValueError("no terms in the documents")
    n = len(docs)
    if (max_df if isinstance(max_df, Integral) else max_df * n) < (
        min_df if isinstance(min_df, Integral) else min_df * n
    ):
        raise ValueError("max_df keeps fewer documents than min_df")
    joined = [" ".join(d) for d in docs]
    try:
        vec, X = tfidffit.fit_transform(
            joined, token_pattern=r"\S+", lowercase=False, min_df=min_df, max_df=max_df
        )
    except tfidffit.Unsupported:
        raise
    except ValueError:  # the only refusal left: nothing between min_df and max_df
        raise ValueError("no terms left between min_df and max_df") from None
    return X, vec.get_feature_names_out()


_SPACE = re.compile(r"\s")


def _flip(u: np.ndarray, v: np.ndarray, by_u: bool) -> None:
    """Sign convention of singular vectors (in place): the entry of largest magnitude of each
    column of ``u`` (or of each row of ``v``) is positive."""
    ref = u.T if by_u else v
    signs = np.sign(ref[np.arange(ref.shape[0]), np.abs(ref).argmax(axis=1)])
    u *= signs[np.newaxis, :]
    v *= signs[:, np.newaxis]


def _randomized_svd(X: sp.csr_matrix, k: int, seed: int) -> tuple[np.ndarray, ...]:
    """The leading ``k`` singular triplets of X, by a randomised range finder with 10 extra
    directions and 7 power iterations (4 when k is a tenth or more of the smaller side)."""
    rng = np.random.RandomState(seed)
    size = k + 10
    n_rows, n_cols = X.shape
    power = 7 if k < 0.1 * min(X.shape) else 4
    transpose = n_rows < n_cols
    M = X.T.tocsr() if transpose else X
    MT = X if transpose else X.T.tocsr()
    Q = rng.normal(size=(M.shape[1], size))
    for _ in range(power):
        Q = np.linalg.qr(M @ Q)[0]
        Q = np.linalg.qr(MT @ Q)[0]
    Q = np.linalg.qr(M @ Q)[0]
    B = np.ascontiguousarray((MT @ Q).T)
    Uhat, s, Vt = np.linalg.svd(B, full_matrices=False)
    U = Q @ Uhat
    _flip(U, Vt, by_u=not transpose)
    if transpose:
        return Vt[:k].T, s[:k], U[:, :k].T
    return U[:, :k], s[:k], Vt[:k]


def _nndsvda(X: sp.csr_matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Initial factors: each singular pair split into its positive and negative parts, the
    larger kept; entries below 1e-6 set to the mean of X."""
    U, S, V = _randomized_svd(X, k, seed)
    W = np.zeros_like(U)
    H = np.zeros_like(V)
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0] = np.sqrt(S[0]) * np.abs(V[0])
    for j in range(1, k):
        x, y = U[:, j], V[j]
        xp, yp = np.maximum(x, 0), np.maximum(y, 0)
        xn, yn = np.abs(np.minimum(x, 0)), np.abs(np.minimum(y, 0))
        xp_len, yp_len = np.sqrt(xp @ xp), np.sqrt(yp @ yp)
        xn_len, yn_len = np.sqrt(xn @ xn), np.sqrt(yn @ yn)
        pos, neg = xp_len * yp_len, xn_len * yn_len
        if pos > neg:
            u, v, sigma = xp / xp_len, yp / yp_len, pos
        else:
            u, v, sigma = xn / xn_len, yn / yn_len, neg
        scale = np.sqrt(S[j] * sigma)
        W[:, j] = scale * u
        H[j] = scale * v
    W[W < 1e-6] = 0
    H[H < 1e-6] = 0
    mean = X.mean()
    W[W == 0] = mean
    H[H == 0] = mean
    return W, H


def _sweep(A: np.ndarray, B: np.ndarray, XB: np.ndarray) -> float:
    """One pass of coordinate descent over the rows of A (components x items, updated in
    place) for X ~ A'B with B fixed; XB is B times X's items. Each component's update is
    exact for that coordinate and independent across items, so it runs on whole rows.
    Returns the summed magnitude of the projected gradient seen on the way."""
    G = B @ B.T
    violation = 0.0
    for t in range(A.shape[0]):
        a = A[t]
        grad = G[t] @ A - XB[t]
        pg = np.where(a == 0, np.minimum(grad, 0.0), grad)
        violation += float(np.abs(pg).sum())
        if G[t, t] != 0:
            np.maximum(a - grad / G[t, t], 0.0, out=a)
    return violation


def nmf(
    X: sp.spmatrix, k: int, seed: int, max_iter: int = 400, tol: float = 1e-3
) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative W (documents x k) and H (k x terms) with X ~ WH (least squares)."""
    X = sp.csr_matrix(X, dtype=np.float64)
    if k > min(X.shape):
        raise ValueError(f"{k} components for a {X.shape[0]} x {X.shape[1]} matrix")
    XT = X.T.tocsr()
    W, H = _nndsvda(X, k, seed)
    Wt = np.ascontiguousarray(W.T)
    H = np.ascontiguousarray(H)
    first = 0.0
    for step in range(1, max_iter + 1):
        violation = _sweep(Wt, H, np.ascontiguousarray((X @ H.T).T))
        violation += _sweep(H, Wt, np.ascontiguousarray((XT @ Wt.T).T))
        if step == 1:
            first = violation
        if first == 0 or violation / first <= tol:
            break
    return np.ascontiguousarray(Wt.T), H
