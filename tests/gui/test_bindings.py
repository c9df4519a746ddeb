"""Guards against binding bugs that crash the app long after they start."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_the_reference_count_of_none(qtbot):
    """PySide6 6.12.0 on Python 3.11 decremented None's count on each void call, and a
    window redrawing 30 times a second then aborted within minutes (none_dealloc)."""
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
    assert sys.getrefcount(None) >= before - 50
