"""The optimizer lessons (7–10) played in the window (pytest-qt, offscreen): every claim holds
there, each run is labelled on the learning curve, and the window runs what the headless
lesson runs (the theory's α and μ for "optimal" runs)."""

from __future__ import annotations

import pytest

from core.lessons import builtin_lessons, run_lesson
from tests.gui.test_classroom import _legend_labels

LESSONS = {lesson.id: lesson for lesson in builtin_lessons()}
NEW = ("7-batch-size", "8-momentum", "9-adam", "10-schedule")
TIMEOUT = 180_000  # lesson 8's gradient descent takes ~27,000 iterations


def play(window, qtbot, lesson_id):
    """Play the lesson from the Lessons menu; wait for its last run; return the outcome."""
    classroom = window.classroom
    classroom.player.hold_ms = 0
    index = [lesson.id for lesson in builtin_lessons()].index(lesson_id)
    action = classroom.lesson_actions[index]
    assert action in classroom.lessons_menu.actions()
    with qtbot.waitSignal(classroom.player.finished, timeout=TIMEOUT) as blocker:
        action.trigger()
    assert not classroom.player.playing
    return blocker.args[0]


@pytest.mark.parametrize("lesson_id", NEW)
def test_each_optimizer_lesson_makes_its_point_in_the_window(window, qtbot, lesson_id):
    lesson = LESSONS[lesson_id]
    outcome = play(window, qtbot, lesson_id)
    assert len(outcome.claims) == len(lesson.claims)
    for c, ok, detail in outcome.claims:
        assert ok, f"{lesson.title} in the window: {c} does not hold ({detail})"
    labels = [label for label, _ in lesson.runs]
    assert _legend_labels(window.learning) == labels  # each run labelled on the curve
    assert [r.label for r in window.classroom.runs[-len(labels) :]] == labels
    text = window.classroom.panel_text.toPlainText()
    assert lesson.title in text and "✓" in text and "✗" not in text
    # the window ran what the headless lesson runs: same solver, α, μ, batch and schedule
    headless = run_lesson(lesson)
    for label in labels:
        ran, expected = outcome.results[label].run, headless[label].run
        assert (ran.solver, ran.batch_size, ran.schedule, ran.iterations) == (
            expected.solver,
            expected.batch_size,
            expected.schedule,
            expected.iterations,
        ), label
        assert ran.alpha == pytest.approx(expected.alpha, rel=1e-12), label
        assert ran.momentum == pytest.approx(expected.momentum, rel=1e-12), label
        # deterministic runs (and SGD with its seed) stop where they stop headless
        assert outcome.results[label].final.iteration == headless[label].final.iteration


def test_momentum_lesson_window_uses_polyaks_mu_not_the_default(window, qtbot):
    outcome = play(window, qtbot, "8-momentum")
    heavy = outcome.results["momentum at Polyak's α, μ"]
    assert heavy.run.momentum != pytest.approx(0.9)  # the lesson's base μ was replaced
    assert window.state.settings.run.momentum == pytest.approx(heavy.run.momentum)
    assert heavy.final.status == "converged"
    text = window.classroom.panel_text.toPlainText()
    assert f"μ = {heavy.run.momentum:.4g}" in text  # the panel names the μ that ran


def test_batch_lesson_in_the_window_records_j_after_every_update(window, qtbot):
    outcome = play(window, qtbot, "7-batch-size")
    lesson = LESSONS["7-batch-size"]
    for label, _ in lesson.runs:
        record = outcome.records[label]
        assert len(record.costs) == lesson.run_settings(label)["iterations"] + 1, label
    text = window.classroom.panel_text.toPlainText()
    assert "B = 32: max_iterations after 200 iterations" in text and ", B = 32," in text
