"""Reading the NIST StRD linear-regression reference sets that lie beside the project."""

from __future__ import annotations

import json
import os
from pathlib import Path


def _find() -> Path:
    """``$GDX_NIST_DIR``, else ``shared/reference/nist`` beside the checkout or beside the
    folder that holds it (a git worktree lives one level deeper than the main checkout)."""
    if os.environ.get("GDX_NIST_DIR"):
        return Path(os.environ["GDX_NIST_DIR"])
    root = Path(__file__).resolve().parents[2]
    candidates = [up / "shared" / "reference" / "nist" for up in (root.parent, root.parent.parent)]
    return next((c for c in candidates if (c / "certified.json").is_file()), candidates[0])


NIST_DIR = _find()


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


def fit_argv(path: Path, info: dict, solver: str) -> list[str]:
    """``gd-explorer fit`` arguments for one reference set: target first column, no header,
    its polynomial degree, raw design (the certified values are for unscaled columns)."""
    argv = [
        "fit",
        str(path),
        "--no-header",
        "--target",
        "0",
        "--solver",
        solver,
        "--json",
        "--degree",
        str(info.get("degree") or 1),
        "--scaling",
        "none",
    ]
    if not info["intercept"]:
        argv.append("--no-intercept")
    return argv
