"""How fast the product reads a numeric CSV file, against ``pandas.read_csv`` and ``numpy.loadtxt``.

    .venv/bin/python benchmarks/csv_read_speed.py                # 200,000 x 6 and 100,000 x 1,000
    .venv/bin/python benchmarks/csv_read_speed.py --quick        # 200,000 x 6 only
    .venv/bin/python benchmarks/csv_read_speed.py --sizes 50000x20 --repeats 3

For each size, writes a file of random float64 values (``repr`` text, a header row) to a
temporary folder (removed at the end), then times the product's load,
``core.builder.build_dataset`` (the whole path a fit uses: sniffing, the pandas read, the
checks, the column roles, X and y as float64 arrays),
``pandas.read_csv`` (alternating the two, which goes first alternating too, in each of
``--repeats`` rounds, so that both meet the same machine load) and then ``numpy.loadtxt``
(at most 3 rounds of its own: right after it, any reader runs slower here). Files of over 200 MB get
``--big-repeats`` rounds (default 1: numpy.loadtxt takes minutes there). Prints the median
and minimum seconds of each and the ratio of the medians product load / pandas.read_csv.
Speed is measured here, never asserted in the test suite. Exit status 0, or 1 when the
readers disagree on a value, or when the product load is over 1.5x pandas on 200,000 x 6.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.builder import build_dataset
from core.data.table import read_table
from core.settings import DataSettings

BLOCK_ROWS = 2_000  # distinct rows written; larger files repeat them (the parser cannot tell)
BIG_BYTES = 200 * 1024**2


def write_csv(path: Path, rows: int, cols: int) -> None:
    """A header row and ``rows`` × ``cols`` random float64 values in ``repr`` text."""
    rng = np.random.default_rng(1)
    block = rng.normal(size=(min(rows, BLOCK_ROWS), cols))
    text = "".join(",".join(map(repr, row)) + "\n" for row in block.tolist())
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(f"c{k}" for k in range(cols)) + "\n")
        full, rest = divmod(rows, len(block))
        for _ in range(full):
            fh.write(text)
        if rest:
            fh.write("".join(",".join(map(repr, row)) + "\n" for row in block[:rest].tolist()))


def expected_values(rows: int, cols: int) -> np.ndarray:
    block = np.random.default_rng(1).normal(size=(min(rows, BLOCK_ROWS), cols))
    return np.resize(block, (rows, cols))


def time_one(run: Callable[[Path], Any], path: Path) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run(path)
    return time.perf_counter() - start, result


def _product_load(path: Path) -> np.ndarray:
    """The product's load of ``path`` (features and target back in file order)."""
    ds = build_dataset(DataSettings(source="csv", csv_path=str(path)))
    return np.column_stack([ds.X, ds.y])


def bench(path: Path, rows: int, cols: int, repeats: int) -> tuple[float, bool]:
    import pandas as pd

    readers: dict[str, Callable[[Path], Any]] = {
        "product load": _product_load,
        "pandas.read_csv": lambda p: pd.read_csv(p).to_numpy(),
        "numpy.loadtxt": lambda p: np.loadtxt(p, delimiter=",", skiprows=1),
    }
    times: dict[str, list[float]] = {name: [] for name in readers}
    results: dict[str, Any] = {}
    pair = ["product load", "pandas.read_csv"]
    for k in range(repeats):  # the two compared readers, alternating which goes first
        for name in pair if k % 2 == 0 else pair[::-1]:
            seconds, results[name] = time_one(readers[name], path)
            times[name].append(seconds)
            print(f"  round {k + 1}: {name:<16} {seconds:8.3f} s", flush=True)
    # numpy.loadtxt, the reference, in rounds of its own afterwards: whatever runs right
    # after its large temporary allocations is slowed down on this machine (pandas too, ~2x)
    for k in range(min(repeats, 3)):
        seconds, results["numpy.loadtxt"] = time_one(readers["numpy.loadtxt"], path)
        times["numpy.loadtxt"].append(seconds)
        print(f"  round {k + 1}: {'numpy.loadtxt':<16} {seconds:8.3f} s", flush=True)
    seconds, preview = time_one(lambda p: read_table(p, nrows=100), path)
    print(f"  read_table(nrows=100), the import preview: {seconds:.3f} s", flush=True)
    want = expected_values(rows, cols)
    same = all(np.array_equal(r, want) for r in results.values())
    same = same and np.array_equal(preview.frame.to_numpy(), want[:100])
    size_mb = path.stat().st_size / 1e6
    print(f"file: {rows:,} rows x {cols:,} columns, {size_mb:,.1f} MB; {repeats} rounds")
    for name, ts in times.items():
        print(f"  {name:<16} median {statistics.median(ts):8.3f} s   min {min(ts):8.3f} s")
    ratio = statistics.median(times["product load"]) / statistics.median(times["pandas.read_csv"])
    print(f"  ratio product load / pandas.read_csv (medians): {ratio:.2f}x")
    print("  values: identical" if same else "  values: DIFFER")
    return ratio, same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200000x6,100000x1000", help="ROWSxCOLS,...")
    parser.add_argument("--quick", action="store_true", help="only 200,000 x 6")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--big-repeats", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    if args.quick:
        sizes = [(200_000, 6)]
    ok = True
    with tempfile.TemporaryDirectory(prefix="gdx-csv-bench-") as folder:
        for rows, cols in sizes:
            need = rows * cols * 20
            free = shutil.disk_usage(folder).free
            if need * 1.2 > free:
                print(f"skipped {rows:,} x {cols:,}: needs ~{need / 1e9:.1f} GB of disk")
                continue
            path = Path(folder) / f"bench_{rows}x{cols}.csv"
            write_csv(path, rows, cols)
            repeats = args.big_repeats if path.stat().st_size > BIG_BYTES else args.repeats
            ratio, same = bench(path, rows, cols, repeats)
            ok = ok and same and not ((rows, cols) == (200_000, 6) and ratio > 1.5)
            path.unlink()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
