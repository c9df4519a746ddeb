"""The control panel: data, model, scaling, solver, device and the run buttons.

The panel only holds inputs and says what changed; :meth:`ControlPanel.settings` reads them as
a :class:`core.settings.Settings` and :meth:`ControlPanel.set_settings` shows one. Every
input's range, default, label and tooltip come from :data:`core.settings.SCHEMA` (see
:mod:`gui_app.widgets`). The Solver box is :mod:`gui_app.explore.solver_box`, the Optimizer
box (hyper-parameters, schedule, theory) :mod:`gui_app.explore.optimizer_box`, the Device box
:mod:`gui_app.explore.device`; the run buttons (:mod:`gui_app.explore.run_buttons`) are built
here but placed by the window, outside the scrolling part, so that Run and Stop stay in view
on a small screen.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.backend import GpuStatus
from core.settings import SCHEMA, DataSettings, ModelSettings, Settings
from core.solvers import GD_SOLVERS
from gui_app.explore.device import DeviceBox
from gui_app.explore.evaluation_box import EvaluationBox
from gui_app.explore.file_page import FilePage
from gui_app.explore.optimizer_box import OptimizerBox
from gui_app.explore.predict_box import PredictBox
from gui_app.explore.race_box import RaceBox
from gui_app.explore.run_buttons import RunButtons
from gui_app.explore.solver_box import SolverBox, exact_text, set_spin
from gui_app.explore.worker import ModelSpec
from gui_app.widgets import (
    choice_combo,
    float_spin,
    int_spin,
    relayout_for_large_fonts,
    restore_layout,
    set_combo_data,
    setting_label,
    setting_tooltip,
    wheel_only_when_focused,
)

#: Sources with controls of their own; any other source (a fixed demo table) has none.
SOURCE_PAGES = {"synthetic": 1, "csv": 2}
SYNTHETIC_KEYS = ("m", "n", "noise", "scale_spread", "correlation", "seed")


class ControlPanel(QWidget):
    """All the inputs of a run, grouped as a teacher would explain them."""

    model_changed = Signal()  # data, model, scaling or device changed: α_max must be redone
    csv_requested = Signal(str)  # a data file was chosen in the file dialog
    import_requested = Signal()  # "Import options…": the import preview of the current file
    run_requested = Signal()
    pause_requested = Signal()
    step_requested = Signal(int)
    stop_requested = Signal()
    reset_requested = Signal()
    settings_shown = Signal()  # set_settings showed new values (without their own signals)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._presentation_saved: dict = {}  # what set_presentation_layout(True) changed
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._build_data())
        layout.addWidget(self._build_model())
        self.evaluation_box = EvaluationBox(self.seed_spin)  # test set, λ (issue 12)
        self.evaluation_box.changed.connect(self._evaluation_changed)
        layout.addWidget(self.evaluation_box)
        layout.addWidget(self._build_solver())
        layout.addWidget(self._build_optimizer())
        layout.addWidget(self._build_device())
        self.race_box = RaceBox()  # the race line-up (issue 11); the window wires it
        layout.addWidget(self.race_box)
        self.predict_box = PredictBox()  # ŷ of the model on screen (issue 12); the window fills it
        layout.addWidget(self.predict_box)
        layout.addStretch(1)
        self.run_box = self._build_buttons()  # placed by the window, outside the scrolling
        for combo in self.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        self.evaluation_box.compact()  # two λ lists share one row
        wheel_only_when_focused(self)  # the wheel scrolls the panel past the inputs
        self._update_enabled()

    # -- construction --------------------------------------------------------------------------
    def _build_data(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.source_combo = choice_combo("source")
        form.addRow("Source", self.source_combo)
        self.source_stack = QStackedWidget()
        self.source_stack.addWidget(QWidget())  # a fixed table: nothing to set
        syn = QWidget()
        g = QGridLayout(syn)
        g.setContentsMargins(0, 0, 0, 0)
        self.m_spin = int_spin("m", step=100)
        self.n_spin = int_spin("n")
        self.noise_spin = float_spin("noise", 0.05, 3)
        self.spread_spin = float_spin("scale_spread", 0.5, 1)
        self.corr_spin = float_spin("correlation", 0.1, 2)
        self.seed_spin = int_spin("seed")
        self._synthetic_spins = (
            self.m_spin,
            self.n_spin,
            self.noise_spin,
            self.spread_spin,
            self.corr_spin,
            self.seed_spin,
        )
        for k, (key, w) in enumerate(zip(SYNTHETIC_KEYS, self._synthetic_spins, strict=True)):
            label = QLabel(setting_label(key))
            label.setToolTip(setting_tooltip(key))
            g.addWidget(label, k, 0)
            g.addWidget(w, k, 1)
        self.source_stack.addWidget(syn)
        page = self.file_page = FilePage()
        self.csv_path, self.open_button = page.csv_path, page.open_button
        self.import_button, self.target_combo = page.import_button, page.target_combo
        self.source_stack.addWidget(page)
        form.addRow(self.source_stack)
        self._show_source_page(SOURCE_PAGES.get(self.source(), 0))
        self.data_info = QLabel("")
        self.data_info.setWordWrap(True)
        form.addRow(self.data_info)

        self.source_combo.currentIndexChanged.connect(self._source_changed)
        for spin in (self.m_spin, self.n_spin, self.seed_spin):
            spin.editingFinished.connect(self.model_changed)
        for dspin in (self.noise_spin, self.spread_spin, self.corr_spin):
            dspin.editingFinished.connect(self.model_changed)
        page.file_chosen.connect(self.csv_requested)
        page.import_requested.connect(self.import_requested)
        page.target_chosen.connect(self.model_changed)
        return box

    def _build_model(self) -> QGroupBox:
        box = QGroupBox("Model and scaling")
        form = QFormLayout(box)
        row = QHBoxLayout()
        self.degree_spin = int_spin("degree")
        self.intercept_check = QCheckBox(
            SCHEMA["intercept"].label, checked=SCHEMA["intercept"].default
        )
        self.intercept_check.setToolTip(setting_tooltip("intercept"))
        row.addWidget(self.degree_spin)
        row.addWidget(self.intercept_check)
        row.addStretch(1)
        form.addRow(setting_label("degree").capitalize(), row)
        self.scaling_combo = choice_combo("scaling")
        form.addRow(setting_label("scaling").capitalize(), self.scaling_combo)
        self.degree_spin.valueChanged.connect(lambda _v: self.model_changed.emit())
        self.intercept_check.toggled.connect(lambda _v: self.model_changed.emit())
        self.scaling_combo.currentIndexChanged.connect(lambda _i: self.model_changed.emit())
        return box

    def _build_solver(self) -> QGroupBox:
        box = self.solver_box = SolverBox()
        self.solver_combo = box.solver_combo
        self.alpha_slider, self.alpha_edit = box.alpha_slider, box.alpha_edit
        self.alpha_max_label = box.alpha_max_label
        self.quick_alpha_buttons = box.quick_alpha_buttons
        self.iterations_spin, self.tolerance_edit = box.iterations_spin, box.tolerance_edit
        self.start_label, self.start_reset = box.start_label, box.start_reset
        self.solver_combo.currentIndexChanged.connect(lambda _i: self._update_enabled())
        return box

    def _build_optimizer(self) -> QGroupBox:
        box = self.optimizer_box = OptimizerBox(self.solver_box)
        self.batch_cost_check = box.batch_cost_check
        return box

    def _build_device(self) -> QGroupBox:
        box = DeviceBox(self.iterations_spin.value)
        self.device_box = box
        self.device_combo, self.device_info = box.device_combo, box.device_info
        self.impl_combo, self.estimate_label = box.impl_combo, box.estimate_label
        self.device_combo.currentIndexChanged.connect(lambda _i: self.model_changed.emit())
        self.iterations_spin.valueChanged.connect(lambda _v: box.update_estimate())
        # the Gram form needs the full batch: the batch size decides whether it can run
        self.optimizer_box.batch_spin.valueChanged.connect(lambda _v: self._update_enabled())
        return box

    def _build_buttons(self) -> RunButtons:
        box = RunButtons()
        self.run_button, self.pause_button = box.run_button, box.pause_button
        self.step_button, self.step10_button = box.step_button, box.step10_button
        self.stop_button, self.reset_button = box.stop_button, box.reset_button
        self._run_tip = self.run_button.toolTip()  # (a refusal replaces it while Run is off)
        box.run_requested.connect(self.run_requested)
        box.pause_requested.connect(self.pause_requested)
        box.step_requested.connect(self.step_requested)
        box.stop_requested.connect(self.stop_requested)
        box.reset_requested.connect(self.reset_requested)
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

    def _source_changed(self, _index: int) -> None:
        self._show_source_page(SOURCE_PAGES.get(self.source(), 0))
        self.model_changed.emit()  # (CSV without a file: the window says to choose one)

    def set_csv_path(self, path: str) -> None:
        """Select the file source with ``path`` (the target picker fills in once it loads)."""
        self.file_page.set_path(path)
        self.source_combo.blockSignals(True)
        set_combo_data(self.source_combo, "csv")
        self._show_source_page(SOURCE_PAGES["csv"])
        self.source_combo.blockSignals(False)

    def set_csv_columns(self, columns: list[tuple[str, str]], target: str, summary: str) -> None:
        """Offer the loaded file's numeric columns — (name, target setting) pairs — as the
        target, ``target`` (a name) selected, and say how the file was read (``summary``)."""
        self.file_page.set_columns(columns, target)
        self.file_page.summary.setText(summary)

    def set_alpha(self, alpha: float) -> None:
        """Show the learning rate ``alpha`` in the field and on the slider."""
        self.solver_box.set_alpha(alpha)

    def set_problem_info(
        self, alpha_max: float | None, m: int, n: int, text: str, preparing: bool = False
    ) -> None:
        """Show α_max (and mark the divergent range) for the current data and model; with
        ``alpha_max`` None, "computing" while ``preparing``, else that there is none."""
        self.device_box.set_problem_size(m, n)
        self.data_info.setText(text)
        self.solver_box.set_alpha_max(alpha_max, preparing)
        if alpha_max is None:
            self.optimizer_box.set_problem(None, None)

    def set_problem_theory(self, problem: object) -> None:
        """The prepared core Problem, for the theory (λ_min, λ_max) and the batch size's m."""
        self.optimizer_box.set_problem(problem, problem.m)

    def loop_estimate_seconds(self) -> float:
        """How long the Python-loop GD would take with these settings (seconds)."""
        return self.device_box.loop_estimate_seconds()

    def set_gpu_status(self, status: GpuStatus) -> None:
        """Enable the GPU choice, or disable it with the reason and the install command."""
        self.device_box.set_gpu_status(status)

    def set_cpu_info(self, text: str) -> None:
        """Name the CPU choice (BLAS library and threads)."""
        self.device_box.set_cpu_info(text)

    def _evaluation_changed(self) -> None:
        self._update_enabled()
        self.model_changed.emit()

    def _update_enabled(self) -> None:
        gd = self.uses_gd()
        why = self.evaluation_box.run_problem(self.solver())  # a λ typed wrong; L1 with adam
        self.evaluation_box.set_refusal(why)
        self.run_button.setEnabled(not why)
        self.run_button.setToolTip(f"Run is off: {why}" if why else self._run_tip)
        for w in self.solver_box.gd_widgets():
            w.setEnabled(gd)
        # Pause and Step act on the run (or race) going, whatever solver is chosen now
        running = getattr(self, "_running", False)
        for w in self.run_box.gd_buttons():
            w.setEnabled(gd or running)
        self.optimizer_box.setVisible(gd)  # (hidden for the normal equation)
        self.optimizer_box.set_solver(self.solver_combo.currentData())
        # every iterative solver has an implementation; the Gram form needs the full batch
        self.device_box.set_run(self.solver(), self.optimizer_box.batch_spin.value())

    def set_running(self, running: bool, paused: bool = False) -> None:
        """Show whether a run is going and paused (the pause button then reads Resume);
        while one goes, Pause and Step stay enabled whatever solver is chosen."""
        self._running = running
        self.run_box.set_paused(paused)
        self._update_enabled()

    # -- presentation layout ------------------------------------------------------------------
    def set_presentation_layout(self, on: bool) -> None:
        """Large fonts need another layout: labels above their fields, combo boxes as wide as
        their texts, no width caps on buttons and long texts wrapped, so that nothing is
        elided or cut off; ``False`` restores the normal layout exactly."""
        if on == bool(self._presentation_saved):
            return
        if on:
            capped = [self.alpha_edit, self.start_reset, *self.quick_alpha_buttons]
            self._presentation_saved = relayout_for_large_fonts(self, capped)
        else:
            saved, self._presentation_saved = self._presentation_saved, {}
            restore_layout(saved)
        self.updateGeometry()

    def presentation_layout(self) -> bool:
        return bool(self._presentation_saved)

    # -- values ---------------------------------------------------------------------------------
    def source(self) -> str:
        """The data source chosen (a key of SCHEMA["source"].choices)."""
        return self.source_combo.currentData()

    def uses_gd(self) -> bool:
        """An iterative solver is chosen (gradient descent or an optimizer), not a direct
        solver: α, iterations, tolerance and the implementation apply."""
        return self.solver_combo.currentData() in GD_SOLVERS

    def solver(self) -> str:
        """The solver chosen (a key of SCHEMA["solver"].choices; never "gd-loop", which is
        gd with the loop implementation)."""
        return self.solver_combo.currentData()

    def implementation(self) -> str:
        """The implementation of every gradient step chosen in the Device box (a key of
        SCHEMA["implementation"].choices)."""
        return self.impl_combo.currentData()

    def alpha(self) -> float | None:
        """The learning rate typed in; None when it is not a number > 0."""
        return self.solver_box.alpha()

    def tolerance(self) -> float | None:
        """The tolerance typed in; None when it is not a number >= 0."""
        return self.solver_box.tolerance()

    def data_settings(self, base: DataSettings | None = None) -> DataSettings:
        """The data settings the controls show; the keys without a control (the file options,
        the target while the file's columns are not loaded or when the file has no header
        row) come from ``base``."""
        base = base or DataSettings()
        source = self.source()
        target = base.target
        roles = {}
        if source == "csv":
            # the picker's items hold the target setting (a file without a header row has
            # made-up names: its target setting is the column index)
            picked = self.file_page.picked_target()
            target = picked or base.target
            if picked is not None and picked != base.target:
                name = self.file_page.picked_name()  # the target leaves every other role
                roles = {
                    key: tuple(n for n in getattr(base, key) if n != name)
                    for key in ("features", "ignore", "categorical")
                }
        # Every field the panel holds is read whatever the source, so the synthetic values
        # and the file survive a visit to another source (in a session, a lesson, a replay).
        return dataclasses.replace(
            base,
            source=source,
            m=self.m_spin.value(),
            n=self.n_spin.value(),
            noise=self.noise_spin.value(),
            scale_spread=self.spread_spin.value(),
            correlation=self.corr_spin.value(),
            seed=self.seed_spin.value(),
            csv_path=self.csv_path.text(),
            target=target,
            **roles,
        )

    def model_spec(self, base: Settings | None = None) -> ModelSpec:
        """The data and model settings the controls show (keys without a control from
        ``base``, see :meth:`data_settings`)."""
        return ModelSpec(
            self.data_settings(base.data if base is not None else None),
            ModelSettings(
                degree=self.degree_spin.value(),
                intercept=self.intercept_check.isChecked(),
                scaling=self.scaling_combo.currentData(),
                device=self.device_combo.currentData(),
                **self.evaluation_box.read(base.model if base is not None else ModelSettings()),
            ),
        )

    def settings(self, base: Settings, strict: bool = True) -> Settings:
        """The settings the controls show; keys without a control come from ``base`` (the
        window's state: ``no_header``, the target before the file is loaded, the view).

        With ``strict``, an α, tolerance or optimizer knob (of the chosen solver) that is not
        a number in its setting's range raises ValueError with a message naming it; otherwise
        ``base``'s value is kept, so that reading never fails (every other control only holds
        values in its setting's range).
        """
        alpha, tolerance = self.alpha(), self.tolerance()
        if strict and self.uses_gd():
            if alpha is None:
                raise ValueError(
                    f"the learning rate α must be a number > 0, got {self.alpha_edit.text()!r}"
                )
            if tolerance is None:
                raise ValueError(
                    f"the tolerance must be a number {SCHEMA['tolerance'].range_text()}, "
                    f"got {self.tolerance_edit.text()!r}"
                )
        run = dataclasses.replace(
            base.run,
            solver=self.solver(),
            implementation=self.implementation(),
            alpha=base.run.alpha if alpha is None else alpha,
            iterations=self.iterations_spin.value(),
            tolerance=base.run.tolerance if tolerance is None else tolerance,
            **self.optimizer_box.read(base.run, strict and self.uses_gd()),
        )
        if strict:
            self.evaluation_box.read(base.model, strict=True)  # a λ that is no number: say so
        spec = self.model_spec(base)
        return Settings(spec.data, spec.model, run, base.view)

    def set_settings(self, settings: Settings) -> list[str]:
        """Show ``settings`` (without emitting any change signal); return a note for each
        value a control cannot hold as given (a spin box's range, an absent GPU, a CSV
        source without a file), which then shows the nearest it can.

        ``alpha_factor`` and the view (contour pair, equal axes, tab) have no control here:
        the window resolves and shows them (:mod:`gui_app.classroom.settings_bridge`).
        """
        notes: list[str] = []
        widgets = [
            self.source_combo,
            *self._synthetic_spins,
            self.degree_spin,
            self.intercept_check,
            self.scaling_combo,
            self.solver_combo,
            self.impl_combo,
            self.iterations_spin,
            self.device_combo,
            self.target_combo,
            *self.optimizer_box.inputs(),
        ]
        for w in widgets:
            w.blockSignals(True)
        try:
            d, m, r = settings.data, settings.model, settings.run
            set_combo_data(self.source_combo, d.source)
            self._show_source_page(SOURCE_PAGES.get(d.source, 0))
            for key, spin in zip(SYNTHETIC_KEYS, self._synthetic_spins, strict=True):
                set_spin(spin, getattr(d, key), key, notes)
            if d.source == "csv" and not d.csv_path:
                notes.append("the CSV source has no file: choose one with Open…")
            combo = self.target_combo
            listed = max(combo.findData(d.target), combo.findText(d.target)) if d.target else 0
            if d.csv_path != self.csv_path.text() or listed < 0:
                # another file (or a target it does not list): its columns come when it is
                # loaded; until then the target is the settings' (read back from the state)
                self.file_page.set_path(d.csv_path)
            elif d.target:
                combo.setCurrentIndex(listed)
            set_spin(self.degree_spin, m.degree, "degree", notes)
            self.intercept_check.setChecked(m.intercept)
            set_combo_data(self.scaling_combo, m.scaling)
            self.evaluation_box.show_model(m, d.seed)
            if m.device == "gpu" and not self.device_combo.model().item(1).isEnabled():
                notes.append("the GPU is not available here: running on the CPU")
                set_combo_data(self.device_combo, "cpu")
            else:
                set_combo_data(self.device_combo, m.device)
            set_combo_data(self.solver_combo, r.solver)  # (RunSettings made gd-loop gd + loop)
            set_combo_data(self.impl_combo, r.implementation)
            self.device_box.clear_fallback()
            if self.alpha() != r.alpha:
                self.set_alpha(r.alpha)
                self.alpha_edit.setText(exact_text(r.alpha))  # the run uses what is shown
                self.alpha_edit.setCursorPosition(0)  # its first digits, not its last
            set_spin(self.iterations_spin, r.iterations, "iterations", notes)
            if self.tolerance() != r.tolerance:
                self.tolerance_edit.setText(exact_text(r.tolerance))
            self.optimizer_box.show_run(r, notes)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._update_enabled()
        self.device_box.update_availability()  # (the device's signal was blocked)
        if self.implementation() != r.implementation:
            notes.append(self.device_box.fallback_note())
        self.settings_shown.emit()
        return notes
