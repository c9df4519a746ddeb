"""Soak (issue 6, item 4), short version: 30 cycles of run / stop / new run / a dialog opened
and closed, with no crash, no error, no thread left behind, and resident memory (RSS) growing
less than 10 % between cycle 10 and the last one. Tiny data (the housing demo) keeps it to a
few seconds, so it runs in CI.

The 500-cycle soak is ``python benchmarks/soak_cycles.py`` (it runs this test with
``GDX_SOAK_CYCLES=500``, baseline at cycle 50, and prints the measurements); the 30-minute
run of the real window is ``benchmarks/soak_gui.py``.
"""

from __future__ import annotations

import gc
import os
import threading
import time

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

import gui_app.explore.file_page as controls_module

CYCLES = int(os.environ.get("GDX_SOAK_CYCLES", "30"))
# Memory is compared from a cycle after warm-up (first runs, JIT, plot buffers) to the end.
BASELINE_CYCLE = max(1, min(50, CYCLES // 3))
MAX_GROWTH = float(os.environ.get("GDX_SOAK_MAX_GROWTH", "0.10"))  # RSS end / baseline - 1
TIMEOUT = 15_000
_DIALOG_DIR = [""]  # a small folder for the file dialog to list (set by the test)


def rss_bytes() -> int:
    """Resident set size of this process, now (Linux /proc; ru_maxrss is only the peak)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _open_and_reject_file_dialog(parent, caption="", directory="", *_args, **_kwargs):
    """Stands in for the static (possibly native) file dialog: a real, non-native
    QFileDialog shown modally and rejected, as a user cancelling it would."""
    dialog = QFileDialog(parent, caption, directory or _DIALOG_DIR[0])
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    QTimer.singleShot(0, dialog.reject)
    dialog.exec()
    dialog.deleteLater()
    return "", ""


def _message_box(parent) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "GD Explorer", "Soak test", parent=parent)
    QTimer.singleShot(0, box.reject)
    box.exec()
    box.deleteLater()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")
def test_soak_run_stop_new_run_dialog(window, qtbot, monkeypatch, tmp_path):
    (tmp_path / "data.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    _DIALOG_DIR[0] = str(tmp_path)
    monkeypatch.setattr(
        controls_module.QFileDialog, "getOpenFileName", _open_and_reject_file_dialog
    )
    c = window.controls
    c.tolerance_edit.setText("0")
    c.set_alpha(0.3)
    finals: list = []
    window.run_finished.connect(lambda snap: finals.append(snap.status))

    def long_run() -> None:
        c.iterations_spin.setValue(5_000_000)
        with qtbot.waitSignal(window.worker.snapshots, timeout=TIMEOUT):
            window.run()

    def wait_finished(count: int) -> None:
        if len(finals) < count:  # signals, not polling: 500 cycles stay quick
            with qtbot.waitSignal(window.run_finished, timeout=TIMEOUT):
                pass
        qtbot.waitUntil(lambda: not window.running and not window.worker.is_busy(), timeout=TIMEOUT)

    t0 = time.perf_counter()
    baseline = None
    threads_at_baseline = None
    for cycle in range(1, CYCLES + 1):
        long_run()  # run …
        window.stop()  # … stop …
        wait_finished(2 * cycle - 1)
        c.iterations_spin.setValue(5_000_000)  # … run again, and at once replace it by a
        window.run()  # new, short run (a new run cancels the one going)
        c.iterations_spin.setValue(20)
        window.run()
        wait_finished(2 * cycle)
        if cycle % 2:
            c.open_button.click()  # the real slot, with the dialog replaced (above)
        else:
            _message_box(window)
        if cycle == BASELINE_CYCLE:
            gc.collect()
            baseline = rss_bytes()
            threads_at_baseline = threading.active_count()
    gc.collect()
    end = rss_bytes()
    seconds = time.perf_counter() - t0
    assert finals[-1] == "max_iterations" and finals.count("cancelled") == CYCLES
    assert window.message_kind in ("ok", "warning")
    growth = end / baseline - 1
    print(
        f"soak: {CYCLES} cycles in {seconds:.1f} s; RSS at cycle {BASELINE_CYCLE} "
        f"{baseline / 1e6:.1f} MB, at the end {end / 1e6:.1f} MB ({growth:+.1%})"
    )
    assert growth < MAX_GROWTH, f"RSS grew {growth:.1%} from cycle {BASELINE_CYCLE} to {CYCLES}"
    assert threading.active_count() == threads_at_baseline  # one worker, reused
    window.close()
    assert not any(t.name == "gdx-worker" for t in threading.enumerate())
    running = [
        t
        for t in gc.get_objects()
        if isinstance(t, QThread) and t.isRunning() and t is not QThread.currentThread()
    ]
    assert not running
