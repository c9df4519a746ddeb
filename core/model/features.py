"""Polynomial feature expansion, kept exact to double-double precision.

Each feature is raised to the powers 1..K (no cross terms). Columns are ordered by power:
``x1 .. xn, x1^2 .. xn^2, ..., x1^K .. xn^K``, so the first n columns are always the raw
features. Powers are computed as double-doubles: ``X`` holds them rounded to float64 and
``X_lo`` their rounding errors, which the stable normal-equation solver uses so that a
degree-10 fit (NIST Filip) is not limited by the rounding of ``x**10``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.backend import check_fits
from core.errors import InputError
from core.model.precise import dd_mul

MAX_DEGREE = 20


@dataclass(frozen=True, eq=False)
class Design:
    """Expanded features: ``X`` (m×p, float64), ``X_lo`` (rounding errors or None), names."""

    X: np.ndarray
    X_lo: np.ndarray | None
    names: tuple[str, ...]
    degree: int
    n_raw: int


def power_name(name: str, k: int) -> str:
    """Name of the k-th power of a feature, as shown in reports (``size^2``)."""
    return name if k == 1 else f"{name}^{k}"


def polynomial_features(
    X: np.ndarray, names: tuple[str, ...], degree: int, path: str | None = None
) -> Design:
    """Expand ``X`` to powers 1..``degree`` of every column (see the module docstring)."""
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer):
        raise InputError(f"polynomial degree must be a whole number, got {degree!r}")
    if degree < 1 or degree > MAX_DEGREE:
        raise InputError(f"polynomial degree must be between 1 and {MAX_DEGREE}, got {degree}")
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[1]
    if degree == 1:
        return Design(X, None, tuple(names), 1, n)
    m = X.shape[0]
    # refuse before allocating: the steps below hold about four copies of the result
    check_fits(
        4 * m * n * degree * 8,
        "cpu",
        f"the degree-{degree} expansion ({m:,} x {n * degree:,} values, with its rounding errors)",
    )
    hi_cols = [X]
    lo_cols = [np.zeros_like(X)]
    hi, lo = X, np.zeros_like(X)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(2, degree + 1):
            hi, lo = dd_mul(hi, lo, X)
            hi_cols.append(hi)
            lo_cols.append(lo)
        expanded = np.ascontiguousarray(np.concatenate(hi_cols, axis=1))
        expanded_lo = np.ascontiguousarray(np.concatenate(lo_cols, axis=1))
    if not np.all(np.isfinite(expanded)):
        bad = int(np.argmax(~np.all(np.isfinite(expanded), axis=0)))
        k, j = divmod(bad, n)
        raise InputError(
            f"degree {degree} overflows float64: {power_name(names[j], k + 1)} is too large "
            "for some rows (use a lower degree or rescale the data)",
            path=path,
            column_name=names[j],
        )
    # Rounding errors of huge or denormal products can come out non-finite; they are then
    # meaningless, and the rounded value is the best we have.
    expanded_lo[~np.isfinite(expanded_lo)] = 0.0
    all_names = tuple(power_name(nm, k) for k in range(1, degree + 1) for nm in names)
    return Design(expanded, expanded_lo, all_names, degree, n)
