"""How the window draws what item 4 of issue 11 adds for watching a step: the speed and Back
buttons' wiring, the contour's hover readout, last-step arrow and gradient arrow, the 3-D
surface and the step panel. Like :mod:`gui_app.explore.paint`, it only paints the state.

The window calls :func:`attach_watch` once, :func:`paint_watch` at the end of every
``render`` and :func:`redraw_watch` with every live redraw of the contour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QWidget,
)

from gui_app.explore.plots import RACE_COLORS, parameter_short_names
from gui_app.explore.state import ExploreState, RunStatus, start_theta
from gui_app.explore.views.contour_watch import descent_on_pair, hover_text

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow

SURFACE_POINTS = 61  # the 3-D grid per axis (a GL mesh: coarser than the contour's 121)
#: What makes the step panel, the arrows or the 3-D view stale.
WATCH_ASPECTS = frozenset(
    {"problem", "pair", "history", "status", "speed", "settings", "optimum", "start", "finished"}
)


def describe_point(state: ExploreState, x: float, y: float) -> str | None:
    """The contour's hover readout at ``(x, y)`` of the pair, None when no problem is shown."""
    prep = state.prepared
    if prep is None or state.pair is None or not state.prepared_matches():
        return None
    if prep.problem.n_params < 2:
        return None
    return hover_text(prep, state.pair, parameter_short_names(prep.problem), x, y)


def current_theta(state: ExploreState) -> np.ndarray | None:
    """θ of the run on screen at its last snapshot, else the start point (None: no problem)."""
    if state.prepared is None or not state.prepared_matches():
        return None
    history = state.current_history()
    if history is not None and len(history):
        return history.theta.view()[-1]
    return start_theta(state)


def last_step(state: ExploreState) -> tuple[np.ndarray, np.ndarray] | None:
    """(θ_{k−1}, θ_k) of the run on screen when its last two snapshots are one iteration
    apart and it is watched (a finite speed, or paused), else None."""
    history = state.current_history()
    watched = state.settings.view.speed > 0 or state.status is RunStatus.PAUSED
    if history is None or len(history) < 2 or not watched or state.race is not None:
        return None
    it, _cost = history.arrays()
    if it[-1] - it[-2] != 1:
        return None
    theta = history.theta.view()
    return theta[-2], theta[-1]


def attach_watch(window: MainWindow) -> None:
    """Wire the speed control, Back 1, the hover readout and the step panel's refresh."""
    box = window.controls.run_box
    box.speed_changed.connect(window.controller.set_speed)
    box.step_back_requested.connect(window.controller.step_back)
    box.set_speed(window.state.settings.view.speed)
    window.contour.watch.describe = lambda x, y: describe_point(window.state, x, y)
    window.contour.watch.show_gradient.toggled.connect(lambda _on: redraw_watch(window))
    # the step panel shows the settings as the controls show them, before any Run
    timer = QTimer(window, singleShot=True, interval=120)
    timer.timeout.connect(lambda: refresh_step_panel(window))
    for w in window.controls.findChildren(QWidget):
        if isinstance(w, QComboBox):
            w.currentIndexChanged.connect(timer.start)
        elif isinstance(w, QAbstractSpinBox):
            w.editingFinished.connect(timer.start)
            if hasattr(w, "valueChanged"):
                w.valueChanged.connect(timer.start)
        elif isinstance(w, QLineEdit):
            # typed or set by a button (Polyak's α and μ, 0.5·α_max): textChanged both
            w.textChanged.connect(timer.start)
        elif isinstance(w, QCheckBox):
            w.toggled.connect(timer.start)
    window.controls.settings_shown.connect(timer.start)  # set_settings blocks the above
    window.step_refresh = timer
    # the contour's grid changes with its range (a new pair, a finished run's wider path):
    # the 3-D surface follows once the range settles
    surface_timer = QTimer(window, singleShot=True, interval=100)
    surface_timer.timeout.connect(lambda: draw_surface(window))
    window.contour.plot.getViewBox().sigRangeChanged.connect(lambda *_a: surface_timer.start())
    refresh_step_panel(window)


def refresh_step_panel(window: MainWindow) -> None:
    """Show one step of the solver the controls show, on the data on screen."""
    state = window.state
    try:
        run = window.controls.settings(state.settings, strict=False).run
    except Exception:  # a half-typed value: show the settings the state holds
        run = state.settings.run
    prep = state.prepared
    if prep is None or not state.prepared_matches():
        window.step_panel.show_step(run, None, None, True)
        return
    problem = prep.problem
    window.step_panel.show_step(run, problem.m, problem.n, bool(problem.intercept))


def paint_watch(window: MainWindow, changed: frozenset[str]) -> None:
    """Bring the watch views up to date after ``render(state, changed)``."""
    if not changed & WATCH_ASPECTS:
        return
    if "speed" in changed:
        window.controls.run_box.set_speed(window.state.settings.view.speed)
    if changed & {"problem", "pair", "optimum"}:
        draw_surface(window)
    if changed & {"problem", "settings", "status"}:
        refresh_step_panel(window)
    if changed & {"problem", "pair", "status", "speed", "start"}:
        redraw_watch(window)


def draw_surface(window: MainWindow) -> None:
    """The 3-D surface over the contour's grid (the same slice: others at the optimum)."""
    state = window.state
    prep, extent = state.prepared, window.contour.grid_extent
    key = (id(prep), state.pair, extent)
    if getattr(window, "_surface_key", None) == key:
        return  # drawn already
    window._surface_key = key
    if prep is None or state.pair is None or extent is None or prep.problem.n_params < 2:
        window.surface3d.set_surface(None, None, None)
        return
    u = np.linspace(extent[0], extent[1], SURFACE_POINTS)
    v = np.linspace(extent[2], extent[3], SURFACE_POINTS)
    window.surface3d.set_surface(u, v, prep.cost_surface(*state.pair, u, v))
    names = parameter_short_names(prep.problem)
    others = "" if prep.problem.n_params == 2 else ", the other parameters at the optimum"
    window.surface3d.set_caption(
        f"J over {names[state.pair[0]]} (x) and {names[state.pair[1]]} (y){others}; "
        "the path (a race: each racer's in its colour). Drag to turn, wheel to zoom."
    )


def follow_watched_point(window: MainWindow, theta: np.ndarray) -> None:
    """While a run is watched (a finite speed, or paused) and its current point ``theta``
    leaves the contour's grid, widen the grid to hold the path so far (the contour otherwise
    widens only when the run ends): the point and its arrows stay in view."""
    state = window.state
    extent = window.contour.grid_extent
    history = state.current_history()
    watched = state.settings.view.speed > 0 or state.status is RunStatus.PAUSED
    if extent is None or history is None or not watched or state.race is not None:
        return
    i, j = state.pair
    x, y = float(theta[i]), float(theta[j])
    if not (np.isfinite(x) and np.isfinite(y)):
        return
    if extent[0] <= x <= extent[1] and extent[2] <= y <= extent[3]:
        return
    window.contour.show_problem(
        state.prepared,
        state.pair,
        start_theta(state),
        history.theta.view(),
        window.contour.axis_texts,
    )


def redraw_watch(window: MainWindow) -> None:
    """The last-step arrow, the gradient arrow and the 3-D path from the state."""
    state = window.state
    watch = window.contour.watch
    theta = current_theta(state)
    if theta is None or state.pair is None or state.prepared.problem.n_params < 2:
        watch.clear()
        window.surface3d.set_path(None, None)
        window.surface3d.set_race_paths([])
        return
    i, j = state.pair
    follow_watched_point(window, theta)
    step = last_step(state)
    watch.set_step(
        None if step is None else (step[0][i], step[0][j]),
        None if step is None else (step[1][i], step[1][j]),
    )
    if watch.show_gradient.isChecked():
        descent = descent_on_pair(state.prepared.problem, theta, state.pair)
        watch.set_gradient(np.array([theta[i], theta[j]]), descent)
    else:
        watch.set_gradient(None, None)
    history = state.current_history()
    if history is None or not len(history):
        window.surface3d.set_path(None, None)
    else:
        path = history.theta.view()
        window.surface3d.set_path(path[:, i], path[:, j])
    window.surface3d.set_race_paths(race_paths(state))


def race_paths(state: ExploreState) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """The shown racers' paths on the contour pair, each with its race colour (empty without
    a race on screen)."""
    if state.race is None or state.pair is None:
        return []
    i, j = state.pair
    shown = state.shown_runs()
    paths = []
    for k, run in enumerate(state.race.runs):
        if any(run is r for r in shown) and len(run.history):
            theta = run.history.theta.view()
            paths.append((theta[:, i], theta[:, j], RACE_COLORS[k % len(RACE_COLORS)]))
    return paths
