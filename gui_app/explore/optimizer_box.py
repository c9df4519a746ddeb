"""The Optimizer box of the control panel: the optimizers' hyper-parameters (batch size B,
shuffle seed, μ, ρ, β1, β2, ε), the learning-rate schedule, the theory next to the run
(α* and Polyak's α and μ, the predicted rate and iterations) and the batch-cost switch.

Only the rows that apply to the chosen solver are shown (:data:`ROWS`); the control panel
hides the whole box for the normal equation. Ranges, defaults, labels and tooltips come from
:data:`core.settings.SCHEMA`; the theory from :mod:`core.solvers.theory` (the box only shows
it). The box reads α, the tolerance and the solver from the Solver box it is built with, and
sets α there when a theory button is pressed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.settings import SCHEMA, RunSettings
from core.solvers.optimizers import ADAPTIVE, DEFAULT_EPSILON, OPTIMIZERS
from core.solvers.theory import (
    MOMENTUM_SOLVERS,
    PLAIN_SOLVERS,
    optimal_settings,
    prediction_line,
    problem_theory,
)
from gui_app.explore.solver_box import SolverBox, exact_text, set_spin, typed_number
from gui_app.widgets import choice_combo, int_spin, setting_label, setting_tooltip

ITERATIVE = (*PLAIN_SOLVERS, *OPTIMIZERS)
#: The solvers each row applies to (the solver box's choice).
ROWS: dict[str, tuple[str, ...]] = {
    "batch_size": OPTIMIZERS,
    "shuffle_seed": OPTIMIZERS,
    "momentum": MOMENTUM_SOLVERS,
    "rho": ("rmsprop",),
    "beta1": ("adam",),
    "beta2": ("adam",),
    "epsilon": ADAPTIVE,
    "schedule": ITERATIVE,
    "decay": ITERATIVE,  # and a schedule that has one (step, inverse-time)
    "step_every": ITERATIVE,  # and the step schedule
    "batch_cost": OPTIMIZERS,
    "theory": ITERATIVE,
}
#: What the text field of ε holds for "PyTorch's default" (an empty field means the same).
DEFAULT_WORD = "default"


class OptimizerBox(QGroupBox):
    """The optimizer's knobs, the schedule and the theory; rows follow the chosen solver."""

    def __init__(self, solver_box: SolverBox) -> None:
        super().__init__("Optimizer and schedule")
        self.solver_box = solver_box
        self._solver = "gd"
        self._m: int | None = None  # rows of the prepared data (None: none prepared)
        self._problem: Any = None  # the prepared core Problem, for the theory
        self.form = QFormLayout(self)
        self.fields: dict[str, QWidget] = {}

        self.batch_spin = int_spin("batch_size")
        self.batch_spin.setSpecialValueText("full batch")  # B = 0
        self.batch_info = QLabel("")
        self.batch_info.setWordWrap(True)
        self._row("batch_size", _stack(self.batch_spin, self.batch_info))
        self.shuffle_seed_spin = int_spin("shuffle_seed")
        self._row("shuffle_seed", self.shuffle_seed_spin)
        self.edits: dict[str, QLineEdit] = {}
        for key in ("momentum", "rho", "beta1", "beta2"):
            self.edits[key] = self._typed_edit(key)
            self._row(key, self.edits[key])
        self.epsilon_edit = QLineEdit("")
        self.epsilon_edit.setToolTip(setting_tooltip("epsilon") + "; empty: PyTorch's default")
        self.epsilon_edit.setAccessibleName(SCHEMA["epsilon"].label)
        self._row("epsilon", self.epsilon_edit)
        self.schedule_combo = choice_combo("schedule")
        self._row("schedule", self.schedule_combo)
        self.edits["decay"] = self._typed_edit("decay")
        self._row("decay", self.edits["decay"])
        self.step_every_spin = int_spin("step_every", step=10)
        self._row("step_every", self.step_every_spin)
        self.batch_cost_check = QCheckBox("show batch cost")
        self.batch_cost_check.setToolTip(
            "Draw the noisy cost of each mini-batch, 1/(2|B|)·Σe_B², as a thin light line "
            "under the run's full-data cost J on the learning curve (mini-batch runs)"
        )
        self._row("batch_cost", self.batch_cost_check, label="")
        self.optimal_button = QPushButton("Set α*")
        self.optimal_button.clicked.connect(self.apply_optimal)
        self.theory_label = QLabel("")
        self.theory_label.setWordWrap(True)
        self.theory_label.setToolTip(
            "From λ_min and λ_max of AᵀA/m: the rate at which the parameter error ‖θ − θ*‖ "
            "shrinks per iteration, and the iterations for it to fall by the tolerance. The run "
            "stops on the relative cost change, so predicted and measured agree in order, not "
            "exactly."
        )
        self._row("theory", _stack(self.optimal_button, self.theory_label), label="Theory")

        self.batch_spin.valueChanged.connect(lambda _v: self.refresh())
        self.schedule_combo.currentIndexChanged.connect(lambda _i: self._schedule_rows())
        # every typed or programmatic change of a knob redoes the theory (an invalid value
        # says so there, never an old prediction)
        for edit in (*self.edits.values(), self.epsilon_edit):
            edit.textChanged.connect(lambda _t: self.refresh())
        self.step_every_spin.valueChanged.connect(lambda _v: self.refresh())
        for edit in (solver_box.alpha_edit, solver_box.tolerance_edit):
            edit.textChanged.connect(lambda _t: self.refresh())
        self.set_solver("gd")

    def _row(self, key: str, field: QWidget, label: str | None = None) -> None:
        text = setting_label(key) if label is None else label
        if label is None and text[:1].isascii():  # "Batch size B", but β1 stays β1 (not Β1)
            text = text[:1].upper() + text[1:]
        if text:
            tip = QLabel(text)
            tip.setToolTip(field.toolTip() or (setting_tooltip(key) if key in SCHEMA else ""))
            self.form.addRow(tip, field)
        else:
            self.form.addRow(field)
        self.fields[key] = field

    def _typed_edit(self, key: str) -> QLineEdit:
        edit = QLineEdit(exact_text(SCHEMA[key].default))
        edit.setToolTip(setting_tooltip(key))
        edit.setAccessibleName(SCHEMA[key].label)
        return edit

    def inputs(self) -> list[QWidget]:
        """Every input of the box (whose signals :meth:`show_run` blocks)."""
        return [
            self.batch_spin,
            self.shuffle_seed_spin,
            *self.edits.values(),
            self.epsilon_edit,
            self.schedule_combo,
            self.step_every_spin,
        ]

    # -- rows -------------------------------------------------------------------------------
    def set_solver(self, solver: str) -> None:
        """Show the rows that apply to ``solver`` (the Solver box's choice)."""
        self._solver = solver
        for key, field in self.fields.items():
            self.form.setRowVisible(field, self._solver in ROWS[key])
        default = DEFAULT_EPSILON.get(self._solver)
        self.epsilon_edit.setPlaceholderText(
            f"{DEFAULT_WORD} ({default:g})" if default else DEFAULT_WORD
        )
        self._schedule_rows()

    def _schedule_rows(self) -> None:
        schedule = self.schedule_combo.currentData()
        iterative = self._solver in ITERATIVE
        self.form.setRowVisible(
            self.fields["decay"], iterative and schedule in ("step", "inverse-time")
        )
        self.form.setRowVisible(self.fields["step_every"], iterative and schedule == "step")
        self.refresh()

    def row_shown(self, key: str) -> bool:
        """Whether the row of ``key`` (a key of :data:`ROWS`) is shown for this solver."""
        return self.form.isRowVisible(self.fields[key])

    def set_problem(self, problem: Any, m: int | None) -> None:
        """The prepared problem (None: none) and its rows m, for the theory and the batch."""
        self._problem, self._m = problem, m
        self.refresh()

    # -- what the rows say ------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring the batch line, the bound in the Solver box and the theory up to date."""
        b, m = self.batch_spin.value(), self._m
        mini = b > 0 and (m is None or b < m)
        self.shuffle_seed_spin.setEnabled(mini)
        if m is None:
            self.batch_info.setText("full batch" if not b else f"B = {b:,} rows per update")
        elif mini:
            per_epoch = math.ceil(m / b)
            self.batch_info.setText(
                f"B = {b:,} of m = {m:,} rows ({per_epoch:,} updates per epoch)"
            )
        else:
            self.batch_info.setText(f"full batch: all m = {m:,} rows in every update")
        mu = typed_number(self.edits["momentum"].text(), "momentum")
        mu = SCHEMA["momentum"].default if mu is None else mu
        self.solver_box.set_bound_solver(self._solver, mu)
        self._refresh_theory()

    def _refresh_theory(self) -> None:
        solver, problem = self._solver, self._problem
        button = self.optimal_button
        button.setVisible(solver in (*PLAIN_SOLVERS, *MOMENTUM_SOLVERS))
        if solver == "momentum":
            button.setText("Set Polyak's α and μ")
        elif solver == "nesterov":
            button.setText("Set Nesterov's γ and μ")
        else:
            button.setText("Set α* = 2/(λ_min + λ_max)")
        run = self.current_run()
        invalid = self.invalid_value() if problem is not None else ""
        if problem is None or run is None or invalid:
            self.theory_label.setText("(no data prepared)" if problem is None else invalid)
            button.setEnabled(False)
            return
        lam_min, lam_max = problem.lambda_range
        try:
            values = optimal_settings(solver, lam_min, lam_max)
        except ValueError as exc:
            values = {}
            button.setToolTip(str(exc))
        else:
            button.setToolTip(
                "Polyak's heavy-ball optimum: "
                f"α = 4/(√λ_max + √λ_min)² = {values['alpha']:.4g}, "
                f"μ = ((√κ − 1)/(√κ + 1))² = {values['momentum']:.4g}"
                if solver == "momentum"
                else "Nesterov's optimum on a quadratic (Lessard, Recht, Packard 2016): "
                f"γ = 4/(3λ_max + λ_min) = {values['alpha']:.4g}, "
                f"μ = (√(3κ+1) − 2)/(√(3κ+1) + 2) = {values['momentum']:.4g}"
                if solver == "nesterov"
                else "The best constant step of gradient descent: "
                f"α* = 2/(λ_min + λ_max) = {values['alpha']:.4g}"
            )
        button.setEnabled(bool(values))
        theory = problem_theory(problem, run, run.alpha, 0)
        self.theory_label.setText(prediction_line(theory))

    def invalid_value(self) -> str:
        """Why the theory cannot predict for the values typed in ("μ must be a number …: no
        prediction"), "" when every value that applies to the chosen solver is valid."""
        if self._solver not in ITERATIVE:
            return ""
        if self.solver_box.alpha() is None:
            text = self.solver_box.alpha_edit.text()
            return f"α must be a number {SCHEMA['alpha'].range_text()}, got {text!r}: no prediction"
        try:
            self.read(RunSettings(solver=self._solver), strict=True)
        except ValueError as exc:
            return f"{exc}: no prediction"
        return ""

    def current_run(self) -> RunSettings | None:
        """The run settings the controls show (for the theory), None while α is not a
        number; the solver is the Solver box's choice."""
        alpha = self.solver_box.alpha()
        if alpha is None or self._solver not in ITERATIVE:
            return None
        tolerance = self.solver_box.tolerance()
        base = RunSettings(solver=self._solver, alpha=alpha)
        if tolerance is not None:
            base = dataclasses.replace(base, tolerance=tolerance)
        return dataclasses.replace(base, **self.read(base, strict=False))

    def apply_optimal(self) -> None:
        """Set α (and μ for momentum and nesterov) to the theory's optimum for the chosen
        solver (:func:`core.solvers.theory.optimal_settings`)."""
        if self._problem is None:
            return
        try:
            values = optimal_settings(self._solver, *self._problem.lambda_range)
        except ValueError:
            return  # the button is disabled then
        box = self.solver_box
        box.set_alpha(values["alpha"])
        box.alpha_edit.setText(exact_text(values["alpha"]))  # the run uses what is shown
        box.alpha_edit.setCursorPosition(0)
        if "momentum" in values:
            self.edits["momentum"].setText(exact_text(values["momentum"]))
            self.edits["momentum"].setCursorPosition(0)
        self._room_for_prediction()
        self.refresh()

    def _room_for_prediction(self) -> None:
        """Raise Max iterations to 1.5 × the theory's prediction for the values just set (a
        run at the optimal step that stops at a cap below it would look like a failure:
        momentum's cost may rise for thousands of iterations before it falls)."""
        run = self.current_run()
        if run is None or self._problem is None:
            return
        k = problem_theory(self._problem, run, run.alpha, 0)["predicted_iterations"]
        spin = self.solver_box.iterations_spin
        if k is not None and k >= spin.value():
            spin.setValue(min(spin.maximum(), -(-int(1.5 * k) // 100) * 100))

    # -- values -----------------------------------------------------------------------------
    def read(self, base: RunSettings, strict: bool) -> dict[str, Any]:
        """The knobs' values as RunSettings fields. A typed value that is not a number in its
        setting's range keeps ``base``'s, or, with ``strict`` and a row that applies to the
        chosen solver, raises ValueError naming the setting."""
        out: dict[str, Any] = {
            "batch_size": self.batch_spin.value(),
            "shuffle_seed": self.shuffle_seed_spin.value(),
            "schedule": self.schedule_combo.currentData(),
            "step_every": self.step_every_spin.value(),
        }
        for key, edit in self.edits.items():
            value = typed_number(edit.text(), key)
            if value is None and strict and self.row_shown(key):
                raise ValueError(
                    f"{SCHEMA[key].label} must be a number {SCHEMA[key].range_text()}, "
                    f"got {edit.text()!r}"
                )
            out[key] = getattr(base, key) if value is None else value
        text = self.epsilon_edit.text().strip()
        if not text or text.lower().startswith(DEFAULT_WORD):
            out["epsilon"] = None
        else:
            value = typed_number(text, "epsilon")
            if value is None and strict and self.row_shown("epsilon"):
                raise ValueError(
                    f"ε must be a number {SCHEMA['epsilon'].range_text()} (or empty for "
                    f"PyTorch's default), got {text!r}"
                )
            out["epsilon"] = base.epsilon if value is None else value
        return out

    def show_run(self, run: RunSettings, notes: list[str]) -> None:
        """Show ``run``'s knobs without emitting any signal; a note in ``notes`` for a value
        a spin box cannot hold (the nearest is shown)."""
        for w in self.inputs():
            w.blockSignals(True)
        try:
            set_spin(self.batch_spin, run.batch_size, "batch_size", notes)
            set_spin(self.shuffle_seed_spin, run.shuffle_seed, "shuffle_seed", notes)
            set_spin(self.step_every_spin, run.step_every, "step_every", notes)
            index = self.schedule_combo.findData(run.schedule)
            self.schedule_combo.setCurrentIndex(max(index, 0))
            for key, edit in self.edits.items():
                if typed_number(edit.text(), key) != getattr(run, key):
                    edit.setText(exact_text(getattr(run, key)))
                    edit.setCursorPosition(0)
            eps = run.epsilon
            self.epsilon_edit.setText("" if eps is None else exact_text(eps))
        finally:
            for w in self.inputs():
                w.blockSignals(False)
        self._schedule_rows()

    def set_momentum(self, mu: float) -> None:
        """Show momentum μ (exactly)."""
        self.edits["momentum"].setText(exact_text(mu))


def _stack(*widgets: QWidget) -> QWidget:
    """``widgets`` one under the other in one field (a value and the line that explains it)."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    for w in widgets:
        column.addWidget(w)
    return box
