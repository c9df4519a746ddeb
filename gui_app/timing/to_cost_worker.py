"""The worker of the Timing tab's "time to reach a cost" page: :class:`BenchWorker`'s runner,
thread, run ids and signals, running :func:`core.timing.to_cost.run_to_cost` instead."""

from __future__ import annotations

from core.timing.to_cost import run_to_cost
from core.timing.to_cost_results import ToCostReport
from gui_app.runner import Job
from gui_app.timing.bench_worker import BenchWorker


class ToCostWorker(BenchWorker):
    """Runs one time-to-cost measurement at a time off the GUI thread (``sync=True``: inline);
    ``submit`` takes a :class:`~core.timing.to_cost_results.ToCostConfig` and ``finished``
    carries a :class:`~core.timing.to_cost_results.ToCostReport`."""

    @staticmethod
    def _job(job: Job) -> ToCostReport:
        def progress(fraction: float, text: str) -> None:
            job.emit("progress", (float(fraction), text), coalesce=True)

        return run_to_cost(job.spec, progress=progress, cancel=job.cancel)
