"""The window's controls as the flat settings dict of :mod:`core.settings`, and back.

Lessons and sessions speak ``core.settings`` (one validated key per control); this module is
the only place that knows which widget holds which key. Reading never fails (an unreadable
entry falls back to its default); applying sets every control it can and returns a note for
each value a control could not hold as given (a spin box's range, a GPU that is absent).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from core import settings as settings_mod
from gui_app.explore.device import IMPLEMENTATIONS
from gui_app.widgets import set_combo_data

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow


def read_settings(window: MainWindow) -> dict[str, Any]:
    """Every setting as the window's controls show it now (complete and valid)."""
    c = window.controls
    values = settings_mod.defaults()
    extra = getattr(window, "_settings_extra", {})
    values.update(extra)  # keys without a control of their own (no_header, tab)
    values["source"] = c.source()
    values["m"] = c.m_spin.value()
    values["n"] = c.n_spin.value()
    values["noise"] = float(c.noise_spin.value())
    values["scale_spread"] = float(c.spread_spin.value())
    values["correlation"] = float(c.corr_spin.value())
    values["seed"] = c.seed_spin.value()
    values["csv_path"] = c.csv_path.text()
    values["target"] = c.target_combo.currentText() or extra.get("target")
    values["degree"] = c.degree_spin.value()
    values["intercept"] = c.intercept_check.isChecked()
    values["scaling"] = c.scaling_combo.currentData()
    values["solver"] = c.solver()
    alpha = c.alpha()
    values["alpha"] = alpha if alpha is not None else settings_mod.SCHEMA["alpha"].default
    values["alpha_factor"] = None  # the control holds α itself
    values["iterations"] = c.iterations_spin.value()
    tolerance = c.tolerance()
    values["tolerance"] = (
        min(tolerance, 1.0) if tolerance is not None else settings_mod.SCHEMA["tolerance"].default
    )
    values["device"] = c.device_combo.currentData()
    prep = window.prepared
    if prep is not None and window.pair is not None:
        names = prep.problem.parameter_names
        i, j = window.pair
        if max(i, j) < len(names):
            values["contour_x"], values["contour_y"] = names[i], names[j]
    values["equal_axes"] = window.contour.equal_axes.isChecked()
    values["tab"] = current_tab(window, values["tab"])
    return settings_mod.validate(values, "current window")


def current_tab(window: MainWindow, default: str = "explore") -> str:
    """ "timing" when the window has a Timing tab and shows it, else "explore"."""
    tabs, timing = getattr(window, "tabs", None), getattr(window, "timing", None)
    if tabs is None or timing is None:
        return default
    return "timing" if tabs.currentWidget() is timing else "explore"


def show_tab(window: MainWindow, tab: str) -> None:
    """Bring the Explore or the Timing tab forward (where the window has tabs)."""
    if tab == "timing" and hasattr(window, "show_timing_tab"):
        window.show_timing_tab(None)
    elif tab == "explore" and getattr(window, "tabs", None) is not None:
        window.tabs.setCurrentIndex(0)


def _set_spin(spin, value, name: str, notes: list[str]) -> None:
    low, high = spin.minimum(), spin.maximum()
    if value < low or value > high:
        notes.append(
            f"{name} = {value:g} is outside this window's range "
            f"({low:g} to {high:g}); using the nearest"
        )
    # clamp before setValue: a Qt spin box holds a C int, and 2**31 or more overflows
    spin.setValue(min(max(value, low), high))


def apply_settings(window: MainWindow, values: dict[str, Any]) -> list[str]:
    """Set every control to ``values`` (a complete settings dict); return notes.

    ``alpha_factor`` is not resolved here (it needs α_max of the prepared problem, see
    :func:`apply_view`); ``alpha`` is shown meanwhile. The window prepares the new problem
    by itself (its controls' signals are left connected; preparing is debounced).
    """
    values = settings_mod.validate(values, "settings")
    c = window.controls
    notes: list[str] = []
    window._settings_extra = {
        "no_header": values["no_header"],
        "tab": values["tab"],
        "target": values["target"],
    }
    if values["source"] == "csv":
        if values["csv_path"]:
            c.set_csv_path(values["csv_path"])
            if values["target"]:
                c.target_combo.addItem(values["target"])
                c.target_combo.setCurrentText(values["target"])
        else:
            notes.append("the CSV source has no file: choose one with Open…")
            set_combo_data(c.source_combo, "csv")
    else:
        set_combo_data(c.source_combo, values["source"])
    _set_spin(c.m_spin, values["m"], "m", notes)
    _set_spin(c.n_spin, values["n"], "n", notes)
    _set_spin(c.noise_spin, values["noise"], "noise", notes)
    _set_spin(c.spread_spin, values["scale_spread"], "scale spread", notes)
    _set_spin(c.corr_spin, values["correlation"], "correlation", notes)
    _set_spin(c.seed_spin, values["seed"], "seed", notes)
    _set_spin(c.degree_spin, values["degree"], "degree", notes)
    c.intercept_check.setChecked(values["intercept"])
    set_combo_data(c.scaling_combo, values["scaling"])
    solver = values["solver"]
    if solver in IMPLEMENTATIONS:
        set_combo_data(c.solver_combo, "gd")
        set_combo_data(c.impl_combo, solver)
    else:
        set_combo_data(c.solver_combo, solver)
    c.set_alpha(values["alpha"])
    _set_spin(c.iterations_spin, max(values["iterations"], 1), "iterations", notes)
    c.tolerance_edit.setText(repr(values["tolerance"]))
    device_item = c.device_combo.model().item(1)
    if values["device"] == "gpu" and not device_item.isEnabled():
        notes.append("the GPU is not available here: running on the CPU")
        set_combo_data(c.device_combo, "cpu")
    else:
        set_combo_data(c.device_combo, values["device"])
    window.contour.equal_axes.setChecked(values["equal_axes"])
    if not model_matches(window):
        window.request_prepare()  # (a run cancels a pending prepare: only when needed)
    return notes


def model_matches(window: MainWindow) -> bool:
    """Whether the problem on screen is the one the controls describe now."""
    prep = window.prepared
    return prep is not None and prep.spec == window.controls.model_spec()


def apply_view(window: MainWindow, values: dict[str, Any]) -> float | None:
    """Once the problem is prepared: resolve ``alpha_factor`` into α and choose the contour
    pair by parameter name. Returns the α set (None when the settings give it directly)."""
    from core.lessons import alpha_for

    prep = window.prepared
    if prep is None:
        return None
    alpha = None
    if values.get("alpha_factor") is not None:
        alpha = alpha_for(values, prep.problem)
        if math.isfinite(alpha) and alpha > 0:
            window.controls.set_alpha(alpha)
            # set_alpha shows 4 digits; keep the exact value for the run
            window.controls.alpha_edit.setText(repr(alpha))
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
