"""Regenerate docs/presentation.png: presentation mode at 1920x1080, shown at 50 % (960x540).

The learning-rate lesson plays from the Lessons menu; the window is grabbed at 1920x1080 in
presentation mode and scaled down by half, which is what must stay readable.

    QT_QPA_PLATFORM=offscreen python docs/make_presentation_screenshot.py [out.png] [lesson]
        [full.png] [controls]

``full.png`` also keeps the unscaled 1920x1080 grab; ``controls`` grabs it with the control
panel shown (F9) to check that nothing in it is cut off.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_screenshot import offscreen_screen

if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = offscreen_screen(1920, 1080)
os.environ.setdefault("GD_EXPLORER_CONFIG_DIR", os.path.join(os.path.dirname(__file__),
                                                             ".screenshot-config"))


def main() -> int:
    here = os.path.dirname(__file__)
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "presentation.png")
    lesson_index = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    full_out = sys.argv[3] if len(sys.argv) > 3 else None
    show_controls = len(sys.argv) > 4 and sys.argv[4] == "controls"
    from PySide6.QtCore import Qt

    from gui_app.app import make_application

    app = make_application()
    from gui_app.app import create_main_window as MainWindow  # window + classroom

    window = MainWindow()
    window.resize(1920, 1080)
    window.show()

    def wait(cond, timeout=30.0):
        deadline = time.perf_counter() + timeout
        while not cond():
            if time.perf_counter() > deadline:
                raise TimeoutError
            app.processEvents()
            time.sleep(0.005)

    wait(lambda: window.prepared is not None)
    classroom = window.classroom
    classroom.presentation_action.trigger()
    done = []
    classroom.player.finished.connect(done.append)
    classroom.player.hold_ms = 0
    classroom.lesson_actions[lesson_index].trigger()
    wait(lambda: bool(done))
    if show_controls:
        classroom.controls_action.trigger()
    for _ in range(30):
        app.processEvents()
    full = window.grab()
    if full_out:
        full.save(full_out)
    half = full.scaled(full.width() // 2, full.height() // 2,
                       Qt.AspectRatioMode.KeepAspectRatio,
                       Qt.TransformationMode.SmoothTransformation)
    half.save(out)
    window.close()
    print(out, f"{full.width()}x{full.height()} -> {half.width()}x{half.height()},",
          os.path.getsize(out), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
