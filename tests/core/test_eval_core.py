"""Issue 12's core: the split, the scaler fitted on the training rows, the metrics, ridge
reached by every optimizer, lasso by the proximal solvers, α_max with λ, the predictor.
Expected values come from scikit-learn or NumPy, never from the product."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import Lasso, Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from core.builder import build_dataset, build_problem
from core.data.split import MAX_TEST_FRACTION, split_rows
from core.errors import InputError
from core.evaluation.metrics import evaluate, reading, regression_metrics, target_unit
from core.evaluation.predictor import Predictor, predictor_for
from core.settings import DataSettings, ModelSettings
from core.solvers import last, run_solver


def housing_problem(**model) -> object:
    ds = build_dataset(DataSettings(source="housing"))
    seed = model.pop("seed", 0)
    return build_problem(ds, ModelSettings(scaling="zscore", **model), seed=seed)


def raw_housing() -> tuple[np.ndarray, np.ndarray]:
    ds = build_dataset(DataSettings(source="housing"))
    return np.asarray(ds.X, np.float64), np.asarray(ds.y, np.float64)


# -- the split ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "fraction"), [(100, 0.2), (37, 0.3), (20, 0.9), (5, 0.1)])
def test_split_parts_are_disjoint_cover_every_row_and_have_the_rounded_size(m, fraction):
    s = split_rows(m, fraction, seed=3)
    assert s is not None
    both = np.concatenate([s.train_rows, s.test_rows])
    assert np.array_equal(np.sort(both), np.arange(m))  # disjoint and covering
    assert s.m_test == max(1, math.ceil(fraction * m - 1e-9)) and s.m_train == m - s.m_test
    assert np.all(np.diff(s.test_rows) > 0) and np.all(np.diff(s.train_rows) > 0)


def test_split_depends_on_the_seed_only():
    a, b, c = split_rows(50, 0.2, 1), split_rows(50, 0.2, 1), split_rows(50, 0.2, 2)
    assert np.array_equal(a.test_rows, b.test_rows)
    assert not np.array_equal(a.test_rows, c.test_rows)
    assert split_rows(50, 0.0, 1) is None


@pytest.mark.parametrize("fraction", [-0.1, MAX_TEST_FRACTION + 0.01, 0.95, float("nan")])
def test_split_refuses_fractions_out_of_range(fraction):
    with pytest.raises(InputError, match="test fraction"):
        split_rows(100, fraction, 0)


def test_split_refuses_to_leave_fewer_than_two_training_rows():
    assert split_rows(4, 0.5, 0).m_train == 2
    with pytest.raises(InputError, match="leaving 1 to train on"):
        split_rows(4, 0.75, 0)


def test_the_scaler_is_fitted_on_the_training_rows_only():
    X, y = raw_housing()
    problem = housing_problem(test_fraction=0.25, seed=5, degree=2)
    train, test = problem.split.train_rows, problem.split.test_rows
    P = np.column_stack([X, X**2])
    mu, sd = P[train].mean(axis=0), P[train].std(axis=0)
    Xs = np.asarray(problem.X)
    assert_allclose(Xs.mean(axis=0), 0, atol=1e-12)
    assert_allclose(Xs.std(axis=0), 1, rtol=1e-12)
    assert_allclose(Xs, (P[train] - mu) / sd, rtol=1e-12, atol=1e-12)
    assert_allclose(problem.test.X_scaled, (P[test] - mu) / sd, rtol=1e-12, atol=1e-12)
    # the held-out rows are not standardised by it (their own mean and spread differ)
    assert np.abs(problem.test.X_scaled.mean(axis=0)).max() > 0.01
    assert np.abs(problem.test.X_scaled.std(axis=0) - 1).max() > 0.01
    assert_allclose(problem.test.y, y[test])
    assert problem.m == len(train) and problem.source.m == len(y)


# -- metrics -----------------------------------------------------------------------------------


def test_regression_metrics_are_scikit_learns():
    rng = np.random.default_rng(0)
    y = rng.normal(10, 3, 40)
    y_hat = y + rng.normal(0, 1, 40)
    got = regression_metrics(y, y_hat)
    mse = mean_squared_error(y, y_hat)
    assert_allclose(
        [got.mse, got.rmse, got.mae, got.r2, got.cost],
        [mse, np.sqrt(mse), mean_absolute_error(y, y_hat), r2_score(y, y_hat), mse / 2],
        rtol=1e-12,
    )
    assert got.rows == 40
    constant = np.full(5, 2.0)
    assert regression_metrics(constant, constant).r2 == r2_score(constant, constant) == 1.0
    assert regression_metrics(constant, constant + 1).r2 == r2_score(constant, constant + 1)


def test_evaluate_on_both_parts_and_the_reading():
    X, y = raw_housing()
    problem = housing_problem(test_fraction=0.2, seed=1)
    final = last(run_solver(problem, "normal"))
    ev = evaluate(problem, final.w_scaled, final.b_scaled)
    y_hat = X @ final.w + final.b
    for part, rows in ((ev.train, problem.split.train_rows), (ev.test, problem.split.test_rows)):
        assert_allclose(part.r2, r2_score(y[rows], y_hat[rows]), rtol=1e-10)
        assert_allclose(part.mae, mean_absolute_error(y[rows], y_hat[rows]), rtol=1e-10)
    assert_allclose(final.test_cost, ev.test.cost, rtol=1e-12)
    text = reading(ev, "price ($1000s)")
    assert f"±{ev.test.rmse:.3g} ($1000s)" in text and "20 unseen rows" in text
    assert target_unit("price ($1000s)") == "$1000s" and target_unit("y") == ""


# -- ridge: every optimizer meets scikit-learn's closed form --------------------------------

#: Settings under which each solver converges to rounding on the housing data with λ = 5
#: (z-scored, cond(A) ≈ 2.4): constant steps below the bound for the plain and momentum
#: methods; a large α for AdaGrad (its steps shrink with the summed squared gradients);
#: RMSprop and Adam, whose constant-α steps keep a size of about α near the optimum, with a
#: step schedule halving α every 1,000 iterations.
CONVERGING = {
    "gd": {"alpha": 0.9, "iterations": 2000},
    "gd-loop": {"alpha": 0.9, "iterations": 300},
    "sgd": {"alpha": 0.9, "iterations": 2000},  # full batch (batch_size 0)
    "momentum": {"alpha": 0.3, "iterations": 2000, "momentum": 0.5},
    "nesterov": {"alpha": 0.3, "iterations": 2000, "momentum": 0.5},
    "adagrad": {"alpha": 50.0, "iterations": 5000},
    "rmsprop": {
        "alpha": 3.0,
        "iterations": 30000,
        "schedule": "step",
        "decay": 0.5,
        "step_every": 1000,
    },
    "adam": {
        "alpha": 3.0,
        "iterations": 20000,
        "schedule": "step",
        "decay": 0.5,
        "step_every": 1000,
    },
}


@pytest.mark.parametrize("solver", [*CONVERGING, "normal", "normal-textbook"])
def test_every_solver_reaches_sklearn_ridge(solver):
    lam = 5.0
    X, y = raw_housing()
    problem = housing_problem(test_fraction=0.2, seed=1, l2=lam)
    train = problem.split.train_rows
    mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
    ridge = Ridge(alpha=lam, solver="svd").fit((X[train] - mu) / sd, y[train])
    w = ridge.coef_ / sd
    b = ridge.intercept_ - w @ mu
    final = last(run_solver(problem, solver, tolerance=0.0, **CONVERGING.get(solver, {})))
    assert_allclose(final.w_scaled, ridge.coef_, rtol=1e-9)
    assert_allclose([*final.w, final.b], [*w, b], rtol=1e-9)
    # the cost includes the penalty; the data cost does not
    e = (X[train] - mu) / sd @ ridge.coef_ + ridge.intercept_ - y[train]
    m = len(train)
    assert_allclose(final.cost, e @ e / (2 * m) + lam / (2 * m) * ridge.coef_ @ ridge.coef_)


# -- lasso -------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["gd", "gd-loop", "sgd"])
def test_proximal_solvers_equal_sklearn_lasso_and_zero_what_it_zeroes(solver):
    X, y = raw_housing()
    m = len(y)
    lam = 2000.0  # strong enough to zero a housing coefficient
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    lasso = Lasso(alpha=lam / m, tol=1e-14, max_iter=100_000).fit(Z, y)
    assert 0 < np.count_nonzero(lasso.coef_ == 0) < 4
    problem = housing_problem(l1=lam)
    iterations = 300 if solver == "gd-loop" else 3000
    final = last(run_solver(problem, solver, alpha=0.9, iterations=iterations, tolerance=0.0))
    assert_allclose(final.w_scaled, lasso.coef_, rtol=1e-9, atol=1e-9)
    assert_allclose(final.b_scaled, lasso.intercept_, rtol=1e-9)
    assert np.array_equal(problem.penalty.zeroed(final.w_scaled), np.flatnonzero(lasso.coef_ == 0))


@pytest.mark.parametrize("solver", ["momentum", "nesterov", "adagrad", "rmsprop", "adam", "normal"])
def test_l1_is_refused_without_a_proximal_step(solver):
    with pytest.raises(InputError, match="L1 penalty"):
        run_solver(housing_problem(l1=1.0), solver, alpha=0.1)


# -- α_max accounts for λ -----------------------------------------------------------------------


@pytest.mark.parametrize("lam", [0.0, 10.0, 200.0])
def test_alpha_max_is_two_over_the_largest_eigenvalue_with_the_penalty(lam):
    X, _ = raw_housing()
    problem = housing_problem(test_fraction=0.3, seed=2, l2=lam)
    train = problem.split.train_rows
    m = len(train)
    Z = (X[train] - X[train].mean(axis=0)) / X[train].std(axis=0)
    A = np.column_stack([Z, np.ones(m)])
    D = np.diag([1.0] * 4 + [0.0])
    lam_max = np.linalg.eigvalsh(A.T @ A / m + lam / m * D)[-1]
    assert_allclose(problem.alpha_max, 2 / lam_max, rtol=1e-12)


def test_a_step_above_the_penalised_bound_diverges_though_the_plain_bound_allows_it():
    plain, ridge = housing_problem(), housing_problem(l2=60.0)
    step = 1.05 * ridge.alpha_max
    assert step < plain.alpha_max
    assert last(run_solver(ridge, "gd", alpha=step, iterations=3000)).diverged
    assert last(run_solver(plain, "gd", alpha=step, iterations=3000, tolerance=1e-9)).converged


# -- the predictor ------------------------------------------------------------------------------


def test_predictor_round_trips_and_predicts_the_lstsq_model():
    X, y = raw_housing()
    problem = housing_problem(degree=2)
    final = last(run_solver(problem, "normal"))
    predictor = Predictor.from_dict(predictor_for(problem, final.w, final.b).to_dict())
    P = np.column_stack([X, X**2, np.ones(len(y))])
    norms = np.linalg.norm(P, axis=0)
    theta = np.linalg.lstsq(P / norms, y, rcond=None)[0] / norms
    x = np.array([1200.0, 3, 1, 40])
    expected = np.append(np.append(x, x**2), 1.0) @ theta
    assert_allclose(predictor.predict(predictor.raw_row(["1200", "3", "1", "40"])), expected, 1e-9)
    assert [f.name for f in predictor.fields] == [
        "size (sq ft)",
        "bedrooms",
        "floors",
        "age (years)",
    ]
    assert predictor.fields[0].low == X[:, 0].min() and predictor.fields[0].high == X[:, 0].max()


def test_predictor_ranges_come_from_the_training_rows():
    X, _ = raw_housing()
    problem = housing_problem(test_fraction=0.5, seed=4)
    train = problem.split.train_rows
    predictor = predictor_for(problem, np.zeros(4), 0.0)
    assert [(f.low, f.high) for f in predictor.fields] == [
        (X[train, j].min(), X[train, j].max()) for j in range(4)
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other"}, "not a saved model"),
        ({"coefficients": [1.0]}, "1 coefficients for a design of 4 columns"),
        ({"kept": [0, 9]}, "disagree in length"),
        ({"degree": "two"}, "has the wrong type"),
    ],
)
def test_predictor_from_dict_refuses_broken_entries(change, message):
    problem = housing_problem()
    d = {**predictor_for(problem, np.ones(4), 1.0).to_dict(), **change}
    with pytest.raises(InputError, match=message):
        Predictor.from_dict(d, "run.json: model")
