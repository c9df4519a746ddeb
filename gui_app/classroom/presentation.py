"""Presentation mode (F11): real full screen, large fonts and thick lines, and a layout that
fits a 1366×768 projector with the lesson panel open.

In presentation mode the control panel becomes a drawer (F9) over the plots' left edge, the
run keys move to a strip of buttons, the status bar hides (the message panel says the same,
larger), and the plots are laid out two by two with the live numbers in a dock beside them,
so that no plot is squeezed under a tall table; the lesson panel shares that column
as a tab. Leaving it restores the window exactly:
its normal or maximised geometry, every splitter and every style.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QWidget,
)

from gui_app.classroom.presentation_style import (
    OKABE_ITO,
    PresentationLook,
    short_contour_label,
    style_plot,
    unstyle_plot,
)
from gui_app.classroom.timing_layout import TimingPresentation
from gui_app.explore import plots

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow

#: Share of the width the lesson panel takes in presentation mode (at least its minimum).
LESSON_PANEL_SHARE = 0.26


def controls_area(window: MainWindow) -> tuple[QScrollArea, QSplitter] | None:
    """The scroll area holding the control panel and the splitter it sits in."""
    scroll = window.controls.parentWidget().parentWidget()
    splitter = scroll.parentWidget() if isinstance(scroll, QScrollArea) else None
    return (scroll, splitter) if isinstance(splitter, QSplitter) else None


class _ResizeWatcher(QObject):
    """Calls ``callback`` whenever ``widget`` is resized."""

    def __init__(self, widget: QWidget, callback) -> None:
        super().__init__(widget)
        self.callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.callback()
        return False


class Presentation:
    """Switches the window to large fonts, thick lines, a light background and the Okabe–Ito
    palette, and back. Sizes are in points and pens are cosmetic (device-independent
    pixels), so Qt's high-DPI scaling keeps them right on any screen."""

    def __init__(self, window: MainWindow, look: PresentationLook | None = None) -> None:
        self.window = window
        self.look = look or PresentationLook()
        self.active = False
        #: Whether presenting fills the screen (tests that measure the layout at a given
        #: window size turn it off: the offscreen platform's screen has one fixed size).
        self.full_screen = True
        self._saved: dict[str, Any] = {}
        self._watcher: _ResizeWatcher | None = None
        self._watchers: list[_ResizeWatcher] = []
        self.lesson_panel: QDockWidget | None = None  # set by the Classroom
        self.timing_layout: TimingPresentation | None = None  # while presenting

    def _plot_items(self) -> list[pg.PlotItem]:
        items = []
        for view in self.window.findChildren(pg.GraphicsView):
            scene = view.scene()
            if scene is None:
                continue
            items += [it for it in scene.items() if isinstance(it, pg.PlotItem)]
        return items

    def set_active(self, on: bool) -> None:
        """Enter (full screen, large look, presentation layout) or leave presentation mode."""
        if on == self.active:
            return
        if on:
            self.window.build_all_tabs()  # every tab is restyled now: none may come later
            self._enter_full_screen()
            self._apply()
            self._arrange_plots()
        else:
            self._unarrange_plots()
            self._restore()
            self._leave_full_screen()
        self.active = on

    # -- the screen ----------------------------------------------------------------------------
    def _enter_full_screen(self) -> None:
        w = self.window
        self._screen_state = (w.windowState(), QRect(w.geometry()), w.statusBar().isVisibleTo(w))
        w.statusBar().hide()  # the message panel above the plots says the same, larger
        tabs = getattr(w, "tabs", None)  # the strip's Explore/Timing button replaces the tabs
        if tabs is not None:
            self._tab_bar_visible = tabs.tabBar().isVisibleTo(w)
            tabs.tabBar().hide()
        if self.full_screen:
            w.showFullScreen()

    def _leave_full_screen(self) -> None:
        w = self.window
        state, geometry, status_visible = self._screen_state
        w.statusBar().setVisible(status_visible)
        tabs = getattr(w, "tabs", None)
        if tabs is not None:
            tabs.tabBar().setVisible(self._tab_bar_visible)
        if not self.full_screen:
            return
        if state & Qt.WindowState.WindowMaximized:
            w.showMaximized()
        else:
            w.showNormal()
            w.setGeometry(geometry)
            # again once the normal fonts' smaller minimum size is laid out (posted events)
            QTimer.singleShot(0, lambda: w.isFullScreen() or w.setGeometry(geometry))

    # -- the plots' layout ----------------------------------------------------------------------
    def _splitters(self) -> dict[str, QSplitter] | None:
        """The window's plot splitters by role, or None when the layout is not the one this
        mode knows (then the plots stay where they are)."""
        w = self.window
        found = {"pair": w.learning.parentWidget(), "bottom": w.numbers.parentWidget()}
        found["top"] = found["pair"].parentWidget() if found["pair"] else None
        found["plots"] = found["top"].parentWidget() if found["top"] else None
        found["main"] = found["plots"].parentWidget().parentWidget() if found["plots"] else None
        if (
            not all(isinstance(s, QSplitter) for s in found.values())
            or w.params.parentWidget() is not found["pair"]
            or found["top"].indexOf(w.contour) < 0
        ):
            return None
        return found

    def _arrange_plots(self) -> None:
        """Two by two (contour, parameters / data, learning curve); the live numbers, whose
        table is taller than a row of plots at 1366×768, move to a dock on the right, which
        the lesson panel shares as a tab."""
        w = self.window
        splitters = self._splitters()
        if splitters is None:
            return
        self._saved["arrangement"] = (
            splitters,
            {k: s.sizes() for k, s in splitters.items()},
            splitters["bottom"].indexOf(w.numbers),
        )
        # the learning curve, with the longer legend (run labels), goes where the column is
        # wider: the contour's header row makes the top row's first column the wider one
        splitters["top"].insertWidget(1, w.params)
        splitters["bottom"].addWidget(w.learning)
        splitters["pair"].hide()
        # the balance of the rows needs the headers' heights in the new layout
        self._watchers.append(_ResizeWatcher(splitters["plots"], self.fit_columns))
        dock = QDockWidget("Numbers", w)
        dock.setObjectName("presentationNumbers")
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        dock.setWidget(w.numbers)
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self._saved["numbers_dock"] = dock
        tabs = getattr(w, "tabs", None)
        if tabs is not None:  # the Explore numbers mean nothing beside the Timing charts
            tabs.currentChanged.connect(self._sync_numbers_dock)
            self._sync_numbers_dock()
        self._watchers.append(_ResizeWatcher(w, self.fit_lesson_panel))
        self.fit_columns()

    def fit_columns(self) -> None:
        """Equal halves for the two columns; the two rows share the height so that their
        plots (below each view's own header row) are equally tall."""
        arrangement = self._saved.get("arrangement")
        if arrangement is None:
            return
        splitters = arrangement[0]
        for name in ("top", "bottom"):
            s = splitters[name]
            size = sum(s.sizes())
            s.setSizes([size // s.count()] * s.count())
        w = self.window
        headers = (w.data_view.height() - w.data_view.fit_plot.getViewWidget().height()) - (
            w.contour.height() - w.contour.plot.getViewWidget().height()
        )
        rows = splitters["plots"]
        total = sum(rows.sizes())
        bottom = max(0, min(total, total // 2 + headers // 2))
        rows.setSizes([total - bottom, bottom])

    def _unarrange_plots(self) -> None:
        arrangement = self._saved.pop("arrangement", None)
        if arrangement is None:
            return
        splitters, sizes, numbers_index = arrangement
        w = self.window
        splitters["pair"].insertWidget(0, w.learning)
        splitters["pair"].insertWidget(1, w.params)
        splitters["pair"].show()
        splitters["bottom"].insertWidget(numbers_index, w.numbers)
        w.numbers.show()
        for watcher in self._watchers:
            watcher.deleteLater()
        self._watchers.clear()
        dock = self._saved.pop("numbers_dock")
        tabs = getattr(w, "tabs", None)
        if tabs is not None:
            tabs.currentChanged.disconnect(self._sync_numbers_dock)
        w.removeDockWidget(dock)
        dock.deleteLater()
        for name, s in splitters.items():
            s.setSizes(sizes[name])

    def _timing_shown(self) -> bool:
        """Another tab than Explore (Data or Timing) is in front."""
        tabs = getattr(self.window, "tabs", None)
        return tabs is not None and tabs.currentIndex() != 0

    def _sync_numbers_dock(self, *_args: object) -> None:
        """Presenting: the Numbers dock shows with the Explore tab only."""
        dock = self._saved.get("numbers_dock")
        if dock is None:
            return
        dock.setVisible(not self._timing_shown())
        if self.lesson_panel is not None:
            QTimer.singleShot(0, self.window, lambda: self.fit_lesson_panel())

    def fit_lesson_panel(self, panel: QDockWidget | None = None) -> None:
        """Presenting: the lesson panel shares the right dock with the numbers, as a tab in
        front of them, and takes its share of the width (again at every resize of the
        window: full screen arrives as a resize after the switch)."""
        w = self.window
        dock = self._saved.get("numbers_dock")
        panel = panel or self.lesson_panel
        if not self.active or dock is None or panel is None:
            return
        if panel.isVisible() and not panel.isFloating() and not dock.isHidden():
            if dock not in w.tabifiedDockWidgets(panel):
                w.tabifyDockWidget(dock, panel)
            panel.raise_()
        width = max(
            panel.minimumSizeHint().width(),
            dock.minimumSizeHint().width(),
            int(w.width() * LESSON_PANEL_SHARE),
        )
        docks = [dock] if not dock.isHidden() else []
        if panel.isVisible() and not panel.isFloating():
            docks.append(panel)
        if not docks:
            return
        w.resizeDocks(docks, [width] * len(docks), Qt.Orientation.Horizontal)
        self.fit_columns()

    def _apply(self) -> None:
        app = QApplication.instance()
        look = self.look
        w = self.window
        saved = self._saved
        saved["app_font"] = QFont(app.font())
        saved["palette"] = app.palette()
        # widgets with a font of their own do not follow the application font
        saved["widget_fonts"] = [
            (wd, QFont(wd.font()))
            for wd in w.findChildren(QWidget)
            if wd.testAttribute(Qt.WidgetAttribute.WA_SetFont)
        ]
        factor = look.font_pt / max(saved["app_font"].pointSizeF(), 1.0)
        font = QFont(saved["app_font"])
        font.setPointSizeF(look.font_pt)
        app.setPalette(app.style().standardPalette())  # light, whatever the desktop theme
        app.setFont(font)
        for wd, f in saved["widget_fonts"]:
            big = QFont(f)
            big.setPointSizeF(max(f.pointSizeF(), 1.0) * factor)
            wd.setFont(big)
        # the numbers and equations tables must not widen the window beyond the screen
        saved["policies"] = [
            (label, label.sizePolicy()) for label in (w.numbers.numbers, w.numbers.equations)
        ]
        for label, _policy in saved["policies"]:
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # the control panel collapses and the plots take the width; "Controls" (F9) on the
        # presentation strip brings it back, laid out for the large fonts (nothing elided)
        w.controls.set_presentation_layout(True)
        timing = getattr(w, "timing", None)
        if timing is not None:  # its control column folds too (F9 shows it)
            self.timing_layout = TimingPresentation(timing)
            self.timing_layout.set_active(True)
        area = controls_area(w)
        if area is not None:  # it becomes a drawer over the left edge of the plots
            scroll, splitter = area
            index = splitter.indexOf(scroll)
            host = splitter.widget(1 if index == 0 else 0)
            saved["splitter"] = (
                splitter,
                splitter.sizes(),
                index,
                scroll,
                not scroll.isHidden(),  # (isVisibleTo is False on another tab)
                scroll.autoFillBackground(),
            )
            scroll.setParent(host)  # a child outside the host's layout floats over it
            scroll.setAutoFillBackground(True)
            scroll.hide()
            saved["drawer"] = scroll
            self._watcher = _ResizeWatcher(host, self._fit_drawer)
        # the live numbers matter more from the back of the room than the static equations
        saved["equations_visible"] = w.numbers.equations.isVisibleTo(w.numbers)
        w.numbers.equations.hide()
        saved["message_pt"] = getattr(w, "message_font_pt", 11)
        self._set_message_size(look.message_pt)
        saved["colors"] = (plots.RUN_COLORS, plots.LINE_SCALE, dict(plots.LABEL_STYLE))
        saved["color_map"] = {
            c.lower(): o for c, o in zip(plots.RUN_COLORS, OKABE_ITO, strict=False)
        }
        plots.RUN_COLORS = OKABE_ITO
        plots.LINE_SCALE = look.line_scale
        plots.LABEL_STYLE["font-size"] = f"{look.label_pt}pt"
        plots.LABEL_STYLE["color"] = "#000"
        saved["plots"] = []
        for plot in self._plot_items():
            saved["plots"].append((plot, style_plot(plot, look, saved["color_map"])))
        w.contour.label_filter = short_contour_label
        w.contour.set_legend_colors(saved["color_map"])  # the legend row says the new colours
        if any(w.contour.axis_texts):
            w.contour.set_axis_labels(*w.contour.axis_texts)
        for view in w.findChildren(pg.GraphicsView):
            view.setBackground("w")

    def _restore(self) -> None:
        app = QApplication.instance()
        saved = self._saved
        app.setFont(saved["app_font"])
        app.setPalette(saved["palette"])
        for wd, f in saved["widget_fonts"]:
            try:
                wd.setFont(f)
            except RuntimeError:  # deleted meanwhile
                pass
        self._set_message_size(saved["message_pt"])
        for label, policy in saved["policies"]:
            label.setSizePolicy(policy)
        self.window.controls.set_presentation_layout(False)
        if self.timing_layout is not None:
            self.timing_layout.set_active(False)
            self.timing_layout = None
        if "splitter" in saved:
            splitter, sizes, index, scroll, visible, fill = saved["splitter"]
            self._watcher.deleteLater()
            self._watcher = None
            scroll.setAutoFillBackground(fill)
            splitter.insertWidget(index, scroll)
            scroll.setVisible(visible)
            splitter.setSizes(sizes)
        self.window.numbers.equations.setVisible(saved["equations_visible"])
        colors, scale, label_style = saved["colors"]
        plots.RUN_COLORS, plots.LINE_SCALE = colors, scale
        plots.LABEL_STYLE.clear()
        plots.LABEL_STYLE.update(label_style)
        for plot, state in saved["plots"]:
            unstyle_plot(plot, state, self.look, saved["color_map"])
        contour = self.window.contour
        contour.label_filter = None
        contour.set_legend_colors({})
        if any(contour.axis_texts):
            contour.set_axis_labels(*contour.axis_texts)
        self._saved = {}

    def drawer(self) -> QScrollArea | None:
        """The control panel's scroll area while it is a drawer (presentation mode)."""
        return self._saved.get("drawer")

    def show_drawer(self, on: bool) -> None:
        """Presenting: show or fold the control panel (and the Timing tab's controls)."""
        scroll = self.drawer()
        if scroll is None:
            return
        if self.timing_layout is not None:
            self.timing_layout.show_controls(on)
        scroll.setVisible(on)
        if on:
            scroll.raise_()
            self._fit_drawer()
            QTimer.singleShot(0, self._fit_drawer)  # once the shown panel is polished

    def _fit_drawer(self) -> None:
        """As wide as the panel's large-font layout needs (nothing in it cut off), as tall as
        the plots' area."""
        scroll = self.drawer()
        if scroll is None or not scroll.isVisible():
            return
        host = scroll.parentWidget()
        controls = self.window.controls
        need = (
            max(controls.sizeHint().width(), controls.minimumSizeHint().width())
            + scroll.verticalScrollBar().sizeHint().width()
            + 2 * scroll.frameWidth()
            + 2
        )
        scroll.setGeometry(0, 0, min(need, host.width()), host.height())

    def _set_message_size(self, pt: int) -> None:
        w = self.window
        w.message_font_pt = pt
        w._style_message(w.message_kind)
        font = QFont(QApplication.instance().font())
        font.setPointSizeF(pt)
        w.message.setFixedHeight(QFontMetrics(font).lineSpacing() * 3 + 24)
