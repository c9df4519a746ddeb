"""The learning-rate slider (log scale, divergent range in red) and the Python-loop time
estimate shown next to it."""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider, QWidget

SLIDER_STEPS_PER_DECADE = 100

#: Seconds a pure-Python multiply-add takes here (calibrated once, see loop_seconds_per_op).
_LOOP_OP_SECONDS: float | None = None


def loop_seconds_per_op() -> float:
    """Time of one multiply-add in the Python-loop GD, measured once on this machine."""
    global _LOOP_OP_SECONDS
    if _LOOP_OP_SECONDS is None:
        import time

        row = [0.5] * 200
        w = [0.25] * 200
        t0 = time.perf_counter()
        for _ in range(50):
            s = 0.0
            for j in range(200):
                s += row[j] * w[j]
        _LOOP_OP_SECONDS = max((time.perf_counter() - t0) / 10_000, 1e-9)
    return _LOOP_OP_SECONDS


def format_seconds(s: float) -> str:
    """A duration for people: "250 ms", "3.5 s", "12 min", "2.1 h"."""
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


class AlphaSlider(QSlider):
    """A log-scale slider for α that paints the divergent range (α ≥ α_max) in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._lo_decade = -7
        self._hi_decade = 1
        self._alpha_max: float | None = None
        self._apply_range()

    def _apply_range(self) -> None:
        self.setRange(0, (self._hi_decade - self._lo_decade) * SLIDER_STEPS_PER_DECADE)

    def alpha_at(self, position: int) -> float:
        """α at slider ``position``."""
        return 10.0 ** (self._lo_decade + position / SLIDER_STEPS_PER_DECADE)

    def position_of(self, alpha: float) -> int:
        """The slider position nearest to ``alpha``."""
        if alpha <= 0 or not math.isfinite(alpha):
            return 0
        pos = (math.log10(alpha) - self._lo_decade) * SLIDER_STEPS_PER_DECADE
        return round(min(max(pos, 0), self.maximum()))

    def set_alpha_max(self, alpha_max: float | None, keep_alpha: float) -> None:
        """Centre the range on α_max (4 decades below, 1 above) and mark the divergent part."""
        self._alpha_max = alpha_max
        if alpha_max is not None and math.isfinite(alpha_max) and alpha_max > 0:
            top = math.floor(math.log10(alpha_max)) + 1
            self._lo_decade, self._hi_decade = top - 5, top + 1
        self.blockSignals(True)
        self._apply_range()
        self.setValue(self.position_of(keep_alpha))
        self.blockSignals(False)
        self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._alpha_max is None or not math.isfinite(self._alpha_max):
            return
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        groove = self.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self
        )
        frac = self.position_of(self._alpha_max) / max(self.maximum(), 1)
        x = groove.left() + int(frac * groove.width())
        painter = QPainter(self)
        painter.fillRect(
            QRect(x, groove.top() - 3, groove.right() - x, groove.height() + 6),
            QColor(220, 40, 40, 110),
        )
        painter.fillRect(QRect(x - 1, groove.top() - 6, 3, groove.height() + 12), QColor(200, 0, 0))
        painter.end()
