"""What every solver yields: immutable :class:`Snapshot` objects, and their :class:`RunStatus`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from core.backend import to_host

if TYPE_CHECKING:
    from core.model.training_problem import TrainingProblem


class RunStatus(StrEnum):
    """Where a run stands. Every status but ``RUNNING`` ends the run.

    A ``StrEnum``: each member *is* its string value (``RunStatus.SOLVED == "solved"``), so
    JSON and CLI output keep the published strings and older string comparisons still work.
    """

    RUNNING = "running"
    CONVERGED = "converged"
    MAX_ITERATIONS = "max_iterations"
    DIVERGED = "diverged"
    CANCELLED = "cancelled"
    SOLVED = "solved"


class CancelFlag(Protocol):
    """Anything with ``is_set()`` (a ``threading.Event``): a solver stops once it is true."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The state of a run after ``iteration`` steps (arrays are read-only host copies).

    ``w``, ``b`` are in original units, ``w_scaled``, ``b_scaled`` in training coordinates
    (``b`` is None without an intercept); ``elapsed`` is in seconds since the run started.
    ``batch_cost`` is, for a mini-batch run, the cost 1/(2|B|)·Σe_B² of the last mini-batch
    before the snapshot, at the parameters that batch's update started from (the noisy cost
    a training loop logs); None for full-batch runs and before the first update.
    ``cost`` is the training cost J (with the penalty, when there is one); ``test_cost`` is
    1/(2m_test)·Σe² on the held-out rows (no penalty), None without a test set.
    """

    iteration: int
    cost: float
    w: np.ndarray
    b: float | None
    w_scaled: np.ndarray
    b_scaled: float | None
    grad_norm: float
    elapsed: float
    status: RunStatus = RunStatus.RUNNING
    message: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    batch_cost: float | None = None
    test_cost: float | None = None

    @property
    def final(self) -> bool:
        """True for the last snapshot of a run (any status but running)."""
        return self.status != RunStatus.RUNNING

    @property
    def converged(self) -> bool:
        """True when the run reached the optimum (tolerance met, or solved exactly)."""
        return self.status in (RunStatus.CONVERGED, RunStatus.SOLVED)

    @property
    def diverged(self) -> bool:
        """True when the run was stopped or marked as diverging."""
        return self.status == RunStatus.DIVERGED

    @property
    def finite(self) -> bool:
        """True when every parameter (original units and training coordinates) is finite."""
        ends = [v for v in (self.b, self.b_scaled) if v is not None]
        return bool(np.all(np.isfinite(self.w)) and np.all(np.isfinite(self.w_scaled))) and all(
            np.isfinite(ends)
        )

    @property
    def usable(self) -> bool:
        """True when the coefficients mean something to evaluate or predict with: the run
        did not diverge and every parameter is finite."""
        return not self.diverged and self.finite


def readonly(a: Any) -> np.ndarray:
    """A float64 host copy of ``a`` that cannot be written to."""
    out = np.array(a, dtype=np.float64, copy=True)
    out.flags.writeable = False
    return out


def make_snapshot(
    problem: TrainingProblem,
    it: int,
    cost: float,
    w_s: Any,
    b_s: Any,
    gnorm: float,
    t0: float,
    status: RunStatus = RunStatus.RUNNING,
    message: str = "",
    warnings: tuple[str, ...] | list[str] = (),
    batch_cost: float | None = None,
) -> Snapshot:
    """A snapshot from training coordinates ``w_s``, ``b_s`` (any array namespace); the
    original-unit parameters are derived here, ``t0`` is the run's ``perf_counter`` start;
    ``batch_cost`` the last mini-batch's cost (None: a full-batch run)."""
    w_s_host = np.asarray(to_host(w_s), np.float64)
    b_s_val = float(b_s) if problem.intercept else None
    w, b = problem.to_original(w_s_host, b_s_val)
    return Snapshot(
        it,
        float(cost),
        readonly(w),
        b,
        readonly(w_s_host),
        b_s_val,
        float(gnorm),
        time.perf_counter() - t0,
        status,
        message,
        tuple(warnings),
        None if batch_cost is None else float(batch_cost),
        problem.test_cost(w_s_host, b_s_val),
    )
