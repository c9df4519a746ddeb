"""The command line's fit options on the dask engine as in memory: ``--history`` (every
snapshot, the same rows), ``--predict`` (checked before the pass) and Ctrl+C (the iteration
reached said, the history so far kept)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from tests.core.test_cluster import needs_dask, one_line_error, run, run_json, scheduler
from tests.core.test_cluster_optimizers import data

__all__ = ["data", "scheduler"]  # the shared small cluster and dataset (fixtures)


def rows(path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


@needs_dask
@pytest.mark.parametrize("solver", ["gd", "adam", "normal"])
def test_history_has_the_in_memory_rows(data, scheduler, capsys, tmp_path, solver):
    options = ["--solver", solver, "--iterations", "40", "--tolerance", "0"]
    options += [] if solver == "normal" else ["--alpha", "0.1"]
    memory_path, dask_path = tmp_path / "memory.csv", tmp_path / "dask.csv"
    run_json(capsys, "fit", data["memory"], *options, "--history", str(memory_path))
    got = run_json(capsys, "fit", data["parquet"], *options, "--history", str(dask_path),
                   "--engine", "dask", "--scheduler", scheduler)  # fmt: skip
    expected, written = rows(memory_path), rows(dask_path)
    assert written[0] == expected[0]  # the same header: iteration, cost, w[x1].., b
    assert len(written) == len(expected) == (2 if solver == "normal" else 42)
    got_values = np.array(written[1:], dtype=float)
    want = np.array(expected[1:], dtype=float)
    assert np.allclose(got_values, want, rtol=1e-9, atol=1e-12)
    assert got["iterations"] == int(written[-1][0])


@needs_dask
def test_predict_as_in_memory_and_bad_values_refused_before_the_pass(
    data, scheduler, capsys, monkeypatch
):
    options = ["--solver", "normal", "--predict", "1,2,3", "--predict", "0.5,-1,40"]
    memory = run_json(capsys, "fit", data["memory"], *options)
    dask = [data["parquet"], "--engine", "dask", "--scheduler", scheduler]
    got = run_json(capsys, "fit", *dask, *options)
    assert [p["x"] for p in got["predictions"]] == [p["x"] for p in memory["predictions"]]
    for mine, theirs in zip(got["predictions"], memory["predictions"], strict=True):
        assert mine["y_hat"] == pytest.approx(theirs["y_hat"], rel=1e-10)
        assert mine["warnings"] == theirs["warnings"]  # 40 is outside x3's training range
    assert got["predictions"][1]["warnings"]

    from core.cluster import statistics

    def no_pass(*args, **kwargs):
        raise AssertionError("the pass ran before the --predict values were checked")

    monkeypatch.setattr(statistics, "gram_pass", no_pass)
    err = one_line_error(capsys, "fit", *dask, "--predict", "1,2")
    assert "--predict 1,2" in err and "3" in err


@needs_dask
@pytest.mark.parametrize("history", [False, True])
def test_ctrl_c_says_the_iteration_and_keeps_the_history(
    data, scheduler, capsys, tmp_path, monkeypatch, history
):
    import core.cli as cli

    seen = []
    real = cli._Recorder.__call__

    def interrupt_at_the_sixth(self, snap):
        if len(seen) == 5:
            raise KeyboardInterrupt
        seen.append(snap.iteration)
        real(self, snap)

    monkeypatch.setattr(cli._Recorder, "__call__", interrupt_at_the_sixth)
    path = tmp_path / "h.csv"
    argv = ["fit", data["parquet"], "--engine", "dask", "--scheduler", scheduler,
            "--iterations", "100", "--tolerance", "0", "--report-every", "3"]  # fmt: skip
    code, out, err = run(capsys, *argv, *(["--history", str(path)] if history else []))
    assert code == 130 and out == ""
    assert f"interrupted after iteration {seen[-1]}" in err and seen[-1] == 12
    if history:
        assert "the history so far (5 snapshots)" in err
        assert [r[0] for r in rows(path)[1:]] == ["0", "3", "6", "9", "12"]
    else:
        assert not path.exists()
    assert "Traceback" not in err
