"""The data view: target against one feature with the predictions; histograms of scaling.

With a test set (issue 12) the training rows are filled circles and the test rows hollow
squares (blue and orange: told apart without colour too); residual bars, when ticked, join
each point to the model's prediction ŷ for it. Everything drawn belongs to the problem and
model given last (:meth:`DataView.set_problem`, :meth:`DataView.set_model`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui_app.explore import plots as style
from gui_app.explore.plots import fit_texts, legend_beside, short_name, style_plot

MIN_PLOT_HEIGHT = 180  # px: no plot is shorter on a 1280 × 720 screen
#: Okabe–Ito colours (safe for colour-blind readers): training rows, test rows, predictions.
TRAIN_RGB, TEST_RGB, PRED_RGB = (0, 114, 178), (230, 159, 0), (0, 0, 0)
FIT_TITLES = ("Data and predictions ŷ", "Data, ŷ")


class CornerPlot(pg.PlotWidget):
    """A plot widget that keeps a small control (``corner``) in its top-right corner, in
    the title row."""

    corner: QWidget | None = None

    def resizeEvent(self, event: Any) -> None:
        """Keep the corner control as wide as its text, at the top right."""
        super().resizeEvent(event)
        if self.corner is not None:
            self.corner.adjustSize()
            self.corner.move(max(self.width() - self.corner.width() - 4, 0), 2)


class DataView(QWidget):
    """Target against one feature with the model's predictions; histograms before/after scaling."""

    MAX_POINTS = 1000

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # the feature choice sits beside the tabs: the plot keeps the height
        corner = QWidget()
        bar = QHBoxLayout(corner)
        bar.setContentsMargins(6, 0, 0, 0)
        bar.addWidget(QLabel("x:"))
        self.feature_combo = QComboBox()
        self.feature_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.feature_combo.setMinimumContentsLength(6)
        bar.addWidget(self.feature_combo, 1)
        self.tabs = QTabWidget()
        self.tabs.setCornerWidget(corner)
        layout.addWidget(self.tabs, 1)
        self.fit_widget = CornerPlot()
        self.fit_widget.setMinimumHeight(MIN_PLOT_HEIGHT)
        self.fit_plot = self.fit_widget.getPlotItem()
        self.fit_plot.setMenuEnabled(False)
        style_plot(self.fit_plot, "Data and predictions ŷ", "feature", "target")
        # the residual-bars choice in the plot's top-right corner (the tab bar has no room)
        self.residual_check = QCheckBox("residual bars", self.fit_widget)
        self.residual_check.setToolTip(
            "Residual bars: a vertical line from each point y to the prediction ŷ of the model "
            "on screen (its error e = ŷ − y), for the training and the test rows"
        )
        self.residual_check.toggled.connect(lambda _on: self._redraw_predictions())
        self.fit_widget.corner = self.residual_check
        self.fit_plot.setTitle(FIT_TITLES[0], size="12pt", color="#111", justify="left")
        fit_texts(self.fit_plot, FIT_TITLES, reserve=lambda: self.residual_check.width() + 8)
        # beside the data (or above it on a narrow plot): points fill every corner
        self.fit_plot.legend = pg.LegendItem(labelTextSize="8pt")
        legend_beside(self.fit_plot, self.fit_plot.legend)
        self.data_points = pg.ScatterPlotItem(
            size=6, brush=pg.mkBrush(*TRAIN_RGB, 160), pen=None, name="training rows y"
        )
        self.test_points = pg.ScatterPlotItem(
            size=7,
            brush=None,
            pen=pg.mkPen(*TEST_RGB, width=1.5),
            symbol="s",
            name="test rows y",
        )
        self.pred_points = pg.ScatterPlotItem(
            size=6, brush=pg.mkBrush(*PRED_RGB, 220), pen=None, symbol="x", name="prediction ŷ"
        )
        # one item for every bar: pairs of points (x, y) – (x, ŷ)
        self.residual_bars = pg.PlotDataItem(
            pen=pg.mkPen(60, 60, 60, 200, width=1.5), connect="pairs", name="residual ŷ − y"
        )
        self.fit_plot.addItem(self.residual_bars)
        self.fit_plot.addItem(self.data_points)
        self.fit_plot.addItem(self.test_points)
        self.fit_plot.addItem(self.pred_points)
        self.tabs.addTab(self.fit_widget, "Fit")
        hist = pg.GraphicsLayoutWidget()
        self.hist_before = hist.addPlot(row=0, col=0)
        self.hist_after = hist.addPlot(row=0, col=1)
        style_plot(self.hist_before, "before scaling", "value", "count")
        style_plot(self.hist_after, "after scaling", "value", "count")
        self.hist_before_item = pg.PlotDataItem(
            stepMode="center", fillLevel=0, brush=(31, 119, 180, 120), pen="#1f77b4"
        )
        self.hist_after_item = pg.PlotDataItem(
            stepMode="center", fillLevel=0, brush=(44, 160, 44, 120), pen="#2ca02c"
        )
        self.hist_before.addItem(self.hist_before_item)
        self.hist_after.addItem(self.hist_after_item)
        self.tabs.addTab(hist, "Scaling")
        self._rows: np.ndarray | None = None
        self._X_shown: np.ndarray | None = None
        self._X_test: np.ndarray | None = None  # the test rows drawn (original units)
        self._y_test: np.ndarray | None = None
        self._legend_key: tuple = ()
        self.feature_combo.currentIndexChanged.connect(lambda _i: self.redraw())
        self._problem = None
        self._w: np.ndarray | None = None
        self._b: float | None = None

    def set_problem(self, problem) -> None:
        self._problem = problem
        m = problem.m
        if m > self.MAX_POINTS:
            self._rows = np.random.default_rng(0).choice(m, self.MAX_POINTS, replace=False)
        else:
            self._rows = np.arange(m)
        self._X_shown = problem.design.X[self._rows]  # rows drawn; copied once, not per frame
        test = problem.test
        if test is None:
            self._X_test, self._y_test = None, None
        else:
            k = len(test.y)
            keep = (
                np.random.default_rng(1).choice(k, self.MAX_POINTS, replace=False)
                if k > self.MAX_POINTS
                else np.arange(k)
            )
            self._X_test, self._y_test = test.X[keep], test.y[keep]
        names = list(problem.feature_names)
        current = self.feature_combo.currentText()
        self.feature_combo.blockSignals(True)
        if [self.feature_combo.itemText(k) for k in range(self.feature_combo.count())] != names:
            self.feature_combo.clear()
            self.feature_combo.addItems(names)
            if current in names:
                self.feature_combo.setCurrentText(current)
            else:
                self.feature_combo.setCurrentIndex(self._first_scatter_feature())
        self.feature_combo.blockSignals(False)
        self._w, self._b = None, None
        self.redraw()

    def _first_scatter_feature(self, most: int = 50) -> int:
        """The first feature worth a scatter plot: more than two values (not a 0/1 one-hot
        column), among the first ``most``; else the first."""
        X = self._X_shown
        for k in range(min(X.shape[1], most)):
            if np.unique(X[:, k]).size > 2:
                return k
        return 0

    def clear(self) -> None:
        """No problem: no points, no feature choices."""
        self._problem, self._rows, self._X_shown = None, None, None
        self._X_test, self._y_test = None, None
        self._w, self._b = None, None
        self.feature_combo.blockSignals(True)
        self.feature_combo.clear()
        self.feature_combo.blockSignals(False)
        for item in (self.data_points, self.test_points, self.pred_points, self.residual_bars):
            item.setData([], [])
        self._fill_legend()
        for item in (self.hist_before_item, self.hist_after_item):
            item.setData([0, 1], [0])

    def set_model(self, w: np.ndarray | None, b: float | None) -> None:
        self._w, self._b = w, b
        self._redraw_predictions()

    def redraw(self) -> None:
        problem = self._problem
        if problem is None or self._rows is None:
            return
        k = max(self.feature_combo.currentIndex(), 0)
        X = problem.design.X
        x = X[self._rows, k]
        y = problem.dataset.y[self._rows]
        fname = problem.feature_names[k]
        self.fit_plot.setLabel("bottom", fname, **style.LABEL_STYLE)
        self.fit_plot.setLabel("left", problem.dataset.target_name, **style.LABEL_STYLE)
        self.data_points.setData(x, y)
        if self._X_test is not None:
            self.test_points.setData(self._X_test[:, k], self._y_test)
        else:
            self.test_points.setData([], [])
        self._redraw_predictions()
        full = X[:, k]
        counts, edges = np.histogram(full[np.isfinite(full)], bins=30)
        self.hist_before_item.setData(edges, counts)
        scaled = (
            (full - problem.scaler.shift[k]) / problem.scaler.scale[k]
            if problem.scaling != "none"
            else full
        )
        counts, edges = np.histogram(scaled[np.isfinite(scaled)], bins=30)
        self.hist_after_item.setData(edges, counts)
        self.hist_before.setLabel("bottom", fname, **style.LABEL_STYLE)
        self.hist_after.setLabel(
            "bottom", f"{short_name(fname)} ({problem.scaling})", **style.LABEL_STYLE
        )

    def _redraw_predictions(self) -> None:
        problem = self._problem
        if problem is None or self._rows is None or self._w is None:
            self.pred_points.setData([], [])
            self.residual_bars.setData([], [])
            self._fill_legend()
            return
        k = max(self.feature_combo.currentIndex(), 0)
        X, y = self._X_shown, problem.dataset.y[self._rows]
        if self._X_test is not None:
            X, y = np.vstack([X, self._X_test]), np.concatenate([y, self._y_test])
        with np.errstate(all="ignore"):
            # einsum, not BLAS: a BLAS call here would queue behind the worker's big
            # matrix-vector products and stall the event loop for hundreds of ms.
            pred = np.einsum("ij,j->i", X, np.asarray(self._w, np.float64)) + (self._b or 0.0)
        ok = np.isfinite(pred)
        self.pred_points.setData(X[ok, k], pred[ok])
        if self.residual_check.isChecked():
            x = np.repeat(X[ok, k], 2)
            ends = np.column_stack([y[ok], pred[ok]]).ravel()
            self.residual_bars.setData(x, ends)
        else:
            self.residual_bars.setData([], [])
        self._fill_legend()

    def residual_count(self) -> int:
        """The residual bars drawn (one per point with a finite prediction; 0 when off)."""
        x, _y = self.residual_bars.getData()
        return 0 if x is None else len(x) // 2

    def points_shown(self) -> int:
        """The data points drawn: training and test rows."""
        return len(self.data_points.data) + len(self.test_points.data)

    def _fill_legend(self) -> None:
        """Name what is drawn: training rows, test rows, predictions, residual bars."""
        items = [
            (self.data_points, "training y" if self._X_test is not None else "data y"),
            (self.test_points, "test y (held out)"),
            (self.pred_points, "prediction ŷ"),
            (self.residual_bars, "residual ŷ − y"),
        ]
        shown = [
            (item, name)
            for item, name in items
            if (len(item.data) if isinstance(item, pg.ScatterPlotItem) else self.residual_count())
        ]
        key = tuple(name for _item, name in shown)
        if key == self._legend_key:
            return
        self._legend_key = key
        legend = self.fit_plot.legend
        legend.clear()
        for item, name in shown:
            legend.addItem(item, name)
