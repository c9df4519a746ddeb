"""Solvers: batch gradient descent (vectorised and as Python loops) and the normal equation.

Every solver is a generator of immutable :class:`Snapshot` objects. Gradient descent yields
one every ``report_every`` iterations and always a final one; the normal equations yield
just their final answer. A solver never prints and never touches Qt; it stops at the next
iteration (or row block, for the loop) once ``cancel.is_set()`` is true.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from core.backend import to_host
from core.errors import InputError
from core.model import precise
from core.model.problem import Problem

SOLVERS = ("gd", "gd-loop", "normal", "normal-textbook")
SOLVER_LABELS = {
    "gd": "gradient descent (vectorised)",
    "gd-loop": "gradient descent (Python loops)",
    "normal": "normal equation (stable: QR + refinement)",
    "normal-textbook": "normal equation (textbook inverse of XᵀX)",
}

#: Statuses of a snapshot; every one but "running" ends a run.
RUNNING, CONVERGED, MAX_ITERATIONS, DIVERGED, CANCELLED, SOLVED = (
    "running", "converged", "max_iterations", "diverged", "cancelled", "solved",
)

EXPLODE_FACTOR = 1e10
ILL_CONDITIONED = 1e12
RISING_STEPS = 50


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The state of a run after ``iteration`` steps (arrays are read-only host copies)."""

    iteration: int
    cost: float
    w: np.ndarray
    b: float | None
    w_scaled: np.ndarray
    b_scaled: float | None
    grad_norm: float
    elapsed: float
    status: str = RUNNING
    message: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def final(self) -> bool:
        return self.status != RUNNING

    @property
    def converged(self) -> bool:
        return self.status in (CONVERGED, SOLVED)

    @property
    def diverged(self) -> bool:
        return self.status == DIVERGED


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.flags.writeable = False
    return a


def _snapshot(problem: Problem, it, cost, w_s, b_s, gnorm, t0, status=RUNNING, message="",
              warnings=()) -> Snapshot:
    w_s_host = np.asarray(to_host(w_s), np.float64)
    b_s_val = float(b_s) if problem.intercept else None
    w, b = problem.to_original(w_s_host, b_s_val)
    return Snapshot(it, float(cost), _readonly(w), b, _readonly(w_s_host), b_s_val,
                    float(gnorm), time.perf_counter() - t0, status, message, tuple(warnings))


# -- gradient descent ---------------------------------------------------------------------------

def _validate_gd(alpha: float, iterations: int, tolerance: float, report_every: int) -> None:
    if not isinstance(alpha, int | float) or not math.isfinite(alpha):
        raise InputError(f"the learning rate α must be a finite number, got {alpha!r}")
    if alpha <= 0:
        raise InputError(f"the learning rate α must be greater than 0, got {alpha:g}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise InputError(f"iterations must be a whole number >= 0, got {iterations!r}")
    if not math.isfinite(tolerance) or tolerance < 0:
        raise InputError(f"tolerance must be >= 0 (0 disables it), got {tolerance!r}")
    if report_every < 1:
        raise InputError(f"report interval must be >= 1, got {report_every!r}")


def _divergence_message(problem: Problem, alpha: float, it: int, cost0: float, cost: float):
    a_max = problem.alpha_max
    what = "became infinite or NaN" if not math.isfinite(cost) else (
        f"grew from {cost0:.4g} to {cost:.4g}")
    if alpha > a_max:
        why = (f"α = {alpha:.4g} is above α_max = {a_max:.4g} (= 2/λ_max of AᵀA/m), so every "
               f"step overshoots; choose α below {a_max:.4g}")
    else:
        why = (f"α = {alpha:.4g} is below α_max = {a_max:.4g}, so this is rounding "
               f"({problem.dtype}) rather than the step size; try float64 or scaling")
    return f"Diverged at iteration {it}: the cost {what}. {why}."


Evaluate = Callable[[object, object], tuple[float, object, object, float]]


def _descend(problem: Problem, evaluate: Evaluate, w_s, b_s, *, alpha, iterations, tolerance,
             report_every, cancel) -> Iterator[Snapshot]:
    """The shared driver: bookkeeping, stopping rules and snapshots; ``evaluate`` does maths.

    ``evaluate(w_s, b_s)`` returns ``(cost, grad_w, grad_b, grad_norm)`` at that point.
    """
    t0 = time.perf_counter()
    cost0 = None
    prev = None
    rising = 0
    it = 0
    while True:
        cost, gw, gb, gnorm = evaluate(w_s, b_s)
        if cost0 is None:
            cost0 = cost
        status, message = RUNNING, ""
        if not math.isfinite(cost) or cost > EXPLODE_FACTOR * max(cost0, 1e-300):
            status = DIVERGED
        elif prev is not None:
            rising = rising + 1 if cost > prev * (1 + 1e-9) else 0
            if rising >= RISING_STEPS and cost > cost0 * (1 + 1e-9):
                status = DIVERGED
            elif tolerance > 0 and (abs(prev - cost) <= tolerance * max(abs(prev), 1e-300)
                                    or gnorm <= tolerance):
                status = CONVERGED
                message = f"Converged after {it} iterations (tolerance {tolerance:g})."
        elif tolerance > 0 and gnorm <= tolerance:
            status = CONVERGED
            message = f"Converged after {it} iterations (tolerance {tolerance:g})."
        if status == RUNNING and it >= iterations:
            status = MAX_ITERATIONS
            message = f"Stopped after the maximum of {iterations} iterations."
        if status == RUNNING and cancel is not None and cancel.is_set():
            status = CANCELLED
            message = f"Stopped by the user after {it} iterations."
        if status == DIVERGED:
            message = _divergence_message(problem, alpha, it, cost0, cost)
        if status != RUNNING or it % report_every == 0:
            yield _snapshot(problem, it, cost, w_s, b_s, gnorm, t0, status, message,
                            problem.warnings)
        if status != RUNNING:
            return
        w_s = w_s - alpha * gw
        if problem.intercept:
            b_s = b_s - alpha * gb
        prev = cost
        it += 1


def _start(problem: Problem, w0, b0):
    w = np.zeros(problem.n) if w0 is None else np.asarray(w0, np.float64)
    if w.shape != (problem.n,):
        raise InputError(f"the start point needs {problem.n} coefficients, got {w.shape[0]}")
    b = 0.0 if b0 is None else float(b0)
    return problem.to_scaled(w, b)


def gradient_descent(problem: Problem, *, alpha: float, iterations: int = 1000,
                     tolerance: float = 0.0, w0=None, b0=None, report_every: int = 1,
                     cancel: CancelFlag | None = None) -> Iterator[Snapshot]:
    """Batch gradient descent, vectorised: each step is the two matrix-vector products
    ``e = X_s w + b - y`` and ``∇w = X_sᵀe/m``. Start point ``w0``/``b0`` in original units."""
    _validate_gd(alpha, iterations, tolerance, report_every)
    xp, X, y, m = problem.xp, problem.X, problem.y, problem.m
    w_s, b_s = _start(problem, w0, b0)
    w_s = xp.asarray(w_s, dtype=problem.dtype)
    b_s = float(b_s) if problem.intercept else 0.0

    def evaluate(w, b):
        e = X @ w - y
        if problem.intercept:
            e += b
        gw = (X.T @ e) / m
        gb = float(e.sum()) / m if problem.intercept else 0.0
        cost = float(e @ e) / (2 * m)
        gnorm = math.sqrt(float(gw @ gw) + gb * gb)
        return cost, gw, gb, gnorm

    with np.errstate(over="ignore", invalid="ignore"):
        yield from _descend(problem, evaluate, w_s, b_s, alpha=alpha, iterations=iterations,
                            tolerance=tolerance, report_every=report_every, cancel=cancel)


def gradient_descent_loop(problem: Problem, *, alpha: float, iterations: int = 1000,
                          tolerance: float = 0.0, w0=None, b0=None, report_every: int = 1,
                          cancel: CancelFlag | None = None) -> Iterator[Snapshot]:
    """The same step as nested Python loops over examples and features (the slow reference
    the timing lab compares against). It checks ``cancel`` every 256 rows."""
    _validate_gd(alpha, iterations, tolerance, report_every)
    rows = np.asarray(to_host(problem.X), np.float64).tolist()
    ys = np.asarray(to_host(problem.y), np.float64).tolist()
    m, n = problem.m, problem.n
    w_s, b_s = _start(problem, w0, b0)
    w_list = [float(v) for v in w_s]
    b_val = float(b_s) if problem.intercept else 0.0

    class _Stop(Exception):
        pass

    def evaluate(w, b):
        errors = [0.0] * m
        sq = 0.0
        for i in range(m):
            if cancel is not None and i % 256 == 0 and cancel.is_set():
                raise _Stop
            row = rows[i]
            s = b
            for j in range(n):
                s += row[j] * w[j]
            e = s - ys[i]
            errors[i] = e
            sq += e * e
        grad = [0.0] * n
        gb = 0.0
        for i in range(m):
            if cancel is not None and i % 256 == 0 and cancel.is_set():
                raise _Stop
            row = rows[i]
            e = errors[i]
            for j in range(n):
                grad[j] += e * row[j]
            gb += e
        grad = [g / m for g in grad]
        gb = gb / m if problem.intercept else 0.0
        gnorm = math.sqrt(sum(g * g for g in grad) + gb * gb)
        return sq / (2 * m), _ListVec(grad), gb, gnorm

    last = None
    t_start = time.perf_counter()
    try:
        for snap in _descend(problem, evaluate, _ListVec(w_list), b_val, alpha=alpha,
                             iterations=iterations, tolerance=tolerance,
                             report_every=report_every, cancel=cancel):
            last = snap
            yield snap
    except _Stop:
        it = last.iteration if last else 0
        if last is None:
            yield _snapshot(problem, 0, float("nan"), np.asarray(w_list), b_val, float("nan"),
                            t_start, CANCELLED, "Stopped by the user.")
        else:
            yield Snapshot(it, last.cost, last.w, last.b, last.w_scaled, last.b_scaled,
                           last.grad_norm, last.elapsed, CANCELLED,
                           f"Stopped by the user after {it} iterations.", last.warnings)


class _ListVec(list):
    """A list of floats with the two vector operations the GD driver needs (no NumPy)."""

    def __sub__(self, other):
        return _ListVec(a - b for a, b in zip(self, other, strict=True))

    def __rmul__(self, k):
        return _ListVec(k * a for a in self)


# -- normal equations -------------------------------------------------------------------------

def _final_normal(problem: Problem, w, b, t0, message, warnings) -> Snapshot:
    w = np.asarray(w, np.float64)
    w_s, b_s = problem.to_scaled(w, b)
    cost = problem.cost(w_s, b_s if problem.intercept else 0.0)
    gw, gb = problem.gradient(w_s, b_s if problem.intercept else 0.0)
    gnorm = math.sqrt(float(gw @ gw) + (gb or 0.0) ** 2)
    return Snapshot(0, cost, _readonly(w), b, _readonly(w_s), b_s, gnorm,
                    time.perf_counter() - t0, SOLVED, message,
                    tuple(problem.warnings) + tuple(warnings))


def _original_design(problem: Problem) -> tuple[np.ndarray, np.ndarray | None]:
    X, X_lo = problem.design.X, problem.design.X_lo
    if problem.intercept:
        X = np.column_stack([X, np.ones(problem.m)])
        if X_lo is not None:
            X_lo = np.column_stack([X_lo, np.zeros(problem.m)])
    return X, X_lo


def normal_equation(problem: Problem, *, cancel: CancelFlag | None = None,
                    max_refinements: int = 10) -> Iterator[Snapshot]:
    """The exact least-squares solution, computed stably in the original units.

    Columns are equilibrated by powers of two (exact), the design is factored ``A = QR``
    (Householder; never ``XᵀX`` nor an inverse), and the augmented system
    ``[I A; Aᵀ 0][r; x] = [y; 0]`` is refined with residuals accumulated in double-double
    precision (``core.model.precise``), which recovers the digits QR alone loses on
    ill-conditioned designs. Rank deficiency is reported, with the minimum-norm solution.
    """
    t0 = time.perf_counter()
    A, A_lo = _original_design(problem)
    y = np.asarray(problem.dataset.y, np.float64)
    m, p = A.shape
    norms = np.sqrt(np.einsum("ij,ij->j", A, A))
    with np.errstate(divide="ignore"):
        exps = np.where(norms > 0, np.round(np.log2(np.where(norms > 0, norms, 1.0))), 0.0)
    s = np.ldexp(1.0, exps.astype(int))
    B = A / s
    B_lo = A_lo / s if A_lo is not None else None
    Q, R = np.linalg.qr(B)
    U, sigma, Vt = np.linalg.svd(R)
    tol = sigma[0] * max(m, p) * np.finfo(np.float64).eps if sigma[0] > 0 else 0.0
    rank = int(np.sum(sigma > tol))
    names = problem.parameter_names
    warnings: list[str] = []
    if rank < p:
        # Minimum-norm solution, and say which columns take part in the dependency.
        qty = Q.T @ y
        inv = np.where(sigma > tol, 1.0 / np.where(sigma > tol, sigma, 1.0), 0.0)
        z = Vt.T @ (inv * (U.T @ qty))
        null = Vt[rank:]
        involved = np.flatnonzero(np.max(np.abs(null), axis=0) > 1e-8)
        cols = ", ".join(names[k] for k in involved[:8])
        warnings.append(
            f"the design is rank-deficient (rank {rank} of {p}): columns {cols} are linear "
            "combinations of each other, so infinitely many coefficients fit equally well; "
            "showing the minimum-norm solution. Remove a redundant feature or lower the "
            "polynomial degree."
        )
        message = f"Rank-deficient design (rank {rank} of {p}); minimum-norm solution shown."
    else:
        z = np.linalg.solve(R, Q.T @ y)
        r = y - B @ z
        step = np.inf
        refinements = 0
        for refinements in range(1, max_refinements + 1):  # noqa: B007
            if cancel is not None and cancel.is_set():
                break
            f = precise.residual(y, B, B_lo, z, d=r)
            g = -precise.transpose_product(B, B_lo, r)
            u = np.linalg.solve(R.T, g)
            qtf = Q.T @ f
            dz = np.linalg.solve(R, qtf - u)
            r = r + (Q @ u + f - Q @ qtf)
            z = z + dz
            new_step = float(np.max(np.abs(dz)) / max(np.max(np.abs(z)), 1e-300))
            if new_step <= np.finfo(np.float64).eps / 4 or new_step >= step / 2:
                break
            step = new_step
        cond = float(sigma[0] / sigma[-1])
        message = (f"Solved by QR with {refinements} refinement step(s) "
                   f"(equilibrated condition number {cond:.3g}).")
        if cond > ILL_CONDITIONED:
            warnings.append(
                f"the design is nearly singular (condition number {cond:.3g} even after "
                "equilibrating its columns): the coefficients are exact for the data as "
                "stored, but tiny changes in the data would change them a lot. Lower the "
                "polynomial degree or drop a nearly redundant feature."
            )
    x = z / s
    w = x[: problem.n]
    b = float(x[problem.n]) if problem.intercept else None
    yield _final_normal(problem, w, b, t0, message, warnings)


def normal_textbook(problem: Problem, *, cancel: CancelFlag | None = None) -> Iterator[Snapshot]:
    """``w = (XᵀX)⁻¹Xᵀy`` exactly as the textbook writes it, on the training design.

    Kept to show why it is not used: forming ``XᵀX`` squares the condition number, and the
    explicit inverse loses the rest. Its result warns when it cannot be trusted.
    """
    t0 = time.perf_counter()
    A = np.asarray(to_host(problem.X), np.float64)
    if problem.intercept:
        A = np.column_stack([A, np.ones(problem.m)])
    y = np.asarray(to_host(problem.y), np.float64)
    warnings: list[str] = []
    AtA = A.T @ A
    try:
        theta = np.linalg.inv(AtA) @ (A.T @ y)
    except np.linalg.LinAlgError:
        theta = np.full(A.shape[1], np.nan)
    cond = problem.condition_number
    digits = 16 - 2 * math.log10(cond) if math.isfinite(cond) and cond > 0 else -1
    if not np.all(np.isfinite(theta)):
        warnings.append("XᵀX is singular: the textbook inverse does not exist. Use the stable "
                        "normal equation (--solver normal).")
        theta = np.nan_to_num(theta, nan=0.0, posinf=0.0, neginf=0.0)
    elif digits < 8:
        warnings.append(
            f"untrustworthy: cond(A) = {cond:.3g}, so cond(XᵀX) = {cond * cond:.3g} and only "
            f"about {max(digits, 0):.0f} of 16 digits can be right. Use the stable normal "
            "equation (--solver normal) or scale the features."
        )
    w_s = theta[: problem.n]
    b_s = float(theta[problem.n]) if problem.intercept else None
    w, b = problem.to_original(w_s, b_s)
    yield _final_normal(problem, w, b, t0, "Solved with the explicit inverse of XᵀX.", warnings)


def _paced(snapshots: Iterator[Snapshot], every: int, pace: Callable[[int], int]
           ) -> Iterator[Snapshot]:
    """Snapshot 0, then one after each chunk of ``pace(every)`` iterations (1..every), and
    the final one. Minimal stand-in for the engine's ``pace`` hook (the driver underneath
    reports every iteration); the engine's own version replaces it at merge."""
    target = 0
    for snap in snapshots:
        if snap.final or snap.iteration >= target:
            yield snap
            if not snap.final:
                target = snap.iteration + max(1, min(every, int(pace(every))))


def run_solver(problem: Problem, solver: str, **options) -> Iterator[Snapshot]:
    """Start ``solver`` (one of :data:`SOLVERS`) on ``problem``; GD options pass through.

    ``pace=fn`` (GD only): ``fn(k)`` is called before each chunk with its planned length k
    (``report_every``) and returns how many iterations (1..k) to run before the next snapshot.
    """
    pace = options.pop("pace", None)
    if pace is not None and solver in ("gd", "gd-loop"):
        every = int(options.get("report_every", 1))
        return _paced(run_solver(problem, solver, **{**options, "report_every": 1}), every,
                      pace)
    if solver == "gd":
        return gradient_descent(problem, **options)
    if solver == "gd-loop":
        return gradient_descent_loop(problem, **options)
    cancel = options.get("cancel")
    if solver == "normal":
        return normal_equation(problem, cancel=cancel)
    if solver == "normal-textbook":
        return normal_textbook(problem, cancel=cancel)
    raise InputError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")


def last(snapshots: Iterator[Snapshot]) -> Snapshot:
    """Run a solver to its end and return the final snapshot."""
    snap = None
    for snap in snapshots:  # noqa: B007
        pass
    assert snap is not None
    return snap
