"""GUI test fixtures: the real window, and a check that no Qt thread or window outlives a test."""

from __future__ import annotations

import gc

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QCoreApplication, QEvent, QThread
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow


@pytest.fixture(autouse=True, scope="session")
def _private_config(tmp_path_factory):
    """No test reads or writes the user's settings or remembered session: both go to tmp."""
    import os

    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    previous = os.environ.get("GD_EXPLORER_CONFIG_DIR")
    os.environ["GD_EXPLORER_CONFIG_DIR"] = str(tmp_path_factory.mktemp("gdx-config"))
    yield
    if previous is None:
        os.environ.pop("GD_EXPLORER_CONFIG_DIR", None)
    else:
        os.environ["GD_EXPLORER_CONFIG_DIR"] = previous


def _flush_deletes() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


@pytest.fixture(autouse=True)
def _no_qt_leftovers(qapp):
    """Fail a test that leaves a running QThread or a new top-level widget behind."""
    before = {id(w) for w in QApplication.topLevelWidgets()}
    yield
    _flush_deletes()
    gc.collect()
    _flush_deletes()
    # Visible windows, and any main window or dialog not deleted; pyqtgraph's hidden context
    # menus are parentless and live as long as their Python owners, so they are not counted.
    leftover = [
        w
        for w in QApplication.topLevelWidgets()
        if id(w) not in before and (w.isVisible() or isinstance(w, QMainWindow | QDialog))
    ]
    names = [type(w).__name__ for w in leftover]
    for w in leftover:
        w.close()
        w.deleteLater()
    _flush_deletes()
    running = [
        t
        for t in gc.get_objects()
        if isinstance(t, QThread) and t.isRunning() and t is not QThread.currentThread()
    ]
    assert not names, f"top-level widgets left open after the test: {names}"
    assert not running, f"QThreads left running after the test: {running}"


@pytest.fixture
def window(qtbot):
    """The main window (with its classroom), shown, with the default housing problem
    prepared."""
    from tests.gui.classroom_window import shown_window

    return shown_window(qtbot)


# -- the controller without widgets: each test module that uses ``ctl`` gives its own
# ``runner`` fixture (a synchronous RunWorker, plain or with recorded calls).
@pytest.fixture
def view():
    """A stand-in for the Explore view: records what the controller asks it to draw."""
    from unittest.mock import MagicMock

    from gui_app.explore.controller import ExploreView

    return MagicMock(spec=ExploreView)


@pytest.fixture
def ctl(view, runner):
    """A controller with the default problem (housing demo, z-score) prepared."""
    from gui_app.explore.controller import ExploreController

    controller = ExploreController(view, runner)
    controller.prepare_now()
    runner.drain()
    assert controller.state.prepared is not None
    view.reset_mock()
    return controller
