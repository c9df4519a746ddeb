"""The Evaluate tab (issue 12, items 3 and 6): residual plots of the model on screen, the
degree sweep and the regularisation path computed on the window's runner, with Cancel."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from core.builder import build_dataset
from core.data.split import split_rows
from core.evaluation.sweeps import degree_sweep, lambda_grid, regularisation_path
from core.settings import DataSettings, ModelSettings
from gui_app.classroom.settings_bridge import apply_settings

TIMEOUT = 60_000
# the lesson's data: stopping distances, 30 % held out with seed 1 (test RMSE lowest at 2)
LESSON = {"source": "curve", "test_fraction": 0.3, "seed": 1}


def _points(curve) -> int:
    return 0 if curve.yData is None else curve.yData.size  # (setData of nothing: None)


def _prepare(window, qtbot, **values) -> None:
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        apply_settings(window, {**LESSON, **values})
    assert window.state.prepared_matches()


def _run_normal(window, qtbot):
    combo = window.controls.solver_combo
    combo.setCurrentIndex(combo.findData("normal"))
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.run()
    return blocker.args[0]


def _sweep(window, qtbot, max_degree: int):
    view = window.evaluate
    view.max_degree.setValue(max_degree)
    with qtbot.waitSignal(window.worker.sweep_finished, timeout=TIMEOUT) as blocker:
        view.buttons["degree"][0].click()
    return blocker.args[1].result


def test_residual_plots_show_the_model_on_screen(window, qtbot):
    from sklearn.linear_model import LinearRegression

    _prepare(window, qtbot)
    view = window.evaluate
    assert "No run on screen" in view.model_note.text()
    _run_normal(window, qtbot)
    window.tabs.setCurrentWidget(view)
    # independently: a straight line fitted by scikit-learn on the same training rows
    data = build_dataset(DataSettings(source="curve"))
    split = split_rows(data.X.shape[0], 0.3, 1)
    fit = LinearRegression().fit(data.X[split.train_rows], data.y[split.train_rows])
    for part, rows in (("train", split.train_rows), ("test", split.test_rows)):
        y, y_hat = data.y[rows], fit.predict(data.X[rows])
        x, r = view.points["resid"][part].getData()
        # the same points in any order: sorted by prediction, then residual (equal speeds)
        order, expected = np.lexsort((r, x)), np.lexsort((y_hat - y, y_hat))
        np.testing.assert_allclose(x[order], y_hat[expected], rtol=1e-9)
        np.testing.assert_allclose(r[order], (y_hat - y)[expected], rtol=1e-9, atol=1e-9)
        actual, predicted = view.points["pva"][part].getData()
        np.testing.assert_allclose(np.sort(actual), np.sort(y), rtol=1e-12)
        np.testing.assert_allclose(np.sort(predicted), np.sort(y_hat), rtol=1e-9)
    # training rows filled, test rows hollow
    no_fill = Qt.BrushStyle.NoBrush
    assert view.points["resid"]["train"].opts["brush"].style() != no_fill
    assert view.points["resid"]["test"].opts["brush"].style() == no_fill
    assert "(m)" in view.resid.getPlotItem().getAxis("left").labelText
    # a new model: nothing of the old run stays
    _prepare(window, qtbot, degree=2)
    assert view.points["resid"]["train"].getData()[0].size == 0
    assert "No run on screen" in view.model_note.text()


def test_degree_sweep_draws_the_core_result_and_marks_the_best_degree(window, qtbot):
    _prepare(window, qtbot)
    view = window.evaluate
    result = _sweep(window, qtbot, 6)
    expected = degree_sweep(
        build_dataset(DataSettings(source="curve")),
        ModelSettings(test_fraction=0.3),
        range(1, 7),
        seed=1,
    )
    np.testing.assert_allclose(result.test_rmse, expected.test_rmse, rtol=1e-12)
    np.testing.assert_allclose(view.sweep_train.yData, expected.train_rmse, rtol=1e-12)
    np.testing.assert_allclose(view.sweep_test.yData, expected.test_rmse, rtol=1e-12)
    np.testing.assert_array_equal(view.sweep_test.xData, np.arange(1, 7))
    assert view.best_degree.isVisible() and view.best_degree.value() == 2
    assert "degree 2" in view.notes["degree"].text()
    assert view.bars["degree"].value() == 6
    assert view.buttons["degree"][0].isEnabled() and not view.buttons["degree"][1].isEnabled()


def test_ridge_path_draws_the_core_result(window, qtbot):
    _prepare(window, qtbot, degree=6)
    view = window.evaluate
    view.lambda_lo.setText("1e-3")
    view.lambda_hi.setText("1e3")
    view.lambda_count.setValue(7)
    with qtbot.waitSignal(window.worker.sweep_finished, timeout=TIMEOUT):
        view.buttons["path"][0].click()
    expected = regularisation_path(
        build_dataset(DataSettings(source="curve")),
        ModelSettings(degree=6, test_fraction=0.3),
        lambda_grid(1e-3, 1e3, 7),
        seed=1,
    )
    np.testing.assert_allclose(view.path_test.yData, expected.test_rmse, rtol=1e-10)
    assert len(view.coef_lines) == 6
    np.testing.assert_allclose(view.coef_lines[0].yData, expected.coef_scaled[:, 0], rtol=1e-9)
    assert view.best_lambda["rmse"].value() == np.log10(expected.best_lambda)


def test_cancel_stops_the_sweep_and_leaves_the_window_usable(window, qtbot):
    _prepare(window, qtbot, degree=10)
    view = window.evaluate
    view.penalty.setCurrentIndex(view.penalty.findData("l1"))  # slow: proximal gd per λ
    view.lambda_count.setValue(40)
    with qtbot.waitSignal(window.worker.sweep_progress, timeout=TIMEOUT):
        view.buttons["path"][0].click()
    assert view.buttons["path"][1].isEnabled() and not view.buttons["degree"][0].isEnabled()
    assert _points(view.path_test) >= 1  # drawn while it runs
    assert "of 40 done" in view.notes["path"].text()
    with qtbot.waitSignal(window.worker.sweep_finished, timeout=TIMEOUT) as blocker:
        view.buttons["path"][1].click()
    path = blocker.args[1].result
    assert path.cancelled and len(path.lambdas) < 40
    assert "cancelled" in view.notes["path"].text()
    assert view.buttons["path"][0].isEnabled() and not view.buttons["path"][1].isEnabled()
    snap = _run_normal(window, qtbot)  # the runner takes the next job
    assert snap.status == "solved"


def test_a_run_replaces_a_sweep_in_flight_and_a_data_change_clears_stale_curves(window, qtbot):
    _prepare(window, qtbot)
    view = window.evaluate
    _sweep(window, qtbot, 5)
    assert _points(view.sweep_test) == 5
    # the data changes: the curves of the old data go, the note says why
    _prepare(window, qtbot, seed=2)
    assert _points(view.sweep_test) == 0 and not view.best_degree.isVisible()
    assert "changed" in view.notes["degree"].text()
    # the degree is the swept setting: changing it keeps the sweep
    _sweep(window, qtbot, 5)
    _prepare(window, qtbot, seed=2, degree=3)
    assert _points(view.sweep_test) == 5
    # a run started during a sweep takes the runner: the sweep stops, the note says so
    view.penalty.setCurrentIndex(view.penalty.findData("l1"))
    view.lambda_count.setValue(40)
    _prepare(window, qtbot, seed=2, degree=10)
    with qtbot.waitSignal(window.worker.sweep_progress, timeout=TIMEOUT):
        view.buttons["path"][0].click()
    assert _run_normal(window, qtbot).status == "solved"
    assert "Stopped" in view.notes["path"].text() and view.buttons["path"][0].isEnabled()


def test_sweep_without_a_test_set_says_one_is_needed(window, qtbot):
    _prepare(window, qtbot, test_fraction=0.0)
    result = _sweep(window, qtbot, 3)
    assert not result.has_test
    assert "test set is needed" in window.evaluate.notes["degree"].text()
    assert not window.evaluate.best_degree.isVisible()
    assert _points(window.evaluate.sweep_test) == 0 and _points(window.evaluate.sweep_train) == 3


def test_a_model_with_non_finite_predictions_draws_no_residuals(qtbot):
    from types import SimpleNamespace

    from core.builder import build_problem
    from gui_app.explore.views.evaluate import EvaluateView

    view = EvaluateView()
    qtbot.addWidget(view)
    data = build_dataset(DataSettings(source="curve"))
    problem = build_problem(data, ModelSettings(test_fraction=0.3), seed=1)
    good = SimpleNamespace(w_scaled=np.array([20.0]), b_scaled=60.0)
    view.show_model(problem, good, "a line")
    assert _scatter(view, "train") == problem.m and _scatter(view, "test") == 24
    view.show_model(problem, SimpleNamespace(w_scaled=np.array([np.inf]), b_scaled=0.0), "GD")
    assert _scatter(view, "train") == 0 and _scatter(view, "test") == 0
    assert "not finite" in view.model_note.text()


def _scatter(view, part: str) -> int:
    return len(view.points["resid"][part].getData()[0])


def test_the_tab_setting_opens_the_evaluate_tab_and_reads_it_back(window):
    """A session saved on the Evaluate tab says so, and opens on it again."""
    from gui_app.classroom.settings_bridge import current_tab, read_settings, show_tab

    show_tab(window, "evaluate")
    assert window.tabs.currentWidget() is window.evaluate
    assert current_tab(window) == "evaluate" and read_settings(window)["tab"] == "evaluate"
    show_tab(window, "explore")
    assert current_tab(window) == "explore" and read_settings(window)["tab"] == "explore"
