"""The Evaluate tab (issue 12, items 3 and 6): is the model on screen any good, and where does
a more flexible model start to overfit.

- Residuals ŷ − y against the prediction ŷ, and predicted against actual with the line
  ŷ = y, for the model on screen; training rows filled, test rows hollow (Okabe & Ito's
  colour-blind-safe blue and vermillion, and a different fill, so the two parts differ without
  colour too).
- The degree sweep (train and test RMSE against the polynomial degree: the validation curve)
  and the regularisation path (coefficients and RMSE against λ on a log axis), each started
  by its button and computed in the background (:mod:`gui_app.explore.sweep_job`), with a
  progress bar and Cancel; the degree or λ with the lowest test RMSE is marked.

The view draws what it is given and emits what the user asks for; it decides nothing.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.evaluation.metrics import target_unit, test_predictions, train_predictions
from gui_app.explore import plots as style
from gui_app.explore.plots import legend_beside, style_plot

#: Okabe & Ito (https://jfly.uni-koeln.de/color/): training rows blue, test rows vermillion.
TRAIN_COLOR, TEST_COLOR, BEST_COLOR = "#0072B2", "#D55E00", "#009E73"
#: The residual plots draw at most this many rows of each part (every k-th row beyond).
MAX_POINTS = 20_000
MIN_PLOT_HEIGHT = 180
PENALTIES = (("l2", "L2 (ridge)"), ("l1", "L1 (lasso)"))
LEGEND_COEFS = 3  # coefficients the path's legend names before "+N more"
#: An error curve that climbs far above its lowest point is cut at this multiple of it, so
#: the low part (where the test error is lowest) stays readable; the rest leaves the top.
#: The degree sweep keeps more (degree 1's underfit is half its story).
FOCUS_FACTOR = {"degree": 4.0, "path": 2.5}


def _plot(title: str, bottom: str, left: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    style_plot(widget.getPlotItem(), title, bottom, left)
    widget.setMinimumHeight(MIN_PLOT_HEIGHT)
    widget.setMinimumWidth(220)
    return widget


def _legend(widget: pg.PlotWidget) -> pg.LegendItem:
    legend = pg.LegendItem(labelTextSize="9pt")
    legend_beside(widget.getPlotItem(), legend, min_data_width=200)
    return legend


def _units(target: str) -> str:
    unit = target_unit(target)
    return f" ({unit})" if unit else ""


def _coef_name(name: str) -> str:
    """A coefficient's legend name without units: "speed (km/h)^2" → "w[speed^2]"."""
    bare = re.sub(r"\s*\([^()]*\)", "", name) or name
    return f"w[{bare}]"


def _focus(widget: pg.PlotWidget, curves: list[np.ndarray], factor: float) -> str:
    """Show the y range from 0 to the curves' top, or to ``factor`` × their lowest value
    when they climb higher (x auto-ranges); returns words saying so ("" when not cut)."""
    values = np.concatenate([np.asarray(c, float) for c in curves]) if curves else np.zeros(0)
    values = values[np.isfinite(values)]
    box = widget.getPlotItem().getViewBox()
    box.enableAutoRange(x=True)
    if values.size == 0:
        box.enableAutoRange(y=True)
        return ""
    top, words = float(values.max()), ""
    if values.min() > 0 and top > factor * values.min():
        top = factor * float(values.min())
        words = f"y axis cut at {factor:g}× the lowest RMSE (right-click → View All)"
    box.setYRange(0, top, padding=0.05)
    return words


def _set_curve(item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """``item.setData(x, y)``; nothing drawn when no y is finite (no test set)."""
    if not np.isfinite(y).any():
        x = y = np.zeros(0)
    item.setData(x, y)


def _decade(k: int) -> str:
    """The label of 10^k: 0.01, 0.1, 1, 10, 100, else 1e-4 / 1e4."""
    return f"{10.0**k:g}" if -2 <= k <= 2 else f"1e{k}"


def _thin(values: np.ndarray) -> np.ndarray:
    step = max(1, -(-len(values) // MAX_POINTS))
    return values[::step]


class EvaluateView(QWidget):
    """The Evaluate tab: residual plots of the model on screen, the degree sweep and the
    regularisation path (signals ask for the sweeps; ``show_*`` methods draw results)."""

    degree_sweep_requested = Signal(int)  # max degree
    path_requested = Signal(str, float, float, int)  # "l2" | "l1", λ from, λ to, points
    cancel_requested = Signal()
    shown = Signal()  # the tab came into view (the residual plots may be out of date)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = "y"
        self.buttons: dict[str, tuple[QPushButton, QPushButton]] = {}  # start, Cancel by group
        self.bars: dict[str, QProgressBar] = {}
        self.notes: dict[str, QLabel] = {}
        self.model_note = QLabel()
        self.model_note.setWordWrap(True)
        self.model_note.setTextFormat(Qt.TextFormat.PlainText)
        self.resid = _plot("Residuals", "prediction ŷ", "residual ŷ − y")
        self.pva = _plot("Predicted against actual", "actual y", "predicted ŷ")
        self.resid.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#666", width=1)))
        self.diagonal = pg.PlotDataItem(pen=pg.mkPen("#666", width=1, style=Qt.PenStyle.DashLine))
        self.pva.addItem(self.diagonal)
        self.points: dict[str, dict[str, pg.ScatterPlotItem]] = {}
        for name, widget in (("resid", self.resid), ("pva", self.pva)):
            legend = _legend(widget)
            self.points[name] = {}
            for part, color, brush in (
                ("train", TRAIN_COLOR, pg.mkBrush(TRAIN_COLOR)),
                ("test", TEST_COLOR, pg.mkBrush(None)),
            ):
                item = pg.ScatterPlotItem(
                    size=7, pen=pg.mkPen(color, width=1.5), brush=brush, symbol="o"
                )
                widget.addItem(item)
                self.points[name][part] = item
            legend.addItem(self.points[name]["train"], "training rows")
            legend.addItem(self.points[name]["test"], "test rows")
        top = QWidget()
        tl = QHBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.resid)
        tl.addWidget(self.pva)
        bottom = QWidget()
        bl = QHBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self._build_degree(), 2)
        bl.addWidget(self._build_path(), 3)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setChildrenCollapsible(False)
        split.setSizes([300, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.model_note)
        layout.addWidget(split, 1)
        self.show_model(None, None, "No run on screen.")

    # -- construction ---------------------------------------------------------------------------
    def _group_row(self, group: str, box: QGroupBox, inputs: list[QWidget]) -> QVBoxLayout:
        run = QPushButton("Sweep degree" if group == "degree" else "Compute path")
        cancel = QPushButton("Cancel")
        cancel.setEnabled(False)
        cancel.clicked.connect(self.cancel_requested)
        bar = QProgressBar()
        bar.setRange(0, 1)
        bar.setValue(0)
        bar.setMaximumWidth(140)
        note = QLabel()
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        for widget in (*inputs, run, cancel):
            row.addWidget(widget)
        row.addStretch(1)
        row2 = QHBoxLayout()
        row2.addWidget(bar)
        row2.addWidget(note, 1)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addLayout(row2)
        self.buttons[group] = (run, cancel)
        self.bars[group] = bar
        self.notes[group] = note
        return layout

    def _build_degree(self) -> QGroupBox:
        box = QGroupBox("Degree sweep (validation curve)")
        self.max_degree = QSpinBox()
        self.max_degree.setRange(2, 20)
        self.max_degree.setValue(10)
        self.max_degree.setPrefix("degree 1 … ")
        self.max_degree.setToolTip("fit every polynomial degree from 1 to this one")
        layout = self._group_row("degree", box, [self.max_degree])
        self.sweep_plot = _plot("RMSE against degree", "polynomial degree", "RMSE")
        legend = _legend(self.sweep_plot)
        self.sweep_train = self.sweep_plot.plot(
            pen=pg.mkPen(TRAIN_COLOR, width=2), symbol="o", symbolBrush=TRAIN_COLOR,
            symbolPen=TRAIN_COLOR, symbolSize=7, connect="finite",
        )  # fmt: skip
        self.sweep_test = self.sweep_plot.plot(
            pen=pg.mkPen(TEST_COLOR, width=2, style=Qt.PenStyle.DashLine), symbol="o",
            symbolBrush=None, symbolPen=pg.mkPen(TEST_COLOR, width=1.5), symbolSize=7,
            connect="finite",
        )  # fmt: skip
        legend.addItem(self.sweep_train, "training RMSE")
        legend.addItem(self.sweep_test, "test RMSE")
        dotted = pg.mkPen(BEST_COLOR, width=2, style=Qt.PenStyle.DotLine)
        self.best_degree = pg.InfiniteLine(angle=90, pen=dotted)
        self.best_degree.hide()  # shown with a sweep's result
        self.sweep_plot.addItem(self.best_degree)
        layout.addWidget(self.sweep_plot, 1)
        self.buttons["degree"][0].clicked.connect(
            lambda: self.degree_sweep_requested.emit(self.max_degree.value())
        )
        return box

    def _build_path(self) -> QGroupBox:
        box = QGroupBox("Regularisation path")
        self.penalty = QComboBox()
        self.penalty.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for key, text in PENALTIES:
            self.penalty.addItem(text, key)
        self.lambda_lo, self.lambda_hi = QLineEdit("1e-4"), QLineEdit("1e4")
        for edit in (self.lambda_lo, self.lambda_hi):
            edit.setMaximumWidth(70)
        self.lambda_count = QSpinBox()
        self.lambda_count.setRange(2, 60)
        self.lambda_count.setValue(17)
        self.lambda_count.setSuffix(" values")
        inputs = [
            self.penalty, QLabel("λ from"), self.lambda_lo, QLabel("to"), self.lambda_hi,
            self.lambda_count,
        ]  # fmt: skip
        layout = self._group_row("path", box, inputs)
        self.coef_plot = _plot("Coefficients against λ", "λ (log scale)", "w (training coord.)")
        self.path_plot = _plot("RMSE against λ", "λ (log scale)", "RMSE")
        for widget in (self.coef_plot, self.path_plot):
            widget.getPlotItem().setLogMode(x=True, y=False)
        self.coef_legend = _legend(self.coef_plot)
        self.coef_lines: list[pg.PlotDataItem] = []
        legend = _legend(self.path_plot)
        self.path_train = self.path_plot.plot(pen=pg.mkPen(TRAIN_COLOR, width=2))
        self.path_test = self.path_plot.plot(
            pen=pg.mkPen(TEST_COLOR, width=2, style=Qt.PenStyle.DashLine)
        )
        legend.addItem(self.path_train, "training RMSE")
        legend.addItem(self.path_test, "test RMSE")
        dotted = pg.mkPen(BEST_COLOR, width=2, style=Qt.PenStyle.DotLine)
        self.best_lambda = {w: pg.InfiniteLine(angle=90, pen=dotted) for w in ("coef", "rmse")}
        for line in self.best_lambda.values():
            line.hide()  # shown with a path's result
        self.coef_plot.addItem(self.best_lambda["coef"])
        self.path_plot.addItem(self.best_lambda["rmse"])
        plots = QHBoxLayout()
        plots.addWidget(self.coef_plot)
        plots.addWidget(self.path_plot)
        layout.addLayout(plots, 1)
        self.buttons["path"][0].clicked.connect(self._ask_path)
        return box

    def _ask_path(self) -> None:
        try:
            lo, hi = float(self.lambda_lo.text()), float(self.lambda_hi.text())
        except ValueError:
            self.show_note("path", "Type the λ range as numbers, e.g. 1e-4 and 1e4.")
            return
        kind = self.penalty.currentData()
        self.path_requested.emit(kind, lo, hi, self.lambda_count.value())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.shown.emit()

    # -- the model on screen ----------------------------------------------------------------------
    def show_model(self, problem: Any, snap: Any, words: str) -> None:
        """Draw the residuals and predicted-vs-actual of ``snap`` (a Snapshot: training
        coordinates ``w_scaled``, ``b_scaled``) on ``problem``; ``words`` names the model.
        ``problem`` None clears both plots and shows ``words``."""
        empty = np.zeros(0)
        if problem is None or snap is None:
            for items in self.points.values():
                for item in items.values():
                    item.setData(empty, empty)
            self.diagonal.setData(empty, empty)
            self.model_note.setText(words)
            return
        target = problem.source.target_name
        self.set_target(target)
        parts = {
            "train": (problem.dataset.y, train_predictions(problem, snap.w_scaled, snap.b_scaled))
        }
        test_hat = test_predictions(problem, snap.w_scaled, snap.b_scaled)
        parts["test"] = (problem.test.y, test_hat) if test_hat is not None else (empty, empty)
        if not all(np.isfinite(y_hat).all() for _y, y_hat in parts.values()):
            why = "its predictions are not finite numbers (the run diverged): no residuals"
            self.show_model(None, None, f"Model: {words}: {why}.")
            return
        lows, highs = [], []
        thinned = False
        for part, (y, y_hat) in parts.items():
            y = np.asarray(y, np.float64)
            thinned |= len(y) > MAX_POINTS
            y, y_hat = _thin(y), _thin(y_hat)
            self.points["resid"][part].setData(y_hat, y_hat - y)
            self.points["pva"][part].setData(y, y_hat)
            if len(y):
                lows.append(min(y.min(), y_hat.min()))
                highs.append(max(y.max(), y_hat.max()))
        if lows:
            self.diagonal.setData([min(lows), max(highs)], [min(lows), max(highs)])
        test_words = (
            f"{problem.test.y.size:,} test rows hollow"
            if problem.test is not None
            else "no test set (set the test fraction above 0 to hold rows out)"
        )
        note = f"Model: {words}. {problem.m:,} training rows filled, {test_words}."
        self.model_note.setText(note + (" Every k-th row drawn." if thinned else ""))

    def set_target(self, target: str) -> None:
        """Put ``target``'s unit in the axis labels."""
        if target == self.target:
            return
        self.target = target
        u = _units(target)
        labels = {
            self.resid: (f"prediction ŷ{u}", f"residual ŷ − y{u}"),
            self.pva: (f"actual y{u}", f"predicted ŷ{u}"),
            self.sweep_plot: ("polynomial degree", f"RMSE{u}"),
            self.path_plot: ("λ (log scale)", f"RMSE{u}"),
        }
        for widget, (bottom, left) in labels.items():
            widget.setLabel("bottom", bottom, **style.LABEL_STYLE)
            widget.setLabel("left", left, **style.LABEL_STYLE)

    # -- sweeps ---------------------------------------------------------------------------------
    def set_busy(self, group: str, busy: bool) -> None:
        """A sweep of ``group`` ("degree" or "path") runs: its Cancel is enabled, every start
        button disabled (one sweep at a time)."""
        self.buttons[group][1].setEnabled(busy)
        for start, _ in self.buttons.values():
            start.setEnabled(not busy)
        if busy:
            self.bars[group].setRange(0, 0)  # busy until the first step is done
            self.show_note(group, "Computing …")

    def set_progress(self, group: str, done: int, total: int) -> None:
        """``done`` of ``total`` steps of ``group``'s sweep are done."""
        bar = self.bars[group]
        bar.setRange(0, max(total, 1))
        bar.setValue(done)
        self.show_note(group, f"{done} of {total} done …")

    def show_note(self, group: str, text: str) -> None:
        """Say ``text`` under ``group``'s buttons."""
        self.notes[group].setText(text)
        self.notes[group].setToolTip(text)

    def clear_group(self, group: str, note: str = "") -> None:
        """Clear ``group``'s curves (stale or about to be recomputed) and say ``note``."""
        empty = np.zeros(0)
        if group == "degree":
            self.sweep_train.setData(empty, empty)
            self.sweep_test.setData(empty, empty)
            self.best_degree.hide()
        else:
            self._set_coef_lines(empty, np.zeros((0, 0)), ())
            self.path_train.setData(empty, empty)
            self.path_test.setData(empty, empty)
            for line in self.best_lambda.values():
                line.hide()
        self.bars[group].setRange(0, 1)
        self.bars[group].setValue(0)
        self.show_note(group, note)

    def show_degree_sweep(self, sweep: Any, target: str = "", final: bool = True) -> None:
        """Draw a :class:`core.evaluation.sweeps.DegreeSweep` and mark its best degree (so
        far, while ``final`` is False: the note then counts the degrees done)."""
        if target:
            self.set_target(target)
        _set_curve(self.sweep_train, sweep.degrees.astype(float), sweep.train_rmse)
        _set_curve(self.sweep_test, sweep.degrees.astype(float), sweep.test_rmse)
        cut = _focus(self.sweep_plot, [sweep.train_rmse, sweep.test_rmse], FOCUS_FACTOR["degree"])
        best = sweep.best_degree
        self.best_degree.setVisible(best is not None)
        u = target_unit(self.target)
        words = []
        if best is not None:
            self.best_degree.setValue(best)
            rmse = float(sweep.test_rmse[list(sweep.degrees).index(best)])
            words.append(f"lowest test RMSE {rmse:.4g} {u} at degree {best} (dotted line)")
        words += [f"degree {p.degree}: {p.error}" for p in sweep.points if p.error]
        words += [w for w in (sweep.note.rstrip("."), cut) if w]
        if sweep.cancelled:
            words.append(f"cancelled after {len(sweep.points)} of {sweep.total} degrees")
        self._done("degree", len(sweep.points), sweep.total, "; ".join(words), final)

    def show_path(self, path: Any, target: str = "", final: bool = True) -> None:
        """Draw a :class:`core.evaluation.sweeps.RegularisationPath` and mark its best λ (so
        far, while ``final`` is False)."""
        if target:
            self.set_target(target)
        self._set_coef_lines(path.lambdas, path.coef_scaled, path.names)
        self._lambda_ticks(np.asarray(path.lambdas, np.float64))
        _set_curve(self.path_train, path.lambdas, path.train_rmse)
        _set_curve(self.path_test, path.lambdas, path.test_rmse)
        cut = _focus(self.path_plot, [path.train_rmse, path.test_rmse], FOCUS_FACTOR["path"])
        best = path.best_lambda
        words = []
        for line in self.best_lambda.values():
            line.setVisible(best is not None)
            if best is not None:
                line.setValue(np.log10(best))
        if best is not None:
            i = int(np.flatnonzero(path.lambdas == best)[0])
            u = target_unit(self.target)
            words.append(
                f"lowest test RMSE {path.test_rmse[i]:.4g} {u} at λ = {best:.3g} (dotted line)"
            )
        words += [w for w in (path.note, cut) if w]
        if path.cancelled:
            words.append(f"cancelled after {len(path.lambdas)} of {path.total} values of λ")
        note = "; ".join(w.rstrip(".") for w in words)
        self._done("path", len(path.lambdas), path.total, note, final)

    def _lambda_ticks(self, lambdas: np.ndarray) -> None:
        """Decade ticks on both λ axes (pyqtgraph's log axis labels few of them on a narrow
        plot): at most five labels, 1e-4, 0.01, 1, 100, 1e4 style."""
        positive = lambdas[lambdas > 0]
        if positive.size == 0:
            return
        lo, hi = int(np.floor(np.log10(positive.min()))), int(np.ceil(np.log10(positive.max())))
        step = max(1, int(np.ceil((hi - lo + 1) / 5)))
        major = [(float(k), _decade(k)) for k in range(lo, hi + 1, step)]
        minor = [(float(k), "") for k in range(lo, hi + 1)]
        for widget in (self.coef_plot, self.path_plot):
            widget.getPlotItem().getAxis("bottom").setTicks([major, minor])

    def _done(self, group: str, done: int, total: int, note: str, final: bool) -> None:
        self.set_progress(group, done, total)
        if final:
            self.show_note(group, note + "." if note else "Done.")

    def _set_coef_lines(self, lambdas: np.ndarray, coef: np.ndarray, names: tuple) -> None:
        plot = self.coef_plot.getPlotItem()
        for line in self.coef_lines:
            plot.removeItem(line)
        self.coef_legend.clear()
        self.coef_lines = []
        for j, name in enumerate(names):
            color = style.RUN_COLORS[j % len(style.RUN_COLORS)]
            dash = Qt.PenStyle.SolidLine if j < len(style.RUN_COLORS) else Qt.PenStyle.DashLine
            line = plot.plot(lambdas, coef[:, j], pen=pg.mkPen(color, width=2, style=dash))
            self.coef_lines.append(line)
            if j < LEGEND_COEFS:
                self.coef_legend.addItem(line, _coef_name(name))
        if len(names) > LEGEND_COEFS:
            self.coef_legend.addItem(
                pg.PlotDataItem(pen=None), f"+{len(names) - LEGEND_COEFS} more"
            )
