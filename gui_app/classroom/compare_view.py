"""Two runs' cost contours side by side: the view a lesson declares with
``"view": {"kind": "compare-contours", "runs": [a, b]}`` (lesson 1: the unscaled run's tall
ellipses next to the z-scored run's circles, at the same α / α_max).

The maths (grid, surface, path in training coordinates, axis ratio) is
:func:`core.lessons.contour_panel`; this module only draws it, each side with
:class:`gui_app.explore.views.contour.ContourView` (equal axes, so the shapes are true).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from core.errors import InputError
from gui_app.explore.controller import parameter_short_names
from gui_app.explore.state import SCALING_SHORT
from gui_app.explore.views.contour import ContourView

if TYPE_CHECKING:  # (read when a lesson compares two runs: not at start-up)
    from core.lessons import ContourPanel, Lesson, LessonRun

OBJECT_NAME = "compareContours"


def panel_caption(panel: ContourPanel) -> str:
    """The line above one side: run label, α as a fraction of α_max, iterations, shape."""
    alpha = (
        f"α = {panel.alpha_fraction:.3g} α_max"
        if panel.alpha_fraction is not None
        else "direct solve"
    )
    return (
        f"{panel.label}: {alpha}, {panel.iterations:,} iterations ({panel.status}); "
        f"contour axes {panel.axis_ratio:.3g} : 1"
    )


class CompareContoursView(QWidget):
    """Two contour plots side by side, each with its run's path, start and optimum.

    :meth:`set_runs` takes the two lesson runs (and their recorded paths, k × P in original
    units); choosing another parameter pair in either plot redraws both for that pair.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(OBJECT_NAME)
        self.setWindowTitle("Contours side by side")
        layout = QGridLayout(self)
        self.captions = [QLabel(), QLabel()]
        self.views = [ContourView(), ContourView()]
        for k, (caption, view) in enumerate(zip(self.captions, self.views, strict=True)):
            caption.setWordWrap(True)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(caption, 0, k)
            layout.addWidget(view, 1, k)
            layout.setColumnStretch(k, 1)
            view.pair_changed.connect(self._pair_changed)
        layout.setRowStretch(1, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status, 2, 0, 1, 2)
        self.panels: list[ContourPanel] = []
        self.shown_for: tuple | None = None  # the window's data and model it belongs to
        self._runs: list[tuple[LessonRun, np.ndarray | None]] = []

    def set_runs(
        self, runs: Sequence[LessonRun], paths: Sequence[np.ndarray | None] | None = None
    ) -> None:
        """Show ``runs`` (two) side by side over each run's contour pair."""
        paths = list(paths) if paths is not None else [None] * len(runs)
        self._runs = list(zip(runs, paths, strict=True))
        self._draw(None)

    def _pair_changed(self, i: int, j: int) -> None:
        self._draw((i, j))

    def _draw(self, pair: tuple[int, int] | None) -> None:
        from core.lessons import contour_panel

        try:
            panels = [contour_panel(run, path, pair) for run, path in self._runs]
        except InputError as exc:  # a pair one of the models does not have
            self.status.setText(f"Cannot draw these contours: {exc}")
            return
        self.status.setText(
            "Same scale on both axes: the contours' true shapes. Red: the "
            "gradient-descent path; star: the normal equation's answer."
        )
        self.panels = panels
        for caption, view, panel, (run, _path) in zip(
            self.captions, self.views, panels, self._runs, strict=True
        ):
            caption.setText(panel_caption(panel))
            # the pair choosers offer the run's own parameters
            view.set_parameters(list(run.problem.parameter_names), *panel.pair)
            # named as the main window's contour names them, in the lesson's order
            view.set_axis_labels(*axis_labels(run.problem, panel.pair))
            view.set_surface(panel.u, panel.v, panel.J)
            view.set_trajectory(panel.path_x, panel.path_y)
            if len(panel.path_x):
                view.set_start(float(panel.path_x[0]), float(panel.path_y[0]))
            view.set_optimum(*panel.optimum)
            view.equal_axes.setChecked(True)


def axis_labels(problem: Any, pair: tuple[int, int]) -> tuple[str, str]:
    """The contour's axis labels for ``pair`` as the main window's contour writes them
    ("w[x2]  (training coordinates, z-score)" along x, "w[x1]  (z-score)" up y)."""
    names = parameter_short_names(problem)
    short = SCALING_SHORT.get(problem.scaling, problem.scaling)
    tag = "training coordinates" + ("" if problem.scaling == "none" else f", {short}")
    i, j = pair
    return f"{names[i]}  ({tag})", f"{names[j]}  ({short})"


def _with_contour_pair(lesson: Lesson, run: LessonRun) -> LessonRun:
    """``run`` with the lesson's contour pair for it (a run the window recorded has none)."""
    if run.contour != (None, None) or all(lb != run.label for lb, _ in lesson.runs):
        return run
    s = lesson.run_settings(run.label)
    return dataclasses.replace(run, contour=(s.get("contour_x"), s.get("contour_y")))


def _screen_key(window: Any) -> tuple | None:
    """The data and model on screen (a lesson view belongs to them)."""
    state = getattr(window, "state", None)
    return None if state is None else (state.settings.data, state.settings.model)


def close_lesson_view(window: QWidget) -> None:
    """Hide a lesson's side-by-side view (another lesson starts)."""
    view = window.findChild(CompareContoursView, OBJECT_NAME)
    if view is not None:
        view.hide()


def close_if_data_changed(window: QWidget) -> None:
    """Hide the lesson view once the data or model on screen is no longer the lesson's."""
    view = window.findChild(CompareContoursView, OBJECT_NAME)
    if view is not None and view.isVisible() and view.shown_for != _screen_key(window):
        view.hide()


def raise_lesson_view(window: QWidget) -> None:
    """Bring a shown lesson view in front of the window (after it went full screen)."""
    view = window.findChild(CompareContoursView, OBJECT_NAME)
    if view is not None and view.isVisible():
        view.raise_()
        view.activateWindow()


def lesson_paths(outcome: Any, labels: Sequence[str]) -> list[np.ndarray | None]:
    """The recorded path (k × P, original units) of each run the window played, if any."""
    records: Mapping[str, Any] = getattr(outcome, "records", {}) or {}
    out: list[np.ndarray | None] = []
    for label in labels:
        record = records.get(label)
        params = getattr(record, "params", None)
        out.append(np.asarray(params, np.float64) if params is not None and len(params) else None)
    return out


def show_lesson_view(window: QWidget, outcome: Any) -> CompareContoursView | None:
    """Show the view a finished lesson declares; otherwise hide an earlier one, return None.

    ``outcome`` is the lesson player's record (``lesson``, ``results`` by label and the
    window's ``records`` by label). The view is one top-level window per main window, sized
    to fit the screen it is on, and reused by the next lesson that declares it.
    """
    lesson: Lesson = outcome.lesson
    view = window.findChild(CompareContoursView, OBJECT_NAME)
    labels = lesson.view[1] if lesson.view is not None else ()
    results: Mapping[str, LessonRun] = outcome.results
    if (
        lesson.view is None
        or lesson.view[0] != "compare-contours"
        or any(label not in results for label in labels)
    ):
        if view is not None:  # an earlier lesson's contours would not belong to this one
            view.hide()
        return None
    if view is None:
        view = CompareContoursView(window)
        # a dialog of the main window: the window manager keeps it above the main window,
        # also when that one fills the screen (presentation mode)
        view.setWindowFlag(Qt.WindowType.Dialog, True)
        screen = window.screen().availableGeometry() if window.screen() else None
        width = min(1100, int(screen.width() * 0.9)) if screen else 1100
        height = min(560, int(screen.height() * 0.8)) if screen else 560
        view.resize(width, height)
    view.setWindowTitle(f"{lesson.title}: contours side by side")
    runs = [_with_contour_pair(lesson, results[label]) for label in labels]
    view.set_runs(runs, lesson_paths(outcome, labels))
    view.shown_for = _screen_key(window)
    view.show()
    view.raise_()
    return view
