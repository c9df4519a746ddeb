"""The 3-D view of the cost surface (issue 11, item 4): J over the contour's pair of parameters
(the same slice as the contour: the other parameters at the optimum) with the run's path on
it, drawn with pyqtgraph's OpenGL items (``GLViewWidget``, ``GLSurfacePlotItem``,
``GLLinePlotItem``).

``pyqtgraph.opengl`` (and PyOpenGL) is imported when the tab is first shown, never before.
Where OpenGL is unavailable (Qt's offscreen platform, where "QOpenGLWidget is not supported on
this platform"; PyOpenGL missing; no OpenGL context) the tab shows a label that says why and
the rest of the window works as before.

The three axes have unlike units (two parameters and a cost), so the scene is a unit box: the
grid spans −1..1 on both parameters and J from its minimum to its maximum on the grid spans
0..1; the path is drawn at the surface's height under each of its points (its projection on
the slice), a little above it so that it stays visible.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QShowEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

#: Qt platforms that have no OpenGL at all.
NO_GL_PLATFORMS = ("offscreen", "minimal", "vnc")
PATH_LIFT = 0.01  # how far above the surface the path is drawn (unit box)
PATH_RGBA = (0.84, 0.15, 0.16, 1.0)  # a single run's path (the racers': their race colours)
WAITING = "The 3-D surface appears here once a problem is ready."


def opengl_problem() -> str:
    """Why the 3-D view cannot be drawn here ("" when it can): the Qt platform, a missing
    PyOpenGL or pyqtgraph.opengl, or no OpenGL context (imports them: call it lazily)."""
    platform = QGuiApplication.platformName()
    if platform in NO_GL_PLATFORMS:
        return (
            f"OpenGL is not available on Qt's “{platform}” platform (QOpenGLWidget is not "
            "supported on this platform)"
        )
    try:
        import OpenGL.GL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
    except Exception as exc:  # ImportError, or a broken OpenGL library
        return f"PyOpenGL could not be loaded ({type(exc).__name__}: {exc}); install PyOpenGL"
    from PySide6.QtGui import QOffscreenSurface, QOpenGLContext

    context = QOpenGLContext()
    if not context.create():
        return "no OpenGL context could be created (the graphics driver offers no OpenGL)"
    surface = QOffscreenSurface()
    surface.create()
    ok = context.makeCurrent(surface)
    if ok:
        context.doneCurrent()
    surface.destroy()
    return "" if ok else "an OpenGL context could not be made current"


def unit_box(
    u: np.ndarray, v: np.ndarray, J: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]:
    """The grid ``u`` (columns), ``v`` (rows), ``J[k, l]`` mapped into the unit box: x, y in
    −1..1, z = (J − min)/(max − min) in 0..1; returns (x, y, z[l, k], (min, span)), z laid
    out as GLSurfacePlotItem wants it (x along the first axis)."""
    x = 2 * (u - u[0]) / (u[-1] - u[0]) - 1 if u[-1] != u[0] else np.zeros_like(u)
    y = 2 * (v - v[0]) / (v[-1] - v[0]) - 1 if v[-1] != v[0] else np.zeros_like(v)
    finite = J[np.isfinite(J)]
    lo = float(finite.min()) if finite.size else 0.0
    span = float(finite.max()) - lo if finite.size else 1.0
    span = span if span > 0 else 1.0
    z = np.nan_to_num((J - lo) / span, nan=1.0, posinf=1.0, neginf=0.0)
    return x, y, np.ascontiguousarray(z.T), (lo, span)


class Surface3DView(QWidget):
    """The cost surface over the contour's pair with the path on it, or why it cannot be
    drawn. Feed it with :meth:`set_surface` and :meth:`set_path` (drawn when shown)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(WAITING)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.layout_.addWidget(self.label)
        self.caption = QLabel("")  # what the surface is (set with it); shown with the GL view
        self.caption.setWordWrap(True)
        self.caption.hide()
        self.layout_.insertWidget(0, self.caption)
        self.reason: str | None = None  # why there is no 3-D view ("" once it is built)
        self.gl = None  # the GLViewWidget once built
        self._surface_item = None
        self._path_item = None
        self._grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._box: tuple[float, float] = (0.0, 1.0)
        self._path: tuple[np.ndarray, np.ndarray] | None = None
        self._race_paths: list[tuple[np.ndarray, np.ndarray, str]] = []  # set_race_paths

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_view()

    def ensure_view(self) -> bool:
        """Build the OpenGL view the first time (True when there is one); without OpenGL the
        label says why."""
        if self.reason is not None:  # probed already (or being built: showing re-enters)
            return self.gl is not None
        self.reason = ""
        self.reason = opengl_problem()
        if self.reason:
            self.label.setText(
                f"No 3-D view here: {self.reason}. The contour shows the same surface; "
                "the rest of the window works as usual."
            )
            return False
        import pyqtgraph as pg
        import pyqtgraph.opengl as gl

        view = gl.GLViewWidget()
        view.setBackgroundColor("w")
        view.setCameraPosition(distance=3.8, elevation=30, azimuth=-60)
        view.opts["center"] = pg.Vector(0, 0, 0.4)
        # coloured per vertex by height with the contour's colour map (viridis)
        self._surface_item = gl.GLSurfacePlotItem(computeNormals=False, smooth=False)
        self._path_item = gl.GLLinePlotItem(color=PATH_RGBA, width=3, antialias=True)
        view.addItem(self._surface_item)
        view.addItem(self._path_item)
        self.layout_.removeWidget(self.label)
        self.label.hide()
        view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.layout_.addWidget(view, 1)
        self.caption.show()
        self.gl = view
        self._draw()
        return True

    def set_caption(self, text: str) -> None:
        """The line above the 3-D view (what the axes are)."""
        self.caption.setText(text)

    def set_surface(self, u: np.ndarray | None, v: np.ndarray | None, J: np.ndarray | None) -> None:
        """The surface ``J[k, l]`` over ``u[l]``, ``v[k]`` (None: none)."""
        self._grid = None if u is None or v is None or J is None else (u, v, J)
        self._draw()

    def set_path(self, x: np.ndarray | None, y: np.ndarray | None) -> None:
        """The path's points on the pair (training coordinates; None: no path)."""
        self._path = None if x is None or y is None else (np.asarray(x), np.asarray(y))
        self._draw_path()

    def set_race_paths(self, paths: list[tuple[np.ndarray, np.ndarray, str]]) -> None:
        """The racers' paths, each (x, y, colour) on the pair, drawn instead of the single
        path while a race is on screen (empty: the single path again)."""
        self._race_paths = [(np.asarray(x), np.asarray(y), c) for x, y, c in paths]
        self._draw_path()

    def race_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """The racers' paths as drawn: (2k × 3 segment ends in the unit box, 2k × 4 RGBA
        colours), each path's consecutive points as segments in its colour."""
        ends, colors = [np.empty((0, 3))], [np.empty((0, 4))]
        for x, y, color in self._race_paths:
            pts = self.path_points((x, y))
            if len(pts) < 2:
                continue
            seg = np.repeat(pts, 2, axis=0)[1:-1]  # p0 p1 p1 p2 … (GL "lines" pairs)
            rgba = QColor(color).getRgbF()
            ends.append(seg)
            colors.append(np.tile(rgba, (len(seg), 1)))
        return np.vstack(ends), np.vstack(colors)

    def path_points(self, path: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """The path (``path``, else the single path) as drawn: k × 3 points in the unit box
        (empty without a surface)."""
        path = self._path if path is None else path
        if self._grid is None or path is None or not len(path[0]):
            return np.empty((0, 3))
        u, v, J = self._grid
        px, py = path
        ok = np.isfinite(px) & np.isfinite(py)
        px, py = px[ok], py[ok]
        # the slice's J at each point: bilinear in the grid (the quadratic between nodes)
        zs = _interpolate(u, v, J, px, py)
        lo, span = self._box
        x = 2 * (px - u[0]) / (u[-1] - u[0]) - 1
        y = 2 * (py - v[0]) / (v[-1] - v[0]) - 1
        return np.column_stack([x, y, (zs - lo) / span + PATH_LIFT])

    def _draw(self) -> None:
        if self._grid is None:
            if self.gl is None and not self.reason:
                self.label.setText(WAITING)
            if self._surface_item is not None:
                self._surface_item.setVisible(False)
            self._draw_path()
            return
        u, v, J = self._grid
        x, y, z, self._box = unit_box(u, v, J)
        if self._surface_item is not None:
            import pyqtgraph as pg

            colors = pg.colormap.get("viridis").map(np.clip(z, 0, 1).ravel(), mode="float")
            self._surface_item.setData(x=x, y=y, z=z)  # (a new mesh forgets its colours:
            self._surface_item.setData(colors=colors)  # colour after; (Nv, 4), x-major)
            self._surface_item.setVisible(True)
        self._draw_path()

    def _draw_path(self) -> None:
        if self._path_item is None:
            return
        if self._race_paths:
            seg, colors = self.race_segments()
            self._path_item.setData(pos=seg, color=colors, mode="lines")
            return
        pts = self.path_points()
        self._path_item.setData(
            pos=pts if len(pts) else np.zeros((0, 3)), color=PATH_RGBA, mode="line_strip"
        )


def _interpolate(
    u: np.ndarray, v: np.ndarray, J: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """Bilinear interpolation of ``J[k, l]`` (over ``v[k]``, ``u[l]``) at points (x, y),
    clamped to the grid."""
    fx = np.clip((x - u[0]) / (u[-1] - u[0]) * (len(u) - 1), 0, len(u) - 1)
    fy = np.clip((y - v[0]) / (v[-1] - v[0]) * (len(v) - 1), 0, len(v) - 1)
    ix = np.minimum(fx.astype(int), len(u) - 2)
    iy = np.minimum(fy.astype(int), len(v) - 2)
    tx, ty = fx - ix, fy - iy
    return (
        J[iy, ix] * (1 - tx) * (1 - ty)
        + J[iy, ix + 1] * tx * (1 - ty)
        + J[iy + 1, ix] * (1 - tx) * ty
        + J[iy + 1, ix + 1] * tx * ty
    )
