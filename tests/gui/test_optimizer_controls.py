"""The optimizers' controls in the window (issue 11, items 1 and 2): every knob read and
shown, the rows of each solver, strict errors, the bound on the α line, the theory buttons,
predicted against measured iterations, and the noisy batch cost on the learning curve.

Expected theory values are computed here from the eigenvalues of AᵀA/m (NumPy), not from
core's theory module.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

from core.data.datasets import make_housing
from core.model.problem import Problem
from core.settings import RunSettings, Settings
from gui_app.explore.controls import ControlPanel

TIMEOUT = 20_000

#: The rows each solver shows (the schedule's decay and k only with their schedule).
EXPECTED_ROWS = {
    "gd": {"schedule", "theory"},
    "sgd": {"batch_size", "shuffle_seed", "schedule", "batch_cost", "theory"},
    "momentum": {"batch_size", "shuffle_seed", "momentum", "schedule", "batch_cost", "theory"},
    "nesterov": {"batch_size", "shuffle_seed", "momentum", "schedule", "batch_cost", "theory"},
    "adagrad": {"batch_size", "shuffle_seed", "epsilon", "schedule", "batch_cost", "theory"},
    "rmsprop": {"batch_size", "shuffle_seed", "rho", "epsilon", "schedule", "batch_cost", "theory"},
    "adam": {
        "batch_size",
        "shuffle_seed",
        "beta1",
        "beta2",
        "epsilon",
        "schedule",
        "batch_cost",
        "theory",
    },
}


@pytest.fixture
def panel(qtbot):
    c = ControlPanel()
    qtbot.addWidget(c)
    return c


def _choose(panel, solver: str) -> None:
    panel.solver_combo.setCurrentIndex(panel.solver_combo.findData(solver))


def _housing():
    """The housing problem (z-score) and its λ_min, λ_max from NumPy."""
    data = make_housing(100)
    problem = Problem(data, scaling="zscore")
    A = np.column_stack([(data.X - data.X.mean(axis=0)) / data.X.std(axis=0), np.ones(data.m)])
    lam = np.linalg.eigvalsh(A.T @ A / data.m)
    return problem, float(lam[0]), float(lam[-1])


def _prepared(panel):
    problem, lam_min, lam_max = _housing()
    panel.set_problem_info(problem.alpha_max, problem.m, problem.n, "housing")
    panel.set_problem_theory(problem)
    return problem, lam_min, lam_max


@pytest.mark.parametrize("solver", sorted(EXPECTED_ROWS))
def test_rows_follow_the_solver(panel, solver):
    box = panel.optimizer_box
    _choose(panel, solver)
    assert box.isVisibleTo(panel)
    shown = {key for key in box.fields if box.row_shown(key)}
    assert shown == EXPECTED_ROWS[solver]
    box.schedule_combo.setCurrentIndex(box.schedule_combo.findData("step"))
    assert box.row_shown("decay") and box.row_shown("step_every")
    box.schedule_combo.setCurrentIndex(box.schedule_combo.findData("inverse-time"))
    assert box.row_shown("decay") and not box.row_shown("step_every")


def test_the_box_hides_for_the_normal_equation(panel):
    _choose(panel, "normal")
    assert not panel.optimizer_box.isVisibleTo(panel)
    _choose(panel, "adam")
    assert panel.optimizer_box.isVisibleTo(panel)


def test_settings_reads_every_knob(panel):
    box = panel.optimizer_box
    _choose(panel, "adam")
    box.batch_spin.setValue(32)
    box.shuffle_seed_spin.setValue(7)
    for key, text in {"momentum": "0.5", "rho": "0.8", "beta1": "0,85", "beta2": "0.99"}.items():
        box.edits[key].setText(text)
    box.epsilon_edit.setText("1e-6")
    box.schedule_combo.setCurrentIndex(box.schedule_combo.findData("step"))
    box.edits["decay"].setText("0.5")
    box.step_every_spin.setValue(40)
    run = panel.settings(Settings()).run
    assert (run.solver, run.batch_size, run.shuffle_seed) == ("adam", 32, 7)
    assert (run.momentum, run.rho, run.beta1, run.beta2) == (0.5, 0.8, 0.85, 0.99)
    assert (run.epsilon, run.schedule, run.decay, run.step_every) == (1e-6, "step", 0.5, 40)
    for text in ("", "default", " Default (1e-8) "):
        box.epsilon_edit.setText(text)
        assert panel.settings(Settings()).run.epsilon is None  # PyTorch's default


def test_set_settings_shows_every_knob_without_a_signal(panel, qtbot):
    box = panel.optimizer_box
    fired = []
    for spin in (box.batch_spin, box.shuffle_seed_spin, box.step_every_spin):
        spin.valueChanged.connect(fired.append)
    for edit in (*box.edits.values(), box.epsilon_edit):
        edit.textChanged.connect(fired.append)
    box.schedule_combo.currentIndexChanged.connect(fired.append)
    panel.model_changed.connect(lambda: fired.append("model"))
    run = RunSettings(
        solver="rmsprop",
        alpha=0.01,
        batch_size=16,
        momentum=0.123456789,
        rho=0.9,
        beta1=0.8,
        beta2=0.99,
        epsilon=1e-5,
        schedule="inverse-time",
        decay=0.25,
        step_every=7,
        shuffle_seed=11,
    )
    settings = dataclasses.replace(Settings(), run=run)
    assert panel.set_settings(settings) == []
    assert fired == []
    assert box.batch_spin.value() == 16 and box.shuffle_seed_spin.value() == 11
    assert box.edits["rho"].text() == "0.9" and box.epsilon_edit.text() == "1e-05"
    assert box.row_shown("decay") and not box.row_shown("step_every")
    back = panel.settings(Settings()).run
    assert back == run  # every knob comes back exactly (μ too: its text is exact)
    assert panel.set_settings(dataclasses.replace(settings, run=RunSettings())) == []
    assert box.epsilon_edit.text() == "" and "1e-08" not in box.epsilon_edit.text()


@pytest.mark.parametrize(
    ("solver", "key", "text", "named"),
    [
        ("adam", "beta1", "fast", "β1"),
        ("adam", "beta2", "1.5", "β2"),
        ("rmsprop", "rho", "-0.1", "ρ"),
        ("momentum", "momentum", "1", "momentum μ"),
    ],
)
def test_strict_reading_names_a_bad_knob(panel, solver, key, text, named):
    _choose(panel, solver)
    panel.optimizer_box.edits[key].setText(text)
    with pytest.raises(ValueError, match=named) as err:
        panel.settings(Settings())
    assert repr(text) in str(err.value)
    base = Settings()
    assert getattr(panel.settings(base, strict=False).run, key) == getattr(base.run, key)


def test_strict_errors_only_for_the_rows_shown(panel):
    box = panel.optimizer_box
    _choose(panel, "adam")
    box.edits["momentum"].setText("x")  # μ: no row for adam
    assert panel.settings(Settings()).run.momentum == 0.9
    box.epsilon_edit.setText("tiny")
    with pytest.raises(ValueError, match="ε must be a number"):
        panel.settings(Settings())
    _choose(panel, "gd")  # ε does not apply: the base value, no error
    assert panel.settings(Settings()).run.epsilon is None
    box.schedule_combo.setCurrentIndex(box.schedule_combo.findData("step"))
    box.edits["decay"].setText("-1")
    with pytest.raises(ValueError, match="decay"):
        panel.settings(Settings())


def test_batch_size_is_shown_against_m(panel):
    box = panel.optimizer_box
    _choose(panel, "sgd")
    _prepared(panel)  # 100 rows
    box.batch_spin.setValue(32)
    assert box.batch_info.text() == "B = 32 of m = 100 rows (4 updates per epoch)"
    assert box.shuffle_seed_spin.isEnabled()
    box.batch_spin.setValue(100)  # B ≥ m: the full batch, the seed plays no part
    assert "full batch" in box.batch_info.text() and "m = 100" in box.batch_info.text()
    assert not box.shuffle_seed_spin.isEnabled()
    box.batch_spin.setValue(0)
    assert box.batch_spin.text() == "full batch"


def test_alpha_line_and_red_range_follow_the_bound(panel):
    _problem, _lo, lam_max = _prepared(panel)
    a_max = 2.0 / lam_max
    slider, label = panel.alpha_slider, panel.alpha_max_label
    _choose(panel, "gd")
    assert slider.divergent_from() == pytest.approx(a_max, rel=1e-9)
    assert "α_max = 2/λ_max" in label.text()
    _choose(panel, "momentum")
    panel.optimizer_box.edits["momentum"].setText("0.5")
    assert slider.divergent_from() == pytest.approx(1.5 * a_max, rel=1e-9)  # 2(1 + μ)/λ_max
    assert "momentum bound 2(1+μ)/λ_max" in label.text()
    assert f"{1.5 * a_max:.4g}" in label.text()
    panel.set_alpha(1.4 * a_max)  # above α_max, below the momentum bound: no warning
    assert "will diverge" not in label.text()
    panel.set_alpha(1.6 * a_max)
    assert "will diverge" in label.text()
    _choose(panel, "nesterov")
    assert slider.divergent_from() == pytest.approx(1.5 / 2.0 * a_max, rel=1e-9)
    assert "Nesterov bound" in label.text()
    for adaptive in ("adagrad", "rmsprop", "adam"):
        _choose(panel, adaptive)
        assert slider.divergent_from() is None
        assert "no fixed bound" in label.text() and "will diverge" not in label.text()


def test_theory_button_sets_alpha_star_for_gradient_descent(panel):
    _problem, lam_min, lam_max = _prepared(panel)
    _choose(panel, "gd")
    box = panel.optimizer_box
    assert box.optimal_button.isVisible() or box.optimal_button.isVisibleTo(panel)
    box.optimal_button.click()
    alpha = panel.settings(Settings()).run.alpha
    assert alpha == pytest.approx(2.0 / (lam_min + lam_max), rel=1e-12)
    # the line predicts that step's rate (κ−1)/(κ+1) and the iterations to the tolerance
    kappa = lam_max / lam_min
    rate = (kappa - 1) / (kappa + 1)
    k = math.ceil(math.log(1e-9) / math.log(rate))
    assert f"≈ {k:,} iterations" in box.theory_label.text()


def test_theory_button_sets_polyaks_alpha_and_mu(panel):
    _problem, lam_min, lam_max = _prepared(panel)
    _choose(panel, "momentum")
    box = panel.optimizer_box
    assert "Polyak" in box.optimal_button.text()
    box.optimal_button.click()
    run = panel.settings(Settings()).run
    root_kappa = math.sqrt(lam_max / lam_min)
    assert run.alpha == pytest.approx(4.0 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2)
    assert run.momentum == pytest.approx(((root_kappa - 1) / (root_kappa + 1)) ** 2, rel=1e-12)


def test_theory_button_sets_nesterovs_own_gamma_and_mu(panel):
    # Lessard, Recht & Packard (2016): Polyak's heavy-ball values are above Nesterov's bound
    _problem, lam_min, lam_max = _prepared(panel)
    _choose(panel, "nesterov")
    box = panel.optimizer_box
    assert "Nesterov" in box.optimal_button.text()
    box.optimal_button.click()
    run = panel.settings(Settings()).run
    q = math.sqrt(3 * lam_max / lam_min + 1)
    assert run.alpha == pytest.approx(4.0 / (3 * lam_max + lam_min), rel=1e-12)
    assert run.momentum == pytest.approx((q - 2) / (q + 2), rel=1e-12)
    assert run.alpha * lam_max < 2 * (1 + run.momentum) / (1 + 2 * run.momentum)


def test_no_theory_button_for_adaptive_optimizers(panel):
    _prepared(panel)
    _choose(panel, "adam")
    box = panel.optimizer_box
    assert not box.optimal_button.isVisibleTo(panel)
    assert "no rate predicted" in box.theory_label.text()
    _choose(panel, "sgd")
    box.batch_spin.setValue(10)
    assert "constant-step full-batch" in box.theory_label.text()


def test_numbers_show_predicted_against_measured_after_a_run(window, qtbot):
    c = window.controls
    c.optimizer_box.optimal_button.click()  # gradient descent at α*
    c.tolerance_edit.setText("1e-6")
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.run_button.click()
    snap = blocker.args[0]
    assert snap.converged
    problem = window.prepared.problem  # its training design A = [X_s | 1], from NumPy
    A = np.column_stack([np.asarray(problem.X), np.ones(problem.m)])
    lam = np.linalg.eigvalsh(A.T @ A / problem.m)
    kappa = lam[-1] / lam[0]
    k = math.ceil(math.log(1e-6) / math.log((kappa - 1) / (kappa + 1)))
    text = window.numbers.numbers.text()
    assert f"predicted ≈ {k:,} iterations, measured {snap.iteration:,}" in text


def test_batch_cost_is_drawn_under_the_curve_when_asked(window, qtbot):
    c = window.controls
    _choose(c, "sgd")
    c.optimizer_box.batch_spin.setValue(8)
    c.iterations_spin.setValue(200)
    c.tolerance_edit.setText("0")
    c.set_alpha(0.01)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.run_button.click()
    snap = blocker.args[0]
    item = window.learning.curves[-1].batch_cost_item
    assert not item.isVisible()  # off until asked
    c.batch_cost_check.setChecked(True)
    assert item.isVisible()
    x, y = item.getData()
    assert x[0] == 1 and x[-1] == snap.iteration  # iteration 0 has no batch yet
    assert 10 ** y[-1] == pytest.approx(snap.batch_cost)  # the log axis holds log10
    c.batch_cost_check.setChecked(False)
    assert not item.isVisible()


def test_presentation_layout_does_not_clip_the_optimizer_box(window, qtbot):
    c = window.controls
    classroom = window.classroom
    classroom.presentation.full_screen = False
    classroom.presentation_action.trigger()
    window.resize(1366, 768)
    classroom.controls_action.trigger()  # F9: the panel as a drawer
    qtbot.wait(50)
    assert c.presentation_layout()
    viewport = window.controls_scroll.viewport()
    try:
        for solver in ("adam", "momentum"):
            _choose(c, solver)
            qtbot.wait(30)
            box = c.optimizer_box
            widgets = [
                w
                for kind in (QLabel, QComboBox, QPushButton, QLineEdit)
                for w in box.findChildren(kind)
                if w.isVisibleTo(c) and (not isinstance(w, QLabel) or w.text())
            ]
            assert len(widgets) >= 8
            for w in widgets:
                right = w.mapTo(viewport, QPoint(w.width(), 0)).x()
                assert right <= viewport.width() + 1, (solver, w.accessibleName(), right)
                wraps = isinstance(w, QLabel) and w.wordWrap()
                hint = w.minimumSizeHint() if wraps else w.sizeHint()
                if isinstance(w, QLineEdit):  # a field: its text must fit
                    need = w.fontMetrics().horizontalAdvance(w.text()) + 8
                    assert need <= w.width(), (solver, w.accessibleName())
                else:
                    assert hint.width() <= w.width() + 1, (solver, type(w).__name__, w.text())
    finally:
        classroom.presentation_action.trigger()


def test_numbers_show_no_theory_row_without_a_prediction(window, qtbot):
    c = window.controls
    _choose(c, "adam")
    c.iterations_spin.setValue(20)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        c.run_button.click()
    assert window.numbers.theory is not None  # computed: it predicts nothing for adam
    assert "theory" not in window.numbers.numbers.text()
    assert "no rate predicted" in c.optimizer_box.theory_label.text()  # the box says why
