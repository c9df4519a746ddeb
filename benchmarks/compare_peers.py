"""The product against what a user would pick instead, each pair timed in one run.

    .venv/bin/python benchmarks/compare_peers.py               # every case
    .venv/bin/python benchmarks/compare_peers.py --quick       # skips the 100,000 × 1,000 case
    .venv/bin/python benchmarks/compare_peers.py --json benchmarks/results/compare-peers.json
    .venv/bin/python benchmarks/compare_peers.py --only gram --json FILE   # one case, merged

Cases (issue 13's table), each the product's own time against its peer's on the same data,
the two alternating (which goes first alternating too) for ``--repeats`` rounds, medians:

- ``normal 50k×200`` and ``normal 100k×1000``: the stable normal equation
  (``run_solver(problem, "normal")``, the snapshot's ``elapsed``: the solver's own time, the
  problem built before) against ``numpy.linalg.lstsq`` on the same design ``[X | 1]``, and
  scikit-learn's ``LinearRegression`` where installed; with the significant digits of the
  normal equation on NIST StRD (min over the eleven sets, when ../shared/reference/nist is
  there);
- ``gd 100×4, 2,000 it.``: gradient descent as the CLI runs it without ``--history``
  (a snapshot about every 0.1 s of work, ``timed_pace``, not every step) against the course's plain
  vectorised NumPy loop (the prediction, the error, two gradients, the update and the cost
  history J each iteration), the housing demo z-scored, α = 0.1, tolerance 0;
- ``gd 20k×50, 300 it.``: the same on a synthetic table;
- ``gram 100×4 unscaled, 1,000,000 it.``: issue 13's item 3 acceptance, no peer (goal
  under 2 s): the unscaled housing demo, α = 0.9·α_max, tolerance 0, the Gram-form kernel
  (``implementation="gram"``), as a student runs it from a fresh process: ``gd-explorer fit
  demo:housing --scaling none --implementation gram --iterations 1000000 --alpha-factor 0.9
  --tolerance 0 --json`` (``python -m gui_app``, the console script's module), its wall time
  from outside (Python start, imports and the numba warm-up, loading the compiled kernel
  from numba's cache, included; once more with an empty cache, as after an install) and the
  JSON's ``elapsed_s`` (the solver's own time); beside them the same run in this process,
  ``run_solver(..., report_every=10_000)``, after one warm-up run;
- ``CSV 100,000 × 10``: ``core.builder.build_dataset`` (sniffing, pandas, the checks, the
  roles) against ``pandas.read_csv``;
- ``window start``: process start (the kernel's record of it) to the end of the window's
  first paint on an X display, as the app reports it with ``GDX_STARTUP_REPORT``; a first
  start (empty config and data folders), bytecode compiled; skipped without ``DISPLAY``.

Speed is measured here, never asserted in the tests. Prints a table; ``--json`` writes it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.data.datasets import make_housing, make_synthetic  # noqa: E402
from core.model.problem import Problem  # noqa: E402
from core.solvers import last, run_solver  # noqa: E402
from core.solvers.fast_forward import timed_pace  # noqa: E402


def alternate(pair: dict[str, Callable[[], float | None]], repeats: int) -> dict[str, float]:
    """Median seconds of each program, run alternately (the first one alternating too);
    a program returns its own time (or None: time it from outside)."""
    times: dict[str, list[float]] = {name: [] for name in pair}
    names = list(pair)
    for r in range(repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            t0 = time.perf_counter()
            own = pair[name]()
            times[name].append(own if own is not None else time.perf_counter() - t0)
    return {name: statistics.median(v) for name, v in times.items()}


def normal_case(m: int, n: int, repeats: int) -> dict[str, Any]:
    problem = Problem(make_synthetic(m, n, seed=1, scale_spread=2), scaling="none")
    A = np.column_stack([problem.design.X, np.ones(m)])
    y = np.asarray(problem.dataset.y)
    last(run_solver(problem, "normal"))  # compile the kernels once (cached on disk after)
    pair: dict[str, Callable[[], float | None]] = {
        "product": lambda: last(run_solver(problem, "normal")).elapsed,
        "numpy lstsq": lambda: (np.linalg.lstsq(A, y, rcond=None), None)[1],
    }
    try:
        from sklearn.linear_model import LinearRegression

        pair["sklearn LinearRegression"] = lambda: (
            LinearRegression().fit(problem.design.X, y),
            None,
        )[1]
    except ImportError:
        pass
    medians = alternate(pair, repeats)
    snap = last(run_solver(problem, "normal"))
    ref = np.linalg.lstsq(A, y, rcond=None)[0]
    agree = float(np.max(np.abs(np.append(snap.w, snap.b) - ref) / np.abs(ref)))
    return {
        "case": f"normal {m:,}×{n}",
        "seconds": medians,
        "peer": "numpy lstsq",
        "path": snap.message,
        "max relative difference from lstsq": agree,
    }


def course_loop(X: np.ndarray, y: np.ndarray, alpha: float, iterations: int) -> float:
    """The course's vectorised loop, timed from inside (its own time)."""
    t0 = time.perf_counter()
    m, n = X.shape
    w, b, history = np.zeros(n), 0.0, []
    for _ in range(iterations):
        e = X @ w + b - y
        dj_dw, dj_db = X.T @ e / m, e.sum() / m
        w, b = w - alpha * dj_dw, b - alpha * dj_db
        history.append(float(e @ e) / (2 * m))
    return time.perf_counter() - t0


def gd_case(problem: Problem, iterations: int, alpha: float, repeats: int) -> dict[str, Any]:
    X, y = np.asarray(problem.X), np.asarray(problem.y)
    options = {"alpha": alpha, "iterations": iterations, "tolerance": 0.0}
    pair: dict[str, Callable[[], float | None]] = {
        # as `gd-explorer fit` runs it without --history: snapshots about every 0.1 s of work
        "product": lambda: (
            last(
                run_solver(
                    problem, "gd", report_every=max(1, iterations), pace=timed_pace(), **options
                )
            ).elapsed
        ),
        "course loop": lambda: course_loop(X, y, alpha, iterations),
    }
    medians = alternate(pair, repeats)
    m, n = X.shape
    return {"case": f"gd {m:,}×{n}, {iterations:,} it.", "seconds": medians, "peer": "course loop"}


GRAM_ITERATIONS = 1_000_000
GRAM_GOAL_S = 2.0


def gram_case(repeats: int) -> dict[str, Any]:
    """The Gram-form run of issue 13's acceptance: a fresh ``gd-explorer fit`` process timed
    from outside (the goal's number), its own ``elapsed_s``, and the run in this process."""
    argv = [
        sys.executable,
        "-m",
        "gui_app",
        "fit",
        "demo:housing",
        "--scaling",
        "none",
        "--implementation",
        "gram",
        "--iterations",
        str(GRAM_ITERATIONS),
        "--alpha-factor",
        "0.9",
        "--tolerance",
        "0",
        "--json",
    ]

    def fit(env: dict[str, str] | None = None) -> tuple[float, dict[str, Any]]:
        t0 = time.perf_counter()
        out = subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        return time.perf_counter() - t0, json.loads(out.stdout)

    # Once with an empty numba cache, as the first run after an install compiles the kernels.
    with tempfile.TemporaryDirectory() as cache:
        cold, _ = fit({**os.environ, "NUMBA_CACHE_DIR": cache})
    fit()  # fills the usual cache, should the run above be the first
    walls, elapsed, report = [], [], {}
    for _ in range(repeats):
        wall, report = fit()
        walls.append(wall)
        elapsed.append(report["elapsed_s"])
    problem = Problem(make_housing(), scaling="none")
    options = {
        "alpha": 0.9 * problem.alpha_max,
        "iterations": GRAM_ITERATIONS,
        "tolerance": 0.0,
        "report_every": 10_000,
        "implementation": "gram",
    }
    last(run_solver(problem, "gd", **options))  # the numba warm-up (cached on disk after)
    in_process = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        snap = last(run_solver(problem, "gd", **options))
        in_process.append(time.perf_counter() - t0)
    product = statistics.median(walls)
    return {
        "case": f"gram 100×4 unscaled, {GRAM_ITERATIONS:,} it.",
        "seconds": {
            "product": product,
            "fit elapsed_s": statistics.median(elapsed),
            "first run, empty numba cache": cold,
            "in-process run": statistics.median(in_process),
        },
        "goal_s": GRAM_GOAL_S,
        "goal_met": product < GRAM_GOAL_S,
        "command": "gd-explorer " + " ".join(argv[3:]),
        "iterations": report.get("iterations"),
        "status": report.get("status"),
        "cost": report.get("cost"),
        "in-process iterations": snap.iteration,
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def csv_case(repeats: int) -> dict[str, Any]:
    import pandas as pd

    from core.builder import build_dataset
    from core.settings import DataSettings

    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "table.csv"
        rng = np.random.default_rng(0)
        values = rng.standard_normal((100_000, 10))
        header = ",".join(f"x{j}" for j in range(9)) + ",y"
        np.savetxt(path, values, delimiter=",", header=header, comments="", fmt="%.17g")
        settings = DataSettings(source="csv", csv_path=str(path))
        pair: dict[str, Callable[[], float | None]] = {
            "product": lambda: (build_dataset(settings), None)[1],
            "pandas read_csv": lambda: (pd.read_csv(path).to_numpy(np.float64), None)[1],
        }
        medians = alternate(pair, repeats)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"case": "CSV 100,000×10", "seconds": medians, "peer": "pandas read_csv"}


def _start_once(env: dict[str, str]) -> float:
    """Seconds from process start to the end of the window's first paint, as the app itself
    reports them (``GDX_STARTUP_REPORT``, gui_app/startup_probe.py)."""
    with tempfile.TemporaryDirectory() as home:
        report = Path(home) / "first-paint.txt"
        # a first start: no remembered session, no saved layout
        env = {**env, "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home}
        env["GDX_STARTUP_REPORT"] = str(report)
        proc = subprocess.Popen([sys.executable, "-m", "gui_app"], cwd=ROOT, env=env)
        try:
            deadline = time.perf_counter() + 60
            while not (report.exists() and report.read_text().strip()):
                if proc.poll() is not None or time.perf_counter() > deadline:
                    raise RuntimeError("the window did not report its first paint")
                time.sleep(0.02)
            return float(report.read_text())
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def window_start(repeats: int) -> dict[str, Any]:
    """Process start to the first paint of the window (Xvfb), median of ``repeats`` starts
    after one untimed start; with compiled bytecode, as an installed copy has it."""
    if not os.environ.get("DISPLAY"):
        return {"case": "window start", "skipped": "needs DISPLAY (e.g. Xvfb)"}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    _start_once(env)  # writes the bytecode a pip install would have compiled
    times = [_start_once(env) for _ in range(repeats)]
    return {
        "case": "window start",
        "seconds": {"product": statistics.median(times)},
        "all_seconds": times,
        "goal": "1.0 s",
    }


def nist_digits() -> float | None:
    try:
        from tests.core import nist
    except ImportError:
        return None
    if not nist.available():
        return None
    import contextlib
    import io

    from core.cli import main

    worst = 15.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, info in nist.certified().items():
            path = nist.write_data(name, info, Path(tmp))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                main(nist.fit_argv(path, info, "normal"))
            r = json.loads(out.getvalue())
            est = ([r["intercept"]] if info["intercept"] else []) + r["coefficients"]
            for e, c in zip(est, (float(v) for v in info["params"]), strict=True):
                lre = 15.0 if e == c else -np.log10(abs(e - c) / abs(c))
                worst = min(worst, float(min(15.0, lre)))
    return worst


#: The cases ``--only`` selects (``normal``: both sizes, ``gd``: both problems).
CASES = ("normal", "gd", "gram", "csv", "window")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 100,000 × 1,000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--json",
        help="write the results to this file (with --only: the cases run replace theirs in it)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=CASES,
        metavar="CASE",
        help=f"run only these cases: {', '.join(CASES)} (default all)",
    )
    args = parser.parse_args()
    chosen = args.only or CASES

    def cases() -> list[dict[str, Any]]:
        rows = []
        if "normal" in chosen:
            rows.append(normal_case(50_000, 200, args.repeats))
            if not args.quick:
                rows.append(normal_case(100_000, 1_000, max(3, args.repeats // 2)))
        if "gd" in chosen:
            housing = Problem(make_housing(), scaling="zscore")
            rows.append(gd_case(housing, 2_000, 0.1, args.repeats * 4))
            synthetic = Problem(make_synthetic(20_000, 50, seed=2), scaling="zscore")
            rows.append(gd_case(synthetic, 300, 0.1, args.repeats))
        if "gram" in chosen:
            rows.append(gram_case(args.repeats))
        if "csv" in chosen:
            rows.append(csv_case(args.repeats))
        if "window" in chosen:
            rows.append(window_start(args.repeats))
        return rows

    rows = cases()
    digits = nist_digits() if "normal" in chosen else None
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}"
    )
    for row in rows:
        if "skipped" in row:
            print(f"{row['case']:28}  skipped: {row['skipped']}")
            continue
        secs = row["seconds"]
        text = "  ".join(f"{k} {v * 1e3:9.1f} ms" for k, v in secs.items())
        peer = row.get("peer")
        ratio = f"  ratio {secs['product'] / secs[peer]:.2f}×" if peer in secs else ""
        goal = ""
        if "goal_s" in row:
            met = "met" if row["goal_met"] else "NOT met"
            goal = f"  goal < {row['goal_s']:g} s: {met}"
        print(f"{row['case']:28}  {text}{ratio}{goal}")
        row["ratio"] = secs["product"] / secs[peer] if peer in secs else None
    if digits is not None:
        print(f"NIST StRD, normal equation: at least {digits:.1f} significant digits on all 11")
    if args.json:
        doc = {"rows": rows, "nist_digits": digits}
        path = Path(args.json)
        if args.only and path.exists():
            doc = merge(json.loads(path.read_text()), rows, digits)
        path.write_text(json.dumps(doc, indent=1))
    return 0


def merge(old: dict[str, Any], rows: list[dict[str, Any]], digits: float | None) -> dict[str, Any]:
    """``old`` results with ``rows`` in place of the rows of the same case (new cases after
    the old ones), its NIST digits kept unless measured again."""
    new = {row["case"]: row for row in rows}
    merged = [new.pop(row["case"], row) for row in old.get("rows", [])]
    return {
        "rows": merged + list(new.values()),
        "nist_digits": digits if digits is not None else old.get("nist_digits"),
    }


if __name__ == "__main__":
    sys.exit(main())
