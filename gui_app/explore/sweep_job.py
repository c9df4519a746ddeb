"""The overfitting views' background work (issue 12, item 6): the degree sweep and the
regularisation path as jobs of the window's one runner, and the glue between the Evaluate
view, the explore state and that runner.

A sweep is one job (:func:`run_sweep`) on the worker's runner, so it follows the runner's
rules: a run, a race or a new prepare cancels it (its late events are dropped), Cancel stops
it between two steps, and its progress arrives coalesced on the GUI thread
(``RunWorker.sweep_progress``, ``sweep_finished``). The data, model and split come from the
explore state (the prepared dataset and the settings); the sweep's own settings (max degree,
λ range) are the view's. A result belongs to the data and model it was computed for, less the
swept setting (the degree for the sweep, λ₂ and λ₁ for the path): when the state describes
another, the curves are cleared and the view says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from core.errors import InputError
from core.settings import DataSettings, ModelSettings
from gui_app.explore.shown_model import shown_model
from gui_app.explore.state import ExploreState, RunStatus
from gui_app.runner import Job

if TYPE_CHECKING:
    from core.data.datasets import Dataset
    from core.evaluation.sweeps import DegreeSweep, RegularisationPath
    from gui_app.explore.views.evaluate import EvaluateView

#: The runner event that carries a sweep's progress: payload ``(kind, done, total, result so
#: far)`` (coalesced: a slow GUI gets the latest).
SWEEP_PROGRESS = "sweep_progress"
KINDS = ("degree", "l2", "l1")
#: The state's aspects (see gui_app.explore.state) after which the model on screen may differ.
MODEL_ASPECTS = frozenset({"problem", "history", "finished", "runs", "race", "ready", "status"})


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """One sweep: ``kind`` ("degree", or "l2"/"l1" for a regularisation path), the dataset
    as loaded, the model and the split's seed, and the degrees or λ values to fit."""

    kind: str
    dataset: Dataset
    model: ModelSettings
    seed: int
    degrees: tuple[int, ...] = ()
    lambdas: tuple[float, ...] = ()


@dataclass(frozen=True, eq=False)
class SweepOutcome:
    """What a sweep job returns (the runner posts it as the job's result)."""

    kind: str
    result: DegreeSweep | RegularisationPath


def run_sweep(job: Job) -> SweepOutcome:
    """The job function: run ``job.spec`` (a :class:`SweepSpec`) on the runner's thread,
    emitting :data:`SWEEP_PROGRESS` after each step; a cancelled sweep returns what it has."""
    from core.evaluation.sweeps import DegreeSweep, degree_sweep, regularisation_path

    spec: SweepSpec = job.spec

    def partial(result: DegreeSweep | RegularisationPath) -> None:
        done = len(result.points) if isinstance(result, DegreeSweep) else len(result.lambdas)
        job.emit(SWEEP_PROGRESS, (spec.kind, done, result.total, result), coalesce=True)

    common: dict[str, Any] = {"seed": spec.seed, "partial": partial, "cancel": job.cancel}
    if spec.kind == "degree":
        result: DegreeSweep | RegularisationPath = degree_sweep(
            spec.dataset, spec.model, spec.degrees, **common
        )
    else:
        result = regularisation_path(
            spec.dataset, spec.model, spec.lambdas, kind=spec.kind, **common
        )
    return SweepOutcome(spec.kind, result)


def sweep_key(kind: str, data: DataSettings, model: ModelSettings) -> tuple[Any, ...]:
    """What a sweep's result depends on: the data and the model less the swept setting."""
    if kind == "degree":
        return (data, replace(model, degree=1))
    return (data, replace(model, l2=0.0, l1=0.0))


class SweepControl(QObject):
    """Starts and cancels sweeps for the :class:`EvaluateView`, draws their progress and
    results, and keeps the view true to the state (:meth:`on_render`, called by the window
    after each render). ``worker`` is the window's RunWorker (its ``submit_sweep``, ``stop``,
    ``latest_run_id`` and sweep signals); ``window.state`` is the explore state."""

    def __init__(self, view: EvaluateView, worker: Any, window: Any) -> None:
        super().__init__(window)
        self.view = view
        self.worker = worker
        self.window = window
        self.job_id = 0  # the sweep in flight (0: none)
        self.job_kind = ""
        self.keys: dict[str, tuple[Any, ...]] = {}  # the key of each result shown, by group
        self.model_stale = True  # the residual plots wait for the tab to be seen
        view.shown.connect(self._on_shown)
        view.degree_sweep_requested.connect(self.start_degree_sweep)
        view.path_requested.connect(self.start_path)
        view.cancel_requested.connect(self.cancel)
        worker.sweep_progress.connect(self._on_progress)
        worker.sweep_finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.state_changed.connect(self._on_state)

    @property
    def state(self) -> ExploreState:
        """The window's explore state."""
        return self.window.state

    @property
    def busy(self) -> bool:
        """A sweep is in flight."""
        return self.job_id != 0

    # -- starting -----------------------------------------------------------------------------
    def _refusal(self) -> str:
        state = self.state
        racing = state.race is not None and not state.race.finished
        if state.status is not RunStatus.IDLE or racing:
            return "stop the run first (one background job at a time)"
        if not state.prepared_matches():
            return state.prepare_error or "the data is not ready yet"
        return ""

    def start_degree_sweep(self, max_degree: int) -> int | None:
        """Sweep the degree from 1 to ``max_degree`` on the state's data and model; returns
        the job id (None when refused: the view says why)."""
        why = self._refusal()
        if why:
            self.view.show_note("degree", f"Cannot sweep: {why}.")
            return None
        degrees = tuple(range(1, int(max_degree) + 1))
        return self._submit("degree", degrees=degrees)

    def start_path(self, kind: str, lo: float, hi: float, count: int) -> int | None:
        """Fit the model at ``count`` values of λ from ``lo`` to ``hi`` (log grid), with the
        L2 (``kind="l2"``) or L1 penalty; returns the job id (None when refused)."""
        why = self._refusal()
        if not why:
            from core.evaluation.sweeps import lambda_grid

            try:
                lambdas = tuple(float(v) for v in lambda_grid(lo, hi, count))
            except InputError as exc:
                why = str(exc)
        if why:
            self.view.show_note("path", f"Cannot compute the path: {why}.")
            return None
        return self._submit(kind, lambdas=lambdas)

    def _submit(self, kind: str, **values: Any) -> int:
        state = self.state
        data, model = state.settings.data, state.settings.model
        spec = SweepSpec(kind, state.prepared.dataset, model, data.seed, **values)
        group = "degree" if kind == "degree" else "path"
        self.job_id = self.worker.submit_sweep(spec)
        self.job_kind = kind
        self.keys[group] = sweep_key(kind, data, model)
        self.view.clear_group(group)
        self.view.set_busy(group, True)
        return self.job_id

    def cancel(self) -> None:
        """Stop the sweep in flight (what it computed so far is drawn)."""
        if self.busy and self.worker.latest_run_id == self.job_id:
            self.worker.stop()

    def _on_shown(self) -> None:
        if self.model_stale:
            self.draw_model()

    # -- the runner's answers -------------------------------------------------------------------
    def _on_progress(self, job_id: int, payload: tuple[str, int, int, Any]) -> None:
        if job_id != self.job_id:
            return
        kind, _done, _total, result = payload
        group = "degree" if kind == "degree" else "path"
        if self.keys.get(group) != sweep_key(kind, *self.state.model_key):
            return  # the data or model changed meanwhile: the sweep is about to be replaced
        target = self.state.prepared.dataset.target_name if self.state.prepared else ""
        if group == "degree":
            self.view.show_degree_sweep(result, target, final=False)
        else:
            self.view.show_path(result, target, final=False)

    def _on_finished(self, job_id: int, outcome: SweepOutcome) -> None:
        if job_id != self.job_id:
            return
        self._end()
        group = "degree" if outcome.kind == "degree" else "path"
        key = sweep_key(outcome.kind, *self.state.model_key)
        if key != self.keys.get(group):
            self.view.clear_group(group, "The data or model changed: run it again.")
            return
        target = self.state.prepared.dataset.target_name if self.state.prepared else ""
        if group == "degree":
            self.view.show_degree_sweep(outcome.result, target)
        else:
            self.view.show_path(outcome.result, target)

    def _on_failed(self, job_id: int, message: str) -> None:
        if job_id == self.job_id:
            group = "degree" if self.job_kind == "degree" else "path"
            self._end()
            self.view.show_note(group, message)

    def _on_state(self, job_id: int, status: str) -> None:
        if job_id == self.job_id and status == "idle":
            self._end()  # ended without a result (cancelled while queued)

    def _end(self) -> None:
        self.job_id, self.job_kind = 0, ""
        self.view.set_busy("degree", False)
        self.view.set_busy("path", False)

    # -- the state changed ------------------------------------------------------------------------
    def on_render(self, state: ExploreState, changed: frozenset[str]) -> None:
        """Keep the view true to ``state``: a sweep replaced by another job (a run, a new
        prepare) is marked stopped; results of other data or model are cleared; the residual
        plots show the model on screen."""
        if self.busy and self.worker.latest_run_id != self.job_id:
            group = "degree" if self.job_kind == "degree" else "path"
            self._end()
            self.view.clear_group(group, "Stopped: a run or new data took the background worker.")
        for group in ("degree", "path"):
            key = self.keys.get(group)
            kind = "degree" if group == "degree" else "l2"
            if key is not None and key != sweep_key(kind, *state.model_key):
                del self.keys[group]  # a sweep still in flight is dropped when it ends
                self.view.clear_group(group, "The data or model changed: run it again.")
        if changed & MODEL_ASPECTS:
            self.model_stale = True
            # a degree-15 model's sweep goes at least to degree 15 (the user may lower it)
            spin = self.view.max_degree
            if state.settings.model.degree > spin.value():
                spin.setValue(min(state.settings.model.degree, spin.maximum()))
        # the residuals are drawn when the tab is seen; during a run only when it ends or
        # pauses (each drawing reads every row: not at 30 redraws a second)
        if self.model_stale and self.view.isVisible() and state.status is not RunStatus.RUNNING:
            self.draw_model()

    def draw_model(self) -> None:
        """Draw the residual plots of the model on screen now."""
        self.model_stale = False
        self.view.show_model(*model_on_screen(self.state))


def model_on_screen(state: ExploreState) -> tuple[Any, Any, str]:
    """``(problem, snapshot, words)`` of the model the Explore tab shows
    (:func:`~gui_app.explore.shown_model.shown_model`: the current run's latest snapshot on
    the prepared problem); ``(None, None, why)`` when there is none."""
    if state.prepared is None or not state.prepared_matches():
        return None, None, "No data ready yet."
    if state.race is not None:
        return None, None, "A race is on screen: run one solver (Run, F5) to see its residuals."
    model = shown_model(state)
    if model is None:
        return None, None, "No run on screen: press Run (F5) in the Explore tab to fit a model."
    snap = model.snap
    if snap.diverged:
        return None, None, f"{model.label} diverged: its residuals would mean nothing."
    when = "final" if snap.final else f"iteration {snap.iteration:,}"
    return model.problem, snap, f"{model.label} ({when})"
