"""The run verdicts of the gradient-descent driver (:func:`core.solvers.gd.descend`): an
optimizer's stability bound (:class:`Limit`), the stopping test on the change of the cost
under a learning-rate schedule (:func:`settled`) and the words of a divergence verdict
(:func:`divergence_message`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: A cost this many times its start is divergence, whatever α is.
EXPLODE_FACTOR = 1e10
#: A cost that rose this many iterations in a row, above its start, is divergence (unless the
#: optimizer's bound allows transient growth and α is below it: see
#: :func:`core.solvers.gd.descend`).
RISING_STEPS = 50
#: Relative margin for "the cost rose": rounding must not count as a rise.
RISE = 1e-9
RISE_FACTOR = 1 + RISE


@dataclass(frozen=True)
class Limit:
    """The step size above which an optimizer's iterates grow on this quadratic cost.

    ``value`` (α units), ``name`` as a report writes it (``α_max``) and ``formula``
    (``2/λ_max of AᵀA/m``); ``below`` explains a divergence below the bound, when given.
    ``transient``: below the bound the cost may still rise for many iterations before it
    falls (heavy ball and Nesterov: their iteration matrix is not normal, so ‖e_k‖ can grow
    for a while although its spectral radius is below 1; Goh, "Why Momentum Really Works",
    Distill 2017), so a rising cost alone is not divergence there.
    """

    value: float
    name: str
    formula: str
    below: str = ""
    transient: bool = False


def stable_transient(alpha_t: float, limit: Limit | None) -> bool:
    """Whether a rising cost may be a transient of a stable run: the optimizer's bound allows
    transient growth and the current learning rate α_t is below it."""
    return limit is not None and limit.transient and alpha_t < limit.value


def settled(
    prev: float, cost: float, tolerance: float, alpha: float, alpha_t: float, dtype: str
) -> bool:
    """Whether the cost's relative change, at the starting rate, is within ``tolerance``.

    ``prev`` and ``cost`` are two successive evaluations of J; ``alpha`` is the starting
    learning rate α and ``alpha_t`` the rate of the last update before ``cost``. A schedule
    that shrinks the steps shrinks the change with them, whatever the distance to the
    minimum, so the change is scaled by s = α/α_t (at least 1): the change the same progress
    would make at the starting rate (for gradient descent the change of a small step is
    α_t·‖∇J‖², proportional to α_t). With s > 1 a change below the rounding of J (ε of
    ``dtype`` times J) counts as ε·J: a cost that stopped moving because the steps became
    too small to change it is no evidence of a minimum. With α_t = 0 (or not finite) the
    test never passes: only the gradient-norm test can stop such a run. With a constant
    rate (s = 1) this is the plain test |ΔJ| ≤ tolerance·|J|.
    """
    if not alpha_t > 0 or not math.isfinite(alpha_t):
        return False
    scale = max(alpha / alpha_t, 1.0)
    change = abs(prev - cost)
    if scale > 1.0:
        change = max(change, float(np.finfo(np.dtype(dtype)).eps) * abs(prev))
    return change * scale <= tolerance * max(abs(prev), 1e-300)


def rate_words(alpha: float, alpha_t: float, quoted: float, it: int) -> str:
    """The learning rate a verdict names: ``α = …`` under a constant rate; under a schedule
    that moved the rate, the value ``quoted`` (the one the verdict compared with the bound)
    as the schedule's α_t at iteration ``it``, its starting α, or the largest rate it
    reached, with the other rates for context."""
    if alpha_t == alpha == quoted:
        return f"α = {alpha:.4g}"
    if quoted == alpha_t:
        return (
            f"the schedule's learning rate α_t = {alpha_t:.4g} at iteration {it} "
            f"(α = {alpha:.4g} at the start)"
        )
    if quoted == alpha:
        return (
            f"α = {alpha:.4g} (the schedule's starting rate; α_t = {alpha_t:.4g} at iteration {it})"
        )
    return (
        f"the schedule's largest learning rate {quoted:.4g} (α = {alpha:.4g} at the start, "
        f"α_t = {alpha_t:.4g} at iteration {it})"
    )


def divergence_message(
    alpha: float,
    alpha_t: float,
    quoted: float,
    it: int,
    cost0: float,
    cost: float,
    limit: Limit | None,
    dtype: str,
    *,
    stalled: bool = False,
) -> str:
    """The verdict of a run that diverged at iteration ``it``: what the cost did and why.

    ``quoted`` is the learning rate that the verdict compares with ``limit`` (α_t, the
    schedule's rate at ``it``, or the starting α); ``stalled``: the cost stopped falling
    with the rate at or above the bound (the iterates oscillate instead of converging).
    """
    if stalled:
        what = (
            f"stopped falling at {cost:.4g} (from {cost0:.4g}) but the iterates do not "
            "converge: they keep oscillating"
        )
    elif not math.isfinite(cost):
        what = "became infinite or NaN"
    else:
        what = f"grew from {cost0:.4g} to {cost:.4g}"
    rate = rate_words(alpha, alpha_t, quoted, it)
    if limit is None:
        why = f"{rate} is too large for this optimizer here; choose a smaller α"
    elif quoted >= limit.value:
        a_max = limit.value
        where = "above" if quoted > a_max else "equal to"
        close = ""
        if quoted != a_max and f"{quoted:.4g}" == f"{a_max:.4g}":  # the digits that differ
            d = next((k for k in range(5, 18) if f"{quoted:.{k}g}" != f"{a_max:.{k}g}"), 17)
            close = f" ({quoted:.{d}g} against {a_max:.{d}g})"
        why = (
            f"{rate} is {where} {limit.name} = {a_max:.4g}{close} (= {limit.formula}), so the "
            f"steps overshoot; choose α below {a_max:.4g}"
        )
    else:
        fix = "try float64 or scaling" if dtype == "float32" else "try scaling the features"
        why = f"{rate} is below {limit.name} = {limit.value:.4g}, " + (
            limit.below or f"so this is rounding ({dtype}) rather than the step size; {fix}"
        )
    return f"Diverged at iteration {it}: the cost {what}. {why}."
