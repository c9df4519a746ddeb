"""Lesson 1's contours side by side (gui_app.classroom.compare_view), pytest-qt offscreen."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from core.lessons import builtin_lessons, run_lesson
from gui_app.classroom.compare_view import CompareContoursView, show_lesson_view

LESSONS = builtin_lessons()
RESULTS = {}


def lesson_1_results():
    if not RESULTS:
        RESULTS.update(run_lesson(LESSONS[0]))
    return RESULTS


def drawn_points(view) -> int:
    return sum(len(item.xData) for item in view.level_items if item.xData is not None)


def test_view_gets_both_surfaces_and_paths_and_labels_them(qtbot):
    results = lesson_1_results()
    view = CompareContoursView()
    qtbot.addWidget(view)
    view.set_runs([results["unscaled"], results["z-score"]])
    left, right = view.views
    for side, label in ((left, "unscaled"), (right, "z-score")):
        run = results[label]
        assert drawn_points(side) > 0  # contour lines drawn
        x, y = side.trajectory.getData()
        # the whole path, in training coordinates, from the start to the end of the run
        assert len(x) == min(len(run.path), 2000)
        final = run.problem.theta(run.final.w_scaled, run.final.b_scaled)
        i, j = run.contour_pair()
        assert (x[-1], y[-1]) == pytest.approx((final[i], final[j]), rel=1e-9, abs=1e-12)
        assert side.equal_axes.isChecked()
        assert side.plot.getViewBox().state["aspectLocked"]
    # tall ellipse next to a circle: the axis ratios the captions print
    assert view.panels[0].axis_ratio > 10 > 1.1 > view.panels[1].axis_ratio
    cap_left, cap_right = (c.text() for c in view.captions)
    assert cap_left.startswith("unscaled: α = 0.9 α_max")
    assert cap_right.startswith("z-score: α = 0.9 α_max")
    assert f"{results['unscaled'].final.iteration:,} iterations" in cap_left
    assert f"{results['z-score'].final.iteration:,} iterations" in cap_right
    assert "(converged)" in cap_left and "(converged)" in cap_right
    # the axes are the lesson's contour pair, named as in the main window's contour
    assert left.plot.getAxis("bottom").labelText == "w[x2]  (training coordinates)"
    assert left.plot.getAxis("left").labelText == "w[x1]  (unscaled)"
    assert right.plot.getAxis("bottom").labelText.startswith("w[x2]  (training coordinates, ")


def test_choosing_another_pair_redraws_both_sides(qtbot):
    results = lesson_1_results()
    view = CompareContoursView()
    qtbot.addWidget(view)
    view.set_runs([results["unscaled"], results["z-score"]])
    before = [p.J.copy() for p in view.panels]
    view.views[0].y_combo.setCurrentIndex(2)  # x1 -> b
    view.views[0].y_combo.activated.emit(2)
    assert [p.y_name for p in view.panels] == ["b", "b"]
    assert view.views[1].pair() == (1, 2)
    assert not np.array_equal(before[0], view.panels[0].J)


def test_show_lesson_view_only_for_lessons_that_declare_it(qtbot):
    from PySide6.QtWidgets import QMainWindow

    main = QMainWindow()
    qtbot.addWidget(main)
    results = lesson_1_results()
    outcome = SimpleNamespace(lesson=LESSONS[0], results=results, records={})
    shown = show_lesson_view(main, outcome)
    assert isinstance(shown, CompareContoursView) and shown.isVisible()
    assert shown.parent() is main  # closes with the main window
    assert show_lesson_view(main, outcome) is shown  # reused, not one more window
    assert (
        show_lesson_view(main, SimpleNamespace(lesson=LESSONS[1], results={}, records={})) is None
    )
    assert not shown.isVisible()  # lesson 1's contours do not stay up for lesson 2


def test_recorded_paths_from_the_window_are_used(qtbot):
    from PySide6.QtWidgets import QMainWindow

    main = QMainWindow()
    qtbot.addWidget(main)
    results = lesson_1_results()
    run = results["z-score"]
    short = run.path[:5]  # a window records a thinned history, in original units
    record = SimpleNamespace(params=tuple(tuple(r) for r in short))
    outcome = SimpleNamespace(lesson=LESSONS[0], results=results, records={"z-score": record})
    shown = show_lesson_view(main, outcome)
    x, _y = shown.views[1].trajectory.getData()
    assert len(x) == 5
    shown.close()


def test_playing_lesson_1_in_the_window_opens_the_side_by_side_view(window, qtbot):
    classroom = window.classroom
    classroom.player.hold_ms = 0
    with qtbot.waitSignal(classroom.player.finished, timeout=60_000) as blocker:
        classroom.play_lesson(LESSONS[0])
    outcome = blocker.args[0]
    view = window.findChild(CompareContoursView, "compareContours")
    assert view is not None and view.isVisible()
    geometry = window.screen().availableGeometry()
    assert view.width() <= geometry.width() and view.height() <= geometry.height()
    assert [p.label for p in view.panels] == ["unscaled", "z-score"]
    for side, label in zip(view.views, ("unscaled", "z-score"), strict=True):
        x, _y = side.trajectory.getData()
        assert len(x) == min(len(outcome.records[label].params), 2000)
    assert view.panels[0].axis_ratio > 10 and view.panels[1].axis_ratio < 1.1
    assert all(ok for _c, ok, _d in outcome.claims), outcome.claims


def test_the_window_offers_the_stopping_distance_demo(window, qtbot):
    combo = window.controls.source_combo
    index = combo.findData("curve")
    assert index >= 0
    with qtbot.waitSignal(window.problem_ready, timeout=10_000):
        combo.setCurrentIndex(index)
    assert window.prepared.dataset.feature_names == ("speed (km/h)",)
    assert window.prepared.dataset.m == 80
