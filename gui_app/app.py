"""Start the window (``gd-explorer``) or run the scripted self-test (``--self-test``)."""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable

SELF_TEST_BUDGET_S = 30.0
WATCHDOG_S = 27.0
#: Qt-free modules the window needs, imported before Qt (:func:`import_engine_first`).
ENGINE_MODULES = ("numpy", "core.settings", "core.builder", "core.session", "core.run_report")


def import_engine_first() -> None:
    """Import numpy and the engine (``core``) before PySide6: once PySide6 is imported it
    reads the source of every module imported after it (its ``__feature__`` check,
    shibokensupport/feature.py), which for these ~140 modules costs ~30 ms of the start."""
    for name in ENGINE_MODULES:
        importlib.import_module(name)


def make_application():
    """The QApplication, with a font size readable on a projector."""
    from importlib import resources

    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from gui_app.runner import GIL_SWITCH_INTERVAL_S

    # The GUI thread runs long stretches of Python (pyqtgraph paints); by default the worker,
    # back from each BLAS call, waits up to 5 ms for the GIL. Hand it over sooner.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("GD Explorer")
    app.setDesktopFileName("gd-explorer")  # Wayland/X11: matches the installed desktop entry
    app.setWindowIcon(QIcon(str(resources.files("resources").joinpath("gd-explorer.png"))))
    app.setStyle("Fusion")  # the same look everywhere, offscreen screenshots included
    font = app.font()
    if font.pointSize() < 10:
        font.setPointSize(10)
        app.setFont(font)
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background="w", foreground="#222")
    return app


def create_main_window():
    """The main window with the classroom (lessons, sessions, presentation, exports, About)
    attached: the one place where the two are composed (the window never imports it)."""
    from gui_app.classroom.classroom import Classroom
    from gui_app.explore.window import MainWindow

    window = MainWindow()
    window.classroom = Classroom(window)
    return window


def _no_display() -> bool:
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    )


def run_app(self_test: bool = False) -> int:
    """Open the exploration window and run the event loop; or run the self-test."""
    t0 = time.perf_counter()
    if _no_display():
        if not self_test:
            print(
                "gd-explorer: no display found (DISPLAY/WAYLAND_DISPLAY unset). Run it on a "
                "desktop, or set QT_QPA_PLATFORM=offscreen; headless commands: fit, predict, "
                "lesson, bench, make-data",
                file=sys.stderr,
            )
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the self-test needs no screen
    import_engine_first()
    app = make_application()
    if os.environ.get("GDX_STARTUP_REPORT"):  # benchmarks: the time to the first paint
        from gui_app.startup_probe import FirstPaintProbe

        FirstPaintProbe(app, os.environ["GDX_STARTUP_REPORT"])
    window = create_main_window()
    window.show()
    if not self_test:
        restore_remembered_safely(window)
    if self_test:
        status = SelfTest(app, window, t0).run()
        _dispose(app, window)
        return status
    previous_hook = sys.excepthook

    def show_bug(kind, exc, tb) -> None:
        # A bug in a slot must not pass silently nor end the session: say so in the window.
        previous_hook(kind, exc, tb)
        window.show_message(
            f"Internal error ({kind.__name__}: {exc}). The window stays "
            "usable; please report this.",
            "error",
        )

    sys.excepthook = show_bug
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        _dispose(app, window)


def restore_remembered_safely(window) -> None:
    """Restore the last session and layout; whatever is in those files (corrupt, foreign,
    unreadable), the window starts: a failure is a warning in it, with the defaults."""
    try:
        window.classroom.restore_remembered()
    except Exception as exc:
        window.show_message(
            f"Starting with the defaults: the remembered session or layout "
            f"could not be restored ({type(exc).__name__}: {exc}).",
            "warning",
        )


def _dispose(app, window) -> None:
    """Delete the window while the event loop still runs: left to interpreter exit, PySide
    destroys Qt objects in an arbitrary order and can crash after a successful run."""
    from PySide6.QtCore import QCoreApplication, QEvent

    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


class _StepFailed(Exception):
    pass


class SelfTest:
    """A short scripted session through the real controls and worker; one JSON report."""

    def __init__(self, app, window, t0: float) -> None:
        self.app = app
        self.window = window
        self.t0 = t0
        self.steps: list[dict] = []
        self._done = threading.Event()

    def _watchdog(self) -> None:
        if not self._done.wait(WATCHDOG_S):
            report = {
                "passed": False,
                "error": f"watchdog: no result within {WATCHDOG_S:g} s",
                "steps": self.steps,
                "seconds": round(time.perf_counter() - self.t0, 3),
            }
            sys.stdout.write(json.dumps(report) + "\n")
            sys.stdout.flush()
            os._exit(1)

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Run the event loop until ``condition()`` holds (or fail the step)."""
        from PySide6.QtCore import QEventLoop

        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise _StepFailed(f"timed out after {timeout:g} s waiting for {what}")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)

    def step(self, name: str, action: Callable[[], dict | None]) -> None:
        t = time.perf_counter()
        entry: dict = {"step": name}
        try:
            details = action() or {}
            entry.update(details)
            entry["passed"] = True
        except Exception as exc:  # record and keep going: the report says what failed
            entry["passed"] = False
            entry["error"] = f"{type(exc).__name__}: {exc}"
        entry["seconds"] = round(time.perf_counter() - t, 3)
        self.steps.append(entry)

    def run(self) -> int:
        watchdog = threading.Thread(target=self._watchdog, name="self-test-watchdog", daemon=True)
        watchdog.start()
        w = self.window
        c = w.controls

        def window_open():
            self.wait_for(
                lambda: w.isVisible() and w.prepared is not None,
                10,
                "the window and its first problem",
            )
            return {"open_seconds": round(time.perf_counter() - self.t0, 3)}

        def choose_dataset():
            c.source_combo.setCurrentIndex(0)  # housing demo
            c.scaling_combo.setCurrentIndex(1)  # z-score
            c.solver_combo.setCurrentIndex(0)
            c.set_alpha(0.3)
            c.iterations_spin.setValue(2000)
            c.tolerance_edit.setText("1e-10")
            self.wait_for(
                lambda: (
                    w.prepared is not None
                    and not w.worker.is_busy()
                    and w.prepared.spec == c.model_spec()
                ),
                10,
                "the housing problem",
            )
            return {
                "alpha_max": w.prepared.alpha_max,
                "condition_number": w.prepared.condition_number,
            }

        def gd_run():
            c.run_button.click()
            self.wait_for(lambda: w.final_snapshot is not None, 10, "gradient descent")
            snap = w.final_snapshot
            if not snap.converged:
                raise _StepFailed(f"GD ended with status {snap.status}: {snap.message}")
            self.gd = snap
            return {"iterations": snap.iteration, "cost": snap.cost}

        def normal_run():
            c.solver_combo.setCurrentIndex(1)
            c.run_button.click()
            self.wait_for(lambda: w.final_snapshot is not None, 10, "the normal equation")
            snap = w.final_snapshot
            if snap.status != "solved":
                raise _StepFailed(f"normal equation ended with {snap.status}")
            import numpy as np

            gap = float(
                np.max(
                    np.abs(np.append(snap.w, snap.b) - np.append(self.gd.w, self.gd.b))
                    / (np.abs(np.append(snap.w, snap.b)) + 1e-9)
                )
            )
            if gap > 1e-3:
                raise _StepFailed(f"GD and the normal equation differ by {gap:.3g} (relative)")
            return {"cost": snap.cost, "max_relative_gap_to_gd": gap}

        def plots_drawn():
            traj_x, _ = w.contour.trajectory.getData()
            levels = sum(
                1
                for item in w.contour.level_items
                if item.getData()[0] is not None and len(item.getData()[0])
            )
            curves = len(w.learning.curves)
            gd_points = w.learning.curves[0].getData()[0]
            image = w.grab()
            if (
                traj_x is None
                or levels < 5
                or curves < 2
                or gd_points is None
                or len(gd_points) < 10
                or image.isNull()
            ):
                raise _StepFailed(
                    f"plots incomplete: {levels} contour levels, {curves} learning curves"
                )
            return {
                "contour_levels": levels,
                "learning_curves": curves,
                "gd_curve_points": len(gd_points),
                "image": f"{image.width()}x{image.height()}",
            }

        def animation_and_3d():
            # the lazily imported libraries are in place (a bundle that left them out fails
            # here, not in a teacher's hands): Pillow writes a GIF of the run on the contour,
            # pyqtgraph's OpenGL items import (drawing needs a GL context; offscreen has none)
            import tempfile

            import pyqtgraph.opengl  # noqa: F401
            from PIL import Image

            from gui_app.explore.animation import export_animation

            c.solver_combo.setCurrentIndex(0)
            c.run_button.click()
            self.wait_for(lambda: w.final_snapshot is not None, 10, "a run to animate")
            with tempfile.TemporaryDirectory() as folder:
                path = export_animation(
                    w, f"{folder}/run.gif", frames=3, duration=1.0, size=(320, 240), progress=False
                )
                if path is None:
                    raise _StepFailed(f"no GIF written: {w.state.message.text}")
                with Image.open(path) as gif:
                    frames = gif.n_frames
            if frames != 3:
                raise _StepFailed(f"the GIF has {frames} frames, not 3")
            return {"gif_frames": frames}

        for name, action in (
            ("open window", window_open),
            ("choose dataset", choose_dataset),
            ("gradient descent to convergence", gd_run),
            ("normal equation", normal_run),
            ("contour and curves drawn", plots_drawn),
            ("animation export and 3-D module", animation_and_3d),
        ):
            self.step(name, action)
            if not self.steps[-1]["passed"]:
                break
        w.close()
        self._done.set()
        elapsed = time.perf_counter() - self.t0
        passed = (
            all(s["passed"] for s in self.steps)
            and len(self.steps) == 6
            and elapsed < SELF_TEST_BUDGET_S
        )
        report = {
            "passed": passed,
            "seconds": round(elapsed, 3),
            "platform": self.app.platformName(),
            "steps": self.steps,
        }
        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()
        return 0 if passed else 1
