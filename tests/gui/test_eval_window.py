"""Evaluating in the window (issue 12, items 1–5): the test set and λ controls, the metrics
of the model on screen, the test cost on the learning curve, train/test marks and residual
bars in the data view, the prediction box, and the refusal of L1 with a solver that cannot
train it. Expected numbers are computed here with NumPy from the data, not by the product.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.builder import build_dataset
from core.settings import DataSettings, Settings
from gui_app.explore.shown_model import Judge, shown_model
from gui_app.explore.worker import RunWorker
from gui_app.widgets import set_combo_data

TIMEOUT = 20_000


@pytest.fixture
def runner():
    worker = RunWorker(sync=True)
    yield worker
    worker.shutdown()


def _housing():
    ds = build_dataset(DataSettings())
    return np.asarray(ds.X, np.float64), np.asarray(ds.y, np.float64)


def _metrics(y, y_hat):
    e = y_hat - y
    mse = np.mean(e**2)
    r2 = 1 - np.sum(e**2) / np.sum((y - y.mean()) ** 2)
    return {"mse": mse, "rmse": np.sqrt(mse), "mae": np.mean(np.abs(e)), "r2": r2}


def test_test_fraction_holds_rows_out_and_the_metrics_are_those_of_the_test_rows(ctl, runner):
    m_all = ctl.state.prepared.problem.m
    ctl.settings_changed(ctl.state.settings.replace(test_fraction=0.25, seed=3, solver="normal"))
    ctl.prepare_now()
    runner.drain()
    problem = ctl.state.prepared.problem
    test_rows = problem.split.test_rows
    assert len(test_rows) == math.ceil(0.25 * m_all - 1e-9) and problem.m == m_all - len(test_rows)
    assert ctl.run() is not None
    runner.drain()
    snap = ctl.state.current.final
    # independently: least squares on the training rows of the raw data, judged on the rest
    X, y = _housing()
    train = np.setdiff1d(np.arange(m_all), test_rows)
    A = np.column_stack([X, np.ones(m_all)])
    theta = np.linalg.lstsq(A[train], y[train], rcond=None)[0]
    np.testing.assert_allclose(np.append(snap.w, snap.b), theta, rtol=1e-8)
    judged = Judge().of(shown_model(ctl.state))
    want = _metrics(y[test_rows], A[test_rows] @ theta)
    got = judged.evaluation.test
    assert got.rows == len(test_rows)
    for key, value in want.items():
        assert getattr(got, key) == pytest.approx(value, rel=1e-9), key
    assert got.cost == pytest.approx(want["mse"] / 2, rel=1e-9)
    assert judged.evaluation.train.rmse == pytest.approx(
        _metrics(y[train], A[train] @ theta)["rmse"], rel=1e-9
    )
    assert "unseen" in judged.reading and "$1000s" in judged.reading


def test_the_numbers_panel_shows_train_and_test_metrics_and_the_reading(window, qtbot):
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.controls.evaluation_box.fraction_spin.setValue(0.2)
    assert window.state.prepared.problem.split is not None
    set_combo_data(window.controls.solver_combo, "normal")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.run_button.click()
    snap = blocker.args[0]
    problem = window.state.prepared.problem
    X, y = _housing()
    rows = problem.split.test_rows
    y_hat = X[rows] @ snap.w + snap.b
    want = _metrics(y[rows], y_hat)
    text = window.numbers.numbers.text()
    assert "training" in text and "test" in text and "RMSE" in text and "in $1000s" in text
    assert f"{want['rmse']:.4g}" in text and f"{want['r2']:.4g}" in text
    assert f"{want['mae']:.4g}" in text
    assert "unseen rows (the test set)" in text
    # a new model clears the metrics: none of the old model stays under the new labels
    window.controls.degree_spin.setValue(2)
    qtbot.waitUntil(lambda: "Errors of this model" not in window.numbers.numbers.text())


def test_the_learning_curve_draws_the_test_cost_next_to_the_training_cost(window, qtbot):
    controls = window.controls
    controls.evaluation_box.fraction_spin.setValue(0.3)
    controls.evaluation_box.l2_combo.setCurrentText("1")
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        controls.evaluation_box.l2_combo.lineEdit().editingFinished.emit()
    problem = window.state.prepared.problem
    assert problem.split is not None and problem.penalty.l2 == 1
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        controls.run_button.click()
    snap = blocker.args[0]
    curve = window.learning.curves[-1]
    it, test_cost = window.learning.test_cost_of(curve)
    assert len(it) > 10 and it[-1] == snap.iteration
    assert test_cost[-1] == pytest.approx(snap.test_cost, rel=1e-12)
    # the test cost is the held-out rows' 1/(2k)·Σe², computed here from the raw data
    X, y = _housing()
    rows = window.state.prepared.problem.split.test_rows
    e = X[rows] @ snap.w + snap.b - y[rows]
    assert snap.test_cost == pytest.approx(0.5 * np.mean(e**2), rel=1e-9)
    legend = window.learning.legend_texts()
    assert "training cost J (with penalty)" in legend and "test cost" in legend


def test_lambda_changes_the_alpha_max_shown(window, qtbot):
    problem = window.state.prepared.problem
    before = window.state.prepared.alpha_max
    label = window.controls.alpha_max_label
    assert f"{before:.4g}" in label.text()
    window.controls.evaluation_box.l2_combo.setCurrentText("100")
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.controls.evaluation_box.l2_combo.lineEdit().editingFinished.emit()
    # independently: 2 / λ_max of AᵀA/m + (λ/m)·diag(1, …, 1, 0) on the scaled design
    A = np.column_stack([np.asarray(problem.X), np.ones(problem.m)])
    G = A.T @ A / problem.m + (100 / problem.m) * np.diag([1.0] * problem.n + [0.0])
    expected = 2 / np.linalg.eigvalsh(G)[-1]
    assert window.state.prepared.alpha_max == pytest.approx(expected, rel=1e-9)
    assert expected < before and f"{expected:.4g}" in label.text()


def test_prediction_box_predicts_as_least_squares_on_the_raw_design(window, qtbot):
    box = window.controls.predict_box
    assert not box.predict_button.isEnabled() and "no model" in box.reason.text()
    set_combo_data(window.controls.solver_combo, "normal")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    qtbot.waitUntil(lambda: box.predict_button.isEnabled())
    assert [w.accessibleName() for w in box.inputs] == [f.name for f in box.predictor.fields]
    box.set_values(["1200", "3", "1", "40"])
    X, y = _housing()
    A = np.column_stack([X, np.ones(len(y))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    expected = np.array([1200, 3, 1, 40, 1.0]) @ theta
    assert box.y_hat == pytest.approx(expected, rel=1e-9)
    assert 310 < expected < 325  # the course's houses example: about $318,709
    assert "$1000s" in box.result.text()
    box.set_values(["9000", "3", "1", "40"])
    assert "extrapolates" in box.result.text()
    box.set_values(["big", "3", "1", "40"])
    assert box.y_hat is None and "not a number" in box.result.text()
    # another model: the old one predicts no more
    window.controls.degree_spin.setValue(2)
    qtbot.waitUntil(lambda: not box.predict_button.isEnabled(), timeout=TIMEOUT)
    assert box.predictor is None and box.result.text() == ""


def test_prediction_box_offers_the_levels_of_a_categorical_column(window, qtbot, tmp_path):
    path = tmp_path / "shop.csv"
    rng = np.random.default_rng(0)
    regions = ["north", "south", "east"]
    lines = ["size,region,price"]
    rows = []
    for k in range(40):
        size, region = 50 + 3 * k, regions[k % 3]
        price = 2 * size + {"north": 10, "south": -5, "east": 0}[region] + rng.normal()
        rows.append((size, region, price))
        lines.append(f"{size},{region},{price:.6f}")
    path.write_text("\n".join(lines) + "\n")
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(path), {"categorical": ("region",)})
    set_combo_data(window.controls.solver_combo, "normal")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    box = window.controls.predict_box
    qtbot.waitUntil(lambda: box.predict_button.isEnabled())
    combo = box.inputs[1]
    assert sorted(combo.itemText(k) for k in range(combo.count())) == sorted(regions)
    box.set_values(["80", "south"])
    # independently: least squares on size and one indicator per level (one-hot, full rank
    # with the intercept when one level is left out)
    size = np.array([r[0] for r in rows], float)
    price = np.array([r[2] for r in rows])
    ind = np.array([[r[1] == lv for lv in regions[1:]] for r in rows], float)
    A = np.column_stack([size, ind, np.ones(len(rows))])
    theta = np.linalg.lstsq(A, price, rcond=None)[0]
    expected = np.array([80, 1.0, 0.0, 1.0]) @ theta  # south
    assert box.y_hat == pytest.approx(expected, rel=1e-8)


def test_data_view_marks_test_rows_and_draws_one_residual_bar_per_point(window, qtbot):
    view = window.data_view
    window.controls.evaluation_box.fraction_spin.setValue(0.2)
    qtbot.waitUntil(
        lambda: (
            window.state.prepared is not None and window.state.prepared.problem.split is not None
        ),
        timeout=TIMEOUT,
    )
    problem = window.state.prepared.problem
    assert len(view.test_points.data) == problem.split.m_test
    assert len(view.data_points.data) == problem.m
    set_combo_data(window.controls.solver_combo, "normal")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.run_button.click()
    snap = blocker.args[0]
    assert view.residual_count() == 0
    view.residual_check.setChecked(True)
    assert view.residual_count() == view.points_shown() == problem.source.m
    # each bar joins a point to the model's prediction for it
    x, ends = view.residual_bars.getData()
    k = view.feature_combo.currentIndex()
    X, y = _housing()
    row = int(np.flatnonzero(X[:, k] == x[0])[0])
    assert sorted(ends[:2]) == pytest.approx(sorted([y[row], X[row] @ snap.w + snap.b]))
    legend = [label.text for _s, label in view.fit_plot.legend.items]
    assert "test y (held out)" in legend and "residual ŷ − y" in legend
    # a new model: no bar of the old model stays
    window.controls.degree_spin.setValue(2)
    qtbot.waitUntil(lambda: view.residual_count() == 0, timeout=TIMEOUT)


def test_l1_with_adam_is_refused_with_a_message_not_a_traceback(window, qtbot, capsys):
    controls = window.controls
    controls.evaluation_box.l1_combo.setCurrentText("1")
    controls.evaluation_box.l1_combo.lineEdit().editingFinished.emit()
    set_combo_data(controls.solver_combo, "adam")
    assert not controls.run_button.isEnabled()
    assert "cannot be trained by adam" in controls.evaluation_box.refusal.text().lower()
    assert "adam" in controls.run_button.toolTip().lower()
    qtbot.waitUntil(lambda: window.state.settings.model.l1 == 1.0 and window.prepared)
    assert window.run() is None  # F5 or a lesson: refused, with the reason
    assert window.message_kind == "error"
    assert "L1 penalty" in window.message.text() and "adam" in window.message.text().lower()
    assert window.state.current is None
    assert "Traceback" not in capsys.readouterr().err
    set_combo_data(controls.solver_combo, "sgd")
    assert controls.run_button.isEnabled() and not controls.evaluation_box.refusal.isVisible()


def test_l1_zeroes_coefficients_and_the_numbers_name_them(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(l1=2e4, solver="gd", iterations=20_000))
    ctl.prepare_now()
    runner.drain()
    assert ctl.run() is not None
    runner.drain()
    snap = ctl.state.current.final
    judged = Judge().of(shown_model(ctl.state))
    names = ctl.state.prepared.problem.feature_names
    zero = [names[k] for k in np.flatnonzero(np.asarray(snap.w_scaled) == 0)]
    assert zero and judged.zeroed == tuple(zero)


def test_the_seed_of_the_test_set_is_the_data_seed(window, qtbot):
    controls = window.controls
    controls.evaluation_box.seed_spin.setValue(7)
    assert controls.seed_spin.value() == 7
    qtbot.waitUntil(lambda: window.state.settings.data.seed == 7)
    controls.seed_spin.setValue(4)
    assert controls.evaluation_box.seed_spin.value() == 4
    shown = Settings().replace(seed=11, test_fraction=0.4, l2=0.5)
    controls.set_settings(shown)
    box = controls.evaluation_box
    assert box.seed_spin.value() == 11 and box.fraction_spin.value() == 0.4
    assert box.l2_combo.currentText() == "0.5"
    read = controls.settings(Settings())
    assert read.data.seed == 11 and read.model.test_fraction == 0.4 and read.model.l2 == 0.5
    box.l2_combo.setCurrentText("lots")
    box.l2_combo.lineEdit().editingFinished.emit()
    with pytest.raises(ValueError, match="L2"):
        controls.settings(Settings(), strict=True)
    assert not controls.run_button.isEnabled()
    assert "L2 λ (ridge) must be a number" in box.refusal.text() and "lots" in box.refusal.text()
    assert window.run() is None and "L2 λ (ridge) must be a number" in window.message.text()


def test_a_big_design_is_judged_when_its_run_stops_not_at_every_redraw():
    from core.builder import build_problem
    from core.settings import ModelSettings
    from core.solvers import run_solver
    from gui_app.explore.shown_model import LIVE_EVALUATION_ENTRIES, ShownModel

    data = DataSettings(source="synthetic", m=12_000, n=20, seed=1)
    problem = build_problem(build_dataset(data), ModelSettings(test_fraction=0.1), seed=1)
    assert problem.m * problem.n > LIVE_EVALUATION_ENTRIES
    snaps = list(run_solver(problem, "gd", alpha=0.1, iterations=3, report_every=1))
    running, final = snaps[1], snaps[-1]
    assert not running.final and final.final
    judge = Judge()
    assert judge.of(ShownModel(running, problem, "gd"), live=True) is None
    paused = judge.of(ShownModel(running, problem, "gd"), live=False)
    e = problem.test.X_scaled @ running.w_scaled + running.b_scaled - problem.test.y
    assert paused.evaluation.test.mse == pytest.approx(np.mean(e**2), rel=1e-9)
    assert judge.of(ShownModel(final, problem, "gd"), live=True) is not None
