"""Batch gradient descent as nested Python loops over examples and features: the same steps
as :func:`core.solvers.gd.gradient_descent` (on the same driver, :func:`~core.solvers.gd.descend`)
without NumPy in the step, the slow reference the timing lab compares against.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from core.backend import to_host
from core.model.problem import Problem
from core.solvers.gd import Pace, descend, plain_step, start_point, validate_gd_options
from core.solvers.schedules import learning_rate
from core.solvers.snapshot import CancelFlag, RunStatus, Snapshot, make_snapshot


class _ListVec(list[float]):
    """A list of floats with the two vector operations the GD driver needs (no NumPy)."""

    def __sub__(self, other: Iterable[float]) -> _ListVec:
        return _ListVec(a - b for a, b in zip(self, other, strict=True))

    # list's k * list repeats it; here it scales each entry (the GD step α·∇w)
    def __rmul__(self, k: float) -> _ListVec:  # type: ignore[override]
        return _ListVec(k * a for a in self)


class _Stop(Exception):
    """Raised inside the loop's evaluation when the user cancels mid-pass."""


def gradient_descent_loop(
    problem: Problem,
    *,
    alpha: float,
    iterations: int = 1000,
    tolerance: float = 0.0,
    w0: Any = None,
    b0: Any = None,
    report_every: int = 1,
    cancel: CancelFlag | None = None,
    pace: Pace | None = None,
    schedule: str = "constant",
    decay: float = 0.1,
    step_every: int = 100,
) -> Iterator[Snapshot]:
    """The same steps as :func:`gradient_descent` written as nested Python loops over
    examples and features (the slow reference the timing lab compares against).

    Options as for :func:`gradient_descent`; ``cancel`` is also checked every 256 rows.
    """
    validate_gd_options(alpha, iterations, tolerance, report_every)
    rate = learning_rate(schedule, alpha, decay=decay, step_every=step_every, iterations=iterations)
    rows = np.asarray(to_host(problem.X), np.float64).tolist()
    ys = np.asarray(to_host(problem.y), np.float64).tolist()
    m, n, penalty = problem.m, problem.n, problem.penalty
    w_start, b_start = start_point(problem, w0, b0)
    w_list = [float(v) for v in w_start]
    b_val = float(b_start) if b_start is not None else 0.0

    def evaluate(
        w: list[float], b: float, need_norm: bool = True
    ) -> tuple[float, _ListVec, float, float]:
        errors = [0.0] * m
        sq = 0.0
        for i in range(m):
            if cancel is not None and i % 256 == 0 and cancel.is_set():
                raise _Stop
            row = rows[i]
            s = b
            for j in range(n):
                s += row[j] * w[j]
            e = s - ys[i]
            errors[i] = e
            sq += e * e
        grad = [0.0] * n
        gb = 0.0
        for i in range(m):
            if cancel is not None and i % 256 == 0 and cancel.is_set():
                raise _Stop
            row = rows[i]
            e = errors[i]
            for j in range(n):
                grad[j] += e * row[j]
            gb += e
        grad = [g / m for g in grad]
        gb = gb / m if problem.intercept else 0.0
        cost = sq / (2 * m)
        if penalty:
            cost += penalty.value(w)
            grad = [g + penalty.l2 / m * v for g, v in zip(grad, w, strict=True)]
            sub = penalty.stationarity(grad, w)
            return cost, _ListVec(grad), gb, math.sqrt(sum(g * g for g in sub) + gb * gb)
        gnorm = math.sqrt(sum(g * g for g in grad) + gb * gb)
        return cost, _ListVec(grad), gb, gnorm

    last: Snapshot | None = None
    t_start = time.perf_counter()
    try:
        for snap in descend(
            problem,
            evaluate,
            _ListVec(w_list),
            b_val,
            alpha=alpha,
            iterations=iterations,
            tolerance=tolerance,
            report_every=report_every,
            cancel=cancel,
            pace=pace,
            step=plain_step(rate, problem.intercept, problem.penalty),
            rate=rate,
        ):
            last = snap
            yield snap
    except _Stop:
        if last is None:
            yield make_snapshot(
                problem,
                0,
                float("nan"),
                np.asarray(w_list),
                b_val,
                float("nan"),
                t_start,
                RunStatus.CANCELLED,
                "Stopped by the user.",
            )
        else:
            it = last.iteration
            yield dataclasses.replace(
                last,
                status=RunStatus.CANCELLED,
                message=f"Stopped by the user after {it} iterations.",
            )
