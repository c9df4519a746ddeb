"""What the window shows of the theory (issue 11, item 2), computed in core: the divergence
bound of each optimizer, the prediction line, and predicted against measured iterations."""

from __future__ import annotations

import math

import pytest

from core.errors import InputError
from core.solvers.optimizers import ADAPTIVE, divergence_bound
from core.solvers.theory import compared, prediction_line, theory_report


@pytest.mark.parametrize("solver", ["gd", "gd-loop", "sgd"])
def test_plain_descent_keeps_alpha_max(solver):
    assert divergence_bound(solver, 0.5).value == 0.5


def test_momentum_and_nesterov_bounds_follow_their_formulas():
    # heavy ball: γλ < 2(1 + μ), i.e. γ < (1 + μ)·α_max with α_max = 2/λ_max
    assert divergence_bound("momentum", 0.4, 0.5).value == pytest.approx(0.6)
    # PyTorch's Nesterov: γλ < 2(1 + μ)/(1 + 2μ)
    assert divergence_bound("nesterov", 0.4, 0.5).value == pytest.approx(0.4 * 1.5 / 2.0)
    assert "1 + μ" in divergence_bound("momentum", 1.0).formula


def test_adaptive_optimizers_have_no_fixed_bound_and_unknown_solvers_are_refused():
    assert set(ADAPTIVE) == {"adagrad", "rmsprop", "adam"}
    assert all(divergence_bound(s, 1.0) is None for s in ADAPTIVE)
    with pytest.raises(InputError):
        divergence_bound("normal", 1.0)


def test_prediction_line_gives_the_rate_and_the_iterations():
    lam_min, lam_max = 1.0, 9.0  # κ = 9: α* = 0.2, rate (κ−1)/(κ+1) = 0.8
    t = theory_report(lam_min, lam_max, "gd", 0.2, tolerance=1e-6)
    k = math.ceil(math.log(1e-6) / math.log(0.8))  # 62
    assert prediction_line(t) == f"rate 0.8 per iteration → predicted ≈ {k} iterations"


def test_prediction_line_says_why_there_is_none():
    adam = theory_report(1.0, 9.0, "adam", 0.1, tolerance=1e-6)
    assert "no rate predicted" in prediction_line(adam)
    scheduled = theory_report(1.0, 9.0, "gd", 0.1, tolerance=1e-6, constant_full_batch=False)
    assert "constant-step full-batch" in prediction_line(scheduled)
    too_big = theory_report(1.0, 9.0, "gd", 0.3, tolerance=1e-6)  # |1 − 0.3·9| = 1.7
    assert "no convergence" in prediction_line(too_big)
    no_tol = theory_report(1.0, 9.0, "gd", 0.2, tolerance=0.0)
    assert "tolerance 0" in prediction_line(no_tol)


def test_predicted_against_measured():
    assert compared(140, 152, "converged") == "predicted ≈ 140 iterations, measured 152"
    assert compared(140, 1000, "max_iterations") == (
        "predicted ≈ 140 iterations; not converged after 1,000"
    )
    assert compared(None, 12, "diverged") == "no prediction; the run diverged"


def test_a_mini_batch_sgd_run_gets_no_full_batch_prediction():
    """(A bug: "gd" in "sgd" made every sgd run full-batch for the theory.)"""
    from core.data.datasets import make_housing
    from core.model.problem import Problem
    from core.settings import RunSettings
    from core.solvers.theory import problem_theory

    problem = Problem(make_housing(100), scaling="zscore")
    mini = problem_theory(problem, RunSettings(solver="sgd", batch_size=10), 0.1, 0)
    assert mini["rate_used"] is None and mini["predicted_iterations"] is None
    full = problem_theory(problem, RunSettings(solver="sgd", batch_size=100), 0.1, 0)
    assert full["rate_used"] is not None
    gd = problem_theory(problem, RunSettings(solver="gd", batch_size=10), 0.1, 0)
    assert gd["rate_used"] is not None  # gradient descent ignores the batch size
