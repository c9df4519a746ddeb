"""The lesson panel on a laptop screen, lesson results that outlive their settings, the
paused banner while stepping, why a run stopped, stale axes, data names in run labels, run
keys on the Timing tab (pytest-qt, offscreen)."""

from __future__ import annotations

import textwrap

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui_app.classroom.lesson_panel import STALE_NOTE
from gui_app.classroom.settings_bridge import apply_settings, read_settings
from gui_app.explore.state import RunStatus
from gui_app.explore.window import BENCHMARK_STOP_REASON, TIMING_RUN_KEYS_HINT
from tests.gui.app_process import WINDOW_PRELUDE, last_json_line, offscreen_screen, run_app_script

TIMEOUT = 30_000


def _change(window, qtbot, **values):
    """Set controls as the user would (through the settings bridge); wait for the problem."""
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        apply_settings(window, {**read_settings(window), **values})


def _play_first_lesson(window, qtbot):
    classroom = window.classroom
    classroom.player.hold_ms = 0
    with qtbot.waitSignal(classroom.player.finished, timeout=TIMEOUT):
        classroom.lesson_actions[0].trigger()


def _normal_range(plot) -> list[list[float]]:
    return [[round(v, 6) for v in axis] for axis in plot.getViewBox().viewRange()]


# -- 1. the lesson panel fits a laptop screen ------------------------------------------------
FIT_SCRIPT = WINDOW_PRELUDE + textwrap.dedent("""
    done = []
    c.player.finished.connect(done.append)
    c.player.hold_ms = 0
    c.lesson_actions[0].trigger()
    wait(lambda: bool(done))
    for _ in range(30):
        app.processEvents()
    frame, area = w.frameGeometry(), w.screen().availableGeometry()
    text, button = c.panel_text, c.replay_button
    button_right = button.mapTo(w, button.rect().topRight()).x()
    print(json.dumps({
        "frame": frame.getRect(), "area": area.getRect(), "width": w.width(),
        "panel": c.panel.isVisible(), "text": text.width(),
        "text_hscroll": text.horizontalScrollBar().maximum(),
        "button": [button.isVisible(), button.width(), button.sizeHint().width(), button_right],
    }))
    w.close()
""")


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_the_window_with_a_lesson_open_fits_the_screen(tmp_path, size):
    """Lesson 1 opened on a laptop-sized screen: the window (frame included) stays inside the
    screen's available area, the lesson text wraps (no horizontal scrolling), and the
    Replay button shows whole inside the window."""
    platform = offscreen_screen(tmp_path, *size)
    report = last_json_line(run_app_script(FIT_SCRIPT, tmp_path, platform=platform, timeout=120))
    x, y, width, height = report["frame"]
    ax, ay, awidth, aheight = report["area"]
    assert ax <= x and x + width <= ax + awidth, report
    assert ay <= y and y + height <= ay + aheight, report
    assert report["panel"] and report["text"] >= 200, report
    assert report["text_hscroll"] == 0, "the lesson text is wider than its panel"
    shown, button_width, wanted, right = report["button"]
    assert shown and button_width >= wanted and right <= report["width"], report


# -- 2. lesson results never outlive their settings --------------------------------------------
def test_lesson_panel_says_when_the_settings_changed(window, qtbot):
    _play_first_lesson(window, qtbot)
    classroom = window.classroom
    assert STALE_NOTE not in classroom.panel_text.toPlainText()
    _change(window, qtbot, source="housing")
    text = classroom.panel_text.toPlainText()
    assert STALE_NOTE in text and "Feature scaling" in text
    assert classroom.replay_button.isVisible()
    # back to the lesson's data and model: its results belong to the screen again
    _change(window, qtbot, source="synthetic")
    assert STALE_NOTE not in classroom.panel_text.toPlainText()
    # Reset (Ctrl+R) takes the lesson's runs off the plots: the panel says so
    window.controls.reset_requested.emit()
    assert STALE_NOTE in classroom.panel_text.toPlainText()
    # a replay shows fresh results, not dimmed
    classroom.player.hold_ms = 0
    with qtbot.waitSignal(classroom.player.finished, timeout=TIMEOUT):
        classroom.replay_button.click()
    assert STALE_NOTE not in classroom.panel_text.toPlainText()


def test_an_interrupted_lesson_no_longer_says_running(window, qtbot):
    classroom = window.classroom
    classroom.player.hold_ms = 60_000  # it waits after its first run: interrupt it there
    with qtbot.waitSignal(classroom.player.run_done, timeout=TIMEOUT):
        classroom.lesson_actions[0].trigger()
    window.controls.stop_requested.emit()  # Stop (Esc)
    assert not classroom.player.playing
    text = classroom.panel_text.toPlainText()
    assert "Interrupted" in text and "Running" not in text
    _change(window, qtbot, source="housing")
    assert STALE_NOTE in classroom.panel_text.toPlainText()


# -- 3. the paused banner follows the steps ---------------------------------------------------
def test_paused_banner_names_the_iteration_after_each_step(window, qtbot):
    state = window.state

    def at(iteration):
        return (
            state.current is not None
            and state.current.last is not None
            and (state.current.last.iteration == iteration)
        )

    window.step(1)  # F7 when idle: a run starts paused and takes one iteration
    qtbot.waitUntil(lambda: at(1) and state.status is RunStatus.PAUSED, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "iteration 1:" in window.message.text(), timeout=TIMEOUT)
    window.step(10)  # F8
    qtbot.waitUntil(lambda: at(11), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "iteration 11:" in window.message.text(), timeout=TIMEOUT)
    assert window.statusBar().currentMessage().startswith("Paused at iteration 11:")
    window.step(1)
    qtbot.waitUntil(lambda: at(12), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "iteration 12:" in window.message.text(), timeout=TIMEOUT)
    window.stop()
    qtbot.waitUntil(lambda: state.status is RunStatus.IDLE, timeout=TIMEOUT)


# -- 4. a benchmark stopping a run says so ----------------------------------------------------
def test_a_benchmark_stopping_a_run_says_why(window, qtbot):
    apply_settings(window, {**read_settings(window), "iterations": 50_000_000, "tolerance": 0.0})
    window.run()
    qtbot.waitUntil(
        lambda: window.state.current is not None and window.state.current.last is not None,
        timeout=TIMEOUT,
    )
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.timing.run_started.emit()  # what the Timing tab's Run button announces
    assert blocker.args[0].status == "cancelled"
    text = window.message.text()
    assert BENCHMARK_STOP_REASON in text and "by the user" not in text
    # the reason belongs to that run only: the user's own Stop is the user's
    window.run()
    qtbot.waitUntil(lambda: window.state.current.last is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.stop_requested.emit()
    assert BENCHMARK_STOP_REASON not in window.message.text()


# -- 5. no stale axes --------------------------------------------------------------------------
def test_no_problem_means_neutral_axes(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.run()
    assert _normal_range(window.params.plot) != [[0, 1], [0, 1]]
    apply_settings(window, {**read_settings(window), "source": "csv", "csv_path": ""})
    qtbot.waitUntil(lambda: bool(window.state.prepare_error), timeout=TIMEOUT)
    assert window.state.prepared is None
    contour = window.contour.plot
    assert contour.getAxis("bottom").labelText == "" and contour.getAxis("left").labelText == ""
    fit = window.data_view.fit_plot
    assert (fit.getAxis("bottom").labelText, fit.getAxis("left").labelText) == (
        "feature",
        "target",
    )
    for plot in (contour, window.params.plot, fit):
        assert _normal_range(plot) == [[0, 1], [0, 1]]


def test_reset_forgets_the_learning_curve_range(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.run()
    assert _normal_range(window.learning.plot) != [[0, 1], [0, 1]]
    window.controls.reset_requested.emit()  # Ctrl+R
    assert _normal_range(window.learning.plot) == [[0, 1], [0, 1]]
    # and the next run ranges the axes by its own data again
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.run()
    qtbot.waitUntil(lambda: _normal_range(window.learning.plot)[0][1] > 1, timeout=TIMEOUT)


# -- 6. run labels name the data as the user knows it -----------------------------------------
def test_run_labels_use_the_data_display_name(window, qtbot):
    _change(window, qtbot, source="curve", degree=2)
    window.run()
    label = window.state.current.label
    assert label.endswith("· stopping-distance") and "curve" not in label
    assert "stopping-distance" in window.message.text()
    window.stop()
    qtbot.waitUntil(lambda: window.state.status is RunStatus.IDLE, timeout=TIMEOUT)


# -- 7. run keys on the Timing tab -------------------------------------------------------------
@pytest.mark.parametrize("key", [Qt.Key.Key_F5, Qt.Key.Key_F6, Qt.Key.Key_F7])
def test_run_keys_on_the_timing_tab_say_where_they_act(window, qtbot, key):
    window.tabs.setCurrentWidget(window.timing)
    QTest.keyClick(window.timing, key)
    assert window.statusBar().currentMessage() == TIMING_RUN_KEYS_HINT
    assert window.state.status is RunStatus.IDLE and not window.state.runs
