"""Error-free transformations: double-double sums and dot products in plain float64.

The stable normal-equation solver refines its answer with residuals accumulated in about
twice float64's precision. C ``long double`` is plain float64 on some platforms, so the extra
precision comes from Dekker's and Knuth's error-free transformations instead: every
product and sum is split into its rounded value and its exact rounding error, both float64.
All functions work elementwise on NumPy arrays (vectorised), never with Python loops.
"""

from __future__ import annotations

import numpy as np

_SPLITTER = 134217729.0  # 2**27 + 1, Dekker's splitting constant for float64


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``s, e`` with ``s = fl(a + b)`` and ``a + b = s + e`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``p, e`` with ``p = fl(a * b)`` and ``a * b = p + e`` exactly (Dekker)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def dd_mul(ah: np.ndarray, al: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multiply the double-double ``ah + al`` by the float64 ``b``; normalised result."""
    p, e = two_prod(ah, b)
    e = e + al * b
    return two_sum(p, e)


def _dd_add(
    ah: np.ndarray, al: np.ndarray, bh: np.ndarray, bl: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    s, e = two_sum(ah, bh)
    e = e + (al + bl)
    return two_sum(s, e)


def dd_reduce(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum the double-double matrix ``hi + lo`` along axis 1, pairwise; double-double result."""
    while hi.shape[1] > 1:
        if hi.shape[1] % 2:
            pad = np.zeros((hi.shape[0], 1))
            hi = np.concatenate([hi, pad], axis=1)
            lo = np.concatenate([lo, pad], axis=1)
        hi, lo = _dd_add(hi[:, 0::2], lo[:, 0::2], hi[:, 1::2], lo[:, 1::2])
    return hi[:, 0], lo[:, 0]


def residual(
    c: np.ndarray,
    a_hi: np.ndarray,
    a_lo: np.ndarray | None,
    x: np.ndarray,
    d: np.ndarray | None = None,
    chunk_rows: int = 4096,
) -> np.ndarray:
    """Return ``c - d - (a_hi + a_lo) @ x`` accumulated in double-double precision.

    ``a_lo`` holds the rounding errors of a design whose exact entries are ``a_hi + a_lo``
    (for example powers of x); ``d`` is an optional vector subtracted exactly as well.
    Rows are processed in chunks so memory stays bounded on tall designs.
    """
    m = a_hi.shape[0]
    out = np.empty(m)
    for start in range(0, m, chunk_rows):
        stop = min(start + chunk_rows, m)
        p, e = two_prod(a_hi[start:stop], x[None, :])
        if a_lo is not None:
            e = e + a_lo[start:stop] * x[None, :]
        cols_hi = [c[start:stop, None], -p]
        cols_lo = [np.zeros((stop - start, 1)), -e]
        if d is not None:
            cols_hi.append(-d[start:stop, None])
            cols_lo.append(np.zeros((stop - start, 1)))
        hi, lo = dd_reduce(np.concatenate(cols_hi, 1), np.concatenate(cols_lo, 1))
        out[start:stop] = hi + lo
    return out


def transpose_product(
    a_hi: np.ndarray, a_lo: np.ndarray | None, r: np.ndarray, chunk_rows: int = 4096
) -> np.ndarray:
    """Return ``(a_hi + a_lo).T @ r`` accumulated in double-double precision."""
    m, p = a_hi.shape
    acc_hi = np.zeros(p)
    acc_lo = np.zeros(p)
    for start in range(0, m, chunk_rows):
        stop = min(start + chunk_rows, m)
        rc = r[start:stop, None]
        prod, err = two_prod(a_hi[start:stop], rc)
        if a_lo is not None:
            err = err + a_lo[start:stop] * rc
        hi, lo = dd_reduce(np.ascontiguousarray(prod.T), np.ascontiguousarray(err.T))
        acc_hi, acc_lo = _dd_add(acc_hi, acc_lo, hi, lo)
    return acc_hi + acc_lo
