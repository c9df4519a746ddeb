"""How fast ``load_csv`` reads a large numeric CSV file, against ``pandas.read_csv``.

    .venv/bin/python benchmarks/csv_read_speed.py [--rows 200000] [--cols 5] [--repeats 5]

Writes a file of ``--rows`` × ``--cols`` random float64 values (repr text, a header row) to a
temporary folder, then times ``core.data.csvio.load_csv`` and ``pandas.read_csv`` on it,
alternating the two ``--repeats`` times in one run so that both meet the same machine load.
Prints the median and minimum seconds of each and the ratio of the medians. This replaces a
timed unit test (``test_large_file_is_fast``): speed is measured here, never asserted in
the test suite. Exit status 0, or 1 when the two readers disagree on a value.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.data.csvio import load_csv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cols", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    import pandas as pd

    data = np.random.default_rng(1).normal(size=(args.rows, args.cols))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        header = ",".join(f"c{k}" for k in range(args.cols))
        body = "\n".join(",".join(map(repr, row)) for row in data.tolist())
        path.write_text(header + "\n" + body + "\n", encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(args.repeats):  # alternate, so both readers see the same load
            start = time.perf_counter()
            ds = load_csv(path)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            frame = pd.read_csv(path)
            theirs.append(time.perf_counter() - start)
    same = np.array_equal(ds.X, frame.to_numpy()[:, :-1]) and np.array_equal(
        ds.y, frame.to_numpy()[:, -1]
    )
    print(
        f"file: {args.rows:,} rows x {args.cols} columns, {size_mb:.1f} MB; "
        f"{args.repeats} alternating runs"
    )
    for name, times in (("load_csv", ours), ("pandas.read_csv", theirs)):
        print(f"{name:<16} median {statistics.median(times):.3f} s   min {min(times):.3f} s")
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"ratio load_csv / pandas.read_csv (medians): {ratio:.2f}x")
    print("values: identical" if same else "values: DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
