"""Sessions and exports round-trip; corrupt or foreign files are refused with a message."""

from __future__ import annotations

import csv
import io
import json

import pytest

from core import settings
from core.data.datasets import make_housing
from core.errors import InputError
from core.model.problem import Problem
from core.session import (
    RunRecord,
    Session,
    export_history,
    load_session,
    model_summary,
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
    bad = RunRecord("x", "gd", 9.0, "diverged", "boom", ("w", "b"), (0, 1), (1.0, float("inf")),
                    ((0.0, 0.0), (float("nan"), 1.0)))
    path = tmp_path / "d.json"
    save_session(path, Session(settings.defaults(), (bad,)))
    json.loads(path.read_text())  # strict JSON: no bare Infinity/NaN tokens
    assert load_session(path).runs[0].costs[1] == float("inf")


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "corrupt or not a session file"),
    ('{"format": "something-else"}', "not a GD Explorer session"),
    ('{"format": "gd-explorer-session", "version": 7}', "version 7 is not supported"),
    ('{"format": "gd-explorer-session", "version": 1, "settings": {"alpha": "x"}}',
     "'alpha' must be a number"),
    ('{"format": "gd-explorer-session", "version": 1, "runs": [{"label": "a"}]}', "missing"),
    ('[1, 2, 3]', "not a GD Explorer session"),
])
def test_corrupt_or_foreign_sessions_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        load_session(path)
    assert "bad.json" in str(info.value)


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

    monkeypatch.setattr("core.session.os.replace", boom)
    with pytest.raises(InputError, match="No space left"):
        save_session(path, Session(settings.defaults()))
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.json"]  # no temporary left
