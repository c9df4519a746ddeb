"""The Run box: Run, Pause/Resume, Step 1, Step ×10, Stop and Reset, with their shortcuts.

Built by the control panel and placed by the window outside the scrolling part, so that Run
and Stop stay in view on a small screen. The box only says what was pressed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QPushButton


class RunButtons(QGroupBox):
    """The run buttons; each press is one signal."""

    run_requested = Signal()
    pause_requested = Signal()
    step_requested = Signal(int)  # iterations: 1 or 10
    stop_requested = Signal()
    reset_requested = Signal()

    def __init__(self) -> None:
        super().__init__("Run")
        g = QGridLayout(self)
        self.run_button = QPushButton("Run  (F5)")
        self.pause_button = QPushButton("Pause  (F6)")
        self.step_button = QPushButton("Step 1  (F7)")
        self.step10_button = QPushButton("Step ×10  (F8)")
        self.stop_button = QPushButton("Stop  (Esc)")
        self.reset_button = QPushButton("Reset  (Ctrl+R)")
        self.run_button.setStyleSheet("font-weight: bold;")
        self.run_button.setShortcut("F5")
        self.pause_button.setShortcut("F6")
        self.step_button.setShortcut("F7")
        self.step10_button.setShortcut("F8")
        self.stop_button.setShortcut("Esc")
        self.reset_button.setShortcut("Ctrl+R")
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
        )
        for k, b in enumerate(buttons):
            g.addWidget(b, k // 2, k % 2)
        self.run_button.clicked.connect(self.run_requested)
        self.pause_button.clicked.connect(self.pause_requested)
        self.step_button.clicked.connect(lambda: self.step_requested.emit(1))
        self.step10_button.clicked.connect(lambda: self.step_requested.emit(10))
        self.stop_button.clicked.connect(self.stop_requested)
        self.reset_button.clicked.connect(self.reset_requested)

    def gd_buttons(self) -> list[QPushButton]:
        """The buttons that only gradient descent uses (Pause and the Steps)."""
        return [self.pause_button, self.step_button, self.step10_button]

    def set_paused(self, paused: bool) -> None:
        """Label the pause button Resume while a run is paused."""
        self.pause_button.setText("Resume  (F6)" if paused else "Pause  (F6)")
        self.pause_button.setShortcut("F6")
