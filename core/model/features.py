"""Polynomial feature expansion, kept exact to double-double precision.

Each numeric feature is raised to the powers 1..K (no cross terms). Columns are ordered by
power: ``x1 .. xn, x1^2 .. xn^2, ..., x1^K .. xn^K``, so the first n columns are always the raw
features. A 0/1 indicator column (a one-hot feature such as ``region=southwest``) is never
raised to a power, since ``x^k = x`` would only repeat it: it appears once, among the first n
columns, and each later block holds the powers of the numeric features only, in their order
(``size, region=north, age, size^2, age^2, ...``). Powers are computed as double-doubles:
``X`` holds them rounded to float64 and ``X_lo`` their rounding errors, which the stable
normal-equation solver uses so that a degree-10 fit (NIST Filip) is not limited by the
rounding of ``x**10``.
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
    """Expanded features: ``X`` (m×p, float64), ``X_lo`` (rounding errors or None), names.

    ``n_raw``: the raw features (the first ``n_raw`` columns); ``powered``: the indices (among
    the raw ones) of the features raised to powers 2..``degree``, in the order of each block.
    """

    X: np.ndarray
    X_lo: np.ndarray | None
    names: tuple[str, ...]
    degree: int
    n_raw: int
    powered: tuple[int, ...] = ()


def power_name(name: str, k: int) -> str:
    """Name of the k-th power of a feature, as shown in reports (``size^2``)."""
    return name if k == 1 else f"{name}^{k}"


def polynomial_features(
    X: np.ndarray,
    names: tuple[str, ...],
    degree: int,
    path: str | None = None,
    *,
    indicators: tuple[str | None, ...] = (),
) -> Design:
    """Expand ``X`` (m×n) to powers 1..``degree`` of every numeric column (module docstring).

    ``indicators``: one entry per column, the categorical column a 0/1 one-hot column encodes
    or None for a numeric one (empty: every column is numeric); indicator columns are kept
    once, never raised to a power. Raises InputError for a degree outside 1..20, a design too
    large for memory, or powers that overflow float64 (naming the column).
    """
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer):
        raise InputError(f"polynomial degree must be a whole number, got {degree!r}")
    if degree < 1 or degree > MAX_DEGREE:
        raise InputError(f"polynomial degree must be between 1 and {MAX_DEGREE}, got {degree}")
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[1]
    if indicators and len(indicators) != n:
        raise ValueError(f"{len(indicators)} indicator entries for {n} columns")
    powered = tuple(j for j in range(n) if not indicators or indicators[j] is None)
    if degree == 1 or not powered:
        return Design(X, None, tuple(names), degree, n, powered)
    m = X.shape[0]
    q = len(powered)
    p = n + q * (degree - 1)
    # refuse before allocating: the steps below hold about four copies of the result
    check_fits(
        4 * m * p * 8,
        "cpu",
        f"the degree-{degree} expansion ({m:,} x {p:,} values, with its rounding errors)",
    )
    base = X[:, list(powered)] if q < n else X
    hi_cols = [X]
    lo_cols = [np.zeros_like(X)]
    hi, lo = base, np.zeros_like(base)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(2, degree + 1):
            hi, lo = dd_mul(hi, lo, base)
            hi_cols.append(hi)
            lo_cols.append(lo)
        expanded = np.ascontiguousarray(np.concatenate(hi_cols, axis=1))
        expanded_lo = np.ascontiguousarray(np.concatenate(lo_cols, axis=1))
    if not np.all(np.isfinite(expanded)):
        bad = int(np.argmax(~np.all(np.isfinite(expanded), axis=0)))
        all_names = _names(names, degree, powered)
        j = powered[(bad - n) % q] if bad >= n else bad
        raise InputError(
            f"degree {degree} overflows float64: {all_names[bad]} is too large "
            "for some rows (use a lower degree or rescale the data)",
            path=path,
            column_name=names[j],
        )
    # Rounding errors of huge or denormal products can come out non-finite; they are then
    # meaningless, and the rounded value is the best we have.
    expanded_lo[~np.isfinite(expanded_lo)] = 0.0
    return Design(expanded, expanded_lo, _names(names, degree, powered), degree, n, powered)


def _names(names: tuple[str, ...], degree: int, powered: tuple[int, ...]) -> tuple[str, ...]:
    """The expanded columns' names in design order (module docstring)."""
    higher = (power_name(names[j], k) for k in range(2, degree + 1) for j in powered)
    return (*names, *higher)
