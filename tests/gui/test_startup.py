"""Start-up safety (issue 6, item 5): a corrupt settings file (QSettings) or remembered
session never prevents the app from starting; it starts with the defaults and says so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from gui_app.classroom import classroom as classroom_mod

TIMEOUT = 15_000
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SESSION_CORRUPTIONS = {
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "truncated": b'{"format": "gd-explorer-session", "vers',
    "nested_too_deep": b"[" * 100_000,
    "wrong_types": b'{"format": "gd-explorer-session", "version": 1, "settings": '
                   b'{"alpha": "fast", "iterations": -3}, "runs": "many"}',
    "future_version": b'{"format": "gd-explorer-session", "version": 999}',
    "not_utf8": "{\"format\": \"é\"}".encode("latin-1"),
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
        (folder / classroom_mod.LAST_SESSION_FILE).write_bytes(session)
    if settings is not None:
        (folder / "gd-explorer.ini").write_bytes(settings)


def _start_and_check_usable(qtbot):
    from gui_app.app import create_main_window as MainWindow  # window + classroom
    from gui_app.app import restore_remembered_safely

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    shown = []
    w.message_shown.connect(lambda text, kind: shown.append((kind, text)))
    restore_remembered_safely(w)  # what run_app does at start-up
    w.classroom.remember = False  # do not write the folder back on close
    qtbot.waitUntil(lambda: w.prepared is not None and not w.worker.is_busy(),
                    timeout=TIMEOUT)
    assert w.isVisible()
    warnings = [text for kind, text in shown if kind == "warning" and "defaults" in text]
    assert warnings, shown  # it said so (a later "Ready" message may replace it)
    w.startup_warning = warnings[0]
    with qtbot.waitSignal(w.run_finished, timeout=TIMEOUT) as blocker:
        w.controls.run_button.click()
    assert blocker.args[0].status in ("converged", "max_iterations", "solved")
    return w


@pytest.mark.parametrize("name", sorted(SESSION_CORRUPTIONS))
def test_corrupt_remembered_session_does_not_block_the_start(qtbot, tmp_path, monkeypatch,
                                                             name):
    monkeypatch.setenv(classroom_mod.CONFIG_DIR_ENV, str(tmp_path))
    _write(tmp_path, SESSION_CORRUPTIONS[name], None)
    _start_and_check_usable(qtbot)


@pytest.mark.parametrize("name", sorted(SETTINGS_CORRUPTIONS))
def test_corrupt_settings_file_does_not_block_the_start(qtbot, tmp_path, monkeypatch, name):
    monkeypatch.setenv(classroom_mod.CONFIG_DIR_ENV, str(tmp_path))
    # a corrupt session too: the message must then say "defaults" whatever QSettings made
    # of the junk (it reads some of it without an error status)
    _write(tmp_path, b"{", SETTINGS_CORRUPTIONS[name])
    _start_and_check_usable(qtbot)


def test_directories_in_place_of_the_files(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(classroom_mod.CONFIG_DIR_ENV, str(tmp_path))
    (tmp_path / classroom_mod.LAST_SESSION_FILE).mkdir()
    (tmp_path / "gd-explorer.ini").mkdir()
    _start_and_check_usable(qtbot)


def test_restore_raising_anything_still_starts(qtbot, tmp_path, monkeypatch):
    from gui_app.classroom.classroom import Classroom

    monkeypatch.setenv(classroom_mod.CONFIG_DIR_ENV, str(tmp_path))

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
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ROOT,
           classroom_mod.CONFIG_DIR_ENV: str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "WINDOWS 1 True" in proc.stdout
    assert "Traceback" not in proc.stderr
