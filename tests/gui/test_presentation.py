"""Presentation mode (F11): real full screen, a layout that fits 1366×768 and 1280×720 with the
lesson panel open or closed, keys that work, and a clean way back (pytest-qt, offscreen).

The offscreen platform has one fixed screen, so the layout is measured with the window
resized to each size (``presentation.full_screen`` off: full screen would take the test
screen's size); one test checks the real full screen and the geometry restored after it.
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QGuiApplication

from tests.gui.app_process import WINDOW_PRELUDE, last_json_line, offscreen_screen, run_app_script
from tests.gui.classroom_window import make_window

TIMEOUT = 30_000
MIN_PLOT_PX = 180
MIN_LESSON_PT = 12  # the lesson text must be readable from the back of the room


def _finished_run(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.run_button.click()
    return blocker.args[0]


def _play_first_lesson(window, qtbot):
    classroom = window.classroom
    classroom.player.hold_ms = 0
    with qtbot.waitSignal(classroom.player.finished, timeout=TIMEOUT):
        classroom.lesson_actions[0].trigger()


def _visible_plots(window):
    return [
        view
        for view in window.findChildren(pg.GraphicsView)
        if view.isVisible() and view.window() is window
    ]


def _check_layout(window, lesson_open: bool) -> None:
    classroom = window.classroom
    plots = _visible_plots(window)
    assert len(plots) >= 4, "the contour, learning curve, parameters and data plots show"
    for view in plots:
        assert view.height() >= MIN_PLOT_PX, f"a plot {view.width()}×{view.height()} px"
        right = view.mapTo(window, view.rect().bottomRight())
        assert right.x() <= window.width() and right.y() <= window.height(), "off the window"
    for view in (window.contour, window.learning, window.params):  # nothing cut off
        plot = view.plot
        assert plot.width() <= plot.getViewWidget().width() + 1, "plot wider than its view"
        text = plot.titleLabel.item  # the title's text, where it is drawn
        box = text.mapRectToItem(plot, text.boundingRect())
        assert plot.boundingRect().adjusted(-1, -1, 1, 1).contains(box), (
            f"title {plot.titleLabel.text!r} cut off"
        )
    message = window.message
    assert message.isVisible() and message.height() >= message.fontMetrics().lineSpacing() * 2
    if lesson_open:
        text = classroom.panel_text
        assert classroom.panel.isVisible() and text.isVisible()
        assert text.width() >= 300 and text.height() >= 200
        assert text.font().pointSizeF() >= MIN_LESSON_PT
        assert "Feature scaling" in text.toPlainText()
        # the panel does not cover the plots
        panel_left = classroom.panel.mapTo(window, classroom.panel.rect().topLeft()).x()
        for view in plots:
            assert view.mapTo(window, view.rect().topRight()).x() <= panel_left + 1
    else:
        assert not classroom.panel.isVisible()


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_presentation_fits_with_the_lesson_panel_open_and_closed(window, qtbot, size):
    classroom = window.classroom
    classroom.presentation.full_screen = False
    _play_first_lesson(window, qtbot)
    before = {name: s.sizes() for name, s in classroom.presentation._splitters().items()}
    classroom.presentation_action.trigger()
    assert classroom.presentation.active
    qtbot.wait(50)  # the large fonts' layout requests are posted events
    window.resize(*size)  # the screen's size, as full screen would make it
    qtbot.waitUntil(lambda: window.size().toTuple() == size, timeout=5000)
    qtbot.wait(50)  # let the docks and splitters settle (layout is posted)
    _check_layout(window, lesson_open=True)
    classroom.panel.toggleViewAction().trigger()  # the Lesson button of the strip
    qtbot.wait(50)
    _check_layout(window, lesson_open=False)
    classroom.panel.toggleViewAction().trigger()
    qtbot.wait(50)
    _check_layout(window, lesson_open=True)
    # the run keys work without the control panel
    keys = {a.shortcut().toString(): a for a, _b, _k in classroom.run_actions}
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        keys["F5"].trigger()
    classroom.presentation_action.trigger()  # F11: back
    assert not classroom.presentation.active
    qtbot.wait(50)
    after = {name: s.sizes() for name, s in classroom.presentation._splitters().items()}
    assert (
        set(after) == set(before) and window.learning.parentWidget() is window.params.parentWidget()
    )
    assert window.numbers.parentWidget() is window.data_view.parentWidget()
    assert window.statusBar().isVisible()


def test_real_full_screen_and_the_geometry_restored(window, qtbot):
    classroom = window.classroom
    hint = window.minimumSizeHint()
    size = (hint.width() + 237, hint.height() + 123)  # a size of the user's, not a default
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size, timeout=5000)
    classroom.presentation_action.trigger()
    qtbot.waitUntil(window.isFullScreen, timeout=5000)
    assert not window.statusBar().isVisible()
    classroom.presentation_action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=5000)
    qtbot.waitUntil(lambda: window.size().toTuple() == size, timeout=5000)
    assert window.statusBar().isVisible()


def test_maximised_window_comes_back_maximised(window, qtbot):
    classroom = window.classroom
    window.showMaximized()
    qtbot.waitUntil(window.isMaximized, timeout=5000)
    classroom.set_presentation(True)
    qtbot.waitUntil(window.isFullScreen, timeout=5000)
    classroom.set_presentation(False)
    qtbot.waitUntil(window.isMaximized, timeout=5000)


def test_escape_stops_a_run_then_leaves_presentation(window, qtbot):
    classroom = window.classroom
    classroom.presentation.full_screen = False
    esc = next(a for a, _b, k in classroom.run_actions if k == "Esc")
    # not presenting: Esc belongs to the Stop button and stops a run
    assert window.controls.stop_button.shortcut().toString() == "Esc"
    window.controls.iterations_spin.setValue(5_000_000)
    window.controls.tolerance_edit.setText("0")
    classroom.set_presentation(True)
    assert esc.shortcut().toString() == "Esc"
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        next(a for a, _b, k in classroom.run_actions if k == "F5").trigger()
        # (a run still queued is dropped without a final snapshot: wait for the first one)
        qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=TIMEOUT)
        esc.trigger()  # stops the run, stays presenting
    assert blocker.args[0].status == "cancelled"
    assert classroom.presentation.active
    esc.trigger()  # nothing running: leaves presentation
    assert not classroom.presentation.active
    assert window.controls.stop_button.shortcut().toString() == "Esc"


def test_layout_saved_while_presenting_restores_cleanly(window, qtbot):
    """A session saved in presentation mode reopens in the normal window without an empty
    Numbers dock (it exists only while presenting)."""
    classroom = window.classroom
    classroom.presentation.full_screen = False
    classroom.set_presentation(True)
    state = QByteArray(window.saveState())
    classroom.set_presentation(False)
    window.restoreState(state)
    assert window.numbers.isVisible()
    assert window.numbers.parentWidget() is window.data_view.parentWidget()


def test_closing_while_presenting_remembers_the_normal_window(qtbot, tmp_path, monkeypatch):
    from gui_app.classroom import storage

    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    w.classroom.remember = True
    w.classroom.set_presentation(True)
    qtbot.waitUntil(w.isFullScreen, timeout=5000)
    w.close()
    w2 = make_window()
    qtbot.addWidget(w2)
    w2.show()
    w2.classroom.restore_remembered()
    w2.classroom.remember = False
    qtbot.wait(50)
    assert not w2.isFullScreen() and not w2.classroom.presentation.active
    assert not w2.classroom.presentation_bar.isVisible()
    assert not w2.classroom.notice_bar.isVisible()
    assert w2.statusBar().isVisible() and w2.tabs.tabBar().isVisible()


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_real_full_screen_on_a_projector_sized_screen(tmp_path, size):
    """In its own process, on an offscreen screen of exactly that size: F11 fills it, and
    with a lesson's panel open every plot keeps at least MIN_PLOT_PX."""
    import textwrap

    script = WINDOW_PRELUDE + textwrap.dedent("""
        import pyqtgraph as pg
        c.presentation_action.trigger()
        wait(w.isFullScreen)
        done = []
        c.player.finished.connect(done.append)
        c.player.hold_ms = 0
        c.lesson_actions[0].trigger()
        wait(lambda: bool(done))
        for _ in range(30):
            app.processEvents()
        views = [v for v in w.findChildren(pg.GraphicsView) if v.isVisible()]
        print(json.dumps({"size": [w.width(), w.height()], "full": w.isFullScreen(),
                          "plots": [[v.width(), v.height()] for v in views],
                          "panel": c.panel.isVisible(), "text": c.panel_text.width()}))
        w.close()
    """)
    platform = offscreen_screen(tmp_path, *size)
    report = last_json_line(run_app_script(script, tmp_path, platform=platform, timeout=120))
    assert report["full"] and report["size"] == list(size)
    assert report["panel"] and report["text"] >= 300
    assert len(report["plots"]) >= 4
    assert all(h >= MIN_PLOT_PX for _w, h in report["plots"]), report["plots"]


def test_presentation_mode_toggles_fonts_lines_and_palette(window, qtbot):
    from gui_app.classroom.presentation_style import OKABE_ITO
    from gui_app.explore import plots

    _finished_run(window, qtbot)
    app = QGuiApplication.instance()
    base_pt = app.font().pointSizeF()
    curve = window.learning.curves[-1]
    width = curve.opts["pen"].widthF()
    axis = window.learning.plot.getAxis("bottom")
    window.classroom.presentation_action.trigger()
    assert window.classroom.presentation.active
    assert app.font().pointSizeF() >= 1.5 * base_pt
    assert curve.opts["pen"].widthF() >= 2 * width
    assert axis.style["tickFont"].pointSize() >= 16
    assert "18pt" in axis.labelStyle["font-size"]
    assert curve.opts["pen"].color().name().upper() in OKABE_ITO
    assert plots.RUN_COLORS == OKABE_ITO
    window.classroom.presentation_action.trigger()
    assert not window.classroom.presentation.active
    assert app.font().pointSizeF() == base_pt
    assert curve.opts["pen"].widthF() == pytest.approx(width)
    assert plots.LINE_SCALE == 1.0 and plots.LABEL_STYLE["font-size"] == "11pt"
    assert window.classroom.presentation_action.shortcut().toString() == "F11"


def _cut_off(widget, viewport) -> str | None:
    """Why ``widget``'s text would be elided or cut off, or None."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QLabel, QLineEdit

    right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
    if right > viewport.width() + 1:
        return f"reaches x={right} beyond the panel's {viewport.width()}"
    if isinstance(widget, QLineEdit):  # its size hint is generic: the text must fit
        if widget.fontMetrics().horizontalAdvance(widget.text()) + 8 > widget.width():
            return f"text wider than the field's {widget.width()} px"
        return None
    wraps = isinstance(widget, QLabel) and widget.wordWrap()
    hint = widget.minimumSizeHint() if wraps else widget.sizeHint()
    if hint.width() > widget.width() + 1:
        return f"needs {hint.width()} px, has {widget.width()}"
    return None


def test_presentation_mode_fits_1920x1080_and_toggles_back(window, qtbot):
    """The control panel collapses (F9 brings it back as a drawer in which no text is cut
    off), the run keys keep working, legends sit beside their plots, and F11 again restores
    the normal layout."""
    from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

    from gui_app.classroom.presentation import controls_area

    classroom = window.classroom
    classroom.presentation.full_screen = False  # the test screen is smaller: resize instead
    window.resize(1920, 1080)
    scroll, splitter = controls_area(window)
    sizes = splitter.sizes()
    c = window.controls
    combo_policy = c.scaling_combo.sizeAdjustPolicy()
    _finished_run(window, qtbot)
    right_axis = window.learning.plot.getAxis("right").isVisible()  # the normal layout's
    classroom.presentation_action.trigger()
    qtbot.wait(50)
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1920, 1080), timeout=5000)
    assert not classroom.controls_visible() and not classroom.controls_action.isChecked()
    assert classroom.presentation_bar.isVisible()
    keys = {a.shortcut().toString() for a, _b, _k in classroom.run_actions}
    assert {"F5", "F6", "F7", "F8", "Esc", "Ctrl+R"} <= keys
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):  # F5 without the panel
        next(a for a, _b, k in classroom.run_actions if k == "F5").trigger()
    qtbot.wait(50)
    for view in (window.contour, window.learning, window.params):
        plot, legend = view.plot, view.legend
        assert plot.width() <= plot.getViewWidget().width() + 1, "plot wider than its view"
        box = legend.mapRectToItem(plot, legend.boundingRect())
        assert plot.boundingRect().adjusted(-1, -1, 1, 1).contains(box), "legend cut off"
        vb = plot.vb.mapRectToItem(plot, plot.vb.boundingRect())
        assert not box.intersects(vb), "legend covers the data"
        assert (
            len(legend.items) == len([i for i in plot.items if i.name()]) or view is window.contour
        )
    assert "training coordinates" not in window.contour.plot.getAxis("left").labelText

    classroom.controls_action.trigger()  # F9: the panel as a drawer
    qtbot.wait(50)
    assert classroom.controls_visible() and classroom.controls_action.isChecked()
    # the panel's buttons have their keys again, except Esc: presenting, it is the window's
    assert [
        a.shortcut().toString() for a, _b, _k in classroom.run_actions if a.shortcut().toString()
    ] == ["Esc"]
    assert not c.stop_button.shortcut().toString()
    viewport = scroll.viewport()
    checked = 0
    for widget in (
        c.findChildren(QLabel)
        + c.findChildren(QComboBox)
        + c.findChildren(QPushButton)
        + c.findChildren(QLineEdit)
    ):
        if widget.isVisibleTo(c) and (not isinstance(widget, QLabel) or widget.text()):
            problem = _cut_off(widget, viewport)
            assert problem is None, (
                f"{type(widget).__name__} {widget.objectName()!r} "
                f"{getattr(widget, 'text', lambda: '')()!r}: {problem}"
            )
            checked += 1
    assert checked > 20
    classroom.controls_action.trigger()
    assert not classroom.controls_visible()

    classroom.presentation_action.trigger()  # back to the normal layout
    qtbot.wait(50)
    assert controls_area(window) == (scroll, splitter) and splitter.indexOf(scroll) == 0
    assert scroll.isVisible() and classroom.controls_action.isChecked()
    assert splitter.sizes() == pytest.approx(sizes, abs=2)
    assert not c.presentation_layout()
    assert c.scaling_combo.sizeAdjustPolicy() == combo_policy
    assert not classroom.presentation_bar.isVisible()
    assert not any(a.shortcut().toString() for a, _b, _k in classroom.run_actions)
    assert c.stop_button.shortcut().toString() == "Esc"
    assert window.contour.plot.getAxis("bottom").labelText.endswith(
        "(training coordinates, z-score)"
    )
    assert window.contour.plot.getAxis("left").labelText.endswith("(z-score)")
    assert window.learning.plot.getAxis("right").isVisible() == right_axis
