"""``gd-explorer fit``: reports, JSON fields, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.data.datasets import make_housing

ROOT = Path(__file__).resolve().parents[2]
JSON_FIELDS = {"solver", "scaling", "m", "n", "feature_names", "target_name", "coefficients",
               "intercept", "cost", "iterations", "converged", "diverged", "alpha_max",
               "condition_number", "elapsed_s", "warnings"}


@pytest.fixture
def housing_file(tmp_path) -> Path:
    data = make_housing(100, seed=7)
    path = tmp_path / "houses.txt"
    rows = np.column_stack([data.X, data.y])
    path.write_text("\n".join(",".join(repr(float(v)) for v in r) for r in rows) + "\n")
    return path


def run_json(capsys, *argv) -> dict:
    assert main(["fit", *map(str, argv), "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object
    return json.loads(out)


def test_json_report_has_the_published_fields(capsys, housing_file):
    r = run_json(capsys, housing_file, "--solver", "gd", "--scaling", "zscore", "--alpha", "0.1")
    assert JSON_FIELDS <= set(r)
    assert (r["m"], r["n"], len(r["coefficients"])) == (100, 4, 4)
    assert r["feature_names"] == ["x1", "x2", "x3", "x4"] and r["target_name"] == "y"
    assert r["iterations"] == 1000 and not r["diverged"]


def test_zscore_gd_matches_normal_to_eight_digits(capsys, housing_file):
    gd = run_json(capsys, housing_file, "--solver", "gd", "--scaling", "zscore",
                  "--alpha", "0.1", "--iterations", "1000")
    exact = run_json(capsys, housing_file, "--solver", "normal")
    a = np.array([*gd["coefficients"], gd["intercept"]])
    b = np.array([*exact["coefficients"], exact["intercept"]])
    assert np.all(np.abs(a - b) <= 1e-8 * np.abs(b))


def test_unscaled_gd_diverges_just_above_alpha_max_only(capsys, housing_file):
    alpha_max = run_json(capsys, housing_file, "--solver", "normal")["alpha_max"]
    below = run_json(capsys, housing_file, "--solver", "gd", "--alpha", 0.99 * alpha_max)
    above = run_json(capsys, housing_file, "--solver", "gd", "--alpha", 1.01 * alpha_max)
    assert not below["diverged"] and above["diverged"]
    assert any("α_max" in w for w in above["warnings"])


def test_degree_expands_names_in_power_order(capsys, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a,b,y\n" + "\n".join(f"{i},{i % 3},{i * i}" for i in range(10)))
    r = run_json(capsys, path, "--degree", "2", "--no-intercept")
    assert r["feature_names"] == ["a", "b", "a^2", "b^2"] and r["intercept"] is None


def test_history_csv_holds_every_snapshot(capsys, tmp_path, housing_file):
    hist = tmp_path / "h.csv"
    r = run_json(capsys, housing_file, "--solver", "gd", "--scaling", "zscore", "--alpha",
                 "0.1", "--iterations", "50", "--report-every", "10", "--history", hist)
    rows = hist.read_text().splitlines()
    assert rows[0].startswith("iteration,cost,gradient_norm,w[x1]")
    assert [int(line.split(",")[0]) for line in rows[1:]] == [0, 10, 20, 30, 40, 50]
    assert float(rows[-1].split(",")[1]) == pytest.approx(r["cost"], rel=1e-15)


def test_readable_report(capsys, housing_file):
    assert main(["fit", str(housing_file)]) == 0
    out = capsys.readouterr().out
    assert "coefficients (original units)" in out and "intercept b" in out


@pytest.mark.parametrize(("argv", "text"), [
    (["--alpha", "-1", "--solver", "gd"], "alpha"),
    (["--iterations", "-5"], "iterations"),
    (["--degree", "0"], "degree"),
    (["--solver", "newton"], "invalid choice"),
    (["--scaling", "log"], "invalid choice"),
    (["--alpha", "abc"], "not a number"),
])
def test_bad_options_exit_2_with_one_line(capsys, housing_file, argv, text):
    assert main(["fit", str(housing_file), *argv]) == 2
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_file_names_row_and_column(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,y\n1,2,3\n4,oops,6\n7,8,9\n1,1,1\n")
    assert main(["fit", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "row 3" in err and "column 2" in err


def test_console_script_prints_no_traceback(tmp_path):
    """The real entry point, in a fresh interpreter: a missing file is one line, exit 2."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "gui_app", "fit", str(tmp_path / "nope.csv")],
                          capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    assert "nope.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_core_runs_without_qt(tmp_path):
    """core imports no Qt: block PySide6/pyqtgraph/gui_app and run a fit headless."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6', 'gui_app'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pkgutil, importlib, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    if m.name != 'core.__main__': importlib.import_module(m.name)\n"
        "from core.cli import main\n"
        "sys.exit(main(['fit', 'demo:housing', '--json']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["m"] == 100
