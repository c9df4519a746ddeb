"""Lessons: every built-in lesson makes its point; broken lesson files get clear messages."""

from __future__ import annotations

import json

import pytest

from core import settings
from core.errors import InputError
from core.lessons import builtin_lessons, check_claims, load_lesson, run_lesson, save_lesson

LESSONS = builtin_lessons()


def test_the_six_lessons_ship():
    titles = [lesson.title for lesson in LESSONS]
    assert titles == [
        "Feature scaling turns ellipses into circles",
        "Choosing the learning rate",
        "Normal equation vs gradient descent",
        "Loop vs BLAS vs GPU",
        "Polynomial features need scaling",
        "Why not invert XᵀX",
    ]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_each_lesson_makes_its_point(lesson):
    results = run_lesson(lesson)
    assert lesson.claims, "a lesson must state what it shows"
    for claim, ok, detail in check_claims(lesson, results):
        assert ok, f"{lesson.title}: {claim} does not hold ({detail})"


def test_lesson_parameters_name_real_contour_axes():
    from core.lessons import problem_for

    for lesson in LESSONS:
        for label, _ in lesson.runs:
            s = lesson.run_settings(label)
            names = problem_for(s).parameter_names
            for axis in ("contour_x", "contour_y"):
                assert s[axis] is None or s[axis] in names, (lesson.id, axis, s[axis])


def write(tmp_path, text: str):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    return path


def good() -> dict:
    return json.loads(LESSONS[1].path and open(LESSONS[1].path, encoding="utf-8").read())


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.pop("format"), "not a GD Explorer lesson"),
    (lambda d: d.update(version=99), "version 99 is not supported"),
    (lambda d: d.update(title=""), "'title' must be non-empty"),
    (lambda d: d["settings"].update(alpah=0.1), "unknown setting 'alpah'"),
    (lambda d: d["settings"].update(iterations="many"), "'iterations' must be a whole number"),
    (lambda d: d["settings"].update(scaling="log"), "'scaling' must be one of"),
    (lambda d: d["settings"].update(degree=99), "'degree' must be between 1 and 20"),
    (lambda d: d.update(runs=[]), "'runs' must be a non-empty list"),
    (lambda d: d["claims"].append({"kind": "diverges", "run": "nope"}), "names run 'nope'"),
    (lambda d: d["claims"].append({"kind": "magic"}), "needs a 'kind'"),
])
def test_broken_lessons_are_named_precisely(tmp_path, mutate, message):
    data = good()
    mutate(data)
    path = write(tmp_path, json.dumps(data))
    with pytest.raises(InputError, match=message) as info:
        load_lesson(path)
    assert "broken.json" in str(info.value)


def test_broken_json_names_line_and_column(tmp_path):
    path = write(tmp_path, '{\n  "format": "gd-explorer-lesson",\n  "title": oops\n}')
    with pytest.raises(InputError, match=r"broken\.json: row 3, column 12: broken JSON"):
        load_lesson(path)


def test_saved_lesson_reopens_with_the_same_settings(tmp_path):
    current = {**settings.defaults(), "scaling": "minmax", "alpha": 0.25, "degree": 2}
    path = tmp_path / "mine.json"
    save_lesson(path, "My lesson", "What it shows", current)
    again = load_lesson(path)
    assert again.title == "My lesson"
    assert again.run_settings("my run") == current


def test_settings_defaults_pass_their_own_validation():
    assert settings.validate(settings.defaults(), "defaults") == settings.defaults()
