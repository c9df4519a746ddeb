"""What every plot of the Explore tab shares: colours, line widths, label style, units.

The views live in :mod:`gui_app.explore.views`; they read ``RUN_COLORS``, ``LINE_SCALE`` and
``LABEL_STYLE`` from this module when they draw, so presentation mode can change them here.
"""

from __future__ import annotations

import math
import re

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

RUN_COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
)
AXIS_FONT = QFont()
AXIS_FONT.setPointSize(10)
LABEL_STYLE = {"font-size": "11pt", "color": "#222"}
#: Runs the learning curve keeps (older ones drop out; sessions keep as many).
MAX_RUNS = 8
#: Multiplies the width of run and parameter curves created from now on (presentation mode).
LINE_SCALE = 1.0


def unit_of(name: str) -> str:
    """The unit written in brackets at the end of a column name ("size (sq ft)" → "sq ft")."""
    match = re.search(r"\(([^()]*)\)\s*$", name)
    return match.group(1) if match else ""


def short_name(name: str) -> str:
    """A column name without its unit ("size (sq ft)" → "size")."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", name) or name


def coefficient_unit(feature: str, target: str) -> str:
    """Unit of the coefficient of ``feature``: target unit per feature unit."""
    tu = unit_of(target) or "units of " + short_name(target)
    fu = unit_of(feature) or short_name(feature)
    if re.fullmatch(r"[A-Za-z]{3,}[^s]s", fu):  # "per year", "per bedroom", not "per mas"
        fu = fu[:-1]
    return f"{tu} per {fu}"


def style_plot(plot: pg.PlotItem, title: str, bottom: str, left: str) -> None:
    """Title, axis labels, tick fonts and pens every plot of the tab shares."""
    plot.setTitle(title, size="12pt", color="#111")
    plot.setLabel("bottom", bottom, **LABEL_STYLE)
    plot.setLabel("left", left, **LABEL_STYLE)
    for axis in ("bottom", "left"):
        ax = plot.getAxis(axis)
        ax.setTickFont(AXIS_FONT)
        ax.setTextPen("#222")
        ax.setPen("#444")
    plot.showGrid(x=False, y=False)


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above ``x`` (axis ends that change seldom)."""
    if not x > 0:
        return 1.0
    k = math.floor(math.log10(x))
    for step in (1, 2, 5, 10):
        if step * 10.0**k >= x:
            return step * 10.0**k
    return 10.0 ** (k + 1)


def grow_x_range(plot: pg.PlotItem, last: float, current: list[float]) -> None:
    """Widen the x axis in 1-2-5 steps only: an axis whose range moves every frame is
    re-laid out and repainted every frame, the costliest part of a live redraw."""
    upper = nice_ceiling(last)
    if current and current[0] == upper:
        return
    current[:] = [upper]
    plot.setXRange(0, upper, padding=0.02)


def fmt(x: float | None, digits: int = 5) -> str:
    """``x`` with ``digits`` significant digits; "—" for None."""
    if x is None:
        return "—"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}"


def legend_beside(plot: pg.PlotItem, legend: pg.LegendItem, min_data_width: int = 170) -> None:
    """Keep ``legend`` to the right of the data area of ``plot``, never over the data: the
    (otherwise unused) right axis reserves the legend's width and follows it when entries
    come and go; two columns when one is taller than the plot. When the plot is too narrow
    to leave ``min_data_width`` px of data beside it, the legend goes in the top-right corner
    of the data area instead, on a translucent background."""
    axis = plot.getAxis("right")
    plot.showAxis("right")
    axis.setStyle(showValues=False, tickLength=0)
    axis.setPen(pg.mkPen(None))
    legend.setParentItem(plot)  # placed by fit() (no pyqtgraph anchor: it outlives items)
    busy: list[bool] = []

    def fit() -> None:
        if busy:
            return
        busy.append(True)
        try:
            legend.setColumnCount(1)
            hint = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
            if hint.height() > plot.height() - 8 and len(legend.items) > 1:
                legend.setColumnCount(2)
                hint = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
            legend.resize(hint)
            view = plot.getViewWidget()
            total = view.width() if view is not None else plot.width()
            left = plot.getAxis("left").width()
            beside = bool(legend.items) and total - left - hint.width() - 10 >= min_data_width
            width = math.ceil(hint.width()) + 10 if beside else 0
            if axis.fixedWidth != width:
                axis.setWidth(width)
            legend.setBrush(None if beside else pg.mkBrush(255, 255, 255, 200))
            vb = plot.vb.geometry()
            right = plot.width() if beside else vb.right()
            legend.setPos(right - hint.width() - 4, 4 if beside else vb.top() + 4)
        except RuntimeError:  # deleted meanwhile
            pass
        finally:
            busy.clear()

    legend.geometryChanged.connect(fit)
    plot.geometryChanged.connect(fit)
    plot.vb.sigResized.connect(fit)
    fit()
