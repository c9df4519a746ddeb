"""The exploration window through its real controls and worker (pytest-qt, offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

TIMEOUT = 15_000


def _long_gd(window, m=20_000, n=40, iterations=5_000_000):
    """Controls set for a gradient-descent run that lasts far longer than any test."""
    c = window.controls
    c.source_combo.setCurrentIndex(1)  # synthetic
    c.m_spin.setValue(m)
    c.n_spin.setValue(n)
    c.iterations_spin.setValue(iterations)
    c.tolerance_edit.setText("0")
    c.set_alpha(1e-3)


def test_window_opens_with_housing_problem(window):
    prep = window.prepared
    assert prep.dataset.source.startswith("housing")
    assert prep.alpha_max > 0
    assert "α_max" in window.controls.alpha_max_label.text()
    levels = [item.getData()[0] for item in window.contour.level_items]
    assert sum(1 for x in levels if x is not None and len(x)) >= 5


def test_run_completes_and_plots_hold_its_trajectory(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.run_button.click()
    snap = blocker.args[0]
    assert snap.converged, snap.message
    x, y = window.contour.trajectory.getData()
    assert len(x) == snap.iteration + 1  # every iteration, none lost to throttling
    i, j = window.pair
    theta = window.history_theta.view()
    np.testing.assert_allclose(x[-1], theta[-1, i])
    np.testing.assert_allclose(y[-1], theta[-1, j])
    cx, cy = window.learning.curves[-1].getData()
    assert len(cx) == snap.iteration + 1
    assert 10 ** cy[-1] == pytest.approx(snap.cost)  # the curve holds log10 (log y axis)
    assert window.message_kind == "ok" and "Converged" in window.message.text()
    # the normal equation lands on the same point
    window.controls.solver_combo.setCurrentIndex(1)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.run_button.click()
    exact = blocker.args[0]
    np.testing.assert_allclose(exact.w, snap.w, rtol=1e-3)
    assert len(window.learning.curves) == 2  # the GD curve is kept for comparison


def test_stop_mid_run(window, qtbot):
    _long_gd(window)
    window.controls.run_button.click()
    qtbot.waitUntil(
        lambda: window.last_snapshot is not None and window.last_snapshot.iteration >= 5,
        timeout=TIMEOUT,
    )
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.stop_button.click()
    snap = blocker.args[0]
    assert snap.status == "cancelled"
    assert "Stopped by the user" in window.message.text()
    assert not window.running and not window.worker.is_busy()


def test_new_run_while_one_is_going_drops_the_old_results(window, qtbot):
    _long_gd(window)
    first = window.run()
    qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=TIMEOUT)
    finals = []
    window.run_finished.connect(finals.append)
    c = window.controls
    c.iterations_spin.setValue(30)
    c.set_alpha(2e-3)
    second = window.run()
    assert second != first
    qtbot.waitUntil(lambda: len(finals) == 1, timeout=TIMEOUT)
    qtbot.wait(100)  # anything late from the first run would arrive now
    assert len(finals) == 1 and finals[0].status == "max_iterations"
    assert finals[0].iteration == 30
    it = window.history_iter[0]
    np.testing.assert_array_equal(it, np.arange(31))  # only the second run's history
    assert len(window.learning.curves) == 2


def test_divergence_is_a_message_and_the_app_stays_usable(window, qtbot):
    c = window.controls
    c.quick_alpha_buttons[-1].click()  # 1.05 α_max
    assert "will diverge" in c.alpha_max_label.text()
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.run_button.click()
    assert blocker.args[0].diverged
    assert window.message_kind == "error"
    assert "Diverged" in window.message.text() and "α_max" in window.message.text()
    c.quick_alpha_buttons[1].click()  # 0.5 α_max
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.run_button.click()
    assert blocker.args[0].converged
    assert window.message_kind == "ok"


def test_malformed_csv_shows_its_error_in_the_window(window, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("size,price\n1,2\n2,oops\n3,4\n", encoding="utf-8")
    window.open_csv(str(bad))
    qtbot.waitUntil(lambda: window.message_kind == "error", timeout=TIMEOUT)
    text = window.message.text()
    assert "bad.csv" in text and "row 3" in text
    # still usable: a good file loads, its columns fill the target picker, and it runs
    good = tmp_path / "good.csv"
    good.write_text(
        "size,rooms,price\n"
        + "".join(
            f"{s},{r},{3 * s + 10 * r + 5}\n"
            for s, r in [(1, 2), (2, 1), (3, 3), (4, 1), (5, 2), (6, 4)]
        ),
        encoding="utf-8",
    )
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(good))
    c = window.controls
    assert [c.target_combo.itemText(k) for k in range(c.target_combo.count())] == [
        "size",
        "rooms",
        "price",
    ]
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.solver_combo.setCurrentIndex(1)
        c.run_button.click()
    np.testing.assert_allclose(blocker.args[0].w, [3, 10], atol=1e-8)


def test_step_and_pause(window, qtbot):
    c = window.controls
    c.step_button.click()  # idle: starts a run paused after one step
    qtbot.waitUntil(
        lambda: window.last_snapshot is not None and window.last_snapshot.iteration == 1,
        timeout=TIMEOUT,
    )
    c.step10_button.click()
    qtbot.waitUntil(lambda: window.last_snapshot.iteration == 11, timeout=TIMEOUT)
    assert window.worker.is_paused() and "Resume" in c.pause_button.text()
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.pause_button.click()  # resume to the end
    assert blocker.args[0].converged


def test_click_on_contour_sets_the_start_point(window, qtbot):
    i, j = window.pair
    window.contour.start_clicked.emit(50.0, -20.0)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    first = window.history_theta.view()[0]
    assert first[i] == pytest.approx(50.0) and first[j] == pytest.approx(-20.0)
    sx, sy = window.contour.start_marker.getData()
    assert sx[0] == pytest.approx(50.0) and sy[0] == pytest.approx(-20.0)


def test_reset_clears_runs(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    window.controls.reset_button.click()
    assert window.learning.curves == [] and window.last_snapshot is None
    x, _ = window.contour.trajectory.getData()
    assert x is None or len(x) == 0


def test_gpu_choice_disabled_with_reason_when_unavailable(window, qtbot):
    from core.backend import gpu_status

    status = gpu_status()
    item = window.controls.device_combo.model().item(1)
    qtbot.waitUntil(lambda: "checking" not in item.text(), timeout=TIMEOUT)
    assert item.isEnabled() == status.available
    if not status.available:
        assert "pip install" in window.controls.device_info.text()


def test_prepared_surface_matches_engine(window):
    prep = window.prepared
    i, j = 0, prep.problem.n_params - 1
    u = np.linspace(-50, 300, 7)
    v = np.linspace(-100, 600, 5)
    np.testing.assert_allclose(
        prep.cost_surface(i, j, u, v),
        prep.problem.cost_surface(i, j, u, v, base=prep.optimum),
        rtol=1e-9,
    )


def test_self_test_command_exits_zero():
    import json
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": root}
    proc = subprocess.run(
        [sys.executable, "-m", "gui_app", "--self-test"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert report["passed"]
    assert [s["step"] for s in report["steps"]][-2:] == [
        "contour and curves drawn",
        "animation export and 3-D module",
    ]
    assert report["steps"][-1]["gif_frames"] == 3


# -- issue 9: what the window shows always belongs to the data and model on screen ------------


def _labels(combo) -> list[str]:
    return [combo.itemText(k) for k in range(combo.count())]


def _choose_synthetic(window, qtbot, n: int) -> None:
    c = window.controls
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        c.n_spin.setValue(n)
        c.source_combo.setCurrentIndex(c.source_combo.findData("synthetic"))
    qtbot.waitUntil(
        lambda: window.prepared is not None and window.prepared.problem.n == n, timeout=TIMEOUT
    )


def test_new_data_leaves_no_old_number_path_or_marker(window, qtbot):
    """Housing demo, Run, then synthetic with n = 10, then the contour pair "w: x7"."""
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.run_button.click()
    old_cost = f"{blocker.args[0].cost:.7g}"
    assert old_cost in window.numbers.numbers.text()
    _choose_synthetic(window, qtbot, 10)
    x, _y = window.contour.trajectory.getData()
    assert x is None or len(x) == 0
    cx, _cy = window.contour.current_marker.getData()
    assert len(cx) == 0
    text = window.numbers.numbers.text()
    assert old_cost not in text and "size" not in text  # no housing number or name
    # the housing run stays in the learning curve, labelled with its data
    assert [c.opts["name"] for c in window.learning.curves] == ["#1 GD α=0.1, z-score · housing"]
    labels = _labels(window.contour.x_combo)
    assert len(labels) == 11 and _labels(window.contour.y_combo) == labels
    combo = window.contour.x_combo
    combo.setCurrentIndex(labels.index("w: x7"))
    combo.activated.emit(combo.currentIndex())
    assert window.pair[0] == labels.index("w: x7")
    assert window.message_kind != "error", window.message.text()
    levels = [item.getData()[0] for item in window.contour.level_items]
    assert sum(1 for v in levels if v is not None and len(v)) >= 5


def test_scaling_change_clears_the_numbers(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    c = window.controls
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        c.scaling_combo.setCurrentIndex(c.scaling_combo.findData("none"))
    assert "converged" not in window.numbers.numbers.text()
    assert "z-score" not in window.contour.plot.getAxis("bottom").labelText
    x, _y = window.contour.trajectory.getData()
    assert x is None or len(x) == 0
    assert (
        window.params.curves[0].getData()[0] is None
        or len(window.params.curves[0].getData()[0]) == 0
    )
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        c.set_alpha(1e-7)
        c.run_button.click()
    assert window.learning.curves[-1].opts["name"].endswith("unscaled · housing")


def test_step_buttons_ask_for_exactly_one_and_ten_iterations(window, qtbot, monkeypatch):
    c = window.controls
    c.iterations_spin.setValue(1_000_000)  # 50 iterations a snapshot before issue 9
    c.tolerance_edit.setText("0")
    submitted, steps = [], []
    real_submit, real_step = window.worker.submit, window.worker.step
    monkeypatch.setattr(
        window.worker,
        "submit",
        lambda kind, spec: (submitted.append(spec), real_submit(kind, spec))[1],
    )
    monkeypatch.setattr(
        window.worker, "step", lambda count: (steps.append(count), real_step(count))[1]
    )
    c.step_button.click()
    assert submitted[-1].start_paused and submitted[-1].step_budget == 1
    qtbot.waitUntil(
        lambda: window.worker.is_paused() and window.last_snapshot is not None, timeout=TIMEOUT
    )
    c.step10_button.click()
    c.step_button.click()
    assert steps == [10, 1]
    window.stop()


def test_pause_banner_and_status_bar_agree(window, qtbot):
    _long_gd(window, m=2000, n=5)
    window.controls.run_button.click()
    qtbot.waitUntil(lambda: window.last_snapshot is not None, timeout=TIMEOUT)
    window.controls.pause_button.click()
    qtbot.waitUntil(lambda: window.message.text().startswith("Paused"), timeout=TIMEOUT)
    assert window.statusBar().currentMessage().startswith("Paused")
    assert "Resume" in window.controls.pause_button.text()
    window.controls.pause_button.click()
    qtbot.waitUntil(lambda: window.message.text().startswith("Running"), timeout=TIMEOUT)
    assert window.statusBar().currentMessage().startswith("Running")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.stop_button.click()


def test_a_failed_file_keeps_the_data_on_screen(window, qtbot, tmp_path):
    """A file that does not load leaves the data shown before it (issue 11): its settings in
    the controls, its α_max, and F5 runs it; the banner says what did not load."""
    before = window.state.settings
    bad = tmp_path / "it's bad.csv"
    bad.write_text("size,price\n1,2\n2,oops\n3,4\n", encoding="utf-8")
    window.open_csv(str(bad))
    qtbot.waitUntil(lambda: window.message_kind == "error", timeout=TIMEOUT)
    text = window.message.text()
    assert text.startswith("Could not load ") and "it's bad.csv" in text  # no &#x27;
    assert "&#" not in text and "still showing housing" in text
    assert window.state.settings == before
    assert window.controls.source_combo.currentData() == "housing"
    label = window.controls.alpha_max_label.text()
    assert "computing" not in label and "no data" not in label
    curves = len(window.learning.curves)
    assert window.run() is not None  # F5 runs the data still shown
    qtbot.waitUntil(lambda: len(window.learning.curves) == curves + 1, timeout=TIMEOUT)
    window.controls.stop_button.click()


def test_banner_is_plain_text(window):
    window.show_message("Can't <b>parse</b> “x” & y\nsecond line", "warning")
    assert window.message.text() == "Can't <b>parse</b> “x” & y\nsecond line"
    assert window.statusBar().currentMessage() == "Can't <b>parse</b> “x” & y"


def test_controls_take_their_ranges_from_the_settings_model(window):
    from core.settings import CHOICE_LABELS, SCHEMA

    c = window.controls
    assert c.seed_spin.maximum() == 2**31 - 1 and c.seed_spin.minimum() == 0
    c.seed_spin.setValue(2**31 - 1)
    assert c.seed_spin.value() == 2**31 - 1
    assert c.degree_spin.maximum() == SCHEMA["degree"].high
    assert c.spread_spin.value() == SCHEMA["scale_spread"].default
    assert [c.source_combo.itemData(k) for k in range(c.source_combo.count())] == list(
        SCHEMA["source"].choices
    )
    assert _labels(c.scaling_combo) == [
        CHOICE_LABELS["scaling"][k] for k in SCHEMA["scaling"].choices
    ]
    assert SCHEMA["m"].help[:20].lower() in c.m_spin.toolTip().lower()


def test_each_source_shows_only_its_own_controls(window, qtbot):
    c = window.controls
    pages = {}
    for k in range(c.source_combo.count()):
        c.source_combo.blockSignals(True)
        c.source_combo.setCurrentIndex(k)
        c.source_combo.blockSignals(False)
        c._source_changed(k)
        pages[c.source_combo.itemData(k)] = c.source_stack.currentWidget()
    assert c.m_spin.parentWidget() is pages["synthetic"]
    assert c.csv_path.parentWidget() is pages["csv"]
    others = [page for source, page in pages.items() if source not in ("synthetic", "csv")]
    assert others and all(not page.findChildren(QWidget) for page in others)


# -- one way to read and write the controls: settings() and set_settings() -------------------


def _every_control_changed():
    """Settings that differ from the defaults in every key that has a control."""
    from core.settings import Settings

    return Settings().replace(
        source="synthetic",
        m=321,
        n=3,
        noise=0.25,
        scale_spread=1.5,
        correlation=0.3,
        seed=7,
        degree=2,
        intercept=False,
        scaling="minmax",
        solver="gd",
        implementation="gram",
        alpha=0.0123456789,
        iterations=77,
        tolerance=1.5e-7,
    )


def test_set_settings_shows_every_value_and_settings_reads_it_back(window):
    c = window.controls
    wanted = _every_control_changed()
    assert c.set_settings(wanted) == []
    assert c.m_spin.value() == 321 and c.impl_combo.currentData() == "gram"
    assert c.uses_gd() and not c.intercept_check.isChecked()
    assert c.settings(wanted) == wanted
    assert float(c.alpha_edit.text()) == 0.0123456789  # exactly: the run uses what is shown


def test_set_settings_notes_what_a_control_cannot_hold(window, qtbot):
    from core.backend import GpuStatus

    c = window.controls
    item = c.device_combo.model().item(1)
    qtbot.waitUntil(lambda: "checking" not in item.text(), timeout=TIMEOUT)
    c.set_gpu_status(GpuStatus(False, "", "no CUDA device"))
    c.m_spin.setMaximum(300)  # a control narrower than the setting's range
    notes = c.set_settings(_every_control_changed().replace(device="gpu"))
    assert len(notes) == 2, notes
    assert "m = 321" in notes[0] and "nearest" in notes[0] and c.m_spin.value() == 300
    assert "GPU" in notes[1] and c.device_combo.currentData() == "cpu"
    shown = c.settings(window.state.settings)
    assert (shown.data.m, shown.model.device) == (300, "cpu")
    notes = c.set_settings(shown.replace(source="csv", csv_path=""))
    assert notes == ["the CSV source has no file: choose one with Open…"]


def test_settings_without_a_control_come_from_the_state(window, tmp_path):
    from core.settings import Settings

    path = tmp_path / "data.csv"
    path.write_text("1,2,3\n4,5,6\n7,8,10\n", "utf-8")
    base = Settings().replace(
        source="csv", csv_path=str(path), target="2", header="no", decimal=",", ignore=("x1",)
    )
    c = window.controls
    assert c.set_settings(base) == []
    assert c.target_combo.count() == 0  # the file's columns are not loaded yet
    read = c.settings(base).data
    assert (read.target, read.header, read.decimal, read.ignore) == ("2", "no", ",", ("x1",))
    assert c.settings(Settings()).data.header == "auto"


def test_a_tolerance_out_of_range_is_refused_to_a_run_and_kept_out_of_the_state(window):
    c = window.controls
    base = window.state.settings
    c.tolerance_edit.setText("5")  # the setting allows 0 to 1
    assert c.settings(base, strict=False).run.tolerance == base.run.tolerance
    with pytest.raises(ValueError, match="tolerance must be a number between 0 and 1"):
        c.settings(base, strict=True)
    assert window.run() is None and window.message_kind == "error"


def test_run_labels_from_files_are_shown_as_written_in_the_legend(window, qtbot):
    """A label read from a session file is text, not markup: '<b>x</b> &amp;' stays visible."""
    learning = window.learning
    learning.add_finished_run("<b>bold</b> &amp; x", np.arange(3.0), np.array([3.0, 2.0, 1.0]))
    texts = [label.text for _sample, label in learning.legend.items]
    assert texts[-1] == "&lt;b&gt;bold&lt;/b&gt; &amp;amp; x"  # escaped rich text
    shown = [label.item.toPlainText() for _sample, label in learning.legend.items]
    assert shown[-1] == "<b>bold</b> &amp; x"


def test_a_long_alpha_shows_its_first_digits_and_the_warning_moves_nothing(window, qtbot):
    """α set from α_max has many digits: the field shows how it starts (1.76…, not
    …0197); the divergence warning's second line does not move the α buttons."""
    c = window.controls
    box = c.solver_box
    qtbot.waitUntil(lambda: box._alpha_max is not None, timeout=10_000)
    button_y = box.quick_alpha_buttons[0].y()
    c.set_settings(window.state.settings.replace(alpha=1.7620334950197))
    assert box.alpha_edit.text().startswith("1.76")
    assert box.alpha_edit.cursorPosition() == 0
    c.set_alpha(10 * box._alpha_max)  # above α_max: the red warning appears
    assert "will diverge" in box.alpha_max_label.text()
    qtbot.wait(10)
    assert box.quick_alpha_buttons[0].y() == button_y


def test_a_one_point_run_is_drawn_as_a_marker_on_the_learning_curve(window, qtbot):
    """The normal equation has one cost and no iterations: a line through one point draws
    nothing (lesson 6's learning curve was empty), so it gets a marker."""
    learning = window.learning
    learning.add_finished_run("normal eq.", np.array([0.0]), np.array([254.4]))
    assert learning.curves[-1].opts["symbol"] == "o"
    learning.add_finished_run("GD", np.arange(3.0), np.array([3.0, 2.0, 1.0]))
    assert learning.curves[-1].opts["symbol"] is None


@pytest.mark.parametrize(
    ("solver", "changes"),
    [
        ("sgd", {}),
        ("sgd", {"batch_size": 10, "shuffle_seed": 4}),
        ("momentum", {}),
        ("nesterov", {}),
        ("adagrad", {}),
        ("rmsprop", {}),
        ("adam", {"schedule": "cosine"}),
    ],
)
def test_each_optimizer_runs_draws_and_finishes_in_the_window(window, qtbot, solver, changes):
    """The solver box lists the optimizers; their hyper-parameters are the Optimizer box's,
    their defaults unless a lesson or session set them (through ``set_settings``)."""
    from gui_app.widgets import set_combo_data

    c = window.controls
    if changes:
        c.set_settings(window.state.settings.replace(**changes))
    assert set_combo_data(c.solver_combo, solver)
    assert c.solver() == solver
    assert c.alpha_edit.isEnabled() and c.iterations_spin.isEnabled()
    assert c.impl_combo.isEnabled()  # every iterative solver has an implementation
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.run_button.click()
    snap = blocker.args[0]
    assert snap.final and not snap.diverged, snap.message
    run = window.state.settings.run
    assert run.solver == solver
    assert {key: getattr(run, key) for key in changes} == changes
    x, y = window.contour.trajectory.getData()
    theta = window.history_theta.view()
    i, j = window.pair
    assert len(x) == len(theta) > 10
    np.testing.assert_allclose((x[-1], y[-1]), (theta[-1, i], theta[-1, j]))
    curve = window.learning.curves[-1]  # its data (costs; the display takes log10, downsampled)
    cx, cy = curve.xData, curve.yData
    assert cx[-1] == snap.iteration and cy[-1] == pytest.approx(snap.cost)
    if not changes.get("batch_size"):
        assert len(x) == snap.iteration + 1  # full batch: every iteration is drawn
    assert solver in window.state.current.label
