"""The optimizers of ``torch.optim`` on the course's cost, each a generator of snapshots on
the gradient-descent driver (same stopping rules, divergence verdict, cancellation, ``pace``).

The update rules and default hyper-parameters are those of the algorithm boxes in PyTorch's
documentation (https://pytorch.org/docs/stable/optim.html: ``torch.optim.SGD``,
``Adagrad``, ``RMSprop``, ``Adam``), with weight decay 0, ``maximize`` off, dampening 0,
Adagrad's ``lr_decay`` 0 and initial accumulator 0, RMSprop not centred and without
momentum, Adam without AMSGrad. θ is every parameter (w and b) in training coordinates, g_t
the gradient at θ_{t−1} (of the full cost, or of the mini-batch), γ_t the learning rate of
the schedule (:mod:`core.solvers.schedules`), t = 1, 2, … the update; operations on
vectors are element-wise:

- ``sgd``: θ_t = θ_{t−1} − γ_t·g_t;
- ``momentum`` (μ): b_t = μ·b_{t−1} + g_t (b_1 = g_1); θ_t = θ_{t−1} − γ_t·b_t;
- ``nesterov`` (μ): b_t as for momentum; θ_t = θ_{t−1} − γ_t·(g_t + μ·b_t);
- ``adagrad`` (ε = 1e-10): s_t = s_{t−1} + g_t²; θ_t = θ_{t−1} − γ_t·g_t/(√s_t + ε);
- ``rmsprop`` (ρ, PyTorch's ``alpha`` = 0.99; ε = 1e-8): v_t = ρ·v_{t−1} + (1 − ρ)·g_t²;
  θ_t = θ_{t−1} − γ_t·g_t/(√v_t + ε);
- ``adam`` (β1 = 0.9, β2 = 0.999, ε = 1e-8): m_t = β1·m_{t−1} + (1 − β1)·g_t,
  v_t = β2·v_{t−1} + (1 − β2)·g_t², m̂_t = m_t/(1 − β1^t), v̂_t = v_t/(1 − β2^t);
  θ_t = θ_{t−1} − γ_t·m̂_t/(√v̂_t + ε).

Every state starts at zero. Full batch by default (``batch_size`` 0, or at least m: then
``sgd`` is exactly :func:`~core.solvers.gd.gradient_descent`); with 1 ≤ B < m each epoch
visits a fresh permutation of the rows drawn from ``numpy.random.default_rng(shuffle_seed)``
in batches of B (the last, partial one used as it is), g = (1/|B|)·X_Bᵀe_B and the mean
error for b, and one update is one iteration.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from core.errors import InputError
from core.model.problem import Problem
from core.model.training_problem import TrainingProblem
from core.solvers.gd import (
    BatchGradient,
    Limit,
    Pace,
    Step,
    alpha_max_limit,
    descend_vectorised,
    plain_step,
    validate_gd_options,
)
from core.solvers.implementations import prepare
from core.solvers.schedules import Rate, learning_rate
from core.solvers.snapshot import CancelFlag, Snapshot

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
#: The largest momentum μ a run accepts (the window's and the CLI's range; the theory caps
#: its optimal μ here). Above it a constant-step run would hardly move.
MOMENTUM_MAX = 0.999999
#: PyTorch's default ε of each optimizer that has one (used when ``epsilon`` is None).
DEFAULT_EPSILON = {"adagrad": 1e-10, "rmsprop": 1e-8, "adam": 1e-8}
#: A mini-batch run evaluates the full-data cost at most about this many times.
MAX_POINTS = 20_000
#: The keyword options :func:`optimize` takes beyond gradient descent's.
OPTIMIZER_OPTIONS = (
    "batch_size",
    "momentum",
    "rho",
    "beta1",
    "beta2",
    "epsilon",
    "shuffle_seed",
)


def mini_batch(solver: str, batch_size: int, m: int) -> int:
    """The batch size B a run of ``solver`` takes its steps on, 0 for the full batch: B when
    ``solver`` is an optimizer and 1 ≤ B < m (gradient descent, B = 0 and B ≥ m read all m
    rows per update)."""
    return batch_size if solver in OPTIMIZERS and 0 < batch_size < m else 0


def _sqrt(x: Any) -> Any:
    return math.sqrt(x) if isinstance(x, float) else x**0.5


class _Rule:
    """One optimizer's update, with its state per parameter group ("w" and "b")."""

    def __init__(
        self,
        name: str,
        rate: Rate,
        intercept: bool,
        *,
        momentum: float,
        rho: float,
        beta1: float,
        beta2: float,
        epsilon: float,
    ) -> None:
        self.name, self.rate, self.intercept = name, rate, intercept
        self.mu, self.rho, self.beta1, self.beta2, self.eps = momentum, rho, beta1, beta2, epsilon
        self.state: dict[str, list[Any]] = {}

    def direction(self, key: str, g: Any, t: int) -> Any:
        """The vector that γ_t multiplies at update t (1-based) for the group ``key``."""
        name = self.name
        if name in ("momentum", "nesterov"):
            buf = self.state.get(key)
            b = g if buf is None else self.mu * buf[0] + g
            self.state[key] = [b]
            return g + self.mu * b if name == "nesterov" else b
        if name == "adagrad":
            s = g * g if key not in self.state else self.state[key][0] + g * g
            self.state[key] = [s]
            return g / (_sqrt(s) + self.eps)
        if name == "rmsprop":
            v0 = self.state[key][0] if key in self.state else 0.0 * g
            v = self.rho * v0 + (1 - self.rho) * (g * g)
            self.state[key] = [v]
            return g / (_sqrt(v) + self.eps)
        if name == "adam":
            m0, v0 = self.state[key] if key in self.state else (0.0 * g, 0.0 * g)
            m = self.beta1 * m0 + (1 - self.beta1) * g
            v = self.beta2 * v0 + (1 - self.beta2) * (g * g)
            self.state[key] = [m, v]
            m_hat = m / (1 - self.beta1**t)
            v_hat = v / (1 - self.beta2**t)
            return m_hat / (_sqrt(v_hat) + self.eps)
        return g  # sgd

    def __call__(self, w: Any, b: Any, gw: Any, gb: Any, t: int) -> tuple[Any, Any]:
        lr = self.rate(t)
        w = w - lr * self.direction("w", gw, t + 1)
        if self.intercept:
            b = b - lr * self.direction("b", float(gb), t + 1)
        return w, b


def _batches(problem: Problem, size: int, seed: int, implementation: str) -> BatchGradient:
    """The gradient on successive mini-batches of ``size`` rows, epoch by epoch, and the
    batch's cost 1/(2|B|)·Σe_B² at the same point, each computed by ``implementation``."""
    xp, X, y, m, penalty = problem.xp, problem.X, problem.y, problem.m, problem.penalty
    intercept = problem.intercept
    rng = np.random.default_rng(seed)
    order: Any = None
    pos = m

    def gradient(w: Any, b: Any) -> tuple[Any, Any, float]:
        nonlocal order, pos
        if pos >= m:
            order = xp.asarray(rng.permutation(m))
            pos = 0
        rows = order[pos : pos + size]
        pos += size
        k = int(rows.shape[0])
        gw, gb, sse = prepare(implementation, X[rows], y[rows], intercept)(w, b)
        cost = sse / (2 * k)
        if penalty:  # J = (1/m)·Σ_i [½e_i² + penalty]: each batch's share is the whole penalty
            return gw + penalty.smooth_gradient(w), gb, cost + penalty.value(w)
        return gw, gb, cost

    return gradient


def _check_unit(name: str, value: float) -> None:
    """InputError unless ``value`` is a number with 0 ≤ value < 1 (μ, ρ, β1, β2)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not 0 <= value < 1:
        raise InputError(f"{name} must be a number with 0 ≤ {name} < 1, got {value!r}")


#: The iterative solvers that train an L1 penalty (soft-thresholding after each step).
PROXIMAL = ("gd", "gd-loop", "sgd")
#: The optimizers that rescale each coordinate's step: no fixed bound on α.
ADAPTIVE = ("adagrad", "rmsprop", "adam")


def divergence_bound(solver: str, alpha_max: float, momentum: float = 0.9) -> Limit | None:
    """The α above which ``solver``'s full-batch iterates grow on the course's quadratic,
    from gradient descent's ``alpha_max`` = 2/λ_max of AᵀA/m; None for the adaptive
    optimizers (:data:`ADAPTIVE`), which rescale each step: no fixed bound.

    Gradient descent and sgd: α_max. Heavy ball (θ_{t+1} = θ_t − γλθ_t + μ(θ_t − θ_{t−1})
    per eigenvalue λ, our ``momentum``) is stable for γλ < 2(1 + μ); PyTorch's Nesterov for
    γλ < 2(1 + μ)/(1 + 2μ) (the Jury conditions of their 2×2 iteration matrices). Raises
    InputError for an unknown solver.
    """
    if solver in ADAPTIVE:
        return None
    if solver == "momentum":
        value = (1 + momentum) * alpha_max
        return Limit(value, "the momentum bound", "2(1 + μ)/λ_max of AᵀA/m", transient=True)
    if solver == "nesterov":
        value = (1 + momentum) / (1 + 2 * momentum) * alpha_max
        formula = "2(1 + μ)/((1 + 2μ)·λ_max) of AᵀA/m"
        return Limit(value, "the Nesterov bound", formula, transient=True)
    if solver in ("sgd", "gd", "gd-loop"):
        return Limit(alpha_max, "α_max", "2/λ_max of AᵀA/m")
    raise InputError(f"unknown iterative solver {solver!r}")


def _limit(problem: Any, solver: str, mu: float, batch: int) -> Limit | None:
    """The α above which the optimizer's iterates grow on the quadratic (None: no such α):
    :func:`divergence_bound`, with the mini-batch caveat when ``batch`` (1 ≤ B < m rows):
    the bound is the full batch's, and a mini-batch's noisy steps can overshoot below it."""
    limit = (
        alpha_max_limit(problem)
        if solver == "sgd"
        else divergence_bound(solver, problem.alpha_max, mu)
    )
    if limit is None or not 0 < batch < problem.m:
        return limit
    rows = "1 row" if batch == 1 else f"{batch} rows"
    below = (
        "the bound of full-batch steps, but a mini-batch of "
        f"{rows} can overshoot where the full batch would not: choose a smaller α or a "
        "larger batch"
    )
    return dataclasses.replace(limit, below=below)


@dataclasses.dataclass(frozen=True)
class OptimizerPlan:
    """What the driver (:func:`~core.solvers.gd.descend`) needs of an optimizer: the update
    ``step``, the learning ``rate``, the divergence ``bound``, the mini-batch size ``batch``
    (0: full batch), the snapshot interval ``report_every`` and whether the update is
    ``plain`` gradient descent (the Gram form may then fast-forward)."""

    step: Step
    rate: Rate
    bound: Callable[[], Limit | None]
    batch: int
    report_every: int
    plain: bool


def optimizer_plan(
    problem: TrainingProblem,
    solver: str,
    *,
    alpha: float,
    iterations: int = 1000,
    tolerance: float = 0.0,
    report_every: int = 1,
    batch_size: int = 0,
    momentum: float = 0.9,
    rho: float = 0.99,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float | None = None,
    schedule: str = "constant",
    decay: float = 0.1,
    step_every: int = 100,
) -> OptimizerPlan:
    """The validated update rule, rate, bound and snapshot interval of ``solver`` (one of
    :data:`OPTIMIZERS`) on ``problem`` (a :class:`Problem`, or any object with its ``m``,
    ``intercept``, ``penalty`` and ``alpha_max``: the dask engine's Gram problem): the one
    construction :func:`optimize` and the dask engine share. A mini-batch run snapshots
    every max(``report_every``, ⌈iterations/:data:`MAX_POINTS`⌉) updates.
    Raises :class:`InputError` for an unknown solver or a bad option."""
    if solver not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {solver!r}; choose one of {', '.join(OPTIMIZERS)}")
    validate_gd_options(alpha, iterations, tolerance, report_every)
    rate = learning_rate(schedule, alpha, decay=decay, step_every=step_every, iterations=iterations)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 0:
        raise InputError(f"the batch size must be a whole number >= 0, got {batch_size!r}")
    for name, value in (("momentum", momentum), ("rho", rho), ("beta1", beta1), ("beta2", beta2)):
        _check_unit(name, value)
    eps = DEFAULT_EPSILON.get(solver, 1e-8) if epsilon is None else epsilon
    if isinstance(eps, bool) or not isinstance(eps, int | float) or not eps > 0:
        raise InputError(f"epsilon must be a number > 0, got {eps!r}")
    if problem.penalty.l1 and solver not in PROXIMAL:
        raise InputError(
            f"an L1 penalty (lasso) is trained by proximal gradient descent, which {solver} "
            "is not: choose gd or sgd for it, or use the L2 penalty"
        )
    batch = mini_batch(solver, batch_size, problem.m)
    step: Step = (
        plain_step(rate, problem.intercept, problem.penalty)
        if solver == "sgd"
        else _Rule(
            solver,
            rate,
            problem.intercept,
            momentum=momentum,
            rho=rho,
            beta1=beta1,
            beta2=beta2,
            epsilon=float(eps),
        )
    )
    if batch:
        report_every = max(report_every, math.ceil(iterations / MAX_POINTS))
    return OptimizerPlan(
        step=step,
        rate=rate,
        bound=lambda: _limit(problem, solver, momentum, batch),
        batch=batch,
        report_every=report_every,
        plain=solver == "sgd" and not batch,
    )


def optimize(
    problem: Problem,
    solver: str,
    *,
    alpha: float,
    iterations: int = 1000,
    tolerance: float = 0.0,
    w0: Any = None,
    b0: Any = None,
    report_every: int = 1,
    cancel: CancelFlag | None = None,
    pace: Pace | None = None,
    batch_size: int = 0,
    momentum: float = 0.9,
    rho: float = 0.99,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float | None = None,
    schedule: str = "constant",
    decay: float = 0.1,
    step_every: int = 100,
    shuffle_seed: int = 0,
    implementation: str = "vectorised",
) -> Iterator[Snapshot]:
    """Train with ``solver`` (one of :data:`OPTIMIZERS`; formulas in the module docstring).

    Options as for :func:`~core.solvers.gd.gradient_descent`, plus ``batch_size`` B (0: full
    batch), ``momentum`` μ, ``rho`` ρ, ``beta1``, ``beta2``, ``epsilon`` (None: PyTorch's
    default for the optimizer), the schedule (``schedule``, ``decay``, ``step_every``) and
    ``shuffle_seed``, and the ``implementation`` of the gradient
    (:mod:`core.solvers.implementations`; not the Gram form for mini-batches). The rule,
    rate and bound are :func:`optimizer_plan`'s. A mini-batch run snapshots every
    max(``report_every``, ⌈iterations/:data:`MAX_POINTS`⌉) updates, with the full-data
    cost J and gradient norm.
    Raises :class:`InputError` for an unknown solver or a bad option.
    """
    plan = optimizer_plan(
        problem,
        solver,
        alpha=alpha,
        iterations=iterations,
        tolerance=tolerance,
        report_every=report_every,
        batch_size=batch_size,
        momentum=momentum,
        rho=rho,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        schedule=schedule,
        decay=decay,
        step_every=step_every,
    )
    batch = plan.batch
    yield from descend_vectorised(
        problem,
        w0,
        b0,
        alpha=alpha,
        iterations=iterations,
        tolerance=tolerance,
        report_every=plan.report_every,
        cancel=cancel,
        pace=pace,
        step=plan.step,
        bound=plan.bound,
        batch_gradient=_batches(problem, batch, shuffle_seed, implementation) if batch else None,
        rate=plan.rate,
        implementation=implementation,
        plain=plan.plain,
    )


def describe(solver: str, **options: Any) -> dict[str, Any]:
    """The settings that ``solver`` used, JSON-ready (for the CLI's "optimizer" object):
    its name, batch size (0: full batch), its own hyper-parameters (ε resolved to PyTorch's
    default when None), the schedule, and the shuffle seed of a mini-batch run."""
    out: dict[str, Any] = {"name": solver}
    if solver in OPTIMIZERS:
        out["batch_size"] = options.get("batch_size", 0)
    own = {
        "momentum": ("momentum",),
        "nesterov": ("momentum",),
        "rmsprop": ("rho", "epsilon"),
        "adagrad": ("epsilon",),
        "adam": ("beta1", "beta2", "epsilon"),
    }.get(solver, ())
    defaults = {"momentum": 0.9, "rho": 0.99, "beta1": 0.9, "beta2": 0.999, "epsilon": None}
    for key in own:
        out[key] = options.get(key, defaults[key])
    if "epsilon" in out and out["epsilon"] is None:
        out["epsilon"] = DEFAULT_EPSILON[solver]
    schedule = options.get("schedule", "constant")
    out["schedule"] = {"name": schedule}
    if schedule in ("step", "inverse-time"):
        out["schedule"]["decay"] = options.get("decay", 0.1)
    if schedule == "step":
        out["schedule"]["step_every"] = options.get("step_every", 100)
    if solver in OPTIMIZERS and out["batch_size"]:
        out["shuffle_seed"] = options.get("shuffle_seed", 0)
    return out
