"""The Data tab: the loaded table as read, sortable, missing cells marked, each column's role
in its header.

:class:`TableModel` serves cells lazily from a pandas DataFrame (a file's
:class:`~core.data.table.Table`) or from plain arrays (a demo's X and y): a column is turned
into a NumPy array the first time one of its cells is shown, a sort is one ``numpy.argsort``
over one column, and no item is created per cell, so a 200,000 × 6 or a 100,000 × 1,000
table opens at once. The import preview (:mod:`gui_app.explore.import_dialog`) shows its
first rows with the same model. pandas is not imported here: a frame arrives from the reader
and is only asked for its columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from gui_app.explore.option_words import window_words

MISSING_TEXT = "—"  # an em dash: no value in the file
MISSING_TIP = "missing"
MISSING_BRUSH = QBrush(QColor("#fbe3cf"))  # a light orange tint, readable on a projector
MISSING_PEN = QBrush(QColor("#8a4b12"))
IGNORED_PEN = QBrush(QColor("#707070"))  # an ignored column's cells: still readable, greyed
DROPPED_TIP = "this row is left out: it has missing values (missing values: drop)"
FILLED_TIP = "missing in the file: filled with the mean"
#: How each role reads in a column header (one name per concept: "ignored" for ignore).
ROLE_WORDS = {
    "feature": "feature",
    "target": "target",
    "categorical": "categorical",
    "ignore": "ignored",
}
WARNING_STYLE = "background:#fff6e0; color:#4a3500; border:1px solid #e6c36a; padding:3px;"
EMPTY_TEXT = "No data loaded yet: choose a source in the Data box of the Explore tab."
_Index = QModelIndex | QPersistentModelIndex


def format_number(value: float) -> str:
    """A cell's number as a reader wants it: up to 10 significant digits, whole numbers
    without a decimal part ("2104", "0.3", "1.5e-07")."""
    return f"{value:.10g}"


class TableModel(QAbstractTableModel):
    """A read-only table model over named columns.

    ``columns`` gives each column's name; ``fetch(k)`` returns column ``k`` as a 1-D array
    (float64 with NaN for a missing number; anything else is text, None/NA for missing),
    called once per column when it is first needed. ``roles`` maps a column name to its role
    (a key of :data:`ROLE_WORDS`) and ``reasons`` to why (tooltips). ``line_of(row)`` names
    the file line of a data row (0-based) for the row headers' tooltips.
    """

    def __init__(
        self,
        columns: Sequence[str],
        rows: int,
        fetch: Callable[[int], Any],
        roles: dict[str, str] | None = None,
        reasons: dict[str, str] | None = None,
        line_of: Callable[[int], int] | None = None,
        kinds: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.names = list(columns)
        self.rows = int(rows)
        self.roles = dict(roles or {})
        self.reasons = dict(reasons or {})
        self.kinds = dict(kinds or {})
        self._fetch = fetch
        self._line_of = line_of
        self._cache: dict[int, tuple[np.ndarray, np.ndarray | None, bool]] = {}
        self.order: np.ndarray | None = None  # row permutation of the current sort
        self.dropped = np.zeros(0, dtype=bool)  # rows the missing-values choice left out
        self.filled: set[str] = set()  # columns whose missing cells were filled
        self.fill_values: dict[str, float] = {}  # column → the value filled in

    def mark_rows(
        self,
        dropped: Sequence[int] = (),
        filled: Sequence[str] = (),
        values: dict[str, float] | None = None,
    ) -> None:
        """Mark the rows (0-based, file order) the missing-values choice dropped and the
        columns whose missing cells it filled with the mean; ``values`` (column → the value
        filled in) is shown in those cells."""
        mask = np.zeros(self.rows, dtype=bool)
        rows = np.asarray(list(dropped), dtype=np.int64)
        mask[rows[(rows >= 0) & (rows < self.rows)]] = True
        self.dropped = mask if mask.any() else np.zeros(0, dtype=bool)
        self.filled = set(filled)
        self.fill_values = dict(values or {})

    def _is_dropped(self, r: int) -> bool:
        return bool(self.dropped.size and self.dropped[r])

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        frame: Any,
        roles: dict[str, str] | None = None,
        reasons: dict[str, str] | None = None,
        line_of: Callable[[int], int] | None = None,
        kinds: dict[str, str] | None = None,
    ) -> TableModel:
        """The model of a pandas DataFrame (one column per name, in order)."""
        names = [str(c) for c in frame.columns]
        return cls(
            names, frame.shape[0], lambda k: frame.iloc[:, k], roles, reasons, line_of, kinds
        )

    @classmethod
    def from_arrays(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        feature_names: Sequence[str],
        target_name: str,
    ) -> TableModel:
        """The model of a dataset without a table (a demo): the features' columns of ``X``
        (m × n), then the target ``y`` (m,)."""
        names = [*feature_names, target_name]
        roles = {name: "feature" for name in feature_names}
        roles[target_name] = "target"
        n = X.shape[1]
        return cls(names, len(y), lambda k: X[:, k] if k < n else y, roles)

    def set_roles(self, roles: dict[str, str], reasons: dict[str, str] | None = None) -> None:
        """Show other roles (the import preview's choices) without a new model: the sort,
        the scroll position and the column widths stay."""
        self.roles, self.reasons = dict(roles), dict(reasons or {})
        if self.names:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.names) - 1)
        if self.names and self.rows:
            last = self.index(self.rows - 1, len(self.names) - 1)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.ForegroundRole])

    def _column(self, k: int) -> tuple[np.ndarray, np.ndarray | None, bool]:
        """Column ``k`` as (values, missing mask or None for numbers, is numeric)."""
        hit = self._cache.get(k)
        if hit is not None:
            return hit
        raw = self._fetch(k)
        kind = getattr(getattr(raw, "dtype", None), "kind", "O")
        if kind in "fiub":
            values = np.asarray(raw, dtype=np.float64)
            hit = (values, None, True)
        else:
            isna = getattr(raw, "isna", None)
            values = np.asarray(raw, dtype=object)
            if isna is not None:
                missing = np.asarray(isna(), dtype=bool)
            else:
                missing = np.array([v is None or v != v for v in values], dtype=bool)
            hit = (values, missing, False)
        self._cache[k] = hit
        return hit

    def is_missing(self, row: int, column: int) -> bool:
        """Whether the cell shown at (``row``, ``column``) has no value."""
        values, missing, numeric = self._column(column)
        r = self._source_row(row)
        return bool(np.isnan(values[r])) if numeric else bool(missing[r])

    def _source_row(self, row: int) -> int:
        return int(self.order[row]) if self.order is not None else row

    # -- Qt's model API -----------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self.rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.names)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        values, missing, numeric = self._column(index.column())
        r = self._source_row(index.row())
        absent = bool(np.isnan(values[r])) if numeric else bool(missing[r])
        if role == Qt.ItemDataRole.DisplayRole:
            if absent:
                value = self.fill_values.get(self.names[index.column()])
                if value is not None and not self._is_dropped(r):
                    return format_number(value) if numeric else str(value)
                return MISSING_TEXT
            return format_number(float(values[r])) if numeric else str(values[r])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignHCenter
                if absent
                else Qt.AlignmentFlag.AlignRight
                if numeric
                else Qt.AlignmentFlag.AlignLeft
            )
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not absent:
            ignored = self.roles.get(self.names[index.column()]) == "ignore"
            return IGNORED_PEN if ignored or self._is_dropped(r) else None
        if role == Qt.ItemDataRole.FontRole and self._is_dropped(r):
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and self._is_dropped(r):
            return DROPPED_TIP
        if (
            absent
            and role == Qt.ItemDataRole.ToolTipRole
            and self.names[index.column()] in (self.filled)
        ):
            return FILLED_TIP
        if absent and role == Qt.ItemDataRole.BackgroundRole:
            return MISSING_BRUSH
        if absent and role == Qt.ItemDataRole.ForegroundRole:
            return MISSING_PEN
        if absent and role == Qt.ItemDataRole.ToolTipRole:
            return MISSING_TIP
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.names):
                return None
            name = self.names[section]
            word = ROLE_WORDS.get(self.roles.get(name, ""), "")
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{name}\n{word}" if word else name
            if role == Qt.ItemDataRole.ToolTipRole:
                text = f"column {section + 1}: {name}"
                kind = self.kinds.get(name)
                if kind:
                    text += f" ({kind})"
                if word:
                    text += f" — {word}"
                reason = self.reasons.get(name)
                return text + (f": {reason}" if reason else "")
            return None
        if not 0 <= section < self.rows:
            return None
        r = self._source_row(section)
        if role == Qt.ItemDataRole.DisplayRole:  # the file's line: the "row 7" of messages
            return str(self._line_of(r) if self._line_of is not None else r + 1)
        if role == Qt.ItemDataRole.ToolTipRole and self._line_of is not None:
            text = (
                f"row {self._line_of(r)}: the line a text editor shows (the row messages "
                f"name); data row {r + 1}"
            )
            return text + (f"; {DROPPED_TIP}" if self._is_dropped(r) else "")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by ``column`` (one ``numpy.argsort``; missing cells always last)."""
        if not 0 <= column < len(self.names):
            return
        values, missing, numeric = self._column(column)
        absent = np.isnan(values) if numeric else missing
        present = np.flatnonzero(~absent)
        keys = values[present]
        if not numeric:
            keys = keys.astype(str)
        sub = np.argsort(keys, kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            sub = sub[::-1]
        self.layoutAboutToBeChanged.emit()
        self.order = np.concatenate([present[sub], np.flatnonzero(absent)])
        self.layoutChanged.emit()


def dataset_model(dataset: Any) -> TableModel:
    """The Data tab's model of a :class:`~core.data.datasets.Dataset`: its table as read
    (before roles), each column's role in its header; for a demo (no table), X and y."""
    table = getattr(dataset, "table", None)
    if table is None:
        return TableModel.from_arrays(
            dataset.X, dataset.y, dataset.feature_names, dataset.target_name
        )
    roles, reasons = dataset_roles(dataset)
    kinds = {c.name: c.kind for c in table.columns}
    model = TableModel.from_frame(table.frame, roles, reasons, table.line_of, kinds)
    report = getattr(dataset, "report", {}) or {}
    filled = list(report.get("filled") or {})
    model.mark_rows(report.get("dropped_rows") or (), filled, fill_values(dataset, filled))
    return model


def fill_values(dataset: Any, filled: Sequence[str]) -> dict[str, float]:
    """The value each numeric column in ``filled`` got in its missing cells, as core's
    report says (``fill_values``: the mean over the rows kept)."""
    report = getattr(dataset, "report", {}) or {}
    given = report.get("fill_values") or {}
    return {k: v for k, v in given.items() if k in filled and isinstance(v, float)}


def dataset_roles(dataset: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Each table column's role in a prepared dataset (feature, target, categorical,
    ignore) and the reasons the report gives for ignored ones."""
    table = dataset.table
    features = set(dataset.feature_names)
    encoded = {c for c in getattr(dataset, "indicators", ()) or () if c}
    report = getattr(dataset, "report", {}) or {}
    ignored = report.get("ignored", {}) or {}
    encoded |= set(report.get("encoded", {}) or {})
    roles: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for col in table.columns:
        name = col.name
        if name == dataset.target_name:
            roles[name] = "target"
        elif name in encoded:
            roles[name] = "categorical"
        elif name in features:
            roles[name] = "feature"
        else:
            roles[name] = "ignore"
            reason = ignored.get(name) if isinstance(ignored, dict) else None
            if reason:
                reasons[name] = str(reason)
    return roles, reasons


class TableView(QTableView):
    """A table view for :class:`TableModel`: sortable by a click on a header, two-line
    headers (name, role), rows sized once (no per-row measuring on a large table)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # file order until a click
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._size_rows()

    def _size_rows(self) -> None:
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)

    def changeEvent(self, event: QEvent) -> None:
        """A new font (presentation mode's larger one) resizes rows and columns with it."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._size_rows()
            self.size_columns()

    def setModel(self, model: Any) -> None:
        """Show ``model`` unsorted (file order), its columns sized to their first rows."""
        super().setModel(model)
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        if model is not None:
            self.size_columns()

    def size_columns(self, sample_rows: int = 50, most: int = 60) -> None:
        """Size the first ``most`` columns to their header and first ``sample_rows`` cells
        (Qt's resize-to-contents would measure every row)."""
        model = self.model()
        if model is None:
            return
        metrics = self.fontMetrics()
        pad = 24
        header = self.horizontalHeader()
        header.setDefaultSectionSize(max(80, metrics.horizontalAdvance("0000000000") + pad))
        for c in range(min(model.columnCount(), most)):
            texts = str(model.headerData(c, Qt.Orientation.Horizontal) or "").split("\n")
            for r in range(min(model.rowCount(), sample_rows)):
                texts.append(str(model.data(model.index(r, c)) or ""))
            width = max(metrics.horizontalAdvance(t) for t in texts) + pad
            header.resizeSection(c, min(max(width, 60), 320))


class DataTab(QWidget):
    """The Data tab: a line saying what is shown, and the table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.summary = QLabel(EMPTY_TEXT)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary)
        # the reader's warnings (a number read one of two ways), in the warning style
        self.warnings = QLabel("")
        self.warnings.setObjectName("dataWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.setStyleSheet(WARNING_STYLE)
        self.warnings.hide()
        layout.addWidget(self.warnings)
        self.table = TableView()
        layout.addWidget(self.table, 1)
        self.dataset: Any = None
        self.model: TableModel | None = None

    def set_dataset(self, dataset: Any) -> None:
        """Show ``dataset`` (a prepared :class:`~core.data.datasets.Dataset`), or say that
        nothing is loaded (None)."""
        if dataset is self.dataset and (dataset is None or self.model is not None):
            return
        old = self.dataset
        if (
            dataset is not None
            and old is not None
            and dataset.table is not None
            and dataset.table is old.table
            and (dataset.feature_names, dataset.target_name) == (old.feature_names, old.target_name)
        ):
            self.dataset = dataset  # the same table and roles (a new scaling): keep the sort
            return
        self.dataset = dataset
        warnings = tuple(getattr(dataset, "warnings", ()) or ())
        self.warnings.setText("\n".join(f"⚠ {window_words(w)}" for w in warnings))
        self.warnings.setVisible(bool(warnings))
        if dataset is None:
            self.model = None
            self.table.setModel(None)
            self.summary.setText(EMPTY_TEXT)
            return
        self.model = dataset_model(dataset)
        self.table.setModel(self.model)
        self.summary.setText(dataset_summary(dataset))


def dataset_summary(dataset: Any) -> str:
    """One line about what the Data tab shows: where it came from, its size, the roles."""
    table = getattr(dataset, "table", None)
    features = "feature" if dataset.n == 1 else "features"
    fit = f"{dataset.m:,} rows × {dataset.n:,} {features} → target “{dataset.target_name}”"
    if table is None:
        return f"{dataset.source}: {fit}. Click a column header to sort."
    name = str(table.path).replace("\\", "/").rsplit("/", 1)[-1]
    missing = sum(c.missing for c in table.columns)
    text = f"{name} as read: {table.rows:,} rows × {len(table.columns):,} columns"
    if missing:
        cells = "cell" if missing == 1 else "cells"
        text += f", {missing:,} missing {cells} (marked {MISSING_TEXT})"
    dropped = (getattr(dataset, "report", {}) or {}).get("dropped_rows") or []
    if dropped:
        rows = "row" if len(dropped) == 1 else "rows"
        text += f"; {len(dropped):,} incomplete {rows} dropped (struck through)"
    warned = len(getattr(dataset, "warnings", ()) or ())
    if warned:
        text += f"; ⚠ {warned} reading warning{'' if warned == 1 else 's'} (below)"
    return f"{text}. Fitted: {fit}. Click a column header to sort."
