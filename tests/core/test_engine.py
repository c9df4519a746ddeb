"""The engine's maths: GD against the normal equation, α_max, cost surface, scaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from core.data.datasets import Dataset, make_housing, make_synthetic
from core.errors import InputError
from core.model.problem import Problem
from core.model.scaling import SCALINGS, fit_scaler
from core.solvers import (
    CANCELLED,
    CONVERGED,
    DIVERGED,
    MAX_ITERATIONS,
    gradient_descent,
    gradient_descent_loop,
    last,
    normal_equation,
    normal_textbook,
)


def params(snap):
    return np.append(snap.w, snap.b if snap.b is not None else [])


@pytest.mark.parametrize("scaling", SCALINGS)
def test_gd_reaches_the_normal_equation_answer(scaling):
    data = make_synthetic(300, 3, noise=0.2, scale_spread=0.0, seed=3)
    problem = Problem(data, scaling=scaling)
    exact = last(normal_equation(problem))
    gd = last(gradient_descent(problem, alpha=0.9 * problem.alpha_max, iterations=20000))
    assert not gd.diverged
    assert_allclose(params(gd), params(exact), rtol=1e-7, atol=1e-9)
    assert gd.cost == pytest.approx(exact.cost, rel=1e-10)


def test_normal_equation_recovers_noise_free_coefficients():
    data = make_synthetic(50, 4, noise=0.0, scale_spread=3.0, correlation=0.5, seed=1)
    exact = last(normal_equation(Problem(data)))
    assert_allclose(exact.w, data.true_w, rtol=1e-12)
    assert exact.b == pytest.approx(data.true_b, rel=1e-12, abs=1e-12)
    assert exact.cost < 1e-20


def test_gd_loop_takes_the_same_steps_as_the_vectorised_gd():
    problem = Problem(make_housing(30), scaling="zscore")
    fast = list(gradient_descent(problem, alpha=0.3, iterations=25, report_every=5))
    slow = list(gradient_descent_loop(problem, alpha=0.3, iterations=25, report_every=5))
    assert [s.iteration for s in fast] == [s.iteration for s in slow] == [0, 5, 10, 15, 20, 25]
    for a, b in zip(fast, slow, strict=True):
        assert_allclose(params(a), params(b), rtol=1e-12)
        assert a.cost == pytest.approx(b.cost, rel=1e-12)


@pytest.mark.parametrize("scaling", ["none", "zscore"])
def test_alpha_just_below_alpha_max_converges_and_just_above_diverges(scaling):
    problem = Problem(make_housing(100), scaling=scaling)
    below = last(gradient_descent(problem, alpha=0.98 * problem.alpha_max, iterations=2000))
    above = last(gradient_descent(problem, alpha=1.02 * problem.alpha_max, iterations=2000))
    assert below.status == MAX_ITERATIONS and not below.diverged
    assert above.status == DIVERGED
    assert f"{problem.alpha_max:.4g}" in above.message


def test_alpha_max_is_two_over_the_largest_eigenvalue():
    data = make_synthetic(80, 3, scale_spread=2.0, seed=5)
    problem = Problem(data)
    A = np.column_stack([data.X, np.ones(data.m)])
    lam = np.linalg.eigvalsh(A.T @ A / data.m)[-1]
    assert problem.alpha_max == pytest.approx(2 / lam, rel=1e-12)
    assert problem.condition_number == pytest.approx(np.linalg.cond(A), rel=1e-6)


def test_scaling_rounds_the_contours():
    data = make_synthetic(200, 2, scale_spread=3.0, seed=2)
    raw = Problem(data)
    scaled = Problem(data, scaling="zscore")
    assert raw.condition_number > 100 * scaled.condition_number


def test_exploding_cost_stops_with_a_message_quoting_alpha_max():
    problem = Problem(make_housing(50))
    snap = last(gradient_descent(problem, alpha=1e3, iterations=100))
    assert snap.diverged and snap.iteration < 100
    assert "α_max" in snap.message and "above" in snap.message


def test_tolerance_stops_early_and_zero_disables_it():
    problem = Problem(make_housing(50), scaling="zscore")
    early = last(gradient_descent(problem, alpha=0.5, iterations=5000, tolerance=1e-6))
    full = last(gradient_descent(problem, alpha=0.5, iterations=300, tolerance=0))
    assert early.status == CONVERGED and early.iteration < 5000
    assert full.status == MAX_ITERATIONS and full.iteration == 300


def test_cancel_stops_at_the_next_iteration():
    class Flag:
        calls = 0

        def is_set(self):
            self.calls += 1
            return self.calls > 3

    problem = Problem(make_housing(50), scaling="zscore")
    snap = last(gradient_descent(problem, alpha=0.1, iterations=10**6, cancel=Flag()))
    assert snap.status == CANCELLED and snap.iteration == 3
    snap = last(gradient_descent_loop(problem, alpha=0.1, iterations=10**6, cancel=Flag()))
    assert snap.status == CANCELLED and snap.iteration < 10


def test_start_point_is_in_original_units():
    problem = Problem(make_housing(40), scaling="zscore")
    start = last(gradient_descent(problem, alpha=0.1, iterations=0, w0=[1, 2, 3, 4], b0=5))
    assert_allclose(start.w, [1, 2, 3, 4], rtol=1e-14)
    assert start.b == pytest.approx(5)


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"alpha": -0.1}, "greater than 0"),
    ({"alpha": 0.0}, "greater than 0"),
    ({"alpha": float("nan")}, "finite"),
    ({"alpha": 0.1, "iterations": -1}, "iterations"),
    ({"alpha": 0.1, "tolerance": -1.0}, "tolerance"),
])
def test_bad_gd_options_are_refused(kwargs, text):
    problem = Problem(make_housing(20))
    with pytest.raises(InputError, match=text):
        last(gradient_descent(problem, **kwargs))


def test_cost_surface_equals_the_cost_evaluated_directly():
    data = make_synthetic(120, 3, scale_spread=1.0, seed=4)
    problem = Problem(data, scaling="minmax")
    base = problem.gram_optimum() + 0.1
    u = np.linspace(-2, 2, 7)
    v = np.linspace(-3, 1, 5)
    for i, j in [(0, 1), (2, 3), (3, 0)]:
        surface = problem.cost_surface(i, j, u, v, base=base)
        assert surface.shape == (5, 7)
        for k, vk in enumerate(v):
            for col, ul in enumerate(u):
                theta = base.copy()
                theta[i], theta[j] = ul, vk
                direct = problem.cost(theta[:3], theta[3])
                assert surface[k, col] == pytest.approx(direct, rel=1e-10)


def test_textbook_agrees_on_easy_data_and_warns_on_hard():
    easy = Problem(make_housing(60), scaling="zscore")
    t, s = last(normal_textbook(easy)), last(normal_equation(easy))
    assert not t.warnings
    assert_allclose(params(t), params(s), rtol=1e-9)
    x = np.linspace(0, 1, 40)
    hard = Problem(Dataset(x[:, None], np.cos(3 * x), ("x",), "y", "t"), degree=12)
    warnings = last(normal_textbook(hard)).warnings
    assert any("untrustworthy" in w or "singular" in w for w in warnings)


def test_rank_deficiency_is_reported_not_answered_silently():
    rng = np.random.default_rng(0)
    a = rng.normal(size=30)
    X = np.column_stack([a, 2 * a, rng.normal(size=30)])
    data = Dataset(X, rng.normal(size=30), ("a", "two_a", "c"), "y", "t")
    snap = last(normal_equation(Problem(data)))
    assert any("rank-deficient (rank 3 of 4)" in w for w in snap.warnings)
    assert "'a'" not in snap.warnings[0] and "a, two_a" in snap.warnings[0]


def test_fewer_rows_than_parameters_is_an_error_naming_the_file():
    data = Dataset(np.ones((2, 3)), np.ones(2), ("a", "b", "c"), "y", "f.csv", "f.csv")
    with pytest.raises(InputError, match=r"f\.csv: 2 data rows but the model has 4 parameters"):
        Problem(data)


def test_constant_column_under_scaling_names_the_column():
    X = np.column_stack([np.arange(5.0), np.full(5, 7.0)])
    data = Dataset(X, np.arange(5.0), ("size", "floors"), "y", "h.csv", "h.csv")
    with pytest.raises(InputError, match=r"h\.csv: column 'floors'.*constant"):
        Problem(data, scaling="zscore")
    Problem(data, scaling="none")  # fine without a division


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    columns=st.lists(
        st.tuples(st.floats(-1e4, 1e4), st.floats(0.01, 1e4)), min_size=1, max_size=5),
    coefs=st.lists(finite, min_size=5, max_size=5),
    b=finite,
    method=st.sampled_from(SCALINGS),
    intercept=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_scaling_round_trip_is_exact_up_to_rounding(columns, coefs, b, method, intercept, seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([c + s * rng.standard_normal(12) for c, s in columns])
    scaler = fit_scaler(X, method, intercept=intercept)
    w = np.array(coefs[: X.shape[1]])
    bb = b if intercept else None
    w_s, b_s = scaler.to_scaled(w, bb)
    w2, b2 = scaler.to_original(w_s, b_s)
    assert_allclose(w2, w, rtol=1e-12, atol=1e-300)
    if intercept:
        tol = 1e-11 * (abs(b) + np.abs(w * scaler.shift).sum() + 1e-300)
        assert abs(b2 - b) <= tol
    else:
        assert b2 is None
    # predictions agree whichever coordinates are used
    pred_original = X @ w + (b if intercept else 0.0)
    pred_scaled = scaler.transform(X) @ w_s + (b_s if intercept else 0.0)
    scale = np.abs(X) @ np.abs(w) + abs(b) + 1e-300
    assert np.all(np.abs(pred_original - pred_scaled) <= 1e-10 * scale)
