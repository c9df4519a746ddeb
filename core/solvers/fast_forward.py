"""Fast-forwarding the gradient-descent driver through iterations where nothing happens.

Most iterations of a run are neither reported nor judged: the cost is evaluated, no stopping
test fires, the update is taken. :func:`core.solvers.gd.descend` hands such stretches to an
*advance* function, which takes the same steps without the driver's bookkeeping and stops
*before* any iterate where one of the driver's tests could fire (a non-finite or exploding
cost, :data:`~core.solvers.verdicts.RISING_STEPS` rises above the start, the tolerance's
gradient-norm or relative-change test), so the driver judges that iterate itself: the verdicts
have one home and the path is the same, only faster.

- :func:`plain_advance`: any full-batch, constant-rate run (gradient descent and every
  optimizer): the same ``evaluate`` and ``step`` calls in a tight loop (bit-identical path).
- :func:`gram_advance`: plain gradient descent on the Gram form, compiled by numba
  (O(n²) a step with no Python in it: a million steps of the housing data in milliseconds).

:func:`timed_pace` spaces a headless run's snapshots by time, not by count, so a small
problem is not dominated by its snapshots and a long one still reports every ~0.1 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from core.model.training_problem import TrainingProblem
from core.solvers.implementations import GramForm, numba_kernels
from core.solvers.verdicts import RISE_FACTOR, RISING_STEPS

#: ``advance(w, b, it, budget, prev, rising, start_level, explode, tolerance) -> (w, b, done,
#: prev, rising)``: up to ``budget`` constant-rate steps from iteration ``it`` while none of
#: the driver's tests could fire; ``prev`` is the cost of the iterate before ``it``, and the
#: cost of the last iterate evaluated and the rise count come back.
Advance = Callable[..., tuple[Any, Any, int, float, int]]


def plain_advance(
    evaluate: Callable[[Any, Any, bool], tuple[float, Any, Any, float]],
    step: Callable[[Any, Any, Any, Any, int], tuple[Any, Any]],
    is_set: Callable[[], bool] | None,
) -> Advance:
    """The driver's own ``evaluate`` and ``step``, called in the driver's order with only
    the tests that could stop the run; stops at once when ``is_set()`` (a cancel)."""

    def advance(
        w: Any,
        b: Any,
        it: int,
        budget: int,
        prev: float,
        rising: int,
        start_level: float,
        explode: float,
        tolerance: float,
    ) -> tuple[Any, Any, int, float, int]:
        need = tolerance > 0
        done = 0
        while done < budget:
            if is_set is not None and is_set():
                break
            cost, gw, gb, gnorm = evaluate(w, b, need)
            if not cost <= explode:
                break
            up = rising + 1 if cost > prev * RISE_FACTOR else 0
            if up >= RISING_STEPS and cost > start_level:
                break
            if need and (
                gnorm <= tolerance or abs(prev - cost) <= tolerance * max(abs(prev), 1e-300)
            ):
                break
            w, b = step(w, b, gw, gb, it + done)
            prev, rising = cost, up
            done += 1
        return w, b, done, prev, rising

    return advance


def gram_advance(problem: TrainingProblem, form: GramForm, alpha: float) -> Advance | None:
    """The Gram form's compiled fast-forward (plain gradient descent at the constant rate
    ``alpha``, float64, no L1 penalty), or None when numba is missing or it does not apply."""
    kernels = numba_kernels()
    if kernels is None or problem.dtype != "float64" or problem.penalty.l1:
        return None
    G = np.ascontiguousarray(form.G, np.float64)
    s, c = np.asarray(form.s, np.float64), np.asarray(form.c, np.float64)
    l2 = problem.penalty.l2 / problem.m
    intercept = problem.intercept
    # iterations per call: about 0.05 s of work, so a cancel is seen soon
    most = max(1, 20_000_000 // (problem.n * problem.n + 4 * problem.n + 8))

    def advance(
        w: Any,
        b: Any,
        it: int,
        budget: int,
        prev: float,
        rising: int,
        start_level: float,
        explode: float,
        tolerance: float,
    ) -> tuple[Any, Any, int, float, int]:
        w = np.array(w, np.float64)  # updated in place by the kernel: never the caller's
        done, b, prev, rising = kernels.gram_advance(
            G, s, c, form.y_mean, form.q, w, float(b), float(alpha), l2, intercept,
            min(budget, most), float(prev), int(rising), RISING_STEPS, RISE_FACTOR,
            float(start_level), float(explode), float(tolerance),
        )  # fmt: skip
        return w, b, int(done), float(prev), int(rising)

    return advance


def timed_pace(seconds: float = 0.1) -> Callable[[int], int]:
    """A ``pace`` for :func:`core.solvers.gd.descend` that puts about ``seconds`` of work
    between snapshots: chunks of 1, then up to 8 times longer each time while they are
    quicker than that (shorter again when slower). Use it with ``report_every`` as large
    as the run (the chunk it plans is then what remains)."""
    chunk = 1
    last: float | None = None

    def pace(planned: int) -> int:
        nonlocal chunk, last
        now = time.perf_counter()
        if last is not None:
            took = now - last
            grow = 8.0 if took <= seconds / 8 else seconds / took
            chunk = max(1, round(chunk * grow))
        last = now
        return max(1, min(planned, chunk))

    return pace
