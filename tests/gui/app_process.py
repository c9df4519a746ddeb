"""Run a script against the real application in a fresh Python process, on Qt's offscreen
platform, optionally with one screen of a given size (for tests of a real start-up or of real
full screen, which one process's QApplication cannot show twice)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: The start of a script for :func:`run_app_script`: the real window with its classroom,
#: shown and prepared (``w``, ``c``; ``wait(cond)`` pumps events until ``cond()``).
WINDOW_PRELUDE = """\
import json, time
from gui_app.app import make_application
from tests.gui.classroom_window import make_window

app = make_application()
w = make_window()
w.show()

def wait(cond, timeout=60):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline
        app.processEvents()
        time.sleep(0.005)

wait(lambda: w.prepared is not None)
c = w.classroom
c.remember = False
"""

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def offscreen_screen(folder: Path, width: int, height: int) -> str:
    """A QT_QPA_PLATFORM value for the offscreen platform with one ``width`` × ``height``
    screen at 96 dpi (Qt reads the screen from a JSON file, written into ``folder``)."""
    config = folder / "screen.json"
    screen = {
        "name": f"screen {width}x{height}",
        "x": 0,
        "y": 0,
        "width": width,
        "height": height,
        "logicalDpi": 96,
        "logicalBaseDpi": 96,
        "dpr": 1,
    }
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    return f"offscreen:configfile={config}"


def run_app_script(
    script: str, config_dir: Path, *, platform: str = "offscreen", timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run ``script`` (Python source) from the repository root with ``config_dir`` as the
    app's settings folder; returns the finished process (stdout and stderr as text)."""
    from gui_app.classroom import storage

    env = {
        **os.environ,
        "QT_QPA_PLATFORM": platform,
        "PYTHONPATH": ROOT,
        storage.CONFIG_DIR_ENV: str(config_dir),
    }
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_json_line(proc: subprocess.CompletedProcess) -> dict:
    """The JSON object the script printed last (after checking that it exited 0)."""
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
