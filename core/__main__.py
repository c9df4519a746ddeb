"""``python -m core fit|bench ...``: the headless commands, for machines without Qt."""

import sys

from core.cli import main

sys.exit(main())
