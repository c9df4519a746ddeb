"""The Data tab (issue 10 item 5): the loaded table as read, sortable, missing cells marked,
each column's role in its header; served lazily, so a large table opens at once."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from gui_app.explore.views.table import MISSING_TEXT, TableModel, TableView

pd = pytest.importorskip("pandas")

TIMEOUT = 15_000
DISPLAY = Qt.ItemDataRole.DisplayRole


def _column(model: TableModel, c: int) -> list[str]:
    return [model.data(model.index(r, c), DISPLAY) for r in range(model.rowCount())]


def _frame():
    return pd.DataFrame(
        {
            "size": [2104.0, np.nan, 852.0, 1600.0],
            "town": pd.array(["Bonn", "Aachen", None, "Köln"], dtype="string"),
            "price": [399.9, 232.0, 178.5, 330.0],
        }
    )


def test_cells_are_served_as_read_with_missing_cells_marked():
    model = TableModel.from_frame(_frame(), {"size": "feature", "town": "ignore"})
    assert (model.rowCount(), model.columnCount()) == (4, 3)
    assert _column(model, 0) == ["2104", MISSING_TEXT, "852", "1600"]
    assert _column(model, 1) == ["Bonn", "Aachen", MISSING_TEXT, "Köln"]
    assert _column(model, 2) == ["399.9", "232", "178.5", "330"]
    gap = model.index(1, 0)
    assert model.data(gap, Qt.ItemDataRole.ToolTipRole) == "missing"
    assert model.data(gap, Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    align = Qt.AlignmentFlag(model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole))
    assert align & Qt.AlignmentFlag.AlignRight  # numbers right-aligned
    align = Qt.AlignmentFlag(model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole))
    assert align & Qt.AlignmentFlag.AlignLeft
    header = model.headerData(0, Qt.Orientation.Horizontal, DISPLAY)
    assert header == "size\nfeature"
    assert model.headerData(1, Qt.Orientation.Horizontal, DISPLAY) == "town\nignored"
    assert model.headerData(2, Qt.Orientation.Horizontal, DISPLAY) == "price"  # no role given


def test_sorting_orders_rows_with_missing_cells_last():
    model = TableModel.from_frame(_frame())
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert _column(model, 0) == ["852", "1600", "2104", MISSING_TEXT]
    assert _column(model, 2) == ["178.5", "330", "399.9", "232"]  # whole rows move
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert _column(model, 0) == ["2104", "1600", "852", MISSING_TEXT]
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert _column(model, 1) == ["Aachen", "Bonn", "Köln", MISSING_TEXT]
    # the row headers name the rows of the file, not the places on screen
    rows = [model.headerData(r, Qt.Orientation.Vertical, DISPLAY) for r in range(4)]
    assert rows == ["2", "1", "4", "3"]


def test_a_large_table_is_served_lazily(qtbot):
    rows, cols = 200_000, 6
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(rows, cols)), columns=[f"x{k}" for k in range(cols)])
    model = TableModel.from_frame(frame)
    view = TableView()
    qtbot.addWidget(view)
    view.setModel(model)
    assert model.rowCount() == rows
    model.sort(3, Qt.SortOrder.AscendingOrder)
    first = float(model.data(model.index(0, 3)))
    assert first == pytest.approx(frame["x3"].min(), rel=1e-9)
    # wide: only the columns asked for are turned into arrays
    wide = pd.DataFrame(np.zeros((1_000, 2_000)), columns=[f"c{k}" for k in range(2_000)])
    model = TableModel.from_frame(wide)
    view.setModel(model)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    assert model.columnCount() == 2_000 and len(model._cache) <= 100


def test_the_data_tab_shows_a_demo_as_x_and_y(window):
    ds = window.prepared.dataset
    tab = window.data_tab
    model = tab.table.model()
    assert model.rowCount() == ds.m
    assert model.names == [*ds.feature_names, ds.target_name]
    assert model.headerData(0, Qt.Orientation.Horizontal, DISPLAY).endswith("feature")
    last = model.columnCount() - 1
    assert model.headerData(last, Qt.Orientation.Horizontal, DISPLAY).endswith("target")
    assert float(model.data(model.index(0, last))) == pytest.approx(ds.y[0], rel=1e-9)
    assert f"{ds.m:,} rows" in tab.summary.text()


def test_the_data_tab_shows_a_file_as_read_sorts_and_marks_missing(window, qtbot, tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text(
        "size,town,rooms,price\n2104,Bonn,3,399.9\n852,,2,178.5\n1600,Köln,3,330\n1416,Bonn,2,232\n",
        encoding="utf-8",
    )
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(path), {"ignore": ("town",), "missing": "drop"})
    window.tabs.setCurrentWidget(window.data_tab)
    view = window.data_tab.table
    model = view.model()
    assert model.names == ["size", "town", "rooms", "price"]  # the table, before roles
    assert model.rowCount() == 4
    assert model.data(model.index(1, 1)) == MISSING_TEXT
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ToolTipRole) == "missing"
    assert model.headerData(1, Qt.Orientation.Horizontal, DISPLAY) == "town\nignored"
    assert model.headerData(3, Qt.Orientation.Horizontal, DISPLAY) == "price\ntarget"
    assert "houses.csv" in window.data_tab.summary.text()
    header = view.horizontalHeader()
    qtbot.waitExposed(view)
    x = header.sectionViewportPosition(0) + header.sectionSize(0) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert _column(model, 0) == ["852", "1416", "1600", "2104"]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert _column(model, 0) == ["2104", "1600", "1416", "852"]


def test_the_data_tab_says_when_nothing_is_loaded(window, qtbot):
    c = window.controls
    c.source_combo.setCurrentIndex(c.source_combo.findData("csv"))  # a file source, no file
    qtbot.waitUntil(lambda: window.prepared is None, timeout=TIMEOUT)
    assert window.data_tab.table.model() is None
    assert "No data" in window.data_tab.summary.text()


def test_the_tab_setting_names_the_data_tab(window):
    from gui_app.classroom.settings_bridge import current_tab, read_settings, show_tab

    show_tab(window, "data")
    assert window.tabs.currentWidget() is window.data_tab
    assert current_tab(window) == "data" and read_settings(window)["tab"] == "data"
    show_tab(window, "explore")
    assert current_tab(window) == "explore"


def test_rows_grow_with_a_larger_font(qtbot):
    """Presentation mode enlarges the font: the rows must not clip their text."""
    from PySide6.QtGui import QFont

    view = TableView()
    qtbot.addWidget(view)
    view.setModel(TableModel.from_frame(_frame()))
    font = QFont(view.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    view.setFont(font)
    assert view.rowHeight(0) >= view.fontMetrics().height()


def test_rows_dropped_and_cells_filled_by_the_missing_values_choice_are_marked():
    model = TableModel.from_frame(_frame())
    model.mark_rows(dropped=[2], filled=["size"])
    model.sort(2, Qt.SortOrder.AscendingOrder)  # price: the dropped row (178.5) comes first
    tip = Qt.ItemDataRole.ToolTipRole
    assert model.data(model.index(0, 1)) == MISSING_TEXT  # its town is missing
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).strikeOut()
    assert "left out" in model.data(model.index(0, 0), tip)
    assert model.data(model.index(1, 0), Qt.ItemDataRole.FontRole) is None
    gap = model.index(1, 0)  # price 232: its size is missing, and was filled
    assert model.data(gap) == MISSING_TEXT and "mean" in model.data(gap, tip)


def test_the_fit_plot_starts_on_a_feature_with_more_than_two_values(window, qtbot, tmp_path):
    path = tmp_path / "flags.csv"
    rows = [(k % 2, 50 + 7 * k, 3 * k + 1) for k in range(12)]
    path.write_text("garden,size,price\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(path))
    assert window.data_view.feature_combo.currentText() == "size"  # not the 0/1 column
