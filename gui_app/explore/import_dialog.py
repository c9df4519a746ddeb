"""The import preview: how a data file will be read and what each column is for, before it loads.

Open data… and a file dropped on the window open this dialog (after Orange's File widget and
LibreOffice's text import). It reads the first :data:`PREVIEW_ROWS` rows with
:func:`core.data.table.read_table` on a thread of its own (an Excel file or a slow disk never
freezes the window), and shows them as the reader will use them, what the reader decided
(delimiter, encoding, decimal mark, thousands separator, header, sheet, rows, columns), the
warnings, and each column's type and role (:func:`core.data.roles.resolve_roles`, the reason
as a tooltip). Changing a read option reads again. The dialog edits an
:class:`~gui_app.explore.import_choices.ImportDraft`; the window's state changes only on OK
(:meth:`ImportDialog.settings_fields`), Cancel changes nothing. Labels, choices and tooltips
come from :mod:`core.settings`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.data.roles import Role
from core.data.table import Table, read_table
from core.errors import InputError
from core.settings import CHOICE_LABELS, SCHEMA, DataSettings
from gui_app.explore.column_roles import ROLE_COLUMN, ColumnRolesModel, RoleDelegate
from gui_app.explore.import_choices import ImportDraft, decided_text, is_excel
from gui_app.explore.option_words import window_words
from gui_app.explore.views.table import TableModel, TableView
from gui_app.runner import FAILED, RESULT, Event, Job, Runner
from gui_app.widgets import choice_combo, set_combo_data, setting_tooltip

PREVIEW_ROWS = 200  # rows read for the preview
OPTION_KEYS = ("delimiter", "encoding", "decimal", "thousands", "header")
TEXT_ONLY = ("delimiter", "encoding", "decimal", "thousands")
ERROR_STYLE = "background:#fdecec; color:#6a0000; border:1px solid #e09a9a; padding:4px;"
WARNING_STYLE = "QPlainTextEdit {background:#fff6e0; color:#4a3500;}"


def preview_error(job: Job, exc: BaseException) -> str:
    """The dialog's message for a read that failed with something other than InputError."""
    path = getattr(job.spec, "path", "the file")
    if isinstance(exc, MemoryError):
        return f"{path}: not enough memory to read the first rows"
    return f"{path}: cannot be read as a table ({type(exc).__name__}: {exc})"


class ImportDialog(QDialog):
    """The import preview of one file; OK means "load it with these choices"."""

    preview_ready = Signal()  # a read finished and is shown (or its error is)
    preview_failed = Signal(str)  # the message of a read that failed

    def __init__(
        self,
        path: str,
        data: DataSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import data — preview")
        self.setObjectName("importDialog")
        self.draft = ImportDraft.from_settings(data or DataSettings(), path)
        self.table: Table | None = None
        self.resolved: dict[str, Role] = {}
        self.error = ""  # why the file cannot be read, or why the roles cannot apply
        self._detected: dict[str, str] = {}  # option → what detection decided (its words)
        self._reading = 0
        self._pending = False
        self._runner = Runner(
            self._deliver, name="gdx-preview", describe_error=preview_error, parent=self
        )
        self._build()
        self._fit_to_screen()
        self.read()

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.file_label = QLabel(self.draft.path)
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.file_label.setWordWrap(True)
        self.file_label.setStyleSheet("font-weight:bold;")
        layout.addWidget(self.file_label)

        box = QGroupBox("How the file is read")
        grid = QGridLayout(box)
        self.option_combos: dict[str, QComboBox] = {}
        keys = (*OPTION_KEYS, "sheet")
        for k, key in enumerate(keys):
            if key == "sheet":
                combo = QComboBox()
                combo.setToolTip(setting_tooltip("sheet"))
            else:
                combo = choice_combo(key)
                set_combo_data(combo, getattr(self.draft.options, key))
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            label = QLabel(SCHEMA[key].label.capitalize())
            label.setToolTip(setting_tooltip(key))
            label.setBuddy(combo)
            grid.addWidget(label, k // 3, 2 * (k % 3))
            grid.addWidget(combo, k // 3, 2 * (k % 3) + 1)
            self.option_combos[key] = combo
            combo.activated.connect(lambda _i, key=key: self._option_chosen(key))
        grid.setColumnStretch(6, 1)
        self.decided_label = QLabel("Reading …")
        self.decided_label.setWordWrap(True)
        self.decided_label.setTextFormat(Qt.TextFormat.PlainText)
        grid.addWidget(self.decided_label, 2, 0, 1, 6)
        layout.addWidget(box)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        layout.addWidget(self.error_label)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.rows_label = QLabel(f"The first rows as they will be used (up to {PREVIEW_ROWS}):")
        lv.addWidget(self.rows_label)
        self.preview = TableView()
        lv.addWidget(self.preview, 1)
        split.addWidget(left)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(QLabel("Columns and their roles (double-click a role to change it):"))
        self.column_list = QTableView()
        self.column_list.setObjectName("columnRoles")
        self.column_list.verticalHeader().hide()
        self.column_list.setItemDelegateForColumn(ROLE_COLUMN, RoleDelegate(self.column_list))
        self.column_list.setEditTriggers(
            QTableView.EditTrigger.DoubleClicked
            | QTableView.EditTrigger.SelectedClicked
            | QTableView.EditTrigger.EditKeyPressed
            | QTableView.EditTrigger.AnyKeyPressed
        )
        self.column_list.setToolTip("Double-click a role (or press F2) to change it")
        rv.addWidget(self.column_list, 1)
        missing_row = QHBoxLayout()
        missing_label = QLabel(SCHEMA["missing"].label.capitalize())
        missing_label.setToolTip(setting_tooltip("missing"))
        self.missing_combo = choice_combo("missing")
        set_combo_data(self.missing_combo, self.draft.roles.missing)
        self.missing_combo.activated.connect(self._missing_chosen)
        missing_label.setBuddy(self.missing_combo)
        missing_row.addWidget(missing_label)
        missing_row.addWidget(self.missing_combo, 1)
        rv.addLayout(missing_row)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)

        self.warnings = QPlainTextEdit(readOnly=True)
        self.warnings.setStyleSheet(WARNING_STYLE)
        self.warnings.hide()
        layout.addWidget(self.warnings)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Load")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _fit_to_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        self.resize(min(1120, area.width() - 40), min(700, area.height() - 60))

    # -- reading -------------------------------------------------------------------------------
    def read(self) -> None:
        """Read the first rows again with the draft's options (off the GUI thread)."""
        self.ok_button.setEnabled(False)
        self.decided_label.setText(f"Reading {self.draft.path} …")
        excel = is_excel(self.draft.path)
        for key in TEXT_ONLY:
            self.option_combos[key].setEnabled(not excel)
        self.option_combos["sheet"].setEnabled(excel)
        self._reading = self._runner.submit(_read_job, self.draft)
        self._pending = True

    def is_reading(self) -> bool:
        """A read is in flight (its result not shown yet)."""
        return self._pending

    def _deliver(self, events: list[Event]) -> None:
        for event in events:
            if event.job_id != self._reading:
                continue
            if event.kind == RESULT:
                self._show_table(event.payload)
            elif event.kind == FAILED:
                self._show_failure(event.payload)

    def _show_table(self, table: Table) -> None:
        self._pending = False
        self.table = table
        # what was read decides, not the name: a workbook saved as .csv has sheets too
        excel = table.decided.get("format") == "excel"
        for key in TEXT_ONLY:
            self.option_combos[key].setEnabled(not excel)
        self.option_combos["sheet"].setEnabled(excel)
        self.draft = self.draft.fitted_to(table)
        self._show_decided()
        self._show_roles(rebuild=True)
        self.preview_ready.emit()

    def _show_failure(self, message: str) -> None:
        self._pending = False
        self.table = None
        self.resolved = {}
        self.preview.setModel(None)
        self.column_list.setModel(None)
        self.decided_label.setText("The file could not be read with these options.")
        self._set_error(message)
        self.warnings.hide()
        self.preview_failed.emit(message)
        self.preview_ready.emit()

    def _set_error(self, message: str) -> None:
        message = window_words(message)
        self.error = message
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        self.ok_button.setEnabled(not message and self.table is not None)
        self.ok_button.setToolTip(
            f"Cannot load: {message}" if message else "Load the file with these choices"
        )

    def _show_decided(self) -> None:
        table = self.table
        d = table.decided
        for key in OPTION_KEYS:
            # the "detect" entry says what detection decided, from a read with "detect"
            # chosen; a chosen value is the selected entry and leaves that text alone
            if getattr(self.draft.options, key) == "auto":
                chosen = d.get(key, "")
                self._detected[key] = " ".join(CHOICE_LABELS[key].get(chosen, chosen).split())
            word = self._detected.get(key, "")
            detect = CHOICE_LABELS[key]["auto"]
            self.option_combos[key].setItemText(0, f"{detect}: {word}" if word else detect)
        sheets = self.option_combos["sheet"]
        sheets.clear()
        for name in table.sheets:
            sheets.addItem(name, name)
        set_combo_data(sheets, d.get("sheet", ""))
        text = "Read: " + decided_text(table)
        if table.truncated:
            text += " (checked on these first rows; Load reads and checks the whole file)"
        if len(table.notes) > 1:  # the first note is the summary the line above gives
            text += "\n" + "\n".join(window_words(note) for note in table.notes[1:6])
        self.decided_label.setText(text)

    def _show_roles(self, rebuild: bool = False) -> None:
        table = self.table
        if table is None:
            return
        self.resolved, problem = self.draft.resolve(table)
        self._set_error(problem)
        warned = [r.note for r in self.resolved.values() if r.warn and r.note]
        lines = [*table.warnings, *warned, *self._missing_notes()]
        self.warnings.setPlainText("\n".join(f"⚠ {window_words(line)}" for line in lines))
        self.warnings.setVisible(bool(lines))
        # as tall as its lines (wrapped ones count twice), at most 4: the table keeps the room
        shown = min(4, sum(1 + len(line) // 140 for line in lines))
        self.warnings.setFixedHeight(self.fontMetrics().lineSpacing() * max(shown, 1) + 14)
        roles = {n: r.role for n, r in self.resolved.items()}
        reasons = {n: r.reason for n, r in self.resolved.items() if r.reason}
        kinds = {c.name: c.kind for c in table.columns}
        model = self.preview.model()
        if rebuild or model is None:
            model = TableModel.from_frame(table.frame, roles, reasons, table.line_of, kinds)
            self.preview.setModel(model)
            self._build_column_list()
        else:
            model.set_roles(roles, reasons)
        self.column_list.model().set_roles(self.resolved)

    def _missing_notes(self) -> list[str]:
        """What the missing-values choice will do to the columns in use (shown before OK:
        under "refuse" the load stops)."""
        used = [
            c
            for c in self.table.columns
            if c.missing and self.resolved.get(c.name, Role("ignore")).role != "ignore"
        ]
        if not used:
            return []
        counts = ", ".join(f"{c.name} ({c.missing:,})" for c in used[:8])
        where = f" in the first {self.table.rows:,} rows" if self.table.truncated else ""
        missing = self.draft.roles.missing
        words = CHOICE_LABELS["missing"]
        if missing == "refuse":
            return [
                f"Missing values{where} in {counts}: loading stops (missing values: refuse); "
                f"choose “{words['drop']}” or “{words['mean']}”, or ignore those columns."
            ]
        return [f"Missing values{where} in {counts}: {words[missing]}."]

    def _build_column_list(self) -> None:
        lst = self.column_list
        lst.setModel(ColumnRolesModel(self.table.columns, self.set_role, lst))
        metrics, header = lst.fontMetrics(), lst.horizontalHeader()
        header.setSectionResizeMode(ROLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        model = lst.model()
        for j in range(ROLE_COLUMN):  # sized to the first rows; the role stretches
            texts = [model.headerData(j, Qt.Orientation.Horizontal)]
            texts += [model.index(k, j).data() for k in range(min(model.rowCount(), 100))]
            header.resizeSection(j, min(max(metrics.horizontalAdvance(t) for t in texts) + 20, 260))

    def role_editor(self, name: str) -> QComboBox:
        """Open the role editor of column ``name`` (as a double-click does) and return it."""
        names = [c.name for c in self.table.columns]
        index = self.column_list.model().index(names.index(name), ROLE_COLUMN)
        self.column_list.scrollTo(index)
        self.column_list.setCurrentIndex(index)
        self.column_list.edit(index)
        return self.column_list.indexWidget(index)

    # -- user choices --------------------------------------------------------------------------
    def _option_chosen(self, key: str) -> None:
        value = self.option_combos[key].currentData()
        if value is None:
            return
        self.set_option(key, value)

    def set_option(self, key: str, value: str) -> None:
        """Read again with option ``key`` (delimiter, encoding, decimal, thousands, header,
        sheet) set to ``value``."""
        if key != "sheet":
            set_combo_data(self.option_combos[key], value)
        self.draft = self.draft.with_option(key, value)
        self.read()

    def set_role(self, name: str, role: str) -> None:
        """Give column ``name`` the role ``role`` (feature, target, categorical, ignore)."""
        if self.table is None:
            return
        self.draft = self.draft.with_role(self.table, self.resolved, name, role)
        self._show_roles()

    def _missing_chosen(self, _index: int) -> None:
        self.set_missing(self.missing_combo.currentData())

    def set_missing(self, missing: str) -> None:
        """Choose what happens to missing values (refuse, drop, mean)."""
        set_combo_data(self.missing_combo, missing)
        self.draft = self.draft.with_missing(missing)
        self._show_roles()

    # -- the answer ----------------------------------------------------------------------------
    def settings_fields(self) -> dict[str, Any]:
        """The data settings of the choices shown (what OK hands to the controller)."""
        if self.table is None:
            raise InputError(self.error or "the file has not been read yet", path=self.draft.path)
        return self.draft.settings_fields(self.table, self.resolved)

    def done(self, result: int) -> None:
        """Close (OK or Cancel) and end the reading thread."""
        self._runner.shutdown()
        super().done(result)


def _read_job(job: Job) -> Table:
    draft: ImportDraft = job.spec
    return read_table(draft.path, draft.options, nrows=PREVIEW_ROWS)
