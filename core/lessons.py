"""Lessons: ready-made explorations stored as JSON in ``resources/lessons``.

A lesson sets every control it needs (base ``settings``), lists one or more ``runs`` (each a
label and the settings it changes), explains its point in plain text, and states ``claims``
that the runs must bear out (checked by the tests, and by ``gd-explorer lesson NAME``), so a
lesson can never silently stop making its point. The claim kinds and their fields are in
:mod:`core.claims`; the file format (parse, load, save) is :mod:`core.lesson_format`, whose names
are re-exported here. This module runs lessons and checks their claims.
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from core import settings as settings_mod
from core.builder import build_dataset, build_problem
from core.claims import (
    CLAIM_FIELDS,
    CLAIM_KINDS,
    check_claim,
    claim_runs,
    contour_axis_ratio,
    iterations_to_converge,
)
from core.data.datasets import Dataset
from core.errors import InputError
from core.lesson_format import (
    FORMAT,
    VERSION,
    Lesson,
    builtin_lessons,
    load_lesson,
    parse_lesson,
    save_lesson,
)
from core.model.problem import Problem
from core.solvers import (
    GD_SOLVERS,
    ITERATIVE_OPTIONS,
    Snapshot,
    run_solver,
)

__all__ = [
    "CLAIM_FIELDS",
    "CLAIM_KINDS",
    "FORMAT",
    "VERSION",
    "ContourPanel",
    "Lesson",
    "LessonRun",
    "builtin_lessons",
    "check_claims",
    "contour_panel",
    "iterations_to_converge",
    "load_lesson",
    "parse_lesson",
    "resolved_run",
    "run_lesson",
    "save_lesson",
]


# -- running a lesson without a window -----------------------------------------------------


def dataset_for(s: dict[str, Any]) -> Dataset:
    """The dataset the flat settings ``s`` describe (``core.builder.build_dataset``)."""
    return build_dataset(settings_mod.Settings.from_flat(s).data)


def problem_for(s: dict[str, Any], dataset: Dataset | None = None) -> Problem:
    """The Problem the flat settings ``s`` describe."""
    settings = settings_mod.Settings.from_flat(s)
    return build_problem(
        dataset if dataset is not None else build_dataset(settings.data),
        settings.model,
        seed=settings.data.seed,
    )


def alpha_for(s: dict[str, Any], problem: Problem) -> float:
    """The learning rate: ``alpha_factor × α_max`` when the factor is set, else ``alpha``."""
    factor = s.get("alpha_factor")
    return factor * problem.alpha_max if factor is not None else s["alpha"]


def resolved_run(
    s: dict[str, Any], problem: Problem, optimal: bool = False
) -> settings_mod.RunSettings:
    """The run settings a lesson run uses on ``problem``: ``alpha_factor`` resolved into α,
    and with ``optimal`` α (and μ for momentum, nesterov) from the theory
    (:func:`core.solvers.theory.apply_optimal`, as the CLI's ``--optimal``).

    Raises InputError when the settings are not valid or the theory has no optimum for them.
    """
    from core.solvers.theory import apply_optimal

    run = settings_mod.Settings.from_flat(s).run
    if optimal:
        return apply_optimal(problem, run)
    if run.solver in GD_SOLVERS and run.alpha_factor is not None:
        return dataclasses.replace(run, alpha=alpha_for(s, problem), alpha_factor=None)
    return run


@dataclass(frozen=True)
class LessonRun:
    """One finished run of a lesson: its problem, final snapshot and cost history.

    ``path`` holds the parameters ``[w..., b]`` in original units after each recorded
    iteration (k × P), when they were kept; ``contour`` the run's contour pair (parameter
    names, None for the first two parameters); ``run`` the run settings it used (α resolved:
    :func:`resolved_run`), when known.
    """

    label: str
    problem: Problem
    final: Snapshot
    costs: tuple[float, ...]
    alpha: float | None
    path: np.ndarray | None = None
    contour: tuple[str | None, str | None] = (None, None)
    run: settings_mod.RunSettings | None = None

    def optimum(self) -> np.ndarray:
        """The least-squares answer ``[w..., b]`` of this run's problem (original units), from
        the stable normal equation; computed once per problem."""
        return _optimum(self.problem)

    def contour_pair(self) -> tuple[int, int]:
        """Indices of the contour pair in :attr:`Problem.parameter_names` (InputError when the
        model has no such parameter)."""
        names = self.problem.parameter_names
        if len(names) < 2:
            raise InputError(
                f"{self.label}: a contour needs two parameters; the model has {len(names)}"
            )
        picked = []
        for axis, default in zip(self.contour, (0, 1), strict=True):
            if axis is None:
                picked.append(default)
            elif axis in names:
                picked.append(names.index(axis))
            else:
                raise InputError(
                    f"{self.label}: the contour parameter {axis!r} is not one of "
                    f"the model's ({', '.join(names)})"
                )
        if picked[0] == picked[1]:
            raise InputError(f"{self.label}: the contour needs two different parameters")
        return picked[0], picked[1]


_OPTIMA: weakref.WeakKeyDictionary[Problem, np.ndarray] = weakref.WeakKeyDictionary()


def _optimum(problem: Problem) -> np.ndarray:
    best = _OPTIMA.get(problem)
    if best is None:
        final = list(run_solver(problem, "normal"))[-1]  # one final snapshot
        best = np.append(final.w, final.b) if final.b is not None else np.array(final.w)
        _OPTIMA[problem] = best
    return best


def run_lesson(lesson: Lesson) -> dict[str, LessonRun]:
    """Run every run of ``lesson`` headless, keeping each one's path; results by label.

    Raises InputError when a run's data or problem cannot be built.
    """
    out = {}
    datasets: dict[settings_mod.DataSettings, Dataset] = {}  # runs that share data build it once
    for label, _ in lesson.runs:
        s = lesson.run_settings(label)
        data = settings_mod.Settings.from_flat(s).data
        if data not in datasets:
            datasets[data] = build_dataset(data)
        problem = problem_for(s, datasets[data])
        run = resolved_run(s, problem, label in lesson.optimal)
        options: dict[str, Any] = {}
        alpha = None
        if run.solver in GD_SOLVERS:
            alpha = run.alpha
            options = {"alpha": alpha, "iterations": run.iterations, "tolerance": run.tolerance}
            options.update({k: getattr(run, k) for k in ITERATIVE_OPTIONS})
        costs = []
        rows = []
        final = None
        for snap in run_solver(problem, s["solver"], **options):
            costs.append(snap.cost)
            rows.append(np.append(snap.w, snap.b) if snap.b is not None else snap.w)
            final = snap
        assert final is not None
        out[label] = LessonRun(
            label,
            problem,
            final,
            tuple(costs),
            alpha,
            np.array(rows),
            (s["contour_x"], s["contour_y"]),
            run,
        )
    return out


def check_claims(lesson: Lesson, results: dict[str, LessonRun]) -> list[tuple[dict, bool, str]]:
    """Each claim of the lesson with whether the results bear it out, and the numbers."""
    complete = {}
    for label, run in results.items():
        if any(lb == label for lb, _ in lesson.runs):
            s = lesson.run_settings(label)
            if run.contour == (None, None):  # a run recorded by the window has no contour pair
                run = dataclasses.replace(run, contour=(s["contour_x"], s["contour_y"]))
            if run.run is None:  # nor, perhaps, its run settings: the lesson's, resolved
                try:
                    resolved = resolved_run(s, run.problem, label in lesson.optimal)
                except InputError:
                    resolved = None
                run = dataclasses.replace(run, run=resolved)
        complete[label] = run
    out = []
    for claim in lesson.claims:
        if any(ref not in complete for ref in claim_runs(claim)):
            out.append((claim, False, "not every run it names has finished"))
            continue
        out.append((claim, *check_claim(claim, complete)))
    return out


# -- the compare-contours view ---------------------------------------------------------------

MAX_PATH_POINTS = 2000  # a path drawn with more points than this looks the same


@dataclass(frozen=True, eq=False)
class ContourPanel:
    """What one side of the compare-contours view draws, in training coordinates.

    ``J[k, l]`` is the cost at ``(u[l], v[k])`` over the parameters ``x_name``, ``y_name``
    (the others at the optimum); the grid is square around the optimum and holds the path, so
    equal axes show the contours' true shape. ``alpha_fraction`` is α / α_max (None for a
    direct solve), ``axis_ratio`` the ellipses' long / short axis.
    """

    label: str
    x_name: str
    y_name: str
    pair: tuple[int, int]
    u: np.ndarray
    v: np.ndarray
    J: np.ndarray
    path_x: np.ndarray
    path_y: np.ndarray
    optimum: tuple[float, float]
    alpha_fraction: float | None
    iterations: int
    status: str
    axis_ratio: float


def contour_panel(
    run: LessonRun,
    path: np.ndarray | None = None,
    pair: tuple[int, int] | None = None,
    points: int = 81,
) -> ContourPanel:
    """The contours of ``run``'s cost over its contour pair (or ``pair``) with its path.

    ``path`` (k × P, original units ``[w..., b]``; default ``run.path``, else the final point)
    is thinned to :data:`MAX_PATH_POINTS` and converted to training coordinates. The surface
    comes from :meth:`Problem.cost_surface` on a ``points`` × ``points`` grid. Raises
    InputError for a pair the run's model does not have.
    """
    problem = run.problem
    names = problem.parameter_names
    i, j = run.contour_pair() if pair is None else pair
    if not (0 <= i < len(names) and 0 <= j < len(names)) or i == j:
        raise InputError(f"{run.label}: choose two different parameters of the model")
    rows = run.path if path is None else path
    rows = np.asarray(
        rows
        if rows is not None and len(rows)
        else [np.append(run.final.w, run.final.b) if run.final.b is not None else run.final.w],
        np.float64,
    )
    if len(rows) > MAX_PATH_POINTS:  # thin evenly, always keeping the last point
        keep = np.unique(
            np.append(np.linspace(0, len(rows) - 1, MAX_PATH_POINTS).astype(int), len(rows) - 1)
        )
        rows = rows[keep]
    n = problem.n
    scaled = np.array(
        [
            problem.theta(*problem.to_scaled(r[:n], r[n] if problem.intercept else None))
            for r in rows
        ]
    )
    best = run.optimum()
    best_s = problem.theta(*problem.to_scaled(best[:n], best[n] if problem.intercept else None))
    cx, cy = float(best_s[i]), float(best_s[j])
    px, py = scaled[:, i], scaled[:, j]
    finite = np.isfinite(px) & np.isfinite(py)
    reach = np.max(np.maximum(np.abs(px[finite] - cx), np.abs(py[finite] - cy)), initial=0.0)
    half = 1.15 * reach if reach > 0 else max(abs(cx), abs(cy), 1.0) * 0.5
    u = np.linspace(cx - half, cx + half, points)
    v = np.linspace(cy - half, cy + half, points)
    J = problem.cost_surface(i, j, u, v, base=best_s)
    fraction = run.alpha / problem.alpha_max if run.alpha is not None else None
    ratio = contour_axis_ratio(dataclasses.replace(run, contour=(names[i], names[j])))
    return ContourPanel(
        run.label,
        names[i],
        names[j],
        (i, j),
        u,
        v,
        J,
        px,
        py,
        (cx, cy),
        fraction,
        run.final.iteration,
        run.final.status,
        ratio,
    )
