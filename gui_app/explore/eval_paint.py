"""How the window draws what issue 12 adds for judging the model on screen: the metrics in the
numbers panel, the test cost on the learning curve and the prediction box. Like
:mod:`gui_app.explore.paint`, it only paints the state (:mod:`gui_app.explore.shown_model`
says what the model on screen is and computes its numbers).

The window calls :func:`paint_evaluation` at the end of every ``render``, and
:func:`judge_for_numbers` and :func:`draw_test_cost` from its live redraws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gui_app.explore.shown_model import (
    Judge,
    finished_model,
    predictor_of,
    shown_model,
)
from gui_app.explore.state import Run, RunStatus

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow

#: What can change the model on screen (so the prediction box).
MODEL_ASPECTS = frozenset({"problem", "history", "finished", "race", "runs", "status"})


def _judge(window: MainWindow) -> Judge:
    judge = getattr(window, "_judge", None)
    if judge is None:
        judge = window._judge = Judge()
    return judge


def judge_for_numbers(window: MainWindow) -> None:
    """Give the numbers panel the metrics of the model on screen (None when there is none,
    or while a big run goes: it is judged when it pauses or ends)."""
    state = window.state
    model = shown_model(state)
    prep = state.prepared
    penalised = bool(prep is not None and prep.problem.penalty)
    live = state.status is RunStatus.RUNNING
    window.numbers.set_judgement(_judge(window).of(model, live=live), penalised)


def draw_test_cost(window: MainWindow, run: Run, curve: Any) -> None:
    """Draw ``run``'s test cost next to its learning curve ``curve`` (dashed, its colour)."""
    if curve is None or run.history is None:
        return
    it, _cost = run.history.arrays()
    model = run.settings.model
    window.learning.set_test_cost(
        curve, it, run.history.test_costs(), penalised=bool(model.l2 or model.l1)
    )


def paint_prediction(window: MainWindow) -> None:
    """Give the prediction box the finished model on screen, or none and the reason."""
    model, reason = finished_model(window.state)
    box = window.controls.predict_box
    if model is None:
        box.set_predictor(None, reason)
        return
    cached = getattr(window, "_predictor_of", None)
    if cached is None or cached[0] is not model.snap:
        cached = window._predictor_of = (model.snap, predictor_of(model))
    box.set_predictor(cached[1])


def paint_evaluation(window: MainWindow, changed: frozenset[str]) -> None:
    """Bring the prediction box up to date when the model on screen may have changed."""
    if changed & MODEL_ASPECTS:
        paint_prediction(window)
