"""The controller's race handling (issue 11, item 3): the line-up and the race on screen.

:class:`RaceControl` is a mixin of :class:`~gui_app.explore.controller.ExploreController`;
it writes the same :class:`~gui_app.explore.state.ExploreState` under the same rules. Its own:

- the line-up ``state.race_entries`` holds run settings only (solver and hyper-parameters),
  at most :data:`~gui_app.explore.state.MAX_RACERS`; it survives a change of data or model
  (settings are model-independent), a race on screen does not (it is cleared like the
  current run);
- a race is refused with a message when the line-up has fewer than two entries or the data
  cannot be loaded; it is one worker job (``submit("race", RaceSpec)``) from the one start
  point; its racers join ``state.runs`` (one learning curve each) and ``state.race``;
  ``state.current`` is None while a race is on screen, so the numbers panel never shows a
  run that is not drawn; a new single run or Reset clears the race;
- Pause, Step and Stop act on the race (one job): Step n advances every racer by exactly n
  iterations, Stop ends every racer with its cancelled snapshot;
- when every racer has ended, the banner gives one line per racer (final J, iterations,
  status).

Besides the aspects of :data:`~gui_app.explore.state.ASPECTS` it names ``"lineup"`` (the
line-up changed), ``"race"`` (a race started or left the screen) and ``"race_finished"``
(every racer of the race on screen has ended).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from core.settings import RunSettings
from core.solvers import GD_SOLVERS, Snapshot
from core.solvers.theory import optimal_settings
from gui_app.explore.start_point import start_fields
from gui_app.explore.state import (
    MAX_RACERS,
    ExploreState,
    History,
    Race,
    Run,
    RunStatus,
    run_label,
    start_theta,
)
from gui_app.explore.worker import ModelSpec, RaceSpec

#: How many runs the state keeps (the learning curve shows the latest few of them).
MAX_KEPT_RUNS = 50
PAUSED_TEXT = "Paused at iteration {it}: Step (F7 / F8) or Resume (F6)."
#: The racers' colour names, in the order of :data:`gui_app.explore.plots.RACE_COLORS`
#: (Okabe-Ito), for the banner (plain text).
RACE_COLOR_NAMES = ("blue", "orange", "green", "pink")
#: The adaptive optimizers of "Classic four" move each coordinate by about α per step,
#: whatever the gradient's size: α = (largest distance from the start to the optimum, per
#: coordinate) / ADAPTIVE_STEPS, so they need a few dozen steps to get there.
ADAPTIVE_STEPS = 30
STATUS_WORDS = {
    "converged": "converged",
    "max_iterations": "iteration cap",
    "diverged": "diverged",
    "cancelled": "stopped",
    "solved": "solved exactly",
}


def racer_line(k: int, run: Run) -> str:
    """One racer's result as the banner writes it: "blue gd α=0.92: J = 254.422, 38 it.,
    converged" (short: four of them share the banner's three lines)."""
    head = f"{RACE_COLOR_NAMES[k % len(RACE_COLOR_NAMES)]} {run.label.split(', ')[0]}"
    snap = run.final or run.last
    if snap is None:
        return f"{head}: {run.failed or 'no result'}"
    status = "failed" if run.failed and run.final is None else snap.status
    word = STATUS_WORDS.get(status, status)
    return f"{head}: J = {snap.cost:.6g}, {snap.iteration:,} it., {word}"


def history_rows(
    problem: Any, batch: list[Snapshot]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One racer's batch as :meth:`History.add` takes it: iterations (k), cost (k), θ in
    training coordinates (k × n_params, as ``problem.theta``) and [w, b] in original units;
    built column-wise (four racers deliver four times the snapshots of one run)."""
    k = len(batch)
    it = np.fromiter((s.iteration for s in batch), float, k)
    cost = np.fromiter((s.cost for s in batch), float, k)
    theta = np.array([s.w_scaled for s in batch], np.float64).reshape(k, -1)
    if problem.intercept:
        b_s = np.fromiter(((s.b_scaled or 0.0) for s in batch), float, k)
        theta = np.column_stack([theta, b_s])
    params = np.array([s.w for s in batch], np.float64).reshape(k, -1)
    if batch[0].b is not None:
        params = np.column_stack([params, np.fromiter((s.b for s in batch), float, k)])
    return it, cost, theta, params


class RaceControl:
    """Mixin of the explore controller: the race line-up, starting a race and its events."""

    state: ExploreState
    runner: Any

    # the controller's helpers (defined there)
    def _render(self, *changed: str) -> None: ...
    def _say(self, text: str, kind: str = "info") -> None: ...
    def show_message(self, text: str, kind: str = "info") -> None: ...

    def _connect_race(self, runner: Any) -> None:
        """Listen to the runner's race signals (a runner without them cannot race)."""
        for name, slot in (
            ("race_snapshots", self.on_race_snapshots),
            ("race_finished", self.on_race_finished),
        ):
            signal = getattr(runner, name, None)
            if signal is not None:
                signal.connect(slot)

    # -- the line-up ---------------------------------------------------------------------------
    def race_add(self, run: RunSettings | None = None) -> bool:
        """Add ``run`` (default: the current run settings) to the line-up; False (and a
        message) when it holds :data:`MAX_RACERS` already."""
        state = self.state
        if len(state.race_entries) >= MAX_RACERS:
            self.show_message(
                f"The race line-up holds at most {MAX_RACERS} runs: remove one first.", "warning"
            )
            return False
        run = run if run is not None else state.settings.run
        label = run_label(run, *reversed(state.model_key)).split(", ")[0]
        if run in state.race_entries:  # the same run twice races itself: a wasted lane
            self.show_message(
                f"{label} is in the race line-up already: change α, the optimizer or another "
                "setting first (mini-batch runs: the shuffle seed).",
                "warning",
            )
            return False
        state.race_entries = [*state.race_entries, run]
        count = len(state.race_entries)
        more = "Press Race." if count >= 2 else "Add at least one more run, then press Race."
        self._say(f"Added {label} to the race line-up ({count} of {MAX_RACERS}). {more}")
        self._render("lineup", "message")
        return True

    def race_remove(self, index: int) -> None:
        """Take entry ``index`` out of the line-up (an index outside it changes nothing)."""
        entries = self.state.race_entries
        if 0 <= index < len(entries):
            self.state.race_entries = entries[:index] + entries[index + 1 :]
            self._render("lineup")

    def race_clear(self) -> None:
        """Empty the line-up (a race on screen stays)."""
        self.state.race_entries = []
        self._render("lineup")

    def race_classic_four(self) -> bool:
        """Fill the line-up with gradient descent at α* = 2/(λ_min + λ_max), momentum at
        Polyak's α and μ (:func:`core.solvers.theory.optimal_settings`), RMSprop and Adam at
        α = (largest distance from start to optimum)/:data:`ADAPTIVE_STEPS`, all full batch
        with a constant α and the current iterations and tolerance. False (and a message)
        when no problem is prepared for the settings on screen."""
        state = self.state
        if not state.prepared_matches():
            self.show_message("Classic four needs the data ready: wait for “Ready”.", "warning")
            return False
        prep = state.prepared
        base = dataclasses.replace(
            state.settings.run, alpha_factor=None, batch_size=0, schedule="constant"
        )
        try:
            lam = prep.problem.lambda_range
            gd = optimal_settings("gd", *lam)
            heavy = optimal_settings("momentum", *lam)
        except ValueError as exc:
            self.show_message(f"Classic four: {exc}.", "error")
            return False
        far = float(np.max(np.abs(start_theta(state) - prep.optimum)))
        adaptive = far / ADAPTIVE_STEPS if far > 0 else base.alpha
        state.race_entries = [
            dataclasses.replace(base, solver="gd", alpha=gd["alpha"]),
            dataclasses.replace(
                base, solver="momentum", alpha=heavy["alpha"], momentum=heavy["momentum"]
            ),
            dataclasses.replace(base, solver="rmsprop", alpha=adaptive),
            dataclasses.replace(base, solver="adam", alpha=adaptive),
        ]
        self._say(
            f"Line-up: gradient descent at α* = {gd['alpha']:.4g}, momentum at Polyak's "
            f"α = {heavy['alpha']:.4g}, μ = {heavy['momentum']:.4g}, RMSprop and Adam at "
            f"α = {adaptive:.4g}. Press Race."
        )
        self._render("lineup", "message")
        return True

    # -- the race ------------------------------------------------------------------------------
    def race(self, start_paused: bool = False, step_budget: int = 0) -> int | None:
        """Start the line-up as one race from the chosen start point (cancelling a run or race
        in progress); returns its job id, None when refused (the banner says why)."""
        state = self.state
        entries = list(state.race_entries)
        if len(entries) < 2:
            self.show_message(
                f"A race needs 2 to {MAX_RACERS} runs in its line-up (it has {len(entries)}): "
                "choose the settings of a run and press “Add current settings”.",
                "warning",
            )
            return None
        if state.prepare_error and not state.prepared_matches():
            self.show_message(f"Cannot race: {state.prepare_error}", "error")
            return None
        s = state.settings
        spec = RaceSpec(
            ModelSpec(s.data, s.model),
            tuple(entries),
            start_paused=start_paused,
            step_budget=step_budget,
            **start_fields(state),
        )
        if state.current is not None and state.current.final is None and state.current.job_id:
            if state.status in (RunStatus.RUNNING, RunStatus.PAUSED):
                state.current.failed = "replaced by a race"
        self._drop_race("replaced by a new race")
        job = self.runner.submit("race", spec)
        racers = []
        for run in entries:
            settings = dataclasses.replace(s, run=run)
            alpha = run.alpha if run.solver in GD_SOLVERS else None
            racers.append(Run(job, settings, run_label(run, s.model, s.data), alpha))
        state.job_id = job
        state.runs.extend(racers)
        del state.runs[:-MAX_KEPT_RUNS]
        state.current = None  # the numbers panel shows no run while a race is on screen
        state.race = Race(job, racers)
        state.status = RunStatus.PAUSED if start_paused else RunStatus.RUNNING
        self._say(
            f"Racing {len(racers)} runs: " + "; ".join(r.label.split(", ")[0] for r in racers)
        )
        self._render("runs", "race", "history", "status", "message")
        return job

    def _drop_race(self, why: str) -> bool:
        """Take the race off the screen (a new run or race, new data or model); racers still
        going are marked with ``why``. True when there was one."""
        race = self.state.race
        if race is None:
            return False
        for run in race.runs:
            if run.final is None and not run.failed:
                run.failed = why
        self.state.race = None
        return True

    def _race_on_new_problem(self, problem: Any) -> None:
        """A new problem is on screen: a race that ran on another one leaves the screen."""
        race = self.state.race
        if race is not None and any(
            run.problem is not None and run.problem is not problem for run in race.runs
        ):
            self._drop_race("stopped: the data or model changed")

    def race_iteration(self) -> int | None:
        """The iteration the race on screen has reached (its racers advance side by side:
        the furthest of them), None without a race."""
        race = self.state.race
        if race is None:
            return None
        return max((run.last.iteration for run in race.runs if run.last is not None), default=0)

    def on_race_snapshots(self, job_id: int, pairs: list[tuple[int, Snapshot]]) -> None:
        """A batch of (racer index, snapshot) pairs of the race on screen, oldest first."""
        state = self.state
        race = state.race
        if job_id != state.job_id or race is None or race.job_id != job_id:
            return
        if state.prepared is None:
            return
        problem = state.prepared.problem
        per_racer: dict[int, list[Snapshot]] = {}
        for i, snap in pairs:
            per_racer.setdefault(i, []).append(snap)
        for i, batch in per_racer.items():
            if not 0 <= i < len(race.runs):
                continue
            run = race.runs[i]
            if run.history is None:
                run.problem = problem
                run.history = History(problem.n_params)
            if run.problem is not problem:
                continue
            run.history.add(*history_rows(problem, batch), None, History.test_costs_of(batch))
            run.last = batch[-1]
            if batch[-1].final:
                run.final = batch[-1]
        if state.status is RunStatus.PAUSED:
            self._say(PAUSED_TEXT.format(it=f"{self.race_iteration():,}"))
            self._render("history", "message")
            return
        self._render("history")

    def on_race_finished(self, job_id: int, finals: list[Snapshot | None]) -> None:
        """Every racer of the race on screen has ended: the banner gives each one's result."""
        state = self.state
        race = state.race
        if job_id != state.job_id or race is None or race.job_id != job_id:
            return
        for run, snap in zip(race.runs, finals, strict=False):
            if snap is not None and run.final is None:
                run.final, run.last = snap, snap
        state.status = RunStatus.IDLE
        reason, state.stop_reason = state.stop_reason, ""
        lines = [racer_line(k, run) for k, run in enumerate(race.runs)]
        statuses = {run.final.status if run.final else "failed" for run in race.runs}
        if "cancelled" in statuses:
            head = f"Race stopped: {reason}." if reason else "Race stopped."
        else:
            head = "Race over."
        kind = "ok" if statuses <= {"converged", "max_iterations", "solved"} else "warning"
        # one paragraph that wraps: four racers fit the banner's three lines at 1366 px
        self._say(head + " " + " · ".join(lines), kind)
        self._render("race_finished", "status", "message", "history")

    def _race_failed(self, job_id: int, message: str) -> list[str]:
        """The race job ended in an error: racers that never reported leave the runs, the
        others keep what they did (marked failed). Returns the aspects that changed."""
        state = self.state
        race = state.race
        if race is None or race.job_id != job_id:
            return []
        for run in race.runs:
            if run.history is None:
                if run in state.runs:
                    state.runs.remove(run)
            elif run.final is None:
                run.failed = message
        if all(run.history is None for run in race.runs):
            state.race = None  # nothing of it was drawn: no phantom race
        return ["runs", "history", "race"]
