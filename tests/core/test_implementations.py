"""The kernel registry: every implementation of the step gives the same run, to rounding."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import cli
from core.data.datasets import make_housing
from core.errors import InputError
from core.model.problem import Problem
from core.settings import RunSettings
from core.solvers import IMPLEMENTATIONS, RunStatus, last, run_solver, unavailable
from core.solvers import implementations as impl

CPU = [name for name in IMPLEMENTATIONS if not unavailable(name, "cpu")]


def path_of(problem: Problem, solver: str, implementation: str, **options) -> np.ndarray:
    """Every snapshot's [w_s, b_s] of a run, as rows."""
    snaps = list(run_solver(problem, solver, implementation=implementation, **options))
    return np.array([np.append(s.w_scaled, s.b_scaled) for s in snaps])


def test_every_cpu_implementation_but_cupy_is_available_here_with_numba() -> None:
    # numba is a dependency: the compiled ones must not silently drop out of CI
    assert CPU == ["vectorised", "loop", "compiled", "fused", "gram"]
    assert "GPU" in unavailable("cupy", "cpu")


@pytest.mark.parametrize("implementation", CPU)
@pytest.mark.parametrize(
    ("solver", "scaling", "penalty", "options"),
    [
        ("gd", "zscore", {}, {}),
        ("gd", "none", {}, {}),
        ("gd", "zscore", {"l2": 5.0}, {}),
        ("adam", "zscore", {}, {}),
        ("momentum", "minmax", {}, {"momentum": 0.8}),
    ],
)
def test_the_same_run_gives_the_same_path_with_each_implementation(
    implementation: str, solver: str, scaling: str, penalty: dict, options: dict
) -> None:
    problem = Problem(make_housing(), scaling=scaling, **penalty)
    alpha = 0.5 * problem.alpha_max if solver in ("gd", "momentum") else 0.05
    run = {"alpha": alpha, "iterations": 300, "report_every": 7, **options}
    reference = path_of(problem, solver, "vectorised", **run)
    got = path_of(problem, solver, implementation, **run)
    assert got.shape == reference.shape
    scale = np.max(np.abs(reference))
    # the Gram form's gradient is Gw − c: rounding of ε·‖c‖, a little above the others'
    tol = 1e-10 if implementation == "gram" else 1e-12
    assert np.max(np.abs(got - reference)) <= tol * scale


@pytest.mark.parametrize("implementation", [n for n in CPU if n != "gram"])
def test_mini_batches_follow_the_same_path_with_each_implementation(implementation: str) -> None:
    problem = Problem(make_housing(), scaling="zscore")
    run = {"alpha": 0.05, "iterations": 120, "batch_size": 16, "shuffle_seed": 3}
    reference = path_of(problem, "sgd", "vectorised", **run)
    got = path_of(problem, "sgd", implementation, **run)
    assert np.max(np.abs(got - reference)) <= 1e-12 * np.max(np.abs(reference))


def test_the_gram_form_refuses_mini_batches_with_the_reason() -> None:
    problem = Problem(make_housing(), scaling="zscore")
    with pytest.raises(InputError, match="full batch"):
        last(run_solver(problem, "sgd", alpha=0.05, batch_size=8, implementation="gram"))


@pytest.mark.parametrize("implementation", ["compiled", "fused", "gram"])
def test_float32_kernels_agree_with_the_vectorised_step(implementation: str) -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(1003, 17)).astype(np.float32)
    y = rng.normal(size=1003).astype(np.float32)
    w = rng.normal(size=17).astype(np.float32)
    ref_w, ref_b, ref_sse = impl.prepare("vectorised", X, y)(w, 0.25)
    gw, gb, sse = impl.prepare(implementation, X, y)(w, 0.25)
    assert gw.dtype == np.float32
    assert np.max(np.abs(gw - ref_w)) <= 1e-5 * np.max(np.abs(ref_w))
    assert abs(gb - ref_b) <= 1e-5 * max(abs(ref_b), 1.0)
    assert abs(sse - ref_sse) <= 1e-4 * ref_sse


@pytest.mark.parametrize("implementation", CPU)
def test_each_kernel_returns_the_residual_sum_of_squares(implementation: str) -> None:
    rng = np.random.default_rng(9)
    X, y, w = rng.normal(size=(57, 5)), rng.normal(size=57), rng.normal(size=5)
    e = X @ w + 0.7 - y
    gw, gb, sse = impl.prepare(implementation, X, y)(w, 0.7)
    np.testing.assert_allclose(gw, X.T @ e / 57, rtol=1e-11)
    assert gb == pytest.approx(e.mean(), rel=1e-11)
    assert sse == pytest.approx(float(e @ e), rel=1e-11)
    gw0, gb0, _ = impl.prepare(implementation, X, y, intercept=False)(w, 0.0)
    np.testing.assert_allclose(gw0, X.T @ (X @ w - y) / 57, rtol=1e-11)
    assert gb0 == 0.0


@pytest.mark.parametrize("implementation", ["vectorised", "gram"])
@pytest.mark.parametrize(
    ("scaling", "factor", "tolerance", "status"),
    [
        ("zscore", 0.5, 1e-9, RunStatus.CONVERGED),
        ("none", 0.5, 1e-6, RunStatus.MAX_ITERATIONS),
        ("none", 2.5, 1e-9, RunStatus.DIVERGED),
        ("none", 0.9, 0.0, RunStatus.MAX_ITERATIONS),
    ],
)
def test_fast_forwarding_stops_where_step_by_step_stops(
    implementation: str, scaling: str, factor: float, tolerance: float, status: RunStatus
) -> None:
    # report_every=1: the driver judges every iterate; 10,000: it fast-forwards between
    problem = Problem(make_housing(), scaling=scaling)
    run = {"alpha": factor * problem.alpha_max, "iterations": 3000, "tolerance": tolerance}
    slow = last(run_solver(problem, "gd", implementation=implementation, report_every=1, **run))
    fast = last(
        run_solver(problem, "gd", implementation=implementation, report_every=10_000, **run)
    )
    assert slow.status == fast.status == status
    if implementation == "vectorised":  # the same calls in the same order: bit-identical
        assert fast.iteration == slow.iteration
        np.testing.assert_array_equal(fast.w_scaled, slow.w_scaled)
    else:  # compiled loop vs BLAS: rounding may move a threshold crossing by a step
        assert abs(fast.iteration - slow.iteration) <= 1
        if status != RunStatus.DIVERGED:
            np.testing.assert_allclose(fast.w_scaled, slow.w_scaled, rtol=1e-9)
    assert fast.message.split(" after")[0] == slow.message.split(" after")[0]


def test_a_million_gram_form_iterations_run_to_the_end_on_the_vectorised_path() -> None:
    problem = Problem(make_housing(), scaling="none")
    run = {"alpha": 0.9 * problem.alpha_max, "tolerance": 0.0}
    snap = last(
        run_solver(
            problem, "gd", iterations=1_000_000, report_every=10_000, implementation="gram", **run
        )
    )
    assert snap.status == RunStatus.MAX_ITERATIONS and snap.iteration == 1_000_000
    # unscaled, even a million steps are far from the minimum: the lesson of feature scaling
    short = last(run_solver(problem, "gd", iterations=2000, **run))
    theta = problem.gram_optimum()
    assert problem.cost(theta[:-1], theta[-1]) < snap.cost < short.cost
    # and the compiled fast-forward follows the vectorised run, step for step
    vec = last(run_solver(problem, "gd", iterations=20_000, report_every=20_000, **run))
    gram = last(
        run_solver(
            problem, "gd", iterations=20_000, report_every=20_000, implementation="gram", **run
        )
    )
    np.testing.assert_allclose(gram.w_scaled, vec.w_scaled, rtol=1e-8)
    assert gram.b_scaled == pytest.approx(vec.b_scaled, rel=1e-8)


class _CancelAfter:
    """A cancel flag that turns true after ``calls`` questions (mid-pass in the loop)."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def is_set(self) -> bool:
        self.calls -= 1
        return self.calls < 0


def test_a_cancel_inside_a_pass_of_the_loops_ends_the_run_on_the_last_report() -> None:
    problem = Problem(make_housing(700), scaling="zscore")
    snaps = list(
        run_solver(
            problem, "gd", alpha=0.1, iterations=50, report_every=1,
            cancel=_CancelAfter(30), implementation="loop",
        )
    )  # fmt: skip
    assert snaps[-1].status == RunStatus.CANCELLED
    assert snaps[-1].iteration < 50
    assert all(s.status == RunStatus.RUNNING for s in snaps[:-1])


def test_an_unknown_or_unusable_implementation_is_refused_with_the_reason(monkeypatch) -> None:
    problem = Problem(make_housing(), scaling="zscore")
    with pytest.raises(InputError, match="unknown implementation 'blas'"):
        last(run_solver(problem, "gd", alpha=0.1, implementation="blas"))
    with pytest.raises(InputError, match="GPU"):
        last(run_solver(problem, "gd", alpha=0.1, implementation="cupy"))
    monkeypatch.setattr(impl, "numba_kernels", lambda: None)
    assert "numba" in unavailable("fused", "cpu")
    with pytest.raises(InputError, match="numba"):
        last(run_solver(problem, "gd", alpha=0.1, implementation="compiled"))
    assert unavailable("gram", "cpu") == ""  # the Gram form runs without numba (slower)
    snap = last(run_solver(problem, "gd", alpha=0.1, iterations=50, implementation="gram"))
    assert snap.iteration == 50
    assert "CPU" in unavailable("loop", "gpu")


def test_gd_loop_is_gd_with_the_loop_implementation() -> None:
    run = RunSettings(solver="gd-loop")
    assert (run.solver, run.implementation) == ("gd", "loop")
    with pytest.raises(InputError, match="gd-loop"):
        RunSettings(solver="gd-loop", implementation="fused")


def test_the_command_line_names_the_implementation_and_its_time_per_iteration(capsys) -> None:
    argv = ["fit", "demo:housing", "--scaling", "none", "--implementation", "gram"]
    argv += ["--iterations", "1000000", "--alpha-factor", "0.9", "--tolerance", "0", "--json"]
    assert cli.main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["implementation"] == "gram" and report["iterations"] == 1_000_000
    assert report["seconds_per_iteration"] == pytest.approx(report["elapsed_s"] / 1_000_000)
    assert cli.main(["fit", "demo:housing", "--implementation", "loop"]) == 0
    assert "per iteration, loop)" in capsys.readouterr().out
    assert cli.main(["fit", "demo:housing", "--solver", "normal", "--implementation", "gram"]) == 2
    assert "--implementation applies to gd" in capsys.readouterr().err


def test_the_timed_pace_grows_quick_chunks_and_shrinks_slow_ones(monkeypatch) -> None:
    from core.solvers import fast_forward

    clock = [0.0]
    monkeypatch.setattr(fast_forward.time, "perf_counter", lambda: clock[0])
    pace = fast_forward.timed_pace(0.1)
    chunks = []
    for took in (0.0, 0.001, 0.001, 0.05, 0.4, 0.1):
        clock[0] += took
        chunks.append(pace(10_000))
    # 1, then ×8 while a chunk takes ≤ 1/8 of the target, then in proportion to the time
    assert chunks == [1, 8, 64, 128, 32, 32]
    assert pace(5) == 5  # never more than the driver planned


def test_elapsed_is_the_solvers_own_time_not_the_consumers_or_paces(monkeypatch) -> None:
    import time

    problem = Problem(make_housing(), scaling="zscore")
    clock = [100.0]  # a clock that only moves while pace or the consumer "work"
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])

    def slow_pace(planned: int) -> int:
        clock[0] += 1.0  # a window animating: a second per chunk
        return min(planned, 5)

    snaps = []
    for snap in run_solver(problem, "gd", alpha=0.1, iterations=50, report_every=5, pace=slow_pace):
        clock[0] += 2.0  # the consumer drawing the snapshot
        snaps.append(snap)
    assert len(snaps) == 11 and clock[0] == 100.0 + 10 * 1.0 + 11 * 2.0
    assert [s.elapsed for s in snaps] == [0.0] * 11  # none of the 32 s was the solver's


def test_a_session_keeps_each_runs_implementation(tmp_path) -> None:
    from core.session import RunRecord, Session, load_session, save_session

    problem = Problem(make_housing(), scaling="zscore")
    snaps = list(run_solver(problem, "gd", alpha=0.1, iterations=20, implementation="gram"))
    record = RunRecord.from_snapshots(
        "gram run", "gd", 0.1, snaps, problem.parameter_names, problem, implementation="gram"
    )
    path = tmp_path / "s.json"
    save_session(path, Session({}, [record], {}))
    assert load_session(path).runs[0].implementation == "gram"
    text = path.read_text().replace('"implementation": "gram"', '"implementation": "blas"')
    path.write_text(text)
    with pytest.raises(InputError, match="implementation"):
        load_session(path)
