"""The ``gd-explorer`` command-line parser: ``fit`` options built from the settings model,
``predict``, ``lesson`` and ``bench``, and the settings a parsed ``fit`` command describes.

Each ``fit`` option comes from :data:`core.settings.SCHEMA` (type, default, range, unit and
help), so the command line and the window share one set of defaults and limits. Running the
commands is :mod:`core.cli`.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from typing import Any

from core import __version__
from core.errors import InputError
from core.settings import (
    CHOICE_LABELS,
    SCHEMA,
    SOURCES,
    DataSettings,
    ModelSettings,
    RunSettings,
    Setting,
)

PROG = "gd-explorer"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: DATA text -> settings source: ``demo:<source>`` for every source that is not a file.
DEMOS = {f"demo:{source}": source for source in SOURCES if source != "csv"}
#: The data options each source takes (the rest are refused, not silently ignored).
FILE_OPTIONS = (
    "target",
    "header",
    "delimiter",
    "encoding",
    "decimal",
    "thousands",
    "sheet",
    "features",
    "ignore",
    "categorical",
    "missing",
)
SYNTHETIC_OPTIONS = ("m", "n", "noise", "scale_spread", "correlation", "seed")
# as core.model.problem.DTYPES; not imported from there, so that --help does not load numpy
DTYPES = ("float64", "float32")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in one line on stderr and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _NoHeader(argparse.Action):
    """``--no-header``: sets ``header`` to "no" and remembers the spelling, so that a
    refusal names the option the user typed."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        setattr(namespace, self.dest, "no")
        namespace.header_option = option


def _whole_number(text: str) -> int:
    """Command-line text as an int: ``1000``, also ``1e6`` (an exact whole number)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if not (math.isfinite(value) and value.is_integer() and abs(value) < 2**53):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
    return int(value)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number") from None


def _option_type(spec: Setting) -> Callable[[str], Any]:
    """The argparse ``type`` of a setting: converts the text, then checks it against the
    setting's range (so the CLI refuses exactly what the window's controls cannot hold)."""

    def parse(text: str) -> Any:
        value: Any = text
        digits = text.strip().lstrip("+-")
        if spec.kind is int and digits.isdigit() and len(digits) > 18:
            # int() refuses over 4,300 digits; no knob's range reaches 19 digits anyway
            raise argparse.ArgumentTypeError(
                f"must be {spec.range_text()}, got a {len(digits)}-digit number"
            )
        if spec.kind is int:
            value = _whole_number(text)
        elif spec.kind is float:
            value = _number(text)
        elif spec.kind is tuple:  # column names: "A,B" (a name cannot contain a comma here)
            value = tuple(name.strip() for name in text.split(",") if name.strip())
        problem = spec.problem(value)
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return value

    return parse


def _option_help(spec: Setting) -> str:
    """Help from the settings model: what it does, unit, allowed values, default."""
    parts = [spec.help or spec.label]
    if spec.unit:
        parts.append(f"unit: {spec.unit}")
    if spec.choices is None and spec.kind is not bool and spec.low is not None:
        parts.append(spec.range_text())
    if spec.choices is not None and _odd_choices(spec):
        labels = CHOICE_LABELS.get(spec.name, {})
        shown = [f"{c!r}" if not c.isalnum() else c for c in spec.choices]
        parts.append(
            "one of "
            + ", ".join(
                f"{s} ({labels[c].split()[0]})" if c in labels and not c.isalnum() else s
                for s, c in zip(shown, spec.choices, strict=True)
            )
        )
    empty = spec.default is None or spec.default in ("", ())
    if spec.kind is not bool and not (empty and "default" in spec.help):
        parts.append(f"default: {'none' if empty else spec.default}")
    return "; ".join(parts).replace("%", "%%")


def _odd_choices(spec: Setting) -> bool:
    """Whether a choice is punctuation (``,`` ``;`` ``|``), which argparse's ``{a,b}`` list
    would make unreadable: such an option shows a metavar and lists its choices in words."""
    return any(not c.replace("-", "").isalnum() for c in spec.choices or ())


def demo_text() -> str:
    """The demos DATA can name, in words: ``demo:housing (housing demo (100 houses)), ...``."""
    labels = CHOICE_LABELS["source"]
    return ", ".join(
        text if labels[source] == source else f"{text} ({labels[source]})"
        for text, source in DEMOS.items()
    )


#: The run options that only some solvers (or schedules) use: see _run_option_solvers.
_SOLVER_SPECIFIC = frozenset(
    {"batch_size", "shuffle_seed", "momentum", "rho", "epsilon", "beta1", "beta2", "schedule"}
    | {"decay", "step_every", "implementation"}
)


def _add_setting(group: argparse._ArgumentGroup, key: str) -> None:
    spec = SCHEMA[key]
    # data options, and the run options only some solvers use, are absent from the namespace
    # unless given, so that one that does not apply can be refused (settings_from_args)
    given_only = spec.section == "data" or key in _SOLVER_SPECIFIC
    default = argparse.SUPPRESS if given_only else spec.default
    if spec.kind is bool:
        if spec.default is not False:  # a store_true flag could never turn it off
            raise TypeError(f"setting {key!r}: only a False default can have a flag option")
        group.add_argument(
            spec.cli, dest=key, action="store_true", default=default, help=_option_help(spec)
        )
    elif spec.choices is not None:
        metavar = spec.cli.lstrip("-").upper() if _odd_choices(spec) else None
        group.add_argument(
            spec.cli,
            dest=key,
            choices=spec.choices,
            default=default,
            metavar=metavar,
            help=_option_help(spec),
        )
    else:
        group.add_argument(
            spec.cli,
            dest=key,
            type=_option_type(spec),
            default=default,
            metavar="A,B" if spec.kind is tuple else spec.cli.lstrip("-").upper().replace("-", "_"),
            help=_option_help(spec),
        )


def _cli_keys(section: str) -> list[str]:
    return [k for k, s in SCHEMA.items() if s.section == section and s.cli]


def _add_fit_arguments(fit: argparse.ArgumentParser) -> None:
    fit.add_argument(
        "data",
        metavar="DATA",
        help=f"a CSV, text or Excel (.xlsx) file, or a demo: {demo_text()}".replace("%", "%%"),
    )
    data = fit.add_argument_group(
        "data (--target, --header ... --missing: files; the rest: demo:synthetic)"
    )
    for key in _cli_keys("data"):
        _add_setting(data, key)
    data.add_argument(
        "--no-header",
        dest="header",
        action=_NoHeader,
        nargs=0,
        default=argparse.SUPPRESS,
        help="the same as --header no",
    )
    model = fit.add_argument_group("model")
    for key in _cli_keys("model"):
        _add_setting(model, key)
    model.add_argument(
        "--no-intercept", action="store_true", help="fit without an intercept b (default: with one)"
    )
    model.add_argument(
        "--dtype",
        choices=DTYPES,
        default="float64",
        help="floating-point type of the computation (default: float64)",
    )
    run = fit.add_argument_group("run")
    for key in _cli_keys("run"):
        _add_setting(run, key)
    every = Setting(int, 1, low=1, high=SCHEMA["iterations"].high, name="report_every")
    run.add_argument(
        "--report-every",
        type=_option_type(every),
        default=None,
        metavar="K",
        help=f"keep a snapshot every K iterations; {every.range_text()}; default: 1 with "
        "--history or a mini-batch, else 1%% of the iterations (only the last is reported; "
        "Ctrl+C names the iteration reached)",
    )
    run.add_argument(
        "--optimal",
        action="store_true",
        help="set α (and μ for momentum, nesterov) to the theory's optimum for this problem: "
        "α* = 2/(λ_min + λ_max) for gd and sgd, Polyak's α and β for momentum and nesterov "
        "(overrides --alpha, --alpha-factor and --momentum)",
    )
    out = fit.add_argument_group("output")
    out.add_argument(
        "--history",
        metavar="FILE.csv",
        help="write iteration, cost, gradient norm, w and b (original units), one row per "
        "recorded iteration (every --report-every; a mini-batch run records at most about "
        "20,000), as the run goes (Ctrl+C keeps what was done)",
    )
    out.add_argument(
        "--predict",
        action="append",
        metavar="VALUES",
        help="predict ŷ for one new example after the fit: one value per raw feature in the "
        "data's order, before polynomial expansion and scaling (a level's name for a "
        "categorical column), comma-separated, e.g. 1200,3,1,40; repeatable; write "
        "--predict=-1,2 for a leading minus",
    )
    out.add_argument("--json", action="store_true", help="print one JSON object")
    from core.cluster.options import add_engine_arguments

    add_engine_arguments(fit)


def build_parser() -> argparse.ArgumentParser:
    """The ``gd-explorer`` parser: ``fit`` (options from the settings model), ``predict``,
    ``lesson``, ``bench``."""
    parser = _Parser(prog=PROG, description="Explore how linear regression is trained.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="Linux: add GD Explorer to the desktop's application menu (a freedesktop.org "
        "desktop entry and its icon under ~/.local/share), then exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the real window, run a scripted session, print a JSON "
        "report and exit 0 (pass) or 1 (fail)",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    fit = sub.add_parser(
        "fit",
        help="fit a linear regression without a window",
        description="Fit the target (by default the last numeric column) from the other "
        "columns of DATA: numeric columns are features, --categorical ones are one-hot "
        "encoded, text columns and a leading row-number column are left out with a note. "
        "Defaults are the window's: housing demo, z-score scaling, gradient descent, "
        "α = 0.1, 1000 iterations, tolerance 1e-9.",
    )
    _add_fit_arguments(fit)

    lesson = sub.add_parser(
        "lesson",
        help="list the lessons, or run one without a window and check that it makes its point",
    )
    lesson.add_argument(
        "name",
        nargs="?",
        metavar="NAME|FILE",
        help="a lesson's number, id (e.g. 2-learning-rate) or a lesson file",
    )

    predict = sub.add_parser(
        "predict",
        help="predict ŷ for new examples with a saved model (a fit's --json output or a session)",
        description="Predict the target for new examples with the model a fit saved: the JSON "
        "that 'fit --json' prints (its \"model\") or a session file (its newest run that "
        "saved a model).",
    )
    predict.add_argument(
        "--model", required=True, metavar="FILE.json", help="a fit's JSON report or a session"
    )
    predict.add_argument(
        "--x",
        action="append",
        required=True,
        metavar="VALUES",
        help="one new example: one value per raw feature in the data's order (a level's name "
        "for a categorical column), comma-separated, e.g. 1200,3,1,40; repeatable; write "
        "--x=-1,2 for a leading minus",
    )
    predict.add_argument("--json", action="store_true", help="print one JSON object")

    from core.cluster.options import add_make_data_arguments

    add_make_data_arguments(sub)
    bench = sub.add_parser("bench", help="time one GD step: loop, compiled, BLAS, fused, Gram, GPU")
    try:
        from core.timing import bench as bench_module
    except ImportError:  # a trimmed install without the timing lab: bench has no options
        return parser
    bench_module.add_arguments(bench)
    return parser


def _refuse_foreign_options(args: argparse.Namespace, source: str) -> None:
    """InputError naming the first given data option that does not apply to ``source``."""
    allowed = {"csv": FILE_OPTIONS, "synthetic": SYNTHETIC_OPTIONS}.get(source, ())
    split = getattr(args, "test_fraction", 0) > 0  # the seed is the split's seed too
    for key in _cli_keys("data"):
        if not hasattr(args, key) or key in allowed or (key == "seed" and split):
            continue
        option = SCHEMA[key].cli
        if key == "header" and getattr(args, "header_option", None):
            option = args.header_option
        if key in FILE_OPTIONS:
            why = f"{option} applies to a data file"
            if source != "synthetic":
                dataset = _demo_dataset(source)
                why += f"; {args.data}'s target is {dataset.target_name!r}"
        else:
            why = f"{option} applies to demo:synthetic only"
            if key == "seed":
                why = f"{option} applies to demo:synthetic and to the train/test split"
            if source != "csv":
                why += f"; {args.data} is a fixed table ({CHOICE_LABELS['source'][source]})"
            if key == "seed":
                why += f"{'; ' if source == 'csv' else ' and '}--test-fraction is 0 (no split)"
        raise InputError(why)


def _run_option_solvers() -> dict[str, tuple[str, ...]]:
    """The run options that only some solvers use (each key: the solvers that use it)."""
    from core.solvers import GD_SOLVERS, OPTIMIZERS

    return {
        "batch_size": OPTIMIZERS,
        "shuffle_seed": OPTIMIZERS,
        "momentum": ("momentum", "nesterov"),
        "rho": ("rmsprop",),
        "epsilon": ("adagrad", "rmsprop", "adam"),
        "beta1": ("adam",),
        "beta2": ("adam",),
        "schedule": GD_SOLVERS,
        "decay": GD_SOLVERS,
        "step_every": GD_SOLVERS,
        "implementation": GD_SOLVERS,
    }


#: The schedules that use ``decay`` and ``step_every``.
_SCHEDULE_OPTION_USERS = {"decay": ("step", "inverse-time"), "step_every": ("step",)}


def _refuse_unused_run_options(args: argparse.Namespace) -> None:
    """InputError naming the first given run option that the chosen solver (or schedule)
    does not use: ``--momentum`` with adam, ``--batch-size`` with gd, ``--decay`` with the
    constant schedule. A silently ignored option would leave the user believing it acted."""
    solver = getattr(args, "solver", SCHEMA["solver"].default)
    schedule = getattr(args, "schedule", SCHEMA["schedule"].default)
    for key, solvers in _run_option_solvers().items():
        if not hasattr(args, key):
            continue
        option = SCHEMA[key].cli
        if solver not in solvers:
            users = ", ".join(solvers)
            raise InputError(f"{option} applies to {users}; it does nothing with --solver {solver}")
        schedules = _SCHEDULE_OPTION_USERS.get(key)
        if schedules is not None and schedule not in schedules:
            raise InputError(
                f"{option} applies to the {' and '.join(schedules)} schedule"
                f"{'s' if len(schedules) > 1 else ''}; --schedule is {schedule}"
            )


def _demo_dataset(source: str) -> Any:
    from core.builder import build_dataset

    return build_dataset(DataSettings(source=source))


def settings_from_args(args: argparse.Namespace) -> tuple[DataSettings, ModelSettings, RunSettings]:
    """The validated settings ``fit``'s options describe.

    Raises InputError for an unknown demo and for a data option that does not apply to the
    chosen data (``--target`` with a demo, ``--m`` with a file or a fixed demo).
    """

    def section(name: str, cls: type, **fixed: Any) -> Any:
        values = {k: getattr(args, k) for k in _cli_keys(name) if hasattr(args, k)}
        return cls(**{**values, **fixed})

    if args.data in DEMOS:
        source = DEMOS[args.data]
        _refuse_foreign_options(args, source)
        data = section("data", DataSettings, source=source)
    elif args.data.startswith("demo:") and not os.path.lexists(args.data):
        raise InputError(f"unknown demo {args.data!r}; choose {demo_text()}, or a file")
    else:
        _refuse_foreign_options(args, "csv")
        data = section("data", DataSettings, source="csv", csv_path=args.data)
    model = section("model", ModelSettings, intercept=not args.no_intercept)
    _refuse_unused_run_options(args)
    return data, model, section("run", RunSettings)
