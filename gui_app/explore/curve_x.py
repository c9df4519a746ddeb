"""The learning curve's x-axis (issue 11): iterations (updates) or epochs (passes over the
data). A full-batch run (gd, whatever its implementation; B = 0 or B ≥ m) makes one pass
per update; a mini-batch optimizer run (1 ≤ B < m) makes ⌈m/B⌉ updates per epoch
(:func:`core.solvers.optimizers`' batches: the last one partial), so its epochs are its
iterations / ⌈m/B⌉ (= iterations × B/m when B divides m).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from core.solvers.optimizers import mini_batch

if TYPE_CHECKING:
    from core.settings import RunSettings
    from gui_app.explore.state import ExploreState, Run

#: The learning curve's axis label of each choice of ``ViewSettings.curve_x``.
AXIS_LABELS = {"iteration": "iteration", "epoch": "epoch"}  # (the combo says "passes")
#: What the learning curve's combo shows for each choice (short: it sits in the plot's corner).
COMBO_TEXTS = {"iteration": "iter.", "epoch": "epochs"}  # (compact: it shares the title row)


def epochs_per_iteration(run: RunSettings, m: int) -> float:
    """Epochs (passes over the m rows) one update of ``run`` takes: 1/⌈m/B⌉ for a mini-batch
    optimizer run (1 ≤ B < m; B/m when B divides m), else 1 (every update reads all m rows);
    1 when m < 1 (unknown)."""
    batch = mini_batch(run.solver, run.batch_size, m)
    return 1 / math.ceil(m / batch) if batch else 1.0


def run_epoch_factor(run: Run, state: ExploreState) -> float:
    """:func:`epochs_per_iteration` of ``run``: its run settings and its problem's m (the
    problem it ran on, else the prepared one it starts from; 1 when neither is known)."""
    problem, prep = run.problem, state.prepared
    if problem is None and prep is not None and (prep.spec.data, prep.spec.model) == run.model_key:
        problem = prep.problem
    m = int(getattr(problem, "m", 0) or 0)
    return epochs_per_iteration(run.settings.run, m)
