"""Issue 12 in the classroom (pytest-qt, offscreen): lessons 11-13 play in the window and their
claims hold there; a session saved after a run with a test set and λ holds the split, the
metrics, the penalty and the model with the values computed here; the model summary and the
history export show them."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from core.data.datasets import make_curve
from core.evaluation.predictor import Predictor
from core.lessons import builtin_lessons, run_lesson
from gui_app.classroom.settings_bridge import apply_settings, read_settings

LESSONS = {lesson.id: lesson for lesson in builtin_lessons()}
NEW = ("11-overfitting", "12-ridge", "13-predict-a-house")
TIMEOUT = 120_000
FRACTION, SEED, L2, DEGREE = 0.25, 3, 0.5, 3


def play(window, qtbot, lesson_id):
    """Play the lesson from the Lessons menu; wait for its last run; return the outcome."""
    classroom = window.classroom
    classroom.player.hold_ms = 0
    index = [lesson.id for lesson in builtin_lessons()].index(lesson_id)
    with qtbot.waitSignal(classroom.player.finished, timeout=TIMEOUT) as blocker:
        classroom.lesson_actions[index].trigger()
    return blocker.args[0]


@pytest.mark.parametrize("lesson_id", NEW)
def test_each_evaluation_lesson_makes_its_point_in_the_window(window, qtbot, lesson_id):
    lesson = LESSONS[lesson_id]
    outcome = play(window, qtbot, lesson_id)
    assert len(outcome.claims) == len(lesson.claims)
    for claim, ok, detail in outcome.claims:
        assert ok, f"{lesson.title} in the window: {claim} does not hold ({detail})"
    labels = [label for label, _ in lesson.runs]
    assert [r.label for r in window.classroom.runs[-len(labels) :]] == labels
    text = window.classroom.panel_text.toPlainText()
    assert lesson.title in text and "✗" not in text and text.count("✓") == len(lesson.claims)
    # the window ran the headless lesson's problems: same rows held out, same final cost
    headless = run_lesson(lesson)
    for label in labels:
        ran, expected = outcome.results[label], headless[label]
        split, expected_split = ran.problem.split, expected.problem.split
        assert (split is None) == (expected_split is None), label
        if split is not None:
            assert np.array_equal(split.test_rows, expected_split.test_rows), label
        assert ran.problem.penalty.l2 == expected.problem.penalty.l2, label
        assert ran.final.cost == pytest.approx(expected.final.cost, rel=1e-9), label
    if lesson.id != "13-predict-a-house":  # runs with a test set name both errors
        assert "test RMSE" in text and "training RMSE" in text


def run_with_split_and_ridge(window, qtbot):
    """The curve demo, degree 3, a quarter held out (seed 3), ridge λ = 0.5, the normal
    equation: one run in the window; returns its final snapshot."""
    values = {
        **read_settings(window),
        "source": "curve",
        "degree": DEGREE,
        "scaling": "zscore",
        "test_fraction": FRACTION,
        "seed": SEED,
        "l2": L2,
        "solver": "normal",
    }
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        apply_settings(window, values)
    qtbot.waitUntil(lambda: window.state.prepared_matches(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        window.controls.run_button.click()
    return blocker.args[0]


def by_hand():
    """The same split, scaling and ridge fit, from the documentation's definitions: rows
    held out = the first round(f·m) of default_rng(seed).permutation(m); features z-scored by
    the training rows; scikit-learn's Ridge(alpha=λ) on them."""
    ds = make_curve()
    m = ds.y.size
    held = np.sort(np.random.default_rng(SEED).permutation(m)[: round(FRACTION * m)])
    train = np.setdiff1d(np.arange(m), held)
    A = np.column_stack([ds.X[:, 0] ** k for k in range(1, DEGREE + 1)])
    mu, sd = A[train].mean(axis=0), A[train].std(axis=0)
    Z = (A - mu) / sd
    return ds, train, held, A, Z, Ridge(alpha=L2).fit(Z[train], ds.y[train])


def test_a_session_saved_after_a_run_with_a_split_and_lambda_holds_them(window, qtbot, tmp_path):
    run_with_split_and_ridge(window, qtbot)
    path = tmp_path / "session.json"
    with qtbot.waitSignal(window.classroom.sessions.writer.saved, timeout=TIMEOUT):
        assert window.classroom.save_session(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {k: data["settings"][k] for k in ("test_fraction", "seed", "l2")} == {
        "test_fraction": FRACTION,
        "seed": SEED,
        "l2": L2,
    }
    run = data["runs"][-1]
    ds, train, held, A, Z, ridge = by_hand()
    assert run["split"] == {"fraction": FRACTION, "seed": SEED, "test_rows": held.tolist()}
    assert run["penalty"] == {"l2": L2, "l1": 0.0, "zeroed": []}
    for part, rows in (("train", train), ("test", held)):
        got, y_hat = run["metrics"][part], ridge.predict(Z[rows])
        assert got["rows"] == rows.size
        assert got["rmse"] == pytest.approx(
            np.sqrt(mean_squared_error(ds.y[rows], y_hat)), rel=1e-9
        )
        assert got["mae"] == pytest.approx(mean_absolute_error(ds.y[rows], y_hat), rel=1e-9)
        assert got["r2"] == pytest.approx(r2_score(ds.y[rows], y_hat), rel=1e-9)
    # the saved model predicts a new car (100 km/h, typed in km/h) as the Ridge does
    x = np.array([100.0, 100.0**2, 100.0**3])
    expected = ridge.predict(((x - A[train].mean(axis=0)) / A[train].std(axis=0))[None])[0]
    assert Predictor.from_dict(run["model"]).predict(np.array([[100.0]]))[0] == pytest.approx(
        expected, rel=1e-9
    )
    # the session opens again with the same run
    assert window.classroom.open_session(path)
    assert window.classroom.runs[-1].split == run["split"]


def test_model_summary_and_history_export_show_the_test_error(window, qtbot, tmp_path):
    run_with_split_and_ridge(window, qtbot)
    ds, _, held, _, Z, ridge = by_hand()
    test_rmse = np.sqrt(mean_squared_error(ds.y[held], ridge.predict(Z[held])))
    text = window.classroom.copy_model_summary()
    assert QGuiApplication.clipboard().text() == text
    assert f"{test_rmse:.6g}" in text and "RMSE (m)" in text
    assert "reading: typical error about" in text and "unseen rows" in text
    assert "L2 λ = 0.5" in text and f"{held.size} rows held out" in text
    path = tmp_path / "last.csv"
    assert window.classroom.export_runs(path, last=True)
    lines = path.read_text(encoding="utf-8").splitlines()
    table = list(csv.reader([line for line in lines if not line.startswith("#")]))
    assert table[0][:3] == ["iteration", "cost", "test cost"]
    # the normal equation's one point: its test cost is 1/(2·m_test)·Σe² = RMSE²/2
    assert float(table[-1][2]) == pytest.approx(test_rmse**2 / 2, rel=1e-9)
    assert any("L2 λ = 0.5" in line for line in lines if line.startswith("#"))
