"""What the "time to reach a cost" measurement shows, in words built from its own numbers:
each sentence is written only when the measured rows support it."""

from __future__ import annotations

import html

from core.timing.to_cost_results import ToCostReport, ToCostRow
from gui_app.timing.chart_style import format_seconds

INTRO = (
    "<p><b>Time to reach a cost.</b> One generated problem (z-scored), one target "
    "J ≤ J* + ε·(J₀ − J*) per ε. Batch GD runs at its best constant step "
    "α* = 2/(λ<sub>min</sub> + λ<sub>max</sub>); mini-batch SGD, for each batch size B, at the "
    "largest α*·f (f = 1, 1/4, … 1/1024) that reaches the target. The bars show the wall time "
    "(median of the repeats, with one full-cost evaluation to confirm the target) and the "
    "passes over the data (rows read by the gradients / m).</p>"
    "<p>Press <b>Run</b>: the explanation is written from what this machine measures.</p>"
)


def _passes(p: float | None) -> str:
    return f"{p:.3g} pass{'es' if p is None or p != 1 else ''}"


def _target_sentences(eps: float, rows: list[ToCostRow], max_passes: float) -> list[str]:
    gd = next((r for r in rows if r.method == "gd"), None)
    sgd = [r for r in rows if r.method == "sgd"]
    reached = [r for r in sgd if r.reached and r.passes is not None]
    missed = [r for r in sgd if not r.reached]
    out: list[str] = []
    if gd is None:
        return out
    head = f"<b>ε = {eps:g}</b>: "
    if gd.reached and gd.passes is not None:
        head += f"batch GD reached it in {_passes(gd.passes)} ({format_seconds(gd.seconds_median)})"
    else:
        head += f"batch GD did not reach it ({html.escape(gd.reason)})"
    if reached:
        fewest = min(reached, key=lambda r: r.passes or 0.0)
        head += (
            f"; the fewest passes for SGD: {fewest.label}, {_passes(fewest.passes)} "
            f"({format_seconds(fewest.seconds_median)})"
        )
    out.append(head + ".")
    if gd.reached and gd.passes is not None and reached:
        fewer = [r for r in reached if (r.passes or 0) < gd.passes]
        if fewer:
            out.append(
                f"{', '.join(r.label for r in fewer)} needed fewer passes than batch GD: far "
                "from the optimum a gradient from B rows points almost where the full one "
                "does, and SGD makes ⌈m/B⌉ updates per pass where batch GD makes one."
            )
        faster = [
            r
            for r in reached
            if r.seconds_median is not None
            and gd.seconds_median is not None
            and r.seconds_median < gd.seconds_median
        ]
        if faster:
            out.append(f"{', '.join(r.label for r in faster)} also took less wall time.")
        elif gd.seconds_median is not None:
            out.append("In wall time batch GD was not beaten.")
    if gd.reached and missed:
        out.append(
            f"{', '.join(r.label for r in missed)} did not reach ε = {eps:g} within "
            f"{max_passes:g} passes at any α of the grid: with a constant α the gradient "
            "noise holds SGD on a floor above the optimum that falls only with α, and a "
            "smaller α makes every update smaller too, while batch GD's error shrinks by a "
            "constant factor per iteration."
        )
    return out


def _per_pass(rows: list[ToCostRow]) -> str:
    gd = [r for r in rows if r.method == "gd" and r.seconds_per_pass]
    sgd = [r for r in rows if r.method == "sgd" and r.seconds_per_pass]
    if not gd or not sgd:
        return ""
    g = min(r.seconds_per_pass or 0.0 for r in gd)
    by_b: dict[int, float] = {}
    for r in sgd:
        by_b[r.batch_size] = min(by_b.get(r.batch_size, float("inf")), r.seconds_per_pass or 0.0)
    cheaper = [b for b, s in sorted(by_b.items()) if s > g]
    parts = ", ".join(f"B={b:,} {format_seconds(s)}" for b, s in sorted(by_b.items()))
    text = f"<b>Per pass</b> over the data: batch GD {format_seconds(g)}, SGD {parts}."
    if cheaper:
        text += (
            " Batch GD's pass was cheaper than SGD's at "
            + ", ".join(f"B={b:,}" for b in cheaper)
            + ": it is two BLAS matrix-vector products over X read in memory order, while "
            "SGD gathers B scattered rows per update and pays the interpreter's overhead "
            "⌈m/B⌉ times a pass."
        )
    return text


def _method_note(report: ToCostReport) -> str:
    """How the crossing was found (the cost-check interval) and how a pass was timed."""
    every = {r.batch_size: r.check_every for r in report.rows if r.method == "sgd"}
    if set(every.values()) <= {1}:
        checks = "The cost was checked after every update: each crossing is the first update "
        checks += "at or below the target."
    else:
        checks = (
            "SGD's cost was checked every "
            + ", ".join(f"{k:,} update{'s' if k > 1 else ''} for B={b:,}" for b, k in every.items())
            + " (column “checked”; a full-cost check reads all m rows, so at this size it is "
            f"made {report.config.evals_per_pass} times a pass, as a validation check would "
            "be): a crossing is the first check at or below the target, and the run may have "
            "dipped below it between checks, unseen. Batch GD's cost is checked after every "
            "iteration."
        )
    passes = sorted({r.per_pass_passes for r in report.rows if r.seconds_per_pass})
    if passes and passes != [1]:
        checks += (
            " “Per pass” is timed over several passes (×P in the table) where one pass "
            "takes well under the timer's and the machine's noise, then divided by P."
        )
    return f"<p style='color:#555'>{html.escape(checks, quote=False)}</p>"


def explain_html(report: ToCostReport | None) -> str:
    """The explanation beside the charts: the intro before a run, then the measured story."""
    if report is None:
        return INTRO
    sentences = []
    for eps in report.config.targets:
        rows = [r for r in report.rows if r.target == eps]
        sentences += _target_sentences(eps, rows, report.config.max_passes)
    per_pass = _per_pass(report.rows)
    if per_pass:
        sentences.append(per_pass)
    paragraphs = ["<p>" + " ".join(sentences) + "</p>"]
    p = report.problem
    paragraphs.append(
        f"<p style='color:#555'>m = {p['m']:,}, n = {p['n']:,}, z-scored; "
        f"α* = {p['alpha_star']:.3g}; one full gradient {format_seconds(p['full_gradient_s'])}; "
        f"total {format_seconds(report.elapsed_s)}.</p>"
    )
    paragraphs.append(_method_note(report))
    return "".join(paragraphs)
