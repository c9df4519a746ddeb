"""Number formats: decimal marks and thousands separators read right, ambiguous columns warned
about, contradicting cells refused with row, column and the choice; Hypothesis round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data import reader
from core.data.table import ReadOptions, read_table
from core.errors import InputError


def write(tmp_path, content, name="data.csv"):
    p = tmp_path / name
    p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return p


def read(path, **options):
    return read_table(path, ReadOptions(**options))


def refuse(path, *parts, **options):
    with pytest.raises(InputError) as info:
        read(path, **options)
    for part in ("data.csv", *parts):
        assert part in str(info.value), f"{part!r} not in {info.value}"
    return info.value


# ------------------------------------------------------------------ ',' files (en-US exports)


def test_quoted_grouped_numbers_read_as_thousands(tmp_path):
    p = write(tmp_path, 'size,price\n"2,310","412,500.00"\n"1,785.5",318250\n940,"1,234,567.5"\n')
    table = read(p)
    assert table.frame["size"].tolist() == [2310.0, 1785.5, 940.0]
    assert table.frame["price"].tolist() == [412500.0, 318250.0, 1234567.5]
    assert table.decided["thousands"] == ","
    assert any("',' as the thousands separator" in n and "'2,310'" in n for n in table.notes)


@pytest.mark.parametrize("cell", ["1,5", "0,25", "12,5", "1,2345", "1234,567"])
def test_quoted_comma_that_is_no_grouping_is_refused_not_read_as_a_big_number(tmp_path, cell):
    p = write(tmp_path, f'a,b\n"2,310",1\n3,2\n"{cell}",3\n')
    err = refuse(p, "row 4", "column 1 ('a')", repr(cell), "--decimal ,")
    assert err.row == 4 and err.column == 1


def test_quoted_decimal_comma_reads_with_the_decimal_option(tmp_path):
    p = write(tmp_path, 'a,b\n"1,5",2\n3,"4,25"\n')
    refuse(p, "row 2", "column 1 ('a')", "'1,5'", "--decimal ,")
    table = read(p, decimal=",")
    assert table.frame.to_numpy().tolist() == [[1.5, 2.0], [3.0, 4.25]]


def test_a_contradicting_cell_after_the_sample_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "SAMPLE_BYTES", 128)
    body = "".join(f'"{k},{k % 10}00",{k}\n' for k in range(1, 60))
    p = write(tmp_path, "a,b\n" + body + '"7,5",1\n')
    table_rows = 1 + 59 + 1
    err = refuse(p, f"row {table_rows}", "column 1 ('a')", "'7,5'")
    assert err.row == table_rows


# ------------------------------------------------------------------ ';' files (de-DE exports)


def test_german_thousands_next_to_small_numbers_read_as_thousands_with_a_warning(tmp_path):
    p = write(tmp_path, "Fläche;Zimmer;Preis\n2.104;3;399900\n852;2;232000\n1.600;3;329900\n")
    table = read(p)
    assert table.frame["Fläche"].tolist() == [2104.0, 852.0, 1600.0]
    assert table.warnings == (
        "'Fläche': '2.104' read as 2104 ('.' as thousands separator); if '.' is the decimal "
        "point there, choose decimal '.' (--decimal .)",
    )
    switched = read(p, decimal=".")
    assert switched.frame["Fläche"].tolist() == [2.104, 852.0, 1.6]
    assert not switched.warnings


def test_german_decimal_commas_with_dot_thousands(tmp_path):
    table = read(write(tmp_path, "a;b\n399.900,00;1,5\n1.234.567,89;2\n-12,5;3\n"))
    assert table.frame["a"].tolist() == [399900.0, 1234567.89, -12.5]
    assert table.frame["b"].tolist() == [1.5, 2.0, 3.0]
    assert (table.decided["decimal"], table.decided["thousands"]) == (",", ".")
    assert not table.warnings


def test_a_decimal_point_after_the_sample_contradicts_dot_thousands(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "SAMPLE_BYTES", 128)
    body = "".join(f"{k}.{k % 10}00;{k}\n" for k in range(1, 60))
    p = write(tmp_path, "a;b\n" + body + "2.5;7\n")
    err = refuse(p, "row 61", "column 1 ('a')", "'2.5'", "--decimal .")
    assert err.row == 61


def test_dates_in_a_dot_thousands_file_are_text(tmp_path):
    table = read(write(tmp_path, "Datum;Fläche\n01.02.2020;2.104\n15.03.2021;852\n"))
    assert table.column("Datum").kind == "text"
    assert table.frame["Datum"].tolist() == ["01.02.2020", "15.03.2021"]
    assert table.frame["Fläche"].tolist() == [2104.0, 852.0]


@pytest.mark.parametrize("delim", ["\t", " "])
def test_ambiguous_column_in_tab_or_whitespace_file_reads_decimal_point(tmp_path, delim):
    p = write(tmp_path, f"a{delim}y\n1.600{delim}1\n852{delim}2\n")
    table = read(p)
    assert table.frame["a"].tolist() == [1.6, 852.0]
    assert table.warnings == (
        "'a': '1.600' read as 1.6 ('.' as decimal point); if '.' separates thousands there, "
        "choose thousands '.' (--thousands .)",
    )
    assert read(p, thousands=".").frame["a"].tolist() == [1600.0, 852.0]


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        # a ',' file cannot hold decimal commas: three decimals everywhere is ordinary data
        ("comma_all3.csv", "x,z,y\n1.500,2.125,1\n3.250,4.000,2\n5.125,6.500,3\n", 0),
        # the same column has a '.' with other than three decimals
        ("semi_col.csv", "x;y\n1.500;1\n2.25;2\n3.125;3\n", 0),
        # a leading zero is never a thousands group
        ("semi_zero.csv", "x;y\n0.125;1\n1.500;2\n2.250;3\n", 0),
        # another column writes decimal points and no cell a decimal comma
        ("tab_points.csv", "x\tz\ty\n1.500\t2.5\t1\n2.250\t3.5\t2\n3.125\t4\t3\n", 0),
    ],
)
def test_three_decimals_in_a_decimal_point_file_are_not_flagged(tmp_path, name, text, column):
    table = read(write(tmp_path, text, name=name))
    delim = "\t" if "\t" in text else (";" if ";" in text else ",")
    want = [float(r.split(delim)[column]) for r in text.splitlines()[1:]]
    assert table.frame.iloc[:, column].tolist() == want
    assert not table.warnings


def test_a_file_mixing_decimal_marks_names_the_odd_cell(tmp_path):
    table = read(write(tmp_path, "a;b;y\n1;2,5;3\n1,5;3;4\n2;4;5.25\n6;7;a.b\n"))
    assert any("both decimal commas" in n for n in table.notes)
    y = table.column("y")
    assert y.kind == "text" and y.bad_cell == "5.25" and table.line_of(y.bad_row) == 4


def test_a_column_wholly_in_the_other_decimal_mark_is_read_with_a_note(tmp_path):
    table = read(write(tmp_path, "a;b;y\n1;2.5;3\n1,5;3;4\n2;4;5,25\n3;1;2\n"))
    assert table.frame["a"].tolist() == [1.0, 1.5, 2.0, 3.0]
    assert table.frame["b"].tolist() == [2.5, 3.0, 4.0, 1.0]
    assert table.frame["y"].tolist() == [3.0, 4.0, 5.25, 2.0]
    assert any("mixes decimal marks" in n and "'b'" in n for n in table.notes)
    # in a decimal-comma file '2.500' groups thousands
    p = write(tmp_path, "a;b\n1,5;2.500\n2;3\n", name="grouped.csv")
    assert read(p).frame["b"].tolist() == [2500.0, 3.0]
    # with no thousands separator, 2.500 could still be 2500: the column is not read
    table = read(p, thousands="none")
    assert table.column("b").kind == "text" and table.column("b").bad_cell == "2.500"


def test_comma_and_three_digits_in_a_semicolon_file_is_read_as_decimal_with_a_warning(tmp_path):
    # '2,104' next to '852' is 2.104 (decimal comma, the ';' file's locale) or 2104 (grouping)
    p = write(tmp_path, "size;rooms;price\n2,104;3;399\n1,600;3;329\n852;2;178\n")
    table = read(p)
    assert table.frame["size"].tolist() == [2.104, 1.6, 852.0]
    (warning,) = table.warnings
    assert "'size'" in warning and "2.104" in warning and "--thousands ," in warning
    switched = read(p, thousands=",")
    assert switched.frame["size"].tolist() == [2104.0, 1600.0, 852.0]
    assert switched.decided["decimal"] == "." and not switched.warnings


def test_a_comma_that_cannot_group_thousands_settles_the_decimal_comma(tmp_path):
    p = write(tmp_path, "size;rooms;price\n2,104;3;399\n1,5;3;329\n852;2;178\n")
    table = read(p)
    assert table.frame["size"].tolist() == [2.104, 1.5, 852.0]
    assert not table.warnings
    refuse(p, "row 3", "'size'", "'1,5'", "--decimal ,", thousands=",")


def test_space_thousands_by_option(tmp_path):
    table = read(write(tmp_path, "a;b\n1 234,5;2\n12,25;3\n"), thousands="space")
    assert table.frame["a"].tolist() == [1234.5, 12.25]


def test_impossible_option_combinations_are_refused(tmp_path):
    p = write(tmp_path, "a;b\n1;2\n")
    refuse(p, "thousands separator ','", decimal=",", thousands=",")


@pytest.mark.parametrize("delim", [",", ";"])
def test_underscores_are_never_read_as_digit_separators(tmp_path, delim):
    table = read(write(tmp_path, f"a{delim}b\n1{delim}2\n1_000{delim}3\n5{delim}6\n"))
    a = table.column("a")
    assert a.kind == "text" and a.bad_cell == "1_000" and table.line_of(a.bad_row) == 3


# ------------------------------------------------------------------ round trips

_values = st.floats(-1e7, 1e7, allow_nan=False).map(lambda v: round(v, 2))


def _en_us(v: float) -> str:
    return f'"{v:,.2f}"'


def _de_de(v: float) -> str:
    return f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _space(v: float) -> str:
    return f"{v:,.2f}".replace(",", " ").replace(".", ",")


FORMATS = {
    # name: (delimiter, how a value is written, options, how the text is read back by hand)
    "plain": (",", repr, {}, float),
    "decimal-comma": (";", lambda v: repr(v).replace(".", ","), {}, None),
    "en-US": (",", _en_us, {}, lambda s: float(s.strip('"').replace(",", ""))),
    "de-DE": (";", _de_de, {}, lambda s: float(s.replace(".", "").replace(",", "."))),
    "space": (";", _space, {"thousands": "space"}, None),
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fmt=st.sampled_from(sorted(FORMATS)),
    data=st.lists(st.lists(_values, min_size=3, max_size=3), min_size=1, max_size=12),
    crlf=st.booleans(),
)
def test_numbers_round_trip_in_every_supported_format(tmp_path, fmt, data, crlf):
    delim, show, options, _ = FORMATS[fmt]
    newline = "\r\n" if crlf else "\n"
    lines = [delim.join(["a", "b", "c"])] + [delim.join(show(v) for v in row) for row in data]
    p = tmp_path / "round.csv"
    p.write_bytes((newline.join(lines) + newline).encode())
    table = read_table(p, ReadOptions(**options))
    got = table.frame.to_numpy(dtype=np.float64)
    assert got.shape == (len(data), 3)
    assert got.tolist() == [[float(v) for v in row] for row in data]
    # the formatted text, read back by hand, is the value written
    if FORMATS[fmt][3] is not None:
        cells = [c for row in lines[1:] for c in _split(row, delim)]
        assert [FORMATS[fmt][3](c) for c in cells] == [v for row in data for v in row]


def _split(row: str, delim: str) -> list[str]:
    import csv

    return next(csv.reader([row], delimiter=delim))


def test_dot_groups_after_the_sample_in_a_semicolon_file_stop_with_both_readings(tmp_path):
    # sizes under 1,000 in the first rows, then '2.909' (a German export): never read silently
    rows = [f"{500 + k % 400};{k % 5 + 1};{1000 + k}" for k in range(1500)]
    rows += ["2.909;4;3000", "3.351;5;3100"]
    p = write(tmp_path, "size;beds;price\n" + "\n".join(rows) + "\n")
    err = refuse(p, "row 1502", "'size'", "'2.909'", "2909", "--thousands .", "--decimal .")
    assert "2.909 ('.' as the decimal point)" in str(err)
    assert read(p, thousands=".").frame["size"].iloc[-2:].tolist() == [2909.0, 3351.0]
    assert read(p, decimal=".").frame["size"].iloc[-2:].tolist() == [2.909, 3.351]


def test_dot_groups_after_the_sample_in_a_column_with_decimal_points_are_decimals(tmp_path):
    rows = [f"{500 + k % 400};{k % 5 + 1};{1000 + k}" for k in range(1500)]
    rows += ["2.909;4;3000", "2.5;5;3100"]  # '2.5' says '.' is the decimal point here
    table = read(write(tmp_path, "size;beds;price\n" + "\n".join(rows) + "\n"))
    assert table.frame["size"].iloc[-2:].tolist() == [2.909, 2.5]


def test_no_break_spaces_group_thousands_under_the_space_option(tmp_path):
    p = write(tmp_path, "a;b;y\n2\u00a0104;1;10,5\n852;2;12,25\n1\u202f600;3;11\n")
    table = read(p, thousands="space")
    assert table.frame["a"].tolist() == [2104.0, 852.0, 1600.0]
    assert table.column("a").kind == "number"
