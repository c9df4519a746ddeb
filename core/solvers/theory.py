"""Theory next to the run: optimal constant steps and rates per iteration on the course's
quadratic cost, from λ_min, λ_max of its Hessian G = AᵀA/m (training coordinates, intercept
column included; :attr:`core.model.problem.Problem.lambda_range`), κ = λ_max/λ_min.

Per eigenvalue λ of G the error e_k = θ_k − θ* of a constant-step method follows a linear
recurrence; the rate is its spectral radius, the worst over λ in [λ_min, λ_max]: for gradient
descent e_k = (1 − αλ)·e_{k−1} (Nocedal & Wright, *Numerical Optimization*, 2nd ed. 2006,
§3.3); for heavy ball θ_k = θ_{k−1} − α·∇J + β·(θ_{k−1} − θ_{k−2}),
e_k = (1 + β − αλ)·e_{k−1} − β·e_{k−2} (B. T. Polyak, "Some methods of speeding up the
convergence of iteration methods", USSR Comput. Math. Math. Phys. 4(5), 1964; G. Goh, "Why
Momentum Really Works", Distill, 2017). Our ``momentum`` is PyTorch's b_t = μ·b_{t−1} + g_t,
θ_t = θ_{t−1} − γ·b_t: since θ_t − θ_{t−1} = −γ·b_t = μ·(θ_{t−1} − θ_{t−2}) − γ·g_t it is
exactly heavy ball with α = γ, β = μ, so its optimal values are γ = 4/(√λ_max + √λ_min)²,
μ = β. For ``nesterov`` the same values are offered (heavy ball's optimum, not Nesterov's);
``rate_used`` says what they give it.

Rates are asymptotic (at Polyak's optimum the roots coincide and the error carries a factor k
too). The prediction is for the *parameter* error ‖θ_k − θ*‖ to fall by ``tolerance``; the
cost error J − J* falls as rate^(2k). The run stops on another test (relative cost change or
gradient norm), so predicted and measured iterations agree in order, not exactly.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from core.solvers.optimizers import MOMENTUM_MAX, mini_batch

if TYPE_CHECKING:
    from core.model.problem import Problem
    from core.model.training_problem import TrainingProblem
    from core.settings import RunSettings

#: Solvers whose constant-step, full-batch behaviour this theory predicts.
PLAIN_SOLVERS = ("gd", "gd-loop", "sgd")
MOMENTUM_SOLVERS = ("momentum", "nesterov")


def alpha_optimal(lam_min: float, lam_max: float) -> float:
    """Best constant step of gradient descent, α* = 2/(λ_min + λ_max): it makes 1 − αλ_min =
    αλ_max − 1 = (κ − 1)/(κ + 1), the factor of Nocedal & Wright's Theorem 3.3 (§3.3)."""
    return 2.0 / (lam_min + lam_max)


def rate_gd(alpha: float, lam_min: float, lam_max: float) -> float:
    """Gradient descent's rate with step α, max(|1 − αλ_min|, |1 − αλ_max|) (convex in λ)."""
    return max(abs(1.0 - alpha * lam_min), abs(1.0 - alpha * lam_max))


def polyak(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """Polyak's optimal heavy ball ``(α, β, rate)`` (Polyak 1964; Goh, Distill 2017):
    α = 4/(√λ_max + √λ_min)², β = ((√κ − 1)/(√κ + 1))², rate (√κ − 1)/(√κ + 1), written
    with √λ so that λ_min = 0 gives β = rate = 1 (no progress), not a division by zero."""
    a, b = math.sqrt(lam_max), math.sqrt(max(lam_min, 0.0))  # rounding may give λ_min < 0
    rate = (a - b) / (a + b)
    return 4.0 / (a + b) ** 2, rate * rate, rate


def nesterov_optimal(lam_min: float, lam_max: float) -> tuple[float, float, float]:
    """The best constant ``(γ, μ, rate)`` of Nesterov's method on a quadratic (L. Lessard,
    B. Recht, A. Packard, "Analysis and design of optimization algorithms via integral
    quadratic constraints", SIAM J. Optim. 26(1), 2016, §2.2): γ = 4/(3λ_max + λ_min),
    μ = (√(3κ + 1) − 2)/(√(3κ + 1) + 2), rate 1 − 2/√(3κ + 1). PyTorch's form (θ the
    look-ahead point) has the same iteration polynomial per eigenvalue, so the same values.
    Polyak's heavy-ball values would put γλ_max above Nesterov's bound 2(1 + μ)/(1 + 2μ)
    once κ is more than about 3. λ_min = 0 gives μ = rate = 1 (no progress)."""
    gamma = 4.0 / (3.0 * lam_max + max(lam_min, 0.0))
    if not lam_min > 0.0:
        return gamma, 1.0, 1.0
    q = math.sqrt(3.0 * lam_max / lam_min + 1.0)
    return gamma, (q - 2.0) / (q + 2.0), 1.0 - 2.0 / q


def _radius(trace: float, det: float) -> float:
    """Largest |z| of z² − trace·z + det = 0 (a real 2×2 iteration matrix's spectral radius)."""
    disc = trace * trace - 4.0 * det
    if disc < 0:  # complex pair: |z|² = z·z̄ = det
        return math.sqrt(det)
    return (abs(trace) + math.sqrt(disc)) / 2.0


def rate_heavy_ball(alpha: float, beta: float, lam_min: float, lam_max: float) -> float:
    """Rate of heavy ball (α, β), i.e. of our ``momentum`` with γ = α, μ = β: the spectral
    radius of [[1 + β − αλ, −β], [1, 0]] grows with |1 + β − αλ| (β fixed), convex in λ, so
    the worst is at λ_min or λ_max."""
    return max(_radius(1.0 + beta - alpha * lam, beta) for lam in (lam_min, lam_max))


def rate_nesterov(gamma: float, mu: float, lam_min: float, lam_max: float) -> float:
    """Rate per iteration of PyTorch's Nesterov (γ, μ): radius of z² − (1 + μ)u·z + μu,
    u = 1 − γλ, max over λ_min, λ_max and 255 eigenvalues between them (both terms move)."""
    lams = np.linspace(lam_min, lam_max, 257)
    return max(
        _radius((1.0 + mu) * (1.0 - gamma * lam), mu * (1.0 - gamma * lam)) for lam in lams.tolist()
    )


def predicted_iterations(rate: float, tolerance: float) -> int | None:
    """Iterations for the parameter error to fall by ``tolerance``, ⌈log(tol)/log(rate)⌉;
    None when the run diverges or stalls (rate ≥ 1) or the tolerance is ≤ 0 (never met)."""
    if not (0.0 < tolerance) or not math.isfinite(rate) or rate >= 1.0:
        return None
    if rate <= 0.0:
        return 1  # one step lands on the optimum (e.g. α* when λ_min = λ_max)
    return max(0, math.ceil(math.log(tolerance) / math.log(rate) - 1e-12))


def theory_report(
    lam_min: float,
    lam_max: float,
    solver: str,
    alpha: float,
    *,
    momentum: float = 0.0,
    tolerance: float = 0.0,
    measured_iterations: int | None = None,
    estimate: bool = False,
    constant_full_batch: bool = True,
) -> dict[str, Any]:
    """The fit JSON's "theory" object for an iterative solver (JSON-ready values).

    ``alpha``/``momentum`` are the values the run used; ``constant_full_batch`` False (a
    schedule, or mini-batches) leaves ``rate_used`` and the prediction out (None), as do the
    adaptive optimizers (adagrad, rmsprop, adam), which this quadratic theory does not cover.
    """
    singular = not lam_min > 0.0
    a_star = alpha_optimal(lam_min, lam_max) if lam_max > 0 else None
    r_star = rate_gd(a_star, lam_min, lam_max) if a_star is not None else None
    notes: list[str] = []
    rate_used: float | None = None
    if solver not in (*PLAIN_SOLVERS, *MOMENTUM_SOLVERS):  # the first reason to give
        notes.append(f"{solver} adapts its steps per coordinate: no rate predicted")
    elif not constant_full_batch:
        notes.append("the prediction is for constant-step full-batch runs")
    elif solver in PLAIN_SOLVERS:
        rate_used = rate_gd(alpha, lam_min, lam_max)
    elif solver == "momentum":
        rate_used = rate_heavy_ball(alpha, momentum, lam_min, lam_max)
    else:
        rate_used = rate_nesterov(alpha, momentum, lam_min, lam_max)
    if singular:
        notes.append("λ_min = 0 (singular design): no linear rate, no prediction")
    if estimate:
        notes.append("λ_min is a Lanczos estimate: κ may be underestimated")
    report: dict[str, Any] = {
        "lambda_min": lam_min,
        "lambda_max": lam_max,
        "kappa": lam_max / lam_min if not singular else float("inf"),
        "alpha_optimal": a_star,
        "rate_optimal": r_star,
        "rate_used": rate_used,
        "predicted_iterations": (
            None if singular or rate_used is None else predicted_iterations(rate_used, tolerance)
        ),
        "predicts": "iterations for ‖θ − θ*‖ to fall by the tolerance (J − J*: rate² per step)",
        "measured_iterations": measured_iterations,
        "notes": notes,
    }
    if solver == "momentum" and lam_max > 0:
        a_hb, beta, r_hb = polyak(lam_min, lam_max)
        report.update(alpha_polyak=a_hb, momentum_optimal=beta, rate_polyak=r_hb)
    elif solver == "nesterov" and lam_max > 0:
        a_n, mu_n, r_n = nesterov_optimal(lam_min, lam_max)
        report.update(alpha_nesterov=a_n, momentum_optimal=mu_n, rate_nesterov=r_n)
    return report


#: λ_min below this fraction of λ_max counts as 0: the design is singular (to rounding), and
#: the "optimal" steps would sit on the stability bound itself.
SINGULAR_RATIO = 1e-13


def optimal_settings(
    solver: str, lam_min: float, lam_max: float, momentum_max: float = MOMENTUM_MAX
) -> dict[str, float]:
    """``--optimal``: α (and μ for momentum and nesterov) from the theory for ``solver``.

    Gradient descent and full-batch sgd get α*; momentum Polyak's α and β (the heavy-ball
    optimum); nesterov Lessard, Recht and Packard's γ and μ (:func:`nesterov_optimal`). A μ
    above ``momentum_max`` (the setting's range) is capped there and α chosen for the capped
    μ: heavy ball with β fixed converges at rate √β for α up to (1 + √β)²/λ_max (Polyak
    1964), so that α; Nesterov with μ fixed is then given γ = 1/λ_max. Raises ValueError for
    the adaptive optimizers, a flat cost (λ_max = 0) and a singular design (λ_min ≈ 0: every
    "optimal" step would sit on the stability bound).
    """
    if not lam_max > 0:
        raise ValueError("the cost is flat (λ_max = 0): no optimal step")
    if solver not in (*MOMENTUM_SOLVERS, *PLAIN_SOLVERS):
        raise ValueError(f"no optimal constant step is known for {solver}")
    if not lam_min > SINGULAR_RATIO * lam_max:
        raise ValueError(
            f"the design is singular (λ_min = {lam_min:.3g}, λ_max = {lam_max:.3g}): no step "
            "is optimal; choose α below α_max (or drop the duplicated columns)"
        )
    if solver == "momentum":
        a_hb, beta, _ = polyak(lam_min, lam_max)
        if beta > momentum_max:
            beta = momentum_max
            a_hb = (1.0 + math.sqrt(beta)) ** 2 / lam_max
        return {"alpha": a_hb, "momentum": beta}
    if solver == "nesterov":
        gamma, mu, _ = nesterov_optimal(lam_min, lam_max)
        if mu > momentum_max:
            mu, gamma = momentum_max, 1.0 / lam_max
        return {"alpha": gamma, "momentum": mu}
    return {"alpha": alpha_optimal(lam_min, lam_max)}


def problem_theory(
    problem: TrainingProblem, run: RunSettings, alpha: float, measured_iterations: int
) -> dict[str, Any]:
    """:func:`theory_report` for a fit: the problem's λ range and the run's settings."""
    lam_min, lam_max = problem.lambda_range
    full_batch = not mini_batch(run.solver, run.batch_size, problem.m)
    return theory_report(
        lam_min,
        lam_max,
        run.solver,
        alpha,
        momentum=run.momentum,
        tolerance=run.tolerance,
        measured_iterations=measured_iterations,
        estimate=problem.condition_is_estimate,
        constant_full_batch=full_batch and run.schedule == "constant",
    )


def apply_optimal(problem: Problem, run: RunSettings) -> RunSettings:
    """``--optimal``: ``run`` with α (and μ) from :func:`optimal_settings`; InputError if none."""
    from core.errors import InputError

    try:
        values = optimal_settings(run.solver, *problem.lambda_range)
    except ValueError as exc:
        raise InputError(f"--optimal: {exc}") from None
    mu = values.get("momentum", run.momentum)
    return dataclasses.replace(run, alpha_factor=None, alpha=values["alpha"], momentum=mu)


def _g(value: float | None) -> str:
    if value is not None and 0.999 < value < 1.0:  # a rate near 1: show how near
        return f"1 − {1.0 - value:.3g}"
    return "—" if value is None else f"{value:.4g}"


def format_theory(t: dict[str, Any]) -> str:
    """The human report's one line: theory next to the run."""
    parts = [f"α* = {_g(t['alpha_optimal'])}, rate {_g(t['rate_optimal'])} per iteration"]
    if "alpha_polyak" in t:
        parts.append(
            f"Polyak α = {_g(t['alpha_polyak'])}, μ = {_g(t['momentum_optimal'])}, "
            f"rate {_g(t['rate_polyak'])}"
        )
    if "alpha_nesterov" in t:
        parts.append(
            f"Nesterov γ = {_g(t['alpha_nesterov'])}, μ = {_g(t['momentum_optimal'])}, "
            f"rate {_g(t['rate_nesterov'])}"
        )
    if t["rate_used"] is not None:
        parts.append(f"rate used {_g(t['rate_used'])}")
    k = t["predicted_iterations"]
    predicted = "no prediction" if k is None else f"predicted {k:,} iterations"
    parts.append(f"{predicted}, measured {t['measured_iterations']:,}")
    line = "theory      " + "; ".join(parts)
    return line + "".join(f" ({n})" for n in t["notes"])


def prediction_line(t: dict[str, Any]) -> str:
    """One line for the window: the rate per iteration that ``t`` (a :func:`theory_report`)
    predicts for the settings and the iterations to the tolerance, or why it predicts none
    ("adam adapts its steps per coordinate: no rate predicted")."""
    rate = t["rate_used"]
    if rate is None:
        return "; ".join(t["notes"]) or "no prediction"
    head = f"rate {_g(rate)} per iteration"
    k = t["predicted_iterations"]
    if rate >= 1.0:
        return f"{head}: no convergence (rate ≥ 1)"
    if k is None:
        why = "λ_min = 0" if not t["lambda_min"] > 0 else "tolerance 0"
        return f"{head} (no iteration count: {why})"
    line = f"{head} → predicted ≈ {k:,} iterations"
    return line + (" (λ_min estimated)" if "estimate" in " ".join(t["notes"]) else "")


def compared(predicted: int | None, iterations: int, status: str) -> str:
    """Predicted against measured iterations, as the window's numbers show them after a run
    ("predicted ≈ 140 iterations, measured 152"); ``status`` is the run's final status
    (a :class:`~core.solvers.snapshot.RunStatus` value)."""
    head = "no prediction" if predicted is None else f"predicted ≈ {predicted:,} iterations"
    if status == "converged":
        return f"{head}, measured {iterations:,}"
    if status == "diverged":
        return f"{head}; the run diverged"
    return f"{head}; not converged after {iterations:,}"
