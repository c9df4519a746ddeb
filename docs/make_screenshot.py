"""Regenerate docs/screenshot.png: the real window after two GD runs on the housing demo.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py [out.png] [WIDTHxHEIGHT] [scaling]

The window opens on an offscreen screen of WIDTH × HEIGHT (default 1366x768, the common
classroom laptop and projector) and sizes itself as it does on a real one.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def offscreen_screen(width: int, height: int) -> str:
    """A QT_QPA_PLATFORM value for Qt's offscreen platform with one screen of that size."""
    import json
    import tempfile

    config = {
        "screens": [
            {
                "name": f"screen {width}x{height}",
                "x": 0,
                "y": 0,
                "width": width,
                "height": height,
                "logicalDpi": 96,
                "logicalBaseDpi": 96,
                "dpr": 1,
            }
        ]
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(config, fh)
    return f"offscreen:configfile={fh.name}"


def wait_until(app, cond, timeout: float = 20.0) -> None:
    """Turn the event loop until ``cond()`` holds; TimeoutError after ``timeout`` seconds."""
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError
        app.processEvents()
        time.sleep(0.005)  # a script polling the real window, not a test


def main() -> int:
    out = (
        sys.argv[1]
        if len(sys.argv) > 1
        else os.path.join(os.path.dirname(__file__), "screenshot.png")
    )
    width, height = (int(v) for v in (sys.argv[2] if len(sys.argv) > 2 else "1366x768").split("x"))
    os.environ["QT_QPA_PLATFORM"] = offscreen_screen(width, height)
    from gui_app.app import create_main_window, make_application

    app = make_application()
    window = create_main_window()
    window.show()

    def wait(cond):
        wait_until(app, cond)

    wait(lambda: window.prepared is not None)
    c = window.controls
    if len(sys.argv) > 3:
        c.scaling_combo.setCurrentIndex(c.scaling_combo.findData(sys.argv[3]))
        wait(
            lambda: (
                window.prepared is not None
                and window.prepared.spec == c.model_spec()
                and not window.worker.is_busy()
            )
        )
    for alpha in (0.03, 0.3):
        c.set_alpha(alpha)
        c.run_button.click()
        wait(lambda: window.final_snapshot is not None)
    for _ in range(20):
        app.processEvents()
    window.grab().save(out)
    window.close()
    print(out, f"{window.width()}x{window.height()}", os.path.getsize(out), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
