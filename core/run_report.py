"""What a saved run says about its model beyond the training cost (issue 12, item 8): the
train/test split, the metrics, the penalty λ and the model itself, and the texts that show them.

A run record (:class:`core.session.RunRecord`) carries four keys, the same as a ``fit --json``
report (the agreed names):

- ``split``: ``{"fraction", "seed", "test_rows": [0-based rows of the data as loaded]}``, or
  None without a test set;
- ``metrics``: :meth:`core.evaluation.metrics.Evaluation.as_dict` (``{"train": {...}, "test":
  {...} or None}``: rows, cost, mse, rmse, mae, r2), or None when the run ended with
  non-finite parameters or errors;
- ``penalty``: ``{"l2", "l1", "zeroed": [names of the coefficients L1 set to exactly 0]}``;
- ``model``: :meth:`core.evaluation.predictor.Predictor.to_dict`, or None for a run that diverged
  or ended with non-finite parameters (``gd-explorer predict --model SESSION.json`` uses the
  newest run with one).

:func:`run_extras` computes them from a problem and a final snapshot; :func:`parse_extras`
validates them when a session is read (an InputError names the run and the field);
:func:`summary_lines` and :func:`csv_comment` put them into the model summary and the CSV
exports. This module does not import :mod:`core.session` (which imports it).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import InputError

if TYPE_CHECKING:
    from core.model.problem import Problem
    from core.solvers import Snapshot

#: The keys a run record carries beyond its history, in the order they are written.
EXTRA_KEYS = ("split", "metrics", "penalty", "model")
METRIC_KEYS = ("rows", "cost", "mse", "rmse", "mae", "r2")


def final_fields(final: Snapshot) -> dict[str, Any]:
    """The fields of a fit's JSON report that its final snapshot gives: coefficients and
    intercept (original units), cost J, iterations, status, converged, diverged (the fit
    command and the dask engine's fit alike)."""
    return {
        "coefficients": [float(v) for v in final.w],
        "intercept": final.b,
        "cost": final.cost,
        "iterations": final.iteration,
        "status": final.status,
        "converged": final.converged,
        "diverged": final.diverged,
    }


def run_extras(problem: Problem, final: Snapshot) -> dict[str, Any]:
    """The four keys of a run that ended with ``final`` on ``problem`` (module docstring)."""
    from core.evaluation.metrics import evaluate
    from core.evaluation.predictor import predictor_for

    split = problem.split
    out: dict[str, Any] = {
        "split": None
        if split is None
        else {
            "fraction": float(split.fraction),
            "seed": int(split.seed),
            "test_rows": np.asarray(split.test_rows, np.int64).tolist(),
        },
        "metrics": None,
        "penalty": {
            "l2": float(problem.penalty.l2),
            "l1": float(problem.penalty.l1),
            "zeroed": [
                problem.feature_names[int(k)]
                for k in problem.penalty.zeroed(np.asarray(final.w_scaled))
            ],
        },
        "model": None,
    }
    w = np.asarray(final.w, np.float64)
    if final.finite:
        metrics = evaluate(problem, final.w_scaled, final.b_scaled).as_dict()
        parts = [metrics["train"]] + ([metrics["test"]] if metrics["test"] else [])
        if all(math.isfinite(p[k]) for p in parts for k in METRIC_KEYS):
            out["metrics"] = metrics
        if not final.diverged:  # a diverged run's parameters predict nothing worth keeping
            out["model"] = predictor_for(problem, w, final.b).to_dict()
    return out


# -- validation ------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if isinstance(value, list | dict):
        return f"a list of {len(value):,}" if isinstance(value, list) else "an object"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _real(value: Any, where: str, low: float = -math.inf, high: float = math.inf) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok:
        try:
            number = float(value)
        except OverflowError:
            ok = False
        else:
            ok = math.isfinite(number) and low <= number <= high
    if not ok:
        bounds = f" from {low:g} to {high:g}" if math.isfinite(low) and math.isfinite(high) else ""
        at_least = f" ≥ {low:g}" if math.isfinite(low) and not bounds else ""
        raise InputError(f"{where} must be a finite number{bounds}{at_least}, got {_show(value)}")
    return number


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{where} must be a whole number from {low} to {high}, got {_show(value)}")
    return value


def _object(value: Any, where: str, keys: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where} must be an object with {', '.join(keys)}, got {_show(value)}")
    for key in keys:
        if key not in value:
            raise InputError(f"{where}: missing field {key!r}")
    return value


def _split(value: Any, where: str) -> dict[str, Any] | None:
    from core.data.split import MAX_TEST_FRACTION
    from core.settings import SEED_MAX

    if value is None:
        return None
    d = _object(value, where, ("fraction", "seed", "test_rows"))
    fraction = _real(d["fraction"], f"{where}: 'fraction'", 0.0, MAX_TEST_FRACTION)
    if fraction == 0:
        raise InputError(f"{where}: 'fraction' must be greater than 0 (no test set: null)")
    seed = _whole(d["seed"], f"{where}: 'seed'", 0, SEED_MAX)
    rows = d["test_rows"]
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{where}: 'test_rows' must be a non-empty list, got {_show(rows)}")
    if not all(type(r) is int and 0 <= r < 2**62 for r in rows):
        bad = next(r for r in rows if type(r) is not int or not 0 <= r < 2**62)
        raise InputError(f"{where}: 'test_rows' must hold row numbers ≥ 0, got {_show(bad)}")
    if np.any(np.diff(np.asarray(rows, np.int64)) <= 0):
        raise InputError(f"{where}: 'test_rows' must be sorted, each row once")
    return {"fraction": fraction, "seed": seed, "test_rows": list(rows)}


def _metrics_part(value: Any, where: str) -> dict[str, Any]:
    d = _object(value, where, METRIC_KEYS)
    rows = _whole(d["rows"], f"{where}: 'rows'", 1, 2**62)
    out: dict[str, Any] = {"rows": rows}
    for key in ("cost", "mse", "rmse", "mae"):
        out[key] = _real(d[key], f"{where}: {key!r}", 0.0)
    out["r2"] = _real(d["r2"], f"{where}: 'r2'", -math.inf, 1.0)
    return out


def _metrics(value: Any, where: str) -> dict[str, Any] | None:
    if value is None:
        return None
    d = _object(value, where, ("train", "test"))
    test = d["test"]
    return {
        "train": _metrics_part(d["train"], f"{where}: train"),
        "test": None if test is None else _metrics_part(test, f"{where}: test"),
    }


def _penalty(value: Any, where: str) -> dict[str, Any] | None:
    from core.model.penalty import MAX_LAMBDA

    if value is None:
        return None
    d = _object(value, where, ("l2", "l1", "zeroed"))
    zeroed = d["zeroed"]
    if not isinstance(zeroed, list) or not all(isinstance(z, str) for z in zeroed):
        raise InputError(f"{where}: 'zeroed' must be a list of names, got {_show(zeroed)}")
    return {
        "l2": _real(d["l2"], f"{where}: 'l2'", 0.0, MAX_LAMBDA),
        "l1": _real(d["l1"], f"{where}: 'l1'", 0.0, MAX_LAMBDA),
        "zeroed": list(zeroed),
    }


def _model(value: Any, where: str) -> dict[str, Any] | None:
    from core.evaluation.predictor import Predictor

    if value is None:
        return None
    return Predictor.from_dict(value, where).to_dict()


def parse_extras(d: dict[str, Any], where: str) -> dict[str, Any]:
    """The four keys of a run object read from a session (each may be absent: an older
    session; or null), validated, and its ``implementation`` (issue 13). Raises InputError
    naming ``where`` and the field."""
    from core.settings import SCHEMA

    implementation = d.get("implementation")
    problem = None if implementation is None else SCHEMA["implementation"].problem(implementation)
    if problem is not None:
        raise InputError(f"{where}: 'implementation' {problem}")
    return {
        "implementation": implementation,
        "split": _split(d.get("split"), f"{where}: split"),
        "metrics": _metrics(d.get("metrics"), f"{where}: metrics"),
        "penalty": _penalty(d.get("penalty"), f"{where}: penalty"),
        "model": _model(d.get("model"), f"{where}: model"),
    }


# -- texts -----------------------------------------------------------------------------------


def split_words(split: dict[str, Any] | None) -> str:
    """The split in words: "test set: 40 rows held out (fraction 0.5, seed 0); any feature
    scaling fitted on the training rows only", or "no test set"."""
    if split is None:
        return "no test set (every row trains the model)"
    return (
        f"test set: {len(split['test_rows']):,} rows held out (fraction {split['fraction']:g}, "
        f"seed {split['seed']}); any feature scaling fitted on the training rows only"
    )


def penalty_words(penalty: dict[str, Any] | None) -> str:
    """The penalty in words: "L2 λ = 1", "L1 λ = 0.5 (zeroed: x^3, x^4)", "none"."""
    if penalty is None:
        return "not recorded"
    parts = [f"L2 λ = {penalty['l2']:g}"] * bool(penalty["l2"])
    parts += [f"L1 λ = {penalty['l1']:g}"] * bool(penalty["l1"])
    text = ", ".join(parts) or "none (λ = 0)"
    if penalty["zeroed"]:
        text += f" (zeroed by L1: {', '.join(penalty['zeroed'])})"
    return text


def _evaluation(metrics: dict[str, Any]) -> Any:
    from core.evaluation.metrics import Evaluation, Metrics

    test = metrics["test"]
    return Evaluation(Metrics(**metrics["train"]), None if test is None else Metrics(**test))


def summary_lines(run: Any, target_name: str) -> list[str]:
    """The model summary's lines on the split, the training and test metrics (target units),
    the one-line reading and λ, for a run record with these keys (none for an old one)."""
    from core.evaluation.metrics import reading, target_unit

    if run.split is None and run.metrics is None and run.penalty is None:
        return []
    unit = target_unit(target_name)
    units = f" ({unit})" if unit else ""
    lines = [split_words(run.split)]
    if run.metrics is not None:
        lines.append(f"{'':10}{'rows':>8}  {'RMSE' + units:>14}  {'MAE' + units:>14}  {'R²':>8}")
        for name in ("train", "test"):
            m = run.metrics[name]
            if m is not None:
                label = "training" if name == "train" else "test"
                lines.append(
                    f"{label:10}{m['rows']:>8,}  {m['rmse']:>14.6g}  {m['mae']:>14.6g}  "
                    f"{m['r2']:>8.4f}"
                )
        lines.append("reading: " + reading(_evaluation(run.metrics), target_name))
    lines.append(f"penalty: {penalty_words(run.penalty)}")
    return lines


def csv_comment(run: Any, label: str) -> list[str]:
    """Comment lines ("# …") a CSV export puts above its table for a run with a test set or
    a penalty: the split, the metrics and λ (none for other runs: their CSV stays plain)."""
    penalty = run.penalty or {"l2": 0.0, "l1": 0.0}
    if run.split is None and not (penalty["l2"] or penalty["l1"]):
        return []
    lines = [
        f"# {label}: {split_words(run.split)}",
        f"# {label}: penalty {penalty_words(run.penalty)}",
    ]
    if run.metrics is not None:
        for name in ("train", "test"):
            m = run.metrics[name]
            if m is not None:
                lines.append(
                    f"# {label}: {'training' if name == 'train' else 'test'} set: "
                    f"{m['rows']:,} rows, J {m['cost']:.10g}, RMSE {m['rmse']:.10g}, "
                    f"MAE {m['mae']:.10g}, R² {m['r2']:.10g}"
                )
    return lines


def history_csv_text(run: Any) -> str:
    """A run's history as CSV: iteration, cost, the test cost (when the run has a test set),
    then one column per parameter; above the table, for a run with a test set or a penalty,
    comment lines with the split, λ and the metrics (:func:`csv_comment`)."""
    buf = io.StringIO()
    for line in csv_comment(run, run.label):
        buf.write(line + "\n")
    out = csv.writer(buf, lineterminator="\n")
    test = bool(run.test_costs)
    out.writerow(["iteration", "cost", *(["test cost"] * test), *run.parameter_names])
    for k, (it, cost, row) in enumerate(zip(run.iterations, run.costs, run.params, strict=True)):
        tested = [repr(run.test_costs[k])] if test else []
        out.writerow([it, repr(cost), *tested, *map(repr, row)])
    return buf.getvalue()


def model_summary(run: Any, target_name: str = "y") -> str:
    """The fitted model as text for the clipboard: equation, coefficients, cost J; for a run
    that records them, the split, the training and test metrics in the target's units, the
    reading and λ (:func:`summary_lines`)."""
    final = run.params[-1]
    penalised = run.penalty is not None and (run.penalty["l2"] or run.penalty["l1"])
    formula = "1/(2m)·Σ(ŷ - y)²" + (" + the penalty" if penalised else "")
    lines = [
        f"GD Explorer: {run.label} ({run.solver}, {run.status}, {run.iterations[-1]} iterations)",
        f"cost J = {run.costs[-1]:.10g}   (J = {formula} on the training rows, original units)",
    ]
    terms = [(v, f"·{n}") for n, v in zip(run.parameter_names, final, strict=True) if n != "b"]
    b = dict(zip(run.parameter_names, final, strict=True)).get("b")
    if b is not None:
        terms.append((b, ""))
    equation = "".join(
        (f"{v:.6g}" if k == 0 else f" {'-' if v < 0 else '+'} {abs(v):.6g}") + name
        for k, (v, name) in enumerate(terms)
    )
    lines.append(f"{target_name} ≈ {equation}")
    for n, v in zip(run.parameter_names, final, strict=True):
        lines.append(f"  {n}\t{v:.15g}")
    return "\n".join(lines + summary_lines(run, target_name))
