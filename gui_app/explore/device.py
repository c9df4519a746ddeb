"""The Device and implementation box: CPU or GPU (with the reason when the GPU is missing),
vectorised or Python-loop gradient descent, and how long the loops would take."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from core.backend import GPU_INSTALL_HINT, GpuStatus
from core.settings import CHOICE_LABELS
from core.solvers import GD_IMPLEMENTATIONS
from gui_app.explore.alpha import format_seconds, loop_seconds_per_op
from gui_app.widgets import choice_combo, setting_label

IMPLEMENTATIONS = GD_IMPLEMENTATIONS  # the solvers behind "gradient descent"


class DeviceBox(QGroupBox):
    """Device and implementation choices; ``iterations`` gives the iterations of a run."""

    def __init__(self, iterations: Callable[[], int], parent: QWidget | None = None) -> None:
        super().__init__("Device and implementation", parent)
        self._iterations = iterations
        self._m = 0
        self._n = 0
        form = QFormLayout(self)
        self.device_combo = choice_combo(
            "device", labels={"gpu": CHOICE_LABELS["device"]["gpu"] + " (checking…)"}
        )
        self._set_gpu_enabled(False)
        form.addRow(setting_label("device").capitalize(), self.device_combo)
        self.device_info = QLabel("")
        self.device_info.setWordWrap(True)
        self.device_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.device_info)
        self.impl_combo = choice_combo("solver", IMPLEMENTATIONS)
        form.addRow("Implementation", self.impl_combo)
        self.estimate_label = QLabel("")
        self.estimate_label.setWordWrap(True)
        form.addRow(self.estimate_label)
        self.impl_combo.currentIndexChanged.connect(lambda _i: self.update_estimate())

    def set_problem_size(self, m: int, n: int) -> None:
        """Rows and coefficients of the prepared problem (0, 0: none)."""
        self._m, self._n = m, n
        self.update_estimate()

    def loop_estimate_seconds(self) -> float:
        """Seconds the Python-loop GD would take: 2·m·(n + 1) multiply-adds an iteration."""
        ops = 2 * self._m * (self._n + 1)
        return ops * loop_seconds_per_op() * self._iterations()

    def update_estimate(self) -> None:
        """Show the loop estimate (only for the Python-loop implementation)."""
        if self.impl_combo.currentData() != "gd-loop" or self._m == 0:
            self.estimate_label.setText("")
            return
        per_iter = 2 * self._m * (self._n + 1) * loop_seconds_per_op()
        iterations = self._iterations()
        total = per_iter * iterations
        text = (
            f"Python loops: ≈ {format_seconds(per_iter)} per iteration, "
            f"≈ {format_seconds(total)} for {iterations:,} iterations"
        )
        if total > 10:
            text = f"<span style='color:#b05000'><b>{text}</b></span>"
        self.estimate_label.setText(text)

    def set_gpu_status(self, status: GpuStatus) -> None:
        """Enable the GPU choice, or disable it with the reason and the install command."""
        self._set_gpu_enabled(status.available)
        if status.available:
            self.device_combo.setItemText(1, f"GPU — CuPy ({status.name})")
            self.device_info.setText("")
        else:
            self.device_combo.setItemText(1, "GPU — CuPy (not available)")
            reason = status.reason.split(". Install it with")[0]
            self.device_info.setText(
                f"GPU unavailable: {reason}.<br>Install: <code>{GPU_INSTALL_HINT}</code>"
            )
            self.device_combo.setItemData(1, status.reason, Qt.ItemDataRole.ToolTipRole)

    def _set_gpu_enabled(self, enabled: bool) -> None:
        item = self.device_combo.model().item(1)
        item.setEnabled(enabled)
        if not enabled and self.device_combo.currentIndex() == 1:
            self.device_combo.setCurrentIndex(0)
