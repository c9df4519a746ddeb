"""The timing lab's dask rows: the engine's step and Gram pass on a small local cluster,
checked against the vectorised step; skipped with the reason without the extra."""

from __future__ import annotations

import pytest

from core.cli import main
from core.cluster.steps import chunk_step as real_chunk_step
from core.timing import bench, command
from core.timing import config as bench_config

FAST = dict(repeats=1, warmup=1, warmup_s=0.0, bandwidth_bytes=1 << 20)
#: Two workers as threads of this process: quick to start, the same code as processes.
DASK = dict(dask_workers=2, dask_processes=False)


def small(**kw) -> bench.BenchConfig:
    return bench.BenchConfig(**{"m": 3001, "n": 7, "impls": ("vectorised", "dask"), **FAST, **kw})


def test_dask_rows_agree_with_the_reference_and_say_where_the_time_goes():
    pytest.importorskip("distributed")
    report = bench.run_benchmark(small(**DASK, dask_chunk_rows=500))
    rows = {r.impl: r for r in report.results if r.impl in bench_config.DASK_ROWS}
    assert set(rows) == set(bench_config.DASK_ROWS)
    for r in rows.values():
        assert not r.skipped and r.verified, (r.impl, r.rel_error)
        assert r.rel_error <= bench.TOLERANCE["float64"]
        assert r.seconds_min <= r.seconds_median <= r.seconds_max
        assert (r.workers, r.chunk_rows) == (2, 500)
        assert r.startup_seconds > 0  # reported apart, from the cluster's start
    step = rows["dask"]
    assert step.threads == 2 and step.tasks_per_step == 7 + 1  # 7 chunks and their sum
    assert step.overhead_seconds > 0 and step.transfer_seconds > 0
    assert "7 chunks of 500 rows" in step.note and "scheduling" in step.note
    assert rows["dask-gram"].precompute_seconds > 0
    assert report.machine["dask"]["workers"] == 2
    summary = report.summary["dask"]
    assert set(summary["ratio_one_process_over_dask"]) == {"3001x7"}
    assert summary["text"].startswith("the cluster's step")
    table = bench.format_table(report)
    assert "local cluster of 2 workers" in table and "one pass on the cluster" in table
    assert "dask: the cluster's step" in table
    for impl in bench_config.DASK_ROWS:
        assert bench.WHY[impl]


def test_a_sweep_gives_the_ratio_at_every_size_and_names_the_crossover_or_why_not():
    pytest.importorskip("distributed")
    report = bench.run_benchmark(small(m=4000, sweep="m", points=2, **DASK))
    summary = report.summary["dask"]
    assert len(summary["ratio_one_process_over_dask"]) == 2
    wins = summary["cluster_wins_from_m"]
    if wins is None:
        assert "never beat one process" in summary["text"] and "ms of scheduling" in summary["text"]
    else:
        assert f"from m={wins:,}" in summary["text"]
    # one chunk size per m: four chunks a worker by default
    assert {r.chunk_rows for r in report.rows("dask")} == {
        -(-r.m // 8) for r in report.rows("dask")
    }


def test_without_the_extra_the_rows_are_skipped_with_the_reason(monkeypatch):
    import core.cluster

    reason = "the dask engine needs distributed, which is not installed (pip install ...)"
    monkeypatch.setattr(core.cluster, "missing", lambda: reason)
    report = bench.run_benchmark(small())
    rows = [r for r in report.results if r.impl in bench_config.DASK_ROWS]
    assert [r.impl for r in rows] == list(bench_config.DASK_ROWS)
    assert all(r.skipped and r.reason == reason for r in rows)
    assert report.machine["dask"] == {"missing": reason}
    assert "dask" not in report.summary
    assert f"no rows: {reason}" in bench.format_table(report)
    assert report.rows("vectorised")[0].verified  # the others are measured as before


def test_workers_and_chunk_rows_on_the_command_line(capsys, monkeypatch):
    seen = []
    monkeypatch.setattr(command, "run_benchmark", lambda config, *a, **k: seen.append(config))
    main(
        ["bench", "--m", "10", "--n", "2", "--impl", "dask", "--workers", "3", "--chunk-rows", "4"]
    )
    assert (seen[0].dask_workers, seen[0].dask_chunk_rows, seen[0].impls) == (3, 4, ("dask",))
    assert main(["bench", "--workers", "0"]) == 2
    assert "--workers must be a whole number from 1 to 256, got 0" in capsys.readouterr().err


def test_every_timed_step_is_computed_on_the_cluster_not_recalled(monkeypatch):
    """The engine's tasks are pure: the bench moves w a little each call, so no step is
    answered from the cluster's memory (counted in the workers, threads of this process)."""
    pytest.importorskip("distributed")
    import core.cluster.steps

    COUNTED.clear()
    monkeypatch.setattr(core.cluster.steps, "chunk_step", counting_chunk_step)
    report = bench.run_benchmark(small(m=2000, repeats=3, dask_chunk_rows=500, **DASK))
    step = report.rows("dask")[0]
    assert step.verified and step.tasks_per_step == 4 + 1
    # the verified call and three timed calls at least, each over the 4 chunks
    assert len(COUNTED) >= 4 * (1 + 3)


#: Chunks the cluster stepped (its workers are threads of this process); module-level, so
#: that Dask sends the function by reference, not a copy of the list with it.
COUNTED: list[int] = []


def counting_chunk_step(block, w, b):
    COUNTED.append(1)
    return real_chunk_step(block, w, b)


def test_the_rows_run_on_an_existing_cluster_given_by_its_scheduler():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        processes=False, n_workers=3, threads_per_worker=1, dashboard_address=":0"
    ) as local:
        report = bench.run_benchmark(small(dask_scheduler=local.scheduler_address))
        rows = {r.impl: r for r in report.results if r.impl in bench_config.DASK_ROWS}
        assert all(r.verified and not r.skipped for r in rows.values())
        assert rows["dask"].workers == 3 and rows["dask"].threads == 3
        about = report.machine["dask"]
        assert about["kind"] == "remote" and about["scheduler"] == local.scheduler_address
        assert f"the cluster at {local.scheduler_address} of 3 workers" in bench.format_table(
            report
        )
        assert local.scheduler_info["workers"]  # the bench left the cluster running
