"""The GPU rows: the registry's two GPU kernels, float32 and float64 — ``vectorised`` on
CuPy arrays (two matrix-vector products, X read twice) and ``cupy`` (one CUDA kernel that
reads X once), the latter judged against the time one read of X takes at the device's
measured bandwidth (:func:`core.timing.report.rates`).

Both are what a run on the GPU device calls: ``prepare(name, X on the device, y)``. The copy
of X to the device and each kernel's first call (compilation) are timed apart; the device is
synchronised around every timing (CUDA events), as DESIGN.md §6 asks.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from core.backend import check_fits, format_bytes, gpu_status
from core.errors import InputError
from core.solvers import implementations
from core.solvers.snapshot import CancelFlag
from core.timing.config import BenchConfig, check_cancel
from core.timing.measure import (
    MIN_TIMING_S,
    ProgressSplitter,
    finish_times,
    new_row,
    skipped_row,
    verify,
)
from core.timing.reference import Parts
from core.timing.results import BenchResult

#: The dtypes each GPU kernel is timed in.
GPU_DTYPES = ("float32", "float64")
#: The registry's kernels that run on CuPy arrays, in the order they are timed.
GPU_IMPLS = ("vectorised", "cupy")


def gpu_rows(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    config: BenchConfig,
    cancel: CancelFlag | None,
    prog: ProgressSplitter,
    reference: Parts,
    gpu_block: dict[str, Any],
) -> list[BenchResult]:
    """The vectorised and cupy kernels on the GPU, float32 and float64, each verified against
    the host's vectorised ``reference``; without a usable GPU, skipped ``cupy`` rows with
    the reason."""
    status = gpu_status()
    if not status.available:
        return [skipped_row("cupy", X, 0, status.reason, "gpu", dt) for dt in GPU_DTYPES]
    import cupy as cp

    m, n = X.shape
    need = X.nbytes + m * n * 4 + (m * n * 8 if X.dtype != np.float64 else 0) + 8 * m * 8
    check_fits(need, "gpu", f"the {m:,} x {n:,} matrix in float32 and float64 on the GPU")
    prog.tick(0.0, f"GPU (m={m:,}, n={n:,}): copying X to the GPU")
    check_cancel(cancel)
    cp.cuda.Device().synchronize()
    t0 = time.perf_counter()
    X_d = cp.asarray(X)
    y_d = cp.asarray(y)
    cp.cuda.Device().synchronize()
    transfer = time.perf_counter() - t0
    if gpu_block.get("read_bandwidth_gbps") is None:
        gpu_block["read_bandwidth_gbps"] = _gpu_read_bandwidth(cp, X_d, config.repeats)
        gpu_block["read_bandwidth_method"] = (
            f"sum of the {format_bytes(X_d.nbytes)} matrix on the device, best of "
            f"{max(config.repeats, 5)}"
        )
    rows = []
    try:
        for dt in GPU_DTYPES:
            Xg = X_d if dt == str(X.dtype) else X_d.astype(dt)
            yg = y_d if dt == str(X.dtype) else y_d.astype(dt)
            wg = cp.asarray(w, dtype=dt)
            for impl in GPU_IMPLS:
                check_cancel(cancel)
                row = _time_kernel(cp, impl, dt, X, Xg, yg, wg, b, config, cancel, reference)
                if not row.skipped:
                    row.transfer_seconds = transfer
                    row.note = (
                        f"X ({format_bytes(X.nbytes)}, {X.dtype}) copied to the GPU in "
                        f"{transfer:.3g} s, not counted"
                    )
                    median = (row.seconds_median or 0.0) * 1e3
                    prog.tick(0.5, f"{impl} on the GPU, {dt}: {median:.3g} ms")
                rows.append(row)
            del Xg, yg
    finally:
        del X_d, y_d
        with contextlib.suppress(Exception):
            cp.get_default_memory_pool().free_all_blocks()
    if gpu_block.get("peak_bandwidth_gbps") is None:
        gpu_block["peak_bandwidth_gbps"] = _gpu_peak_bandwidth(cp)
    peak = gpu_block.get("peak_bandwidth_gbps")
    for row in rows:
        if peak and row.seconds_median:
            row.peak_fraction = row.bytes_per_step / row.seconds_median / 1e9 / peak
    return rows


def _time_kernel(
    cp: Any,
    impl: str,
    dtype: str,
    X: np.ndarray,
    Xg: Any,
    yg: Any,
    wg: Any,
    b: float,
    config: BenchConfig,
    cancel: CancelFlag | None,
    reference: Parts,
) -> BenchResult:
    """One GPU row: prepare and first call timed apart (``compile_seconds``), the result
    verified, then device-timed calls; skipped with the reason when the registry refuses."""
    row = new_row(impl, X, 0, "gpu", dtype)
    t0 = time.perf_counter()
    try:
        kernel = implementations.prepare(impl, Xg, yg, True, cancel)
        value = kernel(wg, b)
    except InputError as exc:  # e.g. too many columns for the kernel's shared memory
        return skipped_row(impl, X, 0, str(exc), "gpu", dtype)
    cp.cuda.Device().synchronize()
    row.compile_seconds = time.perf_counter() - t0
    verify(row, value, reference, str(X.dtype))
    for _ in range(max(1, config.warmup)):
        kernel(wg, b)
    finish_times(row, _gpu_times(cp, lambda: kernel(wg, b), config.repeats, cancel))
    return row


def _gpu_times(
    cp: Any, call: Callable[[], object], repeats: int, cancel: CancelFlag | None
) -> list[float]:
    """Seconds per call, ``max(repeats, 5)`` times, from CUDA events (device-side time)."""
    start, end = cp.cuda.Event(), cp.cuda.Event()
    start.record()
    call()
    end.record()
    end.synchronize()
    one = cp.cuda.get_elapsed_time(start, end) / 1e3
    number = max(1, math.ceil(MIN_TIMING_S / one)) if one > 0 else 1
    times = []
    for _ in range(max(repeats, 5)):
        check_cancel(cancel)
        start.record()
        for _ in range(number):
            call()
        end.record()
        end.synchronize()
        times.append(cp.cuda.get_elapsed_time(start, end) / 1e3 / number)
    return times


def _gpu_read_bandwidth(cp: Any, X_d: Any, repeats: int) -> float | None:
    """GPU memory read bandwidth from a full reduction of the matrix on the device (GB/s)."""
    try:
        times = _gpu_times(cp, lambda: X_d.sum(), repeats, None)
        return X_d.nbytes / min(times) / 1e9
    except Exception:
        return None


def _gpu_peak_bandwidth(cp: Any) -> float | None:
    """Theoretical bandwidth from the memory clock and bus width, when the driver says them."""
    try:
        dev = cp.cuda.Device().id
        clock_khz = cp.cuda.runtime.deviceGetAttribute(36, dev)  # cudaDevAttrMemoryClockRate
        bus_bits = cp.cuda.runtime.deviceGetAttribute(37, dev)  # GlobalMemoryBusWidth
        return 2.0 * clock_khz * 1e3 * bus_bits / 8 / 1e9 if clock_khz and bus_bits else None
    except Exception:
        return None
