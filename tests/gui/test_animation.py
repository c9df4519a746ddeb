"""Animation export (issue 11, item 5): the run(s) on the contour as an animated GIF or PNG
frames, through the real window after a real run (pytest-qt, offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from core.errors import InputError
from gui_app.classroom import menus
from gui_app.classroom.animation_dialog import (
    FRAMES_FILTER,
    GIF_FILTER,
    AnimationOptions,
    AnimationOptionsDialog,
)
from gui_app.explore.animation import export_animation, recorded_frames
from gui_app.explore.animation_plan import (
    Track,
    caption,
    frame_durations,
    frame_iterations,
    output_kind,
    parse_size,
)
from gui_app.explore.plots import RACE_COLORS
from gui_app.explore.state import Race

Image = pytest.importorskip("PIL.Image")

TIMEOUT = 30_000
PATH_RGB = (0xD6, 0x27, 0x28)  # the single run's path colour (as the window draws it)


def _finished_run(window, qtbot, alpha=None):
    if alpha is not None:
        window.controls.set_alpha(alpha)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        window.controls.run_button.click()
    return window.state.current


def _frames(path):
    """Every frame of a GIF as RGB arrays, and each frame's duration (ms)."""
    with Image.open(path) as im:
        frames, durations = [], []
        for k in range(im.n_frames):
            im.seek(k)
            durations.append(im.info["duration"])
            frames.append(np.asarray(im.convert("RGB")))
        return frames, durations, dict(im.info)


def _near(frame, rgb, tol=40):
    """How many pixels of ``frame`` are within ``tol`` of ``rgb`` in every channel."""
    return int((np.abs(frame.astype(int) - np.array(rgb)).max(axis=2) <= tol).sum())


def _hex(color):
    return tuple(int(color[k : k + 2], 16) for k in (1, 3, 5))


def _contour_state(view):
    x, y = view.trajectory.getData()
    cx, cy = view.current_marker.getData()
    levels = [item.getData() for item in view.level_items]
    return (
        np.array([] if x is None else x),
        np.array([] if y is None else y),
        np.array(cx),
        np.array(cy),
        levels,
        view.plot.getViewBox().viewRange(),
        view.size(),
    )


# -- the plan, without widgets ------------------------------------------------------------------
def _track(iterations, cost):
    xy = np.column_stack([np.arange(len(iterations)), np.arange(len(iterations))]).astype(float)
    return Track("run", "#000000", np.array(iterations, float), np.array(cost, float), xy)


def test_frame_iterations_short_run_one_per_recorded_and_long_run_spread():
    short = _track([0, 1, 2, 3], [4, 3, 2, 1])
    assert frame_iterations([short]).tolist() == [0, 1, 2, 3]
    long = _track(list(range(1001)), np.linspace(9, 1, 1001))
    picked = frame_iterations([long], 11)
    assert picked.tolist() == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
    assert len(frame_iterations([long])) == 150  # the cap
    # a race: the union of the racers' recorded iterations
    race = frame_iterations([_track([0, 2, 4], [1, 1, 1]), _track([0, 1, 2], [1, 1, 1])])
    assert race.tolist() == [0, 1, 2, 4]
    with pytest.raises(InputError, match="at least one frame"):
        frame_iterations([short], 0)


def test_frame_durations_sum_to_the_duration_and_hold_the_last_frame():
    durations = frame_durations(30, 5.0)
    assert sum(durations) == 5000 and len(durations) == 30
    assert all(d % 10 == 0 for d in durations)  # GIF counts in 1/100 s
    assert durations[-1] == 1250 and max(durations[:-1]) <= 130  # a quarter of 5 s, held
    assert frame_durations(150, 60.0)[-1] == 2000  # at most 2 s
    assert frame_durations(1, 3.0) == [3000]
    with pytest.raises(InputError, match="fewer frames"):
        frame_durations(150, 2.0)  # 149 frames in 1.5 s: 10 ms each
    with pytest.raises(InputError, match="duration"):
        frame_durations(10, 0.0)


def test_caption_names_the_iteration_and_the_cost():
    track = _track([0, 60, 120], [5e9, 3.1e9, 2.04e9])
    assert caption(120, [track], [3]) == "iteration 120 · J = 2.04e+09"
    assert caption(0, [track, track], [1, 1]) == "iteration 0"  # a race: J in the legend


def test_sizes_and_kinds_are_checked():
    assert parse_size("1280×720") == (1280, 720) and parse_size("640x360") == (640, 360)
    for bad in ("big", "10x10", "99999x720"):
        with pytest.raises(InputError):
            parse_size(bad)
    assert output_kind("a/run.gif") == "gif" and output_kind("a/frames") == "png"
    with pytest.raises(InputError, match=r"\.mp4"):
        output_kind("a/run.mp4")


# -- through the window ------------------------------------------------------------------------
def test_gif_after_a_run_has_the_frames_size_and_duration_asked_for(window, qtbot, tmp_path):
    run = _finished_run(window, qtbot)
    assert len(run.history) > 24
    path = tmp_path / "run.gif"
    assert export_animation(window, path, frames=24, duration=3.0, size=(640, 360)) == path
    frames, durations, info = _frames(path)
    assert len(frames) == 24
    assert frames[0].shape == (360, 640, 3)
    assert sum(durations) == 3000
    assert durations[-1] > max(durations[:-1])  # the last frame is held
    assert info.get("loop") == 0
    # the path grows: the last frame has far more of the path's red than the first
    first, last = _near(frames[0], PATH_RGB), _near(frames[-1], PATH_RGB)
    assert last > first + 500, (first, last)
    assert "Exported an animation" in window.state.message.text
    assert window.state.message.kind == "ok"


def test_png_frames_are_named_in_order_and_sized(window, qtbot, tmp_path):
    _finished_run(window, qtbot)
    folder = tmp_path / "frames"
    assert export_animation(window, folder, frames=5, duration=2.0, size=(480, 320)) == folder
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"frame_{k:04d}.png" for k in range(1, 6)]
    image = QImage(str(folder / names[-1]))
    assert (image.width(), image.height()) == (480, 320)
    # the view's own size when asked
    gif = tmp_path / "view.gif"
    assert export_animation(window, gif, frames=3, duration=1.0, size=None) == gif
    with Image.open(gif) as im:  # (never smaller than 320 × 240)
        assert im.size == (max(window.contour.width(), 320), max(window.contour.height(), 240))


def test_a_race_draws_each_racer_in_its_colour(window, qtbot, tmp_path):
    first = _finished_run(window, qtbot, alpha=0.1)
    second = _finished_run(window, qtbot, alpha=0.03)
    window.state.race = Race(second.job_id, [first, second])
    assert window.state.shown_runs() == [first, second]
    path = tmp_path / "race.gif"
    assert export_animation(window, path, frames=10, duration=2.0) == path
    frames, _durations, _info = _frames(path)
    for color in RACE_COLORS[:2]:
        assert _near(frames[-1], _hex(color), tol=30) > 300, color
    assert _near(frames[-1], PATH_RGB, tol=20) < 50  # not the single run's red


def test_cancel_leaves_no_file_and_the_window_served_events(window, qtbot, tmp_path):
    _finished_run(window, qtbot)
    fired = []

    def cancel():
        fired.append(True)
        for dialog in window.findChildren(QProgressDialog):
            dialog.cancel()

    for target in (tmp_path / "cancelled.gif", tmp_path / "cancelled-frames"):
        fired.clear()
        QTimer.singleShot(0, cancel)
        assert export_animation(window, target, frames=40, duration=4.0) is None
        assert fired  # the event loop ran during the export
        assert not target.exists()
        assert "cancelled" in window.state.message.text
    assert list(tmp_path.iterdir()) == []  # no temporary file or folder left either


def test_the_window_contour_is_unchanged_by_an_export(window, qtbot, tmp_path):
    _finished_run(window, qtbot)
    before = _contour_state(window.contour)
    assert len(before[0]) > 10
    assert export_animation(window, tmp_path / "a.gif", frames=8, duration=1.0)
    after = _contour_state(window.contour)
    for a, b in zip(before[:4], after[:4], strict=True):
        np.testing.assert_array_equal(a, b)
    for (ax, ay), (bx, by) in zip(before[4], after[4], strict=True):
        np.testing.assert_array_equal(ax, bx)
        np.testing.assert_array_equal(ay, by)
    assert before[5:] == after[5:]


def test_no_run_gives_a_clear_message_and_no_file(window, tmp_path, monkeypatch):
    assert recorded_frames(window) == 0
    path = tmp_path / "none.gif"
    assert export_animation(window, path) is None
    assert not path.exists()
    message = window.state.message
    assert "no run on the contour" in message.text and "Run (F5)" in message.text
    # the menu entry explains itself, without a dialog
    monkeypatch.setattr(menus, "ask_animation_options", lambda *a: pytest.fail("asked"))
    window.show_message("something else")
    window.classroom.animation_action.trigger()
    assert "no run on the contour" in window.state.message.text
    window.classroom._explain_animation_action()
    assert "No run" in window.classroom.animation_action.toolTip()


def test_write_errors_are_messages_in_the_banner(window, qtbot, tmp_path, monkeypatch):
    _finished_run(window, qtbot)
    missing = tmp_path / "no-such-folder" / "a.gif"
    assert export_animation(window, missing, frames=3, duration=1.0) is None
    assert window.state.message.kind == "error"
    assert "does not exist" in window.state.message.text

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    from gui_app.explore import animation_plan

    monkeypatch.setattr(animation_plan, "atomic_write_bytes", full_disk)
    target = tmp_path / "full.gif"
    assert export_animation(window, target, frames=3, duration=1.0) is None
    assert "No space left on device" in window.state.message.text
    assert not target.exists()


def test_the_menu_asks_options_then_a_file_or_a_folder(window, qtbot, tmp_path, monkeypatch):
    _finished_run(window, qtbot)
    classroom = window.classroom
    assert classroom.animation_action in classroom._menu("&File").actions()
    options = AnimationOptions(frames=6, duration=2.0, size=(480, 270), loop=False)
    monkeypatch.setattr(menus, "ask_animation_options", lambda *a: options)
    answers = [(str(tmp_path / "clip"), GIF_FILTER), (str(tmp_path / "slides.gif"), FRAMES_FILTER)]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: answers.pop(0))
    classroom.animation_action.trigger()
    with Image.open(tmp_path / "clip.gif") as im:  # the suffix added
        assert (im.n_frames, im.size) == (6, (480, 270))
        assert "loop" not in im.info  # played once
    classroom.animation_action.trigger()  # PNG frames: a folder, without the suffix
    assert len(list((tmp_path / "slides").glob("frame_*.png"))) == 6


def test_the_options_dialog_offers_at_most_the_recorded_frames(window, qtbot):
    dialog = AnimationOptionsDialog(window, 40, (500, 400))
    qtbot.addWidget(dialog)
    assert dialog.frames.maximum() == 40 and dialog.frames.value() == 40
    dialog.size.setCurrentIndex(dialog.size.count() - 1)
    chosen = dialog.options()
    assert chosen.size is None and chosen.loop and chosen.frames == 40
    assert "500 × 400" in dialog.size.currentText()


def test_a_diverged_run_exports_with_its_cost_in_the_caption(window, qtbot, tmp_path):
    alpha_max = window.state.prepared.alpha_max
    run = _finished_run(window, qtbot, alpha=3 * alpha_max)
    assert run.final.diverged
    path = tmp_path / "diverged.gif"
    assert export_animation(window, path, frames=5, duration=1.0, size=(480, 320)) == path
    with Image.open(path) as im:
        assert im.n_frames == 5
