"""The benchmark run: test data, then every implementation at every size and thread count.

Use :func:`run_benchmark` from code (a GUI worker passes ``progress`` and ``cancel``);
``gd-explorer bench`` is :mod:`core.timing.command`. Nothing here prints or imports Qt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from core.backend import check_fits, format_bytes
from core.solvers.snapshot import CancelFlag
from core.timing import gpu, machine
from core.timing import report as derived
from core.timing.config import BARE, BenchConfig, Progress, check_cancel
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
from core.timing.results import BenchReport, BenchResult
from core.timing.steps import (
    GramForm,
    bare_step,
    block_rows,
    loop_step,
    numpy_step,
    reference_step,
)

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
    threads = machine.thread_counts(config)
    groups_per_point = (
        len(threads)
        + int("loop" in config.impls)
        + int("gram" in config.impls)
        + int("cupy" in config.impls)
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
    b = 0.25
    prog.advance()

    compile_seconds: dict[str, float] = {}
    for m, n in sizes:
        check_cancel(cancel)
        X = X_full[:m] if n == n_max else np.ascontiguousarray(X_full[:m, :n])
        y = y_full[:m]
        w = w_full[:n].copy()
        _measure_point(
            result, config, X, y, w, b, threads, bandwidth, compile_seconds, prog, cancel
        )
        del X
    info["other_load_cores"] = other_load.cores()
    derived.derive(result)
    result.elapsed_s = time.perf_counter() - t_start
    prog.tick(1.0, f"done in {result.elapsed_s:.0f} s")
    return result


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
) -> None:
    impls = config.impls
    m, n = X.shape
    dt = X.dtype.type
    calls = config.warmup + config.repeats
    budget = config.time_budget_s
    with machine.limit_threads(max(threads)):
        reference = reference_step(X, y, w, b)
    refs: dict[int, np.ndarray] = {m: reference}

    def ref_for(k: int) -> np.ndarray:
        if k not in refs:
            refs[k] = reference_step(X[:k], y[:k], w, b)
        return refs[k]

    # -- the Python loop (alone: it is slow, and always one thread) --
    if "loop" in impls:
        prog.tick(0.0, f"loop (m={m:,}, n={n:,}): probing")
        row = new_row("loop", X, 1)
        k0 = probe_row_count(n, m)
        w_list = [float(v) for v in w]
        probe_rows, probe_y = X[:k0].tolist(), y[:k0].tolist()
        per_row = probe(lambda: loop_step(probe_rows, probe_y, w_list, b, cancel)) / k0
        del probe_rows
        k = rows_to_time(per_row, m, calls, budget, k0)
        check_fits(k * n * _LIST_BYTES_PER_NUMBER, "cpu", f"the loop's {k:,} x {n:,} Python lists")
        rows_list, ys_list = X[:k].tolist(), y[:k].tolist()
        label_estimated(row, k)
        item = Timed(
            row, lambda: loop_step(rows_list, ys_list, w_list, b, cancel), ref_for(k), scale=m / k
        )
        run_group([item], config, cancel, prog.tick)
        del rows_list, ys_list
        result.results.append(row)
        prog.advance()

    # -- compiled and BLAS implementations, at each thread count --
    kernels = machine.numba_kernels()
    if kernels is not None and ({"compiled-loop", "fused"} & set(impls)):
        key = config.dtype
        if key not in compile_seconds:
            prog.tick(0.0, "compiling the numba kernels (cached after the first run)")
            for name, secs in kernels.compile_kernels(config.dtype).items():
                compile_seconds[f"{name}/{key}"] = secs
    for t in threads:
        check_cancel(cancel)
        items: list[Timed] = []
        with machine.limit_threads(t):
            if "compiled-loop" in impls and t == 1:
                if kernels is None:
                    result.results.append(
                        skipped_row("compiled-loop", X, 1, machine.numba_reason())
                    )
                else:
                    items.append(
                        _compiled_item(kernels, X, y, w, b, calls, budget, ref_for, compile_seconds)
                    )
            if "numpy" in impls and not machine.blas_threads_settable(t, threads):
                result.results.append(skipped_row("numpy", X, t, machine.NO_THREADPOOLCTL))
            elif "numpy" in impls:
                items.append(
                    _linear_item("numpy", X, y, w, dt(b), t, calls, budget, ref_for, numpy_step)
                )
                items.append(
                    _linear_item(
                        BARE, X, y, w, dt(b), t, calls, budget, ref_for, bare_step, bare=True
                    )
                )
            if "fused" in impls:
                if kernels is None:
                    result.results.append(skipped_row("fused", X, t, machine.numba_reason()))
                else:

                    def fused(
                        Xk: np.ndarray,
                        yk: np.ndarray,
                        wk: np.ndarray,
                        bk: Any,
                        _t: int = t,
                        _k: ModuleType = kernels,
                    ) -> np.ndarray:
                        return _k.fused_step(Xk, yk, wk, bk, _t)

                    item = _linear_item("fused", X, y, w, dt(b), t, calls, budget, ref_for, fused)
                    item.row.compile_seconds = compile_seconds.get(f"fused/{config.dtype}")
                    items.append(item)
            run_group(items, config, cancel, prog.tick)
        result.results.extend(i.row for i in items)
        prog.advance()

    if "gram" in impls:
        result.results.extend(_gram_rows(X, y, w, dt(b), threads, config, cancel, prog))
        prog.advance()
    if "cupy" in impls:
        result.results.extend(
            gpu.cupy_rows(X, y, w, b, config, cancel, prog, reference, result.machine["gpu"])
        )
        prog.advance()
    for row in result.results:
        if row.m == m and row.n == n and not row.skipped and row.gbps is None:
            derived.rates(row, bandwidth, result.machine)


RefFor = Callable[[int], np.ndarray]


def _linear_item(
    impl: str,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: Any,
    threads: int,
    calls: int,
    budget: float,
    ref_for: RefFor,
    step: Callable[..., Any],
    bare: bool = False,
) -> Timed:
    """An implementation linear in m: timed in full, or on k rows when too slow."""
    m, n = X.shape
    row = new_row(impl, X, threads)
    k0 = max(1, min(m, 2_000_000 // max(n, 1)))
    Xp, yp = X[:k0], y[:k0]
    per_row = probe(lambda: step(Xp, yp, w, b)) / k0
    k = rows_to_time(per_row, m, calls, budget, k0)
    label_estimated(row, k)
    Xk, yk = X[:k], y[:k]
    reference = ref_for(k)
    if bare:
        # The bare line returns ∇w only; check it against the reference's ∇w part.
        reference = reference[:-1]
        row.note = "X.T @ (X @ w + b - y) / m, the reference for the numpy row"
    return Timed(
        row,
        lambda: step(Xk, yk, w, b),
        reference,
        scale=m / k,
        pool="blas" if impl in ("numpy", BARE) else impl,
    )


def _compiled_item(
    kernels: ModuleType,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    calls: int,
    budget: float,
    ref_for: RefFor,
    compile_seconds: dict[str, float],
) -> Timed:
    """The compiled loop, one thread, timed in full or on its first k rows."""
    m, n = X.shape
    row = new_row("compiled-loop", X, 1)
    row.compile_seconds = compile_seconds.get(f"compiled-loop/{X.dtype}")
    k0 = max(1, min(m, 200_000 // max(n, 1)))
    Xp, yp = X[:k0], y[:k0]
    per_row = probe(lambda: kernels.compiled_loop_step(Xp, yp, w, b)) / k0
    k = rows_to_time(per_row, m, calls, budget, k0)
    label_estimated(row, k)
    Xk, yk = X[:k], y[:k]
    return Timed(row, lambda: kernels.compiled_loop_step(Xk, yk, w, b), ref_for(k), scale=m / k)


def _gram_rows(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: Any,
    threads: list[int],
    config: BenchConfig,
    cancel: CancelFlag | None,
    prog: ProgressSplitter,
) -> list[BenchResult]:
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
        form = GramForm.precompute(X, y, cancel)
        precompute = time.perf_counter() - t0
        reference = reference_step(X, y, w, float(b))
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
            run_group([Timed(row, lambda: form.step(w, b), reference)], config, cancel, prog.tick)
        rows.append(row)
    return rows
