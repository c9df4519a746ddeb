"""The chosen start point across a new problem (a rule of the explore controller, issue 9)."""

from __future__ import annotations

from typing import Any

from gui_app.explore.plots import parameter_short_names
from gui_app.explore.state import ExploreState


def carry_start(state: ExploreState, problem: Any, old_names: tuple[str, ...]) -> str:
    """Keep or drop ``state``'s chosen start point for the newly prepared ``problem`` (whose
    predecessor had the parameters ``old_names``); returns a line for the banner ("" when
    no start point was chosen).

    The start is kept in original units, so a new scaling or device starts the same model
    (what a comparison of scalings needs), shown at its place in the new training
    coordinates. New parameters (other data columns, degree or intercept) have no such
    place: the start goes back to zero, and the banner says so.
    """
    if state.start_w is None:
        return ""
    if tuple(problem.parameter_names) != old_names or len(state.start_w) != problem.n:
        state.start_w, state.start_b = None, None
        return "The chosen start point belonged to other parameters: runs start at zero."
    text = "The chosen start point is kept (the same w and b in original units)"
    if state.pair is None or problem.n_params < 2:
        return text + "."
    w_s, b_s = problem.to_scaled(state.start_w, state.start_b or 0.0)
    theta = problem.theta(w_s, b_s if b_s is not None else 0.0)
    names = parameter_short_names(problem)
    i, j = state.pair
    return (
        f"{text}; in this model's training coordinates it is {names[i]} = {theta[i]:.4g}, "
        f"{names[j]} = {theta[j]:.4g}."
    )


def start_fields(state: ExploreState) -> dict[str, Any]:
    """``state``'s chosen start point as the ``w0``, ``b0`` and ``start_for`` fields of a run's
    or a race's spec (:class:`gui_app.explore.worker.StartSpec`); all None when none is chosen.
    """
    if state.start_w is None:
        return {"w0": None, "b0": None, "start_for": None}
    # Also before the new problem is ready (Run pressed right after a new scaling): the
    # worker keeps the start only if the parameters are those it was chosen for.
    return {
        "w0": tuple(float(v) for v in state.start_w),
        "b0": state.start_b,
        "start_for": state.pair_names,
    }
