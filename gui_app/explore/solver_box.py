"""The Solver box of the control panel: the solver, the learning rate α against α_max, the
iteration cap, the tolerance and the start point.

The box holds these inputs and keeps α's slider, text field and α_max line in step; the
control panel reads them (:meth:`SolverBox.alpha`, :meth:`SolverBox.tolerance`) into the
run settings. Ranges, defaults and tooltips come from :data:`core.settings.SCHEMA`.
"""

from __future__ import annotations

import math

from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
)

from core.errors import InputError
from core.settings import SCHEMA
from core.solvers.optimizers import ADAPTIVE, divergence_bound
from gui_app.explore.alpha import AlphaSlider
from gui_app.widgets import choice_combo, int_spin, setting_label, setting_tooltip

#: The solver choice, from the settings: gradient descent (its implementation chosen in the
#: Device box), the optimizers, or a direct solver (the normal equation, stable or textbook).
#: The first three keep their places (tests pick them by index).
_FIRST = ("gd", "normal", "normal-textbook")
SOLVERS = (*_FIRST, *(s for s in SCHEMA["solver"].choices if s not in (*_FIRST, "gd-loop")))
SOLVER_LABELS = {"gd": "gradient descent"}
QUICK_ALPHA_FACTORS = (0.1, 0.5, 0.95, 1.05)  # below, near and just above α_max
#: How the α line names each solver's bound: (the bound with its formula, its short name).
BOUND_WORDS = {
    "gd": ("α_max = 2/λ_max(AᵀA/m)", "α_max"),
    "momentum": ("momentum bound 2(1+μ)/λ_max", "the bound"),
    "nesterov": ("Nesterov bound 2(1+μ)/((1+2μ)λ_max)", "the bound"),
}
SOLVER_NAMES = {"adagrad": "AdaGrad", "rmsprop": "RMSprop", "adam": "Adam"}


class SolverBox(QGroupBox):
    """The solver and its knobs; α is shown against α_max (red at or above it)."""

    def __init__(self) -> None:
        super().__init__("Solver")
        self._alpha_max: float | None = None
        self._preparing = True
        self._bound_solver, self._momentum = "gd", float(SCHEMA["momentum"].default)
        form = QFormLayout(self)
        self.solver_combo = choice_combo("solver", SOLVERS, SOLVER_LABELS)
        form.addRow("Solver", self.solver_combo)
        self.alpha_slider = AlphaSlider()
        self.alpha_slider.setToolTip(
            "Learning rate α on a log scale; red: α ≥ α_max, where gradient descent diverges"
        )
        self.alpha_edit = QLineEdit(f"{SCHEMA['alpha'].default:g}")
        self.alpha_edit.setToolTip(setting_tooltip("alpha"))
        self.alpha_edit.setMaximumWidth(90)
        arow = QHBoxLayout()
        arow.addWidget(self.alpha_slider, 1)
        arow.addWidget(self.alpha_edit)
        form.addRow(setting_label("alpha").capitalize(), arow)
        self.alpha_max_label = QLabel("α_max = …")
        self.alpha_max_label.setWordWrap(True)  # "α ≥ α_max: will diverge" must never be cut
        # two lines reserved, so the warning's second line never moves the α buttons below
        self.alpha_max_label.setMinimumHeight(2 * self.alpha_max_label.fontMetrics().lineSpacing())
        self.quick_alpha_buttons = []
        for factor in QUICK_ALPHA_FACTORS:
            b = QPushButton(f"{factor:g}·α_max")
            b.setToolTip(f"set α = {factor:g} × α_max")
            b.clicked.connect(lambda _c=False, f=factor: self._set_alpha_factor(f))
            b.setMaximumWidth(80)
            self.quick_alpha_buttons.append(b)
        form.addRow(self.alpha_max_label)
        quick = QHBoxLayout()
        for b in self.quick_alpha_buttons:
            quick.addWidget(b)
        form.addRow(quick)
        self.iterations_spin = int_spin("iterations", step=100)
        form.addRow("Max " + setting_label("iterations"), self.iterations_spin)
        self.tolerance_edit = QLineEdit(f"{SCHEMA['tolerance'].default:g}")
        self.tolerance_edit.setToolTip(setting_tooltip("tolerance"))
        form.addRow(setting_label("tolerance").capitalize(), self.tolerance_edit)
        srow = QHBoxLayout()
        self.start_label = QLabel("w = 0, b = 0")
        self.start_label.setWordWrap(True)  # a clicked start names two parameters
        self.start_label.setToolTip("Click on the contour plot to choose the start point")
        self.start_reset = QPushButton("zero")
        self.start_reset.setMaximumWidth(60)
        srow.addWidget(self.start_label, 1)
        srow.addWidget(self.start_reset)
        form.addRow("Start point", srow)
        self.alpha_slider.setValue(self.alpha_slider.position_of(SCHEMA["alpha"].default))
        self.alpha_slider.valueChanged.connect(self._slider_moved)
        self.alpha_edit.editingFinished.connect(self._alpha_edited)

    # -- α ----------------------------------------------------------------------------------------
    def _slider_moved(self, pos: int) -> None:
        alpha = self.alpha_slider.alpha_at(pos)
        self.alpha_edit.setText(f"{alpha:.3g}")
        self.alpha_edit.setCursorPosition(0)  # show a long number's first digits
        self._update_alpha_label()

    def _alpha_edited(self) -> None:
        alpha = self.alpha()
        if alpha is not None:
            self.alpha_slider.blockSignals(True)
            self.alpha_slider.setValue(self.alpha_slider.position_of(alpha))
            self.alpha_slider.blockSignals(False)
        self._update_alpha_label()

    def _set_alpha_factor(self, factor: float) -> None:
        """α = ``factor`` × the bound that applies (α_max; the momentum or Nesterov bound)."""
        bound = self.bound()
        if bound is not None and math.isfinite(bound):
            self.set_alpha(factor * bound)

    def set_alpha(self, alpha: float) -> None:
        """Show the learning rate ``alpha`` in the field and on the slider."""
        self.alpha_edit.setText(f"{alpha:.4g}")
        self.alpha_edit.setCursorPosition(0)
        self._alpha_edited()

    def set_alpha_max(self, alpha_max: float | None, preparing: bool = False) -> None:
        """Show α_max and mark the divergent range; with ``alpha_max`` None, "computing"
        while ``preparing``, else that there is none."""
        self._alpha_max = alpha_max
        self._preparing = preparing
        self.alpha_slider.set_alpha_max(alpha_max, self.alpha() or 0.1)
        self._update_alpha_label()

    def set_bound_solver(self, solver: str, momentum: float) -> None:
        """Mark the bound of ``solver`` (with momentum μ) instead of gradient descent's α_max:
        the momentum or Nesterov bound, none for the adaptive optimizers
        (:func:`core.solvers.optimizers.divergence_bound`)."""
        if (solver, momentum) != (self._bound_solver, self._momentum):
            self._bound_solver, self._momentum = solver, momentum
            self._update_alpha_label()

    def bound(self) -> float | None:
        """The α from which the chosen solver diverges (None: none known, or none at all)."""
        if self._alpha_max is None:
            return None
        try:
            limit = divergence_bound(self._bound_solver, self._alpha_max, self._momentum)
        except InputError:  # a direct solver: α does not apply, show gradient descent's
            return self._alpha_max
        return None if limit is None else limit.value

    def _update_adaptive(self) -> None:
        """The adaptive optimizers have no fixed bound: the slider's fixed wide range, and no
        quick buttons (multiples of α_max mean nothing for them)."""
        adaptive = self._bound_solver in ADAPTIVE
        self.alpha_slider.set_adaptive(adaptive, self.alpha() or 0.1)
        name = SOLVER_NAMES.get(self._bound_solver, self._bound_solver)
        momentum_type = self._bound_solver in ("momentum", "nesterov")
        unit = "bound" if momentum_type else "α_max"
        for b, factor in zip(self.quick_alpha_buttons, QUICK_ALPHA_FACTORS, strict=True):
            b.setEnabled(not adaptive and self.alpha_slider.isEnabledTo(self))
            b.setText(f"{factor:g}·{unit}")
            b.setToolTip(
                f"{name} adapts its steps: no fixed bound on α, so no multiple of α_max "
                "applies (typical α: 0.001 to 0.1)"
                if adaptive
                else f"set α = {factor:g} × the {name} bound shown above"
                if momentum_type
                else f"set α = {factor:g} × α_max"
            )

    def _update_alpha_label(self) -> None:
        self._update_adaptive()
        a_max = self._alpha_max
        if a_max is None:
            self.alpha_slider.set_divergent_from(None)
            self.alpha_max_label.setText(
                "α_max = … (computing)" if self._preparing else "α_max = — (no data prepared)"
            )
            return
        alpha, solver, bound = self.alpha(), self._bound_solver, self.bound()
        self.alpha_slider.set_divergent_from(bound)
        if bound is None:
            self.alpha_slider.setToolTip(
                "Learning rate α on a log scale from 1e-5 to 10 (adaptive steps: no fixed bound)"
            )
            self.alpha_max_label.setText(
                f"{SOLVER_NAMES.get(solver, solver)} adapts its steps: <b>no fixed bound</b> on "
                f"α (gradient descent's α_max would be {a_max:.4g})"
            )
            return
        name, short = BOUND_WORDS.get(solver, BOUND_WORDS["gd"])
        self.alpha_slider.setToolTip(
            f"Learning rate α on a log scale; red: α ≥ {short}, where {solver} diverges"
        )
        text = f"{name} = <b>{bound:.4g}</b>"
        if alpha is not None and alpha >= bound:
            text += f"  <span style='color:#c00000'><b>α ≥ {short}: will diverge</b></span>"
        elif alpha is not None:
            text += f"  (α = {alpha / bound:.2g}·{short})"
        self.alpha_max_label.setText(text)

    # -- values -----------------------------------------------------------------------------------
    def alpha(self) -> float | None:
        """The learning rate typed in; None when it is not a number > 0 (in the range of
        ``SCHEMA["alpha"]``)."""
        return typed_number(self.alpha_edit.text(), "alpha")

    def tolerance(self) -> float | None:
        """The tolerance typed in; None when it is not a number in the range of
        ``SCHEMA["tolerance"]`` (0 to 1)."""
        return typed_number(self.tolerance_edit.text(), "tolerance")

    def gd_widgets(self) -> list:
        """The inputs that only gradient descent uses (disabled for a direct solver)."""
        return [
            self.alpha_slider,
            self.alpha_edit,
            self.iterations_spin,
            self.tolerance_edit,
            self.start_reset,
            # the adaptive optimizers' quick buttons stay disabled (_update_adaptive)
            *(self.quick_alpha_buttons if self._bound_solver not in ADAPTIVE else ()),
        ]


def typed_number(text: str, key: str) -> float | None:
    """``text`` as a number allowed for setting ``key`` (a decimal comma is accepted);
    None when it is not one."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if SCHEMA[key].problem(value) is None else None


def exact_text(value: float) -> str:
    """``value`` as short as it reads back exactly: "0.1", "1e-09", "0.123456789"."""
    short = f"{value:.4g}"
    return short if float(short) == value else repr(value)


def set_spin(spin: QSpinBox | QDoubleSpinBox, value: float, key: str, notes: list[str]) -> None:
    """Set ``spin`` to ``value``, or to the nearest value in its range with a note in
    ``notes`` (a Qt spin box holds a C int: 2**31 or more would overflow)."""
    low, high = spin.minimum(), spin.maximum()
    if value < low or value > high:
        notes.append(
            f"{key.replace('_', ' ')} = {value:g} is outside this window's range "
            f"({low:g} to {high:g}); using the nearest"
        )
    nearest = min(max(value, low), high)
    if spin.value() != nearest:
        spin.setValue(nearest)
