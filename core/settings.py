"""Every setting of GD Explorer, defined once: name, type, default, range, label, unit, help.

The settings are frozen dataclasses grouped by what they describe:

- :class:`DataSettings`: where the data comes from (demo, synthetic, a file);
- :class:`ModelSettings`: the model trained on it (degree, intercept, scaling, device);
- :class:`RunSettings`: how it is trained (solver, α, iterations, batch size, schedule...);
- :class:`ViewSettings`: what the window shows (contour pair, tab, learning curve's x).

:class:`Settings` holds one of each. Each field is declared with :func:`knob` (label, unit,
range, help next to its default); :data:`SCHEMA`, derived from the dataclasses, is what the
window's widgets, the command line, lessons and sessions all read. The window and the CLI
share these defaults: housing demo, z-score scaling, batch GD with α = 0.1, 1,000 iterations.

Lessons and sessions store the settings as one flat JSON object (``{"alpha": 0.1, ...}``);
:meth:`Settings.flat` and :meth:`Settings.from_flat` convert, and :func:`validate` checks a
flat dict and names the file and key of every mistake.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any

from core.data.split import MAX_TEST_FRACTION
from core.errors import InputError
from core.model.penalty import MAX_LAMBDA
from core.model.scaling import SCALINGS
from core.setting_labels import CHOICE_LABELS  # noqa: F401  (part of this API)
from core.setting_values import (  # noqa: F401  (MAX_NAMES, MAX_TEXT, range_text: this API)
    MAX_NAMES,
    MAX_TEXT,
    Setting,
    _check,
    _short,
    _upgrade,
    knob,
    range_text,
)
from core.solvers import IMPLEMENTATIONS, SCHEDULES, SOLVERS
from core.solvers.optimizers import MOMENTUM_MAX

SOURCES = ("housing", "synthetic", "csv", "curve")
DEVICES = ("cpu", "gpu")
TABS = ("explore", "data", "timing", "evaluate")
CURVE_X = ("iteration", "epoch")  # the learning curve's x-axis
HEADERS = ("auto", "yes", "no")
DELIMITERS = ("auto", ",", ";", "tab", "whitespace", "|")
ENCODINGS = ("auto", "utf-8", "utf-16", "cp1252")
DECIMALS = ("auto", ".", ",")
THOUSANDS = ("auto", "none", ",", ".", "space", "'")
MISSING = ("refuse", "drop", "mean")
SEED_MAX = 2**31 - 1  # Qt's spin boxes hold a signed 32-bit int


@dataclass(frozen=True)
class DataSettings:
    """Where the data comes from; equal values give the same dataset."""

    source: str = knob(
        "housing",
        "Data",
        choices=SOURCES,
        help="housing demo, stopping-distance demo, synthetic data, or a file (CSV, text, Excel)",
        cli="",
    )
    m: int = knob(
        200, "examples m", low=2, high=10_000_000, help="synthetic data: number of examples (rows)"
    )
    n: int = knob(
        2,
        "features n",
        low=1,
        high=10_000,
        help="synthetic data: number of features (columns of X)",
    )
    noise: float = knob(
        0.1,
        "noise",
        low=0.0,
        high=100.0,
        unit="× signal",
        help="synthetic data: noise standard deviation relative to the signal",
    )
    scale_spread: float = knob(
        2.0,
        "scale spread",
        low=0.0,
        high=12.0,
        unit="decades",
        help="synthetic data: feature magnitudes spread over "
        "10^0..10^k (unequal scales make tall, skinny contours)",
        cli="--spread",
    )
    correlation: float = knob(
        0.0,
        "correlation",
        low=0.0,
        high=0.99,
        help="synthetic data: correlation between neighbouring features",
    )
    seed: int = knob(
        0,
        "seed",
        low=0,
        high=SEED_MAX,
        help="random seed of the synthetic data and of the train/test split (the same seed "
        "gives the same data and the same split)",
    )
    csv_path: str = knob("", "file", help="CSV, text or Excel (.xlsx) file", cli="")
    target: str | None = knob(
        None,
        "target",
        kind=str,
        nullable=True,
        help="target column: header name or 0-based index (default: the last numeric column)",
    )
    header: str = knob(
        "auto",
        "first row is a header",
        choices=HEADERS,
        help="auto: detected from the first row; yes/no: override (without a header the "
        "columns are named x1..xn)",
    )
    delimiter: str = knob(
        "auto",
        "delimiter",
        choices=DELIMITERS,
        help="what separates the columns of a text file (auto: detected from the first lines)",
    )
    encoding: str = knob(
        "auto",
        "encoding",
        choices=ENCODINGS,
        help="text encoding (auto: byte-order mark, else UTF-8, else Windows-1252)",
    )
    decimal: str = knob(
        "auto",
        "decimal mark",
        choices=DECIMALS,
        help="the decimal mark of the file's numbers (auto: decided from the file, with a "
        "warning naming any column whose reading is ambiguous)",
    )
    thousands: str = knob(
        "auto",
        "thousands separator",
        choices=THOUSANDS,
        help="the thousands separator of the file's numbers (auto: decided from the file; "
        "none: numbers are not grouped)",
    )
    sheet: str = knob("", "sheet", help="Excel files: the sheet to read (default: the first)")
    features: tuple[str, ...] = knob(
        (),
        "features",
        kind=tuple,
        help="the columns used as features (default: every numeric column that is not the "
        "target or ignored, and the categorical ones)",
    )
    ignore: tuple[str, ...] = knob((), "ignored columns", kind=tuple, help="columns left out")
    categorical: tuple[str, ...] = knob(
        (),
        "categorical columns",
        kind=tuple,
        help="columns one-hot encoded as features (named column=value; one level is dropped "
        "when the model has an intercept)",
    )
    missing: str = knob(
        "refuse",
        "missing values",
        choices=MISSING,
        help="refuse: stop with per-column counts; drop: leave out incomplete rows; "
        "mean: fill with the column mean",
    )

    def __post_init__(self) -> None:
        _validate_fields(self)


@dataclass(frozen=True)
class ModelSettings:
    """The model fitted to the data: everything that defines the prepared problem."""

    degree: int = knob(
        1,
        "polynomial degree",
        low=1,
        high=20,
        help="polynomial features x, x², …, x^K of every feature",
    )
    intercept: bool = knob(True, "intercept b", help="fit an intercept b", cli="")
    scaling: str = knob(
        "zscore",
        "feature scaling",
        choices=SCALINGS,
        help="how features are scaled for training (coefficients are always "
        "reported in original units)",
    )
    device: str = knob(
        "cpu",
        "device",
        choices=DEVICES,
        help="cpu: NumPy/BLAS; gpu: CuPy (needs the gpu extra and an NVIDIA GPU)",
    )
    test_fraction: float = knob(
        0.0,
        "test fraction",
        low=0.0,
        high=MAX_TEST_FRACTION,
        help="share of the rows held out as a test set, chosen at random with the seed (0: "
        "no test set); the scaling is fitted on the training rows only",
    )
    l2: float = knob(
        0.0,
        "L2 λ (ridge)",
        low=0.0,
        high=MAX_LAMBDA,
        help="ridge penalty λ/(2m)·Σw_j² on the scaled coefficients (not the intercept)",
    )
    l1: float = knob(
        0.0,
        "L1 λ (lasso)",
        low=0.0,
        high=MAX_LAMBDA,
        help="lasso penalty λ/m·Σ|w_j| on the scaled coefficients, trained by proximal "
        "gradient descent (gd, sgd)",
    )

    def __post_init__(self) -> None:
        _validate_fields(self)


@dataclass(frozen=True)
class RunSettings:
    """How the model is trained."""

    solver: str = knob(
        "gd",
        "solver",
        choices=SOLVERS,
        help="gd: batch gradient descent; gd-loop: the same with --implementation loop; "
        "normal: stable least squares; normal-textbook: (XᵀX)⁻¹Xᵀy; sgd, momentum, nesterov, "
        "adagrad, rmsprop, adam: the torch.optim updates (full batch unless a batch size)",
    )
    alpha: float = knob(
        0.1,
        "learning rate α",
        low=1e-300,
        high=1e300,
        help="step size of gradient descent (stable below α_max)",
    )
    alpha_factor: float | None = knob(
        None,
        "α / α_max",
        kind=float,
        low=1e-6,
        high=1e6,
        nullable=True,
        help="α as a multiple of α_max (overrides α when set)",
    )
    iterations: int = knob(
        1000,
        "iterations",
        low=0,
        high=100_000_000,
        help="maximum number of gradient-descent iterations",
    )
    tolerance: float = knob(
        1e-9,
        "tolerance",
        low=0.0,
        high=1.0,
        help="stop when the relative cost change (with a schedule: scaled to the starting α) "
        "or the gradient norm falls below it (0: never stop early)",
    )
    batch_size: int = knob(
        0,
        "batch size B",
        low=0,
        high=10_000_000,
        help="rows per update of the optimizers (0 or at least m: the full batch; 1: "
        "stochastic); each epoch visits the rows in a fresh random order",
    )
    momentum: float = knob(
        0.9, "momentum μ", low=0.0, high=MOMENTUM_MAX, help="momentum, nesterov: μ"
    )
    rho: float = knob(
        0.99, "ρ", low=0.0, high=0.9999, help="rmsprop: smoothing constant ρ of the mean of g²"
    )
    beta1: float = knob(0.9, "β1", low=0.0, high=0.9999, help="adam: decay of the mean of g")
    beta2: float = knob(0.999, "β2", low=0.0, high=0.999999, help="adam: decay of the mean of g²")
    epsilon: float | None = knob(
        None,
        "ε",
        kind=float,
        low=1e-300,
        high=1.0,
        nullable=True,
        help="adagrad, rmsprop, adam: ε added to √v (default: PyTorch's, 1e-10 for adagrad, "
        "1e-8 for the others)",
    )
    schedule: str = knob(
        "constant",
        "α schedule",
        choices=SCHEDULES,
        help="learning rate over the run: constant; step: α·decay^⌊t/k⌋; inverse-time: "
        "α/(1 + decay·t); cosine: α·(1 + cos(πt/T))/2 down to 0 at the last iteration T",
    )
    decay: float = knob(
        0.1,
        "decay",
        low=0.0,
        high=1e6,
        help="step: the factor α is multiplied by every k (0 < decay ≤ 1); inverse-time: d ≥ 0",
    )
    step_every: int = knob(
        100, "step every k", low=1, high=100_000_000, help="step: iterations between decays"
    )
    shuffle_seed: int = knob(
        0,
        "shuffle seed",
        low=0,
        high=SEED_MAX,
        help="mini-batches: seed of the row order (the same seed gives the same run)",
    )
    implementation: str = knob(
        "vectorised",
        "implementation",
        choices=IMPLEMENTATIONS,
        help="how each gradient step is computed, the same path whichever: vectorised "
        "(NumPy, or CuPy on the GPU), loop (Python), compiled (numba loops), fused (numba, "
        "reads X once), gram (XᵀX once, then O(n²) a step), cupy (a CUDA kernel reading X once)",
    )

    def __post_init__(self) -> None:
        _validate_fields(self)
        if self.solver == "gd-loop":  # the synonym: gd with the loop implementation
            if self.implementation not in ("vectorised", "loop"):
                raise InputError(
                    f"solver gd-loop is gd with the loop implementation; it cannot use "
                    f"implementation {self.implementation} (choose gd for that)"
                )
            object.__setattr__(self, "solver", "gd")
            object.__setattr__(self, "implementation", "loop")


@dataclass(frozen=True)
class ViewSettings:
    """What the window shows (no effect on any number)."""

    contour_x: str | None = knob(
        None, "contour x", kind=str, nullable=True, help="parameter on the contour's x-axis", cli=""
    )
    contour_y: str | None = knob(
        None, "contour y", kind=str, nullable=True, help="parameter on the contour's y-axis", cli=""
    )
    equal_axes: bool = knob(False, "equal axes", help="contour with equal axes", cli="")
    tab: str = knob("explore", "tab", choices=TABS, help="which tab to show", cli="")
    curve_x: str = knob(
        "iteration", "learning-curve x-axis", choices=CURVE_X, help="updates or epochs", cli=""
    )
    speed: int = knob(
        0,
        "speed",
        low=0,
        high=1000,
        unit="steps/s",
        help="how fast the window runs gradient descent: N steps per second, the last step "
        "drawn as an arrow (0: as fast as possible)",
        cli="",
    )

    def __post_init__(self) -> None:
        _validate_fields(self)


def _validate_fields(obj: Any) -> None:
    """Check every field of a settings dataclass against its Setting (``__post_init__``)."""
    where = type(obj).__name__
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        checked = _check(f.name, SCHEMA[f.name], value, where)
        if checked is not value:
            object.__setattr__(obj, f.name, checked)  # e.g. 1 -> 1.0 for a float knob


SECTIONS: dict[str, type] = {
    "data": DataSettings,
    "model": ModelSettings,
    "run": RunSettings,
    "view": ViewSettings,
}


def _collect() -> dict[str, Setting]:
    schema: dict[str, Setting] = {}
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            meta = dict(f.metadata["setting"])
            cli = meta.pop("cli")
            if cli is None:
                cli = "--" + f.name.replace("_", "-")
            schema[f.name] = Setting(
                default=f.default, name=f.name, section=section, cli=cli, **meta
            )
    return schema


#: Every setting by its flat key, in declaration order.
SCHEMA: dict[str, Setting] = _collect()


@dataclass(frozen=True)
class Settings:
    """All settings: one of each section. Immutable; :meth:`replace` makes a changed copy."""

    data: DataSettings = field(default_factory=DataSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    run: RunSettings = field(default_factory=RunSettings)
    view: ViewSettings = field(default_factory=ViewSettings)

    def flat(self) -> dict[str, Any]:
        """The settings as one flat dict (the form lessons and sessions store)."""
        out: dict[str, Any] = {}
        for section in SECTIONS:
            out.update(dataclasses.asdict(getattr(self, section)))
        return out

    @classmethod
    def from_flat(cls, values: dict, where: str = "settings") -> Settings:
        """Validated settings from a flat dict; missing keys take their defaults.

        Raises InputError naming ``where`` and the key for an unknown key, a wrong type or a
        value out of range.
        """
        return _build(validate(values, where))

    def replace(self, **changes: Any) -> Settings:
        """A copy with the flat keys in ``changes`` set (each validated)."""
        return _build(validate({**self.flat(), **changes}, "settings"))


def _build(values: dict[str, Any]) -> Settings:
    parts = {}
    for section, cls in SECTIONS.items():
        names = [f.name for f in dataclasses.fields(cls)]
        parts[section] = cls(**{k: values[k] for k in names})
    return Settings(**parts)


def defaults() -> dict[str, Any]:
    """Every setting at its default, as a flat dict."""
    return {key: s.default for key, s in SCHEMA.items()}


def validate(values: dict, where: str, *, partial: bool = False) -> dict[str, Any]:
    """Check a flat dict against :data:`SCHEMA`; return it (complete unless ``partial``).

    ``where`` names the file or part being read, for messages such as
    ``lesson.json: settings: 'alpha' must be a number > 0, got 'fast'``. Raises InputError.
    """
    if not isinstance(values, dict):
        raise InputError(f"{where}: settings must be an object of key: value pairs")
    out = {} if partial else defaults()
    values = _upgrade(values, where)
    for key, value in values.items():
        spec = SCHEMA.get(key) if isinstance(key, str) else None
        if spec is None:
            close = [k for k in SCHEMA if k.lower() == str(key).lower()] or (
                difflib.get_close_matches(key, list(SCHEMA), n=1)
                if isinstance(key, str) and len(key) <= 100
                else []
            )
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"{where}: unknown setting {_short(key)}{hint}")
        out[key] = _check(key, spec, value, where)
    return out
