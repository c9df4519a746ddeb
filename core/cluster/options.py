"""The command-line options of the dask engine: ``fit --engine/--scheduler`` and the
``make-data`` subcommand (argparse only: importing this loads neither numpy nor dask)."""

from __future__ import annotations

import argparse
from typing import Any

ENGINES = ("memory", "dask")
FORMATS = ("parquet", "zarr", "npy")
#: make-data's limits: rows, features, rows per chunk, noise.
M_RANGE = (2, 10**11)
N_RANGE = (1, 1000)
CHUNK_RANGE = (1, 10**8)
NOISE_MAX = 1e6


def _bounded_int(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
        if isinstance(value, float) and not (value == value and value.is_integer()):
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {text[:40]}")
        return int(value)

    return parse


def _noise(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number") from None
    if not 0 <= value <= NOISE_MAX:
        raise argparse.ArgumentTypeError(f"must be from 0 to {NOISE_MAX:g}, got {text[:40]}")
    return value


def add_engine_arguments(fit: argparse.ArgumentParser) -> None:
    """``fit``'s ``--engine`` and ``--scheduler`` (an argument group of their own)."""
    group = fit.add_argument_group("engine (the dask engine needs gd-explorer[cluster])")
    group.add_argument(
        "--engine",
        choices=ENGINES,
        default="memory",
        help="memory: load DATA into this process (default); dask: read DATA (a Parquet file "
        "or folder, a glob of CSV files, a Zarr array or a .npy file) lazily in row chunks "
        "on a Dask cluster: one pass forms the Gram statistics XᵀX, Xᵀy, yᵀy (float64), "
        "then --solver normal, gd or an optimizer (sgd, momentum, nesterov, adagrad, "
        "rmsprop, adam) runs from them (--implementation gram, the full-batch default) or "
        "computes every step as a map-reduce over the chunks (--implementation vectorised); "
        "with --batch-size each step is a reduction over the chunks that hold the batch",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="with --engine dask: the scheduler of an existing cluster (e.g. "
        "tcp://10.0.0.5:8786); default: a local cluster sized to this machine",
    )


def add_make_data_arguments(sub: Any) -> argparse.ArgumentParser:
    """The ``make-data`` subcommand of the subparsers ``sub``; returns its parser."""
    make = sub.add_parser(
        "make-data",
        help="write a large synthetic linear-regression dataset in row chunks (for the dask "
        "engine)",
        description="Write m rows of features x1..xn and target y = X·w + b + noise, chunk "
        "by chunk (never the whole dataset in memory), and the true coefficients w and "
        "intercept b beside it in OUT.truth.json (also printed). Parquet: one row group per "
        "chunk; Zarr: an m × (n+1) float64 array chunked by rows (column names and the "
        "truth in its attributes); .npy: an m × (n+1) float64 array, columns x1..xn, y.",
    )
    make.add_argument("--m", type=_bounded_int(*M_RANGE), required=True, help="rows")
    make.add_argument("--n", type=_bounded_int(*N_RANGE), required=True, help="features")
    make.add_argument("--out", required=True, metavar="PATH", help="the file (or Zarr folder)")
    make.add_argument(
        "--noise",
        type=_noise,
        default=1.0,
        metavar="S",
        help="standard deviation of the noise added to y (default: 1)",
    )
    make.add_argument(
        "--seed", type=_bounded_int(0, 2**63 - 1), default=0, metavar="K", help="default: 0"
    )
    make.add_argument(
        "--chunk-rows",
        type=_bounded_int(*CHUNK_RANGE),
        default=None,
        metavar="R",
        help="rows per chunk (default: about 64 MB of data per chunk)",
    )
    make.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="default: from OUT's extension (.parquet, .zarr, .npy)",
    )
    make.add_argument(
        "--force", action="store_true", help="replace OUT (and its truth file) if they exist"
    )
    make.add_argument("--json", action="store_true", help="print one JSON object")
    return make
