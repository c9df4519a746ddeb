"""Column roles: which columns of a :class:`~core.data.table.Table` are features, the target,
categorical (one-hot encoded) or ignored, and what happens to missing values.

FIRST VERSION (interface): :func:`resolve_roles` and :func:`table_to_dataset` are what the
builder, the CLI and the window's import preview code against; the rules are being filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.data.datasets import Dataset
from core.errors import InputError

if TYPE_CHECKING:
    from core.data.table import Table
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
        return cls(
            target=data.target,
            features=data.features,
            ignore=data.ignore,
            categorical=data.categorical,
            missing=data.missing,
        )


@dataclass(frozen=True)
class Role:
    """The role a column ends up with, and why (``reason`` is "" for a plain choice):
    ``role`` one of :data:`ROLES`."""

    role: str
    reason: str = ""


def resolve_roles(table: Table, roles: ColumnRoles) -> dict[str, Role]:
    """Every column's role (by name, in file order) for ``roles`` on ``table``.

    Raises InputError when a chosen name is not a column, or a choice cannot apply (a text
    column as the target...), naming the column and the choice to make.
    """
    out: dict[str, Role] = {}
    names = [c.name for c in table.columns]
    for name in (*roles.ignore, *roles.categorical, *roles.features):
        table.column(name)
    numeric = [c.name for c in table.columns if c.kind == "number"]
    target = roles.target
    if target is None:
        if not numeric:
            raise InputError("no numeric column to use as the target", path=table.path)
        target = numeric[-1]
    elif target not in names:
        target = names[int(target)]
    for col in table.columns:
        if col.name == target:
            out[col.name] = Role("target")
        elif col.name in roles.ignore:
            out[col.name] = Role("ignore")
        elif col.name in roles.categorical:
            out[col.name] = Role("categorical")
        elif roles.features and col.name not in roles.features:
            out[col.name] = Role("ignore", "not among the chosen features")
        elif col.kind != "number":
            out[col.name] = Role("ignore", f"{col.kind} column")
        else:
            out[col.name] = Role("feature")
    return out


def table_to_dataset(table: Table, roles: ColumnRoles) -> Dataset:
    """The :class:`Dataset` of ``table`` under ``roles``: X (m × n float64) from the feature
    and one-hot columns, y the target; ``report`` lists what was encoded, ignored and
    dropped. Raises InputError (naming the column and the choice to make) for missing values
    under ``missing="refuse"``, a non-numeric target, no feature left."""
    resolved = resolve_roles(table, roles)
    frame = table.frame
    target = next(n for n, r in resolved.items() if r.role == "target")
    features = [n for n, r in resolved.items() if r.role == "feature"]
    if not features:
        raise InputError("no feature column left", path=table.path)
    X = np.ascontiguousarray(frame[features].to_numpy(dtype=np.float64))
    y = np.ascontiguousarray(frame[target].to_numpy(dtype=np.float64))
    return Dataset(
        X=X,
        y=y,
        feature_names=tuple(features),
        target_name=target,
        source=table.path,
        path=table.path,
        notes=table.notes + table.warnings,
        report={
            "read": dict(table.decided),
            "encoded": {},
            "ignored": {n: r.reason for n, r in resolved.items() if r.role == "ignore"},
            "missing": roles.missing,
            "dropped_rows": [],
            "filled": {},
        },
        table=table,
    )
