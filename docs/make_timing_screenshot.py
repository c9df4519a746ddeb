"""Regenerate docs/timing.png: the real window's Timing tab after a benchmark with a sweep.

    QT_QPA_PLATFORM=offscreen python docs/make_timing_screenshot.py [out.png] [m] [n] [WxH]

WxH is the window size (default 1366x768, the common classroom projector; the README also
shows 1920x1080).
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


def main() -> int:
    out = (
        sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "timing.png")
    )
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    width, height = (
        int(v) for v in (sys.argv[4] if len(sys.argv) > 4 else "1366x768").lower().split("x")
    )
    from gui_app.app import make_application

    app = make_application()
    from gui_app.app import create_main_window as MainWindow  # window + classroom

    window = MainWindow()
    window.resize(width, height)
    window.show()
    window.show_timing_tab(None)
    timing = window.timing
    timing.m_spin.setValue(m)
    timing.n_spin.setValue(n)
    timing.sweep_combo.setCurrentIndex(1)  # sweep m
    timing.run()
    deadline = time.perf_counter() + 300
    while timing.running:
        if time.perf_counter() > deadline:
            window.close()
            raise TimeoutError("the benchmark did not finish")
        app.processEvents()
        time.sleep(0.005)  # a script polling the event loop, not a test
    for _ in range(20):
        app.processEvents()
    image = window.grab()
    image.save(out, "PNG", 0)  # 0: smallest file (PNG is lossless at any level)
    window.close()
    print(out, os.path.getsize(out), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
