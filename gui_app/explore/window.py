"""The exploration window: wires the control panel, the worker and the live views together."""

from __future__ import annotations

import html
import math
import time

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.solvers import Snapshot
from gui_app.explore.controls import ControlPanel, format_seconds
from gui_app.explore.plots import coefficient_unit, short_name, unit_of
from gui_app.explore.views.contour import ContourView
from gui_app.explore.views.curves import LearningCurveView, ParametersView
from gui_app.explore.views.data import DataView
from gui_app.explore.views.numbers import NumbersPanel
from gui_app.explore.worker import Prepared, RunWorker
from gui_app.timing.view import TimingView

GRID_POINTS = 121
REDRAW_PARTS = ("contour", "learning", "params", "numbers", "data")
MIN_FRAME_S = 1 / 30  # at most ~30 redraws a second
MAX_FRAME_S = 2.0  # and at least one every 2 s (big data: leave the cores to BLAS)
GUI_CPU_SHARE = 0.03  # live redraws use at most this share of one core
SCALING_SHORT = {"none": "unscaled", "zscore": "z-score", "minmax": "min-max", "mean": "mean"}
MESSAGE_STYLES = {
    "info": "background:#eef3fb; color:#123; border:1px solid #b8c8e0;",
    "ok": "background:#e9f6ea; color:#143d17; border:1px solid #9fd0a3;",
    "warning": "background:#fff6e0; color:#4a3500; border:1px solid #e6c36a;",
    "error": "background:#fdecec; color:#6a0000; border:1px solid #e09a9a;",
}


class _Growing:
    """Rows appended in batches to a buffer that doubles when full (history of a run)."""

    def __init__(self, width: int) -> None:
        self.data = np.empty((256, width))
        self.size = 0

    def extend(self, rows: np.ndarray) -> None:
        need = self.size + len(rows)
        if need > len(self.data):
            new = np.empty((max(need, 2 * len(self.data)), self.data.shape[1]))
            new[: self.size] = self.data[: self.size]
            self.data = new
        self.data[self.size:need] = rows
        self.size = need

    def view(self) -> np.ndarray:
        return self.data[: self.size]


class MainWindow(QMainWindow):
    """GD Explorer's main window."""

    run_finished = Signal(object)  # final Snapshot of the current run (after the plots update)
    problem_ready = Signal()  # the current data/model has been prepared and drawn
    message_shown = Signal(str, str)  # text, kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("GD Explorer — how linear regression is trained")
        self.setAcceptDrops(True)
        self.worker = RunWorker(self)
        self.prepared: Prepared | None = None
        self.run_id = 0
        self.running = False
        self.pair: tuple[int, int] | None = None
        self.start_w: np.ndarray | None = None  # original units; None means zeros
        self.start_b: float | None = None
        self.last_snapshot: Snapshot | None = None
        self.final_snapshot: Snapshot | None = None
        self.run_alpha: float | None = None
        self.message_kind = "info"
        self._reset_history(0)
        self._dirty: set[str] = set()
        self._predictions_at = 0.0
        self._redraw_timer = QTimer(self, singleShot=True, interval=0)
        self._next_cycle_at = 0.0
        self._redraw_pending = False
        self._finishing: tuple[int, Snapshot] | None = None
        self._cycle_cpu = time.thread_time()
        self._redraw_timer.timeout.connect(self._redraw_next)
        self._build()
        self._connect()
        self._prepare_timer = QTimer(self, singleShot=True, interval=150)
        self._prepare_timer.timeout.connect(self._submit_prepare)
        self.controls.set_cpu_info(_cpu_label())
        self.worker.probe_gpu()
        self.request_prepare()
        from gui_app.classroom.classroom import Classroom  # menus: lessons, sessions, export, about

        self.classroom = Classroom(self)

    # -- construction ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.controls = ControlPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(400)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.message = QLabel("Welcome: press Run (F5) to watch gradient descent walk down the "
                              "cost surface. Click the contour plot to choose where it starts.")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._style_message("info")
        # A fixed height: a message of another length must not re-layout (and so repaint)
        # every plot, which took ~60 ms on a run's first frame.
        self.message.setFixedHeight(self.message.fontMetrics().lineSpacing() * 3 + 24)
        self.contour = ContourView()
        self.learning = LearningCurveView()
        self.params = ParametersView()
        self.data_view = DataView()
        self.numbers = NumbersPanel()
        right_top = QSplitter(Qt.Orientation.Vertical)
        right_top.addWidget(self.learning)
        right_top.addWidget(self.params)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.contour)
        top.addWidget(right_top)
        top.setSizes([600, 500])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.data_view)
        bottom.addWidget(self.numbers)
        bottom.setSizes([500, 600])
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(top)
        plots.addWidget(bottom)
        plots.setSizes([620, 330])
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 4, 4, 4)
        rl.addWidget(self.message)
        rl.addWidget(plots, 1)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(scroll)
        main.addWidget(right)
        main.setStretchFactor(1, 1)
        main.setSizes([420, 1180])
        self.timing = TimingView()  # the Timing tab (issue 4)
        self.timing.run_started.connect(self.stop)  # one measurement at a time, honestly
        self.worker.gpu_probed.connect(self.timing.set_gpu_status)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(main, "Explore")
        self.tabs.addTab(self.timing, "Timing")
        self.setCentralWidget(self.tabs)
        self.statusBar().showMessage("Ready")
        self.resize(1600, 1000)

    def _connect(self) -> None:
        c = self.controls
        c.model_changed.connect(self.request_prepare)
        c.csv_requested.connect(self.open_csv)
        c.run_requested.connect(self.run)
        c.pause_requested.connect(self.toggle_pause)
        c.step_requested.connect(self.step)
        c.stop_requested.connect(self.stop)
        c.reset_requested.connect(self.reset)
        c.start_reset.clicked.connect(self.clear_start)
        w = self.worker
        w.prepared.connect(self._on_prepared)
        w.snapshots.connect(self._on_snapshots)
        w.finished.connect(self._on_finished)
        w.failed.connect(self._on_failed)
        w.state_changed.connect(self._on_state)
        w.gpu_probed.connect(c.set_gpu_status)
        self.contour.start_clicked.connect(self._on_contour_click)
        self.contour.pair_changed.connect(self._on_pair_changed)

    # -- messages ---------------------------------------------------------------------------
    def _style_message(self, kind: str) -> None:
        size = getattr(self, "message_font_pt", 11)  # presentation mode enlarges it
        self.message.setStyleSheet(MESSAGE_STYLES[kind] + f" padding:6px; font-size:{size}pt;")

    def show_message(self, text: str, kind: str = "info") -> None:
        """Show ``text`` in the message panel above the plots (never a blocking dialog)."""
        if kind != self.message_kind or not self.message.styleSheet():
            self._style_message(kind)  # re-styling re-polishes the widget: only on change
        self.message_kind = kind
        self.message.setText(html.escape(text).replace("\n", "<br>"))
        self.statusBar().showMessage(text.splitlines()[0][:200] if text else "")
        self.message_shown.emit(text, kind)

    # -- preparing a problem ---------------------------------------------------------------------
    def request_prepare(self) -> None:
        """Data, model or scaling changed: recompute α_max, contours (debounced)."""
        if self.running:
            return  # the next run prepares it; do not cancel the current run
        self.controls.set_problem_info(None, 0, 0, "preparing…")
        self._prepare_timer.start()

    def _submit_prepare(self) -> None:
        if self.running:
            return
        self.run_id = self.worker.submit("prepare", self.controls.model_spec())

    def open_csv(self, path: str) -> None:
        """Use the CSV file at ``path`` (from the dialog or a drop); errors show in the window."""
        self.controls.set_csv_path(path)
        self.stop()
        self.running = False
        self.show_message(f"Loading {path} …", "info")
        self._prepare_timer.stop()
        self._submit_prepare()

    def _on_prepared(self, run_id: int, prep: Prepared) -> None:
        if run_id != self.run_id:
            return
        if self.prepared is not None and prep is self.prepared and self.running:
            self.problem_ready.emit()  # a run on the problem already shown: nothing to redo
            return
        new_problem = self.prepared is None or prep.problem is not self.prepared.problem
        self.prepared = prep
        problem = prep.problem
        ds = prep.dataset
        if ds.source and ds.path:
            self.controls.set_csv_columns(ds.feature_names, ds.target_name)
        info = f"{ds.m:,} rows × {ds.n:,} features → target “{ds.target_name}”"
        if problem.n != ds.n:
            info += f"; {problem.n:,} after degree-{problem.design.degree} expansion" \
                if hasattr(problem.design, "degree") else f"; {problem.n:,} after expansion"
        info += f". cond(A) = {prep.condition_number:.3g}"
        self.controls.set_problem_info(prep.alpha_max, problem.m, problem.n, info)
        names = list(problem.parameter_names)
        units = [coefficient_unit(f, ds.target_name) for f in problem.feature_names]
        if problem.intercept:
            units.append(unit_of(ds.target_name) or ds.target_name)
        self.numbers.set_problem_numbers(prep.alpha_max, prep.condition_number, names, units)
        if new_problem:
            labels = [f"w: {n}" for n in problem.feature_names] + (
                ["b (intercept)"] if problem.intercept else [])
            pair = self._default_pair(prep)
            self.contour.set_parameters(labels, *pair)
            self.pair = pair
            self.data_view.set_problem(problem)
            self.params.set_names([self._param_label(k) for k in
                                   self.params.columns(problem.n, problem.intercept)])
            self._draw_contour()
            self.numbers.update_numbers(self.last_snapshot, self.run_alpha)
            for note in ds.notes:
                self.statusBar().showMessage(note)
        if not self.running:
            warn = "; ".join(problem.warnings)
            text = (f"Ready: {ds.source}. α_max = {prep.alpha_max:.4g}, condition number "
                    f"{prep.condition_number:.3g}. Press Run (F5).")
            if ds.notes:
                text += "\nNote: " + " ".join(ds.notes)
            self.show_message(text + (f"\nWarning: {warn}" if warn else ""),
                              "warning" if warn else "info")
        self.problem_ready.emit()

    def _param_label(self, k: int) -> str:
        problem = self.prepared.problem
        names = problem.parameter_names
        if problem.intercept and k == problem.n:
            return "b"
        return f"w[{short_name(names[k])}]"

    def _default_pair(self, prep: Prepared) -> tuple[int, int]:
        """Keep the user's pair when it still exists, else the most elongated 2-D slice."""
        P = prep.problem.n_params
        if P < 2:
            return (0, 0)
        if self.pair is not None and max(self.pair) < P and self.pair[0] != self.pair[1] \
                and self.prepared is not None and getattr(self, "_pair_names", None) == \
                prep.problem.parameter_names:
            return self.pair
        self._pair_names = prep.problem.parameter_names
        G = prep.problem.gram.G
        best, pair = -1.0, (0, 1)
        limit = min(P, 12)
        candidates = list(range(limit)) + ([P - 1] if P > limit else [])
        for a in candidates:
            for b in candidates:
                if b <= a:
                    continue
                sub = G[np.ix_([a, b], [a, b])]
                ev = np.linalg.eigvalsh(sub)
                ratio = ev[-1] / ev[0] if ev[0] > 0 else math.inf
                if ratio > best:
                    best, pair = ratio, (a, b)
        return pair

    def _on_pair_changed(self, i: int, j: int) -> None:
        self.pair = (i, j)
        self._draw_contour()
        self._redraw()

    def _start_theta(self) -> np.ndarray:
        """Start point in training coordinates."""
        problem = self.prepared.problem
        w = np.zeros(problem.n) if self.start_w is None or len(self.start_w) != problem.n \
            else self.start_w
        w_s, b_s = problem.to_scaled(w, self.start_b or 0.0)
        return problem.theta(w_s, b_s if b_s is not None else 0.0)

    def _draw_contour(self) -> None:
        prep = self.prepared
        if prep is None or self.pair is None or prep.problem.n_params < 2:
            return
        i, j = self.pair
        problem = prep.problem
        opt = prep.optimum
        start = self._start_theta()
        pts_i = [opt[i], start[i]]
        pts_j = [opt[j], start[j]]
        if self.history_theta.size:
            traj = self.history_theta.view()
            fin = np.isfinite(traj[:, i]) & np.isfinite(traj[:, j])
            if fin.any() and self.final_snapshot is not None \
                    and not self.final_snapshot.diverged:
                pts_i += [traj[fin, i].min(), traj[fin, i].max()]
                pts_j += [traj[fin, j].min(), traj[fin, j].max()]
        u = _axis(pts_i, opt[i])
        v = _axis(pts_j, opt[j])
        J = prep.cost_surface(i, j, u, v)
        self.contour.set_surface(u, v, J)
        self.contour.set_optimum(opt[i], opt[j])
        self.contour.set_start(start[i], start[j])
        tag = "training coordinates" if problem.scaling == "none" else \
            f"training coordinates, {SCALING_SHORT[problem.scaling]}"
        self.contour.set_axis_labels(f"{self._param_label(i)}  ({tag})",
                                     f"{self._param_label(j)}  ({tag})")

    # -- runs -------------------------------------------------------------------------------------
    def _reset_history(self, n_params: int) -> None:
        self.history_iter: list[np.ndarray] = []
        self.history_cost: list[np.ndarray] = []
        self.history_theta = _Growing(max(n_params, 1))
        self.history_params = _Growing(max(n_params, 1))

    def run(self, start_paused: bool = False, step_budget: int = 0) -> int | None:
        """Start a run with the current controls; returns its id (None when refused)."""
        w0 = self.start_w
        b0 = self.start_b
        try:
            spec = self.controls.run_spec(w0=w0, b0=b0, start_paused=start_paused,
                                          step_budget=step_budget)
        except ValueError as exc:
            self.show_message(f"Cannot run: {exc}.", "error")
            return None
        if spec.w0 is not None and self.prepared is not None \
                and len(spec.w0) != self.prepared.problem.n:
            spec = type(spec)(**{**spec.__dict__, "w0": None, "b0": None})
        self._prepare_timer.stop()
        self.run_id = self.worker.submit("run", spec)
        self._cycle_cpu = time.thread_time()  # pace redraws by this run's costs only
        self.running = True
        self.final_snapshot = None
        self.last_snapshot = None
        self.run_alpha = spec.run.alpha if spec.run.solver in ("gd", "gd-loop") else None
        self._new_run_pending = True
        self._run_spec = spec
        label = self._run_label(spec)
        self.learning.new_run(label)
        self.controls.set_running(True, start_paused)
        text = f"Running {label} …"
        if spec.run.solver == "gd-loop":
            est = self.controls.loop_estimate_seconds()
            if est > 10:
                text += (f" The Python loops will take about {format_seconds(est)}; "
                         "press Stop (Esc) to cancel.")
        self.show_message(text, "info")
        return self.run_id

    def _run_label(self, spec) -> str:
        scaling = SCALING_SHORT[spec.problem.model.scaling]
        run = spec.run
        if run.solver == "gd":
            return f"GD α={run.alpha:.3g}, {scaling}"
        if run.solver == "gd-loop":
            return f"GD loops α={run.alpha:.3g}, {scaling}"
        return "normal eq." if run.solver == "normal" else "textbook inverse"

    def toggle_pause(self) -> None:
        if not self.running:
            return
        self.worker.set_paused(not self.worker.is_paused())

    def step(self, count: int) -> None:
        """Take ``count`` GD steps: pauses a running run, or starts one paused."""
        if self.running and self.worker.is_paused():
            self.worker.step(count)
        elif self.running:
            self.worker.set_paused(True)
        elif self.controls.algorithm() == "gd":
            self.run(start_paused=True, step_budget=count)

    def stop(self) -> None:
        self.worker.stop()

    def reset(self) -> None:
        """Stop, forget earlier runs and the chosen start point, and redraw the empty views."""
        self.worker.stop()
        self.running = False
        self.run_id = self.worker.latest_run_id + 1000  # drop whatever is still in flight
        self.learning.clear_runs()
        self.start_w, self.start_b = None, None
        self.controls.start_label.setText("w = 0, b = 0")
        self.last_snapshot = self.final_snapshot = None
        self._reset_history(self.prepared.problem.n_params if self.prepared else 0)
        self._redraw()
        self.numbers.update_numbers(None)
        self.controls.set_running(False)
        self.request_prepare()
        self.show_message("Reset: earlier runs cleared; start point back at zero.", "info")

    def clear_start(self) -> None:
        self.start_w, self.start_b = None, None
        self.controls.start_label.setText("w = 0, b = 0")
        self._draw_contour()

    def _on_contour_click(self, x: float, y: float) -> None:
        if self.prepared is None or self.pair is None:
            return
        problem = self.prepared.problem
        theta = self._start_theta()
        i, j = self.pair
        theta[i], theta[j] = x, y
        w_s = theta[: problem.n]
        b_s = float(theta[problem.n]) if problem.intercept else None
        w, b = problem.to_original(w_s, b_s)
        self.start_w, self.start_b = np.asarray(w, np.float64), b
        self.contour.set_start(x, y)
        self.controls.start_label.setText(
            f"{self._param_label(i)} = {x:.4g}, {self._param_label(j)} = {y:.4g} (training "
            "coords)")
        self.show_message(f"The next run starts at {self._param_label(i)} = {x:.4g}, "
                          f"{self._param_label(j)} = {y:.4g} (training coordinates; the other "
                          "parameters start at 0). Press Run (F5).", "info")

    def _on_state(self, run_id: int, state: str) -> None:
        if run_id != self.run_id:
            return
        if state == "idle":
            if self.running and self.final_snapshot is None:
                self.running = False
            self.controls.set_running(False)
        else:
            self.controls.set_running(True, state == "paused")
            if state == "paused":
                self.statusBar().showMessage("Paused: Step (F7 / F8) or Resume (F6)")

    def _on_snapshots(self, run_id: int, batch: list[Snapshot]) -> None:
        if run_id != self.run_id or self.prepared is None:
            return
        problem = self.prepared.problem
        if getattr(self, "_new_run_pending", False):
            self._new_run_pending = False
            self._reset_history(problem.n_params)
        it = np.fromiter((s.iteration for s in batch), float, len(batch))
        cost = np.fromiter((s.cost for s in batch), float, len(batch))
        self.history_iter.append(it)
        self.history_cost.append(cost)
        theta = np.array([problem.theta(s.w_scaled, s.b_scaled or 0.0) for s in batch])
        params = np.array([np.append(s.w, s.b) if s.b is not None else s.w for s in batch])
        self.history_theta.extend(theta)
        self.history_params.extend(params)
        self.last_snapshot = batch[-1]
        self._schedule_redraw()

    def _schedule_redraw(self) -> None:
        """Redraw the views one per event-loop turn, paced to a share of one core.

        Qt paints every dirty widget of a window in one event; on big data, with BLAS busy
        on every core, painting all five views at once stalled the event loop for over
        100 ms. Staggered, each view's update and paint is a short event of its own. Cycles
        are paced so that the GUI thread uses at most GUI_CPU_SHARE of a core (measured with
        its CPU clock), which leaves the cores to the worker: a cheap cycle (small data)
        redraws ~30 times a second, an expensive one less often. No history is lost.
        """
        self._redraw_pending = True
        if not self._dirty and not self._redraw_timer.isActive():
            self._start_cycle_timer()

    def _start_cycle_timer(self) -> None:
        delay = max(0.0, self._next_cycle_at - time.perf_counter())
        self._redraw_timer.start(round(delay * 1000))

    def _redraw_next(self) -> None:
        if not self._dirty:  # start a cycle, and pace the next one by this one's cost
            if not self._redraw_pending:
                return
            self._redraw_pending = False
            self._dirty = set(REDRAW_PARTS)
            now, cpu = time.perf_counter(), time.thread_time()
            used = cpu - self._cycle_cpu
            self._cycle_cpu = cpu
            self._next_cycle_at = now + min(MAX_FRAME_S, max(MIN_FRAME_S, used / GUI_CPU_SHARE))
        for part in REDRAW_PARTS:
            if part in self._dirty:
                self._dirty.discard(part)
                self._redraw(part)
                break
        if self._dirty:
            self._redraw_timer.start(0)
        elif self._redraw_pending:
            self._start_cycle_timer()
        elif self._finishing is not None:
            self._complete_finish()

    def _redraw(self, part: str | None = None) -> None:
        """Bring the views (all, or one of REDRAW_PARTS) up to date with the run's history."""
        if part is None:
            self._dirty.clear()
        if not self.history_iter or self.prepared is None:
            self.contour.set_trajectory(np.array([]), np.array([]))
            self.learning.set_current(np.array([]), np.array([]))
            self.params.set_history(np.array([]), np.empty((0, 0)))
            self.data_view.set_model(None, None)
            return
        if len(self.history_iter) > 1:
            self.history_iter = [np.concatenate(self.history_iter)]
            self.history_cost = [np.concatenate(self.history_cost)]
        it, cost = self.history_iter[0], self.history_cost[0]
        if part in (None, "contour"):
            theta = self.history_theta.view()
            if self.pair is not None and theta.shape[1] > max(self.pair):
                self.contour.set_trajectory(theta[:, self.pair[0]], theta[:, self.pair[1]])
        if part in (None, "learning"):
            self.learning.set_current(it, cost)
        if part in (None, "params"):
            problem = self.prepared.problem
            cols = self.params.columns(problem.n, problem.intercept)
            params = self.history_params.view()
            if params.shape[1] > max(cols):
                self.params.set_history(it, params[:, cols])
        snap = self.last_snapshot
        if part in (None, "numbers") and snap is not None:
            self.numbers.update_numbers(snap, self.run_alpha, snap.status if snap.final
                                        else "running" if self.running else "failed")
        now = time.perf_counter()
        if part in (None, "data") and snap is not None and (
                part is None or snap.final or now - self._predictions_at > 0.25):
            # predictions scatter: a few times a second is enough to watch the fit move
            self._predictions_at = now
            self.data_view.set_model(np.asarray(snap.w), snap.b)

    def _on_finished(self, run_id: int, snap: Snapshot) -> None:
        if run_id != self.run_id:
            return
        self.running = False
        self.controls.set_running(False)
        # Finish after the last redraw cycle (staggered like the others, not one long paint).
        self._finishing = (run_id, snap)
        self._next_cycle_at = 0.0
        self._schedule_redraw()
        if not self._dirty:
            self._redraw_timer.start(0)  # no waiting for the pace: the run is over

    def _complete_finish(self) -> None:
        run_id, snap = self._finishing
        self._finishing = None
        if run_id != self.run_id:
            return
        self.final_snapshot = snap
        if snap.diverged:
            self.show_message(snap.message + " The app is ready for another run: lower α "
                              "(the red part of the slider is divergent) or scale the "
                              "features.", "error")
        elif snap.status == "cancelled":
            self.show_message(snap.message, "warning")
        else:
            text = f"{snap.message}  Final cost J = {snap.cost:.6g}."
            if self.prepared is not None and snap.status == "solved":
                problem = self.prepared.problem
                opt = problem.theta(snap.w_scaled, snap.b_scaled or 0.0)
                self.prepared = Prepared(self.prepared.spec, self.prepared.dataset, problem,
                                         self.prepared.alpha_max,
                                         self.prepared.condition_number, opt,
                                         self.prepared.seconds, snap.cost)
                if self.pair is not None:
                    self.contour.set_optimum(opt[self.pair[0]], opt[self.pair[1]])
                self.params.set_targets(np.append(snap.w, snap.b)[
                    self.params.columns(problem.n, problem.intercept)]
                    if snap.b is not None else snap.w[
                    self.params.columns(problem.n, problem.intercept)])
            if snap.warnings:
                text += "\nWarning: " + " ".join(snap.warnings)
            self.show_message(text, "warning" if snap.warnings else "ok")
            if snap.status != "solved":
                self._draw_contour()  # widen the contour to hold the whole path
        self.run_finished.emit(snap)

    def _on_failed(self, run_id: int, message: str) -> None:
        if run_id != self.run_id:
            return
        self.running = False
        self.controls.set_running(False)
        if self.last_snapshot is not None and not self.last_snapshot.final:
            # a fault mid-run (e.g. the GPU failed): the history so far stays on screen
            self._schedule_redraw()
        elif self.prepared is None or "csv" in message.lower() \
                or self.controls.source() == "csv":
            self.controls.set_problem_info(None, 0, 0, "")
        self.show_message(message, "error")

    # -- drag and drop, closing ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_csv(url.toLocalFile())
                event.acceptProposedAction()
                return

    def show_timing_tab(self, preset: str | None = "textbook") -> None:
        """Switch to the Timing tab and apply a size preset (``timing_view.PRESETS``); a
        lesson calls this. It does not start the benchmark."""
        self.tabs.setCurrentWidget(self.timing)
        if preset is not None:
            self.timing.apply_preset(preset)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._prepare_timer.stop()
        self.timing.shutdown()
        self.worker.shutdown()
        super().closeEvent(event)


def _axis(points: list[float], centre: float, count: int = GRID_POINTS) -> np.ndarray:
    """Grid coordinates covering ``points`` with a margin (never an empty span)."""
    lo, hi = float(min(points)), float(max(points))
    span = hi - lo
    if not span > 0:
        span = max(abs(centre), 1.0)
        lo, hi = centre - span / 2, centre + span / 2
    return np.linspace(lo - 0.25 * span, hi + 0.25 * span, count)


def _cpu_label() -> str:
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            return (f"CPU — NumPy / {info[0].get('internal_api', 'BLAS')}, "
                    f"{info[0].get('num_threads', '?')} threads")
    except Exception:  # threadpoolctl is optional for the window
        pass
    return "CPU — NumPy / BLAS"
