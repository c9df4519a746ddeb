"""The ``gd-explorer`` command line: ``fit``, ``predict``, ``lesson`` and ``bench`` run
headless; no command opens the window (through a launcher that ``gui_app`` passes in, so
``core`` never imports Qt).

The options of ``fit`` are built from :data:`core.settings.SCHEMA`: type, default, range, unit
and help come from the one settings model the window reads too, so both share one set of
defaults (housing demo, z-score scaling, gradient descent with α = 0.1 for 1,000 iterations,
tolerance 1e-9) and one set of limits.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.cli_args import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    build_parser,
    settings_from_args,
)
from core.cli_report import count_text, format_report
from core.errors import InputError

#: The history file is flushed after this many snapshots or this many seconds, whichever
#: comes first, so Ctrl+C (or a crash of the machine) loses at most one batch.
HISTORY_FLUSH_ROWS, HISTORY_FLUSH_SECONDS = 500, 1.0


class StdoutError(Exception):
    """Standard output refused the report (a full disk, a closed pipe)."""


class HistoryWriter:
    """``--history FILE.csv``: one row per snapshot, written while the run goes.

    Rows go to a temporary file next to FILE (flushed every :data:`HISTORY_FLUSH_ROWS`
    snapshots or :data:`HISTORY_FLUSH_SECONDS`), renamed onto FILE when the run ends or is
    interrupted with Ctrl+C; a failed run or a failed write leaves FILE as it was.
    """

    def __init__(
        self,
        path: Path,
        feature_names: Sequence[str],
        intercept: bool,
        batch_cost: bool = False,
        test_cost: bool = False,
    ) -> None:
        from core.files import AtomicTextFile

        self.file = AtomicTextFile(path, "history file")
        self.rows = 0
        self._pending = 0
        self._last_flush = time.monotonic()
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\n")
        header = ["iteration", "cost", "gradient_norm", *[f"w[{nm}]" for nm in feature_names]]
        self._batch_cost = batch_cost  # a mini-batch run: the last batch's cost, last column
        self._test_cost = test_cost  # with a test set: its cost, the very last column
        header += ["b"] * intercept + ["batch_cost"] * batch_cost + ["test_cost"] * test_cost
        self._csv.writerow(header)
        self._drain()
        self.file.flush()

    def _drain(self) -> None:
        self.file.write(self._buffer.getvalue())
        self._buffer.seek(0)
        self._buffer.truncate()

    def add(self, snap: Any) -> None:
        """Append one snapshot (iteration, cost, gradient norm, w..., b in original units;
        then a mini-batch run's batch cost, then the test set's cost)."""
        row = [
            snap.iteration,
            repr(snap.cost),
            repr(snap.grad_norm),
            *[repr(float(v)) for v in snap.w],
        ]
        if snap.b is not None:
            row.append(repr(snap.b))
        if self._batch_cost:  # empty before the first update
            row.append("" if snap.batch_cost is None else repr(snap.batch_cost))
        if self._test_cost:
            row.append("" if snap.test_cost is None else repr(snap.test_cost))
        self._csv.writerow(row)
        self.rows += 1
        self._pending += 1
        now = time.monotonic()
        if self._pending >= HISTORY_FLUSH_ROWS or now - self._last_flush >= HISTORY_FLUSH_SECONDS:
            self._drain()
            self.file.flush()
            self._pending, self._last_flush = 0, now

    def __enter__(self) -> HistoryWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if kind is None or issubclass(kind, KeyboardInterrupt):
            self._drain()  # the rows since the last flush belong to what was done
        self.file.__exit__(kind, exc, tb)


class _Interrupted(Exception):
    """Ctrl+C during a run, after what was done has been kept."""


class _Recorder:
    """What a fit keeps of its snapshots as they come: the last one, and the ``--history``
    rows when ``writer`` is given; on Ctrl+C, the :class:`_Interrupted` that says both."""

    def __init__(self, writer: HistoryWriter | None, path: Path | None) -> None:
        self.writer, self.path = writer, path
        self.last: Any = None

    def __call__(self, snap: Any) -> None:
        if self.writer is not None:
            self.writer.add(snap)
        self.last = snap

    def interrupted(self) -> _Interrupted:
        """Keep the history so far; the error that says where the run stopped."""
        where = ""
        if self.writer is not None:
            self.writer.__exit__(KeyboardInterrupt, None, None)
            where = f"; the history so far ({self.writer.rows} snapshots) is in {self.path}"
        done = f" after iteration {self.last.iteration}" if self.last is not None else ""
        return _Interrupted(f"interrupted{done}{where}")

    def close(self, exc: BaseException | None = None) -> None:
        """Finish the history file: kept when ``exc`` is None, left as it was otherwise."""
        if self.writer is not None:
            self.writer.__exit__(type(exc) if exc else None, exc, None)

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            raise self.interrupted() from None
        self.close(exc)


def fit_result(args: argparse.Namespace) -> dict[str, Any]:
    """Run the fit the options describe; write ``--history`` as it goes; return the
    JSON-ready report. Raises InputError for bad data or options, _Interrupted on Ctrl+C."""
    from core.builder import build_dataset, build_problem
    from core.cli_eval import check_predict_values, evaluation_report
    from core.files import check_output_path, require_regular_file
    from core.run_report import final_fields
    from core.solvers import (
        GD_SOLVERS,
        ITERATIVE_OPTIONS,
        describe,
        run_solver,
    )
    from core.solvers.fast_forward import timed_pace
    from core.solvers.optimizers import mini_batch
    from core.solvers.theory import apply_optimal, problem_theory

    data, model, run = settings_from_args(args)
    history_path = (
        check_output_path(args.history, "history file") if args.history is not None else None
    )
    if data.source == "csv":
        require_regular_file(data.csv_path, "data file")
    dataset = build_dataset(data)
    problem = build_problem(dataset, model, dtype=args.dtype, seed=data.seed)
    check_predict_values(problem, args.predict or ())
    gd = run.solver in GD_SOLVERS
    if args.optimal:
        if not gd:
            raise InputError(f"--optimal applies to the iterative solvers, not {run.solver}")
        if mini_batch(run.solver, run.batch_size, problem.m):
            raise InputError(
                "--optimal: the theory's step is for full-batch runs; a mini-batch of "
                f"{count_text(run.batch_size, 'row')} is noisier (drop --batch-size, or choose α "
                "yourself)"
            )
        if run.schedule != "constant":
            raise InputError("--optimal: the theory's step is a constant α; drop --schedule")
        run = apply_optimal(problem, run)
    alpha = run.alpha if run.alpha_factor is None else run.alpha_factor * problem.alpha_max
    options: dict[str, Any] = {}
    if gd:
        # Without --history only the final snapshot is read: by default a full-batch run
        # then snapshots about every 0.1 s of work (timed_pace), not every step, so that a
        # small problem is not its snapshots and Ctrl+C still names a recent iteration (a
        # mini-batch run's cost checks happen at its snapshots: every one kept).
        every, pace = args.report_every, None
        if every is None:
            full = not mini_batch(run.solver, run.batch_size, problem.m)
            if history_path is None and full:
                every, pace = max(1, run.iterations), timed_pace()
            else:
                every = 1
        options = {
            "alpha": alpha,
            "iterations": run.iterations,
            "tolerance": run.tolerance,
            "report_every": every,
            "pace": pace,
            **{key: getattr(run, key) for key in ITERATIVE_OPTIONS},
        }
    snapshots = run_solver(problem, run.solver, **options)  # refuses L1 with adam, normal...
    writer = (
        HistoryWriter(
            history_path,
            problem.feature_names,
            model.intercept,
            batch_cost=bool(mini_batch(run.solver, run.batch_size, problem.m)),
            test_cost=problem.test is not None,
        )
        if history_path is not None
        else None
    )
    with _Recorder(writer, history_path) as record:
        for snap in snapshots:
            record(snap)
    final = record.last
    assert final is not None
    warnings = [*dataset.warnings, *final.warnings]
    if final.diverged:
        warnings.append(final.message)
    data_report = dict(dataset.report)
    if dataset.report:  # a file: which level of each categorical column the model left out
        data_report["dropped_levels"] = dict(problem.dropped_levels)
    if problem.fill_values:  # a split: the missing cells filled from the training rows only
        data_report["fill_values"] = dict(problem.fill_values)
        data_report["fill_values_from"] = "training rows"
    notes = [n for n in dataset.notes if n not in dataset.warnings] + problem.notes
    return {
        "solver": run.solver,
        "implementation": run.implementation if gd else None,
        "scaling": problem.scaling,
        "degree": model.degree,
        "device": model.device,
        "dtype": args.dtype,
        "source": dataset.source,
        "m": problem.m,  # the training rows (m_total: every row loaded)
        "n": problem.n,
        "feature_names": list(problem.feature_names),
        "target_name": dataset.target_name,
        **final_fields(final),
        "alpha": alpha if gd else None,
        # a batch of m rows or more is the full batch: said as such (batch_size 0)
        "optimizer": (
            describe(
                run.solver,
                **{**options, "batch_size": mini_batch(run.solver, run.batch_size, problem.m)},
            )
            if gd
            else None
        ),
        "theory": problem_theory(problem, run, alpha, final.iteration) if gd else None,
        "alpha_max": problem.alpha_max,
        "condition_number": problem.condition_number,
        "gradient_norm": final.grad_norm,
        "elapsed_s": final.elapsed,  # the solver's own time (from its start to its end)
        "seconds_per_iteration": (
            final.elapsed / final.iteration if gd and final.iteration else None
        ),
        "message": final.message,
        "warnings": warnings,
        "notes": notes,
        "data": data_report,
        **evaluation_report(problem, final, args.predict or ()),
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def write_stdout(text: str) -> None:
    """Print ``text`` and a newline, flushed now: a full disk or a closed pipe behind
    standard output raises :class:`StdoutError` here, not as a traceback at exit."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except (OSError, ValueError) as exc:  # ValueError: stdout was closed
        raise StdoutError(getattr(exc, "strerror", None) or str(exc)) from None


def _silence_stdout() -> None:
    """Point the stdout descriptor at /dev/null so that Python's flush at exit cannot
    print "Exception ignored ... BrokenPipeError" after our one-line message."""
    try:
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def run_fit(args: argparse.Namespace) -> int:
    """``gd-explorer fit``: train, print the report (or one JSON object)."""
    text: Callable[[dict[str, Any]], str] = format_report
    if args.engine == "dask":  # data larger than memory, on a Dask cluster (core.cluster)
        report, text = _dask_fit(args)
    elif args.scheduler is not None:
        raise InputError("--scheduler applies to --engine dask (the default engine is memory)")
    else:
        report = fit_result(args)
    write_stdout(json.dumps(_json_safe(report), ensure_ascii=False) if args.json else text(report))
    return EXIT_OK


def _dask_fit(args: argparse.Namespace) -> tuple[dict[str, Any], Callable[[dict], str]]:
    """``fit --engine dask``: the report and its formatter; ``--history`` written as the
    run goes, Ctrl+C said as in memory (:class:`_Interrupted`)."""
    from core.cluster.fit import fit_report, format_dask_report
    from core.files import check_output_path

    path = check_output_path(args.history, "history file") if args.history is not None else None
    record = _Recorder(None, path)

    def observer(names: Sequence[str], intercept: bool, batch_cost: bool) -> _Recorder:
        if path is not None:  # the history's header: the features, known once DATA is open
            record.writer = HistoryWriter(path, names, intercept, batch_cost=batch_cost)
        return record

    with record:
        report = fit_report(args, settings_from_args, observer)
    return report, format_dask_report


def run_make_data(args: argparse.Namespace) -> int:
    """``gd-explorer make-data``: write a synthetic dataset in chunks, print its truth."""
    from core.cluster.generate import format_made, make_data

    report = make_data(args)
    write_stdout(json.dumps(report, ensure_ascii=False) if args.json else format_made(report))
    return EXIT_OK


def run_predict(args: argparse.Namespace) -> int:
    """``gd-explorer predict --model FILE --x VALUES``: ŷ for each example."""
    from core.cli_eval import format_predict, predict_result

    result = predict_result(args.model, args.x)
    text = json.dumps(_json_safe(result), ensure_ascii=False) if args.json else None
    write_stdout(text or format_predict(result))
    return EXIT_OK


def run_lesson_command(args: argparse.Namespace) -> int:
    """``gd-explorer lesson [NAME]``: list lessons, or run one headless and check its claims."""
    from core import lessons

    builtin = lessons.builtin_lessons()
    listing = "\n".join(
        f"{k}. {lesson.title}   ({lesson.id})" for k, lesson in enumerate(builtin, 1)
    )
    if args.name is None:
        write_stdout(listing)
        return EXIT_OK
    chosen = [lsn for k, lsn in enumerate(builtin, 1) if args.name in (str(k), lsn.id)]
    if not chosen and not os.path.lexists(args.name):
        # Neither a lesson number, a lesson id nor a file: say which lessons there are.
        raise InputError(
            f"no lesson {args.name!r} (neither a lesson number, a lesson id nor a lesson file); "
            f"the lessons are:\n{listing}"
        )
    lesson = chosen[0] if chosen else lessons.load_lesson(args.name)
    results = lessons.run_lesson(lesson)
    lines = [lesson.title, "=" * len(lesson.title), lesson.explanation, ""]
    for label, run in results.items():
        alpha = f", α = {run.alpha:.4g}" if run.alpha is not None else ""
        ended = (
            "solved (closed form)"
            if run.final.status == "solved"
            else f"{run.final.status} after {run.final.iteration} iterations"
        )
        lines.append(
            f"- {label}: {ended}, "
            f"J = {run.final.cost:.6g}{alpha}, α_max = {run.problem.alpha_max:.4g}, "
            f"cond = {run.problem.condition_number:.3g}{_rmse_text(run)}"
        )
    failed = 0
    for claim, ok, detail in lessons.check_claims(lesson, results):
        failed += not ok
        lines.append(f"{'✓' if ok else '✗'} {claim['kind']}: {detail}")
    write_stdout("\n".join(lines))
    return EXIT_OK if not failed else EXIT_FAILED


def _rmse_text(run: Any) -> str:
    """ ", RMSE train 2.40 / test 2.69" for a lesson run with a test set ("" without one)."""
    from core.evaluation.metrics import evaluate

    if run.problem.test is None or run.final.diverged:
        return ""
    ev = evaluate(run.problem, run.final.w_scaled, run.final.b_scaled)
    assert ev.test is not None
    return f", RMSE train {ev.train.rmse:.4g} / test {ev.test.rmse:.4g}"


def _error(message: str) -> None:
    try:
        print(f"{PROG}: {message}", file=sys.stderr)
    except (OSError, ValueError):
        pass  # stderr is gone too: the exit status is all that is left


def main(
    argv: Sequence[str] | None = None, launch_gui: Callable[[argparse.Namespace], int] | None = None
) -> int:
    """Entry point. Returns the exit status; never lets a traceback reach the user."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version, or a usage error already printed
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        if args.command == "fit":
            return run_fit(args)
        if args.command == "predict":
            return run_predict(args)
        if args.command == "lesson":
            return run_lesson_command(args)
        if args.command == "make-data":
            return run_make_data(args)
        if args.command == "bench":
            from core.timing import bench

            return bench.run(args)
        if launch_gui is None:
            _error(
                "the window needs the GUI (PySide6); headless commands: fit, predict, lesson, "
                "bench, make-data"
            )
            return EXIT_USAGE
        return launch_gui(args)
    except InputError as exc:
        _error(f"error: {exc}")
        return EXIT_USAGE
    except _Interrupted as exc:
        _error(str(exc))
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except MemoryError:
        _error("error: not enough memory for this request; use less data")
        return EXIT_USAGE
    except StdoutError as exc:
        _silence_stdout()
        _error(f"error: could not write to standard output ({exc}); the output is incomplete")
        return EXIT_FAILED
    except OSError as exc:  # e.g. a full disk under the bench's progress or output
        _silence_stdout()
        _error(f"error: input/output failed ({exc.strerror or exc})")
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so in one line, keep the traceback for developers
        if os.environ.get("GDX_DEBUG"):
            raise
        _error(f"internal error ({type(exc).__name__}: {exc}); set GDX_DEBUG=1 for details")
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
