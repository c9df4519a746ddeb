"""The benchmark run: test data, then every implementation at every size and thread count.

Every implementation is the runs' own kernel, prepared by
:func:`core.solvers.implementations.prepare` (``kernel(w, b) -> (∇w, ∂b, Σe²)``), checked
against the vectorised kernel before its time counts. Use :func:`run_benchmark` from code (a
GUI worker passes ``progress`` and ``cancel``); ``gd-explorer bench`` is
:mod:`core.timing.command`. Nothing here prints or imports Qt.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import numpy as np

from core.backend import check_fits, format_bytes
from core.cluster import missing
from core.solvers import implementations
from core.solvers.implementations import block_rows
from core.solvers.snapshot import CancelFlag
from core.timing import dask_rows, gpu, machine
from core.timing import report as derived
from core.timing.config import TEXTBOOK_LINE, BenchConfig, Progress, check_cancel
from core.timing.measure import (
    ProgressSplitter,
    Timed,
    label_estimated,
    new_row,
    probe,
    probe_row_count,
    rows_to_time,
    run_group,
    skipped_row,
)
from core.timing.reference import Parts, reference_step, textbook_line
from core.timing.results import BenchReport, BenchResult

# Python lists cost about 32 bytes a number (a float object and a pointer to it).
_LIST_BYTES_PER_NUMBER = 32
# Assumed XᵀX rate for deciding whether the Gram precompute is affordable (conservative).
_GRAM_FLOPS_PER_THREAD = 5e9
_GRAM_MAX_SECONDS = 120.0


def run_benchmark(
    config: BenchConfig | None = None,
    progress: Progress | None = None,
    cancel: CancelFlag | None = None,
) -> BenchReport:
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
    check_fits(
        m_max * n_max * itemsize + 4 * m_max * itemsize,
        "cpu",
        f"the {m_max:,} x {n_max:,} {config.dtype} test matrix",
    )
    if "dask" in config.impls and not missing():
        # the dask rows hold [X | y] in float64 twice more: chunks here and on the workers
        check_fits(
            m_max * n_max * itemsize + 2 * m_max * (n_max + 1) * 8,
            "cpu",
            f"the {m_max:,} x {n_max:,} test matrix and its float64 chunks for the dask "
            "rows (here and on the workers; leave out dask or use fewer rows)",
        )
    threads = machine.thread_counts(config)
    groups_per_point = (
        len(threads)
        + int("loop" in config.impls)
        + int("gram" in config.impls)
        + int("cupy" in config.impls)
        + int("dask" in config.impls)
    )
    prog = ProgressSplitter(progress, 2 + len(sizes) * groups_per_point)

    info = machine.machine_info(config)
    result = BenchReport(config, info)
    other_load = machine.OtherLoad()

    prog.tick(0.0, "measuring memory bandwidth")
    bw_bytes = config.bandwidth_bytes
    bandwidth = machine.measure_read_bandwidth(bw_bytes, threads, cancel=cancel)
    info["read_bandwidth_gbps"] = {str(t): v for t, v in bandwidth.items()}
    info["read_bandwidth_method"] = (
        f"sum of a {format_bytes(max(1 << 16, bw_bytes // 8) * 8)} buffer, each thread "
        "reading its own slice; best of 5"
    )
    prog.advance("generating the test data")

    rng = np.random.default_rng(config.seed)
    X_full = np.empty((m_max, n_max), dtype=config.dtype)
    block = block_rows(n_max)
    for start in range(0, m_max, block):  # in blocks, so that cancel stays prompt
        check_cancel(cancel)
        prog.tick(start / m_max, f"generating the {m_max:,} x {n_max:,} test matrix")
        # numpy's stubs know the dtype only as a literal; it is float32 or float64 here
        rng.standard_normal(
            out=X_full[start : start + block],  # type: ignore[call-overload]
            dtype=config.dtype,
        )
    w_true = rng.standard_normal(n_max)
    y_full = (
        X_full @ w_true.astype(config.dtype) + 0.5 + rng.standard_normal(m_max).astype(config.dtype)
    ).astype(config.dtype)
    # A point half-way through training: the gradient is neither zero nor the whole signal.
    w_full = (0.5 * w_true).astype(config.dtype)
    b = 0.25  # a Python float: each kernel converts it as the runs do
    prog.advance()

    compile_seconds: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        lab = None
        if "dask" in config.impls:
            prog.tick(0.0, "starting a local Dask cluster")
            lab = stack.enter_context(dask_rows.cluster(config))
            info["dask"] = dict(lab.about) if lab.client is not None else {"missing": lab.why}
        for m, n in sizes:
            check_cancel(cancel)
            X = X_full[:m] if n == n_max else np.ascontiguousarray(X_full[:m, :n])
            y = y_full[:m]
            w = w_full[:n].copy()
            _measure_point(
                result, config, X, y, w, b, threads, bandwidth, compile_seconds, prog, cancel, lab
            )
            del X
    info["other_load_cores"] = other_load.cores()
    derived.derive(result)
    result.elapsed_s = time.perf_counter() - t_start
    prog.tick(1.0, f"done in {result.elapsed_s:.0f} s")
    return result


#: Rows of a first, untimed probe per implementation (to see whether m rows fit the budget),
#: times n: the loop's few milliseconds, the compiled loop's, the others'.
_PROBE_CELLS = {"loop": 20_000, "compiled": 200_000}
_PROBE_CELLS_DEFAULT = 2_000_000
#: The implementations numba compiles (their compile or cache load is timed apart).
_COMPILED = ("compiled", "fused")

RefFor = Callable[[int], Parts]


def _measure_point(
    result: BenchReport,
    config: BenchConfig,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    threads: list[int],
    bandwidth: dict[int, float],
    compile_seconds: dict[str, float],
    prog: ProgressSplitter,
    cancel: CancelFlag | None,
    lab: dask_rows.DaskLab | None = None,
) -> None:
    impls = config.impls
    m, n = X.shape
    with machine.limit_threads(max(threads)):
        reference = reference_step(X, y, w, b)
    refs: dict[int, Parts] = {m: reference}

    def ref_for(k: int) -> Parts:
        if k not in refs:
            refs[k] = reference_step(X[:k], y[:k], w, b)
        return refs[k]

    def item(impl: str, t: int) -> Timed:
        return _kernel_item(impl, X, y, w, b, t, config, ref_for, cancel)

    # -- the Python loop (alone: it is slow, and always one thread) --
    if "loop" in impls:
        prog.tick(0.0, f"loop (m={m:,}, n={n:,}): probing")
        loop = item("loop", 1)
        run_group([loop], config, cancel, prog.tick)
        result.results.append(loop.row)
        del loop  # its kernel holds X's rows as Python lists (about 32 bytes a number)
        prog.advance()

    # -- compiled, vectorised (with the textbook line) and fused, at each thread count --
    for impl in _COMPILED:
        key = f"{impl}/{config.dtype}"
        if impl in impls and not implementations.unavailable(impl) and key not in compile_seconds:
            prog.tick(0.0, "compiling the numba kernels (cached after the first run)")
            t0 = time.perf_counter()
            implementations.warm_up(impl, config.dtype)
            compile_seconds[key] = time.perf_counter() - t0
    for t in threads:
        check_cancel(cancel)
        items: list[Timed] = []
        with machine.limit_threads(t):
            if "compiled" in impls and t == 1:
                items.extend(_compiled_item("compiled", X, t, compile_seconds, result, item))
            if "vectorised" in impls and not machine.blas_threads_settable(t, threads):
                result.results.append(skipped_row("vectorised", X, t, machine.NO_THREADPOOLCTL))
            elif "vectorised" in impls:
                items.append(item("vectorised", t))
                items.append(_textbook_item(X, y, w, b, t, config, ref_for))
            if "fused" in impls:
                items.extend(_compiled_item("fused", X, t, compile_seconds, result, item))
            run_group(items, config, cancel, prog.tick)
        result.results.extend(i.row for i in items)
        prog.advance()

    if "gram" in impls:
        result.results.extend(_gram_rows(X, y, w, b, threads, config, reference, cancel, prog))
        prog.advance()
    if "cupy" in impls:
        result.results.extend(
            gpu.gpu_rows(X, y, w, b, config, cancel, prog, reference, result.machine["gpu"])
        )
        prog.advance()
    if lab is not None:
        result.results.extend(dask_rows.dask_rows(lab, X, y, w, b, config, reference, cancel, prog))
        prog.advance()
    for row in result.results:
        if row.m == m and row.n == n and not row.skipped and row.gbps is None:
            derived.rates(row, bandwidth, result.machine)


def _compiled_item(
    impl: str,
    X: np.ndarray,
    threads: int,
    compile_seconds: dict[str, float],
    result: BenchReport,
    item: Callable[[str, int], Timed],
) -> list[Timed]:
    """The numba kernel ``impl`` to time (its compile time noted), or a skipped row in
    ``result`` with the registry's reason (none to time then)."""
    why = implementations.unavailable(impl)
    if why and machine.numba_kernels() is None:
        why = machine.numba_reason()  # says so when a packaged build leaves numba out
    if why:
        result.results.append(skipped_row(impl, X, threads, why))
        return []
    timed = item(impl, threads)
    timed.row.compile_seconds = compile_seconds.get(f"{impl}/{X.dtype}")
    return [timed]


def _kernel_item(
    impl: str,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    threads: int,
    config: BenchConfig,
    ref_for: RefFor,
    cancel: CancelFlag | None,
) -> Timed:
    """The registry's kernel ``impl`` (linear in m): timed in full, or on its first k rows
    when m rows would not fit the time budget (its time then scaled by m/k).

    The kernel is prepared outside the timing (the loop's Python lists, for instance), as a
    run prepares it once before its iterations.
    """
    m, n = X.shape
    row = new_row(impl, X, threads)
    calls = config.warmup + config.repeats
    cells = _PROBE_CELLS.get(impl, _PROBE_CELLS_DEFAULT)
    k0 = probe_row_count(n, m) if impl == "loop" else max(1, min(m, cells // max(n, 1)))
    probe_kernel = implementations.prepare(impl, X[:k0], y[:k0], True, cancel)
    per_row = probe(lambda: probe_kernel(w, b)) / k0
    k = rows_to_time(per_row, m, calls, config.time_budget_s, k0)
    if impl == "loop":
        check_fits(k * n * _LIST_BYTES_PER_NUMBER, "cpu", f"the loop's {k:,} x {n:,} Python lists")
    label_estimated(row, k)
    kernel = probe_kernel if k == k0 else implementations.prepare(impl, X[:k], y[:k], True, cancel)
    return Timed(
        row,
        lambda: kernel(w, b),
        ref_for(k),
        scale=m / k,
        pool="blas" if impl == "vectorised" else impl,
    )


def _textbook_item(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    threads: int,
    config: BenchConfig,
    ref_for: RefFor,
) -> Timed:
    """The course's line ``X.T @ (X @ w + b - y) / m``, timed beside the vectorised kernel
    (its ∇w checked against the vectorised kernel's)."""
    m, n = X.shape
    row = new_row(TEXTBOOK_LINE, X, threads)
    row.note = "X.T @ (X @ w + b - y) / m, the peer of the vectorised row"
    k0 = max(1, min(m, _PROBE_CELLS_DEFAULT // max(n, 1)))
    Xp, yp = X[:k0], y[:k0]
    per_row = probe(lambda: textbook_line(Xp, yp, w, b)) / k0
    k = rows_to_time(per_row, m, config.warmup + config.repeats, config.time_budget_s, k0)
    label_estimated(row, k)
    Xk, yk = X[:k], y[:k]
    gw, _, _ = ref_for(k)
    return Timed(
        row, lambda: textbook_line(Xk, yk, w, b), (gw, None, None), scale=m / k, pool="blas"
    )


def _gram_rows(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    threads: list[int],
    config: BenchConfig,
    reference: Parts,
    cancel: CancelFlag | None,
    prog: ProgressSplitter,
) -> list[BenchResult]:
    """The Gram form's kernel at each thread count; its preparation (XᵀX, Xᵀy: the
    registry's :meth:`~core.solvers.implementations.GramForm.precompute`) timed apart, once."""
    m, n = X.shape
    predicted = 2.0 * m * n * n / (_GRAM_FLOPS_PER_THREAD * max(threads))
    if predicted > _GRAM_MAX_SECONDS:
        return [
            skipped_row(
                "gram",
                X,
                t,
                f"computing XᵀX would take about {predicted:.0f} s at this size; use a smaller n",
            )
            for t in threads
        ]
    check_fits(n * n * X.dtype.itemsize * 2, "cpu", f"the {n:,} x {n:,} Gram matrix")
    check_cancel(cancel)
    prog.tick(0.0, f"gram (m={m:,}, n={n:,}): precomputing XᵀX and Xᵀy")
    with machine.limit_threads(max(threads)):
        t0 = time.perf_counter()
        kernel = implementations.prepare("gram", X, y, True, cancel)
        precompute = time.perf_counter() - t0
    rows = []
    for t in threads:
        if not machine.blas_threads_settable(t, threads):
            rows.append(skipped_row("gram", X, t, machine.NO_THREADPOOLCTL))
            continue
        row = new_row("gram", X, t)
        row.precompute_seconds = precompute
        row.note = (
            f"XᵀX, Xᵀy precomputed once in {precompute:.3g} s "
            f"({max(threads)} thread{'s' if max(threads) > 1 else ''})"
        )
        with machine.limit_threads(t):
            run_group([Timed(row, lambda: kernel(w, b), reference)], config, cancel, prog.tick)
        rows.append(row)
    return rows
