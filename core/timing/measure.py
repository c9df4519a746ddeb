"""How one implementation is timed: warm-up and verification, repeats, row subsamples.

Measurement: a warm-up (its first call is the verified one; at least ``warmup_s`` of calls
when they are short), then ``repeats`` timed calls (each repeated to last at least 5 ms when
one call is shorter), reported as median, min and max. An implementation too slow for the
size is timed on its first k rows and its time scaled by m/k (each is linear in m).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.solvers.snapshot import CancelFlag
from core.timing.config import TOLERANCE, BenchConfig, Progress, check_cancel
from core.timing.reference import Parts, host_parts, relative_error
from core.timing.results import BenchResult

#: The kernels that read X once per step (the others read it twice).
ONE_READ = ("fused", "cupy")

# Calls shorter than this are repeated within one timing, so timer resolution does not count.
MIN_TIMING_S = 0.005


@dataclass
class Timed:
    """One implementation to time, with the vectorised result it must reproduce."""

    row: BenchResult
    call: Callable[[], Any]
    reference: Parts
    number: int = 1
    times: list[float] = field(default_factory=list)
    scale: float = 1.0
    #: Which thread pool runs it; consecutive items of one pool are timed round-robin.
    pool: str = ""


def time_call(call: Callable[[], Any], number: int) -> float:
    """Seconds per call of ``call``, averaged over ``number`` back-to-back calls."""
    t0 = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - t0) / number


def probe(call: Callable[[], Any], calls: int = 3) -> float:
    """Seconds of the fastest of a few calls on a small subsample (one stall must not decide
    that an implementation is too slow to run in full)."""
    best = math.inf
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return best


def rows_to_time(per_row_s: float, m: int, calls: int, budget_s: float, floor: int) -> int:
    """Rows to time so that ``calls`` calls fit in ``budget_s`` (all m when they do)."""
    if per_row_s <= 0 or per_row_s * m * calls <= budget_s:
        return m
    return max(min(floor, m), min(m, int(budget_s / (calls * per_row_s))))


def label_estimated(row: BenchResult, k: int) -> None:
    """Mark ``row`` as timed on ``k`` of its m rows (estimated) or in full."""
    row.estimated = k < row.m
    row.rows_timed = k
    row.label = f"estimated from {k:,} rows" if row.estimated else ""


def run_group(
    items: list[Timed],
    config: BenchConfig,
    cancel: CancelFlag | None,
    tick: Callable[[float, str], None],
) -> None:
    """Warm up (the first call is the verified one), then time ``repeats`` calls of each.

    Consecutive items of one thread pool (``vectorised`` and the textbook line, both BLAS) are timed
    round-robin, so a burst of load on a shared machine hits both alike. Items of different
    pools run one after the other instead: on a small machine the idle threads of one
    library spin for a while after a call and would slow the other library's next call.
    The warm-up lasts at least ``config.warmup`` calls and ``config.warmup_s`` seconds
    (when calls are short), which also lets the other pool's threads go to sleep.
    """
    batches: list[list[Timed]] = []
    for item in items:
        if batches and item.pool and batches[-1][-1].pool == item.pool:
            batches[-1].append(item)
        else:
            batches.append([item])
    total = max(len(items), 1)
    done = 0
    for batch in batches:
        for item in batch:
            check_cancel(cancel)
            tick(done / total, f"{variant(item.row)}: warm-up")
            t0 = time.perf_counter()
            value = item.call()
            first = time.perf_counter() - t0
            verify(item.row, value, item.reference, item.row.dtype)
            calls = 1
            while calls < config.warmup or (
                time.perf_counter() - t0 < config.warmup_s and first < config.warmup_s / 4
            ):
                check_cancel(cancel)
                item.call()
                calls += 1
            elapsed = (time.perf_counter() - t0) / calls
            item.number = max(1, math.ceil(MIN_TIMING_S / elapsed)) if elapsed > 0 else 1
        for r in range(config.repeats):
            for item in batch:
                check_cancel(cancel)
                tick(
                    (done + len(batch) * (r + 1) / (config.repeats + 1)) / total,
                    f"{variant(item.row)}: run {r + 1} of {config.repeats}",
                )
                item.times.append(time_call(item.call, item.number) * item.scale)
        for item in batch:
            finish_times(item.row, item.times)
        done += len(batch)


def finish_times(row: BenchResult, times: list[float]) -> None:
    """Median, min and max of the timed calls into ``row``."""
    row.seconds_median = statistics.median(times)
    row.seconds_min = min(times)
    row.seconds_max = max(times)
    row.repeats = len(times)


def verify(row: BenchResult, value: Any, reference: Parts, ref_dtype: str) -> None:
    """Compare a kernel's ``(∇w, ∂b, Σe²)`` with the vectorised kernel's (``reference``, as
    :func:`~core.timing.reference.host_parts` gives it) and set ``row.rel_error`` and
    ``row.verified``; float32 on either side gets the float32 tolerance."""
    row.rel_error = relative_error(host_parts(value), reference)
    tol = TOLERANCE["float32" if "float32" in (row.dtype, ref_dtype) else "float64"]
    row.verified = row.rel_error <= tol
    if not row.verified:
        row.note = (
            f"differs from the vectorised step by {row.rel_error:.2g} (relative), more than {tol:g}"
        )


def variant(row: BenchResult) -> str:
    """``vectorised (2 threads, float64, m=..., n=...)``: a row's name in progress texts."""
    where = f"{row.threads} thread{'s' if row.threads != 1 else ''}"
    if row.device == "gpu":
        where = "GPU"
    return f"{row.impl} ({where}, {row.dtype}, m={row.m:,}, n={row.n:,})"


def cost_model(row: BenchResult, itemsize: int) -> None:
    """FLOPs and the bytes a step must at least move, for GFLOP/s and GB/s."""
    m, n = row.m, row.n
    if row.impl == "gram":
        row.flops_per_step = 2.0 * n * n + 4.0 * n
        row.bytes_per_step = float(n * n * itemsize + 4 * n * itemsize)
        return
    passes = 1 if row.impl in ONE_READ else 2
    row.flops_per_step = 4.0 * m * n + 3.0 * m
    row.bytes_per_step = float(passes * m * n * itemsize + 2 * m * itemsize)


def new_row(
    impl: str, X: np.ndarray, threads: int, device: str = "cpu", dtype: str | None = None
) -> BenchResult:
    """An empty result row for ``impl`` on X's size, with its FLOP and byte counts."""
    row = BenchResult(impl, X.shape[0], X.shape[1], dtype or str(X.dtype), threads, device)
    row.rows_timed = X.shape[0]
    cost_model(row, np.dtype(row.dtype).itemsize)
    return row


def skipped_row(
    impl: str,
    X: np.ndarray,
    threads: int,
    reason: str,
    device: str = "cpu",
    dtype: str | None = None,
) -> BenchResult:
    """A row for ``impl`` that was not measured, with the reason."""
    row = new_row(impl, X, threads, device, dtype)
    row.skipped = True
    row.reason = reason
    return row


def probe_row_count(n: int, m: int) -> int:
    """A subsample small enough for the loop to run in a few milliseconds."""
    return max(1, min(m, 20_000 // max(n, 1)))


class ProgressSplitter:
    """Turns (task, fraction within it) into one overall fraction for the caller's callback."""

    def __init__(self, callback: Progress | None, total: float) -> None:
        self.callback = callback
        self.total = max(total, 1.0)
        self.done = 0.0

    def tick(self, fraction: float, text: str) -> None:
        """Report ``fraction`` (0..1) of the current task done."""
        if self.callback is not None:
            self.callback(min(1.0, (self.done + min(max(fraction, 0.0), 1.0)) / self.total), text)

    def advance(self, text: str = "") -> None:
        """Finish the current task; optionally report what comes next."""
        self.done += 1
        if text:
            self.tick(0.0, text)
