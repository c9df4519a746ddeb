"""The noisy batch cost of mini-batch runs (issue 11, item 1: "optionally, the noisy batch
cost"): each snapshot of a mini-batch run carries the cost 1/(2|B|)·Σe_B² of the last
mini-batch before it, checked against a NumPy transcription written from the definition
(independently of core): each epoch a fresh permutation from
``numpy.random.default_rng(seed)``, batches of B rows in its order, the last one partial.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from numpy.testing import assert_allclose

from core.builder import build_dataset
from core.cli import main
from core.data.datasets import make_housing
from core.model.problem import Problem
from core.settings import DataSettings
from core.solvers import gradient_descent, optimize


def _design():
    data = make_housing(50)
    Z = (data.X - data.X.mean(axis=0)) / data.X.std(axis=0)
    A = np.column_stack([Z, np.ones(data.m)])
    return Problem(data, scaling="zscore"), A, data.y


def _sgd_batch_costs(A, y, alpha, batch, seed, steps):
    """[J_B of update 1, …, J_B of update ``steps``]: each at θ before that update."""
    m = len(y)
    rng = np.random.default_rng(seed)
    theta = np.zeros(A.shape[1])
    queue: list[np.ndarray] = []
    costs = []
    for _ in range(steps):
        if not queue:
            perm = rng.permutation(m)
            queue = [perm[i : i + batch] for i in range(0, m, batch)]
        rows = queue.pop(0)
        e = A[rows] @ theta - y[rows]
        costs.append(float(e @ e) / (2 * len(rows)))
        theta = theta - alpha * A[rows].T @ e / len(rows)
    return costs


def test_sgd_batch_cost_matches_a_numpy_transcription():
    problem, A, y = _design()
    snaps = list(optimize(problem, "sgd", alpha=0.05, iterations=30, batch_size=8, shuffle_seed=4))
    assert [s.iteration for s in snaps] == list(range(31))
    assert snaps[0].batch_cost is None  # no mini-batch before the first update
    expected = _sgd_batch_costs(A, y, 0.05, 8, 4, 30)  # 50 rows: a partial batch of 2 at 7
    assert_allclose([s.batch_cost for s in snaps[1:]], expected, rtol=1e-10)
    # the noisy cost is not the full-data cost J
    assert not np.allclose([s.batch_cost for s in snaps[1:]], [s.cost for s in snaps[:-1]])


def test_a_sparser_record_keeps_the_last_batch_before_each_snapshot():
    problem, A, y = _design()
    snaps = list(
        optimize(
            problem, "sgd", alpha=0.05, iterations=30, batch_size=8, shuffle_seed=4, report_every=5
        )
    )
    expected = _sgd_batch_costs(A, y, 0.05, 8, 4, 30)
    assert [s.iteration for s in snaps] == list(range(0, 31, 5))
    assert_allclose([s.batch_cost for s in snaps[1:]], expected[4::5], rtol=1e-10)


@pytest.mark.parametrize("name", ["adam", "momentum"])
def test_every_optimizer_reports_its_batch_cost(name):
    problem, _A, _y = _design()
    snaps = list(optimize(problem, name, alpha=0.01, iterations=12, batch_size=5))
    assert all(s.batch_cost is not None and s.batch_cost > 0 for s in snaps[1:])


def test_full_batch_runs_have_no_batch_cost():
    problem, _A, _y = _design()
    for snaps in (
        list(gradient_descent(problem, alpha=0.1, iterations=5)),
        list(optimize(problem, "adam", alpha=0.1, iterations=5)),
        list(optimize(problem, "sgd", alpha=0.1, iterations=5, batch_size=50)),  # B = m
    ):
        assert all(s.batch_cost is None for s in snaps)


def test_history_has_a_batch_cost_column_for_mini_batch_runs_only(tmp_path, capsys):
    data = build_dataset(DataSettings(source="housing"))  # the CLI's demo:housing
    A = np.column_stack([(data.X - data.X.mean(axis=0)) / data.X.std(axis=0), np.ones(data.m)])
    mini, full = tmp_path / "mini.csv", tmp_path / "full.csv"
    base = ["fit", "demo:housing", "--solver", "sgd", "--alpha", "0.05", "--iterations", "20"]
    base += ["--tolerance", "0"]
    assert main([*base, "--batch-size", "8", "--shuffle-seed", "4", "--history", str(mini)]) == 0
    assert main([*base, "--history", str(full)]) == 0
    capsys.readouterr()
    with open(mini, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][-1] == "batch_cost" and rows[0][:3] == ["iteration", "cost", "gradient_norm"]
    assert rows[1][-1] == ""  # iteration 0: no batch yet
    expected = _sgd_batch_costs(A, data.y, 0.05, 8, 4, 20)
    assert_allclose([float(r[-1]) for r in rows[2:]], expected, rtol=1e-9)
    with open(full, newline="") as f:
        assert "batch_cost" not in next(csv.reader(f))
