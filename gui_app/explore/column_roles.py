"""The import preview's list of columns and their roles: a model and a role delegate.

One row per column (name, type, missing, role). The list stays cheap for any width (a file of
17,000 columns): the rows are a :class:`QAbstractTableModel` over the table's columns, and the
role is plain text until edited; the :class:`RoleDelegate` makes a combo box only for the cell
being edited (double click, F2, or typing on it), after Qt's model/view editing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from core.data.roles import ROLES, Role
from gui_app.explore.views.table import ROLE_WORDS

LIST_COLUMNS = ("column", "type", "missing", "role")
ROLE_COLUMN = 3
ROLE_TIPS = {
    "feature": "a feature: a column of X",
    "target": "the target y the model predicts",
    "categorical": "one-hot encoded: one feature per value (column=value)",
    "ignore": "left out of the model",
}
_Index = QModelIndex | QPersistentModelIndex


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, with an "s" unless the count is 1: "1 value", "12 values"."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def kind_text(column: Any) -> str:
    """A column's type as the list shows it: "number", "text, 3 values, index-like"."""
    kind = column.kind + (f", {plural(column.levels, 'value')}" if column.kind == "text" else "")
    return kind + (", index-like" if column.index_like else "")


class ColumnRolesModel(QAbstractTableModel):
    """The columns of a table (``Table.columns``) with their resolved roles; a role edited in
    the view calls ``choose(name, role)`` (the dialog then resolves the roles again and hands
    them back with :meth:`set_roles`)."""

    def __init__(
        self, columns: Sequence[Any], choose: Callable[[str, str], None], parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.roles: dict[str, Role] = {}
        self._choose = choose

    def set_roles(self, roles: dict[str, Role]) -> None:
        """Show ``roles`` (name → :class:`~core.data.roles.Role`; {} when they cannot apply)."""
        self.roles = dict(roles)
        if self.columns:
            last = len(self.columns) - 1
            self.dataChanged.emit(self.index(0, ROLE_COLUMN), self.index(last, ROLE_COLUMN))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt API)
        """One row per column of the table."""
        return 0 if parent.isValid() else len(self.columns)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt API)
        """Name, type, missing, role."""
        return 0 if parent.isValid() else len(LIST_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """The list's column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return LIST_COLUMNS[section].capitalize()
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """The role cell is editable; the rest is read only."""
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == ROLE_COLUMN else base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The name, type, missing count and role word of a column (role key: EditRole)."""
        if not index.isValid():
            return None
        col = self.columns[index.row()]
        j = index.column()
        resolved = self.roles.get(col.name)
        if role == Qt.ItemDataRole.DisplayRole:
            if j == 0:
                return col.name
            if j == 1:
                return kind_text(col)
            if j == 2:
                return f"{col.missing:,}" if col.missing else ""
            return ROLE_WORDS[resolved.role] if resolved else "—"
        if role == Qt.ItemDataRole.EditRole and j == ROLE_COLUMN:
            return resolved.role if resolved else None
        if role == Qt.ItemDataRole.ToolTipRole and j == ROLE_COLUMN:
            if resolved is None:
                return "no role: see the message above"
            reason = f" ({resolved.reason})" if resolved.reason else ""
            return ROLE_TIPS.get(resolved.role, "") + reason + " — double-click to change"
        if role == Qt.ItemDataRole.TextAlignmentRole and j == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A role chosen in the editor: hand it to the dialog."""
        if role != Qt.ItemDataRole.EditRole or index.column() != ROLE_COLUMN or value is None:
            return False
        self._choose(self.columns[index.row()].name, str(value))
        return True


class RoleDelegate(QStyledItemDelegate):
    """A combo box of the roles, made only while a role cell is edited; a choice applies at
    once (no Enter needed)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        """The roles a column can take (a text column: categorical or ignored)."""
        model = index.model()
        col = model.columns[index.row()]
        combo = QComboBox(parent)
        combo.setAccessibleName(f"role of column {col.name}")
        for role in ROLES:
            combo.addItem(ROLE_WORDS[role], role)
            if col.kind != "number" and role in ("feature", "target"):
                item = combo.model().item(combo.count() - 1)
                item.setEnabled(False)
                item.setToolTip(f"a {col.kind} column can be categorical or ignored")
        combo.activated.connect(lambda _i, c=combo: self._chosen(c))
        return combo

    def _chosen(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo)

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        """Select the column's current role."""
        editor.setCurrentIndex(editor.findData(index.data(Qt.ItemDataRole.EditRole)))

    def setModelData(self, editor: QWidget, model: Any, index: _Index) -> None:
        """Hand the chosen role to the model."""
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
