"""Gradient descent and the optimizers on the dask engine: the product's own driver
(:func:`core.solvers.gd.descend`) with the update rules of
:func:`core.solvers.optimizers.optimizer_plan` (the ones ``optimize`` uses in memory), each
step from the Gram form (O(n²) in this process), a map-reduce over every chunk on the
cluster (:class:`~core.cluster.steps.ChunkedSteps`) or, for a mini-batch, a reduction over
the chunks that hold its rows (:class:`~core.cluster.batches.ChunkedBatches`); the same
snapshots, stopping rules and divergence verdict as in memory.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from core.cluster.gram_problem import GramProblem
from core.errors import InputError

#: The implementations of a step on the dask engine.
IMPLEMENTATIONS = ("gram", "vectorised")


def gd_snapshots(
    problem: GramProblem,
    run: Any,
    args: argparse.Namespace,
    kernel: Any = None,
    batch_gradient: Any = None,
    observe: Any = None,
) -> tuple[Any, dict]:
    """The final snapshot of ``run.solver`` (gd or one of the optimizers) from the Gram
    form, or with ``kernel`` (a :class:`~core.cluster.steps.ChunkedSteps`) every full-data
    gradient on the cluster, or with ``batch_gradient`` (a
    :class:`~core.cluster.batches.ChunkedBatches`) every mini-batch's on the cluster and
    the full-data cost of the snapshots from the Gram form; and the run's options (for
    :func:`core.solvers.describe`); ``observe(snapshot)`` sees each snapshot as it is
    made. InputError for a bad option, as in memory."""
    from core.solvers import ITERATIVE_OPTIONS
    from core.solvers.fast_forward import gram_advance, timed_pace
    from core.solvers.gd import descend, plain_step, validate_gd_options
    from core.solvers.implementations import kernel_evaluator, warm_up
    from core.solvers.optimizers import mini_batch, optimizer_plan
    from core.solvers.schedules import learning_rate

    alpha = run.alpha if run.alpha_factor is None else run.alpha_factor * problem.alpha_max
    batch = mini_batch(run.solver, run.batch_size, problem.m)
    every, pace = args.report_every, None
    if every is None:  # as the in-memory fit: a mini-batch run or a history keeps them all
        keep = batch or getattr(args, "history", None) is not None
        every, pace = (1, None) if keep else (max(1, run.iterations), timed_pace())
    bound = None
    if run.solver == "gd":
        validate_gd_options(alpha, run.iterations, run.tolerance, every)
        rate = learning_rate(
            run.schedule, alpha, decay=run.decay, step_every=run.step_every,
            iterations=run.iterations,
        )  # fmt: skip
        step, plain = plain_step(rate, problem.intercept, problem.penalty), True
    else:
        plan = optimizer_plan(
            problem, run.solver, alpha=alpha, iterations=run.iterations, tolerance=run.tolerance,
            report_every=every, batch_size=run.batch_size, momentum=run.momentum,
            rho=run.rho, beta1=run.beta1, beta2=run.beta2, epsilon=run.epsilon,
            schedule=run.schedule, decay=run.decay, step_every=run.step_every,
        )  # fmt: skip
        step, rate, bound, every, plain = (
            plan.step,
            plan.rate,
            plan.bound,
            plan.report_every,
            plan.plain,
        )
    warm_up("gram", "float64")  # numba's compile (or cache load) is not the run's time
    started = time.perf_counter()
    w_s, b_s = problem.to_scaled(np.zeros(problem.n), 0.0)
    final = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for snap in descend(
            problem,
            kernel_evaluator(problem, kernel or problem.form.kernel(problem.intercept)),
            np.asarray(w_s, np.float64),
            float(b_s or 0.0),
            alpha=alpha,
            iterations=run.iterations,
            tolerance=run.tolerance,
            report_every=every,
            cancel=None,
            pace=pace,
            step=step,
            bound=bound,
            batch_gradient=batch_gradient,
            rate=rate,
            advance=(
                gram_advance(problem, problem.form, alpha)
                if plain and run.schedule == "constant" and kernel is None
                else None
            ),
            started=started,
        ):
            final = snap
            if observe is not None:
                observe(snap)
    options = {"alpha": alpha, **{key: getattr(run, key) for key in ITERATIVE_OPTIONS}}
    options["batch_size"] = batch  # a batch of m rows or more is the full batch
    return final, options


def iterative_fit(
    client: Any,
    lazy: Any,
    problem: GramProblem,
    cluster: dict[str, Any],
    run: Any,
    args: argparse.Namespace,
    notes: list[str],
    observe: Any = None,
) -> tuple[Any, dict, dict, str]:
    """Run ``run.solver`` (gd or an optimizer) on the dask engine after the pass: the final
    snapshot, its options, the ``steps`` report ({"reductions", "persisted"}, empty for the
    Gram form) and the implementation used; where the steps ran is added to ``notes``.
    ``--implementation`` gram (the full-batch default) or vectorised (the mini-batch
    default). ``observe(snapshot)`` sees each snapshot as it is made. InputError for a
    mini-batch in Gram form (as in memory) or on chunks that do
    not fit in the workers' memory."""
    from core.cluster.steps import ChunkedSteps, fits_in_memory
    from core.solvers.implementations import check_available
    from core.solvers.optimizers import mini_batch

    stats = problem.stats
    batch = mini_batch(run.solver, run.batch_size, problem.m)
    given = hasattr(args, "implementation")
    implementation = run.implementation if given else ("vectorised" if batch else "gram")
    if batch:
        check_available(implementation, "cpu", mini_batch=True)  # the Gram form: refused
    nbytes = 8 * stats.m * (stats.n + 1)
    if batch:
        limit = cluster["memory_limit_bytes"]
        if not fits_in_memory(limit, nbytes):
            raise InputError(
                f"--batch-size {batch} on the dask engine needs the chunks in the workers' "
                f"memory, and these data ({nbytes / 1e9:.3g} GB) exceed half of the "
                f"cluster's memory limit ({limit / 1e9:.3g} GB): each mini-batch would read "
                "whole chunks from disk for a few rows. Drop --batch-size (full-batch "
                "steps; --implementation gram reads the data once) or give the workers "
                "more memory",
                path=lazy.path,
            )
        from core.cluster.batches import ChunkedBatches

        batches = ChunkedBatches(
            client, client.persist(lazy.parts), problem, batch, run.shuffle_seed, lazy.path
        )
        final, options = gd_snapshots(problem, run, args, batch_gradient=batches, observe=observe)
        notes.append(
            f"each mini-batch step is a reduction on the cluster over only the chunks that "
            f"hold its {batch:,} rows (kept in the workers' memory; {batches.calls:,} "
            f"reductions, {batches.tasks:,} chunk tasks); the full-data cost at the "
            "snapshots comes from the Gram form of the one pass, here"
        )
        return final, options, {"reductions": batches.calls, "persisted": True}, implementation
    if implementation == "vectorised":
        kernel = ChunkedSteps(
            client, lazy.parts, problem, cluster["memory_limit_bytes"], nbytes, lazy.path
        )
        final, options = gd_snapshots(problem, run, args, kernel, observe=observe)
        notes.append(
            f"every step is a map-reduce over the {stats.chunks:,} chunks on the cluster "
            f"({kernel.calls:,} reductions; the chunks "
            + ("kept in the workers' memory)" if kernel.persisted else "read from disk each "
               "time: they exceed half the cluster's memory limit)")
        )  # fmt: skip
        steps = {"reductions": kernel.calls, "persisted": kernel.persisted}
        return final, options, steps, implementation
    final, options = gd_snapshots(problem, run, args, observe=observe)
    default = "" if given else "; the full-batch default on the dask engine"
    notes.append(
        "every step ran in this process from the Gram form (XᵀX, Xᵀy, yᵀy of the one "
        f"pass{default}): O(n²) a step, no data read"
    )
    return final, options, {}, implementation
