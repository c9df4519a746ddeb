"""The control panel's page for a data file: the file, how it was read, the target picker and
the way back to the import preview.

The panel (:class:`~gui_app.explore.controls.ControlPanel`) shows this page when the source
is a file. "Open data…" asks for a file (the window then opens the import preview);
"Import options…" opens the preview again with the current choices.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from core.settings import SCHEMA
from gui_app.explore.option_words import window_words
from gui_app.widgets import setting_tooltip

FILE_FILTER = "Data files (*.csv *.tsv *.txt *.data *.dat *.xlsx *.xlsm);;All files (*)"
WARNING_STYLE = "background:#fff6e0; color:#4a3500; border:1px solid #e6c36a; padding:3px;"


class FilePage(QWidget):
    """The file, a summary of how it was read, the target and "Import options…"."""

    file_chosen = Signal(str)  # a path chosen in the file dialog
    import_requested = Signal()  # "Import options…": the preview with the current choices
    target_chosen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.csv_path = QLineEdit(readOnly=True, placeholderText="drop a data file on the window")
        self.csv_path.setToolTip(setting_tooltip("csv_path"))
        self.open_button = QPushButton("Open data…")
        self.open_button.setToolTip(
            "Choose a CSV, text or Excel file; a preview shows how it reads"
        )
        self.import_button = QPushButton("Import options…")
        self.import_button.setToolTip(
            "The import preview again, with the current choices: delimiter, decimal mark, "
            "header, column roles, missing values"
        )
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setStyleSheet("color:#444;")
        # the reader's warnings (a number read one of two ways) stay with the data
        self.warnings = QLabel("")
        self.warnings.setObjectName("fileWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.setStyleSheet(WARNING_STYLE)
        self.warnings.hide()
        self.target_combo = QComboBox()
        self.target_combo.setToolTip(setting_tooltip("target"))
        grid.addWidget(self.csv_path, 0, 0)
        grid.addWidget(self.open_button, 0, 1)
        grid.addWidget(self.summary, 1, 0, 1, 2)
        grid.addWidget(self.warnings, 2, 0, 1, 2)
        grid.addWidget(self.import_button, 3, 0, 1, 2)
        grid.addWidget(QLabel(SCHEMA["target"].label), 4, 0)
        grid.addWidget(self.target_combo, 5, 0, 1, 2)
        self._values: list[str] = []  # the target setting of each item ("" when unknown)
        self.open_button.clicked.connect(self.ask_file)
        self.import_button.clicked.connect(self.import_requested)
        self.target_combo.activated.connect(lambda _i: self.target_chosen.emit())

    def ask_file(self) -> None:
        """Ask for a data file; a chosen path goes out as ``file_chosen``."""
        path, _ = QFileDialog.getOpenFileName(self, "Open a data file", "", FILE_FILTER)
        if path:
            self.file_chosen.emit(path)

    def set_path(self, path: str) -> None:
        """Show the file ``path``; its columns and summary come once it is loaded."""
        if path != self.csv_path.text():
            self.summary.setText("")
            self.set_warnings(())
        self.csv_path.setText(path)
        self.clear_columns()

    def set_warnings(self, warnings: Sequence[str]) -> None:
        """Show the reader's ``warnings`` for the loaded file (hidden when there are none)."""
        text = "\n".join(f"⚠ {window_words(w)}" for w in warnings)
        self.warnings.setText(text)
        self.warnings.setVisible(bool(text))

    def clear_columns(self) -> None:
        self._values = []
        self.target_combo.clear()

    def set_columns(self, columns: list[tuple[str, str]], target: str) -> None:
        """Offer ``columns`` — (name shown, target setting) pairs — as the target, the
        column named ``target`` selected."""
        values = [value for _name, value in columns]
        names = [name for name, _value in columns]
        shown = [self.target_combo.itemText(k) for k in range(self.target_combo.count())]
        if values != self._values or names != shown:
            self._values = values
            self.target_combo.blockSignals(True)
            self.target_combo.clear()
            for name, value in columns:
                self.target_combo.addItem(name, value)
            self.target_combo.blockSignals(False)
        self.target_combo.setCurrentText(target)

    def picked_target(self) -> str | None:
        """The target setting of the column picked (None when none is listed)."""
        if self.target_combo.currentIndex() < 0:
            return None
        return self.target_combo.currentData() or self.target_combo.currentText() or None

    def picked_name(self) -> str:
        """The name of the column picked as the target ("" when none)."""
        return self.target_combo.currentText()
