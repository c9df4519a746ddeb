"""Stop while paused keeps the state on screen; the start point follows model changes.

Found in the real window: Esc while "Paused at iteration 1" said "Stopped by the user after 2
iterations" with other coefficients; and after a click on the contour, a new scaling left the
start-point label on the old training coordinates while the plot drew the start elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.settings import DataSettings, RunSettings
from gui_app.explore.controller import start_theta
from gui_app.explore.state import RunStatus
from gui_app.explore.worker import ModelSpec, RunSpec, RunWorker

TIMEOUT = 15_000


def _paused_spec() -> RunSpec:
    return RunSpec(
        ModelSpec(DataSettings()),
        RunSettings(solver="gd", alpha=0.01, iterations=1_000_000, tolerance=0.0),
        start_paused=True,
    )


def _params(snap) -> np.ndarray:
    return np.append(snap.w, snap.b if snap.b is not None else [])


class Recorder:
    """The snapshots and final snapshot of a RunWorker, in the order emitted."""

    def __init__(self, worker: RunWorker) -> None:
        self.snaps: list = []
        self.final: list = []
        worker.snapshots.connect(lambda _id, batch: self.snaps.extend(batch))
        worker.finished.connect(lambda _id, snap: self.final.append(snap))


def _assert_stopped_on(final, shown) -> None:
    assert final.status == "cancelled"
    assert final.iteration == shown.iteration
    assert final.message == f"Stopped by the user after {shown.iteration} iterations."
    np.testing.assert_array_equal(_params(final), _params(shown))
    assert final.cost == shown.cost


# -- 1. Stop while paused ---------------------------------------------------------------------


def test_sync_worker_stop_while_paused_keeps_the_paused_iteration(qtbot):
    worker = RunWorker(sync=True)
    rec = Recorder(worker)
    try:
        worker.submit("run", _paused_spec())
        worker.drain()
        assert worker.step(1)
        shown = rec.snaps[-1]
        assert shown.iteration == 1
        worker.stop()
        assert len(rec.final) == 1
        _assert_stopped_on(rec.final[0], shown)
        assert worker.step(10) is False  # nothing is paused any more
    finally:
        worker.shutdown()


def test_threaded_worker_stop_while_paused_keeps_the_paused_iteration(qtbot):
    worker = RunWorker()
    rec = Recorder(worker)
    try:
        worker.submit("run", _paused_spec())
        qtbot.waitUntil(lambda: [s.iteration for s in rec.snaps] == [0], timeout=TIMEOUT)
        assert worker.step(1)
        qtbot.waitUntil(lambda: rec.snaps[-1].iteration == 1, timeout=TIMEOUT)
        assert worker.step(10)
        qtbot.waitUntil(lambda: rec.snaps[-1].iteration == 11, timeout=TIMEOUT)
        shown = rec.snaps[-1]
        with qtbot.waitSignal(worker.finished, timeout=TIMEOUT):
            worker.stop()
        _assert_stopped_on(rec.final[0], shown)
    finally:
        assert worker.shutdown(timeout=10)


@pytest.fixture
def runner(qtbot):
    worker = RunWorker(sync=True)
    yield worker
    worker.shutdown()


def test_controller_stop_while_paused_keeps_what_is_on_screen(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(iterations=100_000, tolerance=0.0))
    ctl.step(1)  # F7 when idle: a run starts paused after one iteration
    runner.drain()
    state = ctl.state
    assert state.status is RunStatus.PAUSED
    shown = state.current.last
    assert shown.iteration == 1 and state.message.text.startswith("Paused at iteration 1")
    ctl.stop()  # Esc
    runner.drain()
    _assert_stopped_on(state.current.final, shown)
    assert state.status is RunStatus.IDLE
    assert state.message.text == "Stopped by the user after 1 iterations."
    it, _cost = state.current_history().arrays()
    assert it[-1] == 1 and len(it) == 3  # 0, 1 and the final snapshot at 1: no iteration 2


# -- 2. The start point after a model change ----------------------------------------------------


def _rendered(view) -> set[str]:
    out: set[str] = set()
    for call in view.render.call_args_list:
        out |= set(call.args[1])
    return out


def test_a_new_scaling_keeps_the_start_and_redraws_it_in_new_coordinates(ctl, runner, view):
    i, _j = ctl.state.pair
    ctl.contour_clicked(118.2, 13.5)
    w0, b0 = ctl.state.start_w.copy(), ctl.state.start_b
    view.reset_mock()
    ctl.settings_changed(ctl.state.settings.replace(scaling="none"))
    ctl.prepare_now()
    runner.drain()
    state = ctl.state
    assert state.prepared.problem.scaling == "none"
    assert "start" in _rendered(view)  # the label and the marker are drawn again
    np.testing.assert_array_equal(state.start_w, w0)  # the same model, in original units
    assert state.start_b == b0
    theta = start_theta(state)
    problem = state.prepared.problem
    w_s, b_s = problem.to_scaled(w0, b0)
    np.testing.assert_allclose(theta, problem.theta(w_s, b_s), rtol=1e-12)
    assert abs(theta[i] - 118.2) > 1  # unscaled, the click's coordinates are elsewhere
    assert "start point is kept" in state.message.text
    i, j = state.pair  # the pair of the new problem (the most elongated slice again)
    assert f"{theta[i]:.4g}" in state.message.text and f"{theta[j]:.4g}" in state.message.text
    # and the next run starts exactly there
    ctl.settings_changed(state.settings.replace(iterations=0))
    ctl.run()
    runner.drain()
    np.testing.assert_allclose(state.current_history().theta.view()[0], theta, rtol=1e-9)


def test_other_parameters_reset_the_start_with_a_message(ctl, runner):
    ctl.contour_clicked(1.0, 2.0)
    ctl.settings_changed(ctl.state.settings.replace(degree=2))
    ctl.prepare_now()
    runner.drain()
    state = ctl.state
    assert state.prepared.problem.n > 4
    assert state.start_w is None and state.start_b is None
    assert "start point belonged to other parameters" in state.message.text
    np.testing.assert_array_equal(start_theta(state), np.zeros(state.prepared.problem.n_params))


def test_choosing_another_pair_redraws_the_start_label(ctl, view):
    ctl.contour_clicked(1.0, 2.0)
    view.reset_mock()
    i, j = ctl.state.pair
    k = next(x for x in range(ctl.state.prepared.problem.n_params) if x not in (i, j))
    ctl.pair_chosen(i, k)
    assert {"pair", "start"} <= _rendered(view)


def test_window_start_label_follows_a_new_scaling(window, qtbot):
    window.contour.start_clicked.emit(118.2, 13.5)
    label = window.controls.start_label
    assert "118.2" in label.text() and "13.5" in label.text()
    c = window.controls
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        c.scaling_combo.setCurrentIndex(c.scaling_combo.findData("none"))
    theta = start_theta(window.state)
    i, j = window.pair
    assert "118.2" not in label.text()
    assert f"{theta[i]:.4g}" in label.text() and f"{theta[j]:.4g}" in label.text()
    sx, sy = window.contour.start_marker.getData()
    assert sx[0] == pytest.approx(theta[i]) and sy[0] == pytest.approx(theta[j])


def test_run_before_the_new_scaling_is_ready_starts_at_the_chosen_point(ctl, runner):
    ctl.contour_clicked(118.2, 13.5)
    w0, b0 = ctl.state.start_w.copy(), ctl.state.start_b
    ctl.settings_changed(ctl.state.settings.replace(scaling="none", iterations=0))
    assert ctl.state.prepared is None  # F5 at once, before the new problem is prepared
    ctl.run()
    runner.drain()
    state = ctl.state
    problem = state.prepared.problem
    assert problem.scaling == "none"
    final = state.current.final
    np.testing.assert_allclose(final.w, w0, rtol=1e-12)
    assert final.b == pytest.approx(b0, rel=1e-12)
    np.testing.assert_array_equal(state.start_w, w0)


def test_run_before_other_parameters_are_ready_starts_at_zero(ctl, runner):
    ctl.contour_clicked(118.2, 13.5)
    ctl.settings_changed(ctl.state.settings.replace(degree=2, iterations=0))
    ctl.run()
    runner.drain()
    state = ctl.state
    final = state.current.final
    assert final.status == "max_iterations" and state.message.kind != "error"
    np.testing.assert_array_equal(final.w, np.zeros(state.prepared.problem.n))
    assert final.b == 0.0
    assert state.start_w is None  # and the state says so too
