"""Problem.gram_gradient: the full-data gradient from the Gram statistics (the window's
gradient arrow), checked against the gradient computed from the data."""

from __future__ import annotations

import numpy as np
import pytest

from core.builder import build_dataset, build_problem
from core.errors import InputError
from core.settings import DataSettings, ModelSettings


@pytest.mark.parametrize(
    "model",
    [
        ModelSettings(),
        ModelSettings(scaling="none", intercept=False),
        ModelSettings(degree=2, scaling="minmax"),
    ],
    ids=["zscore", "unscaled-no-b", "degree2-minmax"],
)
def test_gram_gradient_equals_the_data_gradient(model):
    problem = build_problem(build_dataset(DataSettings()), model)
    rng = np.random.default_rng(11)
    for _ in range(3):
        theta = rng.normal(scale=5.0, size=problem.n_params)
        b_s = float(theta[problem.n]) if problem.intercept else None
        # independent: e = Xw + b − y from the training matrix, ∇ = [Xᵀe, Σe]/m
        X = np.asarray(problem.X, np.float64)
        e = X @ theta[: problem.n] + (b_s or 0.0) - np.asarray(problem.y, np.float64)
        expected = X.T @ e / problem.m
        if problem.intercept:
            expected = np.append(expected, e.mean())
        got = problem.gram_gradient(theta)
        scale = np.abs(expected).max()
        assert np.allclose(got, expected, rtol=1e-9, atol=1e-11 * scale)


def test_gram_gradient_is_zero_at_the_optimum_and_checks_its_input():
    problem = build_problem(build_dataset(DataSettings()), ModelSettings())
    g = problem.gram_gradient(problem.gram_optimum())
    assert np.abs(g).max() < 1e-8 * np.abs(problem.gram.c).max()
    with pytest.raises(InputError, match="values"):
        problem.gram_gradient(np.zeros(problem.n_params + 1))
