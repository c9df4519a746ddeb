"""The optimizers on the dask engine (``fit --engine dask --solver sgd|momentum|...``): the
same iterates, verdicts and reports as in memory, full batch from the Gram form or as a
map-reduce over the chunks every step, and mini-batches as reductions over only the chunks
that hold their rows; one-line refusals where the engine cannot do it well."""

from __future__ import annotations

import numpy as np
import pytest

from core.cli import main
from core.cluster.batches import rows_by_chunk
from tests.core.test_cluster import WHY, needs_dask, one_line_error, relative, run_json, scheduler

__all__ = ["scheduler"]  # the shared small cluster (a fixture of test_cluster)

M, N, CHUNK = 1200, 3, 250
#: Each optimizer's own options (not the defaults, so that they are seen to act).
OWN = {
    "sgd": ["--alpha", "0.4", "--schedule", "step", "--decay", "0.5", "--step-every", "7"],
    "momentum": ["--alpha", "0.3", "--momentum", "0.5"],
    "nesterov": ["--alpha", "0.3", "--momentum", "0.6"],
    "adagrad": ["--alpha", "0.5", "--epsilon", "1e-8"],
    "rmsprop": ["--alpha", "0.02", "--rho", "0.9"],
    "adam": ["--alpha", "0.05", "--beta1", "0.8", "--beta2", "0.99", "--epsilon", "1e-6"],
}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, str]:
    """M rows in chunks of CHUNK (the last one shorter) as Parquet, and as one CSV file for
    the in-memory fit."""
    if WHY:
        pytest.skip(WHY)
    folder = tmp_path_factory.mktemp("cluster_optimizers")
    argv = ["make-data", "--m", str(M), "--n", str(N), "--out", str(folder / "d.npy")]
    assert main([*argv, "--chunk-rows", str(CHUNK), "--noise", "0.3", "--seed", "5"]) == 0
    table = np.load(folder / "d.npy")
    assert main([*argv[:-1], str(folder / "d.parquet"), "--chunk-rows", str(CHUNK),
                 "--noise", "0.3", "--seed", "5"]) == 0  # fmt: skip
    np.savetxt(folder / "all.csv", table, delimiter=",", header="x1,x2,x3,y", comments="",
               fmt="%.17g")  # fmt: skip
    return {"memory": str(folder / "all.csv"), "parquet": str(folder / "d.parquet")}


def both(capsys, data, scheduler, *options: str) -> tuple[dict, dict]:
    """The in-memory and the dask engine's reports of the same fit."""
    memory = run_json(capsys, "fit", data["memory"], *options)
    got = run_json(capsys, "fit", data["parquet"], *options, "--engine", "dask",
                   "--scheduler", scheduler)  # fmt: skip
    return memory, got


def same_run(memory: dict, got: dict, tol: float) -> None:
    assert got["status"] == memory["status"] and got["iterations"] == memory["iterations"]
    assert got["message"] == memory["message"]
    assert relative(got["coefficients"], memory["coefficients"]) < tol
    if memory["intercept"] is None:
        assert got["intercept"] is None
    else:
        assert relative([got["intercept"]], [memory["intercept"]]) < tol
    assert relative([got["cost"]], [memory["cost"]]) < tol
    assert got["optimizer"] == memory["optimizer"]
    theory, expected = got["theory"], memory["theory"]
    assert theory.keys() == expected.keys()
    assert theory["predicted_iterations"] == expected["predicted_iterations"]
    assert theory["notes"] == expected["notes"]


@needs_dask
@pytest.mark.parametrize("implementation", ["gram", "vectorised"])
@pytest.mark.parametrize("solver", list(OWN))
def test_every_optimizer_full_batch_equals_the_in_memory_run(
    data, scheduler, capsys, solver, implementation
):
    # RMSprop's g/√v turns a coordinate's rounding-level gradient into a full step (on
    # these data even in memory, gram and vectorised part by 2% after 150 steps): fewer
    iterations = "50" if solver == "rmsprop" else "150"
    if implementation == "vectorised":
        iterations = "25"  # a map-reduce per step
    options = ["--solver", solver, *OWN[solver], "--iterations", iterations,
               "--implementation", implementation]  # fmt: skip
    memory, got = both(capsys, data, scheduler, *options)
    same_run(memory, got, 1e-10)
    assert got["implementation"] == implementation and got["optimizer"]["name"] == solver
    assert got["seconds_per_iteration"] > 0
    if implementation == "gram":
        assert got["steps"] is None
        assert any("from the Gram form" in note for note in got["notes"])
    else:  # one reduction per evaluation, the chunks kept in the workers' memory
        assert got["steps"] == {"reductions": got["iterations"] + 1, "persisted": True}
        assert any("map-reduce over the 5 chunks" in note for note in got["notes"])


@needs_dask
def test_the_gram_form_is_the_default_for_a_full_batch(data, scheduler, capsys):
    options = ["--solver", "adam", *OWN["adam"], "--iterations", "60"]
    memory, got = both(capsys, data, scheduler, *options)
    same_run(memory, got, 1e-10)  # in memory: vectorised; here: the Gram form
    assert got["implementation"] == "gram"
    assert any("full-batch default on the dask engine" in note for note in got["notes"])


@needs_dask
@pytest.mark.parametrize(
    ("solver", "batch", "scaling"),
    [("sgd", "64", "zscore"), ("adam", "100", "minmax"), ("momentum", "300", "none")],
)  # 1200 rows: a last, partial batch of 48 for sgd
def test_mini_batches_equal_the_in_memory_run(data, scheduler, capsys, solver, batch, scaling):
    alpha = OWN[solver][:2] if scaling != "none" else ["--alpha", "0.01"]
    options = ["--solver", solver, *alpha, "--iterations", "45",
               "--batch-size", batch, "--shuffle-seed", "11", "--scaling", scaling]  # fmt: skip
    if scaling == "none":
        options.append("--no-intercept")
    memory, got = both(capsys, data, scheduler, *options)
    same_run(memory, got, 1e-9)  # more than two epochs: fresh permutations drawn alike
    assert got["optimizer"]["batch_size"] == int(batch)
    assert got["optimizer"]["shuffle_seed"] == 11
    assert got["implementation"] == "vectorised"
    assert got["steps"] == {"reductions": 45, "persisted": True}
    assert any("only the chunks that hold its" in note for note in got["notes"])


@needs_dask
@pytest.mark.parametrize(
    ("solver", "alpha", "implementation"),
    [("sgd", "2.5", "gram"), ("sgd", "2.5", "vectorised"), ("momentum", "4", "gram")],
)
def test_a_diverging_optimizer_is_judged_as_in_memory(
    data, scheduler, capsys, solver, alpha, implementation
):
    options = ["--solver", solver, "--alpha", alpha, "--iterations", "40",
               "--implementation", implementation]  # fmt: skip
    memory, got = both(capsys, data, scheduler, *options)
    assert memory["diverged"] and got["diverged"]
    assert got["iterations"] == memory["iterations"] and got["message"] == memory["message"]
    assert memory["message"] in got["warnings"]


@needs_dask
def test_what_the_engine_cannot_do_well_is_refused_in_one_line(
    data, scheduler, capsys, monkeypatch
):
    from core.cluster import steps

    dask = [data["parquet"], "--engine", "dask", "--scheduler", scheduler]
    mini = ["--solver", "sgd", "--batch-size", "10", "--iterations", "5"]
    # a mini-batch in Gram form: refused as in memory
    in_memory = one_line_error(capsys, "fit", data["memory"], *mini, "--implementation", "gram")
    assert "needs the full batch" in in_memory
    assert one_line_error(capsys, "fit", *dask, *mini, "--implementation", "gram") == in_memory
    assert "not gd-loop" in one_line_error(capsys, "fit", *dask, "--solver", "gd-loop")
    assert "not normal-textbook" in one_line_error(
        capsys, "fit", *dask, "--solver", "normal-textbook"
    )
    assert "not --implementation fused" in one_line_error(
        capsys, "fit", *dask, "--solver", "adam", "--implementation", "fused"
    )
    # chunks that would not stay in the workers' memory: each batch would read from disk
    monkeypatch.setattr(steps, "PERSIST_SHARE", 0.0)
    err = one_line_error(capsys, "fit", *dask, *mini)
    assert "needs the chunks in the workers' memory" in err and "Drop --batch-size" in err
    # the full batch still runs (every step reads the chunks again)
    got = run_json(capsys, "fit", *dask, "--solver", "momentum", "--iterations", "3",
                   "--implementation", "vectorised")  # fmt: skip
    assert got["steps"]["persisted"] is False and got["status"] == "max_iterations"


def test_rows_are_found_in_their_chunks():
    offsets = np.array([0, 3, 5, 9])
    groups = rows_by_chunk(np.array([8, 0, 4, 2, 7, 3]), offsets)
    assert [c for c, _ in groups] == [0, 1, 2]
    assert [local.tolist() for _, local in groups] == [[0, 2], [1, 0], [3, 2]]
