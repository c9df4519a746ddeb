"""Checking one setting's value: converting it to the knob's type, and the words for what is
allowed, and :class:`Setting` and :func:`knob`, the declaration of one knob. Split from
:mod:`core.settings` (which re-exports these) to keep each module short; a ``spec`` is a
:class:`Setting` (only its ``kind``, ``choices``, ``low``, ``high`` and ``nullable`` are read
by the checks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from core.errors import InputError

MAX_NAMES = 100_000  # most column names a list setting (features, ignore...) holds
MAX_TEXT = 4096  # longest text value (a path, a column name) accepted from a file


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (a 5,000-digit number stays readable)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        # str() of an int over 4,300 digits raises ValueError; log10 counts them exactly
        # enough (a float's error only matters within 1e-12 of a power of ten)
        return f"a {math.floor(math.log10(abs(value))) + 1}-digit number"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check(key: str, spec: Any, value: Any, where: str) -> Any:
    value, expected = _conform(spec, value)
    if expected is not None:
        raise InputError(f"{where}: {key!r} must be {expected}, got {_short(value)}")
    return value


def _number_text(spec: Any, bound: float) -> str:
    """A range bound as written: whole numbers in full (2147483647, not 2.14748e+09)."""
    if spec.kind is int:
        return str(int(bound))
    return f"{bound:g}"


def range_text(spec: Any) -> str:
    """The allowed values of ``spec`` in words: ``between 0 and 2147483647``, ``one of a, b``,
    ``true or false``; "" when any value of its type is allowed."""
    if spec.choices is not None:
        return "one of " + ", ".join(map(str, spec.choices))
    if spec.kind is bool:
        return "true or false"
    if spec.kind is tuple:
        return "a list of column names"
    if spec.low is not None and spec.high is not None:
        return f"between {_number_text(spec, spec.low)} and {_number_text(spec, spec.high)}"
    if spec.kind is str:
        return f"text of at most {MAX_TEXT} characters"
    return ""


def _conform(spec: Any, value: Any) -> tuple[Any, str | None]:
    """``(value converted to the knob's type, None)``, or ``(value, what was expected)``."""
    if value is None:
        return value, None if spec.nullable else f"a {spec.kind.__name__}"
    if spec.kind is bool:
        return value, None if isinstance(value, bool) else "true or false"
    if spec.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                value = int(value)
            else:
                return value, "a whole number"
    elif spec.kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value, "a number"
        try:
            converted = float(value)
        except OverflowError:
            return value, "a finite number"
        if not math.isfinite(converted):
            return value, "a finite number"
        value = converted
    elif spec.kind is tuple:
        if not isinstance(value, list | tuple):
            return value, "a list of column names"
        if len(value) > MAX_NAMES or not all(
            isinstance(v, str) and 0 < len(v) <= MAX_TEXT for v in value
        ):
            return value, f"a list of at most {MAX_NAMES} non-empty names"
        value = tuple(value)
    elif spec.kind is str:
        if not isinstance(value, str):
            return value, "text"
        if len(value) > MAX_TEXT:
            return value, f"text of at most {MAX_TEXT} characters"
    if spec.choices is not None and value not in spec.choices:
        return value, range_text(spec)
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        return value, range_text(spec)
    return value, None


def _upgrade(values: dict, where: str) -> dict:
    """``values`` with the keys of earlier versions renamed (sessions and lessons saved by
    them still open): ``no_header: true`` is ``header: "no"``."""
    if "no_header" not in values:
        return values
    values = dict(values)
    old = values.pop("no_header")
    if not isinstance(old, bool):
        raise InputError(f"{where}: 'no_header' must be true or false, got {_short(old)}")
    if old and "header" not in values:
        values["header"] = "no"
    return values


@dataclass(frozen=True)
class Setting:
    """One knob: its type, default, allowed values (choices or a numeric range) and words.

    ``low``/``high`` are inclusive. ``unit`` is the unit shown after the value ("" for none);
    ``label`` is the short name a control shows; ``help`` one sentence for tooltips and
    ``--help``; ``cli`` the command-line option ("" when the CLI has none).
    """

    kind: type
    default: Any
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    nullable: bool = False
    help: str = ""
    label: str = ""
    unit: str = ""
    name: str = ""
    section: str = ""
    cli: str = ""

    def check(self, value: Any, where: str) -> Any:
        """``value`` converted to this knob's type; InputError naming ``where`` otherwise."""
        return _check(self.name, self, value, where)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed (``"must be between 0 and 2147483647, got -1"``), or
        None when it is. For callers that name the place themselves (the CLI's options)."""
        _, expected = _conform(self, value)
        return None if expected is None else f"must be {expected}, got {_short(value)}"

    def range_text(self) -> str:
        """The allowed values in words (``between 1 and 20``, ``one of cpu, gpu``)."""
        return range_text(self)


def knob(
    default: Any,
    label: str,
    *,
    kind: type | None = None,
    choices: tuple | None = None,
    low: float | None = None,
    high: float | None = None,
    nullable: bool = False,
    unit: str = "",
    help: str = "",
    cli: str | None = None,
) -> Any:
    """A dataclass field whose metadata is the :class:`Setting` that describes it."""
    meta = {
        "kind": kind or type(default),
        "choices": choices,
        "low": low,
        "high": high,
        "nullable": nullable,
        "label": label,
        "unit": unit,
        "help": help,
        "cli": cli,
    }
    return field(default=default, metadata={"setting": meta})
