"""Watching a run (issue 11, item 4): the speed and Step back, as controller actions.

:class:`Watching` is a mixin of :class:`~gui_app.explore.controller.ExploreController` (it
uses the controller's ``state``, ``runner``, ``_say``, ``_render`` and ``show_message``).

Step back is an exact replay, not an undo of arithmetic: every run of the window is
deterministic (gradient descent and the optimizers are; mini-batch SGD draws its row order
from ``numpy.random.default_rng(shuffle_seed)``), so the same RunSpec, started paused with a
step budget of k − 1 iterations, parks with the very path, numbers and optimizer state of
iteration k − 1, to the bit. The replay replaces the current run (same label, same entry in
the learning curve). A replay costs as much as k − 1 iterations; it runs at full speed
whatever the speed setting (a paused job with a step budget is never slowed).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from core.errors import InputError
from core.solvers import GD_SOLVERS
from gui_app.explore.state import Run, RunStatus

if TYPE_CHECKING:
    from gui_app.explore.state import ExploreState

BACK_TEXT = (
    "Stepped back to iteration {it} (the run was replayed exactly from its start): "
    "Step (F7 / F8), Back 1 (F4) or Resume (F6)."
)


def cannot_step_back(state: ExploreState, spec: Any) -> str:
    """Why the run on screen cannot be stepped back ("" when it can); ``spec`` is the RunSpec
    it was submitted with (None when the runner no longer keeps it)."""
    run = state.current
    if state.race is not None:
        return "a race is not stepped back; start a single run"
    if run is None or run.last is None or state.current_history() is None:
        return "there is no run on screen"
    if run.settings.run.solver not in GD_SOLVERS:
        return f"the {run.settings.run.solver} solver answers in one step, there is no step to undo"
    if state.status is RunStatus.RUNNING:
        return "pause the run first (F6)"
    if state.status is RunStatus.PREPARING:
        return "the data is being prepared"
    if run.failed:
        return "the run ended in an error"
    if run.last.iteration <= 0:
        return "the run is at its start (iteration 0)"
    if spec is None:
        return "that run is too old to replay; run it again"
    return ""


class Watching:
    """The controller's Watching actions: :meth:`set_speed` and :meth:`step_back`."""

    state: ExploreState
    runner: Any

    def set_speed(self, steps_per_second: int) -> None:
        """Run at ``steps_per_second`` (each snapshot one iteration, the last step drawn as an
        arrow) or as fast as possible (0); applies at once to a run in progress. The truth is
        ``settings.view.speed``; a value out of range is refused with a message."""
        state = self.state
        try:
            state.settings = state.settings.replace(speed=steps_per_second)
        except InputError as exc:
            self.show_message(f"Cannot use that speed: {exc}", "error")
            return
        self.runner.set_speed(state.settings.view.speed or None)
        self._render("speed", "history")

    def step_back(self) -> int | None:
        """Undo the last step of the paused or finished run on screen: replay its RunSpec
        paused to one iteration fewer (see the module's docstring); returns the replay's job
        id, or None when the run cannot be stepped back (the banner says why: the normal
        equation, iteration 0, a running run, a race)."""
        state = self.state
        run = state.current
        get_spec = getattr(self.runner, "run_spec", None)
        spec = get_spec(run.job_id) if run is not None and get_spec is not None else None
        why = cannot_step_back(state, spec)
        if why:
            self.show_message(f"Cannot step back: {why}.", "warning")
            return None
        assert run is not None and run.last is not None  # (checked above)
        back_to = run.last.iteration - 1
        job = self.runner.submit(
            "run", dataclasses.replace(spec, start_paused=True, step_budget=back_to)
        )
        replay = Run(job, run.settings, run.label, run.alpha)
        if run in state.runs:
            state.runs[state.runs.index(run)] = replay
        else:
            state.runs.append(replay)
        state.current = replay
        state.job_id = job
        state.status = RunStatus.PAUSED
        self._say(BACK_TEXT.format(it=f"{back_to:,}"))
        self._render("runs", "history", "status", "message")
        return job
