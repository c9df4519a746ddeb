"""Predicting new examples: ŷ for feature values typed in their original units.

A :class:`Predictor` is everything a trained model needs to predict without the data it was
trained on: the raw features (one field per numeric column, one per categorical column, whose
value is a level), how the design expands them (polynomial degree, one-hot levels), and the
coefficients in original units. It is saved in a run's JSON report (``"model"``) and in
sessions, so ``gd-explorer predict --model RUN.json --x 1200,3,1,40`` needs only that file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import InputError
from core.model.features import polynomial_features

if TYPE_CHECKING:
    from core.model.problem import Problem

FORMAT = "gd-explorer model"


@dataclass(frozen=True)
class Field:
    """One value a user types: a numeric feature (``levels`` empty, with the training
    rows' ``low``..``high``) or a categorical column (one of ``levels``)."""

    name: str
    levels: tuple[str, ...] = ()
    low: float = math.nan
    high: float = math.nan


@dataclass(frozen=True, eq=False)
class Predictor:
    """A trained linear model on expanded features (module docstring).

    ``raw_names``/``indicators``: the dataset's feature columns (a one-hot column names the
    categorical column it encodes); ``kept``: those the design uses; ``w`` (one per design
    column, original units) and ``b`` (None without an intercept).
    """

    raw_names: tuple[str, ...]
    indicators: tuple[str | None, ...]
    kept: tuple[int, ...]
    degree: int
    w: np.ndarray
    b: float | None
    target: str
    ranges: tuple[tuple[float, float], ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        """The values to type, in order: numeric features and categorical columns."""
        out: list[Field] = []
        seen: set[str] = set()
        for j, (name, ind) in enumerate(zip(self.raw_names, self.indicators, strict=True)):
            if ind is None:
                out.append(Field(name, (), *self.ranges[j]))
            elif ind not in seen:
                seen.add(ind)
                levels = tuple(
                    nm[len(ind) + 1 :]
                    for nm, other in zip(self.raw_names, self.indicators, strict=True)
                    if other == ind
                )
                out.append(Field(ind, levels))
        return tuple(out)

    def raw_row(self, values: Sequence[Any]) -> np.ndarray:
        """The dataset-column row (one-hot columns filled in) for one value per field: a
        number for a numeric feature, a level's name for a categorical column. Raises
        InputError naming the field for a wrong count, a non-number or an unknown level."""
        fields = self.fields
        if len(values) != len(fields):
            names = ", ".join(f.name for f in fields)
            raise InputError(
                f"the model expects {len(fields)} value{'s' * (len(fields) != 1)} ({names}), "
                f"got {len(values)}"
            )
        row = np.zeros(len(self.raw_names))
        for f, value in zip(fields, values, strict=True):
            text = str(value).strip()
            if f.levels:
                if text not in f.levels:
                    raise InputError(
                        f"{f.name}: {text!r} is not one of its levels ({', '.join(f.levels)})"
                    )
                row[self.raw_names.index(f"{f.name}={text}")] = 1.0
                continue
            try:
                if "_" in text:  # Python's float() reads 1_200; a user means something else
                    raise ValueError(text)
                number = float(value) if isinstance(value, int | float) else float(text)
            except ValueError:
                raise InputError(f"{f.name}: {text!r} is not a number") from None
            if not math.isfinite(number):
                raise InputError(f"{f.name}: {text!r} is not a finite number")
            row[self.raw_names.index(f.name)] = number
        return row

    def extrapolation(self, row: np.ndarray) -> list[str]:
        """Warnings for the numeric values outside the training rows' range."""
        out = []
        for j, (name, ind) in enumerate(zip(self.raw_names, self.indicators, strict=True)):
            low, high = self.ranges[j]
            if ind is None and not low <= row[j] <= high:
                out.append(
                    f"{name} = {row[j]:g} is outside the training rows' range {low:g} to "
                    f"{high:g}: the prediction extrapolates"
                )
        return out

    def design(self, X_raw: np.ndarray) -> np.ndarray:
        """The expanded design (k × p, original units) of raw rows ``X_raw`` (k × columns).

        Raises InputError when a power of a value entered overflows float64."""
        X_raw = np.atleast_2d(np.asarray(X_raw, np.float64))
        keep = list(self.kept)
        names = tuple(self.raw_names[j] for j in keep)
        inds = tuple(self.indicators[j] for j in keep)
        try:
            return polynomial_features(X_raw[:, keep], names, self.degree, indicators=inds).X
        except InputError as exc:
            name = getattr(exc, "column_name", None) or "a value"
            raise InputError(
                f"{name}: the value entered is too large for this degree-{self.degree} model "
                "(its powers overflow float64)"
            ) from None

    def predict(self, X_raw: np.ndarray) -> np.ndarray:
        """ŷ (k values, the target's units) for raw rows ``X_raw`` (k × columns).

        Raises InputError when ŷ is not a finite number (values too large for the model)."""
        with np.errstate(over="ignore", invalid="ignore"):
            y_hat = self.design(X_raw) @ self.w + (self.b or 0.0)
        if not np.all(np.isfinite(y_hat)):
            raise InputError(
                "the prediction is not a finite number: the values entered are too large for "
                "this model (ŷ overflows float64)"
            )
        return np.asarray(y_hat)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; :meth:`from_dict` reads it back."""
        return {
            "format": FORMAT,
            "features": list(self.raw_names),
            "indicators": list(self.indicators),
            "kept": list(self.kept),
            "degree": self.degree,
            "coefficients": [float(v) for v in self.w],
            "intercept": self.b,
            "target": self.target,
            "ranges": [list(r) for r in self.ranges],
        }

    @classmethod
    def from_dict(cls, d: Any, where: str = "model") -> Predictor:
        """The predictor a :meth:`to_dict` object describes; InputError naming ``where`` and
        the key for anything missing or inconsistent."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise InputError(f'{where}: not a saved model (no "format": "{FORMAT}")')
        try:
            raw = tuple(str(v) for v in d["features"])
            inds = tuple(None if v is None else str(v) for v in d["indicators"])
            kept = tuple(int(v) for v in d["kept"])
            degree = int(d["degree"])
            numbers = [*d["coefficients"], *([] if d["intercept"] is None else [d["intercept"]])]
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
                raise TypeError("coefficients")  # "1" is text, not a number
            w = np.asarray(d["coefficients"], np.float64)
            b = None if d["intercept"] is None else float(d["intercept"])
            ranges = tuple((float(lo), float(hi)) for lo, hi in d["ranges"])
            target = str(d["target"])
        except KeyError as exc:
            raise InputError(f"{where}: the saved model has no {exc.args[0]!r} entry") from None
        except (TypeError, ValueError):
            keys = "features, indicators, kept, degree, coefficients, intercept, ranges, target"
            raise InputError(
                f"{where}: a saved model's entry has the wrong type (expected: {keys})"
            ) from None
        if not (np.all(np.isfinite(w)) and (b is None or np.isfinite(b))):
            raise InputError(f"{where}: the model's coefficients are not all finite numbers")
        predictor = cls(raw, inds, kept, degree, w, b, target, ranges)
        if len(inds) != len(raw) or len(ranges) != len(raw) or any(k >= len(raw) for k in kept):
            raise InputError(f"{where}: the model's feature lists disagree in length")
        width = predictor.design(np.zeros((1, len(raw)))).shape[1]
        if width != w.size:
            raise InputError(f"{where}: {w.size} coefficients for a design of {width} columns")
        return predictor


def predictor_for(problem: Problem, w: np.ndarray, b: float | None) -> Predictor:
    """The predictor of coefficients ``w``, ``b`` (original units) trained on ``problem``."""
    ds = problem.source
    inds = tuple(ds.indicators) or (None,) * ds.n
    train = problem.dataset.X
    ranges = tuple(
        (float(train[:, j].min()), float(train[:, j].max())) for j in range(train.shape[1])
    )
    return Predictor(
        tuple(ds.feature_names),
        inds,
        problem.kept_columns,
        problem.design.degree,
        np.array(w, np.float64),
        None if b is None else float(b),
        ds.target_name,
        ranges,
    )
