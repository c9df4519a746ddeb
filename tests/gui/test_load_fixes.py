"""A failed file load keeps the data on screen; a file changed on disk is read again (issue 11).

The controller runs on the real worker in its ``sync=True`` mode (see test_controller.py).
"""

from __future__ import annotations

import os

import pytest

from gui_app.explore.state import RunStatus
from gui_app.explore.worker import RunWorker


@pytest.fixture
def runner():
    """The real worker on the real runner, inline: jobs run at ``drain()``."""
    worker = RunWorker(sync=True)
    yield worker
    worker.shutdown()


def _write(path, rows: int) -> None:
    lines = ["size,price"] + [f"{k},{2 * k + 1}" for k in range(1, rows + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_failed_load_puts_back_the_data_on_screen(ctl, runner, tmp_path):
    before = ctl.state.settings
    prepared = ctl.state.prepared
    bad = tmp_path / "bad.csv"
    bad.write_text("size,price\n1,2\n2,oops\n3,4\n", encoding="utf-8")
    ctl.open_file(str(bad))
    runner.drain()
    state = ctl.state
    assert state.settings == before  # the settings of the housing demo, not bad.csv's
    assert state.prepared is prepared and state.prepared_matches()
    assert state.status is RunStatus.IDLE
    text = state.message.text
    assert state.message.kind == "error"
    assert text.startswith(f"Could not load {bad}: ") and "still showing housing" in text
    assert text.count(str(bad)) == 1  # the reason does not name the file a second time
    assert ctl.run() is not None  # F5 runs the data still shown


def test_a_load_that_works_leaves_nothing_to_go_back_to(ctl, runner, tmp_path):
    good = tmp_path / "good.csv"
    _write(good, 5)
    ctl.open_file(str(good))
    runner.drain()
    assert ctl.state.settings.data.csv_path == str(good)
    assert ctl.state.before_load is None
    assert ctl.state.prepared.dataset.X.shape[0] == 5


def test_a_file_changed_on_disk_is_read_again(ctl, runner, tmp_path):
    path = tmp_path / "grows.csv"
    _write(path, 5)
    ctl.open_file(str(path))
    runner.drain()
    assert ctl.state.prepared.dataset.X.shape[0] == 5
    _write(path, 9)  # the same settings, another file content (size and time change)
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    job = runner.submit("prepare", ctl.state.prepared.spec)
    ctl.state.job_id = job
    runner.drain()
    assert ctl.state.prepared.dataset.X.shape[0] == 9


def test_a_deleted_file_says_so_instead_of_showing_the_cache(runner, tmp_path):
    from gui_app.explore.worker import ModelSpec

    path = tmp_path / "gone.csv"
    _write(path, 5)
    got: list = []
    runner.prepared.connect(lambda _j, prep: got.append(prep))
    failed: list[str] = []
    runner.failed.connect(lambda _j, message: failed.append(message))
    from core.settings import Settings

    spec = ModelSpec(Settings().replace(source="csv", csv_path=str(path)).data)
    runner.submit("prepare", spec)
    runner.drain()
    assert got and got[-1].dataset.X.shape[0] == 5
    path.unlink()
    runner.submit("prepare", spec)
    runner.drain()
    assert len(got) == 1  # no stale answer from the cache
    assert failed and "gone.csv" in failed[-1]


def test_reopening_a_session_reads_a_changed_file_again(window, qtbot, tmp_path):
    path = tmp_path / "grows.csv"
    _write(path, 5)
    with qtbot.waitSignal(window.problem_ready, timeout=15_000):
        window.open_csv(str(path))
    session = tmp_path / "s.gdx.json"
    with qtbot.waitSignal(window.classroom.sessions.writer.saved, timeout=15_000):
        assert window.classroom.save_session(session)
    _write(path, 9)
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    with qtbot.waitSignal(window.problem_ready, timeout=15_000):
        assert window.classroom.open_session(session)
    assert window.prepared.dataset.X.shape[0] == 9
    path.unlink()
    window.classroom.open_session(session)
    qtbot.waitUntil(lambda: window.state.message.kind == "error", timeout=15_000)
    assert "grows.csv" in window.state.message.text
    assert window.state.prepared is None  # the old rows are not shown as the file's
