"""Does the window survive 500 cycles of run / stop / new run / dialog? (issue 6, item 4)

Runs the soak test ``tests/gui/test_soak.py`` with many cycles (CI runs it with 30): each
cycle starts a long gradient-descent run, stops it, starts another and at once replaces it
with a short one, then opens and closes a dialog. Prints the cycles, the time they took and
the resident memory (RSS) at the baseline cycle (50) and at the end, with the growth as a
ratio; exits 0 when there was no error, no thread was left and RSS grew less than
``--max-growth``, else with pytest's failure status.

    python benchmarks/soak_cycles.py                 # 500 cycles, about a minute and a half
    python benchmarks/soak_cycles.py --cycles 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = ROOT / "tests" / "gui" / "test_soak.py"


def main(argv: list[str] | None = None) -> int:
    """Run the soak test with the requested cycles; returns pytest's exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument(
        "--max-growth",
        type=float,
        default=0.10,
        help="largest allowed RSS growth, end / baseline - 1 (default 0.10)",
    )
    args = parser.parse_args(argv)
    if args.cycles < 3:
        parser.error("--cycles must be at least 3")
    env = dict(
        os.environ, GDX_SOAK_CYCLES=str(args.cycles), GDX_SOAK_MAX_GROWTH=str(args.max_growth)
    )
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # -s: the test prints its measurements; no cache folder written by a benchmark.
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", str(TEST)]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
