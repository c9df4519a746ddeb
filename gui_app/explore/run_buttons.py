"""The Run box: Run, Pause/Resume, Step 1, Step ×10, Stop, Reset, Back 1 and the speed, with
their shortcuts.

Built by the control panel and placed by the window outside the scrolling part, so that Run
and Stop stay in view on a small screen. The box only says what was pressed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QPushButton

from core.settings import SCHEMA

#: The speeds offered, in steps per second (0: as fast as possible).
SPEEDS = (0, 1, 2, 5, 10, 30)


def speed_text(steps_per_second: int) -> str:
    """The speed combo's words for ``steps_per_second`` ("Speed: 5 steps/s")."""
    if steps_per_second <= 0:
        return "Speed: as fast as possible"
    unit = "step/s" if steps_per_second == 1 else "steps/s"
    return f"Speed: {steps_per_second} {unit}"


class RunButtons(QGroupBox):
    """The run buttons; each press is one signal."""

    run_requested = Signal()
    pause_requested = Signal()
    step_requested = Signal(int)  # iterations: 1 or 10
    stop_requested = Signal()
    reset_requested = Signal()
    step_back_requested = Signal()
    speed_changed = Signal(int)  # steps per second, 0: as fast as possible

    def __init__(self) -> None:
        super().__init__("Run")
        g = QGridLayout(self)
        self.run_button = QPushButton("Run  (F5)")
        self.pause_button = QPushButton("Pause  (F6)")
        self.step_button = QPushButton("Step 1  (F7)")
        self.step10_button = QPushButton("Step ×10  (F8)")
        self.stop_button = QPushButton("Stop  (Esc)")
        self.reset_button = QPushButton("Reset  (Ctrl+R)")
        self.back_button = QPushButton("Back 1  (F4)")
        self.speed_combo = QComboBox()
        for speed in SPEEDS:
            self.speed_combo.addItem(speed_text(speed), speed)
        self.speed_combo.setToolTip(
            SCHEMA["speed"].help[0].upper() + SCHEMA["speed"].help[1:] + "."
        )
        self.run_button.setStyleSheet("font-weight: bold;")
        self.run_button.setShortcut("F5")
        self.pause_button.setShortcut("F6")
        self.step_button.setShortcut("F7")
        self.step10_button.setShortcut("F8")
        self.stop_button.setShortcut("Esc")
        self.reset_button.setShortcut("Ctrl+R")
        self.back_button.setShortcut("F4")
        self.back_button.setToolTip(
            "Step back: undo the last step of a paused or finished run (it is replayed "
            "exactly, to one iteration fewer)"
        )
        self.run_button.setToolTip("Start a run with these settings (cancels a running one)")
        self.pause_button.setToolTip("Pause or resume the running gradient descent")
        self.step_button.setToolTip("Take one gradient-descent step (starts paused if idle)")
        self.step10_button.setToolTip("Take ten gradient-descent steps")
        self.reset_button.setToolTip("Stop, clear all curves and return to the start point")
        buttons = (
            self.run_button,
            self.pause_button,
            self.step_button,
            self.step10_button,
            self.stop_button,
            self.reset_button,
            self.back_button,
            self.speed_combo,
        )
        for k, b in enumerate(buttons):
            g.addWidget(b, k // 2, k % 2)
        self.run_button.clicked.connect(self.run_requested)
        self.pause_button.clicked.connect(self.pause_requested)
        self.step_button.clicked.connect(lambda: self.step_requested.emit(1))
        self.step10_button.clicked.connect(lambda: self.step_requested.emit(10))
        self.stop_button.clicked.connect(self.stop_requested)
        self.reset_button.clicked.connect(self.reset_requested)
        self.back_button.clicked.connect(self.step_back_requested)
        self.speed_combo.activated.connect(lambda _i: self.speed_changed.emit(self.speed()))

    def gd_buttons(self) -> list[QPushButton]:
        """The buttons that only gradient descent uses (Pause and the Steps)."""
        return [self.pause_button, self.step_button, self.step10_button, self.back_button]

    def speed(self) -> int:
        """The chosen speed in steps per second (0: as fast as possible)."""
        return int(self.speed_combo.currentData() or 0)

    def set_speed(self, steps_per_second: int) -> None:
        """Show ``steps_per_second`` (a speed not offered is added to the list); no signal."""
        index = self.speed_combo.findData(int(steps_per_second))
        if index < 0:
            self.speed_combo.addItem(speed_text(int(steps_per_second)), int(steps_per_second))
            index = self.speed_combo.count() - 1
        self.speed_combo.blockSignals(True)
        self.speed_combo.setCurrentIndex(index)
        self.speed_combo.blockSignals(False)

    def set_paused(self, paused: bool) -> None:
        """Label the pause button Resume while a run is paused."""
        self.pause_button.setText("Resume  (F6)" if paused else "Pause  (F6)")
        self.pause_button.setShortcut("F6")
