"""The live numbers of a run next to the equations of one gradient-descent step."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.solvers import GD_SOLVERS, OPTIMIZERS
from core.solvers.optimizers import ADAPTIVE, divergence_bound, mini_batch
from core.solvers.theory import compared, prediction_line, problem_theory
from gui_app.explore.plots import fmt
from gui_app.explore.run_words import status_words
from gui_app.explore.shown_model import fmt_metric
from gui_app.explore.views.step_panel import UPDATES, solver_name

#: The first rows of every step: the prediction, error, cost and full-data gradient.
_COMMON_ROWS = (
    ("prediction", "ŷ = Xw + b"),
    ("error", "e = ŷ − y"),
    ("cost", "J = (1/2m) Σ e²"),
    ("gradient", "∇w = (1/m) Xᵀe"),
    ("", "∂b = (1/m) Σ e"),
)


#: The same rows for one mini-batch of B rows (X_B, y_B, e_B: its rows), in the notation
#: of the step panel (:mod:`gui_app.explore.views.step_panel`); J stays the full-data cost.
_BATCH_ROWS = (
    ("prediction", "ŷ_B = X_B·w + b"),
    ("error", "e_B = ŷ_B − y_B"),
    ("cost", "J = (1/2m) Σ e²  (all rows)"),
    ("gradient", "g_w = (1/B) X_Bᵀe_B"),
    ("", "g_b = (1/B) Σ e_B"),
)


def is_mini_batch(solver: str, batch_size: int, m: int) -> bool:
    """Whether ``solver`` with batch size ``batch_size`` on ``m`` rows takes mini-batch steps:
    an optimizer with 1 ≤ B < m."""
    return bool(mini_batch(solver, batch_size, m))


def equations_html(solver: str, batch_size: int = 0, m: int = 0) -> str:
    """The equations box for ``solver`` (with batch size ``batch_size`` on ``m`` rows): one
    gradient-descent step (the course's update of w and b), or for an optimizer its own update
    lines in the notation of :mod:`core.solvers.optimizers` (θ = [w, b], g_t = [∇w, ∂b], γ_t
    the scheduled α); a mini-batch run (1 ≤ B < m) has the batch gradient g_t = [g_w, g_b]
    of B rows. The normal equation has no step and shows gradient descent's for comparison."""
    mini = is_mini_batch(solver, batch_size, m)
    common = _BATCH_ROWS if mini else _COMMON_ROWS
    if mini:
        title = f"One mini-batch step of {solver_name(solver)} (B = {batch_size:,})"
    elif solver in OPTIMIZERS and solver != "sgd":
        title = f"One step of {solver_name(solver)}"
    else:
        title = "One gradient-descent step"
    if solver in OPTIMIZERS and (mini or solver != "sgd"):
        update = [(("update" if k == 0 else ""), line) for k, line in enumerate(UPDATES[solver])]
    else:
        update = [("update", "w := w − α∇w"), ("", "b := b − α∂b")]
    rows = "".join(
        f"<tr><td>{html.escape(a)}</td><td><b>{html.escape(b)}</b></td></tr>"
        for a, b in (*common, *update)
    )
    return f"<div><b>{html.escape(title)}</b></div><table cellspacing='2'>{rows}</table>"


def duration_text(seconds: float) -> str:
    """A short duration with its unit, three significant digits ("840 ns", "12.3 µs",
    "4.50 ms", "1.20 s")."""
    for unit, scale in (("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3)):
        if seconds < 1000 * scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def timing_row(snap, run) -> tuple[str, str] | None:
    """The numbers panel's row for how fast ``run`` (RunSettings) went, from its snapshot
    ``snap``: the wall-clock time per iteration (elapsed / iterations, preparation such as
    the Gram form's XᵀX and any pause included) and the implementation that ran; a direct
    solver's solve time; None when neither can be said yet."""
    if snap is None or run is None:
        return None
    if run.solver not in GD_SOLVERS:
        return ("solve time", duration_text(snap.elapsed)) if snap.final else None
    per = duration_text(snap.elapsed / snap.iteration) if snap.iteration > 0 else "—"
    return ("time / iteration", f"{per} · {run.implementation}")


def bound_row(solver: str, alpha_max: float | None, momentum: float) -> tuple[str, str]:
    """The numbers panel's row for the α above which ``solver`` diverges: α_max for gradient
    descent and sgd, the momentum or Nesterov bound (with momentum μ), or for the adaptive
    optimizers that there is none (:func:`core.solvers.optimizers.divergence_bound`)."""
    if solver in ADAPTIVE:
        return ("bound on α", "none (adaptive steps)")
    try:
        limit = divergence_bound(solver, alpha_max, momentum) if alpha_max is not None else None
    except InputError:  # a direct solver: gradient descent's α_max for comparison
        limit = None
    if limit is None:
        return ("α_max", fmt(alpha_max, 4))
    return (limit.name.removeprefix("the "), fmt(limit.value, 4))


EQUATIONS = equations_html("gd")


class NumbersPanel(QWidget):
    """The live numbers of the run next to the equations of one gradient-descent step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # the numbers scroll when a short window has no room for all of them
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        # side by side when there is room, else the equations below the numbers (a lesson
        # panel beside the plots leaves a 1366-px screen no room for both in a row)
        layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, inner)
        self.row = layout
        layout.setContentsMargins(8, 4, 8, 4)
        self.numbers = QLabel()
        self.numbers.setTextFormat(Qt.TextFormat.RichText)
        self.numbers.setWordWrap(True)  # long units wrap: the window never outgrows a screen
        self.numbers.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.numbers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equations = QLabel(EQUATIONS)
        self.equations.setTextFormat(Qt.TextFormat.RichText)
        self.equations.setWordWrap(True)
        self.equations.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        font = self.font()
        font.setPointSize(font.pointSize() + 1)
        self.numbers.setFont(font)
        self.equations.setFont(font)
        self.equations.setStyleSheet("background:#f4f6fa; border:1px solid #ccd; padding:6px;")
        # wide enough for a number and its name side by side; long units wrap below that
        self.numbers.setMinimumWidth(
            self.numbers.fontMetrics().horizontalAdvance("gradient norm ‖∇J‖  0.00084741") + 8
        )
        bold = QFont(font)
        bold.setBold(True)
        self.equations.setMinimumWidth(
            QFontMetrics(bold).horizontalAdvance("prediction  w := w − α∇w") + 28
        )
        layout.addWidget(self.numbers, 1)
        layout.addWidget(self.equations, 1)
        margins = layout.contentsMargins()
        bar = scroll.verticalScrollBar().sizeHint().width()
        extra = margins.left() + margins.right() + bar
        #: the width from which the numbers and the equations stand side by side (a scroll
        #: bar, shown only on a short panel, may take a little of it: the texts wrap)
        self.side_by_side_width = (
            self.numbers.minimumWidth() + self.equations.minimumWidth() + layout.spacing() + extra
        ) - bar
        scroll.setMinimumWidth(
            max(self.numbers.minimumWidth(), self.equations.minimumWidth()) + extra
        )
        self._scroll = scroll
        #: the scroll area's minimum width with and without the equations
        self._min_widths = (self.numbers.minimumWidth() + extra, scroll.minimumWidth())
        self._equations_hidden = False  # by set_equations_shown
        self.alpha_max: float | None = None
        self.solver, self.momentum = "gd", 0.9  # whose α bound the numbers show (set_solver)
        self.condition: float | None = None
        self.names: list[str] = []
        self.units: list[str] = []
        self._theory_key: tuple | None = None  # what the theory below was computed for
        self.run = None  # the RunSettings of the run shown (set_run_theory; None: none)
        self.theory: dict | None = None  # core's theory report for the run shown (None: none)
        self.judgement = None  # gui_app.explore.shown_model.Judgement of the model shown
        self.penalised = False  # the cost J shown includes a penalty (λ > 0)
        self.update_numbers(None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Stack the equations under the numbers when the panel is narrower than both."""
        super().resizeEvent(event)
        direction = (
            QBoxLayout.Direction.LeftToRight
            if event.size().width() >= self.side_by_side_width
            else QBoxLayout.Direction.TopToBottom
        )
        if self.row.direction() != direction:
            self.row.setDirection(direction)

    def set_equations_shown(self, on: bool) -> None:
        """Show or hide the equations; hidden, the panel needs only the numbers' width (a
        narrow screen with the lesson panel open)."""
        if on != self._equations_hidden:
            return
        self._equations_hidden = not on
        self.equations.setVisible(on)
        self._scroll.setMinimumWidth(self._min_widths[on])

    def set_problem_numbers(
        self, alpha_max: float | None, condition: float | None, names: list[str], units: list[str]
    ) -> None:
        """α_max, the condition number and the parameters' names and units (None: no
        problem prepared)."""
        self.alpha_max, self.condition = alpha_max, condition
        self.names, self.units = names, units

    def set_solver(
        self, solver: str, batch_size: int = 0, m: int = 0, momentum: float = 0.9
    ) -> None:
        """Show the equations of one step of ``solver`` (the run on screen's, or the one
        chosen when no run is shown) with batch size ``batch_size`` on ``m`` rows (a
        mini-batch step when 1 ≤ B < m), and the α bound that applies to it (momentum μ)."""
        self.solver, self.momentum = solver, momentum
        text = equations_html(solver, batch_size, m)
        if text != self.equations.text():
            self.equations.setText(text)

    def set_run_theory(self, problem: object, run: object, alpha: float | None) -> None:
        """The theory for the run shown: ``problem`` (a core Problem) trained with ``run``
        (its RunSettings) at learning rate ``alpha`` (:func:`core.solvers.theory.problem_theory`;
        None for a direct solver). Shown by :meth:`update_numbers`: the prediction while the
        run goes, predicted against measured iterations once it has ended. ``run`` also
        names the implementation of the time per iteration shown with its snapshots."""
        self.run = run
        key = (id(problem), run, alpha)
        if key == self._theory_key:
            return
        self._theory_key = key
        iterative = alpha is not None and getattr(run, "solver", "") in GD_SOLVERS
        self.theory = problem_theory(problem, run, alpha, 0) if iterative else None

    def set_judgement(self, judgement, penalised: bool = False) -> None:
        """The metrics of the model shown (a :class:`~gui_app.explore.shown_model.Judgement`;
        None: none to show) and whether its cost J includes a penalty; shown by
        :meth:`update_numbers`."""
        self.judgement, self.penalised = judgement, penalised

    def metrics_html(self) -> str:
        """The metrics table (training and test columns: rows, J, MSE, RMSE, MAE in the
        target's units, R²), the one-line reading and the coefficients L1 zeroed; "" when
        no model is judged."""
        j = self.judgement
        if j is None:
            return ""
        train, test = j.evaluation.train, j.evaluation.test
        rows = [
            ("rows", f"{train.rows:,}", f"{test.rows:,}" if test else "—"),
            *(
                (
                    name,
                    fmt_metric(getattr(train, key)),
                    fmt_metric(getattr(test, key)) if test else "—",
                )
                for name, key in (
                    ("J", "cost"),
                    ("MSE", "mse"),
                    ("RMSE", "rmse"),
                    ("MAE", "mae"),
                    ("R²", "r2"),
                )
            ),
        ]
        body = "".join(
            f"<tr><td>{html.escape(a)}&nbsp;</td><td align='right'><b>{b}</b></td>"
            f"<td align='right'>&nbsp;<b>{c}</b></td></tr>"
            for a, b, c in rows
        )
        head = "<tr><td></td><td align='right'>training</td><td align='right'>&nbsp;test</td></tr>"
        # the units once, above the table: a narrow panel keeps three columns whole
        units = f"in {html.escape(j.unit)}, MSE in ({html.escape(j.unit)})²; " if j.unit else ""
        note = f"{units}J = MSE/2{' without the penalty' if j.penalised else ''}"
        text = (
            "<div style='margin-top:4px'><b>Errors of this model</b></div>"
            f"<div style='color:#555'>{note}</div>"
            f"<table cellspacing='0' cellpadding='1'>{head}{body}</table>"
            f"<div style='color:#123'><i>{html.escape(j.reading)}</i></div>"
        )
        if j.zeroed:
            names = ", ".join(j.zeroed)
            text += f"<div>L1 set to 0: <b>{html.escape(names)}</b></div>"
        return text

    def theory_text(self, snap) -> str:
        """The theory row for ``snap``: the predicted rate and iterations, or once the run has
        ended "predicted ≈ 140 iterations, measured 152"; "" without a prediction (the
        Optimizer box's theory line says why: adaptive steps, a schedule, mini-batches)."""
        t = self.theory
        if t is None or snap is None or t["rate_used"] is None:
            return ""
        k = t["predicted_iterations"]
        if snap.final and k is not None:
            return compared(k, snap.iteration, str(snap.status))
        return prediction_line(t)

    def update_numbers(self, snap, alpha: float | None = None, status: str = "") -> None:
        rows = []
        if snap is None:
            rows.append(("iteration", "—"))
            rows.append(("cost J", "—"))
            rows.append(("gradient norm ‖∇J‖", "—"))
        else:
            rows.append(("iteration", f"{snap.iteration:,}"))
            rows.append(("cost J" + " (with penalty)" * self.penalised, fmt(snap.cost, 7)))
            test_cost = getattr(snap, "test_cost", None)  # (a snapshot-like without one)
            if test_cost is not None:
                rows.append(("test cost", fmt(test_cost, 7)))
            rows.append(("gradient norm ‖∇J‖", fmt(snap.grad_norm, 4)))
        timing = timing_row(snap, self.run)
        if timing is not None:
            rows.append(timing)
        if alpha is not None:
            rows.append(("learning rate α", fmt(alpha, 4)))
        rows.append(bound_row(self.solver, self.alpha_max, self.momentum))
        # cond(A) of the design as scaled, as the Data box and the CLI name it; the theory's
        # κ = λ_max/λ_min of AᵀA/m is its square
        rows.append(("cond(A)", fmt(self.condition, 4)))
        if status:
            rows.append(("status", status_words(status)))
        theory = self.theory_text(snap)
        html_rows = "".join(
            f"<tr><td>{html.escape(k)}&nbsp;&nbsp;</td><td><b>{html.escape(v)}</b></td></tr>"
            for k, v in rows
        )
        if theory:  # across the table: a narrow value column would wrap it word by word
            html_rows += f"<tr><td colspan=2>theory: <b>{html.escape(theory)}</b></td></tr>"
        coef_rows = ""
        if snap is not None:
            params = list(snap.w) + ([snap.b] if snap.b is not None else [])
            shown = list(range(min(len(params), 6)))
            if snap.b is not None and len(params) - 1 not in shown:
                shown.append(len(params) - 1)
            for k in shown:
                name = self.names[k] if k < len(self.names) else f"θ{k}"
                unit = self.units[k] if k < len(self.units) else ""
                coef_rows += (
                    f"<tr><td>{html.escape(name)}&nbsp;&nbsp;</td>"
                    f"<td><b>{fmt(params[k], 6)}"
                    f"</b> <span style='color:#555'>{html.escape(unit)}</span>"
                    f"</td></tr>"
                )
            if len(params) > len(shown):
                coef_rows += f"<tr><td colspan=2>… {len(params) - len(shown)} more</td></tr>"
        self.numbers.setText(
            "<table cellspacing='0' cellpadding='1'>"
            + html_rows
            + "</table>"
            + (self.metrics_html() if snap is not None else "")
            + (
                "<div style='margin-top:4px'><b>Coefficients (original units)</b></div>"
                "<table cellspacing='1'>" + coef_rows + "</table>"
                if coef_rows
                else ""
            )
        )
