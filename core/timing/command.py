"""``gd-explorer bench``: its options, progress on stderr, the table on stdout, ``--json``.

The numeric options take their ranges and defaults from :mod:`core.timing.limits` (the same
objects the window's Timing tab reads); out-of-range values are refused with the range.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO

from core.errors import InputError
from core.timing import config as bench_config
from core.timing import limits, to_cost_command
from core.timing.cli_common import int_arg, measure_and_print
from core.timing.config import DTYPES, FORMER_NAMES, IMPLS, SWEEPS, BenchConfig
from core.timing.report import format_table
from core.timing.run import run_benchmark


def _help(limit: limits.BenchLimit, default: bool = True) -> str:
    text = f"{limit.help} ({limit.range_text}"
    return text + (f"; default {limit.default:,})" if default else ")")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``gd-explorer bench`` (ranges and defaults from core.timing.limits)."""
    parser.description = (
        "Time one gradient-descent step implemented as Python loops, "
        "compiled loops, BLAS, a fused one-pass kernel, the Gram form, "
        "on the GPU and on a local Dask cluster; check each against the vectorised step."
    )
    parser.add_argument("--m", type=int_arg, default=limits.M.default, help=_help(limits.M))
    parser.add_argument("--n", type=int_arg, default=limits.N.default, help=_help(limits.N))
    parser.add_argument("--dtype", choices=DTYPES, default="float64")
    parser.add_argument(
        "--impl",
        nargs="+",
        choices=IMPLS + tuple(n for n, new in FORMER_NAMES.items() if new in IMPLS),
        metavar="NAME",
        help=f"implementations to time (default all): {', '.join(IMPLS)} (the kernel "
        "registry's names; the former numpy and compiled-loop still work)",
    )
    parser.add_argument(
        "--repeats", type=int_arg, default=limits.REPEATS.default, help=_help(limits.REPEATS)
    )
    parser.add_argument(
        "--sweep",
        choices=SWEEPS,
        help="time each implementation at --points sizes up to --m or --n",
    )
    parser.add_argument("--points", type=int_arg, default=None, help=_help(limits.POINTS))
    parser.add_argument(
        "--threads",
        type=int_arg,
        nargs="+",
        metavar="N",
        help=_help(limits.THREADS, default=False).replace("a thread count", "thread counts")
        + "; default 1 and all cores",
    )
    parser.add_argument(
        "--workers",
        type=int_arg,
        metavar="N",
        help="workers of the dask rows' local cluster, one thread each (default one per core)",
    )
    parser.add_argument(
        "--chunk-rows",
        type=int_arg,
        metavar="ROWS",
        help="rows per chunk of the dask rows (default: four chunks per worker)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the dask rows on the existing Dask cluster with this scheduler (e.g. "
        "tcp://10.0.0.5:8786) instead of a local one: where a cluster has more cores and "
        "memory than this machine, the sweep can show it beating one process",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    to_cost_command.add_arguments(parser)


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    """The :class:`BenchConfig` the parsed options describe (InputError for bad options)."""
    if args.points is not None and args.sweep is None:
        raise InputError("--points needs --sweep m or --sweep n")
    impls = tuple(dict.fromkeys(FORMER_NAMES.get(i, i) for i in args.impl)) if args.impl else IMPLS
    threads = getattr(args, "threads", None)
    config = BenchConfig(
        m=args.m,
        n=args.n,
        dtype=args.dtype,
        impls=impls,
        repeats=args.repeats,
        sweep=args.sweep,
        points=args.points if args.points is not None else limits.POINTS.default,
        threads=tuple(dict.fromkeys(threads)) if threads else None,
        bandwidth_bytes=bench_config.DEFAULT_BANDWIDTH_BYTES,
        dask_workers=getattr(args, "workers", None),
        dask_chunk_rows=getattr(args, "chunk_rows", None),
        dask_scheduler=getattr(args, "scheduler", None),
    )
    config.validate()
    return config


class ProgressBar:
    """A one-line progress bar on a terminal; plain lines (one per step) anywhere else."""

    def __init__(self, stream: IO[str] | None = None, width: int = 28) -> None:
        self.stream: IO[str] = stream or sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_text: str | None = None
        self.last_len = 0

    def __call__(self, fraction: float, text: str) -> None:
        filled = round(fraction * self.width)
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} {text}"
        if self.tty:
            pad = max(0, self.last_len - len(bar))
            self.stream.write("\r" + bar + " " * pad)
            self.last_len = len(bar)
            self.stream.flush()
        elif text.split(":")[0] != self.last_text:
            self.stream.write(bar + "\n")
            self.stream.flush()
        self.last_text = text.split(":")[0]

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.tty and self.last_len:
            self.stream.write("\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    """``gd-explorer bench``: progress on stderr, the table on stdout, JSON to ``--json``
    (``--to-cost``: :func:`core.timing.to_cost_command.run`).

    Options and the ``--json`` path are checked before anything is measured; the JSON file
    is written atomically. Raises :class:`InputError` (exit 2) for either.
    """
    if to_cost_command.for_options(args):
        return to_cost_command.run(args, ProgressBar())
    return measure_and_print(
        args, config_from_args(args), run_benchmark, format_table, ProgressBar()
    )
