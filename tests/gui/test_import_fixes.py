"""The import preview and Data tab after a newcomer's test (issue 11): a very wide file, the
dry run of the choices, warnings that stay, choices that do not carry over, the detect entry,
row numbers and filled values."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from core.settings import DataSettings
from gui_app.explore.column_roles import kind_text
from gui_app.explore.file_page import FILE_FILTER
from gui_app.explore.import_choices import ImportDraft, file_summary
from gui_app.explore.import_dialog import ImportDialog
from gui_app.explore.views.curves import short_label

TIMEOUT = 15_000
# '.' between three digits, ';' delimiter: '2.104' is read as 2104 and the reader warns
AMBIGUOUS = "size;rooms;price\n2.104;3;399900\n1.600;3;329900\n2.400;3;369000\n1.416;2;232000\n"
# a hole on line 4 (the third data row)
HOLES = "size,rooms,price\n1,3,10\n2,4,12\n3,,15\n4,5,11\n5,2,20\n6,3,18\n"


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _dialog(qtbot, path) -> ImportDialog:
    dialog = ImportDialog(str(path))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.is_reading(), timeout=TIMEOUT)
    return dialog


def test_a_wide_file_lists_its_columns_without_a_widget_each(qtbot, tmp_path):
    names = [f"c{k}" for k in range(3000)]
    rows = [",".join(str((r * 7 + k) % 11) for k in range(3000)) for r in range(5)]
    path = _write(tmp_path, "wide.csv", "\n".join([",".join(names), *rows]) + "\n")
    dialog = _dialog(qtbot, path)
    lst = dialog.column_list
    assert lst.model().rowCount() == 3000
    assert lst.findChildren(QComboBox) == []  # no editor until one is asked for
    combo = dialog.role_editor("c5")
    assert len(lst.findChildren(QComboBox)) == 1 and combo.currentData() == "feature"
    combo.setCurrentIndex(combo.findData("ignore"))
    combo.activated.emit(combo.currentIndex())
    assert dialog.resolved["c5"].role == "ignore"
    assert lst.model().index(5, 3).data() == "ignored"
    dialog.reject()
    assert not dialog._runner.thread_alive()


def test_cancel_during_a_read_closes_at_once(qtbot, tmp_path):
    dialog = ImportDialog(str(_write(tmp_path, "holes.csv", HOLES)))
    qtbot.addWidget(dialog)
    dialog.reject()  # the read may still be in flight
    assert not dialog.isVisible() and not dialog._runner.thread_alive()


def test_load_waits_for_choices_that_can_load(qtbot, tmp_path):
    dialog = _dialog(qtbot, _write(tmp_path, "holes.csv", HOLES))
    assert dialog.draft.roles.missing == "refuse"
    assert not dialog.ok_button.isEnabled()
    assert "rooms" in dialog.error_label.text() and not dialog.error_label.isHidden()
    assert "--missing" not in dialog.error_label.text()  # in the window's words
    assert "Missing values: drop incomplete rows" in dialog.error_label.text()
    dialog.set_missing("drop")
    assert dialog.ok_button.isEnabled() and dialog.error_label.isHidden()
    for name in ("size", "rooms", "price"):
        dialog.set_role(name, "ignore")
    assert not dialog.ok_button.isEnabled() and dialog.error_label.text()
    dialog.reject()


def test_thousands_none_on_grouped_numbers_disables_load(qtbot, tmp_path):
    text = 'size,bedrooms,price\n"2,104",3,"399,900.00"\n"1,600",3,"329,900.00"\n'
    dialog = _dialog(qtbot, _write(tmp_path, "en_us.csv", text + '"2,400",3,"369,000.00"\n'))
    assert dialog.ok_button.isEnabled()
    dialog.set_option("thousands", "none")
    qtbot.waitUntil(lambda: not dialog.is_reading(), timeout=TIMEOUT)
    assert not dialog.ok_button.isEnabled() and dialog.error_label.text()
    dialog.reject()


def test_the_detect_entry_keeps_what_detection_decided(qtbot, tmp_path):
    dialog = _dialog(qtbot, _write(tmp_path, "semi.csv", "a;b;y\n1,5;2;3\n2,5;3;4\n3,25;4;6\n"))
    combo = dialog.option_combos["decimal"]
    assert combo.itemText(0) == "detect: comma 1,5"
    dialog.set_option("decimal", ".")
    qtbot.waitUntil(lambda: not dialog.is_reading(), timeout=TIMEOUT)
    assert combo.itemText(0) == "detect: comma 1,5"  # not the override
    assert combo.currentData() == "."
    dialog.reject()


def test_another_file_starts_from_every_default():
    data = DataSettings(csv_path="/a.csv", missing="drop", decimal=",", ignore=("id",))
    same = ImportDraft.from_settings(data, "/a.csv")
    assert (same.roles.missing, same.options.decimal) == ("drop", ",")
    other = ImportDraft.from_settings(data, "/b.csv")
    assert (other.roles.missing, other.options.decimal, other.roles.ignore) == (
        "refuse",
        "auto",
        (),
    )


def test_a_reading_warning_stays_with_the_data_as_a_warning(window, qtbot, tmp_path):
    path = _write(tmp_path, "ambiguous.csv", AMBIGUOUS)
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(path))
    assert window.state.message.kind == "warning"
    assert "2.104" in window.state.message.text and "--decimal" not in window.state.message.text
    page = window.controls.file_page
    tab = window.data_tab
    for label in (page.warnings, tab.warnings):
        assert not label.isHidden() and "“Decimal mark: point 1.5”" in label.text()
        assert "fff6e0" in label.styleSheet()  # the warning style
    assert "⚠ 1 reading warning (below)" in tab.summary.text()
    window.controller.show_message("a run's message")  # the banner moves on ...
    assert "2.104" in page.warnings.text() and "2.104" in tab.warnings.text()  # ... they stay


def test_data_tab_rows_are_file_lines_and_filled_cells_show_the_mean(window, qtbot, tmp_path):
    path = _write(tmp_path, "holes.csv", HOLES)
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(path), {"missing": "mean"})
    model = window.data_tab.model
    table = window.prepared.dataset.table
    assert table.line_of(2) == 4  # the header is line 1
    assert model.headerData(2, Qt.Orientation.Vertical) == "4"  # the "row 4" of messages
    c = model.names.index("rooms")
    assert model.data(model.index(2, c)) == "3.4"  # (3 + 4 + 5 + 2 + 3) / 5
    ds = window.prepared.dataset
    assert ds.X[2, ds.feature_names.index("rooms")] == pytest.approx(3.4)  # what core filled
    assert "mean" in model.data(model.index(2, c), 3)  # ToolTipRole


def test_words_and_plurals():
    class Col:
        kind, levels, index_like = "text", 1, False

    assert kind_text(Col()) == "text, 1 value"
    assert "*.data" in FILE_FILTER and "*.dat " in FILE_FILTER
    # runs on different data name their data even when short
    assert short_label("#3 GD α=0.1, z-score · insurance.csv → charges", keep_data=True) == (
        "#3 GD α=0.1 · insurance.csv"
    )


def test_file_summary_names_the_decimal_mark(window, qtbot, tmp_path):
    path = _write(tmp_path, "holes.csv", HOLES)
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(path), {"missing": "drop"})
    text = file_summary(window.prepared.dataset)
    assert "decimal mark point 1.5" in text and "decimal ." not in text


def test_a_column_of_numbers_written_another_way_is_warned_in_the_preview(qtbot, tmp_path):
    # the warning naming the choice that reads it shows before Load, not only after
    path = tmp_path / "fr.csv"
    path.write_text("a;b;y\n2 104;1;10\n1 600;2;12\n3 050;3;11\n")
    dialog = ImportDialog(str(path))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table is not None, timeout=10_000)
    text = dialog.warnings.toPlainText()
    assert dialog.warnings.isVisibleTo(dialog) and "'a'" in text and "space" in text
    assert "--thousands" not in text  # in the window's words
    dialog.reject()
