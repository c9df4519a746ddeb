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
from core.timing.to_cost_command import format_table
from core.timing.to_cost_results import (
    ToCostConfig,
    ToCostReport,
    check_interval,
    extra_passes,
    rows_read,
)

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
        (["--to-cost", "--m", "100", "--batch-size", "100"], "--batch-size 100 is not below"),
        (["--to-cost", "--m", "20", "--n", "2"], "give --batch-size"),
        (["--to-cost", "--target", "0"], "ε"),
        (["--to-cost", "--threads", "1", "2"], "one --threads value"),
    ],
)
def test_cli_refuses_bad_combinations(extra, word, capsys):
    assert main(["bench", *extra]) == 2
    assert word in capsys.readouterr().err


def _replay_costs(problem, row, shuffle_seed: int) -> list[float]:
    """J after updates 1 … row.updates of the row's own SGD run, every update recorded."""
    snaps = optimize(
        problem,
        "sgd",
        alpha=row.alpha,
        batch_size=row.batch_size,
        iterations=row.updates,
        report_every=1,
        shuffle_seed=shuffle_seed,
    )
    costs = {s.iteration: s.cost for s in snaps}
    return [costs[k] for k in range(1, row.updates + 1)]


@pytest.mark.parametrize(
    "size",
    [
        dict(m=5000, n=50, batch_sizes=(256,)),  # the tester's case: below target at update 5
        dict(m=20000, n=50, batch_sizes=(32,)),  # dips below at 34, … long before the old 167
        dict(m=3000, n=30, batch_sizes=(16, 100), seed=3, shuffle_seed=7),
    ],
)
def test_sgd_crossing_is_exactly_the_first_update_at_or_below_on_a_replay(size):
    config = ToCostConfig(**{"targets": (1e-3,), "repeats": 1, **size})
    report = run_to_cost(config)
    problem = make_problem(config)
    sgd = [r for r in report.rows if r.method == "sgd"]
    assert all(r.reached for r in sgd)
    for row in sgd:
        assert row.check_every == 1  # m·n is small enough to check after every update
        costs = _replay_costs(problem, row, config.shuffle_seed)
        first = next(k for k, c in enumerate(costs, 1) if c <= row.target_cost)
        assert row.updates == first, row.label
        assert row.cost == costs[-1]
        assert row.passes == rows_read(first, row.batch_size, config.m) / config.m


def test_with_a_check_interval_the_crossing_is_the_first_check_at_or_below():
    config = ToCostConfig(m=5000, n=50, batch_sizes=(32,), targets=(1e-3,), repeats=1)
    config = ToCostConfig(**{**config.__dict__, "check_every": 7})
    (row,) = [r for r in run_to_cost(config).rows if r.method == "sgd"]
    assert row.reached and row.check_every == 7 and row.updates % 7 == 0
    costs = _replay_costs(make_problem(config), row, config.shuffle_seed)
    checks = [k for k in range(7, row.updates + 1, 7)]
    assert [k for k in checks if costs[k - 1] <= row.target_cost] == [row.updates]


def test_the_check_interval_rule():
    config = ToCostConfig()
    # the textbook size: 20 checks a pass, ⌈⌈100,000/B⌉/20⌉ updates apart; batch GD each
    assert check_interval(config, 100_000, 1000, "sgd", 32) == 157
    assert check_interval(config, 100_000, 1000, "sgd", 256) == 20
    assert check_interval(config, 100_000, 1000, "sgd", 4096) == 2
    assert check_interval(config, 100_000, 1000, "gd", 100_000) == 1
    assert check_interval(config, 20_000, 50, "sgd", 32) == 1  # 1e6 cells: every update


def test_per_pass_is_timed_over_enough_passes():
    assert extra_passes(0.1, 3125) == 1  # a pass of 100 ms: one
    assert extra_passes(1e-4, 1) == 200  # batch GD, 100 µs a pass: 20 ms over 200 passes
    assert extra_passes(1e-5, 625) == 8  # capped at 5,000 updates
    assert extra_passes(1e-9, 1) == 1000


def test_rows_record_their_per_pass_passes(report):
    g = report.problem["full_gradient_s"]
    for row in report.rows:
        if row.reached:
            per = 1 if row.method == "gd" else -(-SMALL["m"] // row.batch_size)
            assert row.per_pass_passes == extra_passes(g, per)


def test_default_batch_sizes_not_below_m_are_dropped_with_a_note(tmp_path, capsys):
    path = tmp_path / "to_cost.json"
    argv = ["bench", "--to-cost", "--m", "4000", "--n", "20", "--target", "1e-2"]
    argv += ["--repeats", "1", "--json", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "4,096 left out: not below m = 4,000" in out
    data = json.loads(path.read_text())
    assert data["config"]["batch_sizes"] == [32, 256]
    assert data["config"]["dropped_batch_sizes"] == [4096]
    assert sorted({r["batch_size"] for r in data["rows"]}) == [32, 256, 4000]


def test_the_table_shows_sub_second_totals_and_the_check_interval(report):
    short = ToCostReport(report.config, report.problem, report.machine, report.rows, 0.42)
    table = format_table(short)
    assert "Total 420 ms." in table
    heads = [line for line in table.splitlines() if line.startswith("method")]
    assert heads and all("checked" in line for line in heads)
    assert "checked every update (checked: each)" in table
