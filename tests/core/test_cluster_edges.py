"""The dask engine's rough edges: Ctrl+C during a local-cluster fit and during a Zarr
``make-data``, a CSV cell that is not a number, and an output folder nothing can be written
in; each ends in one line that says what happened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from tests.core.test_cluster import needs_dask, one_line_error, scheduler

__all__ = ["scheduler"]  # the shared small cluster (a fixture of test_cluster)

ROOT = Path(__file__).resolve().parents[2]


# The fit in a subprocess, its first chunk held on a worker: the worker prints "started" to
# the stdout it shares with the fit, then waits; the function is defined in __main__, so the
# worker receives it by value.
_HELD_FIT = textwrap.dedent(
    """
    import sys, threading
    import core.cluster.statistics as statistics

    def hold(block):
        print("started", flush=True)
        threading.Event().wait()

    statistics.chunk_statistics = hold
    from core.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


@needs_dask
@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs process groups (POSIX)")
def test_ctrl_c_during_a_local_cluster_fit_ends_in_one_line_with_no_process_left(tmp_path):
    import psutil

    data = tmp_path / "d.parquet"
    assert (
        main(["make-data", "--m", "2000", "--n", "2", "--out", str(data), "--chunk-rows", "500"])
        == 0
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-c", _HELD_FIT, "fit", str(data), "--engine", "dask"]
    # a session of its own: Ctrl+C at a terminal signals the whole process group
    fit = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert fit.stdout is not None
        assert fit.stdout.readline() == "started\n"  # a worker runs the pass
        workers = psutil.Process(fit.pid).children(recursive=True)
        assert workers
        os.killpg(fit.pid, signal.SIGINT)
        out, err = fit.communicate(timeout=120)
    finally:
        if fit.poll() is None:
            fit.kill()
    assert fit.returncode == 130, err
    assert err == "gd-explorer: interrupted\n"
    assert "Traceback" not in out
    _gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, alive


@needs_dask
def test_the_workers_of_a_local_cluster_ignore_ctrl_c():
    from core.cluster.engine import sigint_ignored

    before = signal.getsignal(signal.SIGINT)
    with sigint_ignored():
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) is before


@needs_dask
def test_ctrl_c_during_a_zarr_write_leaves_no_temporary_folder(tmp_path, capsys, monkeypatch):
    import shutil

    from zarr.storage import LocalStore

    writes = {"started": 0, "finished": 0, "in_flight_at_cleanup": None}
    store_set, rmtree = LocalStore.set, shutil.rmtree

    async def interrupted_set(self, key, value):  # zarr's own thread writes the chunks
        writes["started"] += 1
        if writes["started"] == 3:  # Ctrl+C while the main thread waits for this write
            os.kill(os.getpid(), signal.SIGINT)
        await store_set(self, key, value)
        writes["finished"] += 1

    def cleanup(path, *args, **kwargs):
        if writes["in_flight_at_cleanup"] is None:
            writes["in_flight_at_cleanup"] = writes["started"] - writes["finished"]
        return rmtree(path, *args, **kwargs)

    monkeypatch.setattr(LocalStore, "set", interrupted_set)
    monkeypatch.setattr(shutil, "rmtree", cleanup)
    out = tmp_path / "big.zarr"
    code = main(["make-data", "--m", "4000", "--n", "3", "--out", str(out), "--chunk-rows", "500"])
    assert code == 130 and capsys.readouterr().err == "gd-explorer: interrupted\n"
    # the write under way was finished before the temporary folder was removed
    assert writes["in_flight_at_cleanup"] == 0, writes
    assert os.listdir(tmp_path) == []


def _csv_parts(folder: Path, bad_line: str) -> str:
    """Three CSV files of 500 rows, line 302 of the third replaced by ``bad_line``."""
    rng = np.random.default_rng(0)
    for k in range(3):
        X = rng.normal(size=(500, 3))
        lines = ["a,b,c,y"] + [",".join(repr(float(v)) for v in (*x, x.sum())) for x in X]
        if k == 2:
            lines[301] = bad_line
        (folder / f"p{k}.csv").write_text("\n".join(lines) + "\n")
    return str(folder / "p*.csv")


@needs_dask
def test_a_text_cell_in_a_csv_glob_is_named_by_file_row_and_column(tmp_path, scheduler, capsys):
    data = _csv_parts(tmp_path, "1.0,oops,2.0,3.0")
    err = one_line_error(capsys, "fit", data, "--engine", "dask", "--scheduler", scheduler)
    where = f"{tmp_path / 'p2.csv'}, row 301 (line 302), column 'b': 'oops' is not a number"
    assert err.rstrip().endswith(where), err


@needs_dask
def test_a_ragged_line_in_a_csv_glob_names_its_file(tmp_path, scheduler, capsys):
    data = _csv_parts(tmp_path, "1.0,2.0,3.0,4.0,5.0")
    err = one_line_error(capsys, "fit", data, "--engine", "dask", "--scheduler", scheduler)
    assert f"{tmp_path / 'p2.csv'}: " in err and "line 302" in err, err


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_make_data_in_a_folder_nothing_can_be_written_in_says_so(capsys):
    err = one_line_error(capsys, "make-data", "--m", "10", "--n", "2", "--out", "/proc/x.npy")
    assert "cannot write in the folder '/proc'" in err and "GB" not in err


@needs_dask
def test_a_missing_value_is_named_by_row_and_column(tmp_path, scheduler, capsys):
    table = np.arange(60, dtype=float).reshape(20, 3) % 7 + np.arange(20)[:, None]
    table[13, 1] = np.nan
    table[17, 0] = np.inf
    path = tmp_path / "gaps.npy"
    np.save(path, table)
    err = one_line_error(capsys, "fit", str(path), "--engine", "dask", "--scheduler", scheduler)
    assert "2 rows have a missing or non-finite value" in err
    assert "the first: data row 14, column 'x2'" in err
    table[17, 0] = 1.0
    np.save(path, table)
    err = one_line_error(capsys, "fit", str(path), "--engine", "dask", "--scheduler", scheduler)
    assert "1 row has a missing" in err


@needs_dask
def test_a_csv_without_header_or_an_empty_file_is_refused_not_misread(tmp_path, scheduler, capsys):
    dask = ["--engine", "dask", "--scheduler", scheduler]
    rows = "\n".join(f"{k},{k * 0.5 + 1},{2 * k - 3}" for k in range(1, 30)) + "\n"
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "p1.csv").write_text(rows)
    err = one_line_error(capsys, "fit", str(tmp_path / "bare" / "*.csv"), *dask)
    assert "p1.csv" in err and "looks like data, not column names" in err
    (tmp_path / "gap").mkdir()
    (tmp_path / "gap" / "p1.csv").write_text("a,b,y\n" + rows)
    (tmp_path / "gap" / "p2.csv").write_text("")
    err = one_line_error(capsys, "fit", str(tmp_path / "gap" / "*.csv"), *dask)
    assert "p2.csv" in err and "is empty" in err


@needs_dask
def test_the_workers_are_given_absolute_paths(tmp_path, monkeypatch):
    from core.cluster.data import open_data

    np.save(tmp_path / "d.npy", np.arange(12.0).reshape(4, 3))
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,3\n4,5,7\n")
    assert main(["make-data", "--m", "50", "--n", "2", "--out", str(tmp_path / "d.parquet")]) == 0
    assert main(["make-data", "--m", "50", "--n", "2", "--out", str(tmp_path / "d.zarr")]) == 0
    import dask

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("d.npy", "d.csv", "d.parquet", "d.zarr"):
        monkeypatch.chdir(tmp_path)
        lazy = open_data(name)
        monkeypatch.chdir(elsewhere)  # as a worker started in another folder
        (block,) = dask.compute(lazy.parts[0], scheduler="sync")
        assert block.shape[1] == 3, name


def test_the_in_memory_fit_of_a_parquet_or_npy_file_points_to_the_dask_engine(tmp_path, capsys):
    np.save(tmp_path / "d.npy", np.arange(12.0).reshape(4, 3))
    (tmp_path / "d.parquet").write_bytes(b"PAR1" + bytes(64) + b"PAR1")
    for name, what in (("d.npy", "a NumPy .npy file"), ("d.parquet", "a Parquet file")):
        err = one_line_error(capsys, "fit", str(tmp_path / name))
        assert f"is {what}, not a text table: read it with --engine dask" in err


@needs_dask
def test_a_semicolon_csv_glob_says_the_engine_reads_commas(tmp_path, scheduler, capsys):
    (tmp_path / "p1.csv").write_text("a;b;y\n1;2;3\n4;5;6\n7;8;10\n")
    err = one_line_error(
        capsys, "fit", str(tmp_path / "*.csv"), "--engine", "dask", "--scheduler", scheduler
    )
    assert "reads commas only" in err and "'a;b;y'" in err
