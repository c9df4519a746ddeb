"""Theory next to the run: formulas by hand on a 2-D quadratic, predictions against runs.

Expected values are worked out by hand for G = diag(1, 9) (λ_min = 1, λ_max = 9, κ = 9):
α* = 2/10 = 0.2, rate (9 − 1)/(9 + 1) = 0.8; Polyak: √λ = 1, 3, α = 4/16 = 0.25,
β = ((3 − 1)/(3 + 1))² = 0.25, rate 0.5.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.cli import main
from core.cli_args import EXIT_USAGE
from core.data.datasets import make_housing, make_synthetic
from core.model.problem import Problem
from core.solvers import gradient_descent, last, normal_equation, optimize
from core.solvers.theory import (
    alpha_optimal,
    optimal_settings,
    polyak,
    predicted_iterations,
    rate_gd,
    rate_heavy_ball,
    rate_nesterov,
    theory_report,
)


def test_formulas_on_a_diagonal_quadratic():
    assert alpha_optimal(1.0, 9.0) == pytest.approx(0.2)
    assert rate_gd(0.2, 1.0, 9.0) == pytest.approx(0.8)
    assert rate_gd(0.1, 1.0, 9.0) == pytest.approx(0.9)  # |1 − 0.1| > |1 − 0.9|
    assert rate_gd(0.25, 1.0, 9.0) == pytest.approx(1.25)  # |1 − 2.25|: diverges
    a, b, r = polyak(1.0, 9.0)
    assert (a, b, r) == pytest.approx((0.25, 0.25, 0.5))
    assert rate_heavy_ball(0.25, 0.25, 1.0, 9.0) == pytest.approx(0.5)
    # complex roots at both ends: |z| = √β
    assert rate_heavy_ball(0.1, 0.5, 1.0, 9.0) == pytest.approx(math.sqrt(0.5))
    # β = 0 is gradient descent
    assert rate_heavy_ball(0.1, 0.0, 1.0, 9.0) == pytest.approx(0.9)
    assert predicted_iterations(0.5, 1e-3) == 10  # 0.5^10 < 1e-3 < 0.5^9
    assert predicted_iterations(0.8, 1e-6) == 62  # log(1e-6)/log(0.8) = 61.9


def test_no_prediction_without_progress():
    assert predicted_iterations(1.0, 1e-6) is None
    assert predicted_iterations(1.25, 1e-6) is None
    assert predicted_iterations(float("nan"), 1e-6) is None
    diverging = theory_report(1.0, 9.0, "gd", 0.25, tolerance=1e-6)
    assert diverging["rate_used"] == pytest.approx(1.25)
    assert diverging["predicted_iterations"] is None
    singular = theory_report(0.0, 9.0, "momentum", 0.1, momentum=0.5, tolerance=1e-6)
    assert singular["predicted_iterations"] is None
    assert singular["rate_polyak"] == pytest.approx(1.0)
    assert any("singular" in n for n in singular["notes"])
    adam = theory_report(1.0, 9.0, "adam", 0.1, tolerance=1e-6)
    assert adam["rate_used"] is None and adam["predicted_iterations"] is None
    with pytest.raises(ValueError):
        optimal_settings("adam", 1.0, 9.0)


def _measured_rate(step, lam: np.ndarray, k0: int = 400, k1: int = 800) -> float:
    """(‖s_k1‖/‖s_k0‖)^(1/(k1 − k0)) of a linear iteration s ← step(s) on two eigenvalues."""
    s = np.ones((2, lam.size))
    norms = {}
    for k in range(1, k1 + 1):
        s = step(s)
        if k in (k0, k1):
            norms[k] = float(np.linalg.norm(s))
    return (norms[k1] / norms[k0]) ** (1.0 / (k1 - k0))


@pytest.mark.parametrize(("alpha", "beta"), [(0.1, 0.5), (0.15, 0.1), (0.05, 0.8), (0.2, 0.05)])
def test_momentum_rates_match_the_iteration(alpha, beta):
    """PyTorch's momentum and Nesterov, iterated per eigenvalue, contract at the predicted rate."""
    lam = np.array([1.0, 9.0])

    def torch_momentum(s):  # s = [x; b]: b ← μb + λx, x ← x − γb
        b = beta * s[1] + lam * s[0]
        return np.array([s[0] - alpha * b, b])

    def torch_nesterov(s):  # b ← μb + λx, x ← x − γ(λx + μb)
        b = beta * s[1] + lam * s[0]
        return np.array([s[0] - alpha * (lam * s[0] + beta * b), b])

    hb = rate_heavy_ball(alpha, beta, 1.0, 9.0)
    assert _measured_rate(torch_momentum, lam) == pytest.approx(hb, rel=0.02)
    nes = rate_nesterov(alpha, beta, 1.0, 9.0)
    assert _measured_rate(torch_nesterov, lam) == pytest.approx(nes, rel=0.02)


def _iterations_to(snaps, theta_star: np.ndarray, tol: float) -> int:
    """First iteration where ‖θ_k − θ*‖ ≤ tol·‖θ_0 − θ*‖ (training coordinates)."""
    errors = [float(np.linalg.norm(np.append(s.w_scaled, s.b_scaled) - theta_star)) for s in snaps]
    return next(s.iteration for s, e in zip(snaps, errors, strict=True) if e <= tol * errors[0])


def _problem(correlation: float) -> tuple[Problem, np.ndarray]:
    data = make_synthetic(300, 3, noise=0.2, correlation=correlation, seed=3)
    problem = Problem(data, scaling="zscore")
    exact = last(normal_equation(problem))
    return problem, np.append(exact.w_scaled, exact.b_scaled)


def test_gd_at_alpha_star_converges_as_predicted():
    problem, theta_star = _problem(0.0)
    lam_min, lam_max = problem.lambda_range
    assert lam_max / lam_min < 3  # well conditioned
    tol = 1e-8
    alpha = alpha_optimal(lam_min, lam_max)
    predicted = predicted_iterations(rate_gd(alpha, lam_min, lam_max), tol)
    assert predicted is not None
    snaps = list(gradient_descent(problem, alpha=alpha, iterations=4 * predicted))
    measured = _iterations_to(snaps, theta_star, tol)
    assert predicted / 2 <= measured <= 2 * predicted


def test_polyak_momentum_beats_gd_as_predicted():
    problem, theta_star = _problem(0.95)
    lam_min, lam_max = problem.lambda_range
    assert lam_max / lam_min > 20  # a narrow valley
    tol = 1e-6
    a_star = alpha_optimal(lam_min, lam_max)
    gd_predicted = predicted_iterations(rate_gd(a_star, lam_min, lam_max), tol)
    settings = optimal_settings("momentum", lam_min, lam_max)
    report = theory_report(
        lam_min,
        lam_max,
        "momentum",
        settings["alpha"],
        momentum=settings["momentum"],
        tolerance=tol,
    )
    hb_predicted = report["predicted_iterations"]
    assert report["rate_used"] == pytest.approx(report["rate_polyak"], rel=1e-6)
    assert gd_predicted is not None and hb_predicted is not None
    assert hb_predicted < gd_predicted
    gd = list(gradient_descent(problem, alpha=a_star, iterations=4 * gd_predicted))
    hb = list(optimize(problem, "momentum", iterations=4 * hb_predicted, **settings))
    gd_measured = _iterations_to(gd, theta_star, tol)
    hb_measured = _iterations_to(hb, theta_star, tol)
    assert hb_measured < gd_measured
    assert gd_predicted / 2 <= gd_measured <= 2 * gd_predicted
    assert hb_predicted / 2 <= hb_measured <= 2 * hb_predicted


def _housing_lambdas() -> tuple[float, float]:
    """λ range of G = AᵀA/m for the z-scored housing demo with intercept, from NumPy."""
    data = make_housing(100)
    Z = (data.X - data.X.mean(axis=0)) / data.X.std(axis=0)
    A = np.column_stack([Z, np.ones(len(Z))])
    lam = np.linalg.eigvalsh(A.T @ A / len(Z))
    return float(lam[0]), float(lam[-1])


def _fit_json(capsys, *argv: str) -> dict:
    assert main(["fit", "demo:housing", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_json_has_the_theory(capsys):
    lam_min, lam_max = _housing_lambdas()
    r = _fit_json(capsys, "--solver", "momentum", "--alpha", "0.05", "--tolerance", "1e-6")
    theory = r["theory"]
    for key in ("alpha_optimal", "rate_optimal", "rate_used", "predicted_iterations"):
        assert isinstance(theory[key], (int, float))
    for key in ("momentum_optimal", "alpha_polyak", "rate_polyak"):
        assert key in theory
    assert theory["alpha_optimal"] == pytest.approx(2 / (lam_min + lam_max), rel=1e-9)
    assert theory["measured_iterations"] == r["iterations"]
    assert _fit_json(capsys, "--solver", "normal")["theory"] is None
    assert "alpha_polyak" not in _fit_json(capsys, "--solver", "gd")["theory"]


def test_cli_optimal_sets_alpha_and_momentum(capsys):
    lam_min, lam_max = _housing_lambdas()
    r = _fit_json(capsys, "--solver", "momentum", "--optimal")
    a, b = math.sqrt(lam_max), math.sqrt(lam_min)
    assert r["alpha"] == pytest.approx(4 / (a + b) ** 2, rel=1e-9)
    assert r["optimizer"]["momentum"] == pytest.approx(((a - b) / (a + b)) ** 2, rel=1e-9)
    assert r["converged"]
    gd = _fit_json(capsys, "--solver", "gd", "--optimal")
    assert gd["alpha"] == pytest.approx(2 / (lam_min + lam_max), rel=1e-9)
    assert main(["fit", "demo:housing", "--solver", "adam", "--optimal"]) == EXIT_USAGE
    assert "--optimal" in capsys.readouterr().err


def test_cli_report_has_a_theory_line(capsys):
    assert main(["fit", "demo:housing", "--solver", "gd", "--alpha", "0.3"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("theory"))
    assert "α* = " in line and "predicted" in line and "measured" in line
