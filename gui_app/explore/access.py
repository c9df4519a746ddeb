"""What other parts read from the main window (the classroom, the self-test, tests, the
benchmarks): read-only views of the explore state under the window's historical names."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QTimer

from core.solvers import Snapshot
from gui_app.explore.state import Growing

if TYPE_CHECKING:
    from gui_app.explore.worker import Prepared


class StateAccess:
    """Properties of :class:`~gui_app.explore.window.MainWindow` that read its ``state``,
    ``controller`` and ``live`` (nothing here holds data of its own)."""

    @property
    def _dirty(self) -> set[str]:
        """The views still to redraw in this cycle."""
        return self.live.dirty

    @property
    def _redraw_timer(self) -> QTimer:
        return self.live.timer

    @property
    def prepared(self) -> Prepared | None:
        """The prepared problem on screen (None while preparing or after a failure)."""
        return self.state.prepared

    @property
    def pair(self) -> tuple[int, int] | None:
        """The contour pair (indices into the prepared problem's parameters)."""
        return self.state.pair

    @property
    def running(self) -> bool:
        """Whether a run is going (running or paused)."""
        return self.controller.running

    @property
    def run_id(self) -> int:
        """The runner job whose events the window accepts."""
        return self.state.job_id

    @property
    def last_snapshot(self) -> Snapshot | None:
        """The latest snapshot of the run on screen."""
        run = self.state.current
        return run.last if run is not None else None

    @property
    def final_snapshot(self) -> Snapshot | None:
        """The current run's final snapshot, once the plots show it (as ``run_finished``)."""
        run = self.state.current
        final = run.final if run is not None else None
        return final if final is not None and final is self._shown_final else None

    @property
    def run_alpha(self) -> float | None:
        """α of the run on screen (None for the normal equation)."""
        run = self.state.current
        return run.alpha if run is not None else None

    @property
    def _run_spec(self):
        """The current run's settings (``.run.solver``...); kept for the classroom, which
        should read ``state.current.settings``."""
        run = self.state.current
        return run.settings if run is not None else None

    @property
    def history_iter(self) -> list[np.ndarray]:
        """Iterations of the run on screen, in batches (empty when none)."""
        history = self.state.current_history()
        return history.iterations if history is not None else []

    @property
    def history_cost(self) -> list[np.ndarray]:
        """Cost J of the run on screen, in batches (empty when none)."""
        history = self.state.current_history()
        return history.cost if history is not None else []

    @property
    def history_theta(self) -> Growing:
        """θ (training coordinates) of the run on screen, k × n_params."""
        history = self.state.current_history()
        return history.theta if history is not None else Growing(1)

    @property
    def history_params(self) -> Growing:
        """[w, b] (original units) of the run on screen, k × n_params."""
        history = self.state.current_history()
        return history.params if history is not None else Growing(1)
