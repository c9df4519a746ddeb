"""The stable normal equation against NIST's certified values (>= 9 significant digits)."""

from __future__ import annotations

import json
import math

import pytest

from core.cli import main
from tests.core import nist

pytestmark = pytest.mark.skipif(not nist.available(), reason="../shared/reference/nist absent")

NAMES = sorted(nist.certified()) if nist.available() else []


def log_relative_error(estimate: float, certified: float) -> float:
    if estimate == certified:
        return 15.0
    if certified == 0:
        return min(15.0, -math.log10(abs(estimate)))
    return min(15.0, -math.log10(abs(estimate - certified) / abs(certified)))


def fit(tmp_path, capsys, name: str, solver: str) -> tuple[dict, list[float]]:
    info = nist.certified()[name]
    path = nist.write_data(name, info, tmp_path)
    argv = nist.fit_argv(path, info, solver)
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    estimates = list(report["coefficients"])
    if info["intercept"]:
        estimates = [report["intercept"], *estimates]  # NIST lists B0 first
    return report, estimates


@pytest.mark.parametrize("name", NAMES)
def test_normal_matches_certified_values(tmp_path, capsys, name):
    info = nist.certified()[name]
    report, estimates = fit(tmp_path, capsys, name, "normal")
    certified = [float(v) for v in info["params"]]
    assert len(estimates) == len(certified)
    lre = min(log_relative_error(e, c) for e, c in zip(estimates, certified, strict=True))
    assert lre >= 9.0, f"{name}: only {lre:.1f} significant digits"
    # the residual standard deviation follows from the cost: s = sqrt(2mJ / (m - p))
    m, p = report["m"], len(certified)
    s = math.sqrt(2 * m * report["cost"] / (m - p))
    assert log_relative_error(s, float(info["residual_sd"])) >= 6.0


def test_textbook_says_when_it_cannot_be_trusted(tmp_path, capsys):
    report, estimates = fit(tmp_path, capsys, "Filip", "normal-textbook")
    assert any("untrustworthy" in w or "singular" in w for w in report["warnings"])
    certified = [float(v) for v in nist.certified()["Filip"]["params"]]
    worst = min(log_relative_error(e, c) for e, c in zip(estimates, certified, strict=True))
    assert worst < 9.0  # the point of the lesson: the textbook formula loses the digits
