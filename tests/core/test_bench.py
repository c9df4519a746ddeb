"""The timing lab gives the same step everywhere; speeds are the bench's business, not tests'."""

from __future__ import annotations

import argparse
import json
import os
import threading

import numpy as np
import pytest

from core.backend import format_bytes
from core.cli import main
from core.errors import Cancelled, InputError
from core.solvers import implementations
from core.timing import bench, command, limits, machine, measure
from core.timing import config as bench_config

FAST = dict(repeats=1, warmup=1, warmup_s=0.0, bandwidth_bytes=1 << 20, dask_processes=False)


def small(**kw) -> bench.BenchConfig:
    return bench.BenchConfig(**{"m": 203, "n": 17, **FAST, **kw})


def data(m: int, n: int, dtype: str = "float64", seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n)).astype(dtype)
    y = rng.standard_normal(m).astype(dtype)
    w = rng.standard_normal(n).astype(dtype)
    return X, y, w, 0.375


def exact_step(X, y, w, b) -> tuple[np.ndarray, float, float]:
    """(∇w, ∂b, Σe²) in float64 from the same (possibly float32) numbers, with NumPy."""
    X, y, w = (np.asarray(a, np.float64) for a in (X, y, w))
    e = X @ w + b - y
    return X.T @ e / X.shape[0], float(e.sum()) / X.shape[0], float(e @ e)


def flat(parts) -> np.ndarray:
    """[∇w..., ∂b, Σe²] of a kernel's result or of the numba kernels' n + 2 vector."""
    if isinstance(parts, tuple):
        gw, gb, sse = bench.host_parts(parts)
        return np.append(gw, [gb, sse])
    return np.asarray(parts, np.float64)


def close(got, want, rtol: float) -> None:
    """∇w and ∂b within ``rtol`` of the largest of them; Σe² within ``rtol`` of itself."""
    got, want = flat(got), flat(want)
    scale = np.max(np.abs(want[:-1]))
    assert np.max(np.abs(got[:-1] - want[:-1])) <= rtol * scale, (got, want)
    assert abs(got[-1] - want[-1]) <= rtol * abs(want[-1]), (got[-1], want[-1])


#: The registry's CPU implementations usable here (the compiled ones need numba).
CPU_KERNELS = [
    name for name in implementations.IMPLEMENTATIONS if not implementations.unavailable(name)
]


# -- every implementation computes the same step ---------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_implementation_matches_the_vectorised_step(dtype):
    report = bench.run_benchmark(small(dtype=dtype))
    done = [r for r in report.results if not r.skipped]
    impls = {r.impl for r in done}
    assert {"loop", "vectorised", bench.TEXTBOOK_LINE, "gram"} <= impls
    if machine.numba_kernels() is not None:
        assert {"compiled", "fused"} <= impls
    tol = bench.TOLERANCE[dtype]
    for r in done:
        assert r.verified, (r.impl, r.rel_error)
        assert r.rel_error <= tol, (r.impl, r.rel_error)
        assert r.seconds_min <= r.seconds_median <= r.seconds_max
        assert not r.estimated
    for r in report.results:
        if r.skipped:
            assert r.reason
    assert report.summary["all_verified"]


def test_the_bench_names_are_the_registrys():
    # dask: the engine's chunked step on a cluster (core.timing.dask_rows), not a kernel
    assert set(bench.IMPLS) == {*implementations.IMPLEMENTATIONS, "dask"}
    assert set(bench.FORMER_NAMES.values()) <= {*bench.IMPLS, bench.TEXTBOOK_LINE}


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 1e-4)])
@pytest.mark.parametrize("name", CPU_KERNELS)
def test_every_registry_kernel_gives_the_exact_step_and_sse(name, dtype, rtol):
    """What the bench times is the runs' kernel: ∇w, ∂b and Σe² (the Gram form's Σe² from
    its quadratic form) against the float64 step, and against the vectorised kernel."""
    X, y, w, b = data(301, 13, dtype)
    kernel = implementations.prepare(name, X, y, True)
    got = kernel(w, b)
    close(got, exact_step(X, y, w, b), rtol)
    reference = bench.reference_step(X, y, w, b)
    assert bench.relative_error(bench.host_parts(got), reference) <= bench.TOLERANCE[dtype]


def test_the_textbook_line_is_checked_on_its_gradient_only():
    X, y, w, b = data(301, 13)
    gw, _, _ = exact_step(X, y, w, b)
    line = bench.host_parts(bench.textbook_line(X, y, w, b))
    assert line[1] is None and line[2] is None
    assert bench.relative_error(line, bench.reference_step(X, y, w, b)) <= 1e-13
    assert np.max(np.abs(line[0] - gw)) <= 1e-13 * np.max(np.abs(gw))


kernels = machine.numba_kernels()  # None without numba


@pytest.mark.skipif(kernels is None, reason="numba is not installed")
@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 7, 255, 257, 1030])
@pytest.mark.parametrize("chunks", [1, 2, 3])
def test_numba_kernels_handle_every_row_count(m, chunks):
    X, y, w, b = data(m, 9, seed=m)
    ref = exact_step(X, y, w, b)
    close(kernels.fused_step(X, y, w, b, chunks), ref, 1e-12)
    close(kernels.compiled_step(X, y, w, b), ref, 1e-12)
    kernels.set_threads(min(chunks, kernels.max_threads()))
    try:
        for name in ("compiled", "fused"):
            close(implementations.prepare(name, X, y, True)(w, b), ref, 1e-12)
    finally:
        kernels.set_threads(kernels.max_threads())


@pytest.mark.skipif(kernels is None, reason="numba is not installed")
def test_numba_kernels_in_float32_are_close():
    X, y, w, b = data(1001, 31, "float32")
    ref = exact_step(X, y, w, b)
    close(kernels.fused_step(X, y, w, np.float32(b), 2), ref, 1e-4)
    close(kernels.compiled_step(X, y, w, b), ref, 1e-4)


def test_a_wrong_step_is_flagged_not_hidden():
    reference = (np.array([1.0, 2.0]), 3.0, 40.0)
    row = bench.BenchResult("vectorised", 3, 2, "float64", 1)
    measure.verify(row, (np.array([1.0, 2.0]), 3.0 + 1e-6, 40.0), reference, "float64")
    assert row.verified is False and "differs" in row.note
    # a wrong Σe² (the cost a run reports) is caught too, though ∇w and ∂b agree
    row = bench.BenchResult("gram", 3, 2, "float64", 1)
    measure.verify(row, (np.array([1.0, 2.0]), 3.0, 40.0 * (1 + 1e-6)), reference, "float64")
    assert row.verified is False and row.rel_error == pytest.approx(1e-6)
    row = bench.BenchResult("gram", 3, 2, "float64", 1)
    measure.verify(row, (np.array([1.0, 2.0]), 3.0, 40.0 * (1 + 1e-12)), reference, "float64")
    assert row.verified is True


# -- measurement ------------------------------------------------------------------------------


def test_too_slow_implementations_are_estimated_from_a_row_subsample():
    report = bench.run_benchmark(
        small(m=5000, n=40, impls=("loop", "vectorised"), time_budget_s=1e-3)
    )
    loop = report.rows("loop")[0]
    assert loop.estimated and 0 < loop.rows_timed < loop.m
    assert loop.label == f"estimated from {loop.rows_timed:,} rows"
    assert loop.verified
    assert report.summary["loop_estimated"] is True
    assert bench.format_table(report).count("estimated from") >= 1


def test_fast_enough_implementations_are_measured_in_full():
    report = bench.run_benchmark(small(impls=("loop",), time_budget_s=1e9))
    loop = report.rows("loop")[0]
    assert not loop.estimated and loop.rows_timed == loop.m and loop.label == ""


def test_a_size_that_does_not_fit_is_refused_with_its_size():
    config = bench.BenchConfig(m=10**8, n=10**5, **FAST)
    with pytest.raises(InputError) as info:
        bench.run_benchmark(config)
    assert format_bytes(8 * 10**13) in str(info.value)  # "80.0 TB"


def test_rates_speedups_and_break_even_are_derived():
    report = bench.run_benchmark(small(m=2000, n=50, impls=("loop", "vectorised", "gram")))
    for r in (r for r in report.results if not r.skipped):
        assert r.gflops > 0 and r.gbps > 0 and r.bandwidth_fraction > 0
        assert r.speedup_vs_loop > 0 and r.speedup_vs_vectorised > 0
    gram = [g for g in report.rows("gram") if not g.skipped]
    assert all(g.precompute_seconds > 0 for g in gram)
    assert all(g.break_even_iterations is None or g.break_even_iterations >= 1 for g in gram)
    threads = set(bench.thread_counts(report.config))
    assert {r.threads for r in report.rows("vectorised")} == threads
    assert report.machine["read_bandwidth_gbps"]


def test_progress_runs_from_0_to_1_and_cancel_stops_promptly():
    seen: list[float] = []
    bench.run_benchmark(
        small(impls=("loop", "vectorised")), progress=lambda f, text: seen.append(f)
    )
    assert seen and all(0.0 <= f <= 1.0 for f in seen) and seen[-1] == 1.0

    cancel = threading.Event()
    calls = []

    def progress(fraction, text):
        calls.append(text)
        if len(calls) == 3:
            cancel.set()

    with pytest.raises(Cancelled):
        bench.run_benchmark(
            small(m=20000, n=50, impls=("loop",), repeats=50), progress=progress, cancel=cancel
        )
    assert len(calls) <= 6


def test_missing_numba_and_threadpoolctl_are_skipped_with_reasons(monkeypatch):
    monkeypatch.setattr(implementations, "numba_kernels", lambda: None)
    monkeypatch.setattr(machine, "threadpoolctl_module", lambda: None)
    report = bench.run_benchmark(small(impls=("compiled", "fused", "vectorised")))
    skipped = [r for r in report.results if r.skipped]
    assert {r.impl for r in skipped if "numba" in r.reason} == {"compiled", "fused"}
    assert report.machine["numba"]["available"] is False
    assert "threadpoolctl" in report.machine["blas"]["reason"]
    # BLAS runs at its default (all cores) only: no row may claim a thread count it didn't use.
    all_cores = max(bench.thread_counts(report.config))
    for r in report.rows("vectorised"):
        assert r.verified if r.threads == all_cores else ("threadpoolctl" in r.reason)


def test_a_sweep_measures_each_size_and_fits_slopes():
    report = bench.run_benchmark(small(m=4000, n=8, impls=("vectorised",), sweep="m", points=3))
    sizes = sorted({r.m for r in report.rows("vectorised")})
    assert len(sizes) == 3 and sizes[-1] == 4000
    assert any(name.startswith("vectorised") for name in report.summary["slopes"])


def test_bad_options_are_input_errors():
    for kw in (
        dict(m=0),
        dict(n=-1),
        dict(repeats=0),
        dict(impls=("nope",)),
        dict(dtype="float16"),
        dict(sweep="k"),
    ):
        with pytest.raises(InputError):
            bench.run_benchmark(small(**kw))


# -- command line -------------------------------------------------------------------------------

ROW_FIELDS = {
    "impl",
    "m",
    "n",
    "dtype",
    "threads",
    "seconds_median",
    "seconds_min",
    "seconds_max",
    "estimated",
    "gflops",
    "gbps",
}


def test_bench_json_schema(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench_config, "DEFAULT_BANDWIDTH_BYTES", 1 << 20)
    out = tmp_path / "bench.json"
    code = main(
        [
            "bench",
            "--m",
            "300",
            "--n",
            "12",
            "--repeats",
            "2",
            "--impl",
            "loop",
            "numpy",  # the former name of vectorised, still accepted
            "gram",
            "cupy",
            "--json",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "textbook-line" in captured.out and "loop" in captured.out
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) >= {"machine", "results"}
    machine = doc["machine"]
    assert {"cpu", "cores", "blas", "read_bandwidth_gbps", "gpu", "other_load_cores"} <= set(
        machine
    )
    assert {"library", "version", "threads"} <= set(machine["blas"])
    assert "available" in machine["gpu"]
    if not machine["gpu"]["available"]:
        assert machine["gpu"]["reason"]
    for row in doc["results"]:
        assert ROW_FIELDS <= set(row), ROW_FIELDS - set(row)
        assert isinstance(row["estimated"], bool)
        if not row["skipped"]:
            assert row["m"] == 300 and row["n"] == 12 and row["dtype"] in ("float64", "float32")
            assert row["seconds_min"] <= row["seconds_median"] <= row["seconds_max"]
            assert row["verified"] is True
    impls = {r["impl"] for r in doc["results"]}
    assert impls >= {"loop", "vectorised", "textbook-line", "gram", "cupy"}
    assert doc["config"]["impls"] == ["loop", "vectorised", "gram", "cupy"]


def test_bench_sweep_on_the_command_line(capsys, monkeypatch):
    monkeypatch.setattr(bench_config, "DEFAULT_BANDWIDTH_BYTES", 1 << 20)
    code = main(
        [
            "bench",
            "--m",
            "400",
            "--n",
            "40",
            "--impl",
            "vectorised",
            "--repeats",
            "1",
            "--sweep",
            "n",
            "--points",
            "2",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "slope of log(time) vs log(n)" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["bench", "--m", "0"], "--m must be a whole number from 1 to 2,000,000,000, got 0"),
        (["bench", "--repeats", "51"], "--repeats must be a whole number from 1 to 50, got 51"),
        (
            ["bench", "--sweep", "m", "--points", "13"],
            "--points must be a whole number from 2 to 12",
        ),
        (
            ["bench", "--threads", "0"],
            f"--threads must be a whole number from 1 to {limits.cpu_count():,}, got 0",
        ),
        (
            ["bench", "--threads", str(limits.cpu_count() + 1)],
            f"(this machine has {limits.cpu_count()} CPU core",
        ),
        (["bench", "--threads", "1024"], "CPU core"),
        (["bench", "--json", ""], "the benchmark JSON file name is empty"),
        (["bench", "--points", "3"], "--points needs --sweep"),
        (["bench", "--m", "100000000", "--n", "100000"], "80.0 TB"),
        (["bench", "--m", "10", "--json", "/no/such/folder/x.json"], "does not exist"),
    ],
)
def test_bench_bad_input_exits_2_with_one_line(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


def test_the_window_and_the_cli_read_one_set_of_limits(capsys):
    for limit in limits.LIMITS.values():
        assert limit.check(limit.low) == limit.low and limit.check(limit.high) == limit.high
        for bad in (limit.low - 1, limit.high + 1, 2.0, True):
            with pytest.raises(
                InputError, match=f"{limit.option} must be .* from {limit.range_text}"
            ):
                limit.check(bad)
    with pytest.raises(InputError, match="--repeats"):
        bench.BenchConfig(repeats=limits.REPEATS.high + 1).validate()
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args([])
    assert (args.m, args.n, args.repeats) == (
        limits.M.default,
        limits.N.default,
        limits.REPEATS.default,
    )


@pytest.mark.parametrize("target", ["folder", "missing-folder"])
def test_a_bad_json_path_is_refused_before_the_benchmark_starts(
    target, tmp_path, monkeypatch, capsys
):
    started = []
    monkeypatch.setattr(command, "run_benchmark", lambda *a, **k: started.append(1))
    path = tmp_path if target == "folder" else tmp_path / "no" / "x.json"
    assert main(["bench", "--m", "10", "--n", "2", "--json", str(path)]) == 2
    assert not started
    err = capsys.readouterr().err
    assert str(path) in err and ("folder" in err or "does not exist" in err)


def test_bench_json_replaces_the_file_whole_and_leaves_no_temporary(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench_config, "DEFAULT_BANDWIDTH_BYTES", 1 << 20)
    out = tmp_path / "bench.json"
    out.write_text("old contents that are not JSON")
    assert (
        main(
            [
                "bench",
                "--m",
                "50",
                "--n",
                "3",
                "--repeats",
                "1",
                "--impl",
                "vectorised",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    assert json.loads(out.read_text(encoding="utf-8"))["config"]["m"] == 50
    assert [p.name for p in tmp_path.iterdir()] == ["bench.json"]


def test_thread_counts_are_capped_at_the_cores_this_process_may_use():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert limits.THREADS.high == limits.cpu_count() == cores
    assert limits.THREADS.check(cores) == cores
    with pytest.raises(InputError, match=f"this machine has {cores} CPU core"):
        bench.BenchConfig(threads=(1, cores + 1)).validate()


@pytest.mark.skipif(not os.path.isfile("/proc/version"), reason="needs Linux /proc")
@pytest.mark.parametrize("path", ["/proc/version", "/proc/gdx-new.json"])
def test_a_json_path_in_a_folder_that_takes_no_files_is_refused_first(path, monkeypatch, capsys):
    started = []
    monkeypatch.setattr(command, "run_benchmark", lambda *a, **k: started.append(1))
    assert main(["bench", "--m", "10", "--n", "2", "--json", path]) == 2
    assert not started
    err = capsys.readouterr().err
    assert (
        f"{path}: cannot write the benchmark JSON file: the folder '/proc' is not writable" in err
    )
