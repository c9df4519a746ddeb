"""Classroom features of the window: lessons, presentation mode, export, sessions, About.

:class:`Classroom` adds the File / Lessons / View / Help menus and a lesson side panel to a
:class:`~gui_app.explore.window.MainWindow`. Everything it runs goes through the window's own
controls and worker; the engine parts (lesson files, settings, sessions, exports) live in
``core`` and are only called from here.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import math
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QAction, QColor, QFont, QFontMetrics, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.lessons import Lesson, LessonRun, builtin_lessons, check_claims, iterations_to_converge
from core.lessons import load_lesson as core_load_lesson
from core.lessons import save_lesson as core_save_lesson
from core.session import (
    RunRecord,
    Session,
    export_history,
    load_session,
    model_summary,
    write_atomically,
)
from core.session import save_session as core_save_session
from gui_app.classroom.settings_bridge import (
    apply_settings,
    apply_view,
    model_matches,
    read_settings,
    show_tab,
)
from gui_app.explore import plots

if TYPE_CHECKING:
    from gui_app.explore.window import MainWindow

ORGANIZATION = "GD Explorer"
APPLICATION = "GD Explorer"
#: When set, settings and the remembered session live in this folder (tests, portable use).
CONFIG_DIR_ENV = "GD_EXPLORER_CONFIG_DIR"
LAST_SESSION_FILE = "last-session.json"
PRESENTATION_SHORTCUT = "F11"
CONTROLS_SHORTCUT = "F9"  # shows the control panel again in presentation mode
TIMING_PRESET = "textbook"
MAX_RECORD_VALUES = 1_000_000  # a run's history is thinned beyond this many numbers

#: Okabe & Ito's palette, ordered for a white background (yellow left out: invisible on a
#: projector). Distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#882255")


# -- where settings live ---------------------------------------------------------------------

def config_dir() -> Path:
    """The folder of the remembered session: $GD_EXPLORER_CONFIG_DIR or AppDataLocation."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".gd-explorer")


def app_settings() -> QSettings:
    """The app's QSettings (explicit organisation and application names)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return QSettings(str(Path(override) / "gd-explorer.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def last_session_path() -> Path:
    return config_dir() / LAST_SESSION_FILE


# -- exports ----------------------------------------------------------------------------------

def export_plot(item: Any, path: str | Path, scale: float = 2.0) -> Path:
    """Write a plot (a PlotItem or layout) to PNG or SVG, chosen by the file's suffix.

    PNGs are drawn at ``scale`` times the on-screen size, sharp enough for a slide.
    """
    from pyqtgraph.exporters import ImageExporter, SVGExporter

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        with _svg_close_path_fix():
            SVGExporter(item).export(str(path))
    elif suffix == ".png":
        exporter = ImageExporter(item)
        width = int(exporter.parameters()["width"])
        exporter.parameters()["width"] = max(int(width * scale), 400)
        exporter.export(str(path))
    else:
        raise InputError(f"cannot export a plot as {suffix or 'a file without a suffix'}: "
                         "use .png or .svg", path=str(path))
    if not path.exists():
        raise InputError("the plot could not be written", path=str(path))
    return path


@contextlib.contextmanager
def _svg_close_path_fix():
    """pyqtgraph 0.14's SVG exporter reads every token of a path as "x,y" and fails on the
    "Z" (close path) that Qt 6 writes after rectangles; drop those tokens while it exports
    (the paths concerned return to their first point before the Z anyway)."""
    import importlib

    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = getattr(module, "correctCoordinates", None)
    if original is None:  # another pyqtgraph: nothing to fix
        yield
        return

    def correct(node, defs, item, options):
        for path in node.getElementsByTagName("path"):
            d = path.getAttribute("d")
            if "Z" in d or "z" in d:
                path.setAttribute("d", " ".join(t for t in d.split() if t not in ("Z", "z")))
        return original(node, defs, item, options)

    module.correctCoordinates = correct
    try:
        yield
    finally:
        module.correctCoordinates = original


def all_runs_csv_text(runs: list[RunRecord]) -> str:
    """Every run's history as one long CSV table: run, label, iteration, cost, parameters."""
    names: list[str] = []
    for run in runs:
        names += [n for n in run.parameter_names if n not in names]
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["run", "label", "solver", "alpha", "iteration", "cost", *names])
    for k, run in enumerate(runs, 1):
        alpha = "" if run.alpha is None else repr(run.alpha)
        for it, cost, row in zip(run.iterations, run.costs, run.params, strict=True):
            values = dict(zip(run.parameter_names, row, strict=True))
            out.writerow([k, run.label, run.solver, alpha, it, repr(cost),
                          *(repr(values[n]) if n in values else "" for n in names)])
    return buf.getvalue()


def export_runs(path: str | Path, runs: list[RunRecord]) -> None:
    """All runs: JSON through core.session.export_history, CSV as one long table."""
    if not runs:
        raise InputError("there is no run to export yet")
    if Path(path).suffix.lower() == ".json":
        export_history(path, runs)
    else:
        write_atomically(path, all_runs_csv_text(runs))


# -- About -----------------------------------------------------------------------------------

def about_info(gpu=None) -> list[tuple[str, str]]:
    """Name/value rows for the About dialog: versions of everything the numbers depend on."""
    import PySide6
    from PySide6.QtCore import qVersion

    import core
    from core.backend import gpu_status
    from core.timing.bench import blas_info

    rows = [("GD Explorer", core.__version__),
            ("Python", f"{platform.python_version()} ({platform.python_implementation()}, "
                       f"{sys.platform})"),
            ("Qt", qVersion()), ("PySide6", PySide6.__version__),
            ("pyqtgraph", pg.__version__), ("NumPy", np.__version__)]
    try:
        blas = blas_info()
        text = f"{blas.get('library') or 'unknown'} {blas.get('version') or ''}".strip()
        threads = blas.get("threads")
        text += f", {threads} threads" if threads else " (threads unknown)"
        if blas.get("architecture"):
            text += f", {blas['architecture']}"
        if blas.get("reason"):
            text += f" — {blas['reason']}"
    except Exception as exc:  # the dialog must open whatever the BLAS reports
        text = f"unknown ({type(exc).__name__})"
    rows.append(("BLAS", text))
    rows.append(("CPU cores", str(os.cpu_count() or "?")))
    status = gpu if gpu is not None else gpu_status()
    if status.available:
        gb = status.memory_bytes / 1024**3
        rows.append(("GPU", f"{status.name} ({gb:.0f} GiB), via CuPy"))
    else:
        rows.append(("GPU", f"none usable: {status.reason}"))
    return rows


class AboutDialog(QDialog):
    """Versions of the app and the libraries its numbers depend on, copyable as text."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About GD Explorer")
        self.rows = rows
        layout = QVBoxLayout(self)
        self.text = QTextBrowser()
        body = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td>"
                       f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
        self.text.setHtml("<h3>GD Explorer</h3><p>How linear regression is trained: gradient "
                          "descent, the normal equation, feature scaling and loop / BLAS / "
                          f"GPU timings.</p><table>{body}</table>")
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.plain_text()))
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def plain_text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.rows)


# -- presentation mode --------------------------------------------------------------------

@dataclass
class PresentationLook:
    """Sizes of presentation mode: point sizes (so HiDPI screens scale them) and a factor."""

    font_pt: float = 17.0
    tick_pt: int = 16
    label_pt: int = 18
    title_pt: int = 20
    legend_pt: int = 16
    message_pt: int = 17
    line_scale: float = 2.2
    symbol_scale: float = 1.5


def _legend_text_size(legend: pg.LegendItem, size: str) -> None:
    legend.setLabelTextSize(size)
    for _sample, label in legend.items:
        label.setText(label.text)  # setLabelTextSize alone does not re-render the labels


def _rgb(color: QColor) -> str:
    return color.name().lower()


#: Shorter plot titles and axis labels for presentation mode: with large fonts the long ones
#: do not fit (the contour's y label runs along a short axis).
PRESENTATION_TITLES = {
    "Cost J(w, b): contours and the gradient-descent path": "Cost J(w, b) and the descent path",
    "Learning curve": "Learning curve (log scale)",
}
PRESENTATION_LABELS = {"cost J (log scale)": "cost J"}
#: Pixels between legend rows in presentation mode (the large labels carry wide margins):
#: the looser when the legend fits beside its plot, else the tighter.
LEGEND_ROW_SPACING = (-4, -10)


def short_contour_label(text: str) -> str:
    """"w[size]  (training coordinates, z-score)" → "w[size] (z-score)"."""
    text = text.replace("(training coordinates, ", "(").replace("  (training coordinates)", "")
    return " ".join(text.split())


def controls_area(window: MainWindow) -> tuple[QScrollArea, QSplitter] | None:
    """The scroll area holding the control panel and the splitter it sits in."""
    scroll = window.controls.parentWidget().parentWidget()
    splitter = scroll.parentWidget() if isinstance(scroll, QScrollArea) else None
    return (scroll, splitter) if isinstance(splitter, QSplitter) else None


def _legend_outside(plot: pg.PlotItem, legend: pg.LegendItem, top: float) -> tuple:
    """Move a plot's legend out of the data area, to the right of it: the (otherwise unused)
    right axis reserves the legend's width and follows it when entries come and go."""
    axis = plot.getAxis("right")
    state = (legend.parentItem(), legend.columnCount, legend.layout.verticalSpacing(),
             axis.isVisible(), {k: axis.style[k] for k in ("showValues", "tickLength")},
             axis.fixedWidth)
    plot.showAxis("right")
    axis.setStyle(showValues=False, tickLength=0)
    axis.setPen(pg.mkPen(None))
    legend.setParentItem(plot)
    legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-6, top + 4))

    busy = []

    def fit() -> None:
        """Size the legend by its layout (LegendItem's own sizing keeps stale row heights and
        undercounts two columns); rows closer, then two columns, when it is too tall."""
        if busy:
            return
        busy.append(True)
        try:
            room = plot.height() - top - 8  # it may reach down beside the bottom axis
            loose, tight = LEGEND_ROW_SPACING
            for columns, spacing in ((1, loose), (1, tight), (2, tight)):
                if legend.columnCount != columns:
                    legend.setColumnCount(columns)
                legend.layout.setVerticalSpacing(spacing)
                hint = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
                if hint.height() <= room or room <= 40:
                    break
            legend.resize(hint)
            width = math.ceil(hint.width()) + 14
            if axis.fixedWidth != width:
                axis.setWidth(width)
        except RuntimeError:  # deleted meanwhile
            pass
        finally:
            busy.clear()

    legend.geometryChanged.connect(fit)
    plot.vb.sigResized.connect(fit)
    fit()
    return (*state, fit)


def _legend_inside(plot: pg.PlotItem, legend: pg.LegendItem, state: tuple) -> None:
    parent, columns, spacing, visible, style, width, fit = state
    legend.layout.setVerticalSpacing(spacing)
    with contextlib.suppress(RuntimeError, TypeError):
        legend.geometryChanged.disconnect(fit)
    with contextlib.suppress(RuntimeError, TypeError):
        plot.vb.sigResized.disconnect(fit)
    axis = plot.getAxis("right")
    axis.setStyle(**style)
    axis.setPen()
    axis.setWidth(width)
    if not visible:
        plot.hideAxis("right")
    if legend.columnCount != columns:
        legend.setColumnCount(columns)
    legend.setParentItem(parent)  # anchored again by its own offset


class _ResizeWatcher(QObject):
    """Calls ``callback`` whenever ``widget`` is resized."""

    def __init__(self, widget: QWidget, callback) -> None:
        super().__init__(widget)
        self.callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.callback()
        return False


class Presentation:
    """Switches the window to large fonts, thick lines, a light background and the Okabe–Ito
    palette, and back. Sizes are in points and pens are cosmetic (device-independent
    pixels), so Qt's high-DPI scaling keeps them right on any screen."""

    def __init__(self, window: MainWindow, look: PresentationLook | None = None) -> None:
        self.window = window
        self.look = look or PresentationLook()
        self.active = False
        self._saved: dict[str, Any] = {}
        self._watcher: _ResizeWatcher | None = None

    def _plot_items(self) -> list[pg.PlotItem]:
        items = []
        for view in self.window.findChildren(pg.GraphicsView):
            scene = view.scene()
            if scene is None:
                continue
            items += [it for it in scene.items() if isinstance(it, pg.PlotItem)]
        return items

    def set_active(self, on: bool) -> None:
        if on == self.active:
            return
        if on:
            self._apply()
        else:
            self._restore()
        self.active = on

    def _apply(self) -> None:
        app = QApplication.instance()
        look = self.look
        w = self.window
        saved = self._saved
        saved["app_font"] = QFont(app.font())
        saved["palette"] = app.palette()
        # widgets with a font of their own do not follow the application font
        saved["widget_fonts"] = [(wd, QFont(wd.font())) for wd in w.findChildren(QWidget)
                                 if wd.testAttribute(Qt.WidgetAttribute.WA_SetFont)]
        factor = look.font_pt / max(saved["app_font"].pointSizeF(), 1.0)
        font = QFont(saved["app_font"])
        font.setPointSizeF(look.font_pt)
        app.setPalette(app.style().standardPalette())  # light, whatever the desktop theme
        app.setFont(font)
        for wd, f in saved["widget_fonts"]:
            big = QFont(f)
            big.setPointSizeF(max(f.pointSizeF(), 1.0) * factor)
            wd.setFont(big)
        # the numbers and equations tables must not widen the window beyond the screen
        saved["policies"] = [(label, label.sizePolicy()) for label in
                             (w.numbers.numbers, w.numbers.equations)]
        for label, _policy in saved["policies"]:
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # the control panel collapses and the plots take the width; "Controls" (F9) on the
        # presentation strip brings it back, laid out for the large fonts (nothing elided)
        w.controls.set_presentation_layout(True)
        area = controls_area(w)
        if area is not None:  # it becomes a drawer over the left edge of the plots
            scroll, splitter = area
            index = splitter.indexOf(scroll)
            host = splitter.widget(1 if index == 0 else 0)
            saved["splitter"] = (splitter, splitter.sizes(), index, scroll,
                                 scroll.isVisibleTo(w), scroll.autoFillBackground())
            scroll.setParent(host)  # a child outside the host's layout floats over it
            scroll.setAutoFillBackground(True)
            scroll.hide()
            saved["drawer"] = scroll
            self._watcher = _ResizeWatcher(host, self._fit_drawer)
        # the live numbers matter more from the back of the room than the static equations
        saved["equations_visible"] = w.numbers.equations.isVisibleTo(w.numbers)
        w.numbers.equations.hide()
        saved["message_pt"] = getattr(w, "message_font_pt", 11)
        self._set_message_size(look.message_pt)
        saved["colors"] = (plots.RUN_COLORS, plots.LINE_SCALE, dict(plots.LABEL_STYLE))
        saved["color_map"] = {c.lower(): o for c, o in zip(plots.RUN_COLORS, OKABE_ITO,
                                                            strict=False)}
        plots.RUN_COLORS = OKABE_ITO
        plots.LINE_SCALE = look.line_scale
        plots.LABEL_STYLE["font-size"] = f"{look.label_pt}pt"
        plots.LABEL_STYLE["color"] = "#000"
        saved["plots"] = []
        for plot in self._plot_items():
            saved["plots"].append(self._style_plot(plot, big=True))
        w.contour.label_filter = short_contour_label
        if any(w.contour.axis_texts):
            w.contour.set_axis_labels(*w.contour.axis_texts)
        for view in w.findChildren(pg.GraphicsView):
            view.setBackground("w")

    def _restore(self) -> None:
        app = QApplication.instance()
        saved = self._saved
        app.setFont(saved["app_font"])
        app.setPalette(saved["palette"])
        for wd, f in saved["widget_fonts"]:
            try:
                wd.setFont(f)
            except RuntimeError:  # deleted meanwhile
                pass
        self._set_message_size(saved["message_pt"])
        for label, policy in saved["policies"]:
            label.setSizePolicy(policy)
        self.window.controls.set_presentation_layout(False)
        if "splitter" in saved:
            splitter, sizes, index, scroll, visible, fill = saved["splitter"]
            self._watcher.deleteLater()
            self._watcher = None
            scroll.setAutoFillBackground(fill)
            splitter.insertWidget(index, scroll)
            scroll.setVisible(visible)
            splitter.setSizes(sizes)
        self.window.numbers.equations.setVisible(saved["equations_visible"])
        colors, scale, label_style = saved["colors"]
        plots.RUN_COLORS, plots.LINE_SCALE = colors, scale
        plots.LABEL_STYLE.clear()
        plots.LABEL_STYLE.update(label_style)
        for plot, state in saved["plots"]:
            self._unstyle_plot(plot, state)
        contour = self.window.contour
        contour.label_filter = None
        if any(contour.axis_texts):
            contour.set_axis_labels(*contour.axis_texts)
        self._saved = {}

    def drawer(self) -> QScrollArea | None:
        """The control panel's scroll area while it is a drawer (presentation mode)."""
        return self._saved.get("drawer")

    def show_drawer(self, on: bool) -> None:
        scroll = self.drawer()
        if scroll is None:
            return
        scroll.setVisible(on)
        if on:
            scroll.raise_()
            self._fit_drawer()
            QTimer.singleShot(0, self._fit_drawer)  # once the shown panel is polished

    def _fit_drawer(self) -> None:
        """As wide as the panel's large-font layout needs (nothing in it cut off), as tall as
        the plots' area."""
        scroll = self.drawer()
        if scroll is None or not scroll.isVisible():
            return
        host = scroll.parentWidget()
        controls = self.window.controls
        need = (max(controls.sizeHint().width(), controls.minimumSizeHint().width())
                + scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth() + 2)
        scroll.setGeometry(0, 0, min(need, host.width()), host.height())

    def _set_message_size(self, pt: int) -> None:
        w = self.window
        w.message_font_pt = pt
        w._style_message(w.message_kind)
        font = QFont(QApplication.instance().font())
        font.setPointSizeF(pt)
        w.message.setFixedHeight(QFontMetrics(font).lineSpacing() * 3 + 24)

    def _recolor(self, color: QColor, mapping: dict[str, str]) -> QColor:
        new = mapping.get(_rgb(color))
        if new is None:
            return color
        out = QColor(new)
        out.setAlpha(color.alpha())
        return out

    def _restyle_items(self, plot: pg.PlotItem, mapping: dict[str, str], scale: float,
                       symbol_scale: float) -> None:
        for item in plot.items:
            if isinstance(item, pg.PlotDataItem):
                pen = pg.mkPen(item.opts["pen"])
                pen.setColor(self._recolor(pen.color(), mapping))
                pen.setWidthF(max(pen.widthF() * scale, 1.0))
                item.setPen(pen)
                if item.opts.get("symbol") is not None:
                    item.setSymbolSize(item.opts["symbolSize"] * symbol_scale)
                    brush = pg.mkBrush(item.opts["symbolBrush"])
                    brush.setColor(self._recolor(brush.color(), mapping))
                    item.setSymbolBrush(brush)
            elif isinstance(item, pg.ScatterPlotItem):
                item.setSize(item.opts["size"] * symbol_scale)
                brush = pg.mkBrush(item.opts["brush"])
                brush.setColor(self._recolor(brush.color(), mapping))
                item.setBrush(brush)
            elif isinstance(item, pg.InfiniteLine):
                pen = pg.mkPen(item.pen)
                pen.setColor(self._recolor(pen.color(), mapping))
                pen.setWidthF(max(pen.widthF() * scale, 1.0))
                item.setPen(pen)

    def _style_plot(self, plot: pg.PlotItem, big: bool) -> tuple[pg.PlotItem, dict]:
        look = self.look
        state: dict[str, Any] = {"title": (plot.titleLabel.text, dict(plot.titleLabel.opts),
                                           plot.titleLabel.isVisible()),
                                 "axes": {}}
        title_font = QFont(QApplication.instance().font())
        title_font.setPointSize(look.title_pt)
        top = 0
        if plot.titleLabel.isVisible():
            text = PRESENTATION_TITLES.get(plot.titleLabel.text, plot.titleLabel.text)
            plot.setTitle(text, size=f"{look.title_pt}pt", color="#000")
            top = height = QFontMetrics(title_font).height() + 10
            plot.titleLabel.setMaximumHeight(height)
            plot.layout.setRowFixedHeight(0, height)
        tick_font = QFont(QApplication.instance().font())
        tick_font.setPointSize(look.tick_pt)
        for name in ("bottom", "left"):
            ax = plot.getAxis(name)
            state["axes"][name] = (ax.style.get("tickFont"), dict(ax.labelStyle),
                                   ax.label.isVisible(), ax.labelText)
            ax.setTickFont(tick_font)
            ax.setTextPen("#000")
            ax.setPen(pg.mkPen("#000", width=2))
            if ax.label.isVisible():
                ax.setLabel(PRESENTATION_LABELS.get(ax.labelText, ax.labelText),
                            ax.labelUnits or None,
                            **{**ax.labelStyle, "font-size": f"{look.label_pt}pt",
                               "color": "#000"})
        legend = getattr(plot, "legend", None)
        if legend is not None:
            state["legend"] = legend.opts.get("labelTextSize", "9pt")
            _legend_text_size(legend, f"{look.legend_pt}pt")
            state["legend_outside"] = _legend_outside(plot, legend, top)
        self._restyle_items(plot, self._saved["color_map"], look.line_scale, look.symbol_scale)
        return plot, state

    def _unstyle_plot(self, plot: pg.PlotItem, state: dict) -> None:
        look = self.look
        try:
            text, opts, visible = state["title"]
            if visible:
                plot.setTitle(text, **{k: v for k, v in opts.items() if k in ("size", "color")})
            for name, (tick_font, label_style, label_visible, text) in state["axes"].items():
                ax = plot.getAxis(name)
                ax.setTickFont(tick_font)
                ax.setTextPen("#222")
                ax.setPen("#444")
                if label_visible and ax.label.isVisible():
                    if ax.labelText != PRESENTATION_LABELS.get(text, text):
                        text = ax.labelText  # set anew meanwhile (another feature, say)
                    ax.setLabel(text, ax.labelUnits or None, **label_style)
            if "legend_outside" in state:
                _legend_inside(plot, plot.legend, state["legend_outside"])
            if "legend" in state and getattr(plot, "legend", None) is not None:
                _legend_text_size(plot.legend, state["legend"])
            reverse = {o.lower(): c for c, o in self._saved["color_map"].items()}
            self._restyle_items(plot, reverse, 1 / look.line_scale, 1 / look.symbol_scale)
        except RuntimeError:  # the plot was deleted meanwhile
            pass


# -- lessons ---------------------------------------------------------------------------------

@dataclass
class LessonOutcome:
    """What a played lesson produced: each run's record and result, and its claims checked."""

    lesson: Lesson
    records: dict[str, RunRecord] = field(default_factory=dict)
    results: dict[str, LessonRun] = field(default_factory=dict)
    claims: list[tuple[dict, bool, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def iterations(self, label: str) -> int:
        """Iterations the run needed to converge (its budget + 1 when it did not)."""
        return iterations_to_converge(self.results[label])


class LessonPlayer(QObject):
    """Plays a lesson's runs one after the other through the window's controls and worker."""

    run_done = QtSignal(str, object)  # label, RunRecord
    finished = QtSignal(object)  # LessonOutcome
    failed = QtSignal(str)

    def __init__(self, classroom: Classroom, hold_ms: int = 1200) -> None:
        super().__init__(classroom)
        self.classroom = classroom
        self.window = classroom.window
        self.hold_ms = hold_ms  # pause between runs, to look at the contour before it changes
        self.outcome: LessonOutcome | None = None
        self._state = "idle"  # idle | preparing | running | holding
        self._index = -1
        self._run_id: int | None = None
        self._settings: dict[str, Any] = {}
        self._hold = QTimer(self, singleShot=True)
        self._hold.timeout.connect(self._next)
        w = self.window
        w.problem_ready.connect(self._on_problem_ready)
        w.run_finished.connect(self._on_run_finished)
        w.worker.failed.connect(self._on_failed)

    @property
    def playing(self) -> bool:
        return self._state != "idle"

    def play(self, lesson: Lesson) -> None:
        self.stop()
        self.outcome = LessonOutcome(lesson)
        self._index = -1
        self.window.reset()
        show_tab(self.window, "explore")  # the runs play on the Explore tab
        self.classroom.runs.clear()  # the learning curve starts afresh, and so do the runs
        self.outcome.notes += apply_settings(self.window, lesson.settings)
        self._state = "holding"
        self._next()

    def stop(self) -> None:
        """Abandon the lesson (the current run, if any, goes on as an ordinary run)."""
        self._hold.stop()
        self._state = "idle"

    def _next(self) -> None:
        lesson = self.outcome.lesson
        self._index += 1
        if self._index >= len(lesson.runs):
            self._finish()
            return
        label, _changes = lesson.runs[self._index]
        self._settings = lesson.run_settings(label)
        self.outcome.notes += apply_settings(self.window, self._settings)
        self.classroom.show_lesson_progress(self.outcome, f"Preparing “{label}” …")
        self._state = "preparing"
        # always let the window (re)announce the problem: α_max and the contour are shown
        # from its answer (a cached problem comes back at once)
        self.window.request_prepare()

    def _on_problem_ready(self) -> None:
        if self._state != "preparing" or self.window.running or not model_matches(self.window):
            return
        w = self.window
        apply_view(w, self._settings)
        label = self.outcome.lesson.runs[self._index][0]
        self._state = "running"
        run_id = w.run()
        if run_id is None:
            self._fail(f"the lesson's run “{label}” could not start")
            return
        self._run_id = run_id
        w.learning.rename_last(label)
        self.classroom.show_lesson_progress(self.outcome, f"Running “{label}” …")

    def _on_run_finished(self, snap) -> None:
        if self._state != "running" or self.window.run_id != self._run_id:
            return
        w = self.window
        label = self.outcome.lesson.runs[self._index][0]
        record = self.classroom.runs[-1] if self.classroom.runs else None
        costs = tuple(record.costs) if record is not None else (snap.cost,)
        self.outcome.records[label] = record
        self.outcome.results[label] = LessonRun(label, w.prepared.problem, snap, costs,
                                                w.run_alpha)
        self.run_done.emit(label, record)
        self._state = "holding"
        self.classroom.show_lesson_progress(self.outcome, "")
        self._hold.start(self.hold_ms if self._index + 1 < len(self.outcome.lesson.runs)
                         else 0)

    def _on_failed(self, run_id: int, message: str) -> None:
        if self._state in ("preparing", "running") and run_id == self.window.run_id:
            self._fail(message)

    def _fail(self, message: str) -> None:
        self._state = "idle"
        self.classroom.show_lesson_progress(self.outcome, f"Stopped: {message}")
        self.failed.emit(message)

    def _finish(self) -> None:
        outcome = self.outcome
        outcome.claims = check_claims(outcome.lesson, outcome.results)
        self._state = "idle"
        if outcome.lesson.settings.get("tab") == "timing" and hasattr(self.window,
                                                                     "show_timing_tab"):
            self.window.show_timing_tab(TIMING_PRESET)
        self.classroom.show_lesson_progress(outcome, "")
        self.finished.emit(outcome)


def _lesson_html(outcome: LessonOutcome, status: str) -> str:
    lesson = outcome.lesson
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in lesson.explanation.split("\n\n"))
    rows = []
    for label, _ in lesson.runs:
        res = outcome.results.get(label)
        if res is None:
            rows.append(f"<li>{html.escape(label)}: waiting</li>")
            continue
        f = res.final
        text = f"{f.status} after {f.iteration:,} iterations, J = {f.cost:.6g}"
        if res.alpha is not None:
            text += f", α = {res.alpha:.4g}"
        text += f", cond = {res.problem.condition_number:.3g}"
        rows.append(f"<li><b>{html.escape(label)}</b>: {html.escape(text)}</li>")
    claims = "".join(
        f"<li><span style='color:{'#009E73' if ok else '#D55E00'}'><b>{'✓' if ok else '✗'}"
        f"</b></span> {html.escape(c['kind'].replace('_', ' '))}: {html.escape(detail)}</li>"
        for c, ok, detail in outcome.claims)
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in outcome.notes)
    return (f"<h2>{html.escape(lesson.title)}</h2>{paras}<h3>Runs</h3><ul>{''.join(rows)}</ul>"
            + (f"<p><i>{html.escape(status)}</i></p>" if status else "")
            + (f"<h3>What the runs show</h3><ul>{claims}</ul>" if claims else "")
            + (f"<h3>Notes</h3><ul>{notes}</ul>" if notes else ""))


# -- the classroom ----------------------------------------------------------------------------

class Classroom(QObject):
    """Menus, lesson panel, presentation mode, exports and sessions of one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.runs: list[RunRecord] = []
        self.remember = False  # set by the app at start-up, never in tests
        self.last_outcome: LessonOutcome | None = None
        self._gpu = None
        self._pending_view: dict[str, Any] | None = None
        self.presentation = Presentation(window)
        window.run_finished.connect(self._record_run)
        window.problem_ready.connect(self._apply_pending_view)
        window.worker.gpu_probed.connect(self._gpu_probed)
        self.player = LessonPlayer(self)
        self.player.finished.connect(self._lesson_finished)
        c = window.controls
        for signal in (c.stop_requested, c.reset_requested, c.run_requested):
            signal.connect(self.player.stop)
        c.reset_requested.connect(lambda: self.runs.clear())
        self._build_panel()
        self._build_menus()
        window.installEventFilter(self)

    # -- construction ------------------------------------------------------------------------
    def _build_panel(self) -> None:
        self.panel = QDockWidget("Lesson", self.window)
        self.panel.setObjectName("lessonPanel")
        self.panel_text = QTextBrowser()
        self.panel_text.setOpenExternalLinks(False)
        self.panel_text.setMinimumWidth(320)
        self.panel.setWidget(self.panel_text)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
        self.panel.hide()

    def _menu(self, title: str) -> QMenu:
        bar = self.window.menuBar()
        plain = title.replace("&", "")
        for action in bar.actions():
            if action.menu() is not None and action.text().replace("&", "") == plain:
                return action.menu()
        return bar.addMenu(title)

    def _action(self, menu: QMenu, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        w = self.window
        file_menu = self._menu("&File")
        self._action(file_menu, "Open session…", self._ask_open_session, "Ctrl+O")
        self._action(file_menu, "Save session…", self._ask_save_session, "Ctrl+S")
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("Export")
        self.plot_actions: dict[tuple[str, str], QAction] = {}
        for name in self.plot_targets():
            for fmt in ("PNG", "SVG"):
                self.plot_actions[name, fmt] = self._action(
                    self.export_menu, f"{name.capitalize()} plot as {fmt}…",
                    lambda n=name, f=fmt: self._ask_export_plot(n, f))
        self.export_menu.addSeparator()
        for fmt in ("CSV", "JSON"):
            self._action(self.export_menu, f"Last run history as {fmt}…",
                         lambda f=fmt: self._ask_export_runs(f, last=True))
        for fmt in ("CSV", "JSON"):
            self._action(self.export_menu, f"All runs history as {fmt}…",
                         lambda f=fmt: self._ask_export_runs(f, last=False))
        self.export_menu.addSeparator()
        self.copy_summary_action = self._action(self.export_menu,
                                                "Copy model summary to clipboard",
                                                self.copy_model_summary, "Ctrl+Shift+C")
        file_menu.addSeparator()
        self._action(file_menu, "Quit", w.close, "Ctrl+Q")

        self.lessons_menu = self._menu("&Lessons")
        self.lesson_actions: list[QAction] = []
        try:
            lessons = builtin_lessons()
        except InputError as exc:
            lessons = []
            w.show_message(f"The built-in lessons could not be read: {exc}", "error")
        for k, lesson in enumerate(lessons, 1):
            action = self._action(self.lessons_menu, f"{k}. {lesson.title}",
                                  lambda les=lesson: self.play_lesson(les))
            action.setToolTip(lesson.explanation.split("\n")[0])
            self.lesson_actions.append(action)
        self.lessons_menu.addSeparator()
        self._action(self.lessons_menu, "Open lesson file…", self._ask_open_lesson)
        self._action(self.lessons_menu, "Save current state as lesson…", self._ask_save_lesson)

        view_menu = self._menu("&View")
        self.presentation_action = QAction(f"Presentation mode ({PRESENTATION_SHORTCUT})",
                                           w, checkable=True)
        self.presentation_action.setShortcut(QKeySequence(PRESENTATION_SHORTCUT))
        self.presentation_action.toggled.connect(self.set_presentation)
        view_menu.addAction(self.presentation_action)
        view_menu.addAction(self.panel.toggleViewAction())
        self.controls_action = QAction(f"Controls ({CONTROLS_SHORTCUT})", w, checkable=True,
                                       checked=True)
        self.controls_action.setShortcut(QKeySequence(CONTROLS_SHORTCUT))
        self.controls_action.setToolTip("Show or hide the control panel")
        self.controls_action.toggled.connect(self.set_controls_visible)
        view_menu.addAction(self.controls_action)
        self._build_presentation_bar()

        help_menu = self._menu("&Help")
        self.about_action = self._action(help_menu, "About GD Explorer", self.show_about)

        for name, widget in self._plot_widgets().items():
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(
                lambda pos, n=name, wd=widget: self._plot_context_menu(n, wd, pos))

    def _build_presentation_bar(self) -> None:
        """The compact strip shown in presentation mode instead of the control panel: the
        Controls toggle, the run buttons (their keys keep working while the panel is hidden)
        and the way out."""
        w = self.window
        c = w.controls
        bar = QToolBar("Presentation", w)
        bar.setObjectName("presentationBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addAction(self.controls_action)
        bar.addSeparator()
        # (text, button, key): the action clicks the panel's button, so enabled states and
        # the window's handling stay the panel's; the key moves here while the panel is hidden
        self.run_actions: list[tuple[QAction, QPushButton, str]] = []
        for text, button, key, on_bar in (
                ("▶ Run (F5)", c.run_button, "F5", True),
                ("Pause (F6)", c.pause_button, "F6", True),
                ("Step (F7)", c.step_button, "F7", True),
                ("Step ×10 (F8)", c.step10_button, "F8", False),
                ("■ Stop (Esc)", c.stop_button, "Esc", True),
                ("Reset (Ctrl+R)", c.reset_button, "Ctrl+R", True)):
            action = QAction(text, w)
            action.setToolTip(button.toolTip())
            action.triggered.connect(lambda _checked=False, b=button: b.isEnabled() and
                                     b.click())
            w.addAction(action)  # its key works whether or not the strip shows it
            if on_bar:
                bar.addAction(action)
            self.run_actions.append((action, button, key))
        bar.addSeparator()
        lesson = self.panel.toggleViewAction()
        bar.addAction(lesson)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.exit_presentation_action = QAction(f"Exit presentation ({PRESENTATION_SHORTCUT})",
                                                w)
        self.exit_presentation_action.triggered.connect(lambda: self.set_presentation(False))
        bar.addAction(self.exit_presentation_action)
        w.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.hide()
        self.presentation_bar = bar
        self._sync_controls()

    def set_controls_visible(self, on: bool) -> None:
        """Show or hide the control panel (F9). In presentation mode it is a drawer over the
        plots' left edge, as wide as its large-font layout needs (no text in it cut off) and
        the plots keep their layout."""
        if self.presentation.drawer() is not None:
            self.presentation.show_drawer(on)
        else:
            area = controls_area(self.window)
            if area is not None:
                area[0].setVisible(on)
        self._sync_controls()

    def controls_visible(self) -> bool:
        drawer = self.presentation.drawer()
        if drawer is not None:
            return drawer.isVisibleTo(self.window)
        area = controls_area(self.window)
        return area is None or area[0].isVisibleTo(self.window)

    def _sync_controls(self) -> None:
        """The Controls toggle shows the panel's state; the run keys belong to the panel's
        buttons while it shows and to the window's actions while it is hidden."""
        shown = self.controls_visible()
        if self.controls_action.isChecked() != shown:
            self.controls_action.blockSignals(True)
            self.controls_action.setChecked(shown)
            self.controls_action.blockSignals(False)
        for action, _button, key in self.run_actions:
            action.setShortcut(QKeySequence() if shown else QKeySequence(key))
        self.presentation_bar.setVisible(self.presentation.active)

    def _plot_widgets(self) -> dict[str, QWidget]:
        w = self.window
        return {"contour": w.contour.widget, "learning curve": w.learning,
                "parameters": w.params, "data": w.data_view.fit_widget}

    def plot_targets(self) -> dict[str, Any]:
        """The exportable plots by name."""
        w = self.window
        return {"contour": w.contour.plot, "learning curve": w.learning.plot,
                "parameters": w.params.plot, "data": w.data_view.fit_plot,
                "feature scaling": w.data_view.tabs.widget(1).ci}

    def _plot_context_menu(self, name: str, widget: QWidget, pos) -> None:
        menu = QMenu(widget)
        for fmt in ("PNG", "SVG"):
            menu.addAction(f"Export {name} plot as {fmt}…",
                           lambda f=fmt: self._ask_export_plot(name, f))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(widget.mapToGlobal(pos))

    # -- dialogs (thin wrappers: the work is in the methods they call) --------------------
    def _ask_path(self, save: bool, caption: str, filters: str, suggested: str = "") -> str:
        start = str(Path.home() / suggested) if suggested else ""
        if save:
            path, _ = QFileDialog.getSaveFileName(self.window, caption, start, filters)
        else:
            path, _ = QFileDialog.getOpenFileName(self.window, caption, start, filters)
        return path

    def _ask_open_session(self) -> None:
        path = self._ask_path(False, "Open a session", "GD Explorer sessions (*.gdx.json "
                              "*.json);;All files (*)")
        if path:
            self.open_session(path)

    def _ask_save_session(self) -> None:
        path = self._ask_path(True, "Save the session", "GD Explorer sessions (*.gdx.json)",
                              "session.gdx.json")
        if path:
            self.save_session(path)

    def _ask_export_plot(self, name: str, fmt: str) -> None:
        ext = fmt.lower()
        path = self._ask_path(True, f"Export the {name} plot", f"{fmt} (*.{ext})",
                              f"{name.replace(' ', '-')}.{ext}")
        if path:
            if not path.lower().endswith("." + ext):
                path += "." + ext
            self.export_plot(name, path)

    def _ask_export_runs(self, fmt: str, last: bool) -> None:
        ext = fmt.lower()
        path = self._ask_path(True, "Export the run history", f"{fmt} (*.{ext})",
                              f"{'last-run' if last else 'runs'}.{ext}")
        if path:
            if not path.lower().endswith("." + ext):
                path += "." + ext
            self.export_runs(path, last=last)

    def _ask_open_lesson(self) -> None:
        path = self._ask_path(False, "Open a lesson", "Lessons (*.json);;All files (*)")
        if path:
            self.open_lesson(path)

    def _ask_save_lesson(self) -> None:
        title, ok = QInputDialog.getText(self.window, "Save as lesson", "Lesson title:")
        if not ok or not title.strip():
            return
        text, ok = QInputDialog.getMultiLineText(self.window, "Save as lesson",
                                                 "Explanation shown beside the plots:")
        if not ok:
            return
        path = self._ask_path(True, "Save the lesson", "Lessons (*.json)", "my-lesson.json")
        if path:
            self.save_lesson(path, title.strip(), text.strip())

    # -- runs ----------------------------------------------------------------------------------
    def _record_run(self, snap) -> None:
        """Keep the finished runs (histories in original units) for export and sessions."""
        w = self.window
        if w.prepared is None or not w.history_iter or w.last_snapshot is not snap:
            return  # no snapshot of this run reached the window: nothing to keep
        it = np.concatenate(w.history_iter)
        cost = np.concatenate(w.history_cost)
        params = w.history_params.view()
        count = min(len(it), len(params))
        it, cost, params = it[:count], cost[:count], params[:count]
        names = w.prepared.problem.parameter_names
        if count == 0 or params.shape[1] != len(names):
            return
        stride = max(1, math.ceil(count * len(names) / MAX_RECORD_VALUES))
        if stride > 1:  # thin long histories, always keeping the last row
            keep = np.unique(np.append(np.arange(0, count, stride), count - 1))
            it, cost, params = it[keep], cost[keep], params[keep]
        label = w.learning.curves[-1].opts.get("name") if w.learning.curves else "run"
        spec = getattr(w, "_run_spec", None)
        solver = spec.run.solver if spec is not None else "gd"
        record = RunRecord(str(label), solver, w.run_alpha, snap.status, snap.message,
                           tuple(names), tuple(int(i) for i in it),
                           tuple(float(c) for c in cost),
                           tuple(tuple(float(v) for v in row) for row in params),
                           tuple(snap.warnings))
        self.runs.append(record)
        # A session keeps the runs the learning curve can show; older ones would only grow
        # memory through a long lesson (a 30-minute soak grew 2 MB per run without this).
        del self.runs[: -plots.MAX_RUNS]

    def export_runs(self, path: str | Path, last: bool = True) -> bool:
        try:
            if last:
                if not self.runs:
                    raise InputError("there is no run to export yet: press Run (F5) first")
                export_history(path, [self.runs[-1]])
            else:
                export_runs(path, self.runs)
        except InputError as exc:
            self.window.show_message(f"Export failed: {exc}", "error")
            return False
        what = "the last run" if last else f"{len(self.runs)} runs"
        self.window.show_message(f"Exported {what} to {path}.", "ok")
        return True

    def export_plot(self, name: str, path: str | Path) -> bool:
        try:
            export_plot(self.plot_targets()[name], path)
        except (InputError, OSError) as exc:
            self.window.show_message(f"Export failed: {exc}", "error")
            return False
        self.window.show_message(f"Exported the {name} plot to {path}.", "ok")
        return True

    def copy_model_summary(self) -> str | None:
        if not self.runs:
            self.window.show_message("No fitted model yet: press Run (F5) first.", "warning")
            return None
        target = self.window.prepared.dataset.target_name if self.window.prepared else "y"
        text = model_summary(self.runs[-1], target)
        QGuiApplication.clipboard().setText(text)
        self.window.show_message("Model summary copied to the clipboard:\n"
                                 + text.splitlines()[2], "ok")
        return text

    # -- lessons --------------------------------------------------------------------------------
    def play_lesson(self, lesson: Lesson) -> None:
        self.panel.show()
        self.panel.raise_()
        self.player.play(lesson)

    def show_lesson_progress(self, outcome: LessonOutcome, status: str) -> None:
        self.panel_text.setHtml(_lesson_html(outcome, status))

    def _lesson_finished(self, outcome: LessonOutcome) -> None:
        self.last_outcome = outcome
        ok = all(good for _c, good, _d in outcome.claims)
        self.window.show_message(
            f"Lesson “{outcome.lesson.title}”: {len(outcome.results)} runs done. "
            + ("Every claim holds; read the panel on the right." if ok else
               "Some claims did not hold on this machine; see the panel on the right."),
            "ok" if ok else "warning")

    def open_lesson(self, path: str | Path) -> Lesson | None:
        try:
            lesson = core_load_lesson(path)
        except InputError as exc:
            self.window.show_message(f"Cannot open the lesson: {exc}", "error")
            return None
        self.play_lesson(lesson)
        return lesson

    def save_lesson(self, path: str | Path, title: str, explanation: str = "") -> Lesson | None:
        try:
            lesson = core_save_lesson(path, title, explanation, read_settings(self.window))
        except InputError as exc:
            self.window.show_message(f"Cannot save the lesson: {exc}", "error")
            return None
        self.window.show_message(f"Saved the lesson “{title}” to {path}.", "ok")
        return lesson

    # -- sessions -------------------------------------------------------------------------------
    def session_state(self) -> Session:
        w = self.window
        layout = {"geometry": bytes(w.saveGeometry().toBase64()).decode("ascii"),
                  "state": bytes(w.saveState().toBase64()).decode("ascii")}
        return Session(read_settings(w), tuple(self.runs), layout)

    def save_session(self, path: str | Path, quiet: bool = False) -> bool:
        try:
            core_save_session(path, self.session_state())
        except InputError as exc:
            self.window.show_message(f"Cannot save the session: {exc}", "error")
            return False
        if not quiet:
            self.window.show_message(f"Session saved to {path} ({len(self.runs)} runs).", "ok")
        return True

    def open_session(self, path: str | Path, restore_layout: bool = True) -> bool:
        """Open a session file; a bad file changes nothing and says why."""
        try:
            session = load_session(path)
        except InputError as exc:
            self.window.show_message(f"Cannot open the session; nothing was changed. {exc}",
                                     "error")
            return False
        self.apply_session(session, restore_layout)
        self.window.show_message(f"Opened the session {path}: {len(session.runs)} runs.", "ok")
        return True

    def apply_session(self, session: Session, restore_layout: bool = True) -> None:
        w = self.window
        self.player.stop()
        w.reset()
        notes = apply_settings(w, session.settings)
        self._pending_view = session.settings
        self.runs = list(session.runs)
        for run in session.runs[-w.learning.MAX_RUNS:]:
            w.learning.add_finished_run(run.label, np.asarray(run.iterations, float),
                                        np.asarray(run.costs, float))
        show_tab(w, session.settings["tab"])
        if restore_layout and session.window.get("state"):
            w.restoreState(QByteArray.fromBase64(session.window["state"].encode("ascii")))
            self._sync_controls()  # the presentation strip shows only in presentation mode
        if notes:
            w.statusBar().showMessage("; ".join(notes))

    def _apply_pending_view(self) -> None:
        if self._pending_view is not None and model_matches(self.window):
            values, self._pending_view = self._pending_view, None
            apply_view(self.window, values)

    # -- remembering the last session and the layout --------------------------------------
    def restore_remembered(self) -> None:
        """At start-up: the window layout (QSettings) and the last session (AppData).

        Nothing remembered can prevent the start: a bad entry is reported and skipped.
        """
        self.remember = True
        w = self.window
        problems = []
        try:
            store = app_settings()
            if store.status() != QSettings.Status.NoError:
                problems.append("the saved window layout is unreadable")
            geometry = store.value("window/geometry")
            state = store.value("window/state")
            if isinstance(geometry, QByteArray) and not w.restoreGeometry(geometry):
                problems.append("the saved window size was not usable")
            if isinstance(state, QByteArray) and not w.restoreState(state):
                problems.append("the saved panel layout was not usable")
            self._sync_controls()
        except Exception as exc:  # any broken store: defaults, and say so
            problems.append(f"the saved window layout is unreadable ({type(exc).__name__})")
        path = last_session_path()
        if path.exists():
            try:
                session = load_session(path)
            except InputError as exc:
                problems.append(f"the last session could not be restored ({exc})")
            else:
                self.apply_session(session, restore_layout=False)
                w.show_message(f"Welcome back: the last session is restored "
                               f"({len(session.runs)} runs).", "info")
        if problems:
            w.show_message("Starting with the defaults: " + "; ".join(problems) + ".",
                           "warning")

    def remember_now(self) -> None:
        """Save the layout (QSettings) and the session (AppData); never raises."""
        w = self.window
        try:
            store = app_settings()
            store.setValue("window/geometry", w.saveGeometry())
            store.setValue("window/state", w.saveState())
            store.sync()
            folder = config_dir()
            folder.mkdir(parents=True, exist_ok=True)
            core_save_session(folder / LAST_SESSION_FILE, self.session_state())
        except Exception as exc:  # closing must never fail
            print(f"gd-explorer: could not remember the session: {exc}", file=sys.stderr)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close and self.remember:
            self.remember_now()
        return False

    # -- presentation and about ----------------------------------------------------------------
    def set_presentation(self, on: bool) -> None:
        self.presentation.set_active(on)
        if self.presentation_action.isChecked() != on:
            self.presentation_action.setChecked(on)
        self._sync_controls()

    def _gpu_probed(self, status) -> None:
        self._gpu = status

    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(about_info(self._gpu), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
