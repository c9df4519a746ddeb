"""The normal equation on the dask engine: Gram statistics refined by passes over the chunks,
or a tall-skinny QR refined the same way, reach the in-memory answer (1e-10 relative) on
well- and ill-conditioned data, and NIST's certified values to the in-memory solver's
digits."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from core import cluster
from core.cli import main
from tests.core import nist

WHY = cluster.missing()
pytestmark = pytest.mark.skipif(bool(WHY), reason=WHY or "dask is installed")


def run_json(capsys, *argv: str) -> dict:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def relative(a: list[float], b: list[float]) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def lre(estimate: float, certified: float) -> float:
    """Log relative error: the significant digits that agree (capped at 15)."""
    if estimate == certified:
        return 15.0
    if certified == 0:
        return min(15.0, -math.log10(abs(estimate)))
    return min(15.0, -math.log10(abs(estimate - certified) / abs(certified)))


@pytest.fixture(scope="module")
def client():
    """A client of a small in-process cluster (one worker, two threads)."""
    if WHY:
        pytest.skip(WHY)
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0"
        ) as local,
        Client(local) as c,
    ):
        yield c


def write(folder: Path, name: str, table: np.ndarray, group: int) -> tuple[Path, Path]:
    """``table`` (rows × (n+1), target last) as Parquet with row groups of ``group`` rows
    (the dask engine's chunks) and as CSV (17 digits: the same numbers) for the in-memory
    fit."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = [f"x{j + 1}" for j in range(table.shape[1] - 1)] + ["y"]
    parquet = folder / f"{name}.parquet"
    columns = {nm: table[:, j] for j, nm in enumerate(names)}
    pq.write_table(pa.table(columns), parquet, row_group_size=group)
    csv = folder / f"{name}.csv"
    np.savetxt(csv, table, delimiter=",", header=",".join(names), comments="", fmt="%.17g")
    return parquet, csv


def both(client, capsys, parquet: Path, csv: Path, *options: str) -> tuple[dict, dict]:
    """The in-memory and the dask fits' reports (``--solver normal``)."""
    memory = run_json(capsys, "fit", str(csv), "--solver", "normal", *options)
    address = client.scheduler.address
    argv = ["fit", str(parquet), "--engine", "dask", "--scheduler", address, "--solver"]
    return memory, run_json(capsys, *argv, "normal", *options)


def answer(report: dict) -> list[float]:
    b = report["intercept"]
    return [*report["coefficients"], *([b] if b is not None else [])]


def polynomial(degree: int, m: int = 1500, seed: int = 0) -> np.ndarray:
    """Columns x, x², …, x^degree of x uniform on [0, 1] and a noisy smooth target: the
    condition number grows about 10× per degree."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, m)
    X = np.column_stack([x**k for k in range(1, degree + 1)])
    return np.column_stack([X, np.sin(3 * x) + 0.01 * rng.standard_normal(m)])


@pytest.mark.parametrize(
    ("degree", "method"), [(2, "gram"), (6, "gram"), (9, "tsqr"), (11, "tsqr")]
)
def test_equals_the_in_memory_answer(client, capsys, tmp_path, degree, method):
    parquet, csv = write(tmp_path, f"poly{degree}", polynomial(degree), 250)
    memory, got = both(client, capsys, parquet, csv)
    assert relative(answer(got), answer(memory)) < 1e-10
    assert relative([got["cost"]], [memory["cost"]]) < 1e-10
    steps = got["steps"]
    assert steps["method"] == method and steps["converged"] and steps["digits"] >= 13
    assert steps["passes"] == steps["refinements"] >= 1
    assert f"{steps['passes']} map-reduce(s)" in got["message"]
    assert ("tall-skinny QR" in got["message"]) == (method == "tsqr")
    assert any("tsqr" in note and "κ²" in note for note in got["notes"])


def test_without_an_intercept_and_with_other_scaling(client, capsys, tmp_path):
    parquet, csv = write(tmp_path, "noint", polynomial(4, seed=1), 400)
    for options in (["--no-intercept"], ["--scaling", "minmax"], ["--scaling", "none"]):
        memory, got = both(client, capsys, parquet, csv, *options)
        assert relative(answer(got), answer(memory)) < 1e-10, options
        assert (got["intercept"] is None) == (options == ["--no-intercept"])


@pytest.mark.parametrize("intercept", [True, False])
def test_tsqr_on_request_and_in_chunks_smaller_than_its_width(client, tmp_path, intercept):
    """Chunks of 5 rows for 8 columns: tsqr needs taller ones, so the rows are rechunked;
    the answer is the Gram path's."""
    from core.cluster.data import open_data
    from core.cluster.normal import solve_normal
    from core.cluster.statistics import gram_pass

    parquet, _ = write(tmp_path, "small", polynomial(6, m=203, seed=2), 5)
    lazy = open_data(str(parquet))
    stats = gram_pass(client, lazy.parts, lazy.path)
    assert min(stats.rows_per_chunk) < 8
    qr = solve_normal(client, lazy.parts, stats, intercept, lazy.path, method="tsqr")
    gram = solve_normal(client, lazy.parts, stats, intercept, lazy.path, method="gram")
    assert (qr.method, gram.method) == ("tsqr", "gram")
    assert relative([*qr.w], [*gram.w]) < 1e-10 and qr.refined.converged
    assert (qr.b is None) == (not intercept)
    assert math.isclose(qr.sse, gram.sse, rel_tol=1e-10)
    with pytest.raises(ValueError, match="unknown method"):
        solve_normal(client, lazy.parts, stats, intercept, lazy.path, method="lu")


def test_row_chunks_are_tall_enough_and_small():
    from core.cluster.qr import row_chunks

    assert row_chunks((10, 10, 7), 5) == (10, 10, 7)
    assert row_chunks((3, 3, 3, 3, 1), 5) == (6, 7)
    assert row_chunks((2, 9, 0, 9), 5) == (11, 9)
    assert row_chunks((100, 7), 5, cap=30) == (25, 25, 25, 25, 7)
    assert row_chunks((3,), 5) == (3,)
    for rows, cap in (((1,) * 23, 8), ((70, 1, 1, 50), 16), ((5, 0, 5), 4)):
        sizes = row_chunks(rows, 4, cap)
        assert sum(sizes) == sum(rows) and min(sizes) >= 4 and max(sizes) <= cap + 3


def test_gram_refuses_an_ill_conditioned_design(client, tmp_path):
    from core.cluster.data import open_data
    from core.cluster.normal import gram_factor, solve_normal
    from core.cluster.statistics import gram_pass

    parquet, _ = write(tmp_path, "ill", polynomial(10, m=400), 100)
    lazy = open_data(str(parquet))
    stats = gram_pass(client, lazy.parts, lazy.path)
    x0, solve, kappa = gram_factor(stats, True)
    assert solve is None and x0.size == 0 and kappa >= 1e5
    with pytest.raises(ValueError, match="does not apply"):
        solve_normal(client, lazy.parts, stats, True, lazy.path, method="gram")


NIST = sorted(nist.certified()) if nist.available() else []


def _nist_table(name: str, info: dict, folder: Path) -> np.ndarray:
    """The reference set as a table ``[x, x², …, y]`` (powers rounded to float64, as
    stored) or ``[x1..x6, y]``."""
    raw = np.loadtxt(nist.write_data(name, info, folder), ndmin=2)
    y, x = raw[:, 0], raw[:, 1:]
    degree = info.get("degree") or 1
    if degree > 1:
        x = np.column_stack([x[:, 0] ** k for k in range(1, degree + 1)])
    return np.column_stack([x, y])


@pytest.mark.skipif(not NIST, reason="../shared/reference/nist absent")
@pytest.mark.parametrize("name", NIST)
def test_nist_certified_values_to_the_in_memory_digits(client, capsys, tmp_path, name):
    """Each NIST StRD set, its powers written out as columns, in Parquet chunks of 7 rows:
    the dask answer agrees with NIST's certified values to the digits the in-memory solver
    reaches on the same numbers (at most half a digit fewer), and with that answer."""
    info = nist.certified()[name]
    parquet, csv = write(tmp_path, name, _nist_table(name, info, tmp_path), 7)
    options = ["--scaling", "none"] + ([] if info["intercept"] else ["--no-intercept"])
    memory, got = both(client, capsys, parquet, csv, *options)
    certified = [float(v) for v in info["params"]]
    certified = certified[1:] + certified[:1] if info["intercept"] else certified  # B0 last

    def digits(report: dict) -> float:
        return min(lre(e, c) for e, c in zip(answer(report), certified, strict=True))

    assert digits(got) >= min(digits(memory), 15.0) - 0.5, (name, got["message"])
    assert relative(answer(got), answer(memory)) < 1e-10 or digits(got) >= 12


@pytest.mark.parametrize("shape", ["collinear", "wide"])
def test_rank_deficient_gives_the_in_memory_minimum_norm_answer(client, capsys, tmp_path, shape):
    rng = np.random.default_rng(4)
    if shape == "collinear":  # x3 = x1 + x2
        x = rng.standard_normal((60, 2))
        X = np.column_stack([x, x[:, 0] + x[:, 1]])
        table = np.column_stack([X, X @ [1.0, 2.0, 3.0] + rng.standard_normal(60)])
    else:  # 3 rows, 5 parameters
        table = rng.standard_normal((3, 5))
    parquet, csv = write(tmp_path, shape, table, 2 if shape == "wide" else 25)
    memory, got = both(client, capsys, parquet, csv, "--scaling", "none")
    assert relative(answer(got), answer(memory)) < 1e-9
    assert got["steps"]["method"] == "tsqr" and got["steps"]["rank"] == 3
    assert got["message"].startswith("Rank-deficient design (rank 3 of")
    assert any("rank-deficient" in w for w in got["warnings"])


def test_the_compiled_chunk_correction_equals_the_numpy_one():
    pytest.importorskip("numba")
    from core.cluster.refine import _numpy_chunk_correction
    from core.solvers.qr_kernels import dd_chunk_correction

    rng = np.random.default_rng(3)
    X = rng.standard_normal((3001, 4)) * [1.0, 1e3, 1e-3, 7.0]
    w = rng.standard_normal(4)
    for intercept in (True, False):
        x = np.append(w, 2.5) if intercept else w.copy()
        y = X @ w + (2.5 if intercept else 0.0) + 1e-9 * rng.standard_normal(3001)
        block = np.column_stack([X, y])
        x_near = x * (1 + 1e-12)  # near the answer: the rows' terms cancel
        g_hi, g_lo, rss = dd_chunk_correction(block, x_near, intercept)
        r_hi, r_lo, r_rss = _numpy_chunk_correction(block, x_near, intercept)
        assert g_hi.shape == (4 + intercept,)
        scale = np.abs(X).sum() * np.abs(y - X @ x_near[:4]).max()
        assert np.max(np.abs((g_hi + g_lo) - (r_hi + r_lo))) <= 1e-30 * scale
        assert rss == pytest.approx(r_rss, rel=1e-14)
