"""Significant digits (LRE) of `fit --solver normal` and `normal-textbook` on NIST StRD.

    python benchmarks/nist_accuracy.py [path/to/shared/reference/nist]

Prints, per dataset, the minimum over parameters of -log10(|estimate - certified| /
|certified|), capped at 15, for both solvers. Needs the reference files beside the project.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli import main
from tests.core import nist
from tests.core.nist import NIST_DIR

NIST = Path(sys.argv[1]) if len(sys.argv) > 1 else NIST_DIR


def lre(estimate: float, certified: float) -> float:
    if estimate == certified:
        return 15.0
    return min(15.0, -math.log10(abs(estimate - certified) / abs(certified)))


def fit(path: Path, info: dict, solver: str) -> list[float]:
    argv = nist.fit_argv(path, info, solver)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(argv)
    r = json.loads(out.getvalue())
    return ([r["intercept"]] if info["intercept"] else []) + r["coefficients"]


certified = json.loads((NIST / "certified.json").read_text())
print(f"{'dataset':10} {'normal':>7} {'textbook':>9}   (significant digits, min over parameters)")
with tempfile.TemporaryDirectory() as tmp:
    for name, info in certified.items():
        lines = (NIST / f"{name}.dat").read_text().splitlines()
        first, last = info["data_lines"]
        path = Path(tmp) / f"{name}.txt"
        path.write_text("\n".join(lines[first - 1 : last]) + "\n")
        cert = [float(v) for v in info["params"]]
        row = [
            min(lre(e, c) for e, c in zip(fit(path, info, s), cert, strict=True))
            for s in ("normal", "normal-textbook")
        ]
        print(f"{name:10} {row[0]:7.1f} {row[1]:9.1f}")
