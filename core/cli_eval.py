"""Evaluating a fit on the command line: the test set, the metrics, the penalty and predictions.

``gd-explorer fit`` adds to its report what :func:`evaluation_report` returns (the split, the
metrics of :mod:`core.evaluation.metrics` on the training and test rows, the one-line reading,
the penalty and the coefficients L1 set to 0, the saved model and ``--predict`` results);
:func:`evaluation_lines` and :func:`prediction_lines` are their lines in the text report.
``gd-explorer predict --model FILE --x VALUES`` is :func:`predict_result` and
:func:`format_predict`: it reads the model a fit saved (``fit --json``'s ``"model"``) or the
newest run of a session that saved one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core.errors import InputError

if TYPE_CHECKING:
    from core.evaluation.predictor import Predictor
    from core.model.problem import Problem
    from core.solvers import Snapshot

#: The ``"format"`` of a session file (:data:`core.session.FORMAT`; not imported from there,
#: so that ``predict`` does not load the session machinery).
SESSION_FORMAT = "gd-explorer-session"
HISTORY_FORMAT = "gd-explorer-history"  # File → Export → history as JSON


def split_values(text: str, option: str) -> list[str]:
    """The comma-separated values of one example (``"1200,3,1,40"``), stripped; InputError
    naming ``option`` when one is empty."""
    values = [v.strip() for v in str(text).split(",")]
    if not any(values):
        raise InputError(f"{option}: no values given; write one per feature, e.g. 1200,3,1,40")
    if not all(values):
        raise InputError(f"{option} {text!r}: an empty value (two commas, or one at an end)")
    return values


def _predict_one(predictor: Predictor, text: str, option: str) -> dict[str, Any]:
    """``{"x": {field: value}, "y_hat", "warnings"}`` for one example's text; InputError
    naming the option, its text and the field for a wrong count, a non-number, an unknown
    level."""
    values = split_values(text, option)
    try:
        row = predictor.raw_row(values)
    except InputError as exc:
        raise InputError(f"{option} {text}: {exc}") from None
    x: dict[str, Any] = {}
    for field, value in zip(predictor.fields, values, strict=True):
        x[field.name] = value if field.levels else float(value)
    y_hat = float(predictor.predict(row[None, :])[0])
    return {"x": x, "y_hat": y_hat, "warnings": predictor.extrapolation(row)}


def predictions(predictor: Predictor, texts: Sequence[str]) -> list[dict[str, Any]]:
    """The ``--predict`` texts' predictions by ``predictor`` (the fit report's
    ``"predictions"``); InputError naming the field of a bad value."""
    return [_predict_one(predictor, t, "--predict") for t in texts]


def check_predict_values(problem: Problem, texts: Sequence[str]) -> None:
    """Refuse bad ``--predict`` values before a fit starts (InputError naming the field)."""
    import numpy as np

    from core.evaluation.predictor import predictor_for

    blank = predictor_for(problem, np.zeros(problem.n), 0.0 if problem.intercept else None)
    for text in texts:
        _predict_one(blank, text, "--predict")


def evaluation_report(
    problem: Problem, final: Snapshot, predict: Sequence[str] = ()
) -> dict[str, Any]:
    """The fit report's evaluation keys: ``m_total``, ``split`` (None without a test set),
    ``metrics`` (:meth:`Evaluation.as_dict`), ``reading``, ``test_cost``, ``penalty``
    (``{"l2", "l1", "zeroed": [feature names]}``), ``model`` (:meth:`Predictor.to_dict`)
    and, for ``predict`` texts, ``predictions``."""
    from core.evaluation.metrics import evaluate, reading
    from core.evaluation.predictor import predictor_for

    split = problem.split
    evaluation = evaluate(problem, final.w_scaled, final.b_scaled)
    unusable = not final.usable
    zeroed = problem.penalty.zeroed(final.w_scaled)
    predictor = predictor_for(problem, final.w, final.b)
    out: dict[str, Any] = {
        "m_total": problem.source.m,
        "split": None
        if split is None
        else {
            "fraction": split.fraction,
            "seed": split.seed,
            "m_train": split.m_train,
            "m_test": split.m_test,
            "test_rows": [int(k) for k in split.test_rows],
            # the same rows numbered as in the table as read (as data.dropped_rows), when
            # rows were left out for missing values
            **(
                {}
                if problem.source.row_ids is None
                else {"test_table_rows": [int(problem.source.row_ids[k]) for k in split.test_rows]}
            ),
        },
        # a diverged run's errors mean nothing (the window shows none either)
        "metrics": None if unusable else evaluation.as_dict(),
        "reading": (
            "the run diverged: its coefficients predict nothing, so it has no errors to report"
            if unusable
            else reading(evaluation, problem.source.target_name)
        ),
        "test_cost": final.test_cost,
        "penalty": {
            "l2": problem.penalty.l2,
            "l1": problem.penalty.l1,
            "zeroed": [problem.feature_names[int(j)] for j in zeroed],
        },
        # a diverged run predicts nothing: no model is saved (sessions do the same)
        "model": None if unusable else predictor.to_dict(),
    }
    if predict:
        out["predictions"] = predictions(predictor, predict)
    return out


def _unit_words(target_name: str) -> tuple[str, str]:
    """The target's unit and its square for the metrics table: ``("$1000s", "($1000s)²")``."""
    from core.evaluation.metrics import target_unit

    unit = target_unit(target_name)
    if not unit:
        return f"units of {target_name}", f"(units of {target_name})²"
    return unit, f"({unit})²" if " " in unit or "/" in unit or "$" in unit else f"{unit}²"


def cost_formula(penalty: dict[str, Any] | None) -> str:
    """The cost J's formula, with the penalty's terms when there is one."""
    text = "J = 1/(2m)·Σ(ŷ - y)²"
    if penalty and penalty.get("l2"):
        text += f" + λ/(2m)·Σw_j² (L2 λ = {penalty['l2']:g})"
    if penalty and penalty.get("l1"):
        text += f" + λ/m·Σ|w_j| (L1 λ = {penalty['l1']:g})"
    if penalty and (penalty.get("l2") or penalty.get("l1")):
        text += ", the penalty included"
    return text


def split_line(r: dict[str, Any]) -> str:
    """The report's ``split`` line (empty without a test set)."""
    s = r.get("split")
    if not s:
        return ""
    return (
        f"split       test set {s['m_test']:,} of {r['m_total']:,} rows (fraction "
        f"{s['fraction']:g}, seed {s['seed']}), training set {s['m_train']:,} rows; the "
        "scaling was fitted on the training rows only"
    )


def is_split_note(note: str, r: dict[str, Any]) -> bool:
    """Whether ``note`` is the problem's note on the split, which :func:`split_line` says."""
    s = r.get("split")
    if not s:
        return False
    return note.startswith(f"{s['m_test']:,} of {r['m_total']:,} rows held out as the test set")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"  # (R² of a single row: not defined)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.6g}"


def evaluation_lines(r: dict[str, Any]) -> list[str]:
    """The metrics table (training and test columns), the reading and the penalty."""
    metrics = r.get("metrics")
    if not metrics:  # a diverged run: the reading says why there is nothing to report
        return [f"reading     {r['reading']}"] if r.get("reading") else []
    train, test = metrics["train"], metrics["test"]
    unit, squared = _unit_words(r["target_name"])
    columns = [("training", train)] + ([("test", test)] if test else [])
    head = "".join(f"{name:>14}" for name, _ in columns)
    lines = [f"metrics     {head}   (RMSE, MAE in {unit}; MSE in {squared}; J = MSE/2)"]
    rows = [("rows", "rows"), ("J", "cost"), ("MSE", "mse"), ("RMSE", "rmse"), ("MAE", "mae")]
    for label, key in [*rows, ("R²", "r2")]:
        cells = "".join(
            f"{(f'{part[key]:,}' if key == 'rows' else _cell(part[key])):>14}"
            for _, part in columns
        )
        lines.append(f"  {label:<10}{cells}")
    lines.append(f"reading     {r['reading']}")
    penalty = r.get("penalty") or {}
    if penalty.get("l2") or penalty.get("l1"):
        parts = [f"L2 λ = {penalty['l2']:g} (ridge)"] * bool(penalty["l2"])
        parts += [f"L1 λ = {penalty['l1']:g} (lasso)"] * bool(penalty["l1"])
        text = ", ".join(parts) + " on the scaled coefficients, the intercept not penalised"
        if penalty["l1"]:
            zeroed = penalty["zeroed"]
            text += "; set to 0 by L1: " + (", ".join(zeroed) if zeroed else "none")
        lines.append(f"penalty     {text}")
    return lines


def _example_text(x: dict[str, Any]) -> str:
    return ", ".join(
        f"{name} = {value:g}" if isinstance(value, float) else f"{name} = {value}"
        for name, value in x.items()
    )


def prediction_lines(predictions: Sequence[dict[str, Any]], target: str) -> list[str]:
    """One line per prediction (ŷ in the target's units, then the example), warnings after."""
    lines = []
    for p in predictions:
        lines.append(f"predict     {target}: ŷ = {_cell(p['y_hat'])} for {_example_text(p['x'])}")
        lines += [f"warning: {w}" for w in p["warnings"]]
    return lines


def read_model(path: str) -> tuple[Predictor, str]:
    """The model a file holds and where in it: a fit's JSON report (its ``"model"``), a
    session or the window's history export as JSON (the newest run whose record has a
    ``"model"``: its label says which) or a saved model itself. InputError naming the file
    (and the entry) for a missing or unreadable file, bad JSON, or no model in it (a
    diverged run saves none)."""
    from core.evaluation.predictor import FORMAT, Predictor
    from core.files import read_json

    data = read_json(path, "model file")
    where = str(path)
    if isinstance(data, dict) and data.get("format") in (SESSION_FORMAT, HISTORY_FORMAT):
        runs = data.get("runs")
        if not isinstance(runs, list):
            raise InputError(f"{where}: a session or history file without a list of runs")
        for k in range(len(runs) - 1, -1, -1):
            run = runs[k]
            if isinstance(run, dict) and run.get("model") is not None:
                label = str(run.get("label", ""))[:200]
                found = Predictor.from_dict(run["model"], f"{where}: runs[{k}].model")
                return found, f"run {k + 1} of {len(runs)} ({label!r}), the newest with a model"
        raise InputError(
            f"{where}: no run in this file saved a model (a file saved by an older version, "
            "or one without finished runs; a diverged run saves none)"
        )
    if isinstance(data, dict) and "model" in data:
        if data["model"] is None:
            status = data.get("status", "")
            raise InputError(
                f"{where}: its run saved no model ({status or 'it did not finish'}: its "
                "coefficients predict nothing); fit again with a smaller α"
            )
        return Predictor.from_dict(data["model"], f"{where}: model"), "the fit's model"
    if isinstance(data, dict) and data.get("format") == FORMAT:
        return Predictor.from_dict(data, where), "a saved model"
    raise InputError(
        f"{where}: no model in this file; give the JSON that 'gd-explorer fit --json' prints "
        "or a session file"
    )


def predict_result(model_path: str, texts: Sequence[str]) -> dict[str, Any]:
    """``gd-explorer predict``: ``{"model", "target", "fields", "predictions"}`` for the
    examples ``texts`` (one ``--x`` each). InputError for any bad input (see
    :func:`read_model` and :meth:`Predictor.raw_row`)."""
    predictor, which = read_model(model_path)
    return {
        "model": str(model_path),
        "which": which,
        "target": predictor.target,
        "fields": [f.name for f in predictor.fields],
        "predictions": [_predict_one(predictor, t, "--x") for t in texts],
    }


def format_predict(result: dict[str, Any]) -> str:
    """The text ``gd-explorer predict`` prints."""
    lines = [
        f"model       {result['model']}, {result['which']}: {result['target']} from "
        f"{', '.join(result['fields'])}"
    ]
    return "\n".join(lines + prediction_lines(result["predictions"], result["target"]))
