"""What the contour adds for watching a step (issue 11, item 4): the hover readout (the two
parameters and J under the mouse), the last step drawn as an arrow (at a finite speed) and the
gradient at the current point (−∇J on the pair, a checkbox "show gradient").

:class:`ContourWatch` owns these items and the checkbox; :class:`~gui_app.explore.views.
contour.ContourView` creates one (``contour.watch``) and the window's painter
(:mod:`gui_app.explore.watch_paint`) feeds it from the state. The numbers come from the pure
functions :func:`hover_text` and :func:`descent_on_pair`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QCheckBox

STEP_COLOR = "#e7298a"  # the last step (magenta: apart from the path's red and the markers)
GRADIENT_COLOR = "#1f4e9c"  # −∇J (dark blue)
GRADIENT_PX = 70  # the gradient arrow's drawn length in pixels (its size is the label's)


def hover_text(prep, pair: tuple[int, int], names: list[str], x: float, y: float) -> str:
    """The readout at contour point ``(x, y)`` (training coordinates of ``pair``): both
    parameters by name and J there, with the other parameters at the least-squares optimum,
    as on the contour (``Prepared.cost_surface``)."""
    i, j = pair
    J = float(prep.cost_surface(i, j, np.array([x]), np.array([y]))[0, 0])
    where = "" if prep.problem.n_params == 2 else "\n(other parameters at the optimum)"
    return f"{names[i]} = {x:.4g}\n{names[j]} = {y:.4g}\nJ = {J:.6g}{where}"


def descent_on_pair(problem, theta: np.ndarray, pair: tuple[int, int]) -> np.ndarray:
    """−∇J at ``theta`` (training coordinates, full data) projected on ``pair``: the two
    components (−∂J/∂θ_i, −∂J/∂θ_j), from :meth:`core.model.problem.Problem.gram_gradient`."""
    g = problem.gram_gradient(theta)
    return -np.array([g[pair[0]], g[pair[1]]])


class _Head(pg.ArrowItem):
    """An arrowhead that, like the plot's data items, answers ``name()`` (None: no legend)."""

    def name(self) -> None:
        return None


class _Text(pg.TextItem):
    """A text item that answers ``name()`` (None: no legend entry)."""

    def name(self) -> None:
        return None


class Arrow:
    """A line from one point to another in a plot's data coordinates, with a head of fixed
    pixel size at the end, pointing along the line as drawn (whatever the axes' scales)."""

    def __init__(self, plot: pg.PlotItem, color: str, width: float = 2.5) -> None:
        self.plot = plot
        self.line = pg.PlotDataItem(pen=pg.mkPen(color, width=width))
        self.head = _Head(
            angle=0, headLen=14, tipAngle=36, tailLen=None, pen=pg.mkPen(color), brush=color
        )
        for item in (self.line, self.head):
            item.setZValue(20)
            plot.addItem(item, ignoreBounds=True)
        self.ends: tuple[float, float, float, float] | None = None
        self.head.setVisible(False)
        plot.getViewBox().sigRangeChanged.connect(self._turn_head)
        plot.getViewBox().sigResized.connect(self._turn_head)

    def set(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Draw the arrow from ``(x0, y0)`` to ``(x1, y1)``."""
        if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
            self.clear()
            return
        self.ends = (x0, y0, x1, y1)
        self.line.setData([x0, x1], [y0, y1])
        self.head.setPos(x1, y1)
        self.head.setVisible(True)
        self._turn_head()

    def clear(self) -> None:
        """Hide the arrow."""
        self.ends = None
        self.line.setData([], [])
        self.head.setVisible(False)

    def screen_angle(self) -> float | None:
        """The line's direction on screen in degrees (x right, y down), None when hidden."""
        if self.ends is None:
            return None
        x0, y0, x1, y1 = self.ends
        vb = self.plot.getViewBox()
        a = vb.mapViewToScene(QPointF(x0, y0))
        b = vb.mapViewToScene(QPointF(x1, y1))
        return math.degrees(math.atan2(b.y() - a.y(), b.x() - a.x()))

    def _turn_head(self, *_args) -> None:
        angle = self.screen_angle()
        if angle is not None:  # an ArrowItem at angle 0 points left: turn it half round more
            self.head.setStyle(angle=angle + 180.0)


class ContourWatch:
    """The hover readout, the last-step arrow and the gradient arrow of one contour plot."""

    def __init__(self, plot: pg.PlotItem, scene) -> None:
        self.plot = plot
        self.show_gradient = QCheckBox("show gradient")
        self.show_gradient.setToolTip(
            "Draw −∇J at the current point (the full-data gradient, on the two parameters "
            "shown), the direction gradient descent steps in; its length is drawn to a fixed "
            "size, the label gives |∇J| on the pair (√((∂J/∂θ_i)² + (∂J/∂θ_j)²))"
        )
        self.step_arrow = Arrow(plot, STEP_COLOR)
        self.gradient_arrow = Arrow(plot, GRADIENT_COLOR, width=2.0)
        # both texts on a semi-opaque white box: contour lines do not run through them
        self.gradient_label = _Text(
            "", color=GRADIENT_COLOR, anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 200)
        )
        self.hover = _Text(
            "", color="#111", fill=pg.mkBrush(255, 255, 255, 225), border=pg.mkPen("#99a")
        )
        self.hover.setZValue(30)
        self.gradient_label.setZValue(25)
        for item in (self.gradient_label, self.hover):
            plot.addItem(item, ignoreBounds=True)
            item.setVisible(False)
        #: (x, y) -> the readout text, or None when nothing can be said there (set by the window)
        self.describe: Callable[[float, float], str | None] | None = None
        self._gradient: tuple[np.ndarray, np.ndarray] | None = None  # point, −∇J on the pair
        scene.sigMouseMoved.connect(self._mouse_moved)
        vb = plot.getViewBox()
        vb.sigRangeChanged.connect(self._redraw_gradient)
        vb.sigResized.connect(self._redraw_gradient)
        self.show_gradient.toggled.connect(self._redraw_gradient)

    # -- hover -----------------------------------------------------------------------------------
    def _mouse_moved(self, pos: QPointF) -> None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            self.hover.setVisible(False)
            return
        point = vb.mapSceneToView(pos)
        self.hover_at(point.x(), point.y())

    def hover_at(self, x: float, y: float) -> str:
        """Show the readout at ``(x, y)`` (data coordinates) next to that point; returns it
        ("" and hidden when nothing can be said there)."""
        text = self.describe(x, y) if self.describe is not None else None
        if not text:
            self.hover.setVisible(False)
            return ""
        self.hover.setText(text)
        self.hover.setPos(x, y)
        self.hover.setVisible(True)  # (a hidden TextItem does not update its transform)
        ax, ay = self._inside_anchor(x, y)
        # beside the cursor, on the first side that keeps the gradient's |∇J| label readable
        # and the readout inside the plot; else, clear of the label, the most of it inside
        label = self.gradient_label
        lift = 0.0
        if label.isVisible() and self.hover.boundingRect().height() > 0:
            lift = label.boundingRect().height() / self.hover.boundingRect().height() + 0.1
        beyond = ay - lift if ay < 0.5 else ay + lift  # past the label, on the same side
        sides = ((ax, ay), (ax, 1 - ay), (1 - ax, ay), (1 - ax, 1 - ay), (ax, beyond))
        best, best_area = sides[0], -1.0
        for anchor in sides:
            self.hover.setAnchor(anchor)
            if self._covers_gradient_label():
                continue
            area = self._area_inside_plot()
            if area >= 1.0:
                return text
            if area > best_area:
                best, best_area = anchor, area
        self.hover.setAnchor(best)
        return text

    def _area_inside_plot(self) -> float:
        """The share (0 to 1) of the hover readout, where it is now, inside the view box."""
        box = self.plot.getViewBox().sceneBoundingRect()
        rect = self.hover.mapRectToScene(self.hover.boundingRect())
        inside = box.intersected(rect)
        whole = rect.width() * rect.height()
        return inside.width() * inside.height() / whole if whole > 0 else 0.0

    def _covers_gradient_label(self) -> bool:
        """Whether the hover readout, where it is now, overlaps the gradient arrow's label."""
        label = self.gradient_label
        if not label.isVisible() or not label.toPlainText():
            return False
        return self.hover.mapRectToScene(self.hover.boundingRect()).intersects(
            label.mapRectToScene(label.boundingRect())
        )

    def _inside_anchor(self, x: float, y: float) -> tuple[float, float]:
        """A TextItem anchor that keeps a text at ``(x, y)`` inside the plot: to the left of
        the point in the right half, below it in the top half."""
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        return (1.05 if x > (x0 + x1) / 2 else -0.05, -0.05 if y > (y0 + y1) / 2 else 1.05)

    # -- arrows ----------------------------------------------------------------------------------
    def set_step(self, before: tuple[float, float] | None, after: tuple[float, float] | None):
        """Draw the last step from ``before`` to ``after`` (None: no arrow)."""
        if before is None or after is None:
            self.step_arrow.clear()
        else:
            self.step_arrow.set(before[0], before[1], after[0], after[1])

    def set_gradient(self, point: np.ndarray | None, descent: np.ndarray | None) -> None:
        """Draw −∇J (``descent``, two components) at ``point`` (two coordinates) when "show
        gradient" is on; None: none."""
        if point is None or descent is None or not np.all(np.isfinite(descent)):
            self._gradient = None
        else:
            self._gradient = (np.asarray(point, float), np.asarray(descent, float))
        self._redraw_gradient()

    def _redraw_gradient(self, *_args) -> None:
        if self._gradient is None or not self.show_gradient.isChecked():
            self.gradient_arrow.clear()
            self.gradient_label.setVisible(False)
            return
        point, descent = self._gradient
        norm = float(np.hypot(*descent))
        px_x, px_y = self.plot.getViewBox().viewPixelSize()
        on_screen = math.hypot(descent[0] / px_x, descent[1] / px_y) if px_x and px_y else 0.0
        if not (norm > 0 and on_screen > 0 and math.isfinite(on_screen)):
            self.gradient_arrow.clear()
            self.gradient_label.setText("∇J = 0 on this pair")
            self.gradient_label.setPos(float(point[0]), float(point[1]))
            self.gradient_label.setVisible(True)
            return
        tip = point + descent * (GRADIENT_PX / on_screen)
        self.gradient_arrow.set(float(point[0]), float(point[1]), float(tip[0]), float(tip[1]))
        self.gradient_label.setText(f"−∇J\n|∇J| = {norm:.3g}")
        self.gradient_label.setAnchor(self._inside_anchor(float(tip[0]), float(tip[1])))
        self.gradient_label.setPos(float(tip[0]), float(tip[1]))
        self.gradient_label.setVisible(True)

    def clear(self) -> None:
        """No step, no gradient, no readout."""
        self.set_step(None, None)
        self.set_gradient(None, None)
        self.hover.setVisible(False)
