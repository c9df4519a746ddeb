"""The Timing tab's bar charts: seconds per step (log scale, speed-ups written on the bars)
and each implementation's share of the measured memory read bandwidth."""

from __future__ import annotations

import html
import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QWidget

from core.timing.bench import BenchResult
from gui_app.timing.bar_chart import LogBarChart
from gui_app.timing.chart_style import (
    IMPL_COLORS,
    SKIPPED_COLOR,
    TITLE_SIZE,
    BarText,
    format_seconds,
    format_speedup,
    place_bar_texts,
    place_caption,
    row_label,
    short_reason,
    style_plot,
    text_item,
)

BANDWIDTH_CAP_PCT = 300.0
#: The 100% line's caption, longest first: the first that fits the chart is shown.
LIMIT_CAPTIONS = [
    f'<span style="color:#111; background-color:rgba(255,255,255,0.9)">&nbsp;{text}&nbsp;</span>'
    for text in ("← 100% = measured read bandwidth", "← 100% = read bandwidth", "← 100%")
]


class TimeBarsView(LogBarChart):
    """Seconds per step, one horizontal bar per implementation, log scale, speed-ups on bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            format_seconds,
            "Seconds per gradient-descent step",
            "seconds per step (log scale; shorter is faster)",
            '<span style="color:#555; font-size:12pt">Press <b>Run</b> '
            "to measure one GD step on this machine.</span>",
        )
        self.rows: list[BenchResult] = []

    def set_rows(self, rows: list[BenchResult], title: str) -> None:
        self._clear_texts()
        self.placeholder.setVisible(not rows)
        self.rows = rows
        self.plot_item.setTitle(title, size=TITLE_SIZE, color="#111")
        # pyqtgraph gives the title one 30-px row: three lines need their own height
        label = self.plot_item.titleLabel
        height = max(30, math.ceil(label.item.boundingRect().height()))
        label.setMaximumHeight(height)
        self.plot_item.layout.setRowFixedHeight(0, height)
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
                reason = html.escape(short_reason(r.reason or "not measured"))
                item = text_item(
                    f'<span style="color:#777"><i>skipped: {reason}</i></span>', (0, 0.5)
                )
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
        place_bar_texts(self.plot_item, self.placed)

    def _bar_text(
        self, r: BenchResult, lo: float, end: float, y: float, span: float
    ) -> pg.TextItem:
        parts = [f"<b>{format_seconds(r.seconds_median)}</b>"]
        if r.impl == "loop":
            parts.append("the baseline (1x)")
        elif r.speedup_vs_loop is not None:
            parts.append(f"<b>{format_speedup(r.speedup_vs_loop)} vs loop</b>")
        cpu_vectorised = r.impl == "vectorised" and r.device == "cpu"
        if r.speedup_vs_vectorised is not None and r.impl != "loop" and not cpu_vectorised:
            parts.append(f"{format_speedup(r.speedup_vs_vectorised)} vs vectorised")
        if r.estimated:
            parts.append(f"<u>{html.escape(r.label)}</u>")
        if r.verified is False:
            parts.append("<b>result differs!</b>")
        optional = [] if r.estimated or r.verified is False else parts[2:]
        essential = [p for p in parts if p not in optional]
        item = text_item("", (0, 0.5))
        colour = "#111" if r.estimated else "#fff"
        bg = "background-color:rgba(255,255,255,0.85);" if r.estimated else ""
        self.addItem(item)
        self.placed.append(
            BarText(
                item,
                lo,
                end,
                y,
                [" · ".join(parts), " · ".join(essential)],
                inside_style=f"color:{colour};{bg}",
            )
        )
        return item


BANDWIDTH_TITLE = "Memory bandwidth used"
#: Under the title when a bar passes 100%: why a step can beat the measured bandwidth.
CACHE_NOTE = (
    "<span style='font-size:9pt; color:#444'>above 100%: the data fits in cache,"
    "<br>which is faster than main memory</span>"
)


class BandwidthView(pg.PlotWidget):
    """Each implementation's GB/s as a fraction of the measured memory read bandwidth."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_item = self.getPlotItem()
        style_plot(self.plot_item, BANDWIDTH_TITLE, "% of measured read bandwidth", "")
        # The title spans the axis column too: long bar names ("vectorised · 2 threads")
        # widen the left axis, and the two-line title centred over the data area alone
        # would run past the right edge of a narrow chart.
        layout = self.plot_item.layout
        layout.removeItem(self.plot_item.titleLabel)
        layout.addItem(self.plot_item.titleLabel, 0, 0, 1, 3)
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.plot_item.showGrid(x=True, y=False, alpha=0.25)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.62, brush="w", pen="w")
        self.addItem(self.bars)
        self.limit = pg.InfiniteLine(
            100, angle=90, pen=pg.mkPen("#222", width=2, style=Qt.PenStyle.DashLine)
        )
        # The line's caption sits in a strip above the top bar, where no bar text can be.
        self.limit_text = text_item(LIMIT_CAPTIONS[0], (0, 0))
        self.addItem(self.limit_text)
        self.addItem(self.limit)
        self.texts: list[pg.TextItem] = []
        self.placed: list[BarText] = []
        self.cached = False
        self.plot_item.vb.sigResized.connect(self._place)
        self.plot_item.setXRange(0, 120)
        self.getAxis("left").setTicks([[]])

    def set_rows(self, rows: list[BenchResult]) -> None:
        for item in self.texts:
            self.removeItem(item)
        self.texts = []
        self.placed = []
        rows = [r for r in rows if not r.skipped and r.bandwidth_fraction is not None]
        count = len(rows)
        pcts = [100.0 * r.bandwidth_fraction for r in rows]
        # Cached data can reach many times the memory bandwidth: cap the axis so that the
        # 100% line stays in view; longer bars are cut at the cap and say so.
        cap = max(100.0, min(max(pcts, default=100.0), BANDWIDTH_CAP_PCT))
        self.cached = any(p > 100.0 for p in pcts)  # then the title says why
        title = BANDWIDTH_TITLE + ("<br>" + CACHE_NOTE if self.cached else "")
        self.plot_item.setTitle(title, size=TITLE_SIZE, color="#111")
        # pyqtgraph gives the title one 30-px row: three lines need their own height
        label = self.plot_item.titleLabel
        height = max(30, math.ceil(label.item.boundingRect().height()))
        label.setMaximumHeight(height)
        self.plot_item.layout.setRowFixedHeight(0, height)
        ticks, ys, widths, brushes = [], [], [], []
        for i, r in enumerate(rows):
            y = count - 1 - i
            ticks.append((y, row_label(r)))
            ys.append(y)
            widths.append(min(pcts[i], cap))
            color = QColor(IMPL_COLORS.get(r.impl, "#444"))
            brushes.append(
                QBrush(color, Qt.BrushStyle.BDiagPattern) if r.estimated else QBrush(color)
            )
        for i, r in enumerate(rows):
            pct = pcts[i]
            note = " (from cache)" if pct > 100 else ""
            arrow = " →" if pct > cap else ""
            full = f"{r.gbps:.3g} GB/s = <b>{pct:.0f}%</b>{note}{arrow}"
            item = text_item("", (0, 0.5))
            self.addItem(item)
            self.texts.append(item)
            self.placed.append(
                BarText(
                    item,
                    0.0,
                    widths[i],
                    ys[i],
                    [full, f"<b>{pct:.0f}%</b>{arrow}"],
                    inside_style="color:#111; background-color:rgba(255,255,255,0.85)",
                    # the 100% line may run behind it
                    outside_style="color:#111; background-color:rgba(255,255,255,0.85)",
                )
            )
        self.bars.setVisible(bool(count))
        if count:
            self.bars.setOpts(
                x0=[0.0] * count,
                y=ys,
                width=widths,
                brushes=brushes,
                pens=[pg.mkPen(b.color()) for b in brushes],
            )
        self.getAxis("left").setTicks([ticks])
        self.plot_item.setXRange(0, cap * 1.5, padding=0)
        # the caption hangs from the top edge, in a strip above the top bar
        self.limit_text.setPos(100, count + 0.6)
        self.plot_item.setYRange(-0.6, count + 0.6, padding=0)
        self._place()

    def _place(self, *_args: object) -> None:
        """Fit the bar texts and the 100% caption to the chart's current width in pixels."""
        place_bar_texts(self.plot_item, self.placed)
        place_caption(self.plot_item, self.limit_text, LIMIT_CAPTIONS)
