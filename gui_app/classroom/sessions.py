"""Sessions of the window: save and open them, and remember the last one (and the layout)
across restarts.

Every file read here is checked before anything is applied (a FIFO or a folder is refused
before it is opened, JSON is bounded in size and depth, every field is validated by
:mod:`core.session`); a failure is one message in the window and changes nothing. Layouts
are restored only when they carry this app's seal (:mod:`gui_app.classroom.storage`). An
unreadable remembered session is moved aside, never overwritten.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

from core import session as core_session
from core.errors import InputError
from core.files import check_output_path, read_json, remove_stale_temps
from core.session import Session
from gui_app.classroom import storage
from gui_app.classroom.session_writer import SessionWriter, capped_runs
from gui_app.classroom.settings_bridge import read_settings

if TYPE_CHECKING:
    from gui_app.classroom.classroom import Classroom

#: Closing waits at most this long for a session being written, then exits (the previous
#: file stays whole: writes are atomic).
CLOSE_WAIT_S = 3.0
LAYOUT_IGNORED = (
    "the saved window layout was not restored: it was not written by this "
    "version of GD Explorer or it is damaged"
)


def read_session(path: str | Path) -> Session:
    """Read and validate a session file; InputError (naming the file) for anything else.

    Refuses non-regular files before opening them, bounds size and nesting
    (:func:`core.files.read_json`), then validates every field (:func:`core.session.parse_session`).
    """
    data = read_json(path, "session")
    return core_session.parse_session(data, str(path))


def quarantine(path: Path) -> Path | None:
    """Move an unreadable remembered session aside (core.session.quarantine); the new path,
    or None when it could not be moved (then it must not be overwritten either)."""
    try:
        return core_session.quarantine(path)
    except (OSError, InputError):
        return None


class Sessions:
    """Save, open and remember sessions for one :class:`Classroom`."""

    def __init__(self, classroom: Classroom) -> None:
        self.classroom = classroom
        self.window = classroom.window
        self.writer = SessionWriter(classroom)
        self.writer.saved.connect(self._saved)
        self.writer.failed.connect(self._failed)
        self.close_wait_s = CLOSE_WAIT_S
        self.remember_blocked = False  # an unreadable remembered session that could not move
        self._quiet: set[str] = set()

    # -- the session as data ------------------------------------------------------------------
    def layout(self) -> dict[str, str]:
        """The window's geometry and dock/toolbar state, sealed (see storage.seal_layout)."""
        w = self.window
        return {
            "geometry": storage.seal_layout(bytes(w.saveGeometry().data())),
            "state": storage.seal_layout(bytes(w.saveState().data())),
        }

    def state(self) -> Session:
        """The session now: settings, the runs (capped and thinned), the layout and the
        lesson on the panel. Cheap: the GUI thread does no serialising here."""
        window = {**self.layout(), **self.classroom.lesson_memory()}
        return Session(read_settings(self.window), capped_runs(self.classroom.runs), window)

    # -- save and open ------------------------------------------------------------------------
    def save(self, path: str | Path, quiet: bool = False) -> bool:
        """Start saving the session to ``path`` in the background; False (with a message)
        when the path cannot be written. The result is reported when the write ends."""
        try:
            check_output_path(path, "session")
        except InputError as exc:
            self.window.show_message(f"Cannot save the session: {exc}", "error")
            return False
        if quiet:
            self._quiet.add(str(path))
        self.writer.submit(path, self.state())
        return True

    def _saved(self, path: str, runs: int) -> None:
        if path in self._quiet:
            self._quiet.discard(path)
            return
        self.window.show_message(f"Session saved to {path} ({runs} runs).", "ok")

    def _failed(self, path: str, message: str) -> None:
        self._quiet.discard(path)
        self.window.show_message(f"Cannot save the session: {message}", "error")

    def open(self, path: str | Path, restore_layout: bool = True) -> bool:
        """Open a session file; a bad file changes nothing and says why."""
        self.writer.wait(self.close_wait_s)  # a session being saved is read whole
        try:
            session = read_session(path)
        except InputError as exc:
            self.window.show_message(
                f"Cannot open the session; nothing was changed. {exc}", "error"
            )
            return False
        notes = self.apply(session, restore_layout)
        text = f"Opened the session {path}: {len(session.runs)} runs."
        self.window.show_message(
            text + ("\nNote: " + "; ".join(notes) if notes else ""), "warning" if notes else "ok"
        )
        return True

    def apply(self, session: Session, restore_layout: bool = True) -> list[str]:
        """Put a validated session on screen; returns notes on what could not be applied."""
        notes = self.classroom.apply_session_content(session)
        if restore_layout and session.window.get("state"):
            state = storage.open_layout(session.window["state"])
            if state is None:
                notes.append(LAYOUT_IGNORED)
            else:
                self.window.restoreState(QByteArray(state))
            self.classroom.sync_controls()
        self.classroom.restore_lesson(session)
        return notes

    # -- remembering across restarts ---------------------------------------------------------
    def restore_remembered(self) -> None:
        """At start-up: the window layout (QSettings) and the last session (AppData).

        Nothing remembered can prevent the start: a bad entry is reported and skipped; an
        unreadable session is moved aside (and the notice says where), never overwritten.
        """
        self.classroom.remember = True
        w = self.window
        problems: list[str] = []
        folder = storage.config_dir()
        remove_stale_temps(folder, storage.LAST_SESSION_FILE)  # an interrupted save's
        try:
            problems += self._restore_layout()
        except Exception as exc:  # any broken store: defaults, and say so
            problems.append(f"the saved window layout is unreadable ({type(exc).__name__})")
        path = storage.last_session_path()
        if path.exists() or path.is_symlink():
            try:
                session = read_session(path)
            except InputError as exc:
                problems.append(self._set_aside(path, exc))
            else:
                notes = self.apply(session, restore_layout=False)
                problems += notes
                w.show_message(
                    f"Welcome back: the last session is restored ({len(session.runs)} runs).",
                    "info",
                )
        if problems:
            text = "Starting with the defaults: " + "; ".join(problems) + "."
            w.show_message(text, "warning")
            self.classroom.notice(text)

    def _restore_layout(self) -> list[str]:
        store = storage.app_settings()
        problems = []
        if store.status() != QSettings.Status.NoError:
            problems.append("the saved window settings file is unreadable")
        ignored = False
        for key, restore in (
            ("window/geometry", self.window.restoreGeometry),
            ("window/state", self.window.restoreState),
        ):
            value = store.value(key)
            if value is None:
                continue
            data = storage.open_layout(value)
            if data is None:
                ignored = True
            elif not restore(QByteArray(data)):
                problems.append(f"the saved {key.split('/')[1]} was not usable")
        if ignored:
            problems.append(LAYOUT_IGNORED)
        self.classroom.sync_controls()
        return problems

    def _set_aside(self, path: Path, exc: InputError) -> str:
        moved = quarantine(path)
        if moved is not None:
            return (
                f"the last session could not be restored ({exc}); it was moved to "
                f"{moved} and is kept there"
            )
        self.remember_blocked = True
        return (
            f"the last session could not be restored ({exc}); it is left as it was at "
            f"{path} and this session will not be remembered over it"
        )

    def remember_now(self) -> None:
        """At close: save the layout (QSettings, small) and hand the session to the
        background writer; wait for it at most ``close_wait_s``. Never raises."""
        try:
            if self.classroom.presentation.active:  # remember the normal window, not the
                self.classroom.set_presentation(False)  # full-screen one
            store = storage.app_settings()
            layout = self.layout()
            store.setValue("window/geometry", layout["geometry"])
            store.setValue("window/state", layout["state"])
            store.sync()
            if self.remember_blocked:
                return
            folder = storage.config_dir()
            folder.mkdir(parents=True, exist_ok=True)
            self.save(folder / storage.LAST_SESSION_FILE, quiet=True)
        except Exception as exc:  # closing must never fail
            print(f"gd-explorer: could not remember the session: {exc}", file=sys.stderr)
            return
        if not self.writer.wait(self.close_wait_s):
            print(
                "gd-explorer: the session is still being saved; closing anyway (the "
                "previous remembered session stays whole)",
                file=sys.stderr,
            )
