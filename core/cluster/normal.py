"""The normal equation on the dask engine: the least-squares answer from the Gram
statistics of one pass (columns equilibrated, Cholesky; a rank-revealing fallback when
singular). Forming ``XᵀX`` squares the condition number: the answer carries a relative
error of about κ²·ε, which the report states (the in-memory solver's QR with refinement
carries about κ·ε).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from core.cluster.gram_problem import GramProblem
from core.cluster.statistics import GramStatistics

_EPS = float(np.finfo(np.float64).eps)

#: What the report's notes say of this solver.
NOTE = (
    "the normal equation from the Gram statistics squares the condition number: "
    "relative error about κ²·ε (κ of the centred, equilibrated design), against κ·ε "
    "for the in-memory QR with refinement"
)


def normal_from_statistics(
    stats: GramStatistics, intercept: bool
) -> tuple[np.ndarray, float | None, float, float, str]:
    """``(w, b, sse, κ, how)`` of least squares from the statistics (original units).

    With an intercept the centred cross-products are solved (``b = ȳ − x̄ᵀw``), without one
    the raw ``XᵀX``; columns equilibrated by their norms, then Cholesky, or an SVD-based
    minimum-norm solve when that fails. κ is that of the equilibrated (centred) design.
    """
    n = stats.n
    if intercept:
        S, r, yy = stats.M2[:n, :n], stats.M2[:n, n], float(stats.M2[n, n])
    else:
        S, r, yy = stats.raw()
    d = np.sqrt(np.diag(S))
    d[~(d > 0)] = 1.0
    B = S / np.outer(d, d)
    ev = np.linalg.eigvalsh(B)
    kappa = math.sqrt(ev[-1] / ev[0]) if ev[0] > 0 else math.inf
    how = "Cholesky"
    try:
        if not kappa < 1 / math.sqrt(_EPS):
            raise np.linalg.LinAlgError
        L = np.linalg.cholesky(B)
        z = np.linalg.solve(L.T, np.linalg.solve(L, r / d))
    except np.linalg.LinAlgError:
        z = np.linalg.lstsq(B, r / d, rcond=None)[0]
        how = "minimum-norm least squares (XᵀX is singular at float64 precision)"
    w = z / d
    sse = yy - 2 * float(w @ r) + float(w @ S @ w)
    b = None
    if intercept:
        b = float(stats.mean[n] - stats.mean[:n] @ w)
    return w, b, max(sse, 0.0), kappa, how


def normal_snapshot(problem: GramProblem, t0: float) -> Any:
    """The final snapshot of the normal equation solved from ``problem``'s statistics
    (``t0``: when the solve started, for its elapsed time)."""
    from core.solvers.snapshot import RunStatus, Snapshot, readonly

    stats = problem.stats
    w, b, sse, kappa, how = normal_from_statistics(stats, problem.intercept)
    w_s, b_s = problem.to_scaled(w, b)
    _, gnorm = problem.cost_and_gradient(w_s, b_s or 0.0)
    digits = 16 - 2 * math.log10(max(kappa, 1.0)) if math.isfinite(kappa) else 0.0
    message = (
        f"Solved from the Gram statistics by {how} (centred, columns equilibrated; "
        f"condition number {kappa:.3g}, so about {max(digits, 0):.0f} of 16 digits)."
    )
    warnings = []
    if digits < 8:
        warnings.append(
            f"cond = {kappa:.3g}: from XᵀX only about {max(digits, 0):.0f} digits of the "
            "coefficients can be right (κ² · ε); fit a subsample in memory (QR) to check"
        )
    return Snapshot(
        0, sse / (2 * stats.m), readonly(w), b, readonly(w_s), b_s, gnorm,
        time.perf_counter() - t0, RunStatus.SOLVED, message, tuple(warnings),
    )  # fmt: skip
