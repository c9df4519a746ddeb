"""Sessions, exports and the model summary carry the split, the metrics, λ and the model
(issue 12, item 8): round trips, older sessions, bad values named, numbers computed here."""

from __future__ import annotations

import copy
import csv
import io
import json

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from core import settings
from core.builder import build_dataset, build_problem
from core.errors import InputError
from core.evaluation.predictor import Predictor
from core.run_report import history_csv_text
from core.session import (
    RunRecord,
    Session,
    export_history,
    load_session,
    model_summary,
    parse_session,
    save_session,
    session_to_json,
)
from core.solvers import run_solver

FRACTION, SEED, L2 = 0.25, 3, 2.0


def problem_of(**changes):
    s = settings.Settings.from_flat({**settings.defaults(), **changes})
    return build_problem(build_dataset(s.data), s.model, seed=s.data.seed)


@pytest.fixture(scope="module")
def ridge_run():
    """Gradient descent with ridge on the housing demo, a quarter of the rows held out."""
    problem = problem_of(test_fraction=FRACTION, seed=SEED, l2=L2)
    snaps = list(
        run_solver(problem, "gd", alpha=0.5, iterations=3000, tolerance=0, report_every=100)
    )
    record = RunRecord.from_snapshots("ridge", "gd", 0.5, snaps, problem.parameter_names, problem)
    return problem, snaps, record


def by_hand(problem):
    """Training and test rows, z-scored by the training rows (NumPy), and scikit-learn's Ridge
    on them, as the split's and the penalty's documentation define them."""
    ds = problem.source
    m = ds.y.size
    held = np.sort(np.random.default_rng(SEED).permutation(m)[: round(FRACTION * m)])
    train = np.setdiff1d(np.arange(m), held)
    mu, sd = ds.X[train].mean(axis=0), ds.X[train].std(axis=0)
    Z = (ds.X - mu) / sd
    return train, held, Z, Ridge(alpha=L2).fit(Z[train], ds.y[train])


def test_a_run_record_carries_split_metrics_penalty_and_model(ridge_run):
    problem, snaps, record = ridge_run
    train, held, Z, ridge = by_hand(problem)
    y = problem.source.y
    assert record.split == {"fraction": FRACTION, "seed": SEED, "test_rows": held.tolist()}
    assert record.penalty == {"l2": L2, "l1": 0.0, "zeroed": []}
    for part, rows in (("train", train), ("test", held)):
        got, y_hat = record.metrics[part], ridge.predict(Z[rows])
        assert got["rows"] == rows.size
        assert got["mse"] == pytest.approx(mean_squared_error(y[rows], y_hat), rel=1e-8)
        assert got["rmse"] ** 2 == pytest.approx(got["mse"], rel=1e-12)
        assert got["cost"] == pytest.approx(got["mse"] / 2, rel=1e-12)
        assert got["mae"] == pytest.approx(mean_absolute_error(y[rows], y_hat), rel=1e-8)
        assert got["r2"] == pytest.approx(r2_score(y[rows], y_hat), rel=1e-8)
    # the model predicts as the Ridge does, from raw feature values
    house = np.array([1200.0, 3.0, 1.0, 40.0])
    mu, sd = problem.source.X[train].mean(axis=0), problem.source.X[train].std(axis=0)
    expected = ridge.predict(((house - mu) / sd)[None])[0]
    predicted = Predictor.from_dict(record.model).predict(house[None])[0]
    assert predicted == pytest.approx(expected, rel=1e-8)
    # the test cost of each point is 1/(2·m_test)·Σe² on the held-out rows, at its parameters
    for snap, cost in zip(snaps, record.test_costs, strict=True):
        e = problem.source.X[held] @ snap.w + snap.b - y[held]
        assert cost == pytest.approx(e @ e / (2 * held.size), rel=1e-9)


def test_a_session_round_trips_the_new_keys(tmp_path, ridge_run):
    _, _, record = ridge_run
    values = {**settings.defaults(), "test_fraction": FRACTION, "seed": SEED, "l2": L2}
    path = tmp_path / "s.json"
    save_session(path, Session(values, (record,)))
    data = json.loads(path.read_text())
    run = data["runs"][0]
    for key in ("split", "metrics", "penalty", "model"):
        assert run[key] == getattr(record, key), key
    assert len(run["test_costs"]) == len(run["costs"])
    again = load_session(path)
    assert again.runs == (record,) and again.settings == values


def test_the_new_settings_round_trip_through_the_flat_settings(tmp_path):
    values = {**settings.defaults(), "test_fraction": 0.3, "seed": 7, "l2": 2.5, "l1": 0.125}
    flat = settings.Settings.from_flat(values).flat()
    assert {k: flat[k] for k in ("test_fraction", "seed", "l2", "l1")} == {
        "test_fraction": 0.3,
        "seed": 7,
        "l2": 2.5,
        "l1": 0.125,
    }
    path = tmp_path / "s.json"
    save_session(path, Session(values))
    assert load_session(path).settings == values


def test_an_older_session_without_the_keys_still_loads(ridge_run):
    _, _, record = ridge_run
    data = session_to_json(Session(settings.defaults(), (record,)))
    for key in ("split", "metrics", "penalty", "model", "test_costs"):
        del data["runs"][0][key]
    old = parse_session(data, "old.json").runs[0]
    assert (old.split, old.metrics, old.penalty, old.model, old.test_costs) == (
        None,
        None,
        None,
        None,
        (),
    )
    assert old.params == record.params
    assert "test set" not in model_summary(old, "price ($1000s)")  # nothing to say


BAD = [
    (("split", "fraction"), 2, "split: 'fraction'"),
    (("split", "fraction"), 0, "split: 'fraction'"),
    (("split", "seed"), -1, "split: 'seed'"),
    (("split", "test_rows"), [3, 1], "split: 'test_rows' must be sorted"),
    (("split", "test_rows"), [-1, 2], "split: 'test_rows'"),
    (("split", "test_rows"), ["1"], "split: 'test_rows'"),
    (("split",), {"fraction": 0.25}, "split: missing field 'seed'"),
    (("metrics", "train", "rmse"), -1.0, "metrics: train: 'rmse'"),
    (("metrics", "test", "r2"), 1.5, "metrics: test: 'r2'"),
    (("metrics", "test", "mae"), "nan", "metrics: test: 'mae'"),
    (("metrics", "train", "rows"), 0, "metrics: train: 'rows'"),
    (("metrics",), {"train": None}, "metrics: missing field 'test'"),
    (("penalty", "l2"), -1, "penalty: 'l2'"),
    (("penalty", "l1"), True, "penalty: 'l1'"),
    (("penalty", "zeroed"), [1], "penalty: 'zeroed'"),
    (("model",), {"format": "something else"}, "model: not a saved model"),
    (("model", "coefficients"), [1.0], "model: 1 coefficients"),
    (("test_costs",), [1.0], "'test_costs' must hold one number per point"),
]


@pytest.mark.parametrize(("where", "value", "message"), BAD, ids=[m for _, _, m in BAD])
def test_bad_values_of_the_new_keys_are_named(ridge_run, where, value, message):
    _, _, record = ridge_run
    data = copy.deepcopy(session_to_json(Session(settings.defaults(), (record,))))
    target = data["runs"][0]
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(InputError, match=r"bad\.json: runs\[0\]: " + message.replace("(", r"\(")):
        parse_session(data, "bad.json")


def test_history_exports_carry_the_test_cost_and_the_split(tmp_path, ridge_run):
    _, _, record = ridge_run
    text = history_csv_text(record)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any(f"{len(record.split['test_rows'])} rows held out" in c for c in comments)
    assert any("L2 λ = 2" in c for c in comments)
    rmse = record.metrics["test"]["rmse"]
    assert any(f"test set: {record.metrics['test']['rows']} rows" in c for c in comments)
    assert any(f"RMSE {rmse:.10g}" in c for c in comments)
    rows = list(csv.reader(io.StringIO(text), lineterminator="\n"))[len(comments) :]
    assert rows[0][:3] == ["iteration", "cost", "test cost"]
    assert [float(r[2]) for r in rows[1:]] == list(record.test_costs)
    export_history(tmp_path / "h.json", [record])
    run = json.loads((tmp_path / "h.json").read_text())["runs"][0]
    assert run["split"]["test_rows"] == record.split["test_rows"]
    assert run["metrics"] == record.metrics and run["penalty"]["l2"] == L2


def test_a_run_without_a_test_set_or_penalty_exports_plain_csv():
    problem = problem_of()
    snaps = list(run_solver(problem, "normal"))
    record = RunRecord.from_snapshots(
        "plain", "normal", None, snaps, problem.parameter_names, problem
    )
    assert record.split is None and record.test_costs == ()
    assert record.metrics["test"] is None
    assert history_csv_text(record).splitlines()[0].startswith("iteration,cost,size")


def test_the_model_summary_shows_split_metrics_reading_and_lambda(ridge_run):
    _, _, record = ridge_run
    text = model_summary(record, "price ($1000s)")
    test, train = record.metrics["test"], record.metrics["train"]
    assert f"{test['rmse']:.6g}" in text and f"{train['rmse']:.6g}" in text
    assert "RMSE ($1000s)" in text and "MAE ($1000s)" in text
    assert f"reading: typical error about ±{test['rmse']:.3g} ($1000s) on 25 unseen rows" in text
    assert "L2 λ = 2" in text and "fraction 0.25, seed 3" in text
    assert text.splitlines()[2].startswith("price ($1000s) ≈")  # the line the window shows


def test_l1_zeroed_coefficients_are_named():
    problem = problem_of(source="curve", degree=4, l1=200.0)
    snaps = list(run_solver(problem, "gd", alpha=0.5, iterations=2000, tolerance=0))
    record = RunRecord.from_snapshots("lasso", "gd", 0.5, snaps, problem.parameter_names, problem)
    w_s = snaps[-1].w_scaled
    expected = [n for n, v in zip(problem.feature_names, w_s, strict=True) if v == 0]
    assert expected and record.penalty["zeroed"] == expected
    assert "zeroed by L1" in model_summary(record, "stopping distance (m)")


def test_a_diverged_run_has_no_model_and_still_saves(tmp_path):
    problem = problem_of(test_fraction=0.2)
    snaps = list(run_solver(problem, "gd", alpha=50 * problem.alpha_max, iterations=2000))
    assert snaps[-1].diverged
    record = RunRecord.from_snapshots("boom", "gd", 1.0, snaps, problem.parameter_names, problem)
    assert record.model is None and record.split is not None
    path = tmp_path / "s.json"
    save_session(path, Session(settings.defaults(), (record,)))
    assert load_session(path).runs[0].model is None
