"""The main window with its Classroom attached, however the window is built on this branch:
``gui_app.app.create_main_window()`` when it exists, else ``MainWindow()`` (which attached
the Classroom itself before the window stopped importing it)."""

from __future__ import annotations


def make_window():
    """A new main window with ``window.classroom`` set (not shown)."""
    try:
        from gui_app.app import create_main_window
    except ImportError:
        from gui_app.explore.window import MainWindow

        window = MainWindow()
    else:
        window = create_main_window()
    if getattr(window, "classroom", None) is None:
        from gui_app.classroom.classroom import Classroom

        Classroom(window)
    return window
