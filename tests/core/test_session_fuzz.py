"""Fuzzing session files (hypothesis): mutations of a valid saved session.

Every mutated file must load as a :class:`Session` or be refused with one InputError whose
message names the file: never another exception (a traceback in the CLI, a crash in the
window). CI runs a bounded number of examples; a longer run is one command:

    GDX_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/core/test_session_fuzz.py
"""

from __future__ import annotations

import copy
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import settings as settings_mod
from core.errors import InputError
from core.session import RunRecord, Session, load_session, save_session

EXAMPLES = int(os.environ.get("GDX_FUZZ_EXAMPLES", "60"))
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


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> dict:
    """A valid saved session (settings, two runs, a layout) as its JSON object."""
    run = RunRecord(
        "α = 0.1",
        "gd",
        0.1,
        "converged",
        "Converged.",
        ("w1", "w2", "b"),
        (0, 10, 20),
        (5.0, 1.0, float("inf")),
        ((0.0, 0.0, 0.0), (1.0, 2.0, 3.0), (float("nan"), 2.5, 3.5)),
        ("careful",),
    )
    exact = RunRecord(
        "normal", "normal", None, "solved", "", ("w1", "b"), (0,), (0.5,), ((1.0, 2.0),)
    )
    path = tmp_path_factory.mktemp("valid") / "session.json"
    save_session(
        path,
        Session(
            {**settings_mod.defaults(), "seed": 7},
            (run, exact),
            {"state": "AAAB", "geometry": "xyz"},
        ),
    )
    return json.loads(path.read_text(encoding="utf-8"))


hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64),
    st.sampled_from([2**31, 2**32 - 1, -1, 10**400, 0, 1e308, -0.0, 1e-320]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["inf", "nan", "-inf", "Infinity", "", "\ud800", "gd", "zscore"]),
    st.lists(st.integers(), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
# Raw JSON tokens that json.dumps cannot write, spliced into the text.
raw_tokens = st.sampled_from(
    [
        "Infinity",
        "-Infinity",
        "NaN",
        "9" * 5000,
        "9" * 4000,
        "[" * 3000 + "]" * 3000,
        '"\\ud800"',
        "1e999",
        '{"a": ' * 100 + "1" + "}" * 100,
        '"' + "x" * 200_000 + '"',
    ]
)


def _paths(node, prefix=()):
    """Every (path, value) in a JSON document, containers included."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _paths(value, (*prefix, k))


@st.composite
def mutated_sessions(draw, valid: dict) -> str:
    doc = copy.deepcopy(valid)
    placeholder = "@@RAW@@"
    raw = None
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p, _ in _paths(doc)]
        where = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["drop", "set", "raw", "wrap", "grow"]))
        if not where:
            doc = draw(hostile_values) if action == "set" else doc
            continue
        *parent_path, last = where
        parent = doc
        for key in parent_path:
            parent = parent[key]
        if action == "drop":
            if isinstance(parent, dict):
                del parent[last]
            else:
                parent.pop(last)
        elif action == "set":
            parent[last] = draw(hostile_values)
        elif action == "raw" and raw is None:
            raw = draw(raw_tokens)
            parent[last] = placeholder
        elif action == "wrap":
            parent[last] = [parent[last]] * draw(st.integers(0, 2))
        elif action == "grow" and isinstance(parent[last], list):
            parent[last] = parent[last] * draw(st.integers(2, 50))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    if raw is not None:
        text = text.replace(json.dumps(placeholder), raw, 1)
    if draw(st.integers(0, 9)) == 0:  # a truncated or spliced file
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=10))
    return text


@FUZZ
@given(data=st.data())
def test_mutated_sessions_load_or_are_refused_naming_the_file(tmp_path, valid, data):
    text = data.draw(mutated_sessions(valid))
    path = tmp_path / "fuzzed.json"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        session = load_session(path)
    except InputError as exc:
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message, message
        assert len(message) < 1000, message[:200]  # huge values are never echoed whole
        return
    assert isinstance(session, Session)
    settings_mod.Settings.from_flat(session.settings)  # what was loaded is valid settings
    save_session(tmp_path / "again.json", session)  # and can be written again
    assert load_session(tmp_path / "again.json") == session or _has_nan(session)


def _has_nan(session: Session) -> bool:
    """NaN != NaN: a session holding a NaN never compares equal to itself."""
    return any(v != v for r in session.runs for row in (r.costs, *r.params) for v in row)


@FUZZ
@given(raw=st.binary(max_size=500))
def test_random_bytes_are_refused_naming_the_file(tmp_path, raw):
    path = tmp_path / "random.json"
    path.write_bytes(raw)
    with pytest.raises(InputError) as info:
        load_session(path)
    assert str(info.value).startswith(str(path))
