"""Datasets: the synthetic generator, the housing and stopping-distance demos, and the common
``Dataset`` record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import InputError


@dataclass(frozen=True, eq=False)
class Dataset:
    """Examples ``X`` (m×n, float64), targets ``y`` (m,), and what they are called.

    ``source`` says where the data came from (a file path or a generator description);
    ``notes`` say how an ambiguous file was read; ``true_w``/``true_b`` are known only for
    synthetic data.

    For a file: ``indicators`` has one entry per feature, the categorical column a one-hot
    feature encodes (``"region"`` for ``region=southwest``) or None for a numeric feature
    (empty: no indicator features); ``report`` says, JSON-ready, how the file was read and
    what became of its columns and rows (keys ``read``, ``encoded``, ``ignored``,
    ``missing``, ``dropped_rows``, ``filled``; see :func:`core.data.roles.table_to_dataset`);
    ``table`` is the :class:`~core.data.table.Table` as read (the window's Data tab);
    ``warnings``: the readings a user must check (also at the end of ``notes``).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    source: str
    path: str | None = None
    true_w: np.ndarray | None = None
    true_b: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    indicators: tuple[str | None, ...] = ()
    report: dict[str, Any] = field(default_factory=dict)
    table: Any = None
    warnings: tuple[str, ...] = ()
    #: {column: 0-based rows whose missing cell was filled} (``missing="mean"``); a column
    #: is a numeric feature or a categorical column (its one-hot features)
    filled_rows: dict[str, np.ndarray] = field(default_factory=dict)
    #: 0-based rows of the table as read, one per row here (None: the same numbering)
    row_ids: np.ndarray | None = None

    @property
    def m(self) -> int:
        return int(self.X.shape[0])

    @property
    def n(self) -> int:
        return int(self.X.shape[1])

    def subset(self, rows: np.ndarray) -> Dataset:
        """The same dataset restricted to ``rows`` (0-based row numbers, e.g. the training
        part of a split); names, notes, the file's report and table are kept."""
        import dataclasses

        return dataclasses.replace(
            self,
            X=np.ascontiguousarray(self.X[rows]),
            y=np.ascontiguousarray(self.y[rows]),
            row_ids=None if self.row_ids is None else self.row_ids[rows],
            filled_rows={},  # row numbers of the whole dataset: meaningless in a part
        )


def make_synthetic(
    m: int = 200,
    n: int = 2,
    *,
    noise: float = 0.1,
    scale_spread: float = 0.0,
    correlation: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """Random regression data with known true coefficients.

    Parameters
    ----------
    m, n : examples and features.
    noise : standard deviation of the added noise, as a fraction of the signal's.
    scale_spread : k; feature magnitudes are spread log-evenly over 10^0 .. 10^k (like
        square feet next to number of floors), which makes the unscaled problem
        ill-conditioned.
    correlation : pairwise correlation between features, in [0, 1).
    seed : everything is deterministic from it.
    """
    _check_int("m", m, 1)
    _check_int("n", n, 1)
    for label, value, lo, hi in (
        ("noise", noise, 0.0, 1e6),
        ("scale spread", scale_spread, 0.0, 12.0),
        ("correlation", correlation, 0.0, 0.999),
    ):
        if not np.isfinite(value) or not lo <= value <= hi:
            raise InputError(f"{label} must be between {lo:g} and {hi:g}, got {value!r}")
    from core.backend import check_fits

    check_fits(3 * m * n * 8, "cpu", f"a synthetic {m:,} x {n:,} dataset")
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.linspace(0.0, scale_spread, n) if n > 1 else np.array([10.0**scale_spread])
    X = rng.standard_normal((m, n))
    if correlation > 0:
        shared = rng.standard_normal((m, 1))
        X *= np.sqrt(1.0 - correlation)
        X += np.sqrt(correlation) * shared
    X *= scales
    X += 2.0 * scales  # positive, offset features, like real measurements
    true_w = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n) / scales
    true_b = float(rng.uniform(-5.0, 5.0))
    signal = X @ true_w + true_b
    spread = float(np.std(signal)) or 1.0
    y = signal + noise * spread * rng.standard_normal(m)
    names = tuple(f"x{j + 1}" for j in range(n))
    desc = (
        f"synthetic (m={m}, n={n}, noise={noise:g}, spread=10^{scale_spread:g}, "
        f"correlation={correlation:g}, seed={seed})"
    )
    return Dataset(np.ascontiguousarray(X), y, names, "y", desc, None, true_w, true_b)


HOUSING_FEATURES = ("size (sq ft)", "bedrooms", "floors", "age (years)")
HOUSING_TARGET = "price ($1000s)"


def make_housing(m: int = 100, *, seed: int = 1) -> Dataset:
    """A course-like housing table: size, bedrooms, floors, age → price in $1000s."""
    _check_int("m", m, 1)
    rng = np.random.default_rng(seed)
    size = np.round(rng.uniform(800.0, 3500.0, m))
    bedrooms = np.clip(np.round(1.0 + size / 1000.0 + rng.normal(0.0, 0.8, m)), 1, 6)
    floors = np.clip(np.round(0.6 + size / 3000.0 + rng.normal(0.0, 0.5, m)), 1, 3)
    age = np.round(rng.uniform(5.0, 95.0, m))
    X = np.column_stack([size, bedrooms, floors, age])
    true_w = np.array([0.27, -32.6, -67.3, -1.47])
    true_b = 220.0
    y = np.round(X @ true_w + true_b + rng.normal(0.0, 25.0, m), 1)
    return Dataset(
        X,
        y,
        HOUSING_FEATURES,
        HOUSING_TARGET,
        f"housing demo ({m} houses)",
        None,
        true_w,
        true_b,
    )


CURVE_FEATURES = ("speed (km/h)",)
CURVE_TARGET = "stopping distance (m)"
REACTION_TIME_S = 1.5  # a driver's reaction time, seconds
BRAKING_M_PER_S2 = 0.7 * 9.81  # deceleration on a dry road (friction 0.7 × g), m/s²


def make_curve(m: int = 80, *, seed: int = 5) -> Dataset:
    """A fixed table that a straight line cannot fit: car speed → stopping distance.

    Stopping distance = reaction distance + braking distance ``d = v·t + v²/(2a)`` (``v`` in
    m/s, reaction time ``t`` = 1.5 s, deceleration ``a`` = 0.7·g on a dry road; the physics of
    any driving-school manual), so it is quadratic in the speed. Speeds are 20–130 km/h;
    distances carry 3 % measurement noise and are rounded to 0.1 m. ``m`` rows (80 by
    default); deterministic from ``seed``. ``true_w`` holds the coefficients of speed and
    speed² (km/h units).
    """
    _check_int("m", m, 1)
    rng = np.random.default_rng(seed)
    speed = np.round(rng.uniform(20.0, 130.0, m))
    v = speed / 3.6  # km/h -> m/s
    exact = v * REACTION_TIME_S + v * v / (2.0 * BRAKING_M_PER_S2)
    distance = np.round(exact * (1.0 + 0.03 * rng.standard_normal(m)), 1)
    true_w = np.array([REACTION_TIME_S / 3.6, 1.0 / (2.0 * BRAKING_M_PER_S2 * 3.6**2)])
    return Dataset(
        speed[:, None].copy(),
        distance,
        CURVE_FEATURES,
        CURVE_TARGET,
        f"stopping-distance demo ({m} cars)",
        None,
        true_w,
        0.0,
    )


def _check_int(label: str, value: object, lo: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < lo:
        raise InputError(f"{label} must be a whole number >= {lo}, got {value!r}")
