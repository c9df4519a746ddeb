"""The Timing tab's "time to reach a cost" page through its controls and worker (offscreen).

Tiny sizes keep a run to about a second; the numbers are checked in tests/core/test_to_cost.py
and measured in benchmarks/, not here.
"""

from __future__ import annotations

import pytest

TIMEOUT = 30_000


@pytest.fixture
def page(window, qtbot):
    """The Timing tab of the real window, on its time-to-cost page, at a tiny size."""
    window.show_timing_tab(None)
    timing = window.timing
    timing.pages.setCurrentWidget(timing.to_cost)
    panel = timing.to_cost
    panel.m_spin.setValue(1000)
    panel.n_spin.setValue(8)
    panel.batch_edit.setText("10, 100")
    panel.target_edit.setText("1e-2, 1e-6")
    panel.repeats_spin.setValue(1)
    return panel


def test_run_shows_a_row_per_method_and_target(page, qtbot):
    with qtbot.waitSignal(page.report_ready, timeout=TIMEOUT) as blocker:
        page.run_button.click()
        assert page.cancel_button.isEnabled() and not page.run_button.isEnabled()
    report = blocker.args[0]
    rows = page.table_rows()
    expected = [
        (eps, method, b)
        for eps in ("0.01", "1e-06")
        for method, b in (("batch GD", "1,000"), ("SGD", "10"), ("SGD", "100"))
    ]
    assert [(r[0], r[1], r[2]) for r in rows] == expected
    for row, text in zip(report.rows, rows, strict=True):
        assert text[-1].startswith("yes" if row.reached else "no")
        if row.reached:
            assert text[4] == f"{row.updates:,}"
        # m·n = 8,000: the search checked the cost after every update
        assert text[6] == "each" and row.check_every == 1
    # both charts have a labelled bar (or a "not reached" text) for every row
    for chart in (page.seconds_chart, page.passes_chart):
        assert len(chart.labels) == len(report.rows)
        assert chart.labels[0] == "ε 0.01 · batch GD"
        texts = chart.bar_texts()
        for row, text in zip(report.rows, texts, strict=True):
            assert ("not reached" in text) == (not row.reached), (row.label, text)
    # the explanation is written from this run: it names batch GD's passes at ε = 0.01
    gd = report.rows[0]
    why = page.why.toPlainText()
    assert f"batch GD reached it in {gd.passes:.3g} pass" in why
    assert "m = 1,000, n = 8" in why
    assert page.progress_bar.value() == 1000 and page.run_button.isEnabled()
    assert "after every update" in why
    # a run of about a second reads as seconds or milliseconds, never "0 s"
    assert page.message.text().startswith("Measured in ") and " 0 s" not in page.message.text()


def test_default_batch_sizes_not_below_m_are_left_out(page):
    page.batch_edit.setText("32, 256, 4096")  # the defaults
    page.m_spin.setValue(4000)
    config = page.config()
    assert config.batch_sizes == (32, 256) and config.dropped_batch_sizes == (4096,)
    page.batch_edit.setText("32, 4000")  # typed by the user: refused, not dropped
    assert page.run() is None
    assert "below m = 4,000" in page.message.text()


def test_a_bad_list_is_a_message_and_nothing_runs(page, qtbot):
    page.batch_edit.setText("32, many")
    assert page.run() is None
    assert "whole numbers" in page.message.text() and "many" in page.message.text()
    page.batch_edit.setText("10")
    page.target_edit.setText("2")
    assert page.run() is None
    assert "0 &lt; ε &lt; 1" in page.message.text() or "0 < ε < 1" in page.message.text()
    assert not page.running and page.run_button.isEnabled()


def test_a_size_beyond_memory_is_a_message(page, qtbot):
    page.m_spin.setValue(10**9)
    page.n_spin.setValue(10**5)
    with qtbot.waitSignal(page.run_ended, timeout=TIMEOUT) as blocker:
        page.run()
    assert blocker.args == ["failed"]
    assert "memory" in page.message.text().lower() or "fit" in page.message.text().lower()
    assert page.run_button.isEnabled() and not page.worker.is_busy()


def test_cancel_leaves_the_page_usable(page, qtbot):
    page.m_spin.setValue(200_000)
    page.n_spin.setValue(50)
    with qtbot.waitSignal(page.run_ended, timeout=TIMEOUT) as blocker:
        page.run()
        page.cancel()
    assert blocker.args == ["cancelled"]
    assert page.run_button.isEnabled() and not page.cancel_button.isEnabled()
    assert page.report is None


def test_starting_a_step_benchmark_cancels_this_page(window, page, qtbot):
    page.m_spin.setValue(200_000)
    page.n_spin.setValue(50)
    timing = window.timing
    timing.config_overrides = {"warmup_s": 0.01, "bandwidth_bytes": 1 << 20}
    timing.m_spin.setValue(500)
    timing.n_spin.setValue(5)
    timing.set_impls(("vectorised",))
    with qtbot.waitSignals([page.run_ended, timing.report_ready], timeout=TIMEOUT):
        page.run()
        timing.run()
    assert page.progress_label.text() == "cancelled" and page.report is None
    assert timing.report is not None and not timing.running
    # a lesson's preset brings the step page back
    timing.pages.setCurrentWidget(page)
    window.show_timing_tab("small")
    assert timing.pages.currentIndex() == 0
