"""The background worker: one solver run at a time, off the GUI thread, with run ids.

A single long-lived Python thread takes jobs from :meth:`RunWorker.submit`; a new job cancels
the one in progress (cooperatively, through the solver's cancel flag) and later jobs replace
queued ones. The thread never touches Qt: it appends ``(run_id, kind, payload)`` events to an
outbox under a lock. A GUI-thread ``QTimer`` drains the outbox about 30 times a second, drops
events of older runs, merges the snapshots of one drain into a single batch (so the plots
redraw at most ~30 Hz and no snapshot is lost) and emits plain Qt signals.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from core.backend import GpuStatus, gpu_status
from core.builder import build_dataset, build_problem
from core.data.datasets import Dataset
from core.errors import InputError
from core.model.problem import Problem
from core.settings import DataSettings, ModelSettings, RunSettings
from core.solvers import Snapshot, run_solver

DRAIN_INTERVAL_MS = 33  # ~30 redraws a second at most
GIL_SWITCH_INTERVAL_S = 0.0005  # as in gui_app.app


@dataclass(frozen=True)
class ModelSpec:
    """What defines a prepared problem: the data and the model settings (a cache key)."""

    data: DataSettings = field(default_factory=DataSettings)
    model: ModelSettings = field(default_factory=ModelSettings)


@dataclass(frozen=True)
class RunSpec:
    """One solver run: the problem, the run settings, and where and how it starts."""

    problem: ModelSpec
    run: RunSettings = field(default_factory=RunSettings)
    w0: tuple[float, ...] | None = None
    b0: float | None = None
    start_paused: bool = False
    step_budget: int = 0


@dataclass(frozen=True, eq=False)
class Prepared:
    """A problem ready to show: the dataset, the Problem and the numbers computed for it."""

    spec: ModelSpec
    dataset: Dataset
    problem: Problem
    alpha_max: float
    condition_number: float
    optimum: np.ndarray  # least-squares optimum in training coordinates (display only)
    seconds: float
    optimum_cost: float = float("nan")  # J at ``optimum``, read from the data once

    def cost_surface(self, i: int, j: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``Problem.cost_surface`` around the optimum, without re-reading the data: the cost
        at the optimum was computed once in the worker (re-reading 100,000 x 1,000 data
        costs ~100 ms, too long for the GUI thread)."""
        cost = self.optimum_cost if np.isfinite(self.optimum_cost) else None
        return self.problem.cost_surface(i, j, u, v, base=self.optimum, base_cost=cost)


WORKER_NICE = 5
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


def report_every_for(iterations: int) -> int:
    """Snapshot interval: every iteration, unless that would keep more than ~20,000."""
    return max(1, iterations // 20_000)


def _is_gpu_fault(exc: BaseException, device: str) -> bool:
    """A CuPy/CUDA failure (out of GPU memory, device lost, driver error)?"""
    kind = type(exc)
    text = f"{kind.__name__} {exc}".lower()
    return (kind.__module__.startswith(("cupy", "cupy_backends")) or "cuda" in text
            or "outofmemory" in text or (device == "gpu" and isinstance(exc, MemoryError)))


def fault_message(exc: BaseException, job: _Job) -> str:
    """The window's message for an exception that ended ``job``: what happened, how far the
    run got (its history so far stays on screen) and what to do next."""
    snap = job.last_snapshot
    done = ""
    if snap is not None:
        done = (f" after {snap.iteration:,} iterations; the {snap.iteration:,} iterations "
                "done so far are kept in the plots")
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if _is_gpu_fault(exc, job.device):
        oom = isinstance(exc, MemoryError) or "outofmemory" in what.lower().replace(" ", "") \
            or "out of memory" in what.lower()
        head = "The GPU ran out of memory" if oom else "The GPU failed"
        return (f"{head}{done or ' before the first iteration'} ({what}). Choose Device → "
                "CPU (NumPy) and run again" + (", or use fewer rows or columns." if oom
                                               else "."))
    if isinstance(exc, MemoryError):
        return (f"Not enough memory for this request{done}; use fewer rows or columns "
                "(or a lower polynomial degree).")
    return (f"Internal error ({what}){done}. The window stays usable; please report this.")


class _Job:
    def __init__(self, run_id: int, kind: str, spec: Any) -> None:
        self.run_id = run_id
        self.kind = kind  # "prepare" | "run"
        self.spec = spec
        self.cancel = threading.Event()
        self.paused = isinstance(spec, RunSpec) and spec.start_paused
        self.step_budget = spec.step_budget if isinstance(spec, RunSpec) else 0
        self.device = spec.problem.model.device if isinstance(spec, RunSpec) else getattr(
            spec, "device", "cpu")
        self.last_snapshot: Snapshot | None = None  # the latest one sent (a fault keeps it)


class RunWorker(QObject):
    """Runs prepare/solve jobs on one background thread; emits results on the GUI thread.

    Every signal carries the run id of the job it belongs to; events of a job that has been
    replaced are dropped before they are emitted.
    """

    prepared = Signal(int, object)  # run id, Prepared
    snapshots = Signal(int, object)  # run id, list[Snapshot] (a batch, oldest first)
    finished = Signal(int, object)  # run id, final Snapshot
    failed = Signal(int, str)  # run id, user-ready message
    state_changed = Signal(int, str)  # run id, "running" | "paused" | "idle"
    gpu_probed = Signal(object)  # GpuStatus

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Condition()
        self._outbox: list[tuple[int, str, Any]] = []
        self._pending: _Job | None = None
        self._current: _Job | None = None
        self._latest_id = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        self._datasets: dict[DataSettings, Dataset] = {}
        self._prepared: Prepared | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        # A run on small data is pure Python: with the default 5 ms GIL switch interval the
        # GUI thread, which needs the GIL back after every call into Qt, starved until the
        # run ended. Set here too, not only in make_application (tests, embedding).
        if sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self._timer.timeout.connect(self.drain)

    # -- GUI-thread API --------------------------------------------------------------------
    @property
    def latest_run_id(self) -> int:
        return self._latest_id

    def is_busy(self) -> bool:
        with self._lock:
            return self._pending is not None or self._current is not None

    def submit(self, kind: str, spec: Any) -> int:
        """Queue a job ("prepare" a ModelSpec, or "run" a RunSpec), cancelling the current one."""
        self._ensure_thread()
        with self._lock:
            self._latest_id += 1
            job = _Job(self._latest_id, kind, spec)
            if self._current is not None:
                self._current.cancel.set()
            self._pending = job
            self._lock.notify_all()
        self._timer.start()
        return job.run_id

    def stop(self) -> None:
        """Cancel whatever is running or queued (it ends with a "cancelled" snapshot)."""
        with self._lock:
            if self._pending is not None:
                self._outbox.append((self._pending.run_id, "state", "idle"))
                self._pending = None
            if self._current is not None:
                self._current.cancel.set()
            self._lock.notify_all()

    def set_paused(self, paused: bool) -> None:
        with self._lock:
            job = self._current or self._pending
            if job is not None and job.kind == "run":
                job.paused = paused
                self._outbox.append((job.run_id, "state", "paused" if paused else "running"))
            self._lock.notify_all()

    def step(self, count: int) -> bool:
        """Let a paused run take ``count`` more snapshots; False when no run is paused."""
        with self._lock:
            job = self._current or self._pending
            if job is None or job.kind != "run" or not job.paused:
                return False
            job.step_budget += count
            self._lock.notify_all()
            return True

    def is_paused(self) -> bool:
        with self._lock:
            job = self._current or self._pending
            return bool(job is not None and job.kind == "run" and job.paused)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything and join the thread (called when the window closes)."""
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

    def drain(self) -> None:
        """Emit the events that arrived since the last drain (GUI thread, ~30 Hz)."""
        with self._lock:
            events, self._outbox = self._outbox, []
            idle = self._pending is None and self._current is None
        latest = self._latest_id
        batch: list[Snapshot] = []
        for run_id, kind, payload in events:
            if kind == "gpu":
                self.gpu_probed.emit(payload)
                continue
            if run_id != latest:
                continue  # a replaced run: its late results must not reach the plots
            if kind == "snapshot":
                batch.append(payload)
                continue
            if batch:
                self.snapshots.emit(run_id, batch)
                batch = []
            if kind == "prepared":
                self.prepared.emit(run_id, payload)
            elif kind == "finished":
                self.finished.emit(run_id, payload)
            elif kind == "error":
                self.failed.emit(run_id, payload)
            elif kind == "state":
                self.state_changed.emit(run_id, payload)
        if batch:
            self.snapshots.emit(latest, batch)
        if idle and not events:
            self._timer.stop()

    def probe_gpu(self) -> None:
        """Ask the worker thread to probe CuPy (importing it may take a while)."""
        self._ensure_thread()
        self._timer.start()

    # -- worker thread -----------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        alive = self._thread is not None and self._thread.is_alive()
        if not alive and not self._closing:  # first use, or (never seen) a thread that died
            self._thread = threading.Thread(target=self._main, name="gdx-worker")
            self._thread.start()

    def _post(self, run_id: int, kind: str, payload: Any) -> None:
        with self._lock:
            self._outbox.append((run_id, kind, payload))

    def _main(self) -> None:
        yield_to_gui()
        status: GpuStatus = gpu_status()
        self._post(-1, "gpu", status)
        while True:
            with self._lock:
                while self._pending is None and not self._closing:
                    self._lock.wait()
                if self._closing:
                    return
                job, self._pending = self._pending, None
                self._current = job
            try:
                self._do(job)
            except InputError as exc:
                self._post(job.run_id, "error", str(exc))
            except BaseException as exc:  # whatever a solver raises (a bug, a
                # failing GPU), the thread lives on for the next job and the window says so
                if not isinstance(exc, MemoryError):
                    traceback.print_exc()
                self._post(job.run_id, "error", fault_message(exc, job))
            finally:
                with self._lock:
                    self._current = None
                    self._outbox.append((job.run_id, "state", "idle"))

    def _dataset(self, spec: DataSettings) -> Dataset:
        cached = self._datasets.get(spec)
        if cached is not None:
            return cached
        if spec.source == "csv" and not spec.csv_path:
            raise InputError("choose a CSV file first (Open… or drag one onto the window)")
        ds = build_dataset(spec)
        self._datasets = {spec: ds}  # keep one: big synthetic sets are hundreds of MB
        return ds

    def _prepare(self, job: _Job, spec: ModelSpec) -> Prepared:
        if self._prepared is not None and self._prepared.spec == spec:
            return self._prepared
        t0 = time.perf_counter()
        self._prepared = None
        ds = self._dataset(spec.data)
        problem = build_problem(ds, spec.model)
        # The Gram statistics behind alpha_max, cond and the contour take seconds on big
        # data: compute them here, never on the GUI thread.
        alpha_max = problem.alpha_max
        cond = problem.condition_number
        optimum = problem.gram_optimum()
        w_s = optimum[: problem.n]
        optimum_cost = problem.cost(w_s, float(optimum[problem.n]) if problem.intercept else 0.0)
        prep = Prepared(spec, ds, problem, alpha_max, cond, optimum, time.perf_counter() - t0,
                        optimum_cost)
        self._prepared = prep
        return prep

    def _do(self, job: _Job) -> None:
        if job.kind == "prepare":
            prep = self._prepare(job, job.spec)
            if not job.cancel.is_set():
                self._post(job.run_id, "prepared", prep)
            return
        spec: RunSpec = job.spec
        prep = self._prepare(job, spec.problem)
        self._post(job.run_id, "prepared", prep)
        if job.cancel.is_set():
            return
        self._post(job.run_id, "state", "paused" if job.paused else "running")
        options: dict[str, Any] = {"cancel": job.cancel}
        run = spec.run
        if run.solver in ("gd", "gd-loop"):
            options.update(alpha=run.alpha, iterations=run.iterations,
                           tolerance=run.tolerance, report_every=report_every_for(
                               run.iterations))
            if spec.w0 is not None:
                options.update(w0=np.asarray(spec.w0, np.float64), b0=spec.b0)
        job.device = getattr(prep.problem, "device", spec.problem.model.device)
        for snap in run_solver(prep.problem, run.solver, **options):
            job.last_snapshot = snap
            self._post(job.run_id, "snapshot", snap)
            if snap.final:
                self._post(job.run_id, "finished", snap)
                return
            self._wait_if_paused(job)
        # A generator that ends without a final snapshot does not happen in core; be safe.
        self._post(job.run_id, "state", "idle")

    def _wait_if_paused(self, job: _Job) -> None:
        with self._lock:
            while job.paused and job.step_budget <= 0 and not job.cancel.is_set():
                self._lock.wait(0.1)
            if job.paused and job.step_budget > 0:
                job.step_budget -= 1

