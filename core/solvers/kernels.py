"""numba kernels of the gradient-descent step, for the runs and the timing lab alike (both
reach them through :mod:`core.solvers.implementations`).

Importing this module needs numba; the registry imports it lazily and shows the compiled
implementations as unavailable, with the reason, when it is missing. Both step kernels return
``[∇w, ∂b, Σe²] = [Xᵀe/m, Σe/m, Σe²]`` with ``e = Xw + b − y`` as one float64 vector of
n + 2 entries (the gradient of the data term and the residual sum of squares, so a run gets
its cost J = Σe²/(2m) from the same pass).

- :func:`compiled_step` is the Python loop of the lesson, line for line, compiled: one
  thread, no reassociation (no ``fastmath``), so what it saves over the interpreter is the
  interpreter and nothing else.
- :func:`gram_advance` runs gradient descent on the Gram form for as long as nothing would
  stop or report (the driver's fast-forward, :func:`core.solvers.gd.descend`).
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
def compiled_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The nested loops of the Python reference, compiled (one thread, strict rounding);
    returns ``[Xᵀe/m, Σe/m, Σe²]`` (n + 2 entries, float64)."""
    m, n = X.shape
    errors = np.empty(m)
    sse = 0.0
    for i in range(m):
        s = b
        for j in range(n):
            s += X[i, j] * w[j]
        e = s - y[i]
        errors[i] = e
        sse += e * e
    out = np.zeros(n + 2)
    for i in range(m):
        e = errors[i]
        for j in range(n):
            out[j] += e * X[i, j]
        out[n] += e
    for j in range(n + 1):
        out[j] /= m
    out[n + 1] = sse
    return out


@_jit()
def gram_advance(
    G: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    y_mean: float,
    q: float,
    w: np.ndarray,
    b: float,
    alpha: float,
    l2: float,
    intercept: bool,
    budget: int,
    prev: float,
    rising: int,
    rising_steps: int,
    rise_factor: float,
    start_level: float,
    explode: float,
    tolerance: float,
) -> tuple[int, float, float, int]:
    """Gradient descent on the Gram form while nothing would stop the run.

    Each step evaluates J = ½wᵀGw + b·sᵀw − cᵀw + ½b² − bȳ + ½q (+ ½l2·‖w‖²) and
    ``∇w = Gw + b·s − c (+ l2·w)``, ``∂b = sᵀw + b − ȳ``, and stops *before* the update when
    any of :func:`~core.solvers.gd.descend`'s tests could fire there (a non-finite or
    exploding cost, ``rising_steps`` rises above the start, the tolerance's gradient-norm or
    relative-change test), so the driver judges that iterate itself. Updates ``w`` in place;
    returns (steps done, b, the last cost evaluated before the stop point, the rise count).
    """
    n = w.shape[0]
    gw = np.empty(n)
    done = 0
    while done < budget:
        sw = 0.0
        cw = 0.0
        wgw = 0.0
        ww = 0.0
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += G[i, j] * w[j]
            wgw += w[i] * acc
            sw += s[i] * w[i]
            cw += c[i] * w[i]
            ww += w[i] * w[i]
            gw[i] = acc + b * s[i] - c[i] + l2 * w[i]
        cost = 0.5 * wgw - cw + 0.5 * q + 0.5 * l2 * ww
        gb = 0.0
        if intercept:
            cost += b * sw + 0.5 * b * b - b * y_mean
            gb = sw + b - y_mean
        if not cost <= explode:
            break
        up = rising + 1 if cost > prev * rise_factor else 0
        if up >= rising_steps and cost > start_level:
            break
        if tolerance > 0:
            norm2 = gb * gb
            for i in range(n):
                norm2 += gw[i] * gw[i]
            if np.sqrt(norm2) <= tolerance:
                break
            if abs(prev - cost) <= tolerance * max(abs(prev), 1e-300):
                break
        for i in range(n):
            w[i] -= alpha * gw[i]
        if intercept:
            b -= alpha * gb
        prev = cost
        rising = up
        done += 1
    return done, b, prev, rising


@_jit(parallel=True, fastmath=True)
def fused_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: Any, chunks: int) -> np.ndarray:
    """One pass over X: errors and gradient accumulated four rows at a time; returns
    ``[Xᵀe/m, Σe/m, Σe²]`` (n + 2 entries, float64).

    ``w`` and ``b`` have X's dtype (float32 arithmetic stays float32 in the inner loops);
    partial sums go into a float64 accumulator every ``_FLUSH_ROWS`` rows. ``chunks``
    contiguous row ranges are shared out over the threads (use the thread count).
    """
    m, n = X.shape
    acc = np.zeros((chunks, n + 2))
    for t in prange(chunks):
        r0 = t * m // chunks
        r1 = (t + 1) * m // chunks
        g = np.zeros(n, X.dtype)
        zero = g[0]
        gb = 0.0
        sq = 0.0
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
                d0 = np.float64(e0)
                d1 = np.float64(e1)
                d2 = np.float64(e2)
                d3 = np.float64(e3)
                gb += d0 + d1 + d2 + d3
                sq += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3
                for j in range(n):
                    g[j] += e0 * X[i, j] + e1 * X[i + 1, j] + e2 * X[i + 2, j] + e3 * X[i + 3, j]
                i += 4
            else:
                s0 = zero
                for j in range(n):
                    s0 += X[i, j] * w[j]
                e0 = s0 + b - y[i]
                d0 = np.float64(e0)
                gb += d0
                sq += d0 * d0
                for j in range(n):
                    g[j] += e0 * X[i, j]
                i += 1
            if i >= flush or i >= r1:
                for j in range(n):
                    acc[t, j] += g[j]
                    g[j] = zero
                flush = i + _FLUSH_ROWS
        acc[t, n] = gb
        acc[t, n + 1] = sq
    out = np.zeros(n + 2)
    for t in range(chunks):
        for j in range(n + 2):
            out[j] += acc[t, j]
    for j in range(n + 1):
        out[j] /= m
    return out


def compile_kernels(dtype: str, only: str = "") -> dict[str, float]:
    """Compile (or load from the cache) each kernel for ``dtype`` (only the one of the
    implementation ``only``, when given); return seconds per implementation."""
    X = np.ones((5, 3), dtype)
    y = np.ones(5, dtype)
    w = np.ones(3, dtype)
    seconds = {}
    if only in ("", "compiled"):
        t0 = time.perf_counter()
        compiled_step(X, y, w, 0.0)
        seconds["compiled"] = time.perf_counter() - t0
    if only in ("", "fused"):
        t0 = time.perf_counter()
        fused_step(X, y, w, X.dtype.type(0), 1)
        seconds["fused"] = time.perf_counter() - t0
    if only in ("", "gram") and dtype == "float64":
        t0 = time.perf_counter()
        G = np.eye(3)
        gram_advance(G, w, w, 0.0, 0.0, w.copy(), 0.0, 0.1, 0.0, True, 1, 1.0, 0, 50, 1.0, 1.0,
                     1e300, 0.0)  # fmt: skip
        seconds["gram"] = time.perf_counter() - t0
    return seconds


def max_threads() -> int:
    """Threads numba may use (``NUMBA_NUM_THREADS``, all cores by default)."""
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


def thread_count() -> int:
    """Threads the parallel kernels use now (the row ranges :func:`fused_step` shares out)."""
    return int(numba.get_num_threads())


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
