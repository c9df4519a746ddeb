"""Time to reach a cost: batch gradient descent against mini-batch SGD, in seconds and passes.

One problem is generated (:func:`core.data.datasets.make_synthetic`: features offset and
spread over 10^0..10^2, 10 % noise) and trained **z-scored** (the product's z-score), so
that batch GD at its best constant step and SGD both converge. Its optimum J* is the Gram
optimum (``Problem.gram_optimum``, a least-squares solve of AᵀA/m, whose κ² is small
after z-scoring) evaluated on the data; J_0 is the cost at the start (all parameters 0).
Each target is ``J_target = J* + ε·(J_0 − J*)``, for every ε in :attr:`ToCostConfig.targets`.

Methods, each the product's own solver from the same start:

- ``gd``: :func:`core.solvers.gd.gradient_descent` at α* = 2/(λ_min + λ_max)
  (:func:`core.solvers.theory.alpha_optimal`), the best constant step for the quadratic.
- ``sgd`` with batch size B: :func:`core.solvers.optimize` (``"sgd"``, ``batch_size=B``,
  constant α, one shuffle seed). Its α is the **largest of a grid** α*·f, f in
  :attr:`ToCostConfig.alpha_factors` (1, 1/4, … 1/1024), whose run reaches the target: a
  larger α diverges or stalls at its noise floor above the target. The grid is tried from
  the top; each α's outcome is kept in the row (``tried``).

Two phases, because the driver evaluates the full-data cost (two products over all of X)
at every snapshot, which would swamp a mini-batch run's own time:

1. **Search** (not timed): each run checks the full-data cost J every ``check_every``
   updates (:func:`~core.timing.to_cost_results.check_interval`): after every update for
   batch GD, and for SGD whenever the problem is small enough (m·n ≤ ``EXACT_CELLS`` of
   :mod:`core.timing.to_cost_results`, 4 million) that a check after each update is
   affordable; above that, :attr:`ToCostConfig.evals_per_pass` times a pass (a
   practitioner's validation check: a check reads all m rows, ⌈m/B⌉ times a mini-batch
   update's work). The crossing is the first CHECK whose cost is at or below the target:
   with ``check_every`` = 1 exactly the first update at or below it; otherwise an update
   count that is a multiple of ``check_every`` (the run may have dipped below the target
   between checks, unseen, as it would in training). Each row records its ``check_every``.
   A run ends when it has crossed every pending target, diverged, stalled (its best
   excess cost J − J* fell too slowly over its last pass to reach the target within the
   pass budget at that rate: a noise floor, or a step too small), or used
   :attr:`ToCostConfig.max_passes` passes or :attr:`ToCostConfig.time_budget_s` seconds.
2. **Timing**: each crossing run is repeated with snapshots only at its start and at the
   crossing (the same seed gives the same iterates, checked), ``repeats`` times, the methods
   alternating within each repeat, in one process; the median is reported. The time counts
   the updates and one full-cost evaluation, the one that confirms the target. For SGD the
   evaluation at the start (J_0, measured in the same run) is subtracted: mini-batch updates
   do not need it, whereas batch GD's first evaluation is its first gradient. Seconds per
   pass (``seconds_per_pass``): the same run P passes (P·⌈m/B⌉ updates; P for batch GD)
   longer is timed alongside, and the difference of the fastest runs of each, divided by P,
   is the time of one pass, the evaluations cancelling out (None when noise makes it ≤ 0).
   P (``per_pass_passes``) is 1, or more where one pass would take less than
   ``MIN_EXTRA_S`` (20 ms) by one full gradient's time, so that a pass of microseconds is
   not lost in the timer's and the machine's noise.

Passes over the data (epochs) count the rows the updates' gradients read, divided by m
(updates·B/m, less for a partial last batch); the full-cost evaluations are excluded, as
the field counts epochs: how often one evaluates is the experimenter's choice, not the
method's cost. Nothing here prints or imports Qt; ``progress`` and ``cancel`` work as for
:func:`core.timing.run.run_benchmark`.
"""

from __future__ import annotations

import math
import platform
import statistics
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from core.errors import Cancelled
from core.solvers.snapshot import CancelFlag, RunStatus, Snapshot
from core.timing import machine
from core.timing.config import Progress, check_cancel
from core.timing.measure import ProgressSplitter
from core.timing.to_cost_results import (
    GD_STALL_WINDOW,
    ToCostConfig,
    ToCostReport,
    ToCostRow,
    check_interval,
    extra_passes,
    rows_read,
)
from core.units import fmt_seconds

#: A solver's snapshots (both are generator functions, so the search can close them early).
_Run = Generator[Snapshot, None, None]


def _run(
    problem: Any, method: str, batch: int, alpha: float, *, shuffle_seed: int, **options: Any
) -> _Run:
    """The product's batch GD (``gd``) or mini-batch SGD (``sgd``, batch size ``batch``,
    shuffled with ``shuffle_seed``; batch GD reads the rows in order and ignores it)."""
    from core.solvers import optimize
    from core.solvers.gd import gradient_descent

    if method == "gd":
        return cast(_Run, gradient_descent(problem, alpha=alpha, **options))
    return cast(
        _Run,
        optimize(
            problem, "sgd", alpha=alpha, batch_size=batch, shuffle_seed=shuffle_seed, **options
        ),
    )


@dataclass
class _Scan:
    outcome: str
    crossings: dict[float, tuple[int, float]]  # ε -> (updates, cost)
    updates: int
    check_every: int


def _scan(
    problem: Any,
    method: str,
    batch: int,
    alpha: float,
    pending: dict[float, float],
    config: ToCostConfig,
    j_star: float,
    cancel: CancelFlag | None,
    tick: Any,
) -> _Scan:
    """One search run: the first check (every ``check_interval`` updates) at or below each
    pending target (ε -> J_target)."""
    m = problem.m
    per_pass = 1 if method == "gd" else math.ceil(m / batch)
    iterations = max(1, math.ceil(config.max_passes * per_pass))
    report = check_interval(config, m, problem.n, method, batch)
    window = GD_STALL_WINDOW if method == "gd" else max(per_pass, 5 * report)
    crossings: dict[float, tuple[int, float]] = {}
    history: list[tuple[int, float]] = []
    t0 = time.perf_counter()
    gen = _run(
        problem,
        method,
        batch,
        alpha,
        iterations=iterations,
        report_every=report,
        cancel=cancel,
        shuffle_seed=config.shuffle_seed,
    )
    outcome = "pass budget"
    snap: Snapshot | None = None
    try:
        for snap in gen:
            if snap.status == RunStatus.CANCELLED:
                raise Cancelled("measurement cancelled")
            it, cost = snap.iteration, snap.cost
            for eps, j_target in pending.items():
                if eps not in crossings and cost <= j_target:
                    crossings[eps] = (it, cost)
            if len(crossings) == len(pending):
                outcome = "reached"
                break
            if snap.status == RunStatus.DIVERGED:
                outcome = "diverged"
                break
            if snap.final:
                break
            history.append((it, cost))
            tick(min(1.0, it / iterations), f"{_name(method, batch)}, α = {alpha:.3g}")
            if it >= 2 * window:
                if _stalled(history, it, window, iterations, j_star, min(pending.values())):
                    outcome = "stalled"
                    break
            if time.perf_counter() - t0 > config.time_budget_s:
                outcome = "time budget"
                break
    finally:
        gen.close()
    if cancel is not None and cancel.is_set():
        raise Cancelled("measurement cancelled")
    return _Scan(outcome, crossings, snap.iteration if snap is not None else 0, report)


def _stalled(
    history: list[tuple[int, float]],
    it: int,
    window: int,
    iterations: int,
    j_star: float,
    j_target: float,
) -> bool:
    """True when the best excess cost J − J* did not fall over the last ``window`` updates,
    or fell so slowly that, at that rate, reaching ``j_target`` would take more updates than
    the budget has left (a noise floor, rounding, or a step too small)."""
    recent = min(c for i, c in history if i > it - window) - j_star
    before = min(c for i, c in history if i <= it - window) - j_star
    need = j_target - j_star
    if not recent < before:
        return True
    if recent > need > 0:
        windows = math.log(recent / need) / math.log(before / recent)
        return windows * window > iterations - it
    return False


def _name(method: str, batch: int) -> str:
    return "batch GD" if method == "gd" else f"SGD B={batch:,}"


def _timed_run(
    problem: Any,
    method: str,
    batch: int,
    alpha: float,
    updates: int,
    shuffle_seed: int,
    cancel: CancelFlag | None,
) -> tuple[float, float, float]:
    """Seconds to run ``updates`` updates and confirm the cost (see the module), seconds of
    the evaluation at the start (a full-cost evaluation, as the confirming one), the cost."""
    if updates == 0:
        return 0.0, 0.0, math.nan
    t0 = time.perf_counter()
    gen = _run(
        problem,
        method,
        batch,
        alpha,
        iterations=updates,
        report_every=updates,
        cancel=cancel,
        shuffle_seed=shuffle_seed,
    )
    last = next(gen)
    start_eval = time.perf_counter() - t0
    for snap in gen:
        last = snap
    total = time.perf_counter() - t0
    if last.status == RunStatus.CANCELLED:
        raise Cancelled("measurement cancelled")
    return total - (start_eval if method == "sgd" else 0.0), start_eval, last.cost


def make_problem(config: ToCostConfig) -> Any:
    """The measured problem: ``make_synthetic`` data at the config's size, z-scored."""
    from core.data.datasets import make_synthetic
    from core.model.problem import Problem

    data = make_synthetic(
        config.m,
        config.n,
        noise=config.noise,
        scale_spread=config.scale_spread,
        seed=config.seed,
    )
    return Problem(data, scaling="zscore")


def run_to_cost(
    config: ToCostConfig | None = None,
    progress: Progress | None = None,
    cancel: CancelFlag | None = None,
) -> ToCostReport:
    """Measure the time and passes batch GD and mini-batch SGD need to reach each target.

    Returns a :class:`ToCostReport` (rows per target: batch GD, then SGD per batch size).
    ``progress(fraction, text)`` is called from this thread; ``cancel.is_set()`` is checked
    at every update and raises :class:`core.errors.Cancelled`. Raises :class:`InputError`
    for bad options or a size that would not fit in memory. With ``config.threads`` BLAS
    runs on that many threads throughout (:func:`core.timing.machine.limit_threads`).
    """
    config = config or ToCostConfig()
    config.validate()
    if config.threads is None:
        return _measure(config, progress, cancel)
    with machine.limit_threads(config.threads):
        return _measure(config, progress, cancel)


def _measure(
    config: ToCostConfig, progress: Progress | None, cancel: CancelFlag | None
) -> ToCostReport:
    from core.solvers.theory import alpha_optimal

    t_start = time.perf_counter()
    other_load = machine.OtherLoad()
    batches = list(dict.fromkeys(config.batch_sizes))
    prog = ProgressSplitter(progress, 3 + len(batches))
    prog.tick(0.0, f"generating the {config.m:,} x {config.n:,} problem (z-scored)")
    check_cancel(cancel)
    problem = make_problem(config)
    check_cancel(cancel)
    prog.tick(0.5, "the optimum J* and λ_min, λ_max of AᵀA/m")
    lam_min, lam_max = problem.lambda_range
    alpha_star = alpha_optimal(lam_min, lam_max)
    theta = problem.gram_optimum()
    b_opt = float(theta[problem.n]) if problem.intercept else None
    j_star = problem.cost(theta[: problem.n], b_opt)
    j0 = problem.cost(np.zeros(problem.n), 0.0 if problem.intercept else None)
    eval_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        problem.gradient(np.zeros(problem.n), 0.0 if problem.intercept else None)
        eval_times.append(time.perf_counter() - t0)
    targets = {eps: j_star + eps * (j0 - j_star) for eps in config.targets}
    report = ToCostReport(config)
    report.problem = {
        "m": problem.m,
        "n": problem.n,
        "scaling": "zscore",
        "data": problem.dataset.source,
        "J0": j0,
        "J_star": j_star,
        "J_star_from": "Gram optimum (least squares on AᵀA/m), cost evaluated on the data",
        "lambda_min": lam_min,
        "lambda_max": lam_max,
        "alpha_star": alpha_star,
        "full_gradient_s": statistics.median(eval_times),
        "targets": {str(eps): j for eps, j in targets.items()},
    }
    prog.advance()

    # -- search: batch GD at α*, then each batch size down the α grid --
    rows: dict[tuple[str, int, float], ToCostRow] = {}
    for eps, jt in targets.items():
        rows[("gd", problem.m, eps)] = ToCostRow(
            "gd", problem.m, eps, jt, alpha_star, "α* = 2/(λ_min + λ_max)"
        )
    scan = _scan(problem, "gd", problem.m, alpha_star, targets, config, j_star, cancel, prog.tick)
    _record(rows, "gd", problem.m, alpha_star, scan, targets, problem.m)
    prog.advance()
    for batch in batches:
        for eps, jt in targets.items():
            rows[("sgd", batch, eps)] = ToCostRow(
                "sgd", batch, eps, jt, None, "largest α*·f of the grid that reaches the target"
            )
        pending = dict(targets)
        for factor in config.alpha_factors:
            if not pending:
                break
            alpha = alpha_star * factor
            scan = _scan(problem, "sgd", batch, alpha, pending, config, j_star, cancel, prog.tick)
            _record(rows, "sgd", batch, alpha, scan, pending, problem.m)
            pending = {e: j for e, j in pending.items() if e not in scan.crossings}
        prog.advance()

    # -- timing: the crossing runs (and one pass longer) again, alternating --
    ordered = [rows[k] for k in sorted(rows, key=lambda k: (k[2] * -1, k[0] != "gd", k[1]))]
    _time_rows(problem, [r for r in ordered if r.reached], config, cancel, prog, report.problem)
    report.rows = ordered
    report.machine = {
        "cpu": machine._cpu_name(),
        "cores": machine.cpu_count(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "blas": machine.blas_info(),
        "other_load_cores": other_load.cores(),
    }
    report.elapsed_s = time.perf_counter() - t_start
    prog.advance()
    prog.tick(1.0, f"done in {fmt_seconds(report.elapsed_s)}")
    return report


def _time_rows(
    problem: Any,
    timed: list[ToCostRow],
    config: ToCostConfig,
    cancel: CancelFlag | None,
    prog: ProgressSplitter,
    problem_info: dict[str, Any],
) -> None:
    """Time each row's crossing run, and the same run P passes longer, ``repeats`` times,
    alternating the rows; median, min and max into the rows, and seconds per pass."""
    m = problem.m
    full_gradient_s = float(problem_info.get("full_gradient_s", 0.0))
    runs = [(r, extra) for r in timed for extra in (0, 1)]
    times: dict[tuple[int, int], list[float]] = {(id(r), x): [] for r, x in runs}
    checks: dict[int, list[float]] = {id(r): [] for r in timed}
    for r in timed:
        per_pass = 1 if r.method == "gd" else math.ceil(m / r.batch_size)
        r.per_pass_passes = extra_passes(full_gradient_s, per_pass)
    total = max(1, config.repeats * len(runs))
    done = 0
    for rep in range(config.repeats):
        for r, extra in runs:
            check_cancel(cancel)
            what = f"timing {r.label} to ε = {r.target:g}"
            more = f" and {r.per_pass_passes} pass(es) more" if extra else ""
            prog.tick(done / total, f"{what}{more}: run {rep + 1}")
            assert r.alpha is not None and r.updates is not None
            per_pass = 1 if r.method == "gd" else math.ceil(m / r.batch_size)
            updates = r.updates + extra * per_pass * r.per_pass_passes
            secs, check, cost = _timed_run(
                problem, r.method, r.batch_size, r.alpha, updates, config.shuffle_seed, cancel
            )
            if not extra:
                checks[id(r)].append(check)
                if r.updates and not (cost <= r.target_cost):
                    r.reason = f"the timed rerun ended at J = {cost:.6g}, above the target"
            times[(id(r), extra)].append(secs)
            done += 1
    for r in timed:
        t = times[(id(r), 0)]
        r.seconds_median = statistics.median(t)
        r.seconds_min, r.seconds_max, r.repeats = min(t), max(t), len(t)
        r.check_seconds = statistics.median(checks[id(r)])
        # the fastest of each (the least disturbed by other load), as a difference of
        # medians is at the mercy of a busy machine
        more_s = min(times[(id(r), 1)]) - r.seconds_min
        r.seconds_per_pass = more_s / r.per_pass_passes if more_s > 0 else None


def _record(
    rows: dict[tuple[str, int, float], ToCostRow],
    method: str,
    batch: int,
    alpha: float,
    scan: _Scan,
    pending: dict[float, float],
    m: int,
) -> None:
    """Fill the rows of ``pending`` targets from one search run at ``alpha``."""
    for eps in pending:
        row = rows[(method, batch, eps)]
        crossed = scan.crossings.get(eps)
        updates = crossed[0] if crossed else scan.updates
        passes = updates if method == "gd" else rows_read(updates, batch, m) / m
        row.check_every = scan.check_every
        row.tried.append(
            {
                "alpha": alpha,
                "outcome": "reached" if crossed else scan.outcome,
                "updates": updates,
                "passes": passes,
            }
        )
        if crossed:
            row.alpha, row.reached, row.updates, row.passes = alpha, True, updates, float(passes)
            row.cost = crossed[1]
            row.reason = ""
        else:
            why = _OUTCOMES.get(scan.outcome, scan.outcome)
            row.reason = why if method == "gd" else f"no α of the grid reached it; the last {why}"


_OUTCOMES = {
    "diverged": "diverged",
    "stalled": "stalled: its best cost fell too slowly over its last pass to reach the "
    "target within the pass budget (a noise floor, or a step too small)",
    "pass budget": "used the pass budget",
    "time budget": "used the time budget",
}
