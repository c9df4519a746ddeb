"""A regression problem held as its Gram statistics only: a
:class:`core.model.training_problem.TrainingProblem` (what the gradient-descent driver
:func:`core.solvers.gd.descend` reads) with the Gram form (:class:`GramForm`), built from
one pass over data that stays on disk.

Training coordinates are the product's: features scaled ``(x − shift)/scale`` exactly as
:func:`core.model.scaling.fit_scaler` would scale them in memory (z-score with the
population standard deviation, min-max, mean normalisation or none; no shift without an
intercept), the intercept's column of ones last.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.cluster.statistics import GramStatistics
from core.errors import InputError
from core.model.penalty import Penalty
from core.model.scaling import Scaler
from core.solvers.implementations import GramForm


def scaler_from(stats: GramStatistics, scaling: str, intercept: bool, names: list[str]) -> Scaler:
    """The :class:`Scaler` ``fit_scaler`` would learn from the features (InputError for a
    constant column, as there)."""
    n = stats.n
    mean, lo, hi = stats.mean[:n], stats.low[:n], stats.high[:n]
    if scaling == "none":
        return Scaler("none", np.zeros(n), np.ones(n))
    if scaling == "zscore":
        shift, scale = mean, np.sqrt(np.maximum(np.diag(stats.M2)[:n], 0.0) / stats.m)
    elif scaling == "minmax":
        shift, scale = lo, hi - lo
    elif scaling == "mean":
        shift, scale = mean, hi - lo
    else:
        raise InputError(f"unknown scaling {scaling!r}")
    constant = np.flatnonzero(~(scale > 0) | (hi == lo))
    if constant.size:
        j = int(constant[0])
        raise InputError(
            f"column {names[j]!r} is constant (every value is {lo[j]:.6g}); {scaling} scaling "
            "divides by its spread, which is zero. Remove the column or use --scaling none."
        )
    if not intercept:
        shift = np.zeros(n)
    return Scaler(scaling, np.asarray(shift, np.float64), np.asarray(scale, np.float64))


class GramProblem:
    """The :class:`~core.model.training_problem.TrainingProblem` of the dask engine:
    sizes, names, scaling, the Gram form in training coordinates (:attr:`form`), the bound
    α_max and κ; no rows (``test`` None)."""

    dtype = "float64"
    device = "cpu"
    test = None
    xp = np
    condition_is_estimate = False

    def __init__(
        self,
        stats: GramStatistics,
        feature_names: list[str],
        *,
        scaling: str = "zscore",
        intercept: bool = True,
    ) -> None:
        self.stats = stats
        self.intercept = bool(intercept)
        self.m, self.n = stats.m, stats.n
        self.n_params = self.n + int(self.intercept)
        self.feature_names = tuple(feature_names)
        self.parameter_names = self.feature_names + (("b",) if self.intercept else ())
        self.penalty = Penalty(0.0, 0.0, self.m)
        self.warnings: list[str] = []
        self.scaler = scaler_from(stats, scaling, self.intercept, feature_names)
        self.scaling = self.scaler.scaling
        n, m = self.n, self.m
        d, a = self.scaler.scale, self.scaler.shift
        y_mean = float(stats.mean[n])
        s = (stats.mean[:n] - a) / d  # the scaled columns' means (0 for z-score)
        G = stats.M2[:n, :n] / (m * np.outer(d, d)) + np.outer(s, s)
        c = stats.M2[:n, n] / (m * d) + s * y_mean
        q = float(stats.M2[n, n]) / m + y_mean * y_mean
        #: the Gram form of the scaled design: every gradient-descent step from it, O(n²)
        self.form = GramForm((G + G.T) / 2, s, c, y_mean, q, m)
        A = self.form.G
        if self.intercept:
            A = np.block([[self.form.G, s[:, None]], [s[None, :], np.ones((1, 1))]])
        lam = np.linalg.eigvalsh(A)
        self._lambda = (float(lam[0]), float(lam[-1]))

    @property
    def lambda_range(self) -> tuple[float, float]:
        """``(λ_min, λ_max)`` of ``AᵀA/m`` (A the scaled design with its column of ones)."""
        return self._lambda

    @property
    def alpha_max(self) -> float:
        """Largest stable learning rate ``2/λ_max``."""
        return 2.0 / self._lambda[1] if self._lambda[1] > 0 else math.inf

    @property
    def condition_number(self) -> float:
        """κ(A) = √(λ_max/λ_min) of the scaled design (inf when singular)."""
        lo, hi = self._lambda
        return math.sqrt(hi / lo) if lo > 0 and hi > 0 else math.inf

    def to_original(self, w_s: Any, b_s: float | None) -> tuple[np.ndarray, float | None]:
        """Training coordinates → original units."""
        return self.scaler.to_original(np.asarray(w_s), b_s if self.intercept else None)

    def to_scaled(self, w: Any, b: float | None) -> tuple[np.ndarray, float | None]:
        """Original units → training coordinates."""
        return self.scaler.to_scaled(np.asarray(w, np.float64), b if self.intercept else None)

    def test_cost(self, w_s: Any, b_s: float | None) -> None:
        """No test set on the dask engine (yet)."""
        return None

    def cost_and_gradient(self, w_s: np.ndarray, b_s: float) -> tuple[float, float]:
        """``(J, ‖∇J‖)`` at training coordinates, from the Gram form."""
        gw, gb, sse = self.form.kernel(self.intercept)(np.asarray(w_s, np.float64), b_s)
        return sse / (2 * self.m), math.sqrt(float(gw @ gw) + (gb * gb if self.intercept else 0))
