"""The GPU implementations of the registry: CuPy's vectorised step and the fused CUDA kernel
(``cupy``), on every optimizer (skipped without a GPU; run by benchmarks/gpu_check.sh)."""

from __future__ import annotations

import numpy as np
import pytest

from core.backend import gpu_status
from core.data.datasets import make_synthetic
from core.model.problem import Problem
from core.solvers import OPTIMIZERS, last, run_solver
from core.solvers import implementations as impl

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not gpu_status().available, reason=gpu_status().reason or "no GPU"),
]


@pytest.mark.parametrize(("dtype", "rtol"), [("float64", 1e-11), ("float32", 2e-5)])
@pytest.mark.parametrize(("m", "n"), [(1, 1), (7, 3), (1003, 17), (4099, 1000), (300, 2047)])
def test_the_fused_cuda_kernel_matches_the_vectorised_step(m, n, dtype, rtol):
    import cupy

    rng = np.random.default_rng(m + n)
    X = rng.normal(size=(m, n)).astype(dtype)
    y = rng.normal(size=m).astype(dtype)
    w = rng.normal(size=n).astype(dtype)
    ref_w, ref_b, ref_sse = impl.prepare("vectorised", X, y)(w, 0.3)
    Xg, yg, wg = cupy.asarray(X), cupy.asarray(y), cupy.asarray(w)
    gw, gb, sse = impl.prepare("cupy", Xg, yg)(wg, 0.3)
    assert isinstance(gw, cupy.ndarray) and gw.dtype == np.dtype(dtype)
    scale = max(float(np.max(np.abs(ref_w))), 1e-30)
    assert float(cupy.max(cupy.abs(gw - cupy.asarray(ref_w)))) <= rtol * scale * max(1, n / 64)
    assert gb == pytest.approx(ref_b, rel=rtol * 10, abs=rtol * 10)
    assert sse == pytest.approx(ref_sse, rel=rtol * 10)
    _, gb0, _ = impl.prepare("cupy", Xg, yg, intercept=False)(wg, 0.0)
    assert gb0 == 0.0


@pytest.mark.parametrize("implementation", ["vectorised", "cupy"])
@pytest.mark.parametrize("solver", ["gd", *OPTIMIZERS])
def test_every_optimizer_runs_on_the_gpu_with_the_cpu_path(solver, implementation):
    dataset = make_synthetic(3000, 6, noise=0.1, seed=5)
    options = {"alpha": 0.05, "iterations": 150, "report_every": 50, "tolerance": 0.0}
    if solver == "sgd":
        options["batch_size"] = 64
    cpu = last(run_solver(Problem(dataset, scaling="zscore"), solver, **options))
    gpu_problem = Problem(dataset, scaling="zscore", device="gpu")
    gpu = last(run_solver(gpu_problem, solver, implementation=implementation, **options))
    assert gpu.status == cpu.status
    np.testing.assert_allclose(gpu.w, cpu.w, rtol=1e-8, atol=1e-10)


def test_the_cpu_implementations_say_why_they_do_not_run_on_the_gpu():
    for name in ("loop", "compiled", "fused", "gram"):
        assert "CPU" in impl.unavailable(name, "gpu")
    assert impl.unavailable("cupy", "gpu") == ""
    assert impl.unavailable("vectorised", "gpu") == ""
