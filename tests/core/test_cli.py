"""``gd-explorer fit``: reports, JSON fields, exit codes and one-line errors."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from core import builder, cli, cli_args, solvers
from core.builder import build_dataset
from core.cli import build_parser, main
from core.data.datasets import make_housing
from core.errors import InputError
from core.settings import (
    CHOICE_LABELS,
    SCHEMA,
    SOURCES,
    DataSettings,
    ModelSettings,
    RunSettings,
)

ROOT = Path(__file__).resolve().parents[2]
JSON_FIELDS = {
    "solver",
    "scaling",
    "m",
    "n",
    "feature_names",
    "target_name",
    "coefficients",
    "intercept",
    "cost",
    "iterations",
    "converged",
    "diverged",
    "alpha_max",
    "condition_number",
    "elapsed_s",
    "warnings",
}


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
    r = run_json(
        capsys,
        housing_file,
        "--solver",
        "gd",
        "--scaling",
        "zscore",
        "--alpha",
        "0.1",
        "--tolerance",
        "0",
    )
    assert JSON_FIELDS <= set(r)
    assert (r["m"], r["n"], len(r["coefficients"])) == (100, 4, 4)
    assert r["feature_names"] == ["x1", "x2", "x3", "x4"] and r["target_name"] == "x5"
    assert r["iterations"] == 1000 and not r["diverged"]


def test_zscore_gd_matches_normal_to_eight_digits(capsys, housing_file):
    gd = run_json(
        capsys,
        housing_file,
        "--solver",
        "gd",
        "--scaling",
        "zscore",
        "--alpha",
        "0.1",
        "--iterations",
        "1000",
        "--tolerance",
        "0",
    )
    exact = run_json(capsys, housing_file, "--solver", "normal")
    a = np.array([*gd["coefficients"], gd["intercept"]])
    b = np.array([*exact["coefficients"], exact["intercept"]])
    assert np.all(np.abs(a - b) <= 1e-8 * np.abs(b))


def test_unscaled_gd_diverges_just_above_alpha_max_only(capsys, housing_file):
    alpha_max = run_json(capsys, housing_file, "--solver", "normal", "--scaling", "none")[
        "alpha_max"
    ]
    below = run_json(
        capsys, housing_file, "--solver", "gd", "--scaling", "none", "--alpha", 0.99 * alpha_max
    )
    above = run_json(
        capsys, housing_file, "--solver", "gd", "--scaling", "none", "--alpha", 1.01 * alpha_max
    )
    assert not below["diverged"] and above["diverged"]
    assert any("α_max" in w for w in above["warnings"])


def test_degree_expands_names_in_power_order(capsys, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a,b,y\n" + "\n".join(f"{i},{i % 3},{i * i}" for i in range(10)))
    r = run_json(capsys, path, "--degree", "2", "--no-intercept")
    assert r["feature_names"] == ["a", "b", "a^2", "b^2"] and r["intercept"] is None


def test_history_csv_holds_every_snapshot(capsys, tmp_path, housing_file):
    hist = tmp_path / "h.csv"
    r = run_json(
        capsys,
        housing_file,
        "--solver",
        "gd",
        "--scaling",
        "zscore",
        "--alpha",
        "0.1",
        "--iterations",
        "50",
        "--report-every",
        "10",
        "--tolerance",
        "0",
        "--history",
        hist,
    )
    rows = hist.read_text().splitlines()
    assert rows[0].startswith("iteration,cost,gradient_norm,w[x1]")
    assert [int(line.split(",")[0]) for line in rows[1:]] == [0, 10, 20, 30, 40, 50]
    assert float(rows[-1].split(",")[1]) == pytest.approx(r["cost"], rel=1e-15)


def test_readable_report(capsys, housing_file):
    assert main(["fit", str(housing_file)]) == 0
    out = capsys.readouterr().out
    assert "coefficients (original units)" in out and "intercept b" in out


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["--alpha", "-1", "--solver", "gd"], "alpha"),
        (["--iterations", "-5"], "iterations"),
        (["--degree", "0"], "degree"),
        (["--solver", "newton"], "invalid choice"),
        (["--scaling", "log"], "invalid choice"),
        (["--alpha", "abc"], "not a number"),
    ],
)
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
    proc = subprocess.run(
        [sys.executable, "-m", "gui_app", "fit", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
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
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["m"] == 100


# -- options from the settings model ------------------------------------------------------


def _fit_parser():
    parser = build_parser()
    return parser._subparsers._group_actions[0].choices["fit"]  # the fit sub-parser


def test_every_setting_with_an_option_is_on_the_command_line_with_its_default():
    parser = _fit_parser()
    args = parser.parse_args(["demo:housing"])
    options = {opt for action in parser._actions for opt in action.option_strings}
    with_cli = {key: spec for key, spec in SCHEMA.items() if spec.cli}
    assert {"seed", "alpha", "iterations", "tolerance", "scaling", "solver"} <= set(with_cli)
    data, model, run = cli_args.settings_from_args(args)
    chosen = {**asdict(data), **asdict(model), **asdict(run)}
    for key, spec in with_cli.items():
        assert spec.cli in options, key
        assert chosen[key] == spec.default, key
    help_text = parser.format_help()
    assert "decades" in help_text  # the unit of --spread comes from the settings model
    assert "between 0 and 2147483647" in help_text  # the seed's range


def test_cli_and_window_share_the_settings_defaults(capsys):
    r = run_json(capsys, "demo:housing")
    run, model = RunSettings(), ModelSettings()
    assert (r["solver"], r["scaling"], r["alpha"], r["degree"]) == (
        run.solver,
        model.scaling,
        run.alpha,
        model.degree,
    )
    assert r["iterations"] <= run.iterations and r["converged"]  # stopped by the tolerance
    housing = build_dataset(DataSettings())
    assert (r["m"], r["n"], r["feature_names"]) == (
        housing.m,
        housing.n,
        list(housing.feature_names),
    )


def test_the_housing_demo_has_no_seed(capsys):
    r = run_json(capsys, "demo:housing", "--solver", "normal")
    assert r["source"] == "housing demo (100 houses)"  # no seed in its name
    assert main(["fit", "demo:housing", "--seed", "5"]) == 2
    assert "--seed applies to demo:synthetic and to the train/test split" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("data", "argv", "text"),
    [
        (
            "demo:housing",
            ["--target", "bedrooms"],
            "--target applies to a data file; demo:housing's target is 'price ($1000s)'",
        ),
        ("demo:housing", ["--target", "99"], "--target applies to a data file"),
        ("demo:curve", ["--no-header"], "--no-header applies to a data file; demo:curve's target"),
        ("demo:curve", ["--header", "no"], "--header applies to a data file; demo:curve's target"),
        ("demo:housing", ["--categorical", "a"], "--categorical applies to a data file"),
        ("demo:housing", ["--ignore", "a,b"], "--ignore applies to a data file"),
        ("demo:synthetic", ["--features", "x1"], "--features applies to a data file"),
        ("demo:synthetic", ["--missing", "drop"], "--missing applies to a data file"),
        ("demo:housing", ["--thousands", ","], "--thousands applies to a data file"),
        ("demo:curve", ["--decimal", ","], "--decimal applies to a data file"),
        ("demo:synthetic", ["--target", "y"], "--target applies to a data file"),
        ("demo:housing", ["--m", "5"], "--m applies to demo:synthetic only; demo:housing is a"),
        ("demo:curve", ["--noise", "0.5"], "--noise applies to demo:synthetic only"),
        ("FILE", ["--spread", "1"], "--spread applies to demo:synthetic only"),
        ("FILE", ["--correlation", "0.5"], "--correlation applies to demo:synthetic only"),
        ("FILE", ["--n", "3"], "--n applies to demo:synthetic only"),
    ],
)
def test_a_data_option_that_does_not_apply_is_refused(capsys, housing_file, data, argv, text):
    data = str(housing_file) if data == "FILE" else data
    assert main(["fit", data, *argv]) == 2
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1


def test_options_that_apply_are_used(capsys, housing_file):
    r = run_json(capsys, "demo:synthetic", "--m", "30", "--n", "3", "--seed", "4")
    assert (r["m"], r["n"]) == (30, 3)
    r = run_json(capsys, housing_file, "--target", "0", "--no-header")
    # without a header, column k is named xk, the target too (as the window's pickers and
    # --features name it)
    assert r["target_name"] == "x1" and r["feature_names"] == ["x2", "x3", "x4", "x5"]
    assert r["m"] == 100


@pytest.mark.parametrize("source", [s for s in SOURCES if s != "csv"])
def test_every_demo_source_is_a_cli_data_name(capsys, source):
    r = run_json(capsys, f"demo:{source}", "--solver", "normal")
    assert r["source"] == build_dataset(DataSettings(source=source)).source
    assert f"demo:{source}" in _fit_parser().format_help()


def test_an_unknown_demo_lists_every_demo(capsys):
    assert main(["fit", "demo:stopping"]) == 2
    err = capsys.readouterr().err
    for source in SOURCES:
        if source != "csv":
            assert f"demo:{source}" in err
    assert CHOICE_LABELS["source"]["curve"] in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "key", [k for k, s in SCHEMA.items() if s.cli and s.kind in (int, float) and s.high is not None]
)
def test_limits_are_the_settings_limits(capsys, key):
    spec = SCHEMA[key]
    parser = _fit_parser()
    assert getattr(parser.parse_args(["x", spec.cli, str(spec.high)]), key) == spec.high
    assert getattr(parser.parse_args(["x", spec.cli, str(spec.low)]), key) == spec.low
    too_big = spec.high + 1 if spec.kind is int else spec.high * 2
    assert main(["fit", "demo:housing", spec.cli, str(too_big)]) == 2
    err = capsys.readouterr().err
    assert spec.range_text() in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["--seed", "-1"], "--seed: must be between 0 and 2147483647, got -1"),
        (["--seed", str(2**31)], "must be between 0 and 2147483647, got 2147483648"),
        (["--seed", str(2**32 - 1)], "got 4294967295"),
        (["--iterations", str(10**12)], "--iterations: must be between 0 and 100000000"),
        (
            ["--iterations", "9" * 5000],
            "--iterations: must be between 0 and 100000000, got a 5000-digit number",
        ),
        (["--iterations", "1.5"], "not a whole number"),
        (["--iterations", "inf"], "not a whole number"),
        (["--alpha", "nan"], "must be a finite number"),
        (["--alpha", "0"], "--alpha: must be between"),
        (["--alpha-factor", "0"], "--alpha-factor: must be between"),
        (["--tolerance", "2"], "--tolerance: must be between 0 and 1"),
        (["--m", "1"], "--m: must be between 2 and 10000000"),
        (["--correlation", "1"], "--correlation: must be between 0 and 0.99"),
        (["--degree", "21"], "--degree: must be between 1 and 20"),
        (["--report-every", "0"], "--report-every: must be between 1"),
    ],
)
def test_out_of_range_options_name_the_range(capsys, argv, text):
    assert main(["fit", "demo:synthetic", *argv]) == 2
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1
    assert "internal error" not in err and "Traceback" not in err


def test_iterations_may_be_written_in_e_notation(capsys):
    r = run_json(capsys, "demo:housing", "--iterations", "1e1", "--tolerance", "0")
    assert r["iterations"] == 10


def test_alpha_factor_sets_alpha_from_alpha_max(capsys):
    r = run_json(capsys, "demo:housing", "--alpha-factor", "0.5", "--iterations", "5")
    assert r["alpha"] == pytest.approx(0.5 * r["alpha_max"], rel=1e-12)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("demo:nope", "unknown demo 'demo:nope'"),
        ("x" * 5000, "at most 4096 characters"),
    ],
)
def test_bad_data_names_are_one_line(capsys, data, text):
    assert main(["fit", data]) == 2
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1


def test_a_fifo_as_data_is_refused_without_opening_it(capsys, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert main(["fit", str(fifo)]) == 2  # would block forever if it were opened
    err = capsys.readouterr().err
    assert "pipe.csv" in err and "named pipe" in err


# -- outputs: the history as the run goes, Ctrl+C, a full stdout -------------------------


def _interrupting_solver(after: int, seen: list, exc: BaseException | None = None):
    """A run_solver that yields ``after`` real snapshots, then raises (Ctrl+C by default)."""
    real = solvers.run_solver

    def run_solver(problem, solver, **options):
        for k, snap in enumerate(real(problem, solver, **options)):
            if k == after:
                raise exc if exc is not None else KeyboardInterrupt
            seen.append(snap)
            yield snap

    return run_solver


def test_ctrl_c_keeps_the_history_so_far_and_exits_130(capsys, tmp_path, monkeypatch):
    seen: list = []
    monkeypatch.setattr(solvers, "run_solver", _interrupting_solver(25, seen))
    hist = tmp_path / "h.csv"
    assert main(["fit", "demo:housing", "--tolerance", "0", "--history", str(hist)]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "interrupted after iteration 24" in err and str(hist) in err
    rows = hist.read_text().splitlines()
    assert [int(r.split(",")[0]) for r in rows[1:]] == [s.iteration for s in seen]
    assert [p.name for p in tmp_path.iterdir()] == ["h.csv"]  # no temporary file left


def test_ctrl_c_without_history_is_one_line(capsys, monkeypatch):
    seen: list = []
    monkeypatch.setattr(solvers, "run_solver", _interrupting_solver(3, seen))
    assert main(["fit", "demo:housing"]) == 130
    err = capsys.readouterr().err
    # without --history the snapshots come about every 0.1 s of work, in growing chunks
    # (1, then up to 8 times longer): the third is past iteration 2, the last one seen
    assert seen[1].iteration == 1 and seen[2].iteration > 2
    assert err == f"gd-explorer: interrupted after iteration {seen[2].iteration}\n"
    monkeypatch.setattr(solvers, "run_solver", _interrupting_solver(3, []))
    assert main(["fit", "demo:housing", "--report-every", "1"]) == 130
    assert capsys.readouterr().err == "gd-explorer: interrupted after iteration 2\n"


def test_history_is_written_as_the_run_goes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "HISTORY_FLUSH_ROWS", 10)
    monkeypatch.setattr(cli, "HISTORY_FLUSH_SECONDS", 1e9)
    real = solvers.run_solver
    on_disk: list[int] = []

    def watching(problem, solver, **options):
        for snap in real(problem, solver, **options):
            temps = list(tmp_path.glob(".gdx-tmp-h.csv.*"))
            assert len(temps) == 1 and not (tmp_path / "h.csv").exists()
            on_disk.append(len(temps[0].read_text().splitlines()) - 1)
            yield snap

    monkeypatch.setattr(solvers, "run_solver", watching)
    run_json(
        capsys,
        "demo:housing",
        "--tolerance",
        "0",
        "--iterations",
        "30",
        "--history",
        tmp_path / "h.csv",
    )
    # before snapshot k is handed over, the rows of the last full batch of 10 are on disk
    assert on_disk == [10 * (k // 10) for k in range(31)]
    assert len((tmp_path / "h.csv").read_text().splitlines()) == 32


def test_a_failed_run_leaves_the_previous_history(tmp_path, monkeypatch, capsys):
    hist = tmp_path / "h.csv"
    hist.write_text("old\n")
    monkeypatch.setattr(
        solvers, "run_solver", _interrupting_solver(5, [], InputError("the device went away"))
    )
    assert main(["fit", "demo:housing", "--history", str(hist)]) == 2
    assert "the device went away" in capsys.readouterr().err
    assert hist.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["h.csv"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("missing/h.csv", "does not exist"),
        (".", "is a folder"),
        ("", "the history file name is empty"),
        ("/proc/version", "the folder '/proc' is not writable"),
        ("/proc/gdx-new.csv", "the folder '/proc' is not writable"),
    ],
)
def test_history_path_is_checked_before_the_run(tmp_path, monkeypatch, capsys, name, text):
    if name.startswith("/proc") and not os.path.isfile("/proc/version"):
        pytest.skip("needs Linux /proc")

    def never(*args, **kwargs):
        raise AssertionError("the run started")

    monkeypatch.setattr(solvers, "run_solver", never)
    monkeypatch.setattr(builder, "build_dataset", never)
    path = name if name.startswith("/") or not name else str(tmp_path / name)
    assert main(["fit", "demo:housing", "--history", path]) == 2
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1


class _BrokenStdout:
    def __init__(self, errno_: int, reason: str) -> None:
        self.error = OSError(errno_, reason)

    def write(self, text):
        raise self.error

    def flush(self):
        raise self.error


@pytest.mark.parametrize(
    ("errno_", "reason", "json_flag"),
    [
        (errno.ENOSPC, "No space left on device", "--json"),
        (errno.ENOSPC, "No space left on device", None),
        (errno.EPIPE, "Broken pipe", "--json"),
    ],
)
def test_a_full_or_closed_stdout_is_one_clear_line(capsys, monkeypatch, errno_, reason, json_flag):
    monkeypatch.setattr(sys, "stdout", _BrokenStdout(errno_, reason))
    argv = ["fit", "demo:housing", "--iterations", "3"] + ([json_flag] if json_flag else [])
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err == (
        f"gd-explorer: error: could not write to standard output ({reason}); "
        "the output is incomplete\n"
    )


def test_a_closed_stdout_in_a_real_pipe_prints_no_traceback(tmp_path):
    """``gd-explorer fit ... | head -c 1``: the reader goes away; one line, exit 1."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core",
            "fit",
            "demo:synthetic",
            "--m",
            "20000",
            "--n",
            "3",
            "--solver",
            "normal",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    proc.stdout.close()  # nobody reads: the first write meets EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "standard output" in err


def test_one_data_row_is_refused_before_any_column_check(capsys, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("x,y\n1,2\n")
    assert main(["fit", str(path)]) == 2
    err = capsys.readouterr().err
    assert "only 1 data row; a fit needs at least 2" in err and err.count("\n") == 1


def test_a_constant_column_is_named_once(capsys, tmp_path):
    path = tmp_path / "const.csv"
    path.write_text("x,y\n1,2\n1,3\n1,4\n")
    assert main(["fit", str(path)]) == 2
    err = capsys.readouterr().err
    assert "column 'x' is constant" in err and err.count("'x'") == 1


def test_the_report_counts_in_words(capsys, tmp_path):
    # (with the pandas reader: decimal commas in a ';' file, said in a note)
    path = tmp_path / "semi.csv"
    path.write_text("x;y\n1,5;2\n2,5;3\n3;5\n4;4\n")
    assert main(["fit", str(path)]) == 0
    out = capsys.readouterr().out
    assert "4 rows × 1 feature," in out
    notes = [line for line in out.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2 and "4 rows, 2 columns" in notes[0] and "decimal commas" in notes[1]


@pytest.mark.parametrize("name", ["99", "no-such-lesson", "missing/lesson.json"])
def test_an_unknown_lesson_lists_every_lesson(capsys, name):
    from core import lessons

    assert main(["lesson", name]) == 2
    err = capsys.readouterr().err
    assert repr(name) in err
    builtin = lessons.builtin_lessons()
    assert builtin
    for k, lesson in enumerate(builtin, 1):
        assert f"{k}. {lesson.title}" in err


def test_dot_grouped_thousands_are_read_with_a_warning_naming_the_switch(capsys, tmp_path):
    # (with the pandas reader) 350.000 in a ';' file is 350,000, never silently: a warning
    path = tmp_path / "europe.csv"
    path.write_text("Fläche;Zimmer;Preis\n120;4;350.000\n85;3;240.500\n60;2;180.000\n")
    r = run_json(capsys, path, "--solver", "normal")
    # 350000 = 4900·120 − 62000·4 + 10000, and so on: three rows, three parameters, exact
    np.testing.assert_allclose(r["coefficients"], [4900, -62000], rtol=1e-9)
    assert r["intercept"] == pytest.approx(10000, rel=1e-9)
    (warning,) = [w for w in r["warnings"] if "'Preis'" in w]
    assert "350000" in warning and "--decimal ." in warning
    assert warning not in r["notes"]
    assert main(["fit", str(path), "--solver", "normal"]) == 0
    assert f"warning: {warning}" in capsys.readouterr().out.splitlines()


def test_a_point_among_decimal_commas_is_read_as_a_point_and_said(capsys, tmp_path):
    # '2.5' cannot group thousands (two digits after the '.'), so in a decimal-comma file it
    # has one reading, the decimal point; the report says the file mixes marks (column 'b')
    path = tmp_path / "mixed.csv"
    path.write_text("a;b;y\n1;2.5;3\n1,5;3;4\n2;4;5,25\n3;1;2\n")
    r = run_json(capsys, path, "--solver", "normal")
    A = np.array([[1, 2.5, 1], [1.5, 3, 1], [2, 4, 1], [3, 1, 1]])
    y = np.array([3, 4, 5.25, 2])
    expected = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose([*r["coefficients"], r["intercept"]], expected, rtol=1e-9)
    assert any("mixes decimal marks" in n and "'b'" in n for n in r["notes"] + r["warnings"])


# -- column roles, one-hot encoding, missing values (issue 10) -----------------------------

INSURANCE = """id,age,sex,bmi,region,charges
1,19,female,27.9,southwest,16884.9
2,18,male,33.8,southeast,1725.6
3,28,male,,southeast,4449.5
4,33,male,22.7,northwest,21984.5
5,32,male,28.9,northwest,3866.9
6,31,female,25.7,southeast,3756.6
7,46,female,33.4,southeast,8240.6
8,37,female,,northwest,7281.5
9,37,male,29.8,northeast,6406.4
10,60,female,25.8,northwest,28923.1
11,25,male,26.2,northeast,2721.3
12,62,female,26.3,southeast,27808.7
"""


@pytest.fixture
def insurance_file(tmp_path) -> Path:
    path = tmp_path / "insurance.csv"
    path.write_text(INSURANCE)
    return path


def test_acceptance_fit_with_categorical_ignore_and_drop_in_a_fresh_interpreter(insurance_file):
    """The issue's acceptance command, end to end through ``python -m core fit``."""
    argv = ["--categorical", "region", "--ignore", "id", "--missing", "drop", "--json"]
    proc = subprocess.run(
        [sys.executable, "-m", "core", "fit", str(insurance_file), *argv, "--solver", "normal"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        cwd=insurance_file.parent,
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    data = r["data"]
    assert data["encoded"] == {"region": ["northeast", "northwest", "southeast", "southwest"]}
    assert data["dropped_levels"] == {"region": "northeast"}
    assert data["ignored"] == {"id": "ignored as asked", "sex": "text, 2 distinct values"}
    assert data["missing"] == "drop" and data["dropped_rows"] == [2, 7] and data["filled"] == {}
    assert r["feature_names"] == [
        "age",
        "bmi",
        "region=northwest",
        "region=southeast",
        "region=southwest",
    ]
    assert r["m"] == 10 and r["target_name"] == "charges"
    # independently: lstsq on the complete rows with the design built by hand
    rows = [line.split(",") for line in INSURANCE.splitlines()[1:]]
    rows = [c for c in rows if c[3]]
    levels = ("northwest", "southeast", "southwest")
    A = np.array([[float(c[1]), float(c[3]), *(c[4] == lv for lv in levels), 1.0] for c in rows])
    y = np.array([float(c[5]) for c in rows])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(r["coefficients"], coef[:-1], rtol=1e-9)
    assert r["intercept"] == pytest.approx(coef[-1], rel=1e-9)
    assert "region=northeast left out: the intercept stands for it" in r["notes"]


def test_readable_report_says_what_became_of_the_columns(capsys, insurance_file):
    argv = ["fit", str(insurance_file), "--categorical", "region", "--missing", "mean"]
    assert main([*argv, "--ignore", "id", "--solver", "normal"]) == 0
    out = capsys.readouterr().out
    assert (
        "columns     one-hot 'region' (4 levels, region=northeast left out); ignored 'id', "
        "'sex'; 2 missing cells filled (mean)"
    ) in out
    assert "note: filled 2 missing cells of 'bmi' with its mean 28.05" in out
    assert (
        "note: left out 'sex': it is text (2 distinct values); to use it, one-hot encode it " in out
    )


def test_missing_values_are_refused_by_default_with_counts_and_rows(capsys, insurance_file):
    assert main(["fit", str(insurance_file)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"gd-explorer: error: {insurance_file}: missing values in 1 column: 'bmi' 2 (first in "
        "row 4); choose --missing drop or --missing mean (or leave the column out with --ignore)\n"
    )


def test_features_option_picks_exactly_those(capsys, insurance_file):
    r = run_json(capsys, insurance_file, "--features", "age", "--solver", "normal")
    assert r["feature_names"] == ["age"]
    assert set(r["data"]["ignored"]) == {"id", "sex", "bmi", "region"}
    assert r["data"]["dropped_rows"] == []  # bmi is not used: its empty cells drop no row


def test_table_warnings_are_warning_lines_not_notes(capsys, monkeypatch, insurance_file):
    from core.data import table as table_mod

    real = table_mod.read_table
    text = "column 'bmi': read as decimal points; --decimal , switches it"

    def with_warning(*args, **kwargs):
        from dataclasses import replace

        return replace(real(*args, **kwargs), warnings=(text,))

    monkeypatch.setattr(table_mod, "read_table", with_warning)
    assert main(["fit", str(insurance_file), "--missing", "drop"]) == 0
    out = capsys.readouterr().out
    assert f"warning: {text}" in out and f"note: {text}" not in out
    r = run_json(capsys, insurance_file, "--missing", "drop")
    assert text in r["warnings"] and text not in r["notes"] and r["data"]["warnings"] == [text]


def test_demo_reports_have_no_column_line(capsys):
    assert main(["fit", "demo:housing", "--iterations", "5"]) == 0
    assert "columns " not in capsys.readouterr().out


def test_help_shows_the_file_options_readably(capsys):
    assert main(["fit", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--features A,B", "--ignore A,B", "--categorical A,B", "--thousands"):
        assert option in out
    assert "{auto,,,;" not in out  # punctuation choices are listed in words instead
    assert "one of auto, ',' (comma), ';' (semicolon), tab, whitespace, '|' (bar)" in " ".join(
        out.split()
    )
    assert "default: ()" not in out


def test_too_few_rows_after_dropping_says_why(capsys, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("x,y\n1,2\n,3\n4,\n")
    assert main(["fit", str(path), "--missing", "drop"]) == 2
    err = capsys.readouterr().err
    assert "only 1 data row after leaving out 2 with missing values; a fit needs at least 2" in err
