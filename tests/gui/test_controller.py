"""The Explore controller without widgets or threads (issue 9, item 2).

The view is ``MagicMock(spec=ExploreView)``; the worker is the real
:class:`~gui_app.explore.worker.RunWorker` on the one runner in its ``sync=True`` mode: no
thread, a job runs on the calling thread at ``drain()`` (as the runner's timer would call it),
so the order of events is the real one. Solvers and problems are the real ones from ``core``.
"""

from __future__ import annotations

from unittest.mock import MagicMock

import numpy as np
import pytest

from core.settings import Settings
from gui_app.explore.controller import ExploreController, start_theta
from gui_app.explore.state import RunStatus
from gui_app.explore.worker import RunWorker


def _submitted(runner) -> list[tuple[str, object]]:
    """The jobs the controller submitted, as (kind, spec), oldest first."""
    return [call.args for call in runner.submit.call_args_list]


@pytest.fixture
def runner():
    """The real worker on the real runner, inline (``sync=True``): a job runs, and its events
    are delivered in order, when the test calls ``drain()`` (as the runner's timer would);
    ``submit`` and ``step`` are wrapped to record what the controller asked for."""
    worker = RunWorker(sync=True)
    worker.submit = MagicMock(wraps=worker.submit)
    worker.step = MagicMock(wraps=worker.step)
    yield worker
    worker.shutdown()


def _changed(view) -> set[str]:
    """Every aspect the controller asked the view to redraw since the last reset_mock."""
    out: set[str] = set()
    for call in view.render.call_args_list:
        out |= set(call.args[1])
    return out


def _run_to_end(ctl, runner, **run_changes) -> None:
    if run_changes:
        ctl.settings_changed(ctl.state.settings.replace(**run_changes))
    assert ctl.run() is not None
    runner.drain()
    assert ctl.state.current.final is not None


def test_prepare_fills_the_state_and_says_ready(view, runner):
    ctl = ExploreController(view, runner)
    job = ctl.prepare_now()
    assert ctl.state.status is RunStatus.PREPARING
    runner.drain()
    state = ctl.state
    assert state.job_id == job and state.status is RunStatus.IDLE
    assert state.prepared.spec.data == Settings().data
    assert state.pair is not None and max(state.pair) < state.prepared.problem.n_params
    assert state.message.text.startswith("Ready") and "α_max" in state.message.text
    assert {"problem", "pair", "ready", "status", "message"} <= _changed(view)


@pytest.mark.parametrize(
    "change",
    [
        {"source": "synthetic", "n": 10},
        {"scaling": "none"},
        {"degree": 2},
        {"intercept": False},
    ],
)
def test_a_new_data_or_model_clears_the_run_on_screen(ctl, view, runner, change):
    _run_to_end(ctl, runner)
    housing_run = ctl.state.current
    ctl.settings_changed(ctl.state.settings.replace(**change))
    state = ctl.state
    # nothing of the old problem is left to draw under the new labels
    assert state.current is None and state.prepared is None and state.pair is None
    assert state.current_history() is None and state.parameter_labels() == []
    assert state.status is RunStatus.PREPARING
    assert {"history", "problem", "pair"} <= _changed(view)
    view.schedule_prepare.assert_called_once()
    # the earlier run stays in the list, labelled with its own data and model
    assert state.runs == [housing_run] and housing_run.label.endswith("z-score · housing")
    ctl.prepare_now()
    runner.drain()
    assert state.prepared.spec.model == state.settings.model
    assert state.current is None and state.status is RunStatus.IDLE


def test_contour_pair_choices_follow_the_model(ctl, runner):
    """Housing demo, Run, then synthetic with n = 10, then the pair "w: x7" (the sequence
    that raised IndexError in the banner)."""
    _run_to_end(ctl, runner)
    assert len(ctl.state.parameter_labels()) == 5  # 4 features and b
    ctl.settings_changed(ctl.state.settings.replace(source="synthetic", n=10))
    ctl.prepare_now()
    runner.drain()
    labels = ctl.state.parameter_labels()
    assert len(labels) == 11
    x7 = labels.index("w: x7")
    ctl.pair_chosen(x7, len(labels) - 1)
    assert ctl.state.pair == (x7, 10)
    assert ctl.state.current_history() is None  # no 5-column history indexed with 7
    ctl.pair_chosen(11, 0)  # a parameter the model does not have: refused
    ctl.pair_chosen(3, 3)
    assert ctl.state.pair == (x7, 10)


def test_runs_are_labelled_with_their_data_and_model(ctl, runner):
    _run_to_end(ctl, runner)
    ctl.settings_changed(
        ctl.state.settings.replace(
            source="synthetic", n=3, seed=7, scaling="minmax", degree=2, alpha=0.05
        )
    )
    ctl.prepare_now()
    runner.drain()
    ctl.settings_changed(ctl.state.settings.replace(solver="normal"))
    _run_to_end(ctl, runner)
    labels = [run.label for run in ctl.state.runs]
    assert labels == [
        "GD α=0.1, z-score · housing",
        "normal eq., min-max, degree 2 · synthetic m=200 n=3 seed 7",
    ]


def test_step_asks_for_exactly_one_and_ten_iterations(ctl, runner):
    ctl.step(1)  # idle: a run starts paused and takes one step
    kind, spec = _submitted(runner)[-1]
    assert kind == "run" and spec.start_paused and spec.step_budget == 1
    runner.drain()
    assert ctl.state.status is RunStatus.PAUSED
    assert ctl.state.current.last.iteration == 1
    ctl.step(10)
    runner.step.assert_called_once_with(10)
    runner.drain()
    assert ctl.state.current.last.iteration == 11
    it, _cost = ctl.state.current_history().arrays()
    np.testing.assert_array_equal(it, np.arange(12))


def test_step_while_running_pauses(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(iterations=500, tolerance=0.0))
    ctl.run()
    ctl.step(1)
    runner.drain()
    assert ctl.state.status is RunStatus.PAUSED and runner.is_paused()


def test_pause_status_and_banner_agree(ctl, runner, view):
    ctl.settings_changed(ctl.state.settings.replace(iterations=500, tolerance=0.0))
    ctl.run(start_paused=True)
    runner.drain()
    state = ctl.state
    assert state.status is RunStatus.PAUSED and state.message.text.startswith("Paused at")
    view.reset_mock()
    ctl.toggle_pause()  # resume (the inline runner goes on at once)
    runner.drain()
    assert state.status is RunStatus.IDLE  # ran to the end
    assert state.current.final.status == "max_iterations"
    assert state.message.kind == "ok" and "Paused" not in state.message.text
    assert {"status", "message"} <= _changed(view)


def test_a_file_that_does_not_load_gives_no_phantom_run(runner, view, tmp_path):
    ctl = ExploreController(view, runner)  # nothing loaded before: nothing to go back to
    bad = tmp_path / "bad.csv"
    bad.write_text("size,price\n1,2\n2,oops\n3,4\n", encoding="utf-8")
    ctl.open_file(str(bad))
    runner.drain()
    state = ctl.state
    assert state.message.kind == "error" and "bad.csv" in state.message.text
    assert state.prepared is None and state.prepare_error
    assert state.status is RunStatus.IDLE  # not "preparing" (α_max no longer "computing")
    runs_before = [k for k, _s in _submitted(runner) if k == "run"]
    assert ctl.run() is None  # F5
    assert [k for k, _s in _submitted(runner) if k == "run"] == runs_before
    assert state.runs == [] and state.message.text.startswith("Cannot run")


def test_a_run_that_fails_before_its_first_iteration_leaves_no_entry(
    ctl, runner, view, monkeypatch
):
    _run_to_end(ctl, runner)

    def no_memory(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr("gui_app.explore.worker.run_solver", no_memory)
    ctl.run()
    assert len(ctl.state.runs) == 2  # listed while it starts ...
    runner.drain()
    assert len(ctl.state.runs) == 1  # ... and gone: it never took a step
    assert ctl.state.current is None and ctl.state.message.kind == "error"
    assert "Not enough memory" in ctl.state.message.text
    assert "runs" in _changed(view)


def test_events_of_a_replaced_job_are_dropped(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(iterations=50, tolerance=0.0))
    first = ctl.run()
    runner.drain()
    old_final = ctl.state.current.final
    second = ctl.run()
    assert second != first
    ctl.on_finished(first, old_final)  # late, from the first run
    ctl.on_snapshots(first, [old_final])
    assert ctl.state.current.job_id == second and ctl.state.current.last is None
    runner.drain()
    assert ctl.state.current.final.iteration == 50


def test_contour_click_sets_the_start_point(ctl, runner):
    i, j = ctl.state.pair
    ctl.contour_clicked(50.0, -20.0)
    theta = start_theta(ctl.state)
    assert theta[i] == pytest.approx(50.0) and theta[j] == pytest.approx(-20.0)
    _run_to_end(ctl, runner)
    first = ctl.state.current_history().theta.view()[0]
    assert first[i] == pytest.approx(50.0) and first[j] == pytest.approx(-20.0)
    ctl.reset()
    runner.drain()
    assert ctl.state.start_w is None and ctl.state.runs == [] and ctl.state.current is None


def test_stop_keeps_what_the_run_did(ctl, runner):
    ctl.settings_changed(ctl.state.settings.replace(iterations=10_000, tolerance=0.0))
    ctl.run(start_paused=True, step_budget=5)
    runner.drain()
    ctl.stop()
    runner.drain()
    run = ctl.state.current
    assert run.final.status == "cancelled" and ctl.state.status is RunStatus.IDLE
    assert len(ctl.state.current_history()) >= 6


def test_csv_source_without_a_file_shows_no_old_problem(ctl, runner, view):
    ctl.settings_changed(ctl.state.settings.replace(source="csv"))
    assert ctl.prepare_now() is None  # nothing to prepare yet
    state = ctl.state
    assert state.prepared is None and state.status is RunStatus.IDLE
    assert "CSV file" in state.message.text
    assert ctl.run() is None and state.runs == []
    assert not [k for k, _s in _submitted(runner) if k == "run"]


def test_a_file_without_a_header_row_keeps_its_target_setting(ctl, runner, tmp_path):
    """Its column names are made up (x1 …): a name is no target setting for such a file."""
    path = tmp_path / "no-header.csv"
    path.write_text("1.5,2.0\n2.5,4.1\n3.5,5.9\n4.5,8.2\n", encoding="utf-8")
    ctl.settings_changed(ctl.state.settings.replace(source="csv", csv_path=str(path), header="no"))
    ctl.prepare_now()
    runner.drain()
    state = ctl.state
    assert state.prepared is not None
    assert state.prepared.dataset.y.tolist() == [2.0, 4.1, 5.9, 8.2]  # the last column
    assert state.settings.data.target is None and state.prepared_matches()
    _run_to_end(ctl, runner, solver="normal")
    assert state.current.final.status == "solved" and state.message.kind != "error"
