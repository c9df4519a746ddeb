"""``python -m gui_app``: the same as the ``gd-explorer`` console script."""

from __future__ import annotations

import sys

from gui_app.launcher import main

# guarded: Dask's worker processes start by importing this module (multiprocessing's spawn)
if __name__ == "__main__":
    sys.exit(main())
