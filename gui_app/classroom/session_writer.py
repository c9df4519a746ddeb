"""Sessions off the GUI thread: a capped copy of the session is handed to a background writer.

Saving the largest session the app made took ~22 s on the GUI thread at every close. Now the
GUI thread only takes the cheap, immutable snapshot (settings, a thinned copy of each run's
history, the sealed layout); turning it into JSON and writing it (atomically, through
:mod:`core.files`) happens in a daemon thread. Closing waits a few seconds at most for a
pending write; if the process ends before it finishes, the atomic write leaves the previous
file whole and the temporary file is removed at the next start.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from core import session as core_session
from core.files import atomic_write_text
from core.session import RunRecord, Session

#: What a session keeps (core.session's limits when it defines them): the runs the learning
#: curve shows, each thinned to this many rows and at most MAX_VALUES_PER_RUN numbers.
MAX_SESSION_RUNS = int(getattr(core_session, "MAX_SESSION_RUNS", 8))
MAX_POINTS_PER_RUN = int(getattr(core_session, "MAX_POINTS_PER_RUN", 10_000))
MAX_VALUES_PER_RUN = 400_000


def thin_run(run: RunRecord, max_rows: int = MAX_POINTS_PER_RUN) -> RunRecord:
    """``run`` with at most ``max_rows`` history rows (fewer for wide models), evenly spread,
    always keeping the first and the last."""
    count = len(run.iterations)
    width = max(1, len(run.parameter_names))
    limit = max(2, min(max_rows, MAX_VALUES_PER_RUN // width))
    if count <= limit:
        return run
    keep = np.unique(np.linspace(0, count - 1, limit).round().astype(int))
    return replace(
        run,
        iterations=tuple(run.iterations[i] for i in keep),
        costs=tuple(run.costs[i] for i in keep),
        params=tuple(run.params[i] for i in keep),
        test_costs=tuple(run.test_costs[i] for i in keep) if run.test_costs else (),
    )


def capped_runs(runs: list[RunRecord] | tuple[RunRecord, ...]) -> tuple[RunRecord, ...]:
    """The runs a session keeps: the last MAX_SESSION_RUNS, each thinned by :func:`thin_run`."""
    return tuple(thin_run(r) for r in list(runs)[-MAX_SESSION_RUNS:])


def write_session(path: str | Path, session: Session) -> None:
    """Serialise ``session`` and write it atomically (InputError on failure; the previous
    file is then unchanged)."""
    text = json.dumps(core_session.session_to_json(session), ensure_ascii=False) + "\n"
    atomic_write_text(path, text, "session")


class SessionWriter(QObject):
    """Writes sessions in one background thread, the newest request first; reports back by
    signal (delivered on the GUI thread)."""

    saved = Signal(str, int)  # path, number of runs
    failed = Signal(str, str)  # path, message

    def __init__(
        self,
        parent: QObject | None = None,
        write: Callable[[str | Path, Session], None] = write_session,
    ) -> None:
        super().__init__(parent)
        self.write = write
        self._lock = threading.Lock()
        self._pending: dict[str, Session] = {}  # path -> newest session for it
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    def submit(self, path: str | Path, session: Session) -> None:
        """Queue ``session`` for ``path`` (replacing one not yet written) and return at once."""
        with self._lock:
            self._pending[str(path)] = session
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="gdx-session-writer", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._thread = None
                    self._idle.set()
                    return
                path = next(iter(self._pending))
                session = self._pending.pop(path)
            try:
                self.write(path, session)
            except Exception as exc:  # reported in the window; the thread goes on
                self.failed.emit(path, str(exc))
            else:
                self.saved.emit(path, len(session.runs))

    def busy(self) -> bool:
        """Whether a write is queued or under way."""
        return not self._idle.is_set()

    def wait(self, timeout_s: float) -> bool:
        """Block at most ``timeout_s`` seconds for every queued write; True when all done."""
        return self._idle.wait(max(0.0, timeout_s))
