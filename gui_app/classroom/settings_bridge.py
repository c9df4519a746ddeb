"""Lessons and sessions speak the flat settings dict of :mod:`core.settings`; this module
adapts it to the window, which speaks :class:`core.settings.Settings`.

There is one way to read and one way to write the controls: :meth:`ControlPanel.settings`
and :meth:`ControlPanel.set_settings` (gui_app.explore.controls), which returns a note for
each value a control cannot hold. Values without a control (the file's read options and
column roles, chosen in the import preview; the target before the file is loaded; the view)
live in the window's state (``window.state.settings``, written by its controller); the
view's contour pair is ``window.state.pair``, its tab the window's tabs. Reading never
fails; applying sets every control and returns the notes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from core.settings import Settings

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow


def window_settings(window: MainWindow) -> Settings:
    """Every setting as the window shows it now: the controls, the state for keys without a
    control, the contour pair, equal axes, the learning curve's x-axis and the tab."""
    state = window.state
    settings = window.controls.settings(state.settings, strict=False)
    view: dict[str, Any] = {
        "equal_axes": window.contour.equal_axes.isChecked(),
        "curve_x": window.learning.x_mode,
        "tab": current_tab(window, settings.view.tab),
    }
    prep = state.prepared
    if prep is not None and state.pair is not None and state.prepared_matches():
        names = prep.problem.parameter_names
        i, j = state.pair
        if max(i, j) < len(names) and i != j:
            view["contour_x"], view["contour_y"] = names[i], names[j]
    return settings.replace(**view)


def read_settings(window: MainWindow) -> dict[str, Any]:
    """Every setting as the window shows it now, as the flat dict lessons and sessions store
    (complete and valid)."""
    return window_settings(window).flat()


def current_tab(window: MainWindow, default: str = "explore") -> str:
    """The tab in front: "timing", "data", "evaluate" or "explore" (``default`` without
    tabs)."""
    tab_name = getattr(window, "tab_name", None)
    if callable(tab_name):  # the main window says, without building a tab not yet shown
        return tab_name()
    tabs, timing = getattr(window, "tabs", None), getattr(window, "timing", None)
    if tabs is None or timing is None:
        return default
    if tabs.currentWidget() is timing:
        return "timing"
    if tabs.currentWidget() is getattr(window, "evaluate", None):
        return "evaluate"
    return "data" if tabs.currentWidget() is getattr(window, "data_tab", None) else "explore"


def show_tab(window: MainWindow, tab: str) -> None:
    """Bring the Explore, Data, Timing or Evaluate tab forward (where the window has tabs)."""
    tabs = getattr(window, "tabs", None)
    if tab == "timing" and hasattr(window, "show_timing_tab"):
        window.show_timing_tab(None)
    elif tab == "data" and tabs is not None and getattr(window, "data_tab", None) is not None:
        tabs.setCurrentWidget(window.data_tab)
    elif tab == "evaluate" and tabs is not None and getattr(window, "evaluate", None) is not None:
        tabs.setCurrentWidget(window.evaluate)
    elif tab == "explore" and tabs is not None:
        tabs.setCurrentIndex(0)


def apply_settings(window: MainWindow, values: dict[str, Any]) -> list[str]:
    """Show ``values`` (a flat settings dict) in the window; return a note for each value a
    control could not hold as given (its nearest is shown and used).

    The settings the controls then show (keys without a control from ``values``) become the
    state's, through the controller: a new data or model stops a run and is prepared
    (debounced). ``alpha_factor`` and the contour pair need the prepared problem: see
    :func:`apply_view`. Raises InputError (core.errors) for values that are not valid.
    """
    settings = Settings.from_flat(values, "settings")
    notes = window.controls.set_settings(settings)
    window.contour.equal_axes.setChecked(settings.view.equal_axes)
    window.learning.set_x_mode(settings.view.curve_x)
    window.controller.settings_changed(window.controls.settings(settings, strict=False))
    state = window.state
    if not state.prepared_matches():
        window.schedule_prepare()  # (a run cancels a pending prepare: only when needed)
    elif state.settings.data.source == "csv" and not window.controller.running:
        # the same file again: the worker re-reads it if it changed on disk (or says it is
        # gone), else answers its cached problem at once
        window.schedule_prepare()
    return notes


def apply_view(window: MainWindow, values: dict[str, Any], optimal: bool = False) -> float | None:
    """Once the problem is prepared: resolve ``alpha_factor`` into α, or with ``optimal`` set
    α (and μ for momentum, nesterov) from the theory (:func:`core.lessons.resolved_run`, as
    the CLI's ``--optimal``), and choose the contour pair by parameter name. Returns the α set
    (None when the settings give it directly). Raises InputError when the theory has no
    optimum for the prepared problem.
    """
    from core.lessons import alpha_for, resolved_run

    prep = window.prepared
    if prep is None:
        return None
    alpha = None
    if optimal:
        run = resolved_run(values, prep.problem, optimal=True)
        alpha = run.alpha
        controls = window.controls
        chosen = controls.settings(window.state.settings, strict=False).replace(
            alpha=run.alpha, alpha_factor=None, momentum=run.momentum
        )
        controls.set_settings(chosen)
        # μ may have no control: the state takes it from ``chosen``, α from its control
        window.controller.settings_changed(controls.settings(chosen, strict=False))
    elif values.get("alpha_factor") is not None:
        alpha = alpha_for(values, prep.problem)
        if math.isfinite(alpha) and alpha > 0:
            controls = window.controls
            controls.set_settings(
                controls.settings(window.state.settings, strict=False).replace(alpha=alpha)
            )
    names = prep.problem.parameter_names
    x, y = values.get("contour_x"), values.get("contour_y")
    if x in names and y in names and x != y:
        i, j = names.index(x), names.index(y)
        contour = window.contour
        for combo, k in ((contour.x_combo, i), (contour.y_combo, j)):
            combo.blockSignals(True)
            combo.setCurrentIndex(k)
            combo.blockSignals(False)
        if window.pair != (i, j):
            contour.pair_changed.emit(i, j)
    return alpha
