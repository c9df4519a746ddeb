"""Iterative refinement of a least-squares answer on the dask engine: each step is ONE
map-reduce over the row chunks that returns ``g = Aᵀr`` and ``‖r‖²`` for the current
coefficients ``x`` (``A = [X | 1]``, or ``X`` without an intercept; ``r = y − A x``).

Every chunk forms its residual and its part of ``Aᵀr`` in double-double arithmetic (Dekker
and Knuth's error-free transformations, :mod:`core.model.precise`), keeping the residual's
own rounding error, and returns ``Aᵀr`` as a double-double; the chunks' parts are merged
pairwise in double-double on the workers, so ``g`` is accurate to about ε·|g| even when the
rows' terms cancel, which they do near the solution. The caller solves the correction from
``g`` with a factor it already has (Cholesky of the Gram statistics or ``R`` of a
tall-skinny QR): refinement of the (corrected) semi-normal equations, Björck, *Numerical
Methods for Least Squares Problems*, SIAM 1996, §2.9.3 and §6.6; Higham, *Accuracy and
Stability of Numerical Algorithms*, 2nd ed., §20.5. The stopping rule is
:func:`core.solvers.normal_fast.gram_refined`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.cluster.statistics import wait_for
from core.model.precise import dd_reduce, two_prod, two_sum

_EPS = float(np.finfo(np.float64).eps)
#: A relative correction below this that no longer halves is rounding noise: done.
SETTLED = 1e-13
#: Rows of a chunk handled at a time: the temporaries (a few rows × p arrays) stay in the
#: cache (measured: 2048 rows × 22 columns about twice as fast as 65536).
SLICE_ROWS = 1 << 11

#: One chunk's (or several merged chunks') result: ``(g_hi, g_lo, ‖r‖²)``.
Correction = tuple[np.ndarray, np.ndarray, float]


def _dd_add(
    ah: np.ndarray, al: np.ndarray, bh: np.ndarray, bl: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    s, e = two_sum(ah, bh)
    return two_sum(s, e + (al + bl))


def chunk_correction(block: np.ndarray, x: np.ndarray, intercept: bool) -> Correction:
    """``(g_hi, g_lo, ‖r‖²)`` of one chunk (rows × (n+1), target last): ``g_hi + g_lo =
    Aᵀr`` (p = n + intercept values) in double-double with ``r = y − A x`` itself a
    double-double, and the residual sum of squares (float64)."""
    from core.solvers.normal_fast import compiled_kernels

    block = np.asarray(block, np.float64)
    if compiled_kernels():  # numba: the same arithmetic in one read, several times faster
        from core.solvers.qr_kernels import dd_chunk_correction

        g_hi, g_lo, rss = dd_chunk_correction(
            np.ascontiguousarray(block), np.ascontiguousarray(x, np.float64), bool(intercept)
        )
        return g_hi, g_lo, float(rss)
    return _numpy_chunk_correction(block, x, intercept)


def _numpy_chunk_correction(block: np.ndarray, x: np.ndarray, intercept: bool) -> Correction:
    """:func:`chunk_correction` in vectorised NumPy (where numba is absent: the bundle)."""
    n = block.shape[1] - 1
    p = n + int(intercept)
    g_hi, g_lo, rss = np.zeros(p), np.zeros(p), 0.0
    for start in range(0, block.shape[0], SLICE_ROWS):
        rows = block[start : start + SLICE_ROWS]
        A = rows[:, :n]
        if intercept:
            A = np.column_stack([A, np.ones(rows.shape[0])])
        prod, err = two_prod(A, x[None, :])
        hi = np.concatenate([rows[:, n : n + 1], -prod], axis=1)
        lo = np.concatenate([np.zeros((rows.shape[0], 1)), -err], axis=1)
        r_hi, r_lo = two_sum(*dd_reduce(hi, lo))
        prod, err = two_prod(A, r_hi[:, None])
        err = err + A * r_lo[:, None]
        h, lo_ = dd_reduce(np.ascontiguousarray(prod.T), np.ascontiguousarray(err.T))
        g_hi, g_lo = _dd_add(g_hi, g_lo, h, lo_)
        rss += float(r_hi @ r_hi) + 2.0 * float(r_hi @ r_lo)
    return g_hi, g_lo, rss


def merge_corrections(*parts: Correction) -> Correction:
    """Several chunks' results as one (double-double sums of ``Aᵀr``)."""
    g_hi, g_lo, rss = parts[0]
    for h, lo, s in parts[1:]:
        g_hi, g_lo = _dd_add(g_hi, g_lo, h, lo)
        rss += s
    return g_hi, g_lo, rss


def correction_pass(
    client: Any, parts: list[Any], x: np.ndarray, intercept: bool, path: str, fan_in: int = 8
) -> tuple[np.ndarray, float]:
    """``(Aᵀr, ‖r‖²)`` at coefficients ``x`` (original units, p values): one map-reduce over
    ``parts`` (dask Delayed chunks) on ``client``'s cluster, merged in a tree on the
    workers. InputError (via :func:`core.cluster.statistics.wait_for`) when the workers die
    or a chunk cannot be read."""
    import dask

    x = np.ascontiguousarray(x, np.float64)
    task = dask.delayed(chunk_correction, pure=True)
    level = [task(part, x, intercept) for part in parts]
    combine = dask.delayed(merge_corrections, pure=True)
    while len(level) > 1:
        level = [combine(*level[k : k + fan_in]) for k in range(0, len(level), fan_in)]
    g_hi, g_lo, rss = wait_for(client, client.compute(level[0]), path, "a refinement pass")
    return np.asarray(g_hi + g_lo), max(float(rss), 0.0)


@dataclass(frozen=True)
class Refined:
    """The refined answer: coefficients ``x`` (original units), ``rss`` = ‖y − A x‖² from
    the last pass, ``refinements`` (corrections applied), ``passes`` (map-reduces over
    the chunks), ``step`` (the last relative correction) and ``converged`` (whether the
    corrections fell to rounding level)."""

    x: np.ndarray
    rss: float
    refinements: int
    passes: int
    step: float
    converged: bool


def refine(
    x0: np.ndarray,
    solve: Callable[[np.ndarray], np.ndarray],
    residual: Callable[[np.ndarray], tuple[np.ndarray, float]],
    scale: np.ndarray,
    *,
    max_refinements: int = 10,
    strict: bool = True,
) -> Refined | None:
    """Refine ``x0``: ``g, rss = residual(x)`` (one pass), ``x += solve(g)`` until the
    relative correction (measured on the equilibrated coefficients ``x·scale``) is below
    4ε, or stops halving below :data:`SETTLED`. When it stops halving above that, None if
    ``strict`` (the factor is too inaccurate: the caller's next method), else the best
    iterate so far is kept (``converged`` False)."""
    x = np.asarray(x0, np.float64).copy()
    step, refinements, passes = math.inf, 0, 0
    while True:
        g, rss = residual(x)
        passes += 1
        if refinements >= max_refinements:
            return Refined(x, rss, refinements, passes, step, False)
        dx = solve(g)
        trial = x + dx
        size = max(float(np.max(np.abs(trial * scale))), 1e-300)
        new_step = float(np.max(np.abs(dx * scale))) / size
        if not math.isfinite(new_step):
            return None if strict else Refined(x, rss, refinements, passes, step, False)
        if new_step <= 4 * _EPS or (new_step >= step / 2 and new_step < SETTLED):
            # the last correction is at rounding level: no new pass needed
            return Refined(trial, rss, refinements + 1, passes, new_step, True)
        if new_step >= step / 2:
            if strict:
                return None
            if new_step < step:
                x, refinements = trial, refinements + 1
                g, rss = residual(x)
                passes += 1
            return Refined(x, rss, refinements, passes, min(step, new_step), False)
        x, step, refinements = trial, new_step, refinements + 1
