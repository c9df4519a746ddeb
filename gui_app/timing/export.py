"""Writing a benchmark report to CSV (one row per result, every field) or JSON (the object
``gd-explorer bench --json`` writes), atomically: a failed write leaves the old file as it was
and says so."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

from core.files import atomic_write_text, check_output_path
from core.timing.bench import BenchReport, BenchResult

CSV_FIELDS = [f.name for f in dataclasses.fields(BenchResult)]


def report_csv(report: BenchReport) -> str:
    """Every result row (all BenchResult fields, None as empty) as CSV text."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for r in report.results:
        row = dataclasses.asdict(r)
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def report_json(report: BenchReport) -> str:
    """``report.to_json()`` as indented JSON text."""
    return json.dumps(report.to_json(), indent=2) + "\n"


def write_report(report: BenchReport, path: str, kind: str | None = None) -> None:
    """Write ``report`` to ``path`` as ``kind`` ("csv" or "json"; by default JSON if the path
    ends in .json, else CSV).

    Raises InputError (core.errors) naming the path when it cannot be written.
    """
    if kind is None:
        kind = "json" if path.lower().endswith(".json") else "csv"
    check_output_path(path, "timing export")
    text = report_json(report) if kind == "json" else report_csv(report)
    atomic_write_text(path, text, "timing export")
