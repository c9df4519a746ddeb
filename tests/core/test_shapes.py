"""The corpus of real export shapes (tests/data/shapes/): each file reads with the values in
expected.json, written by hand from the file, never from the reader's output."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from core.data.table import ReadOptions, read_table
from core.errors import InputError

SHAPES = Path(__file__).resolve().parents[1] / "data" / "shapes"
EXPECTED = json.loads((SHAPES / "expected.json").read_text(encoding="utf-8"))


def same(got, want):
    if want is None:
        return isinstance(got, float) and math.isnan(got)
    if isinstance(want, str):
        return got == want
    return float(got) == float(want)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_reads_as_expected(name):
    want = EXPECTED[name]
    table = read_table(SHAPES / name)
    for key, value in want["decided"].items():
        assert table.decided[key] == value, key
    assert [c.name for c in table.columns] == list(want["columns"])
    for col_name, spec in want["columns"].items():
        col = table.column(col_name)
        assert col.kind == spec["kind"], col_name
        got = table.frame[col_name].tolist()
        assert len(got) == len(spec["values"])
        assert all(same(g, w) for g, w in zip(got, spec["values"], strict=True)), (col_name, got)
        assert col.missing == spec.get("missing", 0), col_name
        assert col.index_like == spec.get("index_like", False), col_name
        if "levels" in spec:
            assert col.levels == spec["levels"]
        if col.kind == "number":
            assert table.frame[col_name].dtype == np.float64
    assert [table.line_of(r) for r in range(table.rows)] == want["lines"]
    for part in want["notes"]:
        assert any(part in n for n in table.notes), (part, table.notes)
    assert list(table.warnings) == want["warnings"]


def test_german_export_switches_with_the_decimal_option():
    path = SHAPES / "de_de_thousands_only.csv"
    table = read_table(path, ReadOptions(decimal="."))
    assert table.frame["Wohnfläche"].tolist() == [2.31, 1.785, 940.0, 1.206, 3.45]
    assert table.decided["thousands"] == "none" and not table.warnings
    table = read_table(path, ReadOptions(thousands="."))
    assert table.frame["Wohnfläche"].tolist() == [2310.0, 1785.0, 940.0, 1206.0, 3450.0]
    assert not table.warnings  # the user chose: nothing left to warn about


def test_preview_of_the_corpus_reads_the_first_rows():
    table = read_table(SHAPES / "insurance.csv", nrows=2)
    assert table.rows == 2 and table.truncated
    assert table.frame["region"].tolist() == ["southwest", "northeast"]


def test_long_header_line(tmp_path):
    # 3,500 names of 40 characters: a header line of 143,500 characters
    names = [f"measurement_{k:05d}_with_a_long_name_xx" for k in range(3500)]
    assert sum(map(len, names)) + len(names) > 131_072
    rows = [[(r * 7 + k) % 97 for k in range(3500)] for r in range(3)]
    text = ",".join(names) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    path = tmp_path / "long_header.csv"
    path.write_text(text)
    table = read_table(path)
    assert [c.name for c in table.columns] == names
    assert table.frame.to_numpy().tolist() == rows


# ----------------------------------------------------------------------------- Excel


def make_workbook(path, sheets):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_excel_first_sheet_and_sheet_option(tmp_path):
    path = make_workbook(
        tmp_path / "houses.xlsx",
        {
            "houses": [
                ["size", "rooms", "region", "price"],
                [2310, 4, "north", 412500.0],
                ["1,785", 3, "south", 318250.75],  # typed as text in Excel
                [None, None, None, None],
                [940, 2, "north", 187300],
            ],
            "notes": [[1.5, 2.5], [3.5, 4.5]],
        },
    )
    table = read_table(path)
    assert table.sheets == ("houses", "notes")
    assert table.decided["format"] == "excel" and table.decided["sheet"] == "houses"
    assert table.frame["size"].tolist() == [2310.0, 1785.0, 940.0]
    assert table.frame["price"].tolist() == [412500.0, 318250.75, 187300.0]
    assert table.column("region").kind == "text" and table.column("region").levels == 2
    assert [table.line_of(r) for r in range(3)] == [2, 3, 5]  # the sheet's rows
    other = read_table(path, ReadOptions(sheet="notes"))
    assert other.decided["header"] == "no"
    assert other.frame.to_numpy().tolist() == [[1.5, 2.5], [3.5, 4.5]]
    with pytest.raises(InputError, match=r"no sheet named 'prices'.*'houses', 'notes'"):
        read_table(path, ReadOptions(sheet="prices"))


def test_excel_headerless_sheet_with_a_text_column(tmp_path):
    path = make_workbook(
        tmp_path / "cars.xlsx", {"s": [[18.0, 8, "chevelle"], [15.0, 8, "skylark"]]}
    )
    table = read_table(path)
    assert table.decided["header"] == "no"
    assert table.frame["x3"].tolist() == ["chevelle", "skylark"]
    assert table.frame["x1"].tolist() == [18.0, 15.0] and table.line_of(0) == 1


def test_excel_header_option_and_stray_text(tmp_path):
    path = make_workbook(tmp_path / "h.xlsx", {"s": [[1, 2], [3, 4], [5, "oops"], [7, 8]]})
    table = read_table(path, ReadOptions(header="yes"))
    assert [c.name for c in table.columns] == ["1", "2"]
    col = table.column("2")
    assert col.kind == "text" and col.bad_cell == "oops" and table.line_of(col.bad_row) == 3


@pytest.mark.parametrize(
    ("name", "content", "part"),
    [
        ("fake.xlsx", b"a,b\n1,2\n", "not a zip archive"),
        ("fake.xlsx", b"PK\x03\x04garbage", "is not an Excel workbook"),
        ("fake.xls", b"\xd0\xcf\x11\xe0", "save the sheet as .xlsx or as CSV"),
    ],
)
def test_not_an_excel_file_is_a_clear_message(tmp_path, name, content, part):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_table(path)
    assert name in str(info.value) and part in str(info.value)
