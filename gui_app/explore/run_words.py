"""The words the window uses for how a run stands and how it ended: the numbers panel's status
row and the banner's advice after a run ends (the controller only picks the case)."""

from __future__ import annotations

import math

from core.solvers.optimizers import ADAPTIVE

#: A run's status (core's RunStatus strings, and the window's own) in words.
STATUS_WORDS = {
    "converged": "converged",
    "max_iterations": "stopped at the iteration cap",
    "diverged": "diverged",
    "cancelled": "stopped",
    "solved": "solved exactly",
    "failed": "failed",
    "running": "running",
    "paused": "paused",
    "stopped": "stopped",
    "idle": "stopped",
}


def status_words(status: str) -> str:
    """``status`` ("max_iterations", "converged", …) as the window writes it; an unknown
    status with its underscores as spaces."""
    key = str(status)
    return STATUS_WORDS.get(key, key.replace("_", " "))


def diverged_advice(solver: str) -> str:
    """What to do after a run of ``solver`` diverged (the banner's second sentence): the
    slider's red part marks the divergent α only for solvers with a fixed bound."""
    if solver in ADAPTIVE:
        return (
            " The app is ready for another run: lower α (an adaptive optimizer has no fixed "
            "bound: its steps are about α each) or scale the features."
        )
    return (
        " The app is ready for another run: lower α (the red part of the slider is "
        "divergent) or scale the features."
    )


def cost_rose(start_cost: float | None, end_cost: float) -> bool:
    """Whether a run ended with its cost above where it started (both finite, or an end cost
    that is not finite)."""
    if start_cost is None or not math.isfinite(start_cost):
        return False
    return not math.isfinite(end_cost) or end_cost > start_cost


def ended_words(
    text: str, snap: object, history: object, warned: bool = False, solver: str = ""
) -> tuple:
    """The banner (text, kind) for a run that ended without diverging or being stopped
    (``snap`` its final snapshot, ``history`` its History or None): ``text`` as "ok" (a
    "warning" when ``warned``), but a warning that the cost ended above where it started when
    a run stopped at its iteration cap went uphill."""
    kind = "warning" if warned else "ok"
    start = None
    if history is not None and len(history):
        start = float(history.arrays()[1][0])
    if str(snap.status) == "max_iterations" and cost_rose(start, snap.cost):
        text += (
            f"\nWarning: the cost ended above where it started (J = {start:.6g} at the start): "
            "this run went uphill. Lower α, or try another optimizer or schedule."
        )
        if solver in ("momentum", "nesterov"):  # a stable run may first climb, then fall
            text += (
                " (Momentum's cost can rise for many iterations before it falls: if α is below "
                "the bound, raise Max iterations to the theory's prediction.)"
            )
        kind = "warning"
    return text, kind
