"""The plan and the files of an animation export (:mod:`gui_app.explore.animation`): which
iterations the frames show (K spread evenly over the recorded iterations, one per recorded
iteration for a short run, at most :data:`MAX_FRAMES`), how long each is shown (the last one
longer), the captions, and the writers: an animated GIF built in memory and written atomically
(:mod:`core.files`; Pillow imported only then), or PNG frames written to a temporary folder
renamed into place at the end. Nothing appears at the target unless every frame was drawn.

No widget here; the frames are drawn by :mod:`gui_app.explore.animation_frames`.
"""

from __future__ import annotations

import io
import itertools
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import InputError
from core.files import TEMP_PREFIX, atomic_write_bytes, check_output_path

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from gui_app.explore.state import ExploreState

MAX_FRAMES = 150
SLIDE_SIZE = (1280, 720)  # px: a 16:9 slide
MIN_SIZE = (320, 240)
MAX_SIZE = (3840, 2160)
DEFAULT_DURATION_S = 8.0
MAX_DURATION_S = 600.0
MAX_HOLD_S = 2.0  # the last frame is shown this long (at most a quarter of the animation)
MIN_FRAME_CS = 2  # GIF delays are in 1/100 s; browsers slow anything shorter than 2 to 10
PATH_COLOR = "#d62728"  # a single run: the window's path colour
CURRENT_COLOR = "#ff7f0e"
START_COLOR = "#2ca02c"
OPTIMUM_COLOR = "#ffd700"
NO_RUN = (
    "There is no run on the contour to animate: press Run (F5) first "
    "(an animation shows the current run, or the race's runs)."
)


@dataclass
class Track:
    """One run's path for the animation: iterations (k), cost J (k) and the contour pair's
    two parameters (k × 2, training coordinates), drawn in ``color``."""

    label: str
    color: str
    iterations: np.ndarray
    cost: np.ndarray
    xy: np.ndarray
    diverged: bool = False


def tracks_of(state: ExploreState) -> list[Track]:
    """Copies of the paths the contour shows now (``state.shown_runs()``).

    Raises InputError when there is no run on the contour, no contour pair or a model with
    fewer than two parameters.
    """
    from gui_app.explore.plots import RACE_COLORS

    runs = state.shown_runs()
    if not runs or state.pair is None:
        raise InputError(NO_RUN)
    if state.prepared.problem.n_params < 2:
        raise InputError("the model has one parameter: there is no contour to animate")
    i, j = state.pair
    race = state.race is not None
    tracks = []
    for k, run in enumerate(runs):
        it, cost = run.history.arrays()
        theta = run.history.theta.view()
        count = min(len(it), len(cost), len(theta))
        if count == 0:
            continue
        final = run.final
        tracks.append(
            Track(
                run.label,
                RACE_COLORS[k % len(RACE_COLORS)] if race else PATH_COLOR,
                np.array(it[:count], dtype=float),
                np.array(cost[:count], dtype=float),
                np.array(theta[:count][:, [i, j]], dtype=float),
                bool(final is not None and final.diverged),
            )
        )
    if not tracks:
        raise InputError(NO_RUN)
    return tracks


def frame_iterations(tracks: list[Track], frames: int | None = None) -> np.ndarray:
    """The iteration each frame shows: all recorded iterations (of all tracks) when they are
    at most ``frames`` (default :data:`MAX_FRAMES`), else ``frames`` of them spread evenly
    over the run, the first and the last included. Raises InputError for ``frames`` < 1."""
    if frames is not None and frames < 1:
        raise InputError(f"an animation needs at least one frame, not {frames}")
    count = min(frames or MAX_FRAMES, MAX_FRAMES)
    recorded = np.unique(np.concatenate([t.iterations for t in tracks]))
    if len(recorded) <= count:
        return recorded
    picks = np.unique(np.round(np.linspace(0, len(recorded) - 1, count)).astype(int))
    return recorded[picks]


def frame_durations(count: int, duration_s: float) -> list[int]:
    """Each frame's display time in ms (multiples of 10, GIF's unit), summing to
    ``duration_s`` rounded to 1/100 s: the last frame held min(2 s, a quarter of the total),
    the others sharing the rest evenly. Raises InputError when a frame would get less than
    20 ms (viewers slow such frames down) or for a duration out of (0, 600] s."""
    if not (0 < duration_s <= MAX_DURATION_S) or not math.isfinite(duration_s):
        raise InputError(f"the duration must be between 0 and {MAX_DURATION_S:g} s")
    total = round(duration_s * 100)
    if count == 1:
        return [total * 10]
    hold = min(round(MAX_HOLD_S * 100), total // 4)
    rest = total - hold
    if rest < MIN_FRAME_CS * (count - 1):
        longest = (count - 1) * MIN_FRAME_CS / 100 + hold / 100
        raise InputError(
            f"{count} frames in {duration_s:g} s leave less than 20 ms a frame (GIF viewers "
            f"play at most 50 frames a second): ask for fewer frames or at least {longest:g} s"
        )
    # spread the rounding remainder evenly over the frames (centiseconds)
    edges = [round(rest * k / (count - 1)) for k in range(count)]
    return [10 * (b - a) for a, b in itertools.pairwise(edges)] + [10 * hold]


def format_cost(value: float) -> str:
    """J with three significant digits, as the caption writes it ("2.04e+09", "254")."""
    return f"{value:.3g}" if math.isfinite(value) else str(value)


def caption(iteration: float, tracks: list[Track], shown: list[int]) -> str:
    """The frame's caption: "iteration 120 · J = 2.04e+09" (one run) or "iteration 120"
    (a race: each racer's J is in the legend); ``shown`` is each track's count of rows drawn."""
    head = f"iteration {int(iteration):,}"
    if len(tracks) == 1 and shown[0] > 0:
        return f"{head} · J = {format_cost(tracks[0].cost[shown[0] - 1])}"
    return head


def parse_size(text: str) -> tuple[int, int]:
    """A frame size written "1280x720" (or with "×") as (width, height) in px; InputError
    when it is not two whole numbers within :data:`MIN_SIZE`..:data:`MAX_SIZE`."""
    parts = text.lower().replace("×", "x").replace(" ", "").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise InputError(f"a frame size is written WIDTHxHEIGHT (1280x720), not {text!r}") from None
    return check_size((width, height))


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` (width, height px) when within :data:`MIN_SIZE`..:data:`MAX_SIZE`, else
    InputError naming the limits."""
    width, height = int(size[0]), int(size[1])
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise InputError(
            f"a frame of {width}×{height} px is out of range: from {MIN_SIZE[0]}×{MIN_SIZE[1]} "
            f"to {MAX_SIZE[0]}×{MAX_SIZE[1]} px"
        )
    return width, height


def output_kind(path: str | Path) -> str:
    """ "gif" for a .gif file, "png" for a folder of PNG frames (a name without a suffix, or
    an existing folder); InputError for another suffix."""
    path = Path(path)
    if path.suffix.lower() == ".gif":
        return "gif"
    if path.is_dir() or not path.suffix:
        return "png"
    raise InputError(
        f"cannot export an animation as {path.suffix}: give a .gif file, or a folder name "
        "(without a suffix) for PNG frames",
        path=str(path),
    )


def _check_frames_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise InputError("exists and is not a folder: give a new folder name", path=str(path))
    if path.is_dir() and any(path.iterdir()):
        raise InputError(
            "is a folder that is not empty: give a new (or empty) folder for the PNG frames",
            path=str(path),
        )
    check_output_path(path.parent / (path.name + ".png"), "PNG frame")


def gif_bytes(images: list[Any], durations: list[int], loop: bool) -> bytes:
    """Pillow images (palette mode, one palette) as an animated GIF: ``durations`` in ms per
    frame, looping forever when ``loop`` (else played once)."""
    buffer = io.BytesIO()
    options: dict[str, Any] = {"duration": durations, "disposal": 1}
    if loop:
        options["loop"] = 0
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], **options)
    return buffer.getvalue()


def to_pillow(image: QImage) -> Any:
    """A QImage as an RGB Pillow image (Pillow imported here)."""
    from PIL import Image
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())
    return Image.frombuffer(
        "RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine(), 1
    ).copy()


class Cancelled(Exception):
    """The user cancelled the export (nothing was written)."""


def write_animation(
    render: Callable[[int], QImage],
    count: int,
    path: str | Path,
    durations: list[int],
    loop: bool = True,
    tick: Callable[[int], None] | None = None,
) -> Path:
    """Draw ``count`` frames with ``render(k)`` and write them to ``path``: an animated GIF
    (``durations`` in ms, ``loop``) or a folder of ``frame_0001.png`` … (by
    :func:`output_kind`). ``tick(k)`` runs after each frame and may raise :class:`Cancelled`.
    Nothing appears at ``path`` unless every frame was drawn and written; InputError for a
    path that cannot be written (a full disk, a read-only folder)."""
    path = Path(path)
    kind = output_kind(path)
    if kind == "gif":
        check_output_path(path, "animation")
        from PIL import Image

        # one palette for all frames (no flicker), made from the last frame (the whole path)
        # above the first (the markers the path's end covers later): every colour is in it
        last, first = to_pillow(render(count - 1)), to_pillow(render(0))
        both = Image.new("RGB", (first.width, first.height * 2))
        both.paste(first, (0, 0))
        both.paste(last, (0, first.height))
        palette = both.quantize(255, method=Image.Quantize.MEDIANCUT)
        images: list[Any] = [None] * count
        for done, k in enumerate([count - 1, *range(count - 1)]):
            frame = last if k == count - 1 else first if k == 0 else to_pillow(render(k))
            images[k] = frame.quantize(palette=palette, dither=Image.Dither.NONE)
            if tick is not None:
                tick(done)
        atomic_write_bytes(path, gif_bytes(images, durations, loop), "animation")
        return path
    _check_frames_folder(path)
    staging = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + path.name + ".", dir=path.parent))
    try:
        width = max(4, len(str(count)))
        for k in range(count):
            name = staging / f"frame_{k + 1:0{width}d}.png"
            if not render(k).save(str(name), "PNG"):
                raise InputError(f"cannot write {name.name} (is the disk full?)", path=str(path))
            if tick is not None:
                tick(k)
        if path.is_dir():
            path.rmdir()  # empty (checked above): the frames take its place
        staging.rename(path)
    except OSError as exc:
        raise InputError(
            f"cannot write the PNG frames: {exc.strerror or exc}", path=str(path)
        ) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return path
