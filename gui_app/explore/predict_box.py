"""The "Predict" box (issue 12, item 4): ŷ for a new example typed in original units.

One field per raw feature of the model on screen
(:attr:`core.evaluation.predictor.Predictor.fields`: a number for a numeric feature, a list
of levels for a categorical column), before polynomial expansion and scaling. The window
gives it the predictor of the finished run on screen, or None and the reason; the box
predicts when a value changes or Predict is pressed, and says when a value lies outside the
training rows' range (the prediction extrapolates).
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.evaluation.metrics import target_unit
from core.evaluation.predictor import Field, Predictor


def start_value(field: Field) -> str:
    """The value a numeric field starts with: the middle of the training rows' range."""
    if math.isfinite(field.low) and math.isfinite(field.high):
        return f"{(field.low + field.high) / 2:.4g}"
    return "0"


class PredictBox(QGroupBox):
    """Fields for a new example, a Predict button and ŷ (disabled, with the reason, when
    there is no finished model on screen)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Predict ŷ for a new example", parent)
        layout = QVBoxLayout(self)
        self.reason = QLabel("")
        self.reason.setWordWrap(True)  # (grey in its text: a style sheet would keep its font)
        layout.addWidget(self.reason)
        self.fields_widget = QWidget()
        self.form = QFormLayout(self.fields_widget)
        self.form.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.fields_widget)
        self.predict_button = QPushButton("Predict")
        self.predict_button.setToolTip(
            "ŷ of the model on screen for the values above (original units)"
        )
        self.predict_button.clicked.connect(self.predict)
        layout.addWidget(self.predict_button)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result)
        self.predictor: Predictor | None = None
        self.inputs: list[QLineEdit | QComboBox] = []
        self._fields: tuple[Field, ...] = ()
        self.y_hat: float | None = None  # the last prediction shown (None: none)
        self.set_predictor(None, "no model yet: press Run (F5) and let it finish")

    def set_predictor(self, predictor: Predictor | None, reason: str = "") -> None:
        """Predict with ``predictor`` (the finished model on screen); None disables the box
        and says ``reason``. Values typed stay while the fields stay the same."""
        if predictor is self.predictor and predictor is not None:
            return
        self.predictor = predictor
        if predictor is not None and predictor.fields != self._fields:
            self._build_fields(predictor.fields)
        enabled = predictor is not None
        self.fields_widget.setEnabled(enabled)
        self.predict_button.setEnabled(enabled)
        words = (
            f"From the model on screen, in the target's units ({predictor.target})."
            if enabled
            else f"Not available: {reason}."
        )
        self.reason.setText(f"<span style='color:#555'>{html.escape(words)}</span>")
        if enabled:
            self.predict()
        else:
            self.y_hat = None
            self.result.setText("")

    def _build_fields(self, fields: tuple[Field, ...]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs = []
        for f in fields:
            if f.levels:
                box = QComboBox()
                box.addItems(list(f.levels))
                box.setToolTip(f"{f.name}: one of its levels")
                box.activated.connect(lambda _i: self.predict())
                widget: QLineEdit | QComboBox = box
            else:
                edit = QLineEdit(start_value(f))
                edit.setToolTip(
                    f"{f.name} in its original units (training rows: {f.low:g} to {f.high:g})"
                )
                edit.editingFinished.connect(self.predict)
                edit.textEdited.connect(self._edited)  # ŷ is for the values shown, or nothing
                widget = edit
            widget.setAccessibleName(f.name)
            label = QLabel(f.name)
            label.setWordWrap(True)
            self.form.addRow(label, widget)
            self.inputs.append(widget)
        self._fields = fields

    def _edited(self) -> None:
        """A value is being typed: the ŷ shown no longer belongs to the values shown."""
        self.y_hat = None
        self.result.setText("<span style='color:#555'>Enter (or Predict) for ŷ</span>")

    def values(self) -> list[str]:
        """The values as typed or chosen, one per field."""
        return [w.currentText() if isinstance(w, QComboBox) else w.text() for w in self.inputs]

    def set_values(self, values: list[str]) -> None:
        """Type ``values`` (one per field) and predict."""
        for w, v in zip(self.inputs, values, strict=True):
            if isinstance(w, QComboBox):
                w.setCurrentText(str(v))
            else:
                w.setText(str(v))
        self.predict()

    def predict(self) -> float | None:
        """Show ŷ for the values typed (or the problem with one of them); returns ŷ."""
        p = self.predictor
        self.y_hat = None
        if p is None:
            return None
        try:
            row = p.raw_row(self.values())
            y_hat = float(p.predict(row[None, :])[0])
        except InputError as exc:  # a bad value, or one too large for the model
            self.result.setText(f"<span style='color:#8a1c00'>{html.escape(str(exc))}</span>")
            return None
        unit = target_unit(p.target)
        name = p.target[: p.target.rfind("(")].strip() if unit else p.target
        text = (
            f"ŷ = <b>{y_hat:,.6g}</b> {html.escape(unit)} "
            f"<span style='color:#555'>({html.escape(name)})</span>"
        )
        for warning in p.extrapolation(row):
            text += f"<br><span style='color:#8a5a00'>⚠ {html.escape(warning)}</span>"
        self.result.setText(text)
        self.y_hat = y_hat
        return y_hat
