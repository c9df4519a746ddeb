"""The "Test set and regularisation" box of the control panel (issue 12, items 1 and 5).

Its inputs are model settings (:class:`core.settings.ModelSettings`: ``test_fraction``,
``l2``, ``l1``) and the data's ``seed`` (the split's seed is the synthetic data's seed: one
setting, so this box's seed and the synthetic box's show the same value). Ranges, labels and
tooltips come from :data:`core.settings.SCHEMA`. A change says ``changed``; the control panel
then prepares the problem again (α_max, the contour and the theory include the penalty).
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from core.settings import SCHEMA, ModelSettings, RunSettings, Settings
from gui_app.explore.shown_model import l1_refusal
from gui_app.widgets import float_spin, int_spin, setting_label, setting_tooltip

#: The λ values offered in the list (any other number in the setting's range can be typed).
LAMBDA_PRESETS = ("0", "0.001", "0.01", "0.1", "1", "10", "100", "1000", "1e4", "1e6")
SCALING_NOTE = (
    "The scaling is fitted on the training rows only (fitting it on all rows leaks test "
    "information into training)."
)


def lambda_text(value: float) -> str:
    """``value`` as the λ field shows it: "0", "10", "0.001", "1e+06"."""
    return f"{value:g}"


def parse_lambda(key: str, text: str) -> float:
    """The λ typed for setting ``key`` ("l2" or "l1"); ValueError naming it when ``text`` is
    not a number in the setting's range (0 to 1e12)."""
    spec = SCHEMA[key]
    text_in = text.strip()
    if "," in text_in:  # 1,5 or 15? never guessed (the file reader says the same of cells)
        raise ValueError(
            f"{spec.label}: write {text_in.replace(',', '.')!r} with a decimal point, or "
            f"leave out the thousands separator; {text!r} could be read two ways"
        )
    try:
        value = 0.0 if not text_in else float(text_in.replace("_", "?"))  # 1_000: refused
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and spec.low <= value <= spec.high):
        raise ValueError(
            f"{spec.label} must be a number from {spec.low:g} to {spec.high:g} "
            f"(e.g. 0, 0.1, 1e3), got {text!r}"
        )
    return value


def lambda_combo(key: str) -> QComboBox:
    """An editable list of λ values (log-spaced presets) for setting ``key``; any number in
    the setting's range may be typed."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(LAMBDA_PRESETS)
    combo.setCurrentText(lambda_text(SCHEMA[key].default))
    combo.setToolTip(setting_tooltip(key) + ". Type any number, e.g. 0.05 or 1e3.")
    combo.setAccessibleName(SCHEMA[key].label)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    return combo


class EvaluationBox(QGroupBox):
    """Test fraction and seed, L2 λ and L1 λ; says ``changed`` when one of them changed."""

    changed = Signal()

    def __init__(self, data_seed: QSpinBox, parent: QWidget | None = None) -> None:
        super().__init__("Test set and regularisation", parent)
        self._data_seed = data_seed  # the synthetic box's seed: the same setting
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.fraction_spin = float_spin("test_fraction", 0.05, 2)
        self.fraction_spin.setSpecialValueText("off")
        self.seed_spin = int_spin("seed")
        self.seed_spin.setValue(data_seed.value())
        seed_label = QLabel("seed")
        seed_label.setToolTip(setting_tooltip("seed"))
        row.addWidget(self.fraction_spin)
        row.addWidget(seed_label)
        row.addWidget(self.seed_spin)
        row.addStretch(1)
        label = QLabel("Test set")
        label.setToolTip(setting_tooltip("test_fraction"))
        form.addRow(label, row)
        # colours in the text, not a style sheet: styled widgets keep their font when
        # presentation mode enlarges the application's
        self.note = QLabel(f"<span style='color:#555'>{SCALING_NOTE}</span>")
        self.note.setWordWrap(True)
        form.addRow(self.note)
        lam = QHBoxLayout()
        self.l2_combo, self.l1_combo = lambda_combo("l2"), lambda_combo("l1")
        for key, combo in (("l2", self.l2_combo), ("l1", self.l1_combo)):
            name = QLabel(setting_label(key).split(" (")[0])  # "L2 λ", "L1 λ"
            name.setToolTip(setting_tooltip(key))
            lam.addWidget(name)
            lam.addWidget(combo, 1)
        reg = QLabel("Regularisation")
        reg.setToolTip("Penalties on the scaled coefficients (not on b); both 0: none")
        form.addRow(reg, lam)
        self.refusal = QLabel("")
        self.refusal.setWordWrap(True)
        self.refusal.setVisible(False)
        form.addRow(self.refusal)
        # the λs last read or shown: a change is said once (None: the last text was invalid)
        self._shown: tuple[float, float] | None = (0.0, 0.0)
        self.fraction_spin.valueChanged.connect(lambda _v: self.changed.emit())
        self.seed_spin.valueChanged.connect(self._seed_here)
        data_seed.valueChanged.connect(self._seed_there)
        for combo in (self.l2_combo, self.l1_combo):
            combo.activated.connect(lambda _i: self._lambda_edited())
            combo.lineEdit().editingFinished.connect(self._lambda_edited)

    # -- the one seed -----------------------------------------------------------------------
    def _seed_here(self, value: int) -> None:
        self._data_seed.blockSignals(True)
        self._data_seed.setValue(value)
        self._data_seed.blockSignals(False)
        self.changed.emit()

    def _seed_there(self, value: int) -> None:
        self.seed_spin.blockSignals(True)
        self.seed_spin.setValue(value)
        self.seed_spin.blockSignals(False)

    def commit_typed(self) -> None:
        """Read the λ fields as typed now (F5 pressed before Enter or leaving the field)."""
        self._lambda_edited()

    def _lambda_edited(self) -> None:
        try:
            now = (self.lambda_value("l2"), self.lambda_value("l1"))
        except ValueError:  # not a number in range: the box says so, Run is off
            self._shown = None  # so that the next valid value, even the same one, counts
            self.changed.emit()  # (the prepared problem stays: its λ is the setting's)
            return
        if now != self._shown:
            self._shown = now
            self.changed.emit()

    # -- values -----------------------------------------------------------------------------
    def lambda_value(self, key: str) -> float:
        """λ typed for ``key`` ("l2" or "l1"); ValueError naming the problem."""
        combo = self.l2_combo if key == "l2" else self.l1_combo
        return parse_lambda(key, combo.currentText())

    def read(self, base: ModelSettings, strict: bool = False) -> dict[str, float]:
        """``test_fraction``, ``l2`` and ``l1`` as shown; a λ that is not a number in range
        raises ValueError with ``strict``, else ``base``'s value is kept."""
        out = {"test_fraction": self.fraction_spin.value()}
        for key in ("l2", "l1"):
            try:
                out[key] = self.lambda_value(key)
            except ValueError:
                if strict:
                    raise
                out[key] = getattr(base, key)
        return out

    def show_model(self, model: ModelSettings, seed: int) -> None:
        """Show the model's test fraction and λs and the data's ``seed`` (no signal)."""
        for w in (self.fraction_spin, self.seed_spin, self.l2_combo, self.l1_combo):
            w.blockSignals(True)
        try:
            self.fraction_spin.setValue(model.test_fraction)
            self.seed_spin.setValue(seed)
            for key, combo in (("l2", self.l2_combo), ("l1", self.l1_combo)):
                combo.setCurrentText(lambda_text(getattr(model, key)))
            self._shown = (model.l2, model.l1)
        finally:
            for w in (self.fraction_spin, self.seed_spin, self.l2_combo, self.l1_combo):
                w.blockSignals(False)

    def compact(self) -> None:
        """Make the λ lists as narrow as their numbers (the panel's combo boxes are set
        wider; two λ lists share a row)."""
        for combo in (self.l2_combo, self.l1_combo):
            combo.setMinimumContentsLength(5)

    def inputs(self) -> list[QWidget]:
        """The box's inputs (for blocking their signals while settings are shown)."""
        return [self.fraction_spin, self.seed_spin, self.l2_combo, self.l1_combo]

    def run_problem(self, solver: str) -> str:
        """Why a run of ``solver`` cannot start with these inputs ("" when it can): a λ
        that is not a number in range, or an L1 λ with a solver that has no proximal step
        (:func:`gui_app.explore.shown_model.l1_refusal`, the check core makes)."""
        try:
            model = ModelSettings(**self.read(ModelSettings(), strict=True))
        except ValueError as exc:
            return str(exc)
        return l1_refusal(Settings(model=model, run=RunSettings(solver)))

    def set_refusal(self, text: str) -> None:
        """Say why Run is off (an L1 λ with a solver that cannot train it); "" hides it."""
        words = html.escape(f"Run is off: {text}.") if text else ""
        self.refusal.setText(f"<span style='color:#8a1c00'>{words}</span>" if text else "")
        self.refusal.setVisible(bool(text))
