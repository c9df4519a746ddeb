"""Lessons: every built-in lesson makes its point; broken lesson files get clear messages."""

from __future__ import annotations

import json
import math
import os
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import claims as claims_mod
from core import settings as settings_mod
from core.builder import build_dataset, build_problem
from core.claims import CLAIM_FIELDS, NUMBER, RUN, RUN_PAIR, TEXT, check_claim, digits_agree
from core.cli import main
from core.data.datasets import make_curve, make_synthetic
from core.errors import InputError
from core.lessons import (
    Lesson,
    LessonRun,
    builtin_lessons,
    check_claims,
    load_lesson,
    parse_lesson,
    problem_for,
    run_lesson,
    save_lesson,
)
from core.settings import ModelSettings
from core.solvers import run_solver

LESSONS = builtin_lessons()
RESULTS: dict[str, dict[str, LessonRun]] = {}


def results_of(lesson: Lesson) -> dict[str, LessonRun]:
    """Each lesson is run once per test session (lesson 1's unscaled run takes ~27k steps)."""
    if lesson.id not in RESULTS:
        RESULTS[lesson.id] = run_lesson(lesson)
    return RESULTS[lesson.id]


def test_the_ten_lessons_ship():
    titles = [lesson.title for lesson in LESSONS]
    assert titles == [
        "Feature scaling turns ellipses into circles",
        "Choosing the learning rate",
        "Normal equation vs gradient descent",
        "Loop vs BLAS vs GPU",
        "Polynomial features need scaling",
        "Why not invert XᵀX",
        "Batch size and the noise of SGD",
        "Momentum in a narrow valley",
        "Adam rescales each coordinate",
        "A schedule rescues an SGD run that stalls",
        # issue 12's three evaluation lessons
        "Overfitting: polynomial degree and a test set",
        "Ridge shrinks the coefficients and can lower the test error",
        "Predicting a house price as the course does",
    ]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_each_lesson_makes_its_point(lesson):
    results = results_of(lesson)
    assert lesson.claims, "a lesson must state what it shows"
    checked = check_claims(lesson, results)
    assert len(checked) == len(lesson.claims)
    for claim, ok, detail in checked:
        assert ok, f"{lesson.title}: {claim} does not hold ({detail})"


@pytest.mark.parametrize("number", range(1, 14))
def test_gd_explorer_lesson_passes_headless(number, capsys):
    assert main(["lesson", str(number)]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out and out.count("✓") == len(LESSONS[number - 1].claims)


def claim_kinds(lesson: Lesson) -> list[str]:
    return [c["kind"] for c in lesson.claims]


def test_lesson_1_checks_both_runs_end_at_the_optimum_and_shows_the_contours():
    lesson = LESSONS[0]
    near = {c["run"] for c in lesson.claims if c["kind"] == "near_optimum"}
    assert near == {"unscaled", "z-score"}  # "both end at the same model"
    assert {"tall_contours", "round_contours", "iterations_ratio"} <= set(claim_kinds(lesson))
    assert lesson.view == ("compare-contours", ("unscaled", "z-score"))
    factors = {lesson.run_settings(label)["alpha_factor"] for label, _ in lesson.runs}
    assert factors == {0.9}  # the same α as a fraction of α_max


def test_lesson_5_uses_curved_data_a_line_underfits():
    lesson = LESSONS[4]
    assert lesson.settings["source"] == "curve"
    results = results_of(lesson)
    degrees = {label: results[label].problem.n for label, _ in lesson.runs}
    assert degrees["straight line"] == 1 and degrees["parabola"] == 2
    assert {"cost_ratio", "far_from_optimum", "near_optimum", "condition_ratio"} <= set(
        claim_kinds(lesson)
    )


def test_lesson_6_relates_lost_digits_to_the_condition_number():
    assert "digits_match_condition" in claim_kinds(LESSONS[5])
    assert "different_answer" in claim_kinds(LESSONS[5])


def test_the_data_the_lesson_texts_describe():
    from core.lessons import dataset_for

    lesson1 = LESSONS[0]
    X = dataset_for(lesson1.settings).X  # "x1 ≈ 2 ± 1 and x2 ≈ 20 ± 10"
    assert "x1 ≈ 2 ± 1 and x2 ≈ 20 ± 10" in lesson1.explanation
    np.testing.assert_allclose(X.mean(axis=0), [2, 20], rtol=0.05)
    np.testing.assert_allclose(X.std(axis=0), [1, 10], rtol=0.05)
    lesson5 = LESSONS[4]
    speed = dataset_for(lesson5.settings).X[:, 0]  # "80 cars: speed (20–130 km/h)"
    assert "80 cars: speed (20–130 km/h)" in lesson5.explanation
    assert len(speed) == 80 and speed.min() >= 20 and speed.max() <= 130


def test_lesson_parameters_name_real_contour_axes():
    for lesson in LESSONS:
        for label, _ in lesson.runs:
            s = lesson.run_settings(label)
            names = problem_for(s).parameter_names
            for axis in ("contour_x", "contour_y"):
                assert s[axis] is None or s[axis] in names, (lesson.id, axis, s[axis])


# -- the stopping-distance demo -----------------------------------------------------------------


def test_curve_demo_is_fixed_and_a_straight_line_cannot_fit_it():
    a, b = make_curve(), make_curve()
    assert a.X.shape == (80, 1) and np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert a.feature_names == ("speed (km/h)",) and a.target_name == "stopping distance (m)"
    x, y = a.X[:, 0], a.y
    line = np.polynomial.Polynomial.fit(x, y, 1)
    parabola = np.polynomial.Polynomial.fit(x, y, 2)
    sse1 = float(np.sum((line(x) - y) ** 2))
    sse2 = float(np.sum((parabola(x) - y) ** 2))
    assert sse1 > 3 * sse2
    # the line's residuals are curved: positive at both ends, negative in the middle
    order = np.argsort(x)
    thirds = np.array_split((y - line(x))[order], 3)
    assert thirds[0].mean() > 0 > thirds[1].mean() and thirds[2].mean() > 0


def test_curve_is_a_source_of_the_one_builder():
    settings = settings_mod.Settings.from_flat({"source": "curve"})
    assert "curve" in settings_mod.CHOICE_LABELS["source"]

    assert np.array_equal(build_dataset(settings.data).y, make_curve().y)


# -- claim kinds on small problems -------------------------------------------------------------


def solved(problem, solver="normal", label="run", **options) -> LessonRun:
    snaps = list(run_solver(problem, solver, **options))
    rows = np.array([np.append(s.w, s.b) for s in snaps])
    return LessonRun(
        label,
        problem,
        snaps[-1],
        tuple(s.cost for s in snaps),
        options.get("alpha"),
        rows,
        (None, None),
    )


def test_digits_agree_counts_the_worst_parameter():
    assert digits_agree(np.array([1.0, 2.0]), np.array([1.0, 2.0]))[0] == 16
    digits, k = digits_agree(np.array([1.0, 2.002]), np.array([1.0, 2.0]))
    assert k == 1 and digits == pytest.approx(3.0)


def test_near_and_far_from_optimum():
    problem = build_problem(make_synthetic(50, 2, seed=1), ModelSettings(scaling="zscore"))
    exact = {
        "normal": solved(problem, label="normal"),
        "start": solved(problem, "gd", label="start", alpha=0.1, iterations=0),
    }
    near = {"kind": "near_optimum", "run": "normal", "within": 1e-12}
    far = {"kind": "far_from_optimum", "run": "start", "at_least": 0.99}
    assert check_claim(near, exact)[0]
    assert check_claim(far, exact)[0]  # w = 0, b = 0 is a whole optimum away
    assert not check_claim({**near, "run": "start"}, exact)[0]
    assert not check_claim({**far, "run": "normal"}, exact)[0]


def test_contour_axis_ratio_is_sqrt_of_the_slice_condition():
    # no intercept and two parameters: the slice is all of AᵀA/m, so the ratio is cond(A)
    data = make_synthetic(80, 2, scale_spread=1.0, seed=4)
    problem = build_problem(data, ModelSettings(intercept=False, scaling="none"))
    run = solved(problem)
    assert claims_mod.contour_axis_ratio(run) == pytest.approx(np.linalg.cond(data.X))
    results = {"run": run}
    assert check_claim({"kind": "tall_contours", "run": "run", "at_least": 5}, results)[0]
    assert not check_claim({"kind": "round_contours", "run": "run", "at_most": 1.5}, results)[0]


def test_contour_claim_on_a_missing_parameter_fails_with_a_reason():
    problem = build_problem(make_synthetic(30, 2, seed=1), ModelSettings())
    run = LessonRun("run", problem, solved(problem).final, (1.0,), None, None, ("x9", None))
    ok, detail = check_claim({"kind": "tall_contours", "run": "run", "at_least": 2}, {"run": run})
    assert not ok and "'x9' is not one of" in detail


def test_cost_decreases_fails_for_a_diverging_run():
    problem = build_problem(make_synthetic(50, 2, seed=1), ModelSettings(scaling="zscore"))
    bad = solved(problem, "gd", label="bad", alpha=1.5 * problem.alpha_max, iterations=100)
    good = solved(problem, "gd", label="good", alpha=0.5 * problem.alpha_max, iterations=100)
    claim = {"kind": "cost_decreases", "run": "bad"}
    assert not check_claim(claim, {"bad": bad})[0]
    assert check_claim({**claim, "run": "good"}, {"good": good})[0]


def test_digits_match_condition_uses_sixteen_minus_twice_log_kappa():
    lesson = LESSONS[5]
    results = results_of(lesson)
    claim = next(c for c in lesson.claims if c["kind"] == "digits_match_condition")
    kappa = results[claim["condition_of"]].problem.condition_number
    ok, detail = check_claim(claim, results)
    assert ok and f"predicts {16 - 2 * math.log10(kappa):.1f}" in detail
    # a claim with no slack at all cannot hold to the tenth of a digit by chance
    assert not check_claim({**claim, "slack": 1e-6}, results)[0]


# -- broken lesson files -----------------------------------------------------------------------


def write(tmp_path, text: str):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    return path


def good() -> dict:
    return json.loads(Path(LESSONS[1].path).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("format"), "not a GD Explorer lesson"),
        (lambda d: d.update(version=99), "version 99 is not supported"),
        (lambda d: d.update(version=True), "version True is not supported"),
        (lambda d: d.update(title=""), "'title' must be non-empty"),
        (lambda d: d.update(title="x" * 300), "'title' is 300 characters"),
        (lambda d: d.update(tittle="x"), "unknown key 'tittle'"),
        (lambda d: d["settings"].update(alpah=0.1), "unknown setting 'alpah'"),
        (lambda d: d["settings"].update(iterations="many"), "'iterations' must be a whole number"),
        (lambda d: d["settings"].update(scaling="log"), "'scaling' must be one of"),
        (lambda d: d["settings"].update(degree=99), "'degree' must be between 1 and 20"),
        (lambda d: d.update(runs=[]), "'runs' must be a non-empty list"),
        (lambda d: d["runs"].append({"label": 3}), r"runs\[3\] needs a 'label'"),
        (lambda d: d["claims"].append({"kind": "diverges", "run": "nope"}), "names run 'nope'"),
        (lambda d: d["claims"].append({"kind": "magic"}), "needs a 'kind'"),
        (lambda d: d["claims"].append(7), "a claim must be an object"),
        (
            lambda d: d["claims"].append({"kind": "diverges", "run": "α = 1.1 α_max", "at": 2}),
            "unknown field 'at'",
        ),
        (
            lambda d: d.update(view={"kind": "compare-contours", "runs": ["α = 0.9 α_max"]}),
            "must list two different runs",
        ),
        (lambda d: d.update(view={"kind": "3d"}), "'view' must be an object"),
    ],
)
def test_broken_lessons_are_named_precisely(tmp_path, mutate, message):
    data = good()
    mutate(data)
    path = write(tmp_path, json.dumps(data))
    with pytest.raises(InputError, match=message) as info:
        load_lesson(path)
    assert "broken.json" in str(info.value)


def a_valid_value(ftype: str, labels: list[str], k: int):
    return {RUN: labels[k % len(labels)], RUN_PAIR: labels[:2], NUMBER: 2.0, TEXT: "untrustworthy"}[
        ftype
    ]


WRONG = {RUN: 5, RUN_PAIR: "a, b", NUMBER: "fast", TEXT: ["x"]}
FIELD_CASES = [
    (kind, name, ftype) for kind, fields in CLAIM_FIELDS.items() for name, ftype in fields.items()
]


def valid_claim(kind: str, labels: list[str]) -> dict:
    return {
        "kind": kind,
        **{
            name: a_valid_value(ftype, labels, k)
            for k, (name, ftype) in enumerate(CLAIM_FIELDS[kind].items())
        },
    }


@pytest.mark.parametrize(
    ("kind", "field", "ftype"), FIELD_CASES, ids=[f"{k}.{f}" for k, f, _ in FIELD_CASES]
)
def test_every_claim_field_missing_or_mistyped_is_named(tmp_path, kind, field, ftype):
    data = good()
    labels = [run["label"] for run in data["runs"]]
    claim = valid_claim(kind, labels)
    data["claims"] = [claim]
    assert load_lesson(write(tmp_path, json.dumps(data))).claims[0]["kind"] == kind
    missing = dict(claim)
    del missing[field]
    data["claims"] = [missing]
    with pytest.raises(
        InputError,
        match=rf"broken\.json: claims\[0\] \({kind}\): missing "
        rf"field '{field}'",
    ):
        load_lesson(write(tmp_path, json.dumps(data)))
    data["claims"] = [{**claim, field: WRONG[ftype]}]
    with pytest.raises(
        InputError,
        match=rf"broken\.json: claims\[0\] \({kind}\): field "
        rf"'{field}' must be",
    ):
        load_lesson(write(tmp_path, json.dumps(data)))


@pytest.mark.parametrize("value", [True, 0, -1, 10**400, "1"])
def test_claim_numbers_must_be_finite_and_positive(tmp_path, value):
    data = good()
    data["claims"] = [
        {
            "kind": "iterations_ratio",
            "slow": "α = 0.05 α_max",
            "fast": "α = 0.9 α_max",
            "at_least": value,
        }
    ]
    with pytest.raises(InputError, match="'at_least' must be a finite number greater than 0"):
        load_lesson(write(tmp_path, json.dumps(data)))


def test_a_missing_field_is_exit_2_in_the_cli_never_an_internal_error(tmp_path, capsys):
    data = good()
    data["claims"] = [
        {"kind": "iterations_ratio", "slow": "α = 0.05 α_max", "fast": "α = 0.9 α_max"}
    ]
    path = write(tmp_path, json.dumps(data))
    assert main(["lesson", str(path)]) == 2
    err = capsys.readouterr().err
    assert "missing field 'at_least'" in err and "broken.json" in err
    assert "internal error" not in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{\n  "format": "gd-explorer-lesson",\n  "title": oops\n}',
            r"broken\.json: broken JSON .* line 3, column 12",
        ),
        ('{"format": "gd-explorer-lesson", "version": NaN}', "NaN is not a number JSON allows"),
        ('{"version": ' + "9" * 5000 + "}", "a number is too long"),
        ("[" * 5000 + "]" * 5000, "nested deeper than"),
    ],
)
def test_hostile_json_is_refused_with_the_file_named(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_lesson(write(tmp_path, text))


def test_a_lesson_larger_than_a_megabyte_is_refused(tmp_path):
    data = good()
    data["explanation"] = "x" * (1024**2 + 10)
    with pytest.raises(InputError, match=r"broken\.json: is 1 MB; a lesson file may be at most"):
        load_lesson(write(tmp_path, json.dumps(data)))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_before_it_is_opened(tmp_path):
    fifo = tmp_path / "lesson.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        load_lesson(fifo)  # would block forever if it were opened


def test_a_lone_surrogate_in_a_label_is_replaced(tmp_path):
    text = json.dumps(good(), ensure_ascii=False).replace("α = 0.05 α_max", "slow \\ud800")
    lesson = load_lesson(write(tmp_path, text))
    assert lesson.runs[0][0] == "slow \ufffd"


def test_saved_lesson_reopens_with_the_same_settings(tmp_path):
    current = {**settings_mod.defaults(), "scaling": "minmax", "alpha": 0.25, "degree": 2}
    path = tmp_path / "mine.json"
    save_lesson(path, "My lesson", "What it shows", current)
    again = load_lesson(path)
    assert again.title == "My lesson"
    assert again.run_settings("my run") == current
    assert not [p for p in tmp_path.iterdir() if p.name != "mine.json"]  # no temporary left


def test_saving_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(InputError, match="could not write the lesson file"):
        save_lesson(tmp_path / "nope" / "mine.json", "My lesson", "", settings_mod.defaults())


def test_lesson_round_trips_through_to_json():
    for lesson in LESSONS:
        again = parse_lesson(json.loads(json.dumps(lesson.to_json())), lesson.path, lesson.id)
        assert again == lesson


def test_settings_defaults_pass_their_own_validation():
    assert settings_mod.validate(settings_mod.defaults(), "defaults") == settings_mod.defaults()


# -- fuzzing lesson files ------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("GDX_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("GDX_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ODD_VALUES = [
    None,
    True,
    0,
    -1,
    2**31,
    2**32 - 1,
    10**30,
    1e308,
    -0.0,
    "",
    "x" * 5000,
    [],
    {},
    [[[[]]]],
    {"kind": "diverges"},
    "\ud800",
]


def paths_of(value, depth=0):
    """Every (container, key) pair inside a JSON value (down to 10 levels), for mutation."""
    out = []
    if depth > 10:
        return out
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((value, key))
            out += paths_of(item, depth + 1)
    elif isinstance(value, list):
        for k, item in enumerate(value):
            out.append((value, k))
            out += paths_of(item, depth + 1)
    return out


def mutate(data, rng: random.Random, steps: int) -> str:
    for _ in range(steps):
        spots = paths_of(data)
        if not spots:
            break
        container, key = rng.choice(spots)
        action = rng.randrange(4)
        if action == 0 and isinstance(container, dict):
            del container[key]
        elif action == 1:
            container[key] = rng.choice(ODD_VALUES)
        elif action == 2:
            container[key] = [container[key]] if rng.random() < 0.5 else {"x": container[key]}
        else:
            nested = container[key]
            for _ in range(rng.choice([3, 70])):
                nested = [nested]
            container[key] = nested
    text = json.dumps(data, ensure_ascii=False)
    if rng.random() < 0.25:  # raw-text damage: a huge integer, NaN, 3,000-deep, a cut file
        choice = rng.randrange(4)
        text = (
            text.replace("300", "9" * 5000, 1)
            if choice == 0
            else text.replace("0.9", "NaN", 1)
            if choice == 1
            else text.replace('"runs": ', '"runs": ' + "[" * 3000, 1) + "]" * 3000
            if choice == 2
            else text[: len(text) // 2]
        )
    return text


@FUZZ
@given(
    which=st.integers(0, len(LESSONS) - 1), seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 4)
)
def test_fuzzed_lesson_files_give_a_lesson_or_a_named_error(tmp_path, which, seed, steps):
    data = json.loads(Path(LESSONS[which].path).read_text(encoding="utf-8"))
    text = mutate(data, random.Random(seed), steps)
    path = tmp_path / "fuzzed.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        lesson = load_lesson(path)
    except InputError as exc:
        assert "fuzzed.json" in str(exc)
        assert len(str(exc)) < 2000  # one readable message, not a dump of the file
        return
    assert isinstance(lesson, Lesson)
    # what was loaded can be written again and reads back the same
    again = parse_lesson(json.loads(json.dumps(lesson.to_json())), str(path), lesson.id)
    assert again == lesson
