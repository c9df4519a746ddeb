"""The claims of the optimizer lessons (issue 11): how noisy a learning curve is, whether a
run stalls, and measured iterations against the theory's prediction.

Each check takes a validated claim and the runs' results by label (objects with the fields
of :class:`core.claims.LessonRun`) and returns ``(holds, the numbers that say so)``; the
fields each kind needs are declared in :data:`core.claims.CLAIM_FIELDS`, which registers
these checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from core.errors import InputError

#: A rise of J by less than this (relative) is rounding, not a rise.
RISE_MARGIN = 1e-12


def rise_fraction(costs: tuple[float, ...] | np.ndarray) -> tuple[float, int]:
    """The fraction of recorded steps in which the full-data cost J rose (by more than
    :data:`RISE_MARGIN` relative), and the number of steps: a learning curve's noise, 0 for
    a curve that falls at every step, about 1/2 for one that jitters at a floor."""
    c = np.asarray(costs, np.float64)
    steps = max(c.size - 1, 0)
    if steps == 0:
        return 0.0, 0
    rises = int(np.sum(c[1:] > c[:-1] * (1 + RISE_MARGIN) + 1e-300))
    return rises / steps, steps


def least_squares_cost(run: Any) -> float:
    """J* of the run's problem: the cost at the least-squares answer (stable normal equation)."""
    problem = run.problem
    best = run.optimum()
    n = problem.n
    w_s, b_s = problem.to_scaled(best[:n], best[n] if problem.intercept else None)
    return problem.cost(w_s, b_s)


def stall_ratio(run: Any) -> float:
    """Mean excess cost J − J* over the last quarter of the recorded steps, divided by its mean
    over the quarter before: about 1 for a run that stalls at a noise floor, far below 1 for
    one still converging (each quarter holds at least one step; InputError for fewer than 8)."""
    c = np.asarray(run.costs, np.float64)
    if c.size < 8:
        raise InputError(f"{run.label}: {c.size} recorded costs; a stall needs at least 8")
    excess = c - least_squares_cost(run)
    q = c.size // 4
    before, last = float(np.mean(excess[-2 * q : -q])), float(np.mean(excess[-q:]))
    return last / before if before > 0 else math.inf


def _noisier(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    noisy, n_steps = rise_fraction(r[c["noisy"]].costs)
    smooth, s_steps = rise_fraction(r[c["smooth"]].costs)
    return noisy > smooth, (
        f"J rose in {noisy:.1%} of the {n_steps:,} recorded steps of {c['noisy']}, "
        f"in {smooth:.1%} of the {s_steps:,} of {c['smooth']}"
    )


def _stalls(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    ratio = stall_ratio(r[c["run"]])
    return ratio >= c["at_least"], (
        f"{c['run']}: its mean excess cost J − J* over the last quarter of the run is "
        f"{ratio:.3g}× that over the quarter before (claim ≥ {c['at_least']:g}×: it stopped "
        "falling)"
    )


def _iterations_near_theory(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    from core.solvers.theory import problem_theory

    run = r[c["run"]]
    settings = run.run
    if settings is None or run.alpha is None:
        return False, f"{c['run']}: its run settings are not known"
    if run.final.status != "converged":
        return False, f"{c['run']}: {run.final.status}, so it has no measured iterations"
    measured = run.final.iteration
    report = problem_theory(run.problem, settings, run.alpha, measured)
    predicted = report["predicted_iterations"]
    if predicted is None:
        why = "; ".join(report["notes"]) or "the rate is ≥ 1 or the tolerance is 0"
        return False, f"{c['run']}: the theory predicts no iterations ({why})"
    factor = max(measured / max(predicted, 1), predicted / max(measured, 1))
    return factor <= c["within"], (
        f"{c['run']}: measured {measured:,} iterations, the theory predicts {predicted:,} "
        f"(rate {report['rate_used']:.6g} per iteration, κ = {report['kappa']:.4g}): within "
        f"a factor {factor:.2f} (claim ≤ {c['within']:g})"
    )


#: The checks this module adds to :data:`core.claims.CLAIM_FIELDS`'s kinds.
CHECKS = {
    "noisier": _noisier,
    "stalls": _stalls,
    "iterations_near_theory": _iterations_near_theory,
}
