"""``python -m core fit|lesson|bench ...``: the headless commands, for machines without Qt."""

from __future__ import annotations

import sys

from core.cli import main

# guarded: Dask's worker processes start by importing this module (multiprocessing's spawn)
if __name__ == "__main__":
    sys.exit(main())
