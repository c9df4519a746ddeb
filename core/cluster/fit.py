"""``gd-explorer fit DATA --engine dask``: one pass over DATA's row chunks on a Dask cluster
forms the Gram statistics, then the solver runs from them in this process.

- ``--solver normal`` (:mod:`core.cluster.normal`): the least-squares answer, from the
  statistics refined by passes over the chunks, or from a tall-skinny QR.
- ``--solver gd`` and the optimizers (:mod:`core.cluster.descent`; ``--implementation
  gram``, the full-batch default on this engine): the product's own gradient-descent
  driver on the Gram form, every step O(n²) here; ``--implementation vectorised``: every
  step a map-reduce over the chunks on the cluster (:mod:`core.cluster.steps`); a
  mini-batch (``--batch-size``) a reduction over the chunks that hold its rows
  (:mod:`core.cluster.batches`).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from core.cluster.gram_problem import GramProblem
from core.cluster.statistics import GramStatistics
from core.errors import InputError
from core.run_report import final_fields

#: ``settings_from_args(args) -> (DataSettings, ModelSettings, RunSettings)``, validated.
Settings = Callable[[argparse.Namespace], tuple[Any, Any, Any]]
#: ``observer(feature_names, intercept, batch_cost) -> observe``, called after the pass,
#: when the run is about to start; ``observe(snapshot)`` then sees each snapshot as it is made
#: (the command line's ``--history``; ``batch_cost``: a mini-batch run's snapshots carry it).
Observer = Callable[[Sequence[str], bool, bool], Callable[[Any], None]]
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
    if args.optimal:
        raise InputError("--optimal does not apply to --engine dask (yet)")
    why = missing()
    if why:
        raise InputError(why)
    data, model, run = settings_from_args(args)
    limits = [
        (model.degree != 1, "--degree: polynomial features are"),
        (model.test_fraction > 0, "--test-fraction: a test set is"),
        (model.device != "cpu", f"--device {model.device}: the engine's steps run on CPUs, "
         "so the GPU is"),
        (bool(model.l1 or model.l2), "--l1/--l2: penalties are"),
        (args.dtype != "float64", "--dtype float32: the statistics are float64, so float32 is"),
    ]  # fmt: skip
    for refused, what in limits:
        if refused:
            raise InputError(f"{what} not available with --engine dask (yet)")
    from core.solvers import OPTIMIZERS

    runs = f"--engine dask runs --solver normal, gd and the optimizers ({', '.join(OPTIMIZERS)})"
    if getattr(args, "solver", None) == "gd-loop":  # settings made it gd with the loop
        raise InputError(f"{runs}; not gd-loop (its Python loop reads the rows here): choose gd")
    if run.solver not in ("gd", "normal", *OPTIMIZERS):
        raise InputError(f"{runs}; not {run.solver} (yet)")
    chosen = run.implementation if hasattr(args, "implementation") else "gram"
    if run.solver != "normal" and chosen not in ("gram", "vectorised"):
        raise InputError(
            "--engine dask runs the iterative solvers in Gram form (--implementation gram: "
            "one pass, then every step here) or as a map-reduce over the chunks every step "
            f"(--implementation vectorised); not --implementation {chosen}"
        )
    return data, model, run


def fit_report(
    args: argparse.Namespace, settings_from_args: Settings, observer: Observer | None = None
) -> dict[str, Any]:
    """Run ``fit`` on the dask engine; return the JSON-ready report (the in-memory report's
    keys, plus ``engine``, ``cluster`` and ``pass``); ``settings_from_args`` validates the
    options as for the in-memory fit; ``observer`` (see :data:`Observer`) sees every
    snapshot as it is made (the normal equation's one). ``--predict`` values are checked
    before the pass. InputError for bad data or options."""
    from core.cli_eval import predictions
    from core.cluster.data import open_data
    from core.cluster.descent import iterative_fit
    from core.cluster.engine import connect
    from core.cluster.normal import NOTE as NORMAL_NOTE
    from core.cluster.normal import normal_snapshot
    from core.cluster.statistics import gram_pass
    from core.solvers import describe
    from core.solvers.optimizers import mini_batch
    from core.solvers.theory import problem_theory

    _, model, run = check_options(args, settings_from_args)
    t_open = time.perf_counter()
    lazy = open_data(
        args.data,
        target=getattr(args, "target", None) or None,
        features=tuple(getattr(args, "features", ()) or ()),
        ignore=tuple(getattr(args, "ignore", ()) or ()),
    )
    predict = tuple(getattr(args, "predict", None) or ())
    n_features = len(lazy.features)
    blank = _predictor(lazy.features, lazy.target, np.zeros(n_features), 0.0, None)
    predictions(blank, predict)  # a bad value is refused before the pass, not after it
    notes = list(lazy.notes)
    gd = run.solver != "normal"  # gd or an optimizer
    steps: dict[str, Any] = {}
    implementation = None
    with connect(args.scheduler) as (client, cluster):
        t0 = time.perf_counter()
        stats = gram_pass(client, lazy.parts, args.data, columns=[*lazy.features, lazy.target])
        observe = None
        if observer is not None:  # m known: a batch of m rows or more is the full batch
            batch = gd and bool(mini_batch(run.solver, run.batch_size, stats.m))
            observe = observer(lazy.features, model.intercept, batch)
        pass_s = time.perf_counter() - t0
        problem = GramProblem(
            stats, lazy.features, scaling=model.scaling, intercept=model.intercept
        )
        t_solve = time.perf_counter()
        if gd:
            final, options, steps, implementation = iterative_fit(
                client, lazy, problem, cluster, run, args, notes, observe
            )
        else:
            final, steps = normal_snapshot(problem, t_solve, client, lazy.parts, lazy.path)
            options = {}
            if observe is not None:
                observe(final)
            notes.append(NORMAL_NOTE)
    alpha = options["alpha"] if gd else None
    solve_s = time.perf_counter() - t_solve
    assert final is not None
    sst = float(stats.M2[stats.n, stats.n])
    sse = 2 * stats.m * final.cost
    warnings = [*final.warnings] + ([final.message] if final.diverged else [])
    predictor = _predictor(lazy.features, lazy.target, final.w, final.b, stats)
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
        "implementation": implementation,
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
        "theory": problem_theory(problem, run, options["alpha"], final.iteration) if gd else None,
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
        # a diverged run predicts nothing: no model is saved (as in memory)
        "model": predictor.to_dict() if final.usable else None,
        **({"predictions": predictions(predictor, predict)} if predict else {}),
        "metrics": None,
        "reading": (
            f"training R² = {1 - sse / sst:.6g}, RMSE = {math.sqrt(sse / stats.m):.6g} "
            "(from the statistics)"
            if sst > 0 and final.usable
            else ""
        ),
        "data": {"format": lazy.kind, "columns": lazy.columns, "chunks": stats.chunks},
    }


def _predictor(
    names: Any, target: str, w: Any, b: float | None, stats: GramStatistics | None
) -> Any:
    """The :class:`~core.evaluation.predictor.Predictor` of coefficients ``w``, ``b``
    (original units) on the numeric features ``names``; the training ranges from
    ``stats`` (None: unknown yet, no extrapolation warnings)."""
    from core.evaluation.predictor import Predictor

    n = len(names)
    ranges = (
        tuple((float(stats.low[j]), float(stats.high[j])) for j in range(n))
        if stats is not None
        else ((-math.inf, math.inf),) * n
    )
    w = np.asarray(w, np.float64)
    return Predictor(tuple(names), (None,) * n, tuple(range(n)), 1, w, b, target, ranges)


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
