"""The claims of the evaluation lessons (issue 12): training and test errors, the size of the
coefficients, and predictions of a new example.

Errors are the RMSE of :func:`core.evaluation.metrics.evaluate` (scikit-learn's definition, in
the target's units) at the run's final parameters; the coefficients' size is the Euclidean
norm of the training-coordinate (scaled) coefficients ``w`` (the intercept left out), the
quantity the L2 penalty λ/(2m)·Σw_j² shrinks; a prediction is ŷ of
:func:`core.evaluation.predictor.predictor_for` for one example typed as the CLI's ``--x`` takes it
(``"1200,3,1,40"``: one value per raw feature, original units). Each check takes a validated
claim and the runs' results by label (objects with the fields of
:class:`core.claims.LessonRun`) and returns ``(holds, the numbers that say so)``; the fields
each kind needs are declared in :data:`core.claims.CLAIM_FIELDS`, which registers these checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from core.errors import InputError
from core.evaluation.metrics import Evaluation, evaluate, target_unit


def evaluation_of(run: Any) -> Evaluation:
    """The metrics of a finished run's final parameters on its training and test rows."""
    final = run.final
    return evaluate(run.problem, final.w_scaled, final.b_scaled)


def coefficient_norm(run: Any) -> float:
    """‖w‖₂ of the run's final coefficients in training coordinates (scaled; no intercept)."""
    return float(np.linalg.norm(np.asarray(run.final.w_scaled, np.float64)))


def prediction(run: Any, x: str) -> float:
    """ŷ of the run's final model (original units) for one example ``x``, comma-separated
    values, one per raw feature (a level's name for a categorical column). Raises InputError
    naming the field for a wrong count or value."""
    from core.evaluation.predictor import predictor_for

    final = run.final
    predictor = predictor_for(run.problem, final.w, final.b)
    values = [v.strip() for v in x.split(",")]
    row = predictor.raw_row(values)
    return float(predictor.predict(row[None, :])[0])


def _units(run: Any) -> str:
    unit = target_unit(run.problem.source.target_name)
    return f" {unit}" if unit else ""


def _test_rmse(run: Any, label: str) -> float:
    test = evaluation_of(run).test
    if test is None:
        raise InputError(f"{label} has no test set (its test fraction is 0)")
    return test.rmse


def _same_test_rows(c: dict[str, Any], r: Mapping[str, Any]) -> None:
    """InputError unless the two runs hold out the same rows: errors on different test sets
    do not compare."""
    a, b = r[c["from"]].problem.test, r[c["to"]].problem.test
    if a is not None and b is not None and not np.array_equal(a.rows, b.rows):
        raise InputError(
            f"{c['from']} and {c['to']} hold out different rows (another test fraction or "
            "seed): their test errors do not compare"
        )


def _train_error_falls(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    before = evaluation_of(r[c["from"]]).train.rmse
    after = evaluation_of(r[c["to"]]).train.rmse
    return after < before, (
        f"training RMSE {before:.4g}{_units(r[c['to']])} ({c['from']}) → {after:.4g} ({c['to']})"
    )


def _test_error_rises(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    _same_test_rows(c, r)
    before, after = _test_rmse(r[c["from"]], c["from"]), _test_rmse(r[c["to"]], c["to"])
    ratio = after / before if before > 0 else math.inf
    return after > before and ratio >= c["at_least"], (
        f"test RMSE {before:.4g}{_units(r[c['to']])} ({c['from']}) → {after:.4g} ({c['to']}): "
        f"{ratio:.3g}× (claim: a rise, ≥ {c['at_least']:g}×)"
    )


def _test_error_falls(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    _same_test_rows(c, r)
    before, after = _test_rmse(r[c["from"]], c["from"]), _test_rmse(r[c["to"]], c["to"])
    return after < before, (
        f"test RMSE {before:.4g}{_units(r[c['to']])} ({c['from']}) → {after:.4g} ({c['to']})"
    )


def _coefficients_shrink(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    before, after = coefficient_norm(r[c["from"]]), coefficient_norm(r[c["to"]])
    ratio = before / after if after > 0 else math.inf
    return before > after and ratio >= c["at_least"], (
        f"‖w‖ (scaled coefficients) {before:.4g} ({c['from']}) → {after:.4g} ({c['to']}): "
        f"{ratio:.3g}× smaller (claim ≥ {c['at_least']:g}×)"
    )


def _prediction_near(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    run, ref = r[c["run"]], r[c["reference"]]
    y_run, y_ref = prediction(run, c["x"]), prediction(ref, c["x"])
    rel = abs(y_run - y_ref) / max(abs(y_ref), 1e-300)
    return rel <= c["within"], (
        f"ŷ({c['x']}) = {y_run:.10g}{_units(run)} ({c['run']}) vs {y_ref:.10g} "
        f"({c['reference']}): relative difference {rel:.3g} (claim ≤ {c['within']:g})"
    )


def _predicts(c: dict[str, Any], r: Mapping[str, Any]) -> tuple[bool, str]:
    run = r[c["run"]]
    y_hat = prediction(run, c["x"])
    gap = abs(y_hat - c["value"])
    return gap <= c["within"], (
        f"{c['run']}: ŷ({c['x']}) = {y_hat:.6g}{_units(run)}, the lesson says {c['value']:g} "
        f"(± {c['within']:g})"
    )


#: The checks this module adds to :data:`core.claims.CLAIM_FIELDS`'s kinds.
CHECKS = {
    "train_error_falls": _train_error_falls,
    "test_error_rises": _test_error_rises,
    "test_error_falls": _test_error_falls,
    "coefficients_shrink": _coefficients_shrink,
    "prediction_near": _prediction_near,
    "predicts": _predicts,
}
