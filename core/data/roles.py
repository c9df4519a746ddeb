"""Column roles: which columns of a :class:`~core.data.table.Table` are features, the target,
categorical (one-hot encoded) or ignored, and what happens to missing values.

The rules when nothing is chosen: the target is the last numeric column; a leading column
that numbers the rows, an empty column and a column of words are left out, each with a note
(a column of words with few distinct values is suggested as categorical); every other
numeric column is a feature. A column of text that is mostly numbers (a typo in a price
column) is never left out silently: it is refused, naming the cell. Choices (``features``,
``ignore``, ``categorical``) override the rules; a name in two roles is refused.

:func:`resolve_roles` decides (the window's import preview shows its answer);
:func:`table_to_dataset` applies it, with :mod:`core.data.encode` doing the missing values
and the one-hot columns. The level an intercept makes redundant is left out by the model
(:class:`core.model.problem.Problem`), not here: the intercept is a model setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.data import encode
from core.data.datasets import Dataset
from core.data.hints import cell_hint, numbers_hint
from core.data.table_types import fields_from
from core.errors import InputError

if TYPE_CHECKING:
    from core.data.table import Column, Table
    from core.settings import DataSettings

ROLES = ("feature", "target", "categorical", "ignore")
MISSING_POLICIES = ("refuse", "drop", "mean")


@dataclass(frozen=True)
class ColumnRoles:
    """What the user chose (the settings of the same names): ``target`` (name or 0-based
    index as text; None = the last numeric column), ``features`` (empty = every column not
    otherwise assigned that can be one), ``ignore``, ``categorical``, ``missing``."""

    target: str | None = None
    features: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    missing: str = "refuse"

    @classmethod
    def from_settings(cls, data: DataSettings) -> ColumnRoles:
        """The column roles a :class:`~core.settings.DataSettings` holds."""
        return fields_from(cls, data)


@dataclass(frozen=True)
class Role:
    """The role a column ends up with, and why: ``role`` one of :data:`ROLES`; ``reason`` in
    words for a column ignored or a target chosen by the rules ("" for a plain choice).
    ``note``: a sentence for the user when the role was not asked for ("" otherwise)."""

    role: str
    reason: str = ""
    note: str = ""
    warn: bool = False  # the note is a warning: a column of numbers left out


def resolve_roles(table: Table, roles: ColumnRoles) -> dict[str, Role]:
    """Every column's role (by name, in file order) for ``roles`` on ``table``.

    Raises InputError when a chosen name is not a column (listing the columns), a name is
    given two roles, the target cannot be one (ignored, categorical, text, empty: naming the
    column and, for text, its first non-numeric cell and row), or a column of mostly numbers
    holds text (naming the cell, with the choices: fix it, ``--ignore``, ``--categorical``).
    """
    for name in (*roles.ignore, *roles.categorical, *roles.features):
        table.column(name)
    _check_one_role_each(table, roles)
    target, target_reason = _target(table, roles)
    out: dict[str, Role] = {}
    for col in table.columns:
        name = col.name
        if name == target.name:
            out[name] = Role(
                "target", target_reason, target_reason and f"target {name!r}: {target_reason}"
            )
        elif name in roles.ignore:
            out[name] = Role("ignore", "ignored as asked")
        elif name in roles.categorical:
            if col.kind == "empty":
                raise InputError(
                    "has no values, so there is nothing to encode; leave it out with "
                    f"--ignore {name}",
                    path=table.path,
                    column=col.position,
                    column_name=name,
                )
            out[name] = Role("categorical")
        elif roles.features:
            out[name] = (
                _asked_feature(table, col)
                if name in roles.features
                else Role("ignore", "not among the chosen features")
            )
        else:
            out[name] = _default_role(table, col)
    return out


def _check_one_role_each(table: Table, roles: ColumnRoles) -> None:
    """InputError naming a column given two roles (a categorical column may also be listed
    among the features: it is one, encoded)."""
    pairs = (
        ("ignored", roles.ignore, "categorical", roles.categorical),
        ("ignored", roles.ignore, "a feature", roles.features),
    )
    for first, a, second, b in pairs:
        for name in a:
            if name in b:
                raise InputError(
                    f"{name!r} is both {first} and {second}; give each column one role",
                    path=table.path,
                )


def _target(table: Table, roles: ColumnRoles) -> tuple[Column, str]:
    """The target column, and why when the rules chose it ("" when the user did)."""
    names = [c.name for c in table.columns]
    chosen = roles.target
    col: Column | None = None
    if chosen is not None:
        text = chosen.strip()
        if chosen in names or text in names:
            col = table.column(chosen if chosen in names else text)
        elif re.fullmatch(r"[+-]?\d+", text):
            k = int(text)
            if not 0 <= k < len(names):
                raise InputError(
                    f"target index {k} is out of range: the file has {len(names)} columns, "
                    f"numbered 0..{len(names) - 1}",
                    path=table.path,
                )
            col = table.columns[k]
        else:
            table.column(chosen)  # raises, listing the columns
    if col is not None:
        for label, group in (
            ("ignored", roles.ignore),
            ("categorical", roles.categorical),
            ("a feature", roles.features),
        ):
            if col.name in group:
                raise InputError(
                    f"{col.name!r} is the target, so it cannot also be {label}; choose another "
                    "target with --target",
                    path=table.path,
                )
        _check_target(table, col)
        return col, ""
    taken = {*roles.ignore, *roles.categorical, *roles.features}
    numeric = [
        c for c in table.columns if c.kind == "number" and c.name not in taken and not c.index_like
    ]
    if not numeric:
        raise InputError(
            "no numeric column to use as the target"
            + _why_no_numbers(table, taken)
            + _choose_target(table),
            path=table.path,
        )
    col = numeric[-1]
    last = table.columns[-1]
    if last.name == col.name:
        return col, ""
    if last.name in roles.ignore:
        why = "ignored"
    elif last.name in roles.categorical:
        why = "categorical"
    elif last.name in roles.features:
        why = "a feature"
    else:
        why = {"text": "text", "empty": "empty"}.get(last.kind, "an index")
        if last.kind == "text":
            hint, is_numbers = numbers_hint(table.frame[last.name])
            if is_numbers:  # the target moving to another column would fit nonsense
                raise InputError(
                    f"the last column, {last.name!r}, would be the target, but {hint}; or "
                    "choose the target with --target NAME",
                    path=table.path,
                    column=last.position,
                    column_name=last.name,
                )
    return col, f"the last numeric column (the last column, {last.name!r}, is {why})"


def _why_no_numbers(table: Table, taken: set[str]) -> str:
    """Why no column was read as numbers: what the text columns hold (' (text columns:
    'price' e.g. '$300'...)', with how to read numbers written another way) and, for a
    workbook, its other sheets."""
    shown: list[str] = []
    hints: list[str] = []
    for c in table.columns:
        if c.kind != "text" or c.name in taken or len(shown) == 5:
            continue
        present = table.frame[c.name].dropna()
        if len(present):
            shown.append(f"{c.name!r} e.g. {str(present.iloc[0])[:20]!r}")
            hint, is_numbers = numbers_hint(present)
            if is_numbers and len(hints) < 2:
                hints.append(f"{c.name!r}: {hint}")
    why = " (text columns: " + ", ".join(shown) + ")" if shown else ""
    if hints:
        why += "; " + "; ".join(hints)
    return why


def _choose_target(table: Table) -> str:
    """How to go on when no column can be the target: choose one, or another sheet."""
    if len(table.sheets) > 1:
        others = [repr(s) for s in table.sheets if s != table.decided.get("sheet")]
        return (
            "; choose the target with --target NAME, or another sheet with --sheet NAME (the "
            f"workbook's other sheets: {', '.join(others[:5])})"
        )
    return "; choose one with --target NAME"


def _check_target(table: Table, col: Column) -> None:
    """InputError unless ``col`` can be the target (numbers, at least one present)."""
    if col.kind == "empty":
        raise InputError(
            "the target column has no values; choose another with --target",
            path=table.path,
            column=col.position,
            column_name=col.name,
        )
    if col.kind == "text":
        bad = encode.first_non_number(table, col.name)
        row, cell = bad if bad is not None else (0, "")
        raise InputError(
            f"the target must be numbers, but this cell is {cell!r} (a text column with "
            f"{col.levels:,} distinct values); fix the cell or choose another target with "
            "--target",
            path=table.path,
            row=table.line_of(row),
            column=col.position,
            column_name=col.name,
        )


def _mostly_numbers(table: Table, col: Column) -> bool:
    """Whether a text column is numbers with some stray text: the reader says so
    (``Column.bad_row``), or at least half of its present cells read as numbers."""
    return getattr(col, "bad_row", None) is not None or encode.mostly_numbers(table, col.name)


def _refuse_text_among_numbers(table: Table, col: Column) -> None:
    """InputError for a column of numbers that holds some text, naming the first such cell
    (the reader's ``bad_row``/``bad_cell`` when it found one)."""
    bad_row = getattr(col, "bad_row", None)
    bad = (bad_row, getattr(col, "bad_cell", "")) if bad_row is not None else None
    bad = bad or encode.first_non_number(table, col.name)
    if bad is None:
        return
    row, cell = bad
    how = cell_hint(cell)
    text = (  # '2,909' after rows without grouping: say how to read it
        f"{cell!r} is not a number as this file was read: it is one {how}; or fix the "
        f"cell, or leave the column out with --ignore {col.name}"
        if how
        else f"{cell!r} is not a number, in a column of numbers; fix the cell, leave the "
        f"column out with --ignore {col.name}, or encode it with --categorical {col.name}"
    )
    raise InputError(
        text,
        path=table.path,
        row=table.line_of(row),
        column=col.position,
        column_name=col.name,
    )


def _asked_feature(table: Table, col: Column) -> Role:
    """The role of a column named among ``features``: a feature, or an InputError."""
    if col.kind == "number":
        return Role("feature")
    if col.kind == "empty":
        raise InputError(
            "has no values, so it cannot be a feature; leave it out of --features",
            path=table.path,
            column=col.position,
            column_name=col.name,
        )
    if _mostly_numbers(table, col):
        _refuse_text_among_numbers(table, col)
    raise InputError(
        f"is text ({col.levels:,} distinct values), so it cannot be a numeric feature; encode "
        f"it with --categorical {col.name} or leave it out of --features",
        path=table.path,
        column=col.position,
        column_name=col.name,
    )


def _default_role(table: Table, col: Column) -> Role:
    """The role of a column nobody chose a role for (the module docstring's rules)."""
    name = col.name
    if col.index_like:
        values = table.frame[name]
        span = f"{int(values.min())}..{int(values.max())}"
        reason = f"it numbers the rows {span}"
        return Role("ignore", reason, f"left out {name!r}: {reason}")
    if col.kind == "empty":
        return Role("ignore", "empty", f"left out {name!r}: it has no values")
    if col.kind == "text":
        if _mostly_numbers(table, col):
            _refuse_text_among_numbers(table, col)
        levels = f"{col.levels:,} distinct value" + ("" if col.levels == 1 else "s")
        hint, is_numbers = numbers_hint(table.frame[name])
        if is_numbers:  # numbers written another way: a warning, with the choice that reads them
            return Role("ignore", "text: " + hint.split(";")[0], f"left out {name!r}: {hint}", True)
        if hint:
            return Role("ignore", f"text, {levels}", f"left out {name!r}: {hint}")
        note = f"left out {name!r}: it is text ({levels})"
        if col.levels <= encode.FEW_LEVELS:
            note += f"; to use it, one-hot encode it with --categorical {name}"
        return Role("ignore", f"text, {levels}", note)
    return Role("feature")


_CELLS_PER_COPY = 1 << 20  # cells copied at a time into a C-ordered block (stays in cache)


def _numeric_block(frame: Any, names: list[str]) -> np.ndarray:
    """The columns ``names`` of ``frame`` as a new C-ordered float64 array (m × k), NaN for
    missing cells; never a view of the table (it is filled in place afterwards).

    pandas keeps a numeric table column-major; a plain conversion selects the columns (one
    copy) and then reorders them (a second, cache-unfriendly one): a 100,000 × 1,000 table
    took 2.4 s. When every column of the table is float64, the reordering is done here from
    the table's own column-major block, a band of rows at a time: one copy, in cache.
    """
    dtypes = frame.dtypes
    if len(frame.columns) and all(dt == np.float64 for dt in dtypes):
        A = frame.to_numpy(dtype=np.float64, copy=False)  # column-major, usually a view
        pos = frame.columns.get_indexer(names)
        # runs of neighbouring columns (all but the target, typically one or two runs)
        cuts = np.flatnonzero(np.diff(pos) != 1) + 1
        runs = [(int(r[0]), len(r)) for r in np.split(pos, cuts)]
        out = np.empty((A.shape[0], len(pos)), dtype=np.float64)
        band = max(64, _CELLS_PER_COPY // max(1, len(pos)))
        for i in range(0, A.shape[0], band):
            rows = slice(i, i + band)
            at = 0
            for start, width in runs:
                out[rows, at : at + width] = A[rows, start : start + width]
                at += width
        return out
    block = frame[names].to_numpy(dtype=np.float64, na_value=np.nan)
    return np.array(block, dtype=np.float64, order="C", copy=True)


def table_to_dataset(table: Table, roles: ColumnRoles) -> Dataset:
    """The :class:`Dataset` of ``table`` under ``roles``.

    X (m × n float64) holds the features in file order, each categorical column expanded in
    place into one 0/1 column per level (``region=southwest``, levels sorted; ``indicators``
    says which column each encodes); y is the target. Rows are those left by the
    missing-value choice. ``report`` (JSON-ready) lists how the file was read (``read``),
    what was encoded (``encoded``: {column: [levels]}), ignored (``ignored``: {column:
    reason}), the ``missing`` choice, ``dropped_rows`` (0-based rows of the table),
    ``filled`` ({column: cells}) and the reader's ``warnings``. Names are the table's
    (``x1``..``xn`` without a header), so the window's column pickers and the report agree.
    Raises InputError (naming column and choice) as :func:`resolve_roles`
    does, for missing values under ``missing="refuse"``, too many levels, no feature left.
    """
    resolved = resolve_roles(table, roles)
    target = next(n for n, r in resolved.items() if r.role == "target")
    used = [n for n, r in resolved.items() if r.role in ("feature", "categorical")]
    categorical = {n for n in used if resolved[n].role == "categorical"}
    if not used:
        raise InputError(
            "no feature column left"
            + "".join(f"; {n!r}: {r.reason}" for n, r in resolved.items() if r.role == "ignore")
            + "; choose features with --features, or encode text with --categorical",
            path=table.path,
        )
    in_order = [n for n in resolved if n == target or n in used]
    cleaned = encode.handle_missing(table, target, in_order, categorical, roles.missing)
    keep = cleaned.keep
    if not keep.any():
        raise InputError(
            f"no data row is complete: all {table.rows:,} rows have a missing value in the "
            "columns used; leave the emptiest columns out with --ignore",
            path=table.path,
        )
    sub = table.frame if keep.all() else table.frame[keep]
    numeric = [n for n in used if n not in categorical]
    # the numeric features in one conversion (a wide table has thousands of them)
    X_num = _numeric_block(sub, numeric) if numeric else None
    for k, name in enumerate(numeric):
        if name in cleaned.values:
            assert X_num is not None
            column = X_num[:, k]
            column[np.isnan(column)] = cleaned.values[name]
    blocks: list[np.ndarray] = []
    names: list[str] = []
    indicators: list[str | None] = []
    encoded: dict[str, list[str]] = {}
    notes: list[str] = []
    start = 0  # the numeric features since the last categorical column
    for name in used:
        if name not in categorical:
            names.append(name)
            indicators.append(None)
            continue
        series = sub[name]
        fill = cleaned.values.get(name)
        if fill is not None:
            series = series.fillna(fill)
        values = [v.strip() if isinstance(v, str) else float(v) for v in series]
        columns, levels = encode.one_hot(table, name, values)
        n_before = sum(1 for ind in indicators if ind is None)
        if X_num is not None and n_before > start:
            blocks.append(X_num[:, start:n_before])
        start = n_before
        blocks.append(columns)
        names += [f"{name}={level}" for level in levels]
        indicators += [name] * len(levels)
        encoded[name] = levels
        notes.append(f"one-hot encoded {name!r}: {len(levels)} levels ({_some(levels)})")
    if X_num is not None and X_num.shape[1] > start:
        blocks.append(X_num[:, start:] if start else X_num)
    X = np.ascontiguousarray(blocks[0] if len(blocks) == 1 else np.hstack(blocks))
    y = np.ascontiguousarray(sub[target].to_numpy(dtype=np.float64, na_value=np.nan))
    role_notes = [r.note for r in resolved.values() if r.note and not r.warn]
    warnings = (*table.warnings, *(r.note for r in resolved.values() if r.warn))
    return Dataset(
        X=X,
        y=y,
        feature_names=tuple(names),
        target_name=target,
        source=table.path,
        path=table.path,
        notes=(*table.notes, *role_notes, *cleaned.notes, *notes, *warnings),
        indicators=tuple(indicators) if encoded else (),
        report={
            "read": dict(table.decided),
            "encoded": encoded,
            "ignored": {n: r.reason for n, r in resolved.items() if r.role == "ignore"},
            "missing": roles.missing,
            "dropped_rows": cleaned.dropped,
            "filled": cleaned.filled,
            "fill_values": {
                name: (float(v) if isinstance(v, int | float | np.floating) else str(v))
                for name, v in cleaned.values.items()
            },
            "warnings": list(warnings),
        },
        table=table,
        warnings=warnings,
        filled_rows={
            name: np.flatnonzero(mask[cleaned.keep]) for name, mask in cleaned.masks.items()
        },
        row_ids=None if cleaned.keep.all() else np.flatnonzero(cleaned.keep),
    )


def _some(levels: list[str], shown: int = 6) -> str:
    if len(levels) <= shown:
        return ", ".join(levels)
    return ", ".join(levels[:shown]) + ", ..."
