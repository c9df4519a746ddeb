"""The Timing tab through its real controls and its benchmark worker (pytest-qt, offscreen).

Small sizes and a short warm-up keep every run to about a second; the numbers themselves are
checked in tests/core and benchmarks/, not here.
"""

from __future__ import annotations

import csv
import json
import threading

import pytest

from gui_app.timing.bench_worker import THREAD_NAME

TIMEOUT = 20_000
QUICK = {"warmup_s": 0.01, "bandwidth_bytes": 32 << 20, "time_budget_s": 0.5}
CPU_IMPLS = ("loop", "compiled", "vectorised", "fused", "gram")


def _small(view, m=2000, n=50, impls=CPU_IMPLS, repeats=2):
    view.config_overrides = dict(QUICK)
    view.m_spin.setValue(m)
    view.n_spin.setValue(n)
    view.repeats_spin.setValue(repeats)
    view.set_impls(impls)


def _bench_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


@pytest.fixture
def timing(window, qtbot):
    """The Timing tab of the real window, shown."""
    window.show_timing_tab(None)
    return window.timing


def test_run_draws_one_bar_per_implementation_with_speedups(window, timing, qtbot):
    _small(timing)
    with qtbot.waitSignal(timing.report_ready, timeout=TIMEOUT) as blocker:
        timing.run_button.click()
        assert timing.cancel_button.isEnabled() and not timing.run_button.isEnabled()
    report = blocker.args[0]
    bars = timing.time_bars
    impls = {r.impl for r in bars.rows}
    assert impls == set(CPU_IMPLS)
    assert "textbook-line" not in impls  # the course's line is a check, not a bar
    assert len(bars.rows) == len(bars.texts) == len(bars.labels)
    texts = bars.bar_texts()
    for row, text in zip(bars.rows, texts, strict=True):
        if row.impl == "loop":
            assert "baseline" in text
        elif not row.skipped:
            assert "x vs loop" in text, text
        if row.estimated:
            assert "estimated from" in text
    # the other charts and panels follow the same report
    assert timing.bandwidth.bars.isVisible()
    assert "vectorised" in timing.why.toPlainText() and "BLAS" in timing.why.toPlainText()
    assert "Measured read bandwidth" in timing.machine_label.text()
    assert timing.message_kind in ("ok", "warning") and "faster than the" in timing.message.text()
    assert timing.progress_bar.value() == 1000
    assert timing.run_button.isEnabled() and timing.export_json_button.isEnabled()
    assert all(r.verified for r in report.results if r.verified is not None)


def test_sweep_shows_slopes(timing, qtbot):
    _small(timing, m=4000, n=20, impls=("vectorised", "gram"), repeats=1)
    timing.sweep_combo.setCurrentIndex(1)  # m
    timing.points_spin.setValue(3)
    with qtbot.waitSignal(timing.report_ready, timeout=TIMEOUT):
        timing.run()
    assert timing.scaling.curves and timing.scaling.legend.isVisible()
    assert "slope" in timing.scaling.legend.text()
    assert set(timing.scaling.slopes) >= {"vectorised · 1 thread", "gram · 1 thread"}
    # the bars show the largest size of the sweep only
    assert {(r.m, r.n) for r in timing.time_bars.rows} == {(4000, 20)}


def test_cancel_mid_run_leaves_the_tab_usable(timing, qtbot):
    _small(timing, m=20_000, n=200, impls=("loop", "vectorised"), repeats=50)
    timing.config_overrides = {**QUICK, "time_budget_s": 30.0}  # a long loop row
    progress = []
    timing.worker.progress.connect(lambda _id, f, text: progress.append(text))
    timing.run()
    qtbot.waitUntil(lambda: any(t.startswith("loop") for t in progress), timeout=TIMEOUT)
    with qtbot.waitSignal(timing.run_ended, timeout=5_000) as blocker:
        timing.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert "cancelled" in timing.message.text() and timing.message_kind == "warning"
    assert timing.run_button.isEnabled() and not timing.cancel_button.isEnabled()
    assert not timing.worker.is_busy()
    # and a new run still works
    _small(timing, impls=("vectorised", "gram"), repeats=1)
    with qtbot.waitSignal(timing.report_ready, timeout=TIMEOUT):
        timing.run()


def test_textbook_preset_and_lesson_entry(window, qtbot):
    timing = window.timing
    timing.m_spin.setValue(123)
    timing.n_spin.setValue(7)
    timing.dtype_combo.setCurrentText("float32")
    timing.textbook_button.click()
    assert (timing.m_spin.value(), timing.n_spin.value()) == (100_000, 1_000)
    assert timing.dtype_combo.currentText() == "float64"
    assert timing.config().m == 100_000 and timing.config().n == 1_000
    window.tabs.setCurrentIndex(0)
    timing.m_spin.setValue(5)
    window.show_timing_tab()
    assert window.tabs.currentWidget() is timing
    assert timing.m_spin.value() == 100_000
    assert not timing.worker.is_busy()  # a preset never starts a run
    with pytest.raises(ValueError, match="unknown timing preset"):
        window.show_timing_tab("nonsense")


def test_export_writes_parseable_csv_and_json(timing, qtbot, tmp_path):
    _small(timing, impls=("loop", "vectorised", "gram"), repeats=1)
    with qtbot.waitSignal(timing.report_ready, timeout=TIMEOUT):
        timing.run()
    csv_path = tmp_path / "timing.csv"
    json_path = tmp_path / "timing.json"
    timing.export(str(csv_path))
    assert timing.message_kind == "ok" and str(csv_path) in timing.message.text()
    timing.export(str(json_path))
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(timing.report.results)
    assert {r["impl"] for r in rows} >= {"loop", "vectorised", "gram"}
    vectorised_row = next(r for r in rows if r["impl"] == "vectorised")
    assert float(vectorised_row["seconds_median"]) > 0 and vectorised_row["estimated"] in (
        "True",
        "False",
    )
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert set(data) >= {"machine", "results"}
    assert len(data["results"]) == len(rows)
    assert {
        "impl",
        "m",
        "n",
        "dtype",
        "threads",
        "seconds_median",
        "seconds_min",
        "seconds_max",
        "estimated",
        "gflops",
        "gbps",
    } <= set(data["results"][0])
    # a path that cannot be written is a message, not a traceback
    timing.export(str(tmp_path / "missing-dir" / "x.json"))
    assert timing.message_kind == "error" and "Could not export" in timing.message.text()
    assert "missing-dir" in timing.message.text()  # the message names the path
    # a folder is refused, and the earlier export is still whole
    timing.export(str(tmp_path))
    assert timing.message_kind == "error" and "folder" in timing.message.text()
    assert json.loads(json_path.read_text(encoding="utf-8")) == data


def test_absurd_size_is_a_message(timing, qtbot):
    timing.m_spin.setValue(10**9)
    timing.n_spin.setValue(10**5)
    with qtbot.waitSignal(timing.run_ended, timeout=TIMEOUT) as blocker:
        timing.run()
    assert blocker.args == ["failed"]
    assert timing.message_kind == "error"
    assert "memory" in timing.message.text().lower() or "fit" in timing.message.text().lower()
    assert timing.run_button.isEnabled() and not timing.worker.is_busy()


def test_no_benchmark_thread_outlives_the_window(window, qtbot):
    timing = window.timing
    _small(timing, m=20_000, n=200, impls=("loop",), repeats=50)
    timing.config_overrides = {**QUICK, "time_budget_s": 30.0}
    timing.run()
    qtbot.waitUntil(lambda: bool(_bench_threads()), timeout=TIMEOUT)
    window.close()  # mid-run: closing cancels and joins the benchmark thread
    assert not _bench_threads()


def _scene_rect_in_view(chart, item):
    """``item``'s bounding rectangle in the chart's view-box pixels."""
    return item.mapRectToItem(chart.plot_item.vb, item.boundingRect())


@pytest.mark.parametrize("width", [1366, 1920])
def test_bar_texts_stay_inside_the_charts(window, timing, qtbot, width):
    """At a 1366- and a 1920-px window every bar's text lies across inside its chart's data
    area (none runs past the right edge or starts left of the chart), and the 100% caption
    below the chart's top edge."""
    from PySide6.QtCore import QSize

    from gui_app.explore.screen_fit import fit_size

    _small(timing)
    window.resize(fit_size(QSize(width, width * 9 // 16 - 40)))
    with qtbot.waitSignal(timing.report_ready, timeout=TIMEOUT):
        timing.run_button.click()
    qtbot.wait(50)
    for chart in (timing.time_bars, timing.bandwidth):
        area = chart.plot_item.vb.boundingRect().adjusted(-1, -1, 1, 1)
        assert chart.texts
        for item in chart.texts:  # across: the text's box (rows are checked by eye)
            box = _scene_rect_in_view(chart, item)
            inside = area.left() <= box.left() and box.right() <= area.right()
            assert inside, (type(chart).__name__, item.textItem.toPlainText(), box, area)
    caption = _scene_rect_in_view(timing.bandwidth, timing.bandwidth.limit_text)
    area = timing.bandwidth.plot_item.vb.boundingRect().adjusted(-1, -1, 1, 1)
    assert caption.top() >= area.top() and caption.right() <= area.right(), (caption, area)


def test_the_tab_takes_its_ranges_from_the_bench_limits(qtbot):
    """The Timing tab and `gd-explorer bench` share one definition of each option's range."""
    from core.timing import limits
    from gui_app.timing.view import TimingView

    view = TimingView()
    qtbot.addWidget(view)
    for spin, limit in (
        (view.m_spin, limits.M),
        (view.n_spin, limits.N),
        (view.repeats_spin, limits.REPEATS),
        (view.points_spin, limits.POINTS),
    ):
        assert (spin.minimum(), spin.maximum()) == (limit.low, limit.high)
        assert limit.range_text in spin.toolTip()
    view.shutdown()
