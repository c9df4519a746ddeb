"""Turning a table's chosen columns into numbers: missing values (refuse, drop, fill) and
one-hot encoding of categorical columns.

:mod:`core.data.roles` decides what each column is; this module does the arithmetic and words
what it did. pandas is only touched through the :class:`~core.data.table.Table`'s frame, and
imported inside functions, so importing this module stays cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import InputError

if TYPE_CHECKING:
    from core.data.table import Table

#: most levels a categorical column may have (one feature per level)
MAX_LEVELS = 100
#: a text column with at most this many distinct values is suggested as categorical
FEW_LEVELS = 20
#: most file lines listed in a note
SHOWN_LINES = 10

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = {"none": "", "space": " ", "auto": ""}


def reads_as_number(cell: Any, decimal: str = ".", thousands: str = "none") -> bool:
    """Whether a text cell is a number written with the file's decimal mark and thousands
    separator (``decided`` values of the table; ``"1 234,5"`` with ``,`` and ``space``)."""
    text = str(cell).strip()
    sep = _THOUSANDS.get(thousands, thousands)
    if sep:
        text = text.replace(sep, "").replace("\u00a0", "")
    if decimal == ",":  # a point left (not a thousands separator) is not this file's mark
        text = text.replace(".", "#").replace(",", ".")
    return _NUMBER.fullmatch(text) is not None


def _present(table: Table, name: str) -> Any:
    """The column's present cells (a pandas Series indexed by 0-based row)."""
    series = table.frame[name]
    return series[series.notna()]


def _marks(table: Table) -> tuple[str, str]:
    decimal = table.decided.get("decimal") or "."
    thousands = table.decided.get("thousands") or "none"
    return decimal, thousands


def _number_mask(table: Table, name: str) -> tuple[Any, np.ndarray]:
    """The column's present cells and, for each, whether it reads as a number (vectorised:
    a text column may have millions of cells)."""
    present = _present(table, name)
    decimal, thousands = _marks(table)
    text = present.astype("string").str.strip()
    sep = _THOUSANDS.get(thousands, thousands)
    if sep:
        text = text.str.replace(sep, "", regex=False).str.replace("\u00a0", "", regex=False)
    if decimal == ",":
        text = text.str.replace(".", "#", regex=False).str.replace(",", ".", regex=False)
    mask = text.str.fullmatch(_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
    return present, mask


def first_non_number(table: Table, name: str) -> tuple[int, str] | None:
    """The first present cell of column ``name`` that is not a number: (0-based row, text)."""
    present, mask = _number_mask(table, name)
    if mask.all():
        return None
    k = int(np.argmin(mask))
    return int(present.index[k]), str(present.iloc[k])


def mostly_numbers(table: Table, name: str) -> bool:
    """Whether at least half of a text column's present cells are numbers (a typo in a
    numeric column rather than a column of words)."""
    _, mask = _number_mask(table, name)
    return mask.size > 0 and 2 * int(mask.sum()) >= mask.size


def lines_text(table: Table, rows: list[int]) -> str:
    """``"rows 5, 9 and 12"``: the file rows (lines a text editor shows) of 0-based table
    rows, the first :data:`SHOWN_LINES` of them, then ``"... (40 in all)"``."""
    shown = [str(table.line_of(r)) for r in rows[:SHOWN_LINES]]
    word = "row"
    if len(rows) == 1:
        return f"{word} {shown[0]}"
    if len(rows) > SHOWN_LINES:
        return f"{word}s {', '.join(shown)}, ... ({len(rows):,} in all)"
    return f"{word}s {', '.join(shown[:-1])} and {shown[-1]}"


@dataclass
class Cleaned:
    """What :func:`handle_missing` did: ``keep`` (bool per table row), ``dropped`` (0-based
    rows left out), ``filled`` ({column: cells filled}), ``values`` ({column: the fill value,
    a float or a level}), ``notes``, ``masks`` ({column: the cells filled})."""

    keep: np.ndarray
    dropped: list[int] = field(default_factory=list)
    filled: dict[str, int] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: {column: bool per table row}, the cells filled (so a split can fill them again from
    #: its training rows only)
    masks: dict[str, np.ndarray] = field(default_factory=dict)


def handle_missing(
    table: Table, target: str, used: list[str], categorical: set[str], policy: str
) -> Cleaned:
    """Apply the missing-value ``policy`` (refuse | drop | mean) to the ``used`` columns
    (target, features, categorical ones; ignored columns never drop a row).

    refuse: InputError with per-column counts and each column's first row. drop: rows
    with a missing cell among ``used`` are left out. mean: rows without a target are left out
    (a target is never made up), then numeric cells are filled with the column mean and
    categorical ones with the most frequent level, both over the rows kept.
    """
    frame = table.frame
    m = table.rows
    # the reader counted each column's missing cells: only those with some are looked at
    # (a 100,000 × 1,000 table without a hole costs nothing here)
    counted = {c.name: c.missing for c in table.columns}
    used = [name for name in used if counted.get(name, 1)]
    if not used:
        return Cleaned(keep=np.ones(m, dtype=bool))
    holes = frame[used].isna().to_numpy()  # one pass over the columns with holes (m × k)
    per_column = holes.sum(axis=0)
    if not per_column.any():
        return Cleaned(keep=np.ones(m, dtype=bool))
    na = {name: holes[:, k] for k, name in enumerate(used) if per_column[k]}
    counts = {name: int(per_column[k]) for k, name in enumerate(used) if per_column[k]}
    if policy == "refuse":
        parts = []
        for name, count in counts.items():
            first = table.line_of(int(np.argmax(na[name])))
            where = f"first in row {first}" if count > 1 else f"row {first}"
            parts.append(f"{name!r} {count:,} ({where})")
        many = f"{len(counts)} columns" if len(counts) > 1 else "1 column"
        choices = (
            "--missing drop"
            if target in counts and len(counts) == 1
            else ("--missing drop or --missing mean")
        )
        raise InputError(
            f"missing values in {many}: {', '.join(parts)}; choose {choices} "
            "(or leave the column out with --ignore)",
            path=table.path,
        )
    if policy == "drop":
        incomplete = holes.any(axis=1)
        out = Cleaned(keep=~incomplete)
        out.dropped = [int(r) for r in np.flatnonzero(incomplete)]
        out.notes.append(
            f"left out {_rows(len(out.dropped))} with missing values "
            f"({lines_text(table, out.dropped)})"
        )
        return out
    if policy != "mean":
        raise InputError(f"unknown missing-value choice {policy!r}; choose refuse, drop or mean")
    out = Cleaned(keep=~na[target] if target in na else np.ones(m, dtype=bool))
    if not out.keep.all():
        out.dropped = [int(r) for r in np.flatnonzero(~out.keep)]
        out.notes.append(
            f"left out {_rows(len(out.dropped))} without a target value "
            f"({lines_text(table, out.dropped)}): a target is never filled in"
        )
    for name in na:
        if name == target or not (na[name] & out.keep).any():
            continue
        kept = frame[name][out.keep & ~na[name]]
        if kept.empty:
            raise InputError(
                "has no value in the rows kept, so there is nothing to fill it from; "
                f"leave it out with --ignore {name}",
                path=table.path,
                column=table.column(name).position,
                column_name=name,
            )
        count = int((na[name] & out.keep).sum())
        out.filled[name] = count
        if name in categorical:
            value: Any = most_frequent(kept)
            out.notes.append(
                f"filled {_cells(count)} of {name!r} with its most frequent level {value!r}"
            )
        else:
            value = float(kept.astype("float64").mean())
            out.notes.append(f"filled {_cells(count)} of {name!r} with its mean {value:.6g}")
        out.values[name] = value
        out.masks[name] = na[name] & out.keep
    return out


def most_frequent(series: Any) -> Any:
    """The most frequent value of ``series`` (ties: the first in sorted order)."""
    counts = series.value_counts()
    top = counts[counts == counts.max()].index
    return sorted(top, key=_level_key)[0]


def _level_key(value: Any) -> tuple[int, Any]:
    return (0, float(value)) if isinstance(value, int | float | np.number) else (1, str(value))


def level_text(value: Any) -> str:
    """A level as shown in a feature name: ``98101`` (not 98101.0), ``1.5``, ``southwest``."""
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else format(float(value), ".15g")
    return str(value)


def one_hot(table: Table, name: str, values: Any) -> tuple[np.ndarray, list[str]]:
    """The 0/1 columns (m × levels, float64) of categorical column ``name`` whose cells (the
    rows kept, missing ones already filled) are ``values``; levels in sorted order (numbers
    numerically, text alphabetically). Raises InputError beyond :data:`MAX_LEVELS` levels."""
    levels = sorted(set(values), key=_level_key)
    if len(levels) > MAX_LEVELS:
        raise InputError(
            f"has {len(levels):,} distinct values; one-hot encoding makes one feature per "
            f"value (at most {MAX_LEVELS}): leave it out with --ignore {name}",
            path=table.path,
            column=table.column(name).position,
            column_name=name,
        )
    index = {level: k for k, level in enumerate(levels)}
    codes = np.fromiter((index[v] for v in values), dtype=np.intp, count=len(values))
    columns = np.zeros((len(values), len(levels)))
    columns[np.arange(len(values)), codes] = 1.0
    return columns, [level_text(v) for v in levels]


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _cells(n: int) -> str:
    return f"{n:,} missing cell" if n == 1 else f"{n:,} missing cells"
