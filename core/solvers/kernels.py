"""numba kernels of one gradient-descent step, for the timing lab (``core.timing.bench``).

Importing this module needs numba; ``core.timing.bench`` imports it lazily and skips the compiled
implementations, with the reason, when it is missing. Both kernels return the step
``[∇w, ∂b] = [Xᵀe, Σe] / m`` with ``e = Xw + b − y`` as one float64 vector of n + 1 entries.

- :func:`compiled_loop_step` is the Python loop of the lesson, line for line, compiled: one
  thread, no reassociation (no ``fastmath``), so what it saves over the interpreter is the
  interpreter and nothing else.
- :func:`fused_step` reads X once: for four rows at a time it forms the four errors, then
  adds those rows, still in the L1 cache, into a gradient accumulator. Row ranges are
  shared out over threads, each with its own accumulator, summed at the end. NumPy's step
  (two BLAS matrix-vector products) reads X from memory twice, so on a memory-bound step
  this one can approach twice its speed.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numba
import numpy as np
from numba import prange

# numba's own thread pool ("workqueue") sleeps between calls. The OpenMP layer spins for a
# while after each parallel call, and so do OpenBLAS's threads: on a 2-core machine two
# spinning pools take turns stealing the cores and both libraries' timings suffer. A user's
# explicit NUMBA_THREADING_LAYER still wins.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"  # type: ignore[attr-defined]

#: Rows whose float32 partial gradient is added into the float64 accumulator at a time.
_FLUSH_ROWS = 256


F = TypeVar("F", bound=Callable[..., Any])


def _jit(**options: Any) -> Callable[[F], F]:
    """``numba.njit`` with the on-disk cache when a cache folder can be used.

    The cache (``NUMBA_CACHE_DIR`` or ``__pycache__``) saves the compile on later runs; a
    read-only install (a bundle) falls back to compiling in memory rather than failing.
    """

    def decorate(func: F) -> F:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", numba.NumbaWarning)
                return numba.njit(cache=True, **options)(func)
        except RuntimeError:  # "cannot cache ... no locator available"
            return numba.njit(cache=False, **options)(func)

    return decorate


@_jit()
def compiled_loop_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The nested loops of the Python reference, compiled (one thread, strict rounding)."""
    m, n = X.shape
    errors = np.empty(m)
    for i in range(m):
        s = b
        for j in range(n):
            s += X[i, j] * w[j]
        errors[i] = s - y[i]
    out = np.zeros(n + 1)
    for i in range(m):
        e = errors[i]
        for j in range(n):
            out[j] += e * X[i, j]
        out[n] += e
    for j in range(n + 1):
        out[j] /= m
    return out


@_jit(parallel=True, fastmath=True)
def fused_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: Any, chunks: int) -> np.ndarray:
    """One pass over X: errors and gradient accumulated four rows at a time.

    ``w`` and ``b`` have X's dtype (float32 arithmetic stays float32 in the inner loops);
    partial sums go into a float64 accumulator every ``_FLUSH_ROWS`` rows. ``chunks``
    contiguous row ranges are shared out over the threads (use the thread count).
    """
    m, n = X.shape
    acc = np.zeros((chunks, n + 1))
    for t in prange(chunks):
        r0 = t * m // chunks
        r1 = (t + 1) * m // chunks
        g = np.zeros(n, X.dtype)
        zero = g[0]
        gb = 0.0
        i = r0
        flush = r0 + _FLUSH_ROWS
        while i < r1:
            if i + 4 <= r1:
                s0 = zero
                s1 = zero
                s2 = zero
                s3 = zero
                for j in range(n):
                    wj = w[j]
                    s0 += X[i, j] * wj
                    s1 += X[i + 1, j] * wj
                    s2 += X[i + 2, j] * wj
                    s3 += X[i + 3, j] * wj
                e0 = s0 + b - y[i]
                e1 = s1 + b - y[i + 1]
                e2 = s2 + b - y[i + 2]
                e3 = s3 + b - y[i + 3]
                gb += np.float64(e0) + np.float64(e1) + np.float64(e2) + np.float64(e3)
                for j in range(n):
                    g[j] += e0 * X[i, j] + e1 * X[i + 1, j] + e2 * X[i + 2, j] + e3 * X[i + 3, j]
                i += 4
            else:
                s0 = zero
                for j in range(n):
                    s0 += X[i, j] * w[j]
                e0 = s0 + b - y[i]
                gb += np.float64(e0)
                for j in range(n):
                    g[j] += e0 * X[i, j]
                i += 1
            if i >= flush or i >= r1:
                for j in range(n):
                    acc[t, j] += g[j]
                    g[j] = zero
                flush = i + _FLUSH_ROWS
        acc[t, n] = gb
    out = np.zeros(n + 1)
    for t in range(chunks):
        for j in range(n + 1):
            out[j] += acc[t, j]
    for j in range(n + 1):
        out[j] /= m
    return out


def compile_kernels(dtype: str) -> dict[str, float]:
    """Compile (or load from the cache) each kernel for ``dtype``; return seconds per impl."""
    X = np.ones((5, 3), dtype)
    y = np.ones(5, dtype)
    w = np.ones(3, dtype)
    seconds = {}
    t0 = time.perf_counter()
    compiled_loop_step(X, y, w, 0.0)
    seconds["compiled-loop"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fused_step(X, y, w, X.dtype.type(0), 1)
    seconds["fused"] = time.perf_counter() - t0
    return seconds


def max_threads() -> int:
    """Threads numba may use (``NUMBA_NUM_THREADS``, all cores by default)."""
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


def set_threads(count: int) -> None:
    """Use ``count`` threads in the parallel kernels from now on."""
    numba.set_num_threads(max(1, min(int(count), max_threads())))


def threading_layer() -> str:
    """The threading layer numba chose (only known after a parallel kernel has run)."""
    try:
        return str(numba.threading_layer())
    except ValueError:
        return "not started"


VERSION = numba.__version__
