"""A newcomer's review of the issue-11 window, fixed: the numbers panel names the bound of the
run shown, the α slider and quick buttons of the adaptive optimizers, the Step tab and theory
line follow every change, mini-batch equations, words instead of internal names, racers told
apart by seed, the wheel over the control panel, the contour's grid for a new run, the hover
readout, an uphill run's warning and the racers' paths in 3-D.

Controller tests use ``MagicMock(spec=ExploreView)`` and the real worker inline (``sync``);
window tests the real window (``window`` fixture: housing, z-score, prepared).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from core.settings import RunSettings
from core.solvers.theory import optimal_settings
from gui_app.explore import plots as style
from gui_app.explore.race_control import racer_line
from gui_app.explore.run_words import diverged_advice, ended_words, status_words
from gui_app.explore.state import Run, run_label, start_theta
from gui_app.explore.views.numbers import NumbersPanel, bound_row, equations_html
from gui_app.explore.views.step_panel import UPDATES, step_html
from gui_app.explore.views.surface3d import Surface3DView
from gui_app.explore.watch_paint import race_paths
from gui_app.explore.worker import RunWorker

TIMEOUT = 20_000


@pytest.fixture
def runner():
    worker = RunWorker(sync=True)
    yield worker
    worker.shutdown()


def _choose(window, solver: str) -> None:
    combo = window.controls.solver_combo
    combo.setCurrentIndex(combo.findData(solver))


# -- 1. the bound of the run shown ----------------------------------------------------------------
def test_bound_row_names_the_bound_of_each_optimizer():
    # 2(1 + μ)/λ_max = (1 + μ)·α_max; Nesterov 2(1 + μ)/((1 + 2μ)λ_max)
    assert bound_row("gd", 2.0, 0.5) == ("α_max", "2")
    assert bound_row("sgd", 2.0, 0.5) == ("α_max", "2")
    assert bound_row("momentum", 2.0, 0.5) == ("momentum bound", "3")
    assert bound_row("nesterov", 2.0, 0.5) == ("Nesterov bound", "1.5")
    for solver in ("adagrad", "rmsprop", "adam"):
        name, value = bound_row(solver, 2.0, 0.5)
        assert "α_max" not in name and "none" in value and "adaptive" in value


def test_numbers_panel_shows_the_bound_of_the_solver_set(qtbot):
    panel = NumbersPanel()
    qtbot.addWidget(panel)
    panel.set_problem_numbers(0.004, 3.0, [], [])
    panel.set_solver("adam")
    panel.update_numbers(None, 0.1)
    assert "α_max" not in panel.numbers.text() and "adaptive steps" in panel.numbers.text()
    panel.set_solver("momentum", momentum=0.9)
    panel.update_numbers(None, 0.001)
    assert "momentum bound" in panel.numbers.text() and "0.0076" in panel.numbers.text()


# -- 2. the α slider and quick buttons of the adaptive optimizers ----------------------------------
def test_adaptive_optimizers_get_a_wide_alpha_range_and_no_quick_buttons(window, qtbot):
    c = window.controls
    box = c.solver_box
    slider = box.alpha_slider
    gd_top = slider.alpha_at(slider.maximum())
    _choose(window, "adam")
    assert slider.alpha_at(0) == pytest.approx(1e-5)
    assert slider.alpha_at(slider.maximum()) == pytest.approx(10.0)
    assert slider.divergent_from() is None
    for b in box.quick_alpha_buttons:
        assert not b.isEnabled() and "no fixed bound" in b.toolTip()
    for alpha in (0.1, 1.0):
        box.set_alpha(alpha)
        assert 0 < slider.value() < slider.maximum()  # the thumb is not pinned at an end
        assert slider.alpha_at(slider.value()) == pytest.approx(alpha, rel=0.03)
    assert c.alpha() == 1.0  # the typed α stays as set
    _choose(window, "gd")  # back: the range around α_max, buttons on again
    assert slider.alpha_at(slider.maximum()) == pytest.approx(gd_top)
    assert all(b.isEnabled() for b in box.quick_alpha_buttons)
    assert slider.divergent_from() == pytest.approx(window.state.prepared.alpha_max)


def test_divergence_advice_mentions_the_red_part_only_with_a_bound():
    assert "red part" in diverged_advice("gd")
    assert "red part" in diverged_advice("momentum")
    for solver in ("adagrad", "rmsprop", "adam"):
        assert "red" not in diverged_advice(solver) and "no fixed bound" in diverged_advice(solver)


# -- 3. the Step tab and the theory line follow every change --------------------------------------
def test_polyak_button_refreshes_the_step_tab_and_the_theory(window, qtbot):
    _choose(window, "momentum")
    box = window.controls.optimizer_box
    panel = window.step_panel
    qtbot.waitUntil(lambda: "μ = 0.9" in panel.toPlainText(), timeout=TIMEOUT)
    values = optimal_settings("momentum", *window.state.prepared.problem.lambda_range)
    box.optimal_button.click()
    expected = (f"α = {values['alpha']:.4g}", f"μ = {values['momentum']:.4g}")
    qtbot.waitUntil(lambda: all(t in panel.toPlainText() for t in expected), timeout=TIMEOUT)


def test_quick_button_and_set_settings_refresh_the_step_tab(window, qtbot):
    panel = window.step_panel
    alpha_max = window.state.prepared.alpha_max
    window.controls.quick_alpha_buttons[1].click()  # 0.5·α_max
    want = f"α = {0.5 * alpha_max:.4g}"
    qtbot.waitUntil(lambda: want in panel.toPlainText(), timeout=TIMEOUT)
    settings = window.state.settings.replace(solver="rmsprop", alpha=0.0123, rho=0.8)
    window.controls.set_settings(settings)
    qtbot.waitUntil(
        lambda: "α = 0.0123" in panel.toPlainText() and "ρ = 0.8" in panel.toPlainText(),
        timeout=TIMEOUT,
    )


def test_an_invalid_momentum_says_so_on_the_theory_line(window, qtbot):
    _choose(window, "momentum")
    box = window.controls.optimizer_box
    edit = box.edits["momentum"]
    edit.setText("0.5")
    at_half = box.theory_label.text()
    assert at_half and "no prediction" not in at_half
    edit.setText("0.9")
    assert box.theory_label.text() != at_half  # another μ, another prediction
    for typed in ("1", "abc"):  # (μ < 1: the range ends at MOMENTUM_MAX)
        edit.setText(typed)
        text = box.theory_label.text()
        assert "no prediction" in text and "momentum" in text and repr(typed) in text
    edit.setText("0.5")
    assert box.theory_label.text() == at_half


# -- 4. mini-batch equations ----------------------------------------------------------------------
def test_mini_batch_runs_show_the_batch_gradient():
    m = 100
    sgd = equations_html("sgd", 7, m)
    assert "One mini-batch step of" in sgd and "g_w = (1/B) X_Bᵀe_B" in sgd
    assert "∇w = (1/m) Xᵀe" not in sgd and "One gradient-descent step" not in sgd
    full = equations_html("sgd", 0, m)  # B = 0: the full batch, gradient descent's step
    assert "One gradient-descent step" in full and "∇w = (1/m) Xᵀe" in full
    adam = equations_html("adam", 7, m)
    assert "One mini-batch step of Adam" in adam and "X_Bᵀe_B" in adam
    assert "One step of Adam" in equations_html("adam", m, m)  # B = m: every row


def test_a_mini_batch_run_in_the_window_shows_its_equations(window, qtbot):
    _choose(window, "sgd")
    window.controls.optimizer_box.batch_spin.setValue(7)
    window.controls.iterations_spin.setValue(20)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    text = window.numbers.equations.text()
    assert "One mini-batch step of" in text and "X_Bᵀe_B" in text
    assert "One gradient-descent step" not in text


# -- 5. words, not internal names -----------------------------------------------------------------
def test_step_tab_titles_and_status_use_words(qtbot):
    for solver, words in (("gd", "batch gradient descent"), ("normal", "normal equation")):
        html = step_html(RunSettings(solver=solver), 100, 3)
        assert f"One step of {words}" in html and f"of {solver}<" not in html
    html = step_html(RunSettings(solver="sgd", batch_size=10), 100, 3)
    assert "One mini-batch step of SGD" in html
    assert status_words("max_iterations") == "stopped at the iteration cap"
    panel = NumbersPanel()
    qtbot.addWidget(panel)
    snap = SimpleNamespace(iteration=5, cost=1.0, grad_norm=0.1, w=[1.0], b=0.0, final=True)
    panel.update_numbers(snap, 0.1, "max_iterations")
    assert "iteration cap" in panel.numbers.text() and "max_iterations" not in panel.numbers.text()


def test_no_combining_characters_in_the_update_lines():
    texts = [line for lines in UPDATES.values() for line in lines]
    texts += [equations_html(s, 7, 100) for s in UPDATES]
    texts.append(step_html(RunSettings(solver="adam"), 100, 3))
    for text in texts:
        assert not any(unicodedata.combining(ch) for ch in text), text
    adam = equations_html("adam")
    assert "m′_t = m_t / (1 − β1^t)" in adam and "bias-corrected" in adam


# -- 6. racers told apart -------------------------------------------------------------------------
def test_labels_name_the_seed_of_mini_batch_runs(ctl):
    model, data = ctl.state.settings.model, ctl.state.settings.data
    a = RunSettings(solver="sgd", batch_size=7, alpha=0.1, shuffle_seed=0)
    b = dataclasses.replace(a, shuffle_seed=3)
    assert run_label(a, model, data) != run_label(b, model, data)
    assert "seed 3" in run_label(b, model, data)
    full = RunSettings(solver="adam", alpha=0.1, shuffle_seed=3)  # full batch: no shuffle
    assert "seed" not in run_label(full, model, data)


def test_a_duplicate_entry_is_refused(ctl):
    run = RunSettings(solver="sgd", batch_size=7, alpha=0.1, shuffle_seed=1)
    assert ctl.race_add(run)
    assert not ctl.race_add(run)
    assert ctl.state.race_entries == [run]
    assert ctl.state.message.kind == "warning" and "already" in ctl.state.message.text
    assert ctl.race_add(dataclasses.replace(run, shuffle_seed=2))  # another shuffle: a racer


def test_racer_line_is_short_at_the_iteration_cap():
    run = Run(1, None, "gd α=0.1, model · data", 0.1)
    run.final = SimpleNamespace(status="max_iterations", cost=2.5, iteration=40)
    assert racer_line(0, run) == "blue gd α=0.1: J = 2.5, 40 it., iteration cap"


# -- 7. the wheel scrolls the panel ---------------------------------------------------------------
def _wheel(widget, steps: int = -1) -> None:
    pos = QPointF(widget.rect().center())
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_over_an_unfocused_spin_box_leaves_its_value(window, qtbot):
    spin = window.controls.iterations_spin
    combo = window.controls.scaling_combo
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus
    before, index = spin.value(), combo.currentIndex()
    spin.clearFocus()
    combo.clearFocus()
    _wheel(spin)
    _wheel(combo)
    assert spin.value() == before and combo.currentIndex() == index
    window.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=TIMEOUT)
    _wheel(spin)  # with focus, the wheel is the spin box's
    assert spin.value() == before - spin.singleStep()
    # a combo box keeps its focus after a pick: a later scroll must not pick another item
    impl = window.controls.impl_combo
    impl.setFocus()
    qtbot.waitUntil(impl.hasFocus, timeout=TIMEOUT)
    chosen = impl.currentIndex()
    _wheel(impl)
    _wheel(impl, 1)
    assert impl.currentIndex() == chosen


# -- 8. a new run's contour ----------------------------------------------------------------------
def test_a_new_run_redoes_the_contour_grid(window, qtbot):
    contour, state = window.contour, window.state
    fresh = contour.grid_extent
    blown = np.array([[4e7, -4e7], [-4e7, 4e7]])  # as a diverged, watched run widened it
    start = start_theta(state)
    contour.show_problem(state.prepared, state.pair, start, blown, contour.axis_texts)
    assert contour.grid_extent != fresh
    window.controls.iterations_spin.setValue(50)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controller.run()
        assert contour.grid_extent == pytest.approx(fresh)  # at the start, before any step


# -- 9. the hover readout ------------------------------------------------------------------------
def test_hover_readout_is_boxed_and_clear_of_the_gradient_label(window, qtbot):
    watch = window.contour.watch
    assert 0 < watch.hover.fill.color().alpha() < 255
    watch.show_gradient.setChecked(True)
    label = watch.gradient_label
    qtbot.waitUntil(lambda: label.isVisible() and "|∇J|" in label.toPlainText(), timeout=TIMEOUT)
    text = watch.hover_at(label.pos().x(), label.pos().y())
    assert text and watch.hover.isVisible()
    hover_rect = watch.hover.mapRectToScene(watch.hover.boundingRect())
    assert not hover_rect.intersects(label.mapRectToScene(label.boundingRect()))
    assert watch._area_inside_plot() > 0.6  # mostly inside, even on this small offscreen plot


# -- 10. an uphill run ---------------------------------------------------------------------------
def test_ended_words_warn_when_the_cost_rose():
    costs = np.array([1.68e5, 9e5, 1.7e6])

    class History:
        def __len__(self):
            return 3

        def arrays(self):
            return np.arange(3.0), costs

    history = History()
    up = SimpleNamespace(status="max_iterations", cost=1.7e6)
    text, kind = ended_words("Stopped.", up, history)
    assert kind == "warning" and "above where it started" in text and "168000" in text
    down = SimpleNamespace(status="max_iterations", cost=1e4)
    assert ended_words("Stopped.", down, history) == ("Stopped.", "ok")
    converged = SimpleNamespace(status="converged", cost=1.7e6)
    assert ended_words("Done.", converged, history, warned=True) == ("Done.", "warning")


def test_an_uphill_run_at_the_cap_is_a_warning(ctl, runner):
    ctl.settings_changed(
        ctl.state.settings.replace(
            solver="adam", alpha=1000.0, batch_size=1, iterations=30, tolerance=0.0
        )
    )
    ctl.run()
    runner.drain()
    run = ctl.state.current
    _it, cost = run.history.arrays()
    assert run.final.status == "max_iterations" and cost[-1] > cost[0]
    assert ctl.state.message.kind == "warning"
    assert "above where it started" in ctl.state.message.text


# -- 11. the 3-D tab ------------------------------------------------------------------------------
def test_race_paths_in_3d_take_the_race_colours(ctl, runner, qtbot):
    runs = (
        RunSettings(solver="gd", alpha=0.5, iterations=30, tolerance=0.0),
        RunSettings(solver="adam", alpha=0.5, iterations=30, tolerance=0.0),
    )
    for run in runs:
        assert ctl.race_add(run)
    ctl.race()
    runner.drain()
    paths = race_paths(ctl.state)
    assert [color for *_xy, color in paths] == list(style.RACE_COLORS[:2])
    i, j = ctl.state.pair
    theta = ctl.state.race.runs[1].history.theta.view()
    assert np.array_equal(paths[1][0], theta[:, i]) and np.array_equal(paths[1][1], theta[:, j])
    view = Surface3DView()
    qtbot.addWidget(view)
    u = v = np.linspace(-10, 10, 5)
    view.set_surface(u, v, np.add.outer(v**2, u**2))
    view.set_race_paths([(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]), "#0072B2")])
    ends, colors = view.race_segments()
    assert ends.shape == (4, 3) and colors.shape == (4, 4)  # two segments, two ends each
    assert colors[0] == pytest.approx((0.0, 0x72 / 255, 0xB2 / 255, 1.0))


def test_3d_caption_names_no_colour(window):
    assert "red" not in window.surface3d.caption.text()
    assert "the path" in window.surface3d.caption.text()
