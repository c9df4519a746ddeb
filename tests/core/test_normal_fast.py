"""The fast path of the stable normal equation: compiled double-double kernels and the
refined Cholesky factor, against NumPy's double-double, NIST's certified values and QR."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.datasets import Dataset, make_synthetic
from core.model import precise
from core.model.problem import Problem
from core.solvers import last, run_solver
from core.solvers import normal as normal_mod
from core.solvers import qr_kernels as K
from tests.core import nist
from tests.core.test_nist import fit, log_relative_error


@pytest.mark.parametrize("order", ["C", "F"])
def test_kernels_equal_numpys_double_double(order):
    rng = np.random.default_rng(3)
    A = np.asarray(rng.standard_normal((1003, 17)) * 10.0 ** rng.uniform(-3, 3, 17), order=order)
    A_lo = np.asarray(A * rng.uniform(-1, 1, A.shape) * 2.0**-54, order=order)
    x, c, d = rng.standard_normal(17), rng.standard_normal(1003), rng.standard_normal(1003)
    expected = precise.residual(c, A, A_lo, x, d=d)
    assert np.array_equal(K.dd_residual(c, A, A_lo, x, d), expected)
    hi, lo = K.dd_residual_parts(c, A, np.zeros((0, 0)), x, np.zeros(0))
    assert np.array_equal(hi + lo, precise.residual(c, A, None, x))
    assert np.array_equal(K.dd_transpose_product(A, A_lo, c), precise.transpose_product(A, A_lo, c))
    # a double-double right-hand side: the low part counts
    r_lo = c * 2.0**-45
    both = K.dd_transpose_product_parts(A, np.zeros((0, 0)), c, r_lo)
    assert not np.array_equal(both, K.dd_transpose_product(A, np.zeros((0, 0)), c))
    np.testing.assert_allclose(both, A.T @ c + A.T @ r_lo, rtol=1e-12)


def test_triangular_solves():
    rng = np.random.default_rng(4)
    L = np.tril(rng.standard_normal((30, 30))) + 30 * np.eye(30)
    b = rng.standard_normal(30)
    np.testing.assert_allclose(K.solve_lower(L, b), np.linalg.solve(L, b), rtol=1e-13)
    np.testing.assert_allclose(K.solve_lower_transposed(L, b), np.linalg.solve(L.T, b), rtol=1e-13)


@pytest.mark.skipif(not nist.available(), reason="../shared/reference/nist absent")
@pytest.mark.parametrize("name", sorted(nist.certified()) if nist.available() else [])
def test_nist_through_the_fast_path(tmp_path, capsys, monkeypatch, name):
    """Every NIST set through the compiled kernels (and the Cholesky path where κ allows):
    at least 13 certified digits, as the QR path."""
    monkeypatch.setattr(normal_mod, "FAST_SIZE", 0)
    info = nist.certified()[name]
    _, estimates = fit(tmp_path, capsys, name, "normal")
    certified = [float(v) for v in info["params"]]
    lre = min(log_relative_error(e, c) for e, c in zip(estimates, certified, strict=True))
    assert lre >= 13.0, f"{name}: {lre:.1f} digits"


def test_large_well_conditioned_design_takes_the_cholesky_path(monkeypatch):
    problem = Problem(make_synthetic(20_000, 12, seed=2, scale_spread=3), scaling="none")
    assert problem.m * (problem.n + 1) >= normal_mod.FAST_SIZE
    fast = last(run_solver(problem, "normal"))
    assert "Cholesky" in fast.message
    monkeypatch.setattr(normal_mod, "FAST_SIZE", 10**12)
    slow = last(run_solver(problem, "normal"))
    assert "QR" in slow.message
    np.testing.assert_allclose(fast.w, slow.w, rtol=1e-13)
    np.testing.assert_allclose(fast.b, slow.b, rtol=1e-13)


def test_ill_conditioned_large_design_falls_back_to_qr():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (30_000, 1))
    y = np.cos(4 * x[:, 0]) + 0.01 * rng.standard_normal(30_000)
    ds = Dataset(x, y, ("x",), "y", "cosine")
    problem = Problem(ds, degree=9, scaling="none")  # κ of the powers of x: about 1e7+
    snap = last(run_solver(problem, "normal"))
    assert "QR" in snap.message and "Cholesky" not in snap.message
    A = np.column_stack([problem.design.X, np.ones(problem.m)])
    reference = np.linalg.lstsq(A, y, rcond=None)[0]
    # the same fit as lstsq (its coefficients differ in the last digits lstsq loses)
    e_ours = A @ np.append(snap.w, snap.b) - y
    e_ref = A @ reference - y
    assert e_ours @ e_ours <= (e_ref @ e_ref) * (1 + 1e-10)


def test_large_ridge_takes_the_cholesky_path_with_the_same_answer(monkeypatch):
    ds = make_synthetic(20_000, 12, seed=6, scale_spread=2)
    problem = Problem(ds, scaling="zscore", l2=25.0)
    fast = last(run_solver(problem, "normal"))
    assert "Cholesky" in fast.message
    monkeypatch.setattr(normal_mod, "FAST_SIZE", 10**12)
    slow = last(run_solver(problem, "normal"))
    assert "QR" in slow.message
    np.testing.assert_allclose(fast.w, slow.w, rtol=1e-13)
    np.testing.assert_allclose(fast.b, slow.b, rtol=1e-13)
    # and both are the ridge answer: the penalised normal equations hold (NumPy, by hand)
    X_s = problem.scaler.transform(problem.design.X)
    A = np.column_stack([X_s, np.ones(problem.m)])
    G = A.T @ A
    G[np.arange(12), np.arange(12)] += 25.0
    theta = np.linalg.solve(G, A.T @ ds.y)
    np.testing.assert_allclose(np.append(fast.w_scaled, fast.b_scaled), theta, rtol=1e-10)


def test_without_numba_the_large_design_takes_numpys_double_double(monkeypatch):
    """The bundle leaves numba out: the same answer through QR and core.model.precise."""
    from core.solvers import normal_fast

    problem = Problem(make_synthetic(20_000, 12, seed=2, scale_spread=3), scaling="none")
    fast = last(run_solver(problem, "normal"))
    monkeypatch.setattr(normal_mod, "compiled_kernels", lambda: False)
    monkeypatch.setattr(normal_fast, "compiled_kernels", lambda: False)
    slow = last(run_solver(problem, "normal"))
    assert "QR" in slow.message and "Cholesky" in fast.message
    np.testing.assert_allclose(fast.w, slow.w, rtol=1e-13)
