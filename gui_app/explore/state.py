"""The Explore tab's state: one object holds what the window shows; the views draw from it.

No Qt here. :class:`ExploreState` keeps the settings (a :class:`core.settings.Settings`), the
prepared problem, every run with the data and model it belongs to and its history, the
contour pair, the start point, the run status and the message. The controller
(:mod:`gui_app.explore.controller`) is the only writer; after each change it tells the view
which aspects changed (:data:`ASPECTS`), and the view redraws those from the state.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.settings import CHOICE_LABELS, DataSettings, ModelSettings, RunSettings, Settings
from core.solvers import GD_SOLVERS, OPTIMIZERS, Snapshot

#: What a view may have to redraw after a change (the controller names them).
ASPECTS = frozenset(
    {
        "problem",  # the prepared problem (α_max, contour surface, pair choices, data view)
        "pair",  # the contour pair
        "start",  # the start point
        "runs",  # the list of runs (learning-curve entries and their labels)
        "history",  # the current run's history (path, curves, numbers)
        "status",  # run status (buttons, pause text)
        "message",  # the banner (and the status bar, from the same text)
        "finished",  # the current run has ended (its final snapshot is in the state)
    }
)

SCALING_SHORT = {"none": "unscaled", "zscore": "z-score", "minmax": "min-max", "mean": "mean"}


class RunStatus(enum.Enum):
    """What the Explore tab is doing."""

    IDLE = "idle"
    PREPARING = "preparing"  # data and model are being prepared (α_max, contours)
    RUNNING = "running"
    PAUSED = "paused"


class Growing:
    """Rows appended in batches to a buffer that doubles when full (a run's history)."""

    def __init__(self, width: int) -> None:
        self.data = np.empty((256, max(width, 1)))
        self.size = 0

    def extend(self, rows: np.ndarray) -> None:
        """Append ``rows`` (k × width)."""
        need = self.size + len(rows)
        if need > len(self.data):
            new = np.empty((max(need, 2 * len(self.data)), self.data.shape[1]))
            new[: self.size] = self.data[: self.size]
            self.data = new
        self.data[self.size : need] = rows
        self.size = need

    def view(self) -> np.ndarray:
        """The rows so far (size × width), without a copy."""
        return self.data[: self.size]


class History:
    """Everything one run reported: iterations, cost, parameters (training coordinates θ
    and original units [w, b]) and, for a mini-batch run, the batch cost (NaN where none)."""

    def __init__(self, n_params: int) -> None:
        self.iterations: list[np.ndarray] = []
        self.cost: list[np.ndarray] = []
        self.batch_cost: list[np.ndarray] = []  # one entry per iteration entry, NaN: none
        self.test_cost: list[np.ndarray] = []  # the held-out rows' cost, NaN: no test set
        self.theta = Growing(n_params)
        self.params = Growing(n_params)

    def add(
        self,
        iterations: np.ndarray,
        cost: np.ndarray,
        theta: np.ndarray,
        params: np.ndarray,
        batch_cost: np.ndarray | None = None,
        test_cost: np.ndarray | None = None,
    ) -> None:
        """Append one batch of snapshots (k entries; θ and params k × n_params; the batch
        and test costs k entries each, None: none, see :meth:`costs_of`)."""
        self.iterations.append(iterations)
        self.cost.append(cost)
        none = np.full(len(iterations), np.nan)
        self.batch_cost.append(none if batch_cost is None else batch_cost)
        self.test_cost.append(none if test_cost is None else test_cost)
        self.theta.extend(theta)
        self.params.extend(params)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(iterations, cost) as single arrays (the batches are joined once, then kept)."""
        if not self.iterations:
            return np.array([]), np.array([])
        if len(self.iterations) > 1:
            self.iterations = [np.concatenate(self.iterations)]
            self.cost = [np.concatenate(self.cost)]
        return self.iterations[0], self.cost[0]

    def batch_costs(self) -> np.ndarray:
        """The batch cost at each of :meth:`arrays`' iterations (NaN where there is none)."""
        if len(self.batch_cost) > 1:
            self.batch_cost = [np.concatenate(self.batch_cost)]
        return self.batch_cost[0] if self.batch_cost else np.array([])

    def test_costs(self) -> np.ndarray:
        """The test cost at each of :meth:`arrays`' iterations (NaN: no test set)."""
        if len(self.test_cost) > 1:
            self.test_cost = [np.concatenate(self.test_cost)]
        return self.test_cost[0] if self.test_cost else np.array([])

    @staticmethod
    def batch_costs_of(batch: list[Snapshot]) -> np.ndarray:
        """The snapshots' ``batch_cost`` (NaN for None: full batch, or before the first
        update), for :meth:`add`."""
        return np.array([np.nan if s.batch_cost is None else s.batch_cost for s in batch])

    @staticmethod
    def test_costs_of(batch: list[Snapshot]) -> np.ndarray:
        """The snapshots' ``test_cost`` (NaN for None: no test set), for :meth:`add`."""
        return np.array([np.nan if s.test_cost is None else s.test_cost for s in batch])

    def __len__(self) -> int:
        return self.theta.size


def source_name(source: str) -> str:
    """The short display name of a data source ("housing", "stopping-distance"), from
    :data:`core.settings.CHOICE_LABELS` without its details; the key itself when unknown."""
    label = CHOICE_LABELS["source"].get(source, source)
    return label.split(" (")[0].removesuffix(" demo")


def data_label(data: DataSettings) -> str:
    """A short name of the data a run belongs to ("housing", "synthetic m=200 n=2 seed 0")."""
    if data.source == "synthetic":
        return f"synthetic m={data.m:,} n={data.n:,} seed {data.seed}"
    if data.source == "csv":
        name = data.csv_path.replace("\\", "/").rsplit("/", 1)[-1] or "CSV"
        return f"{name} → {data.target}" if data.target else name
    return source_name(data.source)


def model_label(model: ModelSettings) -> str:
    """The model's scaling, and its degree, intercept, penalty and test set when they differ
    from the plain linear model ("z-score", "unscaled, degree 3, no b, L2 λ=10, test 20%")."""
    parts = [SCALING_SHORT.get(model.scaling, model.scaling)]
    if model.degree != 1:
        parts.append(f"degree {model.degree}")
    if not model.intercept:
        parts.append("no b")
    if model.device != "cpu":
        parts.append(model.device.upper())
    if model.l2:
        parts.append(f"L2 λ={model.l2:g}")
    if model.l1:
        parts.append(f"L1 λ={model.l1:g}")
    if model.test_fraction:
        parts.append(f"test {model.test_fraction:.0%}")
    return ", ".join(parts)


def run_label(run: RunSettings, model: ModelSettings, data: DataSettings) -> str:
    """A run's learning-curve label with its data and model: "GD α=0.1, z-score · housing";
    an iterative run names its implementation unless vectorised ("GD α=0.1 [gram], …")."""
    if run.solver == "gd":
        head = f"GD α={run.alpha:.3g}"
    elif run.solver == "normal":
        head = "normal eq."
    elif run.solver == "normal-textbook":
        head = "textbook inverse"
    elif run.solver in GD_SOLVERS:  # an optimizer: "adam α=0.1", "sgd B=32 α=0.1 seed 3"
        batch = f" B={run.batch_size}" if run.solver in OPTIMIZERS and run.batch_size else ""
        head = f"{run.solver}{batch} α={run.alpha:.3g}"
        if batch and run.shuffle_seed:  # mini-batch runs differ by their shuffle
            head += f" seed {run.shuffle_seed}"
    else:
        head = run.solver
    if run.solver in GD_SOLVERS and run.implementation != "vectorised":
        head += f" [{run.implementation}]"  # the same run, told apart by how it was computed
    return f"{head}, {model_label(model)} · {data_label(data)}"


@dataclass
class Run:
    """One run: its request, the problem it ran on, what it reported so far."""

    job_id: int
    settings: Settings
    label: str
    alpha: float | None  # None for the normal equation
    history: History | None = None  # created with the first snapshot
    problem: object | None = None  # the core Problem it ran on (set with the first snapshot)
    last: Snapshot | None = None
    final: Snapshot | None = None
    failed: str = ""  # the message when the run ended in an error

    @property
    def model_key(self) -> tuple[DataSettings, ModelSettings]:
        """The data and model the run belongs to."""
        return self.settings.data, self.settings.model


@dataclass
class Race:
    """Up to :data:`MAX_RACERS` runs started together from one start point by one worker job
    (issue 11): each racer is a :class:`Run` (its own history and final snapshot), drawn in
    :data:`gui_app.explore.plots.RACE_COLORS` in the order of ``runs``."""

    job_id: int
    runs: list[Run] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Every racer has ended (its final snapshot is in)."""
        return all(run.final is not None or run.failed for run in self.runs)


#: The most runs one race holds.
MAX_RACERS = 4


@dataclass
class Message:
    """The banner's text and kind ("info", "ok", "warning", "error")."""

    text: str
    kind: str = "info"


WELCOME = (
    "Welcome: press Run (F5) to watch gradient descent walk down the cost surface. "
    "Click the contour plot to choose where it starts."
)


@dataclass
class ExploreState:
    """The one truth of the Explore tab; the controller writes it, views read it."""

    settings: Settings = field(default_factory=Settings)
    prepared: object | None = None  # gui_app.explore.worker.Prepared for ``settings``
    prepare_error: str = ""  # why the last prepare failed ("" when it did not)
    status: RunStatus = RunStatus.IDLE
    job_id: int = 0  # the runner job whose events are accepted
    runs: list[Run] = field(default_factory=list)
    current: Run | None = None  # the run on screen (path, numbers); None after a model change
    # the race on screen (its runs' paths on the contour); None when none. The settings of the
    # racers to start next (the race's line-up) are ``race_entries``, at most MAX_RACERS.
    race: Race | None = None
    race_entries: list[RunSettings] = field(default_factory=list)
    pair: tuple[int, int] | None = None
    pair_names: tuple[str, ...] = ()  # the parameter names ``pair`` indexes into
    start_w: np.ndarray | None = None  # original units; None: zeros
    start_b: float | None = None
    message: Message = field(default_factory=lambda: Message(WELCOME))
    stop_reason: str = ""  # why the app (not the user) stops the current run, until it ends
    # what was on screen before Open data… loaded a file (settings, prepared, pair, pair
    # names), put back when that load fails; None when no load is pending
    before_load: tuple[Settings, object, tuple[int, int] | None, tuple[str, ...]] | None = None

    @property
    def model_key(self) -> tuple[DataSettings, ModelSettings]:
        """The data and model the settings describe now."""
        return self.settings.data, self.settings.model

    def prepared_matches(self) -> bool:
        """Whether the prepared problem is the one the settings describe."""
        prep = self.prepared
        return prep is not None and (prep.spec.data, prep.spec.model) == self.model_key

    def current_history(self) -> History | None:
        """The history of the run on screen, only when it belongs to the prepared problem."""
        run = self.current
        if (
            run is None
            or run.history is None
            or self.prepared is None
            or run.problem is not self.prepared.problem
        ):
            return None
        return run.history

    def shown_runs(self) -> list[Run]:
        """The runs whose paths the contour shows now, in drawing order: the race's runs while
        a race is on screen, else the current run (when it belongs to the prepared problem);
        each has a history of the prepared problem. Views and exports draw these."""
        prep = self.prepared
        if prep is None:
            return []
        runs = self.race.runs if self.race is not None else [self.current]
        return [
            run
            for run in runs
            if run is not None and run.history is not None and run.problem is prep.problem
        ]

    def parameter_labels(self) -> list[str]:
        """The contour-pair choices: the parameters of the prepared problem only."""
        prep = self.prepared
        if prep is None:
            return []
        problem = prep.problem
        return [f"w: {n}" for n in problem.feature_names] + (
            ["b (intercept)"] if problem.intercept else []
        )


def default_pair(
    problem: Any, previous: tuple[int, int] | None, previous_names: tuple[str, ...]
) -> tuple[int, int]:
    """The contour pair for ``problem``: the previous one when the parameters are the same,
    else the most elongated 2-D slice (the largest eigenvalue ratio of the Gram matrix's
    2 × 2 sub-blocks among the first 12 parameters and the intercept)."""
    P = problem.n_params
    if P < 2:
        return (0, 0)
    if (
        previous is not None
        and tuple(problem.parameter_names) == tuple(previous_names)
        and max(previous) < P
        and previous[0] != previous[1]
    ):
        return previous
    G = problem.gram.G
    best, pair = -1.0, (0, 1)
    limit = min(P, 12)
    candidates = list(range(limit)) + ([P - 1] if P > limit else [])
    for a in candidates:
        for b in candidates:
            if b <= a:
                continue
            ev = np.linalg.eigvalsh(G[np.ix_([a, b], [a, b])])
            ratio = ev[-1] / ev[0] if ev[0] > 0 else math.inf
            if ratio > best:
                best, pair = ratio, (a, b)
    return pair


def start_theta(state: ExploreState) -> np.ndarray:
    """The start point in training coordinates θ = [w_s, b_s] of the prepared problem."""
    problem = state.prepared.problem
    w = state.start_w
    if w is None or len(w) != problem.n:
        w = np.zeros(problem.n)
    w_s, b_s = problem.to_scaled(w, state.start_b or 0.0)
    return problem.theta(w_s, b_s if b_s is not None else 0.0)
