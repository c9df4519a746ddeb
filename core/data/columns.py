"""From the frame pandas read to the columns of a :class:`~core.data.table.Table`.

Shared by delimited text and Excel: header names made unique, trailing empty columns and
empty rows dropped, each column's kind (number, text, empty), its missing cells, the first
non-number cell of a mostly-numeric column, and a leading index column (0..m−1 or 1..m).
Everything is vectorised over columns; no Python loop over rows.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.data.formats import THOUSANDS_CHARS, number_pattern
from core.data.sniff import MISSING_MARKERS
from core.data.table_types import Column
from core.errors import InputError

# Header names a leading column of row numbers goes by (compared lower-case, stripped).
INDEX_NAMES = frozenset(
    {"", "index", "idx", "id", "#", "no", "no.", "nr", "nr.", "n", "row", "rows", "rownames",
     "row_id", "rowid", "row id", "unnamed: 0", "obs", "number"}
)  # fmt: skip
_LINE_BREAK = re.compile(r"\s*\n\s*")


def header_names(cells: Sequence[str], notes: list[str]) -> tuple[list[str], set[int]]:
    """Unique column names from the header cells (``x{k}`` for an empty one, ``a_2`` for a
    second ``a``), and the 0-based positions that had no name. A note lists the renamed
    duplicates (the caller notes the empty names it keeps)."""
    names: list[str] = []
    unnamed: set[int] = set()
    for k, cell in enumerate(cells):
        name = _LINE_BREAK.sub(" ", str(cell).strip())
        if not name or name.lower().startswith("unnamed: "):
            name = f"x{k + 1}"
            unnamed.add(k)
        names.append(name)
    seen = set(names)
    counts: Counter[str] = Counter()
    renamed: list[str] = []
    for k, name in enumerate(names):
        counts[name] += 1
        if counts[name] == 1:
            continue
        i = counts[name]
        while f"{name}_{i}" in seen:
            i += 1
        new = f"{name}_{i}"
        seen.add(new)
        renamed.append(f"{name!r} (column {k + 1}) -> {new!r}")
        names[k] = new
    if renamed:
        shown = ", ".join(renamed[:10]) + (", ..." if len(renamed) > 10 else "")
        notes.append(f"duplicate column names renamed: {shown}")
    return names, unnamed


@dataclass
class Shaped:
    """The frame after :func:`finish`, its columns and notes; ``kept``: the original row
    index of each row when empty rows were dropped (None: none dropped)."""

    frame: Any
    columns: tuple[Column, ...]
    notes: list[str] = field(default_factory=list)
    kept: np.ndarray | None = None


def drop_empty(frame: Any, unnamed: set[int], notes: list[str], what: str) -> tuple[Any, Any]:
    """Drop trailing unnamed all-empty columns and all-empty rows; return (frame, kept)."""
    ncols = frame.shape[1]
    keep = ncols
    while keep > 1 and (keep - 1) in unnamed and frame.iloc[:, keep - 1].isna().all():
        keep -= 1
    if keep < ncols:
        frame = frame.iloc[:, :keep]
        notes.append(
            f"dropped {ncols - keep} empty column{'s' * (ncols - keep > 1)} without a name at "
            f"the end of each {what}"
        )
    kept = None
    last = frame.iloc[:, -1].isna().to_numpy()
    if last.any():
        empty = np.zeros(len(frame), dtype=bool)
        empty[last] = frame[last].isna().all(axis=1).to_numpy()
        if empty.any():
            kept = np.flatnonzero(~empty)
            frame = frame.iloc[kept].reset_index(drop=True)
            n = int(empty.sum())
            notes.append(f"dropped {n} empty {what}{'s' * (n > 1)} (no value in any column)")
    return frame, kept


NO_BREAK_SPACES = "[\u00a0\u202f]"


def finish(
    frame: Any,
    unnamed: set[int],
    decimal: str,
    thousands: str,
    path: str,
    line_of: Callable[[int], int],
    cell_text: Callable[[int, int], str],
    notes: list[str] | None = None,
    mixed_marks: bool = False,
) -> tuple[Any, tuple[Column, ...]]:
    """Type every column of ``frame`` (names already set) and describe it.

    Number columns become float64; text columns stripped strings; a text column whose every
    present cell is a number in this format (a number pandas did not convert) becomes a
    number column. With ``mixed_marks`` (a ';', tab... file), a text column written wholly
    with the other decimal mark, and clearly so, is read with it and ``notes`` say so. Raises
    InputError naming row (``line_of``), column and cell (``cell_text(row, column)``) for an
    infinite number.
    """
    import pandas as pd

    notes = [] if notes is None else notes
    number_re = number_pattern(decimal, thousands)
    changes: dict[str, Any] = {}
    cols: list[Column] = []
    all_finite = _all_finite(frame)
    for j, name in enumerate(frame.columns):
        if all_finite is not None and all_finite[j]:  # the common case, all columns at once
            cols.append(Column(name, j + 1, "number"))
            continue
        s = frame.iloc[:, j]
        kind, bad_row, bad_cell, levels, missing = "number", None, "", 0, 0
        if s.dtype == bool:
            s = s.map({True: "True", False: "False"}).astype("str")
            changes[name] = s
        if pd.api.types.is_numeric_dtype(s.dtype):
            values = s.to_numpy(dtype=np.float64, na_value=np.nan)
            if s.dtype != np.float64:
                changes[name] = pd.Series(values, index=frame.index, name=name)
        else:
            text = s.astype("str").str.strip()
            if thousands == "space":  # French spreadsheets group with a (narrow) no-break space
                text = text.str.replace(NO_BREAK_SPACES, " ", regex=True)
            text = text.mask(text.isin(MISSING_MARKERS))  # ' NA', ' ' (spaces around cells)
            present = text.notna().to_numpy()
            missing = len(present) - int(present.sum())
            ok = text.str.fullmatch(number_re).fillna(False).to_numpy(dtype=bool)
            n_present, n_ok = int(present.sum()), int(ok.sum())
            other = _other_mark(text, present, decimal, thousands, mixed_marks)
            if n_present and n_ok == n_present:
                values = _to_numbers(text, decimal, thousands)
                changes[name] = pd.Series(values, index=frame.index, name=name)
            elif n_present and other is not None:
                values = _to_numbers(text, other, "none")
                changes[name] = pd.Series(values, index=frame.index, name=name)
                notes.append(
                    f"the file mixes decimal marks: column {name!r} writes {other!r} as the "
                    f"decimal mark, the file {decimal!r}; both were read as the decimal mark"
                )
            else:
                kind, values = "text", None
                changes[name] = text
                levels = int(text.nunique())
                if n_ok and 2 * n_ok >= n_present:
                    bad_row = int(np.flatnonzero(present & ~ok)[0])
                    bad_cell = str(text.iloc[bad_row])
        if values is not None and not (finite := np.isfinite(values)).all():
            missing = int(np.isnan(values).sum())
            inf = ~finite & ~np.isnan(values)
            if inf.any():
                row = int(np.flatnonzero(inf)[0])
                raise InputError(
                    f"non-finite value {_show(cell_text(row, j))} (numbers must be finite)",
                    path=path,
                    row=line_of(row),
                    column=j + 1,
                    column_name=name,
                )
        if missing == len(frame):
            kind, levels = "empty", 0
        cols.append(Column(name, j + 1, kind, missing, levels, False, bad_row, bad_cell))
    if changes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = frame.copy(deep=False)
            for name, s in changes.items():
                frame[name] = s
    if cols and _index_like(frame, cols[0], unnamed):
        c = cols[0]
        cols[0] = Column(c.name, c.position, c.kind, c.missing, c.levels, True)
    return frame, tuple(cols)


def _other_mark(
    text: Any, present: np.ndarray, decimal: str, thousands: str, mixed_marks: bool
) -> str | None:
    """The other decimal mark when every present cell is a number written with it and one
    cell at least cannot be a thousands group ('2.5', not only '2.500'); else None."""
    other = "." if decimal == "," else ","
    if not mixed_marks or thousands != "none" or not present.any():
        return None
    cells = text[present]
    if not cells.str.fullmatch(number_pattern(other, "none")).all():
        return None
    mark = re.escape(other)
    clear = cells.str.contains(rf"{mark}(?:\d{{0,2}}|\d{{4,}})(?:[eE]|$)", regex=True)
    return other if bool(clear.any()) else None


def _all_finite(frame: Any) -> np.ndarray | None:
    """For a frame of float64 columns only, whether each column is all finite (one pass over
    the block pandas holds them in); None for other frames."""
    if not all(dtype == np.float64 for dtype in frame.dtypes):
        return None
    values = frame.to_numpy(dtype=np.float64, copy=False)
    return np.isfinite(values).all(axis=0)


def _to_numbers(text: Any, decimal: str, thousands: str) -> np.ndarray:
    import pandas as pd

    sep = THOUSANDS_CHARS.get(thousands)
    if sep is not None:
        text = text.str.replace(sep, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _index_like(frame: Any, col: Column, unnamed: set[int]) -> bool:
    """A leading column without a name or named like an index holding 0..m−1 or 1..m."""
    if col.kind != "number" or col.missing or len(frame) == 0:
        return False
    if 0 not in unnamed and col.name.strip().lower() not in INDEX_NAMES:
        return False
    values = frame.iloc[:, 0].to_numpy(dtype=np.float64)
    steps = np.arange(len(values), dtype=np.float64)
    if np.array_equal(values, steps) or np.array_equal(values, steps + 1):
        return True
    # the row numbers of a spreadsheet sorted by another column: the same numbers, shuffled
    ordered = np.sort(values)
    return bool(np.array_equal(ordered, steps) or np.array_equal(ordered, steps + 1))


def _show(cell: str) -> str:
    text = cell.strip()
    return repr(text[:40] + "…" if len(text) > 40 else text)


def show_cell(cell: str) -> str:
    """A cell as quoted in a message: stripped, cut to 40 characters."""
    return _show(cell)
