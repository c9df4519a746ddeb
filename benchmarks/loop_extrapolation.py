"""Is the ``loop`` row honest? Its estimate from a row subsample against a full measurement.

    .venv/bin/python benchmarks/loop_extrapolation.py [--m 100000] [--n 1000] [--json FILE]

At the textbook size ``gd-explorer bench`` times the Python loop on a few thousand rows and
scales the time by m/k. This script makes that estimate exactly as the bench does, then
times the full loop over all m rows (the Python lists take about 32 bytes a number, 3.2 GB
at the default size), and reports the ratio. It passes when the estimate is within a
factor of 2 of the full measurement; exit status 0 on pass, 1 on fail.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.timing import bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--m", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=1_000)
    parser.add_argument("--full-repeats", type=int, default=1)
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args(argv)
    common = dict(m=args.m, n=args.n, impls=("loop",), bandwidth_bytes=1 << 20)

    t0 = time.perf_counter()
    estimate = bench.run_benchmark(bench.BenchConfig(**common)).rows("loop")[0]
    t_estimate = time.perf_counter() - t0
    print(
        f"estimate: {estimate.seconds_median:.3f} s per step ({estimate.label or 'full'}), "
        f"took {t_estimate:.1f} s",
        flush=True,
    )

    t0 = time.perf_counter()
    full = bench.run_benchmark(
        bench.BenchConfig(**common, repeats=args.full_repeats, time_budget_s=math.inf)
    ).rows("loop")[0]
    t_full = time.perf_counter() - t0
    print(
        f"full:     {full.seconds_median:.3f} s per step (all {full.rows_timed:,} rows, "
        f"min {full.seconds_min:.3f}, max {full.seconds_max:.3f}), took {t_full:.1f} s",
        flush=True,
    )

    ratio = estimate.seconds_median / full.seconds_median
    passed = estimate.estimated and not full.estimated and 0.5 <= ratio <= 2.0
    print(
        f"estimate / full = {ratio:.3f}: {'PASS' if passed else 'FAIL'} "
        "(must be within a factor of 2, the estimate from a subsample)"
    )
    if args.json:
        result = {
            "m": args.m,
            "n": args.n,
            "python": platform.python_version(),
            "estimate": {
                "seconds_median": estimate.seconds_median,
                "seconds_min": estimate.seconds_min,
                "seconds_max": estimate.seconds_max,
                "rows_timed": estimate.rows_timed,
                "label": estimate.label,
                "repeats": estimate.repeats,
                "verified": estimate.verified,
                "rel_error": estimate.rel_error,
            },
            "full": {
                "seconds_median": full.seconds_median,
                "seconds_min": full.seconds_min,
                "seconds_max": full.seconds_max,
                "rows_timed": full.rows_timed,
                "repeats": full.repeats,
                "verified": full.verified,
                "rel_error": full.rel_error,
            },
            "ratio_estimate_over_full": ratio,
            "passed": passed,
            "wall_seconds": {"estimate": t_estimate, "full": t_full},
        }
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
