"""What every plot of the Explore tab shares: colours, line widths, label style, units.

The views live in :mod:`gui_app.explore.views`; they read ``RUN_COLORS``, ``LINE_SCALE`` and
``LABEL_STYLE`` from this module when they draw, so presentation mode can change them here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSizeF, Qt
from PySide6.QtGui import QFont, QFontMetrics

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
#: The racers' colours (issue 11): Okabe & Ito's colour-blind-safe palette ("Color Universal
#: Design", https://jfly.uni-koeln.de/color/), one per racer in order.
RACE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
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


#: The least free space between two neighbouring tick labels of a horizontal axis, px.
TICK_GAP_PX = 12


class SpacedAxis(pg.AxisItem):
    """A horizontal axis whose tick labels never touch: a tick level is kept only when its
    spacing in pixels exceeds its widest label plus ``TICK_GAP_PX`` (the spacing grows in
    1-2-5 steps until it does); pyqtgraph alone lets labels fill 80 % of the axis."""

    def __init__(self, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.setStyle(maxTextLevel=0)  # labels on the major ticks only

    def label_width(self, values: list[float], spacing: float) -> float:
        """Width in px of the widest tick label for ``values`` (axis units)."""
        font = self.style.get("tickFont") or self.font()
        metrics = QFontMetrics(font)
        strings = self.tickStrings(values, self.autoSIPrefixScale * self.scale, spacing)
        return max((metrics.horizontalAdvance(str(t)) for t in strings), default=0)

    @staticmethod
    def _values(low: float, high: float, spacing: float) -> list[float]:
        """The multiples of ``spacing`` from ``low`` to ``high``."""
        first = math.ceil(low / spacing) * spacing
        count = max(math.floor((high - first) / spacing) + 1, 0)
        return [first + k * spacing for k in range(count)]

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:
        """pyqtgraph's levels, with the major spacing widened until its labels fit."""
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or size <= 0 or not maxVal > minVal:
            return levels
        px_per_unit = size / (maxVal - minVal)
        major, offset = levels[0][0], levels[0][1]
        for _ in range(12):
            label_px = self.label_width(self._values(minVal, maxVal, major), major)
            if major * px_per_unit >= label_px + TICK_GAP_PX:
                break
            digits = major / 10.0 ** math.floor(math.log10(major))
            wider = major * (2.5 if round(digits) == 2 else 2.0)  # 1 → 2 → 5 → 10
            # pyqtgraph hides a label that sticks out of the axis: when no multiple of the
            # wider spacing is far enough inside, one label in the middle says where it is
            margin = label_px / 2 / px_per_unit
            if not self._values(minVal + margin, maxVal - margin, wider):
                middle = round((minVal + maxVal) / 2 / major) * major
                minor = wider / (4 if round(digits) == 1 else 5)
                return [(wider, middle % wider), (minor, middle % minor)]
            major = wider
        if major == levels[0][0]:
            return levels
        leading = round(major / 10.0 ** math.floor(math.log10(major)))
        return [(major, offset), (major / (4 if leading == 2 else 5), offset)]


def style_plot(plot: pg.PlotItem, title: str, bottom: str, left: str) -> None:
    """Title, axis labels, tick fonts and pens every plot of the tab shares (the bottom axis
    becomes a :class:`SpacedAxis`)."""
    if not isinstance(plot.getAxis("bottom"), SpacedAxis):
        plot.setAxisItems({"bottom": SpacedAxis("bottom")})
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


class _ResizeWatch(QObject):
    """Calls ``callback`` after each resize of the widget it filters (and lives as long)."""

    def __init__(self, widget: QObject, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self.callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.callback()
        return False


def legend_beside(plot: pg.PlotItem, legend: pg.LegendItem, min_data_width: int = 170) -> None:
    """Keep ``legend`` outside the data area of ``plot``, never over the data: to the right
    of it, where the (otherwise unused) right axis reserves the legend's width, or, when
    the plot is too narrow to leave ``min_data_width`` px of data beside it, in a strip
    above it that the (otherwise unused) top axis reserves. Either follows the legend as
    entries come and go; two columns when one is taller than the plot (beside) or when two
    fit the plot's width (above)."""
    right_axis = plot.getAxis("right")
    top_axis = plot.getAxis("top")
    for axis in (right_axis, top_axis):
        plot.showAxis(axis.orientation)
        axis.setStyle(showValues=False, tickLength=0)
        axis.setPen(pg.mkPen(None))
    legend.setParentItem(plot)  # placed by fit() (no pyqtgraph anchor: it outlives items)
    busy: list[bool] = []

    def hint_for(columns: int) -> QSizeF:
        legend.setColumnCount(columns)
        return legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)

    def fit() -> None:
        if busy:
            return
        busy.append(True)
        try:
            hint = hint_for(1)
            if hint.height() > plot.height() - 8 and len(legend.items) > 1:
                hint = hint_for(2)
            view = plot.getViewWidget()
            total = view.width() if view is not None else plot.width()
            left = plot.getAxis("left").width()
            beside = total - left - hint.width() - 10 >= min_data_width
            if not beside and len(legend.items) > 1:
                two = hint_for(2)
                if two.width() <= total - 8:
                    hint = two
                else:
                    hint = hint_for(1)
            legend.resize(hint)
            # a legend wider than the plot (long run labels) is drawn smaller, never cut
            scale = 1.0 if beside else min(1.0, max(plot.width() - 8, 1) / max(hint.width(), 1))
            legend.setScale(scale)
            shown = bool(legend.items)
            width = math.ceil(hint.width()) + 10 if shown and beside else 0
            height = math.ceil(hint.height() * scale) + 4 if shown and not beside else 0
            if right_axis.fixedWidth != width:
                right_axis.setWidth(width)
            if top_axis.fixedHeight != height:
                top_axis.setHeight(height)
            legend.setBrush(None)
            vb = plot.vb.geometry()
            if beside:  # level with the data, below the title (never over it)
                legend.setPos(plot.width() - hint.width() - 4, max(vb.top(), 4))
            else:  # the strip between the title and the data, right-aligned with the data
                right = min(vb.right(), plot.width() - 4)
                legend.setPos(max(right - hint.width() * scale, 0), vb.top() - height)
        except RuntimeError:  # deleted meanwhile
            pass
        finally:
            busy.clear()

    legend.geometryChanged.connect(fit)
    plot.geometryChanged.connect(fit)
    plot.vb.sigResized.connect(fit)
    view = plot.getViewWidget()
    if view is not None:  # a plot held at its minimum width does not resize with its view
        view.installEventFilter(_ResizeWatch(view, fit))
    legend.fit_outside = fit  # presentation mode restyles the legend, then places it again
    fit()


def text_width(text: str, point_size: float) -> int:
    """Width in px of plain ``text`` in the application font at ``point_size`` pt."""
    font = QFont()
    font.setPointSizeF(point_size)
    return QFontMetrics(font).horizontalAdvance(text)


def fit_texts(
    plot: pg.PlotItem,
    titles: tuple[str, str],
    lefts: tuple[str, str] | None = None,
    reserve: Callable[[], float] | None = None,
) -> None:
    """Keep the title and the left axis label of ``plot`` whole: the short form of each
    ((long, short) pairs) when the long one is wider than the plot (title) or taller than
    the data area (left label); a cut "Parameters w," or "e (original units)" says less than
    "Parameters" or "value". A text set meanwhile by someone else (presentation mode) stays."""

    plot.fitted_titles = titles  # (exports use the long title: gui_app.classroom.exports)

    def fit() -> None:
        try:
            title = plot.titleLabel
            if title.isVisible() and title.text in titles:
                size = float(str(title.opts.get("size", "12pt")).removesuffix("pt") or 12)
                # the title stands over the data area: the view's width less the left axis
                # (not the plot's width: the title's text pins the plot's minimum width)
                view = plot.getViewWidget()
                room = (view.width() if view is not None else plot.width()) - (
                    plot.getAxis("left").width()
                )
                if reserve is not None:  # a control beside the title (px)
                    room -= reserve()
                long_fits = text_width(titles[0], size) + 16 <= room
                want = titles[0] if long_fits else titles[1]
                if title.text != want:
                    plot.setTitle(want, size=title.opts.get("size"), color=title.opts.get("color"))
            if lefts is not None:
                axis = plot.getAxis("left")
                if axis.labelText in lefts:
                    size = float(LABEL_STYLE["font-size"].removesuffix("pt"))
                    long_fits = text_width(lefts[0], size) + 8 <= plot.vb.height()
                    want = lefts[0] if long_fits else lefts[1]
                    if axis.labelText != want:
                        plot.setLabel("left", want, **LABEL_STYLE)
        except RuntimeError:  # deleted meanwhile
            pass

    plot.geometryChanged.connect(fit)
    plot.vb.sigResized.connect(fit)
    fit()


def parameter_short_names(problem: Any) -> list[str]:
    """ "w[size]", ..., "b": the parameters as the plots name them."""
    names = [f"w[{short_name(n)}]" for n in problem.parameter_names[: problem.n]]
    return names + (["b"] if problem.intercept else [])
