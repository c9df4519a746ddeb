"""The "time to reach a cost" charts: wall time and passes over the data per method, one
horizontal bar per method and target (log scale), grey text where a method did not reach it."""

from __future__ import annotations

import math
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from core.timing.to_cost_results import ToCostRow
from gui_app.timing.bar_chart import LogBarChart
from gui_app.timing.chart_style import (
    TITLE_SIZE,
    BarText,
    format_seconds,
    text_item,
)

#: Batch GD, then the SGD batch sizes in order (Okabe-Ito, colour-blind safe).
GD_COLOR = "#0072B2"
SGD_COLORS = ("#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")


def format_passes(p: float | None) -> str:
    """Passes over the data: 0.0312, 0.25, 3, 12.5."""
    if p is None or not math.isfinite(p):
        return "–"
    return f"{p:.3g}"


def row_color(row: ToCostRow, batch_sizes: list[int]) -> str:
    """Batch GD's colour, or the colour of the row's batch size (the same in both charts)."""
    if row.method == "gd":
        return GD_COLOR
    k = batch_sizes.index(row.batch_size) if row.batch_size in batch_sizes else 0
    return SGD_COLORS[k % len(SGD_COLORS)]


def bar_label(row: ToCostRow) -> str:
    """The bar's name on the axis: ``ε 1e-3 · SGD B=32``."""
    return f"ε {row.target:g} · {row.label}"


class ToCostBars(LogBarChart):
    """One quantity of the rows (``seconds`` or ``passes``) as log-scale horizontal bars."""

    def __init__(self, quantity: str, parent: QWidget | None = None) -> None:
        formatter: Callable[[float], str] = (
            format_seconds if quantity == "seconds" else format_passes
        )
        title, bottom = (
            ("Wall time to the target", "seconds (log scale)")
            if quantity == "seconds"
            else ("Passes over the data", "passes, rows read / m (log scale)")
        )
        super().__init__(
            parent,
            formatter,
            title,
            bottom,
            '<span style="color:#555; font-size:11pt">Press <b>Run</b> to measure.</span>',
        )
        self.quantity = quantity
        self.formatter = formatter

    def value(self, row: ToCostRow) -> float | None:
        """The row's measured seconds or passes (None when it did not reach the target)."""
        if not row.reached:
            return None
        v = row.seconds_median if self.quantity == "seconds" else row.passes
        return v if v is not None and v > 0 and math.isfinite(v) else None

    def set_rows(self, rows: list[ToCostRow]) -> None:
        """Draw ``rows`` (in the report's order, the first at the top); [] clears."""
        self._clear_texts()
        self.labels = []
        self.placeholder.setVisible(not rows)
        values = [v for v in (self.value(r) for r in rows) if v is not None]
        if not rows:
            self.bars.setVisible(False)
            self.getAxis("left").setTicks([[]])
            return
        batch_sizes = sorted({r.batch_size for r in rows if r.method == "sgd"})
        lo = math.floor(math.log10(min(values))) - 0.15 if values else -1.0
        hi = math.log10(max(values)) if values else 0.0
        span = max(hi - lo, 1.0)
        count = len(rows)
        ys, widths, brushes, ticks = [], [], [], []
        for i, r in enumerate(rows):
            y = count - 1 - i
            label = bar_label(r)
            self.labels.append(label)
            ticks.append((y, label))
            v = self.value(r)
            color = QColor(row_color(r, batch_sizes))
            ys.append(y)
            brushes.append(QBrush(color))
            item = text_item("", (0, 0.5))
            self.addItem(item)
            self.texts.append(item)
            if v is None:
                widths.append(0.0)
                why = "not reached" if not r.reached else "not timed"
                item.setHtml(f'<span style="color:#666"><i>{why}</i></span>')
                item.setPos(lo, y)
                continue
            end = math.log10(v)
            widths.append(end - lo)
            full = f"<b>{self.formatter(v)}</b>"
            if self.quantity == "seconds" and r.seconds_per_pass is not None:
                full += f" · {format_seconds(r.seconds_per_pass)}/pass"
            self.placed.append(BarText(item, lo, end, y, [full, f"<b>{self.formatter(v)}</b>"]))
        self.bars.setOpts(
            x0=[lo] * count,
            y=ys,
            width=widths,
            brushes=brushes,
            pens=[pg.mkPen(b.color()) for b in brushes],
        )
        self.bars.setVisible(True)
        self.getAxis("left").setTicks([ticks])
        self.plot_item.setXRange(lo, hi + 0.35 * span, padding=0)
        self.plot_item.setYRange(-0.6, count - 0.4, padding=0)
        self.plot_item.setTitle(self.plot_item.titleLabel.text, size=TITLE_SIZE, color="#111")
        self._place()
