"""The timing lab's dask rows: the dask engine's own step and Gram pass on a local cluster.

The same X, y as the other rows are split in row chunks (``[X | y]`` in float64, target last,
as :mod:`core.cluster.data` gives them) and scattered to a ``distributed.LocalCluster`` of N
single-threaded workers, where they stay. Three rows per size, each checked against the
vectorised step (:func:`core.timing.reference.reference_step`):

``dask``         one step as the engine computes it (:class:`core.cluster.steps.ChunkedSteps`:
                 one task per chunk, ``chunk_step``, summed by ``total`` in a tree on the
                 workers); beside its time, that of a step of empty tasks of the same shape
                 (the scheduler's share: per-task overhead times tasks).
``dask-gram``    the Gram form's one pass (:func:`core.cluster.statistics.gram_pass`), timed
                 apart as its precompute, then a step from the statistics, O(n²), here.
``one-process``  the same ``chunk_step`` over the same chunks, one after the other in this
                 process at the cluster's thread count: what the cluster must beat. It is
                 timed right after ``dask``, after a warm-up of its own (round-robin, the
                 workers' spinning threads slowed it about 3x).

The cluster's start-up and the scatter of the chunks are timed apart, never inside a step.
dask is imported only here, and only when the rows are asked for; without the extra the rows
are skipped with :func:`core.cluster.missing`'s reason.
"""

from __future__ import annotations

import contextlib
import logging
import math
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from core.cluster.gram_problem import GramProblem
from core.cluster.statistics import gram_pass
from core.cluster.steps import FAN_IN, ChunkedSteps, chunk_step, reduce_on_cluster, total
from core.model.scaling import Scaler
from core.solvers.snapshot import CancelFlag
from core.timing import machine
from core.timing.config import DASK_ROWS, BenchConfig, check_cancel
from core.timing.measure import ProgressSplitter, Timed, new_row, run_group, skipped_row
from core.timing.reference import Parts
from core.timing.results import BenchResult

#: Row chunks per worker when ``dask_chunk_rows`` is not given.
CHUNKS_PER_WORKER = 4
#: How much faster (one-process time / dask time) the cluster's step must be to "beat" one
#: process: differences within 10 % are within the noise of a shared machine.
WIN_RATIO = 1.1
#: Calls of the empty step whose median is the scheduler's share of a step.
_OVERHEAD_CALLS = 7


@dataclass
class DaskLab:
    """The cluster the rows run on: its client, its description (``core.cluster.engine
    .describe``, with ``start_s``), or the reason there is none (``why``)."""

    client: Any = None
    about: dict[str, Any] = field(default_factory=dict)
    why: str = ""


@contextlib.contextmanager
def cluster(config: BenchConfig) -> Iterator[DaskLab]:
    """A LocalCluster of ``config.dask_workers`` single-threaded workers (default: one per
    core), closed on leaving, or the existing cluster at ``config.dask_scheduler``; a
    :class:`DaskLab` with ``why`` set when the extra is missing. Its start-up (or
    connection) time is ``about["start_s"]``. InputError when the scheduler cannot be
    reached."""
    from core.cluster import missing

    why = missing()
    if why:
        yield DaskLab(why=why)
        return
    if config.dask_scheduler is not None:
        from core.cluster.engine import connect

        with connect(config.dask_scheduler) as (client, about):
            yield DaskLab(client, {**about, "processes": True})
        return
    from distributed import Client, LocalCluster

    from core.cluster.engine import describe

    logging.getLogger("distributed").setLevel(logging.ERROR)
    workers = config.dask_workers or machine.cpu_count()
    t0 = time.perf_counter()
    try:
        local = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=config.dask_processes,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        )
        client = Client(local)
    except (OSError, RuntimeError, TimeoutError) as exc:  # no ports, no processes
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        yield DaskLab(why=f"the local Dask cluster did not start ({type(exc).__name__}: {first})")
        return
    try:
        about = describe(client, "local")
        about["start_s"] = time.perf_counter() - t0
        about["processes"] = config.dask_processes
        yield DaskLab(client, about)
    finally:
        client.close()
        local.close()


def _empty_step(block: Any, w: np.ndarray, b: float) -> np.ndarray:
    """A task of a step's shape that does no work: ``[0 (n), 0, 0]``."""
    return np.zeros(w.size + 2)


class _FreshW:
    """w for each call of one row: exactly ``w`` the first call (the verified one), then ``w``
    moved by a few units in the last place, a new vector each call. The engine's tasks are
    pure: a step asked again with the same w could be answered from the cluster's memory
    instead of computed, which would time nothing."""

    def __init__(self, w: np.ndarray) -> None:
        self.w, self.calls = w, 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        if self.calls == 1:
            return self.w
        return self.w * (1.0 + self.calls * 2.0**-50)


@dataclass
class _Unscaled:
    """The problem ChunkedSteps reads, with the identity scaling: its step is then the
    step in original units, ``(Xᵀe/m, Σe/m, Σe²)``, as the reference gives it."""

    m: int
    n: int
    intercept: bool = True
    scaler: Scaler = field(init=False)

    def __post_init__(self) -> None:
        self.scaler = Scaler("none", np.zeros(self.n), np.ones(self.n))


def chunk_rows(config: BenchConfig, m: int, workers: int) -> int:
    """Rows per chunk: ``config.dask_chunk_rows``, else m split in CHUNKS_PER_WORKER chunks
    per worker."""
    if config.dask_chunk_rows:
        return max(1, min(m, config.dask_chunk_rows))
    return max(1, math.ceil(m / (CHUNKS_PER_WORKER * max(workers, 1))))


def dask_rows(
    lab: DaskLab,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    config: BenchConfig,
    reference: Parts,
    cancel: CancelFlag | None,
    prog: ProgressSplitter,
) -> list[BenchResult]:
    """The ``dask``, ``dask-gram`` and ``one-process`` rows of one size (skipped rows with
    the reason when the extra is missing)."""
    if lab.client is None:
        return [skipped_row(impl, X, 1, lab.why) for impl in DASK_ROWS]
    client, about = lab.client, lab.about
    m, n = X.shape
    threads = int(about["threads"])
    rows_each = chunk_rows(config, m, int(about["workers"]))
    starts = range(0, m, rows_each)
    blocks = [
        np.column_stack([X[s : s + rows_each], y[s : s + rows_each]]).astype(np.float64)
        for s in starts
    ]
    check_cancel(cancel)
    prog.tick(0.0, f"dask (m={m:,}, n={n:,}): sending {len(blocks)} chunks to the workers")
    t0 = time.perf_counter()
    parts = client.scatter(blocks, broadcast=False)
    scatter_s = time.perf_counter() - t0
    # memory_limit 0: the chunks are in the workers' memory already (scattered), not re-read
    steps = ChunkedSteps(client, parts, cast(GramProblem, _Unscaled(m, n)), 0, 0)
    w64 = np.asarray(w, np.float64)
    fresh_there, fresh_here = _FreshW(w64), _FreshW(w64)

    def on_cluster() -> tuple[np.ndarray, float, float]:
        return steps(fresh_there(), b)

    def one_process() -> tuple[np.ndarray, float, float]:
        w_call = fresh_here()
        sums = total(*(chunk_step(block, w_call, b) for block in blocks))
        return sums[:n] / m, float(sums[n]) / m, float(sums[n + 1])

    where = (
        f"{about['workers']} worker{'s' if about['workers'] != 1 else ''} × "
        f"{threads // max(int(about['workers']), 1)} thread, {len(blocks)} chunks of "
        f"{rows_each:,} rows"
    )
    dask_row = _row("dask", X, threads, config, about, rows_each, scatter_s)
    local_row = _row("one-process", X, threads, config, about, rows_each, None)
    local_row.note = f"the same {len(blocks)} chunks stepped one after another here"
    items = [
        Timed(dask_row, on_cluster, reference, pool="dask"),
        # a pool of its own: timed after the cluster's calls and its own warm-up, not
        # round-robin with them (the workers' threads, still spinning after a step, slowed
        # an interleaved one-process step about 3x: run_group's rule for two libraries)
        Timed(local_row, one_process, reference, pool="one-process"),
    ]
    with machine.limit_threads(threads):
        run_group(items, config, cancel, prog.tick)
    dask_row.overhead_seconds = _empty_step_seconds(client, parts, w64, b, cancel)
    dask_row.tasks_per_step = _tasks(len(blocks))
    dask_row.note = (
        f"{where}; {dask_row.tasks_per_step} tasks a step, "
        f"{dask_row.overhead_seconds * 1e3:.3g} ms of it scheduling (empty tasks)"
    )
    gram = _gram_row(client, parts, X, w64, b, config, about, rows_each, reference, cancel)
    gram.note = f"{where}; one pass, then each step here"
    prog.tick(1.0, f"dask (m={m:,}, n={n:,}): done")
    return [dask_row, gram, local_row]


def _row(
    impl: str,
    X: np.ndarray,
    threads: int,
    config: BenchConfig,
    about: dict[str, Any],
    rows_each: int,
    scatter_s: float | None,
) -> BenchResult:
    row = new_row(impl, X, threads, dtype=config.dtype)
    row.workers = int(about["workers"])
    row.chunk_rows = rows_each
    row.startup_seconds = float(about["start_s"])
    row.transfer_seconds = scatter_s
    return row


def _tasks(chunks: int, fan_in: int = FAN_IN) -> int:
    """Tasks of one step: a task per chunk and the tree of sums (as ChunkedSteps adds them)."""
    count, level = chunks, chunks
    while level > 1:
        level = math.ceil(level / fan_in)
        count += level
    return count


def _empty_step_seconds(
    client: Any, parts: list[Any], w: np.ndarray, b: float, cancel: CancelFlag | None
) -> float:
    """Median seconds of a step of empty tasks, the same graph as a step: the scheduler's
    share (submitting, scheduling and gathering the tasks), the work left out."""
    import dask

    times = []
    for call in range(_OVERHEAD_CALLS + 1):
        check_cancel(cancel)
        t0 = time.perf_counter()
        # impure: fresh keys each call, so nothing of an earlier call is reused (the sums'
        # keys follow from theirs)
        level = [dask.delayed(_empty_step, pure=False)(p, w, b) for p in parts]
        reduce_on_cluster(client, level, "", "an empty step")
        if call:  # the first call is a warm-up
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _gram_row(
    client: Any,
    parts: list[Any],
    X: np.ndarray,
    w: np.ndarray,
    b: float,
    config: BenchConfig,
    about: dict[str, Any],
    rows_each: int,
    reference: Parts,
    cancel: CancelFlag | None,
) -> BenchResult:
    """The Gram form's pass on the cluster (timed apart), then its step here."""
    n = X.shape[1]
    row = _row("dask-gram", X, 1, config, about, rows_each, None)
    row.flops_per_step = 2.0 * n * n + 4.0 * n
    row.bytes_per_step = float(n * n * 8 + 4 * n * 8)
    check_cancel(cancel)
    t0 = time.perf_counter()
    stats = gram_pass(client, parts, "")
    row.precompute_seconds = time.perf_counter() - t0
    form = GramProblem(stats, [f"x{j}" for j in range(n)], scaling="none").form
    kernel = form.kernel(True)
    with machine.limit_threads(1):
        run_group([Timed(row, lambda: kernel(w, b), reference)], config, cancel, lambda f, t: None)
    return row


def crossover(report_rows: list[BenchResult], cores: int) -> dict[str, Any]:
    """Where the cluster's step beats the one-process step: per size, the ratio
    one-process / dask (at least :data:`WIN_RATIO`: the cluster wins), the smallest m from
    which it wins at every larger m (None if never), and a sentence saying so, or why not
    (the scheduling measured with empty tasks, and the cores)."""
    pairs: dict[tuple[int, int], dict[str, BenchResult]] = {}
    for r in report_rows:
        if r.impl in ("dask", "one-process") and r.seconds_median and not r.skipped:
            pairs.setdefault((r.m, r.n), {})[r.impl] = r
    ratios = {
        size: p["one-process"].seconds_median / p["dask"].seconds_median
        for size, p in sorted(pairs.items())
        if len(p) == 2 and p["one-process"].seconds_median and p["dask"].seconds_median
    }
    if not ratios:
        return {}
    sizes = sorted(ratios)
    wins_from = None
    for size in reversed(sizes):
        if ratios[size] < WIN_RATIO:
            break
        wins_from = size
    top = pairs[sizes[-1]]["dask"]
    last = ratios[sizes[-1]]
    overhead = top.overhead_seconds or 0.0
    share = overhead / (top.seconds_median or math.inf)
    per_task = overhead / max(top.tasks_per_step or 1, 1)
    if wins_from is not None:
        text = (
            f"the cluster's step beats one process from m={wins_from[0]:,} "
            f"(n={wins_from[1]:,}) on: {last:.2g}x at m={sizes[-1][0]:,}"
        )
    else:
        verdict = "ties with" if last > 1 / WIN_RATIO else "never beat"
        scheduling = (
            f"each step pays {overhead * 1e3:.3g} ms of scheduling ({per_task * 1e3:.2g} ms "
            f"a task, {share:.0%} of the step)"
        )
        if (top.threads or 0) <= cores:
            why = (
                f"{top.workers or 0} workers on {cores} cores cannot do more work at once "
                f"than one process's threads, and {scheduling}; a cluster wins with more "
                "cores than one machine has"
            )
        else:
            why = (
                f"its {top.threads} threads did not make up, in this range, for the "
                f"chunks' work split {top.workers or 0} ways when {scheduling}; a larger "
                "m may"
            )
        upto = "up to" if len(sizes) > 1 else "at"
        text = (
            f"the cluster's step {verdict} one process {upto} m={sizes[-1][0]:,} "
            f"({last:.2g}x there): {why}"
        )
    return {
        "ratio_one_process_over_dask": {f"{m}x{n}": v for (m, n), v in ratios.items()},
        "cluster_wins_from_m": wins_from[0] if wins_from else None,
        "overhead_seconds": overhead,
        "overhead_per_task_seconds": per_task,
        "text": text,
    }
