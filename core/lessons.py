"""Lessons: ready-made explorations stored as JSON in ``resources/lessons``.

A lesson sets every control it needs (base ``settings``), lists one or more ``runs`` (each a
label and the settings it changes), explains its point in plain text, and states ``claims``
that the runs must bear out (checked by the tests, and by ``gd-explorer lesson NAME``), so a
lesson can never silently stop making its point.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from core import settings as settings_mod
from core.data.builder import build_dataset, build_problem
from core.data.datasets import Dataset
from core.errors import InputError
from core.model.problem import Problem
from core.solvers import Snapshot, run_solver

FORMAT = "gd-explorer-lesson"
VERSION = 1
CLAIM_KINDS = ("diverges", "converges", "iterations_ratio", "same_answer", "different_answer",
               "condition_ratio", "warns", "lower_cost")


@dataclass(frozen=True)
class Lesson:
    """A validated lesson: ``settings`` complete, each run's ``settings`` partial."""

    id: str
    title: str
    explanation: str
    settings: dict[str, Any]
    runs: tuple[tuple[str, dict[str, Any]], ...]
    claims: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    path: str = ""

    def run_settings(self, label: str) -> dict[str, Any]:
        """The full settings of one run (base settings, then the run's changes)."""
        for name, changes in self.runs:
            if name == label:
                return {**self.settings, **changes}
        raise KeyError(label)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "title": self.title,
                "explanation": self.explanation, "settings": self.settings,
                "runs": [{"label": lb, "settings": ch} for lb, ch in self.runs],
                "claims": list(self.claims)}


def parse_lesson(data: Any, where: str, lesson_id: str = "") -> Lesson:
    """Validate the JSON object of a lesson file; every problem names the file and key."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: a lesson must be a JSON object")
    if data.get("format") != FORMAT:
        raise InputError(f"{where}: not a GD Explorer lesson (\"format\" must be {FORMAT!r})")
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise InputError(f"{where}: lesson version {version!r} is not supported (this app "
                         f"reads version {VERSION})")
    for key in ("title", "explanation"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise InputError(f"{where}: {key!r} must be non-empty text")
    base = settings_mod.validate(data.get("settings", {}), f"{where}: settings")
    runs_data = data.get("runs")
    if not isinstance(runs_data, list) or not runs_data:
        raise InputError(f"{where}: 'runs' must be a non-empty list")
    runs = []
    for k, run in enumerate(runs_data):
        if not isinstance(run, dict) or not isinstance(run.get("label"), str):
            raise InputError(f"{where}: runs[{k}] needs a 'label' (text) and 'settings'")
        changes = settings_mod.validate(run.get("settings", {}), f"{where}: runs[{k}]",
                                        partial=True)
        runs.append((run["label"], changes))
    labels = [lb for lb, _ in runs]
    if len(set(labels)) != len(labels):
        raise InputError(f"{where}: run labels must be unique, got {labels}")
    claims = data.get("claims", [])
    if not isinstance(claims, list):
        raise InputError(f"{where}: 'claims' must be a list")
    for k, claim in enumerate(claims):
        if not isinstance(claim, dict) or claim.get("kind") not in CLAIM_KINDS:
            raise InputError(f"{where}: claims[{k}] needs a 'kind', one of "
                             + ", ".join(CLAIM_KINDS))
        for ref in _claim_runs(claim):
            if ref not in labels:
                raise InputError(f"{where}: claims[{k}] names run {ref!r}, which does not "
                                 f"exist (runs: {', '.join(labels)})")
    return Lesson(lesson_id or Path(where).stem, data["title"].strip(),
                  data["explanation"].strip(), base, tuple(runs), tuple(claims), where)


def _claim_runs(claim: dict) -> list[str]:
    refs = []
    for key in ("run", "slow", "fast", "large", "small", "better", "worse"):
        if key in claim:
            refs.append(claim[key])
    refs += list(claim.get("runs", []))
    return refs


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate one lesson file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the lesson: {exc.strerror or exc}", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("is not a lesson file (not UTF-8 text)", path=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"broken JSON ({exc.msg})", path=str(path), row=exc.lineno,
                         column=exc.colno) from None
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


def save_lesson(path: str | Path, title: str, explanation: str, current: dict[str, Any],
                label: str = "my run") -> Lesson:
    """Save the current settings as a new one-run lesson file; return it (validated)."""
    data = {"format": FORMAT, "version": VERSION, "title": title,
            "explanation": explanation or title, "settings": current,
            "runs": [{"label": label, "settings": {}}], "claims": []}
    lesson = parse_lesson(data, str(path))
    try:
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                              encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the lesson: {exc.strerror or exc}",
                         path=str(path)) from None
    return lesson


# -- running a lesson without a window -----------------------------------------------------

def dataset_for(s: dict[str, Any]) -> Dataset:
    """The dataset the flat settings ``s`` describe (``core.data.builder.build_dataset``)."""
    return build_dataset(settings_mod.Settings.from_flat(s).data)


def problem_for(s: dict[str, Any], dataset: Dataset | None = None) -> Problem:
    """The Problem the flat settings ``s`` describe."""
    settings = settings_mod.Settings.from_flat(s)
    return build_problem(dataset if dataset is not None else build_dataset(settings.data),
                         settings.model)


def alpha_for(s: dict[str, Any], problem: Problem) -> float:
    """The learning rate: ``alpha_factor × α_max`` when the factor is set, else ``alpha``."""
    factor = s.get("alpha_factor")
    return factor * problem.alpha_max if factor is not None else s["alpha"]


@dataclass(frozen=True)
class LessonRun:
    label: str
    problem: Problem
    final: Snapshot
    costs: tuple[float, ...]
    alpha: float | None


def run_lesson(lesson: Lesson) -> dict[str, LessonRun]:
    """Run every run of ``lesson`` headless; results by label."""
    out = {}
    datasets: dict[tuple, Dataset] = {}
    for label, _ in lesson.runs:
        s = lesson.run_settings(label)
        key = tuple(s[k] for k in ("source", "m", "n", "noise", "scale_spread", "correlation",
                                   "seed", "csv_path", "target", "no_header"))
        if key not in datasets:
            datasets[key] = dataset_for(s)
        problem = problem_for(s, datasets[key])
        options: dict[str, Any] = {}
        alpha = None
        if s["solver"] in ("gd", "gd-loop"):
            alpha = alpha_for(s, problem)
            options = {"alpha": alpha, "iterations": s["iterations"],
                       "tolerance": s["tolerance"]}
        costs = []
        final = None
        for snap in run_solver(problem, s["solver"], **options):
            costs.append(snap.cost)
            final = snap
        assert final is not None
        out[label] = LessonRun(label, problem, final, tuple(costs), alpha)
    return out


def check_claims(lesson: Lesson, results: dict[str, LessonRun]) -> list[tuple[dict, bool, str]]:
    """Each claim of the lesson with whether the results bear it out, and the numbers."""
    return [(c, *_check_claim(c, results)) for c in lesson.claims]


def iterations_to_converge(run: LessonRun) -> int:
    """Iterations until the run stopped by its tolerance (its budget + 1 when it did not)."""
    if run.final.status == "converged":
        return run.final.iteration
    return run.final.iteration + 1


def _check_claim(c: dict, r: dict[str, LessonRun]) -> tuple[bool, str]:
    kind = c["kind"]
    if kind == "diverges":
        run = r[c["run"]]
        return run.final.diverged, f"{c['run']}: {run.final.status}"
    if kind == "converges":
        run = r[c["run"]]
        return run.final.status == "converged", f"{c['run']}: {run.final.status} after " \
                                                  f"{run.final.iteration} iterations"
    if kind == "iterations_ratio":
        slow, fast = iterations_to_converge(r[c["slow"]]), iterations_to_converge(r[c["fast"]])
        ratio = slow / max(fast, 1)
        return ratio >= c["at_least"], f"{c['slow']} {slow} vs {c['fast']} {fast} " \
                                       f"iterations: {ratio:.1f}x"
    if kind in ("same_answer", "different_answer"):
        a, b = (r[label].final for label in c["runs"])
        pa = [*a.w, a.b or 0.0]
        pb = [*b.w, b.b or 0.0]
        worst = max(abs(x - y) / max(abs(y), 1e-300) for x, y in zip(pa, pb, strict=True))
        digits = -math.log10(worst) if worst > 0 else 16.0
        ok = digits >= c["digits"] if kind == "same_answer" else digits < c["digits"]
        return ok, f"{digits:.1f} significant digits agree"
    if kind == "condition_ratio":
        big = r[c["large"]].problem.condition_number
        small = r[c["small"]].problem.condition_number
        return big / small >= c["at_least"], f"cond {big:.3g} vs {small:.3g}: " \
                                             f"{big / small:.3g}x"
    if kind == "warns":
        warnings = r[c["run"]].final.warnings
        ok = any(c["text"] in w for w in warnings)
        return ok, f"{c['run']} warnings: {list(warnings)}"
    if kind == "lower_cost":
        better, worse = r[c["better"]].final.cost, r[c["worse"]].final.cost
        return better < worse, f"J {better:.6g} vs {worse:.6g}"
    raise InputError(f"unknown claim kind {kind!r}")
