"""The text report of ``gd-explorer fit``: data, model, solver, cost, metrics, coefficients.

:func:`format_report` turns the JSON-ready report of :func:`core.cli.fit_result` into the
lines a terminal shows; the evaluation's lines (split, metrics, penalty, predictions) come
from :mod:`core.cli_eval`.
"""

from __future__ import annotations

from typing import Any

from core.cli_eval import (
    cost_formula,
    evaluation_lines,
    is_split_note,
    prediction_lines,
    split_line,
)


def count_text(n: int, word: str) -> str:
    """``"1 row"``, ``"1,000 rows"``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _columns_line(data: dict[str, Any]) -> str:
    """What became of a file's columns and rows, in one line (empty for a demo)."""
    parts = []
    dropped = data.get("dropped_levels", {})
    for name, levels in data.get("encoded", {}).items():
        gone = f", {name}={dropped[name]} left out" if name in dropped else ""
        parts.append(f"one-hot {name!r} ({len(levels)} levels{gone})")
    if data.get("ignored"):
        parts.append("ignored " + ", ".join(repr(n) for n in data["ignored"]))
    if data.get("dropped_rows"):
        parts.append(f"{count_text(len(data['dropped_rows']), 'row')} with missing values left out")
    if data.get("filled"):
        cells = sum(data["filled"].values())
        parts.append(f"{count_text(cells, 'missing cell')} filled ({data.get('missing')})")
    return "; ".join(parts)


def _bound_text(r: dict[str, Any]) -> str:
    """The step-size bound of the report's solver, "α_max = 1.071", "momentum bound = 2.034",
    or "no fixed bound" (the adaptive optimizers)."""
    from core.solvers.optimizers import divergence_bound

    opt = r.get("optimizer") or {}
    limit = divergence_bound(r["solver"], r["alpha_max"], opt.get("momentum", 0.9))
    if limit is None:
        return "no fixed bound: adaptive steps"
    return f"{limit.name.removeprefix('the ')} = {limit.value:.4g}"


def _optimizer_line(opt: dict[str, Any] | None) -> str:
    """The optimizer's settings in one line (empty for plain batch descent, constant α)."""
    if not opt:
        return ""
    parts = [f"{k} = {v:g}" for k, v in opt.items() if k not in ("name", "schedule")]
    parts = [p.replace("batch_size = 0", "full batch") for p in parts]
    schedule = dict(opt["schedule"])
    name = schedule.pop("name")
    if name != "constant":
        extra = ", ".join(f"{k} {v:g}" for k, v in schedule.items())
        parts.append(f"schedule {name}" + (f" ({extra})" if extra else ""))
    return ", ".join(parts)


def format_report(r: dict[str, Any]) -> str:
    """The human-readable fit report."""
    width = max([len(nm) for nm in r["feature_names"]] + [11])
    has_b = "intercept" if r["intercept"] is not None else "no intercept"
    lines = [
        f"data        {r['source']}: {count_text(r.get('m_total', r['m']), 'row')} × "
        f"{count_text(r['n'], 'feature')}, target {r['target_name']!r}",
        f"model       degree {r['degree']}, {has_b}, scaling {r['scaling']}",
    ]
    columns = _columns_line(r.get("data") or {})
    if columns:
        lines.insert(1, f"columns     {columns}")
    if split_line(r):
        lines.append(split_line(r))
    if r["alpha"] is not None:
        lines.append(
            f"solver      {r['solver']}: α = {r['alpha']:g} ({_bound_text(r)}), "
            f"stopped: {r['status']} after {r['iterations']} iterations"
        )
    else:
        lines.append(f"solver      {r['solver']}")
    settings = _optimizer_line(r.get("optimizer"))
    if settings:
        lines.append(f"optimizer   {settings}")
    if r.get("theory"):
        from core.solvers.theory import format_theory

        lines.append(format_theory(r["theory"]))
    lines += [
        f"result      {r['message']}",
        f"cost J      {r['cost']:.10g}   ({cost_formula(r.get('penalty'))}; gradient norm "
        f"{r['gradient_norm']:.3g})",
        *evaluation_lines(r),
        f"cond(A)     {r['condition_number']:.4g}   (design as scaled)",
        time_line(r),
        "coefficients (original units):",
    ]
    for nm, v in zip(r["feature_names"], r["coefficients"], strict=True):
        lines.append(f"  {nm:<{width}}  {v: .15g}")
    if r["intercept"] is not None:
        lines.append(f"  {'intercept b':<{width}}  {r['intercept']: .15g}")
    lines += prediction_lines(r.get("predictions", ()), r["target_name"])
    lines += [f"note: {note}" for note in r["notes"] if not is_split_note(note, r)]
    for w in r["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def time_line(r: dict[str, Any]) -> str:
    """``time  0.0253 s (25.3 ns per iteration, gram)``: the solver's own time."""
    from core.units import fmt_seconds

    line = f"time        {r['elapsed_s']:.4g} s"
    per = r.get("seconds_per_iteration")
    if per is not None:
        line += f" ({fmt_seconds(per)} per iteration, {r.get('implementation')})"
    return line
