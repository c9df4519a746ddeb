"""What ``bench --to-cost`` measures and what it found: :class:`ToCostConfig`, its rows
(:class:`ToCostRow`) and the report (:class:`ToCostReport`); the measurement itself is
:mod:`core.timing.to_cost`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from core.errors import InputError
from core.timing import limits
from core.timing.results import json_safe

#: The SGD step sizes tried, as fractions of batch GD's α*, largest first.
ALPHA_FACTORS = (1.0, 1 / 4, 1 / 16, 1 / 64, 1 / 256, 1 / 1024)
#: Batch GD's stall window, in iterations (a pass is one iteration there).
GD_STALL_WINDOW = 20
#: Up to this many cells m·n, SGD's search checks the full-data cost after every update
#: (a check is then well under a millisecond); above, ``evals_per_pass`` times a pass.
EXACT_CELLS = 4_000_000
#: Seconds per pass are timed over at least this long (estimated by one full gradient).
MIN_EXTRA_S = 0.02
#: At most this many extra updates for the seconds-per-pass timing (small problems).
MAX_EXTRA_UPDATES = 5_000


@dataclass(frozen=True)
class ToCostConfig:
    """What to measure. Defaults: the textbook size (100,000 × 1,000), B = 32, 256, 4096,
    ε = 1e-3 (a modest accuracy) and 1e-6 (a high one)."""

    m: int = limits.M.default
    n: int = limits.N.default
    batch_sizes: tuple[int, ...] = (32, 256, 4096)
    targets: tuple[float, ...] = (1e-3, 1e-6)
    max_passes: float = 10.0
    time_budget_s: float = 120.0
    repeats: int = limits.REPEATS.default
    #: Cost checks per pass in SGD's search above :data:`EXACT_CELLS` cells.
    evals_per_pass: int = 20
    #: Updates between SGD's cost checks; None: :func:`check_interval`'s rule.
    check_every: int | None = None
    alpha_factors: tuple[float, ...] = ALPHA_FACTORS
    seed: int = 0
    shuffle_seed: int = 0
    noise: float = 0.1
    scale_spread: float = 2.0
    #: Default batch sizes left out because they are not below m (B ≥ m is batch GD).
    dropped_batch_sizes: tuple[int, ...] = ()
    #: BLAS threads for the whole measurement; None leaves BLAS at its default (all cores).
    threads: int | None = None

    def validate(self) -> None:
        """Raise :class:`InputError` for an option that cannot be used (with its range)."""
        limits.M.check(self.m)
        limits.N.check(self.n)
        limits.REPEATS.check(self.repeats)
        if self.threads is not None:
            limits.THREADS.check(self.threads)
        if not self.batch_sizes:
            raise InputError("give at least one batch size")
        for b in self.batch_sizes:
            if isinstance(b, bool) or not isinstance(b, int) or not 1 <= b:
                raise InputError(f"a batch size must be a whole number >= 1, got {b!r}")
            if b >= self.m:
                raise InputError(
                    f"a batch size must be below m = {self.m:,}, got {b:,} "
                    "(B = m is batch gradient descent, which is always measured)"
                )
        if not self.targets:
            raise InputError("give at least one target ε")
        for eps in self.targets:
            if not (isinstance(eps, float | int) and 0 < eps < 1):
                raise InputError(f"a target ε must be a number with 0 < ε < 1, got {eps!r}")
        if not (math.isfinite(self.max_passes) and 0 < self.max_passes <= 10_000):
            raise InputError(
                f"--max-passes must be above 0 and at most 10,000, got {self.max_passes!r}"
            )
        if not self.time_budget_s > 0:
            raise InputError(f"the time budget must be > 0 s, got {self.time_budget_s!r}")
        if not 1 <= self.evals_per_pass <= 1000:
            raise InputError(f"evaluations per pass must be 1 to 1,000, got {self.evals_per_pass}")
        if self.check_every is not None and not (
            isinstance(self.check_every, int) and self.check_every >= 1
        ):
            raise InputError(f"the check interval must be >= 1 update, got {self.check_every!r}")
        if not self.alpha_factors or not all(0 < f for f in self.alpha_factors):
            raise InputError("the α grid needs factors > 0")


@dataclass
class ToCostRow:
    """One method at one target: its step size, the crossing, and the time to reach it."""

    method: str  # "gd" or "sgd"
    batch_size: int  # B (m for batch GD)
    target: float  # ε
    target_cost: float  # J_target
    alpha: float | None = None
    alpha_rule: str = ""
    reached: bool = False
    updates: int | None = None
    passes: float | None = None
    cost: float | None = None  # J at the crossing
    seconds_median: float | None = None
    seconds_min: float | None = None
    seconds_max: float | None = None
    #: Median seconds of one full-cost evaluation in the timed runs (the one at the start).
    check_seconds: float | None = None
    #: Seconds of one more pass: the run ``per_pass_passes`` passes longer, less this one
    #: (fastest of each), divided by ``per_pass_passes``.
    seconds_per_pass: float | None = None
    per_pass_passes: int = 1
    #: Updates between the search's cost checks (1: the crossing is exactly the first update
    #: at or below the target; k: the first multiple of k checked at or below it).
    check_every: int = 1
    repeats: int = 0
    reason: str = ""  # why it did not reach the target
    #: Each α tried in the search: ``{"alpha", "outcome", "updates", "passes"}``.
    tried: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``batch GD`` or ``SGD B=32``: the row's name in tables and charts."""
        return "batch GD" if self.method == "gd" else f"SGD B={self.batch_size:,}"


@dataclass
class ToCostReport:
    """Everything one measurement produced: the problem, the machine and the rows."""

    config: ToCostConfig
    problem: dict[str, Any] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    rows: list[ToCostRow] = field(default_factory=list)
    elapsed_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The published JSON object ``{"config", "problem", "machine", "rows", "elapsed_s"}``."""
        config = asdict(self.config)
        rows = []
        for r in self.rows:
            d = asdict(r)
            d["label"] = r.label
            rows.append(d)
        return json_safe(
            {
                "config": config,
                "problem": self.problem,
                "machine": self.machine,
                "rows": rows,
                "elapsed_s": self.elapsed_s,
            }
        )


def rows_read(updates: int, batch_size: int, m: int) -> int:
    """Rows the first ``updates`` mini-batch gradients read: ⌈m/B⌉ updates make a pass of m
    rows, the last batch of each pass partial when B does not divide m."""
    per_pass = math.ceil(m / batch_size)
    full, rest = divmod(updates, per_pass)
    return full * m + min(rest * batch_size, m)


def default_batch_sizes(m: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The default batch sizes below ``m`` and those dropped (B ≥ m is batch GD's)."""
    all_b = ToCostConfig().batch_sizes
    return tuple(b for b in all_b if b < m), tuple(b for b in all_b if b >= m)


def check_interval(config: ToCostConfig, m: int, n: int, method: str, batch: int) -> int:
    """Updates between the search's full-data cost checks: 1 for batch GD, the config's
    ``check_every`` when given, 1 when m·n ≤ :data:`EXACT_CELLS`, else
    ⌈⌈m/B⌉ / ``evals_per_pass``⌉ (``evals_per_pass`` checks a pass)."""
    if method == "gd":
        return 1
    if config.check_every is not None:
        return config.check_every
    if m * n <= EXACT_CELLS:
        return 1
    return max(1, math.ceil(math.ceil(m / batch) / config.evals_per_pass))


def extra_passes(full_gradient_s: float, updates_per_pass: int) -> int:
    """Passes P to time beyond the crossing for the seconds per pass: enough that P passes
    take about :data:`MIN_EXTRA_S` at one full gradient's time a pass, at most 1,000 passes
    and :data:`MAX_EXTRA_UPDATES` updates, at least 1."""
    want = math.ceil(MIN_EXTRA_S / max(full_gradient_s, 1e-9))
    cap = max(1, MAX_EXTRA_UPDATES // max(1, updates_per_pass))
    return max(1, min(want, 1000, cap))
