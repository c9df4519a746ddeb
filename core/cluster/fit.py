"""``gd-explorer fit DATA --engine dask``: one pass over DATA's row chunks on a Dask cluster
forms the Gram statistics, then the solver runs from them in this process.

- ``--solver normal`` (:mod:`core.cluster.normal`): the least-squares answer, from the
  statistics refined by passes over the chunks, or from a tall-skinny QR.
- ``--solver gd`` (:mod:`core.cluster.descent`; ``--implementation gram``, the default on
  this engine): the product's own gradient-descent driver on the Gram form, every step O(n²)
  here; ``--implementation vectorised``: every step a map-reduce over the chunks on the
  cluster (:mod:`core.cluster.steps`).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from core.cluster.gram_problem import GramProblem
from core.errors import InputError
from core.run_report import final_fields

#: ``settings_from_args(args) -> (DataSettings, ModelSettings, RunSettings)``, validated.
Settings = Callable[[argparse.Namespace], tuple[Any, Any, Any]]
#: The fit options the dask engine does not take yet, with what to do instead.
_REFUSED = {
    "history": "--history",
    "predict": "--predict",
}
_REFUSED_DATA = (
    *("header", "delimiter", "encoding", "decimal", "thousands", "sheet"),
    *("categorical", "missing"),
)


def check_options(args: argparse.Namespace, settings_from_args: Settings) -> tuple[Any, Any, Any]:
    """The validated settings of a dask fit (``settings_from_args``: the command line's
    :func:`core.cli_args.settings_from_args`); InputError naming the first option the engine
    does not take (yet) or that the cluster extra is missing."""
    from core.cluster import missing

    if args.data.startswith("demo:"):
        raise InputError(
            f"--engine dask reads data from disk (Parquet, CSV files, Zarr, .npy), not "
            f"{args.data}; make a dataset with 'gd-explorer make-data'"
        )
    for key in _REFUSED_DATA:
        if hasattr(args, key):
            option = "--" + key.replace("_", "-")
            raise InputError(f"{option} does not apply to --engine dask (yet)")
    for key, option in _REFUSED.items():
        if getattr(args, key, None):
            raise InputError(f"{option} does not apply to --engine dask (yet)")
    if args.optimal:
        raise InputError("--optimal does not apply to --engine dask (yet)")
    why = missing()
    if why:
        raise InputError(why)
    data, model, run = settings_from_args(args)
    limits = [
        (model.degree != 1, "--degree (polynomial features)"),
        (model.test_fraction > 0, "--test-fraction (a test set)"),
        (model.device != "cpu", f"--device {model.device}"),
        (bool(model.l1 or model.l2), "--l1 and --l2 (penalties)"),
        (args.dtype != "float64", "--dtype float32 (the statistics are float64)"),
    ]
    for refused, what in limits:
        if refused:
            raise InputError(f"{what} does not apply to --engine dask (yet)")
    if run.solver not in ("gd", "normal"):
        raise InputError(
            f"--engine dask runs --solver normal and gd (Gram form); not {run.solver} (yet)"
        )
    chosen = run.implementation if hasattr(args, "implementation") else "gram"
    if run.solver == "gd" and chosen not in ("gram", "vectorised"):
        raise InputError(
            "--engine dask runs gradient descent in Gram form (--implementation gram: one "
            "pass, then every step here) or as a map-reduce over the chunks every step "
            f"(--implementation vectorised); not --implementation {chosen}"
        )
    return data, model, run


def fit_report(args: argparse.Namespace, settings_from_args: Settings) -> dict[str, Any]:
    """Run ``fit`` on the dask engine; return the JSON-ready report (the in-memory report's
    keys, plus ``engine``, ``cluster`` and ``pass``); ``settings_from_args`` validates the
    options as for the in-memory fit. InputError for bad data or options."""
    from core.cluster.data import open_data
    from core.cluster.descent import gd_snapshots
    from core.cluster.engine import connect
    from core.cluster.normal import NOTE as NORMAL_NOTE
    from core.cluster.normal import normal_snapshot
    from core.cluster.statistics import gram_pass
    from core.solvers import describe
    from core.solvers.theory import problem_theory

    _, model, run = check_options(args, settings_from_args)
    t_open = time.perf_counter()
    lazy = open_data(
        args.data,
        target=getattr(args, "target", None) or None,
        features=tuple(getattr(args, "features", ()) or ()),
        ignore=tuple(getattr(args, "ignore", ()) or ()),
    )
    notes = list(lazy.notes)
    if run.solver == "gd" and not hasattr(args, "implementation"):
        notes.append("gradient descent runs in Gram form on the dask engine (one pass over "
                     "the data, then every step from XᵀX, Xᵀy, yᵀy)")  # fmt: skip
    gd = run.solver == "gd"
    chunked = gd and getattr(args, "implementation", "gram") == "vectorised"
    steps: dict[str, Any] = {}
    with connect(args.scheduler) as (client, cluster):
        t0 = time.perf_counter()
        stats = gram_pass(client, lazy.parts, args.data)
        pass_s = time.perf_counter() - t0
        problem = GramProblem(
            stats, lazy.features, scaling=model.scaling, intercept=model.intercept
        )
        t_solve = time.perf_counter()
        if chunked:
            from core.cluster.steps import ChunkedSteps

            nbytes = 8 * stats.m * (stats.n + 1)
            kernel = ChunkedSteps(
                client, lazy.parts, problem, cluster["memory_limit_bytes"], nbytes, lazy.path
            )
            final, options = gd_snapshots(problem, run, args, kernel)
            steps = {"reductions": kernel.calls, "persisted": kernel.persisted}
            notes.append(
                f"every step is a map-reduce over the {stats.chunks:,} chunks on the cluster "
                f"({kernel.calls:,} reductions; the chunks "
                + ("kept in the workers' memory)" if kernel.persisted else "read from disk each "
                   "time: they exceed half the cluster's memory limit)")
            )  # fmt: skip
        elif gd:
            final, options = gd_snapshots(problem, run, args)
        else:
            final, steps = normal_snapshot(problem, t_solve, client, lazy.parts, lazy.path)
            options = {}
            notes.append(NORMAL_NOTE)
    alpha = options["alpha"] if gd else None
    solve_s = time.perf_counter() - t_solve
    assert final is not None
    sst = float(stats.M2[stats.n, stats.n])
    sse = 2 * stats.m * final.cost
    warnings = [*final.warnings] + ([final.message] if final.diverged else [])
    return {
        "engine": "dask",
        "cluster": cluster,
        "pass": {
            "chunks": stats.chunks,
            "seconds": pass_s,
            "statistics": "XᵀX, Xᵀy, yᵀy, column sums, minima and maxima (float64, centred "
            "per chunk and merged pairwise)",
        },
        "solver": run.solver,
        "implementation": ("vectorised" if chunked else "gram") if gd else None,
        "steps": steps or None,
        "scaling": problem.scaling,
        "degree": 1,
        "device": "cpu",
        "dtype": "float64",
        "source": lazy.path,
        "m": stats.m,
        "n": stats.n,
        "feature_names": list(lazy.features),
        "target_name": lazy.target,
        **final_fields(final),
        "alpha": alpha,
        "optimizer": describe(run.solver, **options) if gd else None,
        "theory": problem_theory(problem, run, alpha, final.iteration) if gd else None,  # type: ignore[arg-type]
        "alpha_max": problem.alpha_max,
        "condition_number": problem.condition_number,
        "gradient_norm": final.grad_norm,
        "elapsed_s": final.elapsed,
        "seconds_per_iteration": final.elapsed / final.iteration
        if gd and final.iteration
        else None,
        "seconds": {
            "open": t0 - t_open - cluster["start_s"],
            "cluster_start": cluster["start_s"],
            "pass": pass_s,
            "solve": solve_s,
        },
        "message": final.message,
        "warnings": warnings,
        "notes": notes,
        "m_total": stats.m,
        "split": None,
        "test_cost": None,
        "penalty": {"l2": 0.0, "l1": 0.0, "zeroed": []},
        "model": _model(problem, lazy.target, final) if final.usable else None,
        "metrics": None,
        "reading": (
            f"training R² = {1 - sse / sst:.6g}, RMSE = {math.sqrt(sse / stats.m):.6g} "
            "(from the statistics)"
            if sst > 0 and final.usable
            else ""
        ),
        "data": {"format": lazy.kind, "columns": lazy.columns, "chunks": stats.chunks},
    }


def _model(problem: GramProblem, target: str, final: Any) -> dict[str, Any]:
    """The saved model (as the in-memory report's ``"model"``, for ``predict --model``)."""
    from core.evaluation.predictor import Predictor

    n, stats = problem.n, problem.stats
    ranges = tuple((float(stats.low[j]), float(stats.high[j])) for j in range(n))
    w = np.asarray(final.w, np.float64)
    names = problem.feature_names
    return Predictor(names, (None,) * n, tuple(range(n)), 1, w, final.b, target, ranges).to_dict()


def format_dask_report(report: dict[str, Any]) -> str:
    """The human-readable report: the in-memory one, then the cluster and the pass."""
    from core.cli_report import count_text, format_report

    c, p = report["cluster"], report["pass"]
    per_worker = c["memory_limit_per_worker_bytes"] / 1e9
    lines = [
        format_report(report),
        f"cluster     {c['kind']} Dask cluster at {c['scheduler']}: "
        f"{count_text(c['workers'], 'worker')}, {count_text(c['threads'], 'thread')}, "
        f"memory limit {per_worker:.3g} GB per worker",
        f"pass        {count_text(p['chunks'], 'chunk')} in {p['seconds']:.3g} s "
        f"({p['statistics']})",
    ]
    return "\n".join(lines)
