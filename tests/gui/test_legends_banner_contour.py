"""Legends, banner and contour grid at a laptop's size (1366 × 768): what a tester found."""

from __future__ import annotations

import numpy as np

from gui_app.explore.views.curves import (
    LEGEND_PARAMS,
    LEGEND_RUNS,
    LearningCurveView,
    ParametersView,
    short_label,
)


def _box_and_data(plot, legend):
    box = legend.mapRectToItem(plot, legend.boundingRect())
    data = plot.vb.mapRectToItem(plot, plot.vb.boundingRect())
    return box, data


def test_learning_curve_legend_names_the_latest_runs_and_counts_the_rest(qtbot):
    """Eight runs with long labels: the legend names the latest few, readable (scale 1, 8 pt)
    and off the data; the earlier ones are counted in one entry, the full labels in tooltips."""
    view = LearningCurveView()
    qtbot.addWidget(view)
    view.resize(420, 300)
    view.show()
    labels = [f"GD α={0.01 * (k + 1):.3g}, z-score, degree 3 · housing (CSV)" for k in range(8)]
    for label in labels:
        view.new_run(label)
        view.set_current(np.arange(50.0), np.linspace(10.0, 1.0, 50))
    qtbot.wait(20)
    texts = view.legend_texts()
    assert len(texts) == LEGEND_RUNS + 1
    assert texts[0] == f"+{8 - LEGEND_RUNS} earlier runs (faded)"
    assert texts[-1] == short_label(f"#8 {labels[-1]}") == "#8 GD α=0.08"
    assert all(len(t) <= 30 for t in texts)
    tips = [label.toolTip() for _s, label in view.legend.items]
    assert tips[-1] == f"#8 {labels[-1]}" and f"#1 {labels[0]}" in tips[0]
    assert view.legend.scale() == 1.0
    box, data = _box_and_data(view.plot, view.legend)
    assert not box.intersects(data) and data.height() >= 100, (box, data)
    assert len(view.curves) == 8  # every run is still drawn


def test_lesson_names_replace_the_run_label(qtbot):
    view = LearningCurveView()
    qtbot.addWidget(view)
    view.new_run("GD α=0.1")
    view.rename_last("unscaled")
    assert view.legend_texts() == ["unscaled"]
    view.clear_runs()
    assert view.legend_texts() == [] and not view.curves


def test_parameters_legend_with_eleven_weights_keeps_the_data_area(qtbot):
    """Degree 10: eleven coefficients and b; the legend names a few and counts the rest, so
    the data area keeps ≥ 100 px at a laptop's plot size."""
    view = ParametersView()
    qtbot.addWidget(view)
    view.resize(430, 300)
    view.show()
    names = [f"w[size^{k}] (price per sq ft^{k})" for k in range(1, 12)] + ["b (price)"]
    view.set_names(names)
    iters = np.arange(20.0)
    view.set_history(iters, np.outer(iters, np.arange(len(view.curves), dtype=float)))
    qtbot.wait(20)
    texts = [label.item.toPlainText() for _s, label in view.legend.items]
    shown_w = LEGEND_PARAMS
    assert len(texts) == shown_w + 2
    assert texts[shown_w] == f"+{10 - shown_w} more coefficients"
    assert texts[-1] == "b (price)"
    box, data = _box_and_data(view.plot, view.legend)
    assert not box.intersects(data)
    assert data.height() >= 100 and data.width() >= 100, data


def test_a_long_banner_message_scrolls_in_a_fixed_height_and_is_its_tooltip(window, qtbot):
    """The rank-deficient message is longer than the banner's three lines: the banner keeps
    its height (no re-layout of the plots), shows the whole text (scrolling) and its tooltip."""
    from gui_app.explore.state import Message

    window.resize(1366, 740)
    qtbot.wait(20)
    banner = window.message
    height = banner.height()
    text = " ".join(
        ["The columns of X are linearly dependent: many (w, b) fit equally well;"] * 6
        + ["showing the minimum-norm solution."]
    )
    window.state.message = Message(text, "warning")
    window._render_message()
    qtbot.wait(20)
    assert banner.height() == height
    assert banner.text() == text and banner.toolTip() == text
    assert window.statusBar().toolTip() == text
    # the label is taller than the banner: the rest is reached by scrolling, not cut
    assert banner.label.height() > banner.viewport().height()
    assert banner.verticalScrollBar().maximum() > 0
    window.state.message = Message("Ready.", "info")
    window._render_message()
    qtbot.wait(20)
    assert banner.height() == height and banner.verticalScrollBar().maximum() == 0


class _Bowl:
    """A prepared problem's stand-in: J = (w − 1)² + 400 b² (long and narrow contours)."""

    optimum = np.array([1.0, 0.0])

    def cost_surface(self, i, j, u, v):
        uu, vv = np.meshgrid(u, v)
        return (uu - 1.0) ** 2 + 400.0 * vv**2


def _covered(view) -> bool:
    """Whether the contour grid covers all the view box shows."""
    (x0, x1), (y0, y1) = view.plot.getViewBox().viewRange()
    gx0, gx1, gy0, gy1 = view.grid_extent
    return gx0 <= x0 and x1 <= gx1 and gy0 <= y0 and y1 <= gy1


def test_equal_axes_contours_cover_the_whole_view(qtbot):
    """With equal axes the visible range is wider than the path's grid in one direction:
    the grid is recomputed to the view's shape, so no band of the plot is left blank."""
    from gui_app.explore.views.contour import ContourView

    view = ContourView()
    qtbot.addWidget(view)
    view.resize(600, 320)
    view.show()
    qtbot.wait(20)
    view.show_problem(_Bowl(), (0, 1), np.array([-3.0, 0.05]), None, ("w", "b"))
    narrow = view.grid_extent[3] - view.grid_extent[2]
    view.equal_axes.setChecked(True)
    qtbot.waitUntil(lambda: _covered(view), timeout=3000)
    assert view.grid_extent[3] - view.grid_extent[2] > 1.5 * narrow  # taller than the path's
    # a taller view: once the resize settles, the grid follows it
    view.resize(400, 600)
    qtbot.waitUntil(lambda: view.plot.getViewBox().height() > 400, timeout=3000)
    qtbot.waitUntil(lambda: _covered(view), timeout=3000)
    view.equal_axes.setChecked(False)  # back to the path's own grid
    assert abs(view.grid_extent[3] - view.grid_extent[2] - narrow) < 1e-9


def test_scaling_placeholder_wraps_inside_a_narrow_chart(qtbot):
    """At 1366 × 768 the scaling chart is ~330 px wide: its hint wraps inside the data area."""
    from gui_app.timing.scaling import ScalingView

    view = ScalingView()
    qtbot.addWidget(view)
    view.resize(330, 280)
    view.show()
    qtbot.wait(20)
    vb = view.plot_item.vb
    item = view.placeholder
    assert item.isVisible()
    box = item.mapRectToItem(vb, item.boundingRect())
    assert vb.boundingRect().adjusted(-1, -1, 1, 1).contains(box), (box, vb.boundingRect())
    assert "slope of 1" in item.textItem.toPlainText()


def _bandwidth_row(impl: str, fraction: float):
    from types import SimpleNamespace

    return SimpleNamespace(
        impl=impl,
        device="cpu",
        dtype="float64",
        threads=1,
        skipped=False,
        estimated=False,
        bandwidth_fraction=fraction,
        gbps=10.0 * fraction,
    )


def test_bandwidth_above_100_percent_is_explained(qtbot):
    """A bar above 100% (data in cache) comes with a visible note saying why; none below."""
    from gui_app.timing.bars import BandwidthView

    view = BandwidthView()
    qtbot.addWidget(view)
    view.resize(380, 260)
    view.show()
    view.set_rows([_bandwidth_row("vectorised", 0.6), _bandwidth_row("fused", 0.9)])
    assert "cache" not in view.plot_item.titleLabel.text and not view.cached
    view.set_rows([_bandwidth_row("vectorised", 1.87), _bandwidth_row("fused", 3.26)])
    qtbot.wait(20)
    title = view.plot_item.titleLabel
    assert view.cached and "the data fits in cache" in title.text
    # the whole note is drawn, above the data area (not clipped to one title row)
    text = title.item.mapRectToItem(view.plot_item, title.item.boundingRect())
    assert title.boundingRect().height() >= title.item.boundingRect().height() - 1
    data = view.plot_item.vb.mapRectToItem(view.plot_item, view.plot_item.vb.boundingRect())
    assert text.bottom() <= data.top() + 1, (text, data)


def test_short_label_drops_the_data_then_the_model():
    assert short_label("#2 GD α=0.1, z-score · housing") == "#2 GD α=0.1, z-score · housing"
    assert short_label("#3 GD α=0.1, z-score, degree 3 · housing (CSV)") == (
        "#3 GD α=0.1, z-score, degree 3"
    )
    assert short_label("#4 GD α=0.1, z-score, degree 10, no intercept · housing") == ("#4 GD α=0.1")
    assert short_label("x" * 40) == "x" * 29 + "…"


def test_parameters_title_and_axis_label_shorten_instead_of_being_cut(qtbot):
    """A narrow parameters plot (lesson panel open) says "Parameters", not "Parameters w,";
    a wide one the whole title; a short one "value" along its left axis, never a cut label."""
    view = ParametersView()
    qtbot.addWidget(view)
    view.set_names(["w[size]", "b"])
    view.resize(500, 320)
    view.show()
    qtbot.waitUntil(lambda: view.plot.titleLabel.text == "Parameters w, b", timeout=2000)
    assert view.plot.getAxis("left").labelText == "value (original units)"
    view.resize(120, 320)
    qtbot.waitUntil(lambda: view.plot.titleLabel.text == "Parameters", timeout=2000)
    view.resize(500, 140)
    qtbot.waitUntil(lambda: view.plot.getAxis("left").labelText == "value", timeout=2000)
    assert view.plot.titleLabel.text == "Parameters w, b"


def test_learning_curve_legend_stays_full_size_in_a_narrow_plot(qtbot):
    """The lesson panel open leaves the learning curve ~200 px wide: the legend (above the
    data there) keeps its 8 pt labels (scale 1) and the data area keeps ≥ 100 px."""
    view = LearningCurveView()
    qtbot.addWidget(view)
    view.resize(200, 360)
    view.show()
    for k in range(8):
        view.new_run(f"GD α={0.01 * (k + 1):.3g}, z-score, degree 10 · housing")
        view.set_current(np.arange(50.0), np.linspace(10.0, 1.0, 50))
    qtbot.wait(20)
    assert view.legend.scale() == 1.0
    box, data = _box_and_data(view.plot, view.legend)
    assert box.bottom() <= data.top() + 1 and data.height() >= 100, (box, data)
