"""How long the window took to appear: process start to the end of its first paint.

Set ``GDX_STARTUP_REPORT=FILE`` and the app writes that many seconds (a decimal number) into
FILE once the first paint is done (the benchmark ``benchmarks/compare_peers.py`` reads it).
Process start is the kernel's record of it (``/proc/self/stat``, Linux; 10 ms ticks), so the
interpreter's own start-up and every import count.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication


def seconds_since_process_start() -> float | None:
    """Seconds since this process started (Linux), None where /proc does not say."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - ticks / os.sysconf("SC_CLK_TCK")


class FirstPaintProbe(QObject):
    """Writes the seconds since process start to ``path`` after the first paint of any widget
    (the paint ends, and the backing store is flushed, before the zero-delay timer fires)."""

    def __init__(self, app: QApplication, path: str) -> None:
        super().__init__(app)
        self._app, self._path, self._seen = app, path, False
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._seen and event.type() == QEvent.Type.Paint:
            self._seen = True
            self._app.removeEventFilter(self)
            QTimer.singleShot(0, self._write)
        return False

    def _write(self) -> None:
        seconds = seconds_since_process_start()
        Path(self._path).write_text("" if seconds is None else f"{seconds:.3f}\n")
