"""Classroom features of the window: lessons, presentation mode, export, sessions, About.

:class:`Classroom` adds the File / Lessons / View / Help menus and a lesson side panel to a
:class:`~gui_app.explore.window.MainWindow` (``Classroom(window)`` sets ``window.classroom``).
It runs all through the window's controls and worker; the engine parts live in ``core``, the
jobs in :mod:`.menus`, :mod:`.lesson_player`, :mod:`.presentation`, :mod:`.sessions`,
:mod:`.exports`, :mod:`.about`; this module ties them to the window.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from core.errors import InputError
from core.files import check_output_path, require_regular_file
from core.run_report import run_extras
from core.session import RunRecord, Session, export_history, model_summary
from core.solvers import GD_SOLVERS
from gui_app.classroom import exports
from gui_app.classroom.about import AboutDialog, about_info
from gui_app.classroom.compare_view import (
    close_if_data_changed,
    close_lesson_view,
    raise_lesson_view,
)
from gui_app.classroom.lesson_panel import (
    MIN_LESSON_TEXT_WIDTH,
    LessonPanelText,
    fit_docked_panel,
)
from gui_app.classroom.lesson_player import (
    LessonOutcome,
    LessonPlayer,
    lesson_files,
    lesson_html,
    restored_lesson_html,
    restored_lesson_key,
)
from gui_app.classroom.menus import ESCAPE_KEY, ClassroomMenus
from gui_app.classroom.notice import notice_bar
from gui_app.classroom.presentation import Presentation, controls_area
from gui_app.classroom.sessions import Sessions
from gui_app.classroom.settings_bridge import (
    apply_settings,
    apply_view,
    read_settings,
    show_tab,
)

if TYPE_CHECKING:
    from core.lessons import Lesson
    from gui_app.explore.window import MainWindow

MAX_RECORD_VALUES = 1_000_000  # a run's history is thinned beyond this many numbers


class Classroom(ClassroomMenus, QObject):
    """Menus, lesson panel, presentation mode, exports and sessions of one window."""

    def __init__(self, window: MainWindow) -> None:
        QObject.__init__(self, window)
        self.window = window
        window.classroom = self
        self.runs: list[RunRecord] = []
        self.remember = False  # set at start-up by restore_remembered, never in tests
        self.last_outcome: LessonOutcome | None = None
        self.restored_lesson: tuple[Lesson, int] | None = None  # after a restart
        self._gpu = None
        self._pending_view: dict[str, Any] | None = None
        self.presentation = Presentation(window)
        self.sessions = Sessions(self)
        window.run_finished.connect(self._record_run)
        window.problem_ready.connect(self._apply_pending_view)
        window.problem_ready.connect(lambda *_: close_if_data_changed(window))
        window.worker.gpu_probed.connect(self._gpu_probed)
        self.player = LessonPlayer(self)
        self.player.finished.connect(self._lesson_finished)
        c = window.controls
        for signal in (c.stop_requested, c.reset_requested, c.run_requested):
            signal.connect(self.player.stop)
        c.reset_requested.connect(lambda: self.runs.clear())
        self._build_panel()
        c.reset_requested.connect(self.panel_view.runs_reset)
        self._build_notice()
        self._build_menus()
        window.installEventFilter(self)

    # -- construction ------------------------------------------------------------------------
    def _build_panel(self) -> None:
        self.panel = QDockWidget("Lesson", self.window)
        self.panel.setObjectName("lessonPanel")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.panel_text = QTextBrowser()
        self.panel_text.setOpenExternalLinks(False)
        self.panel_text.setMinimumWidth(MIN_LESSON_TEXT_WIDTH)
        self.panel_view = LessonPanelText(self.window, self.panel_text)
        self.panel_view.busy = lambda: self.player.playing
        layout.addWidget(self.panel_text, 1)
        self.replay_button = QPushButton("Replay the lesson")
        self.replay_button.setToolTip("Run the lesson's runs again and check what they show")
        self.replay_button.clicked.connect(self.replay_lesson)
        self.replay_button.hide()
        layout.addWidget(self.replay_button)
        self.panel.setWidget(body)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
        self.panel.hide()
        self.presentation.lesson_panel = self.panel
        self.panel.visibilityChanged.connect(lambda _shown: self._fit_lesson_panel())

    def _build_notice(self) -> None:
        self.notice_bar, self.notice_label = notice_bar(self.window)

    def notice(self, text: str) -> None:
        """Show ``text`` in the notice strip until the user dismisses it."""
        self.notice_label.setText(text)
        self.notice_bar.show()

    # -- the control panel and the run keys -------------------------------------------------
    def set_controls_visible(self, on: bool) -> None:
        """Show or hide the control panel (F9). In presentation mode it is a drawer over the
        plots' left edge, as wide as its large-font layout needs (no text in it cut off) and
        the plots keep their layout."""
        if self.presentation.drawer() is not None:
            self.presentation.show_drawer(on)
        else:
            area = controls_area(self.window)
            if area is not None:
                area[0].setVisible(on)
        self.sync_controls()

    def controls_visible(self) -> bool:
        """Whether the control panel shows (as a column or, presenting, as a drawer)."""
        drawer = self.presentation.drawer()
        if drawer is not None:
            return not drawer.isHidden()  # (isVisibleTo is False on the Timing tab)
        area = controls_area(self.window)
        return area is None or not area[0].isHidden()

    def sync_controls(self) -> None:
        """The Controls toggle shows the panel's state; the run keys belong to the panel's
        buttons while it shows and to the window's actions while it is hidden. Presenting,
        Esc always belongs to the window: it stops a run, else leaves presentation mode."""
        shown = self.controls_visible()
        presenting = self.presentation.active
        if self.controls_action.isChecked() != shown:
            self.controls_action.blockSignals(True)
            self.controls_action.setChecked(shown)
            self.controls_action.blockSignals(False)
        for action, button, key in self.run_actions:
            mine = not shown or (presenting and key == ESCAPE_KEY)
            action.setShortcut(QKeySequence(key) if mine else QKeySequence())
            if key == ESCAPE_KEY:
                button.setShortcut(QKeySequence() if presenting else QKeySequence(key))
        self.presentation_bar.setVisible(presenting)
        if not self.notice_label.text():  # a restored layout may show the strip, empty
            self.notice_bar.hide()

    def escape(self) -> None:
        """Esc: stop the run when one is going; else, presenting, leave presentation mode."""
        if self.window.running:
            # the Stop button's own signal (the window and the lesson player listen to it),
            # also in the instant before the button is enabled for a run just started
            self.window.controls.stop_requested.emit()
        elif self.presentation.active:
            self.set_presentation(False)

    def _plot_widgets(self) -> dict[str, QWidget]:
        w = self.window
        return {
            "contour": w.contour.widget,
            "learning curve": w.learning,
            "parameters": w.params,
            "data": w.data_view.fit_widget,
        }

    def plot_targets(self) -> dict[str, Any]:
        """The exportable plots by name."""
        w = self.window
        return {
            "contour": w.contour.plot,
            "learning curve": w.learning.plot,
            "parameters": w.params.plot,
            "data": w.data_view.fit_plot,
            "feature scaling": w.data_view.tabs.widget(1).ci,
        }

    # -- runs and exports -------------------------------------------------------------------
    def _record_run(self, snap) -> None:
        """Keep the finished runs (histories in original units) for export and sessions."""
        w = self.window
        if w.prepared is None or not w.history_iter or w.last_snapshot is not snap:
            return  # no snapshot of this run reached the window: nothing to keep
        it = np.concatenate(w.history_iter)
        cost = np.concatenate(w.history_cost)
        params = w.history_params.view()
        count = min(len(it), len(params))
        it, cost, params = it[:count], cost[:count], params[:count]
        problem = w.prepared.problem
        names = problem.parameter_names
        if count == 0 or params.shape[1] != len(names):
            return
        history = w.state.current_history()
        test = history.test_costs()[:count] if history is not None and problem.split else None
        if test is not None and len(test) != count:
            test = None  # (a history without a test cost per point: not a column to trust)
        stride = max(1, math.ceil(count * len(names) / MAX_RECORD_VALUES))
        if stride > 1:  # thin long histories, always keeping the last row
            keep = np.unique(np.append(np.arange(0, count, stride), count - 1))
            it, cost, params = it[keep], cost[keep], params[keep]
            test = None if test is None else test[keep]
        label = w.learning.curves[-1].opts.get("name") if w.learning.curves else "run"
        spec = getattr(w, "_run_spec", None)
        run = spec.run if spec is not None else None
        solver, how = (run.solver, run.implementation) if run is not None else ("gd", None)
        record = RunRecord(
            str(label),
            solver,
            w.run_alpha,
            snap.status,
            snap.message,
            tuple(names),
            tuple(int(i) for i in it),
            tuple(float(c) for c in cost),
            tuple(tuple(float(v) for v in row) for row in params),
            tuple(snap.warnings),
            () if test is None else tuple(float(c) for c in test),
            **run_extras(problem, snap),  # split, metrics, penalty, model (issue 12)
            implementation=how if solver in GD_SOLVERS else None,
        )
        self.runs.append(record)
        # A session keeps the runs the learning curve can show; older ones would only grow
        # memory through a long lesson (a 30-minute soak grew 2 MB per run without this).
        del self.runs[: -w.learning.MAX_RUNS]

    def export_runs(self, path: str | Path, last: bool = True) -> bool:
        """Write the last run's (or all runs') history; True when written, else a message."""
        try:
            if last:
                if not self.runs:
                    raise InputError("there is no run to export yet: press Run (F5) first")
                check_output_path(path, "history")
                export_history(path, [self.runs[-1]])
            else:
                exports.export_runs(path, self.runs)
        except InputError as exc:
            self.window.show_message(f"Export failed: {exc}", "error")
            return False
        what = "the last run" if last else f"{len(self.runs)} runs"
        self.window.show_message(f"Exported {what} to {path}.", "ok")
        return True

    def export_plot(self, name: str, path: str | Path) -> bool:
        """Write the named plot as PNG/SVG; True when written, else an error message (and
        the previous file unchanged)."""
        try:
            exports.export_plot(self.plot_targets()[name], path)
        except (InputError, OSError) as exc:
            self.window.show_message(f"Export failed: {exc}", "error")
            return False
        self.window.show_message(f"Exported the {name} plot to {path}.", "ok")
        return True

    def copy_model_summary(self) -> str | None:
        """Copy the last run's fitted model as text to the clipboard; the text, or None."""
        if not self.runs:
            self.window.show_message("No fitted model yet: press Run (F5) first.", "warning")
            return None
        target = self.window.prepared.dataset.target_name if self.window.prepared else "y"
        text = model_summary(self.runs[-1], target)
        QGuiApplication.clipboard().setText(text)
        self.window.show_message(
            "Model summary copied to the clipboard:\n" + text.splitlines()[2], "ok"
        )
        return text

    # -- lessons --------------------------------------------------------------------------------
    def play_lesson(self, lesson: Lesson) -> None:
        """Show the lesson panel and play the lesson's runs."""
        self.restored_lesson = None
        self.replay_button.hide()
        close_lesson_view(self.window)  # the last lesson's contours do not belong to this one
        self.panel.show()
        self.panel.raise_()
        self.player.play(lesson)

    def show_lesson_progress(self, outcome: LessonOutcome, status: str) -> None:
        """Redraw the lesson panel for ``outcome`` with an optional status line; once the
        lesson has stopped playing, the panel is dimmed when the settings change."""
        settled = not self.player.playing
        self.panel_view.show(lambda stale: lesson_html(outcome, status, stale), settled)
        if settled:
            self.replay_button.show()

    def _lesson_finished(self, outcome: LessonOutcome) -> None:
        self.last_outcome = outcome
        self.replay_button.show()
        ok = all(good for _c, good, _d in outcome.claims)
        self.window.show_message(
            f"Lesson “{outcome.lesson.title}”: {len(outcome.results)} runs done. "
            + (
                "Every claim holds; read the panel on the right."
                if ok
                else "Some claims did not hold on this machine; see the panel on the right."
            ),
            "ok" if ok else "warning",
        )

    def current_lesson(self) -> tuple[Lesson, int] | None:
        """The lesson on the panel and how many of its runs were played."""
        if self.player.outcome is not None:
            return self.player.outcome.lesson, len(self.player.outcome.results)
        return self.restored_lesson

    def replay_lesson(self) -> None:
        """Play the lesson on the panel again."""
        current = self.current_lesson()
        if current is not None:
            self.play_lesson(current[0])

    def open_lesson(self, path: str | Path) -> Lesson | None:
        """Open and play a lesson file; a bad file is one message and changes nothing."""
        try:
            require_regular_file(path, "lesson")
            lesson = lesson_files().load_lesson(path)
        except InputError as exc:
            self.window.show_message(f"Cannot open the lesson: {exc}", "error")
            return None
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            self.window.show_message(
                f"Cannot open the lesson {path}: it is not a lesson "
                f"this app can read ({type(exc).__name__}).",
                "error",
            )
            return None
        self.play_lesson(lesson)
        return lesson

    def save_lesson(self, path: str | Path, title: str, explanation: str = "") -> Lesson | None:
        """Save the current settings as a lesson file (written atomically by core)."""
        try:
            check_output_path(path, "lesson")
            lesson = lesson_files().save_lesson(
                path, title, explanation, read_settings(self.window)
            )
        except InputError as exc:
            self.window.show_message(f"Cannot save the lesson: {exc}", "error")
            return None
        self.window.show_message(f"Saved the lesson “{title}” to {path}.", "ok")
        return lesson

    def lesson_memory(self) -> dict[str, str]:
        """What a session remembers of the lesson panel: the lesson (a built-in's id or a
        file's path), how many runs were played, whether the panel shows."""
        current = self.current_lesson()
        if current is None:
            return {}
        lesson, step = current
        key = lesson.path if lesson.path else f"builtin:{lesson.id}"
        return {
            "lesson": key,
            "lesson_step": str(step),
            "lesson_panel": "shown" if self.panel.isVisibleTo(self.window) else "hidden",
        }

    def restore_lesson(self, session: Session) -> None:
        """Put the remembered lesson back on the panel (its text and the kept runs); a lesson
        that cannot be found or read any more is a note in the panel, never an error."""
        key = session.window.get("lesson")
        if not key:
            return
        try:
            step = max(0, int(session.window.get("lesson_step", "0")))
        except ValueError:
            step = 0
        lesson, lessons = None, lesson_files()
        if key.startswith("builtin:"):
            lesson = next((les for les in lessons.builtin_lessons() if les.id == key[8:]), None)
        else:
            try:
                require_regular_file(key, "lesson")
                lesson = lessons.load_lesson(key)
            except (InputError, ValueError, TypeError, KeyError, RecursionError):
                lesson = None
        if lesson is None:
            self.panel_view.forget()
            self.panel_text.setPlainText(
                f"The lesson of the last session ({key}) could not "
                "be found; open it again from the Lessons menu."
            )
        else:
            self.restored_lesson = (lesson, step)
            runs = list(self.runs)
            self.panel_view.show(
                lambda stale: restored_lesson_html(lesson, runs, step, stale),
                key=restored_lesson_key(lesson, step),
            )
            self.replay_button.show()
        if session.window.get("lesson_panel", "shown") == "shown":
            self.panel.show()

    # -- sessions -------------------------------------------------------------------------------
    def session_state(self) -> Session:
        """The session now (settings, capped runs, sealed layout, the lesson on the panel)."""
        return self.sessions.state()

    def save_session(self, path: str | Path, quiet: bool = False) -> bool:
        """Save the session in the background (see Sessions.save)."""
        return self.sessions.save(path, quiet)

    def open_session(self, path: str | Path, restore_layout: bool = True) -> bool:
        """Open a session file; a bad file changes nothing and says why."""
        return self.sessions.open(path, restore_layout)

    def apply_session(self, session: Session, restore_layout: bool = True) -> list[str]:
        """Put a validated session on screen; notes on what could not be applied."""
        return self.sessions.apply(session, restore_layout)

    def apply_session_content(self, session: Session) -> list[str]:
        """Settings and runs of a validated session into the window; returns notes."""
        w = self.window
        self.player.stop()
        self.player.outcome = None
        self.restored_lesson = None
        w.reset()
        notes = apply_settings(w, session.settings)
        self._pending_view = session.settings
        self.runs = list(session.runs)
        for run in session.runs[-w.learning.MAX_RUNS :]:
            w.learning.add_finished_run(
                run.label, np.asarray(run.iterations, float), np.asarray(run.costs, float)
            )
        show_tab(w, session.settings["tab"])
        return notes

    def _apply_pending_view(self) -> None:
        if self._pending_view is not None and self.window.state.prepared_matches():
            values, self._pending_view = self._pending_view, None
            apply_view(self.window, values)

    def restore_remembered(self) -> None:
        """At start-up: the remembered layout and session (see Sessions.restore_remembered)."""
        self.sessions.restore_remembered()

    def remember_now(self) -> None:
        """At close: remember the layout and the session (never raises)."""
        self.sessions.remember_now()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close and self.remember:
            self.remember_now()
        return False

    # -- presentation and about ----------------------------------------------------------------
    def set_presentation(self, on: bool) -> None:
        """Enter or leave presentation mode (F11)."""
        self.presentation.set_active(on)
        if self.presentation_action.isChecked() != on:
            self.presentation_action.setChecked(on)
        self.sync_controls()
        self._fit_lesson_panel()
        if on:  # a lesson's side-by-side view stays in front of the full-screen window
            QTimer.singleShot(0, self, lambda: raise_lesson_view(self.window))

    def _fit_lesson_panel(self) -> None:
        self._fit_panel_now()
        # and once the docks are laid out (a dock shown now is sized by the next layout)
        QTimer.singleShot(0, self, self._fit_panel_now)

    def _fit_panel_now(self) -> None:
        if not shiboken6.isValid(self.window):  # the dock hides as the window is destroyed
            return
        if self.presentation.active:
            self.presentation.fit_lesson_panel(self.panel)
        else:
            fit_docked_panel(self.window, self.panel, self.panel_text)

    def _gpu_probed(self, status) -> None:
        self._gpu = status

    def show_about(self) -> AboutDialog:
        """Open the About dialog (versions of everything the numbers depend on)."""
        dialog = AboutDialog(about_info(self._gpu), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
