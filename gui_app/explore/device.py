"""The Device and implementation box: CPU or GPU (with the reason when the GPU is missing),
the implementation of every gradient step (vectorised, Python loops, compiled, fused, Gram
form, a CUDA kernel: each one that cannot run here disabled with the reason), and what the
chosen one costs (the Python loops' time estimate, the Gram form's one-off XᵀX)."""

from __future__ import annotations

import html
import importlib.util
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from core.backend import GPU_INSTALL_HINT, GpuStatus
from core.settings import CHOICE_LABELS
from core.solvers import GD_SOLVERS, IMPLEMENTATION_LABELS, unavailable
from core.solvers.implementations import IMPLEMENTATION_DEVICE, numba_kernels
from core.solvers.optimizers import mini_batch
from gui_app.explore.alpha import format_seconds, loop_seconds_per_iteration
from gui_app.widgets import choice_combo, setting_label, setting_tooltip

#: The combo's words for each implementation (short: the panel is narrow); the item's
#: tooltip has core's full label (:data:`core.solvers.IMPLEMENTATION_LABELS`).
IMPLEMENTATION_WORDS = {
    "vectorised": "vectorised (NumPy)",
    "loop": "Python loops",
    "compiled": "compiled loops (numba)",
    "fused": "fused (numba, X read once)",
    "gram": "Gram form (XᵀX once)",
    "cupy": "CUDA kernel (CuPy)",
}
#: The implementations that numba compiles (importing numba takes a good part of a second).
NUMBA_IMPLEMENTATIONS = ("compiled", "fused")
#: Why the implementation row is off for a direct solver.
DIRECT_SOLVER_WHY = "the normal equation solves in one step: no gradient steps to implement"
FALLBACK = "vectorised"


def implementation_reason(name: str, device: str, batch: bool) -> str:
    """Why implementation ``name`` cannot run on ``device`` ("cpu" or "gpu"), for a
    mini-batch run when ``batch``; "" when it can (:func:`core.solvers.unavailable`).

    numba is not imported to answer (the window's start stays fast): before a run has loaded
    it, numba found installed counts as available and the run's own check says the rest.
    """
    if (
        name in NUMBA_IMPLEMENTATIONS
        and device == "cpu"
        and numba_kernels.cache_info().currsize == 0
        and importlib.util.find_spec("numba") is not None
    ):
        return ""
    return unavailable(name, device, batch)


def implementation_note(name: str, m: int, n: int) -> str:
    """What implementation ``name`` does on ``m`` rows and ``n`` coefficients, for the note
    under the choice ("" when there is nothing to add; the loops have their own estimate)."""
    size = f" ({n:,}×{n:,})" if n else ""
    rows = f" ({m:,} rows)" if m else ""
    return {
        "vectorised": "two BLAS matrix-vector products over X a step (X·w, then Xᵀe)",
        "compiled": "the loops compiled by numba, one thread (compiled once, then cached: the "
        "compiler's time is not the run's)",
        "fused": "one parallel numba pass over X a step: each row read once, on every core; "
        "it pays off on large data (X of many MB), while on a small X waking the threads "
        "costs more than the step",
        "gram": f"XᵀX once{size}, then O(n²) a step, whatever m{rows}",
        "cupy": "one CUDA kernel a step, reading X once (on the GPU)",
    }.get(name, "")


class DeviceBox(QGroupBox):
    """Device and implementation choices; ``iterations`` gives the iterations of a run."""

    def __init__(self, iterations: Callable[[], int], parent: QWidget | None = None) -> None:
        super().__init__("Device and implementation", parent)
        self._iterations = iterations
        self._m = 0
        self._n = 0
        self._solver, self._batch_size = "gd", 0  # the run's (set_run)
        self._gpu: GpuStatus | None = None  # None: still being checked
        self._reasons: dict[str, str] = {}  # why each implementation is off ("" when on)
        self._fallback = ""  # the note of the last fall back to vectorised ("" when none)
        self._wanted = ""  # the choice a fall back set aside, back as soon as it can run
        form = QFormLayout(self)
        self.device_combo = choice_combo(
            "device", labels={"gpu": CHOICE_LABELS["device"]["gpu"] + " (checking…)"}
        )
        self._set_gpu_enabled(False)
        form.addRow(setting_label("device").capitalize(), self.device_combo)
        self.device_info = QLabel("")
        self.device_info.setWordWrap(True)
        self.device_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.device_info)
        self.impl_combo = choice_combo("implementation", labels=IMPLEMENTATION_WORDS)
        self._impl_tip = setting_tooltip("implementation")
        form.addRow(setting_label("implementation").capitalize(), self.impl_combo)
        self.impl_info = QLabel("")  # a fall back, the implementations that are off and why
        self.impl_info.setWordWrap(True)
        self.impl_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.impl_info)
        self.estimate_label = QLabel("")
        self.estimate_label.setWordWrap(True)
        form.addRow(self.estimate_label)
        self.impl_combo.activated.connect(lambda _i: self.clear_fallback())  # the user's pick
        self.impl_combo.currentIndexChanged.connect(lambda _i: self._chosen())
        self.device_combo.currentIndexChanged.connect(lambda _i: self.update_availability())
        self.update_availability()

    # -- the run the implementation is for -------------------------------------------------
    def set_problem_size(self, m: int, n: int) -> None:
        """Rows and coefficients of the prepared problem (0, 0: none)."""
        self._m, self._n = m, n
        self.update_availability()

    def set_run(self, solver: str, batch_size: int) -> None:
        """The solver and batch size chosen (whether the implementation applies, and the Gram
        form's full-batch rule)."""
        if (solver, batch_size) != (self._solver, self._batch_size):
            self._solver, self._batch_size = solver, batch_size
            self.update_availability()

    def iterative(self) -> bool:
        """The chosen solver takes gradient steps (the implementation applies to it)."""
        return self._solver in GD_SOLVERS

    def implementation(self) -> str:
        """The implementation chosen (a key of :data:`core.solvers.IMPLEMENTATIONS`)."""
        return self.impl_combo.currentData()

    def reason(self, name: str) -> str:
        """Why implementation ``name`` is off now ("" when it can be chosen)."""
        return self._reasons.get(name, "")

    def fallback_note(self) -> str:
        """The note of the last fall back to vectorised ("" when none since the user's pick)."""
        return self._fallback

    def clear_fallback(self) -> None:
        """Forget the fall-back note (the user, a lesson or a session chose anew)."""
        self._wanted = ""
        if self._fallback:
            self._fallback = ""
            self._show_info()

    # -- availability -------------------------------------------------------------------------
    def update_availability(self) -> None:
        """Enable each implementation that can run for the device, solver and batch size
        chosen, disable the others with the reason (tooltip and note), and fall back to
        vectorised, with a visible note, when the chosen one cannot run any more."""
        device = self.device_combo.currentData()
        batch = bool(mini_batch(self._solver, self._batch_size, self._m))
        combo = self.impl_combo
        model = combo.model()
        for k in range(combo.count()):
            name = combo.itemData(k)
            why = self._reason_here(name, device, batch)
            self._reasons[name] = why
            model.item(k).setEnabled(not why)
            tip = IMPLEMENTATION_LABELS[name] + (f"\nNot available: {why}" if why else "")
            combo.setItemData(k, tip, Qt.ItemDataRole.ToolTipRole)
        chosen = combo.currentData()
        why = self._reasons.get(chosen, "")
        wanted = self._wanted
        if why:  # never run something else silently: say so where the choice is
            self._fallback = f"The runs use {FALLBACK}: {chosen} cannot run now — {why}."
            self._wanted = chosen
            combo.setCurrentIndex(combo.findData(FALLBACK))
        elif wanted and wanted != chosen and not self._reasons.get(wanted):
            # what made the choice impossible has gone (a full batch again): it comes back
            self._wanted = self._fallback = ""
            combo.setCurrentIndex(combo.findData(wanted))
        iterative = self.iterative()
        combo.setEnabled(iterative)
        combo.setToolTip(self._impl_tip if iterative else f"Off: {DIRECT_SOLVER_WHY}")
        self._show_info()
        self.update_estimate()

    def _chosen(self) -> None:
        if self.reason(self.implementation()):  # (set in code: the popup offers it disabled)
            self.update_availability()  # falls back, with the note
        else:
            self.update_estimate()

    def _reason_here(self, name: str, device: str, batch: bool) -> str:
        if name == "cupy" and device != "gpu":
            gpu = self._gpu
            if gpu is None:
                return "the GPU is still being checked"
            if not gpu.available:  # (the device line above says why)
                return "needs the GPU device, unavailable here"
            return "GPU only: choose the GPU device"
        if IMPLEMENTATION_DEVICE[name] == "cpu" and device != "cpu":
            return "CPU only: choose the CPU device"
        return implementation_reason(name, device, batch)

    def _show_info(self) -> None:
        parts = []
        if self._fallback and self.iterative():
            parts.append(f"<span style='color:#b05000'><b>{html.escape(self._fallback)}</b></span>")
        if not self.iterative():
            parts.append(f"Implementation off: {html.escape(DIRECT_SOLVER_WHY)}.")
        else:
            off: dict[str, list[str]] = {}  # reason -> the implementations it turns off
            for name, why in self._reasons.items():
                if why:
                    off.setdefault(why, []).append(name)
            if off:
                lines = "<br>".join(
                    f"{html.escape(', '.join(names))}: {html.escape(why)}"
                    for why, names in off.items()
                )
                parts.append(f"<span style='color:#555'>Off here — {lines}</span>")
        self.impl_info.setText("<br>".join(parts))

    # -- notes ---------------------------------------------------------------------------------
    def loop_estimate_seconds(self) -> float:
        """Seconds the Python-loop GD would take (its kernel timed here on a sample)."""
        return loop_seconds_per_iteration(self._m, self._n) * self._iterations()

    def update_estimate(self) -> None:
        """Say what the chosen implementation costs: the Python loops' time estimate, the
        others' note (nothing for a direct solver or before the data is ready)."""
        name = self.implementation()
        if not self.iterative() or self._m == 0:
            self.estimate_label.setText("")
            return
        if name != "loop":
            note = implementation_note(name, self._m, self._n)
            self.estimate_label.setText(
                f"<span style='color:#555'>{html.escape(note)}</span>" if note else ""
            )
            return
        per_iter = loop_seconds_per_iteration(self._m, self._n)
        iterations = self._iterations()
        total = per_iter * iterations
        text = (
            f"Python loops: ≈ {format_seconds(per_iter)} per iteration, "
            f"≈ {format_seconds(total)} for {iterations:,} iterations"
        )
        if total > 10:
            text = f"<span style='color:#b05000'><b>{text}</b></span>"
        self.estimate_label.setText(text)

    # -- the devices -----------------------------------------------------------------------------
    def set_cpu_info(self, text: str) -> None:
        """Name the CPU choice ("CPU — NumPy / openblas, 2 threads"): the combo shows it
        without "NumPy / " (the panel is narrow), its tooltip whole."""
        self.device_combo.setItemText(0, text.replace("NumPy / ", ""))
        self.device_combo.setItemData(0, text, Qt.ItemDataRole.ToolTipRole)

    def set_gpu_status(self, status: GpuStatus) -> None:
        """Enable the GPU choice, or disable it with the reason and the install command."""
        self._gpu = status
        self._set_gpu_enabled(status.available)
        if status.available:
            self.device_combo.setItemText(1, f"GPU — CuPy ({status.name})")
            self.device_info.setText("")
        else:
            self.device_combo.setItemText(1, "GPU — CuPy (not available)")
            reason = status.reason.split(". Install it with")[0]
            self.device_info.setText(
                f"GPU unavailable: {reason}.<br>Install: <code>{GPU_INSTALL_HINT}</code>"
            )
            self.device_combo.setItemData(1, status.reason, Qt.ItemDataRole.ToolTipRole)
        self.update_availability()

    def _set_gpu_enabled(self, enabled: bool) -> None:
        item = self.device_combo.model().item(1)
        item.setEnabled(enabled)
        if not enabled and self.device_combo.currentIndex() == 1:
            self.device_combo.setCurrentIndex(0)
