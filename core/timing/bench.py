"""The timing lab: one gradient-descent step, implemented six ways, measured honestly.

The step is ``e = Xw + b − y``, ``∇w = Xᵀe/m``, ``∂b = Σe/m`` on an m×n design. Each
implementation computes it from the same inputs and is checked against the vectorised
NumPy step before its time counts:

========================  ===============================================================
``loop``                  nested Python loops over examples and features
``compiled-loop``         the same loops compiled by numba, one thread
``numpy``                 two BLAS matrix-vector products, 1 thread and all threads
``fused``                 one parallel numba pass that reads X once per step
``gram``                  ``XᵀX``, ``Xᵀy`` precomputed once; then O(n²) per step
``cupy``                  the vectorised step on an NVIDIA GPU, float32 and float64
========================  ===============================================================

Alongside ``numpy`` the bare expression ``X.T @ (X @ w + b - y) / m`` is timed in the same
process (rows ``numpy-bare``), so the app's step can be compared with the textbook line.

Measurement: a warm-up (its first call is the verified one; at least a quarter second of
calls when they are short), then ``repeats`` timed calls (each repeated to last at least
5 ms when one call is shorter), reported as median, min and max. An implementation too slow for the
size (more than ``time_budget_s`` for all its calls) is timed on the first k rows and its
time scaled by m/k (every one of them is linear in m), flagged ``estimated``. The machine's
memory read bandwidth is measured in the same run; each row's GB/s is also given as a
fraction of it, the bound of a memory-bound step.

Use :func:`run_benchmark` from code (a GUI worker passes ``progress`` and ``cancel``), or
``gd-explorer bench`` (:func:`add_arguments`, :func:`run`). Nothing here prints, except
:func:`run`, and nothing imports Qt. numba, threadpoolctl and CuPy are optional: without
them the implementations that need them are reported as skipped, with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from core.backend import check_fits, format_bytes, gpu_status
from core.errors import Cancelled, InputError

IMPLS = ("loop", "compiled-loop", "numpy", "fused", "gram", "cupy")
#: The bare NumPy expression, timed beside the app's ``numpy`` step (not an ``--impl`` choice).
BARE = "numpy-bare"
DTYPES = ("float64", "float32")
SWEEPS = ("m", "n")

#: One line per implementation: where its time goes (for tables and the Timing tab).
WHY = {
    "loop": "The interpreter executes every one of the 2·m·n multiply-adds separately: "
            "each is a bytecode dispatch, two list lookups and a float object.",
    "compiled-loop": "The same loops as machine code: no interpreter, but one multiply-add "
                     "after another on one core, waiting for each sum before the next.",
    "numpy": "Two BLAS matrix-vector products: SIMD, unrolled, threaded. They are "
             "memory-bound, and X is read from memory twice per step.",
    BARE: "The textbook line X.T @ (X @ w + b - y) / m, timed as a check on the app's step.",
    "fused": "One pass: a few rows give their errors, then the same rows, still in cache, "
             "add into the gradient. X is read from memory once, so it can beat BLAS.",
    "gram": "XᵀX and Xᵀy are computed once (O(m·n²)); then each step is G·w − c, "
            "O(n²) whatever m is, and from cache. Worth it after the break-even iterations.",
    "cupy": "The vectorised step as CUDA kernels: thousands of threads and GPU memory "
            "bandwidth many times the CPU's; copying X to the GPU is paid once.",
}

#: Relative agreement (max-abs, over [∇w, ∂b]) each step must reach against the vectorised one.
TOLERANCE = {"float64": 1e-10, "float32": 1e-3}

# Python lists cost about 32 bytes a number (a float object and a pointer to it).
_LIST_BYTES_PER_NUMBER = 32
# Calls shorter than this are repeated within one timing, so timer resolution does not count.
_MIN_TIMING_S = 0.005
#: The bandwidth buffer ``gd-explorer bench`` reads (well beyond the caches).
DEFAULT_BANDWIDTH_BYTES = 1 << 30
# The loop checks for cancellation every this many rows.
_LOOP_CHECK_ROWS = 256
# Assumed XᵀX rate for deciding whether the Gram precompute is affordable (conservative).
_GRAM_FLOPS_PER_THREAD = 5e9
_GRAM_MAX_SECONDS = 120.0


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


Progress = Callable[[float, str], None]


# -- configuration and results ----------------------------------------------------------------

@dataclass(frozen=True)
class BenchConfig:
    """What to measure. Defaults reproduce the textbook case (100,000 × 1,000, float64)."""

    m: int = 100_000
    n: int = 1_000
    dtype: str = "float64"
    impls: tuple[str, ...] = IMPLS
    repeats: int = 5
    #: Warm-up calls (at least), and seconds of warm-up calls when one call is short.
    warmup: int = 1
    warmup_s: float = 0.25
    sweep: str | None = None
    points: int = 5
    seed: int = 0
    #: Seconds one implementation may take at one size (warm-up and repeats together);
    #: slower ones are timed on a row subsample. ``math.inf`` always measures in full.
    time_budget_s: float = 8.0
    #: Size of the buffer read to measure the machine's memory bandwidth (larger than caches).
    bandwidth_bytes: int = DEFAULT_BANDWIDTH_BYTES
    #: Thread counts for the threaded rows; None means ``[1, all cores]``.
    threads: tuple[int, ...] | None = None

    def validate(self) -> None:
        """Raise :class:`InputError` for an option that cannot be used."""
        if isinstance(self.m, bool) or not isinstance(self.m, int) or self.m < 1:
            raise InputError(f"--m must be a whole number >= 1, got {self.m!r}")
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise InputError(f"--n must be a whole number >= 1, got {self.n!r}")
        if self.dtype not in DTYPES:
            raise InputError(f"unknown dtype {self.dtype!r}; choose one of {', '.join(DTYPES)}")
        unknown = [i for i in self.impls if i not in IMPLS]
        if unknown or not self.impls:
            raise InputError(f"unknown implementation {', '.join(unknown) or '(none)'}; "
                             f"choose among {', '.join(IMPLS)}")
        if self.repeats < 1:
            raise InputError(f"--repeats must be >= 1, got {self.repeats}")
        if self.warmup < 1 or self.warmup_s < 0:
            raise InputError(f"warm-up must be >= 1 call, got {self.warmup}")
        if self.sweep is not None and self.sweep not in SWEEPS:
            raise InputError(f"--sweep must be m or n, got {self.sweep!r}")
        if self.points < 1 or self.points > 50:
            raise InputError(f"--points must be between 1 and 50, got {self.points}")
        if not self.time_budget_s > 0:
            raise InputError(f"the time budget must be > 0 s, got {self.time_budget_s}")
        if self.threads is not None and any(t < 1 for t in self.threads):
            raise InputError(f"thread counts must be >= 1, got {self.threads}")

    def sizes(self) -> list[tuple[int, int]]:
        """The (m, n) points to measure: one, or a log-spaced sweep ending at (m, n)."""
        if self.sweep is None or self.points == 1:
            return [(self.m, self.n)]
        top = self.m if self.sweep == "m" else self.n
        low = max(1, min(top, max(top // 100, 16 if self.sweep == "m" else 2)))
        values = sorted({round(v) for v in np.geomspace(low, top, self.points)})
        if self.sweep == "m":
            return [(v, self.n) for v in values]
        return [(self.m, v) for v in values]


@dataclass
class BenchResult:
    """One row: an implementation at one size, dtype and thread count."""

    impl: str
    m: int
    n: int
    dtype: str
    threads: int
    device: str = "cpu"
    seconds_median: float | None = None
    seconds_min: float | None = None
    seconds_max: float | None = None
    repeats: int = 0
    estimated: bool = False
    rows_timed: int = 0
    label: str = ""
    gflops: float | None = None
    gbps: float | None = None
    bandwidth_fraction: float | None = None
    #: GPU rows: GB/s as a fraction of the theoretical bandwidth (memory clock × bus width).
    peak_fraction: float | None = None
    speedup_vs_loop: float | None = None
    speedup_vs_numpy: float | None = None
    rel_error: float | None = None
    verified: bool | None = None
    flops_per_step: float = 0.0
    bytes_per_step: float = 0.0
    compile_seconds: float | None = None
    transfer_seconds: float | None = None
    precompute_seconds: float | None = None
    break_even_iterations: int | None = None
    skipped: bool = False
    reason: str = ""
    note: str = ""

    @property
    def key(self) -> tuple:
        return (self.impl, self.m, self.n, self.dtype, self.threads)


@dataclass
class BenchReport:
    """Everything one benchmark run measured: the machine, the rows, and the headline ratios."""

    config: BenchConfig
    machine: dict[str, Any]
    results: list[BenchResult] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def rows(self, impl: str | None = None, **match) -> list[BenchResult]:
        """Rows of ``impl`` (all when None) whose fields equal ``match``."""
        return [r for r in self.results if (impl is None or r.impl == impl)
                and all(getattr(r, k) == v for k, v in match.items())]

    def to_json(self) -> dict[str, Any]:
        """The published JSON object ``{"machine", "results", "summary", "config"}``."""
        config = asdict(self.config)
        config["impls"] = list(self.config.impls)
        return _json_safe({"machine": self.machine, "results": [asdict(r) for r in self.results],
                           "summary": self.summary, "config": config,
                           "elapsed_s": self.elapsed_s})


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return value


# -- optional dependencies and threads ------------------------------------------------------

def _kernels():
    """``core.solvers.kernels`` or None when numba cannot be imported."""
    try:
        from core.solvers import kernels
    except Exception:  # ImportError, or a broken numba/llvmlite raising anything
        return None
    return kernels


def _numba_reason() -> str:
    try:
        import numba  # noqa: F401
    except Exception as exc:
        if getattr(sys, "frozen", False):  # the packaged app: nothing for a student to install
            return "this packaged build leaves out numba (to stay small)"
        return f"numba is not installed ({type(exc).__name__}); pip install numba"
    return "numba could not load core.solvers.kernels"


def _threadpoolctl():
    try:
        import threadpoolctl
    except Exception:
        return None
    return threadpoolctl


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def limit_threads(count: int) -> Iterator[None]:
    """Run BLAS (threadpoolctl) and numba's parallel kernels on ``count`` threads.

    The one place the timing lab sets thread counts; the previous limits come back after.
    """
    tpc = _threadpoolctl()
    kernels = _kernels()
    previous = None
    if kernels is not None:
        import numba

        previous = numba.get_num_threads()
        kernels.set_threads(count)
    try:
        if tpc is not None:
            with tpc.threadpool_limits(limits=count, user_api="blas"):
                yield
        else:
            yield
    finally:
        if kernels is not None and previous is not None:
            kernels.set_threads(previous)


_NO_TPC = ("threadpoolctl is not installed, so BLAS cannot be limited to this many threads; "
           "pip install threadpoolctl")


def _blas_threads_settable(count: int, counts: Sequence[int]) -> bool:
    """Whether BLAS can run on ``count`` threads: always with threadpoolctl; without it only
    at its default, taken to be all cores (the largest count compared)."""
    return _threadpoolctl() is not None or count == max(counts)


def blas_info() -> dict[str, Any]:
    """The BLAS NumPy calls: library, version, threads (threadpoolctl), or what is known."""
    tpc = _threadpoolctl()
    if tpc is not None:
        for lib in tpc.threadpool_info():
            if lib.get("user_api") == "blas":
                return {"library": lib.get("internal_api"), "version": lib.get("version"),
                        "threads": lib.get("num_threads"),
                        "architecture": lib.get("architecture"),
                        "threading_layer": lib.get("threading_layer"),
                        "file": os.path.basename(lib.get("filepath") or "")}
    info: dict[str, Any] = {"library": "unknown", "version": None, "threads": None}
    try:
        cfg = np.show_config(mode="dicts")  # NumPy >= 1.25
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info.update(library=blas.get("name", "unknown"), version=blas.get("version"))
    except Exception:
        pass
    info["reason"] = ("threadpoolctl is not installed: BLAS threads cannot be read or "
                      "limited; pip install threadpoolctl") if tpc is None else "no BLAS found"
    return info


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class _OtherLoad:
    """How many cores other processes kept busy while we measured (Linux; else None).

    The machine's busy time from ``/proc/stat`` less this process's own CPU time, divided by
    the wall time: on a shared 2-core machine, 1.0 means our threaded rows ran on one core.
    """

    def __init__(self) -> None:
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                vals = [int(v) for v in fh.readline().split()[1:]]
            hz = os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, AttributeError):
            return None
        busy = sum(vals[:8]) - vals[3] - (vals[4] if len(vals) > 4 else 0)
        own = os.times()
        return busy / hz, own.user + own.system, time.perf_counter()

    def cores(self) -> float | None:
        end = self._sample()
        if self.start is None or end is None or end[2] - self.start[2] <= 0:
            return None
        others = (end[0] - self.start[0]) - (end[1] - self.start[1])
        return max(0.0, others / (end[2] - self.start[2]))


def _virtual_machine() -> bool | None:
    """Whether the CPU says it runs under a hypervisor (None when it cannot be told)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return "hypervisor" in line.split()
    except OSError:
        pass
    return None


def _thread_counts(config: BenchConfig) -> list[int]:
    if config.threads is not None:
        return sorted(set(config.threads))
    return sorted({1, cpu_count()})


# -- the implementations ------------------------------------------------------------------

def _block_rows(n: int) -> int:
    """Rows in a block of about 64 MB: long enough for BLAS, short enough to cancel."""
    return max(256, (64 << 20) // (8 * max(n, 1)))


def _check(cancel: CancelFlag | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("benchmark cancelled")


def loop_step(rows: list[list[float]], ys: list[float], w: list[float], b: float,
              cancel: CancelFlag | None = None) -> list[float]:
    """The step as nested Python loops; returns ``[∇w..., ∂b]`` (checks ``cancel`` often)."""
    m, n = len(rows), len(w)
    errors = [0.0] * m
    for start in range(0, m, _LOOP_CHECK_ROWS):
        _check(cancel)
        for i in range(start, min(start + _LOOP_CHECK_ROWS, m)):
            row = rows[i]
            s = b
            for j in range(n):
                s += row[j] * w[j]
            errors[i] = s - ys[i]
    grad = [0.0] * n
    gb = 0.0
    for start in range(0, m, _LOOP_CHECK_ROWS):
        _check(cancel)
        for i in range(start, min(start + _LOOP_CHECK_ROWS, m)):
            row = rows[i]
            e = errors[i]
            for j in range(n):
                grad[j] += e * row[j]
            gb += e
    return [g / m for g in grad] + [gb / m]


def numpy_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b) -> tuple[np.ndarray, Any]:
    """The app's vectorised step (as in ``core.solvers``): two BLAS products, no temporaries
    beyond ``e``. Works on NumPy and CuPy arrays alike; returns ``(∇w, ∂b)``."""
    m = X.shape[0]
    e = X @ w
    e += b
    e -= y
    gw = X.T @ e
    gw /= m
    return gw, e.sum() / m


def bare_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b) -> np.ndarray:
    """The textbook line, exactly: ``X.T @ (X @ w + b - y) / m`` (∇w only)."""
    m = X.shape[0]
    return X.T @ (X @ w + b - y) / m


@dataclass(frozen=True)
class GramForm:
    """``G = XᵀX/m``, column means ``s``, ``c = Xᵀy/m`` and ``ȳ``: the step without X."""

    G: np.ndarray
    s: np.ndarray
    c: np.ndarray
    y_mean: float

    @classmethod
    def precompute(cls, X: np.ndarray, y: np.ndarray,
                   cancel: CancelFlag | None = None) -> GramForm:
        """One pass of row blocks (``XᵀX`` as a sum of block products, checking ``cancel``)."""
        m = X.shape[0]
        G = np.zeros((X.shape[1], X.shape[1]), X.dtype)
        block = _block_rows(X.shape[1])
        for start in range(0, m, block):
            _check(cancel)
            Xb = X[start:start + block]
            G += Xb.T @ Xb
        G /= m
        c = X.T @ y
        c /= m
        s = X.sum(axis=0, dtype=np.float64).astype(X.dtype) / m
        return cls(G, s, c, float(y.sum(dtype=np.float64)) / m)

    def step(self, w: np.ndarray, b) -> tuple[np.ndarray, float]:
        """``∇w = Gw + s·b − c``, ``∂b = s·w + b − ȳ``: O(n²), independent of m."""
        gw = self.G @ w
        gw += b * self.s
        gw -= self.c
        return gw, float(self.s @ w) + float(b) - self.y_mean


def _as_vector(result) -> np.ndarray:
    """``[∇w..., ∂b]`` as a float64 host vector, from any implementation's return value."""
    if isinstance(result, tuple):
        gw, gb = result
        gw = gw.get() if hasattr(gw, "get") else gw
        gb = gb.get() if hasattr(gb, "get") else gb
        return np.append(np.asarray(gw, np.float64), float(gb))
    return np.asarray(result, np.float64)


def reference_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The vectorised step every implementation is checked against, as ``[∇w, ∂b]``."""
    return _as_vector(numpy_step(X, y, w, X.dtype.type(b)))


def relative_error(result: np.ndarray, reference: np.ndarray) -> float:
    """Largest deviation relative to the largest reference entry (the max-abs norm)."""
    scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    diff = float(np.max(np.abs(result - reference))) if reference.size else 0.0
    if not math.isfinite(diff):
        return math.inf
    return diff / scale if scale > 0 else diff


# -- measuring ------------------------------------------------------------------------------

@dataclass
class _Timed:
    """One implementation to time, with the vector it must reproduce."""

    row: BenchResult
    call: Callable[[], Any]
    reference: np.ndarray
    number: int = 1
    times: list[float] = field(default_factory=list)
    scale: float = 1.0
    #: Which thread pool runs it; consecutive items of one pool are timed round-robin.
    pool: str = ""


def _time_call(call: Callable[[], Any], number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - t0) / number


def _probe(call: Callable[[], Any], calls: int = 3) -> float:
    """Seconds of the fastest of a few calls on a small subsample (one stall must not decide
    that an implementation is too slow to run in full)."""
    best = math.inf
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return best


def _rows_to_time(per_row_s: float, m: int, calls: int, budget_s: float, floor: int) -> int:
    """Rows to time so that ``calls`` calls fit in ``budget_s`` (all m when they do)."""
    if per_row_s <= 0 or per_row_s * m * calls <= budget_s:
        return m
    return max(min(floor, m), min(m, int(budget_s / (calls * per_row_s))))


def _label_estimated(row: BenchResult, k: int) -> None:
    row.estimated = k < row.m
    row.rows_timed = k
    row.label = f"estimated from {k:,} rows" if row.estimated else ""


def _run_group(items: list[_Timed], config: BenchConfig, cancel: CancelFlag | None,
               tick: Callable[[float, str], None]) -> None:
    """Warm up (the first call is the verified one), then time ``repeats`` calls of each.

    Consecutive items of one thread pool (``numpy`` and the bare line, both BLAS) are timed
    round-robin, so a burst of load on a shared machine hits both alike. Items of different
    pools run one after the other instead: on a small machine the idle threads of one
    library spin for a while after a call and would slow the other library's next call.
    The warm-up lasts at least ``config.warmup`` calls and ``config.warmup_s`` seconds
    (when calls are short), which also lets the other pool's threads go to sleep.
    """
    batches: list[list[_Timed]] = []
    for item in items:
        if batches and item.pool and batches[-1][-1].pool == item.pool:
            batches[-1].append(item)
        else:
            batches.append([item])
    total = max(len(items), 1)
    done = 0
    for batch in batches:
        for item in batch:
            _check(cancel)
            tick(done / total, f"{_variant(item.row)}: warm-up")
            t0 = time.perf_counter()
            value = item.call()
            first = time.perf_counter() - t0
            _verify(item.row, value, item.reference, item.row.dtype)
            calls = 1
            while calls < config.warmup or (time.perf_counter() - t0 < config.warmup_s
                                            and first < config.warmup_s / 4):
                _check(cancel)
                item.call()
                calls += 1
            elapsed = (time.perf_counter() - t0) / calls
            item.number = max(1, math.ceil(_MIN_TIMING_S / elapsed)) if elapsed > 0 else 1
        for r in range(config.repeats):
            for item in batch:
                _check(cancel)
                tick((done + len(batch) * (r + 1) / (config.repeats + 1)) / total,
                     f"{_variant(item.row)}: run {r + 1} of {config.repeats}")
                item.times.append(_time_call(item.call, item.number) * item.scale)
        for item in batch:
            _finish_times(item.row, item.times)
        done += len(batch)


def _finish_times(row: BenchResult, times: list[float]) -> None:
    row.seconds_median = statistics.median(times)
    row.seconds_min = min(times)
    row.seconds_max = max(times)
    row.repeats = len(times)


def _verify(row: BenchResult, value, reference: np.ndarray, ref_dtype: str) -> None:
    """Compare with the vectorised step; float32 on either side gets the float32 tolerance."""
    row.rel_error = relative_error(_as_vector(value), reference)
    tol = TOLERANCE["float32" if "float32" in (row.dtype, ref_dtype) else "float64"]
    row.verified = row.rel_error <= tol
    if not row.verified:
        row.note = (f"differs from the vectorised step by {row.rel_error:.2g} (relative), "
                    f"more than {tol:g}")


def _variant(row: BenchResult) -> str:
    where = f"{row.threads} thread{'s' if row.threads != 1 else ''}"
    if row.device == "gpu":
        where = "GPU"
    return f"{row.impl} ({where}, {row.dtype}, m={row.m:,}, n={row.n:,})"


def _cost_model(row: BenchResult, itemsize: int) -> None:
    """FLOPs and the bytes a step must at least move, for GFLOP/s and GB/s."""
    m, n = row.m, row.n
    if row.impl == "gram":
        row.flops_per_step = 2.0 * n * n + 4.0 * n
        row.bytes_per_step = float(n * n * itemsize + 4 * n * itemsize)
        return
    passes = 1 if row.impl == "fused" else 2
    row.flops_per_step = 4.0 * m * n + 3.0 * m
    row.bytes_per_step = float(passes * m * n * itemsize + 2 * m * itemsize)


# -- bandwidth ------------------------------------------------------------------------------

def measure_read_bandwidth(nbytes: int, threads: Sequence[int], repeats: int = 5,
                           cancel: CancelFlag | None = None) -> dict[int, float]:
    """Memory read bandwidth (GB/s) per thread count: threads sum disjoint slices of a buffer.

    The buffer is written first (untouched pages all map to one zero page and would be read
    from cache); the best of ``repeats`` is kept, as a bound should be.
    """
    count = max(1 << 16, int(nbytes) // 8)
    check_fits(count * 8, "cpu", "the bandwidth test buffer")
    buf = np.empty(count)
    buf.fill(1.0)
    out: dict[int, float] = {}
    try:
        for t in threads:
            chunks = np.array_split(buf, t)
            best = math.inf
            with ThreadPoolExecutor(max_workers=t, thread_name_prefix="gdx-bandwidth") as pool:
                for _ in range(repeats + 1):
                    _check(cancel)
                    t0 = time.perf_counter()
                    list(pool.map(np.add.reduce, chunks))
                    best = min(best, time.perf_counter() - t0)
            out[t] = buf.nbytes / best / 1e9
    finally:
        del buf
    return out


# -- the run ----------------------------------------------------------------------------------

class _Progress:
    """Turns (task, fraction within it) into one overall fraction for the caller's callback."""

    def __init__(self, callback: Progress | None, total: float) -> None:
        self.callback = callback
        self.total = max(total, 1.0)
        self.done = 0.0

    def tick(self, fraction: float, text: str) -> None:
        if self.callback is not None:
            self.callback(min(1.0, (self.done + min(max(fraction, 0.0), 1.0)) / self.total),
                          text)

    def advance(self, text: str = "") -> None:
        self.done += 1
        if text:
            self.tick(0.0, text)


def machine_info(config: BenchConfig) -> dict[str, Any]:
    """The machine block (bandwidth is filled in by the run that measures it)."""
    kernels = _kernels()
    numba_block: dict[str, Any]
    if kernels is None:
        numba_block = {"available": False, "reason": _numba_reason()}
    else:
        numba_block = {"available": True, "version": kernels.VERSION,
                       "threads": kernels.max_threads()}
    gpu = gpu_status()
    gpu_block: dict[str, Any] = {"available": gpu.available, "name": gpu.name,
                                 "reason": gpu.reason, "memory_bytes": gpu.memory_bytes}
    return {
        "cpu": _cpu_name(),
        "cores": cpu_count(),
        "logical_cpus": os.cpu_count(),
        "virtual_machine": _virtual_machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "numba": numba_block,
        "threads_compared": _thread_counts(config),
        "gpu": gpu_block,
    }


def run_benchmark(config: BenchConfig | None = None, progress: Progress | None = None,
                  cancel: CancelFlag | None = None) -> BenchReport:
    """Measure every implementation in ``config`` at each of its sizes.

    ``progress(fraction, text)`` is called often (from this thread); ``cancel.is_set()`` is
    checked between calls and every few hundred rows of the loop, and raises
    :class:`core.errors.Cancelled`. Raises :class:`InputError` for bad options or a size
    that would not fit in memory (with the size it would need), before allocating it.
    """
    config = config or BenchConfig()
    config.validate()
    t_start = time.perf_counter()
    sizes = config.sizes()
    itemsize = np.dtype(config.dtype).itemsize
    m_max = max(m for m, _ in sizes)
    n_max = max(n for _, n in sizes)
    check_fits(m_max * n_max * itemsize + 4 * m_max * itemsize, "cpu",
               f"the {m_max:,} x {n_max:,} {config.dtype} test matrix")
    threads = _thread_counts(config)
    groups_per_point = len(threads) + int("loop" in config.impls) + int(
        "gram" in config.impls) + int("cupy" in config.impls)
    prog = _Progress(progress, 2 + len(sizes) * groups_per_point)

    machine = machine_info(config)
    report = BenchReport(config, machine)
    other_load = _OtherLoad()

    prog.tick(0.0, "measuring memory bandwidth")
    bw_bytes = config.bandwidth_bytes
    bandwidth = measure_read_bandwidth(bw_bytes, threads, cancel=cancel)
    machine["read_bandwidth_gbps"] = {str(t): v for t, v in bandwidth.items()}
    machine["read_bandwidth_method"] = (
        f"sum of a {format_bytes(max(1 << 16, bw_bytes // 8) * 8)} buffer, each thread "
        "reading its own slice; best of 5")
    prog.advance("generating the test data")

    rng = np.random.default_rng(config.seed)
    X_full = np.empty((m_max, n_max), dtype=config.dtype)
    block = _block_rows(n_max)
    for start in range(0, m_max, block):  # in blocks, so that cancel stays prompt
        _check(cancel)
        prog.tick(start / m_max, f"generating the {m_max:,} x {n_max:,} test matrix")
        rng.standard_normal(out=X_full[start:start + block], dtype=config.dtype)
    w_true = rng.standard_normal(n_max)
    y_full = (X_full @ w_true.astype(config.dtype) + 0.5
              + rng.standard_normal(m_max).astype(config.dtype)).astype(config.dtype)
    # A point half-way through training: the gradient is neither zero nor the whole signal.
    w_full = (0.5 * w_true).astype(config.dtype)
    b = 0.25
    prog.advance()

    compile_seconds: dict[str, float] = {}
    for m, n in sizes:
        _check(cancel)
        X = X_full[:m] if n == n_max else np.ascontiguousarray(X_full[:m, :n])
        y = y_full[:m]
        w = w_full[:n].copy()
        _measure_point(report, config, X, y, w, b, threads, bandwidth, compile_seconds,
                       prog, cancel)
        del X
    machine["other_load_cores"] = other_load.cores()
    _derive(report)
    report.elapsed_s = time.perf_counter() - t_start
    prog.tick(1.0, f"done in {report.elapsed_s:.0f} s")
    return report


def _row(impl: str, X: np.ndarray, threads: int, device: str = "cpu",
         dtype: str | None = None) -> BenchResult:
    row = BenchResult(impl, X.shape[0], X.shape[1], dtype or str(X.dtype), threads, device)
    row.rows_timed = X.shape[0]
    _cost_model(row, np.dtype(row.dtype).itemsize)
    return row


def _skipped(impl: str, X: np.ndarray, threads: int, reason: str, device: str = "cpu",
             dtype: str | None = None) -> BenchResult:
    row = _row(impl, X, threads, device, dtype)
    row.skipped = True
    row.reason = reason
    return row


def _probe_rows(n: int, m: int) -> int:
    """A subsample small enough for the loop to run in a few milliseconds."""
    return max(1, min(m, 20_000 // max(n, 1)))


def _measure_point(report: BenchReport, config: BenchConfig, X: np.ndarray, y: np.ndarray,
                   w: np.ndarray, b: float, threads: list[int], bandwidth: dict[int, float],
                   compile_seconds: dict[str, float], prog: _Progress,
                   cancel: CancelFlag | None) -> None:
    impls = config.impls
    m, n = X.shape
    dt = X.dtype.type
    calls = config.warmup + config.repeats
    budget = config.time_budget_s
    with limit_threads(max(threads)):
        reference = reference_step(X, y, w, b)
    refs: dict[int, np.ndarray] = {m: reference}

    def ref_for(k: int) -> np.ndarray:
        if k not in refs:
            refs[k] = reference_step(X[:k], y[:k], w, b)
        return refs[k]

    # -- the Python loop (alone: it is slow, and always one thread) --
    if "loop" in impls:
        prog.tick(0.0, f"loop (m={m:,}, n={n:,}): probing")
        row = _row("loop", X, 1)
        k0 = _probe_rows(n, m)
        w_list = [float(v) for v in w]
        probe_rows, probe_y = X[:k0].tolist(), y[:k0].tolist()
        per_row = _probe(lambda: loop_step(probe_rows, probe_y, w_list, b, cancel)) / k0
        del probe_rows
        k = _rows_to_time(per_row, m, calls, budget, k0)
        check_fits(k * n * _LIST_BYTES_PER_NUMBER, "cpu",
                   f"the loop's {k:,} x {n:,} Python lists")
        rows_list, ys_list = X[:k].tolist(), y[:k].tolist()
        _label_estimated(row, k)
        item = _Timed(row, lambda: loop_step(rows_list, ys_list, w_list, b, cancel),
                      ref_for(k), scale=m / k)
        _run_group([item], config, cancel, prog.tick)
        del rows_list, ys_list
        report.results.append(row)
        prog.advance()

    # -- compiled and BLAS implementations, at each thread count --
    kernels = _kernels()
    if kernels is not None and ({"compiled-loop", "fused"} & set(impls)):
        key = config.dtype
        if key not in compile_seconds:
            prog.tick(0.0, "compiling the numba kernels (cached after the first run)")
            for name, secs in kernels.compile_kernels(config.dtype).items():
                compile_seconds[f"{name}/{key}"] = secs
    for t in threads:
        _check(cancel)
        items: list[_Timed] = []
        with limit_threads(t):
            if "compiled-loop" in impls and t == 1:
                if kernels is None:
                    report.results.append(_skipped("compiled-loop", X, 1, _numba_reason()))
                else:
                    items.append(_compiled_item(kernels, X, y, w, b, calls, budget, ref_for,
                                                compile_seconds))
            if "numpy" in impls and not _blas_threads_settable(t, threads):
                report.results.append(_skipped("numpy", X, t, _NO_TPC))
            elif "numpy" in impls:
                items.append(_linear_item("numpy", X, y, w, dt(b), t, calls, budget, ref_for,
                                          numpy_step))
                items.append(_linear_item(BARE, X, y, w, dt(b), t, calls, budget, ref_for,
                                          bare_step, bare=True))
            if "fused" in impls:
                if kernels is None:
                    report.results.append(_skipped("fused", X, t, _numba_reason()))
                else:
                    def fused(Xk, yk, wk, bk, _t=t):
                        return kernels.fused_step(Xk, yk, wk, bk, _t)

                    item = _linear_item("fused", X, y, w, dt(b), t, calls, budget, ref_for,
                                        fused)
                    item.row.compile_seconds = compile_seconds.get(f"fused/{config.dtype}")
                    items.append(item)
            _run_group(items, config, cancel, prog.tick)
        report.results.extend(i.row for i in items)
        prog.advance()

    if "gram" in impls:
        report.results.extend(_gram_rows(X, y, w, dt(b), threads, config, cancel, prog))
        prog.advance()
    if "cupy" in impls:
        report.results.extend(_cupy_rows(X, y, w, b, config, cancel, prog, reference,
                                         report.machine["gpu"]))
        prog.advance()
    for row in report.results:
        if row.m == m and row.n == n and not row.skipped and row.gbps is None:
            _rates(row, bandwidth, report.machine)


def _linear_item(impl: str, X, y, w, b, threads: int, calls: int, budget: float, ref_for,
                 step, bare: bool = False) -> _Timed:
    """An implementation linear in m: timed in full, or on k rows when too slow."""
    m, n = X.shape
    row = _row(impl, X, threads)
    k0 = max(1, min(m, 2_000_000 // max(n, 1)))
    Xp, yp = X[:k0], y[:k0]
    per_row = _probe(lambda: step(Xp, yp, w, b)) / k0
    k = _rows_to_time(per_row, m, calls, budget, k0)
    _label_estimated(row, k)
    Xk, yk = X[:k], y[:k]
    reference = ref_for(k)
    if bare:
        # The bare line returns ∇w only; check it against the reference's ∇w part.
        reference = reference[:-1]
        row.note = "X.T @ (X @ w + b - y) / m, the reference for the numpy row"
    return _Timed(row, lambda: step(Xk, yk, w, b), reference, scale=m / k,
                  pool="blas" if impl in ("numpy", BARE) else impl)


def _compiled_item(kernels, X, y, w, b, calls, budget, ref_for, compile_seconds) -> _Timed:
    m, n = X.shape
    row = _row("compiled-loop", X, 1)
    row.compile_seconds = compile_seconds.get(f"compiled-loop/{X.dtype}")
    k0 = max(1, min(m, 200_000 // max(n, 1)))
    Xp, yp = X[:k0], y[:k0]
    per_row = _probe(lambda: kernels.compiled_loop_step(Xp, yp, w, b)) / k0
    k = _rows_to_time(per_row, m, calls, budget, k0)
    _label_estimated(row, k)
    Xk, yk = X[:k], y[:k]
    return _Timed(row, lambda: kernels.compiled_loop_step(Xk, yk, w, b), ref_for(k),
                  scale=m / k)


def _gram_rows(X, y, w, b, threads: list[int], config: BenchConfig,
               cancel: CancelFlag | None, prog: _Progress) -> list[BenchResult]:
    m, n = X.shape
    predicted = 2.0 * m * n * n / (_GRAM_FLOPS_PER_THREAD * max(threads))
    if predicted > _GRAM_MAX_SECONDS:
        return [_skipped("gram", X, t, f"computing XᵀX would take about {predicted:.0f} s "
                                      "at this size; use a smaller n") for t in threads]
    check_fits(n * n * X.dtype.itemsize * 2, "cpu", f"the {n:,} x {n:,} Gram matrix")
    _check(cancel)
    prog.tick(0.0, f"gram (m={m:,}, n={n:,}): precomputing XᵀX and Xᵀy")
    with limit_threads(max(threads)):
        t0 = time.perf_counter()
        form = GramForm.precompute(X, y, cancel)
        precompute = time.perf_counter() - t0
        reference = reference_step(X, y, w, float(b))
    rows = []
    for t in threads:
        if not _blas_threads_settable(t, threads):
            rows.append(_skipped("gram", X, t, _NO_TPC))
            continue
        row = _row("gram", X, t)
        row.precompute_seconds = precompute
        row.note = (f"XᵀX, Xᵀy precomputed once in {precompute:.3g} s "
                    f"({max(threads)} thread{'s' if max(threads) > 1 else ''})")
        with limit_threads(t):
            _run_group([_Timed(row, lambda: form.step(w, b), reference)], config, cancel,
                       prog.tick)
        rows.append(row)
    return rows


# -- the GPU ------------------------------------------------------------------------------------

def _cupy_rows(X, y, w, b: float, config: BenchConfig, cancel: CancelFlag | None,
               prog: _Progress, reference: np.ndarray, gpu_block: dict) -> list[BenchResult]:
    """CuPy, float32 and float64: transfer and first call timed apart, device synchronised."""
    status = gpu_status()
    dtypes = ("float32", "float64")
    if not status.available:
        return [_skipped("cupy", X, 0, status.reason, "gpu", dt) for dt in dtypes]
    import cupy as cp

    m, n = X.shape
    need = X.nbytes + m * n * 4 + (m * n * 8 if X.dtype != np.float64 else 0) + 8 * m * 8
    check_fits(need, "gpu", f"the {m:,} x {n:,} matrix in float32 and float64 on the GPU")
    prog.tick(0.0, f"cupy (m={m:,}, n={n:,}): copying X to the GPU")
    _check(cancel)
    cp.cuda.Device().synchronize()
    t0 = time.perf_counter()
    X_d = cp.asarray(X)
    y_d = cp.asarray(y)
    cp.cuda.Device().synchronize()
    transfer = time.perf_counter() - t0
    rows = []
    try:
        for dt in dtypes:
            _check(cancel)
            row = _row("cupy", X, 0, "gpu", dt)
            row.transfer_seconds = transfer
            row.note = (f"X ({format_bytes(X.nbytes)}, {X.dtype}) copied to the GPU in "
                        f"{transfer:.3g} s, not counted")
            Xg = X_d if dt == str(X.dtype) else X_d.astype(dt)
            yg = y_d if dt == str(X.dtype) else y_d.astype(dt)
            wg = cp.asarray(w, dtype=dt)
            bg = np.dtype(dt).type(b)
            if gpu_block.get("read_bandwidth_gbps") is None:
                gpu_block["read_bandwidth_gbps"] = _gpu_read_bandwidth(cp, X_d, config.repeats)
                gpu_block["read_bandwidth_method"] = (
                    f"sum of the {format_bytes(X_d.nbytes)} matrix on the device, best of "
                    f"{max(config.repeats, 5)}")
            t0 = time.perf_counter()
            value = numpy_step(Xg, yg, wg, bg)
            cp.cuda.Device().synchronize()
            row.compile_seconds = time.perf_counter() - t0
            _verify(row, value, reference, str(X.dtype))
            for _ in range(max(1, config.warmup)):
                numpy_step(Xg, yg, wg, bg)
            times = _gpu_times(cp, lambda Xg=Xg, yg=yg, wg=wg, bg=bg: numpy_step(Xg, yg, wg, bg),
                               config.repeats, cancel)
            _finish_times(row, times)
            prog.tick(0.5, f"cupy {dt}: {row.seconds_median * 1e3:.3g} ms")
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


def _gpu_times(cp, call, repeats: int, cancel: CancelFlag | None) -> list[float]:
    start, end = cp.cuda.Event(), cp.cuda.Event()
    start.record()
    call()
    end.record()
    end.synchronize()
    one = cp.cuda.get_elapsed_time(start, end) / 1e3
    number = max(1, math.ceil(_MIN_TIMING_S / one)) if one > 0 else 1
    times = []
    for _ in range(max(repeats, 5)):
        _check(cancel)
        start.record()
        for _ in range(number):
            call()
        end.record()
        end.synchronize()
        times.append(cp.cuda.get_elapsed_time(start, end) / 1e3 / number)
    return times


def _gpu_read_bandwidth(cp, X_d, repeats: int) -> float | None:
    """GPU memory read bandwidth from a full reduction of the matrix on the device (GB/s)."""
    try:
        times = _gpu_times(cp, lambda: X_d.sum(), repeats, None)
        return X_d.nbytes / min(times) / 1e9
    except Exception:
        return None


def _gpu_peak_bandwidth(cp) -> float | None:
    """Theoretical bandwidth from the memory clock and bus width, when the driver says them."""
    try:
        dev = cp.cuda.Device().id
        clock_khz = cp.cuda.runtime.deviceGetAttribute(36, dev)  # cudaDevAttrMemoryClockRate
        bus_bits = cp.cuda.runtime.deviceGetAttribute(37, dev)  # GlobalMemoryBusWidth
        return 2.0 * clock_khz * 1e3 * bus_bits / 8 / 1e9 if clock_khz and bus_bits else None
    except Exception:
        return None


# -- derived numbers -------------------------------------------------------------------------

def _rates(row: BenchResult, bandwidth: dict[int, float], machine: dict) -> None:
    if row.seconds_median is None or row.seconds_median <= 0:
        return
    row.gflops = row.flops_per_step / row.seconds_median / 1e9
    row.gbps = row.bytes_per_step / row.seconds_median / 1e9
    if row.device == "gpu":
        bw = machine["gpu"].get("read_bandwidth_gbps")
    else:
        bw = bandwidth.get(row.threads) or bandwidth.get(max(bandwidth))
    row.bandwidth_fraction = row.gbps / bw if bw else None


def _derive(report: BenchReport) -> None:
    """Speed-ups, break-even iterations, the GPU block and the headline summary."""
    threads_all = max(_thread_counts(report.config))
    for row in report.results:
        if row.skipped or row.seconds_median is None:
            continue
        same = dict(m=row.m, n=row.n)
        loop = [r for r in report.rows("loop", **same) if r.seconds_median]
        if loop:
            row.speedup_vs_loop = loop[0].seconds_median / row.seconds_median
        numpy_rows = {r.threads: r for r in report.rows("numpy", **same) if r.seconds_median}
        base = numpy_rows.get(row.threads) or numpy_rows.get(threads_all)
        if base is not None:
            row.speedup_vs_numpy = base.seconds_median / row.seconds_median
            if row.impl == "gram" and row.precompute_seconds is not None:
                saved = base.seconds_median - row.seconds_median
                row.break_even_iterations = (math.ceil(row.precompute_seconds / saved)
                                             if saved > 0 else None)
    report.summary = _summary(report)


def _ratio(a: BenchResult | None, b: BenchResult | None) -> float | None:
    if a is None or b is None or not a.seconds_median or not b.seconds_median:
        return None
    return a.seconds_median / b.seconds_median


def _summary(report: BenchReport) -> dict[str, Any]:
    """Headline ratios at the largest size (the one the acceptance criteria speak of)."""
    done = [r for r in report.results if not r.skipped]
    if not done:
        return {}
    m, n = max((r.m, r.n) for r in done)

    def one(impl, **kw):
        rows = report.rows(impl, m=m, n=n, **kw)
        return rows[0] if rows else None

    threads = _thread_counts(report.config)
    out: dict[str, Any] = {"m": m, "n": n, "dtype": report.config.dtype}
    out["numpy_over_bare"] = {str(t): _ratio(one("numpy", threads=t), one(BARE, threads=t))
                              for t in threads}
    out["fused_speedup_vs_numpy"] = {str(t): _ratio(one("numpy", threads=t),
                                                    one("fused", threads=t)) for t in threads}
    out["gram_speedup_vs_numpy"] = {str(t): _ratio(one("numpy", threads=t),
                                                   one("gram", threads=t)) for t in threads}

    def best(impl):
        rows = [r for r in report.rows(impl, m=m, n=n) if r.seconds_median]
        return min(rows, key=lambda r: r.seconds_median) if rows else None

    # Each at its best thread count: on a busy or virtual 2-core machine, waking a second
    # BLAS thread for a sub-millisecond call can cost more than the call (see the rows).
    out["best_vs_best"] = {
        "fused_speedup_vs_numpy": _ratio(best("numpy"), best("fused")),
        "gram_speedup_vs_numpy": _ratio(best("numpy"), best("gram")),
        "numpy_threads": best("numpy").threads if best("numpy") else None,
        "fused_threads": best("fused").threads if best("fused") else None,
        "gram_threads": best("gram").threads if best("gram") else None,
    }
    for dt in ("float32", "float64"):
        gpu_row = one("cupy", dtype=dt)
        if gpu_row is not None and not gpu_row.skipped:
            out[f"cupy_{dt}"] = {"seconds": gpu_row.seconds_median,
                                 "bandwidth_fraction": gpu_row.bandwidth_fraction,
                                 "peak_fraction": gpu_row.peak_fraction,
                                 "speedup_vs_numpy": gpu_row.speedup_vs_numpy}
    loop = one("loop")
    out["loop_estimated"] = loop.estimated if loop else None
    out["loop_label"] = loop.label if loop else None
    errors = [r.rel_error for r in done if r.rel_error is not None and r.dtype == "float64"]
    out["max_rel_error_float64"] = max(errors) if errors else None
    out["all_verified"] = all(r.verified for r in done if r.verified is not None)
    if report.config.sweep:
        out["slopes"] = sweep_slopes(report)
    return out


def sweep_slopes(report: BenchReport) -> dict[str, float]:
    """Fitted log–log slope of time against the swept size, per implementation and threads."""
    axis = report.config.sweep
    series: dict[str, list[tuple[float, float]]] = {}
    for r in report.results:
        if r.skipped or not r.seconds_median:
            continue
        name = f"{r.impl} ({'GPU' if r.device == 'gpu' else r.threads}, {r.dtype})"
        series.setdefault(name, []).append((getattr(r, axis), r.seconds_median))
    slopes = {}
    for name, pts in series.items():
        if len({p[0] for p in pts}) >= 2:
            xs = np.log([p[0] for p in pts])
            ys = np.log([p[1] for p in pts])
            slopes[name] = float(np.polyfit(xs, ys, 1)[0])
    return slopes


# -- text output -------------------------------------------------------------------------------

def _fmt_s(s: float | None) -> str:
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def _fmt_x(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}x" if v >= 100 else f"{v:.3g}x"


def format_table(report: BenchReport) -> str:
    """The human-readable table ``gd-explorer bench`` prints."""
    mc = report.machine
    blas = mc["blas"]
    bw = ", ".join(f"{v:.1f} GB/s ({t} thread{'s' if t != '1' else ''})"
                   for t, v in mc.get("read_bandwidth_gbps", {}).items())
    lines = [
        "One GD step: e = Xw + b - y, ∇w = Xᵀe/m, ∂b = Σe/m",
        f"machine  {mc['cpu']}, {mc['cores']} cores; BLAS {blas.get('library')} "
        f"{blas.get('version') or ''} ({blas.get('threads') or '?'} threads)",
        f"memory   read bandwidth {bw}",
    ]
    gpu = mc["gpu"]
    if gpu["available"]:
        gbw = gpu.get("read_bandwidth_gbps")
        lines.append(f"gpu      {gpu['name']}" + (f", read bandwidth {gbw:.0f} GB/s"
                                                  if gbw else ""))
    else:
        lines.append(f"gpu      none: {gpu['reason']}")
    sweep = report.config.sweep is not None
    head = ["impl", "threads", "dtype"] + (["m", "n"] if sweep else []) + [
        "median", "min", "max", "GFLOP/s", "GB/s", "of bw", "vs loop", "vs numpy", "check",
        "note"]
    table = [head]
    for r in report.results:
        thr = "GPU" if r.device == "gpu" else str(r.threads)
        size = [f"{r.m:,}", f"{r.n:,}"] if sweep else []
        if r.skipped:
            table.append([r.impl, thr, r.dtype, *size, "-", "-", "-", "-", "-", "-", "-", "-",
                          "skipped", r.reason])
            continue
        check = "-" if r.verified is None else (
            f"ok {r.rel_error:.0e}" if r.verified else f"FAIL {r.rel_error:.1e}")
        notes = [x for x in (r.label, _extra_note(r)) if x]
        table.append([
            r.impl, thr, r.dtype, *size, _fmt_s(r.seconds_median), _fmt_s(r.seconds_min),
            _fmt_s(r.seconds_max), f"{r.gflops:.3g}" if r.gflops else "-",
            f"{r.gbps:.3g}" if r.gbps else "-",
            f"{r.bandwidth_fraction:.0%}" if r.bandwidth_fraction else "-",
            _fmt_x(r.speedup_vs_loop), _fmt_x(r.speedup_vs_numpy), check, "; ".join(notes)])
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    for row in table:
        cells = [c.rjust(wd) if i >= 3 else c.ljust(wd)
                 for i, (c, wd) in enumerate(zip(row[:-1], widths, strict=True))]
        lines.append("  ".join(cells) + ("  " + row[-1] if row[-1] else ""))
    s = report.summary
    if s:
        lines.append("")
        lines.append(f"at m={s['m']:,}, n={s['n']:,}:")
        for key, text in (("numpy_over_bare", "numpy step / bare X.T @ (X @ w + b - y) / m"),
                          ("fused_speedup_vs_numpy", "fused speed-up over numpy"),
                          ("gram_speedup_vs_numpy", "gram per-step speed-up over numpy")):
            vals = [f"{v:.3g}x at {t} thread{'s' if t != '1' else ''}"
                    for t, v in s.get(key, {}).items() if v is not None]
            if vals:
                lines.append(f"  {text}: {', '.join(vals)}")
        bb = s.get("best_vs_best", {})
        vals = [f"{text} {bb[key]:.3g}x" for key, text in (
            ("fused_speedup_vs_numpy", "fused over numpy"),
            ("gram_speedup_vs_numpy", "gram over numpy")) if bb.get(key)]
        if vals:
            lines.append(f"  each at its best thread count: {', '.join(vals)}")
        if s.get("max_rel_error_float64") is not None:
            lines.append(f"  largest relative difference from the vectorised step (float64): "
                         f"{s['max_rel_error_float64']:.1e}")
        for name, slope in s.get("slopes", {}).items():
            lines.append(f"  slope of log(time) vs log({report.config.sweep}): {name} "
                         f"{slope:.2f}")
    busy = mc.get("other_load_cores")
    if busy is not None and busy > 0.25:
        lines.append(f"warning: other processes kept about {busy:.1f} of {mc['cores']} cores "
                     "busy during this run; its timings, the threaded ones above all, are "
                     "less reliable")
    lines.append(f"(GB/s counts the bytes a step must read: X twice, or once for fused; "
                 f"'of bw' is the fraction of the read bandwidth at the same thread count. "
                 f"Total {report.elapsed_s:.0f} s.)")
    return "\n".join(lines)


def _extra_note(r: BenchResult) -> str:
    parts = []
    if r.impl == "gram" and r.precompute_seconds is not None:
        parts.append(f"precompute {_fmt_s(r.precompute_seconds)}")
        if r.break_even_iterations is not None:
            parts.append(f"break-even after {r.break_even_iterations:,} iterations")
    if r.compile_seconds is not None and r.impl in ("compiled-loop", "fused", "cupy"):
        parts.append(f"{'first call' if r.impl == 'cupy' else 'compile/load'} "
                     f"{_fmt_s(r.compile_seconds)}")
    if r.transfer_seconds is not None:
        parts.append(f"transfer {_fmt_s(r.transfer_seconds)}")
    if r.peak_fraction is not None:
        parts.append(f"{r.peak_fraction:.0%} of the theoretical GPU bandwidth")
    if r.impl == BARE:
        parts.append("reference line")
    if r.verified is False:
        parts.append(r.note)
    return ", ".join(parts)


# -- command line ---------------------------------------------------------------------------

def _int_arg(text: str) -> int:
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``gd-explorer bench``."""
    parser.description = ("Time one gradient-descent step implemented as Python loops, "
                          "compiled loops, BLAS, a fused one-pass kernel, the Gram form and "
                          "on the GPU; check each against the vectorised step.")
    parser.add_argument("--m", type=_int_arg, default=100_000, help="examples (default 100,000)")
    parser.add_argument("--n", type=_int_arg, default=1_000, help="features (default 1,000)")
    parser.add_argument("--dtype", choices=DTYPES, default="float64")
    parser.add_argument("--impl", nargs="+", choices=IMPLS, metavar="NAME",
                        help=f"implementations to time (default all): {', '.join(IMPLS)}")
    parser.add_argument("--repeats", type=_int_arg, default=5,
                        help="timed runs per implementation after the warm-up (default 5)")
    parser.add_argument("--sweep", choices=SWEEPS,
                        help="time each implementation at --points sizes up to --m or --n")
    parser.add_argument("--points", type=_int_arg, default=None,
                        help="sizes in a sweep, log-spaced (default 5)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    """The :class:`BenchConfig` the parsed options describe."""
    if args.points is not None and args.sweep is None:
        raise InputError("--points needs --sweep m or --sweep n")
    impls = tuple(dict.fromkeys(args.impl)) if args.impl else IMPLS
    return BenchConfig(m=args.m, n=args.n, dtype=args.dtype, impls=impls,
                       repeats=args.repeats, sweep=args.sweep,
                       points=args.points if args.points is not None else 5,
                       bandwidth_bytes=DEFAULT_BANDWIDTH_BYTES)


class ProgressBar:
    """A one-line progress bar on a terminal; plain lines (one per step) anywhere else."""

    def __init__(self, stream=None, width: int = 28) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_text = None
        self.last_len = 0

    def __call__(self, fraction: float, text: str) -> None:
        filled = round(fraction * self.width)
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} {text}"
        if self.tty:
            pad = max(0, self.last_len - len(bar))
            self.stream.write("\r" + bar + " " * pad)
            self.last_len = len(bar)
            self.stream.flush()
        elif text.split(":")[0] != self.last_text:
            self.stream.write(bar + "\n")
            self.stream.flush()
        self.last_text = text.split(":")[0]

    def close(self) -> None:
        if self.tty and self.last_len:
            self.stream.write("\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    """``gd-explorer bench``: progress on stderr, the table on stdout, JSON to ``--json``."""
    config = config_from_args(args)
    config.validate()
    if args.json:
        folder = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(folder):
            raise InputError(f"cannot write the JSON file: folder {folder} does not exist",
                             path=args.json)
    bar = ProgressBar()
    try:
        report = run_benchmark(config, progress=bar)
    finally:
        bar.close()
    print(format_table(report))
    if args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(report.to_json(), fh, indent=1, ensure_ascii=False)
                fh.write("\n")
        except OSError as exc:
            raise InputError(f"cannot write the JSON file: {exc.strerror}",
                             path=args.json) from None
    return 0


__all__ = [
    "BARE", "IMPLS", "WHY", "BenchConfig", "BenchReport", "BenchResult", "GramForm",
    "add_arguments", "config_from_args", "format_table", "limit_threads", "loop_step",
    "machine_info", "measure_read_bandwidth", "numpy_step", "run", "run_benchmark",
    "sweep_slopes",
]
