"""The live views: cost contours with the trajectory, learning curve, parameters, data, numbers.

Each view creates its pyqtgraph items once and later only calls ``setData`` on them; all of
them are touched from the GUI thread only.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pyqtgraph as pg
from contourpy import LineType, contour_generator
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

N_LEVELS = 14
MAX_PARAM_CURVES = 10  # the parameters plot shows the first coefficients and b
RUN_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
              "#e377c2")
AXIS_FONT = QFont()
AXIS_FONT.setPointSize(10)
LABEL_STYLE = {"font-size": "11pt", "color": "#222"}
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


def contour_levels(J: np.ndarray, count: int = N_LEVELS) -> np.ndarray:
    """Levels spaced logarithmically above the minimum: the valley floor and the walls show."""
    finite = J[np.isfinite(J)]
    if finite.size == 0:
        return np.array([])
    lo, hi = float(finite.min()), float(finite.max())
    span = hi - lo
    if not span > 0:
        return np.array([lo])
    return lo + span * np.geomspace(2e-4, 0.9, count)


class ContourView(QWidget):
    """Cost contours over two parameters (training coordinates) with the live trajectory."""

    start_clicked = Signal(float, float)  # training coordinates of the click (θ_i, θ_j)
    pair_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        self.equal_axes = QCheckBox("equal axes")
        self.equal_axes.setToolTip("Same scale on both axes: after scaling, ellipses → circles")
        bar.addWidget(QLabel("Contour of J over"))
        bar.addWidget(self.x_combo, 1)
        bar.addWidget(QLabel("and"))
        bar.addWidget(self.y_combo, 1)
        bar.addWidget(self.equal_axes)
        layout.addLayout(bar)
        self.widget = pg.PlotWidget()
        layout.addWidget(self.widget, 1)
        self.plot = self.widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        style_plot(self.plot, "Cost J(w, b): contours and the gradient-descent path", "", "")
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="10pt")
        cmap = pg.colormap.get("viridis")
        colors = cmap.getLookupTable(0.0, 0.85, N_LEVELS)
        self.level_items = []
        for k in range(N_LEVELS):
            item = pg.PlotDataItem(connect="finite", pen=pg.mkPen(colors[k], width=1.5))
            # the levels only change with the problem: repaint them from a cached pixmap
            item.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot.addItem(item)
            self.level_items.append(item)
        self.trajectory = pg.PlotDataItem(pen=pg.mkPen("#d62728", width=2), symbol="o",
                                          symbolSize=4, symbolBrush="#d62728",
                                          symbolPen=None, name="gradient-descent path")
        self.start_marker = pg.ScatterPlotItem(size=14, symbol="o", brush="#2ca02c",
                                               pen=pg.mkPen("k", width=1), name="start")
        self.current_marker = pg.ScatterPlotItem(size=14, symbol="o", brush="#ff7f0e",
                                                 pen=pg.mkPen("k", width=1), name="current")
        self.optimum_marker = pg.ScatterPlotItem(size=20, symbol="star", brush="#ffd700",
                                                 pen=pg.mkPen("k", width=1),
                                                 name="normal equation")
        for item in (self.trajectory, self.start_marker, self.current_marker,
                     self.optimum_marker):
            self.plot.addItem(item)  # items with a name join the legend by themselves
        self.widget.scene().sigMouseClicked.connect(self._clicked)
        self.equal_axes.toggled.connect(self._equal_toggled)
        self.x_combo.activated.connect(self._pair_activated)
        self.y_combo.activated.connect(self._pair_activated)
        self.grid_extent: tuple[float, float, float, float] | None = None
        self.axis_texts = ("", "")
        self.label_filter = None  # str -> str applied to the axis labels, or None

    def set_parameters(self, labels: list[str], i: int, j: int) -> None:
        for combo, k in ((self.x_combo, i), (self.y_combo, j)):
            combo.blockSignals(True)
            if [combo.itemText(t) for t in range(combo.count())] != labels:
                combo.clear()
                combo.addItems(labels)
            combo.setCurrentIndex(k)
            combo.blockSignals(False)

    def pair(self) -> tuple[int, int]:
        return self.x_combo.currentIndex(), self.y_combo.currentIndex()

    def _pair_activated(self, _index: int) -> None:
        i, j = self.pair()
        if i == j:  # keep two different parameters: move the other combo along
            other = self.y_combo if self.sender() is self.x_combo else self.x_combo
            other.setCurrentIndex((i + 1) % max(other.count(), 1))
            i, j = self.pair()
        self.pair_changed.emit(i, j)

    def _equal_toggled(self, on: bool) -> None:
        self.plot.getViewBox().setAspectLocked(on, ratio=1.0)
        self.plot.getViewBox().autoRange()

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point: QPointF = vb.mapSceneToView(event.scenePos())
        self.start_clicked.emit(point.x(), point.y())

    def set_axis_labels(self, x: str, y: str) -> None:
        self.axis_texts = (x, y)
        if self.label_filter is not None:  # presentation mode: shorter labels
            x, y = self.label_filter(x), self.label_filter(y)
        self.plot.setLabel("bottom", x, **LABEL_STYLE)
        self.plot.setLabel("left", y, **LABEL_STYLE)

    def set_surface(self, u: np.ndarray, v: np.ndarray, J: np.ndarray) -> None:
        """Draw the contour lines of ``J[k, l]`` over ``u[l]``, ``v[k]``."""
        levels = contour_levels(J)
        gen = contour_generator(x=u, y=v, z=J, line_type=LineType.ChunkCombinedNan)
        for k, item in enumerate(self.level_items):
            if k < len(levels):
                points = gen.lines(float(levels[k]))[0][0]
                if points is not None and len(points):
                    item.setData(points[:, 0], points[:, 1])
                    continue
            item.setData([], [])
        self.grid_extent = (float(u[0]), float(u[-1]), float(v[0]), float(v[-1]))
        self.plot.getViewBox().setRange(xRange=(u[0], u[-1]), yRange=(v[0], v[-1]),
                                        padding=0.02)

    def set_trajectory(self, x: np.ndarray, y: np.ndarray) -> None:
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if len(x) > 2000:  # dots only where they can still be told apart
            self.trajectory.setSymbol(None)
        else:
            self.trajectory.setSymbol("o")
        self.trajectory.setData(x, y)
        if len(x):
            self.current_marker.setData([x[-1]], [y[-1]])
        else:
            self.current_marker.setData([], [])

    def set_start(self, x: float, y: float) -> None:
        self.start_marker.setData([x], [y])

    def set_optimum(self, x: float, y: float) -> None:
        self.optimum_marker.setData([x], [y])


class LearningCurveView(pg.PlotWidget):
    """Cost against iteration on a log scale; earlier runs stay, labelled, for comparison."""

    MAX_RUNS = 8

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
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="10pt")
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
            curve.setPen(pg.mkPen(color, width=1.5 * LINE_SCALE))
        color = RUN_COLORS[(self.run_count - 1) % len(RUN_COLORS)]
        curve = pg.PlotDataItem(pen=pg.mkPen(color, width=2.5 * LINE_SCALE),
                                name=f"#{self.run_count} "
                                + label)
        self.plot.addItem(curve)
        self.curves.append(curve)
        self._finished_shown = False

    def rename_last(self, name: str) -> None:
        """Give the latest curve another legend label (a lesson's run name)."""
        if not self.curves:
            return
        curve = self.curves[-1]
        curve.opts["name"] = name
        for sample, label in self.legend.items:
            if sample.item is curve:
                label.setText(name)

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
            longest = max([float(iterations[-1])] + [float(c.xData[-1]) for c in self.curves
                                                     if c.xData is not None and len(c.xData)])
            grow_x_range(self.plot, longest, self._x_range)

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
        style_plot(self.plot, "Parameters (original units)", "iteration", "value")
        self.plot.setClipToView(True)
        self.legend = self.plot.addLegend(offset=(-5, -5), labelTextSize="9pt")
        self.curves: list[pg.PlotDataItem] = []
        self.targets: list[pg.InfiniteLine] = []
        self._names: list[str] = []
        self._x_range: list[float] = []

    def set_names(self, names: list[str]) -> None:
        names = names[:MAX_PARAM_CURVES] + ([names[-1]] if len(names) > MAX_PARAM_CURVES
                                            and names[-1].startswith("b") else [])
        if names == self._names:
            return
        for curve in self.curves:
            self.legend.removeItem(curve)
            self.plot.removeItem(curve)
        for line in self.targets:
            self.plot.removeItem(line)
        self.curves, self.targets = [], []
        self._names = names
        for k, name in enumerate(names):
            color = RUN_COLORS[k % len(RUN_COLORS)]
            curve = pg.PlotDataItem(pen=pg.mkPen(color, width=2 * LINE_SCALE), name=name)
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
        for k, curve in enumerate(self.curves):
            if k < values.shape[1]:
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


class DataView(QWidget):
    """Target against one feature with the model's predictions; histograms before/after scaling."""

    MAX_POINTS = 1000

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Feature"))
        self.feature_combo = QComboBox()
        bar.addWidget(self.feature_combo, 1)
        layout.addLayout(bar)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.fit_widget = pg.PlotWidget()
        self.fit_plot = self.fit_widget.getPlotItem()
        self.fit_plot.setMenuEnabled(False)
        style_plot(self.fit_plot, "Data and predictions", "feature", "target")
        self.fit_plot.addLegend(offset=(5, 5), labelTextSize="9pt")
        self.data_points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(31, 119, 180, 150),
                                              pen=None, name="data y")
        self.pred_points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(214, 39, 40, 200),
                                              pen=None, symbol="x", name="prediction ŷ")
        self.fit_plot.addItem(self.data_points)
        self.fit_plot.addItem(self.pred_points)
        self.tabs.addTab(self.fit_widget, "Fit")
        hist = pg.GraphicsLayoutWidget()
        self.hist_before = hist.addPlot(row=0, col=0)
        self.hist_after = hist.addPlot(row=0, col=1)
        style_plot(self.hist_before, "before scaling", "value", "count")
        style_plot(self.hist_after, "after scaling", "value", "count")
        self.hist_before_item = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                                brush=(31, 119, 180, 120), pen="#1f77b4")
        self.hist_after_item = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                               brush=(44, 160, 44, 120), pen="#2ca02c")
        self.hist_before.addItem(self.hist_before_item)
        self.hist_after.addItem(self.hist_after_item)
        self.tabs.addTab(hist, "Feature scaling")
        self._rows: np.ndarray | None = None
        self._X_shown: np.ndarray | None = None
        self.feature_combo.currentIndexChanged.connect(lambda _i: self.redraw())
        self._problem = None
        self._w: np.ndarray | None = None
        self._b: float | None = None

    def set_problem(self, problem) -> None:
        self._problem = problem
        names = list(problem.feature_names)
        current = self.feature_combo.currentText()
        self.feature_combo.blockSignals(True)
        if [self.feature_combo.itemText(k) for k in range(self.feature_combo.count())] != names:
            self.feature_combo.clear()
            self.feature_combo.addItems(names)
            if current in names:
                self.feature_combo.setCurrentText(current)
        self.feature_combo.blockSignals(False)
        m = problem.m
        if m > self.MAX_POINTS:
            self._rows = np.random.default_rng(0).choice(m, self.MAX_POINTS, replace=False)
        else:
            self._rows = np.arange(m)
        self._X_shown = problem.design.X[self._rows]  # rows drawn; copied once, not per frame
        self._w, self._b = None, None
        self.redraw()

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
        self.fit_plot.setLabel("bottom", fname, **LABEL_STYLE)
        self.fit_plot.setLabel("left", problem.dataset.target_name, **LABEL_STYLE)
        self.data_points.setData(x, y)
        self._redraw_predictions()
        full = X[:, k]
        counts, edges = np.histogram(full[np.isfinite(full)], bins=30)
        self.hist_before_item.setData(edges, counts)
        scaled = (full - problem.scaler.shift[k]) / problem.scaler.scale[k] \
            if problem.scaling != "none" else full
        counts, edges = np.histogram(scaled[np.isfinite(scaled)], bins=30)
        self.hist_after_item.setData(edges, counts)
        self.hist_before.setLabel("bottom", fname, **LABEL_STYLE)
        self.hist_after.setLabel("bottom", f"{short_name(fname)} ({problem.scaling})",
                                 **LABEL_STYLE)

    def _redraw_predictions(self) -> None:
        problem = self._problem
        if problem is None or self._rows is None or self._w is None:
            self.pred_points.setData([], [])
            return
        k = max(self.feature_combo.currentIndex(), 0)
        X = self._X_shown
        with np.errstate(all="ignore"):
            # einsum, not BLAS: a BLAS call here would queue behind the worker's big
            # matrix-vector products and stall the event loop for hundreds of ms.
            pred = np.einsum("ij,j->i", X, np.asarray(self._w, np.float64)) + (self._b or 0.0)
        ok = np.isfinite(pred)
        self.pred_points.setData(X[ok, k], pred[ok])


EQUATIONS = (
    "<div><b>One gradient-descent step</b></div><table cellspacing='4'>"
    "<tr><td>prediction</td><td><b>ŷ = Xw + b</b></td></tr>"
    "<tr><td>error</td><td><b>e = ŷ − y</b></td></tr>"
    "<tr><td>cost</td><td><b>J = (1/2m) Σ e²</b></td></tr>"
    "<tr><td>gradient</td><td><b>∇w = (1/m) Xᵀe</b>,&nbsp; <b>∂b = (1/m) Σ e</b></td></tr>"
    "<tr><td>update</td><td><b>w := w − α∇w</b>,&nbsp; <b>b := b − α∂b</b></td></tr>"
    "</table>"
)


def fmt(x: float | None, digits: int = 5) -> str:
    if x is None:
        return "—"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}"


class NumbersPanel(QWidget):
    """The live numbers of the run next to the equations of one gradient-descent step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.numbers = QLabel()
        self.numbers.setTextFormat(Qt.TextFormat.RichText)
        self.numbers.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.numbers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equations = QLabel(EQUATIONS)
        self.equations.setTextFormat(Qt.TextFormat.RichText)
        self.equations.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        font = self.font()
        font.setPointSize(font.pointSize() + 1)
        self.numbers.setFont(font)
        self.equations.setFont(font)
        self.equations.setStyleSheet("background:#f4f6fa; border:1px solid #ccd; padding:6px;")
        layout.addWidget(self.numbers, 1)
        layout.addWidget(self.equations, 1)
        self.alpha_max: float | None = None
        self.condition: float | None = None
        self.names: list[str] = []
        self.units: list[str] = []
        self.update_numbers(None)

    def set_problem_numbers(self, alpha_max: float, condition: float, names: list[str],
                            units: list[str]) -> None:
        self.alpha_max, self.condition = alpha_max, condition
        self.names, self.units = names, units

    def update_numbers(self, snap, alpha: float | None = None, status: str = "") -> None:
        rows = []
        if snap is None:
            rows.append(("iteration", "—"))
            rows.append(("cost J", "—"))
            rows.append(("gradient norm ‖∇J‖", "—"))
        else:
            rows.append(("iteration", f"{snap.iteration:,}"))
            rows.append(("cost J", fmt(snap.cost, 7)))
            rows.append(("gradient norm ‖∇J‖", fmt(snap.grad_norm, 4)))
        if alpha is not None:
            rows.append(("learning rate α", fmt(alpha, 4)))
        rows.append(("α_max", fmt(self.alpha_max, 4)))
        rows.append(("condition number of A", fmt(self.condition, 4)))
        if status:
            rows.append(("status", status))
        html_rows = "".join(f"<tr><td>{html.escape(k)}&nbsp;&nbsp;</td>"
                            f"<td><b>{html.escape(v)}</b></td></tr>" for k, v in rows)
        coef_rows = ""
        if snap is not None:
            params = list(snap.w) + ([snap.b] if snap.b is not None else [])
            shown = list(range(min(len(params), 6)))
            if snap.b is not None and len(params) - 1 not in shown:
                shown.append(len(params) - 1)
            for k in shown:
                name = self.names[k] if k < len(self.names) else f"θ{k}"
                unit = self.units[k] if k < len(self.units) else ""
                coef_rows += (f"<tr><td>{html.escape(name)}&nbsp;&nbsp;</td>"
                              f"<td><b>{fmt(params[k], 6)}"
                              f"</b> <span style='color:#555'>{html.escape(unit)}</span>"
                              f"</td></tr>")
            if len(params) > len(shown):
                coef_rows += f"<tr><td colspan=2>… {len(params) - len(shown)} more</td></tr>"
        self.numbers.setText(
            "<table cellspacing='0' cellpadding='1'>" + html_rows + "</table>"
            + ("<div style='margin-top:4px'><b>Coefficients (original units)</b></div>"
               "<table cellspacing='1'>" + coef_rows + "</table>" if coef_rows else ""))
