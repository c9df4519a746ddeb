"""Classroom features through the real window and worker: lessons from the menu, sessions,
exports, the clipboard, presentation mode and About (pytest-qt, offscreen)."""

from __future__ import annotations

import csv
import json
import math
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication, QImage

from core.lessons import builtin_lessons
from gui_app.classroom import storage
from gui_app.classroom.settings_bridge import read_settings
from tests.gui.classroom_window import make_window, shown_window

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


def test_lessons_menu_lists_ten_lessons(window):
    titles = [a.text() for a in window.classroom.lesson_actions]
    assert len(titles) == 13  # issue 12 added lessons 11-13
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
    assert (s["source"], s["m"], s["n"], s["seed"], s["scaling"]) == (
        "synthetic",
        200,
        2,
        3,
        "zscore",
    )
    assert window.contour.equal_axes.isChecked()
    assert window.contour.plot.getViewBox().state["aspectLocked"]
    assert (s["contour_x"], s["contour_y"]) == ("x2", "x1")  # x2 across: tall ellipses
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
    # the lesson's solver gd-loop is gd with the loop implementation (RunSettings)
    assert outcome.records["Python loop"].solver == "gd"
    ran = outcome.results["Python loop"].run
    assert (ran.solver, ran.implementation) == ("gd", "loop")
    if hasattr(type(window), "show_timing_tab"):  # the textbook case, set by the lesson
        assert len(shown) == 1 and window.tabs.currentWidget() is window.timing
        timing = window.timing
        assert (timing.m_spin.value(), timing.n_spin.value()) == (100_000, 1_000)
    else:
        assert shown == []


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
    c.solver_combo.setCurrentIndex(1)  # normal equation
    _finished_run(window, qtbot)
    saved = read_settings(window)
    path = tmp_path / "lesson-day.gdx.json"
    with qtbot.waitSignal(window.classroom.sessions.writer.saved, timeout=TIMEOUT):
        assert window.classroom.save_session(path)
    # change everything, then reopen
    c.solver_combo.setCurrentIndex(0)
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
    for name, text in (
        ("corrupt.gdx.json", '{"format": "gd-explorer-session", "vers'),
        ("foreign.json", '{"hello": "world"}'),
        (
            "bad-value.json",
            json.dumps(
                {"format": "gd-explorer-session", "version": 1, "settings": {"alpha": "fast"}}
            ),
        ),
    ):
        path = tmp_path / name
        path.write_text(text, "utf-8")
        with qtbot.waitSignal(window.message_shown, timeout=1000) as blocker:
            assert not window.classroom.open_session(path)
        assert blocker.args[1] == "error" and name in blocker.args[0]
        assert "nothing was changed" in blocker.args[0]
        assert read_settings(window) == before
        assert window.classroom.runs == runs and len(window.learning.curves) == curves


def test_remembered_session_restores_and_a_corrupt_one_does_not_block(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    w = shown_window(qtbot, TIMEOUT)
    w.classroom.remember = True
    w.controls.iterations_spin.setValue(321)
    _finished_run(w, qtbot)
    w.close()  # remembers
    assert (tmp_path / storage.LAST_SESSION_FILE).exists()
    w2 = make_window()
    qtbot.addWidget(w2)
    w2.show()
    w2.classroom.restore_remembered()
    assert w2.controls.iterations_spin.value() == 321 and len(w2.classroom.runs) == 1
    w2.classroom.remember = False
    w2.close()
    (tmp_path / storage.LAST_SESSION_FILE).write_text("{not json", "utf-8")
    (tmp_path / "gd-explorer.ini").write_bytes(b"\x00\xff[window]\ngeometry=@ByteArray(zz")
    w3 = make_window()
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
    window.controls.solver_combo.setCurrentIndex(1)
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


# -- hostile files and faults (issue 9, item 10) ----------------------------------------------


def _hostile_session_files(tmp_path):
    base = {"format": "gd-explorer-session", "version": 1}
    files = {
        "missing-field.gdx.json": json.dumps({**base, "runs": [{"label": "x"}]}),
        "seed-2-32.gdx.json": json.dumps({**base, "settings": {"seed": 2**32 - 1}}),
        "nested.gdx.json": "[" * 5000 + "]" * 5000,
        "huge-int.gdx.json": '{"format": "gd-explorer-session", "version": 1, "settings": '
        '{"iterations": ' + "9" * 5000 + "}}",
        "infinity.gdx.json": '{"format": "gd-explorer-session", "version": 1, "settings": '
        '{"iterations": Infinity}}',
    }
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, "utf-8")
        paths.append(path)
    fifo = tmp_path / "fifo.gdx.json"
    os.mkfifo(fifo)
    return [*paths, fifo]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need a POSIX system")
def test_hostile_sessions_are_one_message_each_and_the_window_stays_usable(window, qtbot, tmp_path):
    shown = []
    window.message_shown.connect(lambda text, kind: shown.append((kind, text)))
    for path in _hostile_session_files(tmp_path):
        before = read_settings(window)
        shown.clear()
        opened = window.classroom.open_session(path)
        if path.name == "seed-2-32.gdx.json" and opened:
            # a valid seed beyond the window's spin box: applied as the nearest, and said so
            assert window.controls.seed_spin.value() == window.controls.seed_spin.maximum()
            assert any("seed" in text for _k, text in shown), shown
            continue
        assert not opened, path.name
        assert [k for k, _t in shown] == ["error"], (path.name, shown)
        assert path.name in shown[0][1] and "Traceback" not in shown[0][1]
        assert read_settings(window) == before
    qtbot.waitUntil(lambda: not window.worker.is_busy(), timeout=TIMEOUT)
    assert _finished_run(window, qtbot).status in ("converged", "max_iterations", "solved")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need a POSIX system")
def test_hostile_lessons_are_one_message_each(window, qtbot, tmp_path):
    base = {"format": "gd-explorer-lesson", "version": 1, "title": "t", "explanation": "e"}
    files = {
        "missing-runs.json": json.dumps(base),
        "seed.json": json.dumps(
            {
                **base,
                "settings": {"seed": 2**32 - 1},
                "runs": [{"label": "a", "settings": {}}],
                "claims": [{"kind": "converges"}],
            }
        ),
        "nested.json": '{"a":' * 5000 + "1" + "}" * 5000,
    }
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
        paths.append(tmp_path / name)
    os.mkfifo(tmp_path / "fifo.json")
    paths.append(tmp_path / "fifo.json")
    for path in paths:
        shown = []
        window.message_shown.connect(lambda text, kind, s=shown: s.append((kind, text)))
        lesson = window.classroom.open_lesson(path)
        window.message_shown.disconnect()
        if lesson is not None:  # a lesson the core accepts plays; stop it
            window.classroom.player.stop()
            continue
        assert [k for k, _t in shown] == ["error"], (path.name, shown)
        assert "Traceback" not in shown[0][1]
    window.stop()
    qtbot.waitUntil(lambda: not window.worker.is_busy(), timeout=TIMEOUT)
    assert _finished_run(window, qtbot).status in (
        "converged",
        "max_iterations",
        "solved",
        "diverged",
        "cancelled",
    )


def test_plot_export_on_a_full_disk_keeps_the_old_file(window, qtbot, tmp_path, monkeypatch):
    import errno

    import core.files

    _finished_run(window, qtbot)
    target = tmp_path / "curve.png"
    assert window.classroom.export_plot("learning curve", target)
    good = target.read_bytes()

    def full_disk(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(core.files.os, "fsync", full_disk)
    for name in ("curve.png", "curve.svg"):
        path = tmp_path / name
        if name.endswith(".svg"):
            path.write_bytes(b"<svg/>")
        old = path.read_bytes()
        assert not window.classroom.export_plot("learning curve", path)
        assert window.message_kind == "error" and "No space left" in window.message.text()
        assert path.read_bytes() == old
    assert target.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.png", "curve.svg"]
    assert not window.classroom.export_runs(tmp_path / "runs.csv", last=False)
    assert not (tmp_path / "runs.csv").exists()


def test_the_lesson_panel_survives_a_restart(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    w = shown_window(qtbot, TIMEOUT)
    w.classroom.remember = True
    outcome = _play_from_menu(w, qtbot, "2-learning-rate")
    w.close()  # remembers the session, with the lesson on the panel
    w2 = make_window()
    qtbot.addWidget(w2)
    w2.show()
    w2.classroom.restore_remembered()
    w2.classroom.remember = False
    panel = w2.classroom.panel
    assert panel.isVisible()
    text = w2.classroom.panel_text.toPlainText()
    assert outcome.lesson.title in text
    for label in outcome.results:  # each run's result, from the remembered runs
        assert label in text
    assert "not run yet" not in text and "3 of 3 runs" in text
    assert w2.classroom.replay_button.isVisible()
    w2.classroom.player.hold_ms = 0
    with qtbot.waitSignal(w2.classroom.player.finished, timeout=TIMEOUT) as blocker:
        w2.classroom.replay_button.click()
    assert blocker.args[0].lesson.id == "2-learning-rate"
    w2.close()


def test_a_value_beyond_a_spin_box_is_clamped_not_overflowed(qtbot):
    """Qt spin boxes hold a C int: 2**31 and more overflowed into a traceback."""
    from PySide6.QtWidgets import QSpinBox

    from gui_app.explore.controls import set_spin

    spin = QSpinBox()
    qtbot.addWidget(spin)
    spin.setRange(0, 2**31 - 1)
    notes: list[str] = []
    set_spin(spin, 2**32 - 1, "seed", notes)
    assert spin.value() == 2**31 - 1
    assert len(notes) == 1 and "seed" in notes[0] and "nearest" in notes[0]
    set_spin(spin, -5, "seed", notes)
    assert spin.value() == 0 and len(notes) == 2


def test_settings_without_a_control_reach_the_data_and_the_saved_settings(window, qtbot, tmp_path):
    """The header choice and the target before the file loads have no control: the window's
    state holds them (issue 9)."""
    from gui_app.classroom.settings_bridge import apply_settings

    path = tmp_path / "no-header.csv"
    path.write_text("3,2.0\n1,4.1\n4,5.9\n1,8.2\n5,9.9\n", "utf-8")  # (no row numbers)
    values = {"source": "csv", "csv_path": str(path), "target": "0", "header": "no"}
    assert apply_settings(window, values) == []
    data = window.state.settings.data
    assert (data.csv_path, data.target, data.header) == (str(path), "0", "no")
    qtbot.waitUntil(
        lambda: window.prepared is not None and window.state.prepared_matches(), timeout=TIMEOUT
    )
    dataset = window.prepared.dataset
    assert dataset.y.tolist() == [3, 1, 4, 1, 5]  # column 0, and the first row is data
    # the picker shows the made-up name; the setting stays the column index
    assert window.controls.target_combo.currentText() == dataset.target_name
    assert dataset.target_name not in ("0", "1")  # a made-up name (x1 …), not the setting
    saved = read_settings(window)
    assert (saved["target"], saved["header"], saved["csv_path"]) == ("0", "no", str(path))
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        assert window.run() is not None  # the state still describes a file that loads
    assert window.message_kind != "error"
