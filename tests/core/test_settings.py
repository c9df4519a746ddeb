"""core.settings: each knob's range, the words of its messages, and the schema's invariants."""

from __future__ import annotations

import dataclasses

import pytest

from core.errors import InputError
from core.settings import (
    CHOICE_LABELS,
    SCHEMA,
    SEED_MAX,
    DataSettings,
    RunSettings,
    Settings,
    defaults,
    validate,
)


def test_every_default_passes_its_own_check():
    for key, spec in SCHEMA.items():
        assert spec.problem(spec.default) is None, key
    assert Settings().flat() == defaults()


def test_whole_number_ranges_are_written_in_full():
    assert SCHEMA["seed"].range_text() == f"between 0 and {SEED_MAX}"
    assert SCHEMA["iterations"].range_text() == "between 0 and 100000000"
    assert SCHEMA["noise"].range_text() == "between 0 and 100"
    assert SCHEMA["scaling"].range_text().startswith("one of none, zscore")


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("seed", -1, "must be between 0 and 2147483647, got -1"),
        ("seed", 2**31, "must be between 0 and 2147483647, got 2147483648"),
        ("seed", 10**4999, "must be between 0 and 2147483647, got a 5000-digit number"),
        ("iterations", float("inf"), "must be a whole number, got inf"),
        ("iterations", 2.5, "must be a whole number, got 2.5"),
        ("alpha", float("nan"), "must be a finite number, got nan"),
        ("alpha", 10**400, "must be a finite number"),
        ("intercept", 1, "must be true or false, got 1"),
        ("csv_path", "x" * 5000, "must be text of at most 4096 characters, got 'xxx"),
        (
            "solver",
            "newton",
            "must be one of gd, gd-loop, sgd, momentum, nesterov, adagrad, rmsprop, adam, "
            "normal, normal-textbook, got 'newton'",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "value",
)
def test_problems_say_what_is_allowed(key, value, problem):
    found = SCHEMA[key].problem(value)
    assert found is not None and found.startswith(problem), found
    assert len(found) < 200


def test_a_number_too_long_to_print_is_described():
    with pytest.raises(InputError, match="got a 5000-digit number"):
        DataSettings(seed=10**4999)  # str() of it would raise ValueError


def test_validate_names_the_file_and_the_key():
    with pytest.raises(InputError) as info:
        validate({"seed": 2**32 - 1}, "s.json: settings")
    assert str(info.value) == (
        "s.json: settings: 'seed' must be between 0 and 2147483647, got 4294967295"
    )


def test_an_unknown_key_suggests_the_close_one():
    with pytest.raises(InputError, match=r"unknown setting 'alpah' \(did you mean 'alpha'\?\)"):
        validate({"alpah": 0.1}, "lesson.json: settings")
    with pytest.raises(InputError, match=r"unknown setting 'zzz'$"):
        validate({"zzz": 1}, "x")


def test_dataclasses_refuse_out_of_range_values():
    with pytest.raises(InputError, match="DataSettings: 'seed' must be between 0 and 2147483647"):
        DataSettings(seed=2**31)
    assert RunSettings(iterations=5.0).iterations == 5  # a whole float becomes an int


def test_every_command_line_option_is_unique_and_spelled_like_its_key():
    options = [s.cli for s in SCHEMA.values() if s.cli]
    assert len(options) == len(set(options))
    for key, spec in SCHEMA.items():
        if spec.cli:
            assert spec.cli.startswith("--") and " " not in spec.cli, key


def test_schema_follows_the_dataclasses():
    for cls in (DataSettings, RunSettings):
        for f in dataclasses.fields(cls):
            assert SCHEMA[f.name].default == f.default


@pytest.mark.parametrize("source", ["housing", "curve"])
def test_a_fixed_demo_is_named_as_its_choice_label_without_a_seed(source):
    from core.builder import build_dataset

    name = build_dataset(DataSettings(source=source)).source
    assert name == CHOICE_LABELS["source"][source]  # the window's combo and the report agree
    assert "seed" not in name


# -- the file settings of issue 10 ----------------------------------------------------------


def test_an_old_session_with_no_header_still_opens(tmp_path):
    import json

    from core.session import FORMAT, load_session

    values = {**defaults(), "source": "csv", "csv_path": "d.csv", "target": "0"}
    del values["header"]
    values["no_header"] = True
    for key in ("features", "ignore", "categorical", "missing"):  # keys the old file lacked
        del values[key]
    path = tmp_path / "old.gdx.json"
    doc = {"format": FORMAT, "version": 1, "settings": values, "runs": []}
    path.write_text(json.dumps(doc))
    session = load_session(path)
    data = Settings.from_flat(session.settings).data
    assert (data.header, data.target, data.missing, data.ignore) == ("no", "0", "refuse", ())
    # no_header false leaves the header to the reader; a header given wins
    assert validate({"no_header": False}, "s", partial=True) == {}
    assert validate({"no_header": True, "header": "yes"}, "s", partial=True) == {"header": "yes"}
    with pytest.raises(InputError, match="'no_header' must be true or false, got 'yes'"):
        validate({"no_header": "yes"}, "s.json", partial=True)


def test_the_column_roles_round_trip_through_a_session(tmp_path):
    from core.session import Session, load_session, save_session

    chosen = Settings().replace(
        source="csv",
        csv_path="ins.csv",
        features=("age", "bmi"),
        ignore=("id",),
        categorical=("region",),
        missing="mean",
        thousands=",",
        decimal=".",
        delimiter=";",
        header="yes",
    )
    path = tmp_path / "s.gdx.json"
    save_session(path, Session(chosen.flat(), (), {}))
    again = Settings.from_flat(load_session(path).settings)
    assert again == chosen
    assert again.data.categorical == ("region",) and again.data.missing == "mean"


@pytest.mark.parametrize(
    "key, value, text",
    [
        ("missing", "fill", "'missing' must be one of refuse, drop, mean, got 'fill'"),
        ("ignore", "id", "'ignore' must be a list of column names, got 'id'"),
        ("categorical", ["a", ""], "'categorical' must be a list of at most 100000 non-empty"),
        ("thousands", "_", "'thousands' must be one of auto, none, ,, ., space, ', got '_'"),
    ],
)
def test_bad_file_settings_are_named(key, value, text):
    with pytest.raises(InputError, match=re_escape(f"s.json: {text}")):
        validate({key: value}, "s.json", partial=True)


def re_escape(text: str) -> str:
    import re

    return re.escape(text)
