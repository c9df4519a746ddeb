"""Classroom features through the real window and worker: lessons from the menu, sessions,
exports, the clipboard, presentation mode and About (pytest-qt, offscreen)."""

from __future__ import annotations

import csv
import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication, QImage

from core.lessons import builtin_lessons
from gui_app.classroom.settings_bridge import read_settings

TIMEOUT = 30_000
LESSONS = {lesson.id: k for k, lesson in enumerate(builtin_lessons())}


def _play_from_menu(window, qtbot, lesson_id):
    """Trigger the lesson's entry of the Lessons menu; wait for its last run."""
    classroom = window.classroom
    classroom.player.hold_ms = 0
    action = classroom.lesson_actions[LESSONS[lesson_id]]
    assert action in classroom.lessons_menu.actions()
    with qtbot.waitSignal(classroom.player.finished, timeout=TIMEOUT) as blocker:
        action.trigger()
    outcome = blocker.args[0]
    assert not classroom.player.playing
    return outcome


def _legend_labels(view):
    return [label.text for _sample, label in view.legend.items]


def _finished_run(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.run_button.click()
    return blocker.args[0]


def test_lessons_menu_lists_six_lessons(window):
    titles = [a.text() for a in window.classroom.lesson_actions]
    assert len(titles) == 6
    assert any("Feature scaling" in t for t in titles)
    assert any("learning rate" in t for t in titles)


def test_scaling_lesson_unscaled_needs_many_times_the_iterations(window, qtbot):
    outcome = _play_from_menu(window, qtbot, "1-scaling")
    slow, fast = outcome.iterations("unscaled"), outcome.iterations("z-score")
    assert slow >= 20 * fast, (slow, fast)
    assert outcome.results["z-score"].final.status == "converged"
    assert all(ok for _c, ok, _d in outcome.claims), outcome.claims
    # every control took the lesson's settings; the contour shows equal axes
    s = read_settings(window)
    assert (s["source"], s["m"], s["n"], s["seed"], s["scaling"]) == \
        ("synthetic", 200, 2, 3, "zscore")
    assert window.contour.equal_axes.isChecked()
    assert window.contour.plot.getViewBox().state["aspectLocked"]
    assert (s["contour_x"], s["contour_y"]) == ("x1", "x2")
    assert _legend_labels(window.learning) == ["unscaled", "z-score"]
    # the explanation is beside the plots, with the numbers the runs produced
    assert window.classroom.panel.isVisible()
    text = window.classroom.panel_text.toPlainText()
    assert "ellipses into circles" in text and "✓" in text and "✗" not in text


def test_learning_rate_lesson_overlays_three_runs_and_one_diverges(window, qtbot):
    outcome = _play_from_menu(window, qtbot, "2-learning-rate")
    results = outcome.results
    assert list(results) == ["α = 0.05 α_max", "α = 0.9 α_max", "α = 1.1 α_max"]
    big = results["α = 1.1 α_max"]
    assert big.alpha > big.problem.alpha_max and big.final.diverged
    assert not results["α = 0.9 α_max"].final.diverged
    assert results["α = 0.9 α_max"].final.cost < results["α = 0.05 α_max"].final.cost
    assert _legend_labels(window.learning) == list(results)
    assert len(window.learning.curves) == 3
    assert all(ok for _c, ok, _d in outcome.claims)


def test_normal_equation_lesson_agrees_with_gd(window, qtbot):
    outcome = _play_from_menu(window, qtbot, "3-normal-vs-gd")
    gd = outcome.results["gradient descent"].final
    exact = outcome.results["normal equation"].final
    np.testing.assert_allclose(gd.w, exact.w, rtol=1e-7)
    assert gd.b == pytest.approx(exact.b, rel=1e-7)


def test_loop_lesson_runs_and_shows_the_timing_tab_when_there_is_one(window, qtbot):
    shown = []
    if hasattr(window, "show_timing_tab"):
        original = window.show_timing_tab
        window.show_timing_tab = lambda preset: (shown.append(preset), original(preset))
    outcome = _play_from_menu(window, qtbot, "4-loop-vs-blas")
    loop = outcome.results["Python loop"].final
    vec = outcome.results["vectorised"].final
    np.testing.assert_allclose(loop.w, vec.w, rtol=1e-12)
    assert outcome.records["Python loop"].solver == "gd-loop"
    assert shown == (["textbook"] if hasattr(type(window), "show_timing_tab") else [])


def test_polynomial_and_inverse_lessons(window, qtbot):
    outcome = _play_from_menu(window, qtbot, "5-polynomial-scaling")
    un, z = outcome.results["unscaled"], outcome.results["z-score"]
    assert un.problem.condition_number > 1000 * z.problem.condition_number
    assert z.final.cost < un.final.cost
    outcome = _play_from_menu(window, qtbot, "6-why-not-invert")
    textbook = outcome.results["textbook (XᵀX)⁻¹Xᵀy"].final
    assert any("untrustworthy" in w for w in textbook.warnings)
    assert outcome.results["stable QR"].final.cost < textbook.cost
    assert all(ok for _c, ok, _d in outcome.claims)


def test_broken_lesson_file_gives_a_clear_message(window, qtbot, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "gd-explorer-lesson", "version": 1, "title": "x",', "utf-8")
    before = read_settings(window)
    assert window.classroom.open_lesson(bad) is None
    assert window.message_kind == "error"
    assert "broken.json" in window.message.text() and "JSON" in window.message.text()
    assert read_settings(window) == before


def test_save_current_state_as_lesson_and_open_it(window, qtbot, tmp_path):
    c = window.controls
    c.source_combo.setCurrentIndex(1)
    c.seed_spin.setValue(11)
    c.iterations_spin.setValue(50)
    path = tmp_path / "mine.json"
    lesson = window.classroom.save_lesson(path, "My lesson", "Look at this.")
    assert lesson is not None and json.loads(path.read_text("utf-8"))["settings"]["seed"] == 11
    c.seed_spin.setValue(0)
    window.classroom.player.hold_ms = 0
    with qtbot.waitSignal(window.classroom.player.finished, timeout=TIMEOUT) as blocker:
        window.classroom.open_lesson(path)
    assert blocker.args[0].lesson.title == "My lesson"
    assert c.seed_spin.value() == 11 and c.iterations_spin.value() == 50


def test_session_round_trip(window, qtbot, tmp_path):
    c = window.controls
    c.iterations_spin.setValue(400)
    c.set_alpha(0.2)
    first = _finished_run(window, qtbot)
    c.algorithm_combo.setCurrentIndex(1)  # normal equation
    _finished_run(window, qtbot)
    saved = read_settings(window)
    path = tmp_path / "lesson-day.gdx.json"
    assert window.classroom.save_session(path)
    # change everything, then reopen
    c.algorithm_combo.setCurrentIndex(0)
    c.iterations_spin.setValue(7)
    c.scaling_combo.setCurrentIndex(0)
    window.reset()
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        assert window.classroom.open_session(path)
    qtbot.waitUntil(lambda: not window.worker.is_busy(), timeout=TIMEOUT)
    assert read_settings(window) == saved
    runs = window.classroom.runs
    assert len(runs) == 2 and runs[0].iterations[-1] == first.iteration
    assert runs[0].costs[-1] == pytest.approx(first.cost)
    assert len(window.learning.curves) == 2
    x, y = window.learning.curves[0].getData()
    assert len(x) == len(runs[0].iterations)
    assert 10 ** y[-1] == pytest.approx(first.cost)


def test_corrupt_or_foreign_session_changes_nothing(window, qtbot, tmp_path):
    _finished_run(window, qtbot)
    before = read_settings(window)
    runs = list(window.classroom.runs)
    curves = len(window.learning.curves)
    for name, text in (("corrupt.gdx.json", '{"format": "gd-explorer-session", "vers'),
                       ("foreign.json", '{"hello": "world"}'),
                       ("bad-value.json", json.dumps({"format": "gd-explorer-session",
                                                      "version": 1,
                                                      "settings": {"alpha": "fast"}}))):
        path = tmp_path / name
        path.write_text(text, "utf-8")
        with qtbot.waitSignal(window.message_shown, timeout=1000) as blocker:
            assert not window.classroom.open_session(path)
        assert blocker.args[1] == "error" and name in blocker.args[0]
        assert "nothing was changed" in blocker.args[0]
        assert read_settings(window) == before
        assert window.classroom.runs == runs and len(window.learning.curves) == curves


def test_remembered_session_restores_and_a_corrupt_one_does_not_block(qtbot, tmp_path,
                                                                    monkeypatch):
    from gui_app.app import create_main_window as MainWindow  # window + classroom
    from gui_app.classroom import classroom as classroom_mod

    monkeypatch.setenv(classroom_mod.CONFIG_DIR_ENV, str(tmp_path))
    w = MainWindow()
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.problem_ready, timeout=TIMEOUT):
        w.show()
    w.classroom.remember = True
    w.controls.iterations_spin.setValue(321)
    _finished_run(w, qtbot)
    w.close()  # remembers
    assert (tmp_path / classroom_mod.LAST_SESSION_FILE).exists()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.show()
    w2.classroom.restore_remembered()
    assert w2.controls.iterations_spin.value() == 321 and len(w2.classroom.runs) == 1
    w2.classroom.remember = False
    w2.close()
    (tmp_path / classroom_mod.LAST_SESSION_FILE).write_text("{not json", "utf-8")
    (tmp_path / "gd-explorer.ini").write_bytes(b"\x00\xff[window]\ngeometry=@ByteArray(zz")
    w3 = MainWindow()
    qtbot.addWidget(w3)
    w3.show()
    w3.classroom.restore_remembered()
    w3.classroom.remember = False
    assert w3.message_kind == "warning" and "defaults" in w3.message.text()
    assert w3.controls.iterations_spin.value() == 1000
    qtbot.waitUntil(lambda: w3.prepared is not None, timeout=TIMEOUT)


def test_exports_round_trip(window, qtbot, tmp_path):
    window.controls.iterations_spin.setValue(200)
    window.controls.tolerance_edit.setText("0")
    snap = _finished_run(window, qtbot)
    classroom = window.classroom
    # history: last run as CSV and JSON, all runs as CSV and JSON
    assert classroom.export_runs(tmp_path / "last.csv", last=True)
    rows = list(csv.reader((tmp_path / "last.csv").open(encoding="utf-8")))
    assert rows[0][:2] == ["iteration", "cost"] and len(rows) == snap.iteration + 2
    assert float(rows[-1][1]) == pytest.approx(snap.cost)
    np.testing.assert_allclose([float(v) for v in rows[-1][2:]], [*snap.w, snap.b])
    assert classroom.export_runs(tmp_path / "last.json", last=True)
    data = json.loads((tmp_path / "last.json").read_text("utf-8"))
    assert data["runs"][0]["costs"][-1] == pytest.approx(snap.cost)
    window.controls.algorithm_combo.setCurrentIndex(1)
    _finished_run(window, qtbot)
    assert classroom.export_runs(tmp_path / "all.json", last=False)
    assert len(json.loads((tmp_path / "all.json").read_text("utf-8"))["runs"]) == 2
    assert classroom.export_runs(tmp_path / "all.csv", last=False)
    rows = list(csv.DictReader((tmp_path / "all.csv").open(encoding="utf-8")))
    assert {r["run"] for r in rows} == {"1", "2"}
    assert len([r for r in rows if r["run"] == "1"]) == snap.iteration + 1
    # plots: PNG and SVG parse and hold the run
    assert classroom.export_plot("learning curve", tmp_path / "curve.png")
    image = QImage(str(tmp_path / "curve.png"))
    assert not image.isNull() and image.width() >= 400
    assert classroom.export_plot("learning curve", tmp_path / "curve.svg")
    svg = ET.parse(tmp_path / "curve.svg").getroot()
    texts = "".join(svg.itertext())
    assert "Learning curve" in texts and "#1 GD" in texts
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}path"))) >= 2
    for name in ("contour", "parameters", "data", "feature scaling"):
        assert classroom.export_plot(name, tmp_path / f"{name}.png"), name
        assert not QImage(str(tmp_path / f"{name}.png")).isNull()
    assert not classroom.export_plot("contour", tmp_path / "x.gif")
    assert window.message_kind == "error"


def test_model_summary_goes_to_the_clipboard(window, qtbot):
    assert window.classroom.copy_model_summary() is None  # no run yet: says so
    snap = _finished_run(window, qtbot)
    text = window.classroom.copy_model_summary()
    assert QGuiApplication.clipboard().text() == text
    assert "price" in text and f"{snap.b:.6g}" in text


def test_presentation_mode_toggles_fonts_lines_and_palette(window, qtbot):
    from gui_app.classroom import classroom as classroom_mod
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
    assert curve.opts["pen"].color().name().upper() in classroom_mod.OKABE_ITO
    assert plots.RUN_COLORS == classroom_mod.OKABE_ITO
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

    from gui_app.classroom.classroom import controls_area

    classroom = window.classroom
    window.resize(1920, 1080)
    scroll, splitter = controls_area(window)
    sizes = splitter.sizes()
    c = window.controls
    combo_policy = c.scaling_combo.sizeAdjustPolicy()
    _finished_run(window, qtbot)
    right_axis = window.learning.plot.getAxis("right").isVisible()  # the normal layout's
    classroom.presentation_action.trigger()
    qtbot.wait(50)
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
        assert len(legend.items) == len([i for i in plot.items if i.name()]) or \
            view is window.contour
    assert "training coordinates" not in window.contour.plot.getAxis("left").labelText

    classroom.controls_action.trigger()  # F9: the panel as a drawer
    qtbot.wait(50)
    assert classroom.controls_visible() and classroom.controls_action.isChecked()
    assert not any(a.shortcut().toString() for a, _b, _k in classroom.run_actions)
    viewport = scroll.viewport()
    checked = 0
    for widget in c.findChildren(QLabel) + c.findChildren(QComboBox) + \
            c.findChildren(QPushButton) + c.findChildren(QLineEdit):
        if widget.isVisibleTo(c) and (not isinstance(widget, QLabel) or widget.text()):
            problem = _cut_off(widget, viewport)
            assert problem is None, f"{type(widget).__name__} {widget.objectName()!r} " \
                f"{getattr(widget, 'text', lambda: '')()!r}: {problem}"
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
    assert window.contour.plot.getAxis("left").labelText.endswith("(training coordinates, "
                                                                 "z-score)")
    assert window.learning.plot.getAxis("right").isVisible() == right_axis


def test_about_lists_the_versions(window, qtbot):
    dialog = window.classroom.show_about()
    text = dialog.plain_text()
    for name in ("GD Explorer", "Python", "Qt", "PySide6", "NumPy", "BLAS", "GPU"):
        assert f"{name}:" in text
    assert "threads" in text and np.__version__ in text
    dialog.close()
    assert math.isfinite(len(text))


def test_session_keeps_only_the_runs_the_learning_curve_shows(window, qtbot):
    """A long lesson must not grow memory without bound: older run records are dropped."""
    window.controls.iterations_spin.setValue(5)
    limit = window.learning.MAX_RUNS
    for _ in range(limit + 3):
        _finished_run(window, qtbot)
    assert len(window.classroom.runs) == limit
    names = [c.opts["name"] for c in window.learning.curves]
    assert [r.label for r in window.classroom.runs] == names
