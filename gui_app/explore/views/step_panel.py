"""The step panel (issue 11, item 4): one step of the chosen solver on the data on screen, as
the data shape contract: each operand with its shape (X m×n with the real m and n, w n, b,
e = Xw + b − y m, ∇w = Xᵀe/m n; for a mini-batch X_B B×n, e_B B) and the optimizer's own
update lines with the current α, μ, ρ, β1, β2, ε.

The update lines are those of :mod:`core.solvers.optimizers` (PyTorch's ``torch.optim``
algorithm boxes), in its notation: θ = [w, b] in training coordinates, g_t the gradient at
θ_{t−1}, γ_t the learning rate of the schedule, t = 1, 2, … the update. The hyper-parameters
shown are those :func:`core.solvers.optimizers.describe` resolves (ε: PyTorch's default when
none is set). :func:`step_html` is the text; :class:`StepPanel` shows it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTextBrowser, QWidget

from core.settings import RunSettings
from core.solvers import GD_SOLVERS, OPTIMIZER_OPTIONS, SCHEDULE_OPTIONS, SOLVER_LABELS
from core.solvers.optimizers import OPTIMIZERS, describe, mini_batch

#: θ's update, per solver, in the notation of core/solvers/optimizers.py.
UPDATES: dict[str, tuple[str, ...]] = {
    "gd": ("θ_t = θ_{t−1} − γ_t·g_t",),
    "sgd": ("θ_t = θ_{t−1} − γ_t·g_t",),
    "momentum": ("b_t = μ·b_{t−1} + g_t   (b_1 = g_1)", "θ_t = θ_{t−1} − γ_t·b_t"),
    "nesterov": (
        "b_t = μ·b_{t−1} + g_t   (b_1 = g_1)",
        "θ_t = θ_{t−1} − γ_t·(g_t + μ·b_t)",
    ),
    "adagrad": ("s_t = s_{t−1} + g_t²", "θ_t = θ_{t−1} − γ_t·g_t / (√s_t + ε)"),
    "rmsprop": ("v_t = ρ·v_{t−1} + (1 − ρ)·g_t²", "θ_t = θ_{t−1} − γ_t·g_t / (√v_t + ε)"),
    "adam": (
        "m_t = β1·m_{t−1} + (1 − β1)·g_t",
        "v_t = β2·v_{t−1} + (1 − β2)·g_t²",
        "m′_t = m_t / (1 − β1^t)   (bias-corrected)",
        "v′_t = v_t / (1 − β2^t)   (bias-corrected)",
        "θ_t = θ_{t−1} − γ_t·m′_t / (√v′_t + ε)",
    ),
}
#: How each implementation (RunSettings.implementation) computes g_t: the same numbers.
COMPUTED_BY = {
    "vectorised": "g_t computed by two BLAS products: X·w, then Xᵀe",
    "loop": "g_t computed in Python loops, one multiply-add at a time",
    "compiled": "g_t computed by the same loops compiled by numba (one thread)",
    "fused": "g_t computed in one parallel pass that reads X once (numba)",
    "gram": "g_t computed from G once: ∇w = G·w + b·s − Xᵀy/m (s: X's column means), "
    "O(n²) whatever m",
    "cupy": "g_t computed by one CUDA kernel that reads X once",
}
#: The optimizer's state (each the shape of θ), per solver.
STATE_NAMES = {"momentum": "b", "nesterov": "b", "adagrad": "s", "rmsprop": "v", "adam": "m, v"}
SCHEDULE_LINES = {
    "constant": "γ_t = α",
    "step": "γ_t = α·decay^⌊t/k⌋",
    "inverse-time": "γ_t = α / (1 + decay·t)",
    "cosine": "γ_t = α·(1 + cos(πt/T)) / 2   (T: the last iteration)",
}


#: Short names for titles where the solver's label is long ("SGD", not "mini-batch
#: stochastic gradient descent" after "One mini-batch step of").
SHORT_NAMES = {"sgd": "SGD"}


def solver_name(solver: str) -> str:
    """The solver's name for a title: its label without the note in brackets ("Adam",
    "gradient descent", "SGD"), from :data:`core.solvers.SOLVER_LABELS`."""
    return SHORT_NAMES.get(solver) or SOLVER_LABELS.get(solver, solver).split(" (")[0]


def _num(x: float) -> str:
    return f"{x:.4g}"


def batch_rows(run: RunSettings, m: int) -> int:
    """The rows of one update: B when 1 ≤ B < m (a mini-batch optimizer), else m."""
    return mini_batch(run.solver, run.batch_size, m) or m


def step_rows(run: RunSettings, m: int, n: int, intercept: bool) -> list[tuple[str, str]]:
    """The operands of one step as (operand, shape), for ``m`` rows and ``n`` model columns;
    a derived operand is written with its definition ("e = X·w + b − y")."""
    P = n + (1 if intercept else 0)
    e_def = "X·w + b − y" if intercept else "X·w − y"
    rows = [("X", f"{m:,} × {n:,}"), ("y", f"{m:,}"), ("w", f"{n:,}")]
    if intercept:
        rows.append(("b", "scalar"))
    if run.solver not in GD_SOLVERS:
        return rows
    B = batch_rows(run, m)
    if B < m:
        e_b = e_def.replace("X", "X_B").replace("y", "y_B")
        rows += [
            ("X_B", f"{B:,} × {n:,}"),
            ("y_B", f"{B:,}"),
            (f"e_B = {e_b}", f"{B:,}"),
            ("g_w = X_Bᵀe_B / B", f"{n:,}"),
        ]
        if intercept:
            rows.append(("g_b = Σe_B / B", "scalar"))
    else:
        rows += [(f"e = {e_def}", f"{m:,}"), ("∇w = Xᵀe / m", f"{n:,}")]
        if intercept:
            rows.append(("∂b = Σe / m", "scalar"))
        if run.implementation == "gram":  # (full batch only)
            rows.append(("G = XᵀX / m (once)", f"{n:,} × {n:,}"))
    rows.append(("θ = [w, b], g" if intercept else "θ = w, g", f"{P:,}"))
    return rows


def step_notes(run: RunSettings, m: int) -> str:
    """What the shapes mean: X in training coordinates; a mini-batch's count per epoch."""
    note = "X: the features as trained (scaled); θ, g: every parameter"
    B = batch_rows(run, m)
    if run.solver in GD_SOLVERS and B < m:
        last = m % B
        note += f"; X_B: one mini-batch, {-(-m // B):,} per epoch" + (
            f"; the last has {last:,}" if last else ""
        )
    return note


def step_html(run: RunSettings, m: int | None, n: int | None, intercept: bool = True) -> str:
    """The panel's rich text for run settings ``run`` on data of ``m`` rows and ``n`` model
    columns (None: no data yet)."""
    solver = run.solver
    if m is None or n is None:
        return "<p>No data yet: the operands and their shapes show once the data is ready.</p>"
    rows = step_rows(run, m, n, intercept)
    name = solver_name(solver)
    kind = "One mini-batch step" if solver in GD_SOLVERS and batch_rows(run, m) < m else "One step"
    head = f"<b>{kind} of {escape(name)}</b> on the data on screen (m = {m:,}, n = {n:,})"
    if solver not in GD_SOLVERS:
        body = (
            "θ = argmin ‖Aθ − y‖² by stable least squares (lstsq), in one solve"
            if solver == "normal"
            else "θ = (AᵀA)⁻¹Aᵀy, the textbook inverse, in one solve"
        )
        design = "A = [X, 1]: m × (n + 1)" if intercept else "A = X: m × n"
        lines = [body, f"{design}; no steps, no learning rate"]
    else:
        options = {k: getattr(run, k) for k in (*SCHEDULE_OPTIONS, *OPTIMIZER_OPTIONS)}
        used = describe(solver, **options) if solver in OPTIMIZERS else {}
        lines = list(UPDATES.get(solver, UPDATES["sgd"]))
        lines.append(SCHEDULE_LINES.get(run.schedule, "γ_t = α"))
        values = [f"α = {_num(run.alpha)}"]
        if run.schedule in ("step", "inverse-time"):
            values.append(f"decay = {_num(run.decay)}")
        if run.schedule == "step":
            values.append(f"k = {run.step_every:,}")
        names = {"momentum": "μ", "rho": "ρ", "beta1": "β1", "beta2": "β2", "epsilon": "ε"}
        values += [f"{names[k]} = {_num(v)}" for k, v in used.items() if k in names]
        lines.append(", ".join(values))
        state = STATE_NAMES.get(solver)
        if state:
            P = n + (1 if intercept else 0)
            lines.append(f"state {state}: {P:,} values each (θ's shape), from 0")
        if solver == "momentum" or solver == "nesterov":
            lines.append("(b_t: the momentum buffer, not the intercept)")
        if batch_rows(run, m) < m:
            lines.append(f"g_t: one mini-batch of B = {run.batch_size:,} rows; t counts updates")
        else:
            lines.append("g_t = [∇w, ∂b] of the full data" if intercept else "g_t = ∇w")
        lines.append(COMPUTED_BY.get(run.implementation, ""))
    table = "".join(
        f"<tr><td>{escape(a)}</td><td style='padding-left:8px'><b>{escape(s)}</b></td></tr>"
        for a, s in rows
    )
    update = "<br>".join(escape(line) for line in lines)
    operands = (
        "<table cellspacing='0'><tr><th align='left'>operand</th>"
        f"<th align='left' style='padding-left:8px'>shape</th></tr>{table}</table>"
    )
    return (
        f"<p style='margin:0'>{head}</p>"
        f"<table cellspacing='0' cellpadding='2'><tr><td valign='top'>{operands}</td>"
        f"<td valign='top' style='padding-left:14px'><b>Update</b><br>{update}</td></tr></table>"
        f"<p style='margin:0; color:#555'>{escape(step_notes(run, m))}</p>"
    )


class StepPanel(QTextBrowser):
    """Shows :func:`step_html` for the run settings and the data on screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setToolTip("The data shape contract of every step: operands, shapes and the update")
        self._shown = ""

    def show_step(self, run: RunSettings, m: int | None, n: int | None, intercept: bool) -> None:
        """Show one step of ``run`` on ``m`` × ``n`` data (None: no data yet)."""
        html = step_html(run, m, n, intercept)
        if html != self._shown:  # keep the scroll position while nothing changed
            self._shown = html
            self.setHtml(html)
