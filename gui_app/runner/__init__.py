"""The one background runner: one job at a time, off the GUI thread, with job ids.

Solver runs (``gui_app.explore.worker``) and benchmarks (``gui_app.timing.bench_worker``) both
run on a :class:`Runner`. The design, after superqt's ``GeneratorWorker`` (a job is a
generator, stopped cooperatively at its next ``yield``), Orange's ``TaskState`` (a new task
cancels the old one) and ndv's request generations (late results of older requests are
dropped):

- One long-lived daemon thread takes jobs from :meth:`Runner.submit`; a new job cancels the
  one in progress (its ``cancel`` event is set) and replaces one still queued.
- A job function ``fn(job)`` runs on that thread. It reports through :meth:`Job.emit`; it may
  be a generator, whose every ``yield`` is a checkpoint where a paused job waits (and
  :meth:`Job.pace` charges a paused job's step budget in iterations).
- The thread never touches Qt: events ``(job_id, kind, payload)`` go to an outbox under a
  lock. A GUI-thread ``QTimer`` drains it about 30 times a second and hands the events of the
  latest job (and global ones, id 0) to ``deliver`` as one list: every event arrives, in
  order, and the views redraw at most ~30 times a second.
- :meth:`Runner.set_speed` slows pausable jobs to N steps a second (:meth:`Job.pace` then
  answers one iteration per tick, woken early by pause, stop or a new speed).
- Any exception (any ``BaseException``) ends the job with a ``failed`` message event; the
  thread lives on for the next job.
- :meth:`Runner.shutdown` cancels everything and joins the thread for a bounded time. A job
  stuck in a step that cannot be interrupted (building a very large dataset) is abandoned:
  the thread is a daemon, holds only memory (arrays; files are read inside ``with`` blocks),
  and nothing it posts afterwards is delivered.
- ``Runner(sync=True)`` runs each job inline on the calling thread and delivers its events
  as they are emitted, without threads or timers (for controller tests). A submitted job
  runs at the next :meth:`Runner.drain` (so the caller knows its id before its events
  arrive, as with the thread); a paused job parks at its checkpoint and resumes inline on
  :meth:`Runner.step`, :meth:`Runner.set_paused` or :meth:`Runner.stop`.

Every job ends with exactly one ``ended`` event (``"finished"``, ``"cancelled"`` or
``"failed"``), posted together with the job's ``result`` or ``failed`` event and at the moment
the runner becomes idle: whoever sees the end sees ``is_busy()`` false.

The job's side (:class:`Job`, :class:`Event`, the event kinds) is :mod:`gui_app.runner.job`;
its names are importable from here.
"""

from __future__ import annotations

import inspect
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from core.errors import Cancelled, InputError
from gui_app.runner.job import (
    ENDED,
    FAILED,
    GLOBAL_ID,
    PAUSED,
    RESULT,
    Event,
    Job,
    JobFn,
    internal_error_message,
    yield_to_gui,
)

DRAIN_INTERVAL_MS = 33  # ~30 deliveries (redraws) a second at most
GIL_SWITCH_INTERVAL_S = 0.0005  # set here and by gui_app.app.make_application
SHUTDOWN_TIMEOUT_S = 2.0  # the longest a window close waits for a job to notice its cancel
KEPT_SPECS = 64  # how many recent jobs' specs :meth:`Runner.spec_of` answers for

__all__ = [
    "DRAIN_INTERVAL_MS",
    "ENDED",
    "FAILED",
    "GIL_SWITCH_INTERVAL_S",
    "GLOBAL_ID",
    "KEPT_SPECS",
    "PAUSED",
    "RESULT",
    "SHUTDOWN_TIMEOUT_S",
    "Event",
    "Job",
    "JobFn",
    "Runner",
    "internal_error_message",
    "yield_to_gui",
]


class Runner:
    """Runs one job at a time on one background thread (or inline, ``sync=True``) and hands
    the events of the latest job to ``deliver`` on the GUI thread, batched at ~30 Hz.

    ``deliver(events)`` gets a list of :class:`Event`, oldest first. ``describe_error(job,
    exc)`` turns an unexpected exception into the message of the ``failed`` event
    (``InputError`` messages are used as they are; ``core.errors.Cancelled`` ends the job as
    cancelled). ``on_start(post)`` runs once on the thread before the first job (e.g. a slow
    probe); ``post(kind, payload)`` sends global events. ``parent`` owns the drain timer.
    """

    def __init__(
        self,
        deliver: Callable[[list[Event]], None],
        *,
        name: str = "gdx-runner",
        sync: bool = False,
        describe_error: Callable[[Job, BaseException], str] = internal_error_message,
        on_start: Callable[[Callable[[str, Any], None]], None] | None = None,
        lower_priority: bool = False,
        parent: QObject | None = None,
        interval_ms: int = DRAIN_INTERVAL_MS,
    ) -> None:
        self.sync = sync
        self.name = name
        self._deliver = deliver
        self._describe_error = describe_error
        self._on_start = on_start
        self._lower_priority = lower_priority
        self._cond = threading.Condition()
        self._outbox: list[Event] = []
        self._pending: Job | None = None
        self._current: Job | None = None
        self._latest_id = 0
        self._speed: float | None = None  # steps per second of pausable jobs; None: no limit
        self._specs: dict[int, Any] = {}  # the specs of the latest jobs, by id (step back)
        self._closing = False
        self._started = False
        self._pumping = False
        self._draining = False
        self._thread: threading.Thread | None = None
        self._timer: QTimer | None = None
        if not sync:
            self._timer = QTimer(parent)
            self._timer.setInterval(interval_ms)
            self._timer.timeout.connect(self.drain)
            # A run on small data is pure Python: with the default 5 ms GIL switch interval
            # the GUI thread, which needs the GIL back after every call into Qt, starved
            # until the run ended. Set here too, not only in make_application (tests).
            if sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
                sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)

    # -- GUI-thread API ----------------------------------------------------------------------
    @property
    def latest_id(self) -> int:
        """The id of the job submitted last (0 before the first)."""
        return self._latest_id

    def is_busy(self) -> bool:
        """A job is running, paused or queued."""
        with self._cond:
            return self._pending is not None or self._current is not None

    def is_paused(self) -> bool:
        """The running or queued job is paused."""
        with self._cond:
            job = self._current or self._pending
            return bool(job is not None and job.paused)

    def thread_alive(self) -> bool:
        """The background thread exists and runs (always False in sync mode)."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread now (it runs ``on_start`` first); jobs start it anyway."""
        if self._closing:
            return
        if self.sync:
            if not self._started:
                self._started = True
                self._run_on_start()
                self._flush()
            return
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
            self._thread.start()
        self._kick()

    def submit(
        self,
        fn: JobFn,
        spec: Any = None,
        *,
        pausable: bool = False,
        paused: bool = False,
        step_budget: int = 0,
    ) -> int:
        """Queue ``fn(job)`` with ``job.spec = spec``, cancelling the job in progress; returns
        the new job's id (0, and nothing runs, after :meth:`shutdown`)."""
        if self._closing:
            return 0
        self.start()
        with self._cond:
            self._latest_id += 1
            job = Job(
                self,
                self._latest_id,
                fn,
                spec,
                pausable=pausable,
                paused=paused,
                step_budget=step_budget,
            )
            if self._current is not None:
                self._current.cancel.set()
            self._specs[job.id] = spec
            for old in [i for i in self._specs if i <= job.id - KEPT_SPECS]:
                del self._specs[old]
            self._pending = job  # a job still queued is replaced without a word
            self._cond.notify_all()
        if not self.sync:  # sync: it runs at the next drain, once the caller knows its id
            self._kick()
        return job.id

    def stop(self) -> None:
        """Cancel the running job (it ends promptly, with its own last word) and drop a queued
        one (it ends at once as ``cancelled``)."""
        with self._cond:
            if self._pending is not None:
                dropped, self._pending = self._pending, None
                self._outbox.append(Event(dropped.id, ENDED, "cancelled"))
            if self._current is not None:
                self._current.cancel.set()
            self._cond.notify_all()
        self._kick()

    def set_paused(self, paused: bool) -> bool:
        """Pause or resume the running (or queued) job if it is pausable; posts ``paused``.
        Returns False when there is no such job."""
        with self._cond:
            job = self._current or self._pending
            if job is None or not job.pausable:
                return False
            job.paused = paused
            self._outbox.append(Event(job.id, PAUSED, paused))
            self._cond.notify_all()
        self._kick()
        return True

    def step(self, count: int) -> bool:
        """Let a paused job run ``count`` more iterations (charged by :meth:`Job.pace`);
        False when no job is paused."""
        with self._cond:
            job = self._current or self._pending
            if job is None or not job.paused or count < 1:
                return False
            job.step_budget += int(count)
            self._cond.notify_all()
        self._kick()
        return True

    @property
    def speed(self) -> float | None:
        """Steps per second of pausable jobs (None: as fast as possible)."""
        return self._speed

    def set_speed(self, steps_per_second: float | None) -> None:
        """Run pausable jobs at ``steps_per_second`` (each :meth:`Job.pace` then answers one
        iteration, about 1/N s after the last), or as fast as possible (None or 0). Applies at
        once to the running job (a wait in progress is woken) and to later ones.

        Raises ValueError for a negative or non-finite speed.
        """
        if steps_per_second is not None:
            speed = float(steps_per_second)
            if not (speed >= 0 and speed < float("inf")):
                raise ValueError(f"speed must be a number of steps per second ≥ 0, got {speed}")
            steps_per_second = speed or None
        with self._cond:
            self._speed = steps_per_second
            self._cond.notify_all()

    def spec_of(self, job_id: int) -> Any:
        """The spec ``job_id`` was submitted with (one of the latest :data:`KEPT_SPECS`
        jobs), None when it is not kept."""
        with self._cond:
            return self._specs.get(job_id)

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> bool:
        """Cancel everything, stop delivering and join the thread for at most ``timeout``
        seconds (the window calls this when it closes). Returns True when the thread ended;
        False when a job stuck in an uninterruptible step was abandoned (a daemon thread
        that holds only memory; nothing it posts later is delivered)."""
        with self._cond:
            self._closing = True
            self._pending = None
            current = self._current
            if current is not None:
                current.cancel.set()
            self._cond.notify_all()
        if self.sync and current is not None and current._gen is not None:
            current._gen.close()  # a parked job: run its cleanup, never resume it
            self._current = None
        joined = True
        if self._thread is not None:
            self._thread.join(timeout)
            joined = not self._thread.is_alive()
        if self._timer is not None:
            self._timer.stop()
        with self._cond:
            self._outbox.clear()
        return joined

    def drain(self) -> None:
        """Hand the events that arrived since the last drain to ``deliver`` (GUI thread),
        dropping those of replaced jobs. In sync mode, first run the queued job inline (until
        it ends or parks paused): a test's stand-in for the event loop turning."""
        if self.sync:
            self._pump()
            self._flush()
            return
        events = self._flush()
        with self._cond:
            idle = self._pending is None and self._current is None and not self._outbox
        if idle and not events and self._timer is not None:
            self._timer.stop()

    def _flush(self) -> list[Event]:
        """Deliver the outbox; returns what was taken (fresh or not)."""
        if self._draining:
            return []  # called from inside a delivery: the outer flush goes on with the rest
        self._draining = True
        taken: list[Event] = []
        try:
            while True:
                with self._cond:
                    events, self._outbox = self._outbox, []
                    latest = self._latest_id
                taken += events
                fresh = [e for e in events if e.job_id in (latest, GLOBAL_ID)]
                if fresh and not self._closing:
                    self._deliver(fresh)
                # Threaded: one delivery per tick (the throttle). Sync: until nothing is left,
                # so that what a delivery caused is delivered too, in order.
                if not self.sync or not events:
                    break
        finally:
            self._draining = False
        return taken

    def is_stale(self, event: Event) -> bool:
        """``event`` belongs to a job that has been replaced since it was drained (a delivery
        that submitted a new job makes the rest of its batch stale)."""
        return event.job_id not in (self._latest_id, GLOBAL_ID)

    # -- both modes ----------------------------------------------------------------------------
    def _kick(self) -> None:
        """Threaded: make sure the drain timer runs. Sync: run what can run now."""
        if self.sync:
            self.drain()
        elif self._timer is not None and not self._closing:
            self._timer.start()

    def _post(self, job: Job, kind: str, payload: Any, *, coalesce: bool = False) -> None:
        with self._cond:
            if self._closing or job.id != self._latest_id:
                return  # replaced or closing: nobody will look at it
            box = self._outbox
            if coalesce and box and box[-1].job_id == job.id and box[-1].kind == kind:
                box[-1] = Event(job.id, kind, payload)
            else:
                box.append(Event(job.id, kind, payload))
        if self.sync:
            self._flush()  # as emitted: a slot may pause or stop the job in the middle

    def _post_global(self, kind: str, payload: Any = None) -> None:
        with self._cond:
            if not self._closing:
                self._outbox.append(Event(GLOBAL_ID, kind, payload))

    def _run_on_start(self) -> None:
        if self._on_start is None:
            return
        try:
            self._on_start(self._post_global)
        except BaseException:  # a failing probe must not take the runner down
            traceback.print_exc()

    def _checkpoint(self, job: Job) -> bool:
        """At a job's ``yield``: wait while it is paused without budget (threaded); in sync
        mode say whether it may go on (False parks it)."""
        with self._cond:
            if self.sync:
                return not job._must_wait()
            while job._must_wait() and not self._closing:
                self._cond.wait()
            return True

    def _run(self, job: Job) -> bool:
        """Run ``job`` until it ends (True) or, in sync mode, parks paused (False)."""
        try:
            gen = job._gen
            if gen is None:
                out = job._fn(job)
                if not inspect.isgenerator(out):
                    self._end(job, out)
                    return True
                gen = job._gen = out
            while True:
                try:
                    next(gen)
                except StopIteration as stop:
                    self._end(job, stop.value)
                    return True
                if not self._checkpoint(job):
                    return False
        except BaseException as exc:  # any failure is a message, never a crash
            self._fail(job, exc)
            return True

    def _end(self, job: Job, result: Any) -> None:
        outcome = "cancelled" if job.cancel.is_set() and result is None else "finished"
        events = [] if result is None else [(RESULT, result)]
        self._finish(job, [*events, (ENDED, outcome)])

    def _fail(self, job: Job, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self._finish(job, [(ENDED, "cancelled")])
            return
        if isinstance(exc, InputError):
            message = str(exc)
        else:
            if not isinstance(exc, MemoryError):
                traceback.print_exception(exc)
            try:
                message = self._describe_error(job, exc)
            except BaseException as inner:  # the describer must not crash
                message = internal_error_message(job, inner)
        self._finish(job, [(FAILED, message), (ENDED, "failed")])

    def _finish(self, job: Job, events: Iterable[tuple[str, Any]]) -> None:
        """The job's last words and the runner going idle, atomically."""
        with self._cond:
            if self._current is job:
                self._current = None
            if not self._closing and job.id == self._latest_id:
                self._outbox.extend(Event(job.id, kind, payload) for kind, payload in events)
            self._cond.notify_all()
        if self.sync:
            self._flush()

    # -- the thread ----------------------------------------------------------------------------
    def _main(self) -> None:
        if self._lower_priority:
            yield_to_gui()
        self._run_on_start()
        while True:
            with self._cond:
                while self._pending is None and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                job, self._pending = self._pending, None
                self._current = job
            if job is not None:  # always (the wait above); for the type checker
                self._run(job)

    # -- sync mode -----------------------------------------------------------------------------
    def _pump(self) -> None:
        """Run queued jobs inline until none can run (a paused one parks); re-entrant calls
        (a delivery that submits or stops) leave the work to the outer loop."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while not self._closing:
                with self._cond:
                    job = self._current
                    if job is None:
                        if self._pending is None:
                            break
                        job, self._pending = self._pending, None
                        self._current = job
                    elif job._must_wait():
                        break  # parked until step, resume or stop
                self._run(job)
        finally:
            self._pumping = False
