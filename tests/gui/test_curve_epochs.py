"""The learning curve's x-axis choice (ViewSettings.curve_x, issue 11): iterations or epochs.
A mini-batch run of B rows on m makes ⌈m/B⌉ updates per epoch; a full-batch run one."""

from __future__ import annotations

import numpy as np
import pytest

from gui_app.classroom.settings_bridge import apply_settings, read_settings
from tests.gui.test_optimizer_lessons_gui import play

TIMEOUT = 60_000


def _run(window, qtbot, solver: str, batch: int = 0, iterations: int = 50):
    """Run ``solver`` on the housing demo (m = 100) for ``iterations``; its curve's x data."""
    c = window.controls
    c.solver_combo.setCurrentIndex(c.solver_combo.findData(solver))
    if batch:
        c.optimizer_box.batch_spin.setValue(batch)
    c.iterations_spin.setValue(iterations)
    c.tolerance_edit.setText("0")
    c.set_alpha(0.01)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.run_button.click()
    assert blocker.args[0].iteration == iterations
    return window.learning.curves[-1]


def _choose(window, mode: str) -> None:
    combo = window.learning.x_combo
    combo.setCurrentIndex(combo.findData(mode))


def _x(curve) -> np.ndarray:
    return np.asarray(curve.xData, float)  # all points (getData: as downsampled for display)


def _axis_label(window) -> str:
    return window.learning.plot.getAxis("bottom").labelText


def test_mini_batch_and_full_batch_curves_convert_to_epochs_and_back(window, qtbot):
    assert window.prepared.problem.m == 100
    assert window.learning.x_mode == "iteration"
    sgd = _run(window, qtbot, "sgd", batch=10)
    sgd_iterations = _x(sgd).copy()
    assert sgd_iterations[-1] == 50
    gd = _run(window, qtbot, "gd")  # the sgd curve stays, faded: an older curve
    gd_iterations = _x(gd).copy()
    assert gd_iterations[-1] == 50

    _choose(window, "epoch")
    assert window.learning.x_mode == "epoch"
    assert _axis_label(window) == "epoch"
    np.testing.assert_allclose(_x(sgd), sgd_iterations * 10 / 100)  # 10 updates per epoch
    np.testing.assert_allclose(_x(gd), gd_iterations)  # one pass per update
    # the x range was reset to hold the longest curve (50 epochs), not kept from before
    _low, high = window.learning.plot.getViewBox().viewRange()[0]
    assert 50 <= high <= 60
    assert read_settings(window)["curve_x"] == "epoch"  # sessions and lessons store it

    _choose(window, "iteration")
    assert _axis_label(window) == "iteration"
    np.testing.assert_allclose(_x(sgd), sgd_iterations)
    np.testing.assert_allclose(_x(gd), gd_iterations)
    assert read_settings(window)["curve_x"] == "iteration"


def test_epoch_range_is_reset_to_the_shorter_axis(window, qtbot):
    sgd = _run(window, qtbot, "sgd", batch=10)
    _choose(window, "epoch")
    assert _x(sgd)[-1] == pytest.approx(5.0)
    high = window.learning.plot.getViewBox().viewRange()[0][1]
    assert 5 <= high < 10  # not the 50 iterations' range


def test_batch_cost_line_converts_with_its_curve(window, qtbot):
    window.controls.batch_cost_check.setChecked(True)
    sgd = _run(window, qtbot, "sgd", batch=10)
    item = sgd.batch_cost_item
    before = np.asarray(item.getData()[0], float).copy()
    _choose(window, "epoch")
    np.testing.assert_allclose(np.asarray(item.getData()[0], float), before / 10)
    _choose(window, "iteration")
    np.testing.assert_allclose(np.asarray(item.getData()[0], float), before)


def test_a_run_after_switching_is_drawn_in_epochs(window, qtbot):
    _choose(window, "epoch")
    sgd = _run(window, qtbot, "sgd", batch=25)  # 4 updates per epoch
    assert _x(sgd)[-1] == pytest.approx(50 / 4)


def test_settings_choose_the_axis(window, qtbot):
    settings = read_settings(window)
    apply_settings(window, {**settings, "curve_x": "epoch"})
    assert window.learning.x_mode == "epoch"
    assert window.learning.x_combo.currentData() == "epoch"
    assert _axis_label(window) == "epoch"
    apply_settings(window, {**settings, "curve_x": "iteration"})
    assert window.learning.x_combo.currentData() == "iteration"


def test_batch_size_lesson_shows_its_runs_over_the_same_epochs(window, qtbot):
    outcome = play(window, qtbot, "7-batch-size")
    assert all(ok for _c, ok, _detail in outcome.claims)
    learning = window.learning
    assert learning.x_mode == "epoch"
    assert _axis_label(window) == "epoch"
    curves = learning.curves[-3:]
    ends = [float(_x(curve)[-1]) for curve in curves]
    # B = 1: 5,000 updates of 1 row; B = 32: 200 updates, ⌈100/32⌉ = 4 per epoch; B = m: 50
    assert ends == pytest.approx([5000 / 100, 200 / 4, 50 / 1])
    iterations = [outcome.records[label].iterations[-1] for label in ("B = 1", "B = 32", "B = m")]
    assert iterations == [5000, 200, 50]  # the runs differ in updates, not in epochs


def test_a_race_draws_each_racer_in_its_own_epochs(window, qtbot):
    from core.settings import RunSettings

    ctl = window.controller
    ctl.race_clear()
    racers = (
        RunSettings(solver="sgd", alpha=0.01, batch_size=10, iterations=100, tolerance=0.0),
        RunSettings(solver="sgd", alpha=0.01, batch_size=30, iterations=100, tolerance=0.0),
        RunSettings(solver="gd", alpha=0.01, iterations=100, tolerance=0.0),
    )
    for run in racers:
        ctl.race_add(run)
    _choose(window, "epoch")
    with qtbot.waitSignal(window.race_finished, timeout=TIMEOUT):
        ctl.race()
    ends = [float(_x(curve)[-1]) for curve in window.learning.curves[-3:]]
    # 100 updates: 10 per epoch (B = 10), ⌈100/30⌉ = 4 per epoch (B = 30), 1 (full batch)
    assert ends == pytest.approx([100 / 10, 100 / 4, 100])
    high = window.learning.plot.getViewBox().viewRange()[0][1]
    assert 100 <= high <= 110  # the axis holds the longest racer, in epochs
    _choose(window, "iteration")
    assert [float(_x(curve)[-1]) for curve in window.learning.curves[-3:]] == [100, 100, 100]
