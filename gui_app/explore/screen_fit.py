"""The main window fits the screen it is on: its size, its place, and how the plots are
arranged on a short screen (issue 9, item 4)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QResizeEvent, QShowEvent

PREFERRED_SIZE = QSize(1600, 1000)  # on a screen with room for it
FRAME_ALLOWANCE = QSize(16, 48)  # title bar and borders the window manager adds
STACKED_MIN_HEIGHT = 820  # window height from which three plot rows keep 180 px each


def fit_size(available: QSize, preferred: QSize = PREFERRED_SIZE) -> QSize:
    """The window's size on a screen whose available area is ``available``: the preferred
    size, or less, so that the window and its frame fit."""
    return QSize(
        min(preferred.width(), available.width() - FRAME_ALLOWANCE.width()),
        min(preferred.height(), available.height() - FRAME_ALLOWANCE.height()),
    )


class FitsScreen:
    """Mixin of :class:`~gui_app.explore.window.MainWindow` (a QMainWindow with
    ``curves_splitter`` and ``top_splitter``): sized and placed inside the available area
    of its screen, plots arranged for the window's height."""

    _shown_once = False
    _fitted: QSize | None = None  # the size fit_to_screen chose, until someone resizes

    def resize(self, *args) -> None:
        """As QWidget.resize; a size asked for explicitly is kept as it is."""
        self._fitted = None
        super().resize(*args)

    def fit_to_screen(self) -> None:
        """Size and place the window inside the available area of its screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(PREFERRED_SIZE)
            return
        area = screen.availableGeometry()
        size = fit_size(area.size())
        self.resize(size)
        self._fitted = size
        self._arrange_plots()  # before the first show: the minimum size depends on it
        self.move(
            area.left() + max(0, (area.width() - size.width()) // 2),
            area.top() + max(0, (area.height() - size.height() - 32) // 2),
        )

    def _arrange_plots(self) -> None:
        """Learning curve over parameters when the window is tall enough for three plot rows
        of MIN_PLOT_HEIGHT, else side by side."""
        stacked = self.height() >= STACKED_MIN_HEIGHT
        orientation = Qt.Orientation.Vertical if stacked else Qt.Orientation.Horizontal
        if self.curves_splitter.orientation() == orientation:
            return
        self.curves_splitter.setOrientation(orientation)
        width = max(self.top_splitter.width(), 600)
        share = 0.5 if stacked else 0.36  # the contour's share of the row
        self.top_splitter.setSizes([round(width * share), round(width * (1 - share))])
        self.curves_splitter.setSizes([1, 1])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange_plots()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Before the first show, hidden pages (the Timing tab) and wrapped labels report
        # minimum sizes larger than they need; once laid out, fit the screen again.
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self._shrink_into_screen)

    def _shrink_into_screen(self) -> None:
        """Back to the size fit_to_screen chose (the first layout may have grown the window),
        and inside the screen's available area; a size asked for explicitly stays."""
        screen = self.screen()
        if screen is None or self.isFullScreen() or self.isMaximized() or self._fitted is None:
            return
        area = screen.availableGeometry()
        target = self._fitted
        if self.width() > target.width() or self.height() > target.height():
            super().resize(min(self.width(), target.width()), min(self.height(), target.height()))
        frame = self.frameGeometry()
        if frame.width() <= area.width() and frame.height() <= area.height():
            return
        extra = frame.size() - self.size()
        super().resize(
            min(self.width(), area.width() - extra.width()),
            min(self.height(), area.height() - extra.height()),
        )
        frame = self.frameGeometry()
        self.move(
            max(area.left(), min(frame.left(), area.right() - frame.width() + 1)),
            max(area.top(), min(frame.top(), area.bottom() - frame.height() + 1)),
        )
