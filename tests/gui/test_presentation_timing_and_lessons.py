"""Presentation mode on the Timing tab, lesson text after a reopened session, lesson 4's
timing setup and lesson 1's comparison window (pytest-qt, offscreen)."""

from __future__ import annotations

import pyqtgraph as pg

SIZE = (1366, 768)


def _present_on_timing(window, qtbot):
    classroom = window.classroom
    classroom.presentation.full_screen = False
    window.tabs.setCurrentWidget(window.timing)
    classroom.presentation_action.trigger()
    assert classroom.presentation.active
    qtbot.wait(50)
    window.resize(*SIZE)
    qtbot.waitUntil(lambda: window.size().toTuple() == SIZE, timeout=5000)
    qtbot.wait(50)


def _inside_window(window, widget) -> bool:
    rect = widget.rect()
    top_left = widget.mapTo(window, rect.topLeft())
    bottom_right = widget.mapTo(window, rect.bottomRight())
    return (
        top_left.x() >= 0
        and bottom_right.x() <= window.width() + 1
        and (bottom_right.y() <= window.height() + 1)
    )


def _title_inside(plot) -> bool:
    text = plot.titleLabel.item
    box = text.mapRectToItem(plot, text.boundingRect())
    return plot.boundingRect().adjusted(-1, -1, 1, 1).contains(box)


def test_presenting_the_timing_tab_fits_and_leaving_restores_the_controls(window, qtbot):
    classroom = window.classroom
    timing = window.timing
    message_pt = timing.message.font().pointSizeF()
    window.show_timing_tab("small")  # results with sizes in the bar chart's title
    timing.config_overrides = {"warmup_s": 0.01, "bandwidth_bytes": 32 << 20}
    timing.m_spin.setValue(2000)
    timing.set_impls(("vectorised", "fused"))
    with qtbot.waitSignal(timing.report_ready, timeout=30_000):
        timing.run_button.click()
    classroom.panel.show()  # as lesson 4 leaves it
    _present_on_timing(window, qtbot)
    # the Timing controls fold like the Explore ones; the Explore numbers are not shown
    assert not timing.controls_column.isVisible()
    numbers = window.findChild(pg.QtWidgets.QDockWidget, "presentationNumbers")
    assert numbers is None or not numbers.isVisible()
    for chart in (timing.time_bars, timing.bandwidth, timing.scaling):
        assert chart.isVisible() and _inside_window(window, chart), type(chart).__name__
        assert chart.width() >= 250 and chart.height() >= 180
        plot = chart.plot_item if hasattr(chart, "plot_item") else chart.getPlotItem()
        assert _title_inside(plot), f"title {plot.titleLabel.text!r} cut off"
    panel_left = classroom.panel.mapTo(window, classroom.panel.rect().topLeft()).x()
    assert timing.bandwidth.mapTo(window, timing.bandwidth.rect().topRight()).x() <= panel_left
    # F9 brings the Timing controls back, inside the window
    classroom.controls_action.trigger()
    qtbot.wait(20)
    assert timing.controls_column.isVisible() and _inside_window(window, timing.controls_column)
    classroom.controls_action.trigger()
    qtbot.wait(20)
    assert not timing.controls_column.isVisible()
    # back in the Explore tab the numbers dock is shown again
    window.tabs.setCurrentIndex(0)
    qtbot.wait(20)
    assert window.numbers.isVisible()
    window.tabs.setCurrentWidget(timing)
    classroom.presentation_action.trigger()  # leave from the Timing tab
    assert not classroom.presentation.active
    qtbot.wait(50)
    assert timing.controls_column.isVisible()
    assert timing.message.font().pointSizeF() == message_pt
    window.tabs.setCurrentIndex(0)
    qtbot.wait(50)
    assert window.controls.isVisible(), "the Explore control panel is back"
    assert classroom.controls_action.isChecked()
    assert window.controls.run_button.isVisible()
    assert window.numbers.isVisible()


# -- 2: a reopened session's lesson text ------------------------------------------------------


def _play(window, qtbot, lesson):
    classroom = window.classroom
    classroom.player.hold_ms = 0
    with qtbot.waitSignal(classroom.player.finished, timeout=30_000):
        classroom.play_lesson(lesson)


def _change(window, qtbot, **changes):
    from gui_app.classroom.settings_bridge import apply_settings, read_settings

    apply_settings(window, {**read_settings(window), **changes})
    qtbot.waitUntil(lambda: window.state.prepared_matches(), timeout=10_000)


def test_a_reopened_session_dims_the_lesson_text_when_its_settings_differ(window, qtbot):
    from core.lessons import builtin_lessons
    from gui_app.classroom.lesson_panel import STALE_NOTE

    classroom = window.classroom
    view = classroom.panel_view
    _play(window, qtbot, builtin_lessons()[0])
    assert not view.stale
    as_played = classroom.session_state()
    _change(window, qtbot, source="housing", degree=2)
    qtbot.waitUntil(lambda: view.stale, timeout=5000)
    changed = classroom.session_state()
    _change(window, qtbot, source="curve", degree=1)
    classroom.apply_session(changed)
    qtbot.waitUntil(lambda: window.state.prepared_matches(), timeout=10_000)
    assert view.stale, "housing degree 2 is not the lesson's settings"
    assert STALE_NOTE.split(":")[0] in classroom.panel_text.toPlainText()
    classroom.apply_session(as_played)  # the lesson's own settings: shown normally
    qtbot.waitUntil(lambda: window.state.prepared_matches(), timeout=10_000)
    assert not view.stale
    assert STALE_NOTE.split(":")[0] not in classroom.panel_text.toPlainText()


# -- 3: lesson 4's timing setup clears results of other sizes ---------------------------------


def test_lesson_4_clears_old_timing_results_and_sets_its_comparison(window, qtbot):
    from core.lessons import builtin_lessons
    from core.timing.bench import IMPLS

    timing = window.timing
    window.show_timing_tab(None)
    timing.config_overrides = {"warmup_s": 0.01, "bandwidth_bytes": 32 << 20}
    timing.m_spin.setValue(2000)
    timing.n_spin.setValue(20)
    timing.repeats_spin.setValue(2)
    timing.points_spin.setValue(timing.points_spin.minimum())
    timing.set_impls(("vectorised", "fused"))  # the loop unchecked
    timing.sweep_combo.setCurrentIndex(timing.sweep_combo.findData("m"))
    with qtbot.waitSignal(timing.report_ready, timeout=30_000):
        timing.run_button.click()
    assert "2,000" in timing.time_bars.plot_item.titleLabel.text and timing.scaling.curves
    lesson_4 = next(les for les in builtin_lessons() if les.settings.get("tab") == "timing")
    _play(window, qtbot, lesson_4)
    assert window.tabs.currentWidget() is timing
    assert (timing.m_spin.value(), timing.n_spin.value()) == (100_000, 1_000)
    # the old results are gone: no bars, no sweep curves, nothing to export
    assert timing.report is None and not timing.time_bars.rows
    assert "2,000" not in timing.time_bars.plot_item.titleLabel.text
    assert not timing.scaling.curves and timing.scaling.placeholder.isVisible()
    assert not timing.export_csv_button.isEnabled()
    assert "cleared" in timing.message.text()
    # the lesson compares every implementation at one size
    assert set(timing.selected_impls()) == set(IMPLS)
    assert timing.sweep_combo.currentData() is None


def test_a_preset_keeps_results_of_the_same_sizes(window, qtbot):
    timing = window.timing
    window.show_timing_tab(None)
    timing.config_overrides = {"warmup_s": 0.01, "bandwidth_bytes": 32 << 20}
    timing.apply_preset("small")
    timing.repeats_spin.setValue(2)
    timing.set_impls(("vectorised",))
    with qtbot.waitSignal(timing.report_ready, timeout=30_000):
        timing.run_button.click()
    timing.apply_preset("small")
    assert timing.report is not None and timing.time_bars.rows


# -- 4: lesson 1's side-by-side contours ------------------------------------------------------


def test_lesson_1_view_names_axes_as_the_window_stays_in_front_and_closes(window, qtbot):
    from PySide6.QtCore import Qt

    from core.lessons import builtin_lessons
    from gui_app.classroom.compare_view import CompareContoursView

    classroom = window.classroom
    lesson_1 = builtin_lessons()[0]
    _play(window, qtbot, lesson_1)
    view = window.findChild(CompareContoursView, "compareContours")
    assert view is not None and view.isVisible()
    # the lesson's contour pair, named and ordered as in the main window's contour
    x, y = lesson_1.settings["contour_x"], lesson_1.settings["contour_y"]
    main_x, main_y = window.contour.axis_texts  # the z-scored run, the lesson's last
    assert main_x.startswith(f"w[{x}]") and main_y.startswith(f"w[{y}]")
    unscaled, zscored = (side.axis_texts for side in view.views)
    assert zscored == (main_x, main_y)
    assert unscaled[0].startswith(f"w[{x}]") and unscaled[1].startswith(f"w[{y}]")
    # a dialog of the main window: kept above it, also when that one fills the screen
    assert view.windowFlags() & Qt.WindowType.Dialog == Qt.WindowType.Dialog
    assert view.parentWidget() is window
    classroom.presentation_action.trigger()
    qtbot.wait(20)
    assert view.isVisible()
    classroom.presentation_action.trigger()
    # other data: the lesson's contours no longer belong to the window
    _change(window, qtbot, source="housing")
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=5000)


def test_another_lesson_closes_lesson_1_view(window, qtbot):
    from core.lessons import builtin_lessons
    from gui_app.classroom.compare_view import CompareContoursView

    lessons = builtin_lessons()
    _play(window, qtbot, lessons[0])
    view = window.findChild(CompareContoursView, "compareContours")
    assert view.isVisible()
    window.classroom.player.hold_ms = 0
    window.classroom.play_lesson(lessons[1])
    assert not view.isVisible()  # at once, not only when lesson 2 has finished
    with qtbot.waitSignal(window.classroom.player.finished, timeout=60_000):
        pass
