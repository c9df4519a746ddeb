"""Issue 11, found by a newcomer: the theory's steps for Nesterov and for capped μ, singular
designs refused, run options that a solver does not use refused, and the report naming the
bound that applies. Expected values are written from the formulas here (NumPy), not from
core's theory module."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.builder import build_dataset, build_problem
from core.cli import main
from core.settings import Settings
from core.solvers.theory import nesterov_optimal, optimal_settings, rate_nesterov


def _lambdas(scaling: str) -> tuple[float, float]:
    s = Settings().replace(scaling=scaling)
    problem = build_problem(build_dataset(s.data), s.model)
    A = np.column_stack([problem.X, np.ones(problem.m)])
    ev = np.linalg.eigvalsh(A.T @ A / problem.m)
    return float(ev[0]), float(ev[-1])


def _fit(capsys, *argv: str) -> tuple[int, dict | str]:
    code = main(["fit", "demo:housing", *argv, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else captured.err)


@pytest.mark.parametrize("scaling", ["zscore", "none"])
def test_nesterov_optimal_values_are_below_its_bound_with_the_published_rate(scaling):
    lo, hi = _lambdas(scaling)
    gamma, mu, rate = nesterov_optimal(lo, hi)
    kappa = hi / lo
    assert gamma == pytest.approx(4 / (3 * hi + lo), rel=1e-12)
    q = math.sqrt(3 * kappa + 1)
    assert mu == pytest.approx((q - 2) / (q + 2), rel=1e-9)
    assert rate == pytest.approx(1 - 2 / q, rel=1e-9)
    assert gamma * hi < 2 * (1 + mu) / (1 + 2 * mu)  # Nesterov's stability bound
    # the spectral radius of the iteration, over the spectrum, is that rate
    assert rate_nesterov(gamma, mu, lo, hi) == pytest.approx(rate, rel=1e-6)


@pytest.mark.parametrize("scaling", ["zscore", "none"])
def test_optimal_nesterov_converges(capsys, scaling):
    code, report = _fit(
        capsys, "--solver", "nesterov", "--optimal", "--scaling", scaling, "--iterations", "300000"
    )
    assert code == 0
    assert report["status"] == "converged", report["message"]
    assert report["cost"] == pytest.approx(254.4226, rel=1e-5)


def test_capped_momentum_gets_an_alpha_for_the_capped_mu():
    lo, hi = 1.0, 1e10  # κ = 1e10: Polyak's μ would be 1 − 4e-5
    values = optimal_settings("momentum", lo, hi, momentum_max=0.9999)
    mu, alpha = values["momentum"], values["alpha"]
    assert mu == 0.9999
    assert alpha == pytest.approx((1 + math.sqrt(mu)) ** 2 / hi, rel=1e-12)
    assert alpha * hi < 2 * (1 + mu)  # below heavy ball's bound: it converges
    # heavy ball's iteration matrix per eigenvalue: spectral radius below 1 at both ends
    for lam in (lo, hi):
        M = np.array([[1 + mu - alpha * lam, -mu], [1.0, 0.0]])
        assert max(abs(np.linalg.eigvals(M))) < 1


def test_singular_design_has_no_optimal_step():
    with pytest.raises(ValueError, match="singular"):
        optimal_settings("gd", 1e-18, 2.0)
    with pytest.raises(ValueError, match="singular"):
        optimal_settings("momentum", 0.0, 2.0)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--solver", "normal", "--batch-size", "8"], "--batch-size"),
        (["--solver", "gd", "--batch-size", "8"], "--batch-size"),
        (["--solver", "adam", "--momentum", "0.5"], "--momentum"),
        (["--solver", "sgd", "--rho", "0.5"], "--rho"),
        (["--solver", "momentum", "--epsilon", "1e-3"], "--epsilon"),
        (["--solver", "gd", "--shuffle-seed", "3"], "--shuffle-seed"),
        (["--solver", "sgd", "--decay", "0.5"], "--decay"),
        (["--schedule", "cosine", "--step-every", "5"], "--step-every"),
        (["--solver", "sgd", "--batch-size", "1", "--optimal"], "--optimal"),
        (["--solver", "gd", "--schedule", "cosine", "--optimal"], "--optimal"),
    ],
)
def test_an_option_the_run_does_not_use_is_refused(capsys, argv, named):
    code, err = _fit(capsys, *argv)
    assert code == 2
    assert named in err and "Traceback" not in err


def test_options_the_run_uses_are_accepted(capsys):
    code, report = _fit(
        capsys, "--solver", "sgd", "--batch-size", "4", "--shuffle-seed", "3", "--iterations", "5"
    )
    assert code == 0 and report["optimizer"]["shuffle_seed"] == 3
    code, report = _fit(
        capsys, "--schedule", "step", "--decay", "0.5", "--step-every", "5", "--iterations", "5"
    )
    assert code == 0 and report["optimizer"]["schedule"]["step_every"] == 5


def test_a_batch_of_m_rows_or_more_is_reported_as_the_full_batch(capsys):
    code, report = _fit(capsys, "--solver", "sgd", "--batch-size", "5000", "--iterations", "5")
    assert code == 0 and report["optimizer"]["batch_size"] == 0
    assert "shuffle_seed" not in report["optimizer"]


@pytest.mark.parametrize(
    ("solver", "bound"),
    [("gd", "α_max = "), ("momentum", "momentum bound = "), ("adam", "no fixed bound")],
)
def test_the_report_names_the_bound_that_applies(capsys, solver, bound):
    assert main(["fit", "demo:housing", "--solver", solver, "--iterations", "5"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("solver"))
    assert bound in line


def test_a_divergence_just_above_the_bound_shows_the_digits_that_differ():
    from core.solvers.verdicts import Limit, divergence_message

    bound = 3.7189e-07
    alpha = bound * (1 + 1e-6)
    text = divergence_message(
        alpha, alpha, alpha, 50, 1.0, 2.0, Limit(bound, "α_max", "2/λ"), "float64"
    )
    assert "is above α_max" in text
    digits = next(k for k in range(5, 18) if f"{alpha:.{k}g}" != f"{bound:.{k}g}")
    assert f"({alpha:.{digits}g} against {bound:.{digits}g})" in text
