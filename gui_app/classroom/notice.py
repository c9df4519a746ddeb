"""The notice strip: what must stay visible until read (a remembered file set aside, a layout
ignored); later messages in the banner do not replace it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QToolBar

NOTICE_STYLE = "background:#fff6e0; color:#4a3500; border:1px solid #e6c36a; padding:4px;"


def notice_bar(window: QMainWindow) -> tuple[QToolBar, QLabel]:
    """A hidden strip above the plots of ``window`` with a label and a Dismiss action."""
    bar = QToolBar("Notice", window)
    bar.setObjectName("noticeBar")
    bar.setMovable(False)
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(NOTICE_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    bar.addWidget(label)
    bar.addAction("Dismiss", bar.hide)
    window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    bar.hide()
    return bar, label
