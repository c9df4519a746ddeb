"""The main window: builds the widgets, forwards their signals to the controller and draws
the explore state.

The truth lives in :class:`~gui_app.explore.state.ExploreState`; the
:class:`~gui_app.explore.controller.ExploreController` changes it and calls :meth:`render`
with what changed. The window never decides anything about runs; it paints
(:class:`~gui_app.explore.paint.PaintsState`; live redraws are paced by
:class:`~gui_app.explore.live.LiveRedraw`). The classroom (lessons, sessions,
presentation) is attached from outside, by :func:`gui_app.app.create_main_window`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.settings import CHOICE_LABELS, RunSettings
from core.solvers import Snapshot
from gui_app.explore.access import StateAccess
from gui_app.explore.alpha import format_seconds
from gui_app.explore.controller import ExploreController
from gui_app.explore.controls import ControlPanel
from gui_app.explore.lazy_tabs import BENCHMARK_STOP_REASON, DeferredParts
from gui_app.explore.live import LiveRedraw
from gui_app.explore.paint import REDRAW_PARTS, PaintsState
from gui_app.explore.screen_fit import FitsScreen
from gui_app.explore.state import ExploreState, RunStatus
from gui_app.explore.views.contour import ContourView
from gui_app.explore.views.curves import LearningCurveView, ParametersView
from gui_app.explore.views.data import DataView
from gui_app.explore.views.numbers import NumbersPanel
from gui_app.explore.views.step_panel import StepPanel
from gui_app.explore.views.surface3d import Surface3DView
from gui_app.explore.views.table import DataTab
from gui_app.explore.watch_paint import attach_watch
from gui_app.explore.worker import RunWorker
from gui_app.widgets import FooterScrollArea

if TYPE_CHECKING:
    from gui_app.explore.import_dialog import ImportDialog

__all__ = ["BENCHMARK_STOP_REASON", "MainWindow"]

CONTROLS_WIDTH = 380
MIN_PLOT_HEIGHT = 180
RUN_KEYS = (Qt.Key.Key_F4, Qt.Key.Key_F5, Qt.Key.Key_F6, Qt.Key.Key_F7, Qt.Key.Key_F8)
DATA_HINT = "Run keys (F4–F8) act on the Explore tab."
TIMING_RUN_KEYS_HINT = (
    "Run keys (F4–F8) act on the Explore tab; the benchmark has its own Run button."
)


class Banner(QScrollArea):
    """The message banner: a word-wrapped label of fixed height that scrolls when a long
    message (rank-deficient, diverged) needs more lines, and shows the whole text as its
    tooltip. Speaks QLabel's ``text``/``setText``; ``setStyleSheet`` takes one declaration
    list (background, colour, border, padding, font) for the whole banner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # no markup, no entities
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setWidget(self.label)
        self.setWidgetResizable(True)  # the label fills the banner; taller, it scrolls
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._style = ""

    def text(self) -> str:
        """The message shown (plain text)."""
        return self.label.text()

    def setText(self, text: str) -> None:
        """Show ``text``; the whole of it is also the tooltip (a message longer than the
        banner's lines scrolls)."""
        if text != self.label.text():
            self.label.setText(text)
            self.setToolTip(text)
            self.verticalScrollBar().setValue(0)  # a new message is read from its start

    def setStyleSheet(self, style: str) -> None:
        """Style the banner with ``style`` (CSS declarations, no selector): the frame takes
        the border and background, the label the colour, padding and font."""
        self._style = style
        super().setStyleSheet(
            f"QScrollArea#banner {{{style}}} "
            "QScrollArea#banner > QWidget#qt_scrollarea_viewport {background:transparent;} "
            f"QLabel {{{style} border:none; background:transparent;}}"
        )

    def styleSheet(self) -> str:
        """The declarations last given to :meth:`setStyleSheet`."""
        return self._style


class MainWindow(StateAccess, PaintsState, FitsScreen, DeferredParts, QMainWindow):
    """GD Explorer's main window."""

    run_finished = Signal(object)  # final Snapshot of the current run (after the plots update)
    race_finished = Signal(object)  # the Race on screen, once every racer ended and is drawn
    problem_ready = Signal()  # the current data/model has been prepared and drawn
    message_shown = Signal(str, str)  # text, kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("GD Explorer — how linear regression is trained")
        self.setAcceptDrops(True)
        self.worker = RunWorker(self)
        self.message_kind = "info"
        self._curves: dict[int, object] = {}  # learning-curve item of each run, by job id
        self._predictions_at = 0.0
        self._finishing: Snapshot | None = None
        self._finishing_race = False  # a race ended: its last redraw is due
        self._shown_final: Snapshot | None = None  # the last final snapshot drawn
        self._drawn_run = None  # the run whose history the views hold
        self._shown_once = False
        self.live = LiveRedraw(self, REDRAW_PARTS, self._redraw, self._on_redrawn)
        self._prepare_timer = QTimer(self, singleShot=True, interval=150)
        self._build()
        self.controller = ExploreController(self, self.worker)
        self.state: ExploreState = self.controller.state
        self._prepare_timer.timeout.connect(self.controller.prepare_now)
        self._connect()
        self.state.settings = self.controls.settings(self.state.settings, strict=False)
        self.render(self.state, frozenset({"message", "start"}))
        self.request_prepare()
        self.fit_to_screen()

    # -- construction ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.controls = ControlPanel()
        scroll = FooterScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.set_footer(self.controls.run_box)  # Run and Stop never scroll out of view
        # as wide as the panel needs with its scroll bar shown: it scrolls, it never clips
        scroll.setMinimumWidth(
            self.controls.minimumSizeHint().width()
            + scroll.verticalScrollBar().sizeHint().width()
            + 2 * scroll.frameWidth()
        )
        self.controls_scroll = scroll
        self.message = Banner()
        self._style_message("info")
        # A fixed height: a message of another length must not re-layout (and so repaint)
        # every plot, which took ~60 ms on a run's first frame.
        self.message.setFixedHeight(self.message.fontMetrics().lineSpacing() * 3 + 24)
        self.contour = ContourView()
        self.learning = LearningCurveView()
        self.params = ParametersView()
        self.data_view = DataView()
        self.numbers = NumbersPanel()
        # issue 11, item 4: the step's shapes and the 3-D surface, as tabs of the data view
        # (next to the numbers, below the contour; presentation mode moves the views whole)
        self.surface3d, self.step_panel = Surface3DView(), StepPanel()
        self.data_view.tabs.addTab(self.step_panel, "Step")
        self.data_view.tabs.addTab(self.surface3d, "3-D")
        for view in (self.learning, self.params):
            view.setMinimumHeight(MIN_PLOT_HEIGHT)
        # On a tall window the learning curve and the parameters share a column next to the
        # contour; on a short one (a 1366 × 768 laptop) they stand side by side, so that
        # every plot keeps ≥ 180 px (see _arrange_plots).
        self.curves_splitter = QSplitter(Qt.Orientation.Vertical)
        self.curves_splitter.addWidget(self.learning)
        self.curves_splitter.addWidget(self.params)
        self.curves_splitter.setChildrenCollapsible(False)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.contour)
        top.addWidget(self.curves_splitter)
        top.setChildrenCollapsible(False)
        self.top_splitter = top
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.data_view)
        bottom.addWidget(self.numbers)
        bottom.setStretchFactor(0, 1)
        bottom.setStretchFactor(1, 1)
        bottom.setChildrenCollapsible(False)
        bottom.setSizes([450, 550])  # the numbers with their units on one line when there is room
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(top)
        plots.addWidget(bottom)
        plots.setChildrenCollapsible(False)
        plots.setStretchFactor(0, 3)
        plots.setStretchFactor(1, 2)
        plots.setSizes([560, 360])
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 4, 4, 4)
        rl.addWidget(self.message)
        rl.addWidget(plots, 1)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(scroll)
        main.addWidget(right)
        main.setStretchFactor(1, 1)
        main.setChildrenCollapsible(False)
        main.setSizes([CONTROLS_WIDTH, 1200])
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.data_tab = DataTab()  # the table as read (issue 10)
        self.import_dialog: ImportDialog | None = None
        self.tabs.addTab(main, CHOICE_LABELS["tab"]["explore"])
        self.tabs.addTab(self.data_tab, CHOICE_LABELS["tab"]["data"])
        # the Timing tab (issue 4) and Evaluate (residuals, degree sweep, λ path; issue 12,
        # items 3, 6) are built when first shown or asked for (lazy_tabs)
        self._add_deferred_tabs(CHOICE_LABELS["tab"]["timing"], CHOICE_LABELS["tab"]["evaluate"])
        self.setCentralWidget(self.tabs)

    def _connect(self) -> None:
        c, ctl = self.controls, self.controller
        c.model_changed.connect(self.request_prepare)
        c.csv_requested.connect(self.ask_import)
        c.import_requested.connect(self.ask_import)
        c.run_requested.connect(self.run)
        c.pause_requested.connect(self.toggle_pause)
        c.step_requested.connect(self.step)
        c.stop_requested.connect(self.stop)
        c.reset_requested.connect(self.reset)
        c.start_reset.clicked.connect(self.clear_start)
        c.batch_cost_check.toggled.connect(self.learning.show_batch_cost)
        self.worker.gpu_probed.connect(c.set_gpu_status)
        race = c.race_box
        race.add_requested.connect(self.race_add)
        race.remove_requested.connect(ctl.race_remove)
        race.clear_requested.connect(ctl.race_clear)
        race.classic_requested.connect(self.race_classic_four)
        race.race_requested.connect(self.race)
        self.contour.start_clicked.connect(ctl.contour_clicked)
        self.contour.pair_changed.connect(ctl.pair_chosen)
        attach_watch(self)  # speed, Back 1, hover, arrows, step panel (issue 11, item 4)

    # -- user actions, forwarded -------------------------------------------------------------
    def show_message(self, text: str, kind: str = "info") -> None:
        """Show ``text`` in the message panel above the plots (never a blocking dialog)."""
        self.controller.show_message(text, kind)

    def _sync_settings(self, strict: bool) -> bool:
        """Hand the controls' settings to the controller; False (and a message) when they
        cannot be read."""
        try:
            settings = self.controls.settings(self.state.settings, strict=strict)
        except (ValueError, InputError) as exc:
            self.show_message(f"Cannot run: {exc}.", "error")
            return False
        self.controller.settings_changed(settings)
        return True

    def request_prepare(self) -> None:
        """Data, model or scaling may have changed: prepare the problem (debounced); the
        answer always comes as ``problem_ready``."""
        if self._sync_settings(strict=False):
            self.schedule_prepare()

    def open_csv(self, path: str, choices: dict | None = None) -> None:
        """Load the data file at ``path`` now, with the import preview's ``choices`` (data
        settings; none: the defaults); errors show in the window."""
        self._prepare_timer.stop()
        self.controller.open_file(path, choices)
        self._prepare_timer.stop()  # open_file prepares at once: no second, late prepare

    def ask_import(self, path: str = "") -> ImportDialog | None:
        """Open the import preview of ``path`` (default: the current file, with its current
        choices); OK loads the file with the choices shown, Cancel changes nothing. Without
        any file, the file dialog comes first. Returns the dialog (None when none opened)."""
        path = path or self.state.settings.data.csv_path
        if not path:
            self.controls.file_page.ask_file()
            return None
        if self.import_dialog is not None:
            self.import_dialog.reject()
        from gui_app.explore.import_dialog import ImportDialog

        dialog = ImportDialog(path, self.state.settings.data, self)
        dialog.accepted.connect(lambda d=dialog: self._import_accepted(d))
        dialog.finished.connect(lambda _r, d=dialog: self._import_closed(d))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _import_accepted(self, dialog: ImportDialog) -> None:
        try:
            choices = dialog.settings_fields()
        except InputError as exc:
            self.show_message(f"Cannot use that file: {exc}", "error")
            return
        self.open_csv(dialog.draft.path, choices)

    def _import_closed(self, dialog: ImportDialog) -> None:
        if self.import_dialog is dialog:
            self.import_dialog = None
        dialog.deleteLater()

    def run(self, start_paused: bool = False, step_budget: int = 0) -> int | None:
        """Start a run with the current controls; returns its id (None when refused)."""
        if not self._sync_settings(strict=True):
            return None
        why = schedule_problem(self.state.settings.run)
        if why:  # refused here: the run on screen stays (a failed job would replace it)
            self.show_message(f"Cannot run: {why}.", "error")
            return None
        self._prepare_timer.stop()
        note = self.controls.device_box.fallback_note()  # never run another one silently
        if self.state.settings.run.implementation == "loop" and self.controls.uses_gd():
            est = self.controls.loop_estimate_seconds()
            if est > 10:
                note = (
                    f"The Python loops will take about {format_seconds(est)}; press Stop "
                    "(Esc) to cancel."
                )
        self.live.restart_pacing()  # pace redraws by this run's costs only
        return self.controller.run(start_paused, step_budget, note)

    def race_add(self) -> bool:
        """Add the current controls' run settings to the race line-up."""
        return self._sync_settings(strict=True) and self.controller.race_add()

    def race_classic_four(self) -> bool:
        """Fill the line-up with the classic four (with the controls' iterations, tolerance)."""
        return self._sync_settings(strict=True) and self.controller.race_classic_four()

    def race(self) -> int | None:
        """Start the race line-up together; returns the race's job id (None when refused)."""
        if not self._sync_settings(strict=True):
            return None
        self._prepare_timer.stop()
        self.live.restart_pacing()  # pace redraws by this race's costs only
        return self.controller.race()

    def toggle_pause(self) -> None:
        self.controller.toggle_pause()

    def step(self, count: int) -> None:
        """Take exactly ``count`` gradient-descent iterations (Step 1: one, Step ×10: ten)."""
        if self.state.status is RunStatus.IDLE and not self._sync_settings(strict=True):
            return
        self.controller.step(count)

    def stop(self, reason: str = "") -> None:
        """Stop the run; ``reason`` (when the app, not the user, stops it) ends up in the
        banner: "Stopped after N iterations: <reason>."."""
        if reason and self.running:
            self.state.stop_reason = reason
        self.controller.stop()

    def reset(self) -> None:
        """Stop, forget earlier runs and the chosen start point, and redraw the empty views."""
        self._finishing, self._finishing_race = None, False
        self.controller.reset()

    def clear_start(self) -> None:
        self.controller.clear_start()

    # -- the view's side of the controller -----------------------------------------------------
    def render(self, state: ExploreState, changed: frozenset[str]) -> None:
        """Draw the aspects in ``changed`` (:meth:`PaintsState.render`), then keep the
        Evaluate tab true to the state."""
        super().render(state, changed)
        self._render_deferred(state, changed)

    def _after_first_paint(self) -> None:
        super()._after_first_paint()
        self.controls.set_cpu_info(_cpu_label())  # (threadpoolctl reads the loaded libraries)

    def schedule_prepare(self) -> None:
        """Prepare soon (typing in a spin box does not prepare at every keystroke)."""
        self._prepare_timer.start()

    # -- drag and drop, tabs, closing ------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.ask_import(url.toLocalFile())
                event.acceptProposedAction()
                return

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # On the Timing tab the run buttons are hidden, so their keys arrive here: say where
        # they act instead of doing nothing.
        run_button = self.controls.run_button
        if (
            event.key() == Qt.Key.Key_F5
            and not run_button.isEnabled()
            and self.tabs.currentIndex() == 0
        ):
            self.controls.evaluation_box.commit_typed()  # a λ typed but not yet entered
            if run_button.isEnabled():
                run_button.click()
                event.accept()
                return
            # Run is off (a λ typed wrong, L1 with a solver that cannot train it): F5 says why
            self.controller.show_message(
                run_button.toolTip().replace("Run is off: ", "Cannot run: "), "error"
            )
            event.accept()
            return
        if event.key() in RUN_KEYS and self.tabs.currentIndex() != 0:
            hint = TIMING_RUN_KEYS_HINT if self.tab_name() == "timing" else DATA_HINT
            self.statusBar().showMessage(hint, 8000)
            event.accept()
            return
        super().keyPressEvent(event)

    def show_timing_tab(self, preset: str | None = "textbook") -> None:
        """Switch to the Timing tab and apply a size preset (``timing_view.PRESETS``); a
        lesson calls this. It does not start the benchmark."""
        self.tabs.setCurrentWidget(self.timing)
        if preset is not None:
            self.timing.apply_preset(preset)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._prepare_timer.stop()
        if self.import_dialog is not None:
            self.import_dialog.reject()  # (its reading thread ends with it)
        self._shutdown_tabs()
        self.worker.shutdown()
        super().closeEvent(event)


def schedule_problem(run: RunSettings) -> str:
    """Why the learning-rate schedule of ``run`` cannot be used ("" when it can): the check
    of :func:`core.solvers.schedules.learning_rate` (a step decay above 1, …), before a job
    is submitted."""
    from core.solvers import GD_SOLVERS, learning_rate

    if run.solver not in GD_SOLVERS:
        return ""
    try:
        learning_rate(
            run.schedule,
            run.alpha,
            decay=run.decay,
            step_every=run.step_every,
            iterations=run.iterations,
        )
    except InputError as exc:
        return str(exc)
    return ""


def _cpu_label() -> str:
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            return (
                f"CPU — NumPy / {info[0].get('internal_api', 'BLAS')}, "
                f"{info[0].get('num_threads', '?')} threads"
            )
    except Exception:  # threadpoolctl is optional for the window
        pass
    return "CPU — NumPy / BLAS"
