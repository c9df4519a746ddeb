"""Durations as the terminal shows them; light to import: the fit report (core.cli_report,
which the dask engine's fit uses) reads it without the timing lab, which imports the dask
engine for its rows (core.timing.dask_rows); one home, no import circle."""

from __future__ import annotations


def fmt_seconds(s: float | None) -> str:
    """A duration for the terminal: ``1.23 s``, ``4.56 ms``, ``7.89 µs``, ``25.3 ns``; ``-``
    for None."""
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    if s >= 1e-6 or s == 0:
        return f"{s * 1e6:.3g} µs"
    return f"{s * 1e9:.3g} ns"
