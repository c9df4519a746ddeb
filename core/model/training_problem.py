"""What the training driver reads of a problem: the :class:`TrainingProblem` protocol.

Two classes implement it: :class:`core.model.problem.Problem` (the rows in memory, on the
CPU or a GPU) and :class:`core.cluster.gram_problem.GramProblem` (the Gram statistics of
data that stays on disk, for the dask engine). The gradient-descent driver
(:func:`core.solvers.gd.descend`), its snapshots, the optimizers' plan and the theory read
nothing else, so both run on the same code.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from core.model.penalty import Penalty


class TrainingProblem(Protocol):
    """A least-squares problem as the solvers see it: sizes m (rows) × n (features), the
    intercept, dtype and device, the penalty, the spectrum of ``AᵀA/m`` (A the scaled
    design with its column of ones) and the maps between training coordinates and original
    units."""

    @property
    def m(self) -> int:
        """Training rows."""
        ...

    @property
    def n(self) -> int:
        """Features (columns of the design, the intercept's not counted)."""
        ...

    @property
    def intercept(self) -> bool:
        """Whether the model has an intercept b."""
        ...

    @property
    def dtype(self) -> str:
        """``"float64"`` or ``"float32"``."""
        ...

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda"``."""
        ...

    @property
    def penalty(self) -> Penalty:
        """The L1/L2 penalty (zero for none)."""
        ...

    @property
    def warnings(self) -> list[str]:
        """What the problem's preparation warns about (kept in the final snapshot)."""
        ...

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The design's column names."""
        ...

    @property
    def lambda_range(self) -> tuple[float, float]:
        """``(λ_min, λ_max)`` of ``AᵀA/m``."""
        ...

    @property
    def alpha_max(self) -> float:
        """Largest stable learning rate ``2/λ_max``."""
        ...

    @property
    def condition_number(self) -> float:
        """κ(A) = √(λ_max/λ_min) (inf when singular)."""
        ...

    @property
    def condition_is_estimate(self) -> bool:
        """Whether κ is an estimate rather than exact."""
        ...

    def to_original(self, w_s: Any, b_s: float | None) -> tuple[np.ndarray, float | None]:
        """Training coordinates → original units."""
        ...

    def to_scaled(self, w: Any, b: float | None) -> tuple[np.ndarray, float | None]:
        """Original units → training coordinates."""
        ...

    def test_cost(self, w_s: Any, b_s: float | None) -> float | None:
        """The held-out rows' cost ``1/(2m_test)·Σe²``; None without a test set."""
        ...
