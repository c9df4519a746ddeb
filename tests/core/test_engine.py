"""The engine's maths: GD against the normal equation, α_max, cost surface, scaling."""

from __future__ import annotations

import json

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
    RunStatus,
    gradient_descent,
    gradient_descent_loop,
    last,
    normal_equation,
    normal_textbook,
    run_solver,
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


def test_a_short_run_above_alpha_max_whose_cost_rose_is_diverging():
    # The course lab: 10 iterations on the unscaled houses data, α just above α_max.
    problem = Problem(make_housing(100))
    above = list(gradient_descent(problem, alpha=1.01 * problem.alpha_max, iterations=10))
    assert above[-1].iteration == 10 and above[-1].cost > above[0].cost
    assert above[-1].diverged and above[-1].status == RunStatus.DIVERGED
    assert f"α_max = {problem.alpha_max:.4g}" in above[-1].message
    below = last(gradient_descent(problem, alpha=0.99 * problem.alpha_max, iterations=10))
    assert below.status == MAX_ITERATIONS and not below.diverged


def test_run_statuses_are_the_published_strings():
    assert [str(s) for s in RunStatus] == [
        "running",
        "converged",
        "max_iterations",
        "diverged",
        "cancelled",
        "solved",
    ]
    snap = last(normal_equation(Problem(make_housing(20))))
    assert snap.status == "solved" and snap.status is RunStatus.SOLVED
    assert json.dumps({"status": snap.status}) == '{"status": "solved"}'


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


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"alpha": -0.1}, "greater than 0"),
        ({"alpha": 0.0}, "greater than 0"),
        ({"alpha": float("nan")}, "finite"),
        ({"alpha": 0.1, "iterations": -1}, "iterations"),
        ({"alpha": 0.1, "tolerance": -1.0}, "tolerance"),
    ],
)
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


def design(data: Dataset) -> np.ndarray:
    """``[X | 1]`` in original units, for an independent least-squares answer."""
    return np.column_stack([data.X, np.ones(data.m)])


@pytest.mark.parametrize("scaling", ["none", "zscore", "minmax"])
def test_rank_deficient_answer_is_minimum_norm_in_the_units_shown(scaling):
    # x2 = 10·x1 + 10 with an intercept: (10, -1, 10) spans the null space of [x1, x2, 1].
    rng = np.random.default_rng(7)
    x1 = rng.uniform(0.0, 5.0, 40)
    X = np.column_stack([x1, 10 * x1 + 10])
    data = Dataset(X, 3 * x1 + rng.normal(size=40), ("x1", "x2"), "y", "t")
    snap = last(normal_equation(Problem(data, scaling=scaling)))
    expected = np.linalg.pinv(design(data)) @ data.y
    assert_allclose(params(snap), expected, rtol=1e-10)
    assert_allclose(params(snap), np.linalg.lstsq(design(data), data.y, rcond=None)[0], rtol=1e-10)
    assert any(
        "rank 2 of 3" in w and "smallest ‖(w, b)‖ in the units shown" in w for w in snap.warnings
    )


def test_fewer_rows_than_parameters_gives_the_minimum_norm_solution():
    rng = np.random.default_rng(3)
    data = Dataset(
        rng.normal(size=(3, 5)), rng.normal(size=3), tuple("abcde"), "y", "f.csv", "f.csv"
    )
    problem = Problem(data)
    snap = last(normal_equation(problem))
    expected = np.linalg.lstsq(design(data), data.y, rcond=None)[0]
    assert_allclose(params(snap), expected, rtol=1e-10, atol=1e-14)
    assert snap.cost == pytest.approx(0.0, abs=1e-25)  # 3 rows, rank 3: an exact fit
    assert "infinitely many solutions" in snap.message
    assert any(
        "3 data rows but the model has 6 parameters" in w and "infinitely many solutions" in w
        for w in snap.warnings
    )
    assert problem.condition_number == float("inf")
    gd = last(gradient_descent(problem, alpha=0.5 * problem.alpha_max, iterations=5000))
    assert not gd.diverged and gd.cost == pytest.approx(0.0, abs=1e-20)


def powers_design(X: np.ndarray, degree: int) -> np.ndarray:
    """``[X, X², …, X^degree | 1]`` in original units, built here independently of core."""
    return np.column_stack([X**k for k in range(1, degree + 1)] + [np.ones(len(X))])


def lstsq_cost(A: np.ndarray, y: np.ndarray) -> float:
    """``J = 1/(2m)·‖A x - y‖²`` at numpy's least-squares answer on ``A``."""
    x = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(np.sum((A @ x - y) ** 2)) / (2 * len(y))


def best_lstsq_cost(A: np.ndarray, y: np.ndarray) -> float:
    """The least-squares cost on ``A``, also tried with unit-length columns (same span)."""
    return min(lstsq_cost(A, y), lstsq_cost(A / np.linalg.norm(A, axis=0), y))


@pytest.mark.parametrize("scaling", ["none", "zscore", "minmax"])
@pytest.mark.parametrize("degree", [2, 4, 6, 8, 10, 20])
def test_rank_deficient_polynomial_fits_as_well_as_least_squares(degree, scaling):
    # Housing's bedrooms and floors take few values, so their powers are collinear: the
    # design is rank-deficient from degree 3 and its column sizes span 10^0..10^70.
    data = make_housing()
    snap = last(normal_equation(Problem(data, degree=degree, scaling=scaling)))
    A = powers_design(data.X, degree)
    assert snap.cost <= lstsq_cost(A, data.y) * (1 + 1e-6) + 1e-12
    # ... and as well as the best lstsq finds at all (rounding of J aside).
    assert snap.cost <= best_lstsq_cost(A, data.y) * (1 + 1e-4)
    assert not any("not the least-squares answer" in w for w in snap.warnings)


def test_high_degree_falls_back_to_the_equilibrated_minimum_norm_and_says_so():
    snap = last(normal_equation(Problem(make_housing(), degree=20)))
    assert "equilibrated minimum-norm solution shown" in snap.message
    assert any(
        "after scaling every column of the design to about unit length" in w
        and "cannot be computed reliably" in w
        for w in snap.warnings
    )


@settings(max_examples=15, deadline=None)
@given(
    m=st.integers(10, 40),  # more rows than the 9 parameters at most: m < n is another test
    base=st.integers(1, 4),
    copies=st.lists(
        st.tuples(st.integers(0, 3), st.floats(0.2, 5), st.booleans()), min_size=1, max_size=4
    ),
    exponents=st.lists(st.floats(-6, 6), min_size=8, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_rank_deficient_designs_cost_what_lstsq_costs(m, base, copies, exponents, seed):
    # Duplicated, rescaled columns with column sizes 10^±6: infinitely many answers, one cost.
    rng = np.random.default_rng(seed)
    cols = [rng.normal(size=m) for _ in range(base)]
    cols += [(-c if negative else c) * cols[j % base] for j, c, negative in copies]
    X = np.column_stack(cols) * 10.0 ** np.array(exponents[: len(cols)])
    data = Dataset(X, rng.normal(size=m), tuple(f"x{i}" for i in range(len(cols))), "y", "t")
    snap = last(normal_equation(Problem(data)))
    A = design(data)
    best = best_lstsq_cost(A, data.y)
    assert snap.cost == pytest.approx(best, rel=1e-6, abs=1e-12)
    assert snap.cost <= lstsq_cost(A, data.y) * (1 + 1e-6) + 1e-12
    assert any("rank-deficient" in w for w in snap.warnings)


def test_constant_column_under_scaling_names_the_column():
    X = np.column_stack([np.arange(5.0), np.full(5, 7.0)])
    data = Dataset(X, np.arange(5.0), ("size", "floors"), "y", "h.csv", "h.csv")
    with pytest.raises(InputError, match=r"h\.csv: column 'floors'.*constant"):
        Problem(data, scaling="zscore")
    Problem(data, scaling="none")  # fine without a division


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    columns=st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(0.01, 1e4)), min_size=1, max_size=5),
    coefs=st.lists(finite, min_size=5, max_size=5),
    b=finite,
    scaling=st.sampled_from(SCALINGS),
    intercept=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_scaling_round_trip_is_exact_up_to_rounding(columns, coefs, b, scaling, intercept, seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([c + s * rng.standard_normal(12) for c, s in columns])
    scaler = fit_scaler(X, scaling, intercept=intercept)
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


# -- the pace hook: exactly the chunks the caller asks for ------------------------------------


def cycle_pace(*lengths, calls=None):
    """A pace that returns ``lengths`` in turn (recording the planned k in ``calls``)."""
    state = {"i": 0}

    def pace(k):
        if calls is not None:
            calls.append(k)
        got = min(lengths[state["i"] % len(lengths)], k)
        state["i"] += 1
        return got

    return pace


@pytest.mark.parametrize("solver", [gradient_descent, gradient_descent_loop])
def test_pace_sets_the_chunks_and_the_steps_are_unchanged(solver):
    problem = Problem(make_housing(30), scaling="zscore")
    calls: list[int] = []
    paced = list(
        solver(
            problem, alpha=0.1, iterations=20, report_every=5, pace=cycle_pace(1, 2, 3, calls=calls)
        )
    )
    assert [s.iteration for s in paced] == [0, 1, 3, 6, 7, 9, 12, 13, 15, 18, 19, 20]
    # planned chunks: report_every, or what is left at the end
    assert calls == [5] * 9 + [2, 1]
    every = {s.iteration: s for s in solver(problem, alpha=0.1, iterations=20)}
    for snap in paced:
        assert_allclose(params(snap), params(every[snap.iteration]), rtol=0, atol=0)
        assert snap.cost == every[snap.iteration].cost
    assert paced[-1].status == MAX_ITERATIONS


def test_pace_of_one_steps_one_iteration_and_none_is_unchanged():
    problem = Problem(make_housing(30), scaling="zscore")
    steps = list(
        gradient_descent(problem, alpha=0.1, iterations=4, report_every=50, pace=lambda k: 1)
    )
    assert [s.iteration for s in steps] == [0, 1, 2, 3, 4]
    plain = list(gradient_descent(problem, alpha=0.1, iterations=12, report_every=5))
    assert [s.iteration for s in plain] == [0, 5, 10, 12]


def test_divergence_tolerance_and_cancel_still_work_under_pace():
    problem = Problem(make_housing(50), scaling="zscore")
    wild = last(
        gradient_descent(problem, alpha=1e3, iterations=100, report_every=10, pace=lambda k: 1)
    )
    plain = last(gradient_descent(problem, alpha=1e3, iterations=100, report_every=10))
    assert wild.diverged and wild.iteration == plain.iteration < 100

    kw = dict(alpha=0.5, iterations=5000, tolerance=1e-6, report_every=100)
    paced = last(gradient_descent(problem, pace=cycle_pace(7), **kw))
    unpaced = last(gradient_descent(problem, **kw))
    assert paced.status == unpaced.status == CONVERGED
    assert paced.iteration == unpaced.iteration

    class Flag:
        state = False

        def is_set(self):
            return self.state

    flag = Flag()

    def pace(k):
        pace.calls += 1
        if pace.calls == 3:
            flag.state = True
        return 2

    pace.calls = 0
    snaps = list(
        gradient_descent(
            problem, alpha=0.1, iterations=10**6, report_every=10, cancel=flag, pace=pace
        )
    )
    # snapshots at 0, 2, 4; the third pace call (after 4) cancels: the run ends at 4
    assert [s.iteration for s in snaps] == [0, 2, 4, 4]
    assert snaps[-1].status == CANCELLED


@pytest.mark.parametrize("solver", [gradient_descent, gradient_descent_loop])
def test_a_cancel_while_pace_waits_ends_on_the_state_last_reported(solver):
    # A paused window waits inside pace; Stop sets the flag and pace returns 1. The run must
    # end on the snapshot on screen, not one iteration later (Stop while paused at 1 said
    # "after 2 iterations" with other coefficients).
    problem = Problem(make_housing(50), scaling="zscore")

    class Flag:
        state = False

        def is_set(self):
            return self.state

    flag = Flag()
    calls = []

    def pace(k):
        calls.append(k)
        if len(calls) == 2:  # after the snapshot of iteration 1: the user presses Stop
            flag.state = True
        return 1

    snaps = list(solver(problem, alpha=0.1, iterations=100, report_every=1, cancel=flag, pace=pace))
    assert [s.iteration for s in snaps] == [0, 1, 1]
    final, shown = snaps[-1], snaps[-2]
    assert final.status == CANCELLED and shown.status == RunStatus.RUNNING
    assert final.message == "Stopped by the user after 1 iterations."
    assert_allclose(params(final), params(shown), rtol=0, atol=0)
    assert final.cost == shown.cost
    # and that is the state after exactly one step from the start
    one = last(solver(problem, alpha=0.1, iterations=1))
    assert_allclose(params(final), params(one), rtol=0, atol=0)


@pytest.mark.parametrize("bad", [0, 6, 2.0, True, None])
def test_a_pace_outside_1_to_k_is_refused(bad):
    problem = Problem(make_housing(20), scaling="zscore")
    with pytest.raises(ValueError, match="from 1 to 5"):
        last(
            gradient_descent(problem, alpha=0.1, iterations=20, report_every=5, pace=lambda k: bad)
        )


def test_run_solver_passes_pace_to_both_gd_solvers():
    problem = Problem(make_housing(20), scaling="zscore")
    for solver in ("gd", "gd-loop"):
        snaps = list(
            run_solver(problem, solver, alpha=0.1, iterations=3, report_every=10, pace=lambda k: 1)
        )
        assert [s.iteration for s in snaps] == [0, 1, 2, 3]


@pytest.mark.parametrize("degree", [2, 4, 6])
def test_contour_centre_is_the_optimum_even_without_scaling(degree):
    # gram_optimum squares κ, but with its diagonal scaled it still finds the optimum of an
    # unscaled polynomial (unscaled, lstsq on G dropped directions: J 408 vs 245 at degree 2).
    problem = Problem(make_housing(), degree=degree, scaling="none")
    centre = problem.gram_optimum()
    cost = problem.cost(centre[: problem.n], float(centre[problem.n]))
    A = powers_design(make_housing().X, degree)
    assert cost == pytest.approx(best_lstsq_cost(A, make_housing().y), rel=1e-6)


# -- one-hot features in the model (issue 10) ------------------------------------------------


def test_polynomial_features_raise_only_numeric_columns_and_keep_the_power_order():
    from core.model.features import polynomial_features

    X = np.array([[2.0, 1.0, 3.0], [5.0, 0.0, -1.0], [1.5, 1.0, 4.0]])
    d = polynomial_features(X, ("a", "g=x", "c"), 3, indicators=(None, "g", None))
    assert d.names == ("a", "g=x", "c", "a^2", "c^2", "a^3", "c^3")
    assert (d.n_raw, d.powered, d.degree) == (3, (0, 2), 3)
    a, c = X[:, 0], X[:, 2]
    assert np.array_equal(d.X, np.column_stack([X, a**2, c**2, a**3, c**3]))
    assert d.X_lo is not None and d.X_lo.shape == d.X.shape
    # without indicators every column is raised, as before
    plain = polynomial_features(X, ("a", "b", "c"), 2)
    assert plain.names == ("a", "b", "c", "a^2", "b^2", "c^2")
    # only indicators: nothing to raise
    only = polynomial_features(X[:, 1:2], ("g=x",), 4, indicators=("g",))
    assert only.names == ("g=x",) and only.X_lo is None


def test_overflow_names_the_power_of_the_right_column_among_indicators():
    from core.model.features import polynomial_features

    X = np.array([[1.0, 0.0, 1e200], [2.0, 1.0, 1.0]])
    with pytest.raises(InputError, match=r"column 'big'.*big\^2 is too large"):
        polynomial_features(X, ("a", "g=x", "big"), 2, indicators=(None, "g", None))


def test_problem_leaves_out_the_first_level_of_each_categorical_with_an_intercept():
    rng = np.random.default_rng(3)
    x = rng.normal(size=12)
    g = np.array([0, 1, 2] * 4)
    h = np.array([0, 1] * 6)
    X = np.column_stack([x, g == 0, g == 1, g == 2, h == 0, h == 1]).astype(float)
    names = ("x", "g=a", "g=b", "g=c", "h=p", "h=q")
    ind = (None, "g", "g", "g", "h", "h")
    y = 2 * x + (g == 1) * 3 - (h == 1) + rng.normal(scale=0.1, size=12)
    ds = Dataset(X, y, names, "y", "t", indicators=ind)
    problem = Problem(ds)
    assert problem.feature_names == ("x", "g=b", "g=c", "h=q")
    assert problem.dropped_levels == {"g": "a", "h": "p"}
    assert problem.notes == [
        "g=a left out: the intercept stands for it",
        "h=p left out: the intercept stands for it",
    ]
    snap = last(normal_equation(problem))
    A = np.column_stack([X[:, [0, 2, 3, 5]], np.ones(12)])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    assert_allclose(params(snap), coef, rtol=1e-9, atol=1e-12)
    # the gradient-descent view of the same problem agrees (well conditioned after zscore)
    gd = last(gradient_descent(Problem(ds, scaling="zscore"), alpha=0.5, iterations=5000))
    assert_allclose(params(gd), coef, rtol=1e-6, atol=1e-6)


def test_a_categorical_with_one_level_under_an_intercept_leaves_no_feature():
    ds = Dataset(np.ones((4, 1)), np.arange(4.0), ("g=a",), "y", "t", indicators=("g",))
    with pytest.raises(InputError, match="no feature left: each categorical column has one"):
        Problem(ds)
    assert Problem(ds, intercept=False).feature_names == ("g=a",)
