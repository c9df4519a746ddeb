"""The import preview (issue 10 items 5 and 6): opening or dropping a file shows how it will
be read and what each column is for; only OK changes the window's state."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from core.data.roles import ColumnRoles
from gui_app.explore.import_choices import ImportDraft
from gui_app.explore.import_dialog import ImportDialog

TIMEOUT = 15_000

# a ";" file with decimal commas, a text column and an index column (own numbers)
SHOP = (
    "id;region;size;rooms;price\n"
    "1;north;1,5;3;200,5\n"
    "2;south;2,25;4;310\n"
    "3;north;3,75;2;150,25\n"
    "4;east;3,5;5;420\n"
    "5;south;2,75;3;330\n"
    "6;east;1,25;2;180\n"
)


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _ready(qtbot, dialog: ImportDialog) -> None:
    """Wait for the read in flight to be shown."""
    qtbot.waitUntil(lambda: not dialog.is_reading(), timeout=TIMEOUT)


def _cells(dialog: ImportDialog, column: str) -> list[str]:
    model = dialog.preview.model()
    c = model.names.index(column)
    return [model.data(model.index(r, c)) for r in range(model.rowCount())]


def _choose(combo, value) -> None:
    """Pick the item whose data is ``value`` as a user would (``activated``)."""
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def _role_combo(dialog: ImportDialog, column: str):
    """The role editor of ``column``, opened as a double-click opens it."""
    combo = dialog.role_editor(column)
    assert combo is not None and combo.isVisible()
    return combo


def _drop(window, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


@pytest.fixture
def shop(tmp_path):
    return _write(tmp_path, "shop.csv", SHOP)


def test_dropping_a_file_opens_the_preview_and_loads_nothing(window, qtbot, shop):
    before = window.state.settings
    _drop(window, shop)
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    _ready(qtbot, dialog)
    assert dialog.preview.model().rowCount() == 6
    assert dialog.table.decided["delimiter"] == ";"
    assert "semicolon" in dialog.decided_label.text() and "6 rows × 5 columns" in (
        dialog.decided_label.text()
    )
    assert window.state.settings == before  # a draft only: nothing loaded yet
    dialog.reject()


def test_open_data_asks_for_a_file_then_shows_the_preview(window, qtbot, shop, monkeypatch):
    from gui_app.explore import file_page

    monkeypatch.setattr(file_page.QFileDialog, "getOpenFileName", lambda *a, **k: (str(shop), ""))
    window.controls.source_combo.setCurrentIndex(window.controls.source_combo.findData("csv"))
    window.controls.open_button.click()
    dialog = window.import_dialog
    assert dialog is not None and dialog.draft.path == str(shop)
    _ready(qtbot, dialog)
    dialog.reject()
    # the File menu has the same action
    window.classroom.open_data_action.trigger()
    assert window.import_dialog is not None and window.import_dialog is not dialog
    window.import_dialog.reject()


def test_changing_the_decimal_mark_reads_again_and_changes_the_values(qtbot, tmp_path):
    # "2,104" is 2104 with a thousands comma or 2.104 with a decimal comma: the user decides
    path = _write(tmp_path, "sizes.csv", "size;price\n2,104;399\n1,600;329\n852;178\n1,416;232\n")
    dialog = ImportDialog(str(path))
    qtbot.addWidget(dialog)
    assert dialog.is_reading() and dialog.table is None  # read off the GUI thread
    assert not dialog.ok_button.isEnabled()
    _ready(qtbot, dialog)
    with qtbot.waitSignal(dialog.preview_ready, timeout=TIMEOUT):
        _choose(dialog.option_combos["decimal"], ".")
    if dialog.table is None:  # refused, with a message naming the column: never misread
        assert "size" in dialog.error
    else:  # no number with a decimal point and no thousands separator: text as written
        assert _cells(dialog, "size") == ["2,104", "1,600", "852", "1,416"]
    with qtbot.waitSignal(dialog.preview_ready, timeout=TIMEOUT):
        _choose(dialog.option_combos["decimal"], ",")
    assert _cells(dialog, "size") == ["2.104", "1.6", "852", "1.416"]
    assert dialog.table.decided["decimal"] == ","
    assert dialog.settings_fields()["decimal"] == ","
    dialog.reject()


def test_roles_chosen_in_the_preview_become_the_settings_and_the_features(window, qtbot, shop):
    dialog = window.ask_import(str(shop))
    _ready(qtbot, dialog)
    with qtbot.waitSignal(dialog.preview_ready, timeout=TIMEOUT):
        dialog.set_option("decimal", ",")
    _choose(_role_combo(dialog, "id"), "ignore")
    _choose(_role_combo(dialog, "rooms"), "ignore")
    _choose(_role_combo(dialog, "region"), "ignore")
    assert dialog.resolved["id"].role == "ignore" and dialog.resolved["price"].role == "target"
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        dialog.ok_button.click()
    data = window.state.settings.data
    assert (data.csv_path, data.delimiter, data.decimal) == (str(shop), "auto", ",")
    assert set(data.ignore) == {"id", "rooms", "region"} and data.target == "price"
    ds = window.prepared.dataset
    assert ds.feature_names == ("size",) and ds.target_name == "price"
    assert ds.y.tolist() == [200.5, 310, 150.25, 420, 330, 180]
    assert window.import_dialog is None


def _one_hot_available() -> bool:
    import os
    import tempfile

    from core.data.roles import table_to_dataset
    from core.data.table import read_table

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("r,x,y\na,1,2\nb,2,3\na,3,5\n")
        ds = table_to_dataset(read_table(path), ColumnRoles(categorical=("r",)))
    return any(n.startswith("r=") for n in ds.feature_names)


def test_a_categorical_choice_becomes_one_hot_features(window, qtbot, shop):
    if not _one_hot_available():
        pytest.skip("core.data.roles does not one-hot encode yet (issue 10 item 4)")
    dialog = window.ask_import(str(shop))
    _ready(qtbot, dialog)
    with qtbot.waitSignal(dialog.preview_ready, timeout=TIMEOUT):
        dialog.set_option("decimal", ",")
    dialog.set_role("region", "categorical")
    assert dialog.resolved["region"].role == "categorical"
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        dialog.accept()
    assert window.state.settings.data.categorical == ("region",)
    names = window.prepared.dataset.feature_names
    assert any(n.startswith("region=") for n in names) and "region" not in names
    if window.prepared.problem.n < len(names):  # a level left to the intercept: said so
        assert "left to b" in window.controls.data_info.text()
    assert window.data_view.feature_combo.currentText() == "size"  # not a 0/1 column


def test_cancel_leaves_the_state_as_it_was(window, qtbot, shop):
    before = window.state.settings
    prepared = window.prepared
    dialog = window.ask_import(str(shop))
    _ready(qtbot, dialog)
    with qtbot.waitSignal(dialog.preview_ready, timeout=TIMEOUT):
        dialog.set_option("decimal", ",")
    dialog.set_role("id", "ignore")
    dialog.set_missing("drop")
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert window.state.settings == before and window.prepared is prepared
    assert window.import_dialog is None and window.state.settings.data.source == "housing"


def test_an_unreadable_file_shows_its_message_in_the_dialog(window, qtbot, tmp_path):
    empty = _write(tmp_path, "empty.csv", "\n\n")
    before = window.state.settings
    dialog = window.ask_import(str(empty))
    with qtbot.waitSignal(dialog.preview_failed, timeout=TIMEOUT) as failed:
        pass
    message = failed.args[0]
    assert "empty.csv" in message and "Traceback" not in message
    assert dialog.error_label.isVisible() and dialog.error_label.text() == message
    assert not dialog.ok_button.isEnabled()
    dialog.reject()
    assert window.state.settings == before and window.prepared is not None


def test_choices_that_cannot_apply_are_explained_not_loaded(qtbot, shop):
    from core.data.table import read_table

    table = read_table(shop)
    roles, problem = ImportDraft(str(shop), roles=ColumnRoles(ignore=("nope",))).resolve(table)
    assert roles == {} and "nope" in problem
    # a re-read that renames the columns drops the choices that named the old ones
    fitted = ImportDraft(str(shop), roles=ColumnRoles(ignore=("nope", "id"))).fitted_to(table)
    assert fitted.roles.ignore == ("id",)


def test_import_options_reopens_the_preview_with_the_current_choices(window, qtbot, shop):
    fields = {"decimal": ",", "ignore": ("id",), "target": "price", "missing": "mean"}
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(shop), fields)
    page = window.controls.file_page
    assert "semicolon" in page.summary.text() and "6 rows × 5 columns" in page.summary.text()
    window.controls.import_button.click()
    dialog = window.import_dialog
    _ready(qtbot, dialog)
    assert dialog.option_combos["decimal"].currentData() == ","
    assert dialog.missing_combo.currentData() == "mean"
    assert dialog.resolved["id"].role == "ignore" and dialog.resolved["price"].role == "target"
    dialog.reject()


def test_a_session_keeps_the_import_choices(window, qtbot, shop, tmp_path):
    fields = {
        "delimiter": ";",
        "decimal": ",",
        "thousands": "none",
        "header": "yes",
        "ignore": ("id", "region", "rooms"),
        "target": "price",
        "missing": "drop",
    }
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(shop), fields)
    saved = window.state.settings.data
    path = tmp_path / "choices.gdx.json"
    with qtbot.waitSignal(window.classroom.sessions.writer.saved, timeout=TIMEOUT):
        assert window.classroom.save_session(path)
    window.controls.source_combo.setCurrentIndex(0)  # the housing demo
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.request_prepare()
    assert window.state.settings.data.source == "housing"
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        assert window.classroom.open_session(path)
    data = window.state.settings.data
    assert data == saved
    assert (data.delimiter, data.decimal, data.ignore, data.missing) == (
        ";",
        ",",
        ("id", "region", "rooms"),
        "drop",
    )
    assert window.prepared.dataset.feature_names == ("size",)


@pytest.mark.parametrize("name", ["book.xlsx", "book-saved-as.csv"])
def test_an_excel_file_offers_its_sheets(qtbot, tmp_path, name):
    # a workbook under a text name is one too: what was read decides the controls
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    first = book.active
    first.title = "houses"
    for row in (("size", "price"), (1, 10), (2, 20), (3, 30)):
        first.append(row)
    second = book.create_sheet("cars")
    for row in (("speed", "weight", "distance"), (10, 1, 5), (20, 2, 15)):
        second.append(row)
    path = tmp_path / name
    book.save(path)
    dialog = ImportDialog(str(path))
    qtbot.addWidget(dialog)
    _ready(qtbot, dialog)
    sheets = dialog.option_combos["sheet"]
    assert [sheets.itemText(k) for k in range(sheets.count())] == ["houses", "cars"]
    assert sheets.isEnabled() and not dialog.option_combos["delimiter"].isEnabled()
    assert dialog.preview.model().names == ["size", "price"]
    with qtbot.waitSignal(dialog.preview_ready, timeout=TIMEOUT):
        _choose(sheets, "cars")
    assert dialog.preview.model().names == ["speed", "weight", "distance"]
    assert dialog.settings_fields()["sheet"] == "cars"
    dialog.reject()


def test_the_window_starts_without_pandas(tmp_path):
    """pandas is imported when a file is read, never at start-up (issue 10 item 1)."""
    from tests.gui.app_process import WINDOW_PRELUDE, last_json_line, run_app_script

    script = WINDOW_PRELUDE + "import sys\nprint(json.dumps({'pandas': 'pandas' in sys.modules}))\n"
    proc = run_app_script(script, tmp_path / "config")
    assert last_json_line(proc) == {"pandas": False}


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_preview_fits_the_screen_with_everything_reachable(tmp_path, shop, size):
    from tests.gui.app_process import (
        WINDOW_PRELUDE,
        last_json_line,
        offscreen_screen,
        run_app_script,
    )

    script = (
        WINDOW_PRELUDE
        + f"""
from PySide6.QtCore import QRect
d = w.ask_import({str(shop)!r})
wait(lambda: not d.is_reading())
for _ in range(20):
    app.processEvents()
screen = d.screen().availableGeometry()
box = d.rect()
def inside(widget):
    r = QRect(widget.mapTo(d, widget.rect().topLeft()), widget.size())
    return widget.isVisible() and box.contains(r) and r.width() > 20 and r.height() > 10
parts = [*d.option_combos.values(), d.missing_combo, d.ok_button, d.preview, d.column_list]
m = d.column_list.model()
editors = [inside(d.role_editor(m.columns[k].name)) for k in (0, m.rowCount() - 1)]
print(json.dumps({{
    "fits": screen.contains(d.frameGeometry()),
    "reachable": all(inside(p) for p in parts) and all(editors),
    "preview_rows": d.preview.viewport().height() // d.preview.rowHeight(0),
}}))
d.reject()
"""
    )
    width, height = size
    platform = offscreen_screen(tmp_path, width, height)
    out = last_json_line(run_app_script(script, tmp_path / "config", platform=platform))
    assert out["fits"] and out["reachable"]
    assert out["preview_rows"] >= 10  # the first rows can be read, not a sliver


def test_a_file_without_a_header_row_gets_its_target_as_a_column_index(window, qtbot, tmp_path):
    """Made-up column names are no setting: the default target is stored as its index, and
    the target picker reads back the same setting (no second prepare)."""
    path = _write(tmp_path, "plain.csv", "1,2.0,3\n2,4.1,5\n3,5.9,8\n4,8.2,9\n5,9.9,12\n")
    with qtbot.waitSignal(window.problem_ready, timeout=TIMEOUT):
        window.open_csv(str(path))
    assert window.prepared.dataset.table.decided["header"] == "no"
    data = window.state.settings.data
    assert data.target == "2" and window.prepared.dataset.y.tolist() == [3, 5, 8, 9, 12]
    prepared = window.prepared
    window.request_prepare()
    assert window.state.settings.data == data and window.prepared is prepared


def test_a_choice_the_roles_refuse_is_explained_and_load_is_disabled(qtbot, shop, monkeypatch):
    """resolve_roles' InputError (a choice that cannot apply) shows in the dialog; OK waits
    until the choice is changed."""
    from core.data import roles as core_roles
    from core.errors import InputError
    from gui_app.explore import import_choices

    def refusing(table, roles):
        if roles.target == "region":
            raise InputError("column 2 'region' holds text: choose a numeric target")
        return core_roles.resolve_roles(table, roles)

    monkeypatch.setattr(import_choices, "resolve_roles", refusing)
    dialog = ImportDialog(str(shop))
    qtbot.addWidget(dialog)
    _ready(qtbot, dialog)
    assert dialog.ok_button.isEnabled() and dialog.error_label.isHidden()
    dialog.set_role("region", "target")
    assert not dialog.ok_button.isEnabled()
    assert "choose a numeric target" in dialog.error_label.text()
    assert not dialog.error_label.isHidden()
    dialog.set_role("rooms", "target")
    assert dialog.ok_button.isEnabled() and dialog.error_label.isHidden()
    assert dialog.settings_fields()["target"] == "rooms"
    dialog.reject()


def test_closing_the_window_closes_the_preview_and_its_reader(qtbot, shop):
    from tests.gui.classroom_window import shown_window

    window = shown_window(qtbot)
    window.classroom.remember = False
    dialog = window.ask_import(str(shop))
    _ready(qtbot, dialog)
    runner = dialog._runner
    window.close()
    assert window.import_dialog is None and not runner.thread_alive()
