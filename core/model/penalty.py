"""Regularisation: the L2 (ridge) and L1 (lasso) penalties on the coefficients.

The cost with both penalties (elastic net), in training coordinates (after scaling; the
intercept is never penalised), is

    J(w, b) = 1/(2m)·Σe² + λ₂/(2m)·Σw_j² + λ₁/m·Σ|w_j|

the course's ridge cost (Ng, *Machine Learning Specialization*, "Regularized linear
regression"), with the lasso term scaled the same way: scikit-learn's ``Ridge(alpha=λ₂)``
minimises 2m times it (for λ₁ = 0), its ``Lasso(alpha=λ₁/m)`` minimises it (for λ₂ = 0).
The L2 term is smooth and joins the gradient, ``(λ₂/m)·w``, and the Hessian,
``AᵀA/m + (λ₂/m)·diag(1, …, 1, 0)``; the L1 term is not differentiable at 0 and is handled
by proximal gradient descent, soft-thresholding after each step (Parikh & Boyd, *Proximal
Algorithms*, 2014, §6.5.2; ISTA: Beck & Teboulle, SIAM J. Imaging Sci. 2, 2009).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import InputError

#: The largest λ offered (a penalty this strong sets every coefficient to about 0).
MAX_LAMBDA = 1e12


def check_lambda(name: str, value: float) -> float:
    """``value`` as a float if it is a finite number ≥ 0 (λ₂, λ₁); InputError otherwise."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not 0 <= value <= MAX_LAMBDA:
        raise InputError(f"{name} must be a number from 0 to {MAX_LAMBDA:g}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Penalty:
    """λ₂ (``l2``) and λ₁ (``l1``) of the cost above, for a training set of ``m`` rows."""

    l2: float = 0.0
    l1: float = 0.0
    m: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "l2", check_lambda("λ (L2)", self.l2))
        object.__setattr__(self, "l1", check_lambda("λ (L1)", self.l1))

    def __bool__(self) -> bool:
        return self.l2 > 0 or self.l1 > 0

    @property
    def threshold_per_rate(self) -> float:
        """λ₁/m: the soft-threshold of a step of rate α is α·λ₁/m."""
        return self.l1 / self.m

    def value(self, w_s: Any) -> float:
        """The penalty λ₂/(2m)·Σw² + λ₁/m·Σ|w| at coefficients ``w_s`` (any array namespace,
        or a list of floats)."""
        if not self:
            return 0.0
        if isinstance(w_s, list):
            sq = sum(v * v for v in w_s)
            ab = sum(abs(v) for v in w_s)
        else:
            sq = float(w_s @ w_s) if self.l2 else 0.0
            ab = float(abs(w_s).sum()) if self.l1 else 0.0
        return self.l2 * sq / (2 * self.m) + self.l1 * ab / self.m

    def smooth_gradient(self, w_s: Any) -> Any:
        """``(λ₂/m)·w``, the L2 term's gradient (0 without L2)."""
        return (self.l2 / self.m) * w_s if self.l2 else 0.0

    def prox(self, w_s: Any, rate: float) -> Any:
        """Soft-thresholding ``sign(w)·max(|w| − α·λ₁/m, 0)`` (``w_s`` unchanged without L1):
        the proximal operator of α·λ₁/m·‖w‖₁."""
        if not self.l1:
            return w_s
        t = rate * self.l1 / self.m
        if isinstance(w_s, list):
            return type(w_s)(v - t if v > t else (v + t if v < -t else 0.0) for v in w_s)
        return w_s - w_s.clip(-t, t)

    def stationarity(self, gw: Any, w_s: Any) -> Any:
        """The smallest subgradient of the cost in w, from the smooth part's gradient ``gw``
        (L2 included): ``gw + (λ₁/m)·sign(w)`` where w ≠ 0 and ``sign(g)·max(|g| − λ₁/m, 0)``
        where w = 0. Its norm is 0 exactly at the optimum (the convergence test's ‖∇J‖)."""
        if not self.l1:
            return gw
        t = self.l1 / self.m
        if isinstance(w_s, list):
            return [
                g + math.copysign(t, v) if v != 0 else math.copysign(max(abs(g) - t, 0.0), g)
                for g, v in zip(gw, w_s, strict=True)
            ]
        zero = w_s == 0
        moved = gw + t * (w_s > 0) - t * (w_s < 0)
        shrunk = (abs(gw) - t).clip(0, None) * ((gw > 0) * 1.0 - (gw < 0))
        return moved * ~zero + shrunk * zero

    def zeroed(self, w_s: np.ndarray) -> np.ndarray:
        """Indices of the coefficients the L1 term set to exactly 0 (empty without L1)."""
        if not self.l1:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.asarray(w_s) == 0)

    def words(self) -> str:
        """The penalty in a few words (``"L2 λ = 10"``, ``"none"``)."""
        parts = [f"L2 λ = {self.l2:g}"] * bool(self.l2) + [f"L1 λ = {self.l1:g}"] * bool(self.l1)
        return ", ".join(parts) or "none"
