"""Overfitting made visible: the degree sweep (validation curve) and the regularisation path.

- :func:`degree_sweep` fits the model at each polynomial degree (same rows in the training
  and the test set at every degree: the split depends only on the number of rows, the test
  fraction and the seed) and records the train and test RMSE: scikit-learn's
  ``model_selection.validation_curve`` with one split. The training error never rises with
  the degree (the models are nested and each is the exact least-squares fit); the test error
  falls, then rises once the model starts fitting the noise.
- :func:`regularisation_path` fits the model at each λ of a log grid (:func:`lambda_grid`)
  and records the coefficients (scaled, the standard picture, and in original units) and the
  train and test RMSE: L2 by the closed form (the stable ridge equation of the ``normal``
  solver), L1 by proximal gradient descent warm-started from the previous λ (λ from the
  largest down, as glmnet and scikit-learn's ``lasso_path`` do).

Both report ``progress(done, total)`` and ``partial(result so far)`` after each step and
check ``cancel.is_set()`` between steps: a cancelled sweep returns what it has, marked
``cancelled``. Nothing here imports Qt.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from core.builder import build_problem
from core.errors import InputError
from core.evaluation.metrics import Metrics, evaluate
from core.model.penalty import MAX_LAMBDA
from core.solvers import last, run_solver

if TYPE_CHECKING:
    from core.data.datasets import Dataset
    from core.model.problem import Problem
    from core.settings import ModelSettings
    from core.solvers import Snapshot

Progress = Callable[[int, int], None]

# Proximal gradient descent for the L1 path: the step 1/L (L = λ_max of the Hessian, so
# α = α_max/2, the ISTA step of Beck & Teboulle 2009) and at most this many iterations per λ.
L1_ITERATIONS = 20_000
L1_TOLERANCE = 1e-14  # relative change of J: coarser stops early on a curved valley
CLOSED_FORM = ("normal", "normal-textbook")
NEEDS_TEST = "a test set is needed to see overfitting: set the test fraction above 0"


class CancelFlag(Protocol):
    """Anything with ``is_set()`` (a ``threading.Event``)."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class DegreePoint:
    """One degree of a sweep: the metrics on the training and the test rows (None without a
    test set), the training cost J (with the penalty) and the solver's warnings; ``error`` is
    why the degree could not be fitted ("" when it was)."""

    degree: int
    train: Metrics | None = None
    test: Metrics | None = None
    cost: float = math.nan
    error: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DegreeSweep:
    """The validation curve: one :class:`DegreePoint` per degree done, in the order asked."""

    points: tuple[DegreePoint, ...]
    total: int
    has_test: bool
    cancelled: bool = False
    note: str = ""

    @property
    def degrees(self) -> np.ndarray:
        """The degrees done (int)."""
        return np.array([p.degree for p in self.points], dtype=int)

    @property
    def train_rmse(self) -> np.ndarray:
        """RMSE on the training rows per degree (target units; NaN where it failed)."""
        return np.array([p.train.rmse if p.train else math.nan for p in self.points], float)

    @property
    def test_rmse(self) -> np.ndarray:
        """RMSE on the test rows per degree (target units; NaN without a test set or where
        the degree failed)."""
        return np.array([p.test.rmse if p.test else math.nan for p in self.points], float)

    @property
    def best_degree(self) -> int | None:
        """The degree with the lowest test RMSE (None without a test set)."""
        return _argmin(self.degrees, self.test_rmse)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: degrees, per-degree metrics and errors, the best degree."""
        return {
            "points": [
                {
                    "degree": p.degree,
                    "train": p.train and p.train.as_dict(),
                    "test": p.test and p.test.as_dict(),
                    "cost": p.cost,
                    "error": p.error,
                }
                for p in self.points
            ],
            "best_degree": self.best_degree,
            "cancelled": self.cancelled,
            "note": self.note,
        }


@dataclass(frozen=True)
class RegularisationPath:
    """The coefficients and errors along λ (ascending). ``coef_scaled`` and ``coef`` are
    (k, p) arrays (training coordinates; original units), ``intercept`` (k,) in original
    units (NaN without an intercept); ``names`` the p coefficients' feature names;
    ``converged`` says, per λ, whether the solver met its tolerance (always for L2)."""

    kind: str
    lambdas: np.ndarray
    coef_scaled: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    train_rmse: np.ndarray
    test_rmse: np.ndarray
    names: tuple[str, ...]
    total: int
    converged: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    cancelled: bool = False
    note: str = ""

    @property
    def best_lambda(self) -> float | None:
        """The λ with the lowest test RMSE (None without a test set)."""
        return _argmin(self.lambdas, self.test_rmse)

    @property
    def coef_norm(self) -> np.ndarray:
        """‖w‖₂ of the scaled coefficients per λ (what the penalty shrinks)."""
        return np.linalg.norm(self.coef_scaled, axis=1) if self.coef_scaled.size else np.zeros(0)


def lambda_grid(lo: float, hi: float, k: int) -> np.ndarray:
    """``k`` values of λ evenly spaced on a log scale from ``lo`` to ``hi`` (both > 0, lo <
    hi ≤ MAX_LAMBDA, k ≥ 2), as ``numpy.geomspace``. Raises InputError otherwise."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 or hi <= lo:
        raise InputError(f"the λ range must satisfy 0 < from < to, got {lo:g} … {hi:g}")
    if hi > MAX_LAMBDA:
        raise InputError(f"λ must be at most {MAX_LAMBDA:g}, got {hi:g}")
    if isinstance(k, bool) or int(k) != k or k < 2:
        raise InputError(f"a λ grid needs at least 2 values, got {k!r}")
    return np.geomspace(lo, hi, int(k))


def degree_sweep(
    dataset: Dataset,
    model: ModelSettings,
    degrees: Sequence[int],
    *,
    seed: int,
    solver: str = "normal",
    progress: Progress | None = None,
    cancel: CancelFlag | None = None,
    partial: Callable[[DegreeSweep], None] | None = None,
) -> DegreeSweep:
    """Fit ``model`` at each of ``degrees`` on ``dataset`` (split with ``seed``, as
    :func:`core.builder.build_problem` does) with ``solver`` (the stable normal equation by
    default; it honours λ₂) and record train and test metrics per degree.

    A degree that cannot be built or solved (memory, too few rows, an L1 penalty with a
    closed-form solver) is recorded with its message. Without a test set only the training
    error is recorded and ``note`` says that a test set is needed to see overfitting.
    """
    if solver not in CLOSED_FORM:
        raise InputError(
            f"the degree sweep fits each degree in closed form ({' or '.join(CLOSED_FORM)}), "
            f"not with {solver!r}"
        )
    degrees = [int(d) for d in degrees]
    total = len(degrees)
    has_test = model.test_fraction > 0
    points: list[DegreePoint] = []
    cancelled = False
    for done, degree in enumerate(degrees, 1):
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        try:
            problem = build_problem(dataset, replace(model, degree=degree), seed=seed)
            snap = last(run_solver(problem, solver, cancel=cancel))
            if snap.status == "cancelled":
                cancelled = True
                break
            point = _degree_point(degree, problem, snap)
        except (InputError, MemoryError, ValueError, np.linalg.LinAlgError) as exc:
            point = DegreePoint(degree, error=str(exc) or type(exc).__name__)
        points.append(point)
        if progress is not None:
            progress(done, total)
        if partial is not None:
            partial(DegreeSweep(tuple(points), total, has_test, note=_needs(has_test, model)))
    return DegreeSweep(tuple(points), total, has_test, cancelled, _needs(has_test, model))


def regularisation_path(
    dataset: Dataset,
    model: ModelSettings,
    lambdas: Sequence[float],
    *,
    seed: int,
    kind: str = "l2",
    progress: Progress | None = None,
    cancel: CancelFlag | None = None,
    partial: Callable[[RegularisationPath], None] | None = None,
) -> RegularisationPath:
    """Fit ``model`` on ``dataset`` at each λ of ``lambdas`` (any order; reported ascending):
    ``kind="l2"`` by the closed-form ridge answer (``run_solver(problem, "normal")``),
    ``kind="l1"`` by proximal gradient descent with α = α_max/2 = 1/λ_max (at most
    :data:`L1_ITERATIONS` iterations, tolerance :data:`L1_TOLERANCE`), warm-started from
    the previous (larger) λ. The model's own λ₂, λ₁ are replaced by the path's.

    Raises InputError for an unknown ``kind``, a λ outside [0, MAX_LAMBDA] or a model that
    cannot be built (the same at every λ: the design does not depend on λ).
    """
    if kind not in ("l2", "l1"):
        raise InputError(f"the penalty must be 'l2' (ridge) or 'l1' (lasso), got {kind!r}")
    grid = np.sort(np.asarray(lambdas, np.float64))
    if grid.size == 0 or not np.all(np.isfinite(grid)) or grid[0] < 0 or grid[-1] > MAX_LAMBDA:
        raise InputError(f"each λ must be between 0 and {MAX_LAMBDA:g}")
    order = grid[::-1] if kind == "l1" else grid  # the lasso path starts where w = 0
    total = len(order)
    rows: dict[float, tuple[Any, ...]] = {}
    names: tuple[str, ...] = ()
    w0: Any = None
    b0: float | None = None
    cancelled = False
    for done, lam in enumerate(order, 1):
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        settings = replace(model, l2=float(lam) if kind == "l2" else 0.0)
        settings = replace(settings, l1=float(lam) if kind == "l1" else 0.0)
        problem = build_problem(dataset, settings, seed=seed)
        names = tuple(problem.feature_names)
        if kind == "l2":
            snap = last(run_solver(problem, "normal", cancel=cancel))
        else:
            snap = last(
                run_solver(
                    problem,
                    "gd",
                    alpha=problem.alpha_max / 2,
                    iterations=L1_ITERATIONS,
                    tolerance=L1_TOLERANCE,
                    report_every=L1_ITERATIONS,
                    w0=w0,
                    b0=b0,
                    cancel=cancel,
                )
            )
        if snap.status == "cancelled":
            cancelled = True
            break
        w0, b0 = snap.w, snap.b
        ev = evaluate(problem, snap.w_scaled, snap.b_scaled)
        rows[float(lam)] = (
            np.asarray(snap.w_scaled, np.float64),
            np.asarray(snap.w, np.float64),
            math.nan if snap.b is None else float(snap.b),
            ev.train.rmse,
            ev.test.rmse if ev.test is not None else math.nan,
            snap.converged,
        )
        if progress is not None:
            progress(done, total)
        if partial is not None:
            partial(_path(kind, rows, names, total, False, model.test_fraction > 0))
    return _path(kind, rows, names, total, cancelled, model.test_fraction > 0)


def _needs(has_test: bool, model: ModelSettings | None = None) -> str:
    """The degree sweep's note: a test set is needed; the model's penalty at every degree."""
    notes = [] if has_test else [NEEDS_TEST]
    if model is not None and (model.l2 or model.l1):
        words = ", ".join(
            f"{name} λ = {value:g}" for name, value in (("L2", model.l2), ("L1", model.l1)) if value
        )
        notes.append(f"every degree fitted with the model's penalty ({words})")
    return "; ".join(notes) + ("." if notes else "")


def _degree_point(degree: int, problem: Problem, snap: Snapshot) -> DegreePoint:
    if not snap.usable:
        return DegreePoint(degree, error=snap.message or "the fit is not finite")
    ev = evaluate(problem, snap.w_scaled, snap.b_scaled)
    return DegreePoint(degree, ev.train, ev.test, float(snap.cost), "", tuple(snap.warnings))


def _path(
    kind: str,
    rows: dict[float, tuple[Any, ...]],
    names: tuple[str, ...],
    total: int,
    cancelled: bool,
    has_test: bool,
) -> RegularisationPath:
    lams = np.array(sorted(rows), np.float64)
    ordered = [rows[lam] for lam in lams]
    p = len(names)

    def column(i: int) -> np.ndarray:
        return np.array([r[i] for r in ordered], np.float64)

    coef_scaled = np.array([r[0] for r in ordered]).reshape(len(ordered), p)
    coef = np.array([r[1] for r in ordered]).reshape(len(ordered), p)
    notes = [] if has_test else [NEEDS_TEST]
    converged = np.array([bool(r[5]) for r in ordered], bool)
    if kind == "l1":
        notes.append(
            "L1 by proximal gradient descent, α = α_max/2 = 1/λ_max, warm-started from the "
            f"previous λ, at most {L1_ITERATIONS:,} iterations per λ"
        )
        if not converged.all():
            notes.append(f"{int((~converged).sum())} λ did not reach the tolerance")
    return RegularisationPath(
        kind,
        lams,
        coef_scaled,
        coef,
        column(2),
        column(3),
        column(4),
        names,
        total,
        converged,
        cancelled,
        "; ".join(notes) + ("." if notes else ""),
    )


def _argmin(x: np.ndarray, values: np.ndarray) -> Any:
    if values.size == 0 or not np.isfinite(values).any():
        return None
    best = x[int(np.nanargmin(values))]
    return best.item() if hasattr(best, "item") else best
