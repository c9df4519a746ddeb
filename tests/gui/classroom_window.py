"""The main window as the application builds it (with its Classroom), for the GUI tests."""

from __future__ import annotations


def make_window():
    """A new main window with ``window.classroom`` set (not shown)."""
    from gui_app.app import create_main_window

    return create_main_window()


def shown_window(qtbot, timeout_ms: int = 10_000):
    """A new main window owned by ``qtbot``, shown, with the default housing problem
    prepared (waits for ``problem_ready``)."""
    w = make_window()
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.problem_ready, timeout=timeout_ms):
        w.show()
    return w
