"""Issue 11 in the window, across its parts: the equations box follows the run's optimizer,
Pause and Step act on a run going whatever solver is chosen meanwhile, and a race's result
fits the banner as one paragraph."""

from __future__ import annotations

from core.solvers.optimizers import OPTIMIZERS
from gui_app.explore.views.numbers import equations_html
from gui_app.explore.views.step_panel import UPDATES

TIMEOUT = 20_000


def _choose(window, solver: str) -> None:
    combo = window.controls.solver_combo
    combo.setCurrentIndex(combo.findData(solver))


def test_equations_box_shows_the_update_of_the_run_on_screen(window, qtbot):
    _choose(window, "adam")
    window.controls.iterations_spin.setValue(20)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    text = window.numbers.equations.text()
    assert "One step of Adam" in text
    assert "v_t = β2·v_{t−1} + (1 − β2)·g_t²" in text
    assert "w := w − α∇w" not in text  # not gradient descent's update
    # a gradient-descent run brings the course's update back
    _choose(window, "gd")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    text = window.numbers.equations.text()
    assert "One gradient-descent step" in text and "w := w − α∇w" in text


def test_every_optimizer_has_its_own_equations():
    texts = {solver: equations_html(solver) for solver in OPTIMIZERS}
    for solver in OPTIMIZERS:
        if solver == "sgd":
            assert "w := w − α∇w" in texts[solver]
            continue
        for line in UPDATES[solver]:
            assert line in texts[solver], (solver, line)
    assert len({texts[s] for s in OPTIMIZERS if s != "sgd"}) == len(OPTIMIZERS) - 1


def test_pause_and_step_stay_enabled_for_a_run_going_while_another_solver_is_chosen(window, qtbot):
    c = window.controls
    c.iterations_spin.setValue(100_000)
    c.tolerance_edit.setText("0")
    window.step(3)  # a paused gradient-descent run of 3 iterations
    qtbot.waitUntil(
        lambda: window.last_snapshot is not None and window.last_snapshot.iteration == 3,
        timeout=TIMEOUT,
    )
    _choose(window, "normal")  # the controls now show a direct solver
    assert c.step_button.isEnabled() and c.pause_button.isEnabled()
    c.step_button.click()  # acts on the paused run
    qtbot.waitUntil(lambda: window.last_snapshot.iteration == 4, timeout=TIMEOUT)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        c.stop_button.click()
    qtbot.waitUntil(lambda: not c.step_button.isEnabled(), timeout=TIMEOUT)  # idle: normal


def test_four_racers_result_is_one_paragraph(window, qtbot):
    ctl = window.controller
    window.controls.iterations_spin.setValue(40)
    for solver in ("gd", "momentum", "rmsprop", "adam"):
        _choose(window, solver)
        ctl.settings_changed(window.controls.settings(window.state.settings))
        ctl.race_add()
    with qtbot.waitSignal(window.race_finished, timeout=TIMEOUT):
        ctl.race()
    text = window.message.text()
    assert "\n" not in text and text.count(" · ") == 3
    for run in window.state.race.runs:
        assert f"J = {run.final.cost:.6g}, 40 it." in text


def test_a_speed_set_with_the_settings_reaches_the_runner_and_the_control(window):
    # a lesson or a reopened session sets the whole Settings, the speed included
    ctl = window.controller
    ctl.settings_changed(window.state.settings.replace(speed=5))
    assert window.worker._runner.speed == 5
    assert window.controls.run_box.speed() == 5
    ctl.settings_changed(window.state.settings.replace(speed=0))
    assert window.worker._runner.speed is None  # as fast as possible
    assert window.controls.run_box.speed() == 0


def test_presentation_colours_the_contour_legend_as_the_path(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    contour = window.contour
    path = contour.trajectory.opts["pen"].color().name().lower()
    assert path in contour.legend_label.text().lower()
    window.classroom.presentation_action.trigger()
    recoloured = contour.trajectory.opts["pen"].color().name().lower()
    assert recoloured != path  # presentation mode's palette
    assert recoloured in contour.legend_label.text().lower()  # the legend says the same
    start = contour.start_marker.opts["brush"].color().name().lower()
    assert start in contour.legend_label.text().lower()
    window.classroom.presentation_action.trigger()
    assert path in contour.legend_label.text().lower()


def test_wheel_over_the_unfocused_alpha_slider_leaves_alpha(window):
    from tests.gui.test_window_fixes11 import _wheel

    slider, before = window.controls.alpha_slider, window.controls.alpha()
    slider.clearFocus()
    _wheel(slider)
    _wheel(slider)
    assert window.controls.alpha() == before and slider.value() == slider.position_of(before)


def test_quick_buttons_multiply_the_bound_that_applies(window):
    c = window.controls
    _choose(window, "momentum")
    c.optimizer_box.edits["momentum"].setText("0.5")
    c.optimizer_box.edits["momentum"].editingFinished.emit()
    alpha_max = window.state.prepared.alpha_max
    button = c.quick_alpha_buttons[2]  # 0.95·
    assert button.text() == "0.95·bound"
    button.click()
    assert c.alpha() == float(f"{0.95 * 1.5 * alpha_max:.4g}")  # (1 + μ)·α_max, as shown
    _choose(window, "gd")
    assert c.quick_alpha_buttons[2].text() == "0.95·α_max"


def test_theory_button_leaves_room_for_the_predicted_iterations(window, qtbot):
    c = window.controls
    c.scaling_combo.setCurrentIndex(c.scaling_combo.findData("none"))
    qtbot.waitUntil(lambda: window.state.prepared_matches(), timeout=TIMEOUT)
    _choose(window, "momentum")
    assert c.iterations_spin.value() == 1000
    c.optimizer_box.optimal_button.click()
    text = c.optimizer_box.theory_label.text()
    predicted = int(text.split("≈ ")[1].split(" ")[0].replace(",", ""))
    assert predicted > 50_000  # unscaled housing: κ ≈ 1e8
    assert c.iterations_spin.value() >= 1.5 * predicted


def test_a_refused_schedule_keeps_the_run_on_screen(window, qtbot):
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    shown = window.state.current
    window.controller.settings_changed(
        window.state.settings.replace(schedule="step", decay=3.0, step_every=10)
    )
    window.controls.set_settings(window.state.settings)
    assert window.run() is None
    assert "decay" in window.message.text() and window.message_kind == "error"
    assert window.state.current is shown and window.state.current.history is not None


def test_the_parameters_plot_says_why_it_is_empty_during_a_race(window, qtbot):
    ctl = window.controller
    window.controls.iterations_spin.setValue(20)
    for solver in ("gd", "adam"):
        _choose(window, solver)
        ctl.settings_changed(window.controls.settings(window.state.settings))
        ctl.race_add()
    with qtbot.waitSignal(window.race_finished, timeout=TIMEOUT):
        ctl.race()
    note = window.params._note
    assert note is not None and "race" in note.toPlainText()
    _choose(window, "gd")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    assert window.params._note is None  # a single run: its parameters are drawn
