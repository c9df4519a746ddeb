"""Fuzzing the file reader and ``gd-explorer fit`` with hostile inputs (hypothesis).

Every input must end in a result with finite numbers (or an explicit divergence or warning)
or in exit 2 with a one-line message: never a traceback, never exit 1 (an internal error).

CI runs a bounded number of examples. A longer run is one command:

    GDX_FUZZ_EXAMPLES=2000 GDX_FUZZ_LOG=fuzz.log .venv/bin/python -m pytest tests/core/test_fuzz.py
    python benchmarks/fuzz_summary.py fuzz.log      # counts of inputs and outcomes
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cli import main
from core.data.table import ReadOptions, read_table
from core.errors import InputError
from core.settings import SCHEMA

EXAMPLES = int(os.environ.get("GDX_FUZZ_EXAMPLES", "60"))
LOG = os.environ.get("GDX_FUZZ_LOG")
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("GDX_FUZZ_RANDOM"),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def log(kind: str, outcome: str) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as fh:
            fh.write(f"{kind}\t{outcome}\n")


def run_fit(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; a Python warning (which a user would see) fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        rc = main(argv)
    shown = [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught]
    assert not shown, shown
    return rc, out.getvalue(), err.getvalue()


def check_fit_outcome(kind: str, argv: list[str], path: Path | None = None) -> str:
    rc, out, err = run_fit(argv)
    assert "Traceback" not in err and "Traceback" not in out
    assert rc in (0, 2), f"exit {rc}: {err}"
    if rc == 2:
        assert err.count("\n") == 1 and err.startswith("gd-explorer")
        if path is not None and "error: argument" not in err:
            assert path.name in err, err
        outcome = "exit 2: " + classify(err)
    else:
        report = json.loads(out)
        values = [*report["coefficients"], report["intercept"] or 0.0, report["cost"]]
        finite = all(isinstance(v, float | int) and math.isfinite(v) for v in values)
        assert finite or report["diverged"] or report["warnings"], report
        outcome = (
            "diverged"
            if report["diverged"]
            else "result with warnings"
            if report["warnings"]
            else "result"
        )
    log(kind, outcome)
    return outcome


def classify(message: str) -> str:
    for key in (
        "not a text file",
        "non-numeric",
        "missing value",
        "non-finite",
        "fields",
        "no data rows",
        "at least two columns",
        "constant",
        "data rows but",
        "overflow",
        "degree",
        "is a directory",
        "does not exist",
        "permission",
        "rank",
        "α",
        "iterations",
        "tolerance",
        "invalid choice",
        "not a number",
    ):
        if key in message:
            return key
    return "other"


# -- random bytes --------------------------------------------------------------------------


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_random_bytes_load_or_explain(tmp_path, raw):
    path = tmp_path / "random.bin"
    path.write_bytes(raw)
    try:
        table = read_table(path)
    except InputError as exc:
        assert "random.bin" in str(exc)
        log("bytes", "InputError: " + classify(str(exc)))
        return
    check_table(table)
    log("bytes", "loaded")


def check_table(table) -> None:
    """What every table read must hold: one column per Column, the kinds right, no inf."""
    assert table.rows >= 1 and len(table.columns) == table.frame.shape[1] >= 2
    assert [c.name for c in table.columns] == list(table.frame.columns)
    assert len({c.name for c in table.columns}) == len(table.columns)
    for col in table.columns:
        values = table.frame[col.name]
        assert col.kind in ("number", "text", "empty")
        assert col.missing == int(values.isna().sum())
        if col.kind == "number":
            assert values.dtype == "float64"
            assert all(math.isfinite(v) for v in values.dropna())
        if col.bad_row is not None:
            assert 0 <= col.bad_row < table.rows and col.bad_cell
            assert table.line_of(col.bad_row) >= 1


@FUZZ
@given(raw=st.binary(max_size=2000).map(lambda b: b"a,b;c\td\n" + b))
def test_random_bytes_after_a_header_load_or_explain(tmp_path, raw):
    path = tmp_path / "random.csv"
    path.write_bytes(raw)
    try:
        table = read_table(path)
    except InputError as exc:
        assert "random.csv" in str(exc)
        return
    check_table(table)


read_options = st.builds(
    ReadOptions,
    delimiter=st.sampled_from(["auto", "auto", ",", ";", "tab", "whitespace", "|"]),
    encoding=st.sampled_from(["auto", "auto", "utf-8", "utf-16", "cp1252"]),
    header=st.sampled_from(["auto", "yes", "no"]),
    decimal=st.sampled_from(["auto", "auto", ".", ","]),
    thousands=st.sampled_from(["auto", "auto", "none", ",", ".", "space", "'"]),
)


@FUZZ
@given(
    raw=st.deferred(lambda: tables()),
    options=read_options,
    nrows=st.one_of(st.none(), st.integers(1, 5)),
)
def test_hostile_tables_read_or_explain(tmp_path, raw, options, nrows):
    path = tmp_path / "table.csv"
    path.write_bytes(raw)
    try:
        table = read_table(path, options, nrows=nrows)
    except InputError as exc:
        assert "table.csv" in str(exc) and "Traceback" not in str(exc)
        assert "could not read the file" not in str(exc), str(exc)  # an unexpected failure
        return
    check_table(table)


# -- structured hostile tables ---------------------------------------------------------------

finite_cells = st.one_of(
    st.floats(-1e6, 1e6).map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(-1e3, 1e3).map(lambda v: f"{v:.3f}"),
    st.floats(-1e3, 1e3).map(lambda v: f"{v:.3f}"),
)
extreme_cells = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(1e300, 1.7e308).map(lambda v: f"{v:.17g}"),
    st.floats(-1.7e308, -1e300).map(lambda v: f"{v:.17g}"),
    st.floats(-1e-300, 1e-300).map(repr),
)
hostile_cells = st.one_of(
    extreme_cells,
    st.sampled_from(
        [
            "",
            "NA",
            "N/A",
            "nan",
            "NaN",
            "null",
            "None",
            "?",
            "-",
            "inf",
            "-inf",
            "Infinity",
            "1e999",
            "abc",
            "1,234",
            "1.234,5",
            '"1,5"',
            "'3'",
            "1_000",
            "0x1F",
            " 7 ",
            "€12",
            "12%",
            "TRUE",
            "−3",
        ]
    ),
    st.text(max_size=6),
)


@st.composite
def tables(draw):
    """Mostly well-formed numeric tables, each with a few hostile touches."""
    n_cols = draw(st.integers(1, 6))
    n_rows = draw(st.integers(0, 30))
    hostile = draw(st.floats(0.0, 0.3)) if draw(st.booleans()) else 0.0
    rows = []
    for _ in range(n_rows):
        rows.append(
            [
                draw(hostile_cells) if draw(st.floats(0, 1)) < hostile else draw(finite_cells)
                for _ in range(n_cols)
            ]
        )
    if rows and draw(st.integers(0, 9)) == 0:  # one ragged row
        k = draw(st.integers(0, len(rows) - 1))
        rows[k] = rows[k][:-1] if draw(st.booleans()) else [*rows[k], "1"]
    name_chars = st.characters(whitelist_categories=("L", "N"), whitelist_characters=" _()$%é中")
    header = draw(
        st.one_of(
            st.none(), st.lists(st.text(name_chars, max_size=8), min_size=n_cols, max_size=n_cols)
        )
    )
    delim = draw(st.sampled_from([",", ";", "\t", " ", "  ", ", ", "mixed"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    blank_lines = draw(st.booleans())
    lines = []
    for k, row in enumerate(([header] if header is not None else []) + rows):
        sep = draw(st.sampled_from([",", ";", "\t"])) if delim == "mixed" else delim
        lines.append(sep.join(row))
        if blank_lines and k % 3 == 1:
            lines.append(draw(st.sampled_from(["", "   ", "\t"])))
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))
    raw = text.encode(encoding, errors="replace")
    return raw


fit_options = st.fixed_dictionaries(
    {
        "--solver": st.sampled_from(["normal", "normal-textbook", "gd", "gd-loop"]),
        "--scaling": st.sampled_from(["none", "zscore", "minmax", "mean"]),
        "--degree": st.integers(1, 4).map(str),
        "--alpha": st.sampled_from(["1e-12", "0.001", "0.1", "1", "1e6"]),
        "--iterations": st.sampled_from(["0", "1", "50"]),
        "--target": st.one_of(st.none(), st.sampled_from(["0", "-1", "1", "y", "nonexistent"])),
    }
)


@FUZZ
@given(raw=tables(), options=fit_options, no_header=st.booleans(), no_intercept=st.booleans())
def test_hostile_tables_fit_or_exit_2(tmp_path, raw, options, no_header, no_intercept):
    path = tmp_path / "table.csv"
    path.write_bytes(raw)
    argv = ["fit", str(path), "--json"]
    for key, value in options.items():
        if value is not None:
            argv += [key, value]
    argv += ["--no-header"] * no_header + ["--no-intercept"] * no_intercept
    check_fit_outcome("table", argv, path)


# -- shapes and paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("one_row.csv", "1,2,3\n"),
        ("one_column.csv", "y\n1\n2\n3\n"),
        ("header_only.csv", "a,b,y\n"),
        ("empty.csv", ""),
        ("blank.csv", "\n\n  \n"),
        ("huge.csv", "x,y\n1e308,1e308\n-1e308,1.5e308\n1,2\n"),
        ("long_line.csv", ",".join(["1"] * 20000) + "\n" + ",".join(["2"] * 20000) + "\n"),
    ],
)
def test_awkward_shapes(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    check_fit_outcome("shape", ["fit", str(path), "--json"], path)


def test_very_wide_file(tmp_path):
    path = tmp_path / "wide.csv"
    rows = 3100
    with path.open("w") as fh:
        for i in range(rows):
            fh.write(",".join(str((i * 7 + j * 13) % 101) for j in range(3001)) + "\n")
    outcome = check_fit_outcome(
        "shape",
        [
            "fit",
            str(path),
            "--json",
            "--solver",
            "gd",
            "--scaling",
            "zscore",
            "--alpha",
            "0.01",
            "--iterations",
            "5",
        ],
        path,
    )
    # α = 0.01 is above this design's α_max (about 0.002): the cost grows, so "diverged"
    assert outcome.startswith(("result", "exit 2", "diverged"))


@pytest.mark.parametrize("kind", ["directory", "missing"])
def test_paths_that_are_not_files(tmp_path, kind):
    path = tmp_path / "data"
    if kind == "directory":
        path.mkdir()
    outcome = check_fit_outcome("path", ["fit", str(path), "--json"], path)
    assert outcome.startswith("exit 2")


# -- hostile option values -------------------------------------------------------------------


def _option_values(key: str):
    """Odd spellings, the edges of the setting's range and just beyond them, random text."""
    spec = SCHEMA[key]
    odd = [
        "",
        " ",
        "nan",
        "inf",
        "-inf",
        "1e999",
        "-0",
        "0x10",
        "1_000",
        " 5 ",
        "1e3",
        "2.5",
        "-1",
        "9" * 30,
        "٣",
        "true",
        "none",
    ]
    edges: list[str] = []
    if spec.low is not None and spec.high is not None:
        step = 1 if spec.kind is int else abs(spec.high) * 1e-9 + 1e-12
        edges = [repr(spec.low), repr(spec.low - step), repr(spec.high + step)]
        if key not in ("m", "n", "iterations"):  # the top of these is a long run, not a bug
            edges.append(repr(spec.high))
    if spec.choices:
        edges = [*spec.choices, spec.choices[0].upper(), f"{spec.choices[0]} "]
    return st.one_of(st.sampled_from(odd + edges), st.text(max_size=8))


@st.composite
def option_lists(draw):
    keys = [k for k, s in SCHEMA.items() if s.cli and s.kind is not bool]
    argv = ["fit", draw(st.sampled_from(["demo:housing", "demo:synthetic"])), "--json"]
    for key in draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True)):
        argv += [SCHEMA[key].cli, draw(_option_values(key))]
    return argv


@FUZZ
@given(argv=option_lists())
def test_hostile_option_values_give_a_result_or_exit_2(argv):
    """Every option value gives a result or one line and exit 2: never an internal error."""
    check_fit_outcome("options", argv)
