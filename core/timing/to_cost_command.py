"""``gd-explorer bench --to-cost``: its options, the table it prints and its JSON file.

The measurement is :func:`core.timing.to_cost.run_to_cost`; ``--m``, ``--n``, ``--repeats``
and ``--json`` are the bench's own options, with the same ranges.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.errors import InputError
from core.timing import limits
from core.timing.cli_common import int_arg, measure_and_print
from core.timing.report import fmt_seconds
from core.timing.to_cost import ToCostConfig, ToCostReport, run_to_cost
from core.timing.to_cost_results import default_batch_sizes

_DEFAULTS = ToCostConfig()


def _float_arg(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``bench --to-cost`` (added to the bench's parser)."""
    group = parser.add_argument_group(
        "time to reach a cost (--to-cost)",
        "Batch GD at its optimal α against mini-batch SGD: seconds and passes over the data "
        "until J ≤ J* + ε·(J_0 − J*), on generated data of --m × --n, z-scored.",
    )
    group.add_argument(
        "--to-cost",
        action="store_true",
        help="time batch GD and mini-batch SGD to reach a cost instead of timing one step",
    )
    group.add_argument(
        "--batch-size",
        type=int_arg,
        nargs="+",
        metavar="B",
        help="SGD batch sizes to compare, each below m (default "
        + ", ".join(str(b) for b in _DEFAULTS.batch_sizes)
        + ", those below m)",
    )
    group.add_argument(
        "--target",
        type=_float_arg,
        nargs="+",
        metavar="ε",
        help="targets as the fraction ε of the starting excess cost J_0 − J* left, 0 < ε < 1 "
        f"(default {' '.join(f'{t:g}' for t in _DEFAULTS.targets)})",
    )
    group.add_argument(
        "--max-passes",
        type=_float_arg,
        default=None,
        metavar="P",
        help=f"passes over the data each run may use (default {_DEFAULTS.max_passes:g})",
    )


def config_from_args(args: argparse.Namespace) -> ToCostConfig:
    """The :class:`ToCostConfig` of parsed ``bench --to-cost`` options (InputError when an
    option of the step benchmark is given with it, or a value is out of range)."""
    for option, value, default in (
        ("--impl", args.impl, None),
        ("--sweep", args.sweep, None),
        ("--points", args.points, None),
        ("--dtype", args.dtype, "float64"),
    ):
        if value != default:
            raise InputError(f"{option} belongs to the step benchmark; --to-cost does not take it")
    threads = getattr(args, "threads", None)
    if threads and len(threads) > 1:
        raise InputError("--to-cost takes one --threads value (BLAS threads for the whole run)")
    batches: tuple[int, ...]
    dropped: tuple[int, ...] = ()
    if args.batch_size:
        batches = tuple(args.batch_size)
        for b in batches:
            if b >= args.m:
                raise InputError(
                    f"--batch-size {b:,} is not below --m {args.m:,}: give batch sizes below "
                    "m (B = m is batch gradient descent, which is always measured)"
                )
    else:
        limits.M.check(args.m)
        batches, dropped = default_batch_sizes(args.m)
        if not batches:
            raise InputError(
                f"every default batch size is at least m = {args.m:,}: give --batch-size "
                "with sizes below m"
            )
    config = ToCostConfig(
        threads=threads[0] if threads else None,
        m=args.m,
        n=args.n,
        repeats=args.repeats,
        batch_sizes=batches,
        dropped_batch_sizes=dropped,
        targets=tuple(args.target) if args.target else _DEFAULTS.targets,
        max_passes=args.max_passes if args.max_passes is not None else _DEFAULTS.max_passes,
    )
    config.validate()
    return config


def for_options(args: argparse.Namespace) -> bool:
    """True when ``args`` ask for ``--to-cost`` or give one of its own options."""
    own = (args.batch_size, args.target, args.max_passes)
    if not args.to_cost and any(v is not None for v in own):
        raise InputError("--batch-size, --target and --max-passes need --to-cost")
    return bool(args.to_cost)


def _threads(count: int | None) -> str:
    return f"{count or '?'} thread{'' if count == 1 else 's'}"


def format_table(report: ToCostReport) -> str:
    """The table ``bench --to-cost`` prints: one block per target, one row per method."""
    p, mc = report.problem, report.machine
    lines = [
        "Time to reach J ≤ J* + ε·(J_0 − J*): batch GD at α* against mini-batch SGD",
        f"data     {p['data']}, z-scored; J_0 = {p['J0']:.6g}, J* = {p['J_star']:.6g}",
        f"theory   λ_min = {p['lambda_min']:.4g}, λ_max = {p['lambda_max']:.4g}, "
        f"α* = 2/(λ_min + λ_max) = {p['alpha_star']:.4g}; one full gradient "
        f"{fmt_seconds(p['full_gradient_s'])}",
        f"machine  {mc['cpu']}, {mc['cores']} cores; BLAS {mc['blas'].get('library')} "
        f"({_threads(mc['blas'].get('threads'))})",
    ]
    if report.config.dropped_batch_sizes:
        lines.append(
            "note     default batch size(s) "
            + ", ".join(f"{b:,}" for b in report.config.dropped_batch_sizes)
            + f" left out: not below m = {p['m']:,} (B = m is batch GD)"
        )
    head = ["method", "B", "α", "updates", "passes", "checked", "wall time", "min", "max"]
    head.append("per pass")
    head.append("reached")
    for eps in report.config.targets:
        rows = [r for r in report.rows if r.target == eps]
        if not rows:
            continue
        lines.append("")
        lines.append(f"ε = {eps:g}: J_target = {rows[0].target_cost:.6g}")
        table = [head]
        for r in rows:
            table.append(
                [
                    "batch GD" if r.method == "gd" else "SGD",
                    f"{r.batch_size:,}",
                    f"{r.alpha:.3g}" if r.alpha is not None and r.reached else "-",
                    f"{r.updates:,}" if r.reached and r.updates is not None else "-",
                    f"{r.passes:.3g}" if r.reached and r.passes is not None else "-",
                    _checked(r.check_every),
                    fmt_seconds(r.seconds_median),
                    fmt_seconds(r.seconds_min),
                    fmt_seconds(r.seconds_max),
                    _per_pass(r.seconds_per_pass, r.per_pass_passes if r.reached else 1),
                    "yes" if r.reached else f"no: {r.reason}",
                ]
            )
        widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
        for row in table:
            cells = [
                c.ljust(wd) if i == 0 else c.rjust(wd)
                for i, (c, wd) in enumerate(zip(row[:-1], widths, strict=True))
            ]
            lines.append("  ".join(cells) + "  " + row[-1])
    busy = mc.get("other_load_cores")
    if busy is not None and busy > 0.25:
        lines.append(
            f"warning: other processes kept about {busy:.1f} of {mc['cores']} cores busy "
            "during this run; its timings are less reliable"
        )
    lines.append(
        f"(SGD's α: the largest α*·f, f = 1, 1/4, … 1/{round(1 / min(report.config.alpha_factors))}"
        ", that reaches the target; updates: the first cost check at or below the target, "
        "the cost checked every update (checked: each) or every k updates (checked: k; the "
        "run may dip below the target between checks, unseen); passes = rows the gradients "
        "read / m, full-cost evaluations excluded; wall time: median of "
        f"{report.config.repeats} runs, alternating, with one full-cost evaluation to confirm "
        "the target; per pass: the same run P passes longer (×P shown when P > 1, so that "
        "the difference is at least about 20 ms), less this one, fastest of each, / P. "
        f"Total {fmt_seconds(report.elapsed_s)}.)"
    )
    return "\n".join(lines)


def _checked(every: int) -> str:
    return "each" if every == 1 else f"{every:,}"


def _per_pass(seconds: float | None, passes: int) -> str:
    text = fmt_seconds(seconds)
    return text if seconds is None or passes == 1 else f"{text} (×{passes:,})"


def run(args: argparse.Namespace, bar: Any) -> int:
    """``gd-explorer bench --to-cost``: progress to ``bar`` (the bench's progress bar on
    stderr: called with (fraction, text), then ``close()``), the table on stdout, ``--json``."""
    return measure_and_print(args, config_from_args(args), run_to_cost, format_table, bar)
