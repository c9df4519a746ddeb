"""Sessions and exports: the whole state as one JSON file, and run histories as CSV/JSON.

A session holds the settings (see :mod:`core.settings`), the finished runs with their
histories, and the window layout as opaque text. Loading reads the file through
:func:`core.files.read_json` (regular files only, bounded size and nesting) and validates
every field against the settings model *before* the caller applies any of it: a corrupt,
hostile or foreign file is one :class:`~core.errors.InputError` naming the file and the field,
and leaves the current session as it was. Files are written atomically (a temporary file, then
a rename): a crash mid-save never destroys the previous file. A session keeps at most
:data:`MAX_SESSION_RUNS` runs of at most :data:`MAX_POINTS_PER_RUN` points, so that saving
stays fast whatever the window did.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core import settings as settings_mod
from core.errors import InputError
from core.files import (
    atomic_write_text,
    read_json,
    remove_stale_temps,
    sanitize_text,
)
from core.run_report import EXTRA_KEYS, history_csv_text, parse_extras, run_extras
from core.run_report import model_summary as model_summary  # the window imports it from here

FORMAT = "gd-explorer-session"
VERSION = 1
MAX_SESSION_BYTES = 100 * 1024**2
#: The newest runs a session keeps (the learning curve shows 8; older runs are dropped).
MAX_SESSION_RUNS = 20
#: History points a run keeps; longer histories are thinned evenly, first and last kept.
MAX_POINTS_PER_RUN = 2_000
#: Numbers a run's history keeps (points × parameters): wide models keep fewer points.
MAX_VALUES_PER_RUN = 50_000
#: Numbers a whole session keeps (about 20 bytes each in the file): older runs beyond it are
#: dropped, so that even very wide models give a file that opens again.
MAX_SESSION_VALUES = 2_000_000
#: Longest run label and warning; longest message; most warnings per run.
MAX_LABEL, MAX_MESSAGE, MAX_WARNINGS = 200, 2_000, 50
#: Most parameters a run may have: every feature of the widest synthetic data at the highest
#: polynomial degree, plus the intercept.
MAX_PARAMETERS = (
    int(settings_mod.SCHEMA["n"].high or 0) * int(settings_mod.SCHEMA["degree"].high or 0) + 1
)
#: The window's layout: at most this many entries of at most this many characters.
MAX_WINDOW_ENTRIES, MAX_WINDOW_TEXT = 32, 1024**2
_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


@dataclass(frozen=True)
class RunRecord:
    """A finished run and its history (parameters in original units).

    ``test_costs``: the held-out rows' cost at each history point (empty without a test set);
    ``split``, ``metrics``, ``penalty``, ``model``: what :func:`core.run_report.run_extras`
    says of its final parameters (None in sessions written before issue 12);
    ``implementation``: how an iterative run computed its steps.
    """

    label: str
    solver: str
    alpha: float | None
    status: str
    message: str
    parameter_names: tuple[str, ...]
    iterations: tuple[int, ...]
    costs: tuple[float, ...]
    params: tuple[tuple[float, ...], ...]  # one row per snapshot: w..., then b if any
    warnings: tuple[str, ...] = field(default_factory=tuple)
    test_costs: tuple[float, ...] = ()
    split: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    penalty: dict[str, Any] | None = None
    model: dict[str, Any] | None = None
    #: how its steps were computed (core.solvers.IMPLEMENTATIONS); None for the normal
    #: equation and in sessions written before issue 13
    implementation: str | None = None

    @classmethod
    def from_snapshots(
        cls,
        label: str,
        solver: str,
        alpha: float | None,
        snapshots: Sequence[Any],
        parameter_names: Sequence[str],
        problem: Any = None,
        implementation: str | None = None,
    ) -> RunRecord:
        """Build a record from the snapshots a solver yielded (the last one is final); with
        the ``problem`` they ran on, its test costs, split, metrics, penalty and model too."""
        final = snapshots[-1]
        rows = tuple(
            tuple(float(v) for v in s.w) + ((s.b,) if s.b is not None else ()) for s in snapshots
        )
        return cls(
            label,
            solver,
            alpha,
            final.status,
            final.message,
            tuple(parameter_names),
            tuple(s.iteration for s in snapshots),
            tuple(s.cost for s in snapshots),
            rows,
            tuple(final.warnings),
            tuple(math.nan if s.test_cost is None else float(s.test_cost) for s in snapshots)
            if problem is not None and problem.split is not None
            else (),
            **(run_extras(problem, final) if problem is not None else {}),
            implementation=implementation,
        )

    def thinned(self, max_points: int | None = None) -> RunRecord:
        """This run with at most ``max_points`` history points (default: what a session
        keeps for a run this wide), chosen evenly; the first and last are always kept."""
        if max_points is None:
            width = len(self.parameter_names) + 2
            max_points = min(MAX_POINTS_PER_RUN, max(2, MAX_VALUES_PER_RUN // width))
        keep = _even_indices(len(self.iterations), max_points)
        if keep is None:
            return self
        return replace(
            self,
            iterations=tuple(self.iterations[i] for i in keep),
            costs=tuple(self.costs[i] for i in keep),
            params=tuple(self.params[i] for i in keep),
            test_costs=tuple(self.test_costs[i] for i in keep) if self.test_costs else (),
        )


def _even_indices(n: int, k: int) -> list[int] | None:
    """``k`` indices spread evenly over ``range(n)``, first and last included; None when all
    ``n`` fit. For 2 <= k < n the step (n-1)/(k-1) exceeds 1, so rounding keeps them distinct."""
    if n <= k:
        return None
    k = max(k, 2)
    return [round(i * (n - 1) / (k - 1)) for i in range(k)]


@dataclass(frozen=True)
class Session:
    """Everything a session file holds: flat settings, finished runs, the window layout."""

    settings: dict[str, Any]
    runs: tuple[RunRecord, ...] = ()
    window: dict[str, str] = field(default_factory=dict)


def cap_session(session: Session) -> Session:
    """``session`` with what a session keeps: the newest :data:`MAX_SESSION_RUNS` runs (fewer
    when they hold over :data:`MAX_SESSION_VALUES` numbers), each thinned to
    :data:`MAX_POINTS_PER_RUN` points (fewer for wide models), texts cut to the lengths
    :func:`load_session` accepts."""
    kept: list[RunRecord] = []
    total = 0
    for run in reversed(session.runs[-MAX_SESSION_RUNS:]):  # newest first
        run = _cut_texts(run.thinned())
        total += len(run.iterations) * (len(run.parameter_names) + 2 + bool(run.test_costs))
        total += len(run.split["test_rows"]) if run.split else 0
        if kept and total > MAX_SESSION_VALUES:
            break
        kept.append(run)
    runs = tuple(reversed(kept))
    return session if runs == session.runs else replace(session, runs=runs)


def _cut_texts(r: RunRecord) -> RunRecord:
    def cut(text: str, limit: int) -> str:
        return text if len(text) <= limit else text[: limit - 1] + "…"

    cut_run = replace(
        r,
        label=cut(r.label, MAX_LABEL),
        status=cut(r.status, MAX_LABEL),
        message=cut(r.message, MAX_MESSAGE),
        warnings=tuple(cut(w, MAX_MESSAGE) for w in r.warnings[:MAX_WARNINGS]),
        parameter_names=tuple(cut(n, settings_mod.MAX_TEXT) for n in r.parameter_names),
    )
    return r if cut_run == r else cut_run


def _finite_or_text(v: float) -> float | str:
    return v if math.isfinite(v) else repr(v)


def _numbers_to_json(values: Sequence[float]) -> list[float | str]:
    """Floats for JSON: non-finite ones as text ("inf", "nan"), since strict JSON has none."""
    if all(map(math.isfinite, values)):  # the common case, at C speed
        return list(values)
    return [_finite_or_text(v) for v in values]


def _run_to_json(r: RunRecord) -> dict[str, Any]:
    return {
        "label": r.label,
        "solver": r.solver,
        "alpha": r.alpha,
        "status": r.status,
        "message": r.message,
        "parameter_names": list(r.parameter_names),
        "iterations": list(r.iterations),
        "costs": _numbers_to_json(r.costs),
        "params": [_numbers_to_json(row) for row in r.params],
        "warnings": list(r.warnings),
        **({"test_costs": _numbers_to_json(r.test_costs)} if r.test_costs else {}),
        **{key: getattr(r, key) for key in EXTRA_KEYS},
        **({"implementation": r.implementation} if r.implementation is not None else {}),
    }


def session_to_json(session: Session) -> dict[str, Any]:
    """The JSON object a session file holds (after :func:`cap_session`)."""
    session = cap_session(session)
    return {
        "format": FORMAT,
        "version": VERSION,
        "settings": session.settings,
        "runs": [_run_to_json(r) for r in session.runs],
        "window": session.window,
    }


def write_atomically(path: str | Path, text: str, what: str = "file") -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename (see
    :func:`core.files.atomic_write_text`); InputError naming ``path`` on failure."""
    atomic_write_text(path, text, what)


def save_session(path: str | Path, session: Session) -> None:
    """Write ``session`` (capped, settings validated) atomically to ``path``.

    Raises InputError for settings the settings model refuses (a file that could not be
    opened again) or when the file cannot be written; the previous file is then unchanged.
    """
    settings_mod.validate(session.settings, "session settings")
    text = json.dumps(session_to_json(session), ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write_text(path, text, "session")
    path = Path(path)
    remove_stale_temps(path.parent, path.name)  # left by an earlier, interrupted save


def load_session(path: str | Path) -> Session:
    """Read and validate a session file; nothing is applied until it is all good.

    Raises InputError naming the file (and the field) for anything but a session this app
    can read: not a regular file, too large, not UTF-8, broken or hostile JSON, a newer
    version, a field missing, of the wrong type or out of the settings model's range.
    """
    data = read_json(path, "session file", MAX_SESSION_BYTES, allow_constants=True)
    return parse_session(data, str(path))


def quarantine(path: str | Path) -> Path:
    """Move an unreadable session aside and return where it went:
    ``session.json`` → ``session.json.unreadable-20261130-013000`` (``-2``, ``-3``, … when
    that name is taken). Never overwrites a file; raises InputError naming ``path`` when the
    file cannot be moved."""
    path = Path(path)
    base = f"{path.name}.unreadable-{_stamp()}"
    for k in range(1, 1000):
        candidate = path.with_name(base if k == 1 else f"{base}-{k}")
        try:
            os.link(path, candidate)  # refuses an existing name, atomically
        except FileExistsError:
            continue
        except FileNotFoundError:
            raise InputError(
                "cannot move the session aside: it does not exist", path=str(path)
            ) from None
        except OSError as exc:  # no hard links here (FAT, some network folders)
            if candidate.exists() or candidate.is_symlink():
                continue
            try:
                os.rename(path, candidate)
            except OSError:
                raise InputError(
                    f"cannot move the session aside: {exc.strerror or exc}", path=str(path)
                ) from None
            return candidate
        try:
            os.unlink(path)
        except OSError as exc:
            raise InputError(
                f"cannot move the session aside: {exc.strerror or exc}", path=str(path)
            ) from None
        return candidate
    raise InputError("cannot move the session aside: too many unreadable copies", path=str(path))


def _stamp() -> str:
    """The local time in file names of quarantined sessions."""
    return time.strftime("%Y%m%d-%H%M%S")


# -- validation -----------------------------------------------------------------------------


def _show(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut short (a 4,000-digit number or a 100 MB text stays readable)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return "a number with hundreds of digits"
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + f"… ({len(value):,} characters)"
    if isinstance(value, list | dict):
        return f"a list of {len(value):,}" if isinstance(value, list) else "an object"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_session(data: Any, where: str) -> Session:
    """Validate a parsed session document field by field; ``where`` names the file.

    Raises one InputError naming ``where`` and the field at the first problem. Runs beyond
    :data:`MAX_SESSION_RUNS` and points beyond :data:`MAX_POINTS_PER_RUN` are dropped, as a
    save would drop them.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{where}: not a GD Explorer session file")
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise InputError(
            f"{where}: written by a newer GD Explorer (version {_show(version)}); "
            f"this one reads version {VERSION}"
        )
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InputError(
            f"{where}: 'version' must be a whole number from 1 to {VERSION}, got {_show(version)}"
        )
    values = settings_mod.validate(data.get("settings", {}), f"{where}: settings")
    runs_data = data.get("runs", [])
    if not isinstance(runs_data, list):
        raise InputError(f"{where}: 'runs' must be a list, got {_show(runs_data)}")
    first = max(0, len(runs_data) - MAX_SESSION_RUNS)  # older runs are dropped unread
    runs = tuple(
        _parse_run(runs_data[k], f"{where}: runs[{k}]") for k in range(first, len(runs_data))
    )
    window = data.get("window", {})
    if not isinstance(window, dict) or len(window) > MAX_WINDOW_ENTRIES:
        raise InputError(
            f"{where}: 'window' must be an object of at most "
            f"{MAX_WINDOW_ENTRIES} entries, got {_show(window)}"
        )
    for key, value in window.items():
        if len(key) > MAX_LABEL or not isinstance(value, str) or len(value) > MAX_WINDOW_TEXT:
            raise InputError(
                f"{where}: window: {_show(key)} must be text of at most "
                f"{MAX_WINDOW_TEXT:,} characters, got {_show(value)}"
            )
    return cap_session(Session(values, runs, dict(window)))


def _field(d: dict, key: str, where: str) -> Any:
    if key not in d:
        raise InputError(f"{where}: missing field {key!r}")
    return d[key]


def _text(value: Any, key: str, where: str, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise InputError(
            f"{where}: {key!r} must be text of at most {limit:,} characters, got {_show(value)}"
        )
    return sanitize_text(value)


def _list(value: Any, key: str, where: str, limit: int | None = None) -> list:
    if not isinstance(value, list) or (limit is not None and len(value) > limit):
        most = "" if limit is None else f" of at most {limit:,} entries"
        raise InputError(f"{where}: {key!r} must be a list{most}, got {_show(value)}")
    return value


def _number(value: Any, key: str, where: str) -> float:
    """A number of a history: finite, or inf/-inf/nan (a diverged run), as float or text."""
    if isinstance(value, float):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            pass
    elif isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    raise InputError(f"{where}: {key} must be a number, got {_show(value)}")


def _iteration(value: Any, key: str, where: str) -> int:
    high = int(settings_mod.SCHEMA["iterations"].high or 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise InputError(
            f"{where}: {key} must be a whole number between 0 and {high}, got {_show(value)}"
        )
    return value


def _parse_run(d: Any, where: str) -> RunRecord:
    if not isinstance(d, dict):
        raise InputError(f"{where} must be an object, got {_show(d)}")
    label = _text(_field(d, "label", where), "label", where, MAX_LABEL)
    solver = _field(d, "solver", where)
    problem = settings_mod.SCHEMA["solver"].problem(solver)
    if problem is not None:
        raise InputError(f"{where}: 'solver' {problem}")
    alpha = _field(d, "alpha", where)
    if alpha is not None:
        problem = settings_mod.SCHEMA["alpha"].problem(alpha)
        if problem is not None:
            raise InputError(f"{where}: 'alpha' {problem}")
        alpha = float(alpha)
    status = _text(_field(d, "status", where), "status", where, MAX_LABEL)
    message = _text(d.get("message", ""), "message", where, MAX_MESSAGE)
    warnings = tuple(
        _text(w, f"warnings[{k}]", where, MAX_MESSAGE)
        for k, w in enumerate(_list(d.get("warnings", []), "warnings", where, MAX_WARNINGS))
    )
    names = tuple(
        _text(n, f"parameter_names[{k}]", where, settings_mod.MAX_TEXT)
        for k, n in enumerate(
            _list(_field(d, "parameter_names", where), "parameter_names", where, MAX_PARAMETERS)
        )
    )
    iterations = _list(_field(d, "iterations", where), "iterations", where)
    costs = _list(_field(d, "costs", where), "costs", where)
    params = _list(_field(d, "params", where), "params", where)
    if not len(iterations) == len(costs) == len(params):
        raise InputError(
            f"{where}: 'iterations', 'costs' and 'params' must be lists of the "
            f"same length, got {len(iterations)}, {len(costs)} and {len(params)}"
        )
    if not iterations:
        raise InputError(f"{where}: 'iterations' must hold at least one point")
    # Thin before checking every number: what a session does not keep need not be read.
    width = len(names) + 2
    keep = _even_indices(
        len(iterations), min(MAX_POINTS_PER_RUN, max(2, MAX_VALUES_PER_RUN // width))
    )
    picks = range(len(iterations)) if keep is None else keep
    test_costs = _list(d.get("test_costs", []), "test_costs", where)
    if test_costs and len(test_costs) != len(iterations):
        raise InputError(
            f"{where}: 'test_costs' must hold one number per point of 'iterations' "
            f"({len(iterations)}), got {len(test_costs)}"
        )
    rows = []
    for i in picks:
        row = params[i]
        if not isinstance(row, list) or len(row) != len(names):
            raise InputError(
                f"{where}: params[{i}] must be a list of {len(names)} numbers "
                "(one per parameter name), got " + _show(row)
            )
        if all(type(v) is float for v in row):  # the common case, without a call per number
            rows.append(tuple(row))
        else:
            rows.append(tuple(_number(v, f"params[{i}][{j}]", where) for j, v in enumerate(row)))
    return RunRecord(
        label,
        solver,
        alpha,
        status,
        message,
        names,
        tuple(_iteration(iterations[i], f"iterations[{i}]", where) for i in picks),
        tuple(_number(costs[i], f"costs[{i}]", where) for i in picks),
        tuple(rows),
        warnings,
        tuple(_number(test_costs[i], f"test_costs[{i}]", where) for i in picks)
        if test_costs
        else (),
        **parse_extras(d, where),
    )


# -- exports ----------------------------------------------------------------------------------


def export_history(path: str | Path, runs: Sequence[RunRecord]) -> None:
    """Write run histories atomically: ``.json`` (all runs) or anything else as CSV (the
    last run). Raises InputError when there is no run or the file cannot be written."""
    path = Path(path)
    if not runs:
        raise InputError("there is no run to export yet")
    if path.suffix.lower() == ".json":
        payload = {"format": "gd-explorer-history", "runs": [_run_to_json(r) for r in runs]}
        atomic_write_text(path, json.dumps(payload, ensure_ascii=False) + "\n", "history file")
    else:
        atomic_write_text(path, history_csv_text(runs[-1]), "history file")
