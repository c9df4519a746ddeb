"""The exploration worker: prepare a problem or run a solver, off the GUI thread, with run ids.

Built on the one background runner (:mod:`gui_app.runner`): one job at a time on one
long-lived thread, a new job cancels the previous one, late events of older runs are dropped,
delivery is batched at ~30 Hz. This module adds what is specific to exploring: the prepare and
run jobs, the prepared-problem cache, the GPU probe, the fault messages, and the translation of
runner events into Qt signals (the snapshots of one delivery become one batch, so the plots
redraw at most ~30 times a second and no snapshot is lost).

A race (issue 11) is one job too: :class:`RaceSpec` runs :func:`core.solvers.race.race_rounds`
as a generator that yields after each round, so a paused race waits between rounds; its
rounds arrive as ``race_snapshots`` batches of (racer index, snapshot) and it ends with
``race_finished`` (each racer's final snapshot).

Paused runs are stepped exactly: the solver's ``pace`` hook asks the job how many iterations
to run before the next snapshot, and a paused job answers from its step budget, counted in
iterations (Step 1 is one iteration, Step ×10 ten, whatever the snapshot interval).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.backend import GpuStatus, gpu_status
from core.builder import build_dataset, build_problem
from core.data.datasets import Dataset
from core.errors import InputError
from core.model.problem import Problem
from core.settings import DataSettings, ModelSettings, RunSettings
from core.solvers import GD_SOLVERS, ITERATIVE_OPTIONS, Snapshot, run_solver
from core.solvers.race import race_rounds
from gui_app.explore.sweep_job import SWEEP_PROGRESS, SweepOutcome, SweepSpec, run_sweep
from gui_app.runner import (
    ENDED,
    FAILED,
    PAUSED,
    RESULT,
    SHUTDOWN_TIMEOUT_S,
    Event,
    Job,
    Runner,
)

THREAD_NAME = "gdx-worker"


@dataclass(frozen=True)
class ModelSpec:
    """What defines a prepared problem: the data and the model settings (a cache key)."""

    data: DataSettings = field(default_factory=DataSettings)
    model: ModelSettings = field(default_factory=ModelSettings)


@dataclass(frozen=True, kw_only=True)
class StartSpec:
    """Where and how a run or a race starts (keyword-only fields of :class:`RunSpec` and
    :class:`RaceSpec`): the start point, paused or not, and the first step budget."""

    w0: tuple[float, ...] | None = None
    b0: float | None = None
    start_paused: bool = False
    step_budget: int = 0
    # The parameter names the start point (w0, b0) was chosen for: when the problem turns out
    # to have other parameters, the run starts at zero (as the controller then shows).
    start_for: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RunSpec(StartSpec):
    """One solver run: the problem, the run settings, and where and how it starts."""

    problem: ModelSpec
    run: RunSettings = field(default_factory=RunSettings)


@dataclass(frozen=True)
class RaceSpec(StartSpec):
    """A race (issue 11): the problem, one RunSettings per racer, and the one start point
    and pause state they all share (as :class:`RunSpec` has them)."""

    problem: ModelSpec
    runs: tuple[RunSettings, ...] = ()


@dataclass(frozen=True)
class RaceResult:
    """How a race ended: each racer's final snapshot (None for one that never reported)."""

    finals: tuple[Snapshot | None, ...]


def solver_options(run: RunSettings) -> dict[str, Any]:
    """The options of ``run`` that :func:`core.solvers.run_solver` takes (none for the normal
    equation), with the snapshot interval of :func:`report_every_for`."""
    if run.solver not in GD_SOLVERS:
        return {}
    return dict(
        alpha=run.alpha,
        iterations=run.iterations,
        tolerance=run.tolerance,
        report_every=report_every_for(run.iterations),
        **{key: getattr(run, key) for key in ITERATIVE_OPTIONS},
    )


def start_options(spec: StartSpec, problem: Problem) -> dict[str, Any]:
    """``w0``, ``b0`` of ``spec`` when its start point was chosen for ``problem``'s
    parameters; none (zeros) otherwise."""
    if spec.w0 is not None and (
        spec.start_for is None or tuple(problem.parameter_names) == tuple(spec.start_for)
    ):
        return {"w0": np.asarray(spec.w0, np.float64), "b0": spec.b0}
    return {}


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


def file_stamp(data: DataSettings) -> tuple[int, int] | None:
    """The data file's (size in bytes, modification time in ns), None for no file or one
    that cannot be stat'ed (deleted): the part of a cache key that notices a changed file."""
    if data.source != "csv" or not data.csv_path:
        return None
    try:
        st = os.stat(data.csv_path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def report_every_for(iterations: int) -> int:
    """Snapshot interval: every iteration, unless that would keep more than ~20,000."""
    return max(1, iterations // 20_000)


def _is_gpu_fault(exc: BaseException, device: str) -> bool:
    """A CuPy/CUDA failure (out of GPU memory, device lost, driver error)?"""
    kind = type(exc)
    text = f"{kind.__name__} {exc}".lower()
    return (
        kind.__module__.startswith(("cupy", "cupy_backends"))
        or "cuda" in text
        or "outofmemory" in text
        or (device == "gpu" and isinstance(exc, MemoryError))
    )


def fault_message(job: Job, exc: BaseException) -> str:
    """The window's message for an exception that ended ``job``: what happened, how far the
    run got (its history so far stays on screen) and what to do next."""
    snap: Snapshot | None = job.notes.get("last_snapshot")
    device = job.notes.get("device", "cpu")
    done = ""
    if snap is not None:
        done = (
            f" after {snap.iteration:,} iterations; the {snap.iteration:,} iterations "
            "done so far are kept in the plots"
        )
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if _is_gpu_fault(exc, device):
        oom = (
            isinstance(exc, MemoryError)
            or "outofmemory" in what.lower().replace(" ", "")
            or "out of memory" in what.lower()
        )
        head = "The GPU ran out of memory" if oom else "The GPU failed"
        return (
            f"{head}{done or ' before the first iteration'} ({what}). Choose Device → "
            "CPU (NumPy) and run again" + (", or use fewer rows or columns." if oom else ".")
        )
    if isinstance(exc, MemoryError):
        return (
            f"Not enough memory for this request{done}; use fewer rows or columns "
            "(or a lower polynomial degree)."
        )
    return f"Internal error ({what}){done}. The window stays usable; please report this."


class RunWorker(QObject):
    """Prepares problems and runs solvers on one background thread (or inline with
    ``sync=True``, for tests); emits results on the GUI thread.

    Every signal carries the run id of the job it belongs to; events of a job that has been
    replaced are dropped before they are emitted. Each job ends with
    ``state_changed(id, "idle")``; pausing says ``"paused"``, resuming ``"running"``.
    """

    prepared = Signal(int, object)  # run id, Prepared
    snapshots = Signal(int, object)  # run id, list[Snapshot] (a batch, oldest first)
    finished = Signal(int, object)  # run id, final Snapshot
    # a race's job id, list[(racer index, Snapshot)] (a batch, oldest first; a racer's
    # final snapshot, ``snap.final``, is its last)
    race_snapshots = Signal(int, object)
    race_finished = Signal(int, object)  # race's job id, list[Snapshot | None] (each racer's final)
    failed = Signal(int, str)  # run id, user-ready message
    state_changed = Signal(int, str)  # run id, "running" | "paused" | "idle"
    gpu_probed = Signal(object)  # GpuStatus
    sweep_progress = Signal(int, object)  # job id, (kind, done, total) of a sweep (issue 12)
    sweep_finished = Signal(int, object)  # job id, sweep_job.SweepOutcome

    def __init__(self, parent: QObject | None = None, *, sync: bool = False) -> None:
        super().__init__(parent)
        # The caches are touched only by the job functions (the runner's thread).
        # keyed on the settings and the file's stamp (size, mtime): a file changed on disk
        # (or deleted) is read again, not shown from the cache
        self._datasets: dict[tuple[DataSettings, Any], Dataset] = {}
        self._prepared: Prepared | None = None
        self._prepared_stamp: Any = None
        self._runner = Runner(
            self._deliver,
            name=THREAD_NAME,
            sync=sync,
            describe_error=fault_message,
            on_start=self._probe,
            lower_priority=True,
            parent=self,
        )

    # -- GUI-thread API --------------------------------------------------------------------
    @property
    def latest_run_id(self) -> int:
        """The id of the job submitted last."""
        return self._runner.latest_id

    def is_busy(self) -> bool:
        """A job is running, paused or queued."""
        return self._runner.is_busy()

    def is_paused(self) -> bool:
        """The current run is paused."""
        return self._runner.is_paused()

    def thread_alive(self) -> bool:
        """The worker thread runs (it survives any failure of a job)."""
        return self._runner.thread_alive()

    def submit(self, kind: str, spec: Any) -> int:
        """Queue a job ("prepare" a ModelSpec, "run" a RunSpec or "race" a RaceSpec),
        cancelling the current one; returns its run id."""
        if kind == "prepare":
            return self._runner.submit(self._prepare_job, spec)
        if kind not in ("run", "race"):
            raise ValueError(f"unknown job kind {kind!r}; use 'prepare', 'run' or 'race'")
        return self._runner.submit(
            self._run_job if kind == "run" else self._race_job,
            spec,
            pausable=True,
            paused=spec.start_paused,
            step_budget=spec.step_budget,
        )

    def submit_sweep(self, spec: SweepSpec) -> int:
        """Queue a degree sweep or regularisation path (:mod:`gui_app.explore.sweep_job`),
        cancelling the current job; returns its id."""
        return self._runner.submit(run_sweep, spec)

    def stop(self) -> None:
        """Cancel whatever is running or queued (a run ends with a "cancelled" snapshot)."""
        self._runner.stop()

    def set_paused(self, paused: bool) -> None:
        """Pause or resume the current run (``state_changed`` follows)."""
        self._runner.set_paused(paused)

    def step(self, count: int) -> bool:
        """Let a paused run take exactly ``count`` more iterations; False when no run is
        paused."""
        return self._runner.step(count)

    def set_speed(self, steps_per_second: float | None) -> None:
        """Run at ``steps_per_second`` (one iteration a snapshot), or as fast as possible
        (None or 0); see :meth:`gui_app.runner.Runner.set_speed`."""
        self._runner.set_speed(steps_per_second)

    def run_spec(self, run_id: int) -> RunSpec | None:
        """The RunSpec run ``run_id`` was submitted with (recent runs only), None otherwise."""
        spec = self._runner.spec_of(run_id)
        return spec if isinstance(spec, RunSpec) else None

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> bool:
        """Cancel everything and join the thread for at most ``timeout`` seconds (the window
        calls this when it closes); False when a prepare stuck in an uninterruptible step was
        abandoned (see :meth:`gui_app.runner.Runner.shutdown`)."""
        return self._runner.shutdown(timeout)

    def drain(self) -> None:
        """Emit the events that arrived since the last drain (GUI thread, ~30 Hz)."""
        self._runner.drain()

    def probe_gpu(self) -> None:
        """Probe CuPy on the worker thread (importing it may take a while); ``gpu_probed``
        follows."""
        self._runner.start()

    def _deliver(self, events: list[Event]) -> None:
        batch: list[Snapshot] = []
        racing: list[tuple[int, Snapshot]] = []
        batch_id = 0

        def flush() -> None:
            nonlocal batch, racing
            if batch:
                self.snapshots.emit(batch_id, batch)
            if racing:
                self.race_snapshots.emit(batch_id, racing)
            batch, racing = [], []

        for event in events:
            if self._runner.is_stale(event):
                continue  # a slot submitted a new job meanwhile: the rest is history
            run_id, kind, payload = event.job_id, event.kind, event.payload
            if kind == "snapshot":
                batch.append(payload)
                batch_id = run_id
                continue
            if kind == "race":  # one round of a race: (racer index, snapshot) pairs
                racing.extend(payload)
                batch_id = run_id
                continue
            flush()
            if kind == "gpu":
                self.gpu_probed.emit(payload)
            elif kind == "prepared":
                self.prepared.emit(run_id, payload)
            elif kind == SWEEP_PROGRESS:
                self.sweep_progress.emit(run_id, payload)
            elif kind == RESULT and isinstance(payload, SweepOutcome):
                self.sweep_finished.emit(run_id, payload)
            elif kind == RESULT and isinstance(payload, RaceResult):
                self.race_finished.emit(run_id, list(payload.finals))
            elif kind == RESULT:
                self.finished.emit(run_id, payload)
            elif kind == FAILED:
                self.failed.emit(run_id, payload)
            elif kind == "state":
                self.state_changed.emit(run_id, payload)
            elif kind == PAUSED:
                self.state_changed.emit(run_id, "paused" if payload else "running")
            elif kind == ENDED:
                self.state_changed.emit(run_id, "idle")
        flush()

    # -- jobs (the runner's thread) ----------------------------------------------------------
    @staticmethod
    def _probe(post: Callable[[str, Any], None]) -> None:
        status: GpuStatus = gpu_status()
        post("gpu", status)

    def _dataset(self, spec: DataSettings) -> Dataset:
        key = (spec, file_stamp(spec))
        cached = self._datasets.get(key)
        if cached is not None:
            return cached
        if spec.source == "csv" and not spec.csv_path:
            raise InputError("choose a CSV file first (Open… or drag one onto the window)")
        self._datasets = {}  # keep one: big synthetic sets are hundreds of MB
        ds = build_dataset(spec)
        self._datasets = {key: ds}
        return ds

    def _prepare(self, job: Job, spec: ModelSpec) -> Prepared | None:
        """The prepared problem of ``spec`` (cached), or None when ``job`` was cancelled on
        the way: every stage checks, so a close waits for one stage at most."""
        stamp = file_stamp(spec.data)
        if (
            self._prepared is not None
            and self._prepared.spec == spec
            and self._prepared_stamp == stamp
        ):
            return self._prepared
        t0 = time.perf_counter()
        self._prepared = None
        self._prepared_stamp = stamp
        ds = self._dataset(spec.data)
        if job.cancelled:
            return None
        problem = build_problem(ds, spec.model, seed=spec.data.seed)
        # The Gram statistics behind alpha_max, cond and the contour take seconds on big
        # data: compute them here, never on the GUI thread.
        if job.cancelled:
            return None
        alpha_max = problem.alpha_max
        cond = problem.condition_number
        if job.cancelled:
            return None
        optimum = problem.gram_optimum()
        w_s = optimum[: problem.n]
        optimum_cost = problem.cost(w_s, float(optimum[problem.n]) if problem.intercept else 0.0)
        prep = Prepared(
            spec, ds, problem, alpha_max, cond, optimum, time.perf_counter() - t0, optimum_cost
        )
        self._prepared = prep
        return prep

    def _prepare_job(self, job: Job) -> None:
        prep = self._prepare(job, job.spec)
        if prep is not None and not job.cancelled:
            job.emit("prepared", prep)

    def _announce(self, job: Job, spec: RunSpec | RaceSpec) -> Prepared | None:
        """Prepare the problem of a run or race job and announce it (``prepared``, then
        ``state``); None when preparing failed or the job was cancelled meanwhile."""
        job.notes["device"] = spec.problem.model.device
        prep = self._prepare(job, spec.problem)
        if prep is None:
            return None
        job.emit("prepared", prep)
        if job.cancelled:
            return None
        job.emit("state", "paused" if job.paused else "running")
        return prep

    def _run_job(self, job: Job) -> Generator[None, None, Snapshot | None]:
        """A generator: each ``yield`` follows a snapshot and is where a paused run waits."""
        spec: RunSpec = job.spec
        prep = self._announce(job, spec)
        if prep is None:
            return None
        options: dict[str, Any] = {"cancel": job.cancel, **solver_options(spec.run)}
        run = spec.run
        if run.solver in GD_SOLVERS:
            options.update(pace=job.pace, **start_options(spec, prep.problem))
        job.notes["device"] = getattr(prep.problem, "device", spec.problem.model.device)
        for snap in run_solver(prep.problem, run.solver, **options):
            job.notes["last_snapshot"] = snap
            job.emit("snapshot", snap)
            if snap.final:
                return snap  # the runner posts it as the result: finished, then idle
            yield
        return None  # a solver that ends without a final snapshot does not happen in core

    def _race_job(self, job: Job) -> Generator[None, None, RaceResult | None]:
        """A race as one generator job: each ``yield`` follows a round (every racer's next
        snapshot), so a paused race waits between rounds and Step advances all racers."""
        spec: RaceSpec = job.spec
        prep = self._announce(job, spec)
        if prep is None:
            return None
        job.notes["device"] = getattr(prep.problem, "device", spec.problem.model.device)
        entries = [(run.solver, solver_options(run)) for run in spec.runs]
        finals: list[Snapshot | None] = [None] * len(entries)
        start = start_options(spec, prep.problem)
        for batch in race_rounds(prep.problem, entries, cancel=job.cancel, pace=job.pace, **start):
            for i, snap in batch:
                job.notes["last_snapshot"] = snap
                if snap.final:
                    finals[i] = snap
            job.emit("race", batch)
            if all(final is not None for final in finals):
                break
            yield
        return RaceResult(tuple(finals))
