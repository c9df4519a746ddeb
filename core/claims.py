"""Claims a lesson makes about its runs: what each kind needs, how it is checked.

A lesson's text says what its runs show; each statement is a claim, a small JSON object such
as ``{"kind": "near_optimum", "run": "z-score", "within": 1e-4}``. :data:`CLAIM_FIELDS` is the
one table of the fields every kind requires and their types: :func:`validate_claim` checks a
claim against it (naming the file, the claim and the field), :func:`check_claim` checks it
against the runs' results and says why, with the numbers, so a lesson can never silently stop
making its point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from core import eval_claims, training_claims
from core.errors import InputError

if TYPE_CHECKING:
    from core.model.problem import Problem
    from core.settings import RunSettings
    from core.solvers import Snapshot


class LessonRun(Protocol):
    """What a claim reads of a finished lesson run (:class:`core.lessons.LessonRun`)."""

    @property
    def label(self) -> str: ...

    @property
    def problem(self) -> Problem: ...

    @property
    def final(self) -> Snapshot: ...

    @property
    def costs(self) -> tuple[float, ...]: ...

    @property
    def alpha(self) -> float | None: ...

    @property
    def path(self) -> np.ndarray | None: ...

    @property
    def contour(self) -> tuple[str | None, str | None]: ...

    @property
    def run(self) -> RunSettings | None: ...

    def optimum(self) -> np.ndarray: ...

    def contour_pair(self) -> tuple[int, int]: ...


FLOAT64_DIGITS = 16  # float64 carries about 16 significant decimal digits
MAX_LABEL = 200  # longest run label or claim text accepted from a lesson file

# Field types: each is a short description (used in messages) and a test of the value.
RUN = "run"  # the label of one of the lesson's runs
RUN_PAIR = "run_pair"  # a list of two different run labels
NUMBER = "number"  # a finite number > 0
TEXT = "text"  # non-empty text

_TYPE_WORDS = {
    RUN: "the label of one of the lesson's runs",
    RUN_PAIR: "a list of two run labels",
    NUMBER: "a finite number greater than 0",
    TEXT: "non-empty text",
}

#: The fields each claim kind requires (all of them; no other field is allowed but "kind").
CLAIM_FIELDS: dict[str, dict[str, str]] = {
    "converges": {"run": RUN},
    "diverges": {"run": RUN},
    "cost_decreases": {"run": RUN},
    "lower_cost": {"better": RUN, "worse": RUN},
    "cost_ratio": {"higher": RUN, "lower": RUN, "at_least": NUMBER},
    "iterations_ratio": {"slow": RUN, "fast": RUN, "at_least": NUMBER},
    "same_answer": {"runs": RUN_PAIR, "digits": NUMBER},
    "different_answer": {"runs": RUN_PAIR, "digits": NUMBER},
    "digits_match_condition": {"run": RUN, "reference": RUN, "condition_of": RUN, "slack": NUMBER},
    "near_optimum": {"run": RUN, "within": NUMBER},
    "far_from_optimum": {"run": RUN, "at_least": NUMBER},
    "condition_ratio": {"large": RUN, "small": RUN, "at_least": NUMBER},
    "tall_contours": {"run": RUN, "at_least": NUMBER},
    "round_contours": {"run": RUN, "at_most": NUMBER},
    "warns": {"run": RUN, "text": TEXT},
    "says": {"run": RUN, "text": TEXT},
    # the optimizer lessons' claims (checked in core.training_claims)
    "noisier": {"noisy": RUN, "smooth": RUN},
    "stalls": {"run": RUN, "at_least": NUMBER},
    "iterations_near_theory": {"run": RUN, "within": NUMBER},
    # the evaluation lessons' claims (checked in core.eval_claims); "x" is one example as the
    # CLI's --x takes it ("1200,3,1,40"), "value" the ŷ the lesson's text quotes
    "train_error_falls": {"from": RUN, "to": RUN},
    "test_error_rises": {"from": RUN, "to": RUN, "at_least": NUMBER},
    "test_error_falls": {"from": RUN, "to": RUN},
    "coefficients_shrink": {"from": RUN, "to": RUN, "at_least": NUMBER},
    "prediction_near": {"run": RUN, "reference": RUN, "x": TEXT, "within": NUMBER},
    "predicts": {"run": RUN, "x": TEXT, "value": NUMBER, "within": NUMBER},
}
CLAIM_KINDS = tuple(CLAIM_FIELDS)


def _short(value: Any, limit: int = 40) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return "a huge integer"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_ok(kind: str, value: Any) -> bool:
    if kind == RUN or kind == TEXT:
        return isinstance(value, str) and 0 < len(value.strip()) and len(value) <= MAX_LABEL
    if kind == RUN_PAIR:
        return (
            isinstance(value, list)
            and len(value) == 2
            and all(_type_ok(RUN, v) for v in value)
            and value[0] != value[1]
        )
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        try:
            return math.isfinite(float(value)) and value > 0
        except OverflowError:  # an integer too large for a float
            return False
    raise AssertionError(kind)


def claim_runs(claim: Mapping[str, Any]) -> list[str]:
    """The run labels a (validated) claim refers to, in field order."""
    out: list[str] = []
    for name, kind in CLAIM_FIELDS[claim["kind"]].items():
        if kind == RUN:
            out.append(claim[name])
        elif kind == RUN_PAIR:
            out.extend(claim[name])
    return out


def validate_claim(claim: Any, where: str, labels: list[str]) -> dict[str, Any]:
    """Check one claim against :data:`CLAIM_FIELDS` and the lesson's run ``labels``.

    ``where`` names the file and the claim (``lesson.json: claims[2]``). Returns a copy with
    numbers as floats. Raises InputError naming ``where``, the kind and the field for a missing
    field, a wrong type, an unknown field or a run that does not exist.
    """
    if not isinstance(claim, dict):
        raise InputError(f"{where}: a claim must be an object with a 'kind', got {_short(claim)}")
    kind = claim.get("kind")
    if not isinstance(kind, str) or kind not in CLAIM_FIELDS:
        raise InputError(
            f"{where}: needs a 'kind', one of {', '.join(CLAIM_KINDS)}; got {_short(kind)}"
        )
    fields = CLAIM_FIELDS[kind]
    for name, ftype in fields.items():
        if name not in claim:
            raise InputError(f"{where} ({kind}): missing field {name!r} ({_TYPE_WORDS[ftype]})")
        if not _type_ok(ftype, claim[name]):
            raise InputError(
                f"{where} ({kind}): field {name!r} must be {_TYPE_WORDS[ftype]}, "
                f"got {_short(claim[name])}"
            )
    extra = [k for k in claim if k != "kind" and k not in fields]
    if extra:
        raise InputError(
            f"{where} ({kind}): unknown field {_short(extra[0])}; a {kind} claim "
            f"has the fields {', '.join(fields)}"
        )
    out: dict[str, Any] = {"kind": kind}
    for name, ftype in fields.items():
        out[name] = float(claim[name]) if ftype == NUMBER else claim[name]
    for ref in claim_runs(out):
        if ref not in labels:
            raise InputError(
                f"{where} ({kind}): names run {ref!r}, which does not exist "
                f"(runs: {', '.join(labels)})"
            )
    return out


# -- checking ---------------------------------------------------------------------------------


def iterations_to_converge(run: LessonRun) -> int:
    """Iterations until the run stopped by its tolerance (its budget + 1 when it did not)."""
    if run.final.status == "converged":
        return run.final.iteration
    return run.final.iteration + 1


def parameters(run: LessonRun) -> np.ndarray:
    """The run's final parameters ``[w..., b]`` in original units (b only with an intercept)."""
    f = run.final
    return np.append(f.w, f.b) if f.b is not None else np.asarray(f.w, np.float64)


def digits_agree(a: np.ndarray, reference: np.ndarray) -> tuple[float, int]:
    """Significant digits on which ``a`` agrees with ``reference`` (the worst parameter's),
    and that parameter's index: ``-log10 max_k |a_k − r_k| / |r_k|``, 16 when equal."""
    rel = np.abs(a - reference) / np.maximum(np.abs(reference), 1e-300)
    rel = np.where(np.isfinite(rel), rel, np.inf)
    k = int(np.argmax(rel))
    worst = float(rel[k])
    if worst == 0:
        return float(FLOAT64_DIGITS), k
    return (
        min(float(FLOAT64_DIGITS), -math.log10(worst)) if math.isfinite(worst) else -math.inf
    ), k


def distance_to_optimum(run: LessonRun) -> float:
    """Relative distance ``‖θ − θ*‖ / ‖θ*‖`` of the run's final parameters (original units)
    from the least-squares answer θ* of the same problem (the stable normal equation)."""
    best = run.optimum()
    return float(np.linalg.norm(parameters(run) - best)) / max(float(np.linalg.norm(best)), 1e-300)


def contour_axis_ratio(run: LessonRun) -> float:
    """Long / short axis of the cost contours over the run's contour pair.

    The contours of the quadratic ``J`` over two parameters (training coordinates, the rest
    held) are ellipses whose axes are ``1/√λ`` of the 2×2 Hessian slice ``G[[i, j]][:, [i, j]]``
    (``G = AᵀA/m``), so the ratio is ``√(λ_max/λ_min)`` of that slice: 1 for circles.
    """
    i, j = run.contour_pair()
    G = run.problem.gram.G
    lam = np.linalg.eigvalsh(G[np.ix_([i, j], [i, j])])
    return float(math.sqrt(lam[1] / lam[0])) if lam[0] > 0 else math.inf


def _fmt_param(names: tuple[str, ...], k: int) -> str:
    return names[k] if k < len(names) else f"θ{k}"


Check = Callable[[dict[str, Any], Mapping[str, LessonRun]], tuple[bool, str]]


def _converges(c, r):
    run = r[c["run"]]
    return run.final.status == "converged", (
        f"{c['run']}: {run.final.status} after {run.final.iteration:,} iterations"
    )


def _diverges(c, r):
    run = r[c["run"]]
    return (
        run.final.diverged,
        f"{c['run']}: {run.final.status} at iteration {run.final.iteration:,}",
    )


def _cost_decreases(c, r):
    costs = np.asarray(r[c["run"]].costs, np.float64)
    # a rise below rounding (relative 1e-12) is not a rise
    rises = int(np.sum(costs[1:] > costs[:-1] * (1 + 1e-12) + 1e-300)) if costs.size else 0
    ok = costs.size > 1 and rises == 0 and bool(np.all(np.isfinite(costs)))
    return ok, (
        f"{c['run']}: J from {costs[0]:.6g} to {costs[-1]:.6g}, {rises} rising step(s)"
        if costs.size
        else f"{c['run']}: no costs"
    )


def _lower_cost(c, r):
    better, worse = r[c["better"]].final.cost, r[c["worse"]].final.cost
    return better < worse, f"J {better:.10g} ({c['better']}) vs {worse:.10g} ({c['worse']})"


def _cost_ratio(c, r):
    hi, lo = r[c["higher"]].final.cost, r[c["lower"]].final.cost
    ratio = hi / lo if lo > 0 else math.inf
    return ratio >= c["at_least"], (
        f"J {hi:.6g} ({c['higher']}) vs {lo:.6g} ({c['lower']}): "
        f"{ratio:.3g}× (claim ≥ {c['at_least']:g}×)"
    )


def _iterations_ratio(c, r):
    slow, fast = iterations_to_converge(r[c["slow"]]), iterations_to_converge(r[c["fast"]])
    ratio = slow / max(fast, 1)

    def said(label: str, count: int) -> str:  # a run that did not converge: "> its budget"
        run = r[label]
        if run.final.status == "converged":
            return f"{label} {count:,}"
        return f"{label} > {run.final.iteration:,} (not converged)"

    return ratio >= c["at_least"], (
        f"{said(c['slow'], slow)} vs {said(c['fast'], fast)} "
        f"iterations: {ratio:.1f}× (claim ≥ {c['at_least']:g}×)"
    )


def _answers(c, r):
    a, b = (r[label] for label in c["runs"])
    pa, pb = parameters(a), parameters(b)
    digits, k = digits_agree(pa, pb)
    name = _fmt_param(b.problem.parameter_names, k)
    side = f"{name}: {pa[k]:.10g} vs {pb[k]:.10g}" if k < len(pa) else ""
    return digits, f"{digits:.1f} significant digits agree (worst {side})"


def _same_answer(c, r):
    digits, text = _answers(c, r)
    return digits >= c["digits"], f"{text}; claim ≥ {c['digits']:g}"


def _different_answer(c, r):
    digits, text = _answers(c, r)
    return digits < c["digits"], f"{text}; claim < {c['digits']:g}"


def _digits_match_condition(c, r):
    run, ref = r[c["run"]], r[c["reference"]]
    kappa = r[c["condition_of"]].problem.condition_number
    digits, k = digits_agree(parameters(run), parameters(ref))
    # Solving through XᵀX loses about log10 κ(XᵀX) = 2·log10 κ(A) of float64's 16 digits
    # (Higham, Accuracy and Stability of Numerical Algorithms, §20.4).
    expected = FLOAT64_DIGITS - 2 * math.log10(kappa) if 0 < kappa < math.inf else -math.inf
    ok = math.isfinite(expected) and abs(digits - max(expected, 0.0)) <= c["slack"]
    name = _fmt_param(ref.problem.parameter_names, k)
    return ok, (
        f"{c['run']} agrees with {c['reference']} to {digits:.1f} digits (worst "
        f"{name}: {parameters(run)[k]:.10g} vs {parameters(ref)[k]:.10g}); "
        f"16 − 2·log10 κ with κ = {kappa:.3g} predicts {expected:.1f} (± {c['slack']:g})"
    )


def _near_optimum(c, r):
    d = distance_to_optimum(r[c["run"]])
    return d <= c["within"], (
        f"{c['run']} ends {d:.3g} (relative, original units) from the "
        f"normal-equation answer; claim ≤ {c['within']:g}"
    )


def _far_from_optimum(c, r):
    run = r[c["run"]]
    d = distance_to_optimum(run)
    return d >= c["at_least"], (
        f"{c['run']} ends {d:.3g} (relative, original units) from the "
        f"normal-equation answer after {run.final.iteration:,} "
        f"iterations; claim ≥ {c['at_least']:g}"
    )


def _condition_ratio(c, r):
    big = r[c["large"]].problem.condition_number
    small = r[c["small"]].problem.condition_number
    ratio = big / small
    return ratio >= c["at_least"], (
        f"κ {big:.3g} ({c['large']}) vs {small:.3g} "
        f"({c['small']}): {ratio:.3g}× (claim ≥ {c['at_least']:g}×)"
    )


def _contour_text(c: dict[str, Any], r: Mapping[str, LessonRun]) -> tuple[float, str]:
    run = r[c["run"]]
    names = run.problem.parameter_names
    i, j = run.contour_pair()
    ratio = contour_axis_ratio(run)
    return ratio, (
        f"{c['run']}: contours over {names[i]}, {names[j]} are ellipses with axes {ratio:.3g} : 1"
    )


def _tall_contours(c, r):
    ratio, text = _contour_text(c, r)
    return ratio >= c["at_least"], f"{text} (claim ≥ {c['at_least']:g})"


def _round_contours(c, r):
    ratio, text = _contour_text(c, r)
    return ratio <= c["at_most"], f"{text} (claim ≤ {c['at_most']:g})"


def _warns(c, r):
    warnings = r[c["run"]].final.warnings
    return any(c["text"] in w for w in warnings), f"{c['run']} warnings: {list(warnings)}"


def _says(c, r):
    message = r[c["run"]].final.message
    return c["text"] in message, f"{c['run']}: {message!r}"


_CHECKS: dict[str, Check] = {
    "converges": _converges,
    "diverges": _diverges,
    "cost_decreases": _cost_decreases,
    "lower_cost": _lower_cost,
    "cost_ratio": _cost_ratio,
    "iterations_ratio": _iterations_ratio,
    "same_answer": _same_answer,
    "different_answer": _different_answer,
    "digits_match_condition": _digits_match_condition,
    "near_optimum": _near_optimum,
    "far_from_optimum": _far_from_optimum,
    "condition_ratio": _condition_ratio,
    "tall_contours": _tall_contours,
    "round_contours": _round_contours,
    "warns": _warns,
    "says": _says,
    **training_claims.CHECKS,
    **eval_claims.CHECKS,
}
assert set(_CHECKS) == set(CLAIM_FIELDS)


def check_claim(claim: dict[str, Any], results: Mapping[str, LessonRun]) -> tuple[bool, str]:
    """Whether the runs' ``results`` (by label) bear out a validated ``claim``, and the
    numbers that say so. Raises InputError for a kind this version does not know."""
    check = _CHECKS.get(claim.get("kind", ""))
    if check is None:
        raise InputError(f"unknown claim kind {claim.get('kind')!r}")
    try:
        return check(claim, results)
    except InputError as exc:  # e.g. a contour pair the run's model does not have
        return False, str(exc)
