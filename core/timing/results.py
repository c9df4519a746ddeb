"""The rows a benchmark produces (:class:`BenchResult`) and the run's :class:`BenchReport`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from core.timing.config import BenchConfig


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
    #: The kernels that read X once (fused, cupy): seconds one read of X takes at the
    #: measured read bandwidth (m·n·itemsize / bandwidth), and the median over it.
    read_bound_seconds: float | None = None
    read_bound_ratio: float | None = None
    speedup_vs_loop: float | None = None
    #: Against the vectorised kernel on the CPU (same threads, else all threads).
    speedup_vs_vectorised: float | None = None
    rel_error: float | None = None
    verified: bool | None = None
    flops_per_step: float = 0.0
    bytes_per_step: float = 0.0
    compile_seconds: float | None = None
    transfer_seconds: float | None = None
    precompute_seconds: float | None = None
    break_even_iterations: int | None = None
    #: The dask rows: workers, rows per chunk, the cluster's start-up (never inside a
    #: step's time), and a step of empty tasks of the same graph (the scheduler's share).
    workers: int | None = None
    chunk_rows: int | None = None
    startup_seconds: float | None = None
    overhead_seconds: float | None = None
    tasks_per_step: int | None = None
    skipped: bool = False
    reason: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[str, int, int, str, int]:
        """What identifies a row: implementation, size, dtype and threads."""
        return (self.impl, self.m, self.n, self.dtype, self.threads)


@dataclass
class BenchReport:
    """Everything one benchmark run measured: the machine, the rows, and the headline ratios."""

    config: BenchConfig
    machine: dict[str, Any]
    results: list[BenchResult] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def rows(self, impl: str | None = None, **match: Any) -> list[BenchResult]:
        """Rows of ``impl`` (all when None) whose fields equal ``match``."""
        return [
            r
            for r in self.results
            if (impl is None or r.impl == impl)
            and all(getattr(r, k) == v for k, v in match.items())
        ]

    def to_json(self) -> dict[str, Any]:
        """The published JSON object ``{"machine", "results", "summary", "config"}``."""
        config = asdict(self.config)
        config["impls"] = list(self.config.impls)
        return json_safe(
            {
                "machine": self.machine,
                "results": [asdict(r) for r in self.results],
                "summary": self.summary,
                "config": config,
                "elapsed_s": self.elapsed_s,
            }
        )


def json_safe(value: Any) -> Any:
    """``value`` made fit for JSON: non-finite floats → None, tuples → lists, dict keys →
    str, NumPy scalars → Python numbers (recursively); anything else is returned as is."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value
