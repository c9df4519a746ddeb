"""The options of File → Export animation…: frames, duration, frame size and loop (the
format and the place are chosen next, in the file dialog)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from gui_app.explore.animation_plan import DEFAULT_DURATION_S, MAX_DURATION_S, MAX_FRAMES

#: Frame sizes offered besides the contour view's own (label, (width, height) px).
SIZES = (
    ("Slide, 1280 × 720", (1280, 720)),
    ("Full HD slide, 1920 × 1080", (1920, 1080)),
    ("Small, 960 × 540", (960, 540)),
)
GIF_FILTER = "Animated GIF (*.gif)"
FRAMES_FILTER = "PNG frames (folder) (*)"  # Qt reads the last brackets as the patterns


@dataclass
class AnimationOptions:
    """What the user chose: ``frames``, ``duration`` (s), ``size`` ((width, height) px, or
    None for the contour view's size) and ``loop``."""

    frames: int
    duration: float
    size: tuple[int, int] | None
    loop: bool


class AnimationOptionsDialog(QDialog):
    """Asks for the animation's frames (``recorded`` iterations at most), duration, size and
    loop; ``view_size`` is the contour view's size on screen (px)."""

    def __init__(self, parent: QWidget, recorded: int, view_size: tuple[int, int]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        form = QFormLayout(self)
        intro = QLabel(
            "The path on the contour, drawn step by step, as an animated GIF or a folder of "
            "PNG frames for slides. Each frame is captioned with the iteration and the cost J; "
            "the last one is held longer."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        most = max(1, min(recorded, MAX_FRAMES))
        self.frames = QSpinBox()
        self.frames.setRange(1, most)
        self.frames.setValue(most)
        self.frames.setToolTip(
            f"Frames spread evenly over the run (at most {MAX_FRAMES}, and at most one per "
            f"recorded iteration: {recorded:,} here)"
        )
        form.addRow("Frames:", self.frames)
        self.duration = QDoubleSpinBox()
        self.duration.setRange(1.0, MAX_DURATION_S)
        self.duration.setDecimals(1)
        self.duration.setSuffix(" s")
        self.duration.setValue(DEFAULT_DURATION_S)
        self.duration.setToolTip("How long the animation plays, the held last frame included")
        form.addRow("Duration:", self.duration)
        self.size = QComboBox()
        for label, size in SIZES:
            self.size.addItem(label, size)
        self.size.addItem(f"As on screen, {view_size[0]} × {view_size[1]}", None)
        self.size.setToolTip("Frame size in pixels; texts and lines grow with it")
        form.addRow("Size:", self.size)
        self.loop = QCheckBox("Loop (GIF)")
        self.loop.setChecked(True)
        self.loop.setToolTip("Play the GIF again and again (unchecked: once, then stop)")
        form.addRow(self.loop)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Choose file…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def options(self) -> AnimationOptions:
        """The options as chosen."""
        return AnimationOptions(
            self.frames.value(),
            self.duration.value(),
            self.size.currentData(),
            self.loop.isChecked(),
        )


def ask_animation_options(
    parent: QWidget, recorded: int, view_size: tuple[int, int]
) -> AnimationOptions | None:
    """Show the options dialog; the options, or None when cancelled."""
    dialog = AnimationOptionsDialog(parent, recorded, view_size)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.options()
    finally:
        dialog.deleteLater()
