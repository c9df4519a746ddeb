"""Small widgets shared by the tabs: inputs built from the settings model, a scroll area with
a fixed footer.

Every input built here takes its range, default, label, unit and tooltip from
:data:`core.settings.SCHEMA` (and :data:`core.settings.CHOICE_LABELS` for choices), so a
knob is defined once, in ``core.settings``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from core.settings import CHOICE_LABELS, SCHEMA

INT32_MAX = 2**31 - 1  # the largest value a QSpinBox holds


def setting_label(key: str) -> str:
    """The control's label for setting ``key``, with its unit ("scale spread (decades)")."""
    spec = SCHEMA[key]
    return f"{spec.label} ({spec.unit})" if spec.unit else spec.label


def setting_tooltip(key: str) -> str:
    """The setting's help sentence and allowed range, for a tooltip."""
    spec = SCHEMA[key]
    text = spec.help[:1].upper() + spec.help[1:] if spec.help else spec.label
    if spec.low is not None and spec.high is not None and spec.kind in (int, float):
        text += f" ({spec.low:g} to {spec.high:g}"
        text += f" {spec.unit})" if spec.unit else ")"
    return text


def int_spin(key: str, step: int = 1) -> QSpinBox:
    """A spin box for the whole-number setting ``key`` (range, default, tooltip from SCHEMA)."""
    spec = SCHEMA[key]
    spin = QSpinBox()
    spin.setRange(int(max(spec.low, -INT32_MAX)), int(min(spec.high, INT32_MAX)))
    spin.setValue(int(spec.default))
    spin.setSingleStep(step)
    spin.setToolTip(setting_tooltip(key))
    spin.setAccessibleName(spec.label)
    if spec.high >= 10_000:
        spin.setGroupSeparatorShown(True)
    return spin


def float_spin(key: str, step: float, decimals: int) -> QDoubleSpinBox:
    """A spin box for the number setting ``key`` (range, default, tooltip from SCHEMA)."""
    spec = SCHEMA[key]
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(float(spec.low), float(spec.high))
    spin.setValue(float(spec.default))
    spin.setSingleStep(step)
    spin.setToolTip(setting_tooltip(key))
    spin.setAccessibleName(spec.label)
    return spin


def choice_combo(
    key: str, choices: tuple[str, ...] | None = None, labels: dict[str, str] | None = None
) -> QComboBox:
    """A combo box over the choices of setting ``key`` (item data: the choice; text: its
    label from CHOICE_LABELS or ``labels``), set to the default."""
    spec = SCHEMA[key]
    combo = QComboBox()
    words = {**CHOICE_LABELS.get(key, {}), **(labels or {})}
    for choice in choices if choices is not None else spec.choices:
        combo.addItem(words.get(choice, str(choice)), choice)
    index = combo.findData(spec.default)
    combo.setCurrentIndex(max(index, 0))
    combo.setToolTip(setting_tooltip(key))
    combo.setAccessibleName(spec.label)
    return combo


def set_combo_data(combo: QComboBox, value: object) -> bool:
    """Select the item whose data is ``value``; False when there is none."""
    index = combo.findData(value)
    if index >= 0 and index != combo.currentIndex():
        combo.setCurrentIndex(index)
    return index >= 0


class _WheelOnlyWhenFocused(QObject):
    """Event filter: a wheel over an input without keyboard focus, or over any combo box,
    goes on to its parent (the scrolling panel) instead of changing the input's value."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # a combo box keeps the focus after a pick from its list, and a later scroll of the
        # panel that brings it under the pointer must not pick another item (its list, the
        # keyboard's arrows and typing still choose)
        if event.type() == QEvent.Type.Wheel and (
            isinstance(watched, QComboBox) or not watched.hasFocus()
        ):
            event.ignore()  # not accepted: Qt passes it to the parent widget
            return True  # the input itself never sees it
        return False


def wheel_only_when_focused(root: QWidget) -> None:
    """Make every spin box and slider under ``root`` take the mouse wheel only when it has
    keyboard focus (a click or Tab gives it focus), and every combo box never; otherwise the
    wheel scrolls the panel, so scrolling past an input never changes its value (Max
    iterations 1,000 → 600; the implementation gram → fused)."""
    wheel_filter = root.findChild(_WheelOnlyWhenFocused) or _WheelOnlyWhenFocused(root)
    for w in root.findChildren(QWidget):
        if isinstance(w, (QAbstractSpinBox, QComboBox, QAbstractSlider)):
            w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus by the wheel
            w.installEventFilter(wheel_filter)


class FooterScrollArea(QScrollArea):
    """A scroll area with a fixed footer under its viewport: the content scrolls, the footer
    (e.g. the Run and Stop buttons) stays in view at any window height."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._footer: QWidget | None = None

    def set_footer(self, footer: QWidget) -> None:
        """Show ``footer`` below the scrolling content, always visible."""
        self._footer = footer
        footer.setParent(self)
        footer.installEventFilter(self)  # re-placed when its fonts or contents change
        footer.show()
        self._place_footer()

    def footer(self) -> QWidget | None:
        return self._footer

    def _place_footer(self) -> None:
        footer = self._footer
        if footer is None:
            return
        height = footer.sizeHint().height()
        self.setViewportMargins(0, 0, 0, height)
        frame = self.frameWidth()
        inner = self.rect().adjusted(frame, frame, -frame, -frame)
        footer.setGeometry(inner.left(), inner.bottom() + 1 - height, inner.width(), height)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._footer and event.type() in (
            QEvent.Type.LayoutRequest,
            QEvent.Type.FontChange,
        ):
            self._place_footer()
        return super().eventFilter(obj, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_footer()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self._footer is not None:
            foot = self._footer.minimumSizeHint()
            hint = QSize(max(hint.width(), foot.width()), hint.height() + foot.height())
        return hint


def relayout_for_large_fonts(root: QWidget, capped: list[QWidget]) -> dict:
    """Lay ``root`` out for large fonts: labels above their fields, combo boxes as wide as
    their texts, no width caps on ``capped`` and long texts wrapped, so that nothing is
    elided or cut off. Returns what :func:`restore_layout` needs to undo it exactly."""
    saved: dict = {}
    saved["forms"] = [(f, f.rowWrapPolicy()) for f in root.findChildren(QFormLayout)]
    for form, _policy in saved["forms"]:
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
    saved["combos"] = [
        (c, c.sizeAdjustPolicy(), c.minimumContentsLength()) for c in root.findChildren(QComboBox)
    ]
    for combo, _policy, _length in saved["combos"]:
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMinimumContentsLength(0)
    saved["caps"] = [(w, w.maximumWidth()) for w in capped]
    for w in capped:
        w.setMaximumWidth(16_777_215)
    labels = [
        label
        for label in root.findChildren(QLabel)
        if label.text() and label.parentWidget() is not None
    ]
    saved["wraps"] = [(label, label.wordWrap()) for label in labels]
    for label in labels:
        label.setWordWrap(True)
    return saved


def restore_layout(saved: dict) -> None:
    """Undo :func:`relayout_for_large_fonts`."""
    for form, policy in saved["forms"]:
        form.setRowWrapPolicy(policy)
    for combo, policy, length in saved["combos"]:
        combo.setSizeAdjustPolicy(policy)
        combo.setMinimumContentsLength(length)
    for w, width in saved["caps"]:
        w.setMaximumWidth(width)
    for label, wrap in saved["wraps"]:
        label.setWordWrap(wrap)
