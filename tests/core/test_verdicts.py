"""Run verdicts that must not mislead: "converged" only near the minimum (a schedule's
shrinking steps, α at a stability bound), divergence explained by its real cause (mini-batch
noise, the schedule's rate), and a step schedule that can only lower the rate."""

from __future__ import annotations

import numpy as np
import pytest

from core.cli import main
from core.data.datasets import make_housing
from core.errors import InputError
from core.model.problem import Problem
from core.solvers import run_solver
from core.solvers.gd import Limit, descend, device_start, full_evaluator, plain_step
from core.solvers.schedules import learning_rate
from core.solvers.snapshot import RunStatus
from core.solvers.verdicts import settled

TOL = 1e-9


def last(snaps):
    return list(snaps)[-1]


def least_squares_cost(m: int = 100) -> float:
    """J* = 1/(2m)·‖Ab − y‖² at the least-squares answer, from numpy's lstsq."""
    data = make_housing(m)
    A = np.column_stack([data.X, np.ones(m)])
    coef = np.linalg.lstsq(A, data.y, rcond=None)[0]
    e = A @ coef - data.y
    return float(e @ e) / (2 * m)


@pytest.fixture(scope="module")
def j_star() -> float:
    return least_squares_cost()


# --- 1. a schedule's small steps are not convergence ---------------------------------


@pytest.mark.parametrize(
    ("scaling", "factor", "iterations", "schedule"),
    [
        # unscaled housing at 0.9 α_max: κ is huge, 3000 iterations end far above J*
        ("none", 0.9, 3000, {"schedule": "cosine"}),
        ("none", 0.9, 3000, {"schedule": "step", "decay": 0.5, "step_every": 20}),
        # z-scored at the CLI's α = 0.1: α_t = α/(1 + 10⁶t) all but stops the run at once
        ("zscore", None, 1000, {"schedule": "inverse-time", "decay": 1e6}),
    ],
)
def test_a_shrinking_schedule_far_from_the_minimum_is_not_converged(
    scaling, factor, iterations, schedule, j_star
):
    # the old rule said "converged" because the schedule made the steps (and the change of
    # the cost) small, not because the run was near the minimum
    problem = Problem(make_housing(100), scaling=scaling)
    alpha = 0.1 if factor is None else factor * problem.alpha_max
    snap = last(
        run_solver(problem, "gd", alpha=alpha, iterations=iterations, tolerance=TOL, **schedule)
    )
    assert snap.cost > 5 * j_star
    assert snap.status == RunStatus.MAX_ITERATIONS and snap.iteration == iterations


@pytest.mark.parametrize("schedule", ["step", "cosine"])
def test_a_schedule_near_the_minimum_still_converges_early(schedule, j_star):
    # a guard: the scaled test still stops a run that is at the minimum
    problem = Problem(make_housing(100), scaling="zscore")
    snap = last(
        run_solver(
            problem, "gd", alpha=0.5 * problem.alpha_max, iterations=3000, tolerance=TOL,
            schedule=schedule,
        )
    )  # fmt: skip
    assert snap.status == RunStatus.CONVERGED and snap.iteration < 200
    assert snap.cost == pytest.approx(j_star, rel=1e-8)


def test_an_inverse_time_run_converges_once_the_change_at_alpha_is_small(j_star):
    # α/(1 + 0.1t) slows the approach to a power law: the change at α_t stays within the
    # tolerance long before the change the same progress would make at α does
    problem = Problem(make_housing(100), scaling="zscore")
    snap = last(
        run_solver(
            problem, "gd", alpha=0.5 * problem.alpha_max, iterations=20_000, tolerance=TOL,
            schedule="inverse-time", decay=0.1,
        )
    )  # fmt: skip
    assert snap.status == RunStatus.CONVERGED
    assert snap.cost == pytest.approx(j_star, rel=1e-8)


def test_a_cost_that_stopped_moving_under_a_tiny_rate_is_not_settled():
    # the change is zero only because α_t is 1e-10 of α: at the starting rate it is unknown
    # below rounding (ε·J), which is far above the tolerance once scaled by α/α_t
    assert not settled(100.0, 100.0, TOL, alpha=1.0, alpha_t=1e-10, dtype="float64")
    # ... while at the starting rate (or a mildly lower one) an unmoving cost has settled
    assert settled(100.0, 100.0, TOL, alpha=1.0, alpha_t=1.0, dtype="float64")
    assert settled(100.0, 100.0, TOL, alpha=1.0, alpha_t=0.5, dtype="float64")
    # a change within tolerance at α_t is 1000 times too large at α = 1000·α_t
    assert settled(100.0, 100.0 - 5e-8, TOL, alpha=1.0, alpha_t=1.0, dtype="float64")
    assert not settled(100.0, 100.0 - 5e-8, TOL, alpha=1000.0, alpha_t=1.0, dtype="float64")
    # α_t = 0: no change-based convergence at all
    assert not settled(100.0, 100.0, TOL, alpha=1.0, alpha_t=0.0, dtype="float64")


def drive(problem, rate, *, alpha, iterations=200, tolerance=TOL, bound=None):
    """Plain gradient descent on ``problem`` through the driver with the rate t ↦ rate(t)."""
    w_s, b_s = device_start(problem, None, None)
    return last(
        descend(
            problem,
            full_evaluator(problem),
            w_s,
            b_s,
            alpha=alpha,
            iterations=iterations,
            tolerance=tolerance,
            report_every=1,
            cancel=None,
            pace=None,
            step=plain_step(rate, problem.intercept),
            bound=bound,
            rate=rate,
        )
    )


def test_a_rate_of_zero_stops_only_on_the_gradient(j_star):
    problem = Problem(make_housing(100), scaling="zscore")
    alpha = 0.5 * problem.alpha_max

    def rate(t):
        return alpha if t < 5 else 0.0

    # after 5 updates the cost stands still far above J*: not converged, the run goes on
    snap = drive(problem, rate, alpha=alpha, iterations=50)
    assert snap.status == RunStatus.MAX_ITERATIONS and snap.iteration == 50
    assert snap.cost > 2 * j_star
    # the gradient-norm test still stops it (a tolerance above the frozen gradient's norm)
    snap = drive(problem, rate, alpha=alpha, iterations=50, tolerance=1e9)
    assert snap.status == RunStatus.CONVERGED


# --- 2. α at the bound: the cost settles but the iterates oscillate ------------------


@pytest.mark.parametrize(
    ("solver", "factor", "options", "bound_name"),
    [
        ("gd", 1.0, {}, "equal to α_max"),
        ("sgd", 1.0, {}, "equal to α_max"),
        ("momentum", 1.5, {"momentum": 0.5}, "equal to the momentum bound"),  # (1 + μ)·α_max
        ("nesterov", 1.5 / 2.0, {"momentum": 0.5}, "equal to the Nesterov bound"),
    ],
)
def test_alpha_at_the_bound_is_not_converged(solver, factor, options, bound_name, j_star):
    problem = Problem(make_housing(100), scaling="zscore")
    snap = last(
        run_solver(
            problem,
            solver,
            alpha=factor * problem.alpha_max,
            iterations=3000,
            tolerance=TOL,
            **options,
        )
    )
    assert snap.status == RunStatus.DIVERGED and snap.diverged
    assert bound_name in snap.message and "oscillat" in snap.message
    assert snap.cost > 2 * j_star


def test_a_schedule_that_lowers_the_rate_below_the_bound_may_converge(j_star):
    # α starts at α_max (oscillating); the step schedule halves it after 20 updates
    problem = Problem(make_housing(100), scaling="zscore")
    snap = last(
        run_solver(
            problem, "gd", alpha=problem.alpha_max, iterations=3000, tolerance=TOL,
            schedule="step", decay=0.5, step_every=20,
        )
    )  # fmt: skip
    assert snap.status == RunStatus.CONVERGED
    assert snap.cost == pytest.approx(j_star, rel=1e-8)


# --- 3. the divergence message names the real cause ----------------------------------


@pytest.mark.parametrize("solver", ["sgd", "momentum", "nesterov"])
def test_a_mini_batch_divergence_below_the_bound_blames_the_batch(solver):
    problem = Problem(make_housing(100), scaling="zscore")
    snap = last(
        run_solver(
            problem, solver, alpha=0.5 * problem.alpha_max, iterations=2000, tolerance=TOL,
            batch_size=1,
        )
    )  # fmt: skip
    assert snap.diverged
    assert "below" in snap.message and "mini-batch of 1 row" in snap.message
    assert "rounding" not in snap.message and "float64" not in snap.message


def test_a_growing_rate_is_quoted_at_the_iteration_it_diverged():
    problem = Problem(make_housing(100), scaling="zscore")
    alpha = 0.1

    def rate(t):
        return alpha * 1e6 ** (t // 5)

    snap = drive(problem, rate, alpha=alpha)
    it = snap.iteration
    assert snap.diverged and it > 5
    alpha_t = rate(it - 1)  # the rate of the update that led to the diverged iterate
    assert alpha_t > problem.alpha_max > alpha
    assert f"the schedule's learning rate α_t = {alpha_t:.4g} at iteration {it}" in snap.message
    assert "above α_max" in snap.message and "rounding" not in snap.message
    # without a bound (the adaptive optimizers) the message still quotes α_t, not α
    snap = drive(problem, rate, alpha=alpha, bound=lambda: None)
    assert f"α_t = {rate(snap.iteration - 1):.4g}" in snap.message
    assert "too large for this optimizer" in snap.message


def test_a_schedule_from_above_the_bound_blames_its_starting_rate():
    # cosine from 3 α_max over 10 updates: the first steps blow the cost up, the last ones
    # are far below α_max; the verdict must name α (the rate that overshot), not call the
    # divergence rounding because α_t had fallen below the bound
    problem = Problem(make_housing(100), scaling="zscore")
    alpha = 3 * problem.alpha_max
    snap = last(run_solver(problem, "gd", alpha=alpha, iterations=10, schedule="cosine"))
    assert snap.diverged and snap.iteration == 10
    assert f"α = {alpha:.4g} (the schedule's starting rate" in snap.message
    assert "above α_max" in snap.message and "rounding" not in snap.message


def test_a_rounding_verdict_on_float64_does_not_suggest_float64():
    problem = Problem(make_housing(20), scaling="zscore")

    state = {"cost": 1.0}  # a rising cost, call by call

    def evaluate(w, b, need_norm=True):
        cost = state["cost"]
        state["cost"] *= 1.01
        return cost, w * 0, 0.0, 1.0

    snap = last(
        descend(
            problem,
            evaluate,
            np.zeros(problem.n),
            0.0,
            alpha=0.5,
            iterations=500,
            tolerance=0.0,
            report_every=1,
            cancel=None,
            pace=None,
            step=lambda w, b, gw, gb, t: (w, b),
            bound=lambda: Limit(1.0, "α_max", "2/λ_max"),
        )
    )
    assert snap.diverged and "rounding (float64)" in snap.message
    assert "try float64" not in snap.message


# --- 4. the step schedule's factor: 0 < decay ≤ 1 ------------------------------------


@pytest.mark.parametrize("decay", [0.0, 1.0000001, 3.0, 1e6])
def test_a_step_factor_outside_zero_to_one_is_refused(decay):
    with pytest.raises(InputError, match=r"decay.*0 < decay ≤ 1"):
        learning_rate("step", 0.1, decay=decay, step_every=5)


def test_a_step_factor_in_range_is_accepted():
    assert learning_rate("step", 0.2, decay=1.0, step_every=5)(1000) == 0.2
    assert learning_rate("step", 0.2, decay=1e-6, step_every=5)(5) == pytest.approx(2e-7)
    # inverse-time's d is not a factor: any d ≥ 0
    assert learning_rate("inverse-time", 1.0, decay=1e6)(1) == pytest.approx(1 / (1 + 1e6))


def test_the_cli_refuses_a_growing_step_schedule(capsys):
    argv = ["fit", "demo:housing", "--schedule", "step", "--decay", "3", "--step-every", "10"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "decay" in err and "0 < decay ≤ 1" in err and "Traceback" not in err
