"""The horizontal log-scale bar chart both Timing pages draw on (seconds per step; time and
passes to a cost): bars, a text on each bar fitted to the width, a placeholder before a run."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from gui_app.timing.chart_style import BarText, LogAxis, place_bar_texts, style_plot, text_item


class LogBarChart(pg.PlotWidget):
    """Empty horizontal bars on a log10 x axis labelled by ``formatter``; subclasses fill
    ``bars``, ``texts`` (one TextItem a row), ``placed`` (the texts on bars) and ``labels``."""

    def __init__(
        self,
        parent: QWidget | None,
        formatter: Callable[[float], str],
        title: str,
        bottom: str,
        placeholder_html: str,
    ) -> None:
        super().__init__(parent, axisItems={"bottom": LogAxis("bottom", formatter)})
        self.plot_item = self.getPlotItem()
        style_plot(self.plot_item, title, bottom, "")
        self.plot_item.showGrid(x=True, y=False, alpha=0.25)
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.62, brush="w", pen="w")
        self.addItem(self.bars)
        self.texts: list[pg.TextItem] = []
        self.placed: list[BarText] = []
        self.labels: list[str] = []
        self.plot_item.vb.sigResized.connect(self._place)
        self.placeholder = text_item(placeholder_html, (0.5, 0.5))
        self.addItem(self.placeholder)
        self.placeholder.setPos(0, 0)
        self.plot_item.setXRange(-1, 1)
        self.plot_item.setYRange(-1, 1)
        self.getAxis("left").setTicks([[]])

    def _clear_texts(self) -> None:
        """Remove the texts of the rows drawn before."""
        for item in self.texts:
            self.removeItem(item)
        self.texts = []
        self.placed = []

    def _place(self, *_args: object) -> None:
        """Fit the bar texts to the chart's current width in pixels."""
        place_bar_texts(self.plot_item, self.placed)

    def bar_texts(self) -> list[str]:
        """The text at each row, top to bottom (plain text)."""
        return [t.textItem.toPlainText() for t in self.texts]
