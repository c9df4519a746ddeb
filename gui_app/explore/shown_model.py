"""The model on screen and what the window computes from it (issue 12): its metrics on the
training and test rows, the one-line reading in the target's units, the coefficients L1 set
to zero, and a predictor for new examples. No Qt: the views draw what these return.

"The model on screen" is the last snapshot of the current run when that run belongs to the
prepared problem (never one of an earlier data or model), and no race is on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.evaluation.metrics import Evaluation, evaluate, reading, target_unit
from core.evaluation.predictor import Predictor, predictor_for
from core.settings import Settings
from core.solvers import GD_IMPLEMENTATIONS, PROXIMAL, SOLVER_LABELS, Snapshot
from gui_app.explore.state import ExploreState

#: Metrics are recomputed live during a run only for designs up to this many entries (m·p);
#: bigger ones are judged when the run ends or pauses (each judgement reads the whole data).
LIVE_EVALUATION_ENTRIES = 200_000


@dataclass(frozen=True, eq=False)
class ShownModel:
    """The run on screen's latest snapshot ``snap`` on the prepared ``problem``."""

    snap: Snapshot
    problem: Any  # core.model.problem.Problem
    label: str  # the run's label ("GD α=0.1, z-score · housing")


@dataclass(frozen=True, eq=False)
class Judgement:
    """What the numbers panel shows about a model: the metrics, the reading in the target's
    units, the names of the coefficients L1 set to exactly 0, and whether J has a penalty."""

    evaluation: Evaluation
    reading: str
    unit: str  # the target's unit ("$1000s"), "" when its name has none
    zeroed: tuple[str, ...]
    penalised: bool


def shown_model(state: ExploreState) -> ShownModel | None:
    """The model on screen (any snapshot, running or final), None when there is none: no
    problem, a race on screen, no run of the prepared problem."""
    run = state.current
    if state.race is not None or run is None or run.last is None:
        return None
    if state.current_history() is None:
        return None
    return ShownModel(run.last, state.prepared.problem, run.label)


def finished_model(state: ExploreState) -> tuple[ShownModel | None, str]:
    """The model on screen when its run has ended with usable coefficients, else None and
    the reason in a few words (for the prediction box)."""
    if state.prepared is None:
        return None, "no data is prepared yet"
    if state.race is not None:
        return None, "a race is on screen: run one solver (Run, F5) to predict with its model"
    model = shown_model(state)
    if model is None:
        return None, "no model yet: press Run (F5) and let it finish"
    snap = model.snap
    if not snap.final:
        return None, "the run is still going: predictions come when it ends"
    if snap.diverged:
        return None, "the run diverged: its coefficients predict nothing"
    if not snap.finite:
        return None, "the model's coefficients are not finite numbers"
    return model, ""


def judge(problem: Any, snap: Snapshot) -> Judgement:
    """The metrics of ``snap``'s model on ``problem``'s training and test rows
    (:func:`core.evaluation.metrics.evaluate`), its reading and the coefficients L1 zeroed."""
    w_s = np.asarray(snap.w_scaled, np.float64)
    evaluation = evaluate(problem, w_s, snap.b_scaled)
    target = problem.dataset.target_name
    zeroed = tuple(problem.feature_names[k] for k in problem.penalty.zeroed(w_s))
    return Judgement(
        evaluation,
        reading(evaluation, target),
        target_unit(target),
        zeroed,
        bool(problem.penalty),
    )


class Judge:
    """Remembers the last judgement, so a redraw of the same snapshot computes nothing."""

    def __init__(self) -> None:
        self._key: tuple[Any, Snapshot] | None = None  # (problem, snapshot) judged last
        self._value: Judgement | None = None

    def of(self, model: ShownModel | None, live: bool = True) -> Judgement | None:
        """The judgement of ``model`` (None: none). A running model of a big design is not
        judged unless ``live`` is False or the run has ended (see
        :data:`LIVE_EVALUATION_ENTRIES`)."""
        if model is None:
            return None
        key = (model.problem, model.snap)  # the objects, not ids: an id may be reused
        if self._key is not None and key[0] is self._key[0] and key[1] is self._key[1]:
            return self._value
        problem = model.problem
        big = problem.m * max(problem.n, 1) > LIVE_EVALUATION_ENTRIES
        if big and live and not model.snap.final:
            return None
        # a diverged run's errors mean nothing (its numbers panel says it diverged)
        value = judge(problem, model.snap) if model.snap.usable else None
        self._key, self._value = key, value
        return value


def predictor_of(model: ShownModel) -> Predictor:
    """The predictor of ``model`` (coefficients in original units)."""
    return predictor_for(model.problem, np.asarray(model.snap.w, np.float64), model.snap.b)


def l1_refusal(settings: Settings) -> str:
    """Why ``settings`` cannot be run ("" when they can): an L1 penalty with a solver that
    has no proximal step (the check :func:`core.solvers.run_solver` makes)."""
    solver = settings.run.solver
    if not settings.model.l1 or solver in (*GD_IMPLEMENTATIONS, *PROXIMAL):
        return ""
    return (
        f"an L1 penalty (lasso, λ = {settings.model.l1:g}) cannot be trained by "
        f"{SOLVER_LABELS.get(solver, solver)}: "
        "choose gradient descent or sgd (proximal steps), or use the L2 penalty (ridge)"
    )


def fmt_metric(value: float, digits: int = 4) -> str:
    """A metric for the table: ``digits`` significant digits, "—" for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}g}"
