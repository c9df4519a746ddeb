"""Watching a step (issue 11, item 4): the speed, Step back, the hover readout, the gradient
arrow, the 3-D tab without OpenGL and the step panel."""

from __future__ import annotations

import re
from unittest.mock import MagicMock

import numpy as np
import pytest

from core.settings import Settings
from gui_app.explore.controller import ExploreController
from gui_app.explore.state import RunStatus
from gui_app.explore.views.contour_watch import hover_text
from gui_app.explore.views.step_panel import step_html
from gui_app.explore.worker import RunWorker
from gui_app.runner import Runner

TIMEOUT = 20_000


# -- speed ---------------------------------------------------------------------------------------
def _pacing_job(answers: list[int]):
    def job_fn(job):
        while not job.cancelled:
            answers.append(job.pace(10))
            yield

    return job_fn


def test_a_finite_speed_paces_one_iteration_per_tick_and_none_returns_full_chunks(qtbot):
    runner = Runner(lambda events: None)
    answers: list[int] = []
    try:
        runner.set_speed(30)
        runner.submit(_pacing_job(answers), pausable=True)
        qtbot.waitUntil(lambda: len(answers) >= 3, timeout=TIMEOUT)
        assert set(answers) == {1}
        runner.set_speed(1)  # a long wait in progress ...
        count = len(answers)
        runner.set_speed(None)  # ... is woken by the change: full chunks again
        qtbot.waitUntil(lambda: 10 in answers[count:], timeout=TIMEOUT)
    finally:
        runner.stop()
        assert runner.shutdown()


def test_a_slow_wait_ends_at_once_when_paused_and_steps_stay_exact(qtbot):
    runner = Runner(lambda events: None)
    answers: list[int] = []
    try:
        runner.set_speed(1)
        runner.submit(_pacing_job(answers), pausable=True)
        qtbot.waitUntil(lambda: len(answers) >= 1, timeout=TIMEOUT)
        runner.set_paused(True)  # wakes the 1-s wait; the job then parks
        count = len(answers)
        runner.step(3)
        qtbot.waitUntil(lambda: sum(answers[count:]) >= 3, timeout=TIMEOUT)
        assert sum(answers[count:]) == 3  # the step budget, not the speed, decides
    finally:
        runner.stop()
        assert runner.shutdown()


def test_speed_applies_to_pausable_jobs_only_and_rejects_bad_values():
    runner = Runner(lambda events: None, sync=True)
    seen: dict[str, int] = {}

    def probe(name):
        def fn(job):
            seen[name] = job.pace(10)

        return fn

    runner.set_speed(5)
    runner.submit(probe("run"), pausable=True)
    runner.drain()
    runner.submit(probe("benchmark"))
    runner.drain()
    assert seen == {"run": 1, "benchmark": 10}
    runner.set_speed(0)  # 0: as fast as possible
    runner.submit(probe("run"), pausable=True)
    runner.drain()
    assert seen["run"] == 10 and runner.speed is None
    for bad in (-1, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            runner.set_speed(bad)
    runner.shutdown()


def test_the_speed_is_a_view_setting_the_controller_hands_to_the_runner(view):
    worker = RunWorker(sync=True)
    try:
        ctl = ExploreController(view, worker)
        ctl.set_speed(5)
        assert ctl.state.settings.view.speed == 5 and worker._runner.speed == 5
        ctl.set_speed(0)
        assert worker._runner.speed is None
        ctl.set_speed(-3)  # refused with a message; the speed stays
        assert ctl.state.settings.view.speed == 0 and "speed" in ctl.state.message.text
    finally:
        worker.shutdown()


# -- step back -----------------------------------------------------------------------------------
@pytest.fixture
def runner():
    worker = RunWorker(sync=True)
    yield worker
    worker.shutdown()


def _paused_after(steps: int, run_changes: dict) -> ExploreController:
    worker = RunWorker(sync=True)
    ctl = ExploreController(MagicMock(), worker)
    ctl.settings_changed(Settings().replace(**run_changes))
    ctl.step(steps)
    worker.drain()
    assert ctl.state.current.last.iteration == steps
    return ctl


def _same_run(a, b) -> None:
    ha, hb = a.history, b.history
    for x, y in (
        (ha.arrays()[0], hb.arrays()[0]),
        (ha.arrays()[1], hb.arrays()[1]),
        (ha.theta.view(), hb.theta.view()),
        (ha.params.view(), hb.params.view()),
        (a.last.w_scaled, b.last.w_scaled),
        (a.last.w, b.last.w),
    ):
        assert np.array_equal(np.asarray(x), np.asarray(y))  # to the bit
    assert a.last.iteration == b.last.iteration
    assert a.last.b_scaled == b.last.b_scaled and a.last.cost == b.last.cost


@pytest.mark.parametrize(
    "run_changes",
    [
        {"solver": "gd", "alpha": 0.1},
        {"solver": "adam", "alpha": 0.05},
        {"solver": "momentum", "alpha": 0.05},
        {"solver": "sgd", "alpha": 0.05, "batch_size": 32, "shuffle_seed": 7},
    ],
    ids=["gd", "adam", "momentum", "sgd-B32"],
)
def test_step_back_equals_a_shorter_run_to_the_bit(run_changes):
    ctl = _paused_after(5, run_changes)
    runs_before = len(ctl.state.runs)
    assert ctl.step_back() is not None
    ctl.runner.drain()
    state = ctl.state
    assert state.status is RunStatus.PAUSED and len(state.runs) == runs_before
    assert state.runs[-1] is state.current
    reference = _paused_after(4, run_changes)
    _same_run(state.current, reference.state.current)
    # the optimizer's state is that of iteration 4 too: one more step equals 5 steps
    ctl.step(1)
    ctl.runner.drain()
    _same_run(state.current, _paused_after(5, run_changes).state.current)
    for c in (ctl, reference):
        c.runner.shutdown()


def test_runs_that_cannot_step_back_say_why(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(solver="normal"))
    ctl.run()
    runner.drain()
    assert ctl.step_back() is None
    assert "Cannot step back" in ctl.state.message.text and "normal" in ctl.state.message.text
    ctl.settings_changed(ctl.state.settings.replace(solver="gd"))
    ctl.run(start_paused=True)  # parked at iteration 0
    runner.drain()
    assert ctl.state.current.last.iteration == 0
    assert ctl.step_back() is None and "iteration 0" in ctl.state.message.text
    assert ctl.state.current.last.iteration == 0  # nothing replayed


def test_step_back_of_a_finished_run_parks_one_iteration_before_its_end(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(iterations=12, tolerance=0.0))
    ctl.run()
    runner.drain()
    assert ctl.state.current.final.iteration == 12
    ctl.step_back()
    runner.drain()
    assert ctl.state.status is RunStatus.PAUSED
    assert ctl.state.current.last.iteration == 11 and ctl.state.current.final is None


# -- hover, gradient -----------------------------------------------------------------------------
def test_hover_names_the_parameters_and_the_cost_there(ctl):
    prep = ctl.state.prepared
    problem = prep.problem
    i, j = ctl.state.pair
    names = ["a"] * problem.n_params
    names[i], names[j] = "first", "second"
    x, y = prep.optimum[i] + 0.7, prep.optimum[j] - 1.3
    text = hover_text(prep, (i, j), names, x, y)
    assert text.startswith(f"first = {x:.4g}\nsecond = {y:.4g}\n")
    assert "other parameters at the optimum" in text
    shown = float(re.search(r"J = (\S+)", text).group(1))
    theta = np.array(prep.optimum, float)
    theta[i], theta[j] = x, y
    w_s = theta[: problem.n]
    b_s = float(theta[problem.n]) if problem.intercept else None
    assert shown == pytest.approx(problem.cost(w_s, b_s), rel=1e-5)  # 6 digits shown


def test_window_hover_gradient_and_step_arrows(window, qtbot):
    state = window.state
    watch = window.contour.watch
    i, j = state.pair
    text = watch.hover_at(1.0, -2.0)
    assert "J = " in text and "= 1\n" in text and "= -2\n" in text
    watch.show_gradient.setChecked(True)
    window.controller.set_speed(30)
    window.controls.step_button.click()
    qtbot.waitUntil(
        lambda: window.last_snapshot is not None and window.last_snapshot.iteration == 1,
        timeout=TIMEOUT,
    )
    window.controls.step_button.click()
    qtbot.waitUntil(lambda: window.last_snapshot.iteration == 2, timeout=TIMEOUT)
    theta = state.current.history.theta.view()
    assert len(theta) == 3  # iterations 0, 1, 2
    last_step = (theta[1, i], theta[1, j], theta[2, i], theta[2, j])
    qtbot.waitUntil(lambda: watch.step_arrow.ends == pytest.approx(last_step), timeout=TIMEOUT)
    # the gradient arrow points along −∇J on the pair (the data's gradient, not the Gram's)
    problem = state.prepared.problem
    gw, gb = problem.gradient(theta[-1, : problem.n], float(theta[-1, -1]))
    g = np.append(gw, gb)
    x0, y0, x1, y1 = watch.gradient_arrow.ends
    assert (x0, y0) == pytest.approx((theta[-1, i], theta[-1, j]))
    drawn = np.array([x1 - x0, y1 - y0])
    want = -np.array([g[i], g[j]])
    assert drawn / np.linalg.norm(drawn) == pytest.approx(want / np.linalg.norm(want), abs=1e-9)
    watch.show_gradient.setChecked(False)
    assert watch.gradient_arrow.ends is None
    window.controller.set_speed(0)
    assert window.controls.run_box.speed() == 0
    window.controls.stop_button.click()


def test_the_3d_tab_without_opengl_says_why_and_the_window_works(window, qtbot):
    view = window.surface3d
    assert view.ensure_view() is False
    assert "OpenGL" in view.label.text() and "offscreen" in view.label.text()
    tabs = view.parentWidget().parentWidget()
    tabs.setCurrentWidget(view)  # showing the tab changes nothing else
    assert view.label.isVisible()
    tabs.setCurrentWidget(window.contour)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    assert len(view.path_points()) == len(window.state.current.history)


# -- step panel ----------------------------------------------------------------------------------
def test_step_panel_shows_the_shapes_of_the_data_on_screen(window, qtbot):
    panel = window.step_panel
    problem = window.state.prepared.problem
    m, n = problem.m, problem.n
    text = panel.toPlainText()
    assert f"{m:,} × {n:,}" in text and "∇w = Xᵀe / m" in text
    c = window.controls
    c.solver_combo.setCurrentIndex(c.solver_combo.findData("adam"))
    qtbot.waitUntil(lambda: "β2 = 0.999" in panel.toPlainText(), timeout=TIMEOUT)
    assert "m′_t = m_t / (1 − β1^t)" in panel.toPlainText()  # no combining hat (issue 11)
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        c.degree_spin.setValue(2)  # other data on screen: more columns
    wider = window.state.prepared.problem.n
    assert wider > n
    qtbot.waitUntil(lambda: f"{m:,} × {wider:,}" in panel.toPlainText(), timeout=TIMEOUT)


def test_step_panel_mini_batch_operands_and_hyper_parameters():
    run = Settings().run
    text = step_html(run.__class__(solver="sgd", batch_size=32, alpha=0.02), 506, 13, True)
    assert "X_B" in text and "32 × 13" in text and "e_B" in text and "α = 0.02" in text
    assert "16 per epoch; the last has 26" in text  # 506 = 15·32 + 26
    full = step_html(run.__class__(solver="sgd", batch_size=0), 506, 13, True)
    assert "X_B" not in full and "506 × 13" in full
    rms = step_html(run.__class__(solver="rmsprop", rho=0.9), 10, 2, False)
    assert "ρ = 0.9" in rms and "ε = 1e-08" in rms and "X·w − y" in rms
    assert "No data yet" in step_html(run, None, None)


def test_a_watched_run_keeps_its_current_point_on_the_contour(window, qtbot):
    c = window.controls
    c.solver_combo.setCurrentIndex(c.solver_combo.findData("momentum"))  # it overshoots
    window.controller.set_speed(10)
    first = window.contour.grid_extent
    i, j = window.state.pair

    def inside(point, extent) -> bool:
        x0, x1, y0, y1 = extent
        return x0 <= point[i] <= x1 and y0 <= point[j] <= y1

    left_the_first_grid = False
    for k in range(1, 13):
        c.step_button.click()
        qtbot.waitUntil(
            lambda k=k: window.last_snapshot is not None and window.last_snapshot.iteration == k,
            timeout=TIMEOUT,
        )
        point = window.state.current.history.theta.view()[-1]
        left_the_first_grid |= not inside(point, first)
        qtbot.waitUntil(lambda p=point: inside(p, window.contour.grid_extent), timeout=TIMEOUT)
    assert left_the_first_grid, "the path should leave the first grid (else this shows nothing)"
    window.controller.set_speed(0)
    c.stop_button.click()
