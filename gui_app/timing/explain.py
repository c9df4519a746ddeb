"""What the Timing tab writes next to its charts: the summary after a run, where the time
goes for each implementation, and the machine it ran on (plain functions returning text or
HTML, no widgets)."""

from __future__ import annotations

import html

from core.timing.bench import (
    TEXTBOOK_LINE,
    WHY,
    BenchReport,
    BenchResult,
    blas_info,
    cpu_count,
)
from core.timing.report import dask_line
from gui_app.timing.chart_style import (
    IMPL_COLORS,
    ORDER,
    format_seconds,
    format_speedup,
    row_label,
    sort_key,
)


def bar_rows(report: BenchReport) -> list[BenchResult]:
    """Rows of the bar charts: the largest size, without the textbook line (a check)."""
    rows = [r for r in report.results if r.impl != TEXTBOOK_LINE]
    done = [r for r in rows if not r.skipped]
    if done:
        m, n = max((r.m, r.n) for r in done)
        rows = [r for r in rows if (r.m, r.n) == (m, n)]
    return sorted(rows, key=sort_key)


def summary_text(report: BenchReport) -> tuple[str, str]:
    """The message after a run (what is how much faster) and its kind, "ok" or "warning"."""
    s = report.summary
    rows = bar_rows(report)
    lines = [f"Done in {report.elapsed_s:.0f} s."]
    best = {}
    for r in rows:
        if (
            r.device == "cpu"
            and r.seconds_median
            and (r.impl not in best or r.seconds_median < best[r.impl].seconds_median)
        ):
            best[r.impl] = r
    if "vectorised" in best and best["vectorised"].speedup_vs_loop:
        t = best["vectorised"].threads
        lines.append(
            f"The vectorised step (NumPy) on {t} thread{'s' if t != 1 else ''} is "
            f"{format_speedup(best['vectorised'].speedup_vs_loop)} faster than the "
            "Python loop."
        )
    for impl in ("fused", "gram"):
        r = best.get(impl)
        if r is not None and r.speedup_vs_vectorised:
            extra = ""
            if impl == "gram" and r.break_even_iterations:
                extra = f" per step (pays off after {r.break_even_iterations:,} steps)"
            lines.append(
                f"{impl} runs at {format_speedup(r.speedup_vs_vectorised)} the vectorised "
                f"step's speed{extra}."
            )
    gpu = [r for r in rows if r.impl == "cupy" and r.read_bound_ratio and r.seconds_median]
    for r in gpu:
        lines.append(
            f"On the GPU ({r.dtype}) the cupy kernel takes {format_seconds(r.seconds_median)}, "
            f"{r.read_bound_ratio:.2f}x the time one read of X takes."
        )
    if s.get("dask", {}).get("text"):
        lines.append(f"Dask: {s['dask']['text']}.")
    kind = "ok"
    if not s.get("all_verified", True):
        lines.append(
            "Warning: an implementation's step differs from the vectorised one; "
            "see the exported rows."
        )
        kind = "warning"
    busy = report.machine.get("other_load_cores")
    if busy is not None and busy > 0.25:
        lines.append(
            f"Warning: other processes kept about {busy:.1f} of "
            f"{report.machine.get('cores')} cores busy: timings less reliable."
        )
        kind = "warning"
    return " ".join(lines), kind


def why_html(report: BenchReport | None) -> str:
    """Where the time goes: what each implementation does, with this run's numbers."""
    parts = [
        '<p style="margin-top:0"><b>Where the time goes</b> — one step is '
        "e = Xw + b − y, then ∇w = Xᵀe / m: 2·m·n multiply-adds, X read twice.</p>"
    ]
    rows = bar_rows(report) if report is not None else []
    measured_impls = {r.impl for r in rows}
    # what this run measured first (the dask rows are not below the fold), then the rest
    for impl in sorted(ORDER, key=lambda i: i not in measured_impls):
        color = IMPL_COLORS[impl]
        facts = []
        for r in rows:
            if r.impl != impl:
                continue
            if r.skipped:
                facts.append(f"skipped: {html.escape(r.reason)}")
                continue
            fact = f"{row_label(r).split(' · ')[1]}: {format_seconds(r.seconds_median)}"
            if r.gflops:
                fact += f", {r.gflops:.3g} GFLOP/s"
            if r.estimated:
                fact += f" ({html.escape(r.label)})"
            if impl in ("gram", "dask-gram") and r.precompute_seconds is not None:
                what = "one pass on the cluster" if impl == "dask-gram" else "precompute"
                fact += f"; {what} {format_seconds(r.precompute_seconds)}"
                if r.break_even_iterations:
                    fact += f", break-even after {r.break_even_iterations:,} steps"
            if r.read_bound_ratio is not None and r.read_bound_seconds is not None:
                fact += (
                    f"; {r.read_bound_ratio:.2f}x the time one read of X takes "
                    f"({format_seconds(r.read_bound_seconds)})"
                )
            if r.compile_seconds is not None:
                fact += (
                    f"; {'first call' if r.device == 'gpu' else 'compile/load'} "
                    f"{format_seconds(r.compile_seconds)} (not counted)"
                )
            if r.transfer_seconds is not None and r.device == "gpu":
                fact += f"; copy to GPU {format_seconds(r.transfer_seconds)} (not counted)"
            if r.workers is not None and r.note:
                fact += f"; {html.escape(r.note)}"
            if r.impl == "dask" and r.startup_seconds is not None:
                fact += (
                    f"; sending the chunks {format_seconds(r.transfer_seconds)}, starting "
                    f"the cluster {format_seconds(r.startup_seconds)} (neither counted)"
                )
            facts.append(fact)
        measured = "<br><span style='color:#333'>" + "<br>".join(facts) + "</span>" if facts else ""
        parts.append(
            f'<p><b style="color:{color}">■ {impl}</b> — {html.escape(WHY[impl])}{measured}</p>'
        )
    ratios_by_threads = report.summary.get("vectorised_over_textbook_line") if report else None
    if ratios_by_threads:
        ratios = [f"{v:.2f}x" for v in ratios_by_threads.values() if v]
        if ratios:
            parts.append(
                "<p style='color:#555'>Check: the app's vectorised step takes "
                f"{' / '.join(ratios)} the time of the textbook line "
                "X.T @ (X @ w + b − y) / m.</p>"
            )
    return "".join(parts)


def machine_html(report: BenchReport | None, gpu_text: str) -> str:
    """This machine: CPU, BLAS, compiler, measured bandwidth, GPU (``gpu_text`` is the
    window's probe, shown before the first run)."""
    if report is None:
        blas = blas_info()
        lines = [
            f"<b>CPU</b>: {cpu_count()} cores",
            f"<b>BLAS</b>: {html.escape(str(blas.get('library')))} "
            f"{html.escape(str(blas.get('version') or ''))}, "
            f"{blas.get('threads') or '?'} threads",
            "<b>Memory bandwidth</b>: measured with each run",
            f"<b>GPU</b>: {gpu_text}",
        ]
        return "<br>".join(lines)
    mc = report.machine
    blas = mc.get("blas", {})
    vm = " (virtual machine)" if mc.get("virtual_machine") else ""
    bw = mc.get("read_bandwidth_gbps", {})
    bw_text = (
        ", ".join(f"{v:.1f} GB/s ({t} thread{'s' if t != '1' else ''})" for t, v in bw.items())
        or "not measured"
    )
    numba = mc.get("numba", {})
    numba_text = (
        f"numba {html.escape(str(numba.get('version')))}, {numba.get('threads')} threads"
        if numba.get("available")
        else html.escape(numba.get("reason", "not available"))
    )
    gpu = mc.get("gpu", {})
    if gpu.get("available"):
        gbw = gpu.get("read_bandwidth_gbps")
        gpu_text = html.escape(gpu.get("name") or "GPU") + (
            f", read bandwidth {gbw:.0f} GB/s" if gbw else ""
        )
    else:
        gpu_text = "none — " + html.escape(gpu.get("reason") or "not found")
    lines = [
        f"<b>CPU</b>: {html.escape(str(mc.get('cpu')))}, {mc.get('cores')} cores{vm}",
        f"<b>BLAS</b>: {html.escape(str(blas.get('library')))} "
        f"{html.escape(str(blas.get('version') or ''))}, "
        f"{blas.get('threads') or '?'} threads",
        f"<b>Compiler</b>: {numba_text}",
        f"<b>Measured read bandwidth</b>: {bw_text}",
        f"<b>GPU</b>: {gpu_text}",
    ]
    if mc.get("dask"):
        lines.append(f"<b>Dask</b>: {html.escape(dask_line(mc['dask']))}")
    busy = mc.get("other_load_cores")
    if busy is not None:
        lines.append(f"<b>Other load during the run</b>: {busy:.1f} cores")
    return "<br>".join(lines)
