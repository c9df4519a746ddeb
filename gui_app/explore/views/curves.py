"""The learning curve (cost against iteration or epoch, one curve per run) and the parameters
plot."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from gui_app.explore import plots as style
from gui_app.explore.curve_x import AXIS_LABELS, COMBO_TEXTS
from gui_app.explore.plots import fit_texts, grow_x_range, legend_beside, style_plot

MAX_PARAM_CURVES = 10  # the parameters plot shows the first coefficients and b
#: Runs the learning curve's legend names (the latest ones); older curves stay drawn, faded,
#: under one "+N earlier runs" entry, so that eight runs never cover the data.
LEGEND_RUNS = 3
#: Characters of a run's label the legend shows; the whole label is the entry's tooltip.
LEGEND_LABEL_CHARS = 30
#: Parameters the parameters plot's legend names before one "+N more" entry.
LEGEND_PARAMS = 4
#: The test cost's line style (each run's colour; the training cost J is solid).
DASH = Qt.PenStyle.DashLine
TRAIN_KEY_TIP = "Solid lines: the cost J on the training rows, the cost the solver minimises"
TEST_KEY_TIP = (
    "Dashed lines: the cost 1/(2m)·Σe² on the test rows, held out from training (no penalty); "
    "rising while the training cost falls is overfitting"
)


def short_label(text: str, limit: int = LEGEND_LABEL_CHARS, keep_data: bool = False) -> str:
    """A legend label at most ``limit`` characters: without the data set (after " · "),
    then without the model (after the first ", "), then cut with "…"
    ("#3 GD α=0.1, z-score, degree 10 · housing" → "#3 GD α=0.1, z-score, degree 10",
    then "#3 GD α=0.1"). ``keep_data`` (runs on different data in one legend) drops the
    model first and keeps the data: "#3 GD α=0.1 · insurance.csv"."""
    if keep_data and len(text) > limit and " · " in text:
        head, data = text.split(" · ", 1)
        text = f"{head.split(', ')[0]} · {data}"
        if len(text) > limit and " → " in data:  # the file without its target
            text = f"{head.split(', ')[0]} · {data.split(' → ')[0]}"
    if len(text) > limit and " · " in text and not keep_data:
        text = text.split(" · ")[0]
    if len(text) > limit and ", " in text:
        text = text.split(", ")[0]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def note_item(text: str) -> pg.PlotDataItem:
    """A legend entry with no line: a note such as "+5 earlier runs (faded)"."""
    return pg.PlotDataItem(pen=None, name=text)


def fill_legend(legend: pg.LegendItem, entries: list[tuple[pg.PlotDataItem, str, str]]) -> None:
    """Replace ``legend``'s entries by ``entries`` (item, shown text, tooltip text); the
    texts are plain (escaped here: legend labels are rich text)."""
    legend.clear()
    for item, text, tip in entries:
        legend.addItem(item, html.escape(text, quote=False))
        label = legend.items[-1][1]
        label.setToolTip(tip)


class LearningCurveView(pg.PlotWidget):
    """Cost against iteration (or epoch: :meth:`set_x_mode`) on a log scale; earlier runs
    stay, labelled, for comparison. Every method takes iterations; each curve converts them
    with its run's epochs per iteration (:meth:`set_epoch_factor`)."""

    MAX_RUNS = style.MAX_RUNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        style_plot(self.plot, "Learning curve", "iteration", "cost J (log scale)")
        self.plot.setLogMode(y=True)
        # no "(x1e+12)" after the label: on a log axis that scale factor is meaningless
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        # beside the plot when it is wide enough, else in the top-right corner (a converging
        # run's curve starts top left and ends bottom right)
        # filled by _fill_legend (the latest LEGEND_RUNS runs), not by each added curve
        self.legend = pg.LegendItem(labelTextSize="8pt")
        legend_beside(self.plot, self.legend, min_data_width=260)
        self.curves: list[pg.PlotDataItem] = []
        self._earlier = note_item("")
        # the legend's line-style keys (issue 12): solid training cost, dashed test cost
        self._train_key = pg.PlotDataItem(pen=pg.mkPen("#444", width=2))
        self._test_key = pg.PlotDataItem(pen=pg.mkPen("#444", width=2, style=DASH))
        self.run_count = 0
        self._x_range: list[float] = []
        self.x_mode = "iteration"  # ViewSettings.curve_x
        # the x-axis choice, in the plot's top-right corner (in the title row)
        self.x_combo = QComboBox(self)
        for mode, text in COMBO_TEXTS.items():
            self.x_combo.addItem(text, mode)
        self.x_combo.setToolTip(
            "Learning curve against iterations (updates) or epochs (passes over the data):\n"
            "a mini-batch run of batch size B makes m/B updates per epoch"
        )
        self.x_combo.move(2, 2)
        # the title stands at the left of the title row, clear of the combo at its right; a
        # narrow plot shows the short title (exports keep what the screen shows)
        self.plot.setTitle("Learning curve", size="12pt", color="#111", justify="left")
        fit_texts(self.plot, ("Learning curve", "Cost J"), reserve=lambda: self.x_combo.width() + 8)
        self.x_combo.currentIndexChanged.connect(
            lambda _k: self.set_x_mode(self.x_combo.currentData())
        )

    def set_x_mode(self, mode: str) -> None:
        """Draw every curve against ``mode`` ("iteration" or "epoch"; ViewSettings.curve_x):
        redraws each curve and its batch cost from its iterations and resets the x range."""
        if mode not in AXIS_LABELS:
            raise ValueError(f"learning-curve x-axis {mode!r}: not one of {tuple(AXIS_LABELS)}")
        index = self.x_combo.findData(mode)
        if self.x_combo.currentIndex() != index:
            self.x_combo.blockSignals(True)
            self.x_combo.setCurrentIndex(index)
            self.x_combo.blockSignals(False)
        if mode == self.x_mode:
            return
        self.x_mode = mode
        self.plot.setLabel("bottom", AXIS_LABELS[mode], **style.LABEL_STYLE)
        longest = 0.0
        for curve in self.curves:
            raw = getattr(curve, "raw_data", None)
            if raw is not None:
                _show(curve, self.x_of(curve, raw[0]), raw[1])
                if len(raw[0]):
                    longest = max(longest, float(self.x_of(curve, raw[0][-1])))
            for attr in ("batch_cost_item", "test_cost_item"):
                item = getattr(curve, attr, None)
                if item is not None:
                    item.setData(self.x_of(curve, item.raw_data[0]), item.raw_data[1])
        self._x_range.clear()
        self.plot.enableAutoRange()
        if longest:
            grow_x_range(self.plot, longest, self._x_range)

    def set_epoch_factor(self, curve: pg.PlotDataItem, factor: float) -> None:
        """Give ``curve`` its run's epochs per iteration (B/m for a mini-batch run, else 1:
        :func:`gui_app.explore.curve_x.epochs_per_iteration`)."""
        curve.epoch_factor = float(factor)

    def x_of(self, curve: pg.PlotDataItem | None, iterations: Any) -> Any:
        """``iterations`` (a number or an array) of ``curve``'s run on the x-axis shown."""
        if self.x_mode != "epoch" or curve is None:
            return iterations
        return iterations * getattr(curve, "epoch_factor", 1.0)

    def resizeEvent(self, event: Any) -> None:
        """Keep the x-axis combo as wide as its text in the current font (presentation mode
        enlarges it)."""
        super().resizeEvent(event)
        combo = getattr(self, "x_combo", None)  # (a resize comes during construction)
        if combo is not None:
            combo.adjustSize()
            combo.move(max(self.width() - combo.width() - 2, 0), 2)  # top-right corner

    def new_run(self, label: str, color: str | None = None, race: int = 0) -> None:
        """Start a curve for a new run; older ones fade but keep their labels. A racer
        (``race``: its race's job id, not 0) has its race colour ``color``; the racers of
        one race do not fade each other, and the legend names all of them."""
        self.run_count += 1
        if len(self.curves) >= self.MAX_RUNS:
            self._drop(self.curves.pop(0))
        for curve in self.curves:
            if race and getattr(curve, "race", 0) == race:
                continue  # a fellow racer
            pen = curve.opts["pen"]
            faded = pg.mkColor(pen.color())
            faded.setAlpha(140)
            curve.setPen(pg.mkPen(faded, width=1.5 * style.LINE_SCALE))
            test = getattr(curve, "test_cost_item", None)
            if test is not None:
                test.setPen(pg.mkPen(faded, width=1.5 * style.LINE_SCALE, style=DASH))
        if color is None:
            color = style.RUN_COLORS[(self.run_count - 1) % len(style.RUN_COLORS)]
        curve = pg.PlotDataItem(pen=pg.mkPen(color, width=2.5 * style.LINE_SCALE))
        curve.race = race
        curve.run_label = f"#{self.run_count} {label}"
        curve.opts["name"] = html.escape(curve.run_label, quote=False)  # as pyqtgraph names it
        self.plot.addItem(curve)
        self.curves.append(curve)
        self._finished_shown = False
        self._fill_legend()

    def _fill_legend(self) -> None:
        """Name the latest LEGEND_RUNS runs (short labels, the whole one as tooltip) and
        count the earlier ones, still drawn, in one entry."""
        racers = 0  # the latest race's curves: every one of them is named
        race = getattr(self.curves[-1], "race", 0) if self.curves else 0
        while race and racers < len(self.curves) and self.curves[-1 - racers].race == race:
            racers += 1
        shown = self.curves[-max(LEGEND_RUNS, racers) :]
        datas = {c.run_label.split(" · ", 1)[-1] for c in self.curves if " · " in c.run_label}
        mixed = len(datas) > 1  # runs on different data: each label names its data
        entries = [(c, short_label(c.run_label, keep_data=mixed), c.run_label) for c in shown]
        earlier = len(self.curves) - len(shown)
        if earlier:
            names = "\n".join(c.run_label for c in self.curves[:earlier])
            text = f"+{earlier} earlier run{'s' if earlier > 1 else ''} (faded)"
            entries.insert(0, (self._earlier, text, names))
        kinds = [c for c in shown if getattr(c, "test_cost_item", None) is not None]
        if kinds or any(getattr(c, "penalised", False) for c in shown):
            # which line is which: the runs' colours above, the line styles here
            penalty = (
                " (with penalty)" if any(getattr(c, "penalised", False) for c in shown) else ""
            )
            entries.append((self._train_key, f"training cost J{penalty}", TRAIN_KEY_TIP))
            if kinds:
                entries.append((self._test_key, "test cost", TEST_KEY_TIP))
        fill_legend(self.legend, entries)

    def set_test_cost(
        self,
        curve: pg.PlotDataItem,
        iterations: np.ndarray,
        test_cost: np.ndarray,
        penalised: bool = False,
    ) -> None:
        """Draw a run's test cost (the held-out rows' 1/(2m_test)·Σe², NaN where none) at
        ``iterations`` as a dashed line in the run's colour next to ``curve`` (its training
        cost J, with the penalty when ``penalised``); a child of ``curve``, so it goes when
        the curve goes (an item of the plot, so that the axes hold it). The legend then says
        which line style is which."""
        ok = np.isfinite(test_cost) & (test_cost > 0)
        item = getattr(curve, "test_cost_item", None)
        restyle = bool(penalised) != getattr(curve, "penalised", False)
        curve.penalised = bool(penalised)
        if item is None and ok.any():
            color = pg.mkColor(curve.opts["pen"].color())
            item = pg.PlotDataItem(pen=pg.mkPen(color, width=2 * style.LINE_SCALE, style=DASH))
            self.plot.addItem(item)  # (takes the plot's log y axis, clipping, downsampling)
            curve.test_cost_item = item
            restyle = True
        if item is not None:
            item.raw_data = (iterations[ok], test_cost[ok])
            x = self.x_of(curve, iterations[ok])
            if ok.sum() == 1:  # one point (the normal equation): a hollow marker
                pen = item.opts["pen"]
                item.setData(
                    x, test_cost[ok], symbol="s", symbolSize=9, symbolBrush=None, symbolPen=pen
                )
            else:
                item.setData(x, test_cost[ok], symbol=None)
        if restyle:
            self._fill_legend()

    def test_cost_of(self, curve: pg.PlotDataItem) -> tuple[np.ndarray, np.ndarray] | None:
        """(iterations, test cost) drawn for ``curve``'s run; None when it has none."""
        item = getattr(curve, "test_cost_item", None)
        return None if item is None else item.raw_data

    def legend_texts(self) -> list[str]:
        """The legend's entries as shown (plain text), top to bottom."""
        return [html.unescape(label.text) for _sample, label in self.legend.items]

    def rename_last(self, name: str) -> None:
        """Give the latest curve another legend label (a lesson's run name)."""
        if not self.curves:
            return
        # legend labels are rich text: fill_legend escapes a run label from a file
        self.curves[-1].run_label = name
        self.curves[-1].opts["name"] = html.escape(name, quote=False)
        self._fill_legend()

    def add_finished_run(
        self, name: str, iterations: np.ndarray, cost: np.ndarray, epoch_factor: float = 1.0
    ) -> None:
        """Show a finished run (from a reopened session) as the latest curve; its epochs
        are ``epoch_factor`` × its iterations."""
        self.new_run(name)
        self.rename_last(name)
        self.set_epoch_factor(self.curves[-1], epoch_factor)
        self.set_current(np.asarray(iterations, float), np.asarray(cost, float))
        self._finished_shown = True  # no live run owns it: an empty redraw must not wipe it

    def set_current(self, iterations: np.ndarray, cost: np.ndarray) -> None:
        if not self.curves or (getattr(self, "_finished_shown", False) and not len(iterations)):
            return
        ok = np.isfinite(cost) & (cost > 0)
        curve = self.curves[-1]
        curve.raw_data = (iterations[ok], cost[ok])
        _show(curve, self.x_of(curve, iterations[ok]), cost[ok])
        if len(iterations):
            longest = max(
                [float(self.x_of(curve, iterations[-1]))]
                + [float(c.xData[-1]) for c in self.curves if c.xData is not None and len(c.xData)]
            )
            grow_x_range(self.plot, longest, self._x_range)

    def show_iterations(self, longest: float) -> None:
        """Widen the x axis (never narrow it while runs go on) to hold ``longest`` (in the
        axis's unit: :meth:`x_of`)."""
        grow_x_range(self.plot, longest, self._x_range)

    def set_curve(self, curve: pg.PlotDataItem, iterations: np.ndarray, cost: np.ndarray) -> None:
        """Give ``curve`` (one run's) its cost history (positive finite values only)."""
        if curve in self.curves:
            ok = np.isfinite(cost) & (cost > 0)
            curve.raw_data = (iterations[ok], cost[ok])
            _show(curve, self.x_of(curve, iterations[ok]), cost[ok])

    def remove_curve(self, curve: pg.PlotDataItem) -> None:
        """Take one run's curve away (a run that never took a step)."""
        if curve in self.curves:
            self.curves.remove(curve)
            self._drop(curve)
            self._fill_legend()

    def _drop(self, curve: pg.PlotDataItem) -> None:
        """Take ``curve`` and its test-cost line off the plot."""
        self.plot.removeItem(curve)
        test = getattr(curve, "test_cost_item", None)
        if test is not None:
            self.plot.removeItem(test)

    def clear_runs(self) -> None:
        for curve in self.curves:
            self._drop(curve)
        self.curves.clear()
        self.legend.clear()
        self.run_count = 0
        self._x_range.clear()
        self.plot.enableAutoRange()

    def set_batch_cost(
        self, curve: pg.PlotDataItem, iterations: np.ndarray, batch_cost: np.ndarray
    ) -> None:
        """Draw a mini-batch run's noisy batch cost (NaN where none) at ``iterations`` as a
        thin, light line under ``curve`` (that run's J), shown while :meth:`show_batch_cost`
        is on; a child of ``curve``, so it goes when the curve goes."""
        ok = np.isfinite(batch_cost) & (batch_cost > 0)
        item = getattr(curve, "batch_cost_item", None)
        if item is None:
            if not ok.any():
                return
            color = pg.mkColor(curve.opts["pen"].color())
            color.setAlpha(80)
            item = pg.PlotDataItem(pen=pg.mkPen(color, width=1))
            item.setParentItem(curve)
            item.setFlag(item.GraphicsItemFlag.ItemStacksBehindParent)
            item.setLogMode(False, True)  # the plot's log y axis (not set on a child item)
            curve.batch_cost_item = item
        item.raw_data = (iterations[ok], batch_cost[ok])
        item.setData(self.x_of(curve, iterations[ok]), batch_cost[ok])
        item.setVisible(getattr(self, "_batch_cost_shown", False))

    def show_batch_cost(self, on: bool) -> None:
        """Show or hide the batch-cost lines (:meth:`set_batch_cost`) of every run."""
        self._batch_cost_shown = on
        for curve in self.curves:
            item = getattr(curve, "batch_cost_item", None)
            if item is not None:
                item.setVisible(on)

    def current_points(self) -> int:
        if not self.curves:
            return 0
        x, _y = self.curves[-1].getData()
        return 0 if x is None else len(x)


class ParametersView(pg.PlotWidget):
    """w and b against iteration, in original units (the first few coefficients and b)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        style_plot(self.plot, "Parameters w, b", "iteration", "value (original units)")
        # narrow (the lesson panel open) or short (a long legend above): shorter, never cut
        fit_texts(self.plot, ("Parameters w, b", "Parameters"), ("value (original units)", "value"))
        self.plot.setClipToView(True)
        # the legend goes beside the plot: the curves may fill every corner of it; it names
        # at most LEGEND_PARAMS coefficients and b (filled in set_names), so that eleven
        # weights leave the data area its height
        self.legend = pg.LegendItem(labelTextSize="8pt")
        legend_beside(self.plot, self.legend)
        self._more = note_item("")
        self.curves: list[pg.PlotDataItem] = []
        self.targets: list[pg.InfiniteLine] = []
        self._names: list[str] = []
        self._x_range: list[float] = []
        self._note: pg.TextItem | None = None

    def set_names(self, names: list[str]) -> None:
        names = names[:MAX_PARAM_CURVES] + (
            [names[-1]] if len(names) > MAX_PARAM_CURVES and names[-1].startswith("b") else []
        )
        if names == self._names:
            return
        for curve in self.curves:
            self.legend.removeItem(curve)
            self.plot.removeItem(curve)
        for line in self.targets:
            self.plot.removeItem(line)
        self.curves, self.targets = [], []
        self._names = names
        self._x_range.clear()  # a new problem: no axis range of the old one stays
        self.plot.enableAutoRange()
        for k, name in enumerate(names):
            color = style.RUN_COLORS[k % len(style.RUN_COLORS)]
            curve = pg.PlotDataItem(pen=pg.mkPen(color, width=2 * style.LINE_SCALE))
            curve.opts["name"] = name
            self.plot.addItem(curve)
            self.curves.append(curve)
            dash = pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine)
            line = pg.InfiniteLine(angle=0, pen=dash)
            line.setVisible(False)
            self.plot.addItem(line)
            self.targets.append(line)
        self._fill_legend()

    def _fill_legend(self) -> None:
        """The first LEGEND_PARAMS coefficients and b by name; the rest counted in one entry
        whose tooltip lists them."""
        names = self._names
        has_b = bool(names) and names[-1].startswith("b")
        weights = list(zip(self.curves, names, strict=False))[: len(names) - has_b]
        entries = [(c, short_label(n), n) for c, n in weights[:LEGEND_PARAMS]]
        rest = weights[LEGEND_PARAMS:]
        if rest:
            text = f"+{len(rest)} more coefficients"
            entries.append((self._more, text, "\n".join(n for _c, n in rest)))
        if has_b:
            entries.append((self.curves[-1], short_label(names[-1]), names[-1]))
        fill_legend(self.legend, entries)

    def columns(self, n_coef: int, intercept: bool) -> list[int]:
        """Indices into [w..., b] of the curves shown."""
        cols = list(range(min(n_coef, MAX_PARAM_CURVES)))
        if intercept:
            cols.append(n_coef)
        return cols

    def set_history(self, iterations: np.ndarray, values: np.ndarray) -> None:
        """The shown parameters' values (k × curves) at ``iterations`` (k); none: empty."""
        for k, curve in enumerate(self.curves):
            if len(iterations) == 0:
                curve.setData([], [])
            elif k < values.shape[1]:
                curve.setData(iterations, values[:, k])
        if len(iterations):
            grow_x_range(self.plot, float(iterations[-1]), self._x_range)

    def set_note(self, text: str | None) -> None:
        """A note in the middle of the plot (None: none): why it is empty during a race."""
        if text is None:
            if self._note is not None:
                self.plot.removeItem(self._note)
                self._note = None
            return
        if self._note is None:
            self._note = pg.TextItem(color="#333", anchor=(0.5, 0.5))
            self._note.setZValue(10)
            self.plot.addItem(self._note, ignoreBounds=True)
        self._note.setText(text)
        vb = self.plot.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        self._note.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def set_targets(self, values: np.ndarray | None) -> None:
        for k, line in enumerate(self.targets):
            if values is None or k >= len(values):
                line.setVisible(False)
            else:
                line.setValue(float(values[k]))
                line.setVisible(True)


def _show(curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """Draw one run's cost history; a run of one point (the normal equation: no iterations)
    gets a marker, since a line through one point draws nothing."""
    if len(x) == 1:
        pen = curve.opts["pen"]
        color = pen.color() if hasattr(pen, "color") else pen
        curve.setData(x, y, symbol="o", symbolSize=9, symbolBrush=color, symbolPen=color)
    else:
        curve.setData(x, y, symbol=None)
