"""Tests for core.data.csvio.load_csv: valid variants load exactly, bad files fail precisely."""

from __future__ import annotations

import csv
import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data import csvio, filebytes, sniff
from core.data.csvio import load_csv
from core.errors import InputError


def write(tmp_path, content, name="data.csv"):
    """Write str (as UTF-8) or bytes to tmp_path/name and return the path."""
    p = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    p.write_bytes(content)
    return p


def expect_error(path, *parts, **kwargs):
    """load_csv(path) must raise InputError whose message has the file name and all parts."""
    with pytest.raises(InputError) as info:
        load_csv(path, **kwargs)
    text = str(info.value)
    assert os.path.basename(str(path)) in text
    for part in parts:
        assert part in text, f"{part!r} not in {text!r}"
    return info.value


SIMPLE_X = [[1.0, 2.0], [4.0, 5.5]]
SIMPLE_Y = [3.0, -6.0]


def check_simple(ds, names=("a", "b"), target="c"):
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.float64
    assert ds.X.shape == (2, 2) and ds.y.shape == (2,)
    assert ds.X.flags.c_contiguous
    assert ds.X.tolist() == SIMPLE_X
    assert ds.y.tolist() == SIMPLE_Y
    assert ds.feature_names == names
    assert ds.target_name == target


# ----------------------------------------------------------------------------- valid files


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("a,b,c\n1,2,3\n4,5.5,-6\n", id="plain"),
        pytest.param("a,b,c\n1,2,3\n4,5.5,-6", id="no-final-newline"),
        pytest.param("\ufeffa,b,c\n1,2,3\n4,5.5,-6\n", id="utf8-bom"),
        pytest.param("a,b,c\r\n1,2,3\r\n4,5.5,-6\r\n", id="crlf"),
        pytest.param("a,b,c\r1,2,3\r4,5.5,-6\r", id="cr"),
        pytest.param("a;b;c\n1;2;3\n4;5.5;-6\n", id="semicolon"),
        pytest.param("a\tb\tc\n1\t2\t3\n4\t5.5\t-6\n", id="tab"),
        pytest.param("  a  b   c\n1 2\t3  \n 4\t\t5.5 -6\n", id="whitespace"),
        pytest.param("a,b,c\n1,2,3\n4,5.5,-6\n\n\n   \n\t\n", id="trailing-blank-lines"),
        pytest.param("\n\na,b,c\n\n1,2,3\n  \n4,5.5,-6\n", id="blank-lines-inside"),
        pytest.param(" a , b ,c \n 1, +2 , 3\n4 ,5.5, -6 \n", id="spaces-around-cells"),
        pytest.param('"a","b","c"\n"1","2","3"\n"4","5.5","-6"\n', id="all-quoted"),
        pytest.param("a;b;c\n1;2;3\n4;5,5;-6\n", id="decimal-comma"),
        pytest.param("a,b,c,\n1,2,3,\n4,5.5,-6,\n", id="trailing-delimiter"),
    ],
)
def test_valid_variants_load_exactly(tmp_path, content):
    ds = load_csv(write(tmp_path, content))
    check_simple(ds)
    assert ds.source == ds.path == str(tmp_path / "data.csv")
    assert ds.notes and "target 'c' (column 3 of 3)" in ds.notes[0]


def test_notes_describe_how_file_was_read(tmp_path):
    ds = load_csv(write(tmp_path, "a;b;price\n1;2;3\n4;5.5;-6\n"))
    assert ds.notes[0].startswith("delimiter ';', header detected, target 'price' (column 3")
    assert "2 rows, 2 features" in ds.notes[0]
    ds = load_csv(write(tmp_path, "1\t2\t3\n4\t5.5\t-6\n"))
    assert ds.notes[0].startswith("delimiter tab, no header detected, target 'y'")


def test_decimal_comma_note(tmp_path):
    ds = load_csv(write(tmp_path, "a;b;c\n1,25;2;3\n4;-5,5e1;-6\n"))
    assert ds.X.tolist() == [[1.25, 2.0], [4.0, -55.0]]
    assert any("decimal comma" in n for n in ds.notes)
    ds = load_csv(write(tmp_path, "a;b;c\n1.25;2;3\n", name="dot.csv"))
    assert not any("decimal comma" in n for n in ds.notes)


def test_quoted_field_with_delimiter_is_one_field(tmp_path):
    ds = load_csv(write(tmp_path, '"size, m2","rooms; n",price\n"1.5",2,3\n4,"5",6\n'))
    assert ds.feature_names == ("size, m2", "rooms; n")
    assert ds.X.tolist() == [[1.5, 2.0], [4.0, 5.0]]
    assert ds.y.tolist() == [3.0, 6.0]


def test_quoted_decimal_comma_in_comma_file_is_one_field_but_ambiguous(tmp_path):
    # "1,5" is one field (not a ragged row) but a comma-delimited file cannot say if it is
    # 1.5 or 15: it is reported as a non-numeric cell in the right column.
    p = write(tmp_path, 'a,b,c\n1,2,3\n"1,5",2,3\n')
    expect_error(p, "row 3", "column 1 ('a')", "'1,5'")


def test_quoted_header_spanning_lines_keeps_physical_row_numbers(tmp_path):
    p = write(tmp_path, '"first\nname",b,c\n1,2,3\n\n4,x,6\n')
    err = expect_error(p, "row 5", "column 2 ('b')", "non-numeric value 'x'")
    assert err.row == 5 and err.column == 2
    ds = load_csv(write(tmp_path, '"first\nname",b,c\n1,2,3\n', name="ok.csv"))
    assert ds.feature_names == ("first name", "b")


def test_latin1_header_names(tmp_path):
    p = write(tmp_path, "Größe;Zimmer;Preis (€)\n1;2;3\n4;5,5;-6\n".encode("cp1252"))
    ds = load_csv(p)
    check_simple(ds, names=("Größe", "Zimmer"), target="Preis (€)")
    assert any("read as Latin-1" in n for n in ds.notes)


def test_pure_latin1_bytes(tmp_path):
    p = write(tmp_path, "café,b,c\n1,2,3\n4,5.5,-6\n".encode("latin-1"))
    ds = load_csv(p)
    check_simple(ds, names=("café", "b"))
    assert any("read as Latin-1" in n for n in ds.notes)


def test_utf8_non_ascii_names_have_no_latin1_note(tmp_path):
    ds = load_csv(write(tmp_path, "café,b,c\n1,2,3\n4,5.5,-6\n"))
    check_simple(ds, names=("café", "b"))
    assert not any("Latin-1" in n for n in ds.notes)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path, codec):
    text = "naïve,b,c\r\n1,2,3\r\n4,5.5,-6\r\n"
    if codec == "utf-16-le-bom":
        raw = b"\xff\xfe" + text.encode("utf-16-le")
    elif codec == "utf-16-be-bom":
        raw = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        raw = text.encode(codec)
    ds = load_csv(write(tmp_path, raw))
    check_simple(ds, names=("naïve", "b"))


def test_header_detection_and_forcing(tmp_path):
    p = write(tmp_path, "1,2,3\n4,5.5,-6\n")
    ds = load_csv(p)
    assert ds.X.tolist() == [[1.0, 2.0], [4.0, 5.5]]
    assert ds.feature_names == ("x1", "x2") and ds.target_name == "y"
    assert "no header detected" in ds.notes[0]

    ds = load_csv(p, header=True)  # the numeric first row becomes the names
    assert ds.feature_names == ("1", "2") and ds.target_name == "3"
    assert ds.X.tolist() == [[4.0, 5.5]] and ds.y.tolist() == [-6.0]

    p2 = write(tmp_path, "a,b,c\n1,2,3\n", name="h.csv")
    expect_error(p2, "row 1", "column 1", "non-numeric value 'a'", header=False)


def test_header_with_missing_markers_is_data_not_header(tmp_path):
    # A first row of numbers and missing-value markers is data with a missing value.
    expect_error(write(tmp_path, "1,NA,3\n4,5,6\n"), "row 1", "column 2", "missing value")


def test_no_header_names_follow_target_position(tmp_path):
    ds = load_csv(write(tmp_path, "1,2,3\n4,5,6\n"), target=0, header=False)
    assert ds.feature_names == ("x1", "x2") and ds.target_name == "y"
    assert ds.X.tolist() == [[2.0, 3.0], [5.0, 6.0]]
    assert ds.y.tolist() == [1.0, 4.0]


def test_empty_and_duplicate_header_names(tmp_path):
    ds = load_csv(write(tmp_path, "a,,a,a_2,a\n1,2,3,4,5\n"))
    assert ds.feature_names == ("a", "x2", "a_3", "a_2")  # the 3rd 'a' skips the taken a_2
    assert ds.target_name == "a_4"
    assert any("duplicate" in n for n in ds.notes)
    assert any("empty header" in n for n in ds.notes)


@pytest.mark.parametrize(
    ("target", "name", "y", "features"),
    [
        (None, "c", [3.0, 6.0], ("a", "b")),
        ("b", "b", [2.0, 5.0], ("a", "c")),
        (" b ", "b", [2.0, 5.0], ("a", "c")),
        (0, "a", [1.0, 4.0], ("b", "c")),
        (1, "b", [2.0, 5.0], ("a", "c")),
        (-1, "c", [3.0, 6.0], ("a", "b")),
        (-3, "a", [1.0, 4.0], ("b", "c")),
        (np.int64(1), "b", [2.0, 5.0], ("a", "c")),
        ("0", "a", [1.0, 4.0], ("b", "c")),
        ("-2", "b", [2.0, 5.0], ("a", "c")),
    ],
)
def test_target_selection(tmp_path, target, name, y, features):
    ds = load_csv(write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n"), target=target)
    assert ds.target_name == name
    assert ds.y.tolist() == y
    assert ds.feature_names == features
    assert ds.X.flags.c_contiguous and ds.X.shape == (2, 2)


def test_digit_target_prefers_a_column_of_that_name(tmp_path):
    ds = load_csv(write(tmp_path, "x,2,1\n1,2,3\n"), target="1", header=True)
    assert ds.target_name == "1" and ds.y.tolist() == [3.0]


def test_target_errors(tmp_path):
    p = write(tmp_path, "alpha,beta,gamma\n1,2,3\n")
    err = expect_error(p, "no column named 'delta'", "'alpha', 'beta', 'gamma'", target="delta")
    assert err.path == str(p)
    expect_error(p, "out of range", "3 columns", target=3)
    expect_error(p, "out of range", target=-4)
    expect_error(p, "out of range", target="7")
    p2 = write(tmp_path, "1,2,3\n", name="nohead.csv")
    expect_error(p2, "no header", target="price")
    with pytest.raises(TypeError):
        load_csv(p, target=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        load_csv(p, target=True)


def test_numbers_syntax(tmp_path):
    ds = load_csv(write(tmp_path, "a,b\n+1.5,-2e-3\n.5,1E+2\n"))
    assert ds.X.tolist() == [[1.5], [0.5]]
    assert ds.y.tolist() == [-0.002, 100.0]


def test_large_file_loads_exactly(tmp_path):
    """200,000 rows read back bit for bit (its speed is measured by
    benchmarks/csv_read_speed.py, not asserted here)."""
    rng = np.random.default_rng(1)
    data = rng.normal(size=(200_000, 5))
    p = tmp_path / "big.csv"
    body = "\n".join(",".join(map(repr, row)) for row in data.tolist())
    p.write_text("a,b,c,d,e\n" + body + "\n")
    ds = load_csv(p)
    assert np.array_equal(ds.X, data[:, :4]) and np.array_equal(ds.y, data[:, 4])
    assert ds.feature_names == ("a", "b", "c", "d") and ds.target_name == "e"


def test_wide_file(tmp_path):
    rng = np.random.default_rng(2)
    data = rng.integers(-999, 999, size=(300, 3000)).astype(np.float64)
    p = tmp_path / "wide.tsv"
    lines = ["\t".join(f"c{k}" for k in range(3000))]
    lines += ["\t".join(map(str, row)) for row in data.astype(int).tolist()]
    p.write_text("\n".join(lines))
    ds = load_csv(p, target="c0")
    assert ds.X.shape == (300, 2999)
    assert np.array_equal(ds.X, data[:, 1:]) and np.array_equal(ds.y, data[:, 0])
    assert ds.feature_names[0] == "c1" and ds.feature_names[-1] == "c2999"


def test_errors_found_in_a_later_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(sniff, "BLOCK_CHARS", 64)
    monkeypatch.setattr(csvio, "_CHUNK_CELLS", 10)
    rows = "\n".join(f"{i},{i * 2},{i * 3}" for i in range(100))
    ds = load_csv(write(tmp_path, "a,b,c\n" + rows + "\n"))
    assert ds.X.shape == (100, 2) and ds.y[-1] == 297.0
    bad = rows.split("\n")
    bad[70] = "70,oops,210"
    expect_error(write(tmp_path, "a,b,c\n" + "\n".join(bad), "bad.csv"), "row 72", "column 2")
    bad[70] = "70,140"
    expect_error(
        write(tmp_path, "a,b,c\n" + "\n".join(bad), "bad2.csv"),
        "row 72",
        "row has 2 fields, expected 3",
    )


# ----------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("content", "row", "column", "message"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n7,abc,9\n", 4, "column 2 ('b')", "non-numeric value 'abc'"),
        ("a,b,c\n1,2,3\n\n\n7,8,x\n", 5, "column 3 ('c')", "non-numeric value 'x'"),
        ("a,b,c\r\n1,2,3\r\n\r\n7,8,x\r\n", 4, "column 3 ('c')", "non-numeric"),
        ("a,b,c\r1,2,3\r\r7,8,x\r", 4, "column 3 ('c')", "non-numeric"),
        ("a,b,c\n1,,3\n", 2, "column 2 ('b')", "missing value"),
        ("a,b,c\n1,2,3\n1,2,NA\n", 3, "column 3 ('c')", "missing value"),
        ("a,b,c\n1,2,3\n1,N/A,3\n", 3, "column 2 ('b')", "missing value"),
        ("a,b,c\n1,2,3\n1,2,NaN\n", 3, "column 3 ('c')", "missing value"),
        ("a,b,c\n1,2,3\nnan,2,3\n", 3, "column 1 ('a')", "missing value"),
        ("a,b,c\n1,2,3\n1,null,3\n", 3, "column 2 ('b')", "missing value"),
        ("a,b,c\n1,2,3\n1,None,3\n", 3, "column 2 ('b')", "missing value"),
        ("a,b,c\n1,2,3\n1,?,3\n", 3, "column 2 ('b')", "missing value"),
        ("a,b,c\n1,2,3\n1,-,3\n", 3, "column 2 ('b')", "missing value"),
        ("a;b;c\n1;2;3\n1; ;3\n", 3, "column 2 ('b')", "missing value"),
        ("a,b,c\n1,2,3\n1,inf,3\n", 3, "column 2 ('b')", "non-finite value"),
        ("a,b,c\n1,2,3\n1,2,-inf\n", 3, "column 3 ('c')", "non-finite value"),
        ("a,b,c\n1,2,3\nInfinity,2,3\n", 3, "column 1 ('a')", "non-finite value"),
        ("a,b,c\n1,2,3\n1,1e999,3\n", 3, "column 2 ('b')", "non-finite value"),
        ("a,b,c\n1,x,3\n1,inf,3\n", 2, "column 2 ('b')", "non-numeric"),  # first one wins
        ("a,b,c\n1,2,3\n4,5\n", 3, None, "row has 2 fields, expected 3 (from the header)"),
        ("1,2,3\n4,5,6,7\n", 2, None, "row has 4 fields, expected 3 (from the first row)"),
        ("a,b,c\n1,x,3\n4,5\n", 2, "column 2", "non-numeric"),  # earlier bad cell wins
        ("a\tb\tc\n1\t2\t3\n4\t\t6\n", 3, "column 2 ('b')", "missing value"),
        ("a b c\n1 2 3\n4 5\n", 3, None, "row has 2 fields, expected 3"),
        ("a;b;c\n1;2;3\n1;1.234,5;3\n", 3, "column 2 ('b')", "non-numeric value '1.234,5'"),
        ("1,2,3\n4,x,6\n", 2, "column 2 ('x2')", "non-numeric"),
    ],
)
def test_bad_cells_report_row_and_column(tmp_path, content, row, column, message):
    p = write(tmp_path, content, name="bad file.csv")
    err = expect_error(p, f"row {row}", message)
    assert err.row == row
    if column is None:
        assert err.column is None
    else:
        assert column in str(err)
        assert err.column == int(column.split()[1])


def test_long_cell_text_is_truncated(tmp_path):
    cell = "word" * 50
    err = expect_error(write(tmp_path, f"a,b\n1,2\n3,{cell}\n"), "row 3", "column 2 ('b')")
    assert "'" + cell[:40] + "…'" in str(err)
    assert cell[:41] not in str(err)


def test_unbalanced_quote_is_reported(tmp_path):
    p = write(tmp_path, 'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n')
    expect_error(p, "row 3", "row has 2 fields", "quote unbalanced")
    p = write(tmp_path, 'a,b,c\n1,2,3\n4,"5\n6",7\n', name="multi.csv")
    expect_error(p, "row 3", "column 2 ('b')", "quote unbalanced")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no data rows"),
        ("\n\n  \n\t\n", "no data rows"),
        ("a,b,c\n", "no data rows"),
        ("a,b,c\n\n\n", "no data rows"),
        ("y\n1\n2\n3\n", "at least two columns"),
        ("1\n2\n", "at least two columns"),
    ],
)
def test_structural_errors(tmp_path, content, message):
    expect_error(write(tmp_path, content), message)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", id="png"),
        pytest.param(b"a,b\x00,c\n1,2,3\n", id="nul"),
        pytest.param(bytes(range(1, 32)) * 20 + b"\n1,2\n", id="control-chars"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", id="zip"),
    ],
)
def test_binary_files_are_refused(tmp_path, raw):
    expect_error(write(tmp_path, raw, name="blob.bin"), "is not a text file")


def test_bomless_utf16_is_read(tmp_path):
    raw = "a,b,c\n1,2,3\n4,5.5,-6\n".encode("utf-16-le")
    ds = load_csv(write(tmp_path, raw))
    check_simple(ds)


def test_path_problems(tmp_path):
    missing = tmp_path / "nope.csv"
    expect_error(missing, "file not found")
    expect_error(tmp_path, "is a directory")


def test_fifo_is_refused_before_it_is_opened(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    expect_error(fifo, "named pipe (FIFO), not a data file")  # opening it would block


def test_character_device_is_refused():
    with pytest.raises(InputError, match="/dev/zero: is a device, not a data file"):
        load_csv("/dev/zero")


@pytest.mark.skipif(
    sys.platform == "win32" or (hasattr(os, "geteuid") and os.geteuid() == 0),
    reason="needs POSIX permissions and a non-root user",
)
def test_unreadable_file(tmp_path):
    p = write(tmp_path, "a,b\n1,2\n", name="secret.csv")
    p.chmod(0)
    try:
        expect_error(p, "permission denied")
    finally:
        p.chmod(0o600)


def test_read_failure_is_reported(tmp_path, monkeypatch):
    # Works as root too: simulate what open() raises for an unreadable file.
    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(filebytes, "open", deny, raising=False)
    expect_error(write(tmp_path, "a,b\n1,2\n"), "permission denied")


def test_too_large_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(csvio, "MAX_FILE_BYTES", 100)
    p = write(tmp_path, "a,b\n" + "1,2\n" * 100)
    expect_error(p, "too large", "404 bytes", "limit is 100 bytes")


def test_unexpected_failures_become_input_errors(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaput")

    monkeypatch.setattr(csvio, "sniff_delimiter", boom)
    expect_error(write(tmp_path, "a,b\n1,2\n"), "kaput")


def test_never_imports_qt():
    import subprocess

    code = (
        "import sys, core.data.csvio; "
        "assert not any(m.startswith(('PySide', 'PyQt', 'pyqtgraph')) for m in sys.modules)"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


# ----------------------------------------------------------------------------- round trip

_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    data=st.integers(min_value=1, max_value=8).flatmap(
        lambda m: st.integers(min_value=2, max_value=6).flatmap(
            lambda n: st.lists(st.lists(_finite, min_size=n, max_size=n), min_size=m, max_size=m)
        )
    ),
    delim=st.sampled_from([",", ";", "\t", " ", "  "]),
    with_header=st.booleans(),
    detect=st.booleans(),
    crlf=st.booleans(),
)
def test_round_trip(tmp_path, data, delim, with_header, detect, crlf):
    arr = np.array(data, dtype=np.float64)
    m, n = arr.shape
    lines = []
    if with_header:
        lines.append(delim.join(f"col{k}" for k in range(n)))
    lines += [delim.join(repr(v) for v in row) for row in data]
    newline = "\r\n" if crlf else "\n"
    p = tmp_path / "round.csv"
    p.write_bytes((newline.join(lines) + newline).encode())
    ds = load_csv(p, header=None if detect else with_header)
    assert ds.X.shape == (m, n - 1)
    assert np.array_equal(ds.X, arr[:, :-1]) and np.array_equal(ds.y, arr[:, -1])
    # -0.0 must stay -0.0: compare bit patterns too
    assert ds.X.tobytes() == np.ascontiguousarray(arr[:, :-1]).tobytes()
    if with_header:
        assert ds.feature_names == tuple(f"col{k}" for k in range(n - 1))
        assert ds.target_name == f"col{n - 1}"
    else:
        assert ds.feature_names == tuple(f"x{k}" for k in range(1, n))


def test_lines_longer_than_the_csv_field_limit_load(tmp_path):
    # 20 rows x 10,000 full-precision columns: ~190 KB per line, over the csv module's
    # default field limit (131,072 characters) when a line is split while sniffing
    data = np.random.default_rng(3).normal(size=(20, 10_000))
    p = tmp_path / "long_lines.csv"
    p.write_text("\n".join(",".join(map(repr, row)) for row in data.tolist()) + "\n")
    before = csv.field_size_limit(131_072)  # the default, whatever an earlier test set
    try:
        ds = load_csv(p)
    finally:
        csv.field_size_limit(max(before, csv.field_size_limit()))
    assert np.array_equal(ds.X, data[:, :-1]) and np.array_equal(ds.y, data[:, -1])


def test_thousands_separators_are_refused_without_advice_that_changes_the_value(tmp_path):
    p = write(tmp_path, 'size,price\n"2,104",399900\n"1,600",329900\n3000,500000\n')
    err = expect_error(p, "row 2", "column 1 ('size')", "'2,104'", "thousands separator")
    assert "2104" in str(err) and "2.104" not in str(err)
    p = write(tmp_path, 'size,price\n"1,234,567.5",1\n2,3\n', name="big.csv")
    expect_error(p, "'1,234,567.5'", "thousands separator", "1234567.5")
    # a decimal comma in a comma-delimited file: both readings are offered, neither imposed
    p = write(tmp_path, 'a,b\n"1,5",2\n3,4\n', name="dc.csv")
    expect_error(p, "'1,5'", "ambiguous", "(1.5)")


@pytest.mark.parametrize("delim", [",", ";"])
def test_underscores_in_numbers_are_refused(tmp_path, delim):
    p = write(tmp_path, f"a{delim}b\n1{delim}2\n1_000{delim}3\n")
    expect_error(p, "row 3", "column 1 ('a')", "'1_000'", "underscore")
    # in a name they are fine
    ds = load_csv(write(tmp_path, f"x_1{delim}y_2\n1{delim}2\n3{delim}4\n", name="ok.csv"))
    assert ds.feature_names == ("x_1",) and ds.target_name == "y_2"


# -- '.' as a thousands separator, and files that mix decimal marks ----------------------------

EUROPEAN = "Fläche;Zimmer;Preis\n120;4;350.000\n85;3;240.500\n60;2;180.000\n150;5;420.000\n"


@pytest.mark.parametrize("delim", [";", "\t", " "])
def test_dot_grouped_thousands_are_refused_with_both_readings(tmp_path, delim):
    p = write(tmp_path, EUROPEAN.replace(";", delim))
    err = expect_error(
        p,
        "row 2",
        "column 3 ('Preis')",
        "'350.000' could be 350 (decimal point) or 350000 (thousands separator)",
        "remove the dots (350000)",
        "(350.0000)",
    )
    assert err.row == 2 and err.column == 3


def test_the_first_grouped_cell_in_file_order_is_named(tmp_path):
    # values under 1000 carry no separator; the first one that does is named, in any column
    p = write(tmp_path, "a;b;y\n120;7;1\n999;1.600;2\n2.500;3;3\n")
    expect_error(p, "row 3", "column 2 ('b')", "'1.600'", "1.6 (decimal point)", "1600 (")


def test_each_suggested_fix_loads_the_reading_it_names(tmp_path):
    plain = EUROPEAN.replace(".", "")
    ds = load_csv(write(tmp_path, plain, name="plain.csv"))
    assert ds.y.tolist() == [350000.0, 240500.0, 180000.0, 420000.0]
    fourth = EUROPEAN.replace("350.000", "350.0000")
    ds = load_csv(write(tmp_path, fourth, name="fourth.csv"))
    assert ds.y.tolist() == [350.0, 240.5, 180.0, 420.0]
    ds = load_csv(write(tmp_path, EUROPEAN.replace(";", ","), name="comma.csv"))
    assert ds.y.tolist() == [350.0, 240.5, 180.0, 420.0]


def test_grouped_column_in_a_decimal_comma_file_is_refused(tmp_path):
    # '2,5' says the file writes decimal commas, so '1.500' is most likely 1500
    p = write(tmp_path, "a;b;y\n2,5;1.500;1\n3;2.250;2\n4;3;3\n")
    expect_error(p, "row 2", "column 2 ('b')", "'1.500'", "1500 (thousands separator)")


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        # a ',' file cannot hold decimal commas: three decimals everywhere is ordinary data
        ("comma_all3.csv", "x,z,y\n1.500,2.125,1\n3.250,4.000,2\n5.125,6.500,3\n", 0),
        ("comma_mixed.csv", "x,z,y\n0.125,1.500,1\n3.250,4.5,2\n5.125,6.500,3\n", 1),
        # the same column has a '.' with other than three decimals
        ("semi_col.csv", "x;y\n1.500;1\n2.25;2\n3.125;3\n", 0),
        # a leading zero is never a thousands group
        ("semi_zero.csv", "x;y\n0.125;1\n1.500;2\n2.250;3\n", 0),
        # another column writes decimal points and no cell a decimal comma
        ("tab_points.csv", "x\tz\ty\n1.500\t2.5\t1\n2.250\t3.5\t2\n3.125\t4\t3\n", 0),
    ],
)
def test_three_decimals_in_a_decimal_point_file_are_not_flagged(tmp_path, name, text, column):
    ds = load_csv(write(tmp_path, text, name=name))
    delim = "\t" if "\t" in text else (";" if ";" in text else ",")
    want = [float(r.split(delim)[column]) for r in text.splitlines()[1:]]
    assert ds.X[:, column].tolist() == want
    assert not any("thousands" in n or "mixes" in n for n in ds.notes)


def test_a_file_mixing_decimal_commas_and_points_gets_a_note(tmp_path):
    ds = load_csv(write(tmp_path, "a;b;y\n1;2.5;3\n1,5;3;4\n2;4;5,25\n"))
    assert ds.X.tolist() == [[1.0, 2.5], [1.5, 3.0], [2.0, 4.0]]
    assert ds.y.tolist() == [3.0, 4.0, 5.25]
    (note,) = [n for n in ds.notes if "mixes decimal marks" in n]
    assert "'1,5' in row 3, column 'a'" in note and "'2.5' in row 2, column 'b'" in note
    # only decimal commas, or only decimal points: no such note
    for text in ("a;b;y\n1;2,5;3\n1,5;3;4\n", "a;b;y\n1;2.5;3\n1.5;3;4\n"):
        ds = load_csv(write(tmp_path, text, name="one.csv"))
        assert not any("mixes" in n for n in ds.notes)


def test_marks_are_gathered_across_blocks_of_a_long_file(tmp_path, monkeypatch):
    # a small block size splits the file into many batches: the evidence for decimal
    # points in the first block and the grouped cell in the last must both count
    monkeypatch.setattr(sniff, "BLOCK_CHARS", 64)
    body = "".join(f"{k};7;{k}\n" for k in range(1, 200))
    ds = load_csv(write(tmp_path, "a;b;y\n0.5;1;1\n" + body + "3;1.500;2\n", name="pts.csv"))
    assert ds.X[-1].tolist() == [3.0, 1.5]
    p = write(tmp_path, "a;b;y\n" + body + "3;1.500;2\n", name="grp.csv")
    expect_error(p, "row 201", "column 2 ('b')", "'1.500'")
    ds = load_csv(write(tmp_path, "a;b;y\n1,5;1;1\n" + body + "3;2.5;2\n", name="mix.csv"))
    assert any("'1,5' in row 2" in n and "'2.5' in row 202" in n for n in ds.notes)


@pytest.mark.parametrize("delim", [",", ";"])
def test_several_dot_groups_are_refused_with_the_plain_number(tmp_path, delim):
    p = write(tmp_path, f"a{delim}y\n1{delim}2\n1.234.567{delim}3\n")
    expect_error(p, "row 3", "column 1 ('a')", "'1.234.567'", "thousands", "1234567")
