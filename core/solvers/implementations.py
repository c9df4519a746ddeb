"""The kernel registry: one gradient-descent step, implemented six ways, used by the runs and
the timing lab alike.

Every implementation turns a design X (m × n, training coordinates) and targets y (m) into a
:data:`Kernel`: ``kernel(w, b) -> (∇w, ∂b, Σe²)`` with ``e = Xw + b − y``, ``∇w = Xᵀe/m``
(n, X's dtype), ``∂b = Σe/m`` and the residual sum of squares Σe² (floats), so a run gets
its cost J = Σe²/(2m) from the same work. The mathematics is the same; what changes is how
the machine does it:

==============  ==============================================================  ========
``vectorised``  two BLAS matrix-vector products (NumPy; CuPy on the GPU device)  cpu, gpu
``loop``        nested Python loops over examples and features                   cpu
``compiled``    the same loops compiled by numba, one thread                     cpu
``fused``       one parallel numba pass that reads X once per step               cpu
``gram``        ``G = XᵀX/m``, ``Xᵀy/m`` once; then O(n²) per step, whatever m   cpu
``cupy``        a CUDA kernel that reads X once per step (CuPy)                  gpu
==============  ==============================================================  ========

:func:`kernel_evaluator` wraps a kernel into the driver's ``evaluate`` (adding the penalty),
:func:`unavailable` says why an implementation cannot run here (empty when it can).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from core.errors import Cancelled, InputError
from core.model.training_problem import TrainingProblem
from core.solvers.snapshot import CancelFlag

IMPLEMENTATIONS = ("vectorised", "loop", "compiled", "fused", "gram", "cupy")
IMPLEMENTATION_LABELS = {
    "vectorised": "vectorised (NumPy / CuPy: two BLAS products)",
    "loop": "Python loops",
    "compiled": "compiled loops (numba, one thread)",
    "fused": "fused (numba, reads X once, all threads)",
    "gram": "Gram form (XᵀX once, then O(n²) a step)",
    "cupy": "fused CUDA kernel (CuPy, reads X once)",
}
#: The device each implementation runs on ("any": the problem's).
IMPLEMENTATION_DEVICE = {
    "vectorised": "any",
    "loop": "cpu",
    "compiled": "cpu",
    "fused": "cpu",
    "gram": "cpu",
    "cupy": "gpu",
}

#: ``kernel(w, b) -> (∇w, ∂b, Σe²)`` on the X and y it was prepared for.
Kernel = Callable[[Any, float], tuple[Any, float, float]]

# The Python loop checks for cancellation every this many rows.
_CHECK_ROWS = 256


@functools.cache
def numba_kernels() -> ModuleType | None:
    """``core.solvers.kernels`` (numba), or None when numba cannot be imported here."""
    try:
        from core.solvers import kernels
    except Exception:  # ImportError, or numba failing to initialise (no LLVM, no cache)
        return None
    return kernels


def unavailable(name: str, device: str = "cpu", mini_batch: bool = False) -> str:
    """Why ``name`` cannot run on ``device`` (empty when it can); ``mini_batch``: for a
    mini-batch run. Raises :class:`InputError` for an unknown implementation."""
    if name not in IMPLEMENTATIONS:
        raise InputError(
            f"unknown implementation {name!r}; choose one of {', '.join(IMPLEMENTATIONS)}"
        )
    where = IMPLEMENTATION_DEVICE[name]
    if where == "cpu" and device != "cpu":
        return f"the {name} implementation runs on the CPU: choose the CPU device for it"
    if where == "gpu" and device != "gpu":
        return "the cupy implementation runs on the GPU: choose the GPU device for it"
    if name == "gram" and mini_batch:
        return "the Gram form needs the full batch (XᵀX of a mini-batch changes every step)"
    if name in ("compiled", "fused") and numba_kernels() is None:
        return "numba is not installed here (pip install numba)"
    if name == "cupy":
        from core.solvers.gpu_kernels import fused_unavailable

        return fused_unavailable()
    return ""


def check_available(name: str, device: str = "cpu", mini_batch: bool = False) -> None:
    """Raise :class:`InputError` with the reason when ``name`` cannot run (see
    :func:`unavailable`)."""
    why = unavailable(name, device, mini_batch)
    if why:
        raise InputError(f"cannot use the {name} implementation: {why}")


def warm_up(name: str, dtype: str = "float64") -> None:
    """Compile (or load from numba's cache) what ``name`` runs in ``dtype``, so that a run's
    timing starts after the compiler, not during it (a no-op for the uncompiled ones)."""
    kernels = numba_kernels() if name in ("compiled", "fused", "gram") else None
    if kernels is not None:
        kernels.compile_kernels(dtype, name)


def prepare(
    name: str,
    X: Any,
    y: Any,
    intercept: bool = True,
    cancel: CancelFlag | None = None,
) -> Kernel:
    """The kernel of implementation ``name`` for design X (m × n) and targets y (m).

    ``intercept`` False: ``b`` is always 0 and ∂b is returned as 0. ``cancel`` is checked
    during long preparations (the Gram form's XᵀX) and inside the Python loop's passes,
    which then raise :class:`core.errors.Cancelled`. Raises :class:`InputError` when the
    implementation is unknown or unavailable for X's device.
    """
    on_gpu = not isinstance(X, np.ndarray)
    check_available(name, "gpu" if on_gpu else "cpu")
    if name == "vectorised":
        return _vectorised(X, y, intercept)
    if name == "loop":
        return _loop(X, y, intercept, cancel)
    if name == "compiled":
        return _compiled(X, y, intercept)
    if name == "fused":
        return _fused(X, y, intercept)
    if name == "gram":
        return GramForm.precompute(X, y, cancel).kernel(intercept)
    from core.solvers.gpu_kernels import fused_kernel

    return fused_kernel(X, y, intercept)


def _vectorised(X: Any, y: Any, intercept: bool) -> Kernel:
    XT, m = X.T, X.shape[0]
    # NumPy's e.sum() goes through a Python wrapper; its ufunc's reduce does not (CuPy: sum)
    on_cpu = isinstance(X, np.ndarray)
    total: Callable[[Any], Any] = np.add.reduce if on_cpu else (lambda a: a.sum())

    def kernel(w: Any, b: float) -> tuple[Any, float, float]:
        e = X @ w - y
        if intercept:
            e += b
            gb = float(total(e)) / m
        else:
            gb = 0.0
        return (XT @ e) / m, gb, float(e @ e)

    return kernel


def _loop(X: np.ndarray, y: np.ndarray, intercept: bool, cancel: CancelFlag | None) -> Kernel:
    rows = np.asarray(X, np.float64).tolist()
    ys = np.asarray(y, np.float64).tolist()
    m, n = X.shape
    dtype = X.dtype

    def kernel(w: Any, b: float) -> tuple[Any, float, float]:
        wl = [float(v) for v in w]
        b = float(b) if intercept else 0.0
        errors = [0.0] * m
        sq = 0.0
        for i in range(m):
            if i % _CHECK_ROWS == 0 and cancel is not None and cancel.is_set():
                raise Cancelled("stopped by the user during a pass of the loops")
            row = rows[i]
            s = b
            for j in range(n):
                s += row[j] * wl[j]
            e = s - ys[i]
            errors[i] = e
            sq += e * e
        grad = [0.0] * n
        gb = 0.0
        for i in range(m):
            if i % _CHECK_ROWS == 0 and cancel is not None and cancel.is_set():
                raise Cancelled("stopped by the user during a pass of the loops")
            row = rows[i]
            e = errors[i]
            for j in range(n):
                grad[j] += e * row[j]
            gb += e
        gw = np.array([g / m for g in grad], dtype)
        return gw, (gb / m if intercept else 0.0), sq

    return kernel


def _unpack(out: np.ndarray, n: int, dtype: Any, intercept: bool) -> tuple[Any, float, float]:
    return out[:n].astype(dtype), (float(out[n]) if intercept else 0.0), float(out[n + 1])


def _compiled(X: np.ndarray, y: np.ndarray, intercept: bool) -> Kernel:
    kernels = numba_kernels()
    assert kernels is not None  # checked by prepare
    step, n, dtype = kernels.compiled_step, X.shape[1], X.dtype

    def kernel(w: Any, b: float) -> tuple[Any, float, float]:
        return _unpack(step(X, y, w, float(b) if intercept else 0.0), n, dtype, intercept)

    return kernel


def _fused(X: np.ndarray, y: np.ndarray, intercept: bool) -> Kernel:
    kernels = numba_kernels()
    assert kernels is not None  # checked by prepare
    step, n, dtype = kernels.fused_step, X.shape[1], X.dtype
    scalar = dtype.type

    def kernel(w: Any, b: float) -> tuple[Any, float, float]:
        chunks = kernels.thread_count()
        out = step(X, y, w, scalar(b if intercept else 0.0), chunks)
        return _unpack(out, n, dtype, intercept)

    return kernel


def block_rows(n: int) -> int:
    """Rows in a block of about 64 MB: long enough for BLAS, short enough to cancel."""
    return max(256, (64 << 20) // (8 * max(n, 1)))


@dataclass(frozen=True)
class GramForm:
    """``G = XᵀX/m`` (n × n), column means ``s``, ``c = Xᵀy/m``, ``ȳ`` and ``q = Σy²/m``: the
    step and the cost without X (J = ½wᵀGw + b·sᵀw − cᵀw + ½b² − bȳ + ½q)."""

    G: np.ndarray
    s: np.ndarray
    c: np.ndarray
    y_mean: float
    q: float
    m: int

    @classmethod
    def precompute(cls, X: np.ndarray, y: np.ndarray, cancel: CancelFlag | None = None) -> GramForm:
        """One pass of row blocks (``XᵀX`` as a sum of block products, checking ``cancel``)."""
        m = X.shape[0]
        G = np.zeros((X.shape[1], X.shape[1]), X.dtype)
        block = block_rows(X.shape[1])
        for start in range(0, m, block):
            if cancel is not None and cancel.is_set():
                raise Cancelled("stopped by the user while forming XᵀX")
            Xb = X[start : start + block]
            G += Xb.T @ Xb
        G /= m
        c = X.T @ y
        c /= m
        s = X.sum(axis=0, dtype=np.float64).astype(X.dtype) / m
        y64 = np.asarray(y, np.float64)
        return cls(G, s, c, float(y64.sum()) / m, float(y64 @ y64) / m, m)

    def step(self, w: np.ndarray, b: Any) -> tuple[np.ndarray, float]:
        """``∇w = Gw + s·b − c``, ``∂b = s·w + b − ȳ``: O(n²), independent of m."""
        gw = self.G @ w
        gw += b * self.s
        gw -= self.c
        return gw, float(self.s @ w) + float(b) - self.y_mean

    def kernel(self, intercept: bool) -> Kernel:
        """The registry's kernel: ∇w, ∂b and Σe² = 2m·J from the Gram form. Near the
        minimum J is a difference of larger terms, so it carries rounding of about
        ε·(½q) rather than ε·J (the path itself is unaffected)."""
        G, s, c, y_mean, q, m = self.G, self.s, self.c, self.y_mean, self.q, self.m

        def kernel(w: Any, b: float) -> tuple[Any, float, float]:
            Gw = G @ w
            sw = float(s @ w)
            cost = 0.5 * float(w @ Gw) - float(c @ w) + 0.5 * q
            Gw -= c
            if intercept:
                b = float(b)
                cost += b * sw + 0.5 * b * b - b * y_mean
                Gw += b * s
                return Gw, sw + b - y_mean, 2 * m * cost
            return Gw, 0.0, 2 * m * cost

        return kernel


def kernel_evaluator(problem: TrainingProblem, kernel: Kernel) -> Callable[[Any, Any, bool], tuple]:
    """The driver's ``evaluate(w_s, b_s, need_norm) -> (J, ∇w, ∂b, ‖∇‖)`` from ``kernel``
    for ``problem`` (a :class:`core.model.problem.Problem`): J = Σe²/(2m) plus the penalty,
    ∇w plus the L2 term, and the norm of the smallest subgradient (an L1 term's kink)."""
    two_m, penalty = 2 * problem.m, problem.penalty
    if not penalty:

        def evaluate_plain(w: Any, b: Any, need_norm: bool = True) -> tuple[float, Any, Any, float]:
            gw, gb, sse = kernel(w, b)
            if not need_norm:
                return sse / two_m, gw, gb, math.nan
            return sse / two_m, gw, gb, math.sqrt(float(gw @ gw) + gb * gb)

        return evaluate_plain

    def evaluate(w: Any, b: Any, need_norm: bool = True) -> tuple[float, Any, float, float]:
        gw, gb, sse = kernel(w, b)
        cost = sse / two_m + penalty.value(w)
        gw = gw + penalty.smooth_gradient(w)
        if not need_norm:
            return cost, gw, gb, math.nan
        sub = penalty.stationarity(gw, w)
        return cost, gw, gb, math.sqrt(float(sub @ sub) + gb * gb)

    return evaluate
