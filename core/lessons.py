"""Lessons: ready-made explorations stored as JSON in ``resources/lessons``.

A lesson sets every control it needs (base ``settings``), lists one or more ``runs`` (each a
label and the settings it changes), explains its point in plain text, and states ``claims``
that the runs must bear out (checked by the tests, and by ``gd-explorer lesson NAME``), so a
lesson can never silently stop making its point. The claim kinds and their fields are in
:mod:`core.claims`.
"""

from __future__ import annotations

import dataclasses
import json
import weakref
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from core import settings as settings_mod
from core.builder import build_dataset, build_problem
from core.claims import (
    CLAIM_FIELDS,
    CLAIM_KINDS,
    MAX_LABEL,
    check_claim,
    claim_runs,
    contour_axis_ratio,
    iterations_to_converge,
    validate_claim,
)
from core.data.datasets import Dataset
from core.errors import InputError
from core.files import atomic_write_text, read_json
from core.model.problem import Problem
from core.solvers import Snapshot, run_solver

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
    "run_lesson",
    "save_lesson",
]

FORMAT = "gd-explorer-lesson"
VERSION = 1
MAX_LESSON_BYTES = 1024**2  # a lesson is a few kB; a bigger file is not one
MAX_TITLE = 200
MAX_EXPLANATION = 20_000
VIEWS = ("compare-contours",)  # views a lesson may ask the window to show


@dataclass(frozen=True)
class Lesson:
    """A validated lesson: ``settings`` complete, each run's ``settings`` partial.

    ``view`` is an extra view the window shows after the runs, or None: ``("compare-contours",
    (label_a, label_b))`` puts the two runs' contours side by side.
    """

    id: str
    title: str
    explanation: str
    settings: dict[str, Any]
    runs: tuple[tuple[str, dict[str, Any]], ...]
    claims: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    path: str = ""
    view: tuple[str, tuple[str, ...]] | None = None

    def run_settings(self, label: str) -> dict[str, Any]:
        """The full settings of one run (base settings, then the run's changes)."""
        for name, changes in self.runs:
            if name == label:
                return {**self.settings, **changes}
        raise KeyError(label)

    def to_json(self) -> dict[str, Any]:
        """The lesson as the JSON object of its file."""
        out = {
            "format": FORMAT,
            "version": VERSION,
            "title": self.title,
            "explanation": self.explanation,
            "settings": self.settings,
            "runs": [{"label": lb, "settings": ch} for lb, ch in self.runs],
            "claims": list(self.claims),
        }
        if self.view is not None:
            out["view"] = {"kind": self.view[0], "runs": list(self.view[1])}
        return out


def _text(data: dict, key: str, where: str, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: {key!r} must be non-empty text")
    if len(value) > limit:
        raise InputError(f"{where}: {key!r} is {len(value):,} characters; at most {limit:,}")
    return value.strip()


def parse_lesson(data: Any, where: str, lesson_id: str = "") -> Lesson:
    """Validate the JSON object of a lesson file; every problem names the file and key.

    Claims are checked field by field against :data:`core.claims.CLAIM_FIELDS`. Raises
    InputError.
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}: a lesson must be a JSON object")
    if data.get("format") != FORMAT:
        raise InputError(f'{where}: not a GD Explorer lesson ("format" must be {FORMAT!r})')
    version = data.get("version")
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or version > VERSION
        or version < 1
    ):
        raise InputError(
            f"{where}: lesson version {_short(version)} is not supported (this "
            f"app reads version {VERSION})"
        )
    title = _text(data, "title", where, MAX_TITLE)
    explanation = _text(data, "explanation", where, MAX_EXPLANATION)
    known = {"format", "version", "title", "explanation", "settings", "runs", "claims", "view"}
    unknown = [k for k in data if k not in known]
    if unknown:
        raise InputError(
            f"{where}: unknown key {_short(unknown[0])} (a lesson has {', '.join(sorted(known))})"
        )
    base = settings_mod.validate(data.get("settings", {}), f"{where}: settings")
    runs_data = data.get("runs")
    if not isinstance(runs_data, list) or not runs_data:
        raise InputError(f"{where}: 'runs' must be a non-empty list")
    runs = []
    for k, run in enumerate(runs_data):
        if (
            not isinstance(run, dict)
            or not isinstance(run.get("label"), str)
            or not run["label"].strip()
            or len(run["label"]) > MAX_LABEL
        ):
            raise InputError(
                f"{where}: runs[{k}] needs a 'label' (text of at most "
                f"{MAX_LABEL} characters) and 'settings'"
            )
        extra = [key for key in run if key not in ("label", "settings")]
        if extra:
            raise InputError(
                f"{where}: runs[{k}]: unknown key {_short(extra[0])} (a run has "
                "'label' and 'settings')"
            )
        changes = settings_mod.validate(
            run.get("settings", {}), f"{where}: runs[{k}]", partial=True
        )
        runs.append((run["label"], changes))
    labels = [lb for lb, _ in runs]
    if len(set(labels)) != len(labels):
        raise InputError(f"{where}: run labels must be unique, got {_short(labels, 120)}")
    claims_data = data.get("claims", [])
    if not isinstance(claims_data, list):
        raise InputError(f"{where}: 'claims' must be a list")
    claims = tuple(
        validate_claim(c, f"{where}: claims[{k}]", labels) for k, c in enumerate(claims_data)
    )
    view = _parse_view(data.get("view"), where, labels)
    return Lesson(
        lesson_id or Path(where).stem, title, explanation, base, tuple(runs), claims, where, view
    )


def _parse_view(view: Any, where: str, labels: list[str]) -> tuple[str, tuple[str, ...]] | None:
    if view is None:
        return None
    if not isinstance(view, dict) or view.get("kind") not in VIEWS:
        raise InputError(
            f"{where}: 'view' must be an object with a 'kind', one of {', '.join(VIEWS)}"
        )
    runs = view.get("runs")
    if (
        not isinstance(runs, list)
        or len(runs) != 2
        or not all(isinstance(r, str) and r in labels for r in runs)
        or runs[0] == runs[1]
    ):
        raise InputError(
            f"{where}: view ({view['kind']}): 'runs' must list two different runs "
            f"of the lesson (runs: {', '.join(labels)})"
        )
    extra = [k for k in view if k not in ("kind", "runs")]
    if extra:
        raise InputError(f"{where}: view: unknown key {_short(extra[0])}")
    return view["kind"], tuple(runs)


def _short(value: Any, limit: int = 40) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return "a huge integer"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate one lesson file (a regular file of at most 1 MB of JSON).

    Raises InputError naming the file (and the key or field) for anything wrong with it.
    """
    path = Path(path)
    data = read_json(path, "lesson file", MAX_LESSON_BYTES)
    return parse_lesson(data, str(path), path.stem)


def builtin_lessons() -> list[Lesson]:
    """The lessons shipped in ``resources/lessons``, in their file-name order."""
    folder = resources.files("resources") / "lessons"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            with resources.as_file(entry) as real:
                out.append(load_lesson(real))
    return out


def save_lesson(
    path: str | Path, title: str, explanation: str, current: dict[str, Any], label: str = "my run"
) -> Lesson:
    """Save the current settings as a new one-run lesson file; return it (validated).

    The file is written atomically; InputError says why when it cannot be.
    """
    data = {
        "format": FORMAT,
        "version": VERSION,
        "title": title,
        "explanation": explanation or title,
        "settings": current,
        "runs": [{"label": label, "settings": {}}],
        "claims": [],
    }
    lesson = parse_lesson(data, str(path))
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", "lesson file")
    return lesson


# -- running a lesson without a window -----------------------------------------------------


def dataset_for(s: dict[str, Any]) -> Dataset:
    """The dataset the flat settings ``s`` describe (``core.builder.build_dataset``)."""
    return build_dataset(settings_mod.Settings.from_flat(s).data)


def problem_for(s: dict[str, Any], dataset: Dataset | None = None) -> Problem:
    """The Problem the flat settings ``s`` describe."""
    settings = settings_mod.Settings.from_flat(s)
    return build_problem(
        dataset if dataset is not None else build_dataset(settings.data), settings.model
    )


def alpha_for(s: dict[str, Any], problem: Problem) -> float:
    """The learning rate: ``alpha_factor × α_max`` when the factor is set, else ``alpha``."""
    factor = s.get("alpha_factor")
    return factor * problem.alpha_max if factor is not None else s["alpha"]


@dataclass(frozen=True)
class LessonRun:
    """One finished run of a lesson: its problem, final snapshot and cost history.

    ``path`` holds the parameters ``[w..., b]`` in original units after each recorded
    iteration (k × P), when they were kept; ``contour`` the run's contour pair (parameter
    names, None for the first two parameters).
    """

    label: str
    problem: Problem
    final: Snapshot
    costs: tuple[float, ...]
    alpha: float | None
    path: np.ndarray | None = None
    contour: tuple[str | None, str | None] = (None, None)

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
    datasets: dict[tuple, Dataset] = {}
    for label, _ in lesson.runs:
        s = lesson.run_settings(label)
        key = tuple(
            s[k]
            for k in (
                "source",
                "m",
                "n",
                "noise",
                "scale_spread",
                "correlation",
                "seed",
                "csv_path",
                "target",
                "no_header",
            )
        )
        if key not in datasets:
            datasets[key] = dataset_for(s)
        problem = problem_for(s, datasets[key])
        options: dict[str, Any] = {}
        alpha = None
        if s["solver"] in ("gd", "gd-loop"):
            alpha = alpha_for(s, problem)
            options = {"alpha": alpha, "iterations": s["iterations"], "tolerance": s["tolerance"]}
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
        )
    return out


def check_claims(lesson: Lesson, results: dict[str, LessonRun]) -> list[tuple[dict, bool, str]]:
    """Each claim of the lesson with whether the results bear it out, and the numbers."""
    complete = {}
    for label, run in results.items():
        if run.contour == (None, None) and any(lb == label for lb, _ in lesson.runs):
            s = lesson.run_settings(label)  # a run recorded by the window has no contour pair
            run = dataclasses.replace(run, contour=(s["contour_x"], s["contour_y"]))
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
