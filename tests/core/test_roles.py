"""Column roles, one-hot encoding and missing values: from a Table to the Dataset and the model.

Tables are built directly from small pandas DataFrames (as the reader would hand them over),
so these tests do not depend on how a file is sniffed. Expected values are written out by
hand or computed independently (numpy lstsq on a hand-built design).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data.roles import ColumnRoles, resolve_roles, table_to_dataset
from core.data.table import Column, Table, read_table
from core.errors import InputError
from core.model.problem import Problem
from core.solvers import normal_equation


def make_table(
    columns: dict, *, index_like: tuple[str, ...] = (), header: str = "yes", warnings=()
) -> Table:
    """A Table as the reader hands it over: numbers float64 with NaN, text as strings with NA;
    data row r is on line r + 2 (one header line)."""
    frame = pd.DataFrame(columns)
    cols = []
    for k, name in enumerate(frame.columns):
        s = frame[name]
        if s.isna().all():
            kind = "empty"
            frame[name] = s.astype("float64")
        elif pd.api.types.is_numeric_dtype(s):
            kind = "number"
            frame[name] = s.astype("float64")
        else:
            kind = "text"
            frame[name] = s.astype("string")
        levels = int(frame[name].nunique()) if kind == "text" else 0
        cols.append(
            Column(name, k + 1, kind, int(s.isna().sum()), levels, index_like=name in index_like)
        )
    decided = {
        "format": "text",
        "delimiter": ",",
        "encoding": "utf-8",
        "header": header,
        "decimal": ".",
        "thousands": "none",
        "sheet": "",
    }
    return Table(
        path="t.csv",
        frame=frame,
        columns=tuple(cols),
        decided=decided,
        notes=("summary",),
        warnings=tuple(warnings),
        first_line=2,
    )


def roles(**kw) -> ColumnRoles:
    return ColumnRoles(**kw)


def fit_normal(dataset, **kw):
    problem = Problem(dataset, scaling="none", **kw)
    *_, last = normal_equation(problem)
    return problem, last


# -- default roles ------------------------------------------------------------------------


def test_default_target_is_the_last_numeric_column_and_a_trailing_text_column_is_noted():
    # California housing's shape: a text column after the target
    t = make_table(
        {
            "rooms": [3.0, 4, 5, 6],
            "median_house_value": [1.0, 2, 3, 5],
            "ocean_proximity": ["NEAR BAY", "INLAND", "INLAND", "ISLAND"],
        }
    )
    r = resolve_roles(t, roles())
    assert r["median_house_value"].role == "target"
    assert "'ocean_proximity', is text" in r["median_house_value"].note
    assert r["ocean_proximity"].role == "ignore"
    assert r["ocean_proximity"].reason == "text, 3 distinct values"
    assert "--categorical ocean_proximity" in r["ocean_proximity"].note
    ds = table_to_dataset(t, roles())
    assert ds.feature_names == ("rooms",) and ds.target_name == "median_house_value"
    assert any("last numeric column" in n for n in ds.notes)
    assert ds.report["ignored"] == {"ocean_proximity": "text, 3 distinct values"}


def test_a_leading_index_column_is_left_out_with_a_note():
    t = make_table(
        {"Unnamed: 0": [1.0, 2, 3, 4, 5], "TV": [1.0, 5, 2, 8, 3], "sales": [2.0, 9, 5, 17, 6]},
        index_like=("Unnamed: 0",),
    )
    ds = table_to_dataset(t, roles())
    assert ds.feature_names == ("TV",)
    assert "left out 'Unnamed: 0': it numbers the rows 1..5" in ds.notes
    assert ds.report["ignored"] == {"Unnamed: 0": "it numbers the rows 1..5"}
    # named among the features, it is one
    ds = table_to_dataset(t, roles(features=("Unnamed: 0", "TV")))
    assert ds.feature_names == ("Unnamed: 0", "TV")


def test_empty_columns_are_left_out_and_never_the_target():
    t = make_table({"a": [1.0, 2, 3], "y": [2.0, 4, 7], "e1": [None] * 3, "e2": [None] * 3})
    ds = table_to_dataset(t, roles())
    assert ds.target_name == "y" and ds.feature_names == ("a",)
    assert ds.report["ignored"] == {"e1": "empty", "e2": "empty"}
    assert "left out 'e1': it has no values" in ds.notes


def test_a_text_column_with_many_values_is_left_out_without_suggesting_categorical():
    names = [f"car {k}" for k in range(25)]
    t = make_table({"name": names, "hp": np.arange(25.0), "mpg": np.arange(25.0) ** 0.5})
    r = resolve_roles(t, roles())
    assert r["name"].reason == "text, 25 distinct values"
    assert "--categorical" not in r["name"].note


def test_default_target_skips_an_ignored_last_column():
    t = make_table({"a": [1.0, 2, 3], "b": [3.0, 1, 4], "c": [9.0, 9, 8]})
    r = resolve_roles(t, roles(ignore=("c",)))
    assert r["b"].role == "target" and r["c"].role == "ignore"
    assert "'c', is ignored" in r["b"].note


def test_target_by_name_or_zero_based_index():
    t = make_table({"a": [1.0, 2, 3], "b": [3.0, 1, 4], "c": [9.0, 9, 8]})
    assert table_to_dataset(t, roles(target="a")).feature_names == ("b", "c")
    assert table_to_dataset(t, roles(target="1")).target_name == "b"
    with pytest.raises(InputError, match=r"target index 3 is out of range: the file has 3 columns"):
        resolve_roles(t, roles(target="3"))
    with pytest.raises(InputError, match=r"no column named 'z'; the columns are: 'a', 'b', 'c'"):
        resolve_roles(t, roles(target="z"))


def test_without_a_header_the_names_are_the_tables():
    t = make_table({"x1": [1.0, 2, 3], "x2": [3.0, 1, 4], "x3": [9.0, 9, 8]}, header="no")
    ds = table_to_dataset(t, roles(target="0"))
    assert (ds.target_name, ds.feature_names) == ("x1", ("x2", "x3"))
    assert np.array_equal(ds.y, [1.0, 2, 3])
    assert table_to_dataset(t, roles()).target_name == "x3"


# -- chosen roles -------------------------------------------------------------------------


def test_features_given_are_exactly_the_features_with_the_categorical_ones():
    t = make_table(
        {
            "a": [1.0, 2, 3, 4],
            "b": [3.0, 1, 4, 1],
            "c": [5.0, 9, 2, 6],
            "r": ["n", "s", "n", "s"],
            "y": [1.0, 0, 1, 2],
        }
    )
    ds = table_to_dataset(t, roles(features=("c", "a"), categorical=("r",)))
    assert ds.feature_names == ("a", "c", "r=n", "r=s")  # file order
    assert ds.report["ignored"] == {"b": "not among the chosen features"}


def test_ignore_wins_over_the_defaults():
    t = make_table({"id": [7.0, 3, 5], "a": [1.0, 2, 4], "y": [3.0, 1, 4]})
    ds = table_to_dataset(t, roles(ignore=("id",)))
    assert ds.feature_names == ("a",)
    assert ds.report["ignored"] == {"id": "ignored as asked"}


def test_unknown_names_list_the_columns():
    t = make_table({"a": [1.0, 2, 3], "y": [3.0, 1, 4]})
    for kw in ({"ignore": ("zz",)}, {"categorical": ("zz",)}, {"features": ("zz",)}):
        with pytest.raises(InputError, match=r"no column named 'zz'; the columns are: 'a', 'y'"):
            resolve_roles(t, roles(**kw))


@pytest.mark.parametrize(
    "kw, text",
    [
        ({"ignore": ("a",), "categorical": ("a",)}, "'a' is both ignored and categorical"),
        ({"ignore": ("a",), "features": ("a",)}, "'a' is both ignored and a feature"),
        ({"target": "y", "ignore": ("y",)}, "'y' is the target, so it cannot also be ignored"),
        ({"target": "y", "categorical": ("y",)}, "'y' is the target, so it cannot also be cat"),
        ({"target": "y", "features": ("y",)}, "'y' is the target, so it cannot also be a feat"),
    ],
)
def test_a_name_in_two_roles_is_refused(kw, text):
    t = make_table({"a": [1.0, 2, 3], "y": [3.0, 1, 4]})
    with pytest.raises(InputError, match=text):
        resolve_roles(t, roles(**kw))


def test_a_categorical_column_may_also_be_listed_among_the_features():
    t = make_table({"r": ["a", "b", "a"], "x": [1.0, 2, 4], "y": [3.0, 1, 4]})
    ds = table_to_dataset(t, roles(features=("r", "x"), categorical=("r",)))
    assert ds.feature_names == ("r=a", "r=b", "x")


def test_a_text_target_names_its_first_non_numeric_cell():
    t = make_table({"a": [1.0, 2, 3], "grade": ["A", "B", "A"]})
    with pytest.raises(InputError) as err:
        resolve_roles(t, roles(target="grade"))
    msg = str(err.value)
    assert msg.startswith("t.csv: row 2, column 2 ('grade'): the target must be numbers")
    assert "'A'" in msg and "--target" in msg


def test_no_numeric_target_and_no_feature_left_are_said():
    t = make_table({"a": ["x", "y"], "b": ["p", "q"]})
    with pytest.raises(InputError, match="no numeric column to use as the target"):
        resolve_roles(t, roles())
    t = make_table({"name": ["x", "y", "z"], "y": [1.0, 2, 3]})
    with pytest.raises(InputError, match=r"no feature column left; 'name': text, 3 distinct"):
        table_to_dataset(t, roles())


@pytest.mark.parametrize("kw", [{}, {"features": ("price",)}])
def test_text_among_numbers_is_refused_naming_the_cell_and_the_choices(kw):
    # a typo in a price column: by default and when asked as a feature, never dropped quietly
    t = make_table({"price": ["100", "250", "3OO", "410", "120"], "y": [1.0, 2, 3, 4, 5]})
    with pytest.raises(InputError) as err:
        table_to_dataset(t, roles(**kw))
    msg = str(err.value)
    assert msg.startswith("t.csv: row 4, column 1 ('price'): '3OO' is not a number")
    assert "--ignore price" in msg and "--categorical price" in msg and "fix the cell" in msg


def test_a_text_column_asked_as_a_feature_suggests_categorical():
    t = make_table({"region": ["n", "s", "e"], "y": [1.0, 2, 3]})
    with pytest.raises(InputError, match=r"'region'.*is text \(3 distinct values\).*--categ"):
        table_to_dataset(t, roles(features=("region",)))


# -- one-hot encoding -----------------------------------------------------------------------

REGIONS = ["southwest", "southeast", "northwest", "southeast", "northeast", "southwest", "ne"]


def _insurance() -> Table:
    return make_table(
        {
            "age": [19.0, 18, 28, 33, 32, 31, 46],
            "region": ["southwest", "southeast", "northwest", "southeast", "northeast",
                       "southwest", "northwest"],
            "charges": [16.9, 1.7, 4.4, 22.0, 3.9, 3.8, 8.2],
        }
    )  # fmt: skip


def test_one_hot_columns_are_sorted_levels_in_place_of_the_column():
    ds = table_to_dataset(_insurance(), roles(categorical=("region",)))
    assert ds.feature_names == (
        "age",
        "region=northeast",
        "region=northwest",
        "region=southeast",
        "region=southwest",
    )
    assert ds.indicators == (None, "region", "region", "region", "region")
    expected = np.array(
        [[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1],
         [0, 1, 0, 0]], dtype=float
    )  # fmt: skip
    assert np.array_equal(ds.X[:, 1:], expected)
    assert ds.report["encoded"] == {"region": ["northeast", "northwest", "southeast", "southwest"]}


def test_with_an_intercept_the_first_level_is_left_out_and_the_fit_is_least_squares():
    t = _insurance()
    ds = table_to_dataset(t, roles(categorical=("region",)))
    problem, snap = fit_normal(ds)
    assert problem.feature_names == (
        "age",
        "region=northwest",
        "region=southeast",
        "region=southwest",
    )
    assert problem.dropped_levels == {"region": "northeast"}
    assert "region=northeast left out: the intercept stands for it" in problem.notes
    # independently: the design by hand, lstsq
    age = np.array([19.0, 18, 28, 33, 32, 31, 46])
    region = t.frame["region"].tolist()
    A = np.column_stack(
        [age]
        + [[1.0 * (r == lv) for r in region] for lv in ("northwest", "southeast", "southwest")]
        + [np.ones(7)]
    )
    coef = np.linalg.lstsq(A, t.frame["charges"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(snap.w, coef[:-1], rtol=1e-10, atol=1e-10)
    assert snap.b == pytest.approx(coef[-1], rel=1e-10)


def test_without_an_intercept_every_level_stays_and_the_fit_is_least_squares():
    t = _insurance()
    ds = table_to_dataset(t, roles(categorical=("region",)))
    problem, snap = fit_normal(ds, intercept=False)
    assert problem.feature_names == ds.feature_names and problem.dropped_levels == {}
    A = ds.X  # checked column by column in the test above
    coef = np.linalg.lstsq(A, ds.y, rcond=None)[0]
    np.testing.assert_allclose(snap.w, coef, rtol=1e-10, atol=1e-10)


def test_without_an_intercept_a_second_categorical_column_loses_its_first_level():
    t = make_table(
        {
            "sex": ["f", "m", "m", "f", "m", "f"],
            "smoker": ["no", "no", "yes", "yes", "no", "no"],
            "y": [1.0, 2, 7, 5, 2.5, 1.5],
        }
    )
    ds = table_to_dataset(t, roles(categorical=("sex", "smoker")))
    problem, snap = fit_normal(ds, intercept=False)
    assert problem.feature_names == ("sex=f", "sex=m", "smoker=yes")
    assert problem.dropped_levels == {"smoker": "no"}
    assert "rank" not in " ".join(snap.warnings)  # full rank
    A = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1], [1, 0, 1], [0, 1, 0], [1, 0, 0]], float)
    coef = np.linalg.lstsq(A, ds.y, rcond=None)[0]
    np.testing.assert_allclose(snap.w, coef, rtol=1e-10, atol=1e-12)


def test_numeric_categorical_levels_sort_as_numbers_and_read_as_whole_numbers():
    t = make_table({"zip": [10.0, 9, 98101, 9, 10], "x": [1.0, 2, 3, 5, 4], "y": [1.0, 2, 3, 4, 6]})
    ds = table_to_dataset(t, roles(categorical=("zip",)))
    assert ds.feature_names == ("zip=9", "zip=10", "zip=98101", "x")
    assert ds.report["encoded"] == {"zip": ["9", "10", "98101"]}


def test_too_many_levels_are_refused_with_the_count():
    t = make_table({"name": [f"n{k}" for k in range(101)], "y": np.arange(101.0)})
    with pytest.raises(InputError, match=r"column 1 \('name'\): has 101 distinct values"):
        table_to_dataset(t, roles(categorical=("name",)))
    t = make_table({"name": [f"n{k}" for k in range(100)], "y": np.arange(100.0)})
    assert table_to_dataset(t, roles(categorical=("name",))).n == 100


def test_indicators_are_not_raised_to_powers():
    t = make_table(
        {
            "x": [1.0, 2, 3, 4, 5, 6, 7],
            "g": ["a", "b", "c", "a", "b", "c", "a"],
            "y": [1.0, 3, 2, 5, 4, 8, 6],
        }
    )
    ds = table_to_dataset(t, roles(categorical=("g",)))
    problem = Problem(ds, degree=3, scaling="none")
    assert problem.feature_names == ("x", "g=b", "g=c", "x^2", "x^3")
    x = np.arange(1.0, 8)
    expected = np.column_stack([x, [0, 1, 0, 0, 1, 0, 0], [0, 0, 1, 0, 0, 1, 0], x**2, x**3])
    assert np.array_equal(problem.design.X, expected)
    no_b = Problem(ds, degree=2, scaling="none", intercept=False)
    assert no_b.feature_names == ("x", "g=a", "g=b", "g=c", "x^2")


# -- missing values -------------------------------------------------------------------------


def _gappy() -> Table:
    bmi = [27.9, 33.8, np.nan, 22.7, np.nan, 25.7, 33.4, np.nan, 29.8, 25.8]
    age = [19.0, 18, 28, 33, 32, 31, 46, 37, 37, np.nan]
    return make_table(
        {
            "bmi": bmi,
            "age": age,
            "note": [None, "x", None, None, "y", None, None, None, None, None],
            "region": ["n", "s", "s", None, "n", "s", "e", "s", "s", "e"],
            "charges": [16.9, 1.7, 4.4, 22.0, 3.9, 3.8, 8.2, np.nan, 6.4, 28.9],
        }
    )


def test_refuse_names_per_column_counts_and_first_rows():
    with pytest.raises(InputError) as err:
        table_to_dataset(_gappy(), roles(ignore=("note",), categorical=("region",)))
    assert str(err.value) == (
        "t.csv: missing values in 4 columns: 'bmi' 3 (first in row 4), 'age' 1 (row 11), "
        "'region' 1 (row 5), 'charges' 1 (row 9); choose --missing drop or --missing mean "
        "(or leave the column out with --ignore)"
    )


def test_drop_leaves_out_incomplete_rows_among_the_used_columns_only():
    ds = table_to_dataset(
        _gappy(), roles(ignore=("note",), categorical=("region",), missing="drop")
    )
    # rows 2, 4, 7 (bmi), 9 (age), 3 (region), 7 (charges); 'note' is ignored: no row for it
    assert ds.report["dropped_rows"] == [2, 3, 4, 7, 9]
    assert ds.m == 5 and np.array_equal(ds.y, [16.9, 1.7, 3.8, 8.2, 6.4])
    assert ds.report["missing"] == "drop" and ds.report["filled"] == {}
    assert "left out 5 rows with missing values (rows 4, 5, 6, 9 and 11)" in ds.notes


def test_mean_fills_features_and_the_most_frequent_level_but_never_the_target():
    ds = table_to_dataset(
        _gappy(), roles(ignore=("note",), categorical=("region",), missing="mean")
    )
    assert ds.report["dropped_rows"] == [7]  # no target there
    assert any("without a target value (row 9)" in n for n in ds.notes)
    assert ds.report["filled"] == {"bmi": 2, "age": 1, "region": 1}
    kept_bmi = [27.9, 33.8, 22.7, 25.7, 33.4, 29.8, 25.8]  # rows kept, present
    kept_age = [19.0, 18, 28, 33, 32, 31, 46, 37]
    bmi_mean, age_mean = sum(kept_bmi) / 7, sum(kept_age) / 8
    assert ds.feature_names[:2] == ("bmi", "age")
    assert ds.X[2, 0] == pytest.approx(bmi_mean) and ds.X[4, 0] == pytest.approx(bmi_mean)
    assert ds.X[8, 1] == pytest.approx(age_mean)  # table row 9 is dataset row 8
    # region: kept rows n s s _ n s e s e -> s is the most frequent: row 3 gets s
    assert ds.feature_names[2:] == ("region=e", "region=n", "region=s")
    assert np.array_equal(ds.X[3, 2:], [0, 0, 1])
    assert "filled 1 missing cell of 'region' with its most frequent level 's'" in ds.notes
    assert f"filled 2 missing cells of 'bmi' with its mean {bmi_mean:.6g}" in ds.notes
    values = ds.report["fill_values"]  # what the Data tab shows in the filled cells
    assert values["bmi"] == pytest.approx(bmi_mean) and values["age"] == pytest.approx(age_mean)
    assert values["region"] == "s"


def test_drop_also_leaves_out_rows_without_a_target():
    t = make_table({"x": [1.0, 2, 3, 4], "y": [1.0, np.nan, 3, 5]})
    ds = table_to_dataset(t, roles(missing="drop"))
    assert ds.report["dropped_rows"] == [1] and ds.m == 3
    with pytest.raises(InputError, match=r"'y' 1 \(row 3\); choose --missing drop"):
        table_to_dataset(t, roles())


def test_the_report_is_json_ready_and_carries_the_table_warnings():
    t = make_table(
        {"x": [1.0, 2, 3], "r": ["a", "b", "a"], "y": [1.0, 2, 4]},
        warnings=("column 'x': read 1.234 as 1234; --thousands none switches it",),
    )
    ds = table_to_dataset(t, roles(categorical=("r",)))
    report = json.loads(json.dumps(ds.report))
    assert report == ds.report
    assert set(report) == {
        "read",
        "encoded",
        "ignored",
        "missing",
        "dropped_rows",
        "filled",
        "fill_values",
        "warnings",
    }
    assert report["read"] == t.decided
    assert report["warnings"] == list(t.warnings) and ds.warnings == t.warnings


def test_a_simple_comma_file_through_read_table(tmp_path):
    path = tmp_path / "ins.csv"
    path.write_text(
        "age,smoker,charges\n19,yes,16884.9\n18,no,1725.6\n28,no,4449.5\n33,yes,21984.5\n"
    )
    ds = table_to_dataset(read_table(path), roles(categorical=("smoker",)))
    assert ds.feature_names == ("age", "smoker=no", "smoker=yes")
    assert np.array_equal(ds.X[:, 1:], [[0, 1], [1, 0], [1, 0], [0, 1]])


@pytest.mark.parametrize(
    "decimal, thousands, cells, numbers",
    [
        (".", "none", ["12", " 3.5 ", "-.5", "1e3", "1,234", "3OO", "n/a"], [1, 1, 1, 1, 0, 0, 0]),
        (".", ",", ["1,234", "1,234.5", "12,5x"], [1, 1, 0]),
        (",", ".", ["1.234", "399.900,00", "1,5", "1.5.x"], [1, 1, 1, 0]),
        (",", "space", ["1 234,5", "7", "x"], [1, 1, 0]),
        (",", "none", ["1,5", "2.5"], [1, 0]),
        (".", "'", ["1'234.5", "12"], [1, 1]),
    ],
)
def test_text_cells_read_as_numbers_with_the_files_marks(decimal, thousands, cells, numbers):
    from core.data.encode import first_non_number, reads_as_number

    assert [int(reads_as_number(c, decimal, thousands)) for c in cells] == numbers
    t = make_table({"c": cells, "y": np.arange(float(len(cells)))})
    t.decided.update(decimal=decimal, thousands=thousands)
    first = next((k for k, ok in enumerate(numbers) if not ok), None)
    expected = None if first is None else (first, cells[first])
    assert first_non_number(t, "c") == expected


def test_mean_fills_a_categorical_tie_with_the_first_level_in_sorted_order():
    t = make_table({"g": ["b", "a", None, "b", "a"], "y": [1.0, 2, 3, 4, 5]})
    ds = table_to_dataset(t, roles(categorical=("g",), missing="mean"))
    assert ds.feature_names == ("g=a", "g=b") and np.array_equal(ds.X[2], [1, 0])


def test_importing_the_cli_and_the_roles_does_not_import_pandas():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, core.cli, core.cli_args, core.builder, core.data.roles, core.data.encode\n"
        "assert 'pandas' not in sys.modules, 'pandas imported at start-up'\n"
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# -- any table, any choice: a Dataset or one InputError, never another exception -------------


_CELLS = st.one_of(
    st.none(),
    st.sampled_from(["a", "b", "south", "3OO", "1,5", "7", " x "]),
    st.floats(-1e6, 1e6, allow_nan=False).map(str),
)


@st.composite
def _tables_and_roles(draw):
    k = draw(st.integers(1, 5))
    m = draw(st.integers(1, 8))
    cols = {}
    for j in range(k):
        if draw(st.booleans()):
            values = draw(
                st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3)), min_size=m, max_size=m)
            )
            cols[f"c{j}"] = [np.nan if v is None else v for v in values]
        else:
            cols[f"c{j}"] = draw(st.lists(_CELLS, min_size=m, max_size=m))
    names = list(cols)
    pick = st.lists(st.sampled_from(names), max_size=2, unique=True).map(tuple)
    chosen = ColumnRoles(
        target=draw(st.one_of(st.none(), st.sampled_from([*names, "0", "9", "nope"]))),
        features=draw(pick),
        ignore=draw(pick),
        categorical=draw(pick),
        missing=draw(st.sampled_from(["refuse", "drop", "mean"])),
    )
    return make_table(cols), chosen


@settings(max_examples=300, deadline=None)
@given(_tables_and_roles())
def test_any_table_and_choice_gives_a_dataset_or_one_input_error(case):
    table, chosen = case
    try:
        ds = table_to_dataset(table, chosen)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert ds.X.shape == (ds.m, len(ds.feature_names)) and ds.y.shape == (ds.m,)
    assert np.isfinite(ds.X).all() and np.isfinite(ds.y).all()
    assert ds.m == table.rows - len(ds.report["dropped_rows"])
    assert json.loads(json.dumps(ds.report)) == ds.report
    for name, levels in ds.report["encoded"].items():
        assert [f for f in ds.feature_names if f.startswith(name + "=")] == [
            f"{name}={lv}" for lv in levels
        ]


def test_the_readers_bad_cell_of_a_mostly_numeric_column_is_the_one_named():
    from dataclasses import dataclass, replace

    @dataclass(frozen=True)
    class ReaderColumn(Column):  # Column.bad_row / bad_cell, as the reader fills them
        bad_row: int | None = None
        bad_cell: str = ""

    # by our own count only 1 cell in 4 is a number: left out as text, unless the reader
    # (which reads number formats better) says the column is numbers with a stray cell
    cols = {"size": ["2104", "1_000", "8_52", "9_1"], "x": [1.0, 3, 2, 5], "y": [1.0, 2, 3, 4]}
    t = make_table(cols)
    assert table_to_dataset(t, roles()).report["ignored"] == {"size": "text, 4 distinct values"}
    size = ReaderColumn(**{**vars(t.columns[0]), "bad_row": 1, "bad_cell": "1_000"})
    t = replace(t, columns=(size, *t.columns[1:]))
    with pytest.raises(InputError) as err:
        table_to_dataset(t, roles())
    assert str(err.value).startswith("t.csv: row 3, column 1 ('size'): '1_000' is not a number")


def test_a_cell_with_the_other_decimal_mark_is_named_as_such():
    t = make_table({"b": ["1,5", "2.5", "3", "4,25"], "y": [1.0, 2, 3, 4]})
    t.decided.update(decimal=",", thousands="none")
    with pytest.raises(InputError) as err:
        table_to_dataset(t, roles())
    assert str(err.value).startswith(
        "t.csv: row 3, column 1 ('b'): '2.5' is not a number as this file was read: it is one "
        "written with '.' as the decimal mark; to read it, choose decimal mark '.' (--decimal .)"
    )


def test_no_numeric_column_names_what_the_text_columns_hold():
    # "$300" and "5%" are text to the reader: the message shows them, so the cause is visible
    table = make_table({"price": ["$300", "$200", "$250"], "rate": ["5%", "6%", "7%"]})
    with pytest.raises(InputError) as info:
        table_to_dataset(table, roles())
    text = str(info.value)
    assert "no numeric column to use as the target" in text
    assert "'price' e.g. '$300'" in text and "'rate' e.g. '5%'" in text
    assert "--target NAME" in text


@pytest.mark.parametrize("ignore, target", [((), None), (("b",), None), (("a", "d"), "b")])
def test_numeric_features_are_copied_in_file_order_from_the_table(ignore, target):
    # an all-number table is copied from its column-major block in runs of neighbouring
    # columns: an ignored or target column in the middle splits the runs
    rng = np.random.default_rng(3)
    values = rng.normal(size=(3000, 5))
    names = ["a", "b", "c", "d", "y"]
    table = make_table({n: values[:, k] for k, n in enumerate(names)})
    ds = table_to_dataset(table, roles(ignore=ignore, target=target))
    tgt = target or "y"
    kept = [k for k, n in enumerate(names) if n not in ignore and n != tgt]
    assert ds.feature_names == tuple(names[k] for k in kept)
    assert ds.X.flags["C_CONTIGUOUS"] and ds.X.dtype == np.float64
    np.testing.assert_array_equal(ds.X, values[:, kept])
    np.testing.assert_array_equal(ds.y, values[:, names.index(tgt)])
    ds.X[0, 0] = 1e300  # the dataset owns its copy: the table is never written
    assert table.frame.iloc[0, kept[0]] == values[0, kept[0]]


@pytest.mark.parametrize(
    "cells, written, choice",
    [
        (["1,5", "2,25", "3,5"], "with ',' as the decimal mark", "--decimal ,"),
        (["2 104", "1 600", "852"], "with spaces between groups", "--thousands space"),
        (["2\u00a0104", "1\u00a0600", "3\u00a0000"], "with spaces between groups", "--thousands"),
        (["2'104", "1'600", "3'000"], "with apostrophes between groups", "--thousands '"),
        (["$300", "$200", "$250"], "with a currency sign or %", "plain numbers"),
        (["\u22121.5", "\u22122", "\u22120.25"], "typographic minus sign", "hyphen-minus"),
    ],
)
def test_a_column_of_numbers_written_another_way_is_left_out_with_a_warning(cells, written, choice):
    # never only a note that suggests one-hot encoding: the warning says how to read them
    table = make_table({"a": cells, "b": [1.0, 2.0, 4.0], "y": [1.0, 3.0, 2.0]})
    ds = table_to_dataset(table, roles())
    assert ds.feature_names == ("b",)
    (warning,) = ds.warnings
    assert "'a'" in warning and written in warning and choice in warning
    assert "--categorical" not in warning


def test_dates_are_left_out_as_dates():
    table = make_table(
        {"d": ["2024-01-03", "2024-02-01", "2024-03-05"], "y": [1.0, 2, 3], "x": [1.0, 5, 2]}
    )
    ds = table_to_dataset(table, roles())
    assert not ds.warnings
    assert any("'d'" in n and "dates" in n and "--categorical" not in n for n in ds.notes)


def test_a_last_column_of_numbers_written_another_way_is_not_silently_replaced_as_target():
    table = make_table({"x": [1.0, 2, 3], "z": [4.0, 1, 2], "price": ["1,5", "2,5", "3,25"]})
    with pytest.raises(InputError) as info:
        table_to_dataset(table, roles())
    text = str(info.value)
    assert "'price'" in text and "would be the target" in text and "--decimal ," in text
