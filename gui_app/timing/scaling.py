"""The Timing tab's scaling sweep: time per step against m or n, log–log, fitted slopes."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.timing.bench import TEXTBOOK_LINE, BenchReport, BenchResult, sweep_slopes
from gui_app.timing.chart_style import (
    IMPL_COLORS,
    LABEL_STYLE,
    LogAxis,
    format_count,
    format_seconds,
    row_label,
    sort_key,
    style_plot,
    text_item,
)


class ScalingView(QWidget):
    """Time per step against the swept size, log–log, with the fitted slopes in a legend.

    The legend is a label under the plot, not on it: with up to ten series it would hide
    the curves it names.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(
            axisItems={
                "bottom": LogAxis("bottom", format_count),
                "left": LogAxis("left", format_seconds),
            }
        )
        self.plot_item = self.plot.getPlotItem()
        style_plot(
            self.plot_item, "Scaling: time per step vs size (log–log)", "size", "seconds per step"
        )
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
        self.placeholder = text_item(
            '<p align="center" style="color:#555; font-size:11pt">Choose <b>Sweep: '
            "m</b> or <b>n</b> and Run: a slope of 1 means time grows "
            "in proportion to the size.</p>",
            (0.5, 0.5),
        )
        self.plot_item.addItem(self.placeholder)
        self.placeholder.setPos(3.5, -2.5)
        # it wraps inside the data area (a narrow chart at 1366 × 768 cut both ends)
        self.plot_item.vb.sigResized.connect(self._wrap_placeholder)
        self._wrap_placeholder()
        self.plot_item.setXRange(2, 5, padding=0)  # 100 … 100,000
        self.plot_item.setYRange(-5, 0, padding=0)  # 10 µs … 1 s

    def _wrap_placeholder(self, *_args: object) -> None:
        """Give the placeholder the data area's width, less a margin, to wrap in (px)."""
        width = max(self.plot_item.vb.width() - 24, 60)
        if self.placeholder.textItem.textWidth() != width:
            self.placeholder.setTextWidth(width)

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
        self.plot_item.setLabel(
            "bottom", "m (examples)" if axis == "m" else "n (features)", **LABEL_STYLE
        )
        slopes = sweep_slopes(report)
        series: dict[str, list[BenchResult]] = {}
        for r in sorted(report.results, key=sort_key):
            if r.skipped or not r.seconds_median or r.impl == TEXTBOOK_LINE:
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
            pen = pg.mkPen(
                color, width=2, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            )
            slope = slopes.get(key)
            self.slopes[row_label(first)] = slope
            name = html.escape(row_label(first))
            name += f": slope <b>{slope:.2f}</b>" if slope is not None else ""
            estimated = any(r.estimated for r in rows)
            if estimated:
                name += " (estimated)"
            swatch = "╍╍" if dashed else "━━"
            entries.append(
                f'<span style="color:{color}; font-weight:bold">{swatch}</span>&nbsp;{name}'
            )
            curve = pg.PlotDataItem(
                x,
                y,
                pen=pen,
                symbol="o",
                symbolSize=7,
                symbolBrush=None if estimated else color,
                symbolPen=color,
            )
            self.plot_item.addItem(curve)
            self.curves.append(curve)
        if entries:
            half = (len(entries) + 1) // 2
            cells = [
                "<tr><td>"
                + entries[i]
                + "</td><td>&nbsp;&nbsp;&nbsp;"
                + (entries[i + half] if i + half < len(entries) else "")
                + "</td></tr>"
                for i in range(half)
            ]
            self.legend.setText("<table cellspacing='0'>" + "".join(cells) + "</table>")
            self.legend.setVisible(True)
        if xs_all:
            self.plot_item.setXRange(min(xs_all), max(xs_all), padding=0.05)
            self.plot_item.setYRange(min(ys_all), max(ys_all), padding=0.08)
