"""The Explore tab's controller: user actions and runner events become state changes and jobs.

The controller owns the :class:`~gui_app.explore.state.ExploreState` and a runner (the
background :class:`~gui_app.explore.worker.RunWorker`, or any object with its signals and
methods). After every change it calls ``view.render(state, changed)`` with the aspects that
changed; the view draws them from the state. It needs no widget and no thread: the tests
drive it with ``MagicMock(spec=ExploreView)`` and a synchronous runner (the pattern of
ndv's ``tests/test_controller.py``).

Rules it keeps (issue 9):

- a change of data or model (source, its parameters, degree, intercept, scaling, device)
  stops a run in progress and clears the run on screen: no number, path or marker of the old
  problem stays under the new labels; earlier runs stay in the learning curve, labelled
  with their data and model;
- contour-pair choices come from the prepared problem only;
- a chosen start point is kept in original units while the parameters stay the same (a new
  scaling or device), shown again in the new training coordinates; other parameters (data
  columns, degree, intercept) send it back to zero, and the banner says which;
- a run joins the list of runs when it is submitted and leaves it again if it fails before
  its first iteration (no phantom entries); a run is refused with a message while the data
  cannot be loaded;
- Step asks the runner for exactly the iterations requested;
- the status (running, paused, ...) and the banner come from the state together;
- races (the line-up, one job for all racers, ``state.current`` None while a race is on
  screen): :mod:`gui_app.explore.race_control`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import numpy as np

from core.errors import InputError
from core.settings import Settings
from core.solvers import GD_SOLVERS, Snapshot
from gui_app.explore.option_words import window_words
from gui_app.explore.plots import parameter_short_names
from gui_app.explore.race_control import MAX_KEPT_RUNS, PAUSED_TEXT, RaceControl
from gui_app.explore.run_words import diverged_advice, ended_words
from gui_app.explore.shown_model import l1_refusal
from gui_app.explore.start_point import carry_start, start_fields
from gui_app.explore.state import (
    ExploreState,
    History,
    Message,
    Run,
    RunStatus,
    data_label,
    default_pair,
    run_label,
    start_theta,
)
from gui_app.explore.step_back import Watching
from gui_app.explore.worker import ModelSpec, RunSpec

__all__ = ["MAX_KEPT_RUNS", "PAUSED_TEXT", "ExploreController", "ExploreView", "Runner"]


class ExploreView(Protocol):
    """What the controller asks of the window."""

    def render(self, state: ExploreState, changed: frozenset[str]) -> None:
        """Redraw the ``changed`` aspects (see :data:`~gui_app.explore.state.ASPECTS`)."""

    def schedule_prepare(self) -> None:
        """Call :meth:`ExploreController.prepare_now` soon (debounced: typing in a spin box
        must not prepare at every keystroke)."""


class Runner(Protocol):
    """The runner's API the controller uses (RunWorker's)."""

    prepared: Any
    snapshots: Any
    finished: Any
    failed: Any
    state_changed: Any

    def submit(self, kind: str, spec: Any) -> int: ...

    def stop(self) -> None: ...

    def set_paused(self, paused: bool) -> None: ...

    def step(self, count: int) -> bool: ...

    def is_paused(self) -> bool: ...

    def set_speed(self, steps_per_second: float | None) -> None: ...


class ExploreController(Watching, RaceControl):
    """Turns user actions (settings, Run, Pause, Step, Stop, Reset, contour click, pair,
    file) and runner events into changes of one :class:`ExploreState`."""

    def __init__(
        self, view: ExploreView, runner: Runner, state: ExploreState | None = None
    ) -> None:
        self.view = view
        self.runner = runner
        self.state = state or ExploreState()
        runner.prepared.connect(self.on_prepared)
        runner.snapshots.connect(self.on_snapshots)
        runner.finished.connect(self.on_finished)
        runner.failed.connect(self.on_failed)
        runner.state_changed.connect(self.on_state)
        self._connect_race(runner)

    # -- helpers ------------------------------------------------------------------------------
    def _render(self, *changed: str) -> None:
        self.view.render(self.state, frozenset(changed))

    def _say(self, text: str, kind: str = "info") -> None:
        self.state.message = Message(window_words(text), kind)

    @property
    def running(self) -> bool:
        """Whether a run is going (running or paused)."""
        return self.state.status in (RunStatus.RUNNING, RunStatus.PAUSED)

    def show_message(self, text: str, kind: str = "info") -> None:
        """Put ``text`` in the banner (and the status bar)."""
        self._say(text, kind)
        self._render("message")

    # -- user actions -------------------------------------------------------------------------
    def settings_changed(self, settings: Settings) -> None:
        """The controls changed. A new data or model clears the run on screen, stops a run in
        progress and prepares the new problem; run settings (α, iterations ...) just apply
        to the next run."""
        state = self.state
        old_key, old_speed = state.model_key, state.settings.view.speed
        state.settings = settings
        if settings.view.speed != old_speed:  # a lesson or session sets the speed too
            self.runner.set_speed(settings.view.speed or None)
            self._render("speed")
        if (settings.data, settings.model) == old_key:
            return
        state.before_load = None  # another change: a failed load no longer goes back
        changed = ["history", "status", "problem", "pair", "runs", "race"]
        if self.running:
            self.runner.stop()  # the old run ends here; its history stays in the learning curve
            if state.current is not None and state.current.final is None:
                state.current.failed = "stopped: the data or model changed"
        self._drop_race("stopped: the data or model changed")
        state.current = None
        state.prepared = None
        state.prepare_error = ""
        state.pair = None
        state.status = RunStatus.PREPARING
        state.job_id = -1  # nothing late from the old problem is accepted
        self._say("Preparing the new data and model …")
        changed.append("message")
        self._render(*changed)
        self.view.schedule_prepare()

    def prepare_now(self) -> int | None:
        """Submit a prepare job for the current settings (the runner answers a cached problem
        at once); returns its id, None when nothing is to be prepared."""
        state = self.state
        if self.running:
            return None  # the run prepares its own problem
        data = state.settings.data
        if data.source == "csv" and not data.csv_path:
            state.status = RunStatus.IDLE
            state.prepare_error = "choose a CSV file first (Open… or drag one onto the window)"
            self._say(f"No data yet: {state.prepare_error}.", "info")
            self._render("status", "message", "problem")
            return None
        state.job_id = self.runner.submit("prepare", ModelSpec(data, state.settings.model))
        state.status = RunStatus.PREPARING
        self._render("status")
        return state.job_id

    def open_file(self, path: str, choices: dict[str, Any] | None = None) -> None:
        """Load the data file at ``path`` now, with the import preview's ``choices`` (data
        settings: read options and column roles; none: the defaults)."""
        from gui_app.explore.import_choices import file_defaults  # (a file's: not at start-up)

        fields = {**file_defaults(), **(choices or {}), "source": "csv", "csv_path": path}
        try:
            settings = self.state.settings.replace(**fields)
        except InputError as exc:
            self.show_message(f"Cannot use that file: {exc}", "error")
            return
        state = self.state  # what to put back if this load fails:
        before = (state.settings, state.prepared, state.pair, state.pair_names)
        before = before if state.prepared_matches() else None
        self.settings_changed(settings)
        state.before_load = before
        self._say(f"Loading {path} …")
        self._render("message", "settings")
        self.prepare_now()

    def run(self, start_paused: bool = False, step_budget: int = 0, note: str = "") -> int | None:
        """Start a run with the current settings (cancelling a running one); returns its id,
        or None when refused (the banner says why). ``note`` is added to the banner."""
        state = self.state
        s = state.settings
        if state.prepare_error and not state.prepared_matches():
            self.show_message(f"Cannot run: {state.prepare_error}", "error")
            return None
        refused = l1_refusal(s)  # core would refuse it too; say so before anything changes
        if refused:
            self.show_message(f"Cannot run: {refused}.", "error")
            return None
        spec = RunSpec(
            ModelSpec(s.data, s.model),
            s.run,
            start_paused=start_paused,
            step_budget=step_budget,
            **start_fields(state),
        )
        if self.running and state.current is not None and state.current.final is None:
            state.current.failed = "replaced by a new run"
        self._drop_race("replaced by a new run")
        job = self.runner.submit("run", spec)
        alpha = s.run.alpha if s.run.solver in GD_SOLVERS else None
        run = Run(job, s, run_label(s.run, s.model, s.data), alpha)
        state.job_id = job
        state.runs.append(run)
        del state.runs[:-MAX_KEPT_RUNS]
        state.current = run
        state.status = RunStatus.PAUSED if start_paused else RunStatus.RUNNING
        self._say(f"Running {run.label} …" + (f" {note}" if note else ""))
        self._render("runs", "race", "history", "status", "message")
        return job

    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one."""
        if self.running:
            self.runner.set_paused(not self.runner.is_paused())

    def step(self, count: int) -> None:
        """Take exactly ``count`` iterations: a paused run advances, a running one pauses,
        and when idle a gradient-descent run starts paused and takes them."""
        if self.state.status is RunStatus.PAUSED:
            self.runner.step(count)
        elif self.state.status is RunStatus.RUNNING:
            self.runner.set_paused(True)
        elif self.state.settings.run.solver in GD_SOLVERS:
            self.run(start_paused=True, step_budget=count)

    def stop(self) -> None:
        """Stop the run (it ends with a "cancelled" snapshot; what it did stays)."""
        self.runner.stop()

    def reset(self) -> None:
        """Stop, forget every run and the chosen start point."""
        state = self.state
        self.runner.stop()
        state.job_id = -1  # whatever is still in flight is dropped
        state.runs.clear()
        state.current, state.race = None, None
        state.start_w, state.start_b = None, None
        state.status = RunStatus.IDLE
        self._say("Reset: earlier runs cleared; start point back at zero.")
        self._render("runs", "race", "history", "start", "status", "message")
        self.view.schedule_prepare()

    def clear_start(self) -> None:
        """Start the next run at w = 0, b = 0."""
        self.state.start_w, self.state.start_b = None, None
        self._render("start")

    def contour_clicked(self, x: float, y: float) -> None:
        """The next run starts at (x, y) of the contour pair (training coordinates)."""
        state = self.state
        prep = state.prepared
        if prep is None or state.pair is None or not state.prepared_matches():
            return
        problem = prep.problem
        theta = start_theta(state)
        i, j = state.pair
        theta[i], theta[j] = x, y
        b_s = float(theta[problem.n]) if problem.intercept else None
        w, b = problem.to_original(theta[: problem.n], b_s)
        state.start_w, state.start_b = np.asarray(w, np.float64), b
        names = parameter_short_names(problem)
        self._say(
            f"The next run starts at {names[i]} = {x:.4g}, {names[j]} = {y:.4g} "
            "(training coordinates; the other parameters start at 0). Press Run (F5)."
        )
        self._render("start", "message")

    def pair_chosen(self, i: int, j: int) -> None:
        """Show the contour over parameters ``i`` and ``j`` of the prepared problem; a pair
        that does not exist there (or i == j) is refused and the choice shown again."""
        state = self.state
        count = len(state.parameter_labels())
        if 0 <= i < count and 0 <= j < count and i != j:
            state.pair = (i, j)
        self._render("pair", "start")  # the start-point label names the pair's parameters

    # -- runner events ------------------------------------------------------------------------
    def on_prepared(self, job_id: int, prep: Any) -> None:
        """A problem was prepared (for a prepare job, or as the first step of a run)."""
        state = self.state
        if job_id != state.job_id:
            return
        data = state.settings.data
        if (prep.spec.data, prep.spec.model) != state.model_key:
            return  # prepared for settings changed since (a newer prepare is coming)
        changed = ["ready"]
        if data.source == "csv" and data.target is None and data.header != "no":
            # the file's default target becomes the setting, so that the controls (which show
            # it) and the state describe the same problem (a file without a header row has
            # made-up names, no target setting: its target stays the default, the last column)
            from gui_app.explore.import_choices import target_setting

            target = target_setting(prep.dataset)
            state.settings = state.settings.replace(target=target)
            prep = dataclasses.replace(
                prep, spec=ModelSpec(state.settings.data, state.settings.model)
            )
            changed.append("settings")
        start_note = ""
        if state.prepared is None or prep.problem is not state.prepared.problem:
            changed += ["problem", "pair", "history", "start"]
            problem = prep.problem
            old_names = state.pair_names
            state.pair = default_pair(problem, state.pair, old_names)
            state.pair_names = tuple(problem.parameter_names)
            start_note = carry_start(state, problem, old_names)
            if (
                state.current is not None
                and state.current.problem is not None
                and state.current.problem is not problem
            ):
                state.current = None
            self._race_on_new_problem(problem)
        state.prepared = prep
        state.prepare_error = ""
        state.before_load = None
        if state.current is not None and state.current.job_id == job_id:
            state.current.problem = prep.problem
        if state.status is RunStatus.PREPARING:
            state.status = RunStatus.IDLE
            changed.append("status")
            problem = prep.problem
            ds = prep.dataset
            warn = "; ".join((*ds.warnings, *problem.warnings))
            notes = [note for note in (*ds.notes, *problem.notes) if note not in ds.warnings]
            text = (
                f"Ready: {ds.source}. α_max = {prep.alpha_max:.4g}, "
                f"cond(A) = {prep.condition_number:.3g}. Press Run (F5)."
            )
            if notes:
                text += "\nNote: " + "; ".join(notes)
            if start_note:
                text += "\n" + start_note
            self._say(text + (f"\nWarning: {warn}" if warn else ""), "warning" if warn else "info")
            changed.append("message")
        self._render(*changed)

    def on_snapshots(self, job_id: int, batch: list[Snapshot]) -> None:
        """A batch of snapshots (oldest first) of the current run."""
        state = self.state
        run = state.current
        if job_id != state.job_id or run is None or run.job_id != job_id or state.prepared is None:
            return
        problem = state.prepared.problem
        if run.history is None:
            run.problem = problem
            run.history = History(problem.n_params)
        if run.problem is not problem:
            return
        it = np.fromiter((s.iteration for s in batch), float, len(batch))
        cost = np.fromiter((s.cost for s in batch), float, len(batch))
        theta = np.array([problem.theta(s.w_scaled, s.b_scaled or 0.0) for s in batch])
        params = np.array([np.append(s.w, s.b) if s.b is not None else s.w for s in batch])
        run.history.add(
            it, cost, theta, params, History.batch_costs_of(batch), History.test_costs_of(batch)
        )
        run.last = batch[-1]
        if state.status is RunStatus.PAUSED:  # a step: the banner names the new iteration
            self._say(PAUSED_TEXT.format(it=f"{run.last.iteration:,}"))
            self._render("history", "message")
            return
        self._render("history")

    def on_finished(self, job_id: int, snap: Snapshot) -> None:
        """The current run ended (converged, stopped, diverged, solved ...)."""
        state = self.state
        run = state.current
        if job_id != state.job_id or run is None or run.job_id != job_id:
            return
        run.final = snap
        run.last = snap
        state.status = RunStatus.IDLE
        reason, state.stop_reason = state.stop_reason, ""
        changed = ["finished", "status", "message", "history"]
        if snap.diverged:
            self._say(snap.message + diverged_advice(run.settings.run.solver), "error")
        elif snap.status == "cancelled" and reason:  # the app stopped it, not the user
            self._say(f"Stopped after {snap.iteration:,} iterations: {reason}.", "warning")
        elif snap.status == "cancelled":
            self._say(snap.message, "warning")
        else:
            text = f"{snap.message}  Final cost J = {snap.cost:.6g}."
            prep = state.prepared
            if prep is not None and snap.status == "solved" and run.problem is prep.problem:
                opt = prep.problem.theta(snap.w_scaled, snap.b_scaled or 0.0)
                state.prepared = dataclasses.replace(prep, optimum=opt, optimum_cost=snap.cost)
                changed.append("optimum")
            if snap.warnings:
                text += "\nWarning: " + " ".join(snap.warnings)
            solver = run.settings.run.solver
            words = ended_words(text, snap, run.history, bool(snap.warnings), solver)
            self._say(*words)
        self._render(*changed)

    def on_failed(self, job_id: int, message: str) -> None:
        """A job ended in an error: the message shows; what a run did so far stays."""
        state = self.state
        if job_id != state.job_id:
            return
        if state.before_load is not None and not self.running:
            self._restore_before_load(message)
            return
        run = state.current
        changed = ["status", "message", *self._race_failed(job_id, message)]
        if run is not None and run.job_id == job_id:
            if run.history is None:  # failed before its first iteration: no phantom entry
                state.runs.remove(run)
                state.current = None
                changed += ["runs", "history"]
            else:
                run.failed = message
                changed.append("history")
        if not state.prepared_matches() or state.status is RunStatus.PREPARING:
            # the data cannot be built (now: a file changed or deleted since): none is shown
            state.prepared = None
            state.prepare_error = message
            changed.append("problem")
        state.status = RunStatus.IDLE
        self._say(message, "error")
        self._render(*changed)

    def _restore_before_load(self, message: str) -> None:
        """A file load failed: the data shown before it comes back; the banner says why."""
        state = self.state
        settings, prepared, pair, names = state.before_load
        state.before_load = None
        path = state.settings.data.csv_path
        state.settings = settings
        state.prepared, state.prepare_error, state.status = prepared, "", RunStatus.IDLE
        state.pair, state.pair_names = pair, names
        shown = data_label(settings.data)
        reason = message.removeprefix(f"{path}: ")  # the message names the file already
        self._say(f"Could not load {path}: {reason}; still showing {shown}.", "error")
        self._render("settings", "status", "message", "problem", "pair", "history", "start")

    def on_state(self, job_id: int, status: str) -> None:
        """The runner's job is running, paused or idle."""
        state = self.state
        if job_id != state.job_id:
            return
        if status == "paused":
            state.status = RunStatus.PAUSED
            last = state.current.last if state.current is not None else None
            it = self.race_iteration() if state.race is not None else last and last.iteration
            self._say(PAUSED_TEXT.format(it=f"{it or 0:,}"))
            self._render("status", "message")
        elif status == "running":
            was_paused = state.status is RunStatus.PAUSED
            state.status = RunStatus.RUNNING
            if was_paused and state.current is not None:
                self._say(f"Running {state.current.label} …")
            elif was_paused and state.race is not None:
                self._say(f"Racing {len(state.race.runs)} runs …")
            self._render("status", "message")
        elif status == "idle" and state.status is not RunStatus.IDLE:
            # the job ended without a result (a stopped prepare, a run cancelled before it
            # began): say what is on screen
            was_preparing = state.status is RunStatus.PREPARING
            state.status = RunStatus.IDLE
            changed = ["status"]
            if was_preparing and not state.prepared_matches():
                state.prepare_error = "preparing the data was stopped"
                self._say(
                    "Stopped before the data was ready: press Run (F5) to load it.", "warning"
                )
                changed += ["message", "problem"]
            self._render(*changed)
