"""Regenerate docs/screenshot.png: the real window after a GD run on the housing demo.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py [out.png] [scaling] [alpha]
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                             "screenshot.png")
    from gui_app.app import make_application

    app = make_application()
    from gui_app.explore.window import MainWindow

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()

    def wait(cond, timeout=20.0):
        deadline = time.perf_counter() + timeout
        while not cond():
            if time.perf_counter() > deadline:
                raise TimeoutError
            app.processEvents()
            time.sleep(0.005)

    wait(lambda: window.prepared is not None)
    c = window.controls
    if len(sys.argv) > 2:
        c.scaling_combo.setCurrentIndex([k for k, _ in
                                         __import__("gui_app.explore.controls").controls.SCALINGS]
                                        .index(sys.argv[2]))
        wait(lambda: window.prepared.spec == c.model_spec() and not window.worker.is_busy())
    if len(sys.argv) > 3:
        c.set_alpha(float(sys.argv[3]))
    for alpha in ([float(sys.argv[3])] if len(sys.argv) > 3 else [0.03, 0.3]):
        c.set_alpha(alpha)
        window.final_snapshot = None
        c.run_button.click()
        wait(lambda: window.final_snapshot is not None)
    for _ in range(20):
        app.processEvents()
    window.grab().save(out)
    window.close()
    print(out, os.path.getsize(out), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
