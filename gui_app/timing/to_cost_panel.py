"""The Timing tab's "time to reach a cost" page: batch GD against mini-batch SGD.

Controls on the left (size, batch sizes, targets ε, pass budget, repeats, Run / Cancel,
progress), on the right the wall time and passes per method (:mod:`to_cost_chart`), the
table of every row and the explanation written from the measurement
(:mod:`to_cost_explain`). The measurement is :func:`core.timing.to_cost.run_to_cost`, run by
:class:`ToCostWorker` off the GUI thread.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.timing import limits
from core.timing.to_cost_results import (
    ToCostConfig,
    ToCostReport,
    ToCostRow,
    default_batch_sizes,
)
from gui_app.timing.chart_style import format_seconds
from gui_app.timing.page_run import MESSAGE_STYLES, PageRun
from gui_app.timing.to_cost_chart import ToCostBars, format_passes
from gui_app.timing.to_cost_explain import explain_html
from gui_app.timing.to_cost_worker import ToCostWorker

#: (m, n) of the size buttons: the quick default, and the textbook case.
SIZES = {"small": (20_000, 200), "textbook": (limits.M.default, limits.N.default)}
COLUMNS = (
    "ε",
    "method",
    "B",
    "α",
    "updates",
    "passes",
    "checked",
    "wall time",
    "per pass",
    "reached",
)
_DEFAULTS = ToCostConfig()


def parse_list(text: str, kind: type, what: str) -> tuple:
    """``"32, 256 4096"`` → ``(32, 256, 4096)``; InputError naming ``what`` otherwise."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        raise InputError(f"give at least one {what}")
    try:
        return tuple(kind(p.replace("_", "")) for p in parts)
    except ValueError:
        raise InputError(
            f"{what}s must be {'whole numbers' if kind is int else 'numbers'} separated by "
            f"commas or spaces, got {text.strip()!r}"
        ) from None


class ToCostPanel(QWidget, PageRun):
    """Runs the time-to-cost measurement and shows its rows, charts and explanation."""

    CANCELLED_MESSAGE = "Cancelled; the results shown, if any, are the previous ones."

    run_started = Signal()
    report_ready = Signal(object)  # ToCostReport, after it is drawn
    run_ended = Signal(str)  # "finished" | "cancelled" | "failed"

    def __init__(self, parent: QWidget | None = None, *, sync: bool = False) -> None:
        super().__init__(parent)
        self.worker = ToCostWorker(self, sync=sync)
        self.report: ToCostReport | None = None
        self.run_id = 0
        self.running = False
        self._build()
        self._connect_worker()
        self.show_message(
            "How long do batch GD and mini-batch SGD take to reach a given cost, in seconds "
            "and in passes over the data? Press Run (a small size, seconds), or choose the "
            "textbook size (about two minutes on 2 cores).",
            "info",
        )

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        self.m_spin = _spin(limits.M, SIZES["small"][0])
        self.n_spin = _spin(limits.N, SIZES["small"][1])
        self.batch_edit = QLineEdit(", ".join(str(b) for b in _DEFAULTS.batch_sizes))
        self.batch_edit.setToolTip("SGD batch sizes B to compare, each below m")
        self.target_edit = QLineEdit(", ".join(f"{t:g}" for t in _DEFAULTS.targets))
        self.target_edit.setToolTip(
            "Targets: the fraction ε of the starting excess cost J₀ − J* left, 0 < ε < 1"
        )
        self.passes_spin = QDoubleSpinBox()
        self.passes_spin.setRange(0.5, 10_000)
        self.passes_spin.setDecimals(1)
        self.passes_spin.setValue(_DEFAULTS.max_passes)
        self.passes_spin.setToolTip("Passes over the data each run may use")
        self.repeats_spin = _spin(limits.REPEATS, 3)
        self.threads_spin = _spin(limits.THREADS, limits.THREADS.high)
        form = QFormLayout()
        form.addRow("m (examples)", self.m_spin)
        form.addRow("n (features)", self.n_spin)
        form.addRow("batch sizes B", self.batch_edit)
        form.addRow("targets ε", self.target_edit)
        form.addRow("max passes", self.passes_spin)
        form.addRow("repeats", self.repeats_spin)
        form.addRow("BLAS threads", self.threads_spin)
        self.small_button = QPushButton(f"Small ({SIZES['small'][0]:,} × {SIZES['small'][1]:,})")
        m, n = SIZES["textbook"]
        self.textbook_button = QPushButton(f"Textbook ({m:,} × {n:,})")
        self.small_button.clicked.connect(lambda: self.apply_size("small"))
        self.textbook_button.clicked.connect(lambda: self.apply_size("textbook"))
        sizes = QVBoxLayout()
        sizes.addWidget(self.small_button)
        sizes.addWidget(self.textbook_button)
        self.run_button = QPushButton("Run")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_label = QLabel("Idle")
        self.progress_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        setup = QGroupBox("Time to reach a cost")
        sl = QVBoxLayout(setup)
        sl.addLayout(form)
        sl.addLayout(sizes)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(6, 6, 6, 6)
        for item in (setup, buttons, self.progress_bar, self.progress_label, self.message):
            (ll.addLayout if isinstance(item, QHBoxLayout) else ll.addWidget)(item)
        ll.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        # large fonts (presentation mode) may make it wider than its share: scroll, never clip
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setMinimumWidth(300)
        self.controls_column = scroll

        self.seconds_chart = ToCostBars("seconds")
        self.passes_chart = ToCostBars("passes")
        for chart in (self.seconds_chart, self.passes_chart):
            chart.setMinimumHeight(180)
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.seconds_chart)
        charts.addWidget(self.passes_chart)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.why = QTextBrowser()
        self.why.setStyleSheet("QTextBrowser { font-size: 10.5pt; background:#fbfbfb; }")
        self.why.setHtml(explain_html(None))
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.table)
        bottom.addWidget(self.why)
        bottom.setSizes([560, 440])
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(charts)
        right.addWidget(bottom)
        right.setSizes([330, 300])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(scroll)
        main.addWidget(right)
        main.setStretchFactor(1, 1)
        main.setSizes([320, 1040])
        self.main_splitter = main
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(main)

    # -- controls ----------------------------------------------------------------------------
    def show_message(self, text: str, kind: str = "info") -> None:
        """Show ``text`` under the controls (never a dialog)."""
        self.message.setStyleSheet(MESSAGE_STYLES[kind] + " padding:6px;")
        self.message.setText(html.escape(text, quote=False).replace("\n", "<br>"))

    def apply_size(self, name: str) -> None:
        """Set m and n to a named size (:data:`SIZES`); does not start a run."""
        m, n = SIZES[name]
        self.m_spin.setValue(m)
        self.n_spin.setValue(n)
        self.show_message(f"m = {m:,} examples, n = {n:,} features. Press Run.", "info")

    def config(self) -> ToCostConfig:
        """The :class:`ToCostConfig` the controls describe (InputError for a bad list)."""
        m = self.m_spin.value()
        batches = parse_list(self.batch_edit.text(), int, "batch size")
        dropped: tuple[int, ...] = ()
        if batches == _DEFAULTS.batch_sizes:  # the defaults, untouched: drop those ≥ m
            kept, dropped = default_batch_sizes(m)
            batches = kept or batches  # none below m: validation names the problem
        return ToCostConfig(
            m=m,
            n=self.n_spin.value(),
            batch_sizes=batches,
            dropped_batch_sizes=dropped,
            targets=parse_list(self.target_edit.text(), float, "target ε"),
            max_passes=self.passes_spin.value(),
            repeats=self.repeats_spin.value(),
            threads=self.threads_spin.value(),
        )

    # -- runs --------------------------------------------------------------------------------
    def run(self) -> int | None:
        """Start a measurement with the controls' settings; its run id (None if refused)."""
        config = self._checked_config()
        if config is None:
            return None
        self.run_started.emit()
        self._begin(config)
        self.show_message(
            f"Measuring at m = {config.m:,}, n = {config.n:,} … the window stays usable; "
            "Cancel stops at the next update.",
            "info",
        )
        return self.run_id

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.small_button.setEnabled(not running)
        self.textbook_button.setEnabled(not running)

    def _report_shown(self, report: ToCostReport) -> None:
        load = report.machine.get("other_load_cores")
        busy = load is not None and load > 0.25
        self.show_message(
            f"Measured in {format_seconds(report.elapsed_s)}."
            + (
                " Default batch size(s) "
                + ", ".join(f"{b:,}" for b in report.config.dropped_batch_sizes)
                + f" left out: not below m = {report.config.m:,}."
                if report.config.dropped_batch_sizes
                else ""
            )
            + (
                f" Other processes kept about {load:.1f} cores busy: the times are less reliable."
                if busy
                else ""
            ),
            "warning" if busy else "ok",
        )

    # -- drawing -----------------------------------------------------------------------------
    def show_report(self, report: ToCostReport) -> None:
        """Draw ``report``: the two charts, the table and the explanation."""
        self.seconds_chart.set_rows(report.rows)
        self.passes_chart.set_rows(report.rows)
        self.table.setRowCount(len(report.rows))
        for i, r in enumerate(report.rows):
            cells = (
                f"{r.target:g}",
                "batch GD" if r.method == "gd" else "SGD",
                f"{r.batch_size:,}",
                f"{r.alpha:.3g}" if r.reached and r.alpha is not None else "–",
                f"{r.updates:,}" if r.reached and r.updates is not None else "–",
                format_passes(r.passes) if r.reached else "–",
                "each" if r.check_every == 1 else f"{r.check_every:,}",
                format_seconds(r.seconds_median) if r.reached else "–",
                _per_pass(r),
                "yes" if r.reached else "no" + (f" ({r.tried[-1]['outcome']})" if r.tried else ""),
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == len(cells) - 1 and not r.reached:
                    item.setToolTip(r.reason)
                if 2 <= j <= 8:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, j, item)
        self.why.setHtml(explain_html(report))

    def table_rows(self) -> list[list[str]]:
        """The table's text, row by row (tests and exports read it)."""
        return [
            [self.table.item(i, j).text() for j in range(self.table.columnCount())]
            for i in range(self.table.rowCount())
        ]


def _per_pass(r: ToCostRow) -> str:
    if not r.seconds_per_pass:
        return "–"
    text = format_seconds(r.seconds_per_pass)
    return text if r.per_pass_passes == 1 else f"{text} (×{r.per_pass_passes:,})"


def _spin(limit: limits.BenchLimit, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(limit.low, limit.high)
    spin.setValue(value)
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(f"{limit.help} ({limit.range_text})")
    return spin
