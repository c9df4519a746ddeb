"""The frames of an animation export (:mod:`gui_app.explore.animation`): an off-screen copy of
the contour view that draws the paths up to an iteration, a caption and a legend, and the
progress dialog that keeps the window responsive while they are drawn."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QApplication, QProgressDialog

from gui_app.explore.animation_plan import (
    CURRENT_COLOR,
    OPTIMUM_COLOR,
    START_COLOR,
    Cancelled,
    Track,
    caption,
    format_cost,
)
from gui_app.explore.views.contour import ContourView

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow

TEXT_COLOR = "#111"
NOTE_COLOR = "#555"
#: The legend's sample of the contour levels: viridis at its low, middle and high end.
LEVEL_SAMPLE = ("#440154", "#21918c", "#a0da39")
# the widest J a legend entry may show: the legend's layout does not move between frames
WIDEST_COST = "-8.88e+888"


def legend_names(labels: list[str]) -> tuple[list[str], str]:
    """The racers' names without the data and model they share, and that shared part:
    ["GD α=0.1, z-score · housing", "adam α=0.1, z-score · housing"] →
    (["GD α=0.1", "adam α=0.1"], "z-score · housing"). One run, or runs on other data or
    models, keep their whole labels (and the shared part is "")."""
    if len(labels) < 2 or not all(", " in label for label in labels):
        return labels, ""
    heads, tails = zip(*(label.split(", ", 1) for label in labels), strict=True)
    if len(set(tails)) != 1:
        return labels, ""
    return list(heads), tails[0]


def font_scale(width: int, height: int) -> float:
    """How much larger than on screen texts, lines and markers are drawn in a frame of
    ``width`` × ``height`` px: 1 up to 960 × 540, growing with the frame (4/3 at 1280 × 720,
    2 at 1920 × 1080), so that they stay readable on a projected slide."""
    return max(1.0, min(width / 960, height / 540))


class FrameRenderer:
    """Draws the frames of an animation of ``tracks`` on the window's contour problem:
    frame ``k`` shows each path up to iteration ``targets[k]``, in a ``size`` (width,
    height) px image. The window's own views are never changed."""

    def __init__(
        self,
        window: MainWindow,
        tracks: list[Track],
        targets: np.ndarray,
        size: tuple[int, int],
    ) -> None:
        self.tracks = tracks
        self.targets = targets
        self.width, self.height = size
        s = font_scale(*size)
        self.scale = s
        state = window.state
        app_font = QApplication.font()
        self.caption_font = QFont(app_font)
        self.caption_font.setPixelSize(round(22 * s))
        self.caption_font.setWeight(QFont.Weight.DemiBold)
        self.legend_font = QFont(app_font)
        self.legend_font.setPixelSize(round(15 * s))
        self.pad = round(8 * s)
        self.names, self.common = legend_names([t.label for t in tracks])
        self.entries = self._legend_entries()
        self.legend_lines = self._flow()
        self.band = (
            2 * self.pad
            + QFontMetrics(self.caption_font).height()
            + len(self.legend_lines) * QFontMetrics(self.legend_font).height()
        )
        # an off-screen copy of the contour view; only its plot widget is drawn
        self.view = ContourView()
        plot_widget = self.view.widget
        self.view.layout().removeWidget(plot_widget)
        plot_widget.setParent(None)
        plot_widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.plot_widget = plot_widget
        plot_widget.setBackground("w")  # as the window (whatever pyqtgraph's defaults are)
        plot = self.view.plot
        for item in self.view.level_items:  # lines as much thicker as the texts are larger
            pen = pg.mkPen(item.opts["pen"])
            pen.setWidthF(pen.widthF() * s)
            item.setPen(pen)
        plot.setTitle(None)
        tick_font = QFont(app_font)
        tick_font.setPixelSize(round(13 * s))
        label_style = {"font-size": f"{round(15 * s)}px", "color": "#222"}
        x_text, y_text = window.contour.axis_texts
        for axis, text in (("bottom", x_text), ("left", y_text)):
            plot.getAxis(axis).setTickFont(tick_font)
            plot.setLabel(axis, text, **label_style)
        for item in (self.view.trajectory, self.view.current_marker):
            item.setVisible(False)
        # paths under the current points under the start and the optimum (as on screen)
        self.view.start_marker.setSize(14 * s)
        self.view.start_marker.setZValue(3)
        self.view.optimum_marker.setSize(20 * s)
        self.view.optimum_marker.setZValue(4)
        race = len(tracks) > 1
        self.paths: list[pg.PlotDataItem] = []
        self.markers: list[pg.ScatterPlotItem] = []
        for track in tracks:
            dots = len(track.xy) <= 2000  # as the window: dots while they can be told apart
            path = pg.PlotDataItem(
                pen=pg.mkPen(track.color, width=2 * s),
                symbol="o" if dots else None,
                symbolSize=4 * s,
                symbolBrush=track.color,
                symbolPen=None,
            )
            marker = pg.ScatterPlotItem(
                size=14 * s,
                symbol="o",
                brush=track.color if race else CURRENT_COLOR,
                pen=pg.mkPen("k", width=1),
            )
            path.setZValue(1)
            marker.setZValue(2)
            plot.addItem(path)
            plot.addItem(marker)
            self.paths.append(path)
            self.markers.append(marker)
        plot_widget.resize(self.width, self.height - self.band)
        plot_widget.show()  # not on screen (WA_DontShowOnScreen): lays the plot out
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.view.equal_axes.setChecked(window.contour.equal_axes.isChecked())
        # the grid holds every path that did not diverge (as the window's contour does)
        i, j = state.pair
        n_params = state.prepared.problem.n_params
        rows = [t.xy for t in tracks if not t.diverged]
        path_rows = np.full((sum(len(r) for r in rows), n_params), np.nan)
        if rows:
            path_rows[:, [i, j]] = np.vstack(rows)
        start = np.full(n_params, np.nan)
        start[[i, j]] = tracks[0].xy[0]
        self.view.show_problem(state.prepared, (i, j), start, path_rows, (x_text, y_text))
        plot.setLabel("bottom", x_text, **label_style)  # show_problem set the screen's style
        plot.setLabel("left", y_text, **label_style)

    # -- the caption band ------------------------------------------------------------------
    def _legend_entries(self) -> list[tuple[str, str, str]]:
        """(kind, colour, text) of each legend entry: "line" for a path, "levels" for the
        contour lines, "glyph" for a marker (the text starts with the glyph)."""
        race = len(self.tracks) > 1
        entries = []
        for name in self.names:
            text = f"{name} · J = {WIDEST_COST}" if race else name
            entries.append(("line", "", text))
        entries.append(("levels", "", "contours of J"))
        entries.append(("glyph", START_COLOR, "● start"))
        if not race:
            entries.append(("glyph", CURRENT_COLOR, "● now"))
        entries.append(("glyph", OPTIMUM_COLOR, "★ optimum"))  # the marker's gold
        return entries

    def _entry_width(self, kind: str, text: str) -> int:
        metrics = QFontMetrics(self.legend_font)
        sample = round(26 * self.scale) + self.pad if kind != "glyph" else 0
        return sample + metrics.horizontalAdvance(text) + 2 * self.pad

    def _flow(self) -> list[list[int]]:
        """The legend entries (indices) on each line of the band, as many as fit a line."""
        room = self.width - 2 * self.pad
        lines: list[list[int]] = [[]]
        used = 0
        for k, (kind, _color, text) in enumerate(self.entries):
            width = self._entry_width(kind, text)
            if lines[-1] and used + width > room:
                lines.append([])
                used = 0
            lines[-1].append(k)
            used += width
        return lines

    def _draw_band(self, painter: QPainter, iteration: float, shown: list[int]) -> None:
        pad = self.pad
        painter.setPen(QColor(TEXT_COLOR))
        painter.setFont(self.caption_font)
        cap_metrics = QFontMetrics(self.caption_font)
        painter.drawText(
            QRect(pad, pad, self.width - 2 * pad, cap_metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            caption(iteration, self.tracks, shown),
        )
        if self.common:  # what every racer shares, once, after the caption
            x = pad + cap_metrics.horizontalAdvance(caption(iteration, self.tracks, shown))
            painter.setFont(self.legend_font)
            painter.setPen(QColor(NOTE_COLOR))
            painter.drawText(
                QRect(x + 3 * pad, pad, self.width - x - 4 * pad, cap_metrics.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"all runs: {self.common}",
            )
        painter.setFont(self.legend_font)
        metrics = QFontMetrics(self.legend_font)
        line_h = metrics.height()
        race = len(self.tracks) > 1
        y = pad + cap_metrics.height()
        for line in self.legend_lines:
            x = pad
            for k in line:
                kind, color, text = self.entries[k]
                if kind != "glyph":
                    sample = round(26 * self.scale)
                    mid = y + line_h // 2
                    if kind == "line":  # a path: a thick line in its colour
                        track = self.tracks[k]
                        if race:  # the racer's J at this frame
                            count = shown[k]
                            cost = format_cost(track.cost[count - 1]) if count else "—"
                            text = f"{self.names[k]} · J = {cost}"
                        pen = QPen(QColor(track.color))
                        pen.setWidthF(3 * self.scale)
                        painter.setPen(pen)
                        painter.drawLine(QPoint(x, mid), QPoint(x + sample, mid))
                    else:  # the levels: thin lines, dark (low J) to light (high J)
                        gap = max(3, round(line_h / 5))
                        for offset, level_color in zip((-gap, 0, gap), LEVEL_SAMPLE, strict=True):
                            pen = QPen(QColor(level_color))
                            pen.setWidthF(1.5 * self.scale)
                            painter.setPen(pen)
                            painter.drawLine(
                                QPoint(x, mid + offset), QPoint(x + sample, mid + offset)
                            )
                    x += sample + pad
                    painter.setPen(QColor(TEXT_COLOR))
                    room = self.width - pad - x
                    text = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, room)
                    painter.drawText(x, y + metrics.ascent(), text)
                    x += metrics.horizontalAdvance(text) + 2 * pad
                else:  # the glyph drawn as the marker (its colour, a black rim), its name
                    glyph, name = text.split(" ", 1)
                    outline = QPainterPath()
                    outline.addText(x, y + metrics.ascent(), self.legend_font, glyph)
                    painter.setPen(QPen(QColor("black"), 1))
                    painter.setBrush(QColor(color))
                    painter.drawPath(outline)
                    x += metrics.horizontalAdvance(glyph + " ")
                    painter.setPen(QColor(TEXT_COLOR))
                    painter.drawText(x, y + metrics.ascent(), name)
                    x += metrics.horizontalAdvance(name) + 2 * pad
            y += line_h

    # -- frames ----------------------------------------------------------------------------
    def render(self, k: int) -> QImage:
        """Frame ``k``: the paths up to iteration ``targets[k]``, as a width × height image."""
        target = self.targets[k]
        shown = []
        for track, path, marker in zip(self.tracks, self.paths, self.markers, strict=True):
            count = int(np.searchsorted(track.iterations, target, side="right"))
            shown.append(count)
            xy = track.xy[:count]
            xy = xy[np.isfinite(xy).all(axis=1)]
            path.setData(xy[:, 0], xy[:, 1])
            if len(xy):
                marker.setData([xy[-1, 0]], [xy[-1, 1]])
            else:
                marker.setData([], [])
        image = QImage(self.width, self.height, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            self._draw_band(painter, target, shown)
            pixmap = self.plot_widget.grab()
            painter.drawPixmap(QRect(0, self.band, self.width, self.height - self.band), pixmap)
        finally:
            painter.end()
        return image

    def close(self) -> None:
        """Delete the off-screen copy."""
        self.plot_widget.hide()
        self.plot_widget.deleteLater()
        self.view.deleteLater()


class ProgressTicker:
    """Serves the event loop after each frame, under a window-modal progress dialog with
    Cancel (when ``show``): :meth:`tick` raises :class:`Cancelled` once Cancel is pressed."""

    def __init__(self, window: MainWindow, count: int, show: bool = True) -> None:
        self.count = count
        self.dialog: QProgressDialog | None = None
        if show:
            dialog = QProgressDialog("Drawing the frames…", "Cancel", 0, count, window)
            dialog.setWindowTitle("Export animation")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(400)  # a short export does not flash a dialog
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.setValue(0)
            self.dialog = dialog

    def tick(self, done: int) -> None:
        """Frame ``done`` (0-based) is drawn: update the dialog and serve pending events."""
        dialog = self.dialog
        if dialog is not None:
            last = done + 1 >= self.count
            dialog.setLabelText(
                "Writing the file…" if last else f"Drawing frame {done + 2} of {self.count}…"
            )
            dialog.setValue(done + 1)
        QApplication.processEvents()
        if dialog is not None and dialog.wasCanceled():
            raise Cancelled

    def close(self) -> None:
        """Close and delete the dialog."""
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
