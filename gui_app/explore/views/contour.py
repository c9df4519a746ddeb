"""The cost-contour view: J over two parameters (training coordinates) with the path, or
the paths of a race (one colour per racer, :data:`gui_app.explore.plots.RACE_COLORS`)."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gui_app.explore import plots as style
from gui_app.explore.plots import fit_texts, style_plot
from gui_app.explore.views.contour_watch import ContourWatch

N_LEVELS = 14
GRID_POINTS = 121
MIN_PLOT_HEIGHT = 180  # px: no plot is shorter on a 1280 × 720 screen
# no break inside an entry (a narrow row wraps between entries, never "★ / optimum")
LEGEND_HTML = (
    "<span style='color:#d62728'>━━</span>&nbsp;path &nbsp; "
    "<span style='color:#2ca02c'>●</span>&nbsp;start &nbsp; "
    "<span style='color:#ff7f0e'>●</span>&nbsp;current &nbsp; "
    "<span style='color:#c9a400'>★</span>&nbsp;optimum"
)
#: What the legend row's tooltip says during a race: the row names the racers only (one line
#: each, so that four racers with large fonts leave the plot its height); the start marker
#: turns white, so that it is not taken for the green racer.
RACE_LEGEND_TIP = "○ (white) start point of every racer   ★ optimum   ● each racer's current point"


#: The race legend's font: the window's, a little smaller and at most RACE_LEGEND_MAX_PT
#: (as large as the other legends in presentation mode), so that its four lines leave the
#: contour its 180 px on a 1366 × 768 screen, in presentation mode too.
RACE_LEGEND_SCALE = 0.9
RACE_LEGEND_MAX_PT = 11.0


def race_legend_html(entries: list[tuple[str, str, str]], point_size: float = 0.0) -> str:
    """The legend row of a race: per racer (label, colour, final numbers or "") one line in
    its colour with its label and, once it ended, its final numbers; in ``point_size`` pt
    when given."""
    parts = []
    for label, color, numbers in entries:
        text = html.escape(label, quote=False).replace(" ", "&nbsp;")
        if numbers:
            bold = html.escape(numbers, quote=False).replace(" ", "&nbsp;")
            text += f"&nbsp;&nbsp;<b>{bold}</b>"
        parts.append(f"<span style='color:{color}'>━●</span>&nbsp;{text}")
    text = "<br>".join(parts)
    if point_size > 0:
        text = f"<div style='font-size:{point_size:.1f}pt'>{text}</div>"
    return text


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
        for combo in (self.x_combo, self.y_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        self.equal_axes = QCheckBox("equal axes")
        self.equal_axes.setToolTip("Same scale on both axes: after scaling, ellipses → circles")
        bar.addWidget(QLabel("J over"))
        bar.addWidget(self.x_combo, 1)
        bar.addWidget(QLabel("and"))
        bar.addWidget(self.y_combo, 1)
        layout.addLayout(bar)
        # the legend sits outside the plot: inside it would hide parts of the path
        row = QHBoxLayout()
        #: the single-run legend's colours, replaced (presentation mode): old → new
        self.legend_colors: dict[str, str] = {}
        self._race_legend = False
        self.legend_label = QLabel(LEGEND_HTML)
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setWordWrap(True)
        row.addWidget(self.legend_label, 1)
        row.addWidget(self.equal_axes)
        layout.addLayout(row)
        self.widget = pg.PlotWidget()
        self.widget.setMinimumHeight(MIN_PLOT_HEIGHT)
        layout.addWidget(self.widget, 1)
        self.plot = self.widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        style_plot(self.plot, "Cost J(w, b) and the path", "", "")
        fit_texts(self.plot, ("Cost J(w, b) and the path", "Cost J and path"))
        # pyqtgraph's legend stays hidden (the label row above is the legend); it exists for
        # code that restyles every plot's legend (presentation mode)
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="10pt")
        self.legend.setVisible(False)
        cmap = pg.colormap.get("viridis")
        colors = cmap.getLookupTable(0.0, 0.85, N_LEVELS)
        self.level_items = []
        for k in range(N_LEVELS):
            item = pg.PlotDataItem(connect="finite", pen=pg.mkPen(colors[k], width=1.5))
            # the levels only change with the problem: repaint them from a cached pixmap
            item.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot.addItem(item)
            self.level_items.append(item)
        self.trajectory = pg.PlotDataItem(
            pen=pg.mkPen("#d62728", width=2),
            symbol="o",
            symbolSize=4,
            symbolBrush="#d62728",
            symbolPen=None,
        )
        self.start_marker = pg.ScatterPlotItem(
            size=14, symbol="o", brush="#2ca02c", pen=pg.mkPen("k", width=1)
        )
        self.current_marker = pg.ScatterPlotItem(
            size=14, symbol="o", brush="#ff7f0e", pen=pg.mkPen("k", width=1)
        )
        self.optimum_marker = pg.ScatterPlotItem(
            size=20, symbol="star", brush="#ffd700", pen=pg.mkPen("k", width=1)
        )
        for item in (self.trajectory, self.start_marker, self.current_marker, self.optimum_marker):
            self.plot.addItem(item)
        self.watch = ContourWatch(self.plot, self.widget.scene())  # hover, step and gradient
        row.addWidget(self.watch.show_gradient)
        # a race's paths and current markers (one pair per racer), made when first needed
        self.race_paths: list[pg.PlotDataItem] = []
        self.race_markers: list[pg.ScatterPlotItem] = []
        self.widget.scene().sigMouseClicked.connect(self._clicked)
        self.equal_axes.toggled.connect(self._equal_toggled)
        self.x_combo.activated.connect(self._pair_activated)
        self.y_combo.activated.connect(self._pair_activated)
        self.grid_extent: tuple[float, float, float, float] | None = None
        self._problem: tuple | None = None  # show_problem's arguments, to redraw on a resize
        # with equal axes the view's shape decides what is shown: a resize recomputes the
        # grid (once the resizing settles) so that the contours fill the plot
        self._regrid = QTimer(self)
        self._regrid.setSingleShot(True)
        self._regrid.setInterval(150)
        self._regrid.timeout.connect(self._redraw_problem)
        self.plot.getViewBox().sigResized.connect(self._view_resized)
        self.axis_texts = ("", "")
        self.label_filter = None  # str -> str applied to the axis labels, or None

    def set_parameters(self, labels: list[str], i: int, j: int) -> None:
        """Offer ``labels`` in the pair combos (and only them), ``i`` and ``j`` chosen."""
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
        if self._problem is not None:
            self._redraw_problem()  # a grid shaped like the view (equal axes) or the data
        else:
            self.plot.getViewBox().autoRange()

    def _view_resized(self) -> None:
        if self.equal_axes.isChecked() and self._problem is not None:
            self._regrid.start()

    def _redraw_problem(self) -> None:
        if self._problem is not None:
            self.show_problem(*self._problem)

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
        self.plot.setLabel("bottom", x, **style.LABEL_STYLE)
        self.plot.setLabel("left", y, **style.LABEL_STYLE)

    def set_surface(self, u: np.ndarray, v: np.ndarray, J: np.ndarray) -> None:
        """Draw the contour lines of ``J[k, l]`` over ``u[l]``, ``v[k]``."""
        from contourpy import LineType, contour_generator  # not needed before the first paint

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
        vb = self.plot.getViewBox()
        if vb.state["aspectLocked"]:  # the grid has the view's shape: show it, no margin
            vb.setRange(xRange=(u[1], u[-2]), yRange=(v[1], v[-2]), padding=0)
        else:
            vb.setRange(xRange=(u[0], u[-1]), yRange=(v[0], v[-1]), padding=0.02)

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

    def set_race_paths(self, paths: list[tuple[np.ndarray, np.ndarray]], colors: list[str]) -> None:
        """Draw a race: racer k's path (x, y arrays) and current marker in ``colors[k]``;
        an empty list takes every racer's path away (a single run's look comes back)."""
        while len(self.race_paths) < len(paths):
            path = pg.PlotDataItem(symbolSize=4, symbolPen=None)
            marker = pg.ScatterPlotItem(size=13, symbol="o", pen=pg.mkPen("k", width=1))
            path.setZValue(5)
            marker.setZValue(6)
            self.plot.addItem(path)
            self.plot.addItem(marker)
            self.race_paths.append(path)
            self.race_markers.append(marker)
        for k, (path, marker) in enumerate(zip(self.race_paths, self.race_markers, strict=True)):
            if k >= len(paths):
                path.setData([], [])
                marker.setData([], [])
                continue
            x, y = paths[k]
            ok = np.isfinite(x) & np.isfinite(y)
            x, y = x[ok], y[ok]
            color = colors[k]
            # restyling re-renders an item: only when its colour or symbol really changes
            if getattr(path, "race_color", None) != color:
                path.race_color = color
                path.setPen(pg.mkPen(color, width=2))
                path.setSymbolBrush(color)
                marker.setBrush(pg.mkBrush(color))
            # dots while they can be told apart: 2000 in all, as for a single path
            symbol = None if len(x) * len(paths) > 2000 else "o"
            if path.opts["symbol"] != symbol:
                path.setSymbol(symbol)
            path.setData(x, y)
            marker.setData(x[-1:], y[-1:])

    def set_race_legend(self, entries: list[tuple[str, str, str]] | None) -> None:
        """The legend row: a race's entries (label, colour, final numbers), or None for a
        single run's legend."""
        point_size = min(
            self.legend_label.font().pointSizeF() * RACE_LEGEND_SCALE, RACE_LEGEND_MAX_PT
        )
        self._race_legend = bool(entries)
        text = self._single_legend() if not entries else race_legend_html(entries, point_size)
        if self.legend_label.text() != text:
            self.legend_label.setText(text)
            self.legend_label.setToolTip(RACE_LEGEND_TIP if entries else "")
            start = self.legend_colors.get("#2ca02c", "#2ca02c")
            self.start_marker.setBrush(pg.mkBrush("w" if entries else start))

    def _single_legend(self) -> str:
        """A single run's legend row, in :attr:`legend_colors`."""
        text = LEGEND_HTML
        for old, new in self.legend_colors.items():
            text = text.replace(old, new)
        return text

    def set_legend_colors(self, mapping: dict[str, str]) -> None:
        """Draw the single-run legend row in other colours (old → new, lower-case "#rrggbb"):
        presentation mode recolours the path and markers, and the row must say the same."""
        self.legend_colors = dict(mapping)
        if not self._race_legend:
            self.legend_label.setText(self._single_legend())

    def set_start(self, x: float, y: float) -> None:
        self.start_marker.setData([x], [y])

    def set_optimum(self, x: float, y: float) -> None:
        self.optimum_marker.setData([x], [y])

    def clear(self) -> None:
        """No problem: no contours, no markers, no pair choices."""
        self.set_parameters([], -1, -1)
        for item in self.level_items:
            item.setData([], [])
        for marker in (self.start_marker, self.current_marker, self.optimum_marker):
            marker.setData([], [])
        self.set_trajectory(np.array([]), np.array([]))
        self.watch.clear()
        self.set_race_paths([], [])
        self.grid_extent = None
        self._problem = None

    def show_problem(
        self,
        prep,
        pair: tuple[int, int],
        start: np.ndarray,
        path: np.ndarray | None,
        labels: tuple[str, str],
    ) -> None:
        """Contours of the prepared problem ``prep`` over parameters ``pair`` around the
        optimum, the start point ``start`` (θ, training coordinates) and a grid wide enough
        for ``path`` (k × n_params, or None) when it is given."""
        i, j = pair
        opt = prep.optimum
        pts_i, pts_j = [opt[i], start[i]], [opt[j], start[j]]
        if path is not None and len(path):
            fin = np.isfinite(path[:, i]) & np.isfinite(path[:, j])
            if fin.any():
                pts_i += [path[fin, i].min(), path[fin, i].max()]
                pts_j += [path[fin, j].min(), path[fin, j].max()]
        self._problem = (prep, pair, start, path, labels)
        u, v = grid_axis(pts_i, opt[i]), grid_axis(pts_j, opt[j])
        if self.equal_axes.isChecked():
            vb = self.plot.getViewBox()
            u, v = aspect_grid(u, v, vb.width(), vb.height())
        self.set_surface(u, v, prep.cost_surface(i, j, u, v))
        self.set_optimum(opt[i], opt[j])
        self.set_start(start[i], start[j])
        self.set_axis_labels(*labels)


def grid_axis(points: list[float], centre: float, count: int = GRID_POINTS) -> np.ndarray:
    """Grid coordinates covering ``points`` with a margin (never an empty span)."""
    lo, hi = float(min(points)), float(max(points))
    span = hi - lo
    if not span > 0:
        span = max(abs(centre), 1.0)
        lo, hi = centre - span / 2, centre + span / 2
    return np.linspace(lo - 0.25 * span, hi + 0.25 * span, count)


def aspect_grid(
    u: np.ndarray, v: np.ndarray, width: float, height: float
) -> tuple[np.ndarray, np.ndarray]:
    """Grid axes ``u``, ``v`` widened (about their centres) to the shape of a ``width`` ×
    ``height`` px view, so that with equal axes (one unit = as many px on both) the grid
    covers all the view shows and no band of the plot is left without contours."""
    if not (width > 0 and height > 0):
        return u, v
    span_u, span_v = float(u[-1] - u[0]), float(v[-1] - v[0])
    per_px = max(span_u / width, span_v / height)
    # 4 % more than the view: setRange's padding and the aspect lock's rounding
    new_u, new_v = per_px * width * 1.04, per_px * height * 1.04
    mid_u, mid_v = (u[0] + u[-1]) / 2, (v[0] + v[-1]) / 2
    return (
        np.linspace(mid_u - new_u / 2, mid_u + new_u / 2, len(u)),
        np.linspace(mid_v - new_v / 2, mid_v + new_v / 2, len(v)),
    )
