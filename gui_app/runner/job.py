"""What a job of the :class:`gui_app.runner.Runner` sees and sends: :class:`Job` (its spec,
cancel flag, pause state and step budget, and ``emit``/``pace``), the :class:`Event` it posts
and the event kinds the runner itself posts; and :func:`yield_to_gui`, which lowers the
priority of the runner's thread.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gui_app.runner import Runner

WORKER_NICE = 5

# Event kinds the runner itself posts (jobs choose their own kinds for the rest).
RESULT = "result"  # payload: the job function's return value (posted only when not None)
FAILED = "failed"  # payload: a user-ready message
PAUSED = "paused"  # payload: bool, posted by set_paused
ENDED = "ended"  # payload: "finished" | "cancelled" | "failed"; always a job's last event

GLOBAL_ID = 0  # events not tied to a job (e.g. the GPU probe); never dropped

_GUI_NATIVE_ID = threading.main_thread().native_id


def yield_to_gui() -> None:
    """Lower the scheduling priority of the calling thread and of BLAS's pool threads.

    On a 2-core machine the worker's BLAS threads and the GUI thread compete for the cores;
    at equal priority a paint that needs 20 ms of CPU could take 60 ms of wall time (the event
    loop stalls). A slightly higher nice value for the number crunchers lets the GUI thread run
    as soon as it has work; the worker loses only the CPU the GUI really uses. Linux only
    (per-thread nice); elsewhere nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    gui_tid = _GUI_NATIVE_ID
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        return
    for tid in tids:
        if tid == gui_tid:
            continue
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < WORKER_NICE:
                os.setpriority(os.PRIO_PROCESS, tid, WORKER_NICE)
        except OSError:
            pass


@dataclass(frozen=True)
class Event:
    """One thing a job reported: its job id, a kind chosen by the job (or one of the runner's
    own: ``result``, ``failed``, ``paused``, ``ended``) and a payload."""

    job_id: int
    kind: str
    payload: Any = None


JobFn = Callable[["Job"], Any]


def internal_error_message(job: Job, exc: BaseException) -> str:
    """The default message for an unexpected exception that ended ``job``."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"Internal error ({what}). The window stays usable; please report this."


class Job:
    """One submitted job, as its function sees it: the spec, the cancel flag, the pause state.

    ``notes`` is free for the job function (e.g. the last snapshot sent, for an error message).
    """

    def __init__(
        self,
        runner: Runner,
        job_id: int,
        fn: JobFn,
        spec: Any,
        *,
        pausable: bool,
        paused: bool,
        step_budget: int,
    ) -> None:
        self.id = job_id
        self.spec = spec
        self.cancel = threading.Event()
        self.pausable = pausable
        self.paused = paused and pausable
        self.step_budget = max(0, int(step_budget))
        self.notes: dict[str, Any] = {}
        self._runner = runner
        self._fn = fn
        self._gen: Generator[Any, Any, Any] | None = None

    @property
    def cancelled(self) -> bool:
        """True once the job was stopped, replaced or the runner shut down."""
        return self.cancel.is_set()

    def emit(self, kind: str, payload: Any = None, *, coalesce: bool = False) -> None:
        """Report ``(kind, payload)`` to the GUI thread. ``coalesce=True`` replaces this job's
        previous event of the same kind if nothing came after it (progress: no backlog)."""
        self._runner._post(self, kind, payload, coalesce=coalesce)

    def pace(self, k: int) -> int:
        """How many iterations (1..k) to run before the next snapshot: k while running; while
        paused, waits for a step and charges the step budget (``min(k, budget)``); while
        running at a finite speed (:meth:`Runner.set_speed`, pausable jobs only), waits until
        1/N s after this call began and answers 1.

        The solvers' ``pace`` hook: Step 1 is exactly one iteration, Step ×10 exactly ten, and
        at N steps per second each snapshot is one iteration. A wait at a finite speed ends at
        once when the job is paused, stopped or cancelled or the speed changes (the runner's
        condition is notified); it is the product's pacing, never a sleep of the thread.
        """
        k = max(1, int(k))
        runner = self._runner
        began = time.monotonic()
        with runner._cond:
            while True:
                if not runner.sync:
                    while self._must_wait() and not runner._closing:
                        runner._cond.wait()
                if self.cancel.is_set() or runner._closing:
                    return k
                if self.paused:
                    if self.step_budget <= 0:
                        return 1  # a paused job that skipped its checkpoint: as little as possible
                    taken = min(k, self.step_budget)
                    self.step_budget -= taken
                    return taken
                speed = runner._speed if self.pausable else None
                if speed is None:
                    return k
                left = began + 1.0 / speed - time.monotonic()
                if runner.sync or left <= 0:
                    return 1
                runner._cond.wait(left)  # woken early by pause, step, stop, cancel, speed

    def _must_wait(self) -> bool:
        return self.paused and self.step_budget <= 0 and not self.cancel.is_set()
