"""Every row of docs/edge-cases.md: a defined outcome for each numerical edge case."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from core.data.datasets import Dataset, make_housing
from core.errors import InputError
from core.model.problem import Problem
from core.solvers import MAX_ITERATIONS, last, run_solver
from core.solvers.normal import _final_normal

rng = np.random.default_rng(42)
A = rng.normal(size=25)
B = rng.normal(size=25)


def data(*cols, y=None) -> Dataset:
    X = np.column_stack(cols).astype(float)
    names = tuple(f"x{i + 1}" for i in range(X.shape[1]))
    return Dataset(
        X, rng.normal(size=len(X)) if y is None else np.asarray(y, float), names, "y", "edge"
    )


def test_collinear_features():
    problem = Problem(data(A, 3 * A, B))
    normal = last(run_solver(problem, "normal"))
    assert "rank-deficient (rank 3 of 4)" in normal.warnings[0]
    assert "x1, x2" in normal.warnings[0]
    textbook = last(run_solver(problem, "normal-textbook"))
    assert any("singular" in w or "untrustworthy" in w for w in textbook.warnings)
    gd = last(run_solver(problem, "gd", alpha=0.5 * problem.alpha_max, iterations=3000))
    assert not gd.diverged and gd.cost == pytest.approx(normal.cost, rel=1e-6)


@pytest.mark.parametrize("scaling", ["zscore", "minmax", "mean"])
def test_constant_feature_under_a_dividing_scaling(scaling):
    with pytest.raises(InputError, match="'x2' is constant"):
        Problem(data(A, np.full(25, 4.0)), scaling=scaling)


def test_constant_feature_without_scaling_duplicates_the_intercept():
    snap = last(run_solver(Problem(data(A, np.full(25, 4.0))), "normal"))
    assert "rank-deficient" in snap.warnings[0] and "x2, b" in snap.warnings[0]


def test_fewer_rows_than_parameters():
    problem = Problem(data(A[:3], B[:3], A[:3] ** 2))
    normal = last(run_solver(problem, "normal"))
    assert "infinitely many solutions" in normal.message
    expected = np.linalg.lstsq(
        np.column_stack([A[:3], B[:3], A[:3] ** 2, np.ones(3)]), problem.dataset.y, rcond=None
    )[0]
    assert_allclose(np.append(normal.w, normal.b), expected, rtol=1e-9, atol=1e-12)
    assert any("3 data rows but the model has 4 parameters" in w for w in normal.warnings)
    textbook = last(run_solver(problem, "normal-textbook"))
    assert any("singular" in w or "untrustworthy" in w for w in textbook.warnings)


@pytest.mark.parametrize("solver", ["normal", "normal-textbook", "gd"])
def test_all_zero_target(solver):
    problem = Problem(data(A, B, y=np.zeros(25)))
    snap = last(run_solver(problem, solver, **({"alpha": 0.1} if solver == "gd" else {})))
    assert snap.cost == 0.0 and np.all(snap.w == 0) and snap.b == 0


@pytest.mark.parametrize("alpha", [0.0, -1.0, float("nan"), float("inf")])
def test_impossible_alpha(alpha):
    with pytest.raises(InputError, match="α"):
        last(run_solver(Problem(make_housing(20)), "gd", alpha=alpha))


def test_absurd_alpha_diverges_at_once():
    problem = Problem(make_housing(20))
    snap = last(run_solver(problem, "gd", alpha=1e200, iterations=100))
    assert snap.diverged and snap.iteration <= 2 and "α_max" in snap.message


def test_a_short_run_above_alpha_max_ending_above_its_start_is_diverging():
    problem = Problem(make_housing(100))
    snap = last(run_solver(problem, "gd", alpha=1.01 * problem.alpha_max, iterations=10))
    assert snap.diverged and snap.iteration == 10 and "α_max" in snap.message


def test_zero_iterations_returns_the_start():
    problem = Problem(make_housing(20))
    snap = last(run_solver(problem, "gd", alpha=1e-7, iterations=0))
    assert snap.status == MAX_ITERATIONS and snap.iteration == 0
    assert snap.cost == pytest.approx(problem.cost(np.zeros(4), 0.0))


def test_zero_tolerance_runs_every_iteration():
    problem = Problem(make_housing(20), scaling="zscore")
    snap = last(run_solver(problem, "gd", alpha=0.5, iterations=2000, tolerance=0.0))
    assert snap.iteration == 2000


@pytest.mark.parametrize(
    ("scale", "dtype"), [(1e39, "float32"), (1e19, "float32"), (1e160, "float64")]
)
def test_values_whose_squares_overflow_are_refused(scale, dtype):
    with pytest.raises(InputError, match=f"column 'x1'.*too large for {dtype}"):
        Problem(data(A * scale, B), dtype=dtype)


def test_float32_underflow_is_warned():
    problem = Problem(data(A * 1e-25, B * 1e-25, y=A * 1e-25), dtype="float32")
    snap = last(run_solver(problem, "gd", alpha=0.1, iterations=5))
    assert any("smallest normal number" in w for w in snap.warnings)


def test_float32_overflowing_cost_stops_as_diverged():
    problem = Problem(data(A * 1e15, B, y=A * 1e15), dtype="float32")
    snap = last(run_solver(problem, "gd", alpha=1.0, iterations=50))
    assert snap.diverged


def test_high_degree_is_reported_singular():
    x = np.linspace(0, 30, 31)
    problem = Problem(data(x, y=np.sin(x)), degree=20)
    snap = last(run_solver(problem, "normal"))
    assert any("rank-deficient" in w or "nearly singular" in w for w in snap.warnings)
    textbook = last(run_solver(problem, "normal-textbook"))
    assert any("untrustworthy" in w or "singular" in w for w in textbook.warnings)


def test_degree_overflowing_float64():
    with pytest.raises(InputError, match="overflows float64"):
        Problem(data(A * 1e200, B), degree=2)


@pytest.mark.parametrize("degree", [0, 21, -1])
def test_degree_out_of_range(degree):
    with pytest.raises(InputError, match="degree"):
        Problem(data(A, B), degree=degree)


def test_a_wide_design_with_two_rows_is_answered_without_p_by_p_matrices():
    # 2 rows, 3,000 features: the p×p Gram matrix is never needed for the answer or α_max.
    X = rng.normal(size=(2, 3000))
    y = np.array([1.0, -2.0])
    problem = Problem(Dataset(X, y, tuple(f"x{i}" for i in range(3000)), "y", "wide"))
    A = np.column_stack([X, np.ones(2)])
    top = np.linalg.svd(A, compute_uv=False)[0]
    assert problem.alpha_max == pytest.approx(2 / (top**2 / 2), rel=1e-12)
    assert problem.condition_number == float("inf")
    normal = last(run_solver(problem, "normal"))
    assert_allclose(
        np.append(normal.w, normal.b), np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-9, atol=1e-15
    )
    textbook = last(run_solver(problem, "normal-textbook"))
    assert any("singular" in w for w in textbook.warnings)


def test_a_normal_answer_above_the_least_squares_cost_is_flagged():
    # The guard behind every `normal` answer: fed coefficients that do not fit as well as
    # the solve said (what the old original-unit projection returned at high degree), it warns.
    problem = Problem(make_housing(), degree=2)
    best = last(run_solver(problem, "normal"))
    assert not any("not the least-squares answer" in w for w in best.warnings)
    ls_cost = best.cost
    good = _final_normal(problem, best.w, best.b, 0.0, "ok", [], least_squares_cost=ls_cost)
    assert not any("not the least-squares answer" in w for w in good.warnings)
    w_off = np.array(best.w) * (1 + 1e-2)
    bad = _final_normal(problem, w_off, best.b, 0.0, "ok", [], least_squares_cost=ls_cost)
    assert bad.cost > ls_cost * 1.01
    assert any("not the least-squares answer" in w and f"{ls_cost:.6g}" in w for w in bad.warnings)


def test_the_textbook_warning_predicts_the_digits_it_keeps():
    """The warning's "about N of 16 digits" follows κ of the column-scaled design, so it
    matches the agreement with the stable answer (raw κ(A) said 0 while 2.6 were right)."""
    import re

    from core.data.datasets import make_synthetic
    from core.model.problem import Problem
    from core.solvers import last, run_solver

    data = make_synthetic(200, 1, noise=0.1, seed=4)
    problem = Problem(data, degree=10, scaling="none")
    textbook = last(run_solver(problem, "normal-textbook"))
    stable = last(run_solver(problem, "normal"))
    (warning,) = [w for w in textbook.warnings if "untrustworthy" in w]
    promised = int(re.search(r"only about (\d+) of 16 digits", warning).group(1))
    rel = np.abs(textbook.w - stable.w) / np.abs(stable.w)
    kept = -np.log10(rel.max())
    assert abs(kept - promised) <= 1.5, (kept, warning)
