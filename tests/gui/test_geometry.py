"""The window fits the screen it is on (issue 9, item 4): at 1280 × 720, 1366 × 768 and
1920 × 1080 every control is reachable (the control panel scrolls, Run and Stop stay in
view), no plot is shorter than 180 px, and the window opens inside the screen's available
area (checked in a child process whose offscreen screen has that size)."""

from __future__ import annotations

import itertools
import textwrap

import pytest
from PySide6.QtCore import QPoint, QRect, QSize

from gui_app.explore.screen_fit import fit_size
from gui_app.explore.window import MIN_PLOT_HEIGHT
from tests.gui.app_process import last_json_line, offscreen_screen, run_app_script

SCREENS = [(1280, 720), (1366, 768), (1920, 1080)]
TASK_BAR = 40  # px a desktop panel takes from the screen's height


def _available(width: int, height: int) -> QSize:
    return QSize(width, height - TASK_BAR)


def _rect_in_window(window, widget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _plots(window):
    return {
        "contour": window.contour.widget,
        "learning curve": window.learning,
        "parameters": window.params,
        "data": window.data_view.fit_widget,
    }


@pytest.mark.parametrize("width, height", SCREENS)
def test_fit_size_leaves_room_for_the_frame(width, height):
    size = fit_size(_available(width, height))
    assert size.width() <= width and size.height() <= height - TASK_BAR
    assert size.width() >= min(1600, width - 40) and size.height() >= min(1000, height - 100)


@pytest.mark.parametrize("width, height", SCREENS)
def test_everything_is_reachable_at_screen_size(window, qtbot, width, height):
    target = fit_size(_available(width, height))
    window.resize(target)
    qtbot.waitUntil(lambda: window.size() == target, timeout=5000)
    qtbot.wait(20)  # let the splitters lay out
    inside = window.rect()
    c = window.controls
    for button in (
        c.run_button,
        c.stop_button,
        c.pause_button,
        c.step_button,
        c.step10_button,
        c.reset_button,
    ):
        assert button.isVisible(), button.text()
        assert inside.contains(_rect_in_window(window, button)), button.text()
        assert not button.visibleRegion().isEmpty(), button.text()
    scroll = window.controls_scroll
    assert not scroll.widget().isAncestorOf(c.run_button)  # the buttons never scroll away
    viewport = scroll.viewport()
    needs_scroll = c.minimumSizeHint().height() > viewport.height()
    assert scroll.verticalScrollBar().isVisible() == needs_scroll or not needs_scroll
    if needs_scroll:
        assert scroll.verticalScrollBar().maximum() > 0
    # the panel is never cut at the side: it is at least as wide as it needs
    assert viewport.width() >= c.minimumSizeHint().width() - 1
    for name, plot in _plots(window).items():
        assert plot.isVisible(), name
        assert plot.height() >= MIN_PLOT_HEIGHT, (name, plot.height())
        assert inside.contains(_rect_in_window(window, plot)), name


def test_window_minimum_fits_a_1280x720_screen(window):
    smallest = window.minimumSizeHint()
    target = fit_size(_available(1280, 720))
    assert smallest.width() <= target.width() and smallest.height() <= target.height()


def _legend_box_and_data(view_plot, legend):
    """The legend's and the data area's rectangles, both in the plot's coordinates."""
    box = legend.mapRectToItem(view_plot, legend.boundingRect())
    data = view_plot.vb.mapRectToItem(view_plot, view_plot.vb.boundingRect())
    return box, data


@pytest.mark.parametrize("width, height", SCREENS)
def test_legends_never_cover_the_data(window, qtbot, width, height):
    """At every screen size each plot's legend sits beside or above its data area (never a
    box over the curves), inside the plot and not cut off, with every run's entry."""
    window.controls.set_alpha(0.03)
    for _ in range(2):  # two runs: two entries in the learning curve's legend
        with qtbot.waitSignal(window.run_finished, timeout=15_000):
            window.controls.run_button.click()
    window.resize(fit_size(_available(width, height)))
    qtbot.wait(50)
    contour = window.contour
    assert not contour.legend.isVisible()  # the legend is the row above the plot
    assert contour.legend_label.isVisible() and "optimum" in contour.legend_label.text()
    views = {
        "parameters": (window.params.plot, window.params.legend),
        "learning curve": (window.learning.plot, window.learning.legend),
        "data": (window.data_view.fit_plot, window.data_view.fit_plot.legend),
    }
    assert len(window.learning.legend.items) == 2
    for name, (plot, legend) in views.items():
        box, data = _legend_box_and_data(plot, legend)
        assert legend.items and legend.isVisible(), name
        assert not box.intersects(data), (name, box, data)
        assert plot.boundingRect().adjusted(-1, -1, 1, 1).contains(box), (name, "cut off")
        assert data.height() >= 100 and data.width() >= 100, (name, data)


def test_a_legend_follows_its_plot_from_beside_to_above(qtbot):
    """A plot narrowed below the room for legend plus data moves its legend above the data
    (not over it), and back beside when it widens again."""
    import numpy as np

    from gui_app.explore.views.curves import LearningCurveView

    view = LearningCurveView()
    qtbot.addWidget(view)
    view.new_run("GD α=0.1, z-score · housing demo (100 houses)")
    view.set_current(np.arange(100.0), np.geomspace(1e5, 1e2, 100))
    view.resize(900, 320)
    view.show()
    qtbot.waitUntil(lambda: view.width() == 900)
    qtbot.wait(20)
    box, data = _legend_box_and_data(view.plot, view.legend)
    assert box.left() >= data.right()  # beside
    view.resize(260, 320)
    qtbot.waitUntil(lambda: view.width() == 260)
    qtbot.wait(20)
    box, data = _legend_box_and_data(view.plot, view.legend)
    assert box.bottom() <= data.top() + 1 and not box.intersects(data)  # above
    assert box.width() <= view.width()  # scaled down to fit, never cut


def _tick_text_rects(axis):
    """The rectangles of the tick labels the axis draws now (pyqtgraph's own draw specs)."""
    from PySide6.QtGui import QImage, QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return sorted((rect for rect, _flags, text in specs[2] if text), key=lambda r: r.left())


@pytest.mark.parametrize("plot_width", [220, 260, 420, 500])
def test_tick_labels_never_touch(qtbot, plot_width):
    """Five-digit iteration counts on a narrow learning curve in presentation mode's 16 pt
    ticks: neighbouring tick labels keep a gap (pyqtgraph alone wrote "5000 10000 15000"
    over each other), and at least one label stays."""
    import numpy as np

    from gui_app.explore.plots import TICK_GAP_PX
    from gui_app.explore.views.curves import LearningCurveView

    view = LearningCurveView()
    qtbot.addWidget(view)
    view.new_run("run")
    view.set_current(np.arange(0.0, 17_000.0, 10.0), np.geomspace(1e5, 1e2, 1700))
    axis = view.plot.getAxis("bottom")
    font = axis.font()
    font.setPointSize(16)
    axis.setTickFont(font)
    view.resize(plot_width, 300)
    view.show()
    qtbot.waitUntil(lambda: view.width() == plot_width)
    qtbot.wait(20)
    rects = _tick_text_rects(axis)
    assert len(rects) >= (2 if plot_width >= 500 else 1)  # the axis still says where it is
    for a, b in itertools.pairwise(rects):
        assert b.left() - a.right() >= TICK_GAP_PX - 2, [(r.left(), r.right()) for r in rects]


@pytest.mark.parametrize("width, height", [(1366, 768), (1280, 720)])
def test_window_opens_inside_the_screen(tmp_path, width, height):
    script = textwrap.dedent("""
        import json
        from gui_app.app import create_main_window, make_application
        app = make_application()
        window = create_main_window()
        window.show()
        for _ in range(5):
            app.processEvents()
        area = window.screen().availableGeometry()
        frame = window.frameGeometry()
        print(json.dumps({"area": [area.x(), area.y(), area.width(), area.height()],
                          "frame": [frame.x(), frame.y(), frame.width(), frame.height()]}))
        window.close()
    """)
    seen = last_json_line(
        run_app_script(script, tmp_path, platform=offscreen_screen(tmp_path, width, height))
    )
    area = QRect(*seen["area"])
    frame = QRect(*seen["frame"])
    assert area.size() == QSize(width, height)
    assert area.contains(frame), seen


def test_the_lesson_panel_fits_beside_the_window_on_1366x768(window, qtbot):
    """With the lesson panel open the window's minimum width still fits a 1366-px screen
    (the numbers panel stacks its equations under the numbers, or the classroom hides them,
    instead of widening it)."""
    from PySide6.QtWidgets import QDockWidget

    dock = window.findChild(QDockWidget, "lessonPanel")
    assert dock is not None
    dock.show()
    qtbot.waitUntil(dock.isVisible)
    target = fit_size(_available(1366, 768))
    assert window.minimumSizeHint().width() <= target.width()
    window.resize(target)
    qtbot.waitUntil(lambda: window.width() == target.width())
    numbers = window.numbers
    if numbers.width() < numbers.side_by_side_width:  # too narrow for both in a row
        qtbot.waitUntil(lambda: numbers.row.direction() == numbers.row.Direction.TopToBottom)
    assert numbers.width() >= numbers.minimumSizeHint().width()  # never squeezed below it
    dock.hide()
    qtbot.waitUntil(lambda: numbers.width() >= numbers.side_by_side_width, timeout=2000)
    qtbot.waitUntil(lambda: numbers.row.direction() == numbers.row.Direction.LeftToRight)
