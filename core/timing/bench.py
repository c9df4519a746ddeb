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

This module is the bench's one front door; the work is done by, in order of the data flow:
:mod:`~core.timing.limits` (option ranges), :mod:`~core.timing.config` (what to measure),
:mod:`~core.timing.machine` (cores, BLAS, numba, bandwidth), :mod:`~core.timing.steps` (the
implementations), :mod:`~core.timing.measure` (timing one of them), :mod:`~core.timing.gpu`
(the CuPy rows), :mod:`~core.timing.run` (:func:`run_benchmark`),
:mod:`~core.timing.results` and :mod:`~core.timing.report` (rows, derived numbers, table),
and :mod:`~core.timing.command` (``gd-explorer bench``). Beside it, ``bench --to-cost`` times
batch GD against mini-batch SGD to a given cost (:mod:`~core.timing.to_cost`). Nothing
here prints, except :func:`run`, and nothing imports Qt. numba, threadpoolctl and CuPy are
optional: without them the implementations that need them are reported as skipped, with
the reason.
"""

from __future__ import annotations

from core.timing.command import ProgressBar, add_arguments, config_from_args, run
from core.timing.config import (
    BARE,
    DEFAULT_BANDWIDTH_BYTES,
    DTYPES,
    IMPLS,
    SWEEPS,
    TOLERANCE,
    WHY,
    BenchConfig,
)
from core.timing.limits import LIMITS, BenchLimit
from core.timing.machine import (
    blas_info,
    cpu_count,
    limit_threads,
    machine_info,
    measure_read_bandwidth,
    thread_counts,
)
from core.timing.report import format_table, sweep_slopes
from core.timing.results import BenchReport, BenchResult
from core.timing.run import run_benchmark
from core.timing.steps import (
    GramForm,
    bare_step,
    loop_step,
    numpy_step,
    reference_step,
    relative_error,
)

__all__ = [
    "BARE",
    "DEFAULT_BANDWIDTH_BYTES",
    "DTYPES",
    "IMPLS",
    "LIMITS",
    "SWEEPS",
    "TOLERANCE",
    "WHY",
    "BenchConfig",
    "BenchLimit",
    "BenchReport",
    "BenchResult",
    "GramForm",
    "ProgressBar",
    "add_arguments",
    "bare_step",
    "blas_info",
    "config_from_args",
    "cpu_count",
    "format_table",
    "limit_threads",
    "loop_step",
    "machine_info",
    "measure_read_bandwidth",
    "numpy_step",
    "reference_step",
    "relative_error",
    "run",
    "run_benchmark",
    "sweep_slopes",
    "thread_counts",
]
