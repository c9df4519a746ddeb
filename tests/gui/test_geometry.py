"""The window fits the screen it is on (issue 9, item 4): at 1280 × 720, 1366 × 768 and
1920 × 1080 every control is reachable (the control panel scrolls, Run and Stop stay in
view), no plot is shorter than 180 px, and the window opens inside the screen's available
area (checked in a child process whose offscreen screen has that size)."""

from __future__ import annotations

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


def test_legends_stay_off_the_contour_and_parameters_data(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=15_000):
        window.controls.run_button.click()
    window.resize(fit_size(_available(1920, 1080)))
    qtbot.wait(50)
    contour = window.contour
    assert not contour.legend.isVisible()  # the legend is the row above the plot
    assert contour.legend_label.isVisible() and "optimum" in contour.legend_label.text()
    for view in (window.params, window.learning):  # wide enough: beside the data
        box = view.legend.mapRectToItem(view.plot, view.legend.boundingRect())
        data = view.plot.vb.mapRectToItem(view.plot, view.plot.vb.boundingRect())
        assert view.legend.items and not box.intersects(data)
        assert view.plot.boundingRect().adjusted(-1, -1, 1, 1).contains(box)


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
