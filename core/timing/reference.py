"""What the bench holds each kernel to: the vectorised kernel's result, which every
implementation must reproduce before its time counts, and the course's textbook line, the
peer the vectorised step's time is compared with.

The kernels timed are the runs' own, from :mod:`core.solvers.implementations`; each returns
``(∇w, ∂b, Σe²)``. Nothing here is a copy of them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.solvers import implementations

#: A kernel's result on the host: ∇w (float64, n), ∂b and Σe² (None where not computed).
Parts = tuple[np.ndarray, float | None, float | None]


def textbook_line(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: Any) -> np.ndarray:
    """The textbook line, exactly: ``X.T @ (X @ w + b - y) / m`` (∇w only, n entries)."""
    m = X.shape[0]
    return X.T @ (X @ w + b - y) / m


def host_parts(value: Any) -> Parts:
    """A kernel's ``(∇w, ∂b, Σe²)`` as a float64 host vector and floats (CuPy arrays come
    back to the host); a bare ∇w array, as the textbook line returns, gives (∇w, None, None)."""
    if isinstance(value, tuple):
        gw, gb, sse = value
    else:
        gw, gb, sse = value, None, None
    gw = gw.get() if hasattr(gw, "get") else gw
    return (
        np.asarray(gw, np.float64),
        None if gb is None else float(gb),
        None if sse is None else float(sse),
    )


def reference_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> Parts:
    """The vectorised kernel's ``(∇w, ∂b, Σe²)`` at (w, b): what every implementation must
    reproduce."""
    return host_parts(implementations.prepare("vectorised", X, y, True)(w, b))


def relative_error(value: Parts, reference: Parts) -> float:
    """Largest relative deviation of ``value`` from ``reference``: [∇w, ∂b] in the max-abs
    norm relative to the reference's largest entry, Σe² relative to the reference Σe² (parts
    ``value`` lacks are not compared); inf when not finite."""
    gw, gb, sse = value
    ref_gw, ref_gb, ref_sse = reference
    got, ref = gw, ref_gw
    if gb is not None and ref_gb is not None:
        got, ref = np.append(gw, gb), np.append(ref_gw, ref_gb)
    errors = [_max_abs_error(got, ref)]
    if sse is not None and ref_sse is not None:
        errors.append(_max_abs_error(np.array([sse]), np.array([ref_sse])))
    return max(errors)


def _max_abs_error(result: np.ndarray, reference: np.ndarray) -> float:
    """Largest deviation relative to the largest reference entry (the max-abs norm)."""
    if result.shape != reference.shape:
        return math.inf
    scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    diff = float(np.max(np.abs(result - reference))) if reference.size else 0.0
    if not math.isfinite(diff):
        return math.inf
    return diff / scale if scale > 0 else diff
