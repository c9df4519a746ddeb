"""The Race box: the race line-up (up to four runs, each in its racer colour) and its buttons.

The box only shows the line-up the state holds (:meth:`RaceBox.set_entries`) and says what
was pressed; the controller (:mod:`gui_app.explore.race_control`) changes the line-up and
starts the race.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QListWidget,
    QListWidgetItem,
    QPushButton,
)

from core.settings import RunSettings
from gui_app.explore import plots as style
from gui_app.explore.state import MAX_RACERS

#: Hyper-parameters a line-up entry's tooltip names, per solver (besides α and iterations).
TOOLTIP_KEYS = {
    "sgd": ("batch_size", "shuffle_seed"),
    "momentum": ("momentum", "batch_size"),
    "nesterov": ("momentum", "batch_size"),
    "adagrad": ("epsilon", "batch_size"),
    "rmsprop": ("rho", "epsilon", "batch_size"),
    "adam": ("beta1", "beta2", "epsilon", "batch_size"),
}


def entry_tooltip(run: RunSettings) -> str:
    """The settings of one line-up entry, one per line ("solver: adam", "α: 0.1", ...)."""
    lines = [f"solver: {run.solver}", f"α: {run.alpha:.6g}", f"iterations: {run.iterations:,}"]
    lines.append(f"tolerance: {run.tolerance:g}")
    for key in TOOLTIP_KEYS.get(run.solver, ()):
        lines.append(f"{key}: {getattr(run, key)}")
    if run.schedule != "constant":
        lines.append(f"schedule: {run.schedule}")
    lines.append(f"implementation: {run.implementation}")
    return "\n".join(lines)


class RaceBox(QGroupBox):
    """The race line-up and its buttons; each press is one signal."""

    add_requested = Signal()  # add the current run settings
    remove_requested = Signal(int)  # the entry's index
    clear_requested = Signal()
    classic_requested = Signal()  # "Classic four": gd, momentum, rmsprop, adam
    race_requested = Signal()

    def __init__(self) -> None:
        super().__init__("Race (up to 4 runs on one contour)")
        g = QGridLayout(self)
        self.entries = QListWidget()
        self.entries.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.entries.setIconSize(QSize(12, 12))
        self.entries.setToolTip("The runs of the next race, in their colours")
        row = self.entries.fontMetrics().lineSpacing() + 4
        self.entries.setFixedHeight(row * MAX_RACERS + 2 * self.entries.frameWidth() + 2)
        self.entries.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.add_button = QPushButton("Add current settings")
        self.add_button.setToolTip(
            "Add the solver and settings chosen above to the line-up (at most 4)"
        )
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Take the selected run out of the line-up")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Empty the line-up")
        self.classic_button = QPushButton("Classic four")
        self.classic_button.setToolTip(
            "Gradient descent at the optimal α*, momentum at Polyak's α and μ, RMSprop and "
            "Adam (α from the distance to the optimum), for the data on screen"
        )
        self.race_button = QPushButton("Race")
        self.race_button.setStyleSheet("font-weight: bold;")
        self.race_button.setToolTip(
            "Start every run of the line-up together from the start point; Pause, Step and "
            "Stop act on all of them"
        )
        g.addWidget(self.entries, 0, 0, 1, 3)
        g.addWidget(self.add_button, 1, 0, 1, 2)
        g.addWidget(self.remove_button, 1, 2)
        g.addWidget(self.classic_button, 2, 0)
        g.addWidget(self.clear_button, 2, 1)
        g.addWidget(self.race_button, 2, 2)
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self._remove)
        self.clear_button.clicked.connect(self.clear_requested)
        self.classic_button.clicked.connect(self.classic_requested)
        self.race_button.clicked.connect(self.race_requested)
        self.entries.currentRowChanged.connect(lambda _r: self._update_enabled())
        self._update_enabled()

    def _remove(self) -> None:
        row = self.entries.currentRow()
        if row < 0 and self.entries.count():
            row = self.entries.count() - 1  # nothing selected: the last one
        if row >= 0:
            self.remove_requested.emit(row)

    def _update_enabled(self) -> None:
        count = self.entries.count()
        self.add_button.setEnabled(count < MAX_RACERS)
        self.remove_button.setEnabled(count > 0)
        self.clear_button.setEnabled(count > 0)

    def set_entries(self, labels: list[str], runs: list[RunSettings]) -> None:
        """Show the line-up: entry k as ``labels[k]`` with racer colour k (the settings of
        ``runs[k]`` as its tooltip)."""
        self.entries.clear()
        for k, (label, run) in enumerate(zip(labels, runs, strict=True)):
            color = style.RACE_COLORS[k % len(style.RACE_COLORS)]
            item = QListWidgetItem(f"{k + 1}. {label}")
            # a QColor decoration is drawn as a square of that colour (no pixmap: pixmaps
            # must not outlive the application, and a window may be torn down after it)
            item.setData(Qt.ItemDataRole.DecorationRole, QColor(color))
            item.setToolTip(entry_tooltip(run))
            self.entries.addItem(item)
        self._update_enabled()

    def labels(self) -> list[str]:
        """The entries as shown, top to bottom."""
        return [self.entries.item(k).text() for k in range(self.entries.count())]
