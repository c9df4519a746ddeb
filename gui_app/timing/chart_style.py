"""Shared look of the Timing tab's charts: colours, fonts, number formats, the log axis.

Kept apart from the charts so that each chart module, the explanations and the tab read the
same colours and formats from one place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QFont

from core.timing.bench import IMPLS, TEXTBOOK_LINE, BenchResult
from core.timing.config import DASK_ROWS

#: The rows in the order of the timing story: the implementations, then the dask rows'
#: companions (the Gram pass on the cluster, the same chunks in one process).
ORDER = (*IMPLS, *(r for r in DASK_ROWS if r not in IMPLS))

IMPL_COLORS = {
    "loop": "#d62728",
    "compiled": "#ff7f0e",
    "vectorised": "#1f77b4",
    "fused": "#2ca02c",
    "gram": "#9467bd",
    "cupy": "#17becf",
    "dask": "#8c564b",
    "dask-gram": "#e377c2",
    "one-process": "#bcbd22",
    TEXTBOOK_LINE: "#7f7f7f",
}
SKIPPED_COLOR = "#9a9a9a"
TITLE_SIZE = "12pt"
LABEL_STYLE = {"font-size": "11pt", "color": "#222"}
TICK_FONT = QFont()
TICK_FONT.setPointSize(10)
BAR_FONT = QFont()
BAR_FONT.setPointSize(10)


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
    """A speed-up factor: 3.4x, 42x, 1,234x."""
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


def sort_key(r: BenchResult) -> tuple:
    """Rows in the order of ``ORDER``, then device, dtype and threads."""
    return (ORDER.index(r.impl) if r.impl in ORDER else len(ORDER), r.device, r.dtype, r.threads)


def short_reason(reason: str, limit: int = 70) -> str:
    """The first sentence of a skip reason, cut to ``limit`` characters."""
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
        minors = [
            d + math.log10(k)
            for d in range(lo, hi + 1)
            for k in range(2, 10)
            if minVal <= d + math.log10(k) <= maxVal
        ]
        if len(decades) < 2:
            extra = [
                d + math.log10(k)
                for d in range(lo, hi + 1)
                for k in (2, 5)
                if minVal <= d + math.log10(k) <= maxVal
            ]
            decades = sorted(decades + extra)
            minors = [v for v in minors if v not in extra]
        return [(1.0, decades), (0.1, minors)]

    def tickStrings(self, values, scale, spacing):  # pyqtgraph names it
        if spacing < 1.0:
            return [""] * len(values)
        return [self.formatter(10.0**v) for v in values]


def style_plot(plot: pg.PlotItem, title: str, bottom: str, left: str) -> None:
    """Title, axis labels, fonts and pens of a Timing chart; no menu, no buttons."""
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


def text_item(html_text: str, anchor: tuple[float, float]) -> pg.TextItem:
    """A rich-text label in the charts' font."""
    item = pg.TextItem(html=html_text, anchor=anchor)
    item.setFont(BAR_FONT)
    return item


@dataclass
class BarText:
    """The text of one horizontal bar from ``start`` to ``end`` (data units) at row ``y``:
    ``variants`` (rich text, longest first) and the style of the text when inside the bar."""

    item: pg.TextItem
    start: float
    end: float
    y: float
    variants: list[str]
    inside_style: str = "color:#fff"
    outside_style: str = "color:#111"


GAP_PX = 4  # between a bar's end and its text, and between the text and the chart's edge


def _text_width(item: pg.TextItem, html_text: str) -> float:
    item.setHtml(html_text)
    return item.textItem.boundingRect().width()


def place_bar_texts(plot: pg.PlotItem, texts: list[BarText]) -> None:
    """Put each bar's text where it fits in pixels at the chart's current size: inside the
    bar (right-aligned) when the bar is long enough, else just after its end; the first
    variant that fits is used, so no text runs past the chart or past the bar's start."""
    (x0, x1), _ = plot.vb.viewRange()
    width = plot.vb.width()
    if width <= 0 or x1 <= x0:
        return
    per_px = (x1 - x0) / width  # data units per pixel
    for text in texts:
        bar_px = (text.end - max(text.start, x0)) / per_px
        room_px = (x1 - text.end) / per_px
        chosen = None
        for body in text.variants:
            inside = f'<span style="{text.inside_style}">&nbsp;{body}&nbsp;</span>'
            outside = f'<span style="{text.outside_style}">{body}</span>'
            if _text_width(text.item, outside) + 2 * GAP_PX <= room_px:
                chosen = (outside, (0, 0.5), text.end + GAP_PX * per_px)
            elif _text_width(text.item, inside) + GAP_PX <= bar_px:
                chosen = (inside, (1, 0.5), text.end - GAP_PX * per_px / 2)
            if chosen is not None:
                break
        if chosen is None:  # nothing fits: the shortest text on the wider side
            body = text.variants[-1]
            if room_px >= bar_px:
                chosen = (f'<span style="{text.outside_style}">{body}</span>', (0, 0.5), text.end)
            else:
                html_text = f'<span style="{text.inside_style}">&nbsp;{body}&nbsp;</span>'
                chosen = (html_text, (1, 0.5), text.end)
        html_text, anchor, x = chosen
        text.item.setHtml(html_text)
        text.item.setAnchor(anchor)
        text.item.setPos(x, text.y)


def place_caption(plot: pg.PlotItem, item: pg.TextItem, variants: list[str]) -> None:
    """Show the longest of ``variants`` that fits between the caption's position and the
    chart's right edge (a left-anchored caption)."""
    (_x0, x1), _ = plot.vb.viewRange()
    width = plot.vb.width()
    span = x1 - _x0
    if width <= 0 or span <= 0:
        return
    room_px = (x1 - item.pos().x()) / span * width
    for html_text in variants:
        if _text_width(item, html_text) + GAP_PX <= room_px:
            return
    item.setHtml(variants[-1])
