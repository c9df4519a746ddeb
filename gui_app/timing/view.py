"""The Timing tab: one GD step measured six ways on this machine, and why the times differ.

The benchmark is :func:`core.timing.bench.run_benchmark`, run by :class:`BenchWorker` off the GUI
thread; this module only builds the controls, draws the report and exports it. Charts:

- seconds per step per implementation, horizontal bars on a log scale, the speed-up written
  on each bar (estimated rows hatched and labelled, skipped rows greyed with their reason);
- a scaling sweep (time against m or n, log–log, fitted slope in the legend);
- each implementation's GB/s as a fraction of the memory read bandwidth measured in the run.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPen
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
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.timing.bench import (
    BARE,
    DTYPES,
    IMPLS,
    WHY,
    BenchConfig,
    BenchReport,
    BenchResult,
    blas_info,
    cpu_count,
    sweep_slopes,
)
from gui_app.timing.bench_worker import BenchWorker

#: Named size presets a lesson (or the button) can apply.
PRESETS: dict[str, dict] = {
    "textbook": {"m": 100_000, "n": 1_000, "dtype": "float64"},
    "small": {"m": 20_000, "n": 500, "dtype": "float64"},
}
IMPL_COLORS = {"loop": "#d62728", "compiled-loop": "#ff7f0e", "numpy": "#1f77b4",
               "fused": "#2ca02c", "gram": "#9467bd", "cupy": "#17becf", BARE: "#7f7f7f"}
SKIPPED_COLOR = "#9a9a9a"
TITLE_SIZE = "12pt"
LABEL_STYLE = {"font-size": "11pt", "color": "#222"}
TICK_FONT = QFont()
TICK_FONT.setPointSize(10)
BAR_FONT = QFont()
BAR_FONT.setPointSize(10)
MESSAGE_STYLES = {
    "info": "background:#eef3fb; color:#123; border:1px solid #b8c8e0;",
    "ok": "background:#e9f6ea; color:#143d17; border:1px solid #9fd0a3;",
    "warning": "background:#fff6e0; color:#4a3500; border:1px solid #e6c36a;",
    "error": "background:#fdecec; color:#6a0000; border:1px solid #e09a9a;",
}
BANDWIDTH_CAP_PCT = 300.0
CSV_FIELDS = [f.name for f in dataclasses.fields(BenchResult)]


# -- formatting -------------------------------------------------------------------------------

def format_seconds(s: float | None) -> str:
    """A duration with a unit a reader takes in at a glance (µs, ms, s)."""
    if s is None or not math.isfinite(s):
        return "–"
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.3g} µs"
    return f"{s * 1e9:.3g} ns"


def format_speedup(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    if v >= 100:
        return f"{v:,.0f}x"
    return f"{v:.2g}x" if v < 10 else f"{v:.0f}x"


def format_count(v: float) -> str:
    """1,000 → "1,000"; 1e6 → "1M": tick labels for sizes."""
    if v >= 1e6 and v % 1e6 == 0:
        return f"{v / 1e6:,.0f}M"
    return f"{v:,.0f}"


def row_label(r: BenchResult) -> str:
    """The bar's name: implementation and where it ran."""
    if r.device == "gpu":
        where = f"GPU, {r.dtype}"
    else:
        where = f"{r.threads} thread{'s' if r.threads != 1 else ''}"
    return f"{r.impl} · {where}"


def _sort_key(r: BenchResult) -> tuple:
    return (IMPLS.index(r.impl) if r.impl in IMPLS else len(IMPLS), r.device, r.dtype,
            r.threads)


def _short_reason(reason: str, limit: int = 70) -> str:
    first = reason.split(". ")[0].rstrip(".")
    return first if len(first) <= limit else first[: limit - 1] + "…"


class LogAxis(pg.AxisItem):
    """An axis over log10 values whose labels are the values themselves, with units.

    Majors at whole decades (and at 2 and 5 when fewer than two decades show), unlabelled
    minors at 2…9: a log scale a reader can use without doing powers of ten.
    """

    def __init__(self, orientation: str, formatter: Callable[[float], str]) -> None:
        super().__init__(orientation)
        self.formatter = formatter

    def tickValues(self, minVal, maxVal, size):  # pyqtgraph names it
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return []
        lo, hi = math.floor(minVal), math.ceil(maxVal)
        if hi - lo > 40:
            return super().tickValues(minVal, maxVal, size)
        decades = [float(d) for d in range(lo, hi + 1) if minVal <= d <= maxVal]
        minors = [d + math.log10(k) for d in range(lo, hi + 1) for k in range(2, 10)
                  if minVal <= d + math.log10(k) <= maxVal]
        if len(decades) < 2:
            extra = [d + math.log10(k) for d in range(lo, hi + 1) for k in (2, 5)
                     if minVal <= d + math.log10(k) <= maxVal]
            decades = sorted(decades + extra)
            minors = [v for v in minors if v not in extra]
        return [(1.0, decades), (0.1, minors)]

    def tickStrings(self, values, scale, spacing):  # pyqtgraph names it
        if spacing < 1.0:
            return [""] * len(values)
        return [self.formatter(10.0 ** v) for v in values]


def _style(plot: pg.PlotItem, title: str, bottom: str, left: str) -> None:
    plot.setTitle(title, size=TITLE_SIZE, color="#111")
    plot.setLabel("bottom", bottom, **LABEL_STYLE)
    if left:
        plot.setLabel("left", left, **LABEL_STYLE)
    for name in ("bottom", "left"):
        axis = plot.getAxis(name)
        axis.setTickFont(TICK_FONT)
        axis.setTextPen("#222")
        axis.setPen("#444")
    plot.setMenuEnabled(False)
    plot.hideButtons()


def _text(html_text: str, anchor: tuple[float, float]) -> pg.TextItem:
    item = pg.TextItem(html=html_text, anchor=anchor)
    item.setFont(BAR_FONT)
    return item


# -- charts -----------------------------------------------------------------------------------

class TimeBarsView(pg.PlotWidget):
    """Seconds per step, one horizontal bar per implementation, log scale, speed-ups on bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": LogAxis("bottom", format_seconds)})
        self.plot_item = self.getPlotItem()
        _style(self.plot_item, "Seconds per gradient-descent step",
               "seconds per step (log scale; shorter is faster)", "")
        self.plot_item.showGrid(x=True, y=False, alpha=0.25)
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.62, brush="w", pen="w")
        self.addItem(self.bars)
        self.texts: list[pg.TextItem] = []
        self.rows: list[BenchResult] = []
        self.labels: list[str] = []
        self.placeholder = _text('<span style="color:#555; font-size:12pt">Press <b>Run</b> '
                                 'to measure one GD step on this machine.</span>', (0.5, 0.5))
        self.addItem(self.placeholder)
        self.placeholder.setPos(0, 0)
        self.plot_item.setXRange(-1, 1)
        self.plot_item.setYRange(-1, 1)
        self.getAxis("left").setTicks([[]])

    def set_rows(self, rows: list[BenchResult], title: str) -> None:
        for item in self.texts:
            self.removeItem(item)
        self.texts = []
        self.placeholder.setVisible(not rows)
        self.rows = rows
        self.plot_item.setTitle(title, size=TITLE_SIZE, color="#111")
        timed = [r.seconds_median for r in rows if not r.skipped and r.seconds_median]
        if not timed:
            self.bars.setVisible(False)
            self.getAxis("left").setTicks([[]])
            return
        lo = math.floor(math.log10(min(timed))) - 0.15
        hi = math.log10(max(timed))
        span = max(hi - lo, 1.0)
        right = hi + 0.04 * span
        count = len(rows)
        ys, widths, brushes, pens, ticks = [], [], [], [], []
        self.labels = []
        for i, r in enumerate(rows):
            y = count - 1 - i  # the first row at the top
            label = row_label(r) + (" (skipped)" if r.skipped else "")
            self.labels.append(label)
            ticks.append((y, label))
            color = QColor(SKIPPED_COLOR if r.skipped else IMPL_COLORS.get(r.impl, "#444"))
            if r.skipped or not r.seconds_median:
                ys.append(y)
                widths.append(0.0)
                brushes.append(QBrush(color))
                pens.append(QPen(Qt.PenStyle.NoPen))
                reason = html.escape(_short_reason(r.reason or "not measured"))
                item = _text(f'<span style="color:#777"><i>skipped: {reason}</i></span>',
                             (0, 0.5))
                item.setPos(lo, y)
                self.addItem(item)
                self.texts.append(item)
                continue
            end = math.log10(r.seconds_median)
            ys.append(y)
            widths.append(end - lo)
            brush = QBrush(color, Qt.BrushStyle.BDiagPattern) if r.estimated else QBrush(color)
            brushes.append(brush)
            pens.append(pg.mkPen(color, width=1.5 if r.estimated else 1))
            self.texts.append(self._bar_text(r, lo, end, y, span))
        self.bars.setOpts(x0=[lo] * count, y=ys, width=widths, brushes=brushes, pens=pens)
        self.bars.setVisible(True)
        self.getAxis("left").setTicks([ticks])
        self.plot_item.setXRange(lo, right, padding=0)
        self.plot_item.setYRange(-0.6, count - 0.4, padding=0)

    def _bar_text(self, r: BenchResult, lo: float, end: float, y: float,
                  span: float) -> pg.TextItem:
        parts = [f"<b>{format_seconds(r.seconds_median)}</b>"]
        if r.impl == "loop":
            parts.append("the baseline (1x)")
        elif r.speedup_vs_loop is not None:
            parts.append(f"<b>{format_speedup(r.speedup_vs_loop)} vs loop</b>")
        if r.speedup_vs_numpy is not None and r.impl not in ("numpy", "loop"):
            parts.append(f"{format_speedup(r.speedup_vs_numpy)} vs numpy")
        if r.estimated:
            parts.append(f"<u>{html.escape(r.label)}</u>")
        if r.verified is False:
            parts.append("<b>result differs!</b>")
        body = " · ".join(parts)
        inside = (end - lo) > 0.55 * span  # long bars carry their text inside, in white
        if inside:
            colour = "#111" if r.estimated else "#fff"
            bg = "background-color:rgba(255,255,255,0.85);" if r.estimated else ""
            item = _text(f'<span style="color:{colour};{bg}">&nbsp;{body}&nbsp;</span>', (1, 0.5))
            item.setPos(end - 0.01 * span, y)
        else:
            item = _text(f'<span style="color:#111">{body}</span>', (0, 0.5))
            item.setPos(end + 0.01 * span, y)
        self.addItem(item)
        return item

    def bar_texts(self) -> list[str]:
        """The text written on each bar, top to bottom (plain text)."""
        return [t.textItem.toPlainText() for t in self.texts]


class BandwidthView(pg.PlotWidget):
    """Each implementation's GB/s as a fraction of the measured memory read bandwidth."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_item = self.getPlotItem()
        _style(self.plot_item, "Memory bandwidth used",
               "bytes read per second ÷ measured read bandwidth (%)", "")
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.plot_item.showGrid(x=True, y=False, alpha=0.25)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.62, brush="w", pen="w")
        self.addItem(self.bars)
        self.limit = pg.InfiniteLine(100, angle=90, pen=pg.mkPen("#222", width=2,
                                                                style=Qt.PenStyle.DashLine))
        # The line's caption sits in a strip above the top bar, where no bar text can be.
        self.limit_text = _text('<span style="color:#111; background-color:rgba(255,255,255,'
                                '0.9)">&nbsp;← 100% = measured memory read bandwidth&nbsp;</span>',
                                (0, 0.5))
        self.addItem(self.limit_text)
        self.addItem(self.limit)
        self.texts: list[pg.TextItem] = []
        self.plot_item.setXRange(0, 120)
        self.getAxis("left").setTicks([[]])

    def set_rows(self, rows: list[BenchResult]) -> None:
        for item in self.texts:
            self.removeItem(item)
        self.texts = []
        rows = [r for r in rows if not r.skipped and r.bandwidth_fraction is not None]
        count = len(rows)
        pcts = [100.0 * r.bandwidth_fraction for r in rows]
        # Cached data can reach many times the memory bandwidth: cap the axis so that the
        # 100% line stays in view; longer bars are cut at the cap and say so.
        cap = max(100.0, min(max(pcts, default=100.0), BANDWIDTH_CAP_PCT))
        ticks, ys, widths, brushes = [], [], [], []
        for i, r in enumerate(rows):
            y = count - 1 - i
            ticks.append((y, row_label(r)))
            ys.append(y)
            widths.append(min(pcts[i], cap))
            color = QColor(IMPL_COLORS.get(r.impl, "#444"))
            brushes.append(QBrush(color, Qt.BrushStyle.BDiagPattern) if r.estimated
                           else QBrush(color))
        for i, r in enumerate(rows):
            pct = pcts[i]
            note = " (from cache)" if pct > 100 else ""
            body = f"{r.gbps:.3g} GB/s = <b>{pct:.0f}%</b>{note}"
            if widths[i] >= 0.6 * cap:  # long bars carry their text inside (no clipping)
                arrow = " →" if pct > cap else ""
                item = _text(f'<span style="color:#111; background-color:rgba(255,255,255,0.85)'
                             f'">&nbsp;{body}{arrow}&nbsp;</span>', (1, 0.5))
                item.setPos(widths[i], ys[i])
            else:
                item = _text(f'<span style="color:#111">{body}</span>', (0, 0.5))
                item.setPos(pct + 0.01 * cap, ys[i])
            self.addItem(item)
            self.texts.append(item)
        self.bars.setVisible(bool(count))
        if count:
            self.bars.setOpts(x0=[0.0] * count, y=ys, width=widths, brushes=brushes,
                              pens=[pg.mkPen(b.color()) for b in brushes])
        self.getAxis("left").setTicks([ticks])
        self.plot_item.setXRange(0, cap * 1.5, padding=0)
        self.limit_text.setPos(100, count - 0.05)
        self.plot_item.setYRange(-0.6, count + 0.3, padding=0)


class ScalingView(QWidget):
    """Time per step against the swept size, log–log, with the fitted slopes in a legend.

    The legend is a label under the plot, not on it: with up to ten series it would hide
    the curves it names.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"bottom": LogAxis("bottom", format_count),
                                             "left": LogAxis("left", format_seconds)})
        self.plot_item = self.plot.getPlotItem()
        _style(self.plot_item, "Scaling: time per step vs size (log–log)", "size",
               "seconds per step")
        self.plot_item.showGrid(x=True, y=True, alpha=0.2)
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setStyleSheet("background:white; padding:2px 8px; font-size:10pt;")
        self.legend.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        self.curves: list[pg.PlotDataItem] = []
        self.slopes: dict[str, float] = {}
        self.placeholder = _text('<span style="color:#555; font-size:11pt">Choose <b>Sweep: '
                                 'm</b> or <b>n</b> and Run:<br>a slope of 1 means time grows '
                                 'in proportion to the size.</span>', (0.5, 0.5))
        self.plot_item.addItem(self.placeholder)
        self.placeholder.setPos(3.5, -2.5)
        self.plot_item.setXRange(2, 5, padding=0)  # 100 … 100,000
        self.plot_item.setYRange(-5, 0, padding=0)  # 10 µs … 1 s

    def set_report(self, report: BenchReport | None) -> None:
        for curve in self.curves:
            self.plot_item.removeItem(curve)
        self.legend.clear()
        self.legend.setVisible(False)
        entries: list[str] = []
        self.curves = []
        self.slopes = {}
        axis = report.config.sweep if report is not None else None
        self.placeholder.setVisible(axis is None)
        if axis is None:
            return
        self.plot_item.setLabel("bottom", "m (examples)" if axis == "m" else "n (features)",
                                **LABEL_STYLE)
        slopes = sweep_slopes(report)
        series: dict[str, list[BenchResult]] = {}
        for r in sorted(report.results, key=_sort_key):
            if r.skipped or not r.seconds_median or r.impl == BARE:
                continue
            key = f"{r.impl} ({'GPU' if r.device == 'gpu' else r.threads}, {r.dtype})"
            series.setdefault(key, []).append(r)
        xs_all, ys_all = [], []
        for key, rows in series.items():
            rows.sort(key=lambda r: getattr(r, axis))
            x = np.log10([getattr(r, axis) for r in rows])
            y = np.log10([r.seconds_median for r in rows])
            xs_all.extend(x)
            ys_all.extend(y)
            first = rows[0]
            color = IMPL_COLORS.get(first.impl, "#444")
            dashed = first.threads > 1 and first.device == "cpu"
            pen = pg.mkPen(color, width=2,
                           style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
            slope = slopes.get(key)
            self.slopes[row_label(first)] = slope
            name = html.escape(row_label(first))
            name += f": slope <b>{slope:.2f}</b>" if slope is not None else ""
            estimated = any(r.estimated for r in rows)
            if estimated:
                name += " (estimated)"
            swatch = "╍╍" if dashed else "━━"
            entries.append(f'<span style="color:{color}; font-weight:bold">{swatch}</span>'
                           f"&nbsp;{name}")
            curve = pg.PlotDataItem(x, y, pen=pen, symbol="o", symbolSize=7,
                                    symbolBrush=None if estimated else color, symbolPen=color)
            self.plot_item.addItem(curve)
            self.curves.append(curve)
        if entries:
            half = (len(entries) + 1) // 2
            cells = ["<tr><td>" + entries[i] + "</td><td>&nbsp;&nbsp;&nbsp;"
                     + (entries[i + half] if i + half < len(entries) else "") + "</td></tr>"
                     for i in range(half)]
            self.legend.setText("<table cellspacing='0'>" + "".join(cells) + "</table>")
            self.legend.setVisible(True)
        if xs_all:
            self.plot_item.setXRange(min(xs_all), max(xs_all), padding=0.05)
            self.plot_item.setYRange(min(ys_all), max(ys_all), padding=0.08)


# -- the tab ----------------------------------------------------------------------------------

class TimingView(QWidget):
    """The Timing tab: controls, progress, the three charts, the why texts, the machine."""

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
        self.show_message("Measure one gradient-descent step (two matrix-vector products over "
                          "X) six ways on this machine. “Textbook case” sets 100,000 examples × "
                          "1,000 features; then press Run.", "info")

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        form = QFormLayout()
        self.m_spin = QSpinBox()
        self.m_spin.setRange(1, 2_000_000_000)
        self.m_spin.setGroupSeparatorShown(True)
        self.m_spin.setValue(20_000)
        self.m_spin.setToolTip("examples (rows of X)")
        self.n_spin = QSpinBox()
        self.n_spin.setRange(1, 100_000_000)
        self.n_spin.setGroupSeparatorShown(True)
        self.n_spin.setValue(500)
        self.n_spin.setToolTip("features (columns of X)")
        self.dtype_combo = QComboBox()
        self.dtype_combo.addItems(list(DTYPES))
        self.repeats_spin = QSpinBox()
        self.repeats_spin.setRange(1, 50)
        self.repeats_spin.setValue(5)
        self.repeats_spin.setToolTip("timed calls per implementation; the median is shown, "
                                     "min and max are in the exported rows")
        self.sweep_combo = QComboBox()
        self.sweep_combo.addItem("none (one size)", None)
        self.sweep_combo.addItem("m (examples)", "m")
        self.sweep_combo.addItem("n (features)", "n")
        self.points_spin = QSpinBox()
        self.points_spin.setRange(2, 12)
        self.points_spin.setValue(5)
        self.points_spin.setToolTip("sizes of the sweep, log-spaced up to m or n")
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

        self.textbook_button = QPushButton("Textbook case (100,000 × 1,000)")
        self.textbook_button.setToolTip("m = 100,000 examples, n = 1,000 features, float64: "
                                        "about 20 s on a 2-core laptop (the loop is timed on "
                                        "a subsample and extrapolated)")
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
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(top)
        charts.addWidget(bottom)
        charts.setSizes([540, 420])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(scroll)
        main.addWidget(charts)
        main.setStretchFactor(1, 1)
        main.setSizes([400, 1200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(main)

    def _connect(self) -> None:
        self.textbook_button.clicked.connect(lambda: self.apply_preset("textbook"))
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_csv_button.clicked.connect(lambda: self._export_dialog("csv"))
        self.export_json_button.clicked.connect(lambda: self._export_dialog("json"))
        w = self.worker
        w.progress.connect(self._on_progress)
        w.finished.connect(self._on_finished)
        w.cancelled.connect(self._on_cancelled)
        w.failed.connect(self._on_failed)

    # -- messages ------------------------------------------------------------------------------
    def show_message(self, text: str, kind: str = "info") -> None:
        """Show ``text`` above the charts' controls (never a blocking dialog)."""
        if kind != self.message_kind:
            self.message.setStyleSheet(MESSAGE_STYLES[kind] + " padding:6px;")
            self.message_kind = kind
        self.message.setText(html.escape(text, quote=False).replace("\n", "<br>"))
        self.message_shown.emit(text, kind)

    # -- controls ------------------------------------------------------------------------------
    def apply_preset(self, name: str) -> None:
        """Set the sizes of a named preset (``PRESETS``); does not start a run."""
        if name not in PRESETS:
            raise ValueError(f"unknown timing preset {name!r}; choose one of "
                             f"{', '.join(PRESETS)}")
        p = PRESETS[name]
        self.m_spin.setValue(p["m"])
        self.n_spin.setValue(p["n"])
        self.dtype_combo.setCurrentText(p["dtype"])
        if not self.running:
            self.show_message(f"{name.capitalize()} case: m = {p['m']:,} examples, n = "
                              f"{p['n']:,} features, {p['dtype']}. Press Run.", "info")

    def selected_impls(self) -> tuple[str, ...]:
        return tuple(i for i in IMPLS if self.impl_checks[i].isChecked())

    def set_impls(self, impls) -> None:
        for impl, box in self.impl_checks.items():
            box.setChecked(impl in impls)

    def config(self) -> BenchConfig:
        """The BenchConfig the controls describe (plus ``config_overrides``)."""
        return BenchConfig(m=self.m_spin.value(), n=self.n_spin.value(),
                           dtype=self.dtype_combo.currentText(), impls=self.selected_impls(),
                           repeats=self.repeats_spin.value(),
                           sweep=self.sweep_combo.currentData(),
                           points=self.points_spin.value(), **self.config_overrides)

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
        try:
            config = self.config()
            config.validate()
        except (InputError, TypeError, ValueError) as exc:
            self.show_message(f"Cannot run: {exc}", "error")
            return None
        self.run_id = self.worker.submit(config)
        self.running = True
        self._set_running(True)
        self.progress_bar.setValue(0)
        self.progress_label.setText("starting…")
        self.run_started.emit()
        size = f"m = {config.m:,}, n = {config.n:,}, {config.dtype}"
        if config.sweep:
            size += f", sweep over {config.sweep} ({config.points} sizes)"
        self.show_message(f"Measuring {', '.join(config.impls)} at {size} … The GUI stays "
                          "usable; Cancel stops at the next timed call.", "info")
        return self.run_id

    def cancel(self) -> None:
        if self.running:
            self.progress_label.setText("cancelling…")
        self.worker.cancel()

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.textbook_button.setEnabled(not running)
        has = self.report is not None and not running
        self.export_csv_button.setEnabled(has)
        self.export_json_button.setEnabled(has)

    def _on_progress(self, run_id: int, fraction: float, text: str) -> None:
        if run_id != self.run_id or not self.running:
            return
        self.progress_bar.setValue(round(1000 * fraction))
        self.progress_label.setText(text)

    def _end(self, outcome: str) -> None:
        self.running = False
        self._set_running(False)
        self.run_ended.emit(outcome)

    def _on_finished(self, run_id: int, report: BenchReport) -> None:
        if run_id != self.run_id:
            return
        self.report = report
        self.progress_bar.setValue(1000)
        self.progress_label.setText(f"done in {report.elapsed_s:.1f} s")
        self.show_report(report)
        self._end("finished")
        self.report_ready.emit(report)

    def _on_cancelled(self, run_id: int) -> None:
        if run_id != self.run_id:
            return
        self.progress_label.setText("cancelled")
        self._end("cancelled")
        self.show_message("Benchmark cancelled. Nothing was recorded; the charts show the "
                          "previous results, if any. Change the sizes or press Run again.",
                          "warning")

    def _on_failed(self, run_id: int, message: str) -> None:
        if run_id != self.run_id:
            return
        self.progress_label.setText("stopped")
        self.progress_bar.setValue(0)
        self._end("failed")
        self.show_message(message, "error")

    def shutdown(self) -> None:
        """Cancel and join the benchmark thread (the window calls this when it closes)."""
        self.running = False
        self.worker.shutdown()

    # -- drawing -------------------------------------------------------------------------------
    def bar_rows(self, report: BenchReport) -> list[BenchResult]:
        """Rows of the bar charts: the largest size, without the bare reference line."""
        rows = [r for r in report.results if r.impl != BARE]
        done = [r for r in rows if not r.skipped]
        if done:
            m, n = max((r.m, r.n) for r in done)
            rows = [r for r in rows if (r.m, r.n) == (m, n)]
        return sorted(rows, key=_sort_key)

    def show_report(self, report: BenchReport) -> None:
        rows = self.bar_rows(report)
        m, n = (rows[0].m, rows[0].n) if rows else (report.config.m, report.config.n)
        self.time_bars.set_rows(rows, f"Seconds per GD step, m = {m:,}, n = {n:,}, "
                                f"{report.config.dtype}")
        self.bandwidth.set_rows(rows)
        self.scaling.set_report(report)
        self._show_why(report)
        self._show_machine(report)
        text, kind = self._summary_text(report)
        self.show_message(text, kind)

    def _summary_text(self, report: BenchReport) -> tuple[str, str]:
        s = report.summary
        rows = self.bar_rows(report)
        lines = [f"Done in {report.elapsed_s:.0f} s."]
        best = {}
        for r in rows:
            if r.seconds_median and (r.impl not in best
                                     or r.seconds_median < best[r.impl].seconds_median):
                best[r.impl] = r
        if "numpy" in best and best["numpy"].speedup_vs_loop:
            t = best["numpy"].threads
            lines.append(f"NumPy on {t} thread{'s' if t != 1 else ''} is "
                         f"{format_speedup(best['numpy'].speedup_vs_loop)} faster than the "
                         "Python loop.")
        for impl in ("fused", "gram"):
            r = best.get(impl)
            if r is not None and r.speedup_vs_numpy:
                extra = ""
                if impl == "gram" and r.break_even_iterations:
                    extra = f" per step (pays off after {r.break_even_iterations:,} steps)"
                lines.append(f"{impl} runs at {format_speedup(r.speedup_vs_numpy)} numpy's "
                             f"speed{extra}.")
        kind = "ok"
        if not s.get("all_verified", True):
            lines.append("Warning: an implementation's step differs from the vectorised one; "
                         "see the exported rows.")
            kind = "warning"
        busy = report.machine.get("other_load_cores")
        if busy is not None and busy > 0.25:
            lines.append(f"Warning: other processes kept about {busy:.1f} of "
                         f"{report.machine.get('cores')} cores busy: timings less reliable.")
            kind = "warning"
        return " ".join(lines), kind

    def _show_why(self, report: BenchReport | None) -> None:
        parts = ['<p style="margin-top:0"><b>Where the time goes</b> — one step is '
                 "e = Xw + b − y, then ∇w = Xᵀe / m: 2·m·n multiply-adds, X read twice.</p>"]
        rows = self.bar_rows(report) if report is not None else []
        for impl in IMPLS:
            color = IMPL_COLORS[impl]
            facts = []
            for r in rows:
                if r.impl != impl:
                    continue
                if r.skipped:
                    facts.append(f"skipped: {html.escape(r.reason)}")
                    continue
                fact = f"{row_label(r).split(' · ')[1]}: {format_seconds(r.seconds_median)}"
                if r.gflops:
                    fact += f", {r.gflops:.3g} GFLOP/s"
                if r.estimated:
                    fact += f" ({html.escape(r.label)})"
                if impl == "gram" and r.precompute_seconds is not None:
                    fact += f"; precompute {format_seconds(r.precompute_seconds)}"
                    if r.break_even_iterations:
                        fact += f", break-even after {r.break_even_iterations:,} steps"
                if r.compile_seconds is not None and impl in ("compiled-loop", "fused", "cupy"):
                    fact += f"; {'first call' if impl == 'cupy' else 'compile/load'} " \
                            f"{format_seconds(r.compile_seconds)} (not counted)"
                if r.transfer_seconds is not None:
                    fact += f"; copy to GPU {format_seconds(r.transfer_seconds)} (not counted)"
                facts.append(fact)
            measured = ("<br><span style='color:#333'>" + "<br>".join(facts) + "</span>"
                        if facts else "")
            parts.append(f'<p><b style="color:{color}">■ {impl}</b> — '
                         f"{html.escape(WHY[impl])}{measured}</p>")
        if report is not None and report.summary.get("numpy_over_bare"):
            ratios = [f"{v:.2f}x" for v in report.summary["numpy_over_bare"].values() if v]
            if ratios:
                parts.append("<p style='color:#555'>Check: the app's numpy step takes "
                             f"{' / '.join(ratios)} the time of the bare line "
                             "X.T @ (X @ w + b − y) / m.</p>")
        self.why.setHtml("".join(parts))

    def _show_machine(self, report: BenchReport | None) -> None:
        if report is None:
            blas = blas_info()
            lines = [f"<b>CPU</b>: {cpu_count()} cores",
                     f"<b>BLAS</b>: {html.escape(str(blas.get('library')))} "
                     f"{html.escape(str(blas.get('version') or ''))}, "
                     f"{blas.get('threads') or '?'} threads",
                     "<b>Memory bandwidth</b>: measured with each run",
                     f"<b>GPU</b>: {self._gpu_text}"]
            self.machine_label.setText("<br>".join(lines))
            return
        mc = report.machine
        blas = mc.get("blas", {})
        vm = " (virtual machine)" if mc.get("virtual_machine") else ""
        bw = mc.get("read_bandwidth_gbps", {})
        bw_text = ", ".join(f"{v:.1f} GB/s ({t} thread{'s' if t != '1' else ''})"
                            for t, v in bw.items()) or "not measured"
        numba = mc.get("numba", {})
        numba_text = (f"numba {html.escape(str(numba.get('version')))}, "
                      f"{numba.get('threads')} threads" if numba.get("available")
                      else html.escape(numba.get("reason", "not available")))
        gpu = mc.get("gpu", {})
        if gpu.get("available"):
            gbw = gpu.get("read_bandwidth_gbps")
            gpu_text = html.escape(gpu.get("name") or "GPU") + (
                f", read bandwidth {gbw:.0f} GB/s" if gbw else "")
        else:
            gpu_text = "none — " + html.escape(gpu.get("reason") or "not found")
        lines = [f"<b>CPU</b>: {html.escape(str(mc.get('cpu')))}, {mc.get('cores')} cores{vm}",
                 f"<b>BLAS</b>: {html.escape(str(blas.get('library')))} "
                 f"{html.escape(str(blas.get('version') or ''))}, "
                 f"{blas.get('threads') or '?'} threads",
                 f"<b>Compiler</b>: {numba_text}",
                 f"<b>Measured read bandwidth</b>: {bw_text}",
                 f"<b>GPU</b>: {gpu_text}"]
        busy = mc.get("other_load_cores")
        if busy is not None:
            lines.append(f"<b>Other load during the run</b>: {busy:.1f} cores")
        self.machine_label.setText("<br>".join(lines))

    # -- export --------------------------------------------------------------------------------
    def export_csv(self, path: str) -> None:
        """Write every result row (all BenchResult fields) to a CSV file."""
        if self.report is None:
            raise ValueError("no benchmark results to export yet")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            writer.writeheader()
            for r in self.report.results:
                row = dataclasses.asdict(r)
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})

    def export_json(self, path: str) -> None:
        """Write ``report.to_json()``, the object ``gd-explorer bench --json`` writes."""
        if self.report is None:
            raise ValueError("no benchmark results to export yet")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.report.to_json(), fh, indent=2)
            fh.write("\n")

    def export(self, path: str) -> None:
        """Export to ``path``, CSV or JSON by its extension; errors become messages."""
        try:
            if path.lower().endswith(".json"):
                self.export_json(path)
            else:
                self.export_csv(path)
        except (OSError, ValueError) as exc:
            self.show_message(f"Could not export to {path}: {exc}", "error")
            return
        self.show_message(f"Timing results written to {path}.", "ok")

    def _export_dialog(self, kind: str) -> None:
        filt = "CSV files (*.csv)" if kind == "csv" else "JSON files (*.json)"
        path, _ = QFileDialog.getSaveFileName(self, "Export timing results",
                                              f"timing.{kind}", filt)
        if path:
            if not path.lower().endswith(f".{kind}"):
                path += f".{kind}"
            self.export(path)
