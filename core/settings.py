"""The app's settings as one flat, validated dictionary: what lessons set and sessions save.

Every control of the window has one key here, with its type, default and allowed values, so
a lesson or session file written by hand or by an older version is checked in one place and
every mistake is reported by key name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.errors import InputError
from core.scaling import SCALINGS
from core.solvers import SOLVERS


@dataclass(frozen=True)
class Setting:
    """One key: its type, default, and allowed values (choices or a numeric range)."""

    kind: type
    default: Any
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    nullable: bool = False
    help: str = ""


SCHEMA: dict[str, Setting] = {
    # data
    "source": Setting(str, "housing", ("housing", "synthetic", "csv"), help="data source"),
    "m": Setting(int, 200, low=1, high=10**8, help="synthetic: examples"),
    "n": Setting(int, 2, low=1, high=10**5, help="synthetic: features"),
    "noise": Setting(float, 0.1, low=0, high=1e6, help="synthetic: noise / signal"),
    "scale_spread": Setting(float, 0.0, low=0, high=12, help="synthetic: 10^k magnitude spread"),
    "correlation": Setting(float, 0.0, low=0, high=0.999, help="synthetic: correlation"),
    "seed": Setting(int, 0, low=0, high=2**32 - 1, help="random seed"),
    "csv_path": Setting(str, "", help="CSV file"),
    "target": Setting(str, None, nullable=True, help="CSV target column (name or index)"),
    "no_header": Setting(bool, False, help="CSV: first row is data"),
    # model
    "degree": Setting(int, 1, low=1, high=20, help="polynomial degree"),
    "intercept": Setting(bool, True, help="fit an intercept b"),
    "scaling": Setting(str, "zscore", SCALINGS, help="feature scaling"),
    # algorithm
    "solver": Setting(str, "gd", SOLVERS, help="algorithm"),
    "alpha": Setting(float, 0.1, low=1e-300, high=1e300, help="learning rate α"),
    "alpha_factor": Setting(float, None, low=1e-6, high=1e6, nullable=True,
                            help="α as a multiple of α_max (overrides alpha when set)"),
    "iterations": Setting(int, 1000, low=0, high=10**9, help="iterations"),
    "tolerance": Setting(float, 1e-9, low=0, high=1, help="stopping tolerance (0: off)"),
    "device": Setting(str, "cpu", ("cpu", "gpu"), help="device"),
    # view
    "contour_x": Setting(str, None, nullable=True, help="contour x-axis parameter name"),
    "contour_y": Setting(str, None, nullable=True, help="contour y-axis parameter name"),
    "equal_axes": Setting(bool, False, help="contour with equal axes"),
    "tab": Setting(str, "explore", ("explore", "timing"), help="which tab to show"),
}


def defaults() -> dict[str, Any]:
    """Every setting at its default."""
    return {key: s.default for key, s in SCHEMA.items()}


def validate(values: dict, where: str, *, partial: bool = False) -> dict[str, Any]:
    """Check ``values`` against :data:`SCHEMA`; return them (complete unless ``partial``).

    ``where`` names the file or part being read, for messages such as
    ``lesson.json: settings: 'alpha' must be a number > 0, got 'fast'``.
    """
    if not isinstance(values, dict):
        raise InputError(f"{where}: settings must be an object of key: value pairs")
    out = {} if partial else defaults()
    for key, value in values.items():
        spec = SCHEMA.get(key)
        if spec is None:
            close = [k for k in SCHEMA if k.lower() == str(key).lower()]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"{where}: unknown setting {key!r}{hint}")
        out[key] = _check(key, spec, value, where)
    return out


def _check(key: str, spec: Setting, value: Any, where: str) -> Any:
    def bad(expected: str) -> InputError:
        return InputError(f"{where}: setting {key!r} must be {expected}, got {value!r}")

    if value is None:
        if spec.nullable:
            return None
        raise bad(f"a {spec.kind.__name__}")
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if spec.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
    elif spec.kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        value = float(value)
        if not math.isfinite(value):
            raise bad("a finite number")
    elif spec.kind is str:
        if not isinstance(value, str):
            raise bad("text")
    if spec.choices is not None and value not in spec.choices:
        raise bad("one of " + ", ".join(map(str, spec.choices)))
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise bad(f"between {spec.low:g} and {spec.high:g}")
    return value
