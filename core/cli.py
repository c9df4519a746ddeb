"""The ``gd-explorer`` command line: ``fit`` and ``bench`` run headless; no command opens
the window (through a launcher that ``gui_app`` passes in, so ``core`` never imports Qt).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections.abc import Callable, Sequence

from core import __version__
from core.data.datasets import Dataset, make_housing, make_synthetic
from core.errors import InputError
from core.model.scaling import SCALINGS
from core.solvers import SOLVERS, Snapshot, run_solver

PROG = "gd-explorer"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEMO_SOURCES = ("demo:housing", "demo:synthetic")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in one line on stderr and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Explore how linear regression is trained.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="open the real window, run a scripted session, print a JSON "
                             "report and exit 0 (pass) or 1 (fail)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    fit = sub.add_parser("fit", help="fit a linear regression without a window",
                         description="Fit y from the other columns of DATA (a CSV/text file, "
                                     "or demo:housing / demo:synthetic).")
    fit.add_argument("data", metavar="DATA")
    fit.add_argument("--target", help="target column: header name or 0-based index "
                                      "(default: the last column)")
    fit.add_argument("--no-header", action="store_true",
                     help="the first row is data (names become x1..xn and y)")
    fit.add_argument("--degree", type=_int, default=1, help="polynomial degree K (default 1)")
    fit.add_argument("--no-intercept", action="store_true", help="fit without an intercept b")
    fit.add_argument("--scaling", choices=SCALINGS, default="none")
    fit.add_argument("--solver", choices=SOLVERS, default="normal")
    fit.add_argument("--alpha", type=_positive_float, default=0.01, help="learning rate α")
    fit.add_argument("--iterations", type=_int, default=1000)
    fit.add_argument("--tolerance", type=_positive_float, default=0.0,
                     help="stop when the relative cost change or gradient norm falls below "
                          "it (0 disables)")
    fit.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    fit.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    fit.add_argument("--history", metavar="FILE.csv",
                     help="write iteration, cost, w and b (original units) per snapshot")
    fit.add_argument("--report-every", type=_int, default=1,
                     help="keep a snapshot every K iterations (default 1)")
    fit.add_argument("--json", action="store_true", help="print one JSON object")
    synth = fit.add_argument_group("demo:synthetic options")
    synth.add_argument("--m", type=_int, default=200, help="examples")
    synth.add_argument("--n", type=_int, default=2, help="features")
    synth.add_argument("--noise", type=_positive_float, default=0.1)
    synth.add_argument("--spread", type=_positive_float, default=0.0,
                       help="feature magnitudes spread over 10^0..10^K")
    synth.add_argument("--correlation", type=_positive_float, default=0.0)
    synth.add_argument("--seed", type=_int, default=0)

    lesson = sub.add_parser("lesson", help="list the lessons, or run one without a window "
                                           "and check that it makes its point")
    lesson.add_argument("name", nargs="?", metavar="NAME|FILE",
                        help="a lesson's number, id (e.g. 2-learning-rate) or a lesson file")

    bench = sub.add_parser("bench", help="time one GD step: loop, compiled, BLAS, fused, "
                                         "Gram, GPU")
    try:
        from core.timing import bench as bench_module
    except ImportError:
        bench_module = None
    if bench_module is not None:
        bench_module.add_arguments(bench)
    return parser


def load_data(args: argparse.Namespace) -> Dataset:
    """The dataset named by ``DATA``: a file, or one of the built-in demos."""
    if args.data == "demo:housing":
        return make_housing(seed=args.seed if args.seed else 1)
    if args.data == "demo:synthetic":
        return make_synthetic(args.m, args.n, noise=args.noise, scale_spread=args.spread,
                              correlation=args.correlation, seed=args.seed)
    from core.data.csvio import load_csv

    target: str | int | None = args.target
    return load_csv(args.data, target=target, header=False if args.no_header else None)


def fit_result(args: argparse.Namespace, dataset: Dataset) -> tuple[dict, list[Snapshot]]:
    """Run the fit the options describe; return the JSON-ready report and the history."""
    from core.model.problem import Problem

    if args.iterations < 0:
        raise InputError(f"--iterations must be >= 0, got {args.iterations}")
    if args.alpha <= 0:
        raise InputError(f"--alpha must be greater than 0, got {args.alpha:g}")
    if args.report_every < 1:
        raise InputError(f"--report-every must be >= 1, got {args.report_every}")
    problem = Problem(dataset, degree=args.degree, intercept=not args.no_intercept,
                      scaling=args.scaling, device=args.device, dtype=args.dtype)
    options: dict = {}
    if args.solver in ("gd", "gd-loop"):
        options = {"alpha": args.alpha, "iterations": args.iterations,
                   "tolerance": args.tolerance, "report_every": args.report_every}
    history: list[Snapshot] = []
    keep = args.history is not None
    final = None
    for snap in run_solver(problem, args.solver, **options):
        if keep:
            history.append(snap)
        final = snap
    assert final is not None
    warnings = list(final.warnings)
    if final.diverged:
        warnings.append(final.message)
    report = {
        "solver": args.solver,
        "scaling": problem.scaling,
        "degree": args.degree,
        "device": args.device,
        "dtype": args.dtype,
        "source": dataset.source,
        "m": problem.m,
        "n": problem.n,
        "feature_names": list(problem.feature_names),
        "target_name": dataset.target_name,
        "coefficients": [float(v) for v in final.w],
        "intercept": final.b,
        "cost": final.cost,
        "iterations": final.iteration,
        "status": final.status,
        "converged": final.converged,
        "diverged": final.diverged,
        "alpha": args.alpha if args.solver in ("gd", "gd-loop") else None,
        "alpha_max": problem.alpha_max,
        "condition_number": problem.condition_number,
        "gradient_norm": final.grad_norm,
        "elapsed_s": final.elapsed,
        "message": final.message,
        "warnings": warnings,
        "notes": list(dataset.notes),
    }
    return report, history


def write_history(path: str, report: dict, history: list[Snapshot]) -> None:
    """Write the run history as CSV: iteration, cost, gradient norm, w..., b."""
    names = report["feature_names"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        header = ["iteration", "cost", "gradient_norm", *[f"w[{nm}]" for nm in names]]
        if report["intercept"] is not None:
            header.append("b")
        out.writerow(header)
        for s in history:
            row = [s.iteration, repr(s.cost), repr(s.grad_norm), *[repr(float(v)) for v in s.w]]
            if s.b is not None:
                row.append(repr(s.b))
            out.writerow(row)


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def format_report(r: dict) -> str:
    """The human-readable fit report."""
    width = max([len(nm) for nm in r["feature_names"]] + [11])
    has_b = "intercept" if r["intercept"] is not None else "no intercept"
    lines = [
        f"data        {r['source']}: {r['m']} rows x {r['n']} features, "
        f"target {r['target_name']!r}",
        f"model       degree {r['degree']}, {has_b}, scaling {r['scaling']}",
    ]
    if r["alpha"] is not None:
        lines.append(f"solver      {r['solver']}: α = {r['alpha']:g} (α_max = "
                     f"{r['alpha_max']:.4g}), stopped: {r['status']} after {r['iterations']} "
                     "iterations")
    else:
        lines.append(f"solver      {r['solver']}")
    lines += [
        f"result      {r['message']}",
        f"cost J      {r['cost']:.10g}   (J = 1/(2m)·Σ(ŷ - y)²; gradient norm "
        f"{r['gradient_norm']:.3g})",
        f"cond(A)     {r['condition_number']:.4g}   (design as scaled)",
        f"time        {r['elapsed_s']:.4g} s",
        "coefficients (original units):",
    ]
    for nm, v in zip(r["feature_names"], r["coefficients"], strict=True):
        lines.append(f"  {nm:<{width}}  {v: .15g}")
    if r["intercept"] is not None:
        lines.append(f"  {'intercept b':<{width}}  {r['intercept']: .15g}")
    for note in r["notes"]:
        lines.append(f"note: {note}")
    for w in r["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def run_fit(args: argparse.Namespace) -> int:
    dataset = load_data(args)
    report, history = fit_result(args, dataset)
    if args.history:
        try:
            write_history(args.history, report, history)
        except OSError as exc:
            raise InputError(f"cannot write the history file: {exc.strerror}",
                             path=args.history) from None
    if args.json:
        print(json.dumps(_json_safe(report), ensure_ascii=False))
    else:
        print(format_report(report))
    return EXIT_OK


def run_lesson_command(args: argparse.Namespace) -> int:
    """``gd-explorer lesson [NAME]``: list lessons, or run one headless and check its claims."""
    from core import lessons

    builtin = lessons.builtin_lessons()
    if args.name is None:
        for k, lesson in enumerate(builtin, 1):
            print(f"{k}. {lesson.title}   ({lesson.id})")
        return EXIT_OK
    chosen = [lsn for k, lsn in enumerate(builtin, 1) if args.name in (str(k), lsn.id)]
    lesson = chosen[0] if chosen else lessons.load_lesson(args.name)
    results = lessons.run_lesson(lesson)
    print(lesson.title)
    print("=" * len(lesson.title))
    print(lesson.explanation)
    print()
    for label, run in results.items():
        alpha = f", α = {run.alpha:.4g}" if run.alpha is not None else ""
        print(f"- {label}: {run.final.status} after {run.final.iteration} iterations, "
              f"J = {run.final.cost:.6g}{alpha}, α_max = {run.problem.alpha_max:.4g}, "
              f"cond = {run.problem.condition_number:.3g}")
    failed = 0
    for claim, ok, detail in lessons.check_claims(lesson, results):
        failed += not ok
        print(f"{'✓' if ok else '✗'} {claim['kind']}: {detail}")
    return EXIT_OK if not failed else EXIT_FAILED


def main(argv: Sequence[str] | None = None,
         launch_gui: Callable[[argparse.Namespace], int] | None = None) -> int:
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
        if args.command == "lesson":
            return run_lesson_command(args)
        if args.command == "bench":
            from core.timing import bench

            return bench.run(args)
        if launch_gui is None:
            print(f"{PROG}: the window needs the GUI (PySide6); headless commands: fit, bench",
                  file=sys.stderr)
            return EXIT_USAGE
        return launch_gui(args)
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print(f"{PROG}: error: not enough memory for this request; use less data",
              file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line, keep the traceback for developers
        if os.environ.get("GDX_DEBUG"):
            raise
        print(f"{PROG}: internal error ({type(exc).__name__}: {exc}); set GDX_DEBUG=1 for "
              "details", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
