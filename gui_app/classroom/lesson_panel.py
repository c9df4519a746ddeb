"""The lesson panel beside the plots: it fits the screen with the window, and it never shows
a lesson's results as if they belonged to settings the user has changed since."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QTextBrowser

from gui_app.classroom.presentation_style import short_contour_label
from gui_app.explore.screen_fit import FRAME_ALLOWANCE

if TYPE_CHECKING:
    from core.settings import Settings
    from gui_app.explore.window import MainWindow

LESSON_PANEL_WIDTH = 400  # px the docked panel gets when the plots can spare them
MIN_LESSON_TEXT_WIDTH = 230  # px: narrower, the lesson text reads a few words a line
PLOTS_SPARE = 200  # px the plots keep beyond their minimum before the panel widens past its minimum
DOCK_SEPARATOR = 8  # px between the central widget and a dock (style dependent; generous)
STALE_NOTE = (
    "You changed the settings (or reset the runs) since this lesson ran: the results below "
    "belong to the lesson's settings, not to what is on screen now. Press “Replay the "
    "lesson” to run it again."
)


def lesson_key(window: MainWindow) -> tuple:
    """What a lesson's results depend on: the data, the model and the solver on screen."""
    return settings_key(window.state.settings)


def settings_key(s: Settings) -> tuple:
    """The part of ``s`` a lesson's results depend on (see :func:`lesson_key`)."""
    return s.data, s.model, s.run.solver


def fit_docked_panel(window: MainWindow, panel: QDockWidget, text: QTextBrowser) -> None:
    """Outside presentation mode, with the lesson panel docked beside the plots: keep the
    window inside its screen's available width. The panel takes its width from the plots;
    on a narrow screen (1366 or 1280 px) the static equations beside the live numbers step
    aside and the lesson text wraps in what is left. Closed or floating: all back."""
    numbers = window.numbers
    docked = panel.isVisibleTo(window) and not panel.isFloating()
    screen = window.screen()
    if not docked or screen is None:
        numbers.set_equations_shown(True)
        _short_contour_labels(window, False)
        text.setMinimumWidth(MIN_LESSON_TEXT_WIDTH)
        return
    if window.isFullScreen() or window.isMaximized():
        extra = 0
    elif window.isVisible():
        extra = window.frameGeometry().width() - window.width()
    else:
        extra = FRAME_ALLOWANCE.width()
    room = screen.availableGeometry().width() - extra
    central = window.centralWidget()

    def left_for_panel() -> int:
        return room - central.minimumSizeHint().width() - DOCK_SEPARATOR

    numbers.set_equations_shown(True)
    settle_layouts()
    narrow = left_for_panel() < LESSON_PANEL_WIDTH + PLOTS_SPARE
    if narrow:
        numbers.set_equations_shown(False)
        settle_layouts()
    _short_contour_labels(window, narrow)  # the contour is at its narrowest then
    spare = left_for_panel()
    text.setMinimumWidth(max(120, min(MIN_LESSON_TEXT_WIDTH, spare)))
    if window.width() > room:
        settle_layouts()  # the window's minimum width follows the lesson text's
        window.resize(room, window.height())
    area, frame = screen.availableGeometry(), window.frameGeometry()
    if window.isVisible() and frame.right() > area.right():  # and its frame on the screen
        window.move(max(area.left(), area.right() - frame.width() + 1), frame.top())
    width = max(text.minimumWidth(), min(LESSON_PANEL_WIDTH, spare - PLOTS_SPARE))
    window.resizeDocks([panel], [width], Qt.Orientation.Horizontal)


def _short_contour_labels(window: MainWindow, on: bool) -> None:
    """The contour's axis labels without "training coordinates" (as presenting) or in full."""
    contour = window.contour
    wanted = short_contour_label if on else None
    if contour.label_filter is not wanted:
        contour.label_filter = wanted
        if any(contour.axis_texts):
            contour.set_axis_labels(*contour.axis_texts)


def settle_layouts() -> None:
    """Lay out now what is waiting to be laid out, so that minimum size hints are current
    (a hidden widget or a new minimum width reaches its parents' layouts by posted events)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


class LessonPanelText(QObject):
    """The lesson panel's text, drawn again (dimmed, with a note) when the data, model or
    solver on screen no longer match the ones the lesson ran with, or the runs were reset."""

    def __init__(self, window: MainWindow, text: QTextBrowser) -> None:
        super().__init__(window)
        self.window = window
        self.text = text
        self.key: tuple | None = None  # the settings the shown results belong to
        self.stale = False
        self.reset_since = False
        self._render: Callable[[bool], str] | None = None
        self.busy: Callable[[], bool] = lambda: False  # a lesson is playing: never stale
        window.message_shown.connect(lambda *_: self.check())
        window.problem_ready.connect(self.check)

    def show(
        self, render: Callable[[bool], str], settled: bool = True, key: tuple | None = None
    ) -> None:
        """Show ``render(stale)``; ``settled``: the results belong to ``key`` (a
        :func:`settings_key`; by default the settings on screen), checked now and against
        every later change; else nothing is checked."""
        self._render = render
        self.key = (key if key is not None else lesson_key(self.window)) if settled else None
        self.stale = False
        self.reset_since = False
        self.text.setHtml(render(False))
        self.check()  # a restored lesson's settings may differ from those on screen

    def forget(self) -> None:
        """The panel shows something else (no lesson results to check)."""
        self._render, self.key, self.stale = None, None, False

    def runs_reset(self) -> None:
        """The user reset the runs: the lesson's runs are gone from the plots."""
        self.reset_since = True
        self.check()

    def check(self) -> None:
        """Dim the results (with a note) when they no longer belong to what is on screen."""
        if self._render is None or self.key is None or self.busy():
            return
        stale = self.reset_since or lesson_key(self.window) != self.key
        if stale != self.stale:
            self.stale = stale
            self.text.setHtml(self._render(stale))
