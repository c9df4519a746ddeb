"""The bench's numeric options, each defined once: range, default, label and help.

``gd-explorer bench`` (its argparse options and their check) and the window's Timing tab
(its spin boxes) read these objects, so both accept the same values. The upper bounds are
what a Qt spin box can hold (a signed 32-bit int) or what makes sense to wait for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from core.errors import InputError


@dataclass(frozen=True)
class BenchLimit:
    """One whole-number bench option: inclusive range ``low..high`` and its default."""

    name: str
    option: str
    low: int
    high: int
    default: int
    label: str
    help: str
    why: str = ""  # why the upper bound is what it is, added to the refusal

    @property
    def range_text(self) -> str:
        """``1 to 50``, as messages and help texts show the range."""
        return f"{self.low:,} to {self.high:,}"

    def check(self, value: Any) -> int:
        """``value`` if it is a whole number within the range; InputError with the range."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (self.low <= value <= self.high)
        ):
            why = f" ({self.why})" if self.why else ""
            raise InputError(
                f"{self.option} must be a whole number from {self.range_text}, got {value!r}{why}"
            )
        return value


def cpu_count() -> int:
    """CPU cores this process may run on (its affinity mask where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


M = BenchLimit(
    "m", "--m", 1, 2_000_000_000, 100_000, "examples m", "rows of the test matrix (examples)"
)
N = BenchLimit(
    "n", "--n", 1, 100_000_000, 1_000, "features n", "columns of the test matrix (features)"
)
REPEATS = BenchLimit(
    "repeats",
    "--repeats",
    1,
    50,
    5,
    "repeats",
    "timed calls per implementation after the warm-up; the median is shown",
)
POINTS = BenchLimit(
    "points", "--points", 2, 12, 5, "sweep points", "sizes in a sweep, log-spaced up to m or n"
)
#: More threads than cores would only time the scheduler (and overstate the bandwidth used).
THREADS = BenchLimit(
    "threads",
    "--threads",
    1,
    cpu_count(),
    1,
    "threads",
    "a thread count to compare (BLAS and the numba kernels), at most the CPU cores",
    why=f"this machine has {cpu_count()} CPU core{'s' if cpu_count() != 1 else ''}",
)

#: Every bench limit by name.
LIMITS: dict[str, BenchLimit] = {lim.name: lim for lim in (M, N, REPEATS, POINTS, THREADS)}
