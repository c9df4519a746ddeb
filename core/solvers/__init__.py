"""Solvers: batch gradient descent (vectorised and as Python loops), the optimizers of
``torch.optim`` (mini-batch SGD, momentum, Nesterov, AdaGrad, RMSprop, Adam) with
learning-rate schedules, and the normal equation.

Every solver is a generator of immutable :class:`Snapshot` objects. Gradient descent yields
one every ``report_every`` iterations and always a final one; the normal equations yield
just their final answer. A solver never prints and never touches Qt; it stops at the next
iteration (or row block, for the loop) once ``cancel.is_set()`` is true.

Modules: :mod:`~core.solvers.snapshot` (Snapshot, RunStatus), :mod:`~core.solvers.gd`,
:mod:`~core.solvers.optimizers`, :mod:`~core.solvers.schedules`,
:mod:`~core.solvers.normal`, :mod:`~core.solvers.implementations` (the kernel registry: the
step computed vectorised, in Python loops, compiled, fused, in Gram form or by a CUDA kernel,
for the runs and the timing lab alike). Every public name is importable from ``core.solvers``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from core.errors import InputError
from core.model.problem import Problem
from core.solvers.gd import (
    EXPLODE_FACTOR,
    RISING_STEPS,
    Pace,
    gradient_descent,
    gradient_descent_loop,
)
from core.solvers.implementations import (
    IMPLEMENTATION_LABELS,
    IMPLEMENTATIONS,
    check_available,
    unavailable,
)
from core.solvers.normal import ILL_CONDITIONED, normal_equation, normal_textbook
from core.solvers.optimizers import OPTIMIZER_OPTIONS, OPTIMIZERS, PROXIMAL, describe, optimize
from core.solvers.schedules import SCHEDULES, learning_rate
from core.solvers.snapshot import CancelFlag, RunStatus, Snapshot

SOLVERS = ("gd", "gd-loop", *OPTIMIZERS, "normal", "normal-textbook")
#: Batch gradient descent under its two solver names (gd-loop: gd with the loop implementation).
GD_IMPLEMENTATIONS = ("gd", "gd-loop")
#: The iterative solvers: they take α, iterations, tolerance and a schedule.
GD_SOLVERS = (*GD_IMPLEMENTATIONS, *OPTIMIZERS)
#: The options every iterative solver takes for its schedule.
SCHEDULE_OPTIONS = ("schedule", "decay", "step_every")
#: The run settings every iterative solver takes by name (besides α, iterations, tolerance).
ITERATIVE_OPTIONS = (*SCHEDULE_OPTIONS, *OPTIMIZER_OPTIONS, "implementation")
SOLVER_LABELS = {
    "gd": "batch gradient descent",
    "gd-loop": "batch gradient descent (the loop implementation)",
    "normal": "normal equation (stable: QR + refinement)",
    "normal-textbook": "normal equation (textbook inverse of XᵀX)",
    "sgd": "mini-batch stochastic gradient descent",
    "momentum": "gradient descent with momentum (PyTorch SGD, momentum μ)",
    "nesterov": "Nesterov momentum (PyTorch SGD, nesterov=True)",
    "adagrad": "AdaGrad (PyTorch Adagrad)",
    "rmsprop": "RMSprop (PyTorch RMSprop)",
    "adam": "Adam (PyTorch Adam)",
}

# The statuses under their old module-level names (each is the RunStatus member).
RUNNING = RunStatus.RUNNING
CONVERGED = RunStatus.CONVERGED
MAX_ITERATIONS = RunStatus.MAX_ITERATIONS
DIVERGED = RunStatus.DIVERGED
CANCELLED = RunStatus.CANCELLED
SOLVED = RunStatus.SOLVED


def run_solver(problem: Problem, solver: str, **options: Any) -> Iterator[Snapshot]:
    """Start ``solver`` (one of :data:`SOLVERS`) on ``problem``.

    GD options (``alpha``, ``iterations``, ``tolerance``, ``w0``, ``b0``, ``report_every``,
    ``cancel``, ``pace``, ``implementation``; ``gd-loop`` is ``gd`` with the loop
    implementation) and the schedule's (:data:`SCHEDULE_OPTIONS`) pass through to the
    iterative solvers; the optimizers' own (:data:`OPTIMIZER_OPTIONS`) to the optimizers
    only, so a caller may pass every option whatever the solver; the normal solvers use
    ``cancel`` only. Raises :class:`InputError` for an unknown solver.
    """
    if problem.penalty.l1 and solver not in (*GD_IMPLEMENTATIONS, *PROXIMAL):
        how = "has no closed-form answer" if solver not in OPTIMIZERS else "needs a proximal step"
        raise InputError(
            f"an L1 penalty (lasso) {how}: train it with gd, gd-loop or sgd (proximal "
            "gradient descent), or use the L2 penalty (ridge)"
        )
    if solver in OPTIMIZERS:
        return optimize(problem, solver, **options)
    if solver in GD_IMPLEMENTATIONS:
        gd_options = {k: v for k, v in options.items() if k not in OPTIMIZER_OPTIONS}
        if solver == "gd-loop":
            gd_options["implementation"] = "loop"
        return gradient_descent(problem, **gd_options)
    cancel = options.get("cancel")
    if solver == "normal":
        return normal_equation(problem, cancel=cancel)
    if solver == "normal-textbook":
        return normal_textbook(problem, cancel=cancel)
    raise InputError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")


def last(snapshots: Iterable[Snapshot]) -> Snapshot:
    """Run a solver to its end and return the final snapshot."""
    snap = None
    for snap in snapshots:  # noqa: B007
        pass
    if snap is None:
        raise ValueError("the solver yielded no snapshot")
    return snap


__all__ = [
    "CANCELLED",
    "CONVERGED",
    "DIVERGED",
    "EXPLODE_FACTOR",
    "GD_IMPLEMENTATIONS",
    "GD_SOLVERS",
    "ILL_CONDITIONED",
    "IMPLEMENTATIONS",
    "IMPLEMENTATION_LABELS",
    "ITERATIVE_OPTIONS",
    "MAX_ITERATIONS",
    "OPTIMIZERS",
    "OPTIMIZER_OPTIONS",
    "PROXIMAL",
    "RISING_STEPS",
    "RUNNING",
    "SCHEDULES",
    "SCHEDULE_OPTIONS",
    "SOLVED",
    "SOLVERS",
    "SOLVER_LABELS",
    "CancelFlag",
    "Pace",
    "RunStatus",
    "Snapshot",
    "check_available",
    "describe",
    "gradient_descent",
    "gradient_descent_loop",
    "last",
    "learning_rate",
    "normal_equation",
    "normal_textbook",
    "optimize",
    "run_solver",
    "unavailable",
]
