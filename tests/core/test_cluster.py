"""The dask engine (``fit --engine dask``) and ``make-data``: the same answers as in memory,
on a small in-process Dask cluster, in every format DATA can take; one-line errors; and a
start-up that never imports dask."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import cluster
from core.cli import main

ROOT = Path(__file__).resolve().parents[2]
WHY = cluster.missing()
needs_dask = pytest.mark.skipif(bool(WHY), reason=WHY or "dask is installed")
M, N, CHUNK = 3000, 3, 700


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def one_line_error(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and err.startswith("gd-explorer: error: "), err
    return err


def relative(a: list[float], b: list[float]) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.fixture(scope="module")
def scheduler():
    """The address of a small in-process cluster (one worker, two threads): fast to start."""
    if WHY:
        pytest.skip(WHY)
    from distributed import LocalCluster

    with LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0"
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """One dataset (M rows, N features, chunks of CHUNK rows) in every format, and as one
    CSV file for the in-memory fit."""
    if WHY:
        pytest.skip(WHY)
    folder = tmp_path_factory.mktemp("cluster")
    paths = {}
    for fmt in ("parquet", "zarr", "npy"):
        path = folder / f"data.{fmt}"
        argv = ["make-data", "--m", str(M), "--n", str(N), "--out", str(path)]
        assert main([*argv, "--chunk-rows", str(CHUNK), "--noise", "0.1", "--seed", "3"]) == 0
        paths[fmt] = path
    table = np.load(paths["npy"])
    header = "x1,x2,x3,y"
    np.savetxt(folder / "all.csv", table, delimiter=",", header=header, comments="", fmt="%.17g")
    for k, rows in enumerate(np.array_split(table, 3)):
        np.savetxt(folder / f"part{k}.csv", rows, delimiter=",", header=header, comments="",
                   fmt="%.17g")  # fmt: skip
    paths["memory"] = folder / "all.csv"
    paths["csv"] = folder / "part*.csv"
    return paths


@needs_dask
def test_make_data_writes_what_it_says(files, capsys):
    import pyarrow.parquet as pq
    import zarr

    truth = json.loads(Path(str(files["npy"]) + ".truth.json").read_text())
    table = np.load(files["npy"])
    assert table.shape == (M, N + 1) and table.dtype == np.float64
    parquet = pq.ParquetFile(files["parquet"])
    assert parquet.metadata.num_rows == M and parquet.num_row_groups == -(-M // CHUNK)
    assert parquet.schema_arrow.names == ["x1", "x2", "x3", "y"]
    np.testing.assert_array_equal(parquet.read().to_pandas().to_numpy(), table)
    array = zarr.open_array(str(files["zarr"]), mode="r")
    assert array.shape == (M, N + 1) and array.chunks == (CHUNK, N + 1)
    np.testing.assert_array_equal(array[:], table)
    assert dict(array.attrs)["gd_explorer"]["coefficients"] == truth["coefficients"]
    A = np.column_stack([table[:, :N], np.ones(M)])
    theta = np.linalg.lstsq(A, table[:, N], rcond=None)[0]
    # noise 0.1 over 3000 rows: the least-squares answer is within a few hundredths
    assert np.allclose(theta, [*truth["coefficients"], truth["intercept"]], atol=0.02)
    residual = table[:, N] - A @ [*truth["coefficients"], truth["intercept"]]
    assert 0.09 < residual.std() < 0.11


@needs_dask
@pytest.mark.parametrize("fmt", ["parquet", "csv", "zarr", "npy"])
def test_normal_equals_the_in_memory_fit(files, scheduler, capsys, fmt):
    memory = run_json(capsys, "fit", str(files["memory"]), "--solver", "normal")
    got = run_json(
        capsys, "fit", str(files[fmt]), "--engine", "dask", "--scheduler", scheduler,
        "--solver", "normal",
    )  # fmt: skip
    assert got["engine"] == "dask" and got["data"]["format"] == fmt
    about = got["cluster"]
    assert about["scheduler"] == scheduler and about["workers"] == 1 and about["threads"] == 2
    assert about["kind"] == "remote" and "memory_limit_bytes" in about
    assert got["m"] == M and got["feature_names"] == memory["feature_names"]
    assert got["pass"]["chunks"] == {"parquet": 5, "csv": 3, "zarr": 5, "npy": 1}[fmt]
    assert relative(got["coefficients"], memory["coefficients"]) < 1e-10
    assert relative([got["intercept"]], [memory["intercept"]]) < 1e-10
    assert relative([got["cost"]], [memory["cost"]]) < 1e-9
    assert got["status"] == "solved" and any("κ²" in note for note in got["notes"])


@needs_dask
def test_gradient_descent_in_gram_form_equals_the_in_memory_run(files, scheduler, capsys):
    options = ["--alpha", "0.5", "--iterations", "300", "--scaling", "minmax"]
    memory = run_json(capsys, "fit", str(files["memory"]), *options, "--implementation", "gram")
    got = run_json(
        capsys, "fit", str(files["parquet"]), *options, "--engine", "dask",
        "--scheduler", scheduler,
    )  # fmt: skip
    assert got["implementation"] == "gram" and got["status"] == memory["status"]
    assert got["iterations"] == memory["iterations"]
    assert relative(got["coefficients"], memory["coefficients"]) < 1e-9
    assert relative([got["alpha_max"]], [memory["alpha_max"]]) < 1e-12
    assert got["theory"]["predicted_iterations"] == memory["theory"]["predicted_iterations"]
    # the saved model predicts as the in-memory one does
    model = files["memory"].parent / "model.json"
    model.write_text(json.dumps(got))
    code, out, err = run(capsys, "predict", "--model", str(model), "--x", "1,2,3", "--json")
    assert code == 0, err
    b = memory["intercept"] + np.dot(memory["coefficients"], [1, 2, 3])
    assert abs(json.loads(out)["predictions"][0]["y_hat"] - b) < 1e-8 * abs(b)


@needs_dask
def test_a_diverging_run_is_judged_as_in_memory(files, scheduler, capsys):
    options = ["--alpha", "3", "--iterations", "50", "--scaling", "zscore"]
    memory = run_json(capsys, "fit", str(files["memory"]), *options, "--implementation", "gram")
    got = run_json(capsys, "fit", str(files["npy"]), *options, "--engine", "dask",
                   "--scheduler", scheduler)  # fmt: skip
    assert got["diverged"] and memory["diverged"]
    assert got["iterations"] == memory["iterations"] and got["message"] == memory["message"]


@needs_dask
def test_target_and_features_are_chosen_as_in_memory(files, scheduler, capsys):
    options = ["--solver", "normal", "--target", "x1", "--features", "x3,y"]
    memory = run_json(capsys, "fit", str(files["memory"]), *options)
    got = run_json(capsys, "fit", str(files["parquet"]), *options, "--engine", "dask",
                   "--scheduler", scheduler)  # fmt: skip
    assert got["target_name"] == "x1" and got["feature_names"] == ["x3", "y"]
    assert relative(got["coefficients"], memory["coefficients"]) < 1e-10


@needs_dask
def test_a_local_cluster_sized_to_the_machine(files, capsys, monkeypatch):
    from core.cluster import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 2)
    got = run_json(capsys, "fit", str(files["npy"]), "--engine", "dask", "--solver", "normal")
    about = got["cluster"]
    assert about["kind"] == "local" and about["workers"] >= 1 and about["threads"] >= 1
    assert about["memory_limit_per_worker_bytes"] > 0
    code, _, err = run(
        capsys, "fit", str(files["npy"]), "--engine", "dask", "--scheduler", about["scheduler"]
    )  # fmt: skip (closed with its run: unreachable)
    assert code == 2 and "cannot reach a Dask scheduler" in err and err.count("\n") == 1


@needs_dask
def test_bad_data_and_options_are_one_line_errors(files, scheduler, capsys, tmp_path):
    dask = ["--engine", "dask", "--scheduler", scheduler]
    npy = str(files["npy"])
    assert "--scheduler applies to --engine dask" in one_line_error(
        capsys, "fit", str(files["memory"]), "--scheduler", scheduler
    )
    assert "reads data from disk" in one_line_error(capsys, "fit", "demo:housing", *dask)
    assert "no such file" in one_line_error(capsys, "fit", str(tmp_path / "nope.npy"), *dask)
    assert "no file matches" in one_line_error(capsys, "fit", str(tmp_path / "*.csv"), *dask)
    (tmp_path / "data.xyz").write_text("1,2\n")
    assert "name it .parquet" in one_line_error(capsys, "fit", str(tmp_path / "data.xyz"), *dask)
    assert "not gd-loop" in one_line_error(capsys, "fit", npy, *dask, "--solver", "gd-loop")
    assert "--degree" in one_line_error(capsys, "fit", npy, *dask, "--degree", "2")
    assert "--implementation" in one_line_error(
        capsys, "fit", npy, *dask, "--implementation", "fused"
    )
    assert "no column 'z'" in one_line_error(capsys, "fit", npy, *dask, "--target", "z")
    holes = np.ones((10, 3))
    holes[:, 0] = np.arange(10)
    holes[4, 1] = np.nan
    np.save(tmp_path / "holes.npy", holes)
    assert "missing or non-finite" in one_line_error(
        capsys, "fit", str(tmp_path / "holes.npy"), *dask
    )
    np.save(tmp_path / "flat.npy", np.ones((10, 3)))
    assert "is constant" in one_line_error(capsys, "fit", str(tmp_path / "flat.npy"), *dask)


@needs_dask
def test_make_data_refuses_bad_options_in_one_line(files, capsys, tmp_path):
    base = ["make-data", "--m", "100", "--n", "2"]
    for argv, words in [
        ([*base, "--out", str(tmp_path / "no" / "d.npy")], "does not exist"),
        ([*base, "--out", str(files["npy"])], "exists already; give --force"),
        ([*base, "--out", str(tmp_path / "d.txt")], "name it .parquet, .zarr or .npy"),
        (["make-data", "--m", "1", "--n", "2", "--out", "d.npy"], "--m: must be from 2"),
        (["make-data", "--m", "10", "--n", "0", "--out", "d.npy"], "--n: must be from 1"),
        ([*base, "--out", "d.npy", "--noise", "-1"], "--noise: must be from 0"),
        ([*base, "--out", "d.npy", "--chunk-rows", "1.5"], "not a whole number"),
    ]:
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and err.count("\n") == 1 and words in err, (argv, err)
    huge = ["make-data", "--m", "1e11", "--n", "1000", "--out", str(tmp_path / "huge.npy")]
    assert "GB free" in one_line_error(capsys, *huge)
    assert not list(tmp_path.iterdir())  # nothing left behind
    forced = run_json(capsys, *base, "--out", str(tmp_path / "d.npy"), "--force", "--seed", "1")
    assert forced["m"] == 100 and np.load(tmp_path / "d.npy").shape == (100, 3)


def test_without_the_extra_the_engine_says_what_to_install(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(cluster, "missing", lambda: "the dask engine needs dask (pip install x)")
    np.save(tmp_path / "d.npy", np.ones((4, 2)))
    err = one_line_error(capsys, "fit", str(tmp_path / "d.npy"), "--engine", "dask")
    assert "needs dask" in err


def test_start_up_does_not_import_dask():
    code = (
        "import sys\n"
        "import core.cli, gui_app.launcher\n"
        "core.cli.build_parser()\n"
        "try:\n"
        "    import gui_app.app\n"
        "except ImportError:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed', 'pyarrow', 'zarr'))\n"
        "print(heavy)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


class _Future:
    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.cancelled = error, False

    def result(self, timeout=None):
        raise self.error or TimeoutError()

    def cancel(self) -> None:
        self.cancelled = True


class _Client:
    def __init__(self, workers: dict) -> None:
        self.workers = workers

    def scheduler_info(self) -> dict:
        return {"workers": self.workers}


@needs_dask
def test_a_pass_whose_workers_die_or_stall_ends_with_one_error(monkeypatch):
    from core.cluster import statistics
    from core.errors import InputError

    class KilledWorker(Exception):  # as distributed names it
        pass

    with pytest.raises(InputError, match="workers died reading a chunk"):
        statistics.wait_for(_Client({}), _Future(KilledWorker("x")), "d.parquet")
    monkeypatch.setattr(statistics, "STALLED_SECONDS", 0.0)
    paused = _Client({"w": {"status": "paused"}})
    stalled = _Future()
    with pytest.raises(InputError, match="paused by their memory limit"):
        statistics.wait_for(paused, stalled, "d.parquet")
    assert stalled.cancelled
    with pytest.raises(InputError, match="gone"):
        statistics.wait_for(_Client({}), _Future(), "d.parquet")


@needs_dask
@pytest.mark.parametrize("persist", [True, False])
def test_steps_as_a_map_reduce_over_the_chunks_equal_the_in_memory_run(
    files, scheduler, capsys, monkeypatch, persist
):
    from core.cluster import steps

    if not persist:  # data "larger than memory": every step reads the chunks again
        monkeypatch.setattr(steps, "PERSIST_SHARE", 0.0)
    options = ["--alpha", "0.5", "--iterations", "40", "--implementation", "vectorised"]
    memory = run_json(capsys, "fit", str(files["memory"]), *options)
    got = run_json(capsys, "fit", str(files["zarr"]), *options, "--engine", "dask",
                   "--scheduler", scheduler)  # fmt: skip
    assert got["implementation"] == "vectorised" and got["steps"]["persisted"] is persist
    assert got["steps"]["reductions"] >= got["iterations"] == memory["iterations"]
    assert got["status"] == memory["status"]
    assert relative(got["coefficients"], memory["coefficients"]) < 1e-12
    assert relative([got["cost"]], [memory["cost"]]) < 1e-12


@needs_dask
def test_a_listener_that_never_answers_is_given_up_in_one_line(capsys, monkeypatch, files):
    import socket

    from core.cluster import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 1)
    monkeypatch.setattr(engine, "HANDSHAKE_GRACE", 1)
    with socket.socket() as silent:  # accepts the connection (the backlog), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        err = one_line_error(
            capsys, "fit", str(files["npy"]), "--engine", "dask", "--scheduler",
            f"tcp://127.0.0.1:{port}",
        )  # fmt: skip
    assert "nothing answered as a Dask scheduler within 2 s" in err


@needs_dask
def test_columns_take_one_role_each_as_in_memory(files, scheduler, capsys):
    data = str(files["parquet"])
    on = ("--engine", "dask", "--scheduler", scheduler, "--solver", "normal")
    err = one_line_error(capsys, "fit", data, *on, "--features", "x1", "--ignore", "x1")
    assert "'x1' is both ignored and a feature" in err
    err = one_line_error(capsys, "fit", data, *on, "--target", "y", "--features", "x1,y")
    assert "'y' is the target, so it cannot also be a feature" in err
    assert "out of range" in one_line_error(capsys, "fit", data, *on, "--target", "9")
    by_index = run_json(capsys, "fit", data, *on, "--target", "0", "--features", "x2,x2,x3")
    assert by_index["target_name"] == "x1" and by_index["feature_names"] == ["x2", "x3"]


@needs_dask
def test_a_csv_glob_checks_its_headers_and_mixes_whole_and_decimal_numbers(
    scheduler, capsys, tmp_path
):
    (tmp_path / "a.csv").write_text("x1,x2,y\n1,2,3\n2,3,5\n4,1,6\n")
    (tmp_path / "b.csv").write_text("x1,x2,y\n1,1,2.5\n3,2,5.25\n0,1,1.5\n")
    on = ("--engine", "dask", "--scheduler", scheduler, "--solver", "normal")
    mixed = run_json(capsys, "fit", str(tmp_path / "*.csv"), *on)
    table = np.loadtxt([*open(tmp_path / "a.csv")][1:] + [*open(tmp_path / "b.csv")][1:],
                       delimiter=",")  # fmt: skip
    A = np.column_stack([table[:, :2], np.ones(len(table))])
    expected = np.linalg.lstsq(A, table[:, 2], rcond=None)[0]
    assert relative(mixed["coefficients"] + [mixed["intercept"]], list(expected)) < 1e-10
    (tmp_path / "c.csv").write_text("x1,y\n1,2\n")
    err = one_line_error(capsys, "fit", str(tmp_path / "*.csv"), *on)
    assert "c.csv" in err and "header differs" in err


def test_make_data_never_replaces_a_folder_it_did_not_write(capsys, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "main.py").write_text("code\n")
    argv = ["make-data", "--m", "50", "--n", "2", "--format", "zarr", "--force"]
    err = one_line_error(capsys, *argv, "--out", str(project))
    assert "did not write" in err and (project / "main.py").read_text() == "code\n"
    err = one_line_error(capsys, "make-data", "--m", "5", "--n", "1", "--out",
                         str(tmp_path / "x.npy"), "--format", "parquet")  # fmt: skip
    assert "the name says npy but --format is parquet" in err
