"""The Timing tab: one GD step measured seven ways on this machine, and why the times differ.

The benchmark is :func:`core.timing.bench.run_benchmark`, run by :class:`BenchWorker` off the GUI
thread; this module builds the controls and wires them to the worker and the charts:

- seconds per step per implementation and the memory bandwidth used (``bars``);
- a scaling sweep, time against m or n, log–log, fitted slopes (``scaling``);
- the summary, the "where the time goes" texts and the machine (``explain``);
- CSV/JSON exports (``export``);
- on a second page, batch GD against mini-batch SGD to a cost (``to_cost_panel``).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.timing import limits
from core.timing.bench import DTYPES, IMPLS, WHY, BenchConfig, BenchReport, BenchResult
from gui_app.timing.bars import BandwidthView, TimeBarsView
from gui_app.timing.bench_worker import BenchWorker
from gui_app.timing.explain import bar_rows, machine_html, summary_text, why_html
from gui_app.timing.export import write_report
from gui_app.timing.page_run import MESSAGE_STYLES, PageRun
from gui_app.timing.scaling import ScalingView
from gui_app.timing.to_cost_panel import ToCostPanel

#: Named size presets a lesson (or the button) can apply.
PRESETS: dict[str, dict] = {
    "textbook": {"m": 100_000, "n": 1_000, "dtype": "float64"},
    "small": {"m": 20_000, "n": 500, "dtype": "float64"},
}


# -- the tab ----------------------------------------------------------------------------------


class TimingView(QWidget, PageRun):
    """The Timing tab: controls, progress, the three charts, the why texts, the machine."""

    CANCELLED_MESSAGE = (
        "Benchmark cancelled. Nothing was recorded; the charts show the "
        "previous results, if any. Change the sizes or press Run again."
    )

    CONFIG_ERRORS = (InputError, TypeError, ValueError)

    run_started = Signal()  # a benchmark was submitted (the window stops its own run)
    report_ready = Signal(object)  # BenchReport, after the charts are drawn
    run_ended = Signal(str)  # "finished" | "cancelled" | "failed"
    message_shown = Signal(str, str)  # text, kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = BenchWorker(self)
        self.report: BenchReport | None = None
        self.run_id = 0
        self.running = False
        self.message_kind = ""
        #: Extra BenchConfig fields for every run (tests shorten the warm-up with it).
        self.config_overrides: dict = {}
        self._gpu_text = "not probed yet"
        self._build()
        self._connect()
        self._show_machine(None)
        self._show_why(None)
        self.show_message(
            "Measure one gradient-descent step (two matrix-vector products over "
            "X) seven ways on this machine. “Textbook case” sets 100,000 examples × "
            "1,000 features; then press Run.",
            "info",
        )

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        form = QFormLayout()
        # ranges and tooltips from core.timing.limits (the CLI's `bench` reads the same); the
        # tab opens on the "small" preset, which runs in seconds, not the textbook case
        self.m_spin = _limit_spin(limits.M, PRESETS["small"]["m"])
        self.m_spin.setGroupSeparatorShown(True)
        self.n_spin = _limit_spin(limits.N, PRESETS["small"]["n"])
        self.n_spin.setGroupSeparatorShown(True)
        self.dtype_combo = QComboBox()
        self.dtype_combo.addItems(list(DTYPES))
        self.repeats_spin = _limit_spin(limits.REPEATS)
        self.sweep_combo = QComboBox()
        self.sweep_combo.addItem("none (one size)", None)
        self.sweep_combo.addItem("m (examples)", "m")
        self.sweep_combo.addItem("n (features)", "n")
        self.points_spin = _limit_spin(limits.POINTS)
        form.addRow("m (examples)", self.m_spin)
        form.addRow("n (features)", self.n_spin)
        form.addRow("dtype", self.dtype_combo)
        form.addRow("repeats", self.repeats_spin)
        sweep_row = QHBoxLayout()
        sweep_row.addWidget(self.sweep_combo, 1)
        sweep_row.addWidget(QLabel("points"))
        sweep_row.addWidget(self.points_spin)
        form.addRow("sweep", sweep_row)

        impl_box = QGroupBox("Implementations")
        grid = QGridLayout(impl_box)
        self.impl_checks: dict[str, QCheckBox] = {}
        for k, impl in enumerate(IMPLS):
            box = QCheckBox(impl)
            box.setChecked(True)
            box.setToolTip(WHY[impl])
            self.impl_checks[impl] = box
            grid.addWidget(box, k // 2, k % 2)
        self._mark_dask()

        self.textbook_button = QPushButton("Textbook case (100,000 × 1,000)")
        self.textbook_button.setToolTip(
            "m = 100,000 examples, n = 1,000 features, float64: "
            "about 20 s on a 2-core laptop (the loop is timed on "
            "a subsample and extrapolated)"
        )
        self.run_button = QPushButton("Run benchmark")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%p%")
        self.progress_label = QLabel("Idle")
        self.progress_label.setWordWrap(True)
        self.progress_label.setStyleSheet("color:#333;")
        self.progress_label.setFixedHeight(self.progress_label.fontMetrics().lineSpacing() * 2 + 4)
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_json_button = QPushButton("Export JSON…")
        for b in (self.export_csv_button, self.export_json_button):
            b.setEnabled(False)
        exports = QHBoxLayout()
        exports.addWidget(self.export_csv_button)
        exports.addWidget(self.export_json_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 4 + 16)

        self.machine_label = QLabel()
        self.machine_label.setWordWrap(True)
        self.machine_label.setTextFormat(Qt.TextFormat.RichText)
        self.machine_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.machine_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        machine_box = QGroupBox("This machine")
        QVBoxLayout(machine_box).addWidget(self.machine_label)

        setup = QGroupBox("What to measure")
        sl = QVBoxLayout(setup)
        sl.addLayout(form)
        sl.addWidget(impl_box)
        sl.addWidget(self.textbook_button)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(6, 6, 6, 6)
        ll.addWidget(setup)
        ll.addLayout(buttons)
        ll.addWidget(self.progress_bar)
        ll.addWidget(self.progress_label)
        ll.addWidget(self.message)
        ll.addLayout(exports)
        ll.addWidget(machine_box)
        ll.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(390)
        #: The control column; presentation mode folds it (gui_app.classroom.timing_layout).
        self.controls_column = scroll

        self.time_bars = TimeBarsView()
        self.scaling = ScalingView()
        self.bandwidth = BandwidthView()
        self.why = QTextBrowser()
        self.why.setOpenExternalLinks(False)
        self.why.setStyleSheet("QTextBrowser { font-size: 10.5pt; background:#fbfbfb; }")
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.time_bars)
        top.addWidget(self.why)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        top.setSizes([820, 360])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.scaling)
        bottom.addWidget(self.bandwidth)
        bottom.setSizes([560, 620])
        self.bottom_splitter = bottom  # scaling | bandwidth
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(top)
        charts.addWidget(bottom)
        charts.setSizes([540, 420])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(scroll)
        main.addWidget(charts)
        main.setStretchFactor(1, 1)
        main.setSizes([400, 1200])
        self.main_splitter = main  # controls | charts
        #: The second page: batch GD against mini-batch SGD, time to reach a cost.
        self.to_cost = ToCostPanel()
        self.pages = QTabWidget()
        self.pages.addTab(main, "One GD step, seven ways")
        self.pages.addTab(self.to_cost, "Time to reach a cost: GD vs SGD")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def _connect(self) -> None:
        self.textbook_button.clicked.connect(lambda: self.apply_preset("textbook"))
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_csv_button.clicked.connect(lambda: self._export_dialog("csv"))
        self.export_json_button.clicked.connect(lambda: self._export_dialog("json"))
        # one measurement at a time: each page's run cancels the other's
        self.to_cost.run_started.connect(self.worker.cancel)
        self.to_cost.run_started.connect(self.run_started)
        self._connect_worker()

    # -- messages ------------------------------------------------------------------------------
    def show_message(self, text: str, kind: str = "info") -> None:
        """Show ``text`` above the charts' controls (never a blocking dialog)."""
        if kind != self.message_kind:
            self.message.setStyleSheet(MESSAGE_STYLES[kind] + " padding:6px;")
            self.message_kind = kind
        self.message.setText(html.escape(text, quote=False).replace("\n", "<br>"))
        self.message_shown.emit(text, kind)

    # -- controls ------------------------------------------------------------------------------
    def apply_preset(
        self, name: str, impls: tuple[str, ...] | None = None, sweep_off: bool = False
    ) -> None:
        """Set the sizes of a named preset (``PRESETS``), and ``impls`` (ticked, the others
        not) and no sweep when given (a lesson's setup); does not start a run. Results of
        other sizes are cleared (the charts would show them under the new sizes)."""
        if name not in PRESETS:
            raise ValueError(f"unknown timing preset {name!r}; choose one of {', '.join(PRESETS)}")
        p = PRESETS[name]
        self.pages.setCurrentIndex(0)
        self.m_spin.setValue(p["m"])
        self.n_spin.setValue(p["n"])
        self.dtype_combo.setCurrentText(p["dtype"])
        if impls is not None:
            self.set_impls(impls)
        if sweep_off:
            self.sweep_combo.setCurrentIndex(self.sweep_combo.findData(None))
        if self.running:
            return
        cleared = ""
        old = self.report.config if self.report is not None else None
        if old is not None and (old.m, old.n, old.dtype, old.sweep) != (
            p["m"],
            p["n"],
            p["dtype"],
            self.sweep_combo.currentData(),
        ):
            self.clear_results()
            cleared = f" The results of m = {old.m:,}, n = {old.n:,} were cleared."
        self.show_message(
            f"{name.capitalize()} case: m = {p['m']:,} examples, n = "
            f"{p['n']:,} features, {p['dtype']}. Press Run.{cleared}",
            "info",
        )

    def clear_results(self) -> None:
        """Forget the last report: the charts show their "press Run" placeholders again."""
        self.report = None
        self.time_bars.set_rows([], "Seconds per GD step")
        self.bandwidth.set_rows([])
        self.scaling.set_report(None)
        self._show_why(None)
        self._show_machine(None)
        self.progress_bar.setValue(0)
        self.progress_label.setText("Idle")
        self._set_running(self.running)

    def selected_impls(self) -> tuple[str, ...]:
        return tuple(i for i in IMPLS if self.impl_checks[i].isChecked())

    def set_impls(self, impls) -> None:
        for impl, box in self.impl_checks.items():
            box.setChecked(impl in impls)

    def config(self) -> BenchConfig:
        """The BenchConfig the controls describe (plus ``config_overrides``)."""
        return BenchConfig(
            m=self.m_spin.value(),
            n=self.n_spin.value(),
            dtype=self.dtype_combo.currentText(),
            impls=self.selected_impls(),
            repeats=self.repeats_spin.value(),
            sweep=self.sweep_combo.currentData(),
            points=self.points_spin.value(),
            **self.config_overrides,
        )

    def _mark_dask(self) -> None:
        """Without the cluster extra the dask box is unticked and says why (a run that asks
        for it anyway gets rows that say so)."""
        from core.cluster import missing

        why = missing()
        if why:
            box = self.impl_checks["dask"]
            box.setChecked(False)
            box.setToolTip(f"No dask rows here: {why}")

    def set_gpu_status(self, status) -> None:
        """The window's GPU probe (core.backend.GpuStatus): shown on the cupy box."""
        box = self.impl_checks["cupy"]
        if getattr(status, "available", False):
            self._gpu_text = html.escape(status.name or "available")
            box.setToolTip(WHY["cupy"])
        else:
            reason = getattr(status, "reason", "") or "no GPU"
            self._gpu_text = "none — " + html.escape(reason)
            box.setToolTip(f"No GPU here, the row will say so: {reason}")
        if self.report is None:
            self._show_machine(None)

    # -- runs ----------------------------------------------------------------------------------
    def run(self) -> int | None:
        """Start a benchmark with the controls' settings; returns its run id (None if refused)."""
        config = self._checked_config()
        if config is None:
            return None
        self.to_cost.cancel()
        self._begin(config)
        self.run_started.emit()
        size = f"m = {config.m:,}, n = {config.n:,}, {config.dtype}"
        if config.sweep:
            size += f", sweep over {config.sweep} ({config.points} sizes)"
        self.show_message(
            f"Measuring {', '.join(config.impls)} at {size} … The GUI stays "
            "usable; Cancel stops at the next timed call.",
            "info",
        )
        return self.run_id

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.textbook_button.setEnabled(not running)
        has = self.report is not None and not running
        self.export_csv_button.setEnabled(has)
        self.export_json_button.setEnabled(has)

    def shutdown(self) -> None:
        """Cancel and join both pages' threads (the window calls this when it closes)."""
        super().shutdown()
        self.to_cost.shutdown()

    # -- drawing -------------------------------------------------------------------------------
    def bar_rows(self, report: BenchReport) -> list[BenchResult]:
        """Rows of the bar charts: the largest size, without the bare reference line."""
        return bar_rows(report)

    def show_report(self, report: BenchReport) -> None:
        rows = self.bar_rows(report)
        m, n = (rows[0].m, rows[0].n) if rows else (report.config.m, report.config.n)
        self.time_bars.set_rows(
            rows, f"Seconds per GD step, m = {m:,}, n = {n:,}, {report.config.dtype}"
        )
        self.bandwidth.set_rows(rows)
        self.scaling.set_report(report)
        self._show_why(report)
        self._show_machine(report)
        text, kind = summary_text(report)
        self.show_message(text, kind)

    def _show_why(self, report: BenchReport | None) -> None:
        self.why.setHtml(why_html(report))

    def _show_machine(self, report: BenchReport | None) -> None:
        self.machine_label.setText(machine_html(report, self._gpu_text))

    # -- export --------------------------------------------------------------------------------
    def export_csv(self, path: str) -> None:
        """Write every result row (all BenchResult fields) to a CSV file, atomically; raises
        ValueError before the first run and InputError when ``path`` cannot be written."""
        if self.report is None:
            raise ValueError("no benchmark results to export yet")
        write_report(self.report, path, "csv")

    def export_json(self, path: str) -> None:
        """Write ``report.to_json()`` (the object ``gd-explorer bench --json`` writes),
        atomically; raises as :meth:`export_csv`."""
        if self.report is None:
            raise ValueError("no benchmark results to export yet")
        write_report(self.report, path, "json")

    def export(self, path: str) -> None:
        """Export to ``path``, CSV or JSON by its extension; errors become messages."""
        if self.report is None:
            self.show_message("No benchmark results to export yet: press Run first.", "error")
            return
        try:
            write_report(self.report, path)
        except InputError as exc:  # its message names the path
            self.show_message(f"Could not export the timing results: {exc}", "error")
            return
        self.show_message(f"Timing results written to {path}.", "ok")

    def _export_dialog(self, kind: str) -> None:
        filt = "CSV files (*.csv)" if kind == "csv" else "JSON files (*.json)"
        path, _ = QFileDialog.getSaveFileName(self, "Export timing results", f"timing.{kind}", filt)
        if path:
            if not path.lower().endswith(f".{kind}"):
                path += f".{kind}"
            self.export(path)


def _limit_spin(limit: limits.BenchLimit, value: int | None = None) -> QSpinBox:
    """A spin box holding one bench option: its range, tooltip and (unless given) default
    from :mod:`core.timing.limits`."""
    spin = QSpinBox()
    spin.setRange(limit.low, limit.high)
    spin.setValue(limit.default if value is None else value)
    spin.setToolTip(f"{limit.help} ({limit.range_text})")
    return spin
