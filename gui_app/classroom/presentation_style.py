"""How plots look in presentation mode: large text, thick lines, the Okabe–Ito palette, and
legends moved beside their plots so that they never cover the data."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

#: Okabe & Ito's palette, ordered for a white background (yellow left out: invisible on a
#: projector). Distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255")


@dataclass
class PresentationLook:
    """Sizes of presentation mode: point sizes (so HiDPI screens scale them) and a factor."""

    font_pt: float = 17.0
    tick_pt: int = 16
    label_pt: int = 18
    title_pt: int = 20
    legend_pt: int = 16
    message_pt: int = 17
    line_scale: float = 2.2
    symbol_scale: float = 1.5


def _legend_text_size(legend: pg.LegendItem, size: str) -> None:
    legend.setLabelTextSize(size)
    for _sample, label in legend.items:
        label.setText(label.text)  # setLabelTextSize alone does not re-render the labels


def _rgb(color: QColor) -> str:
    return color.name().lower()


#: Shorter plot titles and axis labels for presentation mode: with large fonts the long ones
#: do not fit (the contour's y label runs along a short axis).
PRESENTATION_TITLES = {
    "Cost J(w, b): contours and the gradient-descent path": "Cost J and the descent path",
    # (shares its title row with the iter./epochs combo)
    "Learning curve": "Cost J (log)",
    "Cost J": "Cost J (log)",
    "Parameters (original units)": "Parameters",
    "Scaling: time per step vs size (log–log)": "Time vs size (log–log)",
    "Seconds per gradient-descent step": "Seconds per GD step",
}
#: Long beginnings of titles that carry numbers (the Timing tab's bar chart, "…, m = 2,000,
#: n = 500, float64") and their presentation form, which keeps the sizes only.
PRESENTATION_PREFIXES = {"Seconds per GD step, ": "s per step, "}


def presentation_title(text: str) -> str:
    """The shorter title a plot shows in presentation mode (see ``PRESENTATION_TITLES``)."""
    if text in PRESENTATION_TITLES:
        return PRESENTATION_TITLES[text]
    for long, short in PRESENTATION_PREFIXES.items():
        if text.startswith(long):
            sizes = [part for part in text[len(long) :].split(", ") if "=" in part]
            return short + ", ".join(sizes)
    return text


PRESENTATION_LABELS = {"cost J (log scale)": "cost J", "value (original units)": "value"}
#: Pixels between legend rows in presentation mode (the large labels carry wide margins):
#: the looser when the legend fits beside its plot, else the tighter.
LEGEND_ROW_SPACING = (-4, -10)


def short_contour_label(text: str) -> str:
    """ "w[size]  (training coordinates, z-score)" → "w[size] (z-score)"."""
    text = text.replace("(training coordinates, ", "(").replace("  (training coordinates)", "")
    return " ".join(text.split())


def _loosen_title(label: pg.LabelItem) -> None:
    """Let ``label`` be narrower than its text (LabelItem pins its minimum width to the text
    at every setText; wrap that, until :func:`_tighten_title`)."""
    if "updateMin" in vars(label):
        return
    original = label.updateMin

    def update_min() -> None:
        original()
        label.setMinimumWidth(0)

    label.updateMin = update_min
    label.opts["justify"] = "left"  # a long title runs to the right, over the legend's column
    update_min()


def _tighten_title(label: pg.LabelItem) -> None:
    if "updateMin" in vars(label):
        del label.updateMin
        label.opts["justify"] = "center"
        label.updateMin()


def _legend_outside(plot: pg.PlotItem, legend: pg.LegendItem, top: float) -> tuple:
    """Move a plot's legend out of the data area, to the right of it: the (otherwise unused)
    right axis reserves the legend's width and follows it when entries come and go."""
    axis = plot.getAxis("right")
    state = (
        legend.parentItem(),
        legend.columnCount,
        legend.layout.verticalSpacing(),
        axis.isVisible(),
        {k: axis.style[k] for k in ("showValues", "tickLength")},
        axis.fixedWidth,
    )
    plot.showAxis("right")
    axis.setStyle(showValues=False, tickLength=0)
    axis.setPen(pg.mkPen(None))
    legend.setParentItem(plot)
    legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-6, top + 4))

    busy = []

    def fit() -> None:
        """Size the legend by its layout (LegendItem's own sizing keeps stale row heights and
        undercounts two columns); rows closer, then two columns, when it is too tall."""
        if busy:
            return
        busy.append(True)
        try:
            room = plot.height() - top - 8  # it may reach down beside the bottom axis
            loose, tight = LEGEND_ROW_SPACING
            for columns, spacing in ((1, loose), (1, tight), (2, tight)):
                if legend.columnCount != columns:
                    legend.setColumnCount(columns)
                legend.layout.setVerticalSpacing(spacing)
                hint = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
                if hint.height() <= room or room <= 40:
                    break
            legend.resize(hint)
            width = math.ceil(hint.width()) + 14
            if axis.fixedWidth != width:
                axis.setWidth(width)
        except RuntimeError:  # deleted meanwhile
            pass
        finally:
            busy.clear()

    legend.geometryChanged.connect(fit)
    plot.vb.sigResized.connect(fit)
    fit()
    return (*state, fit)


def _legend_inside(plot: pg.PlotItem, legend: pg.LegendItem, state: tuple) -> None:
    parent, columns, spacing, visible, style, width, fit = state
    legend.layout.setVerticalSpacing(spacing)
    with contextlib.suppress(RuntimeError, TypeError):
        legend.geometryChanged.disconnect(fit)
    with contextlib.suppress(RuntimeError, TypeError):
        plot.vb.sigResized.disconnect(fit)
    axis = plot.getAxis("right")
    axis.setStyle(**style)
    axis.setPen()
    axis.setWidth(width)
    if not visible:
        plot.hideAxis("right")
    if legend.columnCount != columns:
        legend.setColumnCount(columns)
    legend.setParentItem(parent)  # anchored again by its own offset


def _fit_left_label(plot: pg.PlotItem, point_size: int) -> Any:
    """Keep the left axis label no longer than the data area is tall: its font shrinks (to
    10 pt at least) instead of the label running off the plot's ends. Returns the callback
    connected to the view box's resize (for :func:`unstyle_plot`)."""
    axis = plot.getAxis("left")

    def fit(*_args: object) -> None:
        try:
            if not axis.label.isVisible():
                return
            font = QFont(QApplication.instance().font())
            font.setPointSize(point_size)
            text = axis.labelText + (f" ({axis.labelUnits})" if axis.labelUnits else "")
            plain = QFontMetrics(font).horizontalAdvance(text)
            room = plot.vb.height() - 4
            size = point_size
            if plain > room > 0:
                size = max(10, math.floor(point_size * room / plain))
            if axis.labelStyle.get("font-size") != f"{size}pt":
                axis.setLabel(
                    axis.labelText,
                    axis.labelUnits or None,
                    **{**axis.labelStyle, "font-size": f"{size}pt"},
                )
        except RuntimeError:  # deleted meanwhile
            pass

    plot.vb.sigResized.connect(fit)
    fit()
    return fit


def _recolor(color: QColor, mapping: dict[str, str]) -> QColor:
    new = mapping.get(_rgb(color))
    if new is None:
        return color
    out = QColor(new)
    out.setAlpha(color.alpha())
    return out


def _restyle_items(
    plot: pg.PlotItem, mapping: dict[str, str], scale: float, symbol_scale: float
) -> None:
    for item in plot.items:
        if isinstance(item, pg.PlotDataItem):
            pen = pg.mkPen(item.opts["pen"])
            pen.setColor(_recolor(pen.color(), mapping))
            pen.setWidthF(max(pen.widthF() * scale, 1.0))
            item.setPen(pen)
            if item.opts.get("symbol") is not None:
                item.setSymbolSize(item.opts["symbolSize"] * symbol_scale)
                brush = pg.mkBrush(item.opts["symbolBrush"])
                brush.setColor(_recolor(brush.color(), mapping))
                item.setSymbolBrush(brush)
        elif isinstance(item, pg.ScatterPlotItem):
            item.setSize(item.opts["size"] * symbol_scale)
            brush = pg.mkBrush(item.opts["brush"])
            brush.setColor(_recolor(brush.color(), mapping))
            item.setBrush(brush)
        elif isinstance(item, pg.InfiniteLine):
            pen = pg.mkPen(item.pen)
            pen.setColor(_recolor(pen.color(), mapping))
            pen.setWidthF(max(pen.widthF() * scale, 1.0))
            item.setPen(pen)


def style_plot(
    plot: pg.PlotItem, look: PresentationLook, color_map: dict[str, str]
) -> dict[str, Any]:
    """Large titles, ticks, labels and legend (moved beside the plot), thick lines and the
    Okabe–Ito colours (``color_map``: old colour → new) on one plot; returns what
    :func:`unstyle_plot` needs to undo it."""
    state: dict[str, Any] = {
        "title": (plot.titleLabel.text, dict(plot.titleLabel.opts), plot.titleLabel.isVisible()),
        "axes": {},
    }
    title_font = QFont(QApplication.instance().font())
    title_font.setPointSize(look.title_pt)
    top = 0
    if plot.titleLabel.isVisible():
        text = presentation_title(plot.titleLabel.text)
        justify = plot.titleLabel.opts.get("justify", "center")  # (beside a corner control)
        plot.setTitle(text, size=f"{look.title_pt}pt", color="#000", justify=justify)
        top = height = QFontMetrics(title_font).height() + 10
        plot.titleLabel.setMaximumHeight(height)
        plot.layout.setRowFixedHeight(0, height)
        # the title may reach over the axes beside it (the legend sits below the title row):
        # its full width must not make the plot wider than its column at 1366×768
        _loosen_title(plot.titleLabel)
    tick_font = QFont(QApplication.instance().font())
    tick_font.setPointSize(look.tick_pt)
    for name in ("bottom", "left"):
        ax = plot.getAxis(name)
        state["axes"][name] = (
            ax.style.get("tickFont"),
            dict(ax.labelStyle),
            ax.label.isVisible(),
            ax.labelText,
        )
        ax.setTickFont(tick_font)
        # large tick labels of the finer levels ran into each other in a narrow plot
        state.setdefault("text_levels", {})[name] = ax.style["maxTextLevel"]
        ax.setStyle(maxTextLevel=0)
        ax.setTextPen("#000")
        ax.setPen(pg.mkPen("#000", width=2))
        if ax.label.isVisible():
            ax.setLabel(
                PRESENTATION_LABELS.get(ax.labelText, ax.labelText),
                ax.labelUnits or None,
                **{**ax.labelStyle, "font-size": f"{look.label_pt}pt", "color": "#000"},
            )
    state["left_label_fit"] = _fit_left_label(plot, look.label_pt)
    legend = getattr(plot, "legend", None)
    if legend is not None:
        state["legend"] = legend.opts.get("labelTextSize", "9pt")
        _legend_text_size(legend, f"{look.legend_pt}pt")
        place = getattr(legend, "fit_outside", None)
        if place is not None:  # kept off the data by plots.legend_beside already
            state["legend_spacing"] = legend.layout.verticalSpacing()
            legend.layout.setVerticalSpacing(LEGEND_ROW_SPACING[1])
            place()
        else:
            state["legend_outside"] = _legend_outside(plot, legend, top)
    _restyle_items(plot, color_map, look.line_scale, look.symbol_scale)
    return state


def unstyle_plot(
    plot: pg.PlotItem, state: dict[str, Any], look: PresentationLook, color_map: dict[str, str]
) -> None:
    """Undo :func:`style_plot` (a plot deleted meanwhile is skipped)."""
    try:
        with contextlib.suppress(RuntimeError, TypeError, KeyError):
            plot.vb.sigResized.disconnect(state["left_label_fit"])
        text, opts, visible = state["title"]
        _tighten_title(plot.titleLabel)
        if visible:
            keep = ("size", "color", "justify")
            plot.setTitle(text, **{k: v for k, v in opts.items() if k in keep})
        for name, (tick_font, label_style, label_visible, text) in state["axes"].items():
            ax = plot.getAxis(name)
            ax.setTickFont(tick_font)
            ax.setStyle(maxTextLevel=state.get("text_levels", {}).get(name, 2))
            ax.setTextPen("#222")
            ax.setPen("#444")
            if label_visible and ax.label.isVisible():
                if ax.labelText != PRESENTATION_LABELS.get(text, text):
                    text = ax.labelText  # set anew meanwhile (another feature, say)
                ax.setLabel(text, ax.labelUnits or None, **label_style)
        if "legend_outside" in state:
            _legend_inside(plot, plot.legend, state["legend_outside"])
        if "legend" in state and getattr(plot, "legend", None) is not None:
            _legend_text_size(plot.legend, state["legend"])
            if "legend_spacing" in state:
                plot.legend.layout.setVerticalSpacing(state["legend_spacing"])
                plot.legend.fit_outside()
        reverse = {o.lower(): c for c, o in color_map.items()}
        _restyle_items(plot, reverse, 1 / look.line_scale, 1 / look.symbol_scale)
    except RuntimeError:  # the plot was deleted meanwhile
        pass
