"""Learning-rate schedules: the step size α_t of update t (t = 0, 1, … counts the updates
already made), for any optimizer.

- ``constant``: α_t = α;
- ``step``: α_t = α·decay^⌊t/k⌋ (k = ``step_every``; PyTorch's ``StepLR`` with
  ``gamma = decay``), with 0 < decay ≤ 1: a schedule lowers the rate (decay 1 keeps it);
- ``inverse-time``: α_t = α/(1 + decay·t) (scikit-learn's ``invscaling`` family; the
  ``1/t`` decay of Robbins and Monro);
- ``cosine``: α_t = α·(1 + cos(π·t/T))/2 over a run of T iterations, to zero at t = T
  (PyTorch's ``CosineAnnealingLR`` with ``eta_min = 0`` and ``T_max = T``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from core.errors import InputError

SCHEDULES = ("constant", "step", "inverse-time", "cosine")

#: ``rate(t)``: the learning rate of update t (0-based).
Rate = Callable[[int], float]


def learning_rate(
    schedule: str,
    alpha: float,
    *,
    decay: float = 0.1,
    step_every: int = 100,
    iterations: int = 1,
) -> Rate:
    """The function t ↦ α_t of ``schedule`` (see the module's formulas).

    ``decay`` is the step factor (``step``) or d (``inverse-time``); ``step_every`` is k
    (``step``); ``iterations`` is T (``cosine``). Raises :class:`InputError` for an unknown
    schedule, a negative or non-finite ``decay``, a ``step`` factor outside 0 < decay ≤ 1
    (above 1 the rate would grow, to overshoot the stability bound; 0 would stop the run
    after k updates) or a ``step_every`` below 1.
    """
    if schedule not in SCHEDULES:
        raise InputError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
    if isinstance(decay, bool) or not isinstance(decay, int | float) or not math.isfinite(decay):
        raise InputError(f"the decay must be a finite number, got {decay!r}")
    if decay < 0:
        raise InputError(f"the decay must be >= 0, got {decay:g}")
    if isinstance(step_every, bool) or not isinstance(step_every, int) or step_every < 1:
        raise InputError(f"step every must be a whole number >= 1, got {step_every!r}")
    if schedule == "constant":
        return lambda t: alpha
    if schedule == "step":
        if not 0 < decay <= 1:
            raise InputError(
                "the step schedule's decay (the factor α is multiplied by every k iterations) "
                f"must satisfy 0 < decay ≤ 1, got {decay:g}"
            )
        return lambda t: alpha * decay ** (t // step_every)
    if schedule == "inverse-time":
        return lambda t: alpha / (1.0 + decay * t)
    total = max(int(iterations), 1)
    return lambda t: alpha * (1.0 + math.cos(math.pi * t / total)) / 2.0
