"""PyInstaller entry point of the ``gd-explorer`` bundle (see packaging/gd-explorer.spec).

The same console script ``pip install`` makes: headless commands (``fit``, ``bench``,
``--version``) go to ``core.cli`` before any Qt import; no command opens the window.
"""

import multiprocessing
import sys

from gui_app.launcher import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process must not re-run the app
    sys.exit(main())
