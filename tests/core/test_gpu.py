"""The CuPy paths: training on the GPU and the bench's GPU rows (skipped without a GPU).

Run on a GPU machine with ``pytest tests/core -m gpu -p no:pytestqt`` (see
``benchmarks/gpu_check.sh``); they need CuPy and NumPy only, not Qt, numba or hypothesis.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.backend import gpu_status
from core.cli import main
from core.data.datasets import make_synthetic
from core.model.problem import Problem
from core.solvers import gradient_descent, last
from core.timing import bench

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not gpu_status().available, reason=gpu_status().reason or "no GPU"),
]


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-9), ("float32", 2e-3)])
def test_gradient_descent_on_the_gpu_matches_the_cpu(dtype, rtol):
    dataset = make_synthetic(5000, 7, noise=0.1, seed=3)
    runs = {}
    for device in ("cpu", "gpu"):
        problem = Problem(dataset, scaling="zscore", device=device, dtype=dtype)
        runs[device] = last(gradient_descent(problem, alpha=0.3, iterations=300, report_every=50))
        assert isinstance(runs[device].w, np.ndarray)  # host arrays leave the core
    cpu, gpu = runs["cpu"], runs["gpu"]
    assert gpu.status == cpu.status
    np.testing.assert_allclose(gpu.w, cpu.w, rtol=rtol, atol=rtol)
    assert gpu.b == pytest.approx(cpu.b, rel=rtol, abs=rtol)
    assert gpu.cost == pytest.approx(cpu.cost, rel=10 * rtol)


def test_gpu_gradient_and_gram_match_the_cpu():
    dataset = make_synthetic(3000, 5, noise=0.2, seed=4)
    cpu = Problem(dataset, scaling="minmax", device="cpu")
    gpu = Problem(dataset, scaling="minmax", device="gpu")
    w = np.linspace(-1, 1, cpu.n)
    gw_c, gb_c = cpu.gradient(w, 0.5)
    gw_g, gb_g = gpu.gradient(w, 0.5)
    np.testing.assert_allclose(gw_g, gw_c, rtol=1e-10, atol=1e-12)
    assert gb_g == pytest.approx(gb_c, rel=1e-10)
    assert gpu.alpha_max == pytest.approx(cpu.alpha_max, rel=1e-9)


def test_fit_with_device_gpu_on_the_command_line(capsys):
    argv = [
        "fit",
        "demo:synthetic",
        "--m",
        "20000",
        "--n",
        "8",
        "--solver",
        "gd",
        "--scaling",
        "zscore",
        "--alpha",
        "0.5",
        "--iterations",
        "200",
        "--tolerance",
        "0",
        "--json",
    ]
    assert main([*argv, "--device", "gpu"]) == 0
    gpu = json.loads(capsys.readouterr().out)
    assert main([*argv, "--device", "cpu"]) == 0
    cpu = json.loads(capsys.readouterr().out)
    assert gpu["device"] == "gpu"
    np.testing.assert_allclose(gpu["coefficients"], cpu["coefficients"], rtol=1e-9)


def test_gpu_bench_rows_are_verified_and_timed_on_the_device():
    """Both GPU kernels of the registry (vectorised on CuPy arrays, the fused cupy kernel),
    float32 and float64: verified (∇w, ∂b, Σe²), device-timed, the cupy kernel set against
    the one-read bound."""
    config = bench.BenchConfig(
        m=4000,
        n=64,
        impls=("vectorised", "cupy"),
        repeats=3,
        warmup_s=0.0,
        bandwidth_bytes=1 << 20,
    )
    report = bench.run_benchmark(config)
    gpu_rows = [r for r in report.results if r.device == "gpu"]
    assert {(r.impl, r.dtype) for r in gpu_rows} == {
        (impl, dt) for impl in ("vectorised", "cupy") for dt in ("float32", "float64")
    }
    for r in gpu_rows:
        assert not r.skipped, r.reason
        assert r.verified, (r.impl, r.dtype, r.rel_error)
        assert r.rel_error <= bench.TOLERANCE[r.dtype]
        assert r.compile_seconds is not None and r.transfer_seconds is not None
        assert 0 < r.seconds_min <= r.seconds_median <= r.seconds_max
        assert r.gbps > 0 and r.speedup_vs_vectorised > 0
    for r in report.rows("cupy"):
        itemsize = 4 if r.dtype == "float32" else 8
        bw = report.machine["gpu"]["read_bandwidth_gbps"]
        assert r.read_bound_seconds == pytest.approx(4000 * 64 * itemsize / (bw * 1e9))
        assert r.read_bound_ratio == pytest.approx(r.seconds_median / r.read_bound_seconds)
        assert report.summary[f"cupy_gpu_{r.dtype}"]["read_bound_ratio"] == r.read_bound_ratio
    assert report.machine["gpu"]["read_bandwidth_gbps"] > 0
