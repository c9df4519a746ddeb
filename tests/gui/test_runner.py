"""The one background runner (gui_app.runner) and the workers built on it.

The runner is driven in both modes: synchronous (inline, no thread, no timer; what controller
tests use) and threaded (pytest-qt waits for the deliveries). Jobs that must be "in the
middle of something" wait on threading.Event gates, never on sleeps; no test asserts on
elapsed time.
"""

from __future__ import annotations

import threading

import pytest

import gui_app.explore.worker as worker_module
from core.errors import Cancelled, InputError
from core.settings import DataSettings, RunSettings
from gui_app.explore.worker import ModelSpec, RunSpec, RunWorker
from gui_app.runner import ENDED, FAILED, PAUSED, RESULT, Event, Job, Runner

TIMEOUT = 15_000
GATE_S = 30  # a gate that is never opened fails the test instead of hanging it


class SolverBug(BaseException):
    """Not even an ``Exception``: the runner's thread must survive it too."""


class Recorder:
    """A ``deliver`` callback that keeps every delivery (a list of events) in order."""

    def __init__(self) -> None:
        self.deliveries: list[list[Event]] = []

    def __call__(self, events: list[Event]) -> None:
        self.deliveries.append(list(events))

    @property
    def events(self) -> list[tuple[int, str, object]]:
        return [(e.job_id, e.kind, e.payload) for batch in self.deliveries for e in batch]

    def kinds(self, job_id: int) -> list[str]:
        return [kind for i, kind, _ in self.events if i == job_id]

    def ended(self, job_id: int) -> bool:
        return ENDED in self.kinds(job_id)


def counting_job(job: Job):
    """Emits ``count`` events (a generator: each yield is a checkpoint), returns the count."""
    for k in range(job.spec):
        job.emit("tick", k)
        yield
    return job.spec


def paced_job(job: Job):
    """Imitates a solver with a snapshot every 50 iterations, asking ``pace`` before each
    chunk; emits the iteration of every snapshot."""
    it = 0
    job.emit("snapshot", it)
    while it < job.spec and not job.cancelled:
        yield
        it += job.pace(min(50, job.spec - it))
        job.emit("snapshot", it)
    return it


# -- synchronous mode --------------------------------------------------------------------------


def test_sync_runs_inline_and_delivers_in_order_with_the_end_last():
    rec = Recorder()
    runner = Runner(rec, sync=True)
    job_id = runner.submit(counting_job, 5)
    assert rec.events == [] and runner.is_busy()  # the caller learns the id first
    runner.drain()
    assert not runner.is_busy() and not runner.thread_alive()
    assert rec.events == [(job_id, "tick", k) for k in range(5)] + [
        (job_id, RESULT, 5),
        (job_id, ENDED, "finished"),
    ]


def test_sync_paused_job_parks_and_steps_exactly_in_iterations():
    rec = Recorder()
    runner = Runner(rec, sync=True)
    job_id = runner.submit(paced_job, 10_000, pausable=True, paused=True)
    runner.drain()
    assert runner.is_busy() and runner.is_paused()
    snaps = lambda: [p for i, k, p in rec.events if k == "snapshot" and i == job_id]  # noqa: E731
    assert snaps() == [0]
    assert runner.step(1)
    assert snaps() == [0, 1]
    assert runner.step(10)
    assert snaps() == [0, 1, 11]  # one chunk of ten, not ten chunks of fifty
    runner.set_paused(False)
    assert snaps()[-1] == 10_000 and not runner.is_busy()
    assert snaps()[3] == 61  # running again: whole chunks of fifty
    assert (job_id, PAUSED, False) in rec.events and rec.events[-1] == (job_id, ENDED, "finished")


def test_sync_new_job_cancels_a_parked_one_and_drops_its_late_events():
    rec = Recorder()
    runner = Runner(rec, sync=True)
    seen: list[bool] = []

    def parked(job: Job):
        job.emit("before")
        yield
        seen.append(job.cancelled)
        job.emit("late")  # after the new job was submitted: must not arrive

    old = runner.submit(parked, pausable=True, paused=True)
    runner.drain()
    new = runner.submit(counting_job, 2)
    runner.drain()
    assert seen == [True]  # the old job resumed only to see its cancel
    assert rec.kinds(old) == ["before"]
    assert rec.kinds(new) == ["tick", "tick", RESULT, ENDED]


def test_sync_delivery_that_submits_drops_the_rest_of_the_old_batch():
    runner: Runner
    stale_seen: list[Event] = []

    def deliver(events: list[Event]) -> None:
        for e in events:
            if runner.is_stale(e):
                continue
            stale_seen.append(e)
            if e.kind == "tick" and e.payload == 1 and e.job_id == 1:
                runner.submit(counting_job, 1)  # a slot that starts another job

    runner = Runner(deliver, sync=True)
    runner.submit(counting_job, 4)
    runner.drain()
    assert [(e.job_id, e.kind) for e in stale_seen] == [
        (1, "tick"),
        (1, "tick"),
        (2, "tick"),
        (2, RESULT),
        (2, ENDED),
    ]


@pytest.mark.parametrize(
    "exc, message",
    [
        (
            InputError("data.csv, row 3, column 'x': not a number"),
            "data.csv, row 3, column 'x': not a number",
        ),
        (ZeroDivisionError("float division by zero"), "Internal error (ZeroDivisionError"),
        (SolverBug("a solver bug"), "Internal error (SolverBug: a solver bug)"),
    ],
)
def test_sync_any_exception_becomes_a_message_and_the_next_job_runs(exc, message):
    rec = Recorder()
    runner = Runner(rec, sync=True)

    def broken(job: Job):
        job.emit("tick", 0)
        yield
        raise exc

    bad = runner.submit(broken)
    runner.drain()
    failed = [p for i, k, p in rec.events if i == bad and k == FAILED]
    assert len(failed) == 1 and message in failed[0]
    assert rec.kinds(bad) == ["tick", FAILED, ENDED] and rec.events[-1][2] == "failed"
    good = runner.submit(counting_job, 1)
    runner.drain()
    assert rec.kinds(good) == ["tick", RESULT, ENDED]


def test_sync_cancelled_exception_ends_the_job_as_cancelled():
    rec = Recorder()
    runner = Runner(rec, sync=True)

    def cancelled(job: Job):
        raise Cancelled()

    job_id = runner.submit(cancelled)
    runner.drain()
    assert rec.events == [(job_id, ENDED, "cancelled")]


def test_sync_stop_ends_a_parked_job_and_shutdown_closes_it():
    rec = Recorder()
    runner = Runner(rec, sync=True)
    job_id = runner.submit(paced_job, 1000, pausable=True, paused=True)
    runner.drain()
    runner.stop()
    assert not runner.is_busy()
    assert rec.events[-1] == (job_id, ENDED, "finished")  # it returned its last iteration
    closed: list[bool] = []

    def parked(job: Job):
        try:
            yield
        finally:
            closed.append(True)

    runner.submit(parked, pausable=True, paused=True)
    runner.drain()
    assert runner.shutdown() is True
    assert closed == [True] and not runner.is_busy()
    assert runner.submit(counting_job, 1) == 0  # nothing runs after shutdown


# -- threaded mode -----------------------------------------------------------------------------


@pytest.fixture
def threaded(qtbot):
    """A threaded runner with a recorder; shut down (and its thread joined) after the test."""
    rec = Recorder()
    runner = Runner(rec, name="gdx-test-runner")
    yield runner, rec
    assert runner.shutdown(timeout=10)
    assert not runner.thread_alive()


def test_threaded_new_job_cancels_the_running_one_and_its_late_events_are_dropped(threaded, qtbot):
    runner, rec = threaded
    started, gate = threading.Event(), threading.Event()
    cancelled_seen: list[bool] = []

    def blocking(job: Job) -> str:
        job.emit("early")
        started.set()
        gate.wait(GATE_S)
        cancelled_seen.append(job.cancelled)
        job.emit("late")
        return "old result"

    old = runner.submit(blocking)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    new = runner.submit(counting_job, 3)
    gate.set()
    qtbot.waitUntil(lambda: rec.ended(new), timeout=TIMEOUT)
    assert cancelled_seen == [True]
    assert "late" not in rec.kinds(old) and RESULT not in rec.kinds(old)
    assert rec.kinds(new) == ["tick", "tick", "tick", RESULT, ENDED]
    assert runner.thread_alive() and not runner.is_busy()


def test_threaded_batching_delivers_every_event_in_order(threaded, qtbot):
    runner, rec = threaded
    emitted = threading.Event()
    count = 5000

    def burst(job: Job) -> int:
        for k in range(count):
            job.emit("snapshot", k)
        emitted.set()
        return count

    job_id = runner.submit(burst)
    # The GUI thread is kept busy here (no event loop, so no drain) while the job emits
    # everything: the first delivery then carries the whole burst in one batch.
    assert emitted.wait(GATE_S)
    qtbot.waitUntil(lambda: rec.ended(job_id), timeout=TIMEOUT)
    snaps = [p for i, k, p in rec.events if i == job_id and k == "snapshot"]
    assert snaps == list(range(count))
    assert len(rec.deliveries) <= 2  # one batch (the end may come in a second), not 5000


def test_threaded_error_is_a_message_and_the_thread_lives_on(threaded, qtbot):
    runner, rec = threaded

    def broken(job: Job) -> None:
        raise SolverBug("a solver bug")

    bad = runner.submit(broken)
    qtbot.waitUntil(lambda: rec.ended(bad), timeout=TIMEOUT)
    assert rec.kinds(bad) == [FAILED, ENDED]
    assert "SolverBug: a solver bug" in next(p for i, k, p in rec.events if k == FAILED)
    assert runner.thread_alive()
    good = runner.submit(counting_job, 2)
    qtbot.waitUntil(lambda: rec.ended(good), timeout=TIMEOUT)
    assert rec.kinds(good) == ["tick", "tick", RESULT, ENDED]


def test_threaded_stop_wakes_a_paused_job_and_ends_it(threaded, qtbot):
    runner, rec = threaded
    job_id = runner.submit(paced_job, 1_000_000, pausable=True, paused=True)
    qtbot.waitUntil(lambda: "snapshot" in rec.kinds(job_id), timeout=TIMEOUT)
    assert runner.step(1)
    qtbot.waitUntil(lambda: rec.kinds(job_id).count("snapshot") == 2, timeout=TIMEOUT)
    runner.stop()  # the job waits at its checkpoint: the stop must wake it
    qtbot.waitUntil(lambda: rec.ended(job_id), timeout=TIMEOUT)
    snaps = [p for i, k, p in rec.events if i == job_id and k == "snapshot"]
    assert snaps[:2] == [0, 1] and snaps[-1] < 1_000_000
    assert not runner.is_busy()


def test_threaded_stop_drops_a_queued_job_with_its_end(threaded, qtbot):
    runner, rec = threaded
    started, gate = threading.Event(), threading.Event()

    def blocking(job: Job) -> None:
        started.set()
        gate.wait(GATE_S)

    runner.submit(blocking)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    queued = runner.submit(counting_job, 3)
    runner.stop()
    gate.set()
    qtbot.waitUntil(lambda: rec.ended(queued), timeout=TIMEOUT)
    assert rec.kinds(queued) == [ENDED] and rec.events[-1][2] == "cancelled"
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=TIMEOUT)


def test_threaded_shutdown_joins_and_delivers_nothing_after(qtbot):
    rec = Recorder()
    runner = Runner(rec, name="gdx-test-runner")
    started = threading.Event()

    def until_cancelled(job: Job) -> None:
        started.set()
        job.cancel.wait(GATE_S)
        job.emit("after cancel")

    runner.submit(until_cancelled)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    assert runner.shutdown(timeout=GATE_S) is True
    assert not runner.thread_alive()
    runner.drain()
    assert "after cancel" not in [k for _, k, _ in rec.events]
    assert runner.submit(counting_job, 1) == 0


# -- the exploration worker ------------------------------------------------------------------


def _run_spec(
    iterations: int, *, paused: bool = False, data: DataSettings | None = None, solver: str = "gd"
) -> RunSpec:
    problem = ModelSpec(data=data or DataSettings())
    return RunSpec(
        problem,
        RunSettings(solver=solver, alpha=0.01, iterations=iterations, tolerance=0.0),
        start_paused=paused,
    )


class Signals:
    """Every signal of a RunWorker, recorded in the order emitted."""

    def __init__(self, worker: RunWorker) -> None:
        self.log: list[tuple[str, int, object]] = []
        for name in ("prepared", "snapshots", "finished", "failed", "state_changed"):
            getattr(worker, name).connect(
                lambda run_id, payload, name=name: self.log.append((name, run_id, payload))
            )

    def iterations(self, run_id: int) -> list[int]:
        return [
            s.iteration
            for name, i, batch in self.log
            if name == "snapshots" and i == run_id
            for s in batch
        ]

    def states(self, run_id: int) -> list[str]:
        return [p for name, i, p in self.log if name == "state_changed" and i == run_id]

    def names(self, run_id: int) -> list[str]:
        return [name for name, i, _ in self.log if i == run_id]


@pytest.fixture
def sync_worker(qtbot):
    worker = RunWorker(sync=True)
    yield worker, Signals(worker)
    worker.shutdown()


def test_step_one_is_one_iteration_and_step_ten_is_ten(sync_worker):
    worker, sig = sync_worker
    run_id = worker.submit("run", _run_spec(1_000_000, paused=True))
    worker.drain()
    assert worker.is_paused() and sig.states(run_id) == ["paused"]
    assert sig.iterations(run_id) == [0]
    assert worker.step(1)
    assert sig.iterations(run_id)[-1] == 1
    assert worker.step(10)
    assert sig.iterations(run_id)[-1] == 11
    assert sig.iterations(run_id) == [0, 1, 11]
    worker.stop()
    assert sig.states(run_id)[-1] == "idle" and not worker.is_busy()
    final = [p for name, i, p in sig.log if name == "finished" and i == run_id]
    assert len(final) == 1 and final[0].status == "cancelled"


def test_step_is_exact_in_the_threaded_worker(qtbot):
    worker = RunWorker()
    sig = Signals(worker)
    try:
        run_id = worker.submit("run", _run_spec(1_000_000, paused=True))
        qtbot.waitUntil(lambda: sig.iterations(run_id) == [0], timeout=TIMEOUT)
        assert worker.step(1)
        qtbot.waitUntil(lambda: sig.iterations(run_id)[-1] == 1, timeout=TIMEOUT)
        assert worker.step(10)
        qtbot.waitUntil(lambda: sig.iterations(run_id)[-1] >= 11, timeout=TIMEOUT)
        assert sig.iterations(run_id) == [0, 1, 11]
        with qtbot.waitSignal(worker.finished, timeout=TIMEOUT):
            worker.stop()
        qtbot.waitUntil(lambda: sig.states(run_id)[-1:] == ["idle"], timeout=TIMEOUT)
    finally:
        assert worker.shutdown(timeout=10)


def test_pause_resume_and_end_each_say_their_state(sync_worker):
    worker, sig = sync_worker

    def pause_at_five(run_id: int, batch) -> None:
        if any(s.iteration == 5 for s in batch):
            worker.set_paused(True)

    worker.snapshots.connect(pause_at_five)
    run_id = worker.submit("run", _run_spec(20))
    worker.drain()
    assert worker.is_paused() and sig.states(run_id) == ["running", "paused"]
    assert sig.iterations(run_id)[-1] == 5  # it parked at the next snapshot
    worker.snapshots.disconnect(pause_at_five)
    worker.set_paused(False)
    assert sig.states(run_id) == ["running", "paused", "running", "idle"]
    assert sig.iterations(run_id) == list(range(21))  # nothing lost across the pause
    assert sig.names(run_id)[-2:] == ["finished", "state_changed"]


@pytest.mark.parametrize("kind", ["prepare", "run"])
def test_failed_prepare_ends_idle_and_the_next_run_works(sync_worker, tmp_path, kind):
    worker, sig = sync_worker
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n", encoding="utf-8")
    data = DataSettings(source="csv", csv_path=str(bad))
    spec = ModelSpec(data=data) if kind == "prepare" else _run_spec(100, data=data)
    bad_id = worker.submit(kind, spec)
    worker.drain()
    assert sig.names(bad_id) == ["failed", "state_changed"]
    assert str(bad) in sig.log[0][2] and sig.states(bad_id) == ["idle"]
    assert not worker.is_busy() and not worker.is_paused()
    good_id = worker.submit("run", _run_spec(100))
    worker.drain()
    assert sig.names(good_id)[0] == "prepared"
    assert sig.states(good_id) == ["running", "idle"]
    assert sig.iterations(good_id)[-1] == 100
    assert [name for name, _, _ in sig.log].count("failed") == 1


def test_shutdown_during_a_long_prepare_returns_and_abandons_it(qtbot, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    real = worker_module.build_dataset

    def slow_builder(data):
        entered.set()
        release.wait(GATE_S)  # an uninterruptible step (e.g. 10 million rows being made)
        return real(DataSettings())

    monkeypatch.setattr(worker_module, "build_dataset", slow_builder)
    worker = RunWorker()
    sig = Signals(worker)
    worker.submit("prepare", ModelSpec(DataSettings(source="synthetic", m=500, seed=3)))
    qtbot.waitUntil(entered.is_set, timeout=TIMEOUT)
    assert worker.shutdown(timeout=0.05) is False  # returned while the builder still works
    assert not release.is_set() and worker.thread_alive()
    release.set()  # the abandoned job finishes its stage, sees the cancel and ends quietly
    thread = worker._runner._thread
    assert thread is not None and thread.daemon
    thread.join(GATE_S)
    assert not thread.is_alive()
    worker.drain()
    assert sig.log == []  # nothing from the abandoned job reached the window


def test_cancel_previous_run_drops_its_late_events(qtbot):
    worker = RunWorker()
    sig = Signals(worker)
    try:
        first = worker.submit("run", _run_spec(1_000_000, paused=True))
        qtbot.waitUntil(lambda: sig.iterations(first) == [0], timeout=TIMEOUT)
        mark = len(sig.log)
        second = worker.submit("run", _run_spec(50))
        qtbot.waitUntil(lambda: sig.states(second)[-1:] == ["idle"], timeout=TIMEOUT)
        assert {i for _, i, _ in sig.log[mark:]} == {second}  # the cancelled run is silent
        assert sig.iterations(second) == list(range(51))
    finally:
        assert worker.shutdown(timeout=10)
