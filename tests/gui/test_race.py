"""The race in the window (issue 11, item 3): the line-up, one job for up to four racers,
each drawn in its colour with its legend entry and final numbers; Pause, Step and Stop act on
all of them; a new data or model clears it.

Controller tests use ``MagicMock(spec=ExploreView)`` and the real worker in its ``sync=True``
mode (no thread; a job runs at ``drain()``); window tests use the real window and its thread.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.settings import RunSettings
from core.solvers import run_solver
from core.solvers.theory import optimal_settings
from gui_app.explore import plots as style
from gui_app.explore.race_control import RACE_COLOR_NAMES
from gui_app.explore.state import MAX_RACERS, RunStatus
from gui_app.explore.worker import RaceResult, RaceSpec, RunWorker

TIMEOUT = 20_000
FOUR = (
    RunSettings(solver="gd", alpha=0.5, iterations=300, tolerance=0.0),
    RunSettings(solver="momentum", alpha=0.3, momentum=0.5, iterations=300, tolerance=0.0),
    RunSettings(solver="rmsprop", alpha=5.0, iterations=300, tolerance=0.0),
    RunSettings(solver="adam", alpha=10.0, iterations=300, tolerance=0.0),
)


@pytest.fixture
def runner():
    worker = RunWorker(sync=True)
    yield worker
    worker.shutdown()


def _line_up(ctl, runs=FOUR) -> None:
    for run in runs:
        assert ctl.race_add(run)


def _alone(ctl, run: RunSettings):
    """The racer's run alone, from core (independent of the race): every snapshot."""
    from gui_app.explore.worker import solver_options

    return list(run_solver(ctl.state.prepared.problem, run.solver, **solver_options(run)))


# -- the controller ---------------------------------------------------------------------------


def test_a_race_of_four_fills_each_racers_history_as_its_run_alone(ctl, runner, view):
    _line_up(ctl)
    job = ctl.race()
    assert job is not None
    state = ctl.state
    assert state.current is None and state.race.job_id == job
    assert [run.settings.run for run in state.race.runs] == list(FOUR)
    assert state.runs[-4:] == state.race.runs  # one learning-curve entry per racer
    runner.drain()
    assert state.status is RunStatus.IDLE and state.race.finished
    for run, settings in zip(state.race.runs, FOUR, strict=True):
        alone = _alone(ctl, settings)
        it, cost = run.history.arrays()
        np.testing.assert_array_equal(it, [s.iteration for s in alone])
        np.testing.assert_array_equal(cost, [s.cost for s in alone])
        assert run.final.status == "max_iterations" and run.final.iteration == 300
    text = state.message.text
    assert text.startswith("Race over.")
    parts = text.removeprefix("Race over. ").split(" · ")
    assert len(parts) == 4  # one result per racer, in racing order
    for part, run, colour in zip(parts, state.race.runs, RACE_COLOR_NAMES, strict=False):
        assert part.startswith(colour)
        assert f"J = {run.final.cost:.6g}, 300 it." in part


def test_stop_ends_every_racer_with_its_cancelled_snapshot(ctl, runner):
    _line_up(ctl)
    ctl.race(start_paused=True, step_budget=5)
    runner.drain()
    assert ctl.state.status is RunStatus.PAUSED
    ctl.stop()
    runner.drain()
    state = ctl.state
    assert state.status is RunStatus.IDLE
    for run in state.race.runs:
        assert run.final.status == "cancelled" and run.final.iteration == 5
    assert state.message.text.startswith("Race stopped.")


def test_step_one_while_paused_advances_each_racer_by_exactly_one(ctl, runner):
    _line_up(ctl)
    ctl.race(start_paused=True)
    runner.drain()
    racers = ctl.state.race.runs
    assert [run.last.iteration for run in racers] == [0, 0, 0, 0]
    ctl.step(1)
    runner.drain()
    assert [run.last.iteration for run in racers] == [1, 1, 1, 1]
    assert ctl.state.message.text.startswith("Paused at iteration 1:")
    ctl.step(10)
    runner.drain()
    assert [run.last.iteration for run in racers] == [11, 11, 11, 11]
    for run in racers:
        np.testing.assert_array_equal(run.history.arrays()[0], np.arange(12))
    ctl.stop()
    runner.drain()


def test_a_data_change_clears_the_race_and_keeps_the_line_up(ctl, runner):
    _line_up(ctl)
    ctl.race(start_paused=True)
    runner.drain()
    racers = ctl.state.race.runs
    ctl.settings_changed(ctl.state.settings.replace(scaling="minmax"))
    assert ctl.state.race is None and ctl.state.shown_runs() == []
    # each ended (stopped at once, or marked), and stays in the learning curve
    assert all(run.final is not None or run.failed for run in racers)
    assert all(any(run is r for r in ctl.state.runs) for run in racers)
    assert ctl.state.race_entries == list(FOUR)
    runner.drain()  # the old job's late events are dropped
    assert ctl.state.race is None


def test_a_single_run_or_reset_clears_the_race(ctl, runner):
    _line_up(ctl, FOUR[:2])
    ctl.race()
    runner.drain()
    ctl.run()
    assert ctl.state.race is None and ctl.state.current is not None
    runner.drain()
    ctl.race()
    runner.drain()
    ctl.reset()
    assert ctl.state.race is None and ctl.state.runs == []
    assert ctl.state.race_entries == list(FOUR[:2])


def test_line_up_limits_and_refusals(ctl, runner, view):
    assert ctl.race() is None  # empty line-up
    assert "needs 2 to 4 runs" in ctl.state.message.text
    ctl.race_add(FOUR[0])
    assert ctl.race() is None and "(it has 1)" in ctl.state.message.text
    for run in FOUR[1:]:
        assert ctl.race_add(run)
    assert not ctl.race_add(FOUR[0])
    assert len(ctl.state.race_entries) == MAX_RACERS
    assert "at most 4" in ctl.state.message.text
    ctl.race_remove(1)
    assert ctl.state.race_entries == [FOUR[0], *FOUR[2:]]
    ctl.race_remove(7)  # nothing there: nothing changes
    assert len(ctl.state.race_entries) == 3
    ctl.race_clear()
    assert ctl.state.race_entries == []
    # no data: a CSV source without a file is refused with the reason
    _line_up(ctl, FOUR[:2])
    ctl.settings_changed(ctl.state.settings.replace(source="csv", csv_path=""))
    ctl.prepare_now()
    assert ctl.race() is None and "Cannot race" in ctl.state.message.text


def test_a_race_that_fails_before_its_first_iteration_leaves_no_entry(ctl, runner, monkeypatch):
    import gui_app.explore.worker as worker_module

    def no_memory(*_args, **_kwargs):
        raise MemoryError
        yield  # a generator, as race_rounds

    monkeypatch.setattr(worker_module, "race_rounds", no_memory)
    before = list(ctl.state.runs)
    _line_up(ctl, FOUR[:2])
    ctl.race()
    runner.drain()
    state = ctl.state
    assert state.runs == before and state.race is None
    assert state.status is RunStatus.IDLE
    assert state.message.kind == "error" and "memory" in state.message.text


def test_the_normal_equation_races_too(ctl, runner):
    _line_up(ctl, (RunSettings(solver="normal"), FOUR[0]))
    ctl.race()
    runner.drain()
    normal, gd = ctl.state.race.runs
    assert normal.final.status == "solved" and len(normal.history) == 1
    assert normal.alpha is None
    assert gd.final.iteration == 300
    assert "solved exactly" in ctl.state.message.text.splitlines()[0]


def test_classic_four_uses_the_theory(ctl):
    assert ctl.race_classic_four()
    entries = ctl.state.race_entries
    assert [run.solver for run in entries] == ["gd", "momentum", "rmsprop", "adam"]
    lam = ctl.state.prepared.problem.lambda_range
    lam_min, lam_max = lam
    assert entries[0].alpha == pytest.approx(2 / (lam_min + lam_max))
    sqrt_kappa = np.sqrt(lam_max / lam_min)
    assert entries[1].alpha == pytest.approx(4 / (np.sqrt(lam_max) + np.sqrt(lam_min)) ** 2)
    assert entries[1].momentum == pytest.approx(((sqrt_kappa - 1) / (sqrt_kappa + 1)) ** 2)
    assert entries[1].momentum == pytest.approx(optimal_settings("momentum", *lam)["momentum"])
    assert entries[2].alpha == entries[3].alpha > 0


def test_the_worker_batches_rounds_and_ends_with_every_final(runner, ctl):
    got, ends = [], []
    runner.race_snapshots.connect(lambda _id, pairs: got.extend(pairs))
    runner.race_finished.connect(lambda _id, finals: ends.append(finals))
    spec = RaceSpec(ctl.state.prepared.spec, FOUR[:2])
    runner.submit("race", spec)
    runner.drain()
    assert [i for i, _s in got[:4]] == [0, 1, 0, 1]
    assert len(ends) == 1 and [s.iteration for s in ends[0]] == [300, 300]
    assert ends[0][0] is [s for i, s in got if i == 0][-1]
    assert isinstance(RaceResult(tuple(ends[0])), RaceResult)


# -- the real window --------------------------------------------------------------------------


def _points(item) -> int:
    """How many points a plot item draws."""
    x = item.getData()[0]
    return 0 if x is None else len(x)


def _window_line_up(window) -> None:
    ctl = window.controller
    ctl.race_clear()
    for run in FOUR:
        ctl.race_add(run)


def test_a_race_of_four_runs_and_draws_in_the_window(window, qtbot):
    _window_line_up(window)
    box = window.controls.race_box
    assert len(box.labels()) == 4 and not box.add_button.isEnabled()
    with qtbot.waitSignal(window.race_finished, timeout=TIMEOUT):
        window.controller.race()
    race = window.state.race
    i, j = window.state.pair
    for k, run in enumerate(race.runs):
        x, y = window.contour.race_paths[k].getData()
        theta = run.history.theta.view()
        np.testing.assert_array_equal(x, theta[:, i])  # the path is the racer's history
        np.testing.assert_array_equal(y, theta[:, j])
        color = window.contour.race_paths[k].opts["pen"].color().name().lower()
        assert color == style.RACE_COLORS[k].lower()
        mx, my = window.contour.race_markers[k].getData()
        assert (mx[0], my[0]) == (theta[-1, i], theta[-1, j])
    legend = window.contour.legend_label.text()
    for run in race.runs:
        head = run.label.split(", ")[0].replace(" ", "&nbsp;")
        assert head in legend
        assert f"J={run.final.cost:.4g}".replace(" ", "&nbsp;") in legend
    assert legend.count("300&nbsp;it.") == 4
    texts = window.learning.legend_texts()
    for run in race.runs:
        assert any(run.label.split(", ")[0] in t for t in texts)
    curves = window.learning.curves[-4:]
    for k, (curve, run) in enumerate(zip(curves, race.runs, strict=True)):
        assert curve.opts["pen"].color().name().lower() == style.RACE_COLORS[k].lower()
        np.testing.assert_array_equal(curve.xData, run.history.arrays()[0])
    # the numbers panel shows no run's numbers (none of them is "the" run on screen)
    assert window.state.current is None
    # the single trajectory is empty while the race is on screen
    assert _points(window.contour.trajectory) == 0


def test_stop_ends_the_race_in_the_window(window, qtbot):
    ctl = window.controller
    ctl.race_clear()
    for run in FOUR:
        ctl.race_add(dataclasses.replace(run, iterations=10_000_000))
    ctl.race()
    qtbot.waitUntil(
        lambda: all(r.last is not None and r.last.iteration > 3 for r in window.state.race.runs),
        timeout=TIMEOUT,
    )
    with qtbot.waitSignal(window.race_finished, timeout=TIMEOUT):
        window.stop()
    for run in window.state.race.runs:
        assert run.final.status == "cancelled"
    assert window.state.status is RunStatus.IDLE
    assert window.state.message.text.startswith("Race stopped.")
    assert window.contour.legend_label.text().count("(stopped)") == 4


def test_a_single_run_brings_back_the_single_look(window, qtbot):
    _window_line_up(window)
    with qtbot.waitSignal(window.race_finished, timeout=TIMEOUT):
        window.controller.race()
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.run()
    assert all(_points(path) == 0 for path in window.contour.race_paths)
    from gui_app.explore.views.contour import LEGEND_HTML

    assert window.contour.legend_label.text() == LEGEND_HTML
    assert len(window.contour.trajectory.getData()[0]) > 0


def test_a_new_scaling_clears_the_race_from_the_window(window, qtbot):
    _window_line_up(window)
    with qtbot.waitSignal(window.race_finished, timeout=TIMEOUT):
        window.controller.race()
    combo = window.controls.scaling_combo
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        combo.setCurrentIndex(combo.findData("minmax"))
    assert window.state.race is None
    assert all(_points(path) == 0 for path in window.contour.race_paths)
    from gui_app.explore.views.contour import LEGEND_HTML

    assert window.contour.legend_label.text() == LEGEND_HTML
    # the racers' curves stay on the learning curve, labelled with their data and model
    assert sum("z-score" in t for t in window.learning.legend_texts()) >= 3
    assert len(window.controls.race_box.labels()) == 4  # the line-up stays
