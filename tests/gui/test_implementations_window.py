"""The implementation choice in the real window (issue 13, item 2): every implementation is
offered, those that cannot run here are disabled with the reason, each available one gives
the vectorised run's path, the live numbers show the time per iteration, and a choice that
becomes impossible falls back to vectorised with a visible note."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.backend import GpuStatus
from core.settings import RunSettings
from core.solvers import IMPLEMENTATIONS, unavailable
from gui_app.explore.device import DeviceBox
from gui_app.explore.state import run_label
from gui_app.widgets import set_combo_data

TIMEOUT = 120_000  # the first compiled or fused run compiles its numba kernels
ON_CPU = [name for name in IMPLEMENTATIONS if not unavailable(name, "cpu")]
TIME_ROW = re.compile(r"time / iteration.*?<b>([\d.]+) (ns|µs|ms|s) · (\w+)</b>")


def _item(combo, name):
    return combo.model().item(combo.findData(name))


def _run(window, qtbot, implementation: str):
    """Run 300 plain GD iterations on the housing demo with ``implementation``; the final
    snapshot."""
    c = window.controls
    assert set_combo_data(c.impl_combo, implementation)
    assert c.implementation() == implementation
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT) as blocker:
        c.run_button.click()
    snap = blocker.args[0]
    assert window.state.settings.run.implementation == implementation
    return snap


def test_every_implementation_is_offered_and_the_gpu_one_off_with_its_reason(window):
    c = window.controls
    combo = c.impl_combo
    assert [combo.itemData(k) for k in range(combo.count())] == list(IMPLEMENTATIONS)
    assert {"vectorised", "loop", "gram"} <= set(ON_CPU)
    for name in IMPLEMENTATIONS:
        item = _item(combo, name)
        tip = combo.itemData(combo.findData(name), Qt.ItemDataRole.ToolTipRole)
        if name in ON_CPU:
            assert item.isEnabled(), name
            assert "Not available" not in tip
        else:  # cupy here (no GPU): off, with the reason in its tooltip and the note
            assert not item.isEnabled(), name
            assert "Not available: " in tip
            assert f"{name}:" in c.device_box.impl_info.text()
    assert not _item(combo, "cupy").isEnabled()  # the CPU device is on


def test_each_implementation_runs_the_same_path_and_shows_its_time_per_iteration(window, qtbot):
    c = window.controls
    c.iterations_spin.setValue(300)
    c.tolerance_edit.setText("0")  # every run takes all 300 steps
    finals = {}
    for name in ON_CPU:
        snap = _run(window, qtbot, name)
        assert snap.iteration == 300 and not snap.diverged, (name, snap.message)
        finals[name] = snap
        found = TIME_ROW.search(window.numbers.numbers.text())
        assert found, window.numbers.numbers.text()
        assert float(found.group(1)) > 0 and found.group(3) == name  # this run's, not stale
        label = window.state.current.label
        assert (f"[{name}]" in label) == (name != "vectorised"), label
    ref = finals["vectorised"]
    for name, snap in finals.items():
        np.testing.assert_allclose(snap.w, ref.w, rtol=1e-9, err_msg=name)
        assert snap.b == pytest.approx(ref.b, rel=1e-9), name
    # the learning curves of the same run told apart by their implementation
    labels = [curve.run_label for curve in window.learning.curves]
    assert len(set(labels)) == len(labels)


def test_an_implementation_that_cannot_run_falls_back_with_a_note(window, qtbot):
    c = window.controls
    box = c.device_box
    set_combo_data(c.impl_combo, "gram")
    assert c.implementation() == "gram"
    assert "XᵀX once" in c.estimate_label.text()
    # sgd with mini-batches: the Gram form needs the full batch
    set_combo_data(c.solver_combo, "sgd")
    c.optimizer_box.batch_spin.setValue(10)
    assert c.implementation() == "vectorised"
    assert not _item(c.impl_combo, "gram").isEnabled()
    note = box.fallback_note()
    assert "full batch" in note and "vectorised" in note
    assert "full batch" in box.impl_info.text()
    # the keyboard cannot choose a disabled implementation either
    c.optimizer_box.batch_spin.setValue(0)  # the full batch: gram is on again, and back
    assert _item(c.impl_combo, "gram").isEnabled()
    assert c.implementation() == "gram" and box.fallback_note() == ""
    set_combo_data(c.impl_combo, "gram")
    qtbot.keyClick(c.impl_combo, Qt.Key.Key_Down)  # the next one is cupy: off
    assert c.implementation() == "gram"
    # a run after a fall back says so in the banner
    c.optimizer_box.batch_spin.setValue(10)
    c.iterations_spin.setValue(20)
    with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
        c.run_button.click()
        said = window.state.message.text  # "Running …" and the note, until the run ends
    assert window.state.settings.run.implementation == "vectorised"
    assert "Gram form" in said and "vectorised" in said, said
    # back to full-batch gradient descent: the choice set aside comes back
    set_combo_data(c.solver_combo, "gd")
    assert c.implementation() == "gram" and box.fallback_note() == ""
    # the user's own pick clears the note and forgets the choice set aside
    c.optimizer_box.batch_spin.setValue(10)
    set_combo_data(c.solver_combo, "sgd")
    assert c.implementation() == "vectorised" and box.fallback_note()
    c.impl_combo.activated.emit(c.impl_combo.currentIndex())
    assert box.fallback_note() == ""
    set_combo_data(c.solver_combo, "gd")
    assert c.implementation() == "vectorised"


def test_the_normal_equation_turns_the_implementation_off_with_why(window):
    c = window.controls
    set_combo_data(c.solver_combo, "normal")
    assert not c.impl_combo.isEnabled()
    assert "normal equation" in c.impl_combo.toolTip()
    assert "normal equation" in c.device_box.impl_info.text()
    set_combo_data(c.solver_combo, "adam")  # every iterative solver has one
    assert c.impl_combo.isEnabled()


def test_settings_carry_the_implementation_and_gd_loop_still_loads(window):
    c = window.controls
    legacy = window.state.settings.replace(solver="gd-loop")  # an old session or lesson
    assert legacy.run.solver == "gd" and legacy.run.implementation == "loop"
    assert c.set_settings(legacy) == []
    assert c.solver() == "gd" and c.implementation() == "loop"
    assert c.settings(legacy).run == legacy.run
    # a session asking for what cannot run here: shown as vectorised, with a note
    asked = window.state.settings.replace(solver="sgd", batch_size=10, implementation="gram")
    notes = c.set_settings(asked)
    assert c.implementation() == "vectorised"
    assert any("Gram form" in note for note in notes), notes


def test_a_device_switch_falls_back_from_a_cpu_implementation(qtbot):
    """On a machine with a GPU, choosing it while the loops are chosen falls back (the
    status is made up: no GPU is needed to check the box)."""
    box = DeviceBox(lambda: 100)
    qtbot.addWidget(box)
    box.set_problem_size(100, 4)
    box.set_gpu_status(GpuStatus(True, "made-up GPU", ""))
    set_combo_data(box.impl_combo, "loop")
    assert box.implementation() == "loop" and "Python loops" in box.estimate_label.text()
    set_combo_data(box.device_combo, "gpu")
    assert box.implementation() == "vectorised"
    assert "CPU only" in box.fallback_note() and "CPU only" in box.impl_info.text()
    for name in ("loop", "compiled", "fused", "gram"):
        assert not _item(box.impl_combo, name).isEnabled(), name


def test_run_labels_name_a_non_vectorised_implementation():
    from core.settings import DataSettings, ModelSettings

    data, model = DataSettings(), ModelSettings()
    assert "[" not in run_label(RunSettings(), model, data)
    assert run_label(RunSettings(implementation="gram"), model, data).startswith(
        "GD α=0.1 [gram], "
    )
    assert "[" not in run_label(RunSettings(solver="normal", implementation="gram"), model, data)
