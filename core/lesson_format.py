"""The lesson file format: parsing, loading and saving ``gd-explorer-lesson`` JSON files.

A lesson file holds ``format``/``version``, a ``title`` and ``explanation``, base ``settings``,
one or more ``runs`` (label + changed settings, and ``"optimal": true`` for a run whose α, and
μ for momentum, come from the theory: :func:`core.solvers.theory.apply_optimal`, as the CLI's
``--optimal``), ``claims`` (see :mod:`core.claims`) and an optional ``view``. Every field is
checked here; a bad file raises one InputError naming the file and the key. Running lessons
is :mod:`core.lessons`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from core import settings as settings_mod
from core.claims import MAX_LABEL, validate_claim
from core.errors import InputError
from core.files import atomic_write_text, read_json

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
    (label_a, label_b))`` puts the two runs' contours side by side. ``optimal`` lists the runs
    whose α (and μ) the theory sets once the problem is known (``"optimal": true``).
    """

    id: str
    title: str
    explanation: str
    settings: dict[str, Any]
    runs: tuple[tuple[str, dict[str, Any]], ...]
    claims: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    path: str = ""
    view: tuple[str, tuple[str, ...]] | None = None
    optimal: tuple[str, ...] = ()

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
            "runs": [
                {"label": lb, "settings": ch, **({"optimal": True} if lb in self.optimal else {})}
                for lb, ch in self.runs
            ],
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
    optimal: list[str] = []
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
        extra = [key for key in run if key not in ("label", "settings", "optimal")]
        if extra:
            raise InputError(
                f"{where}: runs[{k}]: unknown key {_short(extra[0])} (a run has "
                "'label', 'settings' and optionally 'optimal')"
            )
        changes = settings_mod.validate(
            run.get("settings", {}), f"{where}: runs[{k}]", partial=True
        )
        if _optimal(run, {**base, **changes}, f"{where}: runs[{k}]"):
            optimal.append(run["label"])
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
        lesson_id or Path(where).stem,
        title,
        explanation,
        base,
        tuple(runs),
        claims,
        where,
        view,
        tuple(optimal),
    )


def _optimal(run: dict, settings: dict[str, Any], where: str) -> bool:
    """A run's ``optimal`` flag (False when absent); InputError unless it is true or false and,
    when true, the run's solver has theory-optimal settings (gradient descent, full-batch sgd,
    momentum, nesterov)."""
    from core.solvers.theory import MOMENTUM_SOLVERS, PLAIN_SOLVERS

    flag = run.get("optimal", False)
    if not isinstance(flag, bool):
        raise InputError(f"{where}: 'optimal' must be true or false, got {_short(flag)}")
    solver = settings.get("solver", settings_mod.SCHEMA["solver"].default)
    if flag and solver not in (*PLAIN_SOLVERS, *MOMENTUM_SOLVERS):
        raise InputError(
            f"{where}: 'optimal' sets α (and μ) from the theory, which has them for "
            f"{', '.join((*PLAIN_SOLVERS, *MOMENTUM_SOLVERS))}, not {solver}"
        )
    return flag


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


def _lesson_order(name: str) -> tuple[int, str]:
    """Sort key of a lesson file name: its leading number (``10-…`` after ``9-…``), then the
    name; names without a number come last."""
    head = name.split("-", 1)[0]
    return (int(head) if head.isdigit() else 1 << 30, name)


def builtin_lessons() -> list[Lesson]:
    """The lessons shipped in ``resources/lessons``, in the order of their file names' leading
    numbers (1, 2, …, 10)."""
    folder = resources.files("resources") / "lessons"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: _lesson_order(e.name)):
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
