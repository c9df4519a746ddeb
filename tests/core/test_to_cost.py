"""Time to reach a cost: the crossings, passes and outputs are checked; speeds are not."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from core.cli import main
from core.errors import Cancelled, InputError
from core.solvers import optimize
from core.solvers.gd import gradient_descent
from core.timing import machine
from core.timing.to_cost import make_problem, run_to_cost
from core.timing.to_cost_results import ToCostConfig, rows_read

SMALL = dict(m=2000, n=20, batch_sizes=(16, 125), targets=(1e-3, 1e-6), repeats=1)


@pytest.fixture(scope="module")
def report():
    return run_to_cost(ToCostConfig(**SMALL))


def _optimum(problem) -> tuple[float, float]:
    """J_0 and J* straight from the training design, with NumPy's least squares."""
    X = np.asarray(problem.X, np.float64)
    y = np.asarray(problem.y, np.float64)
    A = np.column_stack([X, np.ones(len(y))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    e = A @ theta - y
    return float(y @ y) / (2 * len(y)), float(e @ e) / (2 * len(y))


def _first_at_or_below(snaps, target: float) -> int:
    for s in snaps:
        if s.cost <= target:
            return s.iteration
    raise AssertionError("never reached the target")


def test_targets_are_the_fraction_of_the_starting_excess_cost(report):
    j0, j_star = _optimum(make_problem(ToCostConfig(**SMALL)))
    assert report.problem["J0"] == pytest.approx(j0, rel=1e-12)
    assert report.problem["J_star"] == pytest.approx(j_star, rel=1e-9)
    for row in report.rows:
        expected = j_star + row.target * (j0 - j_star)
        assert row.target_cost == pytest.approx(expected, rel=1e-9)


def test_each_crossing_is_the_first_update_at_or_below_the_target(report):
    problem = make_problem(ToCostConfig(**SMALL))
    reached = [r for r in report.rows if r.reached]
    assert {r.method for r in reached} == {"gd", "sgd"}
    for row in reached:
        # every update recorded, independently of the search's snapshots and refinement
        if row.method == "gd":
            snaps = gradient_descent(
                problem, alpha=row.alpha, iterations=row.updates + 5, report_every=1
            )
        else:
            snaps = optimize(
                problem,
                "sgd",
                alpha=row.alpha,
                batch_size=row.batch_size,
                iterations=row.updates + 5,
                report_every=1,
                shuffle_seed=0,
            )
        assert row.updates == _first_at_or_below(snaps, row.target_cost), row.label
        assert row.cost <= row.target_cost


def test_passes_are_rows_read_over_m(report):
    m = SMALL["m"]
    for row in report.rows:
        if not row.reached:
            assert row.updates is None and row.passes is None and row.reason
            continue
        if row.method == "gd":
            assert row.passes == row.updates
        else:  # both batch sizes divide m = 2000
            assert row.passes == pytest.approx(row.updates * row.batch_size / m, rel=1e-15)
    # a partial last batch: m = 10, B = 4 reads 4 + 4 + 2 rows a pass
    assert [rows_read(k, 4, 10) for k in range(1, 8)] == [4, 8, 10, 14, 18, 20, 24]


def test_batch_gd_runs_at_alpha_star_and_sgd_at_the_largest_alpha_that_reaches(report):
    lam_min, lam_max = report.problem["lambda_min"], report.problem["lambda_max"]
    alpha_star = 2 / (lam_min + lam_max)
    assert report.problem["alpha_star"] == pytest.approx(alpha_star, rel=1e-12)
    for row in report.rows:
        if row.method == "gd":
            assert row.alpha == pytest.approx(alpha_star, rel=1e-12)
            continue
        alphas = [t["alpha"] for t in row.tried]
        assert alphas == sorted(alphas, reverse=True) and alphas[0] == pytest.approx(alpha_star)
        outcomes = [t["outcome"] for t in row.tried]
        if row.reached:
            # tried from the top, stopped at the first that reached: it is the largest
            assert outcomes[-1] == "reached" and "reached" not in outcomes[:-1]
            assert row.alpha == alphas[-1]
        else:
            assert "reached" not in outcomes and len(alphas) == 6


def test_rows_come_per_target_with_batch_gd_first_and_timed_when_reached(report):
    keys = [(r.target, r.method, r.batch_size) for r in report.rows]
    assert keys == [
        (eps, method, b)
        for eps in (1e-3, 1e-6)
        for method, b in (("gd", 2000), ("sgd", 16), ("sgd", 125))
    ]
    for row in report.rows:
        if row.reached:
            assert row.repeats == 1 and row.seconds_median is not None
            assert row.seconds_min <= row.seconds_median <= row.seconds_max
            assert row.check_seconds is not None
        else:
            assert row.seconds_median is None and row.repeats == 0


def test_json_has_the_published_keys(report):
    data = json.loads(json.dumps(report.to_json(), allow_nan=False))
    assert set(data) == {"config", "problem", "machine", "rows", "elapsed_s"}
    assert {"J0", "J_star", "alpha_star", "lambda_min", "lambda_max", "scaling"} <= set(
        data["problem"]
    )
    assert data["problem"]["scaling"] == "zscore"
    for row in data["rows"]:
        assert {
            "method",
            "label",
            "batch_size",
            "target",
            "target_cost",
            "alpha",
            "updates",
            "passes",
            "seconds_median",
            "seconds_per_pass",
            "reached",
            "reason",
            "tried",
        } <= set(row)
    assert data["config"]["batch_sizes"] == [16, 125]


def test_cancel_stops_the_measurement():
    cancel = threading.Event()
    texts = []

    def progress(fraction, text):
        texts.append(text)
        if text.startswith("SGD"):
            cancel.set()

    with pytest.raises(Cancelled):
        run_to_cost(ToCostConfig(**SMALL), progress=progress, cancel=cancel)
    assert not any(t.startswith("timing") for t in texts)


def test_progress_runs_to_one(report):
    fractions = []
    run_to_cost(
        ToCostConfig(m=500, n=5, batch_sizes=(50,), targets=(1e-2,), repeats=1),
        progress=lambda f, t: fractions.append(f),
    )
    assert fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)


@pytest.mark.parametrize(
    "bad, word",
    [
        (dict(batch_sizes=(2000,)), "below m"),
        (dict(batch_sizes=(0,)), "batch size"),
        (dict(targets=(1.5,)), "ε"),
        (dict(max_passes=0.0), "max-passes"),
        (dict(repeats=0), "--repeats"),
    ],
)
def test_bad_options_are_refused_with_a_message(bad, word):
    with pytest.raises(InputError, match=word):
        run_to_cost(ToCostConfig(**{**SMALL, **bad}))


def test_cli_prints_the_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "to_cost.json"
    argv = ["bench", "--to-cost", "--m", "1000", "--n", "8", "--batch-size", "20"]
    argv += ["--target", "1e-2", "--repeats", "1", "--json", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "ε = 0.01" in out and "batch GD" in out and "SGD" in out
    data = json.loads(path.read_text())
    assert [(r["method"], r["batch_size"]) for r in data["rows"]] == [("gd", 1000), ("sgd", 20)]
    assert data["config"]["threads"] is None


def test_cli_threads_limit_blas_for_the_whole_run(tmp_path, capsys):
    path = tmp_path / "to_cost.json"
    argv = ["bench", "--to-cost", "--m", "500", "--n", "4", "--batch-size", "50"]
    argv += ["--target", "1e-2", "--repeats", "1", "--threads", "1", "--json", str(path)]
    assert main(argv) == 0
    data = json.loads(path.read_text())
    assert data["config"]["threads"] == 1
    if machine.threadpoolctl_module() is not None:
        assert data["machine"]["blas"]["threads"] == 1


@pytest.mark.parametrize(
    "extra, word",
    [
        (["--to-cost", "--impl", "numpy"], "--impl"),
        (["--to-cost", "--dtype", "float32"], "--dtype"),
        (["--batch-size", "8"], "need --to-cost"),
        (["--to-cost", "--m", "100", "--batch-size", "100"], "below m"),
        (["--to-cost", "--target", "0"], "ε"),
        (["--to-cost", "--threads", "1", "2"], "one --threads value"),
    ],
)
def test_cli_refuses_bad_combinations(extra, word, capsys):
    assert main(["bench", *extra]) == 2
    assert word in capsys.readouterr().err
