"""The learning curve (cost against iteration, one curve per run) and the parameters plot."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui_app.explore import plots as style
from gui_app.explore.plots import grow_x_range, legend_beside, style_plot

MAX_PARAM_CURVES = 10  # the parameters plot shows the first coefficients and b


class LearningCurveView(pg.PlotWidget):
    """Cost against iteration on a log scale; earlier runs stay, labelled, for comparison."""

    MAX_RUNS = style.MAX_RUNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        style_plot(self.plot, "Learning curve", "iteration", "cost J (log scale)")
        self.plot.setLogMode(y=True)
        # no "(x1e+12)" after the label: on a log axis that scale factor is meaningless
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        # beside the plot when it is wide enough, else in the top-right corner (a converging
        # run's curve starts top left and ends bottom right)
        self.legend = pg.LegendItem(labelTextSize="8pt")
        self.plot.legend = self.legend  # each run's curve joins it as it is added
        legend_beside(self.plot, self.legend, min_data_width=260)
        self.curves: list[pg.PlotDataItem] = []
        self.run_count = 0
        self._x_range: list[float] = []

    def new_run(self, label: str) -> None:
        """Start a curve for a new run; older ones fade but keep their labels."""
        self.run_count += 1
        if len(self.curves) >= self.MAX_RUNS:
            old = self.curves.pop(0)
            self.legend.removeItem(old)
            self.plot.removeItem(old)
        for curve in self.curves:
            pen = curve.opts["pen"]
            color = pg.mkColor(pen.color())
            color.setAlpha(140)
            curve.setPen(pg.mkPen(color, width=1.5 * style.LINE_SCALE))
        color = style.RUN_COLORS[(self.run_count - 1) % len(style.RUN_COLORS)]
        curve = pg.PlotDataItem(
            pen=pg.mkPen(color, width=2.5 * style.LINE_SCALE),
            name=html.escape(f"#{self.run_count} {label}", quote=False),
        )
        self.plot.addItem(curve)
        self.curves.append(curve)
        self._finished_shown = False

    def rename_last(self, name: str) -> None:
        """Give the latest curve another legend label (a lesson's run name)."""
        if not self.curves:
            return
        curve = self.curves[-1]
        # legend labels are rich text: a run label from a file must show as written
        curve.opts["name"] = html.escape(name, quote=False)
        for sample, label in self.legend.items:
            if sample.item is curve:
                label.setText(curve.opts["name"])

    def add_finished_run(self, name: str, iterations: np.ndarray, cost: np.ndarray) -> None:
        """Show a finished run (from a reopened session) as the latest curve."""
        self.new_run(name)
        self.rename_last(name)
        self.set_current(np.asarray(iterations, float), np.asarray(cost, float))
        self._finished_shown = True  # no live run owns it: an empty redraw must not wipe it

    def set_current(self, iterations: np.ndarray, cost: np.ndarray) -> None:
        if not self.curves or (getattr(self, "_finished_shown", False) and not len(iterations)):
            return
        ok = np.isfinite(cost) & (cost > 0)
        self.curves[-1].setData(iterations[ok], cost[ok])
        if len(iterations):
            longest = max(
                [float(iterations[-1])]
                + [float(c.xData[-1]) for c in self.curves if c.xData is not None and len(c.xData)]
            )
            grow_x_range(self.plot, longest, self._x_range)

    def set_curve(self, curve: pg.PlotDataItem, iterations: np.ndarray, cost: np.ndarray) -> None:
        """Give ``curve`` (one run's) its cost history (positive finite values only)."""
        if curve in self.curves:
            ok = np.isfinite(cost) & (cost > 0)
            curve.setData(iterations[ok], cost[ok])

    def remove_curve(self, curve: pg.PlotDataItem) -> None:
        """Take one run's curve away (a run that never took a step)."""
        if curve in self.curves:
            self.curves.remove(curve)
            self.legend.removeItem(curve)
            self.plot.removeItem(curve)

    def clear_runs(self) -> None:
        for curve in self.curves:
            self.legend.removeItem(curve)
            self.plot.removeItem(curve)
        self.curves.clear()
        self.run_count = 0
        self._x_range.clear()
        self.plot.enableAutoRange()

    def current_points(self) -> int:
        if not self.curves:
            return 0
        x, _y = self.curves[-1].getData()
        return 0 if x is None else len(x)


class ParametersView(pg.PlotWidget):
    """w and b against iteration, in original units (the first few coefficients and b)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        style_plot(self.plot, "Parameters w, b", "iteration", "value (original units)")
        self.plot.setClipToView(True)
        # the legend goes beside the plot: the curves may fill every corner of it
        self.legend = pg.LegendItem(labelTextSize="8pt")
        self.plot.legend = self.legend  # named curves join it as they are added
        legend_beside(self.plot, self.legend)
        self.curves: list[pg.PlotDataItem] = []
        self.targets: list[pg.InfiniteLine] = []
        self._names: list[str] = []
        self._x_range: list[float] = []

    def set_names(self, names: list[str]) -> None:
        names = names[:MAX_PARAM_CURVES] + (
            [names[-1]] if len(names) > MAX_PARAM_CURVES and names[-1].startswith("b") else []
        )
        if names == self._names:
            return
        for curve in self.curves:
            self.legend.removeItem(curve)
            self.plot.removeItem(curve)
        for line in self.targets:
            self.plot.removeItem(line)
        self.curves, self.targets = [], []
        self._names = names
        self._x_range.clear()  # a new problem: no axis range of the old one stays
        self.plot.enableAutoRange()
        for k, name in enumerate(names):
            color = style.RUN_COLORS[k % len(style.RUN_COLORS)]
            curve = pg.PlotDataItem(pen=pg.mkPen(color, width=2 * style.LINE_SCALE), name=name)
            self.plot.addItem(curve)
            self.curves.append(curve)
            dash = pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine)
            line = pg.InfiniteLine(angle=0, pen=dash)
            line.setVisible(False)
            self.plot.addItem(line)
            self.targets.append(line)

    def columns(self, n_coef: int, intercept: bool) -> list[int]:
        """Indices into [w..., b] of the curves shown."""
        cols = list(range(min(n_coef, MAX_PARAM_CURVES)))
        if intercept:
            cols.append(n_coef)
        return cols

    def set_history(self, iterations: np.ndarray, values: np.ndarray) -> None:
        """The shown parameters' values (k × curves) at ``iterations`` (k); none: empty."""
        for k, curve in enumerate(self.curves):
            if len(iterations) == 0:
                curve.setData([], [])
            elif k < values.shape[1]:
                curve.setData(iterations, values[:, k])
        if len(iterations):
            grow_x_range(self.plot, float(iterations[-1]), self._x_range)

    def set_targets(self, values: np.ndarray | None) -> None:
        for k, line in enumerate(self.targets):
            if values is None or k >= len(values):
                line.setVisible(False)
            else:
                line.setValue(float(values[k]))
                line.setVisible(True)
