"""Numbers derived from the timings (rates, speed-ups, break-even, slopes) and the table.

Each row's GB/s counts the bytes a step must read (X twice, or once for ``fused`` and
``cupy``) and is also given as a fraction of the machine's read bandwidth measured in the same
run; the kernels that read X once are also set against that one read's time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.backend import format_bytes
from core.timing import machine
from core.timing.config import DASK_ROWS, TEXTBOOK_LINE
from core.timing.dask_rows import crossover
from core.timing.measure import ONE_READ
from core.timing.results import BenchReport, BenchResult
from core.units import fmt_seconds


def rates(row: BenchResult, bandwidth: dict[int, float], machine_block: dict[str, Any]) -> None:
    """GFLOP/s, GB/s and the fraction of the read bandwidth of one measured row; for a
    kernel that reads X once, the one-read bound m·n·itemsize / bandwidth and its ratio."""
    if row.seconds_median is None or row.seconds_median <= 0:
        return
    row.gflops = row.flops_per_step / row.seconds_median / 1e9
    row.gbps = row.bytes_per_step / row.seconds_median / 1e9
    if row.device == "gpu":
        bw = machine_block["gpu"].get("read_bandwidth_gbps")
    else:
        bw = bandwidth.get(row.threads) or bandwidth.get(max(bandwidth))
    row.bandwidth_fraction = row.gbps / bw if bw else None
    if row.impl in ONE_READ and bw:
        row.read_bound_seconds = row.m * row.n * np.dtype(row.dtype).itemsize / (bw * 1e9)
        row.read_bound_ratio = row.seconds_median / row.read_bound_seconds


def _seconds(row: BenchResult) -> float:
    """The median time of a measured row (callers pass only rows that have one)."""
    if row.seconds_median is None:
        raise ValueError(f"the {row.impl} row has no time")
    return row.seconds_median


def derive(report: BenchReport) -> None:
    """Speed-ups, break-even iterations, the GPU block and the headline summary."""
    threads_all = max(machine.thread_counts(report.config))
    for row in report.results:
        if row.skipped or row.seconds_median is None:
            continue
        secs = row.seconds_median
        same = dict(m=row.m, n=row.n)
        loop = [r for r in report.rows("loop", **same) if r.seconds_median]
        if loop:
            row.speedup_vs_loop = _seconds(loop[0]) / secs
        vectorised = {
            r.threads: r
            for r in report.rows("vectorised", device="cpu", **same)
            if r.seconds_median
        }
        base = vectorised.get(row.threads) or vectorised.get(threads_all)
        if base is not None:
            row.speedup_vs_vectorised = _seconds(base) / secs
            if row.impl in ("gram", "dask-gram") and row.precompute_seconds is not None:
                saved = _seconds(base) - secs
                row.break_even_iterations = (
                    math.ceil(row.precompute_seconds / saved) if saved > 0 else None
                )
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

    def one(impl: str, device: str = "cpu", **kw: Any) -> BenchResult | None:
        rows = report.rows(impl, m=m, n=n, device=device, **kw)
        return rows[0] if rows else None

    threads = machine.thread_counts(report.config)
    out: dict[str, Any] = {"m": m, "n": n, "dtype": report.config.dtype}
    out["vectorised_over_textbook_line"] = {
        str(t): _ratio(one("vectorised", threads=t), one(TEXTBOOK_LINE, threads=t)) for t in threads
    }
    out["fused_speedup_vs_vectorised"] = {
        str(t): _ratio(one("vectorised", threads=t), one("fused", threads=t)) for t in threads
    }
    out["gram_speedup_vs_vectorised"] = {
        str(t): _ratio(one("vectorised", threads=t), one("gram", threads=t)) for t in threads
    }

    def best(impl: str) -> BenchResult | None:
        rows = [r for r in report.rows(impl, m=m, n=n, device="cpu") if r.seconds_median]
        return min(rows, key=_seconds) if rows else None

    # Each at its best thread count: on a busy or virtual 2-core machine, waking a second
    # BLAS thread for a sub-millisecond call can cost more than the call (see the rows).
    fastest = {impl: best(impl) for impl in ("vectorised", "fused", "gram")}
    out["best_vs_best"] = {
        "fused_speedup_vs_vectorised": _ratio(fastest["vectorised"], fastest["fused"]),
        "gram_speedup_vs_vectorised": _ratio(fastest["vectorised"], fastest["gram"]),
        **{f"{impl}_threads": (row.threads if row else None) for impl, row in fastest.items()},
    }
    for dt in ("float32", "float64"):
        for impl in ("vectorised", "cupy"):
            gpu_row = one(impl, device="gpu", dtype=dt)
            if gpu_row is None or gpu_row.skipped:
                continue
            out[f"{impl}_gpu_{dt}"] = {
                "seconds": gpu_row.seconds_median,
                "bandwidth_fraction": gpu_row.bandwidth_fraction,
                "peak_fraction": gpu_row.peak_fraction,
                "speedup_vs_vectorised": gpu_row.speedup_vs_vectorised,
                "read_bound_seconds": gpu_row.read_bound_seconds,
                "read_bound_ratio": gpu_row.read_bound_ratio,
            }
        pair = out.get(f"vectorised_gpu_{dt}"), out.get(f"cupy_gpu_{dt}")
        if pair[0] and pair[1] and pair[0]["seconds"] and pair[1]["seconds"]:
            pair[1]["speedup_vs_gpu_vectorised"] = pair[0]["seconds"] / pair[1]["seconds"]
    loop = one("loop")
    out["loop_estimated"] = loop.estimated if loop else None
    out["loop_label"] = loop.label if loop else None
    errors = [r.rel_error for r in done if r.rel_error is not None and r.dtype == "float64"]
    out["max_rel_error_float64"] = max(errors) if errors else None
    out["all_verified"] = all(r.verified for r in done if r.verified is not None)
    dask = crossover(report.results, int(report.machine.get("cores") or 1))
    if dask:
        out["dask"] = dask
    if report.config.sweep:
        out["slopes"] = sweep_slopes(report)
    return out


def sweep_slopes(report: BenchReport) -> dict[str, float]:
    """Fitted log–log slope of time against the swept size, per implementation and threads."""
    axis = report.config.sweep
    if axis is None:
        return {}
    series: dict[str, list[tuple[float, float]]] = {}
    for r in report.results:
        if r.skipped or not r.seconds_median:
            continue
        name = f"{r.impl} ({'GPU' if r.device == 'gpu' else r.threads}, {r.dtype})"
        series.setdefault(name, []).append((getattr(r, axis), _seconds(r)))
    slopes = {}
    for name, pts in series.items():
        if len({p[0] for p in pts}) >= 2:
            xs = np.log([p[0] for p in pts])
            ys = np.log([p[1] for p in pts])
            slopes[name] = float(np.polyfit(xs, ys, 1)[0])
    return slopes


def _fmt_x(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}x" if v >= 100 else f"{v:.3g}x"


def format_table(report: BenchReport) -> str:
    """The human-readable table ``gd-explorer bench`` prints."""
    mc = report.machine
    blas = mc["blas"]
    bw = ", ".join(
        f"{v:.1f} GB/s ({t} thread{'s' if t != '1' else ''})"
        for t, v in mc.get("read_bandwidth_gbps", {}).items()
    )
    lines = [
        "One GD step: e = Xw + b - y, ∇w = Xᵀe/m, ∂b = Σe/m",
        f"machine  {mc['cpu']}, {mc['cores']} cores; BLAS {blas.get('library')} "
        f"{blas.get('version') or ''} ({blas.get('threads') or '?'} threads)",
        f"memory   read bandwidth {bw}",
    ]
    gpu = mc["gpu"]
    if gpu["available"]:
        gbw = gpu.get("read_bandwidth_gbps")
        lines.append(
            f"gpu      {gpu['name']}" + (f", read bandwidth {gbw:.0f} GB/s" if gbw else "")
        )
    else:
        lines.append(f"gpu      none: {gpu['reason']}")
    dask = mc.get("dask")
    if dask:
        lines.append(f"dask     {dask_line(dask)}")
    sweep = report.config.sweep is not None
    head = (
        ["impl", "threads", "dtype"]
        + (["m", "n"] if sweep else [])
        + [
            "median",
            "min",
            "max",
            "GFLOP/s",
            "GB/s",
            "of bw",
            "vs loop",
            "vs vectorised",
            "check",
            "note",
        ]
    )
    table = [head]
    for r in report.results:
        thr = "GPU" if r.device == "gpu" else str(r.threads)
        size = [f"{r.m:,}", f"{r.n:,}"] if sweep else []
        if r.skipped:
            table.append(
                [
                    r.impl,
                    thr,
                    r.dtype,
                    *size,
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "skipped",
                    r.reason,
                ]
            )
            continue
        check = (
            "-"
            if r.verified is None
            else (f"ok {r.rel_error:.0e}" if r.verified else f"FAIL {r.rel_error:.1e}")
        )
        notes = [x for x in (r.label, _extra_note(r)) if x]
        table.append(
            [
                r.impl,
                thr,
                r.dtype,
                *size,
                fmt_seconds(r.seconds_median),
                fmt_seconds(r.seconds_min),
                fmt_seconds(r.seconds_max),
                f"{r.gflops:.3g}" if r.gflops else "-",
                f"{r.gbps:.3g}" if r.gbps else "-",
                f"{r.bandwidth_fraction:.0%}" if r.bandwidth_fraction else "-",
                _fmt_x(r.speedup_vs_loop),
                _fmt_x(r.speedup_vs_vectorised),
                check,
                "; ".join(notes),
            ]
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    for row in table:
        cells = [
            c.rjust(wd) if i >= 3 else c.ljust(wd)
            for i, (c, wd) in enumerate(zip(row[:-1], widths, strict=True))
        ]
        lines.append("  ".join(cells) + ("  " + row[-1] if row[-1] else ""))
    s = report.summary
    if s:
        lines.append("")
        lines.append(f"at m={s['m']:,}, n={s['n']:,}:")
        for key, text in (
            (
                "vectorised_over_textbook_line",
                "vectorised step / textbook X.T @ (X @ w + b - y) / m",
            ),
            ("fused_speedup_vs_vectorised", "fused speed-up over vectorised"),
            ("gram_speedup_vs_vectorised", "gram per-step speed-up over vectorised"),
        ):
            vals = [
                f"{v:.3g}x at {t} thread{'s' if t != '1' else ''}"
                for t, v in s.get(key, {}).items()
                if v is not None
            ]
            if vals:
                lines.append(f"  {text}: {', '.join(vals)}")
        bb = s.get("best_vs_best", {})
        vals = [
            f"{text} {bb[key]:.3g}x"
            for key, text in (
                ("fused_speedup_vs_vectorised", "fused over vectorised"),
                ("gram_speedup_vs_vectorised", "gram over vectorised"),
            )
            if bb.get(key)
        ]
        if vals:
            lines.append(f"  each at its best thread count: {', '.join(vals)}")
        for dt in ("float32", "float64"):
            gpu = s.get(f"cupy_gpu_{dt}")
            if gpu and gpu.get("read_bound_ratio"):
                vs = gpu.get("speedup_vs_gpu_vectorised")
                lines.append(
                    f"  cupy kernel, {dt}: {fmt_seconds(gpu['seconds'])}, "
                    f"{gpu['read_bound_ratio']:.2f}x the one-read bound "
                    f"{fmt_seconds(gpu['read_bound_seconds'])}"
                    + (f", {vs:.3g}x as fast as vectorised on the GPU" if vs else "")
                )
        if s.get("max_rel_error_float64") is not None:
            lines.append(
                f"  largest relative difference from the vectorised step (float64): "
                f"{s['max_rel_error_float64']:.1e}"
            )
        if s.get("dask", {}).get("text"):
            lines.append(f"  dask: {s['dask']['text']}")
        for name, slope in s.get("slopes", {}).items():
            lines.append(f"  slope of log(time) vs log({report.config.sweep}): {name} {slope:.2f}")
    busy = mc.get("other_load_cores")
    if busy is not None and busy > 0.25:
        lines.append(
            f"warning: other processes kept about {busy:.1f} of {mc['cores']} cores "
            "busy during this run; its timings, the threaded ones above all, are "
            "less reliable"
        )
    lines.append(
        f"(GB/s counts the bytes a step must read: X twice, or once for fused and cupy; "
        f"'of bw' is the fraction of the read bandwidth at the same thread count. "
        f"Total {report.elapsed_s:.0f} s.)"
    )
    return "\n".join(lines)


def dask_line(about: dict[str, Any]) -> str:
    """The dask rows' cluster in words (or why there is none)."""
    if "missing" in about:
        return f"no rows: {about['missing']}"
    workers = int(about.get("workers", 0))
    kind = "processes" if about.get("processes", True) else "threads of this process"
    where = (
        "local cluster"
        if about.get("kind", "local") == "local"
        else (f"the cluster at {about.get('scheduler')}")
    )
    return (
        f"{where} of {workers} worker{'s' if workers != 1 else ''} ({kind}), "
        f"{about.get('threads')} threads in all, memory limit "
        f"{format_bytes(int(about.get('memory_limit_bytes') or 0))}; "
        f"{'started' if about.get('kind', 'local') == 'local' else 'connected'} in "
        f"{fmt_seconds(about.get('start_s'))} (in no step's time)"
    )


def _extra_note(r: BenchResult) -> str:
    parts = []
    if r.impl in ("gram", "dask-gram") and r.precompute_seconds is not None:
        pass_name = "one pass on the cluster" if r.impl == "dask-gram" else "precompute"
        parts.append(f"{pass_name} {fmt_seconds(r.precompute_seconds)}")
        if r.break_even_iterations is not None:
            parts.append(f"break-even after {r.break_even_iterations:,} iterations")
    if r.compile_seconds is not None:
        what = "first call" if r.device == "gpu" else "compile/load"
        parts.append(f"{what} {fmt_seconds(r.compile_seconds)}")
    if r.transfer_seconds is not None:
        parts.append(f"transfer {fmt_seconds(r.transfer_seconds)}")
    if r.read_bound_ratio is not None and r.read_bound_seconds is not None:
        parts.append(
            f"{r.read_bound_ratio:.2f}x the one-read bound {fmt_seconds(r.read_bound_seconds)}"
        )
    if r.peak_fraction is not None:
        parts.append(f"{r.peak_fraction:.0%} of the theoretical GPU bandwidth")
    if r.impl == TEXTBOOK_LINE:
        parts.append("the course's line")
    if r.impl in DASK_ROWS and r.note and r.verified is not False:
        parts.append(r.note)
    if r.verified is False:
        parts.append(r.note)
    return ", ".join(parts)
