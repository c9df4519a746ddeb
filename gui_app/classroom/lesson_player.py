"""Lessons in the window: a player that runs a lesson's runs one after the other through the
window's controls and worker, and the text of the lesson panel."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtCore import Signal as QtSignal

from core.errors import InputError
from core.eval_claims import evaluation_of
from core.evaluation.metrics import target_unit
from core.session import RunRecord
from core.settings import Settings
from core.solvers import GD_SOLVERS
from core.solvers.optimizers import mini_batch
from gui_app.classroom.compare_view import show_lesson_view
from gui_app.classroom.lesson_panel import STALE_NOTE, settings_key
from gui_app.classroom.settings_bridge import apply_settings, apply_view, show_tab

if TYPE_CHECKING:
    from core.lessons import Lesson, LessonRun
    from gui_app.classroom.classroom import Classroom

TIMING_PRESET = "textbook"


def lesson_files() -> ModuleType:
    """:mod:`core.lessons` (the lessons, their files and claims), imported when first needed:
    the window starts without it (issue 13, item 4)."""
    from core import lessons

    return lessons


@dataclass
class LessonOutcome:
    """What a played lesson produced: each run's record and result, and its claims checked."""

    lesson: Lesson
    records: dict[str, RunRecord] = field(default_factory=dict)
    results: dict[str, LessonRun] = field(default_factory=dict)
    claims: list[tuple[dict, bool, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def iterations(self, label: str) -> int:
        """Iterations the run needed to converge (its budget + 1 when it did not)."""
        from core.lessons import iterations_to_converge

        return iterations_to_converge(self.results[label])


class LessonPlayer(QObject):
    """Plays a lesson's runs one after the other through the window's controls and worker."""

    run_done = QtSignal(str, object)  # label, RunRecord
    finished = QtSignal(object)  # LessonOutcome
    failed = QtSignal(str)

    def __init__(self, classroom: Classroom, hold_ms: int = 1200) -> None:
        super().__init__(classroom)
        self.classroom = classroom
        self.window = classroom.window
        self.hold_ms = hold_ms  # pause between runs, to look at the contour before it changes
        self.outcome: LessonOutcome | None = None
        self._state = "idle"  # idle | preparing | running | holding
        self._index = -1
        self._run_id: int | None = None
        self._settings: dict[str, Any] = {}
        self._hold = QTimer(self, singleShot=True)
        self._hold.timeout.connect(self._next)
        w = self.window
        w.problem_ready.connect(self._on_problem_ready)
        w.run_finished.connect(self._on_run_finished)
        w.worker.failed.connect(self._on_failed)

    @property
    def playing(self) -> bool:
        return self._state != "idle"

    def play(self, lesson: Lesson) -> None:
        self.stop()
        self.outcome = LessonOutcome(lesson)
        self._index = -1
        self.window.reset()
        show_tab(self.window, "explore")  # the runs play on the Explore tab
        self.classroom.runs.clear()  # the learning curve starts afresh, and so do the runs
        self.outcome.notes += apply_settings(self.window, lesson.settings)
        self._state = "holding"
        self._next()

    def stop(self) -> None:
        """Abandon the lesson (the current run, if any, goes on as an ordinary run)."""
        self._hold.stop()
        was_playing, self._state = self.playing, "idle"
        if was_playing and self.outcome is not None:  # the panel must not say "Running …"
            self.classroom.show_lesson_progress(
                self.outcome, "Interrupted before its last run: replay the lesson to finish it."
            )

    def _next(self) -> None:
        lesson = self.outcome.lesson
        self._index += 1
        if self._index >= len(lesson.runs):
            self._finish()
            return
        label, _changes = lesson.runs[self._index]
        self._settings = lesson.run_settings(label)
        self.outcome.notes += apply_settings(self.window, self._settings)
        self.classroom.show_lesson_progress(self.outcome, f"Preparing “{label}” …")
        self._state = "preparing"
        # always let the window (re)announce the problem: α_max and the contour are shown
        # from its answer (a cached problem comes back at once)
        self.window.request_prepare()

    def _on_problem_ready(self) -> None:
        if (
            self._state != "preparing"
            or self.window.running
            or not self.window.state.prepared_matches()
        ):
            return
        w = self.window
        lesson = self.outcome.lesson
        label = lesson.runs[self._index][0]
        try:
            apply_view(w, self._settings, optimal=label in lesson.optimal)
        except InputError as exc:  # e.g. no optimal step on a flat cost
            self._fail(f"the lesson's run “{label}”: {exc}")
            return
        self._state = "running"
        run_id = w.run()
        if run_id is None:
            self._fail(f"the lesson's run “{label}” could not start")
            return
        self._run_id = run_id
        w.learning.rename_last(label)
        self.classroom.show_lesson_progress(self.outcome, f"Running “{label}” …")

    def _on_run_finished(self, snap) -> None:
        if self._state != "running" or self.window.run_id != self._run_id:
            return
        w = self.window
        label = self.outcome.lesson.runs[self._index][0]
        record = self.classroom.runs[-1] if self.classroom.runs else None
        costs = tuple(record.costs) if record is not None else (snap.cost,)
        self.outcome.records[label] = record
        current = w.state.current
        from core.lessons import LessonRun

        self.outcome.results[label] = LessonRun(
            label,
            w.prepared.problem,
            snap,
            costs,
            w.run_alpha,
            run=current.settings.run if current is not None else None,  # what ran
        )
        self.run_done.emit(label, record)
        self._state = "holding"
        self.classroom.show_lesson_progress(self.outcome, "")
        self._hold.start(self.hold_ms if self._index + 1 < len(self.outcome.lesson.runs) else 0)

    def _on_failed(self, run_id: int, message: str) -> None:
        if self._state in ("preparing", "running") and run_id == self.window.run_id:
            self._fail(message)

    def _fail(self, message: str) -> None:
        self._state = "idle"
        self.classroom.show_lesson_progress(self.outcome, f"Stopped: {message}")
        self.failed.emit(message)

    def _finish(self) -> None:
        from core.lessons import check_claims

        outcome = self.outcome
        outcome.claims = check_claims(outcome.lesson, outcome.results)
        self._state = "idle"
        if outcome.lesson.settings.get("tab") == "timing" and hasattr(
            self.window, "show_timing_tab"
        ):
            # the lesson compares every implementation at one size: all ticked, no sweep
            from core.timing.bench import IMPLS

            self.window.show_timing_tab(None)
            self.window.timing.apply_preset(TIMING_PRESET, impls=IMPLS, sweep_off=True)
        self.classroom.show_lesson_progress(outcome, "")
        show_lesson_view(self.window, outcome)  # e.g. lesson 1's contours side by side
        self.finished.emit(outcome)


def stale_html(body: str, stale: bool) -> str:
    """``body`` (the results of a lesson) as it shows when the settings on screen no longer
    match the lesson's: greyed, below a note that says so."""
    if not stale:
        return body
    note = html.escape(STALE_NOTE)
    return (
        f"<p style='background:#fff6e0; color:#4a3500; border:1px solid #e6c36a;'>"
        f"<b>{note}</b></p><div style='color:#8a8a8a'>{body}</div>"
    )


def run_knobs(res: LessonRun) -> str:
    """The hyper-parameters a lesson run's line names besides α: μ (momentum, nesterov), the
    batch size B of a mini-batch run, a schedule other than constant ("" for none)."""
    run = res.run
    if run is None:
        return ""
    text = f", μ = {run.momentum:.4g}" if run.solver in ("momentum", "nesterov") else ""
    if mini_batch(run.solver, run.batch_size, res.problem.m):
        text += f", B = {run.batch_size}"
    if run.solver in GD_SOLVERS and run.schedule != "constant":
        text += f", {run.schedule} schedule"
    return text


def run_errors(res: LessonRun) -> str:
    """A lesson run's training and test RMSE (target units) for a run with a test set
    (:func:`core.eval_claims.evaluation_of`), "" for one without."""
    if res.problem.test is None:
        return ""
    evaluation = evaluation_of(res)
    unit = target_unit(res.problem.source.target_name)
    test = evaluation.test.rmse if evaluation.test is not None else math.nan
    return (
        f", training RMSE {evaluation.train.rmse:.4g}{' ' + unit if unit else ''}, "
        f"test RMSE {test:.4g}"
    )


def lesson_html(outcome: LessonOutcome, status: str, stale: bool = False) -> str:
    """The lesson panel's text: explanation, each run's result, the claims checked, notes;
    ``stale``: dimmed under a note (the settings on screen are no longer the lesson's)."""
    lesson = outcome.lesson
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in lesson.explanation.split("\n\n"))
    rows = []
    for label, _ in lesson.runs:
        res = outcome.results.get(label)
        if res is None:
            rows.append(f"<li>{html.escape(label)}: waiting</li>")
            continue
        f = res.final
        text = f"{f.status} after {f.iteration:,} iterations, J = {f.cost:.6g}"
        if res.alpha is not None:
            text += f", α = {res.alpha:.4g}"
        text += run_knobs(res)
        text += f", cond = {res.problem.condition_number:.3g}" + run_errors(res)
        rows.append(f"<li><b>{html.escape(label)}</b>: {html.escape(text)}</li>")
    claims = "".join(
        f"<li><span style='color:{'#009E73' if ok else '#D55E00'}'><b>{'✓' if ok else '✗'}"
        f"</b></span> {html.escape(c['kind'].replace('_', ' '))}: {html.escape(detail)}</li>"
        for c, ok, detail in outcome.claims
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in outcome.notes)
    results = (
        f"<h3>Runs</h3><ul>{''.join(rows)}</ul>"
        + (f"<p><i>{html.escape(status)}</i></p>" if status else "")
        + (f"<h3>What the runs show</h3><ul>{claims}</ul>" if claims else "")
        + (f"<h3>Notes</h3><ul>{notes}</ul>" if notes else "")
    )
    return f"<h2>{html.escape(lesson.title)}</h2>" + stale_html(paras + results, stale)


def restored_lesson_html(
    lesson: Lesson, runs: list[RunRecord], step: int, stale: bool = False
) -> str:
    """The lesson panel after a restart: the explanation and the runs the remembered session
    kept (their claims are checked again when the lesson is replayed); ``stale`` as in
    :func:`lesson_html`."""
    kept = {r.label: r for r in runs}
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in lesson.explanation.split("\n\n"))
    rows = []
    for label, _ in lesson.runs:
        r = kept.get(label)
        text = (
            "not run yet"
            if r is None
            else f"{r.status} after {r.iterations[-1]:,} iterations, J = {r.costs[-1]:.6g}"
        )
        rows.append(f"<li><b>{html.escape(label)}</b>: {html.escape(text)}</li>")
    done = min(step, len(lesson.runs))
    body = (
        f"{paras}<h3>Runs</h3><ul>{''.join(rows)}</ul>"
        f"<p><i>Restored from the last session ({done} of {len(lesson.runs)} runs played). "
        "Press “Replay the lesson” to run it again and check what its runs show.</i></p>"
    )
    return f"<h2>{html.escape(lesson.title)}</h2>" + stale_html(body, stale)


def restored_lesson_key(lesson: Lesson, step: int) -> tuple | None:
    """The settings a restored lesson's panel text belongs to (a
    :func:`~gui_app.classroom.lesson_panel.settings_key`): those of the last run played, or
    the lesson's own before its first run; None when they are not valid here."""
    played = lesson.runs[: max(0, min(step, len(lesson.runs)))]
    values = lesson.run_settings(played[-1][0]) if played else lesson.settings
    try:
        return settings_key(Settings.from_flat(values, "lesson"))
    except (InputError, TypeError, ValueError):
        return None
