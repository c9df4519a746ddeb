"""Sessions and exports: the whole state as one JSON file, and run histories as CSV/JSON.

A session holds the settings (see :mod:`core.settings`), the finished runs with their
histories, and the window layout as opaque text. Loading validates everything before the
caller applies any of it, so a corrupt or foreign file leaves the current session as it was.
Files are written atomically (a temporary file, then a rename): a crash mid-save never
destroys the previous file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core import settings as settings_mod
from core.errors import InputError

FORMAT = "gd-explorer-session"
VERSION = 1
MAX_SESSION_BYTES = 200 * 1024**2


@dataclass(frozen=True)
class RunRecord:
    """A finished run and its history (parameters in original units)."""

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

    @classmethod
    def from_snapshots(cls, label, solver, alpha, snapshots, parameter_names) -> RunRecord:
        """Build a record from the snapshots a solver yielded (the last one is final)."""
        final = snapshots[-1]
        rows = tuple(tuple(float(v) for v in s.w) + ((s.b,) if s.b is not None else ())
                     for s in snapshots)
        return cls(label, solver, alpha, final.status, final.message, tuple(parameter_names),
                   tuple(s.iteration for s in snapshots), tuple(s.cost for s in snapshots),
                   rows, tuple(final.warnings))


@dataclass(frozen=True)
class Session:
    settings: dict[str, Any]
    runs: tuple[RunRecord, ...] = ()
    window: dict[str, str] = field(default_factory=dict)


def _finite_or_text(v: float) -> float | str:
    return v if math.isfinite(v) else repr(v)


def _number(v: Any, where: str) -> float:
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InputError(f"{where} must be a number, got {v!r}")
    return float(v)


def session_to_json(session: Session) -> dict[str, Any]:
    runs = []
    for r in session.runs:
        d = asdict(r)
        d["costs"] = [_finite_or_text(c) for c in r.costs]
        d["params"] = [[_finite_or_text(v) for v in row] for row in r.params]
        runs.append(d)
    return {"format": FORMAT, "version": VERSION, "settings": session.settings, "runs": runs,
            "window": session.window}


def write_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise InputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None


def save_session(path: str | Path, session: Session) -> None:
    write_atomically(path, json.dumps(session_to_json(session), ensure_ascii=False) + "\n")


def load_session(path: str | Path) -> Session:
    """Read and validate a session file; nothing is applied until it is all good."""
    path = Path(path)
    where = str(path)
    try:
        if path.stat().st_size > MAX_SESSION_BYTES:
            raise InputError(f"is too large to be a session file ({path.stat().st_size:,} "
                             "bytes)", path=where)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the session: {exc.strerror or exc}", path=where) from None
    except UnicodeDecodeError:
        raise InputError("is not a GD Explorer session (not UTF-8 text)", path=where) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"is corrupt or not a session file (broken JSON: {exc.msg})",
                         path=where, row=exc.lineno, column=exc.colno) from None
    except RecursionError:  # e.g. "[[[[…" thousands deep: json recurses per level
        raise InputError("is corrupt or not a session file (JSON nested too deeply)",
                         path=where) from None
    return parse_session(data, where)


def parse_session(data: Any, where: str) -> Session:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{where}: not a GD Explorer session file")
    version = data.get("version")
    if not isinstance(version, int) or not 1 <= version <= VERSION:
        raise InputError(f"{where}: session version {version!r} is not supported (this app "
                         f"reads version {VERSION}); it may come from a newer GD Explorer")
    values = settings_mod.validate(data.get("settings", {}), f"{where}: settings")
    runs_data = data.get("runs", [])
    if not isinstance(runs_data, list):
        raise InputError(f"{where}: 'runs' must be a list")
    runs = tuple(_parse_run(r, f"{where}: runs[{k}]") for k, r in enumerate(runs_data))
    window = data.get("window", {})
    if not isinstance(window, dict) or not all(isinstance(v, str) for v in window.values()):
        raise InputError(f"{where}: 'window' must map names to text")
    return Session(values, runs, dict(window))


def _parse_run(d: Any, where: str) -> RunRecord:
    if not isinstance(d, dict):
        raise InputError(f"{where} must be an object")
    try:
        names = tuple(str(n) for n in d["parameter_names"])
        iterations = tuple(int(i) for i in d["iterations"])
        costs = tuple(_number(c, f"{where}: cost") for c in d["costs"])
        params = tuple(tuple(_number(v, f"{where}: parameter") for v in row)
                       for row in d["params"])
        alpha = None if d.get("alpha") is None else _number(d["alpha"], f"{where}: alpha")
        record = RunRecord(str(d["label"]), str(d["solver"]), alpha, str(d["status"]),
                           str(d.get("message", "")), names, iterations, costs, params,
                           tuple(str(w) for w in d.get("warnings", [])))
    except KeyError as exc:
        raise InputError(f"{where}: missing {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: malformed run ({exc})") from None
    if not len(record.iterations) == len(record.costs) == len(record.params):
        raise InputError(f"{where}: iterations, costs and params differ in length")
    if any(len(row) != len(names) for row in record.params):
        raise InputError(f"{where}: each params row needs {len(names)} values")
    return record


# -- exports ----------------------------------------------------------------------------------

def history_csv_text(run: RunRecord) -> str:
    """A run's history as CSV: iteration, cost, then one column per parameter."""


    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["iteration", "cost", *run.parameter_names])
    for it, cost, row in zip(run.iterations, run.costs, run.params, strict=True):
        out.writerow([it, repr(cost), *map(repr, row)])
    return buf.getvalue()


def export_history(path: str | Path, runs: list[RunRecord] | tuple[RunRecord, ...]) -> None:
    """Write run histories: ``.csv`` (one run per file, the first) or ``.json`` (all)."""
    path = Path(path)
    if not runs:
        raise InputError("there is no run to export yet")
    if path.suffix.lower() == ".json":
        payload = {"format": "gd-explorer-history", "runs": [
            {**asdict(r), "costs": [_finite_or_text(c) for c in r.costs],
             "params": [[_finite_or_text(v) for v in row] for row in r.params]} for r in runs]}
        write_atomically(path, json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        write_atomically(path, history_csv_text(runs[-1]))


def model_summary(run: RunRecord, target_name: str = "y") -> str:
    """The fitted model as text for the clipboard: equation, coefficients, cost."""
    final = run.params[-1]
    lines = [f"GD Explorer: {run.label} ({run.solver}, {run.status}, "
             f"{run.iterations[-1]} iterations)",
             f"cost J = {run.costs[-1]:.10g}   (J = 1/(2m)·Σ(ŷ - y)², original units)"]
    terms = [f"{v:.6g}·{n}" for n, v in zip(run.parameter_names, final, strict=True) if n != "b"]
    b = dict(zip(run.parameter_names, final, strict=True)).get("b")
    lines.append(f"{target_name} ≈ " + " + ".join(terms) + (f" + {b:.6g}" if b is not None
                                                             else ""))
    for n, v in zip(run.parameter_names, final, strict=True):
        lines.append(f"  {n}\t{v:.15g}")
    return "\n".join(lines)
