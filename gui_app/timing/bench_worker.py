"""The timing lab's worker: one benchmark at a time, off the GUI thread, with run ids.

It follows the exploration worker's discipline (``gui_app/worker.py``) with a thread of its
own, so that a benchmark and the exploration view never cancel each other's jobs or share
a run-id sequence. One long-lived Python thread takes jobs from :meth:`BenchWorker.submit`;
a new job cancels the one in progress (``core.timing.bench`` checks the flag between timed calls
and every few hundred rows of the Python loop). The thread never touches Qt: it writes the
latest progress and its results into an outbox under a lock, and a GUI-thread ``QTimer``
drains it about 30 times a second, drops what belongs to a replaced run and emits signals.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.errors import Cancelled, InputError
from core.timing.bench import BenchConfig, BenchReport, run_benchmark

DRAIN_INTERVAL_MS = 33
THREAD_NAME = "gdx-bench"


class _Job:
    def __init__(self, run_id: int, config: BenchConfig) -> None:
        self.run_id = run_id
        self.config = config
        self.cancel = threading.Event()


class BenchWorker(QObject):
    """Runs ``core.timing.bench.run_benchmark`` on a background thread; signals carry run ids."""

    progress = Signal(int, float, str)  # run id, fraction 0..1, what is being measured
    finished = Signal(int, object)  # run id, BenchReport
    cancelled = Signal(int)  # run id
    failed = Signal(int, str)  # run id, user-ready message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Condition()
        self._outbox: list[tuple[int, str, Any]] = []
        self._progress: tuple[int, float, str] | None = None  # latest only: no backlog
        self._pending: _Job | None = None
        self._current: _Job | None = None
        self._latest_id = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self.drain)

    # -- GUI-thread API ------------------------------------------------------------------------
    @property
    def latest_run_id(self) -> int:
        return self._latest_id

    def is_busy(self) -> bool:
        with self._lock:
            return self._pending is not None or self._current is not None

    def submit(self, config: BenchConfig) -> int:
        """Queue a benchmark, cancelling the one in progress; returns its run id."""
        if self._closing:
            return 0
        self._ensure_thread()
        with self._lock:
            self._latest_id += 1
            job = _Job(self._latest_id, config)
            if self._current is not None:
                self._current.cancel.set()
            self._pending = job
            self._lock.notify_all()
        self._timer.start()
        return job.run_id

    def cancel(self) -> None:
        """Cancel what runs or waits; the current job ends with ``cancelled`` promptly."""
        with self._lock:
            if self._pending is not None:
                self._outbox.append((self._pending.run_id, "cancelled", None))
                self._pending = None
            if self._current is not None:
                self._current.cancel.set()
            self._lock.notify_all()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything and join the thread (the window calls this when it closes)."""
        with self._lock:
            self._closing = True
            self._pending = None
            if self._current is not None:
                self._current.cancel.set()
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._timer.stop()
        with self._lock:
            self._outbox.clear()
            self._progress = None

    def drain(self) -> None:
        """Emit what arrived since the last drain (GUI thread, ~30 Hz)."""
        with self._lock:
            events, self._outbox = self._outbox, []
            progress, self._progress = self._progress, None
            idle = self._pending is None and self._current is None
        latest = self._latest_id
        if progress is not None and progress[0] == latest:
            self.progress.emit(*progress)
        for run_id, kind, payload in events:
            if run_id != latest:
                continue  # a replaced run: its late results must not reach the charts
            if kind == "finished":
                self.finished.emit(run_id, payload)
            elif kind == "cancelled":
                self.cancelled.emit(run_id)
            elif kind == "error":
                self.failed.emit(run_id, payload)
        if idle and not events:
            self._timer.stop()

    # -- worker thread -------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None and not self._closing:
            self._thread = threading.Thread(target=self._main, name=THREAD_NAME)
            self._thread.start()

    def _post(self, run_id: int, kind: str, payload: Any) -> None:
        with self._lock:
            self._outbox.append((run_id, kind, payload))

    def _main(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._closing:
                    self._lock.wait()
                if self._closing:
                    return
                job, self._pending = self._pending, None
                self._current = job
            outcome: tuple[str, Any]
            try:
                outcome = ("finished", self._run(job))
            except Cancelled:
                outcome = ("cancelled", None)
            except InputError as exc:
                outcome = ("error", str(exc))
            except MemoryError:
                outcome = ("error", "Not enough memory for this benchmark; "
                           "choose fewer rows (m) or features (n).")
            except Exception as exc:  # a bug: say so in the window, keep the app alive
                traceback.print_exc()
                outcome = ("error",
                           f"Internal error in the benchmark ({type(exc).__name__}: {exc}).")
            # Idle and the last word together: whoever sees the outcome sees an idle worker.
            with self._lock:
                self._current = None
                self._outbox.append((job.run_id, *outcome))

    def _run(self, job: _Job) -> BenchReport:
        def progress(fraction: float, text: str) -> None:
            with self._lock:
                self._progress = (job.run_id, float(fraction), text)

        return run_benchmark(job.config, progress=progress, cancel=job.cancel)
