"""``python -m gui_app``: the same as the ``gd-explorer`` console script."""

from __future__ import annotations

import sys

from gui_app.launcher import main

sys.exit(main())
