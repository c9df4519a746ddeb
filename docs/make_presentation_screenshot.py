"""Regenerate docs/presentation.png: presentation mode (F11) on a projector-sized screen.

A lesson plays from the Lessons menu with the lesson panel open; the window is grabbed in
real full screen on an offscreen screen of the given size (Qt's offscreen platform reads the
screen from a small JSON file), and optionally scaled down.

    python docs/make_presentation_screenshot.py [out.png] [--size 1366x768] [--lesson N]
        [--scale 1.0] [--controls]

``--controls`` grabs it with the control panel shown (F9) as a drawer, to check that nothing
in it is cut off.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from make_screenshot import offscreen_screen, wait_until  # docs/ is this script's folder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=os.path.join(ROOT, "docs", "presentation.png"))
    parser.add_argument("--size", default="1366x768", help="screen size, WIDTHxHEIGHT")
    parser.add_argument("--lesson", type=int, default=1, help="lesson number (1-based)")
    parser.add_argument("--scale", type=float, default=1.0, help="scale of the saved image")
    parser.add_argument("--controls", action="store_true", help="show the control drawer")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    os.environ["QT_QPA_PLATFORM"] = offscreen_screen(width, height)
    os.environ.setdefault("GD_EXPLORER_CONFIG_DIR", tempfile.mkdtemp(prefix="gdx-shot-"))
    from PySide6.QtCore import Qt

    from gui_app.app import create_main_window, make_application

    app = make_application()
    window = create_main_window()  # the window with its Classroom
    window.show()

    def wait(cond):
        wait_until(app, cond, timeout=60.0)

    wait(lambda: window.prepared is not None)
    classroom = window.classroom
    classroom.presentation_action.trigger()
    wait(window.isFullScreen)
    done = []
    classroom.player.finished.connect(done.append)
    classroom.player.hold_ms = 0
    classroom.lesson_actions[args.lesson - 1].trigger()
    wait(lambda: bool(done))
    if args.controls:
        classroom.controls_action.trigger()
    for _ in range(30):
        app.processEvents()
    image = window.grab()
    if args.scale != 1.0:
        image = image.scaled(
            round(image.width() * args.scale),
            round(image.height() * args.scale),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    image.save(args.out)
    print(
        args.out,
        f"{window.width()}x{window.height()} -> {image.width()}x{image.height()},",
        os.path.getsize(args.out),
        "bytes",
    )
    classroom.remember = False
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
