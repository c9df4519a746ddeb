"""Start-up safety (issue 6, item 5): a corrupt settings file (QSettings) or remembered
session never prevents the app from starting; it starts with the defaults and says so."""

from __future__ import annotations

import textwrap

import pytest

from gui_app.classroom import storage
from tests.gui.app_process import run_app_script
from tests.gui.classroom_window import make_window, shown_window

TIMEOUT = 15_000

SESSION_CORRUPTIONS = {
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "truncated": b'{"format": "gd-explorer-session", "vers',
    "nested_too_deep": b"[" * 100_000,
    "wrong_types": b'{"format": "gd-explorer-session", "version": 1, "settings": '
    b'{"alpha": "fast", "iterations": -3}, "runs": "many"}',
    "future_version": b'{"format": "gd-explorer-session", "version": 999}',
    "not_utf8": '{"format": "é"}'.encode("latin-1"),
    "a_list": b"[1, 2, 3]",
}
SETTINGS_CORRUPTIONS = {
    "junk": b"\x00\xff[window]\ngeometry=@ByteArray(zz",
    "wrong_types": b"[window]\ngeometry=hello\nstate=42\n",
    "huge_geometry": b"[window]\ngeometry=@ByteArray(" + b"A" * 100_000 + b")\n",
    "binary": bytes(range(256)) * 8,
}


def _write(folder, session: bytes | None, settings: bytes | None) -> None:
    if session is not None:
        (folder / storage.LAST_SESSION_FILE).write_bytes(session)
    if settings is not None:
        (folder / "gd-explorer.ini").write_bytes(settings)


def _start_and_check_usable(qtbot):
    from gui_app.app import restore_remembered_safely

    w = make_window()
    qtbot.addWidget(w)
    w.show()
    shown = []
    w.message_shown.connect(lambda text, kind: shown.append((kind, text)))
    restore_remembered_safely(w)  # what run_app does at start-up
    w.classroom.remember = False  # do not write the folder back on close
    qtbot.waitUntil(lambda: w.prepared is not None and not w.worker.is_busy(), timeout=TIMEOUT)
    assert w.isVisible()
    warnings = [text for kind, text in shown if kind == "warning" and "defaults" in text]
    assert warnings, shown  # it said so (a later "Ready" message may replace it)
    w.startup_warning = warnings[0]
    with qtbot.waitSignal(w.run_finished, timeout=TIMEOUT) as blocker:
        w.controls.run_button.click()
    assert blocker.args[0].status in ("converged", "max_iterations", "solved")
    return w


@pytest.mark.parametrize("name", sorted(SESSION_CORRUPTIONS))
def test_corrupt_remembered_session_does_not_block_the_start(qtbot, tmp_path, monkeypatch, name):
    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    _write(tmp_path, SESSION_CORRUPTIONS[name], None)
    _start_and_check_usable(qtbot)


@pytest.mark.parametrize("name", sorted(SETTINGS_CORRUPTIONS))
def test_corrupt_settings_file_does_not_block_the_start(qtbot, tmp_path, monkeypatch, name):
    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    # a corrupt session too: the message must then say "defaults" whatever QSettings made
    # of the junk (it reads some of it without an error status)
    _write(tmp_path, b"{", SETTINGS_CORRUPTIONS[name])
    _start_and_check_usable(qtbot)


def test_directories_in_place_of_the_files(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    (tmp_path / storage.LAST_SESSION_FILE).mkdir()
    (tmp_path / "gd-explorer.ini").mkdir()
    _start_and_check_usable(qtbot)


def test_restore_raising_anything_still_starts(qtbot, tmp_path, monkeypatch):
    from gui_app.classroom.classroom import Classroom

    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))

    def broken(self):
        raise RuntimeError("a bug while restoring")

    monkeypatch.setattr(Classroom, "restore_remembered", broken)
    w = _start_and_check_usable(qtbot)
    assert "RuntimeError: a bug while restoring" in w.startup_warning


@pytest.mark.slow
def test_the_real_start_up_with_corrupt_files_exits_cleanly(tmp_path):
    """The real entry point (run_app), in its own process, with both files corrupt."""
    _write(tmp_path, SESSION_CORRUPTIONS["nested_too_deep"], SETTINGS_CORRUPTIONS["junk"])
    script = textwrap.dedent("""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from gui_app.app import make_application, run_app

        app = make_application()

        def report():
            from gui_app.explore.window import MainWindow
            windows = [w for w in QApplication.topLevelWidgets()
                       if isinstance(w, MainWindow) and w.isVisible()]
            print("WINDOWS", len(windows), windows[0].isVisible() if windows else "-")
            app.quit()

        QTimer.singleShot(1500, report)
        sys.exit(run_app())
    """)
    proc = run_app_script(script, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "WINDOWS 1 True" in proc.stdout
    assert "Traceback" not in proc.stderr


# -- layouts: only the app's own are restored (issue 9, item 10) -------------------------------


def test_a_sealed_layout_opens_and_a_damaged_one_does_not():
    data = bytes(range(163))
    sealed = storage.seal_layout(data)
    assert storage.open_layout(sealed) == data
    digest, _, encoded = sealed.partition(":")
    import base64

    short = storage.seal_layout(data)[:-16]  # truncated text
    flipped = bytearray(data)
    flipped[40] ^= 0x08
    forged = f"{digest}:{base64.b64encode(bytes(flipped)).decode()}"
    for bad in (short, forged, encoded, data, None, 42, digest + ":" + "A" * 200_000):
        assert storage.open_layout(bad) is None


def _damaged_state(window) -> bytes:
    state = bytes(window.saveState().data())
    return state[:-11]  # the 163-byte state, 11 bytes off, that crashed every start


def test_damaged_layouts_are_never_given_to_qt(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QByteArray
    from PySide6.QtWidgets import QMainWindow

    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    probe = make_window()
    qtbot.addWidget(probe)
    good_state = bytes(probe.saveState().data())
    damaged = _damaged_state(probe)
    flipped = bytearray(good_state)
    flipped[len(flipped) // 2] ^= 0xFF
    restored = []
    monkeypatch.setattr(
        QMainWindow,
        "restoreState",
        lambda self, state, version=0: restored.append(bytes(state.data())),
    )
    for value in (
        QByteArray(damaged),  # an old, unsealed entry
        storage.seal_layout(damaged)[:-8],  # a sealed one, cut short
        storage.seal_layout(good_state).split(":")[0]
        + ":"
        + __import__("base64").b64encode(bytes(flipped)).decode(),
    ):  # bit flipped
        store = storage.app_settings()
        store.setValue("window/state", value)
        store.sync()
        restored.clear()
        w = _start_and_check_usable(qtbot)
        assert restored == [], "a layout the app did not write reached Qt's restoreState"
        assert "not restored" in w.startup_warning
        assert w.classroom.notice_bar.isVisible()
        w.close()
    store = storage.app_settings()
    store.setValue("window/state", storage.seal_layout(good_state))
    store.sync()
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    w.classroom.restore_remembered()
    w.classroom.remember = False
    assert restored == [good_state]


def test_a_session_with_a_damaged_layout_opens_without_it(qtbot, tmp_path, monkeypatch):
    import json

    from PySide6.QtWidgets import QMainWindow

    w = shown_window(qtbot, TIMEOUT)
    with qtbot.waitSignal(w.classroom.sessions.writer.saved, timeout=TIMEOUT):
        assert w.classroom.save_session(tmp_path / "s.gdx.json")
    data = json.loads((tmp_path / "s.gdx.json").read_text("utf-8"))
    import base64

    data["window"]["state"] = base64.b64encode(_damaged_state(w)).decode()  # unsealed
    (tmp_path / "s.gdx.json").write_text(json.dumps(data), "utf-8")
    restored = []
    monkeypatch.setattr(
        QMainWindow, "restoreState", lambda self, state, version=0: restored.append(state)
    )
    assert w.classroom.open_session(tmp_path / "s.gdx.json")
    assert restored == [] and w.message_kind == "warning" and "not restored" in w.message.text()


@pytest.mark.slow
def test_the_real_start_up_with_a_damaged_layout_does_not_crash(tmp_path):
    """The damaged 163-byte state of the report, as the old app stored it, in a real start."""
    script = textwrap.dedent("""
        import sys
        from PySide6.QtCore import QByteArray, QTimer
        from PySide6.QtWidgets import QApplication
        from gui_app.app import make_application, run_app
        from gui_app.classroom import storage
        from tests.gui.classroom_window import make_window

        app = make_application()
        probe = make_window()
        state = bytes(probe.saveState().data())[:-11]
        probe.classroom.remember = False
        probe.close()
        store = storage.app_settings()
        store.setValue("window/state", QByteArray(state))
        store.setValue("window/geometry", QByteArray(state))
        store.sync()

        def report():
            windows = [w for w in QApplication.topLevelWidgets()
                       if hasattr(w, "classroom") and w.isVisible()]
            print("WINDOWS", len(windows))
            app.quit()

        QTimer.singleShot(1500, report)
        sys.exit(run_app())
    """)
    proc = run_app_script(script, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "WINDOWS 1" in proc.stdout


# -- the remembered session: set aside, never overwritten; saved off the GUI thread -----------


def test_an_unreadable_remembered_session_is_moved_aside_and_said_so(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    newer = b'{"format": "gd-explorer-session", "version": 99, "settings": {}}'
    _write(tmp_path, newer, None)
    stale = tmp_path / ".gdx-tmp-last-session.json.x1y2"
    stale.write_bytes(b'{"format": "gd-exp')  # a save interrupted by kill -9
    w = _start_and_check_usable(qtbot)  # runs, so a "Ready"/finished message came later
    moved = [p for p in tmp_path.iterdir() if p.read_bytes() == newer]
    assert len(moved) == 1 and moved[0].name != storage.LAST_SESSION_FILE
    assert not stale.exists()
    assert w.classroom.notice_bar.isVisible()
    assert str(moved[0]) in w.classroom.notice_label.text()
    w.classroom.remember = True
    w.close()  # a new remembered session; the old one stays where it was moved
    assert moved[0].read_bytes() == newer
    assert (tmp_path / storage.LAST_SESSION_FILE).read_bytes() != newer


def test_an_unreadable_session_that_cannot_be_moved_is_not_overwritten(
    qtbot, tmp_path, monkeypatch
):
    import core.session
    from core.errors import InputError

    def cannot_move(path):
        raise InputError("cannot move the session aside: permission denied", path=str(path))

    monkeypatch.setattr(core.session, "quarantine", cannot_move)
    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    _write(tmp_path, b"{corrupt", None)
    w = _start_and_check_usable(qtbot)
    assert "left as it was" in w.classroom.notice_label.text()
    w.classroom.remember = True
    w.close()
    assert (tmp_path / storage.LAST_SESSION_FILE).read_bytes() == b"{corrupt"


def test_closing_hands_the_session_to_the_background_writer(qtbot, tmp_path, monkeypatch):
    import threading

    import numpy as np

    from core.session import RunRecord
    from gui_app.classroom.session_writer import MAX_POINTS_PER_RUN, write_session

    monkeypatch.setenv(storage.CONFIG_DIR_ENV, str(tmp_path))
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    rows = 200_000  # as large as the window keeps (1,000,000 numbers a run)
    params = tuple((float(v), 1.0, 2.0, 3.0, 4.0) for v in np.arange(rows))
    big = RunRecord(
        "big",
        "gd",
        0.1,
        "max_iterations",
        "",
        ("a", "b", "c", "d", "e"),
        tuple(range(rows)),
        tuple(float(c) for c in np.linspace(9, 1, rows)),
        params,
    )
    w.classroom.runs = [big] * 8
    writers, release = [], threading.Event()

    def slow_write(path, session):
        writers.append((threading.current_thread(), session))
        release.wait(30)
        write_session(path, session)

    sessions = w.classroom.sessions
    sessions.writer.write = slow_write
    sessions.close_wait_s = 0  # do not wait for it at all: close returns at once
    w.classroom.remember = True
    w.close()
    qtbot.waitUntil(lambda: bool(writers), timeout=TIMEOUT)
    thread, session = writers[0]
    assert thread is not threading.main_thread()
    assert not (tmp_path / storage.LAST_SESSION_FILE).exists()  # still being written
    assert len(session.runs) <= 8
    assert all(len(r.iterations) <= MAX_POINTS_PER_RUN for r in session.runs)
    assert session.runs[0].iterations[0] == 0 and session.runs[0].iterations[-1] == rows - 1
    release.set()
    assert sessions.writer.wait(TIMEOUT / 1000)
    assert (tmp_path / storage.LAST_SESSION_FILE).exists()
