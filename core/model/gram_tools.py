"""Small dense algorithms on the Gram statistics ``G = AᵀA/m``, ``c = Aᵀy/m`` (p × p, host)."""

from __future__ import annotations

import numpy as np


def lasso_on_gram(
    G: np.ndarray, c: np.ndarray, start: np.ndarray, t: float, n: int, alpha_max: float
) -> np.ndarray:
    """The minimiser of ``½θᵀGθ − cᵀθ + t·Σ_{j<n}|θ_j|`` by FISTA on the Gram statistics
    (Beck & Teboulle, 2009), from ``start``: O(p²) per step, for the contour's centre only
    (the run itself finds the lasso answer from the data)."""
    step = alpha_max / 2  # 1/λ_max
    theta = y = np.asarray(start, np.float64)
    k = 1.0
    for _ in range(20_000):
        z = y - step * (G @ y - c)
        z[:n] = z[:n] - np.clip(z[:n], -step * t, step * t)
        k_next = (1 + np.sqrt(1 + 4 * k * k)) / 2
        y = z + ((k - 1) / k_next) * (z - theta)
        done = np.max(np.abs(z - theta)) <= 1e-13 * max(float(np.max(np.abs(z))), 1e-300)
        theta, k = z, k_next
        if done:
            break
    return theta


def extreme_eigenvalues(G: np.ndarray, steps: int = 120, seed: int = 0) -> np.ndarray:
    """``[λ_min, λ_max]`` of a symmetric matrix by Lanczos with full reorthogonalisation.

    Used when ``G`` is too large for a dense eigensolver (thousands of features): each step is
    one O(p²) product, and the extreme Ritz values converge first. λ_max comes out to about
    machine precision; λ_min is an estimate (good enough for a condition-number readout).
    """
    p = int(G.shape[0])
    steps = min(steps, p)
    rng = np.random.default_rng(seed)
    Q = np.zeros((steps, p))
    q = rng.standard_normal(p)
    q /= np.linalg.norm(q)
    diag = np.zeros(steps)
    off = np.zeros(steps)
    k_used = steps
    for k in range(steps):
        Q[k] = q
        v = G @ q
        diag[k] = q @ v
        v -= Q[: k + 1].T @ (Q[: k + 1] @ v)  # full reorthogonalisation, twice is enough
        v -= Q[: k + 1].T @ (Q[: k + 1] @ v)
        norm = float(np.linalg.norm(v))
        if norm <= 1e-14 * max(abs(diag[k]), 1e-300):
            k_used = k + 1
            break
        off[k] = norm
        q = v / norm
    T = np.diag(diag[:k_used]) + np.diag(off[: k_used - 1], 1) + np.diag(off[: k_used - 1], -1)
    ritz = np.linalg.eigvalsh(T)
    return np.array([ritz[0], ritz[-1]])
