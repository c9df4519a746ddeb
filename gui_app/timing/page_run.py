"""The run life-cycle shared by the Timing tab's two pages (one GD step; time to a cost).

A page (a QWidget) mixes in :class:`PageRun` and provides ``worker`` (a runner worker with
``submit``/``cancel``/``shutdown`` and the ``progress``/``finished``/``cancelled``/``failed``
signals, each carrying the run id first), ``config()`` (an object with ``validate()``),
``run_id``, ``running``, ``report``, ``progress_bar`` (range 0–1000), ``progress_label``, the
``report_ready`` and ``run_ended`` signals, ``show_message(text, kind)``,
``show_report(report)`` and ``_set_running(bool)``. What differs between the pages stays
with them: :attr:`PageRun.CANCELLED_MESSAGE`, :attr:`PageRun.CONFIG_ERRORS` and the
:meth:`PageRun._report_shown` hook.
"""

from __future__ import annotations

from typing import Any

from core.errors import InputError

#: Style sheets of the message under a page's controls, by kind.
MESSAGE_STYLES = {
    "info": "background:#eef3fb; color:#123; border:1px solid #b8c8e0;",
    "ok": "background:#e9f6ea; color:#143d17; border:1px solid #9fd0a3;",
    "warning": "background:#fff6e0; color:#4a3500; border:1px solid #e6c36a;",
    "error": "background:#fdecec; color:#6a0000; border:1px solid #e09a9a;",
}


class PageRun:
    """Start, follow, cancel and end a page's measurement; only the latest run is heard."""

    #: The message shown (as a warning) when a run is cancelled.
    CANCELLED_MESSAGE = "Cancelled."
    #: What ``config()`` or its ``validate()`` raise for a setting that cannot run.
    CONFIG_ERRORS: tuple[type[Exception], ...] = (InputError,)

    # provided by the page
    worker: Any
    run_id: int
    running: bool
    report: Any
    progress_bar: Any
    progress_label: Any
    report_ready: Any
    run_ended: Any

    def config(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    def show_message(self, text: str, kind: str = "info") -> None:  # pragma: no cover
        raise NotImplementedError

    def show_report(self, report: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def _set_running(self, running: bool) -> None:  # pragma: no cover
        raise NotImplementedError

    def _connect_worker(self) -> None:
        """Hear the worker's progress and outcomes."""
        w = self.worker
        w.progress.connect(self._on_progress)
        w.finished.connect(self._on_finished)
        w.cancelled.connect(self._on_cancelled)
        w.failed.connect(self._on_failed)

    def _checked_config(self) -> Any | None:
        """The controls' config, validated; None, with the reason shown, when it is refused."""
        try:
            config = self.config()
            config.validate()
        except self.CONFIG_ERRORS as exc:
            self.show_message(f"Cannot run: {exc}", "error")
            return None
        return config

    def _begin(self, config: Any) -> int:
        """Submit ``config`` to the worker and show the run as started; its run id."""
        self.run_id = self.worker.submit(config)
        self.running = True
        self._set_running(True)
        self.progress_bar.setValue(0)
        self.progress_label.setText("starting…")
        return self.run_id

    def cancel(self) -> None:
        """Stop the measurement in progress, if any."""
        if self.running:
            self.progress_label.setText("cancelling…")
        self.worker.cancel()

    def shutdown(self) -> None:
        """Cancel and join the worker's thread (the window closes)."""
        self.running = False
        self.worker.shutdown()

    def _report_shown(self, report: Any) -> None:
        """Hook: what a page adds once a finished run's report is drawn (nothing here)."""

    def _on_progress(self, run_id: int, fraction: float, text: str) -> None:
        if run_id != self.run_id or not self.running:
            return
        self.progress_bar.setValue(round(1000 * fraction))
        self.progress_label.setText(text)

    def _end(self, outcome: str) -> None:
        self.running = False
        self._set_running(False)
        self.run_ended.emit(outcome)

    def _on_finished(self, run_id: int, report: Any) -> None:
        if run_id != self.run_id:
            return
        self.report = report
        self.progress_bar.setValue(1000)
        self.progress_label.setText(f"done in {report.elapsed_s:.1f} s")
        self.show_report(report)
        self._report_shown(report)
        self._end("finished")
        self.report_ready.emit(report)

    def _on_cancelled(self, run_id: int) -> None:
        if run_id != self.run_id:
            return
        self.progress_label.setText("cancelled")
        self._end("cancelled")
        self.show_message(self.CANCELLED_MESSAGE, "warning")

    def _on_failed(self, run_id: int, message: str) -> None:
        if run_id != self.run_id:
            return
        self.progress_label.setText("stopped")
        self.progress_bar.setValue(0)
        self._end("failed")
        self.show_message(message, "error")
