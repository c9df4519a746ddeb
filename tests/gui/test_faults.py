"""Faults (issue 6, item 3): a solver raising, the GPU failing mid-run, a request too large
for memory. Each ends in a message in the window; the history so far stays; the app is
usable after."""

from __future__ import annotations

import numpy as np
import pytest

import gui_app.explore.worker as worker_module

TIMEOUT = 15_000


class OutOfMemoryError(MemoryError):
    """Named like CuPy's ``cupy.cuda.memory.OutOfMemoryError`` (a MemoryError subclass)."""


class SolverBug(BaseException):
    """Not even an ``Exception``: the worker thread must survive it too."""


class _FailingMatrix:
    """Stands in for a device array: its products work ``ok_products`` times, then raise
    (as CuPy does when the GPU runs out of memory or is lost in the middle of a run)."""

    def __init__(self, X, ok_products: int, exc: BaseException, calls=None) -> None:
        self._X = X
        self._ok = ok_products
        self._exc = exc
        self._calls = calls if calls is not None else [0]

    def __matmul__(self, other):
        self._calls[0] += 1
        if self._calls[0] > self._ok:
            raise self._exc
        return self._X @ other

    @property
    def T(self):  # the array attribute it imitates
        return _FailingMatrix(self._X.T, self._ok, self._exc, self._calls)

    def __getattr__(self, name):
        return getattr(self._X, name)


def _fail_after(monkeypatch, iterations: int, exc: BaseException) -> None:
    """Make the next GD runs fail while evaluating iteration ``iterations`` (two products
    per step), after the snapshots of iterations 0 … iterations-1 were sent."""
    real = worker_module.run_solver

    def failing_run_solver(problem, solver, **options):
        X = problem.X
        problem.X = _FailingMatrix(X, 2 * iterations, exc)
        try:
            yield from real(problem, solver, **options)
        finally:
            problem.X = X

    monkeypatch.setattr(worker_module, "run_solver", failing_run_solver)


def _slow_gd(window, iterations=200):
    c = window.controls
    c.iterations_spin.setValue(iterations)
    c.tolerance_edit.setText("0")
    c.set_alpha(0.05)


def _run_to_error(window, qtbot) -> str:
    window.controls.run_button.click()
    qtbot.waitUntil(
        lambda: (
            window.message_kind == "error" and not window.running and not window.worker.is_busy()
        ),
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(
        lambda: not window._redraw_timer.isActive() and not window._dirty, timeout=TIMEOUT
    )
    return window.message.text()


def _still_usable(window, qtbot, monkeypatch) -> None:
    monkeypatch.undo()
    c = window.controls
    c.iterations_spin.setValue(2000)
    c.tolerance_edit.setText("1e-10")
    c.set_alpha(0.3)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.run_button.click()
    assert blocker.args[0].converged
    assert window.message_kind == "ok"


@pytest.mark.parametrize(
    "exc, head",
    [
        (
            OutOfMemoryError("Out of memory allocating 800,000,512 bytes"),
            "The GPU ran out of memory",
        ),
        (RuntimeError("CUDA error: device lost"), "The GPU failed"),
    ],
)
def test_gpu_failing_mid_run_keeps_the_history_and_suggests_cpu(
    window, qtbot, monkeypatch, exc, head
):
    _slow_gd(window)
    _fail_after(monkeypatch, 12, exc)
    text = _run_to_error(window, qtbot)
    assert head in text and "after 11 iterations" in text
    assert "CPU" in text and str(exc) in text and "kept" in text
    # nothing already done is lost: iterations 0..11 in the history and on the plots
    np.testing.assert_array_equal(window.history_iter[0], np.arange(12))
    assert window.learning.current_points() == 12
    x, _y = window.contour.trajectory.getData()
    assert len(x) == 12
    assert "failed" in window.numbers.numbers.text()
    assert not window.running and "Resume" not in window.controls.pause_button.text()
    _still_usable(window, qtbot, monkeypatch)
    assert len(window.learning.curves) == 2  # the failed run's curve is kept to compare


@pytest.mark.parametrize(
    "exc", [ZeroDivisionError("float division by zero"), KeyError("w0"), SolverBug("a solver bug")]
)
def test_any_exception_in_the_worker_is_a_message(window, qtbot, monkeypatch, exc):
    _slow_gd(window)
    _fail_after(monkeypatch, 3, exc)
    text = _run_to_error(window, qtbot)
    assert "Internal error" in text and type(exc).__name__ in text
    assert "after 2 iterations" in text
    assert window.worker.thread_alive()  # the worker thread survived
    _still_usable(window, qtbot, monkeypatch)


def test_exception_before_the_first_snapshot(window, qtbot, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ValueError("broken solver")

    monkeypatch.setattr(worker_module, "run_solver", broken)
    text = _run_to_error(window, qtbot)
    assert "Internal error (ValueError: broken solver)" in text
    _still_usable(window, qtbot, monkeypatch)


def _rss_bytes() -> int:
    import os

    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_request_too_large_is_refused_before_allocating(window, qtbot, monkeypatch):
    from core.settings import DataSettings

    huge = DataSettings("synthetic", m=10**7, n=10**4)
    monkeypatch.setattr(window.controls, "data_settings", lambda base=None: huge)
    before = _rss_bytes()
    text = _run_to_error(window, qtbot)
    assert "10,000,000 x 10,000" in text and "needs 2.4 TB" in text
    assert "fewer rows or columns" in text
    assert _rss_bytes() - before < 200e6  # refused, not allocated
    _still_usable(window, qtbot, monkeypatch)


def test_polynomial_expansion_too_large_is_refused(monkeypatch):
    import core.backend
    from core.errors import InputError
    from core.model.features import polynomial_features

    monkeypatch.setattr(core.backend, "free_memory_bytes", lambda device: 1_000_000)
    X = np.ones((1000, 10))
    with pytest.raises(InputError, match=r"degree-5 expansion .* needs 1\.6 MB"):
        polynomial_features(X, tuple(f"x{k}" for k in range(10)), 5)
    assert polynomial_features(X, tuple(f"x{k}" for k in range(10)), 1).X.shape == (1000, 10)


def test_closing_while_data_is_prepared_does_not_wait_for_it(window, qtbot, monkeypatch):
    """Closing the window in the middle of an uninterruptible prepare (a huge dataset being
    made) returns without waiting for it; the abandoned job delivers nothing afterwards."""
    import threading

    from core.settings import DataSettings
    from gui_app.explore.worker import ModelSpec

    entered, release = threading.Event(), threading.Event()
    real = worker_module.build_dataset

    def slow_builder(data):
        entered.set()
        release.wait(60)
        return real(DataSettings())

    monkeypatch.setattr(worker_module, "build_dataset", slow_builder)
    prepared: list[int] = []
    window.worker.prepared.connect(lambda run_id, _prep: prepared.append(run_id))
    window.worker.submit("prepare", ModelSpec(DataSettings(source="synthetic", m=999, seed=7)))
    qtbot.waitUntil(entered.is_set, timeout=TIMEOUT)
    window.close()  # bounded: the worker waits SHUTDOWN_TIMEOUT_S at most, then abandons
    assert not release.is_set()  # close returned while the builder was still at work
    thread = window.worker._runner._thread
    release.set()
    thread.join(60)
    assert not thread.is_alive()
    window.worker.drain()  # nothing is delivered after the close
    assert prepared == []
