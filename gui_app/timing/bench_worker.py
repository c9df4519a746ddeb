"""The timing lab's worker: one benchmark at a time, off the GUI thread, with run ids.

Built on the one background runner (:mod:`gui_app.runner`), with a runner (and thread) of its
own, so that a benchmark and the exploration view never cancel each other's jobs or share a
run-id sequence. A new benchmark cancels the one in progress (``core.timing.bench`` checks the
flag between timed calls and every few hundred rows of the Python loop); progress is
coalesced (only the latest matters), and the outcome reaches the GUI thread at the moment the
worker becomes idle.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from core.timing.bench import BenchConfig, BenchReport, run_benchmark
from gui_app.runner import ENDED, FAILED, RESULT, Event, Job, Runner

THREAD_NAME = "gdx-bench"
# A benchmark notices a cancel within one timed call; the first call of a compiled kernel
# (numba) can take a few seconds, so a close waits a little longer than for a solver run.
SHUTDOWN_TIMEOUT_S = 5.0


def bench_error_message(job: Job, exc: BaseException) -> str:
    """The Timing tab's message for an exception that ended a benchmark."""
    if isinstance(exc, MemoryError):
        return "Not enough memory for this benchmark; choose fewer rows (m) or features (n)."
    return f"Internal error in the benchmark ({type(exc).__name__}: {exc})."


class BenchWorker(QObject):
    """Runs ``core.timing.bench.run_benchmark`` on a background thread (or inline with
    ``sync=True``); signals carry run ids."""

    progress = Signal(int, float, str)  # run id, fraction 0..1, what is being measured
    finished = Signal(int, object)  # run id, BenchReport
    cancelled = Signal(int)  # run id
    failed = Signal(int, str)  # run id, user-ready message

    def __init__(self, parent: QObject | None = None, *, sync: bool = False) -> None:
        super().__init__(parent)
        self._runner = Runner(
            self._deliver,
            name=THREAD_NAME,
            sync=sync,
            describe_error=bench_error_message,
            parent=self,
        )

    # -- GUI-thread API ------------------------------------------------------------------------
    @property
    def latest_run_id(self) -> int:
        """The id of the benchmark submitted last."""
        return self._runner.latest_id

    def is_busy(self) -> bool:
        """A benchmark runs or waits."""
        return self._runner.is_busy()

    def submit(self, config: BenchConfig) -> int:
        """Queue a benchmark, cancelling the one in progress; returns its run id (0 after
        :meth:`shutdown`)."""
        return self._runner.submit(self._job, config)

    def cancel(self) -> None:
        """Cancel what runs or waits; the current job ends with ``cancelled`` promptly."""
        self._runner.stop()

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> bool:
        """Cancel everything and join the thread, for at most ``timeout`` seconds (the window
        calls this when it closes); True when the thread ended."""
        return self._runner.shutdown(timeout)

    def drain(self) -> None:
        """Emit what arrived since the last drain (GUI thread, ~30 Hz)."""
        self._runner.drain()

    def _deliver(self, events: list[Event]) -> None:
        for event in events:
            if self._runner.is_stale(event):
                continue
            run_id, kind, payload = event.job_id, event.kind, event.payload
            if kind == "progress":
                self.progress.emit(run_id, *payload)
            elif kind == RESULT:
                self.finished.emit(run_id, payload)
            elif kind == FAILED:
                self.failed.emit(run_id, payload)
            elif kind == ENDED and payload == "cancelled":
                self.cancelled.emit(run_id)

    # -- the job (the runner's thread) ---------------------------------------------------------
    @staticmethod
    def _job(job: Job) -> BenchReport:
        def progress(fraction: float, text: str) -> None:
            job.emit("progress", (float(fraction), text), coalesce=True)

        return run_benchmark(job.spec, progress=progress, cancel=job.cancel)
