"""Tests for core.data.table.read_table on delimited text: valid variants load exactly, bad
files fail with the file, the line a text editor shows and the column in the message."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from core.data import filebytes, reader
from core.data.table import ReadOptions, read_table
from core.errors import InputError


def write(tmp_path, content, name="data.csv"):
    """Write str (as UTF-8) or bytes to tmp_path/name and return the path."""
    p = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    p.write_bytes(content)
    return p


def read(path, nrows=None, **options):
    return read_table(path, ReadOptions(**options), nrows=nrows)


def expect_error(path, *parts, **options):
    """read_table(path) must raise InputError whose message has the file name and all parts."""
    with pytest.raises(InputError) as info:
        read(path, **options)
    text = str(info.value)
    assert os.path.basename(str(path)) in text
    for part in parts:
        assert part in text, f"{part!r} not in {text!r}"
    return info.value


def values(table):
    return table.frame.to_numpy(dtype=np.float64).tolist()


SIMPLE = [[1.0, 2.0, 3.0], [4.0, 5.5, -6.0]]


def check_simple(table, names=("a", "b", "c")):
    assert tuple(c.name for c in table.columns) == names
    assert all(c.kind == "number" and c.missing == 0 for c in table.columns)
    assert all(table.frame[n].dtype == np.float64 for n in names)
    assert values(table) == SIMPLE


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
        pytest.param("a|b|c\n1|2|3\n4|5.5|-6\n", id="pipe"),
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
    table = read(write(tmp_path, content))
    check_simple(table)
    assert table.path == str(tmp_path / "data.csv")
    assert table.rows == 2 and not table.truncated and not table.warnings
    assert "2 rows, 3 columns" in table.notes[0]


def test_notes_and_decided_say_how_the_file_was_read(tmp_path):
    table = read(write(tmp_path, "a;b;price\n1;2;3\n4;5.5;-6\n"))
    assert table.notes[0] == "delimiter ';', header detected, 2 rows, 3 columns, encoding utf-8"
    assert table.decided == {
        "format": "text",
        "delimiter": ";",
        "encoding": "utf-8",
        "header": "yes",
        "decimal": ".",
        "thousands": "none",
        "sheet": "",
    }
    table = read(write(tmp_path, "1\t2\t3\n4\t5.5\t-6\n"))
    assert table.notes[0].startswith("delimiter tab, no header detected, 2 rows")
    assert [c.name for c in table.columns] == ["x1", "x2", "x3"]
    assert table.decided["delimiter"] == "tab" and table.decided["header"] == "no"


def test_decimal_comma_note(tmp_path):
    table = read(write(tmp_path, "a;b;c\n1,25;2;3\n4;-5,5e1;-6\n"))
    assert values(table) == [[1.25, 2.0, 3.0], [4.0, -55.0, -6.0]]
    assert table.decided["decimal"] == ","
    assert any("decimal comma" in n for n in table.notes)
    table = read(write(tmp_path, "a;b;c\n1.25;2;3\n", name="dot.csv"))
    assert not any("decimal comma" in n for n in table.notes)
    assert table.decided["decimal"] == "."


def test_quoted_field_with_delimiter_is_one_field(tmp_path):
    table = read(write(tmp_path, '"size, m2","rooms; n",price\n"1.5",2,3\n4,"5",6\n'))
    assert [c.name for c in table.columns] == ["size, m2", "rooms; n", "price"]
    assert values(table) == [[1.5, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_quoted_header_spanning_lines_keeps_physical_row_numbers(tmp_path):
    table = read(write(tmp_path, '"first\nname",b,c\n1,2,3\n\n4,x,6\n7,8,9\n'))
    assert [c.name for c in table.columns] == ["first name", "b", "c"]
    b = table.column("b")
    assert b.kind == "text" and b.bad_row == 1 and b.bad_cell == "x"
    assert [table.line_of(r) for r in range(3)] == [3, 5, 6]


def test_latin1_header_names(tmp_path):
    p = write(tmp_path, "Größe;Zimmer;Preis (€)\n1;2;3\n4;5,5;-6\n".encode("cp1252"))
    table = read(p)
    check_simple(table, names=("Größe", "Zimmer", "Preis (€)"))
    assert any("read as Windows-1252" in n for n in table.notes)
    assert table.decided["encoding"] == "cp1252"


def test_pure_latin1_bytes(tmp_path):
    table = read(write(tmp_path, "café,b,c\n1,2,3\n4,5.5,-6\n".encode("latin-1")))
    check_simple(table, names=("café", "b", "c"))
    assert any("read as Windows-1252" in n for n in table.notes)


def test_invalid_utf8_after_the_sample_is_reread_as_cp1252(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "SAMPLE_BYTES", 64)
    body = "".join(f"{k},{k + 1},plain\n" for k in range(40))
    p = write(tmp_path, ("a,b,name\n" + body + "7,8,Müller\n").encode("cp1252"))
    table = read(p)
    assert table.frame["name"].iloc[-1] == "Müller"
    assert table.decided["encoding"] == "cp1252"
    assert any("not valid UTF-8" in n for n in table.notes)
    expect_error(p, "is not valid utf-8", "--encoding cp1252", encoding="utf-8")


def test_utf8_non_ascii_names_have_no_latin1_note(tmp_path):
    table = read(write(tmp_path, "café,b,c\n1,2,3\n4,5.5,-6\n"))
    check_simple(table, names=("café", "b", "c"))
    assert not any("Windows-1252" in n for n in table.notes)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path, codec):
    text = "naïve,b,c\r\n1,2,3\r\n4,5.5,-6\r\n"
    if codec == "utf-16-le-bom":
        raw = b"\xff\xfe" + text.encode("utf-16-le")
    elif codec == "utf-16-be-bom":
        raw = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        raw = text.encode(codec)
    table = read(write(tmp_path, raw))
    check_simple(table, names=("naïve", "b", "c"))
    assert table.decided["encoding"] == codec[:6]


def test_bomless_utf16_is_read(tmp_path):
    table = read(write(tmp_path, "a,b,c\n1,2,3\n4,5.5,-6\n".encode("utf-16-le")))
    check_simple(table)
    assert any("UTF-16 (no byte-order mark)" in n for n in table.notes)


def test_header_detection_and_forcing(tmp_path):
    p = write(tmp_path, "1,2,3\n4,5.5,-6\n")
    table = read(p)
    assert values(table) == [[1.0, 2.0, 3.0], [4.0, 5.5, -6.0]]
    assert [c.name for c in table.columns] == ["x1", "x2", "x3"]
    assert "no header detected" in table.notes[0]
    table = read(p, header="yes")  # the numeric first row becomes the names
    assert [c.name for c in table.columns] == ["1", "2", "3"]
    assert values(table) == [[4.0, 5.5, -6.0]] and table.line_of(0) == 2
    table = read(write(tmp_path, "a,b,c\n1,2,3\n", name="h.csv"), header="no")
    assert table.rows == 2 and table.column("x1").kind == "text"
    assert "no header (chosen)" in table.notes[0]


def test_header_with_missing_markers_is_data_not_header(tmp_path):
    table = read(write(tmp_path, "1,NA,3\n4,5,6\n"))
    assert table.decided["header"] == "no"
    assert table.column("x2").missing == 1 and table.column("x2").kind == "number"


def test_empty_and_duplicate_header_names(tmp_path):
    table = read(write(tmp_path, "a,,a,a_2,a\n1,2,3,4,5\n"))
    assert [c.name for c in table.columns] == ["a", "x2", "a_3", "a_2", "a_4"]
    assert any("duplicate" in n for n in table.notes)
    assert any("empty header names replaced by x2" in n for n in table.notes)


def test_numbers_syntax(tmp_path):
    table = read(write(tmp_path, "a,b\n+1.5,-2e-3\n.5,1E+2\n"))
    assert values(table) == [[1.5, -0.002], [0.5, 100.0]]


@pytest.mark.parametrize(
    "cell", ["", "NA", "N/A", "#N/A", "NaN", "nan", "null", "NULL", "None", "?", "-", " "]
)
def test_missing_value_spellings(tmp_path, cell):
    table = read(write(tmp_path, f"a;b;c\n1;2;3\n4;{cell};6\n7;8;9\n"))
    b = table.column("b")
    assert b.kind == "number" and b.missing == 1
    assert np.isnan(table.frame["b"].iloc[1]) and table.frame["b"].iloc[2] == 8.0


def test_text_columns_have_levels(tmp_path):
    table = read(write(tmp_path, "age,sex,y\n19,female,1\n18,male,2\n28,male,3\n30,,4\n"))
    sex = table.column("sex")
    assert sex.kind == "text" and sex.levels == 2 and sex.missing == 1
    assert sex.bad_row is None
    assert table.frame["sex"].tolist()[:3] == ["female", "male", "male"]


def test_empty_column(tmp_path):
    table = read(write(tmp_path, "a,b,c\n1,,3\n4,NA,6\n"))
    assert table.column("b").kind == "empty" and table.column("b").missing == 2


def test_large_file_loads_exactly(tmp_path):
    """200,000 rows read back bit for bit (speed: benchmarks/csv_read_speed.py)."""
    data = np.random.default_rng(1).normal(size=(200_000, 5))
    p = tmp_path / "big.csv"
    body = "\n".join(",".join(map(repr, row)) for row in data.tolist())
    p.write_text("a,b,c,d,e\n" + body + "\n")
    table = read(p)
    assert np.array_equal(table.frame.to_numpy(), data)
    assert table.lines._starts is None  # the line map is never built on the fast path


def test_nrows_reads_only_the_first_rows(tmp_path):
    p = write(tmp_path, "a,b\n" + "".join(f"{k},{2 * k}\n" for k in range(1000)))
    table = read(p, nrows=10)
    assert table.rows == 10 and table.truncated
    assert values(table)[-1] == [9.0, 18.0]
    assert not read(p).truncated
    assert not read(p, nrows=1000).truncated and read(p, nrows=999).truncated


def test_wide_file(tmp_path):
    data = np.random.default_rng(2).integers(-999, 999, size=(300, 3000)).astype(np.float64)
    lines = ["\t".join(f"c{k}" for k in range(3000))]
    lines += ["\t".join(map(str, row)) for row in data.astype(int).tolist()]
    p = tmp_path / "wide.tsv"
    p.write_text("\n".join(lines))
    table = read(p)
    assert np.array_equal(table.frame.to_numpy(), data)
    assert table.columns[-1].name == "c2999"


def test_lines_longer_than_the_csv_field_limit_load(tmp_path):
    # 20 rows x 10,000 full-precision columns: ~190 KB per line (over 131,072 characters)
    data = np.random.default_rng(3).normal(size=(20, 10_000))
    p = tmp_path / "long_lines.csv"
    p.write_text("\n".join(",".join(map(repr, row)) for row in data.tolist()) + "\n")
    table = read(p)
    assert np.array_equal(table.frame.to_numpy(), data)


# ----------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("content", "row", "message"),
    [
        ("a,b,c\n1,2,3\n4,5\n", 3, "row has 2 fields, expected 3 (from the header)"),
        ("a,b,c\n1,2,3\n\n\n4,5\n7,8,9\n", 5, "row has 2 fields, expected 3"),
        ("1,2,3\n4,5,6,7\n1,2,3\n", 2, "row has 4 fields, expected 3 (from the first row)"),
        ("a,b,c\n1,2,3\n\n\n4,5,6,7\n", 5, "row has 4 fields, expected 3"),
        ('"x\ny",b,c\n1,2,3\n"4\n4",5,6\n7,8,9,10\n', 6, "row has 4 fields, expected 3"),
        ("a b c\n1 2 3\n4 5\n", 3, "row has 2 fields, expected 3"),
        ("a;b;c\n1;2;3\n4;5\n", 3, "row has 2 fields"),
    ],
)
def test_wrong_field_count_names_the_line(tmp_path, content, row, message):
    err = expect_error(write(tmp_path, content, name="bad file.csv"), f"row {row}", message)
    assert err.row == row and err.column is None


@pytest.mark.parametrize(
    ("content", "row", "column", "cell"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n7,abc,9\n", 4, 2, "abc"),
        ("a,b,c\n1,2,3\n\n\n7,8,x\n4,5,6\n", 5, 3, "x"),
        ("a,b,c\r\n1,2,3\r\n\r\n7,8,x\r\n4,5,6\r\n", 4, 3, "x"),
        ("a,b,c\n1,2,3\n1,1_000,3\n4,5,6\n", 3, 2, "1_000"),
        ("a,b,c\n1,2,3\n4,€12,6\n", 3, 2, "€12"),
        ("1,2,3\n4,x,6\n7,8,9\n", 2, 2, "x"),
    ],
)
def test_stray_text_in_a_number_column_is_named(tmp_path, content, row, column, cell):
    table = read(write(tmp_path, content))
    col = table.columns[column - 1]
    assert col.kind == "text" and col.bad_cell == cell
    assert table.line_of(col.bad_row) == row


@pytest.mark.parametrize(
    ("content", "row", "column"),
    [
        ("a,b,c\n1,2,3\n1,inf,3\n", 3, "column 2 ('b')"),
        ("a,b,c\n1,2,3\n1,2,-inf\n", 3, "column 3 ('c')"),
        ("a,b,c\n1,2,3\nInfinity,2,3\n", 3, "column 1 ('a')"),
        ("a,b,c\n1,2,3\n\n1,1e999,3\n", 4, "column 2 ('b')"),
        ("a;b;c\n1;2;3\n1;1e999;3\n", 3, "column 2 ('b')"),
    ],
)
def test_non_finite_numbers_are_refused(tmp_path, content, row, column):
    err = expect_error(write(tmp_path, content), f"row {row}", column, "non-finite value")
    assert err.row == row


def test_unbalanced_quote_is_reported(tmp_path):
    p = write(tmp_path, 'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n')
    expect_error(p, "row 3", "quote unbalanced")


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


def test_nul_byte_after_the_sample_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "SAMPLE_BYTES", 64)
    body = "".join(f"{k},{k + 1}\n" for k in range(50))
    expect_error(write(tmp_path, ("a,b\n" + body).encode() + b"1,\x002\n"), "not a text file")


def test_path_problems(tmp_path):
    expect_error(tmp_path / "nope.csv", "file not found")
    expect_error(tmp_path, "is a directory")


def test_fifo_is_refused_before_it_is_opened(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    expect_error(fifo, "named pipe (FIFO), not a data file")  # opening it would block


def test_character_device_is_refused():
    with pytest.raises(InputError, match="/dev/zero: is a device, not a data file"):
        read("/dev/zero")


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
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 100)
    p = write(tmp_path, "a,b\n" + "1,2\n" * 100)
    expect_error(p, "too large", "404 bytes", "limit is 100 bytes")


def test_unexpected_failures_become_input_errors(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaput")

    monkeypatch.setattr(reader, "sniff_delimiter", boom)
    expect_error(write(tmp_path, "a,b\n1,2\n"), "kaput")


def test_reading_never_imports_qt_and_import_does_not_load_pandas():
    import subprocess

    code = (
        "import sys, core.data.table, core.data.reader, core.cli; "
        "assert 'pandas' not in sys.modules, 'pandas imported at start-up'; "
        "core.data.table.read_table(sys.argv[1]); "
        "assert not any(m.startswith(('PySide', 'PyQt', 'pyqtgraph')) for m in sys.modules)"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sample = os.path.join(root, "tests", "data", "shapes", "insurance.csv")
    subprocess.run([sys.executable, "-c", code, sample], check=True, cwd=root)


def test_a_first_row_longer_than_the_rest_is_not_cut(tmp_path):
    p = write(tmp_path, "0.5,1.5,1\n2.5,3.5\n4.5,5.5\n")
    err = expect_error(p, "row 2", "row has 2 fields, expected 3 (from the first row)")
    assert err.row == 2


def test_preview_messages_scan_only_the_head_of_the_file(tmp_path, monkeypatch):
    from core.data import lines

    body = "".join(f"{k},{k % 7}\n" for k in range(200_000))
    p = write(tmp_path, "a,b\n1,2\n\n3,\n" + body)
    monkeypatch.setattr(lines, "file_text", None)  # reading the whole file would fail
    table = read(p, nrows=5)
    assert table.column("b").missing == 1 and table.line_of(1) == 4
    assert len(table.lines.starts) < 200_000


@pytest.mark.parametrize(
    ("content", "header"),
    [
        ("age,sex,y\n19,female,1\n18,male,2\n", "yes"),
        (",TV,sales\n1,230.1,22.1\n2,44.5,10.4\n", "yes"),
        ("name,city\nBob,Paris\nAnn,Rome\n", "yes"),
        ("1,2,3\n4,5,6\n", "no"),
        ("1,NA,3\n4,5,6\n", "no"),
        # auto-mpg: a car's name in the first row of a file without header
        ('18.0 8 307.0 1\t"chevrolet chevelle malibu"\n15.0 8 350.0 1\t"buick skylark"\n', "no"),
        ("Bob,1,2\nAnn,3,4\n", "no"),
    ],
)
def test_header_detection_looks_at_each_column(tmp_path, content, header):
    assert read(write(tmp_path, content)).decided["header"] == header


def test_a_line_of_delimiters_only_is_an_empty_row(tmp_path):
    table = read(write(tmp_path, "1\t2\n3\t4\n\t\n5\t\n"), header="no")
    assert values(table)[:2] == [[1.0, 2.0], [3.0, 4.0]]
    assert table.rows == 3 and table.line_of(2) == 4
    assert any("dropped 1 empty line" in n for n in table.notes)


def test_old_mac_line_ends_with_a_contradicting_cell(tmp_path):
    p = write(tmp_path, 'a,b,c\r0.5,1,2\r3,4,"1,5"\r')
    expect_error(p, "row 3", "column 3 ('c')", "'1,5'", "--decimal ,")


def test_options_override_the_sniff(tmp_path):
    p = write(tmp_path, "a;b,c\n1;2,5\n3;4,5\n".encode("cp1252"))
    assert read(p).decided["delimiter"] == ";"
    table = read(p, delimiter=",", decimal=".")
    assert [c.name for c in table.columns] == ["a;b", "c"]
    assert table.column("a;b").kind == "text" and table.frame["c"].tolist() == [5.0, 5.0]
    table = read(write(tmp_path, "größe,b\n1,2\n".encode(), name="u.csv"), encoding="cp1252")
    assert table.columns[0].name == "grÃ¶ÃŸe" and table.decided["encoding"] == "cp1252"


def test_shuffled_row_numbers_and_a_headerless_row_number_column_are_index_like(tmp_path):
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text(",x,y\n3,1.5,2\n1,2.5,3\n4,0.5,1\n2,3.5,4\n")
    assert read_table(shuffled).column("x1").index_like
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("1,1.5,2\n2,2.5,3\n3,0.5,1\n4,3.5,4\n")
    assert read_table(headerless).columns[0].index_like
    trend = tmp_path / "trend.csv"  # two columns: the first is the feature, t = 1..m
    trend.write_text("1,2\n2,3\n3,1\n4,4\n")
    assert not read_table(trend).columns[0].index_like


def test_a_workbook_under_a_text_name_is_read_as_one_and_text_options_are_refused(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "houses"
    for row in (["size", "price"], [2104, 399.9], [1600, 329.9], [2400, 369.0]):
        ws.append(row)
    path = tmp_path / "houses.csv"
    wb.save(path)
    table = read_table(path)
    assert table.decided["format"] == "excel" and table.frame["size"].tolist() == [2104, 1600, 2400]
    assert any("read as an Excel workbook" in n for n in table.notes)
    expect_error(path, "is an Excel workbook", "--decimal ,", decimal=",")
    text = tmp_path / "plain.csv"
    text.write_text("a,b\n1,2\n3,4\n")
    expect_error(text, "--sheet 2024 applies to Excel workbooks", sheet="2024")
