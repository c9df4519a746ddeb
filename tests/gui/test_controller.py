"""The Explore controller without widgets or threads (issue 9, item 2).

The view is ``MagicMock(spec=ExploreView)``; the runner is :class:`SyncRunner`, which has the
background runner's signals and methods but works on the calling thread: a job's events wait
in a queue until the test calls ``drain()`` (as the real runner's timer would), so the order
of events is the real one. Solvers and problems are the real ones from ``core``.
"""

from __future__ import annotations

import threading
from unittest.mock import MagicMock

import numpy as np
import pytest

from core.builder import build_dataset, build_problem
from core.errors import InputError
from core.settings import Settings
from core.solvers import run_solver
from gui_app.explore.controller import ExploreController, ExploreView, start_theta
from gui_app.explore.state import RunStatus
from gui_app.explore.worker import Prepared, RunSpec


class _Signal:
    def __init__(self) -> None:
        self._slots = []

    def connect(self, slot) -> None:
        self._slots.append(slot)

    def emit(self, *args) -> None:
        for slot in list(self._slots):
            slot(*args)


class _RunJob:
    def __init__(self, job_id: int, spec: RunSpec, problem) -> None:
        self.job_id = job_id
        self.cancel = threading.Event()
        run = spec.run
        options = {"cancel": self.cancel}
        if run.solver in ("gd", "gd-loop"):
            options.update(
                alpha=run.alpha, iterations=run.iterations, tolerance=run.tolerance, report_every=1
            )
            if spec.w0 is not None:
                options.update(w0=np.asarray(spec.w0), b0=spec.b0)
        self.gen = run_solver(problem, run.solver, **options)
        self.paused = spec.start_paused
        self.budget = spec.step_budget
        self.gated = False  # a snapshot was sent: the pause gate comes before the next one
        self.done = False


class SyncRunner:
    """RunWorker's API on the calling thread; events are delivered by :meth:`drain`."""

    def __init__(self) -> None:
        for name in ("prepared", "snapshots", "finished", "failed", "state_changed"):
            setattr(self, name, _Signal())
        self.latest_run_id = 0
        self.submitted: list[tuple[str, object]] = []
        self.step_requests: list[int] = []
        self.fail_runs_with: str | None = None
        self._cache: dict = {}
        self._queue: list[tuple[str, tuple]] = []
        self._run: _RunJob | None = None

    # -- RunWorker's methods
    def submit(self, kind: str, spec) -> int:
        self.latest_run_id += 1
        job_id = self.latest_run_id
        self.submitted.append((kind, spec))
        self._run = None  # a new job replaces the one in progress
        model = spec if kind == "prepare" else spec.problem
        try:
            prep = self._prepare(model)
        except InputError as exc:
            self._post("failed", job_id, str(exc))
            self._post("state_changed", job_id, "idle")
            return job_id
        self._post("prepared", job_id, prep)
        if kind == "prepare":
            self._post("state_changed", job_id, "idle")
        elif self.fail_runs_with:
            self._post("failed", job_id, self.fail_runs_with)
            self._post("state_changed", job_id, "idle")
        else:
            self._run = _RunJob(job_id, spec, prep.problem)
            self._post("state_changed", job_id, "paused" if spec.start_paused else "running")
        return job_id

    def stop(self) -> None:
        if self._run is not None:
            self._run.cancel.set()
            self._run.paused = False

    def set_paused(self, paused: bool) -> None:
        if self._run is not None:
            self._run.paused = paused
            self._post("state_changed", self._run.job_id, "paused" if paused else "running")

    def step(self, count: int) -> bool:
        self.step_requests.append(count)
        if self._run is None or not self._run.paused:
            return False
        self._run.budget += count
        return True

    def is_paused(self) -> bool:
        return self._run is not None and self._run.paused

    def is_busy(self) -> bool:
        return self._run is not None and not self._run.done

    def drain(self) -> None:
        """Advance the run as far as it may go and deliver every event (latest job only)."""
        self._advance()
        events, self._queue = self._queue, []
        batch: list = []
        for name, args in events:
            if args[0] != self.latest_run_id:
                continue
            if name == "snapshot":
                batch.append(args[1])
                continue
            if batch:
                self.snapshots.emit(args[0], batch)
                batch = []
            getattr(self, name).emit(*args)
        if batch:
            self.snapshots.emit(self.latest_run_id, batch)

    # -- helpers
    def _post(self, name: str, *args) -> None:
        self._queue.append((name, args))

    def _prepare(self, model) -> Prepared:
        if model not in self._cache:
            ds = build_dataset(model.data)
            problem = build_problem(ds, model.model)
            opt = problem.gram_optimum()
            cost = problem.cost(opt[: problem.n], float(opt[-1]) if problem.intercept else 0.0)
            self._cache[model] = Prepared(
                model, ds, problem, problem.alpha_max, problem.condition_number, opt, 0.0, cost
            )
        return self._cache[model]

    def _advance(self) -> None:
        job = self._run
        while job is not None and not job.done:
            if job.gated:
                if job.paused and not job.cancel.is_set():
                    if job.budget <= 0:
                        return
                    job.budget -= 1
                job.gated = False
            snap = next(job.gen)
            self._post("snapshot", job.job_id, snap)
            if snap.final:
                job.done = True
                self._post("finished", job.job_id, snap)
                self._post("state_changed", job.job_id, "idle")
                return
            job.gated = True


@pytest.fixture
def runner() -> SyncRunner:
    return SyncRunner()


@pytest.fixture
def view():
    return MagicMock(spec=ExploreView)


@pytest.fixture
def ctl(view, runner) -> ExploreController:
    """A controller with the default problem (housing demo, z-score) prepared."""
    controller = ExploreController(view, runner)
    controller.prepare_now()
    runner.drain()
    assert controller.state.prepared is not None
    view.reset_mock()
    return controller


def _changed(view) -> set[str]:
    """Every aspect the controller asked the view to redraw since the last reset_mock."""
    out: set[str] = set()
    for call in view.render.call_args_list:
        out |= set(call.args[1])
    return out


def _run_to_end(ctl, runner, **run_changes) -> None:
    if run_changes:
        ctl.settings_changed(ctl.state.settings.replace(**run_changes))
    assert ctl.run() is not None
    runner.drain()
    assert ctl.state.current.final is not None


def test_prepare_fills_the_state_and_says_ready(view, runner):
    ctl = ExploreController(view, runner)
    job = ctl.prepare_now()
    assert ctl.state.status is RunStatus.PREPARING
    runner.drain()
    state = ctl.state
    assert state.job_id == job and state.status is RunStatus.IDLE
    assert state.prepared.spec.data == Settings().data
    assert state.pair is not None and max(state.pair) < state.prepared.problem.n_params
    assert state.message.text.startswith("Ready") and "α_max" in state.message.text
    assert {"problem", "pair", "ready", "status", "message"} <= _changed(view)


@pytest.mark.parametrize(
    "change",
    [
        {"source": "synthetic", "n": 10},
        {"scaling": "none"},
        {"degree": 2},
        {"intercept": False},
    ],
)
def test_a_new_data_or_model_clears_the_run_on_screen(ctl, view, runner, change):
    _run_to_end(ctl, runner)
    housing_run = ctl.state.current
    ctl.settings_changed(ctl.state.settings.replace(**change))
    state = ctl.state
    # nothing of the old problem is left to draw under the new labels
    assert state.current is None and state.prepared is None and state.pair is None
    assert state.current_history() is None and state.parameter_labels() == []
    assert state.status is RunStatus.PREPARING
    assert {"history", "problem", "pair"} <= _changed(view)
    view.schedule_prepare.assert_called_once()
    # the earlier run stays in the list, labelled with its own data and model
    assert state.runs == [housing_run] and housing_run.label.endswith("z-score · housing")
    ctl.prepare_now()
    runner.drain()
    assert state.prepared.spec.model == state.settings.model
    assert state.current is None and state.status is RunStatus.IDLE


def test_contour_pair_choices_follow_the_model(ctl, runner):
    """Housing demo, Run, then synthetic with n = 10, then the pair "w: x7" (the sequence
    that raised IndexError in the banner)."""
    _run_to_end(ctl, runner)
    assert len(ctl.state.parameter_labels()) == 5  # 4 features and b
    ctl.settings_changed(ctl.state.settings.replace(source="synthetic", n=10))
    ctl.prepare_now()
    runner.drain()
    labels = ctl.state.parameter_labels()
    assert len(labels) == 11
    x7 = labels.index("w: x7")
    ctl.pair_chosen(x7, len(labels) - 1)
    assert ctl.state.pair == (x7, 10)
    assert ctl.state.current_history() is None  # no 5-column history indexed with 7
    ctl.pair_chosen(11, 0)  # a parameter the model does not have: refused
    ctl.pair_chosen(3, 3)
    assert ctl.state.pair == (x7, 10)


def test_runs_are_labelled_with_their_data_and_model(ctl, runner):
    _run_to_end(ctl, runner)
    ctl.settings_changed(
        ctl.state.settings.replace(
            source="synthetic", n=3, seed=7, scaling="minmax", degree=2, alpha=0.05
        )
    )
    ctl.prepare_now()
    runner.drain()
    ctl.settings_changed(ctl.state.settings.replace(solver="normal"))
    _run_to_end(ctl, runner)
    labels = [run.label for run in ctl.state.runs]
    assert labels == [
        "GD α=0.1, z-score · housing",
        "normal eq., min-max, degree 2 · synthetic m=200 n=3 seed 7",
    ]


def test_step_asks_for_exactly_one_and_ten_iterations(ctl, runner):
    ctl.step(1)  # idle: a run starts paused and takes one step
    kind, spec = runner.submitted[-1]
    assert kind == "run" and spec.start_paused and spec.step_budget == 1
    runner.drain()
    assert ctl.state.status is RunStatus.PAUSED
    assert ctl.state.current.last.iteration == 1
    ctl.step(10)
    assert runner.step_requests == [10]
    runner.drain()
    assert ctl.state.current.last.iteration == 11
    it, _cost = ctl.state.current_history().arrays()
    np.testing.assert_array_equal(it, np.arange(12))


def test_step_while_running_pauses(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(iterations=500, tolerance=0.0))
    ctl.run()
    ctl.step(1)
    runner.drain()
    assert ctl.state.status is RunStatus.PAUSED and runner.is_paused()


def test_pause_status_and_banner_agree(ctl, runner, view):
    ctl.settings_changed(ctl.state.settings.replace(iterations=500, tolerance=0.0))
    ctl.run(start_paused=True)
    runner.drain()
    state = ctl.state
    assert state.status is RunStatus.PAUSED and state.message.text.startswith("Paused at")
    ctl.toggle_pause()  # resume
    view.reset_mock()
    runner.drain()
    assert state.status is RunStatus.IDLE  # ran to the end
    assert state.current.final.status == "max_iterations"
    assert state.message.kind == "ok" and "Paused" not in state.message.text
    assert {"status", "message"} <= _changed(view)


def test_a_file_that_does_not_load_gives_no_phantom_run(ctl, runner, view, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("size,price\n1,2\n2,oops\n3,4\n", encoding="utf-8")
    ctl.open_file(str(bad))
    runner.drain()
    state = ctl.state
    assert state.message.kind == "error" and "bad.csv" in state.message.text
    assert state.prepared is None and state.prepare_error
    assert state.status is RunStatus.IDLE  # not "preparing" (α_max no longer "computing")
    runs_before = [k for k, _s in runner.submitted if k == "run"]
    assert ctl.run() is None  # F5
    assert [k for k, _s in runner.submitted if k == "run"] == runs_before
    assert state.runs == [] and state.message.text.startswith("Cannot run")


def test_a_run_that_fails_before_its_first_iteration_leaves_no_entry(ctl, runner, view):
    _run_to_end(ctl, runner)
    runner.fail_runs_with = "The GPU failed before the first iteration."
    ctl.run()
    assert len(ctl.state.runs) == 2  # listed while it starts ...
    runner.drain()
    assert len(ctl.state.runs) == 1  # ... and gone: it never took a step
    assert ctl.state.current is None and ctl.state.message.kind == "error"
    assert "runs" in _changed(view)


def test_events_of_a_replaced_job_are_dropped(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(iterations=50, tolerance=0.0))
    first = ctl.run()
    runner.drain()
    old_final = ctl.state.current.final
    second = ctl.run()
    assert second != first
    ctl.on_finished(first, old_final)  # late, from the first run
    ctl.on_snapshots(first, [old_final])
    assert ctl.state.current.job_id == second and ctl.state.current.last is None
    runner.drain()
    assert ctl.state.current.final.iteration == 50


def test_contour_click_sets_the_start_point(ctl, runner):
    i, j = ctl.state.pair
    ctl.contour_clicked(50.0, -20.0)
    theta = start_theta(ctl.state)
    assert theta[i] == pytest.approx(50.0) and theta[j] == pytest.approx(-20.0)
    _run_to_end(ctl, runner)
    first = ctl.state.current_history().theta.view()[0]
    assert first[i] == pytest.approx(50.0) and first[j] == pytest.approx(-20.0)
    ctl.reset()
    runner.drain()
    assert ctl.state.start_w is None and ctl.state.runs == [] and ctl.state.current is None


def test_stop_keeps_what_the_run_did(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(iterations=10_000, tolerance=0.0))
    ctl.run(start_paused=True, step_budget=5)
    runner.drain()
    ctl.stop()
    runner.drain()
    run = ctl.state.current
    assert run.final.status == "cancelled" and ctl.state.status is RunStatus.IDLE
    assert len(ctl.state.current_history()) >= 6


def test_csv_source_without_a_file_shows_no_old_problem(ctl, runner, view):
    ctl.settings_changed(ctl.state.settings.replace(source="csv"))
    assert ctl.prepare_now() is None  # nothing to prepare yet
    state = ctl.state
    assert state.prepared is None and state.status is RunStatus.IDLE
    assert "CSV file" in state.message.text
    assert ctl.run() is None and state.runs == []
    assert not [k for k, _s in runner.submitted if k == "run"]
