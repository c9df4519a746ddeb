"""The train/test split: which rows train the model and which are held out to judge it.

Rows are numbered 0-based in the data as loaded (after rows with missing values were left
out, when the file had any). The split is a random permutation from ``seed``
(``numpy.random.default_rng(seed).permutation(m)``, the convention of scikit-learn's
``train_test_split`` with an integer ``random_state``, though not its exact rows), the first
``round(fraction·m)`` rows of which are held out; both parts are returned sorted, so each
keeps the data's order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import InputError

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
    """The split of ``m`` rows with ``fraction`` of them (rounded, at least 1) held out.

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
    n_test = max(1, round(fraction * m))
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
