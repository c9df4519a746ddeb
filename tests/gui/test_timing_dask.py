"""The Timing tab's dask rows (pytest-qt, offscreen): bars, their explanation and the sweep
when the cluster extra is installed; an unticked box that says why when it is not."""

from __future__ import annotations

import pytest

TIMEOUT = 30_000
#: Two workers as threads of this process: quick to start, the same code as processes.
QUICK = {
    "warmup_s": 0.01,
    "bandwidth_bytes": 32 << 20,
    "time_budget_s": 0.5,
    "dask_workers": 2,
    "dask_processes": False,
}


@pytest.fixture
def timing(window, qtbot):
    """The Timing tab of the real window, shown."""
    window.show_timing_tab(None)
    return window.timing


def test_dask_rows_are_drawn_and_explained(timing, qtbot):
    pytest.importorskip("distributed")
    assert timing.impl_checks["dask"].isEnabled()
    timing.config_overrides = dict(QUICK)
    timing.m_spin.setValue(3000)
    timing.n_spin.setValue(10)
    timing.repeats_spin.setValue(2)
    timing.set_impls(("vectorised", "dask"))
    timing.sweep_combo.setCurrentIndex(timing.sweep_combo.findData("m"))
    timing.points_spin.setValue(timing.points_spin.minimum())
    with qtbot.waitSignal(timing.report_ready, timeout=TIMEOUT) as blocker:
        timing.run_button.click()
    report = blocker.args[0]
    impls = {r.impl for r in timing.time_bars.rows}
    assert {"vectorised", "dask", "dask-gram", "one-process"} <= impls
    assert all(r.verified for r in timing.time_bars.rows if not r.skipped)
    why = timing.why.toPlainText()
    assert "dask-gram" in why and "one-process" in why
    assert "scheduling (empty tasks)" in why and "one pass on the cluster" in why
    assert "starting the cluster" in why and "(neither counted)" in why
    # what this run measured comes first; the implementations it did not run after them
    assert why.index("■ dask") < why.index("■ loop") and why.index("■ vectorised") < why.index(
        "■ loop"
    )
    assert "local cluster of 2 workers" in timing.machine_label.text()
    assert "Dask: the cluster's step" in timing.message.text()
    # the sweep's chart has a curve for the cluster's step and for one process
    curves = set(timing.scaling.slopes)
    assert {"dask · 2 threads", "one-process · 2 threads", "dask-gram · 1 thread"} <= curves
    assert len(report.summary["dask"]["ratio_one_process_over_dask"]) >= 2


def test_without_the_extra_the_dask_box_is_unticked_and_says_why(window, qtbot, monkeypatch):
    import core.cluster
    from gui_app.timing.view import TimingView

    monkeypatch.setattr(core.cluster, "missing", lambda: "dask is not installed (pip ...)")
    view = TimingView()
    qtbot.addWidget(view)
    box = view.impl_checks["dask"]
    assert not box.isChecked() and "dask is not installed" in box.toolTip()
