"""What ``gd-explorer bench`` and ``bench --to-cost`` share: the whole-number option type and
the measure → table → ``--json`` sequence."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from core.files import atomic_write_text, check_output_path


def int_arg(text: str) -> int:
    """An argparse type: ``"100,000"`` or ``"100_000"`` → 100000; ArgumentTypeError otherwise."""
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def measure_and_print(
    args: argparse.Namespace,
    config: Any,
    measure: Callable[..., Any],
    format_table: Callable[[Any], str],
    bar: Any,
) -> int:
    """Check the ``--json`` path, run ``measure(config, progress=bar)`` (``bar.close()``
    after, even on an error), print ``format_table(report)`` on stdout and write
    ``report.to_json()`` to ``args.json`` atomically when given; returns the exit code 0.

    Raises :class:`core.errors.InputError` for a ``--json`` path that cannot be written.
    """
    if args.json is not None:
        check_output_path(args.json, "benchmark JSON file")
    try:
        report = measure(config, progress=bar)
    finally:
        bar.close()
    print(format_table(report))
    if args.json is not None:
        text = json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n"
        atomic_write_text(args.json, text, "benchmark JSON file")
    return 0
