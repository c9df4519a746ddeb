"""Presentation mode on the Timing tab: its control column folds like the Explore controls
(the window's Controls toggle, F9, shows it), the charts share the width of a 1366×768
projector, and leaving restores the tab as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui_app.timing.view import TimingView

#: Share of the bottom row the scaling chart takes while presenting: the bandwidth chart's
#: large row labels need the rest.
SCALING_SHARE = 0.45


class TimingPresentation:
    """Folds and restores the Timing tab's layout for presentation mode."""

    def __init__(self, view: TimingView) -> None:
        self.view = view
        self._saved: tuple | None = None

    def set_active(self, on: bool) -> None:
        """Fold the control column and share the bottom row (on), or restore both (off)."""
        if on == (self._saved is not None):
            return
        v = self.view
        if on:
            self._saved = (
                v.main_splitter.sizes(),
                not v.controls_column.isHidden(),  # (isVisibleTo is False on another tab)
                v.controls_column.minimumWidth(),
                v.bottom_splitter.sizes(),
            )
            v.controls_column.hide()
            total = sum(v.bottom_splitter.sizes())
            scaling = int(total * SCALING_SHARE)
            v.bottom_splitter.setSizes([scaling, total - scaling])
            return
        sizes, shown, min_width, bottom = self._saved
        self._saved = None
        v.bottom_splitter.setSizes(bottom)
        v.controls_column.setMinimumWidth(min_width)
        v.controls_column.setVisible(shown)
        v.main_splitter.setSizes(sizes)
        # a widget with a style sheet may keep the large font it was polished with
        for label in (v.message, v.progress_label, v.why):
            label.setStyleSheet(label.styleSheet())

    def show_controls(self, on: bool) -> None:
        """Presenting: show or fold the control column, as wide as its large-font layout
        needs (at most half the tab)."""
        if self._saved is None:
            return
        v = self.view
        column = v.controls_column
        column.setVisible(on)
        if on:
            need = (
                column.widget().sizeHint().width()
                + column.verticalScrollBar().sizeHint().width()
                + 2 * column.frameWidth()
            )
            width = min(need, v.main_splitter.width() // 2)
            column.setMinimumWidth(min(width, self._saved[2]))
            total = sum(v.main_splitter.sizes())
            v.main_splitter.setSizes([width, max(0, total - width)])
