"""Sessions and exports round-trip; corrupt or foreign files are refused with a message."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import numpy as np
import pytest

from core import session as session_mod
from core import settings
from core.data.datasets import make_housing
from core.errors import InputError
from core.model.problem import Problem
from core.session import (
    MAX_POINTS_PER_RUN,
    MAX_SESSION_RUNS,
    MAX_VALUES_PER_RUN,
    RunRecord,
    Session,
    export_history,
    load_session,
    model_summary,
    parse_session,
    quarantine,
    save_session,
)
from core.solvers import gradient_descent


@pytest.fixture(scope="module")
def record() -> RunRecord:
    problem = Problem(make_housing(), scaling="zscore")
    snaps = list(gradient_descent(problem, alpha=0.1, iterations=40, report_every=10))
    return RunRecord.from_snapshots("α = 0.1", "gd", 0.1, snaps, problem.parameter_names)


def test_session_round_trip(tmp_path, record):
    values = {**settings.defaults(), "scaling": "minmax", "alpha": 0.3}
    path = tmp_path / "s.gdx.json"
    save_session(path, Session(values, (record,), {"geometry": "AAAB"}))
    again = load_session(path)
    assert again.settings == values
    assert again.runs == (record,)
    assert again.window == {"geometry": "AAAB"}


def test_diverged_costs_survive_as_json(tmp_path, record):
    bad = RunRecord(
        "x",
        "gd",
        9.0,
        "diverged",
        "boom",
        ("w", "b"),
        (0, 1),
        (1.0, float("inf")),
        ((0.0, 0.0), (float("nan"), 1.0)),
    )
    path = tmp_path / "d.json"
    save_session(path, Session(settings.defaults(), (bad,)))
    json.loads(path.read_text())  # strict JSON: no bare Infinity/NaN tokens
    assert load_session(path).runs[0].costs[1] == float("inf")


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(InputError, match=r"not UTF-8|corrupt"):
        load_session(path)


def test_history_csv_and_json_hold_the_run(tmp_path, record):
    export_history(tmp_path / "h.csv", [record])
    rows = list(csv.reader(io.StringIO((tmp_path / "h.csv").read_text())))
    assert rows[0] == ["iteration", "cost", *record.parameter_names]
    assert [int(r[0]) for r in rows[1:]] == list(record.iterations)
    assert [float(r[1]) for r in rows[1:]] == list(record.costs)
    export_history(tmp_path / "h.json", [record, record])
    data = json.loads((tmp_path / "h.json").read_text())
    assert len(data["runs"]) == 2 and data["runs"][0]["costs"] == list(record.costs)


def test_model_summary_names_every_parameter(record):
    text = model_summary(record, "price")
    assert text.count("\n") >= 3 + len(record.parameter_names) - 1
    for name in record.parameter_names:
        assert name in text
    assert "price ≈" in text


def test_saving_over_a_file_is_atomic(tmp_path, record, monkeypatch):
    path = tmp_path / "keep.json"
    save_session(path, Session(settings.defaults(), (record,)))
    before = path.read_text()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.files.os.replace", boom)
    with pytest.raises(InputError, match="No space left"):
        save_session(path, Session(settings.defaults()))
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.json"]  # no temporary left


# -- hostile and foreign files: one InputError naming the file and the field ----------------


@pytest.fixture
def saved(tmp_path, record) -> dict:
    """A valid saved session, as the JSON object in its file."""
    path = tmp_path / "valid.json"
    save_session(path, Session(settings.defaults(), (record,), {"state": "AAAB"}))
    return json.loads(path.read_text())


def _load_text(tmp_path, text: str) -> InputError:
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_session(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ") and "\n" not in message
    return info.value


def _set(d: dict, dotted: str, value) -> dict:
    *parents, last = dotted.split(".")
    target = d
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is _DROP:
        del target[last]
    else:
        target[last] = value
    return d


_DROP = object()


@pytest.mark.parametrize(
    ("dotted", "value", "message"),
    [
        ("format", "something-else", "not a GD Explorer session file"),
        ("version", 7, "written by a newer GD Explorer (version 7); this one reads version 1"),
        ("version", "1", "'version' must be a whole number from 1 to 1, got '1'"),
        ("version", 0, "'version' must be a whole number from 1 to 1, got 0"),
        ("settings.alpha", "x", "settings: 'alpha' must be a number, got 'x'"),
        (
            "settings.seed",
            2**31,
            "settings: 'seed' must be between 0 and 2147483647, got 2147483648",
        ),
        (
            "settings.seed",
            2**32 - 1,
            "settings: 'seed' must be between 0 and 2147483647, got 4294967295",
        ),
        (
            "settings.seed",
            10**3999,
            "settings: 'seed' must be between 0 and 2147483647, got a 4000-digit number",
        ),
        ("settings.iterations", 1e300, "settings: 'iterations' must be a whole number, got 1e+300"),
        ("settings.alpah", 0.1, "settings: unknown setting 'alpah' (did you mean"),
        ("settings", [], "settings must be an object"),
        ("runs", {}, "'runs' must be a list, got an object"),
        ("runs.0", "run", "runs[0] must be an object, got 'run'"),
        ("runs.0.costs", _DROP, "runs[0]: missing field 'costs'"),
        ("runs.0.label", _DROP, "runs[0]: missing field 'label'"),
        ("runs.0.alpha", _DROP, "runs[0]: missing field 'alpha'"),
        ("runs.0.label", 12, "runs[0]: 'label' must be text of at most 200 characters, got 12"),
        ("runs.0.solver", "newton", "runs[0]: 'solver' must be one of gd, gd-loop"),
        ("runs.0.alpha", -1, "runs[0]: 'alpha' must be between 1e-300 and 1e+300, got -1"),
        ("runs.0.alpha", "fast", "runs[0]: 'alpha' must be a number, got 'fast'"),
        ("runs.0.iterations", "x", "runs[0]: 'iterations' must be a list, got 'x'"),
        (
            "runs.0.iterations.1",
            "3",
            "runs[0]: iterations[1] must be a whole number between 0 and 100000000, got '3'",
        ),
        (
            "runs.0.iterations.1",
            2**32,
            "iterations[1] must be a whole number between 0 and 100000000, got 4294967296",
        ),
        ("runs.0.costs.2", {}, "runs[0]: costs[2] must be a number, got an object"),
        (
            "runs.0.costs",
            [1.0],
            "'iterations', 'costs' and 'params' must be lists of the same length, got 5, 1 and 5",
        ),
        ("runs.0.params.0", [1.0], "runs[0]: params[0] must be a list of 5 numbers"),
        ("runs.0.params.3.1", True, "runs[0]: params[3][1] must be a number, got True"),
        ("runs.0.warnings", "careful", "runs[0]: 'warnings' must be a list of at most 50 entries"),
        ("runs.0.parameter_names", None, "runs[0]: 'parameter_names' must be a list"),
        ("window", {"state": 5}, "window: 'state' must be text"),
        ("window", "AAAB", "'window' must be an object"),
    ],
)
def test_every_hostile_field_is_named(tmp_path, saved, dotted, value, message):
    err = _load_text(tmp_path, json.dumps(_set(saved, dotted, value)))
    assert message in str(err)


def test_infinity_iterations_name_the_field(tmp_path, saved):
    text = json.dumps(saved).replace('"iterations": 1000', '"iterations": Infinity')
    assert "Infinity" in text
    err = _load_text(tmp_path, text)
    assert "settings: 'iterations' must be a whole number, got inf" in str(err)


def test_nan_alpha_names_the_field(tmp_path, saved):
    text = json.dumps(saved).replace('"alpha": 0.1', '"alpha": NaN', 1)
    assert "'alpha' must be a finite number, got nan" in str(_load_text(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "broken JSON"),
        ("[1, 2, 3]", "not a GD Explorer session file"),
        (
            '{"format": "gd-explorer-session", "version": 1, "settings": {"seed": '
            + "9" * 5000
            + "}}",
            "a number is too long",
        ),
        ("[" * 5000 + "]" * 5000, "nested deeper than 64 levels"),
        (
            '{"format": "gd-explorer-session", "version": 1, "settings": {}, "runs": '
            + "[" * 3000
            + "]" * 3000
            + "}",
            "nested deeper than 64 levels",
        ),
        (
            '{"format": "gd-explorer-session", "version": ' + "9" * 4000 + "}",
            "written by a newer GD Explorer (version a number with hundreds of digits)",
        ),
    ],
)
def test_hostile_documents_are_one_message(tmp_path, text, message):
    assert message in str(_load_text(tmp_path, text))


def test_a_huge_label_is_refused_without_echoing_it(tmp_path, saved):
    saved["runs"][0]["label"] = "x" * 10_000_000
    err = str(_load_text(tmp_path, json.dumps(saved)))
    assert "runs[0]: 'label' must be text of at most 200 characters" in err
    assert "(10,000,000 characters)" in err and len(err) < 500


def test_a_file_over_the_size_cap_is_refused_before_parsing(tmp_path, monkeypatch, saved):
    monkeypatch.setattr(session_mod, "MAX_SESSION_BYTES", 1000)
    saved["runs"][0]["label"] = "x" * 2000
    assert "may be at most" in str(_load_text(tmp_path, json.dumps(saved)))


def test_a_lone_surrogate_in_a_label_is_replaced(tmp_path, saved):
    text = json.dumps(saved).replace('"label": "\\u03b1 = 0.1"', '"label": "run \\ud800"')
    assert "ud800" in text
    path = tmp_path / "s.json"
    path.write_text(text)
    loaded = load_session(path)
    assert loaded.runs[0].label == "run \ufffd"
    save_session(tmp_path / "again.json", loaded)  # a later save does not fail


def test_a_fifo_is_refused_before_it_is_opened(tmp_path):
    fifo = tmp_path / "s.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe") as info:
        load_session(fifo)
    assert "s.json" in str(info.value)


def test_parse_session_names_where_for_a_document_in_memory(saved):
    saved["settings"]["degree"] = 99
    with pytest.raises(
        InputError,
        match=r"^memory: settings: 'degree' must be between 1 and "
        r"20, got 99$",
    ):
        parse_session(saved, "memory")


# -- what a session keeps ------------------------------------------------------------------


def _long_run(points: int, n_params: int = 2, label: str = "long") -> RunRecord:
    names = (*tuple(f"w{j}" for j in range(n_params - 1)), "b")
    return RunRecord(
        label,
        "gd",
        0.1,
        "max_iterations",
        "",
        names,
        tuple(range(points)),
        tuple(float(k) for k in range(points)),
        tuple(tuple(float(k + j) for j in range(n_params)) for k in range(points)),
    )


def test_long_histories_are_thinned_evenly_keeping_first_and_last(tmp_path):
    points = 3 * MAX_POINTS_PER_RUN + 7
    path = tmp_path / "s.json"
    save_session(path, Session(settings.defaults(), (_long_run(points),)))
    run = load_session(path).runs[0]
    expected = np.rint(np.linspace(0, points - 1, MAX_POINTS_PER_RUN)).astype(int).tolist()
    assert list(run.iterations) == expected
    assert run.iterations[0] == 0 and run.iterations[-1] == points - 1
    assert run.costs == tuple(float(i) for i in expected)
    assert run.params[-1] == (float(points - 1), float(points))


def test_wide_runs_keep_fewer_points(tmp_path):
    width = 1000
    path = tmp_path / "s.json"
    save_session(path, Session(settings.defaults(), (_long_run(MAX_POINTS_PER_RUN, width),)))
    run = load_session(path).runs[0]
    assert 2 <= len(run.iterations) and len(run.iterations) * (width + 2) <= MAX_VALUES_PER_RUN
    assert run.iterations[-1] == MAX_POINTS_PER_RUN - 1


def test_the_whole_session_keeps_within_its_number_budget(tmp_path, monkeypatch):
    width, points = 10, 3  # each run holds points * (width + 2) = 36 numbers
    monkeypatch.setattr(session_mod, "MAX_SESSION_VALUES", 5 * 36 + 10)
    runs = tuple(_long_run(points, width, label=f"run {k}") for k in range(MAX_SESSION_RUNS))
    path = tmp_path / "s.json"
    save_session(path, Session(settings.defaults(), runs))
    assert [r.label for r in load_session(path).runs] == [r.label for r in runs[-5:]]


def test_only_the_newest_runs_are_kept(tmp_path, record):
    runs = tuple(
        RunRecord(f"run {k}", "gd", 0.1, "converged", "", ("w", "b"), (0,), (1.0,), ((0.0, 0.0),))
        for k in range(MAX_SESSION_RUNS + 15)
    )
    path = tmp_path / "s.json"
    save_session(path, Session(settings.defaults(), runs))
    assert [r.label for r in load_session(path).runs] == [r.label for r in runs[-MAX_SESSION_RUNS:]]


def test_a_foreign_oversized_session_is_capped_on_load(tmp_path, saved):
    big = session_mod._run_to_json(_long_run(2 * MAX_POINTS_PER_RUN + 1))
    saved["runs"] = [big] * (MAX_SESSION_RUNS + 3)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(saved))
    loaded = load_session(path)
    assert len(loaded.runs) == MAX_SESSION_RUNS
    assert all(len(r.iterations) == MAX_POINTS_PER_RUN for r in loaded.runs)


def test_long_texts_are_cut_on_save_so_the_file_reopens(tmp_path):
    run = RunRecord(
        "L" * 5000,
        "gd",
        0.1,
        "converged",
        "m" * 10_000,
        ("w", "b"),
        (0,),
        (1.0,),
        ((0.0, 0.0),),
        ("w" * 9000,) * 80,
    )
    path = tmp_path / "s.json"
    save_session(path, Session(settings.defaults(), (run,)))
    again = load_session(path).runs[0]
    assert again.label.startswith("LLL") and len(again.label) == session_mod.MAX_LABEL
    assert len(again.warnings) == session_mod.MAX_WARNINGS


def test_saving_removes_temporaries_of_an_interrupted_save(tmp_path):
    stale = tmp_path / ".gdx-tmp-s.json.x1y2"
    stale.write_text("half a session")
    save_session(tmp_path / "s.json", Session(settings.defaults()))
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_settings_the_model_refuses_are_not_saved(tmp_path):
    with pytest.raises(InputError, match="'seed' must be between 0 and 2147483647"):
        save_session(tmp_path / "s.json", Session({**settings.defaults(), "seed": 2**31}))
    assert list(tmp_path.iterdir()) == []


# -- quarantine ----------------------------------------------------------------------------


def test_quarantine_moves_the_file_aside(tmp_path):
    path = tmp_path / "session.json"
    path.write_text("{broken")
    moved = quarantine(path)
    assert re.fullmatch(r"session\.json\.unreadable-\d{8}-\d{6}", moved.name)
    assert moved.parent == tmp_path and moved.read_text() == "{broken"
    assert not path.exists()


def test_quarantine_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.setattr(session_mod, "_stamp", lambda: "20261130-013000")
    path = tmp_path / "session.json"
    taken = tmp_path / "session.json.unreadable-20261130-013000"
    taken.write_text("first")
    path.write_text("second")
    assert quarantine(path).name == "session.json.unreadable-20261130-013000-2"
    path.write_text("third")
    assert quarantine(path).name == "session.json.unreadable-20261130-013000-3"
    assert taken.read_text() == "first"
    assert (tmp_path / "session.json.unreadable-20261130-013000-2").read_text() == "second"


def test_quarantine_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(InputError, match="does not exist") as info:
        quarantine(tmp_path / "gone.json")
    assert "gone.json" in str(info.value)
