"""Issue 12 on the command line: ``fit`` with a test set, ridge, lasso and ``--predict``;
``gd-explorer predict``. Every expected value comes from scikit-learn or NumPy on the raw
data (the design expanded with powers and z-scored by hand), never from the product."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import Lasso, Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from core.builder import build_dataset
from core.cli import main
from core.settings import DataSettings

HOUSE = "1200,3,1,40"


def run_json(capsys, *argv: str) -> dict:
    code = main(["fit", *argv, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def refused(capsys, argv: list[str]) -> str:
    """The one-line error of a refused command (exit 2, nothing on stdout)."""
    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("gd-explorer") and out.err.count("\n") == 1, out.err
    return out.err


def housing() -> tuple[np.ndarray, np.ndarray]:
    ds = build_dataset(DataSettings(source="housing"))  # the input data, not an expectation
    return np.asarray(ds.X, np.float64), np.asarray(ds.y, np.float64)


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def numeric_csv(tmp_path) -> tuple[Path, np.ndarray, np.ndarray]:
    """60 rows: a, b matter, c (large, uniform) is noise that lasso can drop."""
    rng = np.random.default_rng(42)
    m = 60
    X = np.column_stack([rng.normal(50, 10, m), rng.normal(0.5, 0.1, m), rng.uniform(0, 1e3, m)])
    y = 3 * X[:, 0] - 40 * X[:, 1] + rng.normal(0, 2, m)
    rows = [[repr(float(v)) for v in (*x, t)] for x, t in zip(X, y, strict=True)]
    return write_csv(tmp_path / "data.csv", ["a", "b", "c", "y"], rows), X, y


def powers(X: np.ndarray, degree: int) -> np.ndarray:
    """x1..xn, x1²..xn², ... (no cross terms), as the issue's polynomial features."""
    return np.column_stack([X**k for k in range(1, degree + 1)])


def training_rows(r: dict) -> tuple[np.ndarray, np.ndarray]:
    m = r["m_total"]
    test = np.array(r["split"]["test_rows"] if r["split"] else [], dtype=int)
    return np.setdiff1d(np.arange(m), test), test


def zscore(P: np.ndarray, train: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu, sd = P[train].mean(axis=0), P[train].std(axis=0)
    return (P - mu) / sd, mu, sd


# -- acceptance: metrics equal scikit-learn's on the reported rows --------------------------


@pytest.mark.parametrize("degree", [1, 3])
@pytest.mark.parametrize("solver", ["normal", "gd"])
@pytest.mark.parametrize("source", ["housing", "csv"])
def test_train_and_test_metrics_equal_scikit_learn(capsys, numeric_csv, source, solver, degree):
    path, X, y = numeric_csv
    data = "demo:housing" if source == "housing" else str(path)
    if source == "housing":
        X, y = housing()
    r = run_json(
        capsys, data, "--test-fraction", "0.2", "--seed", "1", "--degree", str(degree),
        "--solver", solver,
    )  # fmt: skip
    train, test = training_rows(r)
    m = len(y)
    assert r["m_total"] == m and r["m"] == len(train) == m - math.ceil(0.2 * m - 1e-9)
    assert r["split"]["fraction"] == 0.2 and r["split"]["seed"] == 1
    assert (r["split"]["m_train"], r["split"]["m_test"]) == (len(train), len(test))
    # predictions from the reported coefficients, on the raw data
    y_hat = powers(X, degree) @ np.array(r["coefficients"]) + r["intercept"]
    for part, rows in (("train", train), ("test", test)):
        got = r["metrics"][part]
        mse = mean_squared_error(y[rows], y_hat[rows])
        assert got["rows"] == len(rows)
        assert_allclose(got["mse"], mse, rtol=1e-10)
        assert_allclose(got["rmse"], math.sqrt(mse), rtol=1e-10)
        assert_allclose(got["cost"], mse / 2, rtol=1e-10)
        assert_allclose(got["mae"], mean_absolute_error(y[rows], y_hat[rows]), rtol=1e-10)
        assert_allclose(got["r2"], r2_score(y[rows], y_hat[rows]), rtol=1e-10)
    assert_allclose(r["test_cost"], r["metrics"]["test"]["cost"], rtol=1e-10)
    assert f"on {len(test)} unseen rows (the test set)" in r["reading"]


def test_without_a_split_the_metrics_are_the_training_rows_and_split_is_null(capsys):
    X, y = housing()
    r = run_json(capsys, "demo:housing", "--solver", "normal")
    assert r["split"] is None and r["metrics"]["test"] is None and r["test_cost"] is None
    assert r["m"] == r["m_total"] == len(y)
    y_hat = X @ np.array(r["coefficients"]) + r["intercept"]
    assert_allclose(r["metrics"]["train"]["r2"], r2_score(y, y_hat), rtol=1e-10)
    assert "no test set" in r["reading"]


# -- acceptance: ridge equals scikit-learn's Ridge on the training design as scaled ---------


def ridge_reference(
    X: np.ndarray, y: np.ndarray, train: np.ndarray, degree: int, lam: float
) -> np.ndarray:
    """[w..., b] in original units from Ridge(alpha=λ) on the z-scored training design."""
    Z, mu, sd = zscore(powers(X, degree), train)
    fit = Ridge(alpha=lam, solver="svd").fit(Z[train], y[train])
    w = fit.coef_ / sd
    return np.append(w, fit.intercept_ - w @ mu)


@pytest.mark.parametrize("degree", [1, 3])
@pytest.mark.parametrize("fraction", ["0", "0.25"])
@pytest.mark.parametrize("lam", [0.1, 3.0, 100.0])
def test_normal_with_l2_equals_sklearn_ridge(capsys, lam, fraction, degree):
    X, y = housing()
    r = run_json(
        capsys, "demo:housing", "--solver", "normal", "--l2", str(lam), "--degree", str(degree),
        "--test-fraction", fraction, *(["--seed", "7"] if fraction != "0" else []),
    )  # fmt: skip
    train, _ = training_rows(r)
    expected = ridge_reference(X, y, train, degree, lam)
    assert_allclose([*r["coefficients"], r["intercept"]], expected, rtol=1e-9)
    assert r["penalty"] == {"l2": lam, "l1": 0.0, "zeroed": []}


def test_ridge_on_the_training_scaler_differs_from_one_fitted_on_every_row(capsys):
    """The ridge answer depends on the scaling: it matches the training rows' scaler only."""
    X, y = housing()
    r = run_json(
        capsys, "demo:housing", "--solver", "normal", "--l2", "30", "--test-fraction", "0.3"
    )
    train, _ = training_rows(r)
    Z_all, _, sd = zscore(X, np.arange(len(y)))  # the leaky scaler
    leaky = Ridge(alpha=30.0).fit(Z_all[train], y[train])
    leaky_w = leaky.coef_ / sd
    assert not np.allclose(r["coefficients"], leaky_w, rtol=1e-6)
    assert_allclose(r["coefficients"], ridge_reference(X, y, train, 1, 30.0)[:-1], rtol=1e-9)


@pytest.mark.parametrize(
    ("degree", "lam", "fraction"), [(1, 1.0, "0"), (1, 10.0, "0.2"), (3, 10.0, "0.2")]
)
def test_gd_with_l2_reaches_sklearn_ridge(capsys, degree, lam, fraction):
    """α = 0.9·α_max(λ), 20,000 iterations, no tolerance stop: the penalty bounds the
    Hessian's smallest eigenvalue below by λ/m, so the error shrinks to rounding."""
    X, y = housing()
    r = run_json(
        capsys, "demo:housing", "--solver", "gd", "--l2", str(lam), "--degree", str(degree),
        "--test-fraction", fraction, "--alpha-factor", "0.9", "--iterations", "20000",
        "--tolerance", "0", "--report-every", "20000",
    )  # fmt: skip
    train, _ = training_rows(r)
    expected = ridge_reference(X, y, train, degree, lam)
    assert_allclose([*r["coefficients"], r["intercept"]], expected, rtol=1e-8)


# -- lasso: proximal gd and sgd equal scikit-learn's Lasso(alpha=λ/m) -----------------------


@pytest.mark.parametrize("solver", ["gd", "sgd"])
@pytest.mark.parametrize("lam", [5.0, 60.0, 200.0])
def test_l1_equals_sklearn_lasso_with_the_same_zeros(capsys, numeric_csv, solver, lam):
    path, X, y = numeric_csv
    r = run_json(
        capsys, str(path), "--solver", solver, "--l1", str(lam), "--alpha", "0.9",
        "--iterations", "5000", "--tolerance", "0", "--report-every", "5000",
    )  # fmt: skip
    m = len(y)
    Z, _, sd = zscore(X, np.arange(m))
    lasso = Lasso(alpha=lam / m, tol=1e-14, max_iter=100_000).fit(Z, y)
    w_s = np.array(r["coefficients"]) * sd
    assert_allclose(w_s, lasso.coef_, rtol=1e-9, atol=1e-9 * np.abs(lasso.coef_).max())
    zeros = [name for name, c in zip("abc", lasso.coef_, strict=True) if c == 0]
    assert r["penalty"]["zeroed"] == zeros
    assert [name for name, c in zip("abc", w_s, strict=True) if c == 0] == zeros
    if lam >= 60:
        assert zeros == ["c"]  # the noise column is dropped: the case is meaningful


@pytest.mark.parametrize("solver", ["adam", "momentum", "normal", "normal-textbook"])
def test_l1_with_a_solver_without_a_proximal_step_is_refused(capsys, solver):
    err = refused(capsys, ["fit", "demo:housing", "--l1", "1", "--solver", solver])
    assert "L1 penalty (lasso)" in err and "gd" in err and "sgd" in err


# -- α_max accounts for λ --------------------------------------------------------------------


def test_alpha_max_accounts_for_l2_and_a_step_above_it_diverges(capsys):
    X, y = housing()
    m, lam = len(y), 60.0
    Z, _, _ = zscore(X, np.arange(m))
    A = np.column_stack([Z, np.ones(m)])
    G = A.T @ A / m
    D = np.diag([1.0] * X.shape[1] + [0.0])
    alpha_0 = 2 / np.linalg.eigvalsh(G)[-1]
    alpha_lam = 2 / np.linalg.eigvalsh(G + lam / m * D)[-1]
    step = float(1.05 * alpha_lam)
    assert step < alpha_0  # without the penalty this step would be stable
    common = ["--alpha", repr(step), "--iterations", "3000", "--solver", "gd"]
    r = run_json(capsys, "demo:housing", "--l2", str(lam), *common)
    assert_allclose(r["alpha_max"], alpha_lam, rtol=1e-12)
    assert r["diverged"]
    r0 = run_json(capsys, "demo:housing", *common)
    assert_allclose(r0["alpha_max"], alpha_0, rtol=1e-12)
    assert not r0["diverged"] and r0["converged"]


# -- prediction --------------------------------------------------------------------------------


def lstsq_prediction(X: np.ndarray, y: np.ndarray, degree: int, x_new: list[float]) -> float:
    """ŷ of the least-squares model on the raw design [powers of X, 1] (columns equilibrated
    by their norms, which leaves the solution unchanged and lstsq accurate)."""
    P = np.column_stack([powers(X, degree), np.ones(len(y))])
    norms = np.linalg.norm(P, axis=0)
    theta = np.linalg.lstsq(P / norms, y, rcond=None)[0] / norms
    row = np.append(powers(np.array([x_new]), degree), 1.0)
    return float(row @ theta)


@pytest.mark.parametrize("degree", [1, 2])
def test_houses_prediction_matches_the_normal_equation(capsys, tmp_path, degree):
    X, y = housing()
    expected = lstsq_prediction(X, y, degree, [1200, 3, 1, 40])
    r = run_json(
        capsys, "demo:housing", "--solver", "normal", "--degree", str(degree), "--predict", HOUSE
    )
    [p] = r["predictions"]
    assert p["x"] == {"size (sq ft)": 1200, "bedrooms": 3, "floors": 1, "age (years)": 40}
    assert_allclose(p["y_hat"], expected, rtol=1e-9)
    assert p["warnings"] == []
    run = tmp_path / "run.json"
    run.write_text(json.dumps(r))
    assert main(["predict", "--model", str(run), "--x", HOUSE, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["target"] == "price ($1000s)"
    assert_allclose(out["predictions"][0]["y_hat"], expected, rtol=1e-9)
    assert main(["predict", "--model", str(run), "--x", HOUSE]) == 0
    text = capsys.readouterr().out
    assert f"price ($1000s): ŷ = {expected:.6g}" in text and "size (sq ft) = 1200" in text


def test_the_houses_prediction_is_the_courses_figure_roughly(capsys):
    r = run_json(capsys, "demo:housing", "--solver", "normal", "--predict", HOUSE)
    assert 300 < r["predictions"][0]["y_hat"] < 340  # the course: about $318,709


def test_the_saved_model_is_the_reported_one(capsys, tmp_path):
    r = run_json(capsys, "demo:housing", "--solver", "normal", "--test-fraction", "0.2")
    assert r["model"]["format"] == "gd-explorer model"
    assert r["model"]["coefficients"] == r["coefficients"]
    assert r["model"]["intercept"] == r["intercept"]


def test_prediction_outside_the_training_range_warns(capsys):
    X, _ = housing()
    r = run_json(capsys, "demo:housing", "--solver", "normal", "--predict", "9000,3,1,40")
    [warning] = r["predictions"][0]["warnings"]
    assert "size (sq ft) = 9000" in warning and f"{X[:, 0].max():g}" in warning


@pytest.fixture
def categorical_csv(tmp_path) -> tuple[Path, np.ndarray, list[str], np.ndarray]:
    rng = np.random.default_rng(3)
    m = 40
    size, age = rng.uniform(500, 3000, m), rng.uniform(1, 90, m)
    region = list(rng.choice(["north", "south", "west"], m))
    effect = {"north": 0.0, "south": 25.0, "west": -15.0}
    y = 0.1 * size - 0.8 * age + np.array([effect[g] for g in region]) + rng.normal(0, 5, m)
    rows = [
        [repr(float(a)), g, repr(float(c)), repr(float(t))]
        for a, g, c, t in zip(size, region, age, y, strict=True)
    ]
    path = write_csv(tmp_path / "c.csv", ["size", "region", "age", "price"], rows)
    return path, np.column_stack([size, age]), region, y


def test_a_categorical_column_takes_a_level_name(capsys, tmp_path, categorical_csv):
    path, X, region, y = categorical_csv
    # reference: one-hot with north (first sorted level) left out, intercept last
    south = np.array([g == "south" for g in region], float)
    west = np.array([g == "west" for g in region], float)
    P = np.column_stack([X[:, 0], south, west, X[:, 1], np.ones(len(y))])
    theta = np.linalg.lstsq(P / np.linalg.norm(P, axis=0), y, rcond=None)[0]
    theta /= np.linalg.norm(P, axis=0)
    expected = np.array([1200, 1, 0, 40, 1.0]) @ theta
    r = run_json(
        capsys, str(path), "--categorical", "region", "--solver", "normal",
        "--predict", "1200,south,40",
    )  # fmt: skip
    assert r["predictions"][0]["x"] == {"size": 1200.0, "region": "south", "age": 40.0}
    assert_allclose(r["predictions"][0]["y_hat"], expected, rtol=1e-9)
    run = tmp_path / "run.json"
    run.write_text(json.dumps(r))
    assert main(["predict", "--model", str(run), "--x", "1200, south ,40", "--json"]) == 0
    assert_allclose(json.loads(capsys.readouterr().out)["predictions"][0]["y_hat"], expected)
    err = refused(capsys, ["predict", "--model", str(run), "--x", "1200,east,40"])
    assert "region: 'east' is not one of its levels (north, south, west)" in err


def test_a_session_gives_its_newest_run_with_a_model(capsys, tmp_path):
    r_old = run_json(capsys, "demo:housing", "--solver", "normal")
    r_new = run_json(capsys, "demo:housing", "--solver", "normal", "--l2", "50")
    session = {
        "format": "gd-explorer-session",
        "version": 1,
        "settings": {},
        "runs": [
            {"label": "run 1", "model": r_old["model"]},
            {"label": "run 2", "model": r_new["model"]},
            {"label": "run 3 (no model saved)"},
        ],
    }
    path = tmp_path / "s.gdx.json"
    path.write_text(json.dumps(session))
    assert main(["predict", "--model", str(path), "--x", HOUSE, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["predictions"][0]["y_hat"]
    w = np.array(r_new["coefficients"])
    assert_allclose(got, np.array([1200, 3, 1, 40]) @ w + r_new["intercept"], rtol=1e-12)
    session["runs"] = [{"label": "run 1"}]
    path.write_text(json.dumps(session))
    err = refused(capsys, ["predict", "--model", str(path), "--x", HOUSE])
    assert str(path) in err and "no run in this file saved a model" in err


def test_predict_takes_several_examples_in_order(capsys, tmp_path):
    r = run_json(capsys, "demo:housing", "--solver", "normal", "--predict", HOUSE)
    run = tmp_path / "run.json"
    run.write_text(json.dumps(r))
    assert main(["predict", "--model", str(run), "--x", HOUSE, "--x", "2000,4,2,10"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "ŷ =" in ln]
    w, b = np.array(r["coefficients"]), r["intercept"]
    assert [ln.split("ŷ = ")[1].split()[0] for ln in lines] == [
        f"{np.array([1200, 3, 1, 40]) @ w + b:.6g}",
        f"{np.array([2000, 4, 2, 10]) @ w + b:.6g}",
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("1200,3,1", "the model expects 4 values (size (sq ft), bedrooms, floors, age (years))"),
        ("1200,three,1,40", "bedrooms: 'three' is not a number"),
        ("1200,3,1,inf", "age (years): 'inf' is not a finite number"),
        ("1200,,1,40", "an empty value"),
    ],
)
def test_bad_example_values_are_refused_naming_the_field(capsys, tmp_path, values, message):
    err = refused(capsys, ["fit", "demo:housing", "--predict", values])
    assert message in err and "--predict" in err
    r = run_json(capsys, "demo:housing", "--solver", "normal")
    run = tmp_path / "run.json"
    run.write_text(json.dumps(r))
    err = refused(capsys, ["predict", "--model", str(run), "--x", values])
    assert message in err and "--x" in err


def test_bad_model_files_are_refused_naming_the_file(capsys, tmp_path):
    cases = {
        tmp_path / "missing.json": "no such model file",
        tmp_path: "is a folder",
        write_csv(tmp_path / "not.json", ["a"], [["1"]]): "broken JSON",
        tmp_path / "other.json": "no model in this file",
        tmp_path / "broken_model.json": "the saved model has no 'coefficients' entry",
        tmp_path / "no_runs.json": "without a list of runs",
    }
    (tmp_path / "other.json").write_text('{"solver": "gd"}')
    r = run_json(capsys, "demo:housing", "--solver", "normal")
    del r["model"]["coefficients"]
    (tmp_path / "broken_model.json").write_text(json.dumps(r))
    (tmp_path / "no_runs.json").write_text('{"format": "gd-explorer-session", "runs": 3}')
    for path, message in cases.items():
        err = refused(capsys, ["predict", "--model", str(path), "--x", HOUSE])
        assert str(path) in err and message in err, err


# -- the split and its seed ----------------------------------------------------------------


def test_the_split_follows_the_seed(capsys, numeric_csv):
    path, _, y = numeric_csv
    m = len(y)

    def rows(*extra: str) -> list[int]:
        return run_json(capsys, str(path), "--solver", "normal", *extra)["split"]["test_rows"]

    a = rows("--test-fraction", "0.3", "--seed", "4")
    assert a == rows("--test-fraction", "0.3", "--seed", "4")
    assert a != rows("--test-fraction", "0.3", "--seed", "5")
    assert len(a) == math.ceil(0.3 * m - 1e-9) and len(set(a)) == len(a) and set(a) <= set(range(m))
    assert a == sorted(a)


@pytest.mark.parametrize("data", ["demo:housing", "demo:curve", "file"])
def test_seed_without_a_test_set_is_refused(capsys, numeric_csv, data):
    source = str(numeric_csv[0]) if data == "file" else data
    err = refused(capsys, ["fit", source, "--seed", "3"])
    assert "--seed applies to demo:synthetic and to the train/test split" in err
    assert "--test-fraction is 0" in err
    r = run_json(capsys, source, "--seed", "3", "--test-fraction", "0.2", "--solver", "normal")
    assert r["split"]["seed"] == 3


def test_synthetic_seed_also_seeds_the_split(capsys):
    r = run_json(
        capsys, "demo:synthetic", "--m", "50", "--seed", "8", "--test-fraction", "0.2",
        "--solver", "normal",
    )  # fmt: skip
    assert r["split"]["seed"] == 8 and r["m_total"] == 50 and r["m"] == 40


def test_too_large_test_fractions_are_refused(capsys, tmp_path):
    err = refused(capsys, ["fit", "demo:housing", "--test-fraction", "0.95"])
    assert "--test-fraction" in err and "between 0 and 0.9" in err
    tiny = write_csv(tmp_path / "tiny.csv", ["x", "y"], [[1, 2], [2, 4.1], [3, 5.9], [4, 8.2]])
    assert run_json(capsys, str(tiny), "--test-fraction", "0.5")["m"] == 2  # 2 rows train
    err = refused(capsys, ["fit", str(tiny), "--test-fraction", "0.75"])
    assert "leaving 1 to train on" in err and "lower the test fraction" in err


# -- report, history ----------------------------------------------------------------------------


def test_the_text_report_shows_split_metrics_reading_penalty(capsys, numeric_csv):
    path, _, _ = numeric_csv
    argv = ["fit", str(path), "--test-fraction", "0.25", "--seed", "2", "--l1", "200"]
    assert main([*argv, "--alpha", "0.9", "--iterations", "3000", "--predict", "50,0.5,10"]) == 0
    text = capsys.readouterr().out
    assert "split       test set 15 of 60 rows (fraction 0.25, seed 2), training set 45" in text
    assert "scaling was fitted on the training rows only" in text
    assert "held out as the test set" not in text  # said once, in the split line
    header = next(ln for ln in text.splitlines() if ln.startswith("metrics"))
    assert "training" in header and "test" in header and "units of y" in header
    for label in ("J", "MSE", "RMSE", "MAE", "R²"):
        assert any(ln.split()[:1] == [label] for ln in text.splitlines()), label
    assert "reading     typical error about ±" in text and "15 unseen rows" in text
    zeroed = run_json(capsys, *argv[1:], "--alpha", "0.9", "--iterations", "3000")["penalty"]
    assert zeroed["zeroed"] and "a" not in zeroed["zeroed"]
    assert "penalty     L1 λ = 200 (lasso) on the scaled coefficients" in text
    assert f"set to 0 by L1: {', '.join(zeroed['zeroed'])}" in text
    assert "+ λ/m·Σ|w_j| (L1 λ = 200), the penalty included" in text
    assert "predict     y: ŷ = " in text and "a = 50, b = 0.5, c = 10" in text


def test_history_has_the_test_cost_column(capsys, tmp_path):
    hist = tmp_path / "h.csv"
    r = run_json(
        capsys, "demo:housing", "--test-fraction", "0.2", "--history", str(hist),
        "--iterations", "50",
    )  # fmt: skip
    rows = list(csv.reader(hist.open()))
    assert rows[0][-1] == "test_cost" and len(rows) == 52
    assert_allclose(float(rows[-1][-1]), r["metrics"]["test"]["cost"], rtol=1e-12)
    assert float(rows[1][-1]) > float(rows[-1][-1])  # it falls while training
    run_json(capsys, "demo:housing", "--history", str(hist), "--iterations", "5")
    assert "test_cost" not in next(csv.reader(hist.open()))
