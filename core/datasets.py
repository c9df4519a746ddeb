"""Datasets: the synthetic generator, the housing demo and the common ``Dataset`` record."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError


@dataclass(frozen=True, eq=False)
class Dataset:
    """Examples ``X`` (m×n, float64), targets ``y`` (m,), and what they are called.

    ``source`` says where the data came from (a file path or a generator description);
    ``notes`` say how an ambiguous file was read; ``true_w``/``true_b`` are known only for
    synthetic data.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    source: str
    path: str | None = None
    true_w: np.ndarray | None = None
    true_b: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def m(self) -> int:
        return int(self.X.shape[0])

    @property
    def n(self) -> int:
        return int(self.X.shape[1])
