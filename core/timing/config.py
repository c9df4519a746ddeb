"""What the bench measures: the implementations (the kernel registry's names), the
:class:`BenchConfig`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.errors import Cancelled, InputError
from core.solvers.snapshot import CancelFlag
from core.timing import limits

#: ``progress(fraction, text)``: overall fraction done (0..1) and what is being measured.
Progress = Callable[[float, str], None]


def check_cancel(cancel: CancelFlag | None) -> None:
    """Raise :class:`core.errors.Cancelled` once the caller asked the benchmark to stop."""
    if cancel is not None and cancel.is_set():
        raise Cancelled("benchmark cancelled")


#: The implementations the bench compares: the kernel registry's names
#: (:data:`core.solvers.implementations.IMPLEMENTATIONS`), in the order of the timing story.
IMPLS = ("loop", "compiled", "vectorised", "fused", "gram", "cupy", "dask")
#: The rows ``dask`` gives (:mod:`core.timing.dask_rows`): the engine's step on the cluster,
#: its Gram form, and the same chunks stepped in this one process.
DASK_ROWS = ("dask", "dask-gram", "one-process")
#: The course's textbook line, timed beside the ``vectorised`` kernel (not an ``--impl``
#: choice): the peer the product's vectorised step is compared with.
TEXTBOOK_LINE = "textbook-line"
#: The names the bench used before the kernel registry (``--impl`` still accepts them).
FORMER_NAMES = {"numpy": "vectorised", "compiled-loop": "compiled", "numpy-bare": TEXTBOOK_LINE}
DTYPES = ("float64", "float32")
SWEEPS = ("m", "n")

#: One line per implementation: where its time goes (for tables and the Timing tab).
WHY = {
    "loop": "The interpreter executes every one of the 2·m·n multiply-adds separately: "
    "each is a bytecode dispatch, two list lookups and a float object.",
    "compiled": "The same loops as machine code: no interpreter, but one multiply-add "
    "after another on one core, waiting for each sum before the next.",
    "vectorised": "Two BLAS matrix-vector products: SIMD, unrolled, threaded. They are "
    "memory-bound, and X is read from memory twice per step. With cupy ticked, the same "
    "two products are also timed on the GPU (CuPy).",
    TEXTBOOK_LINE: "The textbook line X.T @ (X @ w + b - y) / m, timed as a check on the "
    "vectorised step.",
    "fused": "One pass: a few rows give their errors, then the same rows, still in cache, "
    "add into the gradient. X is read from memory once, so it can beat BLAS.",
    "gram": "XᵀX and Xᵀy are computed once (O(m·n²)); then each step is G·w − c, "
    "O(n²) whatever m is, and from cache. Worth it after the break-even iterations.",
    "cupy": "One CUDA kernel that reads X once per step, on the GPU (float32 and float64, "
    "beside CuPy's vectorised step): thousands of threads and many times the CPU's memory "
    "bandwidth; its bound is the time one read of X takes. Copying X there is paid once.",
    "dask": "The dask engine's step on a local cluster of single-threaded workers: each "
    "chunk of rows gives its Xᵀe, Σe and Σe² as one task, and a tree of sums adds them. "
    "Every step pays the scheduler: sending w to every chunk's task, running them, "
    "gathering the sums (measured as a step of empty tasks); data on disk would add a "
    "read of each chunk per step. It wins when the chunks' work outweighs that and the "
    "workers have cores of their own.",
    "dask-gram": "The Gram form on the cluster: one pass over the chunks gives XᵀX, Xᵀy "
    "and yᵀy (the pass is the precompute, timed apart); every step after it is O(n²) "
    "here, whatever m is and wherever the data lies.",
    "one-process": "The same chunks stepped one after another in this process, with the "
    "same code and as many threads as the cluster has: what the cluster must beat.",
}

#: Relative agreement each kernel must reach against the vectorised one: [∇w, ∂b] in the
#: max-abs norm relative to its largest entry, and Σe² relative to the vectorised Σe².
TOLERANCE = {"float64": 1e-10, "float32": 1e-3}

#: The bandwidth buffer ``gd-explorer bench`` reads (well beyond the caches).
DEFAULT_BANDWIDTH_BYTES = 1 << 30


@dataclass(frozen=True)
class BenchConfig:
    """What to measure. Defaults reproduce the textbook case (100,000 × 1,000, float64)."""

    m: int = limits.M.default
    n: int = limits.N.default
    dtype: str = "float64"
    impls: tuple[str, ...] = IMPLS
    repeats: int = limits.REPEATS.default
    #: Warm-up calls (at least), and seconds of warm-up calls when one call is short.
    warmup: int = 1
    warmup_s: float = 0.25
    sweep: str | None = None
    points: int = limits.POINTS.default
    seed: int = 0
    #: Seconds one implementation may take at one size (warm-up and repeats together);
    #: slower ones are timed on a row subsample. ``math.inf`` always measures in full.
    time_budget_s: float = 8.0
    #: Size of the buffer read to measure the machine's memory bandwidth (larger than caches).
    bandwidth_bytes: int = DEFAULT_BANDWIDTH_BYTES
    #: Thread counts for the threaded rows; None means ``[1, all cores]``.
    threads: tuple[int, ...] | None = None
    #: The dask rows: workers of the local cluster (None: one per core), rows per chunk
    #: (None: four chunks per worker), worker processes (False: threads of this process).
    dask_workers: int | None = None
    dask_chunk_rows: int | None = None
    dask_processes: bool = True
    #: the scheduler of an existing Dask cluster for the dask rows (None: a local one)
    dask_scheduler: str | None = None

    def validate(self) -> None:
        """Raise :class:`InputError` for an option that cannot be used (with its range)."""
        limits.M.check(self.m)
        limits.N.check(self.n)
        if self.dtype not in DTYPES:
            raise InputError(f"unknown dtype {self.dtype!r}; choose one of {', '.join(DTYPES)}")
        unknown = [i for i in self.impls if i not in IMPLS]
        if unknown or not self.impls:
            raise InputError(
                f"unknown implementation {', '.join(unknown) or '(none)'}; "
                f"choose among {', '.join(IMPLS)}"
            )
        limits.REPEATS.check(self.repeats)
        if self.warmup < 1 or self.warmup_s < 0:
            raise InputError(f"warm-up must be >= 1 call, got {self.warmup}")
        if self.sweep is not None and self.sweep not in SWEEPS:
            raise InputError(f"--sweep must be m or n, got {self.sweep!r}")
        if self.sweep is not None:
            limits.POINTS.check(self.points)
        if not self.time_budget_s > 0:
            raise InputError(f"the time budget must be > 0 s, got {self.time_budget_s}")
        if self.threads is not None:
            if not self.threads:
                raise InputError("give at least one thread count")
            for t in self.threads:
                limits.THREADS.check(t)
        if self.dask_workers is not None and not 1 <= self.dask_workers <= 256:
            raise InputError(
                f"--workers must be a whole number from 1 to 256, got {self.dask_workers}"
            )
        if self.dask_chunk_rows is not None and self.dask_chunk_rows < 1:
            raise InputError(f"--chunk-rows must be at least 1, got {self.dask_chunk_rows}")

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
