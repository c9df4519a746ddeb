"""Is the model any good: errors in the target's units on the training and the test rows.

The metrics are scikit-learn's definitions (``sklearn.metrics``: ``mean_squared_error``,
``mean_absolute_error``, ``r2_score``; user guide §3.4.6 "Regression metrics"):

- MSE = (1/k)·Σ(ŷ − y)², RMSE = √MSE, MAE = (1/k)·Σ|ŷ − y|, all in the target's units
  (squared for MSE);
- R² = 1 − Σ(ŷ − y)²/Σ(y − ȳ)² (1 for a perfect fit of constant targets, else 0 when the
  targets are constant, as scikit-learn's ``force_finite``; NaN for a single row, where it
  is not defined);
- the cost J = MSE/2 on the rows judged (the course's 1/(2k)·Σe², no penalty).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.backend import to_host

if TYPE_CHECKING:
    from core.model.problem import Problem


@dataclass(frozen=True)
class Metrics:
    """The errors of predictions on ``rows`` rows (target units; R² has none)."""

    rows: int
    cost: float
    mse: float
    rmse: float
    mae: float
    r2: float

    def as_dict(self) -> dict[str, float | int]:
        """JSON-ready: ``{"rows", "cost", "mse", "rmse", "mae", "r2"}``."""
        return asdict(self)


def regression_metrics(y: np.ndarray, y_hat: np.ndarray) -> Metrics:
    """:class:`Metrics` of predictions ``y_hat`` for targets ``y`` (both k values, k ≥ 1)."""
    y = np.asarray(y, np.float64)
    e = np.asarray(y_hat, np.float64) - y
    k = int(y.size)
    sse = float(e @ e)
    mse = sse / k
    d = y - y.mean()
    sst = float(d @ d)
    if k < 2:
        r2 = math.nan  # not defined for one row (scikit-learn: nan, with a warning)
    elif sst > 0:
        r2 = 1.0 - sse / sst
    else:
        r2 = 1.0 if sse == 0 else 0.0
    return Metrics(k, mse / 2, mse, math.sqrt(mse), float(np.abs(e).sum()) / k, r2)


@dataclass(frozen=True)
class Evaluation:
    """The metrics of one model on the training rows and, with a split, the test rows."""

    train: Metrics
    test: Metrics | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"train": {...}, "test": {...} or None}``."""
        return {"train": self.train.as_dict(), "test": self.test and self.test.as_dict()}


def train_predictions(problem: Problem, w_s: Any, b_s: float | None) -> np.ndarray:
    """ŷ on the training rows (host, float64) for training coordinates ``w_s``, ``b_s``."""
    X = np.asarray(problem.scaler.transform(problem.design.X), np.float64)
    y_hat = X @ np.asarray(to_host(w_s), np.float64)
    return y_hat + (float(b_s) if problem.intercept and b_s is not None else 0.0)


def test_predictions(problem: Problem, w_s: Any, b_s: float | None) -> np.ndarray | None:
    """ŷ on the held-out rows (host, float64); None without a test set."""
    if problem.test is None:
        return None
    y_hat = problem.test.X_scaled @ np.asarray(to_host(w_s), np.float64)
    return y_hat + (float(b_s) if problem.intercept and b_s is not None else 0.0)


def evaluate(problem: Problem, w_s: Any, b_s: float | None) -> Evaluation:
    """The metrics of the model ``w_s``, ``b_s`` (training coordinates) on ``problem``'s
    training rows and, when it has a split, its test rows."""
    train = regression_metrics(problem.dataset.y, train_predictions(problem, w_s, b_s))
    test_hat = test_predictions(problem, w_s, b_s)
    test = None
    if test_hat is not None and problem.test is not None:
        test = regression_metrics(problem.test.y, test_hat)
    return Evaluation(train, test)


def target_unit(target_name: str) -> str:
    """The unit in a target's name, ``"$1000s"`` for ``"price ($1000s)"`` ("" if none)."""
    found = re.search(r"\(([^()]*)\)\s*$", target_name)
    return found.group(1).strip() if found else ""


def reading(evaluation: Evaluation, target_name: str) -> str:
    """One line that says what the errors mean in the target's units, e.g. "typical error
    about ±28.3 ($1000s) on 20 unseen rows (RMSE); R² = 0.91"."""
    unit = target_unit(target_name)
    units = f" ({unit})" if unit else f" (units of {target_name})"
    part, where = (
        (evaluation.test, f"on {_rows(evaluation.test.rows)} (the test set)")
        if evaluation.test is not None
        else (
            evaluation.train,
            f"on the {evaluation.train.rows:,} training rows (no test set: not a measure "
            "of the error on unseen data)",
        )
    )
    return (
        f"typical error about ±{part.rmse:.3g}{units} {where} (RMSE); "
        f"mean absolute error {part.mae:.3g}; R² = {_r2(part.r2)}"
    )


def _r2(r2: float) -> str:
    """R² to 3 decimals, or 3 significant digits when a poor model makes it hugely negative;
    "not defined (one row)" for NaN."""
    if math.isnan(r2):
        return "not defined (one row)"
    return f"{r2:.3f}" if abs(r2) < 1000 else f"{r2:.3g}"


def _rows(k: int) -> str:
    return "1 unseen row" if k == 1 else f"{k:,} unseen rows"
