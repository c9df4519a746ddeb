"""The ``gd-explorer`` console script: headless commands go to ``core.cli`` before any Qt
import, so ``fit`` and ``bench`` work (and start fast) without a display."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core.cli import main as core_main


def _launch(args: argparse.Namespace) -> int:
    from gui_app.app import run_app

    return run_app(self_test=args.self_test)


def main(argv: Sequence[str] | None = None) -> int:
    return core_main(argv, launch_gui=_launch)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
