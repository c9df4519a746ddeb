"""The scale demonstration of the dask engine (issue 14, item 5): data about four times the
local workers' combined memory limit, fitted with the real command line.

    .venv/bin/python benchmarks/cluster_scale.py                       # 50,000,000 x 20: 9.1 GB
    .venv/bin/python benchmarks/cluster_scale.py --m 600000 --chunk-rows 50000 --memory-limit 400MB

1. ``gd-explorer make-data`` writes the dataset (Parquet by default; ``--format zarr``) in a
   scratch folder outside the repository (``--workdir``, default /work/scratch, or the
   system's temporary folder), refused when the disk lacks room; removed at the end unless
   ``--keep``.
2. A ``distributed.LocalCluster`` of ``--workers`` worker processes (1 thread and
   ``--memory-limit`` each) is started here, and ``gd-explorer fit DATA --engine dask
   --scheduler ADDRESS --json`` runs against it as a subprocess four times: ``--solver
   normal``; ``--solver gd`` (Gram form, to convergence); ``--solver gd --iterations K`` in
   Gram form and with ``--implementation vectorised`` (every step a map-reduce over the chunks,
   read from disk each step: the data does not fit in the workers' memory).
3. While they run, a thread samples every worker process's resident memory (psutil, every
   0.2 s) and Dask's own per-worker memory metric (every second); the peaks are recorded
   against the limit, and a worker restart (its process id changed) is reported.
4. The answers are checked against one process that streams the same file chunk by chunk
   (NumPy; never more than one chunk in memory): the normal equation and the converged Gram
   fit against its least-squares solution (relative, ``--tolerance`` 1e-10 for the normal
   equation), the K vectorised steps against the K Gram-form steps (to rounding), and the
   truth file (each coefficient's error in standard errors σ_noise / (σ_j √m)).

Writes ``--out`` (default benchmarks/results/cluster-scale-2core.json) and prints a table.
Exit status 0 when every run finished and every check passed, else 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: What the results file keeps of make-data's report.
DATASET_KEYS = ("format", "m", "n", "chunks", "chunk_rows", "bytes_on_disk", "elapsed_s", "wall_s")


def command_line() -> list[str]:
    """The installed ``gd-explorer`` beside this Python, else ``python -m core``."""
    exe = Path(sys.executable).with_name("gd-explorer")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "core"]


def parse_bytes(text: str) -> int:
    from dask.utils import parse_bytes as parse

    return int(parse(text))


class MemorySampler(threading.Thread):
    """Peaks of the workers' resident memory (psutil) and of Dask's memory metric."""

    def __init__(self, client: Any, pids: dict[str, int]) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        import psutil

        self.client, self.pids = client, pids
        self.procs = {addr: psutil.Process(pid) for addr, pid in pids.items()}
        self.rss_peak = dict.fromkeys(pids, 0)
        self.dask_peak = dict.fromkeys(pids, 0)
        self.samples = 0
        self.paused = False
        self.stop = threading.Event()

    def reset(self) -> None:
        self.paused = False
        self.rss_peak = dict.fromkeys(self.pids, 0)
        self.dask_peak = dict.fromkeys(self.pids, 0)

    def run(self) -> None:
        last_dask = 0.0
        while not self.stop.wait(0.2):
            for addr, proc in self.procs.items():
                try:
                    rss = proc.memory_info().rss
                except Exception:  # the worker died: the fit will say so
                    continue
                self.rss_peak[addr] = max(self.rss_peak[addr], rss)
            self.samples += 1
            if time.monotonic() - last_dask >= 1.0:
                last_dask = time.monotonic()
                try:
                    workers = self.client.scheduler_info()["workers"]
                except Exception:
                    continue
                for addr, info in workers.items():
                    if info.get("status") == "paused":  # at Dask's pause threshold (80%)
                        self.paused = True
                    used = int(info.get("metrics", {}).get("memory", 0))
                    if addr in self.dask_peak:
                        self.dask_peak[addr] = max(self.dask_peak[addr], used)


def reference(path: Path, fmt: str, n: int) -> dict[str, Any]:
    """Least squares of y on x1..xn (+ intercept) from one pass in this process, one chunk
    at a time: sums of ``z − c`` and ``(z − c)(z − c)ᵀ`` about the first chunk's means ``c``
    (shifted sums: no cancellation of large means), then the centred normal equations solved
    by ``lstsq``. Returns coefficients, intercept, m, chunks, seconds."""
    t0 = time.perf_counter()
    k = n + 1
    shift: np.ndarray | None = None
    s1, s2, m, chunks = np.zeros(k), np.zeros((k, k)), 0, 0
    for block in _blocks(path, fmt):
        if shift is None:
            shift = block.mean(axis=0)
        block -= shift
        s1 += block.sum(axis=0)
        s2 += block.T @ block
        m += block.shape[0]
        chunks += 1
        del block
    assert shift is not None
    mean = shift + s1 / m
    centred = s2 - np.outer(s1, s1) / m
    w = np.linalg.lstsq(centred[:n, :n], centred[:n, n], rcond=None)[0]
    b = float(mean[n] - mean[:n] @ w)
    cost = float(centred[n, n] - centred[:n, n] @ w) / (2 * m)  # J = Σe²/2m at the optimum
    return {
        "coefficients": w.tolist(),
        "intercept": b,
        "cost": cost,
        "m": m,
        "chunks": chunks,
        "seconds": time.perf_counter() - t0,
    }


def _blocks(path: Path, fmt: str) -> Any:
    """The file's row chunks as float64 arrays (rows × (n+1)), one at a time."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        f = pq.ParquetFile(str(path))
        for g in range(f.num_row_groups):
            table = f.read_row_group(g)
            out = np.empty((table.num_rows, table.num_columns))
            for j in range(table.num_columns):
                out[:, j] = table.column(j).to_numpy()
            del table
            yield out
    elif fmt == "zarr":
        import zarr

        array = zarr.open_array(str(path), mode="r")
        rows = array.chunks[0]
        for start in range(0, array.shape[0], rows):
            yield np.asarray(array[start : start + rows], np.float64)
    else:
        array = np.load(str(path), mmap_mode="r")
        rows = max(1, (64 << 20) // (8 * array.shape[1]))
        for start in range(0, array.shape[0], rows):
            yield np.array(array[start : start + rows], np.float64)


def _commit() -> str | None:
    """The checkout's commit (and "+dirty" with uncommitted changes), None outside git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "core"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def relative(a: list[float], b: list[float]) -> float:
    """Largest relative difference of two coefficient vectors (intercept included)."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-300)))


def fit(cmd: list[str], data: Path, address: str, extra: list[str], timeout: float) -> dict:
    """One ``gd-explorer fit DATA --engine dask --scheduler ADDRESS --json`` subprocess."""
    argv = [*cmd, "fit", str(data), "--engine", "dask", "--scheduler", address, *extra, "--json"]
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        return {"argv": argv[1:], "ok": False, "wall_s": wall, "error": done.stderr.strip()}
    report = json.loads(done.stdout)
    return {"argv": argv[1:], "ok": True, "wall_s": wall, "report": report}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    p.add_argument("--m", type=int, default=50_000_000)
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--format", choices=("parquet", "zarr"), default="parquet")
    p.add_argument("--chunk-rows", type=int, default=None)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-limit", default="1GB", help="per worker (default 1GB)")
    p.add_argument("--iterations", type=int, default=3, help="GD steps on the chunks")
    p.add_argument("--workdir", default=None, help="default /work/scratch or the temp folder")
    p.add_argument("--keep", action="store_true", help="keep the dataset")
    p.add_argument("--tolerance", type=float, default=1e-10)
    p.add_argument("--timeout", type=float, default=3600, help="seconds per command")
    p.add_argument("--out", default=str(ROOT / "benchmarks/results/cluster-scale-2core.json"))
    args = p.parse_args(argv)

    # the commands and the workers run this checkout's gd-explorer, not another installed one
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    import psutil
    from distributed import Client, LocalCluster

    limit = parse_bytes(args.memory_limit)
    needed = args.m * (args.n + 1) * 8
    base = Path(
        args.workdir or ("/work/scratch" if Path("/work").is_dir() else tempfile.gettempdir())
    )
    base.mkdir(parents=True, exist_ok=True)
    if ROOT in base.resolve().parents or base.resolve() == ROOT:
        p.error(f"--workdir {base} is inside the repository; give one outside it")
    free = shutil.disk_usage(base).free
    if needed * 1.1 + (1 << 30) > free:
        p.error(
            f"the dataset needs about {needed / 1e9:.3g} GB (+10% and 1 GB of room) but "
            f"{base} has {free / 1e9:.3g} GB free"
        )
    work = Path(tempfile.mkdtemp(prefix="cluster-scale.", dir=str(base)))
    data = work / f"data.{args.format}"
    cmd = command_line()
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "memory_bytes": psutil.virtual_memory().total,
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_start": list(os.getloadavg()),
        },
        "config": {k: v for k, v in vars(args).items() if k != "out"},
        "commit": _commit(),
    }
    ok = True
    try:
        options = f"make-data --m {args.m} --n {args.n} --seed 7 --noise 1 --json"
        make = [*cmd, *options.split(), "--out", str(data)]
        if args.chunk_rows:
            make += ["--chunk-rows", str(args.chunk_rows)]
        print(f"writing {needed / 1e9:.3g} GB to {data} ...", flush=True)
        t0 = time.perf_counter()
        made = subprocess.run(make, capture_output=True, text=True, check=False)
        if made.returncode != 0:
            print(made.stderr, file=sys.stderr)
            return 1
        dataset = json.loads(made.stdout)
        dataset["wall_s"] = time.perf_counter() - t0
        result["dataset"] = {k: dataset[k] for k in DATASET_KEYS}
        with (
            LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                memory_limit=limit,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as local,
            Client(local) as client,
        ):
            pids = client.run(os.getpid)
            combined = limit * args.workers
            result["cluster"] = {
                "workers": args.workers,
                "threads_per_worker": 1,
                "memory_limit_per_worker_bytes": limit,
                "memory_limit_bytes": combined,
                "data_over_memory": dataset["bytes_on_disk"] / combined,
            }
            sampler = MemorySampler(client, pids)
            sampler.start()
            k = str(args.iterations)
            runs = [
                ("normal", ["--solver", "normal"]),
                ("gd-gram", ["--solver", "gd"]),
                (f"gd-gram-{k}", ["--solver", "gd", "--iterations", k]),
                (
                    f"gd-vectorised-{k}",
                    ["--solver", "gd", "--implementation", "vectorised", "--iterations", k],
                ),
            ]
            result["runs"] = {}
            for name, extra in runs:
                print(f"fit {name} ...", flush=True)
                sampler.reset()
                r = fit(cmd, data, local.scheduler_address, extra, args.timeout)
                r["rss_peak_bytes"] = max(sampler.rss_peak.values())
                r["dask_memory_peak_bytes"] = max(sampler.dask_peak.values())
                r["worker_paused"] = sampler.paused
                r["within_limit"] = r["rss_peak_bytes"] < limit
                ok &= r["ok"] and r["within_limit"]
                result["runs"][name] = r
                if not r["ok"]:
                    print(f"  failed: {r['error']}", file=sys.stderr)
            sampler.stop.set()
            sampler.join()
            result["workers_restarted"] = client.run(os.getpid) != pids
            ok &= not result["workers_restarted"]
        print("reference: one process, chunk by chunk ...", flush=True)
        ref = reference(data, args.format, args.n)
        result["reference"] = ref
        result["checks"] = checks(result["runs"], ref, dataset, args)
        ok &= all(c["passed"] for c in result["checks"].values())
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["passed"] = bool(ok)
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(table(result))
    print(f"wrote {args.out}")
    return 0 if ok else 1


def checks(runs: dict, ref: dict, dataset: dict, args: argparse.Namespace) -> dict[str, dict]:
    """The answers against the one-process reference, each other and the truth."""
    out: dict[str, dict] = {}
    want = [*ref["coefficients"], ref["intercept"]]

    def answer(name: str) -> list[float] | None:
        r = runs.get(name, {})
        if not r.get("ok"):
            return None
        return [*r["report"]["coefficients"], r["report"]["intercept"]]

    got = answer("normal")
    err = relative(got, want) if got else float("inf")
    out["normal vs one process"] = {
        "relative": err,
        "tolerance": args.tolerance,
        "passed": err <= args.tolerance,
    }
    # GD stops at its gradient tolerance: its coefficients agree to about that, its cost
    # (flat at the optimum) to far more
    gd = runs.get("gd-gram", {}).get("report")
    err = abs(gd["cost"] - ref["cost"]) / ref["cost"] if gd else float("inf")
    out["gd-gram cost vs one process"] = {
        "relative": err,
        "tolerance": 1e-8,
        "converged": bool(gd and gd["converged"]),
        "passed": bool(gd and gd["converged"]) and err <= 1e-8,
    }
    k = args.iterations
    chunked, gram = answer(f"gd-vectorised-{k}"), answer(f"gd-gram-{k}")
    err = relative(chunked, gram) if chunked and gram else float("inf")
    out[f"{k} steps: vectorised vs Gram form"] = {
        "relative": err,
        "tolerance": 1e-9,
        "passed": err <= 1e-9,
    }
    sigma = np.asarray(dataset["feature_stds"])
    se = dataset["noise"] / (sigma * np.sqrt(dataset["m"]))
    dev = np.abs(np.asarray(ref["coefficients"]) - np.asarray(dataset["coefficients"])) / se
    out["one process vs truth"] = {
        "max_standard_errors": float(dev.max()),
        "tolerance": 6.0,
        "passed": bool(dev.max() <= 6.0),
    }
    out["rows"] = {"m": ref["m"], "expected": dataset["m"], "passed": ref["m"] == dataset["m"]}
    return out


def table(result: dict) -> str:
    """The printed summary."""
    d, c = result["dataset"], result["cluster"]
    lines = [
        f"data      {d['m']:,} x {d['n']} {d['format']}, {d['bytes_on_disk'] / 1e9:.3g} GB on "
        f"disk in {d['chunks']:,} chunks, written in {d['wall_s']:.0f} s",
        f"cluster   {c['workers']} workers x {c['memory_limit_per_worker_bytes'] / 1e9:.3g} GB "
        f"(data = {c['data_over_memory']:.2f} x their combined limit)",
        f"{'run':<18}{'wall s':>8}{'pass s':>8}{'solve s':>9}{'iters':>7}"
        f"{'RSS peak MB':>13}{'dask peak MB':>14}  ok",
    ]
    for name, r in result["runs"].items():
        rep = r.get("report", {})
        sec = rep.get("seconds", {})
        lines.append(
            f"{name:<18}{r['wall_s']:>8.1f}{sec.get('pass', float('nan')):>8.1f}"
            f"{sec.get('solve', float('nan')):>9.2f}{rep.get('iterations', 0) or 0:>7}"
            f"{r['rss_peak_bytes'] / 1e6:>13.0f}{r['dask_memory_peak_bytes'] / 1e6:>14.0f}"
            f"  {'yes' if r['ok'] and r['within_limit'] else 'NO'}"
        )
    ref = result["reference"]
    lines.append(f"reference one process, chunk by chunk: {ref['seconds']:.1f} s")
    for name, chk in result["checks"].items():
        value = chk.get("relative", chk.get("max_standard_errors", chk.get("m")))
        lines.append(f"check     {name}: {value:.3g} ({'pass' if chk['passed'] else 'FAIL'})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
