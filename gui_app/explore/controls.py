"""The control panel: data, model, scaling, algorithm, device and the run buttons.

The panel only holds inputs and says what changed; it builds ``ModelSpec`` and ``RunSpec``
values (:mod:`gui_app.explore.worker`) for the window, which decides what to do with them.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QStyle,
    QStyleOptionSlider,
    QVBoxLayout,
    QWidget,
)

from core.backend import GPU_INSTALL_HINT, GpuStatus
from core.settings import DataSettings, ModelSettings, RunSettings
from gui_app.explore.worker import ModelSpec, RunSpec

SCALINGS = (
    ("none", "none (raw units)"),
    ("zscore", "z-score  (x − μ) / σ"),
    ("minmax", "min-max  (x − min) / (max − min)"),
    ("mean", "mean normalisation  (x − μ) / (max − min)"),
)
ALGORITHMS = (
    ("gd", "gradient descent"),
    ("normal", "normal equation (stable, QR)"),
    ("normal-textbook", "normal equation (textbook (XᵀX)⁻¹)"),
)
SOURCES = (("housing", "housing demo (100 houses)"), ("synthetic", "synthetic"),
           ("csv", "CSV file"), ("curve", "stopping-distance demo (80 cars)"))
SLIDER_STEPS_PER_DECADE = 100

#: Seconds a pure-Python multiply-add takes here (calibrated once, see loop_seconds_per_op).
_LOOP_OP_SECONDS: float | None = None


def loop_seconds_per_op() -> float:
    """Time of one multiply-add in the Python-loop GD, measured once on this machine."""
    global _LOOP_OP_SECONDS
    if _LOOP_OP_SECONDS is None:
        import time

        row = [0.5] * 200
        w = [0.25] * 200
        t0 = time.perf_counter()
        for _ in range(50):
            s = 0.0
            for j in range(200):
                s += row[j] * w[j]
        _LOOP_OP_SECONDS = max((time.perf_counter() - t0) / 10_000, 1e-9)
    return _LOOP_OP_SECONDS


def format_seconds(s: float) -> str:
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


class AlphaSlider(QSlider):
    """A log-scale slider for α that paints the divergent range (α ≥ α_max) in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._lo_decade = -7
        self._hi_decade = 1
        self._alpha_max: float | None = None
        self._apply_range()

    def _apply_range(self) -> None:
        self.setRange(0, (self._hi_decade - self._lo_decade) * SLIDER_STEPS_PER_DECADE)

    def alpha_at(self, position: int) -> float:
        return 10.0 ** (self._lo_decade + position / SLIDER_STEPS_PER_DECADE)

    def position_of(self, alpha: float) -> int:
        if alpha <= 0 or not math.isfinite(alpha):
            return 0
        pos = (math.log10(alpha) - self._lo_decade) * SLIDER_STEPS_PER_DECADE
        return round(min(max(pos, 0), self.maximum()))

    def set_alpha_max(self, alpha_max: float | None, keep_alpha: float) -> None:
        """Centre the range on α_max (4 decades below, 1 above) and mark the divergent part."""
        self._alpha_max = alpha_max
        if alpha_max is not None and math.isfinite(alpha_max) and alpha_max > 0:
            top = math.floor(math.log10(alpha_max)) + 1
            self._lo_decade, self._hi_decade = top - 5, top + 1
        self.blockSignals(True)
        self._apply_range()
        self.setValue(self.position_of(keep_alpha))
        self.blockSignals(False)
        self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._alpha_max is None or not math.isfinite(self._alpha_max):
            return
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        groove = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                             QStyle.SubControl.SC_SliderGroove, self)
        frac = self.position_of(self._alpha_max) / max(self.maximum(), 1)
        x = groove.left() + int(frac * groove.width())
        painter = QPainter(self)
        painter.fillRect(QRect(x, groove.top() - 3, groove.right() - x, groove.height() + 6),
                         QColor(220, 40, 40, 110))
        painter.fillRect(QRect(x - 1, groove.top() - 6, 3, groove.height() + 12),
                         QColor(200, 0, 0))
        painter.end()


class ControlPanel(QWidget):
    """All the inputs of a run, grouped as a teacher would explain them."""

    model_changed = Signal()  # data, model, scaling or device changed: α_max must be redone
    csv_requested = Signal(str)  # a CSV path was chosen (dialog or drop)
    run_requested = Signal()
    pause_requested = Signal()
    step_requested = Signal(int)
    stop_requested = Signal()
    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._alpha_max: float | None = None
        self._m = 0
        self._n = 0
        self._csv_columns: list[str] = []
        self._presentation_saved: dict = {}  # what set_presentation_layout(True) changed
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._build_data())
        layout.addWidget(self._build_model())
        layout.addWidget(self._build_algorithm())
        layout.addWidget(self._build_device())
        layout.addWidget(self._build_buttons())
        layout.addStretch(1)
        for combo in self.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self._update_enabled()

    # -- construction --------------------------------------------------------------------------
    def _build_data(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.source_combo = QComboBox()
        for key, label in SOURCES:
            self.source_combo.addItem(label, key)
        form.addRow("Source", self.source_combo)
        self.source_stack = QStackedWidget()
        self.source_stack.addWidget(QLabel("size, bedrooms, floors, age → price ($1000s)"))
        syn = QWidget()
        g = QGridLayout(syn)
        g.setContentsMargins(0, 0, 0, 0)
        self.m_spin = QSpinBox(minimum=2, maximum=2_000_000, value=200, singleStep=100)
        self.n_spin = QSpinBox(minimum=1, maximum=5000, value=2)
        self.noise_spin = QDoubleSpinBox(minimum=0, maximum=10, value=0.1, singleStep=0.05)
        self.spread_spin = QDoubleSpinBox(minimum=0, maximum=12, value=2, singleStep=0.5)
        self.corr_spin = QDoubleSpinBox(minimum=0, maximum=0.99, value=0, singleStep=0.1)
        self.seed_spin = QSpinBox(minimum=0, maximum=999_999, value=0)
        self.m_spin.setGroupSeparatorShown(True)
        for k, (label, w) in enumerate((("rows m", self.m_spin), ("features n", self.n_spin),
                                        ("noise", self.noise_spin),
                                        ("scale spread 10^", self.spread_spin),
                                        ("correlation", self.corr_spin),
                                        ("seed", self.seed_spin))):
            g.addWidget(QLabel(label), k // 2, 2 * (k % 2))
            g.addWidget(w, k // 2, 2 * (k % 2) + 1)
        self.source_stack.addWidget(syn)
        csv = QWidget()
        cv = QGridLayout(csv)
        cv.setContentsMargins(0, 0, 0, 0)
        self.csv_path = QLineEdit(readOnly=True, placeholderText="drop a CSV file on the window")
        self.open_button = QPushButton("Open…")
        self.target_combo = QComboBox()
        cv.addWidget(self.csv_path, 0, 0)
        cv.addWidget(self.open_button, 0, 1)
        cv.addWidget(QLabel("target"), 1, 0)
        cv.addWidget(self.target_combo, 2, 0, 1, 2)
        self.source_stack.addWidget(csv)
        self.source_stack.addWidget(QLabel("speed (km/h) → stopping distance (m)"))
        form.addRow(self.source_stack)
        self._show_source_page(0)
        self.data_info = QLabel("")
        self.data_info.setWordWrap(True)
        form.addRow(self.data_info)

        self.source_combo.currentIndexChanged.connect(self._source_changed)
        for spin in (self.m_spin, self.n_spin, self.seed_spin):
            spin.editingFinished.connect(self.model_changed)
        for dspin in (self.noise_spin, self.spread_spin, self.corr_spin):
            dspin.editingFinished.connect(self.model_changed)
        self.open_button.clicked.connect(self._open_dialog)
        self.target_combo.activated.connect(lambda _i: self.model_changed.emit())
        return box

    def _build_model(self) -> QGroupBox:
        box = QGroupBox("Model and scaling")
        form = QFormLayout(box)
        row = QHBoxLayout()
        self.degree_spin = QSpinBox(minimum=1, maximum=10, value=1)
        self.intercept_check = QCheckBox("intercept b", checked=True)
        row.addWidget(self.degree_spin)
        row.addWidget(self.intercept_check)
        row.addStretch(1)
        form.addRow("Polynomial degree", row)
        self.scaling_combo = QComboBox()
        for key, label in SCALINGS:
            self.scaling_combo.addItem(label, key)
        self.scaling_combo.setCurrentIndex(1)
        form.addRow("Feature scaling", self.scaling_combo)
        self.degree_spin.valueChanged.connect(lambda _v: self.model_changed.emit())
        self.intercept_check.toggled.connect(lambda _v: self.model_changed.emit())
        self.scaling_combo.currentIndexChanged.connect(lambda _i: self.model_changed.emit())
        return box

    def _build_algorithm(self) -> QGroupBox:
        box = QGroupBox("Algorithm")
        form = QFormLayout(box)
        self.algorithm_combo = QComboBox()
        for key, label in ALGORITHMS:
            self.algorithm_combo.addItem(label, key)
        form.addRow("Method", self.algorithm_combo)
        self.alpha_slider = AlphaSlider()
        self.alpha_slider.setToolTip("Learning rate α on a log scale; red: α ≥ α_max, where "
                                     "gradient descent diverges")
        self.alpha_edit = QLineEdit("0.1")
        self.alpha_edit.setMaximumWidth(90)
        arow = QHBoxLayout()
        arow.addWidget(self.alpha_slider, 1)
        arow.addWidget(self.alpha_edit)
        form.addRow("Learning rate α", arow)
        self.alpha_max_label = QLabel("α_max = …")
        qrow = QHBoxLayout()
        qrow.addWidget(self.alpha_max_label, 1)
        self.quick_alpha_buttons = []
        for factor in (0.1, 0.5, 0.95, 1.05):
            b = QPushButton(f"{factor:g}·α_max")
            b.setToolTip(f"set α = {factor:g} × α_max")
            b.clicked.connect(lambda _c=False, f=factor: self._set_alpha_factor(f))
            b.setMaximumWidth(80)
            self.quick_alpha_buttons.append(b)
        form.addRow(self.alpha_max_label)
        quick = QHBoxLayout()
        for b in self.quick_alpha_buttons:
            quick.addWidget(b)
        form.addRow(quick)
        self.iterations_spin = QSpinBox(minimum=1, maximum=10_000_000, value=1000,
                                        singleStep=100)
        self.iterations_spin.setGroupSeparatorShown(True)
        form.addRow("Max iterations", self.iterations_spin)
        self.tolerance_edit = QLineEdit("1e-9")
        self.tolerance_edit.setToolTip("Stop when the relative change of the cost (or the "
                                       "gradient norm) falls below this; 0 disables it")
        form.addRow("Tolerance", self.tolerance_edit)
        srow = QHBoxLayout()
        self.start_label = QLabel("w = 0, b = 0")
        self.start_label.setToolTip("Click on the contour plot to choose the start point")
        self.start_reset = QPushButton("zero")
        self.start_reset.setMaximumWidth(60)
        srow.addWidget(self.start_label, 1)
        srow.addWidget(self.start_reset)
        form.addRow("Start point", srow)
        self.alpha_slider.setValue(self.alpha_slider.position_of(0.1))
        self.alpha_slider.valueChanged.connect(self._slider_moved)
        self.alpha_edit.editingFinished.connect(self._alpha_edited)
        self.algorithm_combo.currentIndexChanged.connect(lambda _i: self._update_enabled())
        return box

    def _build_device(self) -> QGroupBox:
        box = QGroupBox("Device and implementation")
        form = QFormLayout(box)
        self.device_combo = QComboBox()
        self.device_combo.addItem("CPU — NumPy / BLAS", "cpu")
        self.device_combo.addItem("GPU — CuPy (checking…)", "gpu")
        self._set_gpu_enabled(False)
        form.addRow("Device", self.device_combo)
        self.device_info = QLabel("")
        self.device_info.setWordWrap(True)
        self.device_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.device_info)
        self.impl_combo = QComboBox()
        self.impl_combo.addItem("vectorised (NumPy: Xᵀe in one call)", "gd")
        self.impl_combo.addItem("Python loops (one multiply-add at a time)", "gd-loop")
        form.addRow("Implementation", self.impl_combo)
        self.estimate_label = QLabel("")
        self.estimate_label.setWordWrap(True)
        form.addRow(self.estimate_label)
        self.device_combo.currentIndexChanged.connect(lambda _i: self.model_changed.emit())
        self.impl_combo.currentIndexChanged.connect(lambda _i: self._update_estimate())
        self.iterations_spin.valueChanged.connect(lambda _v: self._update_estimate())
        return box

    def _build_buttons(self) -> QGroupBox:
        box = QGroupBox("Run")
        g = QGridLayout(box)
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
        for k, b in enumerate((self.run_button, self.pause_button, self.step_button,
                               self.step10_button, self.stop_button, self.reset_button)):
            g.addWidget(b, k // 2, k % 2)
        self.run_button.clicked.connect(self.run_requested)
        self.pause_button.clicked.connect(self.pause_requested)
        self.step_button.clicked.connect(lambda: self.step_requested.emit(1))
        self.step10_button.clicked.connect(lambda: self.step_requested.emit(10))
        self.stop_button.clicked.connect(self.stop_requested)
        self.reset_button.clicked.connect(self.reset_requested)
        return box

    # -- behaviour ------------------------------------------------------------------------------
    def _show_source_page(self, index: int) -> None:
        # A stacked widget is as tall as its tallest page; size only the visible one.
        for k in range(self.source_stack.count()):
            page = self.source_stack.widget(k)
            policy = QSizePolicy.Policy.Preferred if k == index else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.source_stack.setCurrentIndex(index)
        self.source_stack.adjustSize()

    def _source_changed(self, index: int) -> None:
        self._show_source_page(index)
        if self.source() == "csv" and not self.csv_path.text():
            return  # wait for a file before preparing anything
        self.model_changed.emit()

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a CSV file", "",
                                              "Data files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.csv_requested.emit(path)

    def set_csv_path(self, path: str) -> None:
        """Select the CSV source with ``path`` (the target picker fills in once it loads)."""
        self.csv_path.setText(path)
        self._csv_columns = []
        self.target_combo.clear()
        self.source_combo.blockSignals(True)
        self.source_combo.setCurrentIndex(2)
        self._show_source_page(2)
        self.source_combo.blockSignals(False)

    def set_csv_columns(self, feature_names: tuple[str, ...], target: str) -> None:
        """Offer every column of the loaded file as the target, the current one selected."""
        columns = [*feature_names, target] if target not in self._csv_columns else \
            self._csv_columns
        if columns != self._csv_columns:
            self._csv_columns = list(columns)
            self.target_combo.blockSignals(True)
            self.target_combo.clear()
            self.target_combo.addItems(self._csv_columns)
            self.target_combo.blockSignals(False)
        self.target_combo.setCurrentText(target)

    def _slider_moved(self, pos: int) -> None:
        alpha = self.alpha_slider.alpha_at(pos)
        self.alpha_edit.setText(f"{alpha:.3g}")
        self._update_alpha_label()

    def _alpha_edited(self) -> None:
        alpha = self.alpha()
        if alpha is not None:
            self.alpha_slider.blockSignals(True)
            self.alpha_slider.setValue(self.alpha_slider.position_of(alpha))
            self.alpha_slider.blockSignals(False)
        self._update_alpha_label()

    def _set_alpha_factor(self, factor: float) -> None:
        if self._alpha_max is not None and math.isfinite(self._alpha_max):
            self.set_alpha(factor * self._alpha_max)

    def set_alpha(self, alpha: float) -> None:
        self.alpha_edit.setText(f"{alpha:.4g}")
        self._alpha_edited()

    def set_problem_info(self, alpha_max: float | None, m: int, n: int, text: str) -> None:
        """Show α_max (and mark the divergent range) for the current data and model."""
        self._alpha_max = alpha_max
        self._m, self._n = m, n
        self.data_info.setText(text)
        self.alpha_slider.set_alpha_max(alpha_max, self.alpha() or 0.1)
        self._update_alpha_label()
        self._update_estimate()

    def _update_alpha_label(self) -> None:
        a_max = self._alpha_max
        if a_max is None:
            self.alpha_max_label.setText("α_max = … (computing)")
            return
        alpha = self.alpha()
        text = f"α_max = 2/λ_max(AᵀA/m) = <b>{a_max:.4g}</b>"
        if alpha is not None and alpha >= a_max:
            text += "  <span style='color:#c00000'><b>α ≥ α_max: will diverge</b></span>"
        elif alpha is not None:
            text += f"  (α = {alpha / a_max:.2g}·α_max)"
        self.alpha_max_label.setText(text)

    def _update_estimate(self) -> None:
        if self.implementation() != "gd-loop" or self._m == 0:
            self.estimate_label.setText("")
            return
        ops = 2 * self._m * (self._n + 1)
        per_iter = ops * loop_seconds_per_op()
        total = per_iter * self.iterations_spin.value()
        text = (f"Python loops: ≈ {format_seconds(per_iter)} per iteration, "
                f"≈ {format_seconds(total)} for {self.iterations_spin.value():,} iterations")
        if total > 10:
            text = f"<span style='color:#b05000'><b>{text}</b></span>"
        self.estimate_label.setText(text)

    def loop_estimate_seconds(self) -> float:
        ops = 2 * self._m * (self._n + 1)
        return ops * loop_seconds_per_op() * self.iterations_spin.value()

    def set_gpu_status(self, status: GpuStatus) -> None:
        self._set_gpu_enabled(status.available)
        if status.available:
            self.device_combo.setItemText(1, f"GPU — CuPy ({status.name})")
            self.device_info.setText("")
        else:
            self.device_combo.setItemText(1, "GPU — CuPy (not available)")
            reason = status.reason.split(". Install it with")[0]
            self.device_info.setText(f"GPU unavailable: {reason}.<br>Install: "
                                     f"<code>{GPU_INSTALL_HINT}</code>")
            self.device_combo.setItemData(1, status.reason, Qt.ItemDataRole.ToolTipRole)

    def _set_gpu_enabled(self, enabled: bool) -> None:
        item = self.device_combo.model().item(1)
        item.setEnabled(enabled)
        if not enabled and self.device_combo.currentIndex() == 1:
            self.device_combo.setCurrentIndex(0)

    def set_cpu_info(self, text: str) -> None:
        self.device_combo.setItemText(0, text)

    def _update_enabled(self) -> None:
        gd = self.algorithm() == "gd"
        for w in (self.alpha_slider, self.alpha_edit, self.iterations_spin, self.tolerance_edit,
                  self.impl_combo, self.start_reset, *self.quick_alpha_buttons,
                  self.pause_button, self.step_button, self.step10_button):
            w.setEnabled(gd)
        self._update_estimate()

    def set_running(self, running: bool, paused: bool = False) -> None:
        self.pause_button.setText("Resume  (F6)" if paused else "Pause  (F6)")
        self.pause_button.setShortcut("F6")

    # -- presentation layout ------------------------------------------------------------------
    def set_presentation_layout(self, on: bool) -> None:
        """Large fonts need another layout: labels above their fields, combo boxes as wide as
        their texts, no width caps on buttons and long texts wrapped, so that nothing is
        elided or cut off; ``False`` restores the normal layout exactly."""
        if on == bool(self._presentation_saved):
            return
        if on:
            saved = self._presentation_saved
            saved["forms"] = [(f, f.rowWrapPolicy()) for f in self.findChildren(QFormLayout)]
            for form, _policy in saved["forms"]:
                form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
            saved["combos"] = [(c, c.sizeAdjustPolicy(), c.minimumContentsLength())
                               for c in self.findChildren(QComboBox)]
            for combo, _policy, _length in saved["combos"]:
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
                combo.setMinimumContentsLength(0)
            capped = [self.alpha_edit, self.start_reset, *self.quick_alpha_buttons]
            saved["caps"] = [(w, w.maximumWidth()) for w in capped]
            for w in capped:
                w.setMaximumWidth(16_777_215)
            labels = [label for label in self.findChildren(QLabel)
                      if label.text() and label.parentWidget() is not None]
            saved["wraps"] = [(label, label.wordWrap()) for label in labels]
            for label in labels:
                label.setWordWrap(True)
        else:
            saved, self._presentation_saved = self._presentation_saved, {}
            for form, policy in saved["forms"]:
                form.setRowWrapPolicy(policy)
            for combo, policy, length in saved["combos"]:
                combo.setSizeAdjustPolicy(policy)
                combo.setMinimumContentsLength(length)
            for w, width in saved["caps"]:
                w.setMaximumWidth(width)
            for label, wrap in saved["wraps"]:
                label.setWordWrap(wrap)
        self.updateGeometry()

    def presentation_layout(self) -> bool:
        return bool(self._presentation_saved)

    # -- values ---------------------------------------------------------------------------------
    def source(self) -> str:
        return self.source_combo.currentData()

    def algorithm(self) -> str:
        return self.algorithm_combo.currentData()

    def implementation(self) -> str:
        return self.impl_combo.currentData()

    def alpha(self) -> float | None:
        try:
            value = float(self.alpha_edit.text().replace(",", "."))
        except ValueError:
            return None
        return value if math.isfinite(value) and value > 0 else None

    def tolerance(self) -> float | None:
        try:
            value = float(self.tolerance_edit.text().replace(",", "."))
        except ValueError:
            return None
        return value if math.isfinite(value) and value >= 0 else None

    def data_settings(self) -> DataSettings:
        source = self.source()
        if source == "synthetic":
            return DataSettings("synthetic", m=self.m_spin.value(), n=self.n_spin.value(),
                                noise=self.noise_spin.value(),
                                scale_spread=self.spread_spin.value(),
                                correlation=self.corr_spin.value(), seed=self.seed_spin.value())
        if source == "csv":
            target = self.target_combo.currentText() or None
            return DataSettings("csv", csv_path=self.csv_path.text(), target=target)
        if source == "curve":
            return DataSettings("curve")
        return DataSettings("housing")

    def model_spec(self) -> ModelSpec:
        return ModelSpec(self.data_settings(), ModelSettings(
            degree=self.degree_spin.value(), intercept=self.intercept_check.isChecked(),
            scaling=self.scaling_combo.currentData(), device=self.device_combo.currentData()))

    def run_spec(self, w0=None, b0=None, start_paused=False, step_budget=0) -> RunSpec:
        """The run the controls describe; raises ValueError with a message for bad entries."""
        solver = self.algorithm()
        alpha = self.alpha()
        tolerance = self.tolerance()
        if solver == "gd":
            if alpha is None:
                raise ValueError(f"the learning rate α must be a number > 0, got "
                                 f"{self.alpha_edit.text()!r}")
            if tolerance is None:
                raise ValueError(f"the tolerance must be a number >= 0, got "
                                 f"{self.tolerance_edit.text()!r}")
            solver = self.implementation()
        run = RunSettings(solver=solver, alpha=alpha or 0.1,
                          iterations=self.iterations_spin.value(), tolerance=tolerance or 0.0)
        return RunSpec(self.model_spec(), run,
                       w0=None if w0 is None else tuple(float(v) for v in w0),
                       b0=b0, start_paused=start_paused, step_budget=step_budget)
