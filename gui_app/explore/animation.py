"""Animation export: the run(s) on the contour as an animated GIF or a folder of PNG frames,
for slides (issue 11, item 5).

A frame is the contour view (its levels, start and optimum) with each path drawn up to one
iteration, under a caption ("iteration 120 · J = 2.04e+09") and a legend; the runs are those
the contour shows (``state.shown_runs()``: the current run, or a race's runs). The frames are
drawn by an off-screen copy of the contour view (:mod:`.animation_frames`), so the window's
own contour is never touched; what the frames show and how the files are written is in
:mod:`.animation_plan`.

The export runs on the GUI thread, one frame at a time, with the event loop served between
frames under a window-modal progress dialog with Cancel. Widgets and pyqtgraph items may be
drawn on the GUI thread only, and a frame takes a few tens of milliseconds, so a worker thread
would gain nothing but a hand-over of images; the window stays responsive (it repaints, a run
in progress goes on) while the dialog keeps the user from changing what is being exported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import InputError
from gui_app.explore.animation_frames import FrameRenderer, ProgressTicker
from gui_app.explore.animation_plan import (
    DEFAULT_DURATION_S,
    MAX_FRAMES,
    MIN_SIZE,
    NO_RUN,
    SLIDE_SIZE,
    Cancelled,
    check_size,
    frame_durations,
    frame_iterations,
    output_kind,
    tracks_of,
    write_animation,
)

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow

__all__ = [
    "DEFAULT_DURATION_S",
    "MAX_FRAMES",
    "NO_RUN",
    "SLIDE_SIZE",
    "export_animation",
    "recorded_frames",
    "view_size",
]


def recorded_frames(window: MainWindow) -> int:
    """How many frames the run(s) on the contour can give (their recorded iterations, at
    most :data:`MAX_FRAMES`); 0 when the contour shows no run that can be animated."""
    try:
        return len(frame_iterations(tracks_of(window.state)))
    except InputError:
        return 0


def export_animation(
    window: MainWindow,
    path: str | Path,
    *,
    frames: int | None = None,
    duration: float = DEFAULT_DURATION_S,
    size: tuple[int, int] | None = SLIDE_SIZE,
    loop: bool = True,
    progress: bool = True,
) -> Path | None:
    """Export the run(s) on ``window``'s contour as an animated GIF (``path`` ends in .gif)
    or a folder of PNG frames frame_0001.png … (a name without a suffix, or an empty folder).

    ``frames``: how many (default one per recorded iteration, at most 150, spread evenly over
    the run); ``duration``: seconds in all, the last frame held min(2 s, a quarter of it);
    ``size``: (width, height) px, or None for the contour view's size on screen; ``loop``:
    the GIF plays forever (else once); ``progress``: show a window-modal progress dialog with
    Cancel while the frames are drawn (the event loop runs between frames either way).

    The outcome is shown in the window's banner, never as a traceback: the path written, or
    None when nothing was written (no run on the contour, a bad option, a write error such as
    a full disk or a read-only folder, or Cancel).
    """
    if getattr(window, "animation_busy", False):
        window.show_message("An animation is being exported: wait for it or cancel it.", "info")
        return None
    renderer = ticker = None
    window.animation_busy = True
    try:
        tracks = tracks_of(window.state)
        targets = frame_iterations(tracks, frames)
        durations = frame_durations(len(targets), duration)
        frame_size = check_size(size) if size is not None else view_size(window)
        output_kind(path)
        renderer = FrameRenderer(window, tracks, targets, frame_size)
        ticker = ProgressTicker(window, len(targets), progress)
        written = write_animation(renderer.render, len(targets), path, durations, loop, ticker.tick)
    except Cancelled:
        window.show_message("Animation export cancelled: no file was written.", "info")
        return None
    except (InputError, OSError, MemoryError) as exc:
        reason = "not enough memory for the frames" if isinstance(exc, MemoryError) else exc
        window.show_message(f"Animation export failed: {reason}", "error")
        return None
    finally:
        window.animation_busy = False
        if ticker is not None:
            ticker.close()
        if renderer is not None:
            renderer.close()
    what = "GIF" if written.suffix.lower() == ".gif" else "PNG frames"
    window.show_message(
        f"Exported an animation ({what}, {len(targets)} frames, {sum(durations) / 1000:g} s, "
        f"{frame_size[0]}×{frame_size[1]} px) to {written}.",
        "ok",
    )
    return written


def view_size(window: MainWindow) -> tuple[int, int]:
    """The contour view's size on screen (width, height px), at least :data:`MIN_SIZE`."""
    view = window.contour
    return (max(view.width(), MIN_SIZE[0]), max(view.height(), MIN_SIZE[1]))
