"""``python -m core fit|lesson|bench ...``: the headless commands, for machines without Qt."""

from __future__ import annotations

import sys

from core.cli import main

sys.exit(main())
