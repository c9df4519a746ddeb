"""Reading the NIST StRD linear-regression reference sets that lie beside the project."""

from __future__ import annotations

import json
from pathlib import Path

NIST_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference" / "nist"


def available() -> bool:
    return (NIST_DIR / "certified.json").is_file()


def certified() -> dict:
    return json.loads((NIST_DIR / "certified.json").read_text())


def write_data(name: str, info: dict, dest: Path) -> Path:
    """Copy the data rows (y first, then x...) of ``name`` to a plain whitespace file."""
    lines = (NIST_DIR / f"{name}.dat").read_text().splitlines()
    first, last = info["data_lines"]
    out = dest / f"{name}.txt"
    out.write_text("\n".join(lines[first - 1 : last]) + "\n")
    return out
