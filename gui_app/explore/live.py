"""Live redraws paced to a share of one core, one view per event-loop turn."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

MIN_FRAME_S = 1 / 30  # at most ~30 redraws a second
MAX_FRAME_S = 2.0  # and at least one every 2 s (big data: leave the cores to BLAS)
GUI_CPU_SHARE = 0.03  # live redraws use at most this share of one core


class LiveRedraw(QObject):
    """Redraws ``parts`` through ``draw(part)``, one per event-loop turn, paced.

    Qt paints every dirty widget of a window in one event; on big data, with BLAS busy on
    every core, painting all five views at once stalled the event loop for over 100 ms.
    Staggered, each view's update and paint is a short event of its own. Cycles are paced
    so that the GUI thread uses at most GUI_CPU_SHARE of a core (measured with its CPU
    clock), which leaves the cores to the worker: a cheap cycle (small data) redraws ~30
    times a second, an expensive one less often. ``idle()`` is called when a cycle ends
    with nothing more to draw.
    """

    def __init__(
        self,
        parent: QObject,
        parts: tuple[str, ...],
        draw: Callable[[str], None],
        idle: Callable[[], None],
    ) -> None:
        super().__init__(parent)
        self.parts = parts
        self._draw = draw
        self._idle = idle
        self.dirty: set[str] = set()
        self.timer = QTimer(self, singleShot=True, interval=0)
        self.timer.timeout.connect(self._next)
        self._pending = False
        self._next_cycle_at = 0.0
        self._cycle_cpu = time.thread_time()

    def restart_pacing(self) -> None:
        """Pace from now on by the costs of what follows (a new run)."""
        self._cycle_cpu = time.thread_time()

    def schedule(self) -> None:
        """Ask for a redraw cycle (several requests before it starts make one)."""
        self._pending = True
        if not self.dirty and not self.timer.isActive():
            self._start_cycle_timer()

    def finish_soon(self) -> None:
        """A last cycle now, without waiting for the pace (the run is over)."""
        self._next_cycle_at = 0.0
        self.schedule()
        if not self.dirty:
            self.timer.start(0)

    def cancel(self) -> None:
        """Forget the parts still to draw (everything was just drawn at once)."""
        self.dirty.clear()

    def _start_cycle_timer(self) -> None:
        delay = max(0.0, self._next_cycle_at - time.perf_counter())
        self.timer.start(round(delay * 1000))

    def _next(self) -> None:
        if not self.dirty:  # start a cycle, and pace the next one by this one's cost
            if not self._pending:
                return
            self._pending = False
            self.dirty = set(self.parts)
            now, cpu = time.perf_counter(), time.thread_time()
            used = cpu - self._cycle_cpu
            self._cycle_cpu = cpu
            self._next_cycle_at = now + min(MAX_FRAME_S, max(MIN_FRAME_S, used / GUI_CPU_SHARE))
        for part in self.parts:
            if part in self.dirty:
                self.dirty.discard(part)
                self._draw(part)
                break
        if self.dirty:
            self.timer.start(0)
        elif self._pending:
            self._start_cycle_timer()
        else:
            self._idle()
