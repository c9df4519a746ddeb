"""Feature scaling and the exact way back to the original units.

Training may use scaled features ``(x - shift) / scale``; every coefficient shown to a user is
converted back: ``w = w_s / scale`` and ``b = b_s - Σ w_s·shift/scale``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InputError

SCALINGS = ("none", "zscore", "minmax", "mean")
SCALING_LABELS = {
    "none": "none",
    "zscore": "z-score (x - mean) / std",
    "minmax": "min-max (x - min) / (max - min)",
    "mean": "mean normalisation (x - mean) / (max - min)",
}


@dataclass(frozen=True, eq=False)
class Scaler:
    """An affine map per feature: ``x_scaled = (x - shift) / scale``."""

    scaling: str
    shift: np.ndarray
    scale: np.ndarray

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scale a feature matrix (any array namespace that broadcasts like NumPy)."""
        if self.scaling == "none":
            return X
        return (X - self.shift) / self.scale

    def to_original(self, w_s: np.ndarray, b_s: float | None) -> tuple[np.ndarray, float | None]:
        """Coefficients learned on scaled features, expressed in the data's own units."""
        w = np.asarray(w_s, dtype=np.float64) / self.scale
        if b_s is None:
            return w, None
        return w, float(b_s - np.dot(w, self.shift))

    def to_scaled(self, w: np.ndarray, b: float | None) -> tuple[np.ndarray, float | None]:
        """Coefficients in original units, expressed for the scaled features."""
        w = np.asarray(w, dtype=np.float64)
        w_s = w * self.scale
        if b is None:
            return w_s, None
        return w_s, float(b + np.dot(w, self.shift))


def fit_scaler(
    X: np.ndarray,
    scaling: str,
    *,
    intercept: bool = True,
    names: tuple[str, ...] | None = None,
    path: str | None = None,
) -> Scaler:
    """Learn the feature scaling ``scaling`` (one of :data:`SCALINGS`) from the columns of ``X``.

    Without an intercept the shift is dropped (centring would add a hidden intercept the
    model cannot express), so only the division remains. A constant column cannot be
    divided by its spread: that is an :class:`InputError` naming the column.
    """
    if scaling not in SCALINGS:
        raise InputError(f"unknown scaling {scaling!r}; choose one of {', '.join(SCALINGS)}")
    n = X.shape[1]
    if scaling == "none":
        return Scaler("none", np.zeros(n), np.ones(n))
    lo = X.min(axis=0)
    hi = X.max(axis=0)
    if scaling == "zscore":
        shift = X.mean(axis=0)
        scale = X.std(axis=0)
    elif scaling == "minmax":
        shift, scale = lo, hi - lo
    else:
        shift, scale = X.mean(axis=0), hi - lo
    constant = np.flatnonzero(~(scale > 0) | (hi == lo))
    if constant.size:
        j = int(constant[0])
        name = names[j] if names else f"x{j + 1}"
        raise InputError(
            f"column {name!r} is constant (every value is {X[0, j]:.6g}); {scaling} scaling "
            "divides by its spread, which is zero. Remove the column or use --scaling none.",
            path=path,  # no column_name: the message names the column already
        )
    if not intercept:
        shift = np.zeros(n)
    return Scaler(scaling, np.asarray(shift, np.float64), np.asarray(scale, np.float64))
