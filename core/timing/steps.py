"""The gradient-descent step the bench times, written each way it is compared.

Every function returns the step ``[∇w, ∂b]`` with ``e = Xw + b − y``, ``∇w = Xᵀe/m``,
``∂b = Σe/m`` for an m × n design (the numba kernels live in ``core.solvers.kernels``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.solvers.snapshot import CancelFlag
from core.timing.config import check_cancel

# The loop checks for cancellation every this many rows.
_LOOP_CHECK_ROWS = 256


def block_rows(n: int) -> int:
    """Rows in a block of about 64 MB: long enough for BLAS, short enough to cancel."""
    return max(256, (64 << 20) // (8 * max(n, 1)))


def loop_step(
    rows: list[list[float]],
    ys: list[float],
    w: list[float],
    b: float,
    cancel: CancelFlag | None = None,
) -> list[float]:
    """The step as nested Python loops; returns ``[∇w..., ∂b]`` (checks ``cancel`` often)."""
    m, n = len(rows), len(w)
    errors = [0.0] * m
    for start in range(0, m, _LOOP_CHECK_ROWS):
        check_cancel(cancel)
        for i in range(start, min(start + _LOOP_CHECK_ROWS, m)):
            row = rows[i]
            s = b
            for j in range(n):
                s += row[j] * w[j]
            errors[i] = s - ys[i]
    grad = [0.0] * n
    gb = 0.0
    for start in range(0, m, _LOOP_CHECK_ROWS):
        check_cancel(cancel)
        for i in range(start, min(start + _LOOP_CHECK_ROWS, m)):
            row = rows[i]
            e = errors[i]
            for j in range(n):
                grad[j] += e * row[j]
            gb += e
    return [g / m for g in grad] + [gb / m]


def numpy_step(X: Any, y: Any, w: Any, b: Any) -> tuple[Any, Any]:
    """The app's vectorised step (as in ``core.solvers``): two BLAS products, no temporaries
    beyond ``e``. Works on NumPy and CuPy arrays alike; returns ``(∇w, ∂b)``."""
    m = X.shape[0]
    e = X @ w
    e += b
    e -= y
    gw = X.T @ e
    gw /= m
    return gw, e.sum() / m


def bare_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: Any) -> np.ndarray:
    """The textbook line, exactly: ``X.T @ (X @ w + b - y) / m`` (∇w only)."""
    m = X.shape[0]
    return X.T @ (X @ w + b - y) / m


@dataclass(frozen=True)
class GramForm:
    """``G = XᵀX/m``, column means ``s``, ``c = Xᵀy/m`` and ``ȳ``: the step without X."""

    G: np.ndarray
    s: np.ndarray
    c: np.ndarray
    y_mean: float

    @classmethod
    def precompute(cls, X: np.ndarray, y: np.ndarray, cancel: CancelFlag | None = None) -> GramForm:
        """One pass of row blocks (``XᵀX`` as a sum of block products, checking ``cancel``)."""
        m = X.shape[0]
        G = np.zeros((X.shape[1], X.shape[1]), X.dtype)
        block = block_rows(X.shape[1])
        for start in range(0, m, block):
            check_cancel(cancel)
            Xb = X[start : start + block]
            G += Xb.T @ Xb
        G /= m
        c = X.T @ y
        c /= m
        s = X.sum(axis=0, dtype=np.float64).astype(X.dtype) / m
        return cls(G, s, c, float(y.sum(dtype=np.float64)) / m)

    def step(self, w: np.ndarray, b: Any) -> tuple[np.ndarray, float]:
        """``∇w = Gw + s·b − c``, ``∂b = s·w + b − ȳ``: O(n²), independent of m."""
        gw = self.G @ w
        gw += b * self.s
        gw -= self.c
        return gw, float(self.s @ w) + float(b) - self.y_mean


def as_vector(result: Any) -> np.ndarray:
    """``[∇w..., ∂b]`` as a float64 host vector, from any implementation's return value."""
    if isinstance(result, tuple):
        gw, gb = result
        gw = gw.get() if hasattr(gw, "get") else gw
        gb = gb.get() if hasattr(gb, "get") else gb
        return np.append(np.asarray(gw, np.float64), float(gb))
    return np.asarray(result, np.float64)


def reference_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The vectorised step every implementation is checked against, as ``[∇w, ∂b]``."""
    return as_vector(numpy_step(X, y, w, X.dtype.type(b)))


def relative_error(result: np.ndarray, reference: np.ndarray) -> float:
    """Largest deviation relative to the largest reference entry (the max-abs norm)."""
    scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    diff = float(np.max(np.abs(result - reference))) if reference.size else 0.0
    if not math.isfinite(diff):
        return math.inf
    return diff / scale if scale > 0 else diff
