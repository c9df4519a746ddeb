"""Batch gradient descent, vectorised and as Python loops, on one shared driver.

Both yield a :class:`Snapshot` every ``report_every`` iterations (or at the chunk lengths a
``pace`` callback chooses) and always a final one. The update is the course's:
``w := w − α∇w``, ``b := b − α∂b`` with ``∇w = Xᵀe/m``, ``∂b = Σe/m``, ``e = Xw + b − y``,
in training coordinates (DESIGN.md §1).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from core.errors import Cancelled, InputError
from core.model.penalty import Penalty
from core.model.problem import Problem
from core.model.training_problem import TrainingProblem
from core.solvers.fast_forward import Advance, gram_advance, plain_advance
from core.solvers.implementations import (
    GramForm,
    check_available,
    kernel_evaluator,
    prepare,
    warm_up,
)
from core.solvers.schedules import Rate, learning_rate
from core.solvers.snapshot import CancelFlag, RunStatus, Snapshot, make_snapshot
from core.solvers.verdicts import (
    EXPLODE_FACTOR,
    RISE_FACTOR,
    RISING_STEPS,
    Limit,
    divergence_message,
    settled,
    stable_transient,
)

#: ``pace(k)`` gets the chunk length the solver planned and returns how many iterations to
#: run before the next snapshot, a whole number from 1 to k.
Pace = Callable[[int], int]
#: ``evaluate(w_s, b_s, need_norm) -> (cost, ∇w, ∂b, ‖∇‖)`` at one point, in training
#: coordinates; the norm is NaN when ``need_norm`` is False (it was not computed).
Evaluate = Callable[[Any, Any, bool], tuple[float, Any, Any, float]]


def validate_gd_options(alpha: float, iterations: int, tolerance: float, report_every: int) -> None:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not math.isfinite(alpha):
        raise InputError(f"the learning rate α must be a finite number, got {alpha!r}")
    if alpha <= 0:
        raise InputError(f"the learning rate α must be greater than 0, got {alpha:g}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise InputError(f"iterations must be a whole number >= 0, got {iterations!r}")
    if not math.isfinite(tolerance) or tolerance < 0:
        raise InputError(f"tolerance must be >= 0 (0 disables it), got {tolerance!r}")
    if isinstance(report_every, bool) or not isinstance(report_every, int) or report_every < 1:
        raise InputError(f"report interval must be a whole number >= 1, got {report_every!r}")


#: What the driver asks an optimizer for its stability bound (None: it has none).
Bound = Callable[[], Limit | None]
#: ``step(w, b, ∇w, ∂b, t) -> (w, b)``: update t (0-based) from the gradient at (w, b).
Step = Callable[[Any, Any, Any, Any, int], tuple[Any, Any]]
#: ``batch_gradient(w, b) -> (∇w, ∂b, J_B)`` on the next mini-batch, J_B = 1/(2|B|)·Σe_B²
#: its cost at (w, b) (the snapshots' ``batch_cost``).
BatchGradient = Callable[[Any, Any], tuple[Any, Any, float]]


def alpha_max_limit(problem: TrainingProblem) -> Limit:
    """Batch gradient descent's bound α_max = 2/λ_max(AᵀA/m) (DESIGN.md §1)."""
    return Limit(problem.alpha_max, "α_max", "2/λ_max of AᵀA/m")


def _chunk(pace: Pace | None, planned: int) -> int:
    """Iterations to run before the next snapshot: ``planned``, or what ``pace`` says."""
    if pace is None:
        return planned
    got = pace(planned)
    if isinstance(got, bool) or not isinstance(got, int | np.integer) or not 1 <= got <= planned:
        raise ValueError(
            f"pace({planned}) must return a whole number from 1 to {planned}, got {got!r}"
        )
    return int(got)


def descend(
    problem: TrainingProblem,
    evaluate: Evaluate,
    w_s: Any,
    b_s: Any,
    *,
    alpha: float,
    iterations: int,
    tolerance: float,
    report_every: int,
    cancel: CancelFlag | None,
    pace: Pace | None,
    step: Step,
    bound: Bound | None = None,
    batch_gradient: BatchGradient | None = None,
    rate: Rate | None = None,
    advance: Advance | None = None,
    started: float | None = None,
) -> Iterator[Snapshot]:
    """The shared driver: bookkeeping, stopping rules and snapshots; ``evaluate`` (the
    full-data cost and gradient) and ``step`` (the optimizer's update) do the maths.

    Full batch (``batch_gradient`` None): the cost is evaluated at every iterate and its
    gradient drives ``step``. Mini-batch: ``batch_gradient`` drives ``step`` and the
    full-data cost is evaluated only where a snapshot is due, at the end and on a cancel, so
    the stopping rules compare those evaluations.

    ``rate(t)`` is the learning rate α_t of update t (0-based) that ``step`` uses (None: the
    constant α); α_t below means the rate of the last update before the evaluation.

    Convergence (``tolerance`` > 0): the gradient norm ‖∇J‖ ≤ tolerance, or the relative
    change of the cost between two evaluations, scaled to the starting rate, within
    tolerance (:func:`~core.solvers.verdicts.settled`: a schedule's shrinking steps shrink
    the change far from the minimum, so the change is multiplied by α/α_t, a change below
    rounding counts as rounding, and with α_t = 0 only the gradient test can stop the run).
    A cost that settles while α_t is at or above the optimizer's bound is not convergence:
    such iterates oscillate (gradient descent at α_max swings forever along the top
    eigenvector), so the run ends as diverged, with the bound in its message. The gradient
    test alone still converges at any α (it measures the distance to the minimum itself).

    Divergence (DESIGN.md §7): a non-finite cost, or one above :data:`EXPLODE_FACTOR` times
    its start; a cost that rose for :data:`RISING_STEPS` evaluations in a row to above its
    start, except when the optimizer's bound allows transient growth (``Limit.transient``:
    momentum, Nesterov) and α_t is below it, where the iteration is stable and only the two
    tests before count (without memory, gradient descent's full-batch cost cannot rise below
    α_max, so a rise there is rounding and stays divergence); a settled cost at α_t at or
    above the bound (above); or, with the largest rate used at or above the optimizer's
    bound (``bound()``, α_max for gradient descent), a run that ends (its iterations done)
    with its cost above the start, however short the run. The message names the rate it
    judged: α, or under a schedule that moved it, the schedule's α_t at that iteration (or
    the largest rate it used, when that was the one above the bound).

    A full-batch, constant-rate run fast-forwards through the iterations where nothing is
    reported and no test fires (:mod:`core.solvers.fast_forward`: ``advance``, the Gram
    form's compiled loop, or by default the same ``evaluate`` and ``step`` calls without the
    bookkeeping); ``started`` is
    the ``perf_counter`` time the solver started (its preparation counts in the snapshots'
    elapsed time; default: now). The elapsed time is the solver's own: the time the
    generator spends suspended at a snapshot (the consumer's work) or waiting in ``pace``
    (a paused or slowed window) does not count.
    """
    t0 = time.perf_counter() if started is None else started
    idle = 0.0  # seconds spent suspended at a snapshot or waiting in pace: not the solver's
    cost0: float | None = None
    prev: float | None = None
    rising = 0
    it = 0
    next_report = 0
    known: list[Limit | None] = []  # the bound, once asked for (it may cost a Gram matrix)

    def limit_of() -> Limit | None:
        if not known:
            known.append(bound() if bound is not None else alpha_max_limit(problem))
        return known[0]

    rate_of: Rate = rate if rate is not None else (lambda t: alpha)
    peak = rate_of(0)  # the largest rate used so far (at the evaluations)

    gw: Any = None
    gb: Any = None
    batch_cost: float | None = None  # the last mini-batch's cost (mini-batch runs only)
    running = RunStatus.RUNNING
    explode = start_level = math.inf  # set from the first cost
    is_set = cancel.is_set if cancel is not None else None
    # a constant rate (the schedules are monotone: equal ends, equal all along) is not
    # asked for at every step
    fixed = rate is None or rate_of(0) == rate_of(max(iterations - 1, 0))
    alpha_t = peak
    if batch_gradient is not None or not fixed:
        advance = None
    elif advance is None:
        advance = plain_advance(evaluate, step, is_set)
    while True:
        if advance is not None and prev is not None:
            budget = min(next_report, iterations) - it
            if budget > 0:
                w_s, b_s, done, prev, rising = advance(
                    w_s, b_s, it, budget, prev, rising, start_level, explode, tolerance
                )
                it += done
        cancelled = is_set is not None and is_set()
        if batch_gradient is None or it == next_report or it >= iterations or cancelled:
            # the gradient norm costs a product: only where a test or a snapshot reads it
            need = tolerance > 0 or it == next_report or it >= iterations or cancelled
            cost, gw, gb, gnorm = evaluate(w_s, b_s, need)
            if cost0 is None:
                cost0 = cost
                explode = EXPLODE_FACTOR * max(cost0, 1e-300)
                start_level = cost0 * RISE_FACTOR
            above_start = cost > start_level
            if not fixed:
                alpha_t = rate_of(it - 1 if it else 0)  # the rate of the update that led here
                if alpha_t > peak:
                    peak = alpha_t
            quoted = peak  # the rate a divergence verdict compares with the bound
            status, message, stalled = running, "", False
            if not cost <= explode:  # NaN, infinite, or exploding
                status = RunStatus.DIVERGED
            elif prev is not None:
                rising = rising + 1 if cost > prev * RISE_FACTOR else 0
                if (
                    rising >= RISING_STEPS
                    and above_start
                    and not stable_transient(alpha_t, limit_of())
                ):
                    status = RunStatus.DIVERGED
                elif tolerance > 0 and (
                    gnorm <= tolerance
                    or settled(prev, cost, tolerance, alpha, alpha_t, problem.dtype)
                ):
                    status = RunStatus.CONVERGED
                    message = f"Converged after {it} iterations (tolerance {tolerance:g})."
                    limit_t = limit_of() if gnorm > tolerance else None
                    if limit_t is not None and alpha_t >= limit_t.value:
                        # settled at or above the bound: oscillating, not converged
                        status, quoted, stalled = RunStatus.DIVERGED, alpha_t, True
            elif tolerance > 0 and gnorm <= tolerance:
                status = RunStatus.CONVERGED
                message = f"Converged after {it} iterations (tolerance {tolerance:g})."
            limit: Limit | None = None
            if status is running and it >= iterations:
                # the bound costs a Gram matrix: only asked for when the cost did rise.
                limit = limit_of() if above_start else None
                if limit is not None and peak >= limit.value:
                    status = RunStatus.DIVERGED
                else:
                    status = RunStatus.MAX_ITERATIONS
                    message = f"Stopped after the maximum of {iterations} iterations."
            if status is running and cancelled:
                status = RunStatus.CANCELLED
                message = f"Stopped by the user after {it} iterations."
            if status == RunStatus.DIVERGED:
                limit = limit if limit is not None else limit_of()
                message = divergence_message(
                    alpha,
                    alpha_t,
                    quoted,
                    it,
                    cost0,
                    cost,
                    limit,
                    problem.dtype,
                    stalled=stalled,
                )
            if status is not running or it == next_report:
                if not need:  # a run that ended where no norm was due: the norm of its end
                    gnorm = evaluate(w_s, b_s, True)[3]
                # a snapshot of this iterate, with the status and message given
                here = functools.partial(
                    make_snapshot,
                    problem,
                    it,
                    cost,
                    w_s,
                    b_s,
                    gnorm,
                    warnings=problem.warnings,
                    batch_cost=batch_cost,
                )
                away = time.perf_counter()
                # elapsed: the solver's own time, from t0 + idle (its waits left out)
                yield here(t0 + idle, status, message)
                if status is not running:
                    return
                # RUNNING means it < iterations, so the planned chunk has at least one step.
                next_report = it + _chunk(pace, min(report_every, iterations - it))
                idle += time.perf_counter() - away  # the consumer's time and pace's waits
                if pace is not None and cancel is not None and cancel.is_set():
                    # pace may have blocked (a paused window) and returned because of the
                    # cancel: end here, on the state just reported, not one chunk later.
                    stopped = f"Stopped by the user after {it} iterations."
                    yield here(t0 + idle, RunStatus.CANCELLED, stopped)
                    return
            prev = cost
        if batch_gradient is not None:
            gw, gb, batch_cost = batch_gradient(w_s, b_s)
        w_s, b_s = step(w_s, b_s, gw, gb, it)
        it += 1


def plain_step(rate: Rate, intercept: bool, penalty: Penalty | None = None) -> Step:
    """The gradient-descent update ``w := w − α_t∇w``, ``b := b − α_t∂b`` (α_t = ``rate(t)``);
    with an L1 penalty, the proximal step: ``w`` then soft-thresholded by α_t·λ₁/m (ISTA)."""
    prox = penalty.prox if penalty is not None and penalty.l1 else None
    if prox is None and intercept:  # the common case, with no tests inside the step

        def step_plain(w: Any, b: Any, gw: Any, gb: Any, t: int) -> tuple[Any, Any]:
            lr = rate(t)
            return w - lr * gw, b - lr * gb

        return step_plain

    def step(w: Any, b: Any, gw: Any, gb: Any, t: int) -> tuple[Any, Any]:
        lr = rate(t)
        w = w - lr * gw
        if prox is not None:
            w = prox(w, lr)
        return w, (b - lr * gb if intercept else b)

    return step


def start_point(problem: Problem, w0: Any, b0: Any) -> tuple[np.ndarray, float | None]:
    w = np.zeros(problem.n) if w0 is None else np.asarray(w0, np.float64)
    if w.shape != (problem.n,):
        got = w.shape[0] if w.ndim == 1 else w.shape
        raise InputError(f"the start point needs {problem.n} coefficients, got {got}")
    b = 0.0 if b0 is None else float(b0)
    return problem.to_scaled(w, b)


def device_start(problem: Problem, w0: Any, b0: Any) -> tuple[Any, float]:
    """The start point (original units, zeros by default) in training coordinates: w_s on
    the problem's device in its dtype, b_s a float (0 without an intercept)."""
    w_start, b_start = start_point(problem, w0, b0)
    w_s = problem.xp.asarray(w_start, dtype=problem.dtype)
    return w_s, float(b_start) if b_start is not None else 0.0


def full_evaluator(
    problem: Problem, implementation: str = "vectorised", cancel: CancelFlag | None = None
) -> Evaluate:
    """``evaluate(w_s, b_s)``: the full-data cost J, ``∇w = X_sᵀe/m``, ``∂b = Σe/m`` and the
    gradient norm, by ``implementation`` (:mod:`core.solvers.implementations`; vectorised:
    the two matrix-vector products on the problem's device; ``cancel`` stops the loops
    mid-pass). With a penalty (:mod:`core.model.penalty`), J includes it, ∇w its L2 term,
    and the norm is that of the smallest subgradient (an L1 term's kink). Raises
    :class:`InputError` when the implementation is unknown or cannot run here."""
    kernel = prepare(implementation, problem.X, problem.y, problem.intercept, cancel)
    return kernel_evaluator(problem, kernel)


def gradient_descent(
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
    implementation: str = "vectorised",
) -> Iterator[Snapshot]:
    """Batch gradient descent: each step is ``e = X_s w + b - y``, ``∇w = X_sᵀe/m``,
    computed by ``implementation`` (:mod:`core.solvers.implementations`: vectorised, the
    two matrix-vector products on the problem's device, by default), the same path to
    rounding whichever it is.

    ``w0`` (n values) and ``b0`` are the start point in original units (zeros by default).
    ``pace(k)``, when given, is called before each chunk with the planned chunk length k
    (``report_every``, or fewer at the end) and returns the iterations to run before the next
    snapshot (1..k); it may block (a window waiting for Step), and should return when the
    run is cancelled: ``cancel`` is checked as soon as ``pace`` returns, so a run cancelled
    while paused ends on the iteration it had reached, with the same parameters.
    ``schedule``, ``decay`` and ``step_every`` choose the learning-rate schedule
    (:mod:`core.solvers.schedules`; constant α by default). Raises :class:`InputError` for
    bad options or an implementation that cannot run here, ``ValueError`` when ``pace``
    returns a number outside 1..k.
    """
    validate_gd_options(alpha, iterations, tolerance, report_every)
    rate = learning_rate(schedule, alpha, decay=decay, step_every=step_every, iterations=iterations)
    yield from descend_vectorised(
        problem,
        w0,
        b0,
        alpha=alpha,
        iterations=iterations,
        tolerance=tolerance,
        report_every=report_every,
        cancel=cancel,
        pace=pace,
        step=plain_step(rate, problem.intercept, problem.penalty),
        rate=rate,
        implementation=implementation,
        plain=True,
    )


def gradient_descent_loop(problem: Problem, **options: Any) -> Iterator[Snapshot]:
    """:func:`gradient_descent` with the Python-loop implementation (the ``gd-loop`` solver)."""
    return gradient_descent(problem, implementation="loop", **options)


def descend_vectorised(
    problem: Problem,
    w0: Any,
    b0: Any,
    *,
    step: Step,
    rate: Rate,
    bound: Bound | None = None,
    batch_gradient: BatchGradient | None = None,
    implementation: str = "vectorised",
    plain: bool = False,
    **options: Any,
) -> Iterator[Snapshot]:
    """:func:`descend` from the start point ``w0``, ``b0`` (original units) with the
    full-data cost and gradient computed by ``implementation`` (:func:`full_evaluator`),
    overflow in a diverging run silenced (the verdict says it); ``options`` are descend's
    ``alpha``, ``iterations``, ``tolerance``, ``report_every``, ``cancel`` and ``pace``.
    Gradient descent and every optimizer run on it; ``plain``: the update is plain
    gradient descent (the Gram form may then fast-forward). A cancel inside a pass of the
    Python loops ends the run on the last iterate reported. The snapshots' elapsed time
    includes the implementation's preparation (the Gram form's XᵀX)."""
    check_available(implementation, problem.device, batch_gradient is not None)
    warm_up(implementation, problem.dtype)  # the compiler's time is not the run's
    started = time.perf_counter()
    w_s, b_s = device_start(problem, w0, b0)
    cancel = options.get("cancel")
    last: Snapshot | None = None
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if implementation == "gram":
                form = GramForm.precompute(problem.X, problem.y, cancel)
                evaluate = kernel_evaluator(problem, form.kernel(problem.intercept))
                advance = gram_advance(problem, form, options["alpha"]) if plain else None
            else:
                evaluate, advance = full_evaluator(problem, implementation, cancel), None
            for snap in descend(
                problem,
                evaluate,
                w_s,
                b_s,
                step=step,
                bound=bound,
                batch_gradient=batch_gradient,
                rate=rate,
                advance=advance,
                started=started,
                **options,
            ):
                last = snap
                yield snap
    except Cancelled:
        if last is None:
            yield make_snapshot(
                problem, 0, math.nan, w_s, b_s, math.nan, started,
                RunStatus.CANCELLED, "Stopped by the user.",
            )  # fmt: skip
        else:
            it = last.iteration
            yield dataclasses.replace(
                last,
                status=RunStatus.CANCELLED,
                message=f"Stopped by the user after {it} iterations.",
            )
