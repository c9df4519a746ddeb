"""The train/test split: which rows train the model and which are held out to judge it.

Rows are numbered 0-based in the data as loaded (after rows with missing values were left
out, when the file had any). The split is a random permutation from ``seed``
(``numpy.random.default_rng(seed).permutation(m)``, the convention of scikit-learn's
``train_test_split`` with an integer ``random_state``, though not its exact rows), the first
``⌈fraction·m⌉`` rows of which are held out (scikit-learn's rule); both parts are returned
sorted, so each keeps the data's order.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import InputError

if TYPE_CHECKING:
    from core.data.datasets import Dataset

#: The largest test fraction offered: at least a tenth of the rows must train the model.
MAX_TEST_FRACTION = 0.9


@dataclass(frozen=True, eq=False)
class Split:
    """Row numbers (0-based, sorted, int64) of the training and test parts."""

    train_rows: np.ndarray
    test_rows: np.ndarray
    fraction: float
    seed: int

    @property
    def m_train(self) -> int:
        return int(self.train_rows.size)

    @property
    def m_test(self) -> int:
        return int(self.test_rows.size)


def split_rows(m: int, fraction: float, seed: int) -> Split | None:
    """The split of ``m`` rows with ``⌈fraction·m⌉`` of them held out (at least 1).

    Returns None for ``fraction`` 0 (no test set: every row trains). Raises InputError for a
    fraction outside 0..:data:`MAX_TEST_FRACTION` or a split that would leave fewer than 2
    training rows.
    """
    if not (isinstance(fraction, int | float) and math.isfinite(fraction)):
        raise InputError(f"the test fraction must be a number, got {fraction!r}")
    if not 0 <= fraction <= MAX_TEST_FRACTION:
        raise InputError(
            f"the test fraction must be between 0 and {MAX_TEST_FRACTION:g}, got {fraction:g}"
        )
    if fraction == 0:
        return None
    # ⌈F·m⌉, scikit-learn's train_test_split rule, without its 0.07·100 = 7.000…01 → 8
    n_test = max(1, math.ceil(fraction * m - 1e-9))
    if m - n_test < 2:
        raise InputError(
            f"a test fraction of {fraction:g} holds out {n_test} of {m} rows, leaving "
            f"{m - n_test} to train on; a fit needs at least 2 (lower the test fraction)"
        )
    order = np.random.default_rng(seed).permutation(m)
    test = np.sort(order[:n_test]).astype(np.int64)
    train = np.sort(order[n_test:]).astype(np.int64)
    for rows in (test, train):
        rows.flags.writeable = False
    return Split(train, test, float(fraction), int(seed))


def refill_from_training(
    dataset: Dataset, train_rows: np.ndarray
) -> tuple[Dataset, dict[str, float | str], list[str]]:
    """``dataset`` with its filled cells (``missing="mean"``) filled again from the training
    rows only: a numeric feature's mean, a categorical column's most frequent level (ties:
    the first in sorted order), over the training rows whose cell was not missing. Filling
    from every row, as the reader does, would leak the test rows into training. Returns the
    new dataset, the fill values ({column: mean or level}) and a note per column. Raises
    InputError when a column has no value in the training rows."""
    if not dataset.filled_rows:
        return dataset, {}, []
    X = dataset.X.copy()
    names = list(dataset.feature_names)
    indicators = list(dataset.indicators) or [None] * len(names)
    in_train = np.zeros(dataset.m, dtype=bool)
    in_train[train_rows] = True
    notes = []
    values: dict[str, float | str] = {}
    for column, rows in dataset.filled_rows.items():
        known = in_train.copy()
        known[rows] = False
        if not known.any():
            raise InputError(
                f"column {column!r}: every training row's cell is missing, so there is "
                "nothing to fill it from (choose another seed or test fraction, or leave the "
                "column out)",
                path=dataset.path,
            )
        if column in names:  # a numeric feature
            j = names.index(column)
            value = float(X[known, j].mean())
            X[rows, j] = value
            values[column] = value
            notes.append(f"{column!r} with the training rows' mean {value:.6g}")
            continue
        cols = np.array([j for j, ind in enumerate(indicators) if ind == column], np.intp)
        if cols.size == 0:
            continue  # the target or an ignored column: nothing in X
        counts = X[np.ix_(known, cols)].sum(axis=0)
        best = int(cols[int(np.argmax(counts))])  # levels are in sorted order: ties go first
        X[np.ix_(rows, cols)] = 0.0
        X[rows, best] = 1.0
        level = names[best][len(column) + 1 :]
        values[column] = level
        notes.append(f"{column!r} with the training rows' most frequent level {level!r}")
    return dataclasses.replace(dataset, X=X), values, notes


def constant_on_training(
    full: np.ndarray, train: np.ndarray, names: tuple[str, ...], split: Split
) -> str | None:
    """The message for a feature that is constant on the training rows but not on every
    row (a level seen only in the test set): scaling cannot divide by its spread, and the
    model could learn nothing of it. None when there is no such feature."""
    if train.shape[0] == 0:
        return None
    flat_train = np.all(train == train[0], axis=0)
    flat_all = np.all(full == full[0], axis=0)
    odd = np.flatnonzero(flat_train & ~flat_all)
    if odd.size == 0:
        return None
    j = int(odd[0])
    return (
        f"column {names[j]!r} is constant on the {split.m_train:,} training rows (every value "
        f"is {train[0, j]:.6g}; the rows where it differs are all in the test set of seed "
        f"{split.seed}), so the scaling cannot divide by its spread and the model could learn "
        "nothing of it: choose another seed or a smaller test fraction, or leave the column out"
    )
