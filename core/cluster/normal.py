"""The normal equation on the dask engine, with the in-memory solver's policy
(:mod:`core.solvers.normal_fast`): the least-squares answer of the data as stored, refined
to working precision.

1. **Gram + refinement** (the default): a Cholesky factor of the (centred, equilibrated)
   Gram statistics of the pass gives a first answer; then refinement steps, each one
   map-reduce over the chunks (:mod:`core.cluster.refine`: residual and ``Aᵀr`` in
   double-double), the correction solved with the same factor. Each step shrinks the error
   by about κ²·ε, so this is used only while κ < :data:`GRAM_SAFE_KAPPA` (κ²·ε < 10⁻⁶).
2. **Tall-skinny QR + refinement** otherwise (κ beyond that, Cholesky failing, or
   refinement not gaining): ``R`` of ``[A/s | y]`` by :func:`dask.array.linalg.tsqr`
   (:mod:`core.cluster.qr`), the answer from ``R`` (error about κ·ε), then the corrected
   semi-normal equations with ``R`` refined the same way (Björck, *Numerical Methods for
   Least Squares Problems*, SIAM 1996, §6.6.5), which gain while κ²·ε < 1.

The report states the method, the passes, κ and the digits to expect.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from core.cluster.gram_problem import GramProblem
from core.cluster.refine import Refined, correction_pass, refine
from core.cluster.statistics import GramStatistics
from core.solvers.normal_fast import GRAM_SAFE_KAPPA

_EPS = float(np.finfo(np.float64).eps)
#: Condition number (equilibrated) above which the answer is flagged nearly singular.
ILL_CONDITIONED = 1e12
#: The methods :func:`solve_normal` takes: ``auto`` (Gram, then tsqr when needed), or one.
METHODS = ("auto", "gram", "tsqr")

#: What the report's notes say of this solver.
NOTE = (
    "the normal equation on the dask engine: Cholesky of the Gram statistics refined by "
    "map-reduces over the chunks that form the residual and Aᵀr in double-double (each "
    "step shrinks the error by about κ²·ε), or, when "
    f"κ ≥ {GRAM_SAFE_KAPPA:.0e}, the R of a tall-skinny QR (dask.array.linalg.tsqr) refined "
    "the same way: the least-squares answer of the data as stored, as in memory"
)


@dataclass(frozen=True)
class NormalResult:
    """What :func:`solve_normal` found: ``w`` (n), ``b`` (None without an intercept), the
    residual sum of squares, κ (equilibrated; centred with an intercept for the Gram
    method), ``method`` ("gram" or "tsqr"), the refinement and its passes, the digits to
    expect, why the first method was left (``fallback``: "" when it was not) and the rank
    found by the QR (-1 when it did not run; below p: the minimum-norm answer)."""

    w: np.ndarray
    b: float | None
    sse: float
    kappa: float
    method: str
    refined: Refined
    digits: float
    fallback: str = ""
    rank: int = -1


def gram_factor(
    stats: GramStatistics, intercept: bool
) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray] | None, float]:
    """``(x0, solve, κ)`` from the statistics: the first answer (original units), the
    correction ``solve(g) = (AᵀA)⁻¹ g`` and κ; ``solve`` None (and x0 empty) when κ ≥
    :data:`GRAM_SAFE_KAPPA` or Cholesky fails. With an intercept ``AᵀA`` is solved by
    block elimination of the intercept: ``M2·dw = g_x − x̄·g₁``, ``db = g₁/m − x̄ᵀdw`` (M2 the centred
    cross-products), which is exact and factors the better-conditioned centred matrix."""
    n, m = stats.n, stats.m
    S = stats.M2[:n, :n] if intercept else stats.raw()[0]
    d = np.sqrt(np.diag(S)).copy()
    d[~(d > 0)] = 1.0
    B = S / np.outer(d, d)
    ev = np.linalg.eigvalsh(B) if n else np.ones(1)
    kappa = math.sqrt(ev[-1] / ev[0]) if ev[0] > 0 else math.inf
    if not kappa < GRAM_SAFE_KAPPA:
        return np.zeros(0), None, kappa
    try:
        L = np.linalg.cholesky(B) if n else np.ones((0, 0))
    except np.linalg.LinAlgError:
        return np.zeros(0), None, kappa
    xbar = stats.mean[:n]

    def chol(t: np.ndarray) -> np.ndarray:
        return np.linalg.solve(L.T, np.linalg.solve(L, t / d)) / d if n else t

    def solve(g: np.ndarray) -> np.ndarray:
        if not intercept:
            return chol(g)
        dw = chol(g[:n] - xbar * g[n])
        return np.append(dw, g[n] / m - float(xbar @ dw))

    if intercept:
        w = chol(stats.M2[:n, n])
        x0 = np.append(w, float(stats.mean[n] - xbar @ w))
    else:
        x0 = chol(stats.raw()[1])
    return x0, solve, kappa


def _tsqr(
    client: Any, parts: list[Any], stats: GramStatistics, intercept: bool, path: str
) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray], float, int]:
    """``(x0, solve, κ, rank)`` from the R of a tall-skinny QR of ``[A/s | y]``."""
    from core.cluster.qr import column_scales, tsqr_r

    s = column_scales(stats, intercept)
    p = s.size
    R = tsqr_r(client, parts, stats, s, intercept, path)
    R11, r12 = R[:p, :p], R[:p, p]
    U, sigma, Vt = np.linalg.svd(R11)
    tol = sigma[0] * max(stats.m, p) * _EPS if sigma.size and sigma[0] > 0 else 0.0
    rank = int(np.sum(sigma > tol))
    kappa = float(sigma[0] / sigma[-1]) if rank == p and p else math.inf
    if rank < p:  # the minimum-norm answer in original units, as in memory; not refined
        from core.solvers.normal import minimum_norm_via_null_space

        z = Vt[:rank].T @ ((U[:, :rank].T @ r12) / sigma[:rank])
        return minimum_norm_via_null_space(z, Vt[rank:].T, s), lambda g: g * 0, kappa, rank

    def solve(g: np.ndarray) -> np.ndarray:  # (R₁₁ᵀR₁₁)⁻¹ (g/s), in original units
        return np.linalg.solve(R11, np.linalg.solve(R11.T, g / s)) / s

    return np.linalg.solve(R11, r12) / s, solve, kappa, rank


def solve_normal(
    client: Any,
    parts: list[Any],
    stats: GramStatistics,
    intercept: bool,
    path: str,
    *,
    method: str = "auto",
    max_refinements: int = 10,
) -> NormalResult:
    """The least-squares answer of the data in ``parts`` (original units) by ``method``
    (:data:`METHODS`; ``auto``: Gram with refinement, tsqr when κ ≥
    :data:`GRAM_SAFE_KAPPA` or refinement does not gain). ValueError for an unknown
    method; InputError (via ``wait_for``) when the cluster fails."""
    from core.cluster.qr import column_scales

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; one of {', '.join(METHODS)}")
    scale = column_scales(stats, intercept)

    def residual(x: np.ndarray) -> tuple[np.ndarray, float]:
        return correction_pass(client, parts, x, intercept, path)

    n, fallback = stats.n, ""
    if method != "tsqr":
        x0, gram_solve, kappa = gram_factor(stats, intercept)
        if gram_solve is not None:
            done = refine(x0, gram_solve, residual, scale, max_refinements=max_refinements)
            if done is not None:
                return _result(done, n, intercept, kappa, "gram", "")
            fallback = "refinement from the Gram statistics stopped gaining"
        elif kappa < GRAM_SAFE_KAPPA:
            fallback = "the Gram statistics are not positive definite (Cholesky failed)"
        else:
            fallback = (
                f"the condition number from the Gram statistics, {kappa:.3g}, is beyond "
                f"{GRAM_SAFE_KAPPA:.0e}, where refining from XᵀX is safe"
            )
        if method == "gram":
            raise ValueError(f"the Gram method does not apply: {fallback}")
    x0, solve, kappa, rank = _tsqr(client, parts, stats, intercept, path)
    if rank < scale.size:
        _, rss = residual(x0)
        done = Refined(x0, rss, 0, 1, math.inf, False)
    else:
        maybe = refine(x0, solve, residual, scale, max_refinements=max_refinements, strict=False)
        assert maybe is not None
        done = maybe
    return replace(_result(done, n, intercept, kappa, "tsqr", fallback), rank=rank)


def _result(
    done: Refined, n: int, intercept: bool, kappa: float, method: str, fallback: str
) -> NormalResult:
    x = done.x
    if done.converged:
        digits = min(15.0, -math.log10(max(done.step, _EPS)))
    elif math.isfinite(kappa):
        digits = max(0.0, 16 - math.log10(max(kappa, 1.0)))
    else:
        digits = 0.0
    b = float(x[n]) if intercept else None
    return NormalResult(x[:n].copy(), b, done.rss, kappa, method, done, digits, fallback)


def normal_snapshot(
    problem: GramProblem,
    t0: float,
    client: Any,
    parts: list[Any],
    path: str,
    *,
    method: str = "auto",
) -> tuple[Any, dict[str, Any]]:
    """The final snapshot of the normal equation on the cluster (``t0``: when the solve
    started) and the report's ``steps`` entry: method, refinements, passes over the
    chunks, κ, expected digits."""
    from core.solvers.snapshot import RunStatus, Snapshot, readonly

    res = solve_normal(client, parts, problem.stats, problem.intercept, path, method=method)
    w_s, b_s = problem.to_scaled(res.w, res.b)
    _, gnorm = problem.cost_and_gradient(w_s, b_s or 0.0)
    done = res.refined
    how = {
        "gram": "Cholesky of the Gram statistics",
        "tsqr": "the R of a tall-skinny QR (dask.array.linalg.tsqr)",
    }[res.method]
    passes = f"{done.passes} map-reduce(s) over the chunks"
    if done.converged:
        accuracy = (
            f"the last correction {done.step:.1g} relative: the least-squares answer of the "
            f"data as stored to about {res.digits:.0f} digits"
        )
    else:
        accuracy = f"about {res.digits:.0f} of 16 digits (κ · ε)"
    message = (
        f"Solved by {how} with {done.refinements} double-double refinement step(s) "
        f"({passes}; equilibrated condition number {res.kappa:.3g}; {accuracy})."
    )
    warnings = []
    if res.fallback:
        message += f" QR because {res.fallback}."
    p = problem.n_params
    if 0 <= res.rank < p:
        params = "(w, b)" if problem.intercept else "w"
        message = (
            f"Rank-deficient design (rank {res.rank} of {p}, from the R of a tall-skinny QR, "
            "dask.array.linalg.tsqr); minimum-norm solution shown."
        )
        warnings.append(
            f"the design is rank-deficient (rank {res.rank} of {p}): some columns are linear "
            "combinations of others (or there are fewer rows than parameters), so infinitely "
            f"many coefficients fit equally well; showing the smallest ‖{params}‖ in the units "
            "shown. Remove a redundant feature."
        )
    elif not done.converged:
        warnings.append(
            f"cond = {res.kappa:.3g}: refinement did not reach working precision, so only "
            f"about {res.digits:.0f} digits of the coefficients can be right (κ · ε)"
        )
    if res.kappa > ILL_CONDITIONED and not 0 <= res.rank < p:
        warnings.append(
            f"the design is nearly singular (condition number {res.kappa:.3g} even after "
            "equilibrating its columns): the coefficients are exact for the data as stored, "
            "but tiny changes in the data would change them a lot; drop a nearly redundant "
            "feature"
        )
    info = {
        "method": res.method,
        "refinements": done.refinements,
        "passes": done.passes,
        "converged": done.converged,
        "condition_number": res.kappa,
        "digits": res.digits,
        "fallback": res.fallback or None,
        "rank": res.rank if res.rank >= 0 else None,
    }
    snapshot = Snapshot(
        0, res.sse / (2 * problem.m), readonly(res.w), res.b, readonly(w_s), b_s, gnorm,
        time.perf_counter() - t0, RunStatus.SOLVED, message, tuple(warnings),
    )  # fmt: skip
    return snapshot, info
