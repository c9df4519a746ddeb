"""Make docs/animation-example.gif: a gradient-descent run on the housing demo, exported by
File → Export animation… (without its dialogs) from the real window.

Run it on a display (``xvfb-run -s "-screen 0 1366x768x24" python docs/make_animation_example.py``)
or offscreen (``QT_QPA_PLATFORM=offscreen``); options: the output path, frames, seconds, size.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "animation-example.gif"))
    parser.add_argument("--frames", type=int, default=90)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--size", default="960x540")
    args = parser.parse_args()

    from gui_app.app import create_main_window, make_application
    from gui_app.explore.animation import export_animation
    from gui_app.explore.animation_plan import parse_size

    app = make_application()
    window = create_main_window()
    ready: list[bool] = []
    window.problem_ready.connect(lambda: ready.append(True))
    window.show()
    while not ready:
        app.processEvents()
    done: list[object] = []
    window.run_finished.connect(done.append)
    window.controls.run_button.click()
    while not done:
        app.processEvents()
    written = export_animation(
        window, args.out, frames=args.frames, duration=args.seconds, size=parse_size(args.size)
    )
    print(window.state.message.text)
    window.close()
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
