"""GD Explorer's engine: datasets, features, scaling, problems, solvers and benchmarks.

Never imports Qt: everything here runs headless (scripts, tests, GPU machines).
"""

from __future__ import annotations

__version__ = "0.1.0"
