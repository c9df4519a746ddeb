"""The learning-rate slider (log scale, divergent range in red) and the Python-loop time
estimate shown next to it."""

from __future__ import annotations

import functools
import math
import time

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider, QWidget

SLIDER_STEPS_PER_DECADE = 100
#: The slider's decades for AdaGrad, RMSprop and Adam: α from 1e-5 to 10 (they move each
#: coordinate by about α per step, so α_max of gradient descent says nothing about them).
ADAPTIVE_DECADES = (-5, 1)

#: Rows the Python loops are timed on to estimate a run (see loop_seconds_per_iteration).
_LOOP_SAMPLE_ROWS = 200


@functools.cache
def _loop_seconds_per_row(n: int) -> float:
    from core.solvers.implementations import prepare

    X = np.full((_LOOP_SAMPLE_ROWS, n), 0.5)
    kernel = prepare("loop", X, np.ones(_LOOP_SAMPLE_ROWS))
    w = np.full(n, 0.25)
    best = math.inf
    for _ in range(3):  # the quickest of three: one stall must not inflate the estimate
        t0 = time.perf_counter()
        kernel(w, 0.1)
        best = min(best, time.perf_counter() - t0)
    return max(best / _LOOP_SAMPLE_ROWS, 1e-9)


def loop_seconds_per_iteration(m: int, n: int) -> float:
    """Seconds one iteration of the Python-loop implementation takes on m rows and n
    coefficients here: its own kernel (core.solvers.implementations) timed once per n on
    200 rows, scaled to m (a pass is linear in m)."""
    return _loop_seconds_per_row(max(int(n), 1)) * m


def format_seconds(s: float) -> str:
    """A duration for people: "35 µs", "250 ms", "3.5 s", "12 min", "2.1 h"."""
    if s < 1e-3:
        return f"{s * 1e6:.2g} µs"
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


class AlphaSlider(QSlider):
    """A log-scale slider for α that paints the divergent range (α ≥ α_max, or the chosen
    optimizer's bound) in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._lo_decade = -7
        self._hi_decade = 1
        self._alpha_max: float | None = None
        self._divergent_from: float | None = None  # where the red range starts
        self._bound_decades = (self._lo_decade, self._hi_decade)  # around α_max
        self._adaptive = False  # the fixed range of the adaptive optimizers (set_adaptive)
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
        """Centre the range on α_max (4 decades below, 1 above) and mark the divergent part
        (from α_max, until :meth:`set_divergent_from` says otherwise)."""
        self._alpha_max = alpha_max
        self._divergent_from = None if self._adaptive else alpha_max
        if alpha_max is not None and math.isfinite(alpha_max) and alpha_max > 0:
            top = math.floor(math.log10(alpha_max)) + 1
            self._bound_decades = (top - 5, top + 1)
        self._set_decades(keep_alpha)

    def set_adaptive(self, on: bool, keep_alpha: float) -> None:
        """For an adaptive optimizer (``on``), whose steps are about α each whatever the
        gradient: the fixed range :data:`ADAPTIVE_DECADES` (1e-5 to 10), no red range; off,
        the range around α_max again. ``keep_alpha`` keeps its place on the new scale."""
        if on == self._adaptive:
            return
        self._adaptive = on
        if on:
            self._divergent_from = None
        self._set_decades(keep_alpha)

    def adaptive(self) -> bool:
        """Whether the slider shows the adaptive optimizers' fixed range."""
        return self._adaptive

    def _set_decades(self, keep_alpha: float) -> None:
        decades = ADAPTIVE_DECADES if self._adaptive else self._bound_decades
        self._lo_decade, self._hi_decade = decades
        self.blockSignals(True)
        self._apply_range()
        self.setValue(self.position_of(keep_alpha))
        self.blockSignals(False)
        self.update()

    def set_divergent_from(self, alpha: float | None) -> None:
        """Paint the range from ``alpha`` on in red (the bound of the chosen optimizer; None:
        no red range, for the adaptive optimizers that have no fixed bound)."""
        if alpha != self._divergent_from:
            self._divergent_from = alpha
            self.update()

    def divergent_from(self) -> float | None:
        """Where the red range starts (None: none)."""
        return self._divergent_from

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        red = self._divergent_from
        if red is None or not math.isfinite(red) or red <= 0:
            return
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        groove = self.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self
        )
        frac = self.position_of(red) / max(self.maximum(), 1)
        x = groove.left() + int(frac * groove.width())
        painter = QPainter(self)
        painter.fillRect(
            QRect(x, groove.top() - 3, groove.right() - x, groove.height() + 6),
            QColor(220, 40, 40, 110),
        )
        painter.fillRect(QRect(x - 1, groove.top() - 6, 3, groove.height() + 12), QColor(200, 0, 0))
        painter.end()
