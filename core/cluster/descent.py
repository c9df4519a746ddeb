"""Gradient descent on the dask engine: the product's own driver
(:func:`core.solvers.gd.descend`) on the Gram form (every step O(n²) in this process) or,
with a :class:`~core.cluster.steps.ChunkedSteps` kernel, every step a map-reduce over the
chunks on the cluster; the same snapshots, stopping rules and divergence verdict as in
memory.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from core.cluster.gram_problem import GramProblem


def gd_snapshots(
    problem: GramProblem, run: Any, args: argparse.Namespace, kernel: Any = None
) -> tuple[Any, dict]:
    """The final snapshot of gradient descent on the Gram form, or with ``kernel`` (a
    :class:`~core.cluster.steps.ChunkedSteps`) every step on the cluster; and its options."""
    from core.solvers.fast_forward import gram_advance, timed_pace
    from core.solvers.gd import descend, plain_step, validate_gd_options
    from core.solvers.implementations import kernel_evaluator, warm_up
    from core.solvers.schedules import learning_rate

    alpha = run.alpha if run.alpha_factor is None else run.alpha_factor * problem.alpha_max
    every, pace = args.report_every, None
    if every is None:
        every, pace = max(1, run.iterations), timed_pace()
    validate_gd_options(alpha, run.iterations, run.tolerance, every)
    rate = learning_rate(
        run.schedule, alpha, decay=run.decay, step_every=run.step_every, iterations=run.iterations
    )
    gp: Any = problem  # duck-typed: what descend reads of a Problem
    warm_up("gram", "float64")  # numba's compile (or cache load) is not the run's time
    started = time.perf_counter()
    w_s, b_s = problem.to_scaled(np.zeros(problem.n), 0.0)
    final = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for snap in descend(
            gp,
            kernel_evaluator(gp, kernel or problem.form.kernel(problem.intercept)),
            np.asarray(w_s, np.float64),
            float(b_s or 0.0),
            alpha=alpha,
            iterations=run.iterations,
            tolerance=run.tolerance,
            report_every=every,
            cancel=None,
            pace=pace,
            step=plain_step(rate, problem.intercept, problem.penalty),
            rate=rate,
            advance=(
                gram_advance(gp, problem.form, alpha)
                if run.schedule == "constant" and kernel is None
                else None
            ),
            started=started,
        ):
            final = snap
    options = {"alpha": alpha, "schedule": run.schedule, "decay": run.decay}
    options["step_every"] = run.step_every
    return final, options
