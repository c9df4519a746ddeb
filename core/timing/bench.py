"""The timing lab: one gradient-descent step, implemented seven ways, measured honestly.

The step is ``e = Xw + b − y``, ``∇w = Xᵀe/m``, ``∂b = Σe/m`` (and Σe², for the cost) on an
m×n design. The implementations are the runs' own kernels, from the kernel registry
(:mod:`core.solvers.implementations`, same names); each computes the step from the same
inputs and is checked against the vectorised kernel before its time counts:

========================  ===============================================================
``loop``                  nested Python loops over examples and features
``compiled``              the same loops compiled by numba, one thread
``vectorised``            two BLAS matrix-vector products, 1 thread and all threads
``fused``                 one parallel numba pass that reads X once per step
``gram``                  ``XᵀX``, ``Xᵀy`` precomputed once; then O(n²) per step
``cupy``                  on an NVIDIA GPU, float32 and float64: the fused CUDA kernel
                          (reads X once; set against that read's time), and beside it the
                          ``vectorised`` kernel on CuPy arrays
``dask``                  not a kernel: the dask engine's step on a local cluster, with its
                          Gram pass (``dask-gram``) and the same chunks in one process
                          (``one-process``); :mod:`~core.timing.dask_rows`, with the extra
========================  ===============================================================

Alongside ``vectorised`` the course's line ``X.T @ (X @ w + b - y) / m`` is timed in the
same process (rows ``textbook-line``), so the product's step can be compared with it.

This module is the bench's one front door; the work is done by, in order of the data flow:
:mod:`~core.timing.limits` (option ranges), :mod:`~core.timing.config` (what to measure),
:mod:`~core.timing.machine` (cores, BLAS, numba, bandwidth), :mod:`~core.timing.reference`
(what each kernel must reproduce, the textbook line), :mod:`~core.timing.measure` (timing one
of them), :mod:`~core.timing.gpu` (the GPU rows), :mod:`~core.timing.run`
(:func:`run_benchmark`), :mod:`~core.timing.results` and :mod:`~core.timing.report` (rows,
derived numbers, table), and :mod:`~core.timing.command` (``gd-explorer bench``). Beside it,
``bench --to-cost`` times batch GD against mini-batch SGD to a given cost
(:mod:`~core.timing.to_cost`). Nothing here prints, except :func:`run`, and nothing imports
Qt. numba, threadpoolctl and CuPy are optional: without them the implementations that need
them are reported as skipped, with the reason.
"""

from __future__ import annotations

from core.timing.command import ProgressBar, add_arguments, config_from_args, run
from core.timing.config import (
    DEFAULT_BANDWIDTH_BYTES,
    DTYPES,
    FORMER_NAMES,
    IMPLS,
    SWEEPS,
    TEXTBOOK_LINE,
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
from core.timing.reference import host_parts, reference_step, relative_error, textbook_line
from core.timing.report import format_table, sweep_slopes
from core.timing.results import BenchReport, BenchResult
from core.timing.run import run_benchmark

__all__ = [
    "DEFAULT_BANDWIDTH_BYTES",
    "DTYPES",
    "FORMER_NAMES",
    "IMPLS",
    "LIMITS",
    "SWEEPS",
    "TEXTBOOK_LINE",
    "TOLERANCE",
    "WHY",
    "BenchConfig",
    "BenchLimit",
    "BenchReport",
    "BenchResult",
    "ProgressBar",
    "add_arguments",
    "blas_info",
    "config_from_args",
    "cpu_count",
    "format_table",
    "host_parts",
    "limit_threads",
    "machine_info",
    "measure_read_bandwidth",
    "reference_step",
    "relative_error",
    "run",
    "run_benchmark",
    "sweep_slopes",
    "textbook_line",
    "thread_counts",
]
