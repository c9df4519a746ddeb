"""How the main window draws the explore state: :meth:`PaintsState.render` (called by the
controller with the aspects that changed) and the live redraws of the current run.

The truth lives in :class:`~gui_app.explore.state.ExploreState`; this mixin only paints it on
the window's views (controls, contour, learning curves, parameters, numbers, data) and
decides nothing about runs. Live redraws are paced by :class:`~gui_app.explore.live.LiveRedraw`
(``window.live``), which calls :meth:`PaintsState._redraw` for one part at a time.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg

from core.solvers import Snapshot
from gui_app.explore import plots as style
from gui_app.explore.controller import parameter_short_names, start_theta
from gui_app.explore.curve_x import run_epoch_factor
from gui_app.explore.eval_paint import draw_test_cost, judge_for_numbers, paint_evaluation
from gui_app.explore.plots import coefficient_unit, unit_of
from gui_app.explore.state import SCALING_SHORT, ExploreState, Run, RunStatus, run_label
from gui_app.explore.views.curves import short_label
from gui_app.explore.watch_paint import paint_watch, redraw_watch

#: What the parameters plot says during a race (one plot cannot hold four runs' parameters).
RACE_PARAMS_NOTE = "A race:\neach racer's\nw and b are\nits path on\nthe contour"
REDRAW_PARTS = ("contour", "learning", "params", "numbers", "data")
MESSAGE_STYLES = {
    "info": "background:#eef3fb; color:#123; border:1px solid #b8c8e0;",
    "ok": "background:#e9f6ea; color:#143d17; border:1px solid #9fd0a3;",
    "warning": "background:#fff6e0; color:#4a3500; border:1px solid #e6c36a;",
    "error": "background:#fdecec; color:#6a0000; border:1px solid #e09a9a;",
}

#: The axis labels of the data view's plots when no problem is prepared (as first built).
NEUTRAL_LABELS = {"fit": ("feature", "target"), "histogram": ("value", "count")}


def neutral_axes(plot: pg.PlotItem, labels: tuple[str, str] | None = None) -> None:
    """Empty axes: the default range 0–1 (no scale factor such as "x1e+09" of old data),
    auto-ranging again for the next data; ``labels`` (bottom, left) when given."""
    if labels is not None:
        plot.setLabel("bottom", labels[0], **style.LABEL_STYLE)
        plot.setLabel("left", labels[1], **style.LABEL_STYLE)
    plot.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    plot.enableAutoRange()


class PaintsState:
    """Mixin of :class:`~gui_app.explore.window.MainWindow`: draws ``state`` on the window's
    views. Needs the window's ``state``, ``live``, ``controls``, ``contour``, ``learning``,
    ``params``, ``numbers``, ``data_view``, ``message`` and its three signals."""

    # Set by the window's __init__:
    _curves: dict[int, tuple[Run, object]]  # (run, its learning-curve item), by id(run)
    _finishing_race: bool  # a race ended: its last redraw is due
    _predictions_at: float  # when the predictions scatter was last redrawn
    _finishing: Snapshot | None  # a final snapshot waiting for the last redraw
    _shown_final: Snapshot | None  # the last final snapshot drawn

    def render(self, state: ExploreState, changed: frozenset[str]) -> None:
        """Draw the aspects in ``changed`` from ``state``."""
        if "settings" in changed:
            self.controls.set_settings(state.settings)
        if "problem" in changed:
            self._render_problem()
        if "pair" in changed or "problem" in changed:
            self._render_pair()
        if "start" in changed:
            self._render_start()
        if "runs" in changed:
            self._render_runs()
            fresh = state.race.runs if state.race is not None else [state.current]
            if any(fresh) and all(run is None or run.history is None for run in fresh):
                # a new run or race: the grid around start and optimum again, not an old
                # (diverged) run's blown-up range
                self._draw_contour()
        if "lineup" in changed:
            self._render_lineup()
        if "history" in changed:
            if state.current_history() is None and not state.shown_runs():
                self._redraw()  # at once: nothing of an old problem stays
            else:
                self.live.schedule()
        if "optimum" in changed:
            self._render_optimum()
        if "status" in changed:
            self.controls.set_running(self.running, state.status is RunStatus.PAUSED)
            if state.prepared is None:
                self._render_problem()
        if "message" in changed:
            self._render_message()
        if "finished" in changed and state.current is not None:
            self._finishing = state.current.final
            self.live.finish_soon()
        if "race_finished" in changed and state.race is not None:
            self._finishing_race = True
            self.live.finish_soon()
        paint_watch(self, changed)  # speed, arrows, 3-D surface, step panel (issue 11)
        paint_evaluation(self, changed)  # the prediction box (issue 12)
        if "ready" in changed:
            self.problem_ready.emit()

    def _render_message(self) -> None:
        message = self.state.message
        if message.kind != self.message_kind or not self.message.styleSheet():
            self._style_message(message.kind)  # re-styling re-polishes: only on change
        self.message_kind = message.kind
        self.message.setText(message.text)
        self.statusBar().showMessage(message.text.splitlines()[0][:200] if message.text else "")
        self.statusBar().setToolTip(message.text)  # the bar cuts a long line; the banner scrolls
        self.message_shown.emit(message.text, message.kind)

    def _style_message(self, kind: str) -> None:
        size = getattr(self, "message_font_pt", 11)  # presentation mode enlarges it
        self.message.setStyleSheet(MESSAGE_STYLES[kind] + f" padding:6px; font-size:{size}pt;")

    def _render_problem(self) -> None:
        state = self.state
        prep = state.prepared
        if prep is None:
            preparing = state.status is RunStatus.PREPARING
            text = "preparing…" if preparing else state.prepare_error
            self.controls.set_problem_info(None, 0, 0, text, preparing=preparing)
            self.numbers.set_problem_numbers(None, None, [], [])
            self.contour.clear()
            self.data_view.clear()
            self.data_tab.set_dataset(None)
            self.params.set_names([])
            # no labels or ranges of an earlier problem stay on the emptied plots
            self.contour.set_axis_labels("", "")
            dv = self.data_view
            for plot, labels in (
                (self.contour.plot, None),
                (self.params.plot, None),
                (dv.fit_plot, NEUTRAL_LABELS["fit"]),
                (dv.hist_before, NEUTRAL_LABELS["histogram"]),
                (dv.hist_after, NEUTRAL_LABELS["histogram"]),
            ):
                neutral_axes(plot, labels)
            return
        problem, ds = prep.problem, prep.dataset
        if ds.source and ds.path:  # a file's columns (its module is not start-up work)
            from gui_app.explore.import_choices import file_summary, target_choices

            self.controls.set_csv_columns(target_choices(ds), ds.target_name, file_summary(ds))
            self.controls.file_page.set_warnings(ds.warnings)
        self.data_tab.set_dataset(ds)
        features = "feature" if ds.n == 1 else "features"
        info = f"{ds.m:,} rows × {ds.n:,} {features} → target “{ds.target_name}”"
        if problem.n != ds.n:
            info += f"; {problem.n:,} in the model ({model_columns_why(ds, problem, state)})"
        info += f". cond(A) = {prep.condition_number:.3g}"
        self.controls.set_problem_info(prep.alpha_max, problem.m, problem.n, info)
        self.controls.set_problem_theory(problem)
        units = [coefficient_unit(f, ds.target_name) for f in problem.feature_names]
        if problem.intercept:
            units.append(unit_of(ds.target_name) or ds.target_name)
        self.numbers.set_problem_numbers(
            prep.alpha_max, prep.condition_number, list(problem.parameter_names), units
        )
        self.data_view.set_problem(problem)
        names = parameter_short_names(problem)
        self.params.set_names([names[k] for k in self.params.columns(problem.n, problem.intercept)])
        self.params.set_targets(None)

    def _render_pair(self) -> None:
        state = self.state
        if state.prepared is None or state.pair is None:
            return
        self.contour.set_parameters(state.parameter_labels(), *state.pair)
        self._draw_contour()
        self._redraw("contour")

    def _draw_contour(self) -> None:
        state = self.state
        prep = state.prepared
        if prep is None or state.pair is None or prep.problem.n_params < 2:
            return
        # the grid holds every shown path that ended without diverging (the current run's, or
        # the racers')
        ended = [
            run.history.theta.view()
            for run in state.shown_runs()
            if run.final is not None and not run.final.diverged
        ]
        path = np.vstack(ended) if ended else None
        problem = prep.problem
        tag = (
            "training coordinates"
            if problem.scaling == "none"
            else f"training coordinates, {SCALING_SHORT[problem.scaling]}"
        )
        names = parameter_short_names(problem)
        i, j = state.pair
        # The vertical axis is short on a 768-px screen: it names the scaling only.
        short = "unscaled" if problem.scaling == "none" else SCALING_SHORT[problem.scaling]
        self.contour.show_problem(
            prep,
            state.pair,
            start_theta(state),
            path,
            (f"{names[i]}  ({tag})", f"{names[j]}  ({short})"),
        )

    def _render_start(self) -> None:
        state = self.state
        text = "w = 0, b = 0"
        if state.start_w is not None and state.prepared is not None and state.pair is not None:
            theta = start_theta(state)
            names = parameter_short_names(state.prepared.problem)
            i, j = state.pair
            text = f"{names[i]} = {theta[i]:.4g}, {names[j]} = {theta[j]:.4g} (training coords)"
        self.controls.start_label.setText(text)
        if (
            state.prepared is not None
            and state.pair is not None
            and state.prepared.problem.n_params >= 2
        ):
            theta = start_theta(state)
            self.contour.set_start(theta[state.pair[0]], theta[state.pair[1]])

    def _curve_of(self, run: Run | None) -> object | None:
        """The learning-curve item of ``run`` (None when it has none)."""
        got = self._curves.get(id(run)) if run is not None else None
        return got[1] if got is not None and got[0] is run else None

    def _render_runs(self) -> None:
        state = self.state
        runs = {id(run): run for run in state.runs}
        if not runs:
            self.learning.clear_runs()
            neutral_axes(self.learning.plot)  # no range of the forgotten runs stays
            self._curves.clear()
            return
        for key in [k for k, (run, _c) in self._curves.items() if runs.get(k) is not run]:
            self.learning.remove_curve(self._curves.pop(key)[1])
        drawn = self._drawn_run
        curve = self._curve_of(drawn)
        if drawn is not None and drawn.history is not None and curve is not None:
            # a new run replaces it: its curve gets all of its history first
            self.learning.set_curve(curve, *drawn.history.arrays())
            draw_test_cost(self, drawn, curve)
        racers = state.race.runs if state.race is not None else []
        for key, run in runs.items():
            if key in self._curves:
                continue
            if any(run is racer for racer in racers):
                k = next(k for k, racer in enumerate(racers) if racer is run)
                color = style.RACE_COLORS[k % len(style.RACE_COLORS)]
                self.learning.new_run(run.label, color, race=state.race.job_id)
            else:
                self.learning.new_run(run.label)
            self._curves[key] = (run, self.learning.curves[-1])
            self.learning.set_epoch_factor(self.learning.curves[-1], run_epoch_factor(run, state))

    def _render_lineup(self) -> None:
        """The race box lists the line-up, each entry in its racer colour."""
        state = self.state
        data, model = state.settings.data, state.settings.model
        labels = [run_label(run, model, data).split(", ")[0] for run in state.race_entries]
        self.controls.race_box.set_entries(labels, list(state.race_entries))

    def _redraw_race(self, part: str | None) -> None:
        """Bring the views up to date with the race on screen: a path, current marker and
        legend entry per racer on the contour, a curve per racer; no single run's numbers,
        parameters or predictions (none is on screen)."""
        state = self.state
        race = state.race
        shown = state.shown_runs()
        colors = [style.RACE_COLORS[k % len(style.RACE_COLORS)] for k in range(len(race.runs))]
        if part in (None, "contour"):
            self.contour.set_trajectory(np.array([]), np.array([]))
            paths = []
            for run in race.runs:
                if any(run is r for r in shown) and state.pair is not None:
                    theta = run.history.theta.view()
                    paths.append((theta[:, state.pair[0]], theta[:, state.pair[1]]))
                else:
                    paths.append((np.array([]), np.array([])))
            self.contour.set_race_paths(paths, colors)
            entries = []
            for run, color in zip(race.runs, colors, strict=True):
                snap = run.final
                numbers = ""
                if snap is not None:
                    numbers = f"J={snap.cost:.4g} · {snap.iteration:,} it."
                    if snap.status in ("diverged", "cancelled"):
                        numbers += f" ({'stopped' if snap.status == 'cancelled' else 'diverged'})"
                elif run.failed:
                    numbers = "(failed)"
                # the data and model are the same for every racer (and on the axes)
                entries.append((short_label(run.label.split(", ")[0]), color, numbers))
            self.contour.set_race_legend(entries)
        if part in (None, "learning"):
            for run in shown:
                curve = self._curve_of(run)
                if curve is not None:
                    self.learning.set_curve(curve, *run.history.arrays())
                    draw_test_cost(self, run, curve)
            longest = max(
                (self.learning.x_of(self._curve_of(r), r.last.iteration) for r in shown if r.last),
                default=0,
            )
            if longest:
                self.learning.show_iterations(float(longest))
        if part is None or part == "params":
            self.params.set_history(np.array([]), np.empty((0, 0)))
            self.params.set_note(RACE_PARAMS_NOTE)
        if part is None or part == "numbers":
            self.numbers.set_judgement(None)
            self.numbers.update_numbers(None, None)
        if part is None or part == "data":
            self.data_view.set_model(None, None)

    def _render_optimum(self) -> None:
        state = self.state
        prep, run = state.prepared, state.current
        if prep is None or state.pair is None or run is None or run.final is None:
            return
        self.contour.set_optimum(prep.optimum[state.pair[0]], prep.optimum[state.pair[1]])
        snap, problem = run.final, prep.problem
        values = np.append(snap.w, snap.b) if snap.b is not None else np.asarray(snap.w)
        self.params.set_targets(values[self.params.columns(problem.n, problem.intercept)])

    # -- live redraws ------------------------------------------------------------------------
    def _redraw(self, part: str | None = None) -> None:
        """Bring the views (all, or one of REDRAW_PARTS) up to date with the current run."""
        if part is None:
            self.live.cancel()
        if part in (None, "contour"):
            redraw_watch(self)
        state = self.state
        if state.race is not None:
            self._redraw_race(part)
            return
        if part in (None, "params"):
            self.params.set_note(None)
        if part in (None, "contour"):
            self.contour.set_race_paths([], [])
            self.contour.set_race_legend(None)
        history = state.current_history()
        run = state.current
        if history is None or len(history) == 0:
            # no run of this problem on screen: no path, marker, numbers or predictions
            # (the learning curve keeps earlier runs, labelled with their data and model)
            self.contour.set_trajectory(np.array([]), np.array([]))
            self.params.set_history(np.array([]), np.empty((0, 0)))
            self.data_view.set_model(None, None)
            shown = state.settings.run
            m = state.prepared.problem.m if state.prepared is not None else 0
            self.numbers.set_solver(shown.solver, shown.batch_size, m, shown.momentum)
            self.numbers.set_judgement(None)
            self.numbers.update_numbers(None, run.alpha if run is not None else None)
            return
        it, cost = history.arrays()
        problem = state.prepared.problem
        self._drawn_run = run
        if part in (None, "contour") and state.pair is not None:
            theta = history.theta.view()
            self.contour.set_trajectory(theta[:, state.pair[0]], theta[:, state.pair[1]])
        if (
            part in (None, "learning")
            and self._curve_of(run) is not None
            and self.learning.curves
            and self.learning.curves[-1] is self._curve_of(run)
        ):
            self.learning.set_current(it, cost)
            self.learning.set_batch_cost(self._curve_of(run), it, history.batch_costs())
            draw_test_cost(self, run, self._curve_of(run))
        if part in (None, "params"):
            cols = self.params.columns(problem.n, problem.intercept)
            self.params.set_history(it, history.params.view()[:, cols])
        snap = run.last
        if part in (None, "numbers") and snap is not None:
            status = (
                snap.status
                if snap.final
                else "failed"
                if run.failed
                else state.status.value
                if self.running
                else "stopped"
            )
            ran = run.settings.run
            self.numbers.set_solver(ran.solver, ran.batch_size, problem.m, ran.momentum)
            self.numbers.set_run_theory(problem, run.settings.run, run.alpha)
            judge_for_numbers(self)  # train and test metrics of this model (issue 12)
            self.numbers.update_numbers(snap, run.alpha, status)
        now = time.perf_counter()
        if (
            part in (None, "data")
            and snap is not None
            and (part is None or snap.final or now - self._predictions_at > 0.25)
        ):
            # predictions scatter: a few times a second is enough to watch the fit move
            self._predictions_at = now
            self.data_view.set_model(np.asarray(snap.w), snap.b)

    def _on_redrawn(self) -> None:
        if self._finishing is not None:
            self._complete_finish()
        if self._finishing_race:
            self._finishing_race = False
            race = self.state.race
            if race is not None and race.finished:
                self._draw_contour()  # widen the contour to hold every racer's path
                self._redraw("contour")
                self.race_finished.emit(race)

    def _complete_finish(self) -> None:
        snap, self._finishing = self._finishing, None
        run = self.state.current
        if run is None or run.final is not snap:
            return
        self._shown_final = snap
        if not snap.diverged and snap.status not in ("cancelled", "solved"):
            self._draw_contour()  # widen the contour to hold the whole path
        self.run_finished.emit(snap)


def model_columns_why(dataset, problem, state: ExploreState) -> str:
    """Why the model has another number of columns than the data has features: the
    polynomial expansion, and one level of each one-hot column left to the intercept."""
    why = []
    degree = state.settings.model.degree
    if degree != 1:
        why.append(f"degree-{degree} expansion")
    if problem.intercept and any(getattr(dataset, "indicators", ()) or ()):
        why.append("one level of each categorical column is left to b")
    return ", ".join(why) or "features expanded"
